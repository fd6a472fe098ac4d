"""csg: every exact method agrees with brute force and with each other; CSG-UCT never beats them."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models import CoalitionGame, TrustNetwork
from fairmas.models.generators import DISTRIBUTIONS
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.registry import OBJECTIVES, values_agree
from fairmas.solvers.csg_exact import dp_solve, idp_ip_solve
from fairmas.solvers.multicut import solve_graph_game
from fairmas.solvers.yeh_dp import split_count
from tests.oracles import (
    all_set_partitions,
    best_structure_value,
    blocking_coalitions_brute_force,
    graph_game_table,
)

EXACT = [name for name, m in OBJECTIVES["csg"].methods.items() if m.exact]
README_VALUES = [0, 30, 40, 50, 25, 60, 55, 90, 45, 80, 70, 120, 80, 100, 115, 140]


@st.composite
def table_games(draw, max_agents: int = 9) -> CoalitionGame:
    """Dense tables: signed or non-negative, sparse (many zeros) or full, ties or not."""
    n = draw(st.integers(1, max_agents))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sizes = np.array([bin(mask).count("1") for mask in range(1 << n)], dtype=float)
    kind = draw(st.sampled_from(["signed", "non_negative", "sparse", "superadditive_ish", "ties"]))
    if kind == "signed":
        values = rng.normal(0, 5, 1 << n).round(2)
    elif kind == "non_negative":
        values = sizes * rng.random(1 << n) * 10
    elif kind == "sparse":
        values = np.where(rng.random(1 << n) < 0.2, rng.integers(-3, 10, 1 << n), 0).astype(float)
    elif kind == "superadditive_ish":
        values = sizes**1.5 + rng.random(1 << n)
    else:
        values = rng.integers(0, 3, 1 << n).astype(float) * sizes
    values[0] = 0.0
    return CoalitionGame.from_table([f"p{i}" for i in range(n)], values)


@st.composite
def graph_games(draw, max_agents: int = 12) -> CoalitionGame:
    """Signed graph games: sparse to complete, integer or real weights."""
    n = draw(st.integers(2, max_agents))
    density = draw(st.sampled_from([0.15, 0.4, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    u, v = np.triu_indices(n, 1)
    keep = rng.random(u.size) < density
    if draw(st.booleans()):
        w = rng.integers(-10, 10, keep.sum()).astype(float)
    else:
        w = rng.normal(0.5, 2.0, keep.sum())
    graph = WeightedGraph.from_pairs([f"g{i}" for i in range(n)], u[keep], v[keep], w)
    return CoalitionGame.from_graph(graph)


def compare(game, **params) -> dict[str, fairmas.Result]:
    params.setdefault("uct_iterations", 300)
    return {r.method: r for r in fairmas.compare(game, "csg", **params)}


def assert_structure(game: CoalitionGame, result: fairmas.Result) -> None:
    """The coalitions are a partition of the agents and are worth the reported value."""
    coalitions = result.solution["coalitions"]
    names = [name for coalition in coalitions for name in coalition]
    assert sorted(names) == sorted(game.agents)
    index = {name: k for k, name in enumerate(game.agents)}
    labels = np.empty(game.n_agents, dtype=np.int64)
    for label, coalition in enumerate(coalitions):
        labels[[index[name] for name in coalition]] = label
    assert values_agree(game.welfare(labels), result.value)
    assert result.details["n_coalitions"] == len(coalitions)


@settings(max_examples=40)
@given(game=table_games())
def test_table_games_all_methods_match_brute_force(game: CoalitionGame) -> None:
    best = best_structure_value(game.values())
    results = compare(game)
    assert set(results) == set(OBJECTIVES["csg"].methods)
    for name in EXACT:
        result = results[name]
        assert result.status == "optimal", (name, result.details)
        assert values_agree(result.value, best), (name, result.value, best)
        assert result.details["agrees"] is True
        assert_structure(game, result)
    uct = results["csg_uct"]
    assert uct.value <= best + 1e-9
    assert uct.details["agrees"] in (True, None)
    assert_structure(game, uct)


@settings(max_examples=30)
@given(game=graph_games())
def test_graph_games_milp_dp_odp_ip_agree(game: CoalitionGame) -> None:
    results = compare(game)
    milp = results["milp"]
    assert milp.status == "optimal", milp.details
    for name in EXACT:
        assert values_agree(results[name].value, milp.value), (name, results[name].value)
        assert_structure(game, results[name])
    assert results["csg_uct"].value <= milp.value + 1e-6
    if game.n_agents <= 9:
        pairs = game.graph.pair_weights()
        assert values_agree(
            milp.value, best_structure_value(graph_game_table(game.n_agents, pairs))
        )


@settings(max_examples=20)
@given(game=table_games(max_agents=6))
def test_csg_uct_reaches_the_optimum_on_small_games(game: CoalitionGame) -> None:
    """Bell(6) = 203 structures: the default budget visits every one and proves the optimum."""
    result = fairmas.solve(game, "csg", "csg_uct")
    assert result.status == "optimal"
    assert result.details["stopped_by"] == "exhausted"
    assert values_agree(result.value, best_structure_value(game.values()))


@pytest.mark.parametrize("distribution", list(DISTRIBUTIONS))
def test_generated_games_exact_methods_agree(distribution: str) -> None:
    game = CoalitionGame.generate(12, distribution, seed=7)
    results = compare(game, uct_iterations=200)
    values = {name: results[name].value for name in EXACT}
    assert len(set(values.values())) == 1, values  # integers: bit-identical
    assert results["csg_uct"].value <= values["dp"]
    assert 0 < results["csg_uct"].details["ratio_to_exact"] <= 1


def test_odp_ip_readme_example() -> None:
    game = CoalitionGame.from_table(["a1", "a2", "a3", "a4"], README_VALUES)
    for r in fairmas.compare(game, "csg"):
        assert r.value == 150.0, r.method
        assert sorted(r.solution["coalitions"]) == [["a1"], ["a2"], ["a3", "a4"]]


def test_dp_counts_every_split() -> None:
    values = CoalitionGame.generate(11, "uniform", seed=1).values()
    found = dp_solve(values)
    assert found.stats["split_evaluations"] == split_count(11)
    assert split_count(11) == (3**11 + 1) // 2 - 2**11
    idp = idp_ip_solve(values, first_share=0.0, layer_share=0.0)
    assert idp.stats["finished_by"] in ("idp", "bound")
    assert idp.value == found.value
    assert idp.stats["split_evaluations"] < found.stats["split_evaluations"]


@pytest.mark.parametrize("distribution", ["uniform", "ndcs", "normal", "modified_uniform"])
def test_odp_ip_without_search_is_exact_idp(distribution: str) -> None:
    """IDP alone (sizes up to 2n/3, then the splits of A) reaches DP's optimum."""
    values = CoalitionGame.generate(13, distribution, seed=2).values()
    only_idp = idp_ip_solve(values, first_share=0.0, layer_share=0.0)
    only_search = idp_ip_solve(values, first_share=1e6)
    assert only_idp.value == only_search.value == dp_solve(values).value
    assert only_search.stats["split_evaluations"] == 0


def test_time_limits_return_an_incumbent_and_a_bound() -> None:
    values = CoalitionGame.generate(14, "ndcs", seed=3).values()
    best = dp_solve(values).value
    cut_short = dp_solve(values, time_limit=1e-9)
    assert not cut_short.optimal
    assert cut_short.value <= best <= cut_short.bound
    game = CoalitionGame.from_table([f"a{i}" for i in range(14)], values)
    result = fairmas.solve(game, "csg", "csg_uct", time_limit=0.05)
    assert result.status == "max_time_limit"
    assert result.value <= best
    assert result.details["stopped_by"] == "time_limit"


def test_trust_networks_are_graph_games() -> None:
    net = TrustNetwork.from_edges(
        ["a", "b", "c", "d", "e"],
        [
            ("a", "b", 0.9, 2.0),
            ("b", "a", 0.8, 1.0),
            ("c", "d", 0.7, 3.0),
            ("d", "c", 0.6, -9.0),
            ("b", "c", 0.5, -8.0),
            ("e", "a", 0.4, 1.0),
        ],
    )
    for relation in ("trust", "trust_utility"):
        results = {r.method: r for r in fairmas.compare(net, "csg", relation=relation)}
        assert all(r.details["agrees"] is not False for r in results.values())
        assert results["milp"].details["relation"] == relation
        game = CoalitionGame.from_trust_network(net, relation)
        assert values_agree(results["dp"].value, best_structure_value(game.values()))
    trust = fairmas.solve(net, "csg", relation="trust")
    assert trust.solution["coalitions"] == [["a", "b", "c", "d", "e"]]  # weights ≥ 0: superadditive
    utility = fairmas.solve(net, "csg", relation="trust_utility")
    assert len(utility.solution["coalitions"]) > 1


def test_milp_on_a_sparse_signed_graph_of_60_agents() -> None:
    rng = np.random.default_rng(5)
    graph = nx.barabasi_albert_graph(60, 2, seed=5)
    edges = np.array(graph.edges())
    weights = rng.integers(-10, 10, len(edges)).astype(float)
    g = WeightedGraph.from_pairs([f"a{i}" for i in range(60)], edges[:, 0], edges[:, 1], weights)
    found = solve_graph_game(g)
    assert str(found.status) == "optimal"
    assert values_agree(g.welfare(found.labels), found.bound)
    game = CoalitionGame.from_graph(g)
    uct = fairmas.solve(game, "csg", "csg_uct", uct_iterations=50)
    assert uct.value <= found.bound + 1e-9
    applicable = OBJECTIVES["csg"].methods["dp"].applies
    from fairmas.objectives.csg import prepare

    reason = applicable(prepare(game, OBJECTIVES["csg"].parse_params({})))
    assert "2^60" in reason
    assert "milp, csg_uct" in reason


def test_set_partitions_oracle() -> None:
    assert [len(all_set_partitions(n)) for n in range(7)] == [1, 1, 2, 5, 15, 52, 203]


@settings(max_examples=25)
@given(game=graph_games(max_agents=9))
def test_graph_game_structures_report_their_stability(game: CoalitionGame) -> None:
    result = fairmas.solve(game, "csg", "milp")
    labels = game.graph.labels_from_coalitions(result.solution["coalitions"])
    blocking = blocking_coalitions_brute_force(game.graph, labels.tolist())
    assert result.details["stable"] is (not blocking)
    if blocking:
        found = tuple(
            sorted(game.agents.index(name) for name in result.details["blocking_coalition"])
        )
        assert found in blocking


def test_table_games_say_why_stability_is_not_reported() -> None:
    game = CoalitionGame.from_table(["a1", "a2", "a3", "a4"], README_VALUES)
    result = fairmas.solve(game, "csg")
    assert result.details["stable"] is None
    assert "table games" in result.details["stability_search"]["status"]
