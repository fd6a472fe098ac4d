"""min_cut_partition with k coalitions: exact methods match enumeration, heuristics 2 − 2/k."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.formulations.min_cut_partition import (
    k_coalition_model,
    labels_from_model,
    two_coalition_model,
)
from fairmas.models.relations import coalition_weights
from fairmas.models.trust_network import TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.registry import values_agree
from fairmas.solvers.global_mincut import noi_min_cut
from fairmas.solvers.highs import solve_model
from fairmas.solvers.kcut import gomory_hu_kcut, greedy_splitting
from fairmas.solvers.maxflow_cut import mt_st_cut
from fairmas.solvers.subset_dp import subset_dp_kcut
from tests.oracles import best_k_coalition_welfare
from tests.test_min_cut_partition import trust_networks

HEURISTICS = ("greedy_split", "gomory_hu", "mt_st_cut")


def assert_k_partition(net: TrustNetwork, result: fairmas.Result, k: int) -> np.ndarray:
    graph = coalition_weights(net, result.details["relation"])
    coalitions = result.solution["coalitions"]
    assert len(coalitions) == k
    assert all(coalitions)
    labels = graph.labels_from_coalitions(coalitions)  # raises unless a partition
    assert values_agree(graph.welfare(labels), result.value)
    return labels


@settings(max_examples=40)
@given(
    net=trust_networks(max_agents=9),
    k=st.integers(1, 4),
    relation=st.sampled_from(["trust", "trust_utility"]),
)
def test_exact_methods_match_enumeration_for_any_sign(
    net: TrustNetwork, k: int, relation: str
) -> None:
    k = min(k, net.n_agents)
    graph = coalition_weights(net, relation)
    best = best_k_coalition_welfare(graph, k)
    for method in ("milp", "subset_dp"):
        result = fairmas.solve(net, "min_cut_partition", method, relation=relation, k=k)
        assert result.status == "optimal", (method, result.details)
        assert values_agree(result.value, best), (method, result.value, best)
        assert_k_partition(net, result, k)


@settings(max_examples=40)
@given(net=trust_networks(max_agents=9, negative_utility=False), k=st.integers(1, 5))
def test_heuristics_cut_at_most_2_minus_2_over_k_times_the_optimum(
    net: TrustNetwork, k: int
) -> None:
    k = min(k, net.n_agents)
    results = {
        r.method: r for r in fairmas.compare(net, "min_cut_partition", k=k, stability="skip")
    }
    exact = results["subset_dp"]
    assert exact.status == "optimal"
    assert values_agree(exact.value, best_k_coalition_welfare(coalition_weights(net, "trust"), k))
    best_cut = exact.details["cut_weight"]
    for method in HEURISTICS:
        result = results[method]
        assert_k_partition(net, result, k)
        assert result.details["cut_weight"] <= (2 - 2 / k) * best_cut + 1e-9 * max(1, best_cut)
        assert result.value <= exact.value + 1e-9
        if k <= 2:  # a single exact minimum cut
            assert result.status == "optimal"
            assert result.details["agrees"] is True
        else:
            assert result.status == "feasible"
            assert result.details["agrees"] in (True, None)
            assert result.details["cut_guarantee"] == pytest.approx(2 - 2 / k)
            if exact.value > 0:
                assert result.details["ratio_to_exact"] == pytest.approx(result.value / exact.value)


def test_greedy_splitting_is_not_optimal_everywhere() -> None:
    """On some graph the lightest-cut-first order loses: compare reports a ratio below 1."""
    rng = np.random.default_rng(0)
    worse = None
    for _ in range(300):
        n = 7
        mask = np.triu(rng.random((n, n)) < 0.6, 1)
        u, v = np.nonzero(mask)
        graph = WeightedGraph.from_pairs([str(i) for i in range(n)], u, v, rng.random(u.size))
        greedy = greedy_splitting(graph, 3, noi_min_cut)
        best = best_k_coalition_welfare(graph, 3)
        if graph.welfare(greedy.labels) < best - 1e-9:
            worse = graph
            break
    assert worse is not None, "greedy splitting was optimal on every sample"
    net = TrustNetwork.from_arrays(worse.agents, worse.u, worse.v, worse.w / 2)
    results = {r.method: r for r in fairmas.compare(net, "min_cut_partition", k=3)}
    greedy = results["greedy_split"]
    assert greedy.details["agrees"] is None
    assert greedy.details["ratio_to_exact"] < 1
    assert results["milp"].details["agrees"] is True


def test_k_model_at_two_matches_the_side_model() -> None:
    rng = np.random.default_rng(2)
    for _ in range(5):
        n = 9
        mask = np.triu(rng.random((n, n)) < 0.5, 1)
        u, v = np.nonzero(mask)
        graph = WeightedGraph.from_pairs(
            [str(i) for i in range(n)], u, v, rng.integers(-3, 5, u.size).astype(float)
        )
        k_model = k_coalition_model(graph, 2)
        side_model = two_coalition_model(graph)
        assert values_agree(solve_model(k_model).objective, solve_model(side_model).objective)
        labels = labels_from_model(k_model)
        assert set(labels.tolist()) == {0, 1}


def test_subset_dp_matches_the_milp_at_twelve_agents() -> None:
    rng = np.random.default_rng(4)
    n = 12
    mask = np.triu(rng.random((n, n)) < 0.4, 1)
    u, v = np.nonzero(mask)
    graph = WeightedGraph.from_pairs(
        [str(i) for i in range(n)], u, v, rng.integers(-2, 6, u.size).astype(float)
    )
    for k in (3, 5):
        labels, welfare = subset_dp_kcut(graph, k)
        assert len(set(labels.tolist())) == k
        assert values_agree(graph.welfare(labels), welfare)
        model = k_coalition_model(graph, k)
        assert values_agree(solve_model(model).objective, welfare)


def test_one_coalition_and_n_coalitions(instances) -> None:
    net = fairmas.load(instances / "research_lab.yaml")
    n = net.n_agents
    for k, expected in ((1, [list(net.agents)]), (n, [[name] for name in net.agents])):
        for result in fairmas.compare(net, "min_cut_partition", k=k):
            if result.details.get("applicable") is False:
                assert result.method in ("noi", "stoer_wagner")
                assert f"k={k}" in result.details["error"]
                continue
            assert result.solution["coalitions"] == expected, result.method
            assert result.details["agrees"] is True


def test_noi_and_stoer_wagner_only_cut_in_two(instances) -> None:
    net = fairmas.load(instances / "six_agents_two_teams.yaml")
    for method in ("noi", "stoer_wagner"):
        with pytest.raises(fairmas.MethodNotApplicableError) as caught:
            fairmas.solve(net, "min_cut_partition", method, k=3)
        for name in ("k=3", "milp", "subset_dp", "greedy_split", "gomory_hu", "mt_st_cut"):
            assert name in str(caught.value)
    # the default method for k > 2 is an exact one that applies
    result = fairmas.solve(net, "min_cut_partition", k=3)
    assert result.method == "milp"
    assert result.status == "optimal"


def test_repeated_cutting_stops_at_the_time_limit_with_k_coalitions() -> None:
    rng = np.random.default_rng(7)
    n = 1500
    source = rng.integers(0, n, 8 * n)
    target = (source + rng.integers(1, n, 8 * n)) % n
    keys = np.unique(source * n + target)
    graph = WeightedGraph.from_pairs(
        [str(i) for i in range(n)], keys // n, keys % n, rng.random(keys.size)
    )
    found = greedy_splitting(graph, 4, mt_st_cut, time_limit=0.05)
    assert not found.complete
    assert len(set(found.labels.tolist())) == 4
    assert values_agree(found.cut, graph.cut_weight(found.labels))


def test_gomory_hu_on_a_disconnected_network() -> None:
    graph = WeightedGraph.from_pairs("abcdefg", [0, 1, 3, 4], [1, 2, 4, 5], [1.0, 2.0, 3.0, 1.0])
    found = gomory_hu_kcut(graph, 3)
    assert found.cut == 0.0  # the three components: {a,b,c}, {d,e,f}, {g}
    assert graph.coalitions(found.labels) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


def test_compare_k3_on_the_command_line(run_cli, instances) -> None:
    run = run_cli(
        "compare",
        instances / "six_agents_two_teams.yaml",
        "--objective",
        "min_cut_partition",
        "--param",
        "k=3",
        "--json",
    )
    assert run.code == 0, run.err
    results = {r["method"]: r for r in json.loads(run.out)}
    assert results["noi"]["details"]["applicable"] is False
    assert results["milp"]["status"] == "optimal"
    assert values_agree(results["subset_dp"]["value"], results["milp"]["value"])
    for method in HEURISTICS:
        assert results[method]["status"] == "feasible"
        assert results[method]["details"]["ratio_to_exact"] <= 1 + 1e-9
        assert len(results[method]["solution"]["coalitions"]) == 3
