"""Solving the allocation models: one LP/MILP, leximin sequences, and the utilitarian optimum.

Leximin (the lexicographic maximum of the sorted weighted utilities
v_i(x)/w_i) is computed two ways that share nothing but the max-min model:

* :func:`leximin_by_saturation` (divisible goods, LPs): solve max-min; every
  agent whose row has a non-zero dual is saturated — by complementary
  slackness its row is tight in *every* optimal solution — so pin its utility
  and continue (Ogryczak, Pióro & Tomaszewski 2005; Nace & Pióro 2008). The
  duals of the floor rows scaled by 1/w_i sum to 1, so each LP fixes at least
  one agent.
* :func:`leximin_by_ordered_outcomes` (any goods, LPs or MILPs): maximize, for
  k = 1..n in turn, the sum of the k smallest weighted utilities, written
  linearly as max k·r_k − Σ_i d_ik with d_ik ≥ r_k − y_i, d_ik ≥ 0, and keep
  each optimum as a constraint (Ogryczak & Śliwiński 2003). With integer
  goods no agent need be saturated after a level (two agents, one good), so
  this is the MILP method. An LP stage also restricts the model to its optimal
  face (:meth:`CompiledModel.restrict_to_optimal_face`) before the next one.

Both modify one HiGHS model in place between levels (warm re-solves). Both take
``extend(model)``, called on the max-min model right after it is built (plug-in
constraints, :mod:`fairmas.constraints`): the levels are then those of the
constrained problem. Saturation stays valid under extra linear rows (the floor
duals still sum to 1, complementary slackness still holds), but not under
integer variables a plug-in may add: it then ends with ``error``.

Numerics. The leximin vector can be badly conditioned: on the smart-grid
scenario (weighted utilities x_i/d_i, peak demands d_i from 3 to 400 kW on one
feeder) an allocation that gives up ε of one level can raise a later one by
~10³·ε, and the kept rows compound it. Hence no level is kept one-sided with a
slack where an equality is known: a saturated agent's utility is pinned from
both sides at the value the allocation reaches (a one-sided v_i(x) ≥ level −
slack let the next LPs move ~10⁻⁷ of utility between agents), and an LP stage of
ordered outcomes fixes its optimal face instead of relying on its kept sum
k·r_k − Σ d_ik ≥ optimum − slack alone (which let the next stages trade the
earlier sums away: errors up to 0.5 and solves HiGHS called infeasible or
ended ``Unknown`` at 40 and 80 consumers). A re-solve that fails is repeated
from scratch before any slack is widened.

References
----------
W. Ogryczak, M. Pióro, A. Tomaszewski, "Telecommunication network design and
max-min optimization problem", J. Telecom. Inform. Technol. 3 (2005).
D. Nace, M. Pióro, "Max-min fairness and its applications to routing and
load-balancing in communication networks: a tutorial", IEEE Comm. Surveys 10(4), 2008.
W. Ogryczak, T. Śliwiński, "On solving linear programs with the ordered
weighted averaging objective", EJOR 148 (2003).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo

from fairmas.formulations.allocation import build_max_min_model, clean_allocation
from fairmas.models.allocation import AllocationInstance
from fairmas.result import Status
from fairmas.solvers.highs_direct import CompiledModel, LinearOutcome
from fairmas.solvers.options import SolveOptions

LEVEL_SLACK = 1e-9
"""A kept sum of ordered outcomes is kept as k·r_k − Σ_i d_ik ≥ S_k − LEVEL_SLACK·|S_k|,
so that the next LP stays feasible despite rounding in the previous one. Pinned
utilities (saturation) are exact equalities until the slack has to be widened."""

MAX_LEVEL_SLACK = 1e-5
"""When a re-solve with fixed levels ends infeasible, the slack of every fixed level grows
(×10 at a time) up to this before the infeasibility is believed: HiGHS applies its
feasibility tolerance to the scaled model, and degenerate rows (plug-in envy-freeness
constraints) made it call level 3 of 30 agents × 10 goods infeasible at 1e-9. A method
that needed more than :data:`PROVEN_LEVEL_SLACK` reports ``feasible``, not ``optimal``."""

PROVEN_LEVEL_SLACK = 1e-6
"""Largest level slack with which a leximin vector still counts as optimal (the
agreement tolerance of :data:`fairmas.registry.AGREEMENT_RTOL`)."""

SATURATION_DUAL_TOLERANCE = 1e-7
"""An agent is saturated when the dual of its floor row, scaled to v_i(x)/w_i − t ≥ 0
(the scaled duals sum to 1), exceeds this: HiGHS' dual feasibility tolerance, below
which its own optimality test does not tell a dual from zero. A saturated agent with a
smaller dual is merely found one LP later (the agent with the largest dual is always
fixed); an agent taken for saturated by a noisy dual would be fixed too early."""

FACE_DUAL_TOLERANCE = 1e-9
"""Reduced costs and duals (of the proving sign) above this fix their column or row when
an ordered-outcomes stage restricts the LP to its optimal face. Far above the rounding
error of HiGHS' duals (~1e-13 here), and below its dual feasibility tolerance (1e-7) on
purpose: a true reduced cost left unfixed leaves a direction along which the next stages
trade the kept sum away within its slack, amplified by the ratio of the utility
coefficients; at 1e-7, 6 of 40 random instances with coefficients spread over 10⁷ ended
wrong beyond 1e-6 (0 of 40 with a spread of 10⁴ either way), at 1e-9, 2."""

EXTENDED_FEASIBILITY_TOLERANCE = 1e-9
"""HiGHS' primal feasibility tolerance for level sequences with added constraints (default
1e-7): with envy-freeness rows it cut the slack the levels needed from 1e-6 to 1e-7 and
made both leximin methods agree to 1e-7 (30 agents × 10 goods, four seeds)."""


class _FixedLevels:
    """The rows that keep the levels reached so far, and their common slack.

    A row is kept one-sided (row ≥ target − slack·scale: the sum of the k smallest
    outcomes) or pinned (|row − target| ≤ slack·scale: a saturated agent's utility).
    """

    def __init__(self, compiled: CompiledModel) -> None:
        self.compiled = compiled
        self.rows: list[tuple[int, float, float, bool]] = []
        self.slack = LEVEL_SLACK
        self.fresh_solves = 0

    def fix(self, row: int, target: float, scale: float, *, pinned: bool = False) -> None:
        """Keep row ≥ target − slack·scale, or pin it: row = target (± slack·scale once the
        slack was widened)."""
        self.rows.append((row, target, scale, pinned))
        self._bound(row, target, scale, pinned)

    def _bound(self, row: int, target: float, scale: float, pinned: bool) -> None:
        if pinned:  # exact until the slack had to be widened
            width = self.slack * scale if self.slack > LEVEL_SLACK else 0.0
            lower, upper = target - width, target + width
        else:
            lower, upper = target - self.slack * scale, np.inf
        self.compiled.highs.changeRowBounds(row, lower, upper)

    def solve(self, options: SolveOptions, **kwargs: object) -> LinearOutcome:
        """Solve; when that fails with levels fixed, re-solve from scratch, then widen the slack.

        A warm re-solve of a degenerate LP sometimes ends ``Unknown`` or
        (wrongly) infeasible; HiGHS' solver state is cleared first and the LP
        solved again from scratch, and only then the slack of every fixed level
        grows (×10 at a time, up to :data:`MAX_LEVEL_SLACK`).
        """
        outcome = self.compiled.solve(options, want_iis=not self.rows, **kwargs)
        if self.rows and _failed(outcome):
            self.compiled.highs.clearSolver()
            self.fresh_solves += 1
            outcome = self.compiled.solve(options, want_iis=False, **kwargs)
        while _failed(outcome) and self.rows and self.slack < MAX_LEVEL_SLACK:
            self.slack = min(self.slack * 10, MAX_LEVEL_SLACK)
            for row, target, scale, pinned in self.rows:
                self._bound(row, target, scale, pinned)
            outcome = self.compiled.solve(options, want_iis=False, **kwargs)
        return outcome

    @property
    def status(self) -> Status:
        """``optimal``, or ``feasible`` when the levels needed more slack than proven ones."""
        return Status.OPTIMAL if self.slack <= PROVEN_LEVEL_SLACK else Status.FEASIBLE

    def note(self, details: dict[str, object]) -> dict[str, object]:
        """Record a widened slack and fresh re-solves in ``details``."""
        if self.slack > LEVEL_SLACK:
            details["level_slack"] = self.slack
        if self.fresh_solves:
            details["fresh_solves"] = self.fresh_solves
        return details


def _failure_status(outcome: LinearOutcome, details: dict[str, object]) -> Status:
    """The status of a failed level solve: ``error`` for an optimum without a solution."""
    if outcome.status is Status.OPTIMAL:
        details["error"] = "HiGHS reported an optimum without a primal solution or duals"
        return Status.ERROR
    return outcome.status


def _failed(outcome: LinearOutcome) -> bool:
    """Whether a level solve failed in a way a re-solve may cure (not a time limit)."""
    if outcome.status is Status.MAX_TIME_LIMIT:
        return False
    return outcome.status is not Status.OPTIMAL or outcome.x is None


def _tighten(compiled: CompiledModel, extended: bool) -> None:
    if extended:
        compiled.highs.setOptionValue(
            "primal_feasibility_tolerance", EXTENDED_FEASIBILITY_TOLERANCE
        )


@dataclass
class AllocationSolve:
    """What an allocation solver hands back: status, allocation matrix and statistics."""

    status: Status
    x: np.ndarray | None
    bound: float | None = None
    details: dict[str, object] = field(default_factory=dict)


def x_columns(compiled: CompiledModel, model: pyo.ConcreteModel, n: int, m: int) -> np.ndarray:
    """Column index of each x[i, j] of a compiled allocation model, shape (n, m)."""
    return compiled.columns_of([model.x[i, j] for i in range(n) for j in range(m)]).reshape(n, m)


def solve_allocation_model(
    model: pyo.ConcreteModel,
    instance: AllocationInstance,
    options: SolveOptions,
) -> AllocationSolve:
    """Compile ``model`` (an allocation formulation), solve it with HiGHS, decode x.

    Returns the status, the allocation, HiGHS' bound, and the constraints of
    an IIS when the model is infeasible.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [2.0]])
    >>> solved = solve_allocation_model(build_max_min_model(inst), inst, SolveOptions())
    >>> solved.status, np.round(solved.x, 6).tolist()
    (<Status.OPTIMAL: 'optimal'>, [[0.666667], [0.333333]])
    """
    started = time.perf_counter()
    compiled = CompiledModel(model)
    loaded = time.perf_counter() - started
    outcome = compiled.solve(options)
    details = _outcome_details(outcome)
    details["model_load_time"] = loaded
    details["highs_time"] = time.perf_counter() - started - loaded
    x = None
    if outcome.has_solution:
        cols = x_columns(compiled, model, instance.n_agents, instance.n_resources)
        x = clean_allocation(outcome.x[cols], instance)
    return AllocationSolve(outcome.status, x, outcome.bound, details)


def _outcome_details(outcome: LinearOutcome) -> dict[str, object]:
    details: dict[str, object] = {"termination": outcome.termination}
    if outcome.message:
        details["error"] = outcome.message
    if outcome.infeasible_constraints:
        details["infeasible_constraints"] = outcome.infeasible_constraints
    return details


def leximin_by_saturation(
    instance: AllocationInstance,
    options: SolveOptions,
    extend: Callable[[pyo.ConcreteModel], None] | None = None,
) -> AllocationSolve:
    """Leximin with divisible goods: a max-min LP per level, saturated agents found by duals.

    ``extend(model)`` adds components to the max-min model before it is compiled.

    Notes
    -----
    Each LP maximizes t subject to v_i(x) ≥ w_i t for the agents not yet fixed.
    With λ_i the dual of agent i's row, μ_i = w_i λ_i is the dual of the row
    scaled to v_i(x)/w_i ≥ t, and Σ_i μ_i = 1 (the column of t). An agent with
    μ_i > :data:`SATURATION_DUAL_TOLERANCE` (of the sign that proves the row
    binding) has v_i(x)/w_i = t in every optimal solution, so its row is pinned
    from both sides at the utility the allocation reaches and loses t.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b", "c"], ["r", "s"],
    ...                                       [[1, 0], [1, 0], [1, 1]])
    >>> solved = leximin_by_saturation(inst, SolveOptions())
    >>> np.round((inst.values * solved.x).sum(axis=1), 6).tolist()
    [0.5, 0.5, 1.0]
    """
    n, m = instance.n_agents, instance.n_resources
    model = build_max_min_model(instance)
    if extend is not None:
        extend(model)
    compiled = CompiledModel(model)
    _tighten(compiled, extend is not None)
    if compiled.is_mip:
        return AllocationSolve(
            Status.ERROR,
            None,
            None,
            {
                "error": "the added constraints make the model a MILP; saturation needs LPs "
                "(use ordered_outcomes)"
            },
        )
    t_col = compiled.column_of(model.t)
    floor_rows = compiled.rows_of([model.floor[i] for i in range(n)])
    cols = x_columns(compiled, model, n, m)
    weights = instance.entitlements
    fixed = np.zeros(n, dtype=bool)
    levels = np.zeros(n)
    kept = _FixedLevels(compiled)
    lps = 0
    started = time.perf_counter()
    outcome = None
    while not fixed.all():
        if options.time_limit is not None:
            remaining = options.time_limit - (time.perf_counter() - started)
            if remaining <= 0:
                return _stopped(outcome, instance, cols, levels, fixed, lps)
            run_options = SolveOptions(remaining, options.mip_gap, options.threads, options.verbose)
        else:
            run_options = options
        outcome = kept.solve(run_options, want_duals=True)
        lps += 1
        if _failed(outcome) or outcome.row_duals is None:
            if outcome.status is Status.MAX_TIME_LIMIT:
                return _stopped(outcome, instance, cols, levels, fixed, lps)
            details = kept.note(_outcome_details(outcome))
            details["levels_fixed"] = int(fixed.sum())
            return AllocationSolve(_failure_status(outcome, details), None, None, details)
        level = outcome.objective
        # dual of agent i's row scaled by 1/w_i (v_i(x)/w_i − t ≥ 0): these sum to 1;
        # HiGHS gives a binding ≥ row of a maximization a negative dual, and one of the
        # other sign (a tolerated dual infeasibility) proves nothing
        shares = -weights * outcome.row_duals[floor_rows]
        shares[fixed] = 0.0
        saturated = (shares > SATURATION_DUAL_TOLERANCE) & ~fixed
        if not saturated.any():
            saturated[int(np.argmax(np.where(fixed, -1.0, shares)))] = True
        reached = (instance.values * outcome.x[cols]).sum(axis=1)  # v_i(x), row i without t
        for i in np.flatnonzero(saturated):
            row = int(floor_rows[i])
            compiled.highs.changeCoeff(row, t_col, 0.0)
            kept.fix(row, float(reached[i]), abs(float(reached[i])), pinned=True)
            levels[i] = level
        fixed |= saturated
    assert outcome is not None
    assert outcome.x is not None
    x = clean_allocation(outcome.x[cols], instance)
    return AllocationSolve(
        kept.status,
        x,
        None,
        kept.note(
            {"lp_solves": lps, "levels": levels.tolist(), "termination": outcome.termination}
        ),
    )


def _stopped(
    outcome: LinearOutcome | None,
    instance: AllocationInstance,
    cols: np.ndarray,
    levels: np.ndarray,
    fixed: np.ndarray,
    solves: int,
) -> AllocationSolve:
    details = {"lp_solves": solves, "levels_fixed": int(fixed.sum())}
    if outcome is None or outcome.x is None:
        return AllocationSolve(Status.MAX_TIME_LIMIT, None, None, details)
    x = clean_allocation(outcome.x[cols], instance)
    return AllocationSolve(Status.MAX_TIME_LIMIT, x, None, details)


def leximin_by_ordered_outcomes(
    instance: AllocationInstance,
    options: SolveOptions,
    extend: Callable[[pyo.ConcreteModel], None] | None = None,
) -> AllocationSolve:
    """Leximin for any goods: lexicographically maximize the sums of the k smallest outcomes.

    ``extend(model)`` adds components to the max-min model before it is compiled.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1], [1]], divisible=False)
    >>> solved = leximin_by_ordered_outcomes(inst, SolveOptions())
    >>> sorted(solved.x.ravel().tolist())
    [0.0, 1.0]
    """
    n, m = instance.n_agents, instance.n_resources
    model = build_max_min_model(instance)
    if extend is not None:
        extend(model)
    compiled = CompiledModel(model)
    _tighten(compiled, extend is not None)
    highs = compiled.highs
    t_col = compiled.column_of(model.t)
    cols = x_columns(compiled, model, n, m)
    highs.changeColCost(t_col, 0.0)
    highs.changeColBounds(t_col, 0.0, 0.0)  # t and its floor rows play no part here
    scaled = instance.values / instance.entitlements[:, None]  # y_i = Σ_j scaled_ij x_ij
    sums = []
    fixings = 0
    kept = _FixedLevels(compiled)
    started = time.perf_counter()
    outcome = None
    for k in range(1, n + 1):
        first = highs.getNumCol()
        # columns: r_k (free, cost k), d_1k..d_nk (≥ 0, cost −1)
        highs.addCols(
            n + 1,
            np.array([float(k)] + [-1.0] * n),
            np.array([-np.inf] + [0.0] * n),
            np.array([np.inf] * (n + 1)),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        if compiled.is_mip:
            highs.changeColsIntegrality(
                n + 1,
                np.arange(first, first + n + 1, dtype=np.int32),
                np.array([highspy.HighsVarType.kContinuous] * (n + 1)),
            )
        r_col = first
        # rows: d_ik − r_k + y_i ≥ 0
        starts, index, value = [], [], []
        for i in range(n):
            starts.append(len(index))
            nonzero = np.flatnonzero(scaled[i])
            index += [first + 1 + i, r_col, *cols[i, nonzero].tolist()]
            value += [1.0, -1.0, *scaled[i, nonzero].tolist()]
        compiled.add_rows(
            np.zeros(n), np.full(n, np.inf), np.array(starts), np.array(index), np.array(value)
        )
        if options.time_limit is not None:
            remaining = options.time_limit - (time.perf_counter() - started)
            if remaining <= 0:
                break
            run_options = SolveOptions(remaining, options.mip_gap, options.threads, options.verbose)
        else:
            run_options = options
        outcome = kept.solve(run_options, want_duals=not compiled.is_mip)
        if _failed(outcome):
            if outcome.status is Status.MAX_TIME_LIMIT:
                break
            details = kept.note(_outcome_details(outcome))
            details["levels_done"] = k - 1
            return AllocationSolve(_failure_status(outcome, details), None, None, details)
        best = outcome.objective
        sums.append(best)
        # an LP: go on over its optimal face only (columns with a reduced cost, rows
        # with a dual fixed where they are); the kept row below alone would let the
        # next stages trade this sum away within its slack, amplified by the ratios of
        # the utility coefficients (smart grid: 10⁻⁹ slack, 10⁻³ error)
        fixings += compiled.restrict_to_optimal_face(FACE_DUAL_TOLERANCE)
        # keep it: k r_k − Σ_i d_ik ≥ best − slack; then drop the stage's costs. The
        # target is the sum the allocation found really reaches, when that is less than
        # the LP's objective (its rows hold only up to HiGHS' feasibility tolerance)
        reached = np.sort((scaled * outcome.x[cols]).sum(axis=1))[:k].sum()
        best = min(best, float(reached))
        row = compiled.n_rows
        compiled.add_rows(
            np.array([-np.inf]),
            np.array([np.inf]),
            np.array([0]),
            np.arange(first, first + n + 1, dtype=np.int32),
            np.array([float(k)] + [-1.0] * n),
        )
        kept.fix(row, best, abs(best))
        highs.changeColsCost(
            n + 1, np.arange(first, first + n + 1, dtype=np.int32), np.zeros(n + 1)
        )
    else:
        assert outcome is not None
        assert outcome.x is not None
        x = clean_allocation(outcome.x[cols], instance)
        return AllocationSolve(
            kept.status,
            x,
            None,
            kept.note(
                {
                    "solves": n,
                    "sums_of_smallest": sums,
                    "face_fixings": fixings,
                    "termination": outcome.termination,
                }
            ),
        )
    details = {"solves": len(sums), "sums_of_smallest": sums}
    if outcome is None or outcome.x is None:
        return AllocationSolve(Status.MAX_TIME_LIMIT, None, None, details)
    return AllocationSolve(
        Status.MAX_TIME_LIMIT, clean_allocation(outcome.x[cols], instance), None, details
    )


def utilitarian_optimum(instance: AllocationInstance) -> tuple[float, np.ndarray]:
    """Maximum welfare Σ_i v_i(x) and an allocation reaching it, in closed form.

    With additive valuations and per-agent caps the resources are independent:
    each is poured into the agents who value it most, each up to its cap (a
    fractional knapsack per resource; whole units stay whole because supplies
    and caps of indivisible resources are whole). It equals the optimum of
    :func:`fairmas.formulations.allocation.build_utilitarian_model`.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [2.0]], supply=[3],
    ...                                       caps=[[5], [2]])
    >>> welfare, x = utilitarian_optimum(inst)
    >>> welfare, x.tolist()
    (5.0, [[1.0], [2.0]])
    """
    n, m = instance.n_agents, instance.n_resources
    x = np.zeros((n, m))
    bounds = instance.upper_bounds
    for j in range(m):
        remaining = float(instance.supply[j])
        for i in np.argsort(-instance.values[:, j], kind="stable"):
            if remaining <= 0 or instance.values[i, j] <= 0:
                break
            amount = min(remaining, float(bounds[i, j]))
            x[i, j] = amount
            remaining -= amount
    return float((instance.values * x).sum()), x
