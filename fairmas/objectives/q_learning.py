"""Objective ``q_learning``: what independent Q-learners learn in the repeated game.

The reinforcement-learning model of seed 000, section 4.1.2,
Q(s, a) = E[R_t | s_t = s, a_t = a], for every player of a pairwise-utility
game (:mod:`fairmas.solvers.q_learning`). ``reward=selfish`` learns on one's
own U_i; ``reward=aligned`` pays every learner the social welfare W, which
aligns their interests. The result is the learned profile (each player's
greedy action at the end), its welfare, its ratio to the social optimum W*
(found by enumeration for games of at most 10^6 profiles, else by the MILP of
``social_optimum`` within the time limit), whether it is a Nash equilibrium,
and the learning curve (mean welfare per episode over at most 200 bins);
``fairmas solve ... --plot FILE`` draws the curve.

A heuristic: status ``feasible``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from fairmas.errors import ParameterError
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.objectives.game_common import (
    Budget,
    GameProblem,
    milp_social_optimum,
    named,
    welfare_ratio,
)
from fairmas.plotting import plot_learning_curve
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers import game_enumeration
from fairmas.solvers import q_learning as learning
from fairmas.solvers.options import SolveOptions

OPTIMUM_BY_ENUMERATION = 10**6
"""Games with at most this many profiles get W* by enumeration, larger ones by the MILP."""
CURVE_POINTS = 200
"""Bins of the learning curve in ``details``."""


class QLearningParameters(Parameters):
    """Parameters of ``q_learning``."""

    episodes: Annotated[int, Field(ge=1, le=10_000_000)] = 20_000
    """Rounds of the repeated game (the welfare of each is kept: 8 bytes per episode)."""
    seed: Annotated[int, Field(ge=0)] = 0
    """Seed of the numpy Generator."""
    epsilon: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1
    """Exploration rate of the ε-greedy choice."""
    alpha: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    """Learning rate."""
    gamma: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Discount factor of future rewards."""
    state: Literal["none", "last_joint_action"] = "none"
    """The learners' state: none (stateless) or the previous joint action."""
    reward: Literal["selfish", "aligned"] = "selfish"
    """Learn on one's own utility U_i, or on the social welfare W."""


@dataclass(frozen=True)
class Learned:
    """The raw solution: the learning run and the social optimum found to compare with."""

    run: learning.LearningRun
    optimum: np.ndarray | None


def prepare(game: PairwiseGame, params: QLearningParameters) -> GameProblem:
    """Refuse a state space too big for Q tables."""
    problem = learning.state_space_problem(game, params.state)
    if problem is not None:
        raise ParameterError("--param state", problem)
    return GameProblem(game=game, params=params)


def report(problem: GameProblem, outcome: Outcome) -> Report:
    """Welfare of the learned profile, its ratio to W*, stability and the learning curve."""
    game, params = problem.game, problem.params
    learned: Learned = outcome.solution
    run, profile = learned.run, learned.run.profile
    welfare = game.welfare(profile)
    regrets = game.regrets(profile)
    episode, mean = learning.downsample(run.welfare, CURVE_POINTS)
    tail = run.welfare[-max(1, run.welfare.size // 10) :]
    details: dict[str, Any] = {
        **params.model_dump(),
        "is_equilibrium": bool((regrets <= game.tolerance).all()),
        "max_regret": float(regrets.max(initial=0.0)),
        "utilities": dict(zip(game.players, game.utilities(profile).tolist(), strict=True)),
        "final_mean_welfare": float(tail.mean()),
        "greedy_fixed_point": run.greedy_fixed_point,
        "learning_curve": {"episode": episode, "welfare": mean},
    }
    if learned.optimum is not None:
        best = game.welfare(learned.optimum)
        ratio, why = welfare_ratio(best, welfare, "ratio to the social optimum")
        if ratio is not None:  # reported as learned / optimum (≤ 1; of costs when negative)
            ratio = 1.0 / ratio
        details["social_optimum"] = best
        details["optimum_profile"] = game.profile_names(learned.optimum)
        details["ratio_to_optimum"] = ratio
        if why:
            details["ratio_note"] = why
    return Report(value=welfare, solution=named(game, profile), details=details)


Q_LEARNING = register_objective(
    Objective(
        name="q_learning",
        kind=PairwiseGame.kind,
        summary="independent Q-learners in the repeated game; selfish or aligned rewards",
        sense="max",
        parameters=QLearningParameters,
        prepare=prepare,
        report=report,
        plot=plot_learning_curve,
    )
)


def _warm_up() -> None:
    learning.compile_kernels()
    game_enumeration.compile_kernels()


def _social_optimum(game: PairwiseGame, budget: Budget) -> tuple[Any, dict[str, Any]]:
    if game.n_profiles <= OPTIMUM_BY_ENUMERATION:
        found = game_enumeration.enumerate_profiles(game, equilibria=False)
        return found.optimum, {"optimum_method": "enumerate", "optimum_status": "optimal"}
    search = milp_social_optimum(game, budget.for_next_solve())
    return search.profile, {"optimum_method": "milp", "optimum_status": str(search.status)}


@method(
    Q_LEARNING,
    "independent",
    exact=False,
    summary="independent ε-greedy Q-learners (compiled), compared with the social optimum",
    warm_up=_warm_up,
)
def run_independent(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Learn, then find the social optimum to compare with."""
    game, params = problem.game, problem.params
    budget = Budget(options)
    started = time.perf_counter()
    run = learning.independent_q_learning(
        game,
        episodes=params.episodes,
        seed=params.seed,
        epsilon=params.epsilon,
        alpha=params.alpha,
        gamma=params.gamma,
        state=params.state,
        reward=params.reward,
    )
    learning_time = time.perf_counter() - started
    details: dict[str, Any] = {
        "learning_time": learning_time,
        "episodes_per_second": learning.episodes_per_second(learning_time, params.episodes),
    }
    optimum, notes = _social_optimum(game, budget)
    details.update(notes)
    return Outcome(Status.FEASIBLE, Learned(run, optimum), None, details)
