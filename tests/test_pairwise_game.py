"""Pairwise-utility games: MILP, CP-SAT, enumeration, brute force and nashpy agree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.registry import OBJECTIVES, values_agree
from fairmas.solvers.game_cpsat import cpsat_profile, integer_scale
from fairmas.solvers.game_cycle_lp import cycle_lp_social_optimum
from fairmas.solvers.game_enumeration import enumerate_profiles
from fairmas.solvers.game_equilibrium_search import search_equilibria
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum
from tests.oracles import pairwise_game_brute_force

INSTANCES = Path(__file__).resolve().parent.parent / "instances" / "games"
GAMES = sorted(INSTANCES.iterdir())
EXACT = ("social_optimum", "equilibrium", "alignment")


@st.composite
def games(draw, max_players: int = 6, max_actions: int = 3, decimals: bool = True) -> PairwiseGame:
    """Random polymatrix games: sparse to dense interactions, one-way tables, many ties
    (small integer payoffs) or payoffs with one decimal, players with a single action."""
    n = draw(st.integers(1, max_players))
    sizes = [draw(st.integers(1, max_actions)) for _ in range(n)]
    density = draw(st.sampled_from([0.0, 0.3, 0.6, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([1.0, 0.1] if decimals else [1.0]))
    rng = np.random.default_rng(seed)
    players = {f"p{i}": [f"a{k}" for k in range(sizes[i])] for i in range(n)}
    payoffs = []
    for i in range(n):
        for j in range(n):
            if i != j and rng.random() < density:
                table = rng.integers(-3, 4, (sizes[i], sizes[j])) * scale
                payoffs.append((f"p{i}", f"p{j}", np.round(table, 1).tolist()))
    return PairwiseGame.from_tables(players, payoffs)


def profiles_of(game: PairwiseGame, entries) -> set[tuple[str, ...]]:
    return {tuple(entry["profile"][p] for p in game.players) for entry in entries}


def by_method(game, objective, **params) -> dict[str, fairmas.Result]:
    return {r.method: r for r in fairmas.compare(game, objective, **params)}


@settings(max_examples=50)
@given(game=games())
def test_methods_agree_on_optimum_and_on_the_set_of_equilibria(game: PairwiseGame) -> None:
    truth = pairwise_game_brute_force(game.to_document())
    optimum = by_method(game, "social_optimum")
    assert set(optimum) == set(OBJECTIVES["social_optimum"].methods)
    for method, result in optimum.items():
        assert result.status == "optimal", (method, result.details)
        assert values_agree(result.value, truth["optimum"]), (method, result.value)
        assert result.details["agrees"] is True
        profile = game.profile_from_names(result.solution["profile"])
        assert values_agree(game.welfare(profile), result.value)

    found = by_method(game, "equilibrium", all_equilibria=True, limit=1000)
    found["milp product form"] = fairmas.solve(
        game, "equilibrium", "milp", all_equilibria=True, limit=1000, best_response="product"
    )
    expected = set(truth["equilibria"])
    for method, result in found.items():
        if not expected:
            assert result.status == "infeasible", (method, result.status)
            assert result.details["pure_equilibrium_exists"] is False
            assert values_agree(result.details["social_optimum"], truth["optimum"])
            assert result.details["social_optimum_status"] == "optimal"
            continue
        assert result.status == "optimal", (method, result.details)
        assert result.details["verified"] is True
        assert result.details["all_listed"] is True
        assert profiles_of(game, result.details["equilibria"]) == expected, method
        assert values_agree(result.value, max(truth["equilibria"].values()))
        worst = min(truth["equilibria"].values())
        assert values_agree(result.details["worst_equilibrium_welfare"], worst)
        assert values_agree(result.details["social_optimum"], truth["optimum"])


@settings(max_examples=30)
@given(game=games(max_players=5))
def test_worst_equilibrium_and_prices(game: PairwiseGame) -> None:
    truth = pairwise_game_brute_force(game.to_document())
    results = by_method(game, "equilibrium", which="worst")
    for method, result in results.items():
        if not truth["equilibria"]:
            assert result.status == "infeasible"
            assert result.details["price_of_anarchy"] is None
            continue
        worst = min(truth["equilibria"].values())
        best = max(truth["equilibria"].values())
        assert values_agree(result.value, worst), method
        assert values_agree(result.details["best_equilibrium_welfare"], best)
        assert result.details["stability_loss"] >= -1e-9
        opt = truth["optimum"]
        if opt > 0 and worst > 0:
            assert result.details["price_of_anarchy"] == pytest.approx(opt / worst)
            assert result.details["price_of_stability"] == pytest.approx(opt / best)
        elif opt < 0 and worst < 0:
            assert result.details["price_of_anarchy"] == pytest.approx(worst / opt)
        else:
            assert result.details["price_of_anarchy"] is None
            assert "undefined" in result.details["price_of_anarchy_note"]


@settings(max_examples=30)
@given(game=games(max_players=6))
def test_alignment_milp_matches_enumeration_and_brute_force(game: PairwiseGame) -> None:
    truth = pairwise_game_brute_force(game.to_document())
    for method, result in by_method(game, "alignment").items():
        assert result.status == "optimal", (method, result.details)
        assert values_agree(result.value, truth["alignment"]), (method, result.value)
        assert result.details["verified"] is True
        assert values_agree(result.details["social_optimum"], truth["optimum"])
        transfers = result.solution["transfers"]
        assert all(t >= 0 for t in transfers.values())
        assert values_agree(sum(transfers.values()), result.value)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # nashpy: degenerate games
@settings(max_examples=30)
@given(game=games(max_players=2, max_actions=4, decimals=False))
def test_pure_equilibria_of_two_player_games_match_nashpy(game: PairwiseGame) -> None:
    nashpy = pytest.importorskip("nashpy")
    if game.n_players != 2:
        return
    rows, cols = (len(a) for a in game.actions)
    a = np.zeros((rows, cols))
    b = np.zeros((rows, cols))
    for owner, table in zip(game.player.tolist(), game.tables, strict=True):
        if owner == 0:
            a += table
        else:
            b += table.T
    pure = {
        (game.actions[0][int(np.argmax(x))], game.actions[1][int(np.argmax(y))])
        for x, y in nashpy.Game(a, b).support_enumeration(non_degenerate=False)
        if np.count_nonzero(x) == 1 and np.count_nonzero(y) == 1
    }
    for method in ("enumerate", "milp", "cpsat"):
        result = fairmas.solve(game, "equilibrium", method, all_equilibria=True, prices=False)
        ours = profiles_of(game, result.details.get("equilibria", []))
        assert ours == pure, (method, ours, pure)


@pytest.mark.parametrize("path", GAMES, ids=lambda p: p.name)
@pytest.mark.parametrize("objective", EXACT)
def test_bundled_games_every_method_agrees(path: Path, objective: str, run_cli) -> None:
    run = run_cli("compare", path, "--objective", objective, "--json")
    assert run.code == 0, run.err
    results = json.loads(run.out)
    assert all(r["details"]["agrees"] is True for r in results), results


def test_bundled_games_are_the_four_scenarios() -> None:
    assert [p.name for p in GAMES] == [
        "coordination_ring.json",
        "llm_tool_sharing.yaml",
        "prisoners_dilemma_network.yaml",
        "road_network_congestion.toml",
    ]


def test_prisoners_dilemma_network() -> None:
    game = fairmas.load(INSTANCES / "prisoners_dilemma_network.yaml")
    result = fairmas.solve(game, "equilibrium")
    assert set(result.solution["profile"].values()) == {"defect"}
    assert result.details["social_optimum"] == 48.0
    assert result.details["price_of_anarchy"] == 3.0
    aligned = fairmas.solve(game, "alignment")
    assert set(aligned.solution["profile"].values()) == {"cooperate"}
    degree = {name: d for name, d in game.interaction_graph().degree()}
    # each player is paid temptation − reward = 5 − 3 per neighbour
    assert aligned.solution["transfers"] == {name: 2.0 * degree[name] for name in game.players}


def test_aligned_rewards_change_what_q_learners_learn() -> None:
    game = fairmas.load(INSTANCES / "prisoners_dilemma_network.yaml")
    selfish = fairmas.solve(game, "q_learning", episodes=5000, seed=3)
    aligned = fairmas.solve(game, "q_learning", episodes=5000, seed=3, reward="aligned")
    assert set(selfish.solution["profile"].values()) == {"defect"}
    assert selfish.details["is_equilibrium"] is True
    assert selfish.details["ratio_to_optimum"] == pytest.approx(1 / 3)
    assert set(aligned.solution["profile"].values()) == {"cooperate"}
    assert aligned.details["ratio_to_optimum"] == 1.0
    assert aligned.details["is_equilibrium"] is False
    assert aligned.status == "feasible"
    curve = aligned.details["learning_curve"]
    assert len(curve["episode"]) == len(curve["welfare"]) == 200
    assert curve["episode"][-1] == 5000
    assert curve["welfare"][-1] > curve["welfare"][0]


def test_q_learning_is_reproducible_and_seed_dependent() -> None:
    game = fairmas.load(INSTANCES / "coordination_ring.json")
    params = {"episodes": 3000, "state": "last_joint_action", "gamma": 0.5}
    first = fairmas.solve(game, "q_learning", seed=7, **params)
    again = fairmas.solve(game, "q_learning", seed=7, **params)
    other = fairmas.solve(game, "q_learning", seed=8, **params)
    assert first.details["learning_curve"] == again.details["learning_curve"]
    assert first.solution == again.solution
    assert first.details["learning_curve"] != other.details["learning_curve"]
    assert first.details["optimum_method"] == "enumerate"


def test_q_learning_plot_from_the_command_line(tmp_path: Path, run_cli) -> None:
    plot, out = tmp_path / "curve.png", tmp_path / "r.json"
    run = run_cli(
        "solve",
        INSTANCES / "prisoners_dilemma_network.yaml",
        "--objective",
        "q_learning",
        "--param",
        "reward=aligned",
        "--param",
        "episodes=2000",
        "--plot",
        plot,
        "--out",
        out,
    )
    assert run.code == 0, run.err
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert json.loads(out.read_text())["details"]["reward"] == "aligned"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.png", "r.json"]


def test_large_sparse_game_uses_the_milp_for_the_optimum() -> None:
    game = PairwiseGame.random(40, 3, degree=2, seed=2)
    result = fairmas.solve(game, "q_learning", episodes=500)
    assert result.details["optimum_method"] == "milp"
    assert 0 < result.details["ratio_to_optimum"] <= 1


def test_equilibria_listed_best_first_by_the_milp_and_limited() -> None:
    game = fairmas.load(INSTANCES / "coordination_ring.json")
    result = fairmas.solve(game, "equilibrium", "milp", all_equilibria=True, limit=1)
    assert len(result.details["equilibria"]) == 1
    assert result.details["all_listed"] is False
    full = fairmas.solve(game, "equilibrium", "milp", all_equilibria=True)
    welfare = [e["welfare"] for e in full.details["equilibria"]]
    assert welfare == sorted(welfare, reverse=True) == [32.0, 16.0]
    assert full.details["all_listed"] is True
    assert fairmas.solve(game, "equilibrium", "enumerate").details["n_equilibria"] == 2


def test_cpsat_scaling_of_decimal_and_irrational_payoffs() -> None:
    assert integer_scale(np.array([0.5, -1.25])).factor == 100.0
    third = PairwiseGame.from_tables(
        {"a": ["x", "y"], "b": ["x", "y"]}, [("a", "b", [[1 / 3, 0.0], [0.0, 0.3]])]
    )
    found = cpsat_profile(third)
    assert found.scaling.exact is False
    assert found.profiles[0].tolist() == [0, 0]
    result = fairmas.solve(third, "social_optimum", "cpsat")
    assert result.value == pytest.approx(1 / 3, rel=1e-12)
    assert result.details["scale_exact"] is False


def test_sparse_game_structures_stay_sparse() -> None:
    game = PairwiseGame.random(2000, 3, degree=4, seed=0)
    u, _, forward, backward = game.edges
    assert u.size == 4000
    assert (forward >= 0).all()
    assert (backward >= 0).all()
    assert game.deviation_payoffs(np.zeros(2000, dtype=np.int64)).size == 6000
    assert game.n_profiles == 3**2000
    assert game.describe().endswith("4000 interacting pairs, 1.75e+954 profiles")


def test_enumeration_time_limit_reports_partial_pass() -> None:
    game = PairwiseGame.random(14, 3, seed=0)  # 4.8 million profiles
    found = enumerate_profiles(game, time_limit=1e-3)
    assert not found.complete
    assert 0 < found.visited < game.n_profiles
    result = fairmas.solve(game, "social_optimum", "enumerate", time_limit=1e-3)
    assert result.status == "max_time_limit"


def test_game_without_interactions_and_single_player() -> None:
    solo = PairwiseGame.from_tables({"solo": ["only"]}, [])
    for objective in EXACT:
        for result in fairmas.compare(solo, objective):
            assert result.status == "optimal", (objective, result.method, result.details)
            assert result.value == 0.0


def test_models_round_trip_and_describe(tmp_path: Path) -> None:
    for path in GAMES:
        game = fairmas.load(path)
        copy = tmp_path / "copy.json"
        copy.write_text(json.dumps(game.to_document()))
        again = fairmas.load(copy)
        assert again.players == game.players
        assert again.actions == game.actions
        assert all(np.array_equal(a, b) for a, b in zip(again.tables, game.tables, strict=True))
    game = fairmas.load(INSTANCES / "llm_tool_sharing.yaml")
    assert game.describe().startswith("pairwise_game, 5 players, 15 actions, 12 payoff tables")


def test_mapping_tables_fill_missing_entries_with_zero() -> None:
    game = PairwiseGame.from_tables(
        {"a": ["x", "y"], "b": ["u", "v", "w"]}, [("a", "b", {"y": {"w": 2.5}})]
    )
    assert game.tables[0].tolist() == [[0, 0, 0], [0, 0, 2.5]]


def test_schema_of_pairwise_game(run_cli) -> None:
    run = run_cli("schema", "pairwise_game")
    assert run.code == 0
    schema = json.loads(run.out)
    assert set(schema["required"]) == {"kind", "players"}
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(fairmas.load(GAMES[0]).to_document(), schema)


@pytest.mark.parametrize("method", ["cpsat", "milp"])
def test_time_limit_on_a_hard_game_is_a_status_not_a_failure(
    method: str, run_cli, tmp_path
) -> None:
    game = PairwiseGame.random(30, 5, seed=0)  # dense: 5^30 profiles, no proof in 0.5 s
    result = fairmas.solve(game, "equilibrium", method, time_limit=0.5)
    assert result.status == "max_time_limit"
    assert result.wall_time < 10
    if result.value is None:
        assert result.details["pure_equilibrium_exists"] is None
        assert "found" in result.details["reason"]
        if "social_optimum" in result.details:  # beside it, the optimum is not proved either
            assert result.details["social_optimum_status"] == "max_time_limit"
    for solver in (method, "toulbar2", "cycle_lp", "dnn"):
        optimum = fairmas.solve(game, "social_optimum", solver, time_limit=0.5)
        assert optimum.status == "max_time_limit", solver
        assert optimum.value is not None
        assert optimum.gap is None or optimum.gap > 0
    optimum = fairmas.solve(game, "social_optimum", method, time_limit=0.5)
    assert optimum.status == "max_time_limit"
    assert optimum.value is not None
    assert optimum.gap is None or optimum.gap > 0
    path = tmp_path / "hard.json"
    path.write_text(json.dumps(game.to_document()))
    run = run_cli("solve", path, "--objective", "social_optimum", "--method", method,
                  "--time-limit", "0.5", "--json")  # fmt: skip
    assert run.code == 0, run.err
    assert json.loads(run.out)["status"] == "max_time_limit"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cycle_lp_proves_sparse_optima_that_toulbar2_confirms(seed: int) -> None:
    game = PairwiseGame.random(150, 3, degree=4, seed=seed)
    found = cycle_lp_social_optimum(game, time_limit=60)
    assert found.status == "optimal"
    # the cycle inequalities tighten the local polytope bound, never past the optimum
    assert found.stats["lp_bound"] >= found.stats["cycle_bound"] >= found.bound - 1e-6
    assert game.welfare(found.profile) == found.bound
    confirmed = toulbar2_social_optimum(game, time_limit=60, incumbent=found.profile)
    assert confirmed.status == "optimal"
    assert game.welfare(confirmed.profile) == found.bound  # nothing strictly better


def test_toulbar2_with_an_incumbent_returns_a_better_profile_or_proves_it() -> None:
    game = PairwiseGame.random(12, 3, seed=3)
    truth = fairmas.solve(game, "social_optimum", "enumerate").value
    first_actions = np.zeros(game.n_players, dtype=np.int64)
    found = toulbar2_social_optimum(game, incumbent=first_actions)
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth > game.welfare(first_actions)


def test_a_toulbar2_search_does_not_change_the_next_one() -> None:
    # toulbar2 keeps global state; this tiny game, solved with an incumbent, once made every
    # later search in the process explore about a hundred times more nodes
    game = PairwiseGame.random(150, 3, degree=4, seed=0)
    before = toulbar2_social_optimum(game)
    tiny = PairwiseGame.from_tables(
        {"p0": ["a0", "a1", "a2"], "p1": ["a0"], "p2": ["a0"]},
        [("p0", "p1", [[-1.0], [-2.0], [2.0]]), ("p1", "p0", [[-0.3, 0.2, 0.1]]),
         ("p0", "p2", [[1.0], [2.0], [3.0]]), ("p2", "p0", [[3.0, 2.0, -2.0]])],
    )  # fmt: skip
    assert toulbar2_social_optimum(tiny, incumbent=np.array([2, 0, 0])).status == "optimal"
    after = toulbar2_social_optimum(game)
    assert after.status == before.status == "optimal"
    assert after.nodes == before.nodes


def test_equilibrium_search_matches_enumeration_on_dense_games_and_stops_on_time() -> None:
    for seed in range(3):
        game = PairwiseGame.random(9, 4, seed=seed)
        truth = enumerate_profiles(game, limit=10_000)
        found = search_equilibria(game)
        assert found.complete
        assert found.count == truth.n_equilibria
        listed = {tuple(p.tolist()) for p in found.equilibria}
        assert listed == {tuple(p.tolist()) for p in truth.equilibria}
        if truth.n_equilibria:
            assert game.welfare(found.best) == game.welfare(truth.best_equilibrium)
            assert game.welfare(found.worst) == game.welfare(truth.worst_equilibrium)
    ring = fairmas.load(INSTANCES / "coordination_ring.json")
    first = fairmas.solve(ring, "equilibrium", "search", all_equilibria=True, limit=1)
    assert first.details["all_listed"] is False
    assert first.details["n_equilibria"] == 2
    assert [e["welfare"] for e in first.details["equilibria"]] == [32.0]
    assert first.details["worst_equilibrium_welfare"] == 16.0
    hard = PairwiseGame.random(30, 5, seed=0)
    stopped = fairmas.solve(hard, "equilibrium", "search", time_limit=0.5, prices=False)
    assert stopped.status == "max_time_limit"
    assert stopped.wall_time < 10


def test_a_best_equilibrium_stopped_by_the_time_limit_is_bounded_by_the_social_optimum() -> None:
    """The search stops, the social optimum (proved first) bounds the best equilibrium."""
    game = PairwiseGame.random(12, 5, seed=0)  # the whole search takes about 0.5 s here
    complete = search_equilibria(game)
    optimum = toulbar2_social_optimum(game)
    assert complete.complete
    assert optimum.status == "optimal"
    best, top = game.welfare(complete.best), game.welfare(optimum.profile)
    stopped = fairmas.solve(game, "equilibrium", "search", time_limit=0.2)
    details = stopped.details
    assert details["social_optimum_status"] == "optimal"
    assert details["social_optimum"] == top
    assert "prices_note" not in details
    assert "social_optimum_bound" not in details
    if stopped.status == "optimal":  # a machine fast enough to finish in the time
        assert stopped.value == best
        return
    assert stopped.status == "max_time_limit"
    if stopped.value is not None:
        assert details["verified"] is True
        assert stopped.value <= best <= stopped.bound == top
        assert stopped.gap == pytest.approx((top - stopped.value) / stopped.value)


@pytest.mark.parametrize("which", ["best", "worst"])
def test_prices_say_when_the_social_optimum_is_not_proved(which: str) -> None:
    game = PairwiseGame.random(30, 5, seed=0)  # dense 30 × 5: its optimum takes about 20 s
    result = fairmas.solve(game, "equilibrium", "search", time_limit=2, which=which)
    details = result.details
    assert result.status == "max_time_limit"
    assert details["social_optimum_status"] == "max_time_limit"
    assert "not proved" in details["prices_note"]
    assert details["social_optimum_bound"] >= details["social_optimum"]
    if result.value is None:
        return
    assert details["verified"] is True
    if which == "best":  # no equilibrium beats the optimum's bound
        assert result.bound == details["social_optimum_bound"]
        assert result.gap > 0
    else:  # that bound says nothing about the worst equilibrium, and the search proves none
        assert result.bound is None
