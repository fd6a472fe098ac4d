"""What the objectives of pairwise-utility games share: the problem, time budget, solver glue.

The objectives ``social_optimum``, ``equilibrium``, ``alignment`` and
``q_learning`` read a :class:`~fairmas.models.pairwise_game.PairwiseGame`; their
methods call the MILP (:mod:`fairmas.formulations.pairwise_game` on HiGHS), CP-SAT
(:mod:`fairmas.solvers.game_cpsat`) or the compiled enumeration
(:mod:`fairmas.solvers.game_enumeration`) through the helpers here, and
:func:`social_optimum_method` says which social-optimum solver is fastest on
a game (the default of ``social_optimum`` and the prices of ``equilibrium``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyomo.environ as pyo

from fairmas.constraints.registry import NO_CONSTRAINTS, ConstraintSet
from fairmas.formulations.pairwise_game import (
    equilibrium_model,
    exclude_profile,
    profile_from_model,
    social_optimum_model,
)
from fairmas.models.pairwise_game import PairwiseGame, format_count
from fairmas.registry import Parameters
from fairmas.result import Status
from fairmas.solvers.game_cycle_lp import cycle_lp_social_optimum
from fairmas.solvers.game_dnn import dnn_social_optimum, too_many_actions
from fairmas.solvers.game_enumeration import ENUMERATION_LIMIT
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum
from fairmas.solvers.highs import solve_model
from fairmas.solvers.options import SolveOptions

WELFARE_RTOL = 1e-6
"""Profiles within ``WELFARE_RTOL * max(1, |W*|)`` of the social optimum W* count as optimal."""


DENSE_SHARE = 0.5
"""Share of all player pairs that must interact for a game to count as dense."""

DENSE_PROFILES = 10**12
"""Profiles from which ``dnn`` beats toulbar2 on dense games.

On the dense benchmark games (seed 0, 60 s limit or less) toulbar2 is faster
up to 15 × 5 (3 × 10¹⁰ profiles: 0.2 s against 0.5 s), ``dnn`` from 18 × 5
(3.8 × 10¹²: 1.0 s against 2.5 s); toulbar2 does not finish 25 × 4, 40 × 3,
60 × 2 or 30 × 5 in 30 s, which ``dnn`` proves in 1–25 s.
"""

SPARSE_PLAYERS = 100
"""Players from which ``cycle_lp`` beats toulbar2 on games that are not dense.

On random games of seed 1 (30 s limit, BENCHMARKS.md) toulbar2 is faster
below 100 players (30 × 5 of degree 10: 2.1 s against 7.9 s) and both take
well under a second on the easy games of 100 players or more, where
``cycle_lp`` proves what toulbar2 cannot (300 × 3 of degree 4: 4.7 s, and
600 × 3: 7.9 s, where toulbar2 stops at gaps of 1.4–1.5 % after 30 s) and
otherwise stops at a smaller gap (100 × 3 of degree 10: 0.12 % against 3.4 %).
"""


def is_dense(game: PairwiseGame) -> bool:
    """Whether at least :data:`DENSE_SHARE` of all player pairs interact.

    >>> is_dense(PairwiseGame.random(10, 3, seed=0)), is_dense(PairwiseGame.random(50, 3, 4))
    (True, False)
    """
    n = game.n_players
    pairs = n * (n - 1) // 2
    return pairs > 0 and len(game.edges[0]) >= DENSE_SHARE * pairs


MIDDLE_DEGREE = 12
"""Average number of partners from which ``dnn`` also wins on games that are not dense."""

MIDDLE_ACTIONS = 200
"""Most actions in all of a game that is not dense for ``dnn`` to run on it by default.

On random games of seeds 1 and 2 (30 s limit, BENCHMARKS.md) of average
degree 12 to 24 and at most 200 actions ``dnn`` is the fastest in 9 of 11, often
where toulbar2 and ``cycle_lp`` do not finish (40 × 4 of degree 16: 5.9 s),
and slower in two that all three prove within 7 s (60 × 3 of degree 12:
6.1 s against 1.6 s). Beyond 200 actions it still ends with the smallest
gaps on most such games, but on some (80 × 3 of degree 24, 100 × 3 of
degree 20) its open bound is still near the trivial one after 30 s.
"""


def average_degree(game: PairwiseGame) -> float:
    """Interacting pairs per player, counted at both ends: 2·|E| / n.

    >>> average_degree(PairwiseGame.random(50, 3, degree=4))
    4.0
    """
    return 2 * len(game.edges[0]) / max(game.n_players, 1)


def social_optimum_method(game: PairwiseGame) -> str:
    """The method that finds the social optimum of ``game`` fastest in our measurements.

    ``dnn`` on games of at least :data:`DENSE_PROFILES` profiles that are
    dense (:func:`is_dense`, at most
    :data:`~fairmas.solvers.game_dnn.ACTION_LIMIT` actions) or of average
    degree at least :data:`MIDDLE_DEGREE` with at most
    :data:`MIDDLE_ACTIONS` actions; among the others, ``cycle_lp`` on games
    of at least :data:`SPARSE_PLAYERS` players that are not dense and
    ``toulbar2`` on the rest.

    >>> dense, sparse = PairwiseGame.random(20, 5, seed=0), PairwiseGame.random(200, 3, 4)
    >>> small, middle = PairwiseGame.random(50, 3, degree=4), PairwiseGame.random(50, 3, 16)
    >>> [social_optimum_method(game) for game in (dense, sparse, small, middle)]
    ['dnn', 'cycle_lp', 'toulbar2', 'dnn']
    """
    dense = is_dense(game)
    middle = average_degree(game) >= MIDDLE_DEGREE and game.total_actions <= MIDDLE_ACTIONS
    if dense or middle:
        large = game.n_profiles >= DENSE_PROFILES and too_many_actions(game) is None
        return "dnn" if large else "toulbar2"
    return "cycle_lp" if game.n_players >= SPARSE_PLAYERS else "toulbar2"


def fastest_social_optimum(
    game: PairwiseGame,
    time_limit: float | None,
    threads: int | None = None,
    incumbent: np.ndarray | None = None,
) -> Any:
    """The social optimum by the method of :func:`social_optimum_method`.

    For the prices of the equilibrium methods that are not models (``cpsat``,
    ``search``). ``incumbent`` (a known profile, e.g. the best equilibrium)
    starts toulbar2 and ``cycle_lp``; ``dnn`` finds its own.

    Returns
    -------
    Toulbar2Outcome, CycleLpOutcome or DnnOutcome
        Each has the ``status`` and the best ``profile`` found.

    Examples
    --------
    >>> game = PairwiseGame.random(6, 2, seed=0)
    >>> found = fastest_social_optimum(game, 10)
    >>> str(found.status), game.welfare(found.profile)
    ('optimal', 171.0)
    """
    method = social_optimum_method(game)
    if method == "dnn":
        return dnn_social_optimum(game, time_limit, threads=threads)
    if method == "cycle_lp":
        return cycle_lp_social_optimum(game, time_limit, threads=threads, incumbent=incumbent)
    return toulbar2_social_optimum(game, time_limit, incumbent=incumbent)


@dataclass(frozen=True)
class GameProblem:
    """What every method of a game objective works on: the game and the parameters."""

    game: PairwiseGame
    params: Any
    constraints: ConstraintSet = NO_CONSTRAINTS
    """Plug-in constraints the ``milp`` methods add to every model (:mod:`fairmas.constraints`)."""


def prepare_game(game: PairwiseGame, params: Parameters) -> GameProblem:
    """Nothing to precompute beyond the game's own cached index arrays."""
    return GameProblem(game=game, params=params)


def profile_count(game: PairwiseGame) -> str:
    """Π|A_i| written as a product and, when large, in scientific notation."""
    sizes = game.n_actions.tolist()
    if len(set(sizes)) == 1:
        product = f"{sizes[0]}^{len(sizes)}"
    else:
        product = "·".join(map(str, sizes)) if len(sizes) <= 8 else "Π|A_i|"
    return f"{product} = {format_count(game.n_profiles)}"


def enumeration_fits(alternatives: str) -> Any:
    """An ``applies`` check: at most :data:`ENUMERATION_LIMIT` profiles."""

    def applies(problem: GameProblem) -> str | None:
        if problem.game.n_profiles <= ENUMERATION_LIMIT:
            return None
        return (
            f"the game has {profile_count(problem.game)} profiles, more than the "
            f"enumeration limit of 10^7; use {alternatives}"
        )

    return applies


def named(game: PairwiseGame, profile: np.ndarray) -> dict[str, Any]:
    """``{"profile": {player: action}}``."""
    return {"profile": game.profile_names(profile)}


class Budget:
    """A method's time limit shared by its successive solves."""

    def __init__(self, options: SolveOptions) -> None:
        self.options = options
        self.started = time.perf_counter()

    @property
    def remaining(self) -> float | None:
        """Seconds left (None without a limit)."""
        if self.options.time_limit is None:
            return None
        return self.options.time_limit - (time.perf_counter() - self.started)

    @property
    def exhausted(self) -> bool:
        """Whether the time limit has passed."""
        left = self.remaining
        return left is not None and left <= 0

    def for_next_solve(self) -> SolveOptions:
        """The options with the time that is left (at least 10 ms)."""
        left = self.remaining
        if left is None:
            return self.options
        return replace(self.options, time_limit=max(left, 0.01))


@dataclass
class ProfileSearch:
    """One solve for a single best profile: status, profile (or None), proven bound."""

    status: Status
    profile: np.ndarray | None
    bound: float | None = None
    message: str = ""


def solve_profile_model(
    model: pyo.ConcreteModel, game: PairwiseGame, options: SolveOptions
) -> ProfileSearch:
    """Solve a profile MILP with HiGHS and decode the profile."""
    solved = solve_model(model, options)
    profile = profile_from_model(model, game) if solved.has_solution else None
    return ProfileSearch(solved.status, profile, solved.bound, solved.message)


Extend = Callable[[pyo.ConcreteModel], None]
"""``extend(model)``: adds components (plug-in constraints) to a model right after it is built."""


def _extended(model: pyo.ConcreteModel, extend: Extend | None) -> pyo.ConcreteModel:
    if extend is not None:
        extend(model)
    return model


def milp_social_optimum(
    game: PairwiseGame, options: SolveOptions, extend: Extend | None = None
) -> ProfileSearch:
    """The social optimum by the MILP."""
    return solve_profile_model(_extended(social_optimum_model(game), extend), game, options)


def milp_equilibria(
    game: PairwiseGame,
    which: str,
    limit: int,
    budget: Budget,
    form: str = "indicator",
    extend: Extend | None = None,
) -> tuple[list[np.ndarray], ProfileSearch, bool]:
    """Equilibria from best (or worst) welfare on, by repeated solves with no-good cuts.

    Returns the profiles found (at most ``limit``), the first solve (whose
    bound is the proven bound on the extreme welfare) and whether the list is
    complete (the last solve proved no further equilibrium exists).
    """
    model = _extended(equilibrium_model(game, which, form), extend)
    first = solve_profile_model(model, game, budget.for_next_solve())
    found = [] if first.profile is None else [first.profile]
    complete = first.status is Status.INFEASIBLE
    last = first
    while last.profile is not None and last.status is Status.OPTIMAL and len(found) < limit:
        if budget.exhausted:
            break
        exclude_profile(model, game, last.profile)
        last = solve_profile_model(model, game, budget.for_next_solve())
        if last.profile is not None:
            found.append(last.profile)
        complete = last.status is Status.INFEASIBLE
    return found, first, complete


def combined_status(*statuses: Status) -> Status:
    """The status of several solves: an error or a time limit wins over optimal."""
    for worst in (Status.ERROR, Status.MAX_TIME_LIMIT, Status.FEASIBLE):
        if worst in statuses:
            return worst
    return Status.OPTIMAL


def welfare_ratio(optimum: float, other: float, what: str) -> tuple[float | None, str]:
    """The ratio ≥ 1 of the social optimum to another welfare, or None and why.

    With positive welfare it is ``optimum / other`` (the welfare-maximization
    convention). When both are negative, welfare is a cost C = −W and the
    ratio is ``C(other) / C(optimum) = other / optimum`` (the cost-minimization
    convention of routing games, Roughgarden and Tardos 2002); the note then
    says so. With a zero or mixed-sign welfare the ratio is undefined.

    >>> welfare_ratio(10.0, 5.0, "price of anarchy")
    (2.0, '')
    >>> welfare_ratio(-80.0, -100.0, "price of anarchy")
    (1.25, 'price of anarchy as a ratio of costs (welfare is negative)')
    >>> welfare_ratio(10.0, 0.0, "price of anarchy")[1]
    'price of anarchy undefined: it needs welfare of one strict sign (got 10 and 0)'
    """
    if optimum > 0 and other > 0:
        return optimum / other, ""
    if optimum < 0 and other < 0:
        return other / optimum, f"{what} as a ratio of costs (welfare is negative)"
    got = f"got {optimum:.10g} and {other:.10g}"
    return None, f"{what} undefined: it needs welfare of one strict sign ({got})"
