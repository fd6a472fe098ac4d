"""Bad input of k coalitions, propagation, stability and ``fairmas check``: one line, exit 2,
nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_bad_input import assert_one_line_error

NEGATIVE = """\
kind: trust_network
agents: [a, b, c]
edges:
  - {from: a, to: b, trust: 0.5}
  - {from: b, to: c, trust: 0.5, utility: -1}
"""


def agents_file(tmp_path: Path, n: int, name: str = "big.yaml") -> Path:
    agents = [f"x{i}" for i in range(n)]
    edges = [{"from": agents[i], "to": agents[(i + 1) % n], "trust": 0.5} for i in range(n)]
    path = tmp_path / name
    path.write_text(json.dumps({"kind": "trust_network", "agents": agents, "edges": edges}))
    return path.rename(path.with_suffix(".json"))


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text(NEGATIVE)
    return path


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--param", "k=0"], ["--param k", "greater than or equal to 1", "'0'"]),
        (["--param", "k=-2"], ["--param k", "greater than or equal to 1"]),
        (["--param", "k=two"], ["--param k", "valid integer"]),
        (["--param", "k=2.5"], ["--param k", "valid integer"]),
        (["--param", "k=4"], ["net.yaml: agents:", "k=4 needs at least 4 agents (got 3)"]),
        (
            ["--method", "noi", "--param", "k=3"],
            ["method noi", "2 coalitions only (k=3)", "milp", "subset_dp", "greedy_split"],
        ),
        (
            ["--method", "stoer_wagner", "--param", "k=3"],
            ["method stoer_wagner", "k=3", "gomory_hu", "mt_st_cut"],
        ),
        (
            ["--method", "greedy_split", "--param", "relation=trust_utility"],
            ["method greedy_split", "non-negative weights", "b–c", "use method milp", "subset_dp"],
        ),
        (
            ["--method", "gomory_hu", "--param", "relation=trust_utility", "--param", "k=3"],
            ["method gomory_hu", "non-negative weights", "use method milp"],
        ),
        (
            ["--method", "mt_st_cut", "--param", "relation=trust_utility", "--param", "k=3"],
            ["method mt_st_cut", "non-negative weights"],
        ),
        (["--param", "transitivity=max"], ["--param transitivity", "'min' or 'product'"]),
        (["--param", "aggregation=mean"], ["--param aggregation", "'max' or 'weighted_mean'"]),
        (["--param", "hops=0"], ["--param hops", "greater than or equal to 1"]),
        (["--param", "hops=65"], ["--param hops", "less than or equal to 64"]),
        (["--param", "hops=nan"], ["--param hops", "valid integer"]),
        (["--param", "stability=always"], ["--param stability", "'auto'", "'skip'"]),
        (
            ["--param", "stability_time_limit=nan"],
            ["--param stability_time_limit", "finite number"],
        ),
        (
            ["--param", "stability_time_limit=-1"],
            ["--param stability_time_limit", "greater than 0"],
        ),
        (["--param", "k=2", "--param", "k=3"], ["--param k", "given twice"]),
    ],
    ids=[
        "k zero",
        "k negative",
        "k text",
        "k fraction",
        "k above agents",
        "noi k3",
        "stoer_wagner k3",
        "greedy negative",
        "gomory_hu negative",
        "mt_st_cut negative k3",
        "transitivity",
        "aggregation",
        "hops zero",
        "hops too many",
        "hops nan",
        "stability",
        "stability time nan",
        "stability time negative",
        "k twice",
    ],
)
def test_bad_parameters(small: Path, run_cli, args, fragments) -> None:
    out = small.parent / "r.json"
    run = run_cli("solve", small, "--objective", "min_cut_partition", *args, "--out", out)
    assert_one_line_error(run, *fragments)
    assert not out.exists()


def test_too_many_agents_for_the_subset_dp(tmp_path: Path, run_cli) -> None:
    path = agents_file(tmp_path, 21)
    out = tmp_path / "r.json"
    run = run_cli(
        "solve", path, "--objective", "min_cut_partition", "--method", "subset_dp", "--out", out
    )
    assert_one_line_error(
        run, "method subset_dp", "at most 20 agents (got 21", "use milp", "greedy_split"
    )
    assert not out.exists()


def test_too_many_agents_for_exhaustive_stability(tmp_path: Path, run_cli) -> None:
    path = agents_file(tmp_path, 17)
    out = tmp_path / "r.json"
    run = run_cli(
        "solve",
        path,
        "--objective",
        "min_cut_partition",
        "--param",
        "stability=exhaustive",
        "--out",
        out,
    )
    assert_one_line_error(run, "--param stability", "at most 16 agents", "has 17", "stability=milp")
    assert not out.exists()


def test_weighted_mean_beyond_the_path_budget(tmp_path: Path, run_cli) -> None:
    n = 10
    agents = [f"x{i}" for i in range(n)]
    edges = [{"from": a, "to": b, "trust": 0.5} for a in agents for b in agents if a != b]
    path = tmp_path / "dense.json"
    path.write_text(
        json.dumps(
            {
                "kind": "trust_network",
                "agents": agents,
                "edges": edges,
                "propagation": {"transitivity": "min", "aggregation": "weighted_mean", "hops": 8},
            }
        )
    )
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--objective", "min_cut_partition", "--out", out)
    assert_one_line_error(
        run,
        f"{path}: propagation.aggregation:",
        "more than 1,000,000 simple paths",
        "path budget",
        "aggregation max",
    )
    assert not out.exists()
    # the parameter that fixes it
    run = run_cli("solve", path, "--objective", "min_cut_partition", "--param", "aggregation=max")
    assert run.code == 0, run.err


PARTITION_CASES = [
    ("unknown agent", {"coalitions": [["a", "b"], ["zed", "c"]]}, ["coalitions[1][0]", "'zed'"]),
    (
        "agent twice",
        {"coalitions": [["a", "b"], ["c", "a"]]},
        ["coalitions[1][1]", "agent 'a' is in two coalitions", "coalitions[0][0]"],
    ),
    ("agent missing", {"coalitions": [["a"], ["b"]]}, ["coalitions", "in no coalition: c"]),
    ("empty coalition", {"coalitions": [["a", "b", "c"], []]}, ["coalitions[1]", "empty"]),
    ("no coalitions", {"coalitions": []}, ["coalitions", "at least 1"]),
    ("missing key", {"groups": [["a", "b", "c"]]}, ["coalitions", "required field is missing"]),
    ("name not text", {"coalitions": [["a", "b", 3]]}, ["coalitions[0][2]", "valid string"]),
    (
        "result without solution",
        {
            "objective": "min_cut_partition",
            "method": "milp",
            "status": "max_time_limit",
            "value": None,
            "bound": None,
            "gap": None,
            "wall_time": 0.1,
            "solution": {},
            "details": {},
        },
        ["solution.coalitions", "required field is missing"],
    ),
    (
        "result with unknown agent",
        {"objective": "min_cut_partition", "solution": {"coalitions": [["a", "b", "c", "d"]]}},
        ["solution.coalitions[0][3]", "unknown agent 'd'"],
    ),
]


@pytest.mark.parametrize(
    ("name", "document", "fragments"), PARTITION_CASES, ids=[c[0] for c in PARTITION_CASES]
)
def test_bad_partition_files(small: Path, run_cli, name, document, fragments) -> None:
    partition = small.parent / "partition.json"
    partition.write_text(json.dumps(document))
    run = run_cli("check", small, "--partition", partition)
    assert_one_line_error(run, f"{partition}: ", *fragments)


def test_partition_file_that_is_not_json(small: Path, run_cli) -> None:
    partition = small.parent / "partition.json"
    partition.write_text("{coalitions: [")
    assert_one_line_error(run_cli("check", small, "--partition", partition), "invalid JSON")
    missing = small.parent / "nope.json"
    assert_one_line_error(run_cli("check", small, "--partition", missing), "no such file")
    assert_one_line_error(run_cli("check", small), "--partition")


def test_check_with_a_k_that_contradicts_the_partition(small: Path, run_cli) -> None:
    partition = small.parent / "partition.json"
    partition.write_text(json.dumps({"coalitions": [["a", "b"], ["c"]]}))
    run = run_cli("check", small, "--partition", partition, "--param", "k=3")
    assert_one_line_error(run, "--param k", "2 coalitions", "k=3")
