"""min_cut_partition: every method agrees with the MILP and with brute force."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.relations import coalition_weights
from fairmas.models.trust_network import TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.registry import OBJECTIVES, values_agree
from fairmas.solvers.global_mincut import noi_min_cut, stoer_wagner_min_cut
from fairmas.solvers.maxflow_cut import mt_st_cut
from tests.oracles import best_two_coalition_welfare

METHODS = list(OBJECTIVES["min_cut_partition"].methods)
ALL_BUNDLED = sorted(Path(__file__).resolve().parent.parent.joinpath("instances").iterdir())
BUNDLED = [p for p in ALL_BUNDLED if fairmas.load(p).kind == "trust_network"]


@st.composite
def trust_networks(draw, max_agents: int = 40, negative_utility: bool = True) -> TrustNetwork:
    """Random directed trust networks: sparse to dense, disconnected, ties, zero trust,
    one-way edges, and optionally two planted teams (so min cuts are not always singletons)."""
    n = draw(st.integers(2, max_agents))
    density = draw(st.sampled_from([0.0, 0.03, 0.1, 0.3, 0.7] + ([1.0] if n <= 20 else [])))
    seed = draw(st.integers(0, 2**32 - 1))
    planted = draw(st.booleans())
    ties = draw(st.booleans())
    rng = np.random.default_rng(seed)
    probability = np.full((n, n), density)
    if planted:
        team = rng.random(n) < 0.5
        same = team[:, None] == team[None, :]
        probability = np.where(same, max(density, 0.6), density / 4)
    mask = rng.random((n, n)) < probability
    np.fill_diagonal(mask, False)
    source, target = np.nonzero(mask)
    m = source.size
    trust = rng.choice([0.0, 0.25, 0.5, 1.0], m) if ties else rng.random(m)
    low = -3 if negative_utility else 0
    utility = rng.integers(low, 4, m).astype(float)
    agents = [f"agent{i}" for i in range(n)]
    return TrustNetwork.from_arrays(agents, source, target, trust, utility)


def solve_all(net: TrustNetwork, relation: str) -> dict[str, fairmas.Result]:
    return {r.method: r for r in fairmas.compare(net, "min_cut_partition", relation=relation)}


def assert_partition_attains_value(
    net: TrustNetwork, relation: str, result: fairmas.Result
) -> None:
    graph = coalition_weights(net, relation)
    coalitions = result.solution["coalitions"]
    assert len(coalitions) == 2
    assert all(coalitions)
    labels = graph.labels_from_coalitions(coalitions)  # raises unless a partition
    assert values_agree(graph.welfare(labels), result.value)
    assert values_agree(result.details["cut_weight"], graph.total_weight - result.value)


@given(
    net=trust_networks(negative_utility=False), relation=st.sampled_from(["trust", "trust_utility"])
)
def test_all_methods_agree_on_random_networks(net: TrustNetwork, relation: str) -> None:
    results = solve_all(net, relation)
    assert set(results) == set(METHODS)
    milp = results["milp"]
    assert milp.status == "optimal"
    for method, result in results.items():
        assert result.status == "optimal", (method, result.details)
        assert values_agree(result.value, milp.value), (method, result.value, milp.value)
        assert result.details["agrees"] is True
        assert_partition_attains_value(net, relation, result)
        if "cut_found" in result.details:  # the algorithm's own (scaled) cut matches
            assert values_agree(result.details["cut_found"], result.details["cut_weight"])


@settings(max_examples=60)
@given(net=trust_networks(max_agents=12))
def test_milp_matches_brute_force_with_negative_weights(net: TrustNetwork) -> None:
    graph = coalition_weights(net, "trust_utility")
    result = fairmas.solve(net, "min_cut_partition", "milp", relation="trust_utility")
    assert result.status == "optimal"
    assert values_agree(result.value, best_two_coalition_welfare(graph))
    assert_partition_attains_value(net, "trust_utility", result)


@settings(max_examples=60)
@given(net=trust_networks(max_agents=14, negative_utility=False))
def test_cut_methods_match_brute_force(net: TrustNetwork) -> None:
    graph = coalition_weights(net, "trust")
    best = best_two_coalition_welfare(graph)
    for algorithm in (noi_min_cut, mt_st_cut, stoer_wagner_min_cut):
        cut = algorithm(graph)
        assert cut.side.any()
        assert not cut.side.all()
        assert values_agree(graph.welfare(cut.side), best), algorithm.__name__


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
@pytest.mark.parametrize("relation", ["trust", "trust_utility"])
def test_bundled_instances_same_welfare_with_every_method(
    path: Path, relation: str, run_cli
) -> None:
    net = fairmas.load(path)
    results = solve_all(net, relation)
    graph = coalition_weights(net, relation)
    best = best_two_coalition_welfare(graph)
    for method, result in results.items():
        if result.details.get("applicable") is False:
            assert graph.has_negative_weights
            assert method != "milp"
            continue
        assert values_agree(result.value, best), (method, result.value, best)
    run = run_cli(
        "compare", path, "--objective", "min_cut_partition", "--param", f"relation={relation}"
    )
    assert run.code == 0, run.err
    assert "✗" not in run.out


def test_six_agents_paper_network_has_the_two_teams() -> None:
    net = fairmas.load(BUNDLED[[p.name for p in BUNDLED].index("six_agents_two_teams.yaml")])
    for relation in ("trust", "trust_utility"):
        for method in METHODS:
            result = fairmas.solve(net, "min_cut_partition", method, relation=relation)
            assert sorted(map(sorted, result.solution["coalitions"])) == [
                ["a1", "a2", "a3"],
                ["a4", "a5", "a6"],
            ]


def test_trust_relation_is_sum_of_both_directions() -> None:
    net = TrustNetwork.from_edges(
        ["a", "b", "c"], [("a", "b", 0.8), ("b", "a", 0.4), ("b", "c", 0.3)]
    )
    graph = coalition_weights(net, "trust")
    assert graph.pair_weights() == pytest.approx({(0, 1): 1.2, (1, 2): 0.3})


def test_trust_utility_relation_uses_row_normalized_trust() -> None:
    # p_ab = 0.6/(0.6+0.2), p_ac = 0.2/0.8, p_ba = 1 (b trusts only a), c trusts nobody
    net = TrustNetwork.from_edges(
        ["a", "b", "c"],
        [("a", "b", 0.6, 2.0), ("a", "c", 0.2, 4.0), ("b", "a", 0.5, 3.0), ("c", "a", 0.0, 9.0)],
    )
    graph = coalition_weights(net, "trust_utility")
    assert graph.pair_weights() == pytest.approx(
        {(0, 1): 0.75 * 2 + 1.0 * 3, (0, 2): 0.25 * 4 + 0.0}
    )


def test_disconnected_network_cuts_nothing() -> None:
    net = fairmas.load(BUNDLED[[p.name for p in BUNDLED].index("two_islands.yaml")])
    for result in fairmas.compare(net, "min_cut_partition"):
        assert result.details["cut_weight"] == 0.0
        assert values_agree(result.value, result.details["total_weight"])


def test_all_zero_weights() -> None:
    net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 0.0), ("b", "c", 0.0)])
    for result in fairmas.compare(net, "min_cut_partition"):
        assert result.status == "optimal"
        assert result.value == 0.0
        assert len(result.solution["coalitions"]) == 2


def test_two_agents_without_edges() -> None:
    net = TrustNetwork.from_edges(["a", "b"], [])
    for result in fairmas.compare(net, "min_cut_partition"):
        assert result.solution["coalitions"] == [["a"], ["b"]]


def test_negative_weights_pick_milp_by_default_and_refuse_cut_methods() -> None:
    net = fairmas.load(
        BUNDLED[[p.name for p in BUNDLED].index("rivals_with_negative_utility.toml")]
    )
    result = fairmas.solve(net, "min_cut_partition", relation="trust_utility")
    assert result.method == "milp"
    for method in ("noi", "mt_st_cut", "stoer_wagner"):
        with pytest.raises(fairmas.MethodNotApplicableError, match="use method milp"):
            fairmas.solve(net, "min_cut_partition", method, relation="trust_utility")


def test_mt_st_cut_stops_at_its_time_limit_with_an_incumbent() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    source = rng.integers(0, n, 10 * n)
    target = (source + rng.integers(1, n, 10 * n)) % n
    keys = np.unique(source * n + target)
    graph = WeightedGraph.from_pairs(
        [str(i) for i in range(n)], keys // n, keys % n, rng.random(keys.size)
    )
    cut = mt_st_cut(graph, time_limit=0.05)
    assert not cut.complete
    assert 1 <= cut.steps < n - 1
    assert cut.side.any()
    assert not cut.side.all()
    assert values_agree(cut.cut, graph.cut_weight(cut.side))


@pytest.fixture(scope="module")
def hard_network() -> TrustNetwork:
    """70 agents, dense: HiGHS needs about 10 s to prove the optimum here."""
    rng = np.random.default_rng(3)
    n = 70
    mask = np.triu(rng.random((n, n)) < 0.6, 1)
    u, v = np.nonzero(mask)
    return TrustNetwork.from_arrays([f"x{i}" for i in range(n)], u, v, rng.random(u.size))


def test_milp_time_limit_returns_the_incumbent_and_its_gap(hard_network: TrustNetwork) -> None:
    result = fairmas.solve(hard_network, "min_cut_partition", "milp", time_limit=0.5)
    assert result.status == "max_time_limit"
    assert result.value is not None
    assert result.bound > result.value
    assert result.gap == pytest.approx((result.bound - result.value) / result.value)
    assert_partition_attains_value(hard_network, "trust", result)
    # the incumbent is a valid structure, no better than the exact optimum
    exact = fairmas.solve(hard_network, "min_cut_partition", "noi")
    assert result.value <= exact.value + 1e-9 <= result.bound + 1e-6


def test_milp_time_limit_before_any_incumbent(
    hard_network: TrustNetwork, run_cli, tmp_path: Path
) -> None:
    result = fairmas.solve(hard_network, "min_cut_partition", "milp", time_limit=1e-4)
    assert result.status == "max_time_limit"
    assert (result.value, result.bound, result.gap, result.solution) == (None, None, None, {})
    # on the command line: the Result is still written, and the exit code says "no solution"
    path = tmp_path / "hard.json"
    path.write_text(json.dumps(hard_network.to_document()))
    out = tmp_path / "result.json"
    run = run_cli(
        "solve",
        path,
        "--objective",
        "min_cut_partition",
        "--method",
        "milp",
        "--time-limit",
        "0.0001",
        "--out",
        out,
    )
    assert run.code == 1, run.err
    assert json.loads(out.read_text())["status"] == "max_time_limit"
