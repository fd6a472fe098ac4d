"""Which method ``solve`` runs on a pairwise game when none is named, and what it answers."""

from __future__ import annotations

import json

import fairmas
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.objectives import game_common


def test_dnn_is_the_default_on_large_dense_games_only(tmp_path, run_cli) -> None:
    dense = PairwiseGame.random(18, 5, seed=0)  # 3.8e12 profiles: dnn about 1 s, toulbar2 2.5 s
    result = fairmas.solve(dense, "social_optimum", time_limit=120)
    assert (result.method, str(result.status), result.value) == ("dnn", "optimal", 1688.0)
    sparse = PairwiseGame.random(50, 3, degree=4, seed=0)
    assert fairmas.solve(sparse, "social_optimum").method == "toulbar2"
    small = PairwiseGame.random(10, 4, seed=0)
    assert fairmas.solve(small, "social_optimum").method == "toulbar2"
    # the command line takes the same default
    path = tmp_path / "dense.json"
    path.write_text(json.dumps(dense.to_document()))
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--objective", "social_optimum", "--out", out)
    assert run.code == 0, run.err
    written = json.loads(out.read_text())
    assert (written["method"], written["value"]) == ("dnn", 1688.0)


def test_search_is_the_default_equilibrium_method_on_dense_games() -> None:
    dense = PairwiseGame.random(18, 5, seed=0)  # too large to finish: stops at the limit
    result = fairmas.solve(dense, "equilibrium", time_limit=2)
    assert (result.method, str(result.status)) == ("search", "max_time_limit")
    # the prices' social optimum comes from dnn here (at least 10^12 profiles)
    optimum = result.details["social_optimum"]
    assert optimum is not None
    assert optimum <= 1688.0  # the proved optimum
    if result.value is not None:
        assert result.details["best_equilibrium_welfare"] <= optimum
    sparse = PairwiseGame.random(50, 3, degree=4, seed=0)
    assert fairmas.solve(sparse, "equilibrium").method == "cpsat"


def test_cycle_lp_is_the_default_on_sparse_games_of_100_players_or_more() -> None:
    large = PairwiseGame.random(150, 3, degree=4, seed=2)
    result = fairmas.solve(large, "social_optimum", time_limit=60)
    reference = fairmas.solve(large, "social_optimum", "toulbar2", time_limit=60)
    assert (result.method, str(result.status)) == ("cycle_lp", "optimal")
    assert str(reference.status) == "optimal"
    assert result.value == reference.value
    below = PairwiseGame.random(99, 3, degree=4, seed=2)
    assert fairmas.solve(below, "social_optimum").method == "toulbar2"


def test_equilibrium_prices_take_the_social_optimum_from_cycle_lp_on_large_sparse_games(
    monkeypatch,
) -> None:
    calls = []
    original = game_common.cycle_lp_social_optimum

    def spy(game, *args, **kwargs):
        calls.append(game.n_players)
        return original(game, *args, **kwargs)

    monkeypatch.setattr(game_common, "cycle_lp_social_optimum", spy)
    game = PairwiseGame.random(100, 2, degree=2, seed=0)  # no pure equilibrium; search is quick
    reference = fairmas.solve(game, "social_optimum", "toulbar2", time_limit=60)
    assert reference.value == 1200.0
    for method in ("search", "cpsat"):
        result = fairmas.solve(game, "equilibrium", method, time_limit=60)
        assert str(result.status) == "infeasible"
        assert result.details["social_optimum"] == reference.value
    assert calls == [100, 100]


def test_dnn_is_the_default_on_games_of_middle_density_with_few_actions() -> None:
    middle = PairwiseGame.random(40, 3, degree=16, seed=2)  # 41 % of all pairs: not dense
    result = fairmas.solve(middle, "social_optimum", time_limit=120)
    reference = fairmas.solve(middle, "social_optimum", "toulbar2", time_limit=120)
    assert (result.method, str(result.status)) == ("dnn", "optimal")
    assert str(reference.status) == "optimal"
    assert result.value == reference.value == 3441.0
    many_actions = PairwiseGame.random(70, 3, degree=16, seed=2)  # 210 actions
    assert fairmas.solve(many_actions, "social_optimum", time_limit=1).method == "toulbar2"
