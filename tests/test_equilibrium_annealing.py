"""Regret annealing for pure equilibria: only true equilibria, all of them on small games, a
prompt stop, and the search reporting what it found when the time limit stops the search."""

from __future__ import annotations

import time

from hypothesis import given, settings

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers import game_equilibrium_search
from fairmas.solvers.equilibrium_annealing import (
    BackgroundEquilibriumAnnealing,
    anneal_equilibria,
)
from fairmas.solvers.game_enumeration import enumerate_profiles
from fairmas.solvers.game_equilibrium_search import search_equilibria
from tests.oracles import pairwise_game_brute_force
from tests.test_pairwise_game import games


def named(game: PairwiseGame, profile) -> tuple[str, ...]:
    return tuple(game.actions[i][a] for i, a in enumerate(profile))


@settings(max_examples=40, deadline=None)
@given(game=games())
def test_annealing_finds_exactly_the_pure_equilibria_of_small_games(game: PairwiseGame) -> None:
    truth = pairwise_game_brute_force(game.to_document())["equilibria"]
    found = anneal_equilibria(game, 0.05, seed=0)
    listed = [named(game, p) for p in found.equilibria]
    assert len(set(listed)) == len(listed)  # distinct
    assert set(listed) <= set(truth)  # a heuristic, but never a false equilibrium
    # hundreds of restarts on at most 729 profiles: every equilibrium is reached
    assert set(listed) == set(truth)
    welfare = [game.welfare(p) for p in found.equilibria]
    assert welfare == sorted(welfare, reverse=True)


def test_annealing_finds_the_best_equilibrium_of_a_dense_game() -> None:
    game = PairwiseGame.random(10, 4, seed=1)  # five pure equilibria
    exact = enumerate_profiles(game, limit=1000)
    assert exact.complete
    assert exact.n_equilibria >= 1
    found = anneal_equilibria(game, 1.0, seed=0)
    assert found.runs >= 10
    assert {p.tobytes() for p in found.equilibria} == {p.tobytes() for p in exact.equilibria}
    assert game.welfare(found.best) == game.welfare(exact.best_equilibrium)


def test_background_annealing_stops_within_a_sweep() -> None:
    game = PairwiseGame.random(3000, 3, degree=4, seed=0)
    with BackgroundEquilibriumAnnealing(game) as annealing:
        time.sleep(1.0)  # a run of 3000 sweeps of 3000 moves (seconds) is under way
        asked = time.perf_counter()
        annealing.stop()
        assert time.perf_counter() - asked < 0.5


def test_a_stopped_search_reports_the_equilibria_annealing_found() -> None:
    game = PairwiseGame.random(22, 5, seed=0)  # far too many profiles to search in 3 s
    alone = search_equilibria(game, time_limit=3, threads=1)
    both = search_equilibria(game, time_limit=3)
    assert not alone.complete
    assert not both.complete
    assert alone.annealing_runs == 0
    assert both.annealing_runs >= 1
    assert both.annealed >= 1  # this game's equilibria are found within a second
    for found in (alone, both):
        shown = [p for p in (found.best, found.worst, *found.equilibria) if p is not None]
        assert all(game.is_equilibrium(p) for p in shown)
    assert game.welfare(both.best) >= max([game.welfare(p) for p in alone.equilibria] or [0])


def test_a_finished_search_is_exact_whatever_annealing_found(monkeypatch) -> None:
    monkeypatch.setattr(game_equilibrium_search, "NODES_PER_CALL", 64)  # annealing joins early
    game = PairwiseGame.random(11, 4, seed=2)
    exact = enumerate_profiles(game, limit=1000)
    found = search_equilibria(game, keep=1000)
    assert found.annealing_runs >= 1
    assert found.complete
    assert found.count == exact.n_equilibria
    assert {p.tobytes() for p in found.equilibria} == {p.tobytes() for p in exact.equilibria}
