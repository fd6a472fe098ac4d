"""Simulated annealing for the welfare: valid local optima, the optimum on small games, prompt
stops, and a busy second thread that no longer fools toulbar2's completion test."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.game_annealing import BackgroundAnnealing, anneal_welfare
from fairmas.solvers.game_cycle_lp import cycle_lp_social_optimum
from fairmas.solvers.game_local_search import local_welfare_profile
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum
from tests.oracles import pairwise_game_brute_force
from tests.test_pairwise_game import games


@settings(max_examples=25, deadline=None)
@given(game=games())
def test_annealing_reaches_the_brute_force_optimum_of_small_games(game: PairwiseGame) -> None:
    truth = pairwise_game_brute_force(game.to_document())
    found = anneal_welfare(game, 0.05)
    assert found.welfare == game.welfare(found.profile)
    # a local optimum for single switches: iterated conditional modes changes nothing
    assert local_welfare_profile(game, start=found.profile).tolist() == found.profile.tolist()
    # a heuristic: its ratio to the optimum is 1 on games this small (≤ 6 players, ≤ 3 actions)
    assert abs(found.welfare - truth["optimum"]) <= 1e-9 * max(1.0, abs(truth["optimum"]))


def test_annealing_beats_iterated_conditional_modes_on_a_sparse_game() -> None:
    game = PairwiseGame.random(300, 3, degree=4, seed=5)
    greedy = game.welfare(local_welfare_profile(game))
    found = anneal_welfare(game, 1.0, seed=0)
    assert found.runs >= 2
    optimum = cycle_lp_social_optimum(game, time_limit=60)
    assert optimum.status == "optimal"
    # ratio to the optimum: annealing ≥ 0.995 here, plain ICM well below
    assert greedy < found.welfare <= optimum.bound
    assert found.welfare / optimum.bound >= 0.995


def test_background_annealing_stops_within_a_sweep() -> None:
    game = PairwiseGame.random(3000, 3, degree=4, seed=0)
    with BackgroundAnnealing(game) as annealing:
        time.sleep(1.5)  # by now a run of thousands of sweeps (seconds) is under way
        asked = time.perf_counter()
        found = annealing.stop()
        assert time.perf_counter() - asked < 0.5
    assert found.welfare == game.welfare(found.profile)


def test_a_busy_thread_does_not_make_a_timed_out_toulbar2_search_look_complete() -> None:
    # toulbar2's limit counts the CPU of the whole process: with a second thread busy, it times
    # out before its limit in wall time, which the old wall-clock test took for an exhausted
    # search (and reported "optimal")
    busy = PairwiseGame.random(5000, 3, degree=4, seed=0)
    game = PairwiseGame.random(1000, 3, degree=4, seed=0)
    with BackgroundAnnealing(busy) as annealing:
        time.sleep(1.0)  # a run of 4000 sweeps (about a second of CPU) is under way
        started = time.perf_counter()
        found = toulbar2_social_optimum(game, time_limit=2)
        elapsed = time.perf_counter() - started
        annealing.stop()
    assert found.status == "max_time_limit"
    assert elapsed < 10


def test_cycle_lp_runs_annealing_only_with_a_second_thread() -> None:
    game = PairwiseGame.random(400, 3, degree=4, seed=1)
    both = cycle_lp_social_optimum(game, time_limit=3)
    alone = cycle_lp_social_optimum(game, time_limit=3, threads=1)
    assert both.stats.get("annealing_runs", 0) >= 1
    assert "annealing_runs" not in alone.stats
    for found in (both, alone):
        assert game.welfare(found.profile) <= found.bound + 1e-9
    assert np.isfinite(both.bound)
