"""Eliminating players with at most two partners keeps the social optimum exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.game_presolve import presolve
from tests.oracles import pairwise_game_brute_force
from tests.test_dual_reparametrization import all_profiles
from tests.test_pairwise_game import games


@settings(max_examples=60, deadline=None)
@given(game=games(max_players=7, max_actions=3))
def test_the_reduced_game_has_the_same_optimum_and_expands_to_an_optimal_profile(
    game: PairwiseGame,
) -> None:
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    presolved = presolve(game)
    if presolved.game is None:
        best = presolved.expand()
    else:
        reduced = presolved.game
        partners = np.bincount(np.concatenate(reduced.edges[:2]), minlength=reduced.n_players)
        assert (partners >= 3).all()
        best = max(all_profiles(reduced), key=reduced.welfare)
        for profile in itertools.islice(all_profiles(reduced), 50):
            whole = presolved.expand(profile)
            assert game.welfare(whole) == pytest.approx(reduced.welfare(profile) + presolved.offset)
            assert (presolved.reduce(whole) == profile).all()
        best = presolved.expand(best)
    assert game.welfare(best) == pytest.approx(truth)


def random_game_on(pairs: list[tuple[int, int]], n: int, seed: int) -> PairwiseGame:
    rng = np.random.default_rng(seed)
    players = {f"p{i}": ["x", "y", "z"] for i in range(n)}
    tables = [(f"p{i}", f"p{j}", rng.integers(0, 10, (3, 3)).tolist()) for i, j in pairs]
    return PairwiseGame.from_tables(players, tables)


@pytest.mark.parametrize("seed", [0, 1])
def test_trees_and_rings_vanish_and_their_best_profile_is_optimal(seed: int) -> None:
    rng = np.random.default_rng(seed)
    tree = random_game_on([(int(rng.integers(i)), i) for i in range(1, 9)], 9, seed)
    ring = random_game_on([(i, (i + 1) % 9) for i in range(9)], 9, seed)
    for game in (tree, ring):
        presolved = presolve(game)
        assert presolved.game is None
        truth = max(game.welfare(p) for p in all_profiles(game))
        assert game.welfare(presolved.expand()) == pytest.approx(truth)
        assert presolved.offset == pytest.approx(truth)


def test_sparse_random_games_shrink_to_players_with_three_partners_or_more() -> None:
    sparse = PairwiseGame.random(1000, 3, degree=4, seed=0)
    presolved = presolve(sparse)
    assert 600 < presolved.game.n_players < 850
    assert len(presolved.kept) + len(presolved.steps) == 1000
