"""The fairmas command: solve, compare, validate, schema, methods."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fairmas.result import RESULT_KEYS

SIX = "six_agents_two_teams.yaml"


def test_solve_prints_a_summary(run_cli, instances: Path) -> None:
    run = run_cli("solve", instances / SIX, "--objective", "min_cut_partition")
    assert run.code == 0, run.err
    assert "min_cut_partition · noi · optimal" in run.out
    assert "coalitions (2)" in run.out
    assert "1. a1, a2, a3" in run.out
    assert "2. a4, a5, a6" in run.out


@pytest.mark.parametrize("method", ["milp", "mt_st_cut", "stoer_wagner", "noi"])
def test_solve_json_and_out_file(run_cli, instances: Path, tmp_path: Path, method: str) -> None:
    out = tmp_path / "result.json"
    run = run_cli(
        "solve",
        instances / SIX,
        "--objective",
        "min_cut_partition",
        "--method",
        method,
        "--param",
        "relation=trust_utility",
        "--json",
        "--out",
        out,
    )
    assert run.code == 0, run.err
    printed = json.loads(run.out)
    written = json.loads(out.read_text())
    assert printed == written
    assert list(written) == list(RESULT_KEYS)
    assert written["method"] == method
    assert written["status"] == "optimal"
    assert written["details"]["relation"] == "trust_utility"
    assert sorted(map(sorted, written["solution"]["coalitions"])) == [
        ["a1", "a2", "a3"],
        ["a4", "a5", "a6"],
    ]


def test_out_replaces_an_existing_file(run_cli, instances: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    out.write_text("old")
    run = run_cli("solve", instances / SIX, "--objective", "min_cut_partition", "--out", out)
    assert run.code == 0
    assert json.loads(out.read_text())["objective"] == "min_cut_partition"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_compare_table(run_cli, instances: Path) -> None:
    run = run_cli("compare", instances / SIX, "--objective", "min_cut_partition")
    assert run.code == 0, run.err
    for method in ("noi", "milp", "mt_st_cut", "stoer_wagner"):
        assert method in run.out
    from fairmas.registry import OBJECTIVES

    count = len(OBJECTIVES["min_cut_partition"].methods)
    assert run.out.count("✓") == count
    assert f"all {count} methods that ran agree on 9.3" in run.out


def test_compare_json_lists_every_result(run_cli, instances: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    run = run_cli(
        "compare",
        instances / "rivals_with_negative_utility.toml",
        "--objective",
        "min_cut_partition",
        "--param",
        "relation=trust_utility",
        "--json",
        "--out",
        out,
    )
    assert run.code == 0, run.err
    results = json.loads(run.out)
    assert results == json.loads(out.read_text())
    by_method = {r["method"]: r for r in results}
    assert by_method["milp"]["status"] == "optimal"
    assert by_method["milp"]["details"]["agrees"] is True
    for method in ("noi", "mt_st_cut", "stoer_wagner"):
        assert by_method[method]["status"] == "error"
        assert "use method milp" in by_method[method]["details"]["error"]


def test_compare_only_some_methods(run_cli, instances: Path) -> None:
    run = run_cli(
        "compare",
        instances / SIX,
        "--objective",
        "min_cut_partition",
        "--method",
        "milp",
        "--method",
        "noi",
        "--json",
    )
    assert [r["method"] for r in json.loads(run.out)] == ["milp", "noi"]


def test_validate(run_cli, instances: Path) -> None:
    run = run_cli("validate", instances / SIX)
    assert run.code == 0
    assert "OK (trust_network, 6 agents, 16 edges" in run.out


def test_methods_lists_the_registry(run_cli) -> None:
    run = run_cli("methods")
    assert run.code == 0
    assert "min_cut_partition" in run.out
    assert "relation=trust" in run.out
    for method in ("noi", "milp", "mt_st_cut", "stoer_wagner"):
        assert method in run.out


def test_version(run_cli) -> None:
    run = run_cli("--version")
    assert run.code == 0
    assert run.out.startswith("fairmas ")


def test_internal_errors_are_one_line_with_exit_code_3(
    run_cli, instances: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairmas.registry import OBJECTIVES

    def broken(problem, options):
        raise ZeroDivisionError("boom")

    methods = OBJECTIVES["min_cut_partition"].methods
    monkeypatch.setitem(methods, "noi", replace(methods["noi"], run=broken))
    run = run_cli("solve", instances / SIX, "--objective", "min_cut_partition", "--method", "noi")
    assert run.code == 3
    assert run.err.count("\n") == 1
    assert "internal error: ZeroDivisionError: boom" in run.err
    assert "--debug" in run.err
