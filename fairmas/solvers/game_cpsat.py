"""Social optimum and pure Nash equilibria of a polymatrix game with OR-Tools CP-SAT.

CP-SAT works on integers, so payoffs are scaled first (:func:`integer_scale`):
by the smallest power of ten 10^k, k ≤ 9, that makes every payoff an integer
(exact for payoffs with at most k decimals), else by the largest power of two
that keeps every sum of |payoffs| below 2^53 (then each payoff is rounded,
off by at most 1/(2·factor)). Reported values are always recomputed in floating
point from the profile.

Model: Booleans y_{i,a} with exactly one action per player. The welfare uses
Booleans z_{e,ab} on interacting pairs only, tied to y by the local marginal
constraints Σ_b z_{e,ab} = y_{i,a}, Σ_a z_{e,ab} = y_{j,b} (as in
:mod:`fairmas.formulations.pairwise_game`). Best responses are half-reified
linear constraints, which CP-SAT propagates directly on y:

.. math::

    y_{i,a} \\Rightarrow \\sum_j \\sum_b \\big(u_{ij}(a, b) - u_{ij}(a', b)\\big)\\, y_{j,b} \\ge 0
    \\qquad \\forall i,\\ a \\ne a'.

References
----------
L. Perron, F. Didier, "CP-SAT", OR-Tools (Google), 2024.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.result import Status
from fairmas.solvers.game_local_search import local_welfare_profile

EXACT_DECIMALS = 9
"""Largest k tried for the power-of-ten scale 10^k."""
SUM_LIMIT = 2.0**53
"""Largest Σ|scaled payoff| allowed: sums stay exact in float64 and far inside int64."""


@dataclass(frozen=True)
class Scaling:
    """Integer scaling of payoffs: ``round(payoff * factor)``; ``exact`` when no rounding."""

    factor: float
    exact: bool


def integer_scale(values: np.ndarray) -> Scaling:
    """Choose the factor that turns payoffs into integers for CP-SAT.

    Parameters
    ----------
    values : ndarray of float
        All payoffs of the game.

    Returns
    -------
    Scaling
        The smallest 10^k (k ≤ :data:`EXACT_DECIMALS`) under which every value
        is an integer (up to float noise: 10^-6 of a unit) and Σ|values|·10^k ≤ 2^53;
        otherwise the largest power of two within that sum limit, inexact.

    Examples
    --------
    >>> integer_scale(np.array([3.0, -1.0, 5.0]))
    Scaling(factor=1.0, exact=True)
    >>> integer_scale(np.array([0.25, 1.5]))
    Scaling(factor=100.0, exact=True)
    >>> s = integer_scale(np.array([1 / 3]))
    >>> s.exact, math.log2(s.factor).is_integer()
    (False, True)
    """
    values = np.asarray(values, dtype=np.float64)
    total = float(np.abs(values).sum())
    if total == 0.0:
        return Scaling(1.0, True)
    for k in range(EXACT_DECIMALS + 1):
        factor = 10.0**k
        if total * factor > SUM_LIMIT:
            break
        scaled = values * factor
        if np.all(np.abs(scaled - np.rint(scaled)) <= np.maximum(1e-6, 1e-12 * np.abs(scaled))):
            return Scaling(factor, True)
    return Scaling(math.ldexp(1.0, math.floor(math.log2(SUM_LIMIT / total))), False)


@dataclass
class CpSatOutcome:
    """How a CP-SAT search ended."""

    status: Status
    profiles: list[np.ndarray] = field(default_factory=list)
    bound: float | None = None
    complete: bool = True
    scaling: Scaling = field(default_factory=lambda: Scaling(1.0, True))
    wall_time: float = 0.0
    message: str = ""


class _Game:
    """The CP-SAT model of a game: y, optional z and the welfare, best-response rows."""

    def __init__(self, game: PairwiseGame, welfare: bool, equilibrium: bool) -> None:
        payoffs, _ = game.flat
        self.game = game
        self.scaling = integer_scale(payoffs)
        factor = self.scaling.factor
        model = cp_model.CpModel()
        self.model = model
        offset = game.action_offset
        self.y = [model.new_bool_var(f"y{g}") for g in range(game.total_actions)]
        for i in range(game.n_players):
            model.add_exactly_one(self.y[offset[i] : offset[i + 1]])
        self.welfare = None
        if welfare:
            self.welfare = self._welfare(factor)
        if equilibrium:
            self._best_responses(factor)

    def _welfare(self, factor: float) -> cp_model.LinearExpr:
        game, model, y = self.game, self.model, self.y
        u, v, _, _ = game.edges
        offset = game.action_offset
        terms, coefficients = [], []
        for e in range(u.size):
            weights = np.rint(game.edge_welfare(e) * factor).astype(np.int64)
            if not weights.any():
                continue
            mi, mj = weights.shape
            z = [[model.new_bool_var("") for _ in range(mj)] for _ in range(mi)]
            for a in range(mi):
                model.add(sum(z[a]) == y[offset[u[e]] + a])
            for b in range(mj):
                model.add(sum(z[a][b] for a in range(mi)) == y[offset[v[e]] + b])
            for a in range(mi):
                for b in range(mj):
                    if weights[a, b]:
                        terms.append(z[a][b])
                        coefficients.append(int(weights[a, b]))
        return cp_model.LinearExpr.weighted_sum(terms, coefficients)

    def _best_responses(self, factor: float) -> None:
        game, model, y = self.game, self.model, self.y
        pointer, order = game.tables_by_player
        offset = game.action_offset
        slack = math.floor(game.tolerance * factor)
        scaled = [np.rint(table * factor).astype(np.int64) for table in game.tables]
        for i in range(game.n_players):
            mine = order[pointer[i] : pointer[i + 1]].tolist()
            m_i = int(game.n_actions[i])
            if not mine or m_i < 2:
                continue
            opponents = [y[offset[game.opponent[t]] : offset[game.opponent[t] + 1]] for t in mine]
            for a in range(m_i):
                for deviation in range(m_i):
                    if deviation == a:
                        continue
                    terms, coefficients = [], []
                    for t, opponent in zip(mine, opponents, strict=True):
                        gain = scaled[t][a] - scaled[t][deviation]
                        for b in np.flatnonzero(gain).tolist():
                            terms.append(opponent[b])
                            coefficients.append(int(gain[b]))
                    if terms:
                        model.add(
                            cp_model.LinearExpr.weighted_sum(terms, coefficients) >= -slack
                        ).only_enforce_if(y[offset[i] + a])

    def profile(self, solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback) -> np.ndarray:
        game = self.game
        chosen = np.array([solver.boolean_value(var) for var in self.y], dtype=bool)
        return np.array(
            [
                int(np.flatnonzero(chosen[game.action_offset[i] : game.action_offset[i + 1]])[0])
                for i in range(game.n_players)
            ],
            dtype=np.int64,
        )


DEFAULT_WORKERS = 8
"""CP-SAT workers when no thread count is given. CP-SAT's portfolio includes its
LP-based subsolvers (the ones that prove bounds) only from about 8 workers on;
on fewer cores they share time. On a sparse 200 × 3 game, 8 workers on 2 cores
proved the optimum in 47 s, while 2 workers left a 9 % gap after 40 s."""


def _solver(time_limit: float | None, threads: int | None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = max(float(time_limit), 0.01)
    solver.parameters.num_workers = int(threads) if threads is not None else DEFAULT_WORKERS
    return solver


def _first_equilibrium(game: PairwiseGame, time_limit: float | None) -> CpSatOutcome:
    """Any pure equilibrium, or a proof that none exists: the model without welfare.

    One worker: on a sparse 1000 × 3 game it proved that no pure equilibrium
    exists in 10 s (23 s with 8 workers), where the search with the welfare
    objective had not finished after 60 s.
    """
    built = _Game(game, welfare=False, equilibrium=True)
    solver = _solver(time_limit, 1)
    code = solver.solve(built.model)
    outcome = CpSatOutcome(status=Status.MAX_TIME_LIMIT, scaling=built.scaling)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        outcome.status, outcome.profiles = Status.FEASIBLE, [built.profile(solver)]
    elif code == cp_model.INFEASIBLE:
        outcome.status = Status.INFEASIBLE
    elif code != cp_model.UNKNOWN or time_limit is None:
        outcome.status = Status.ERROR
        outcome.message = f"CP-SAT ended with {solver.status_name(code)}"
    return outcome


def cpsat_profile(
    game: PairwiseGame,
    sense: str = "max",
    equilibrium: bool = False,
    time_limit: float | None = None,
    threads: int | None = None,
    hint: np.ndarray | None = None,
) -> CpSatOutcome:
    """The pure profile of maximum (or minimum) welfare, among equilibria if asked.

    Parameters
    ----------
    game : PairwiseGame
    sense : {"max", "min"}
    equilibrium : bool
        Only pure Nash equilibria (status ``infeasible`` when there is none).
        Without a ``hint``, a first search without the welfare (the fastest to
        find an equilibrium or prove there is none) runs before the
        optimization, which then starts from the equilibrium found.
    time_limit : float, optional
        Seconds for everything; the incumbent comes back with status
        ``max_time_limit``.
    threads : int, optional
        CP-SAT workers (default :data:`DEFAULT_WORKERS`).
    hint : ndarray, optional
        A feasible profile to start from (for ``equilibrium``: an equilibrium).
        For the social optimum, the default hint is
        :func:`~fairmas.solvers.game_local_search.local_welfare_profile`.

    Returns
    -------
    CpSatOutcome
        ``profiles`` holds the profile found; ``bound`` the proven bound on the
        welfare, unscaled.

    Examples
    --------
    >>> pd = [[3, 0], [5, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
    ... )
    >>> [cpsat_profile(game, equilibrium=e).profiles[0].tolist() for e in (False, True)]
    [[0, 0], [1, 1]]
    """
    started = time.perf_counter()
    if equilibrium and hint is None:
        first = _first_equilibrium(game, time_limit)
        first.wall_time = time.perf_counter() - started
        if not first.profiles:
            first.complete = first.status is Status.INFEASIBLE
            return first
        hint = first.profiles[0]
        if time_limit is not None:
            time_limit -= first.wall_time
    if hint is None and sense == "max" and not equilibrium:
        hint = local_welfare_profile(game)  # any profile is feasible: a local optimum
    built = _Game(game, welfare=True, equilibrium=equilibrium)
    if sense == "max":
        built.model.maximize(built.welfare)
    else:
        built.model.minimize(built.welfare)
    if hint is not None:
        chosen = set((game.action_offset[:-1] + np.asarray(hint)).tolist())
        for g, var in enumerate(built.y):
            built.model.add_hint(var, g in chosen)
    solver = _solver(time_limit, threads)
    code = solver.solve(built.model)
    outcome = CpSatOutcome(status=Status.ERROR, scaling=built.scaling)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        outcome.profiles = [built.profile(solver)]
        outcome.bound = solver.best_objective_bound / built.scaling.factor
        outcome.status = Status.OPTIMAL if code == cp_model.OPTIMAL else Status.MAX_TIME_LIMIT
    elif code == cp_model.INFEASIBLE:
        outcome.status = Status.INFEASIBLE
    elif code == cp_model.UNKNOWN and time_limit is not None:
        outcome.status = Status.MAX_TIME_LIMIT
        if hint is not None:  # stopped before its first solution: the hint is one
            outcome.profiles = [np.asarray(hint)]  # (CP-SAT reports no valid bound then)
    else:
        outcome.message = f"CP-SAT ended with {solver.status_name(code)}"
    outcome.complete = code in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    outcome.wall_time = time.perf_counter() - started
    return outcome


class _Collector(cp_model.CpSolverSolutionCallback):
    def __init__(self, built: _Game, limit: int) -> None:
        super().__init__()
        self.built = built
        self.limit = limit
        self.profiles: list[np.ndarray] = []

    def on_solution_callback(self) -> None:
        self.profiles.append(self.built.profile(self))
        if len(self.profiles) >= self.limit:
            self.stop_search()


def cpsat_all_equilibria(
    game: PairwiseGame, limit: int, time_limit: float | None = None
) -> CpSatOutcome:
    """Up to ``limit`` pure Nash equilibria, by CP-SAT's enumeration of all solutions.

    ``complete`` tells whether every equilibrium was listed. The search runs
    on one worker, as CP-SAT's enumeration of all solutions requires.

    Examples
    --------
    >>> coordination = [[1, 0], [0, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["l", "r"], "b": ["l", "r"]},
    ...     [("a", "b", coordination), ("b", "a", coordination)],
    ... )
    >>> sorted(p.tolist() for p in cpsat_all_equilibria(game, limit=10).profiles)
    [[0, 0], [1, 1]]
    """
    started = time.perf_counter()
    built = _Game(game, welfare=False, equilibrium=True)
    solver = _solver(time_limit, 1)
    solver.parameters.enumerate_all_solutions = True
    collector = _Collector(built, limit)
    code = solver.solve(built.model, collector)
    outcome = CpSatOutcome(status=Status.ERROR, scaling=built.scaling)
    outcome.profiles = collector.profiles
    outcome.complete = code in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and (
        len(collector.profiles) < limit
    )
    if collector.profiles:
        outcome.status = Status.OPTIMAL if outcome.complete else Status.FEASIBLE
        if code == cp_model.FEASIBLE and len(collector.profiles) < limit:
            outcome.status = Status.MAX_TIME_LIMIT
    elif code == cp_model.INFEASIBLE:
        outcome.status = Status.INFEASIBLE
    elif code == cp_model.UNKNOWN and time_limit is not None:
        outcome.status = Status.MAX_TIME_LIMIT
    else:
        outcome.message = f"CP-SAT ended with {solver.status_name(code)}"
    outcome.wall_time = time.perf_counter() - started
    return outcome
