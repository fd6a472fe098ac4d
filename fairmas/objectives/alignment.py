"""Objective ``alignment``: the cost of aligning interests with the social optimum.

Interest alignment by mechanism (DESIGN.md section 2): a designer pays each
player i a transfer t_i ≥ 0 when the target profile a* is played, and
nothing otherwise (deviations are never rewarded). The smallest transfers
that make a socially optimal profile a* a Nash equilibrium solve

.. math::

    \\min_{a^* \\in \\arg\\max W,\\; t \\ge 0} \\sum_i t_i
    \\quad\\text{s.t.}\\quad U_i(a^*) + t_i \\ge U_i(a', a^*_{-i}) \\;\\; \\forall i, a',

whose answer for a fixed a* is t_i = regret_i(a*) = max_a' U_i(a', a*_−i) −
U_i(a*): each player is paid exactly what its best deviation would gain. The
total Σ_i t_i is the *cost of alignment*; it is 0 exactly when some social
optimum is already an equilibrium (price of stability 1). This is Monderer
and Tennenholtz's k-implementation of a single profile, where the cost is what
the designer pays in the equilibrium it implements. A profile counts as
socially optimal within ``WELFARE_RTOL`` of W*.

Every reported solution is verified: with the transfers added to the payoffs,
no player gains by deviating from a*.

Methods: ``milp`` (two MILPs: W*, then the cheapest optimum,
:func:`fairmas.formulations.pairwise_game.alignment_model`) and ``enumerate``.

References
----------
D. Monderer, M. Tennenholtz, "k-Implementation", J. Artif. Intell. Res. 21
(2004) 37–62.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairmas.formulations.pairwise_game import alignment_model
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.objectives.game_common import (
    WELFARE_RTOL,
    Budget,
    GameProblem,
    combined_status,
    enumeration_fits,
    milp_social_optimum,
    prepare_game,
    solve_profile_model,
)
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers import game_enumeration
from fairmas.solvers.options import SolveOptions


class AlignmentParameters(Parameters):
    """``alignment`` has no parameters."""


def welfare_threshold(optimum: float) -> float:
    """Smallest welfare still counted as socially optimal."""
    return optimum - WELFARE_RTOL * max(1.0, abs(optimum))


def transfers_after_check(game: PairwiseGame, profile: np.ndarray) -> tuple[np.ndarray, bool]:
    """The transfers t_i = regret_i(a*) and whether a* is an equilibrium once they are paid."""
    transfers = game.regrets(profile)
    paid = game.utilities(profile) + transfers
    deviations = game.deviation_payoffs(profile)
    best = np.maximum.reduceat(deviations, game.action_offset[:-1])
    return transfers, bool((best <= paid + game.tolerance).all())


def report(problem: GameProblem, outcome: Outcome) -> Report:
    """Transfers and their total, recomputed from the target profile, and the check."""
    game = problem.game
    profile = np.asarray(outcome.solution)
    transfers, verified = transfers_after_check(game, profile)
    utilities = game.utilities(profile)
    details: dict[str, Any] = {
        "social_optimum": game.welfare(profile),
        "verified": verified,
        "already_equilibrium": bool((transfers <= game.tolerance).all()),
        "paid_players": int((transfers > game.tolerance).sum()),
        "utilities_before": dict(zip(game.players, utilities.tolist(), strict=True)),
    }
    return Report(
        value=float(transfers.sum()),
        solution={
            "profile": game.profile_names(profile),
            "transfers": dict(zip(game.players, transfers.tolist(), strict=True)),
        },
        details=details,
    )


ALIGNMENT = register_objective(
    Objective(
        name="alignment",
        kind=PairwiseGame.kind,
        summary="smallest transfers that make a social optimum a Nash equilibrium",
        sense="min",
        parameters=AlignmentParameters,
        prepare=prepare_game,
        report=report,
    )
)


@method(
    ALIGNMENT,
    "milp",
    exact=True,
    summary="two MILPs on HiGHS: the social optimum, then its cheapest-to-align profile",
    constraints=True,
)
def run_milp(problem: GameProblem, options: SolveOptions) -> Outcome:
    """W* by the social-optimum MILP, then min Σ regrets over profiles with W ≥ W* − δ."""
    game = problem.game
    budget = Budget(options)
    extend = problem.constraints.apply if problem.constraints else None
    first = milp_social_optimum(game, budget.for_next_solve(), extend)
    if first.profile is None:
        return Outcome(first.status, None, None, {"error": first.message or "no social optimum"})
    optimum = game.welfare(first.profile)
    model = alignment_model(game, optimum, optimum - welfare_threshold(optimum))
    problem.constraints.apply(model)
    second = solve_profile_model(model, game, budget.for_next_solve())
    status = combined_status(first.status, second.status)
    details = {"error": second.message} if second.message else {}
    if second.profile is None:  # the optimum found first is a valid (maybe dearer) target
        return Outcome(combined_status(status, Status.FEASIBLE), first.profile, None, details)
    return Outcome(status, second.profile, second.bound, details)


@method(
    ALIGNMENT,
    "enumerate",
    exact=True,
    summary="every profile, compiled (small games: at most 10^7 profiles)",
    applies=enumeration_fits("method milp"),
    warm_up=game_enumeration.compile_kernels,
)
def run_enumerate(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Two passes: W*, then the least total regret among the optimal profiles."""
    game = problem.game
    budget = Budget(options)
    first = game_enumeration.enumerate_profiles(game, time_limit=budget.remaining, equilibria=False)
    if not first.complete:
        return Outcome(Status.MAX_TIME_LIMIT, first.optimum, None, {})
    optimum = game.welfare(first.optimum)
    second = game_enumeration.cheapest_optimum(game, welfare_threshold(optimum), budget.remaining)
    status = Status.OPTIMAL if second.complete else Status.MAX_TIME_LIMIT
    return Outcome(status, second.cheapest_optimum, None, {})
