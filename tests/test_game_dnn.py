"""Doubly nonnegative bounds (ADMM) and the branch and bound on them, against brute force."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.dnn_relaxation import dnn_bound, face_basis
from fairmas.solvers.game_dnn import dnn_social_optimum, welfare_matrix
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum
from tests.test_bad_input import assert_one_line_error
from tests.test_pairwise_game import games


def every_profile_welfare(game: PairwiseGame) -> dict[tuple[int, ...], float]:
    return {
        profile: game.welfare(np.array(profile))
        for profile in itertools.product(*(range(m) for m in game.n_actions.tolist()))
    }


@settings(max_examples=20)
@given(sizes=st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_face_basis_is_orthonormal_and_spans_the_assignment_face(sizes: list[int]) -> None:
    V = face_basis(np.array(sizes))
    total = sum(sizes)
    assert V.shape == (total + 1, total + 1 - len(sizes))
    assert np.allclose(V.T @ V, np.eye(V.shape[1]))
    start = 1
    for m in sizes:  # Σ_a x_a − t = 0 on every column
        assert np.allclose(V[start : start + m].sum(axis=0), V[0])
        start += m
    rng = np.random.default_rng(len(sizes))
    profile = [int(rng.integers(m)) for m in sizes]
    lifted = np.concatenate([[1.0]] + [np.eye(m)[a] for m, a in zip(sizes, profile, strict=True)])
    assert np.allclose(V @ (V.T @ lifted), lifted)  # every profile lies on the face


@settings(max_examples=25)
@given(game=games(max_players=5, max_actions=3))
def test_bound_and_fixing_bounds_hold_for_every_profile(game: PairwiseGame) -> None:
    welfare = every_profile_welfare(game)
    matrix = welfare_matrix(game)
    found = dnn_bound(matrix, np.zeros(game.total_actions), game.n_actions)
    assert found.bound >= max(welfare.values()) - 1e-7
    fixing = found.fixing_bounds()
    offset = game.action_offset
    for i in range(game.n_players):
        for a in range(int(game.n_actions[i])):
            best = max(w for p, w in welfare.items() if p[i] == a)
            assert fixing[offset[i] + a] >= best - 1e-7, (i, a)
    # cut short after 25 iterations, from any start: still a bound
    rough = dnn_bound(matrix, np.zeros(game.total_actions), game.n_actions, threshold=np.inf)
    assert rough.iterations <= 25
    assert rough.bound >= max(welfare.values()) - 1e-7


@settings(max_examples=25)
@given(game=games(max_players=6, max_actions=3), threads=st.sampled_from([1, 2]))
def test_branch_and_bound_finds_the_optimum_of_small_games(game: PairwiseGame, threads) -> None:
    optimum = max(every_profile_welfare(game).values())
    found = dnn_social_optimum(game, threads=threads)
    assert found.status == "optimal"
    assert game.welfare(found.profile) == pytest.approx(optimum, abs=1e-9)
    assert found.bound == pytest.approx(optimum, abs=1e-9)
    assert found.stats["root_bound"] >= optimum - 1e-7


def test_unary_terms_and_warm_starts_keep_the_bound_valid() -> None:
    rng = np.random.default_rng(7)
    sizes = np.array([3, 2, 3, 3])
    total = int(sizes.sum())
    Q = rng.integers(-4, 9, (total, total)).astype(float)
    Q = Q + Q.T
    c = rng.integers(-5, 5, total).astype(float)
    offset = np.concatenate([[0], np.cumsum(sizes)])
    best = -np.inf
    for profile in itertools.product(*(range(m) for m in sizes)):
        cells = offset[:-1] + np.array(profile)
        pair_sum = Q[np.ix_(cells, cells)].sum() - np.trace(Q[np.ix_(cells, cells)])
        best = max(best, c[cells].sum() + 0.5 * pair_sum)
    cold = dnn_bound(Q, c, sizes)
    assert cold.bound >= best - 1e-7
    warm = dnn_bound(Q, c + 1.0, sizes, warm=(cold.Y, cold.Z))  # every profile gains 4
    assert warm.bound >= best + 4 - 1e-7
    assert warm.iterations <= cold.iterations


def test_dense_game_agrees_with_toulbar2() -> None:
    game = PairwiseGame.random(12, 4, seed=5)
    found = dnn_social_optimum(game, time_limit=120)
    check = toulbar2_social_optimum(game, time_limit=120)
    assert found.status == check.status == "optimal"
    assert game.welfare(found.profile) == game.welfare(check.profile)
    assert found.stats["root_bound"] >= found.bound


def test_time_limit_leaves_the_incumbent_and_a_proved_gap() -> None:
    game = PairwiseGame.random(30, 5, seed=0)  # the benchmark game: proved in 20-30 s
    result = fairmas.solve(game, "social_optimum", "dnn", time_limit=2)
    assert result.status == "max_time_limit"
    assert result.wall_time < 10
    assert result.value is not None
    assert result.gap is not None
    assert 0 < result.gap < 0.05  # the LP-based methods stop 13-25 % above
    assert result.bound >= 4612  # the optimum, proved by this method in BENCHMARKS.md


def test_too_many_actions_is_a_one_line_error(tmp_path, run_cli) -> None:
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(PairwiseGame.random(400, 3, degree=2, seed=0).to_document()))
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--objective", "social_optimum", "--method", "dnn", "--out", out)
    assert_one_line_error(run, "method dnn", "at most 1000 actions", "1200", "toulbar2")
    assert not out.exists()
