"""Allocation and mechanism instances on the command line: bad input, compare --objective all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_bad_input import assert_one_line_error

ALLOCATION = """\
kind: allocation
agents: [alice, bob]
resources:
  - {name: cpu, supply: 10, divisible: true}
  - {name: gpu, supply: 2, divisible: false}
valuations:
  alice: {cpu: 3, gpu: 10}
  bob: {cpu: 1}
entitlements: {alice: 1, bob: 2}
"""

MATRIX = """\
kind: allocation
agents: [alice, bob]
resources:
  - {name: cpu, supply: 10}
  - {name: gpu, supply: 2, divisible: false}
valuations: [[3, 10], [1, 0]]
"""

PROJECTS = """\
kind: mechanism
agents: [alice, bob]
projects:
  - {name: park, cost: 10}
values:
  alice: {park: 6}
  bob: {park: 7}
"""

AUCTION = """\
kind: mechanism
agents: [alice, bob]
items: [x, y]
bids:
  - {agent: alice, bundle: [x, y], value: 5}
  - {agent: bob, bundle: [y], value: 3}
"""

# (name, text, objective, fragments of the one-line error)
BAD = [
    (
        "negative valuation",
        ALLOCATION.replace("cpu: 3,", "cpu: -3,"),
        "max_min",
        ["valuations.alice.cpu", "greater than or equal to 0"],
    ),
    (
        "NaN valuation",
        ALLOCATION.replace("cpu: 3,", "cpu: .nan,"),
        "nash",
        ["valuations.alice.cpu", "finite number"],
    ),
    (
        "NaN in a matrix",
        MATRIX.replace("[1, 0]]", "[.nan, 0]]"),
        "nash",
        ["valuations[1][0]", "finite number"],
    ),
    (
        "negative in a matrix",
        MATRIX.replace("[1, 0]]", "[-1, 0]]"),
        "max_min",
        ["valuations[1][0]", "greater than or equal to 0"],
    ),
    (
        "resource nobody values",
        ALLOCATION.replace("alice: {cpu: 3, gpu: 10}", "alice: {cpu: 3}"),
        "leximin",
        ["resources[1]", "nobody values resource 'gpu'"],
    ),
    (
        "zero supply",
        ALLOCATION.replace("supply: 10", "supply: 0"),
        "max_min",
        ["resources[0].supply", "greater than 0"],
    ),
    (
        "negative supply",
        ALLOCATION.replace("supply: 2,", "supply: -2,"),
        "max_min",
        ["resources[1].supply", "greater than 0"],
    ),
    (
        "fractional units",
        ALLOCATION.replace("supply: 2,", "supply: 2.5,"),
        "max_min",
        ["resources[1].supply", "whole number of units"],
    ),
    (
        "zero entitlement",
        ALLOCATION.replace("bob: 2}", "bob: 0}"),
        "nash",
        ["entitlements.bob", "greater than 0"],
    ),
    (
        "negative entitlement",
        ALLOCATION.replace("alice: 1,", "alice: -1,"),
        "max_min",
        ["entitlements.alice", "greater than 0"],
    ),
    (
        "entitlement of an unknown agent",
        ALLOCATION.replace("bob: 2}", "carol: 2}"),
        "max_min",
        ["entitlements", "unknown agent 'carol'"],
    ),
    (
        "matrix with a missing row",
        MATRIX.replace("[[3, 10], [1, 0]]", "[[3, 10]]"),
        "max_min",
        ["valuations", "one row per agent (2 agents, got 1 rows)"],
    ),
    (
        "matrix with a short row",
        MATRIX.replace("[1, 0]]", "[1]]"),
        "max_min",
        ["valuations[1]", "one entry per resource (2 resources, got 1)"],
    ),
    (
        "valuation of an unknown agent",
        ALLOCATION.replace("bob: {cpu: 1}", "zed: {cpu: 1}"),
        "max_min",
        ["valuations.zed", "unknown agent 'zed'"],
    ),
    (
        "valuation of an unknown resource",
        ALLOCATION.replace("bob: {cpu: 1}", "bob: {tpu: 1}"),
        "max_min",
        ["valuations.bob.tpu", "unknown resource 'tpu'"],
    ),
    (
        "negative cap",
        ALLOCATION + "caps: {alice: {gpu: -1}}\n",
        "max_min",
        ["caps.alice.gpu", "greater than or equal to 0"],
    ),
    (
        "fractional cap of whole units",
        ALLOCATION + "caps: {alice: {gpu: 0.5}}\n",
        "max_min",
        ["caps.alice.gpu", "whole number"],
    ),
    (
        "duplicate resource",
        ALLOCATION.replace("name: gpu", "name: cpu"),
        "max_min",
        ["resources[1]", "duplicate name 'cpu'"],
    ),
    (
        "divisible as text",
        ALLOCATION.replace("divisible: true", "divisible: 'yes'"),
        "max_min",
        ["resources[0].divisible", "valid boolean"],
    ),
    (
        "unknown allocation field",
        ALLOCATION + "budget: 3\n",
        "max_min",
        ["budget", "unknown field", "valuations"],
    ),
    (
        "negative cost",
        PROJECTS.replace("cost: 10", "cost: -10"),
        "welfare",
        ["projects[0].cost", "greater than or equal to 0"],
    ),
    (
        "negative project value",
        PROJECTS.replace("park: 6", "park: -6"),
        "welfare",
        ["values.alice.park", "greater than or equal to 0"],
    ),
    (
        "value of an unknown project",
        PROJECTS.replace("bob: {park: 7}", "bob: {zoo: 7}"),
        "welfare",
        ["values.bob.zoo", "unknown project 'zoo'"],
    ),
    (
        "projects and an auction",
        PROJECTS + "items: [x]\nbids: []\n",
        "welfare",
        ["(document)", "not both"],
    ),
    ("auction without bids", "kind: mechanism\nagents: [a]\nitems: [x]\n", "welfare", ["bids"]),
    (
        "bid on an unknown item",
        AUCTION.replace("bundle: [y]", "bundle: [z]"),
        "welfare",
        ["bids[1].bundle[0]", "unknown item 'z'"],
    ),
    (
        "item twice in a bundle",
        AUCTION.replace("bundle: [x, y]", "bundle: [x, x]"),
        "welfare",
        ["bids[0].bundle[1]", "listed twice"],
    ),
    (
        "bid of an unknown agent",
        AUCTION.replace("agent: bob", "agent: eve"),
        "welfare",
        ["bids[1].agent", "unknown agent 'eve'"],
    ),
    (
        "empty bundle",
        AUCTION.replace("bundle: [y]", "bundle: []"),
        "welfare",
        ["bids[1].bundle", "at least 1"],
    ),
    (
        "allocation objective on a mechanism",
        PROJECTS,
        "nash",
        ["kind", "objective nash needs a allocation instance, not mechanism"],
    ),
    (
        "welfare on an allocation",
        ALLOCATION,
        "welfare",
        ["kind", "objective welfare needs a mechanism instance, not allocation"],
    ),
]


@pytest.mark.parametrize(("name", "text", "objective", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_instance(tmp_path: Path, run_cli, name, text, objective, fragments) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text(text)
    out = tmp_path / "result.json"
    run = run_cli("solve", path, "--objective", objective, "--out", out)
    assert_one_line_error(run, str(path), *fragments)
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "args", "fragments"),
    [
        (ALLOCATION, ["--objective", "min_gap", "--param", "epsilon=2"], ["--param epsilon", "1"]),
        (ALLOCATION, ["--objective", "min_gap", "--param", "epsilon=-0.1"], ["--param epsilon"]),
        (ALLOCATION, ["--objective", "nash", "--param", "tolerance=0"], ["--param tolerance"]),
        (PROJECTS, ["--objective", "welfare", "--param", "payments=free"], ["--param payments"]),
        (
            ALLOCATION,
            ["--objective", "nash", "--method", "proportional_response"],
            ["method proportional_response", "'gpu' comes in whole units", "outer_approximation"],
        ),
        (
            ALLOCATION,
            ["--objective", "max_min", "--method", "brute_force"],
            ["method brute_force", "indivisible resources only"],
        ),
        (
            PROJECTS,
            ["--objective", "welfare", "--method", "subset_dp"],
            ["method subset_dp", "auction variant"],
        ),
        (
            AUCTION,
            ["--objective", "welfare", "--method", "brute_force"],
            ["method brute_force", "subset_dp or milp"],
        ),
    ],
    ids=[
        "epsilon above 1",
        "epsilon below 0",
        "tolerance 0",
        "unknown payment rule",
        "proportional response on whole units",
        "brute force on divisible goods",
        "subset dp on projects",
        "brute force on an auction",
    ],
)
def test_bad_options(tmp_path: Path, run_cli, text, args, fragments) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text(text)
    out = tmp_path / "r.json"
    run = run_cli("solve", path, *args, "--out", out)
    assert_one_line_error(run, *fragments)
    assert not out.exists()


def test_compare_all_refuses_unknown_parameter_and_method(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text(ALLOCATION)
    run = run_cli("compare", path, "--objective", "all", "--param", "relation=trust")
    assert_one_line_error(run, "--param relation", "known: epsilon, tolerance")
    run = run_cli("compare", path, "--objective", "all", "--method", "milp")
    assert_one_line_error(run, "--method", "cannot be combined with --objective all")


def test_agent_who_values_nothing_is_reported_not_an_error(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text(ALLOCATION.replace("agents: [alice, bob]", "agents: [alice, bob, idle]"))
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--objective", "nash", "--out", out)
    assert run.code == 0, run.err
    result = json.loads(out.read_text())
    assert result["status"] == "optimal"
    assert (
        "Nash welfare is −inf (idle value(s) nothing" in result["details"]["positive_utility_rule"]
    )
    assert result["solution"]["utilities"]["idle"] == 0.0


def test_compare_all_prints_one_table_with_fairness_columns(run_cli, instances: Path) -> None:
    path = instances / "fairness" / "lab_equipment.yaml"
    run = run_cli("compare", path, "--objective", "all")
    assert run.code == 0, run.err
    for column in ("objective", "method", "value", "welfare", "min utility", "gap", "Gini"):
        assert column in run.out
    for column in ("envy-free", "price of fairness", "time (s)"):
        assert column in run.out
    for objective in ("max_min", "leximin", "min_gap", "nash"):
        assert objective in run.out
    assert "✗" not in run.out


@pytest.mark.parametrize(
    "name",
    [
        "shared_compute.yaml",
        "lab_equipment.yaml",
        "mixed_cluster.json",
        "town_projects.yaml",
        "spectrum_auction.toml",
    ],
)
def test_bundled_fairness_instances_agree(run_cli, instances: Path, tmp_path: Path, name) -> None:
    out = tmp_path / "all.json"
    run = run_cli("compare", instances / "fairness" / name, "--objective", "all", "--out", out)
    assert run.code == 0, run.err
    results = json.loads(out.read_text())
    assert results
    for result in results:
        assert set(result) == {
            "objective",
            "method",
            "status",
            "value",
            "bound",
            "gap",
            "wall_time",
            "solution",
            "details",
        }
        assert result["details"]["agrees"] in (True, None)
    validated = run_cli("validate", instances / "fairness" / name)
    assert validated.code == 0


@pytest.mark.parametrize(
    "name",
    [
        "shared_compute.yaml",
        "lab_equipment.yaml",
        "mixed_cluster.json",
        "town_projects.yaml",
        "spectrum_auction.toml",
    ],
)
def test_documents_round_trip(instances: Path, name: str) -> None:
    import numpy as np

    import fairmas
    from fairmas.models import instance_from_document

    first = fairmas.load(instances / "fairness" / name)
    again = instance_from_document(first.to_document())
    assert again.to_document() == first.to_document()
    assert again.agents == first.agents
    assert np.array_equal(again.values, first.values)


def test_schemas_of_the_new_kinds(run_cli) -> None:
    for kind, fields in (
        ("allocation", {"agents", "resources", "valuations", "entitlements", "caps"}),
        ("mechanism", {"agents", "projects", "values", "items", "bids"}),
    ):
        run = run_cli("schema", kind)
        assert run.code == 0
        assert fields <= set(json.loads(run.out)["properties"])
