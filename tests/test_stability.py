"""Stability: exhaustive search against a brute-force oracle, the MILP against exhaustive search,
the details of every partition Result, and ``fairmas check``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.solvers.stability import (
    candidate_blocking_coalition,
    check_stability,
    exhaustive_blocking_coalition,
    individual_utilities,
    is_blocking,
    milp_blocking_coalition,
    nonnegative_blocking_coalition,
)
from tests.oracles import blocking_coalitions_brute_force

SIX = "six_agents_two_teams.yaml"


@st.composite
def games(draw, max_agents: int, negative: bool = True) -> tuple[WeightedGraph, np.ndarray]:
    """A random graph game (integer or real weights, any sign) and a random structure."""
    n = draw(st.integers(1, max_agents))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.2, 0.5, 0.9]))
    rng = np.random.default_rng(seed)
    mask = np.triu(rng.random((n, n)) < density, 1)
    u, v = np.nonzero(mask)
    low = -3 if negative else 0
    if draw(st.booleans()):
        weights = rng.integers(low, 5, u.size).astype(float)
    else:
        weights = rng.uniform(low, 4, u.size)
    graph = WeightedGraph.from_pairs([f"x{i}" for i in range(n)], u, v, weights)
    k = draw(st.integers(1, n))
    labels = rng.integers(0, k, n)
    return graph, labels


@settings(max_examples=60)
@given(game=games(max_agents=8))
def test_exhaustive_search_matches_brute_force(game) -> None:
    graph, labels = game
    utilities = individual_utilities(graph, labels)
    blocking = blocking_coalitions_brute_force(graph, labels.tolist())
    found = exhaustive_blocking_coalition(graph, utilities)
    if not blocking:
        assert found.status == "none"
        assert found.coalition is None
        return
    assert found.status == "found"
    members = tuple(found.coalition.tolist())
    assert members in blocking
    assert len(members) == min(len(b) for b in blocking)  # a smallest one
    # individual rationality: an agent below 0 blocks alone
    below = [i for i in range(graph.n) if utilities[i] < -1e-6]
    if below:
        assert len(members) == 1


@settings(max_examples=30)
@given(game=games(max_agents=11))
def test_milp_search_matches_exhaustive_search(game) -> None:
    graph, labels = game
    utilities = individual_utilities(graph, labels)
    exhaustive = exhaustive_blocking_coalition(graph, utilities)
    milp = milp_blocking_coalition(graph, utilities, time_limit=30)
    assert milp.status == exhaustive.status, (milp, exhaustive)
    if exhaustive.status == "found":
        assert is_blocking(graph, utilities, milp.coalition)
        assert milp.coalition.size == exhaustive.coalition.size  # both find a smallest


@settings(max_examples=30)
@given(game=games(max_agents=9))
def test_candidates_only_report_true_blocks(game) -> None:
    graph, labels = game
    utilities = individual_utilities(graph, labels)
    found = candidate_blocking_coalition(graph, labels, utilities)
    blocking = blocking_coalitions_brute_force(graph, labels.tolist())
    if found.status == "found":
        assert tuple(found.coalition.tolist()) in blocking
    else:
        assert found.status == "unknown"


@settings(max_examples=40)
@given(game=games(max_agents=8, negative=False))
def test_rule_for_nonnegative_weights_matches_brute_force(game) -> None:
    graph, labels = game
    found = nonnegative_blocking_coalition(graph, labels)
    blocking = blocking_coalitions_brute_force(graph, labels.tolist())
    assert (found.status == "found") == bool(blocking)
    if blocking:
        assert tuple(found.coalition.tolist()) in blocking  # the grand coalition


def test_grand_coalition_of_a_positive_game_is_stable_and_any_cut_is_not() -> None:
    rng = np.random.default_rng(1)
    n = 30  # beyond the exhaustive search
    mask = np.triu(rng.random((n, n)) < 0.3, 1)
    u, v = np.nonzero(mask)
    graph = WeightedGraph.from_pairs([str(i) for i in range(n)], u, v, rng.random(u.size))
    for search, method in (("auto", "nonnegative_weights"), ("milp", "milp")):
        grand = check_stability(graph, np.zeros(n, dtype=np.int64), search=search)
        assert grand.stable is True
        assert grand.individually_rational
        assert (grand.search.method, grand.search.status) == (method, "none")
        labels = (np.arange(n) >= n // 2).astype(np.int64)
        split = check_stability(graph, labels, search=search)
        assert split.stable is False
        assert split.search.method == method
        assert is_blocking(graph, split.utilities, split.search.coalition)
    with pytest.raises(ValueError, match="non-negative"):
        nonnegative_blocking_coalition(
            WeightedGraph.from_pairs("ab", [0], [1], [-1.0]), np.array([0, 1])
        )


def test_milp_search_beyond_sixteen_agents_finds_a_hidden_block() -> None:
    """Twenty agents in 4 cliques (weight 1 inside, −0.3 across), in a structure that
    mixes them: no agent alone, no union of two coalitions and not the grand coalition
    blocks, so only the MILP finds a block."""
    n = 20
    group = np.arange(n) // 5
    u, v = np.triu_indices(n, 1)
    graph = WeightedGraph.from_pairs(
        [f"a{i}" for i in range(n)], u, v, np.where(group[u] == group[v], 1.0, -0.3)
    )
    labels = np.zeros(n, dtype=np.int64)
    for label, members in enumerate(
        [[0, 1, 2, 5, 6, 7], [3, 4, 10, 11, 12], [8, 9, 15, 16], [13, 14, 17, 18, 19]]
    ):
        labels[members] = label
    utilities = individual_utilities(graph, labels)
    assert candidate_blocking_coalition(graph, labels, utilities).status == "unknown"
    report = check_stability(graph, labels)
    assert report.individually_rational
    assert report.stable is False
    assert report.search.method == "milp"
    # a smallest block: two clique mates left among strangers, e.g. {3, 4} (1 > 1 − 0.9 each)
    assert report.search.coalition.size == 2
    assert len(set(group[report.search.coalition].tolist())) == 1
    assert is_blocking(graph, utilities, report.search.coalition)
    # the cliques themselves are stable (proven by the MILP)
    cliques = check_stability(graph, group)
    assert (cliques.stable, cliques.search.method) == (True, "milp")


def test_individual_rationality_with_negative_utilities() -> None:
    graph = WeightedGraph.from_pairs("abc", [0, 0, 1], [1, 2, 2], [3.0, -5.0, 1.0])
    report = check_stability(graph, np.zeros(3, dtype=np.int64))
    assert report.utilities.tolist() == [-2.0, 4.0, -4.0]
    assert not report.individually_rational
    assert report.irrational.tolist() == [0, 2]
    assert report.stable is False
    assert report.search.coalition.size == 1


def test_every_partition_result_reports_stability(instances: Path) -> None:
    net = fairmas.load(instances / SIX)
    for k in (1, 2, 3):
        for result in fairmas.compare(net, "min_cut_partition", k=k):
            if result.value is None:
                continue
            details = result.details
            assert set(details["utilities"]) == set(net.agents)
            assert isinstance(details["individually_rational"], bool)
            assert isinstance(details["stable"], bool)
            assert details["stability_search"]["method"] == "exhaustive"
            if details["stable"]:
                assert details["blocking_coalition"] is None
            else:
                assert len(details["blocking_coalition"]) >= 1
    # with positive weights the grand coalition is stable, the best 2-cut is not
    assert fairmas.solve(net, "min_cut_partition", k=1).details["stable"] is True
    two = fairmas.solve(net, "min_cut_partition")
    assert two.details["stable"] is False
    assert two.details["blocking_coalition"] == list(net.agents)


def test_stability_parameter(instances: Path) -> None:
    net = fairmas.load(instances / SIX)
    skipped = fairmas.solve(net, "min_cut_partition", stability="skip")
    assert skipped.details["stable"] is None
    assert skipped.details["stability_search"]["status"] == "skipped"
    assert skipped.details["utilities"]  # utilities and rationality are always reported
    milp = fairmas.solve(net, "min_cut_partition", stability="milp")
    assert milp.details["stability_search"]["method"] == "milp"
    assert milp.details["stable"] is False


def test_check_command(run_cli, instances: Path, tmp_path: Path) -> None:
    file = instances / SIX
    result = tmp_path / "result.json"
    run = run_cli(
        "solve",
        file,
        "--objective",
        "min_cut_partition",
        "--param",
        "relation=trust_utility",
        "--param",
        "k=3",
        "--out",
        result,
    )
    assert run.code == 0, run.err
    solved = json.loads(result.read_text())
    run = run_cli("check", file, "--partition", result, "--json")
    assert run.code == (0 if solved["details"]["stable"] else 1), run.err
    checked = json.loads(run.out)
    assert checked["relation"] == "trust_utility"  # taken from the Result
    assert checked["k"] == 3
    assert checked["welfare"] == pytest.approx(solved["value"])
    assert checked["utilities"] == pytest.approx(solved["details"]["utilities"])
    assert checked["stable"] == solved["details"]["stable"]

    plain = tmp_path / "grand.json"
    plain.write_text(json.dumps({"coalitions": [list(fairmas.load(file).agents)]}))
    run = run_cli("check", file, "--partition", plain)
    assert run.code == 0, run.err
    assert "stable: yes" in run.out
    assert "individually rational: yes" in run.out

    teams = tmp_path / "teams.yaml"
    teams.write_text("coalitions:\n  - [a1, a2, a3]\n  - [a4, a5, a6]\n")
    run = run_cli("check", file, "--partition", teams, "--param", "relation=trust")
    assert run.code == 1
    assert "stable: no, blocked by {a1, a2, a3, a4, a5, a6}" in run.out
    assert "welfare    9.3" in run.out


def test_check_of_a_larger_network_uses_candidates_then_milp(tmp_path: Path, run_cli) -> None:
    """Twenty agents trusting everyone equally, with utility 1 inside four groups of five and
    −0.3 across: under trust_utility the groups are stable, which only the MILP can prove."""
    n = 20
    agents = [f"p{i}" for i in range(n)]
    edges = [
        {
            "from": agents[i],
            "to": agents[j],
            "trust": 1.0,
            "utility": 1.0 if i // 5 == j // 5 else -0.3,
        }
        for i in range(n)
        for j in range(n)
        if i != j
    ]
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"kind": "trust_network", "agents": agents, "edges": edges}))
    groups = [agents[g : g + 5] for g in range(0, n, 5)]
    partition = tmp_path / "p.json"
    partition.write_text(json.dumps({"coalitions": groups}))
    run = run_cli(
        "check", path, "--partition", partition, "--param", "relation=trust_utility", "--json"
    )
    assert run.code == 0, run.err
    checked = json.loads(run.out)
    assert checked["stable"] is True
    assert checked["stability_search"] == {
        "method": "milp",
        "status": "none",
        "time": pytest.approx(checked["stability_search"]["time"]),
    }
    mixed = [
        groups[0][:3] + groups[1][:3],
        groups[0][3:] + groups[2][:3],
        groups[1][3:] + groups[3][:2],
        groups[2][3:] + groups[3][2:],
    ]
    partition.write_text(json.dumps({"coalitions": mixed}))
    run = run_cli(
        "check", path, "--partition", partition, "--param", "relation=trust_utility", "--json"
    )
    assert run.code == 1, run.err
    checked = json.loads(run.out)
    assert checked["stable"] is False
    assert checked["stability_search"]["method"] == "milp"
    assert len(checked["blocking_coalition"]) == 2
