"""A Pyomo linear model compiled to arrays and handed to highspy in one call.

The formulations stay declarative Pyomo models; this backend replaces the
per-constraint loader of Pyomo's HiGHS interface by Pyomo's own
``LinearStandardFormCompiler`` (the model → sparse matrix A, costs c, bounds),
then one ``passModel`` call. On the max-min LP with 10⁶ variables that is
seconds instead of half a minute (``benchmarks/bench_allocation.py``). The
solver object stays alive, so sequences of related LPs (leximin levels,
outer-approximation cuts) modify rows in place and re-solve warm.

It also gives what the Pyomo interface hides: row duals (the prices of the
Eisenberg–Gale program, the saturation test of leximin) and, for an
infeasible LP, the constraints of an irreducible infeasible subsystem (IIS).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from fairmas.formulations.hints import LP_ALGORITHM_HINT
from fairmas.result import Status
from fairmas.solvers.highs_clock import limit_next_run
from fairmas.solvers.options import SolveOptions

IPM_THRESHOLD_NONZEROS = 300_000
"""LPs with more nonzeros go to HiGHS' interior-point method (with crossover): on the
max-min LP at 10⁶ variables the dual simplex did not finish in 300 s, the IPM took 25 s."""

_STATUS = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE_OR_UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: Status.MAX_TIME_LIMIT,
    highspy.HighsModelStatus.kModelEmpty: Status.OPTIMAL,
}


@dataclass
class LinearOutcome:
    """How one HiGHS run of a :class:`CompiledModel` ended.

    Attributes
    ----------
    status : Status
    objective : float or None
        Objective value of the incumbent (in the model's own sense).
    bound : float or None
        Best proven bound (MILP dual bound; the optimum of an LP).
    x : ndarray or None
        Column values of the incumbent.
    row_duals : ndarray or None
        Dual values of the rows (LPs solved to optimality).
    termination : str
        HiGHS' model status, for the record.
    message : str
        Why a solve ended with ``error``.
    infeasible_constraints : list of str
        Names of the constraints of an IIS when the LP is infeasible.
    column_duals : ndarray or None
        Reduced costs of the columns (with ``want_duals``; positive = improving
        in a maximization).
    """

    status: Status
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    row_duals: np.ndarray | None
    termination: str
    message: str = ""
    infeasible_constraints: list[str] = field(default_factory=list)
    column_duals: np.ndarray | None = None

    @property
    def has_solution(self) -> bool:
        """Whether :attr:`x` holds an incumbent."""
        return self.x is not None


def _proven_bounds(
    status: np.ndarray,
    signed_dual: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    tolerance: float,
    lower_code: int,
    upper_code: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (int32) of the nonbasic columns or rows whose dual proves their bound, and
    that bound (``signed_dual``: the dual in the signs of a minimization)."""
    at_lower = (status == lower_code) & (signed_dual > tolerance) & np.isfinite(lower)
    at_upper = (status == upper_code) & (signed_dual < -tolerance) & np.isfinite(upper)
    chosen = np.flatnonzero((at_lower | at_upper) & (lower < upper)).astype(np.int32)
    return chosen, np.where(at_lower[chosen], lower[chosen], upper[chosen])


class CompiledModel:
    """A linear or mixed-integer Pyomo model, compiled once and loaded into highspy.

    Parameters
    ----------
    model : pyomo.environ.ConcreteModel
        Linear constraints and one active linear objective.

    Attributes
    ----------
    highs : highspy.Highs
        The solver holding the model (modify it in place for related solves).
    columns : list of VarData
        Pyomo variable of each column.
    n_rows : int

    Examples
    --------
    >>> m = pyo.ConcreteModel()
    >>> m.x = pyo.Var([0, 1], bounds=(0, None))
    >>> m.budget = pyo.Constraint(expr=m.x[0] + 2 * m.x[1] <= 4)
    >>> m.obj = pyo.Objective(expr=m.x[0] + 3 * m.x[1], sense=pyo.maximize)
    >>> compiled = CompiledModel(m)
    >>> outcome = compiled.solve(want_duals=True)
    >>> outcome.status, outcome.objective, outcome.x.tolist()
    (<Status.OPTIMAL: 'optimal'>, 6.0, [0.0, 2.0])
    >>> float(abs(outcome.row_duals[compiled.row_of(m.budget)]))
    1.5
    """

    def __init__(self, model: pyo.ConcreteModel) -> None:
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        if len(info.objectives) != 1:
            raise ValueError(f"needs one active objective, found {len(info.objectives)}")
        self.model = model
        self.columns = list(info.columns)
        self.rows = list(info.rows)
        n_cols, n_rows = len(self.columns), len(self.rows)
        self.n_rows = n_rows
        lower = np.empty(n_cols)
        upper = np.empty(n_cols)
        integer = np.zeros(n_cols, dtype=bool)
        for position, var in enumerate(self.columns):
            lb, ub = var.bounds
            lower[position] = -np.inf if lb is None else lb
            upper[position] = np.inf if ub is None else ub
            if not var.is_continuous():
                integer[position] = True
        self.is_mip = bool(integer.any())
        multiplier = np.array([row.bound_type for row in self.rows], dtype=np.int64)
        rhs = np.asarray(info.rhs, dtype=np.float64)
        row_lower = np.where(multiplier <= 0, rhs, -np.inf)
        row_upper = np.where(multiplier >= 0, rhs, np.inf)
        cost = np.asarray(info.c.toarray()).ravel() if n_cols else np.zeros(0)
        A = info.A.tocsc()
        self.nonzeros = int(A.nnz)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = n_rows
        lp.col_cost_ = cost
        lp.col_lower_ = lower
        lp.col_upper_ = upper
        lp.row_lower_ = row_lower
        lp.row_upper_ = row_upper
        lp.offset_ = float(info.c_offset[0]) if len(info.c_offset) else 0.0
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr.astype(np.int32)
        lp.a_matrix_.index_ = A.indices.astype(np.int32)
        lp.a_matrix_.value_ = A.data.astype(np.float64)
        maximize = info.objectives[0].sense == pyo.maximize
        lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        if self.is_mip:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in integer
            ]
        self.maximize = maximize
        self.solves = 0
        self.highs.passModel(lp)
        self._column_of = {id(var): position for position, var in enumerate(self.columns)}
        self._rows_of: dict[int, list[int]] = {}
        for position, row in enumerate(self.rows):
            self._rows_of.setdefault(id(row.constraint), []).append(position)

    # ------------------------------------------------------------------ lookups

    def column_of(self, var: pyo.Var) -> int:
        """Column index of a Pyomo variable (KeyError when it is not in the model)."""
        return self._column_of[id(var)]

    def columns_of(self, variables: list) -> np.ndarray:
        """Column indices of several variables."""
        return np.array([self._column_of[id(v)] for v in variables], dtype=np.int32)

    def row_of(self, constraint: pyo.Constraint) -> int:
        """Row index of a one-sided or equality constraint."""
        return self._rows_of[id(constraint)][0]

    def rows_of(self, constraints: list) -> np.ndarray:
        """Row indices of several one-sided constraints."""
        return np.array([self._rows_of[id(c)][0] for c in constraints], dtype=np.int32)

    # ------------------------------------------------------------------ changes

    def add_rows(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        starts: np.ndarray,
        index: np.ndarray,
        value: np.ndarray,
    ) -> None:
        """Append rows given in compressed-row form (cuts of an outer approximation)."""
        self.highs.addRows(
            len(lower),
            np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
            len(index),
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=np.float64),
        )
        self.n_rows += len(lower)

    def restrict_to_optimal_face(self, tolerance: float | None = None) -> int:
        """Keep only the optimal solutions of the LP just solved (complementary slackness).

        Every nonbasic column whose reduced cost exceeds ``tolerance`` in magnitude,
        with the sign that makes leaving its bound worsen the objective, is fixed
        at that bound, and every row whose dual does is made an equality at its
        activity. (A reduced cost of the other sign is a dual infeasibility HiGHS
        tolerated; it proves nothing and fixes nothing.) The model then describes
        the optimal face of the objective just optimized (without an objective row
        and its slack), so that the next objective of a lexicographic sequence is
        optimized over that face. Call it before changing the costs.

        Parameters
        ----------
        tolerance : float, optional
            Reduced costs and duals at most this large count as zero; default:
            HiGHS' ``dual_feasibility_tolerance`` (1e-7), below which HiGHS' own
            optimality test does not tell a reduced cost from zero either.

        Returns
        -------
        int
            How many columns and rows were fixed (0 without a valid basis and duals,
            e.g. after a MILP).

        Notes
        -----
        If x* is optimal for max cᵀx s.t. l ≤ Ax ≤ u, b ≤ x ≤ B, with duals y and
        reduced costs z = c − Aᵀy, then every optimal x satisfies x_j at its bound
        where z_j ≠ 0 and (Ax)_i at its bound where y_i ≠ 0; with a strictly
        complementary pair these equalities describe exactly the optimal face
        (Goldman & Tucker 1956). Fixing them is the classic way to optimize
        objectives in lexicographic order: unlike a kept objective row
        ``cᵀx ≥ optimum − slack``, it leaves the later objectives no slack to trade
        the earlier ones away by (Isermann 1982). Reduced costs below the
        tolerance are left alone, so the face kept may be larger than the optimal
        face, never smaller (up to the precision of the duals).

        References
        ----------
        A. J. Goldman, A. W. Tucker, "Theory of linear programming", in Linear
        Inequalities and Related Systems, Annals of Math. Studies 38 (1956).
        H. Isermann, "Linear lexicographic optimization", OR Spektrum 4 (1982).

        Examples
        --------
        >>> m = pyo.ConcreteModel()
        >>> m.x = pyo.Var([0, 1], bounds=(0, 1))
        >>> m.budget = pyo.Constraint(expr=m.x[0] + m.x[1] <= 1.5)
        >>> m.obj = pyo.Objective(expr=m.x[0], sense=pyo.maximize)
        >>> compiled = CompiledModel(m)
        >>> compiled.solve().objective
        1.0
        >>> compiled.restrict_to_optimal_face()   # x[0] stays at 1
        1
        >>> _ = compiled.highs.changeColCost(compiled.column_of(m.x[0]), 0.0)
        >>> _ = compiled.highs.changeColCost(compiled.column_of(m.x[1]), 1.0)
        >>> compiled.solve().x.tolist()
        [1.0, 0.5]
        """
        highs = self.highs
        if self.is_mip:
            return 0
        if tolerance is None:
            tolerance = float(highs.getOptionValue("dual_feasibility_tolerance")[1])
        solution = highs.getSolution()
        basis = highs.getBasis()
        if not (solution.dual_valid and solution.value_valid and basis.valid):
            return 0
        lp = highs.getLp()
        # in HiGHS' signs a proving dual is positive at a lower bound when minimizing,
        # negative when maximizing (and the other way round at an upper bound)
        sign = -1.0 if self.maximize else 1.0
        lower_code = int(highspy.HighsBasisStatus.kLower)
        upper_code = int(highspy.HighsBasisStatus.kUpper)
        columns, column_value = _proven_bounds(
            np.array([int(s) for s in basis.col_status]),
            sign * np.asarray(solution.col_dual),
            np.asarray(lp.col_lower_),
            np.asarray(lp.col_upper_),
            tolerance,
            lower_code,
            upper_code,
        )
        if len(columns):
            highs.changeColsBounds(len(columns), columns, column_value, column_value)
        rows, _ = _proven_bounds(
            np.array([int(s) for s in basis.row_status]),
            sign * np.asarray(solution.row_dual),
            np.asarray(lp.row_lower_),
            np.asarray(lp.row_upper_),
            tolerance,
            lower_code,
            upper_code,
        )
        if len(rows):
            activity = np.asarray(solution.row_value)[rows]
            highs.changeRowsBounds(len(rows), rows, activity, activity)
        return len(columns) + len(rows)

    def load_values(self, x: np.ndarray) -> None:
        """Write column values into the Pyomo variables."""
        for var, value in zip(self.columns, x.tolist(), strict=True):
            var.set_value(value, skip_validation=True)

    # ------------------------------------------------------------------ solve

    def solve(
        self,
        options: SolveOptions | None = None,
        *,
        algorithm: str = "auto",
        want_duals: bool = False,
        want_iis: bool = True,
    ) -> LinearOutcome:
        """Run HiGHS on the model as it now stands.

        Parameters
        ----------
        options : SolveOptions, optional
            Time limit, MIP gap, threads and log.
        algorithm : {"auto", "simplex", "ipm", "choose"}
            ``auto``: the model's :data:`LP_ALGORITHM_HINT` for an LP that has
            one; else the interior-point method (with crossover) for LPs with
            more than :data:`IPM_THRESHOLD_NONZEROS` nonzeros, HiGHS' choice
            otherwise.
        want_duals : bool
            Return row duals (LPs only).
        want_iis : bool
            Search an irreducible infeasible subsystem when an LP is infeasible.

        Returns
        -------
        LinearOutcome
            Never raises for infeasible, unbounded or time-limited models.
        """
        options = options or SolveOptions()
        highs = self.highs
        highs.setOptionValue("output_flag", bool(options.verbose))
        limit_next_run(highs, options.time_limit)
        highs.setOptionValue("mip_rel_gap", float(options.mip_gap))
        if options.threads is not None:
            highs.setOptionValue("threads", int(options.threads))
        solver = algorithm
        if algorithm == "auto":
            solver = (
                "ipm" if not self.is_mip and self.nonzeros > IPM_THRESHOLD_NONZEROS else "choose"
            )
            hint = getattr(self.model, LP_ALGORITHM_HINT, None)
            if hint is not None and not self.is_mip and self.solves == 0:
                solver = hint
        highs.setOptionValue("solver", solver)
        highs.setOptionValue("presolve", "choose")
        started = time.perf_counter()
        self.solves += 1
        try:
            highs.run()
            status = _STATUS.get(highs.getModelStatus())
            if status is Status.INFEASIBLE_OR_UNBOUNDED:
                highs.setOptionValue("presolve", "off")
                highs.run()
                status = _STATUS.get(highs.getModelStatus())
        except Exception as exc:
            return LinearOutcome(
                Status.ERROR, None, None, None, None, "error", f"{type(exc).__name__}: {exc}"
            )
        model_status = highs.getModelStatus()
        termination = highs.modelStatusToString(model_status)
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if status is None:
            status = Status.FEASIBLE if has_solution else Status.ERROR
        solution = highs.getSolution() if has_solution else None
        x = np.asarray(solution.col_value, dtype=np.float64) if solution is not None else None
        objective = float(info.objective_function_value) if has_solution else None
        if self.is_mip:
            bound = float(info.mip_dual_bound)
            bound = bound if math.isfinite(bound) else None
        else:
            bound = objective if status is Status.OPTIMAL else None
        duals = column_duals = None
        if want_duals and solution is not None and not self.is_mip and solution.dual_valid:
            duals = np.asarray(solution.row_dual, dtype=np.float64)
            column_duals = np.asarray(solution.col_dual, dtype=np.float64)
        message = ""
        if status is Status.ERROR:
            message = f"HiGHS ended with {termination} after {time.perf_counter() - started:.3g} s"
        infeasible = self._iis_names() if status is Status.INFEASIBLE and want_iis else []
        return LinearOutcome(
            status, objective, bound, x, duals, termination, message, infeasible, column_duals
        )

    def _iis_names(self) -> list[str]:
        """Constraint names of an irreducible infeasible subsystem, when HiGHS finds one."""
        if self.is_mip or self.highs.getNumCol() != len(self.columns):
            # columns added outside Pyomo (leximin's ordered outcomes): HiGHS 1.13's IIS
            # search crashed on such a model, and its rows are not all Pyomo's
            return []
        try:
            # strategy 2: HiGHS' LP-based IIS search (0, the default, only reports
            # what presolve already proved, often nothing)
            self.highs.setOptionValue("iis_strategy", 2)
            status, iis = self.highs.getIis()
        except Exception:
            return []
        if status != highspy.HighsStatus.kOk or not iis.valid_:
            return []
        names = []
        for row in iis.row_index_:
            if row < len(self.rows):
                name = self.rows[row].constraint.name
                if name not in names:
                    names.append(name)
        return names
