"""Objective ``social_optimum``: the pure profile of maximum welfare of a pairwise-utility game.

max_a W(a) = Σ_i U_i(a) = Σ_i Σ_{j≠i} u_ij(a_i, a_j) (seed 000, section 4.1.1).
It is the benchmark against which equilibria (price of anarchy) and learners
are measured, and the target of ``alignment``. In general NP-hard (MAP
inference in a pairwise Markov random field).

Methods, in order of preference (with no method named, ``solve`` runs
``dnn`` instead of ``toulbar2`` on large dense games and on games of average
degree at least 12 with at most 200 actions, and ``cycle_lp`` on the other
games of at least 100 players that are not dense, see
:func:`preferred_method`):

``toulbar2``
    The game as a weighted CSP (cost function network) solved by toulbar2's
    hybrid best-first branch and bound (:mod:`fairmas.solvers.game_toulbar2`).
``dnn``
    Best-first branch and bound on doubly nonnegative (semidefinite and
    nonnegative) bounds computed by ADMM (:mod:`fairmas.solvers.game_dnn`).
    Best on dense games (every pair interacts), where the LP bounds of the
    other methods are weak; at most 1000 actions in total.
``cycle_lp``
    Players with at most two partners eliminated exactly, then the local
    marginal polytope LP tightened by cycle inequalities (HiGHS), rounded
    into incumbents; when the bound does not meet the incumbent, toulbar2
    searches the LP dual's exact cost network, which starts from the
    tightened bound (:mod:`fairmas.solvers.game_cycle_lp`). Best on large
    sparse games, where the tightened LP is often exact or nearly so.
``milp``
    Pyomo MILP on HiGHS; products linearized on interacting pairs only, by the
    local marginal polytope (:mod:`fairmas.formulations.pairwise_game`).
``cpsat``
    OR-Tools CP-SAT on integer-scaled payoffs (:mod:`fairmas.solvers.game_cpsat`).
``enumerate``
    Every profile, compiled (at most 10^7 profiles).
"""

from __future__ import annotations

import numpy as np

from fairmas.formulations.pairwise_game import social_optimum_model
from fairmas.models.pairwise_game import PairwiseGame, format_count
from fairmas.objectives.game_common import (
    GameProblem,
    enumeration_fits,
    named,
    prepare_game,
    social_optimum_method,
    solve_profile_model,
)
from fairmas.registry import (
    Objective,
    Outcome,
    Parameters,
    Report,
    method,
    model_method,
    register_objective,
)
from fairmas.result import Status
from fairmas.solvers import (
    cycle_separation,
    game_annealing,
    game_enumeration,
    toulbar2_watchdog,
)
from fairmas.solvers.game_cpsat import cpsat_profile
from fairmas.solvers.game_cycle_lp import cycle_lp_social_optimum
from fairmas.solvers.game_dnn import dnn_social_optimum, too_many_actions
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum
from fairmas.solvers.options import SolveOptions


class SocialOptimumParameters(Parameters):
    """``social_optimum`` has no parameters."""


def report(problem: GameProblem, outcome: Outcome) -> Report:
    """Welfare recomputed from the profile, each player's utility, and whether it is stable."""
    game = problem.game
    profile = np.asarray(outcome.solution)
    utilities = game.utilities(profile)
    regrets = game.regrets(profile)
    return Report(
        value=float(utilities.sum()),
        solution=named(game, profile),
        details={
            "utilities": dict(zip(game.players, utilities.tolist(), strict=True)),
            "is_equilibrium": bool((regrets <= game.tolerance).all()),
            "max_regret": float(regrets.max(initial=0.0)),
            "players": game.n_players,
            "interacting_pairs": len(game.edges[0]),
            "profiles": game.n_profiles
            if game.n_profiles < 2**53
            else format_count(game.n_profiles),
        },
    )


def preferred_method(problem: GameProblem) -> str:
    """The game's fastest method (:func:`~fairmas.objectives.game_common.social_optimum_method`).

    Examples
    --------
    >>> dense = PairwiseGame.random(20, 5, seed=0)           # 9.5e13 profiles
    >>> sparse = PairwiseGame.random(200, 3, degree=4, seed=0)
    >>> small = PairwiseGame.random(10, 4, seed=0)
    >>> [preferred_method(GameProblem(g, None)) for g in (dense, sparse, small)]
    ['dnn', 'cycle_lp', 'toulbar2']
    """
    return social_optimum_method(problem.game)


SOCIAL_OPTIMUM = register_objective(
    Objective(
        name="social_optimum",
        kind=PairwiseGame.kind,
        summary="pure profile of maximum social welfare Σ_i U_i of a pairwise-utility game",
        sense="max",
        parameters=SocialOptimumParameters,
        prepare=prepare_game,
        report=report,
        prefer=preferred_method,
    )
)


def build_model(problem: GameProblem, options: SolveOptions) -> object:
    """The social-optimum MILP of :mod:`fairmas.formulations.pairwise_game` (``model.y``)."""
    return social_optimum_model(problem.game)


@method(
    SOCIAL_OPTIMUM,
    "toulbar2",
    exact=True,
    summary="toulbar2 branch and bound on the game as a cost function network (MRF MAP)",
    warm_up=toulbar2_watchdog.compile_kernels,
)
def run_toulbar2(problem: GameProblem, options: SolveOptions) -> Outcome:
    """One cost function per interacting pair: max W_e − W_e(a, b)."""
    found = toulbar2_social_optimum(problem.game, time_limit=options.time_limit)
    details = {
        "scale": found.scaling.factor,
        "scale_exact": found.scaling.exact,
        "search_nodes": found.nodes,
    }
    return Outcome(found.status, found.profile, found.bound, details)


def _dnn_fits(problem: GameProblem) -> str | None:
    """Why ``dnn`` cannot run on this game (too many actions), or None."""
    return too_many_actions(problem.game)


@method(
    SOCIAL_OPTIMUM,
    "dnn",
    exact=True,
    summary="branch and bound on doubly nonnegative bounds by ADMM (dense games)",
    applies=_dnn_fits,
    warm_up=game_annealing.compile_kernels,
)
def run_dnn(problem: GameProblem, options: SolveOptions) -> Outcome:
    """One child per action of the branching player; two workers unless threads=1."""
    found = dnn_social_optimum(problem.game, time_limit=options.time_limit, threads=options.threads)
    return Outcome(found.status, found.profile, found.bound, dict(found.stats))


def _compile_cycle_lp() -> None:
    """The compiled kernels of cycle_lp: cycle separation, annealing, toulbar2's watchdog."""
    cycle_separation.compile_kernels()
    game_annealing.compile_kernels()
    toulbar2_watchdog.compile_kernels()


@method(
    SOCIAL_OPTIMUM,
    "cycle_lp",
    exact=True,
    summary="presolve, local polytope LP + cycle inequalities (HiGHS), toulbar2 on the LP dual",
    warm_up=_compile_cycle_lp,
)
def run_cycle_lp(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Presolve, cut rounds on up to 90 % of the limit, then toulbar2 on the LP dual's network."""
    found = cycle_lp_social_optimum(
        problem.game, time_limit=options.time_limit, threads=options.threads
    )
    details = {"scale": found.scaling.factor, "scale_exact": found.scaling.exact, **found.stats}
    return Outcome(found.status, found.profile, found.bound, details)


@model_method(
    SOCIAL_OPTIMUM,
    "milp",
    exact=True,
    summary="Pyomo MILP on HiGHS, local-marginal linearization on interacting pairs",
    build=build_model,
)
def run_milp(problem: GameProblem, model: object, options: SolveOptions) -> Outcome:
    """max Σ_e W_e · z_e over the local marginal polytope with binary y."""
    found = solve_profile_model(model, problem.game, options)
    details = {"error": found.message} if found.message else {}
    return Outcome(found.status, found.profile, found.bound, details)


@method(
    SOCIAL_OPTIMUM,
    "cpsat",
    exact=True,
    summary="OR-Tools CP-SAT on integer-scaled payoffs",
)
def run_cpsat(problem: GameProblem, options: SolveOptions) -> Outcome:
    """The same model as Booleans for CP-SAT."""
    found = cpsat_profile(
        problem.game, "max", time_limit=options.time_limit, threads=options.threads
    )
    details = {"scale": found.scaling.factor, "scale_exact": found.scaling.exact}
    if found.message:
        details["error"] = found.message
    profile = found.profiles[0] if found.profiles else None
    return Outcome(found.status, profile, found.bound, details)


@method(
    SOCIAL_OPTIMUM,
    "enumerate",
    exact=True,
    summary="every profile, compiled (small games: at most 10^7 profiles)",
    applies=enumeration_fits("method toulbar2, cycle_lp, dnn, milp or cpsat"),
    warm_up=game_enumeration.compile_kernels,
)
def run_enumerate(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Visit every profile."""
    found = game_enumeration.enumerate_profiles(
        problem.game, time_limit=options.time_limit, equilibria=False
    )
    status = Status.OPTIMAL if found.complete else Status.MAX_TIME_LIMIT
    return Outcome(status, found.optimum, None, {"visited_profiles": found.visited})
