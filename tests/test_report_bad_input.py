"""fairmas report: every bad input is one line naming file, field and rule; exit 2; no page."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from fairmas.result import Result, Status
from tests.test_bad_input import assert_one_line_error

GOOD = Result(
    "csg", "dp", Status.OPTIMAL, 3.0, 3.0, 0.0, 0.01, {"coalitions": [["a", "b"], ["c"]]}
).to_dict()
SWEEP_HEADER = "generator,size,seed,objective,method,status,value,wall_time\n"


def _results_list(**changes: object) -> str:
    broken = {**GOOD, **changes}
    return json.dumps([GOOD, broken])


# (name, file name, file text, fragments the one-line error must contain)
BAD_RESULTS = [
    ("invalid json", "r.json", '[{"objective": ', ["line 1, column 16", "invalid JSON"]),
    ("empty file", "r.json", "  \n", ["(document)", "empty file"]),
    ("empty list", "r.json", "[]", ["(document)", "empty list", "no Results"]),
    ("a number", "r.json", "42", ["(document)", "a list of Results", "found int"]),
    (
        "object without result keys",
        "r.json",
        json.dumps({"coalitions": [["a"]]}),
        ["(document)", "not a fairmas Result", "missing key(s) objective, method"],
    ),
    (
        "instance file as json",
        "net.json",
        json.dumps({"kind": "trust_network", "agents": ["a"]}),
        ["not a fairmas Result", "trust_network instance file", "--instance"],
    ),
    ("list item not an object", "r.json", json.dumps([GOOD, "x"]), ["[1]", "found str"]),
    (
        "list item missing a key",
        "r.json",
        json.dumps([GOOD, {k: v for k, v in GOOD.items() if k != "status"}]),
        ["[1]", "missing key(s) status"],
    ),
    (
        "unknown status",
        "r.json",
        _results_list(status="great"),
        ["[1].status", "'optimal'", "'great'"],
    ),
    ("value as text", "r.json", _results_list(value="3"), ["[1].value", "number"]),
    ("negative time", "r.json", _results_list(wall_time=-1), ["[1].wall_time", "greater than"]),
    ("solution not a mapping", "r.json", _results_list(solution=[1]), ["[1].solution", "dict"]),
    ("extra key", "r.json", _results_list(colour="red"), ["[1].colour", "unknown field"]),
    ("yaml instance", "net.yaml", "kind: trust_network\n", ["'.yaml'", "--instance", ".csv"]),
    ("no extension", "results", "{}", ["'(none)'", "expected a Result"]),
    (
        "csv missing columns",
        "sweep.csv",
        "objective,method,status,value\ncsg,dp,optimal,1\n",
        ["columns", "missing required column(s) generator, size, seed, wall_time"],
    ),
    ("empty csv", "sweep.csv", "\n\n", ["empty file"]),
    (
        "csv duplicate column",
        "sweep.csv",
        SWEEP_HEADER.replace("\n", ",size\n") + "g,4,0,csg,dp,optimal,1,0.1,5\n",
        ["columns", "'size' twice"],
    ),
    (
        "csv time not a number",
        "sweep.csv",
        SWEEP_HEADER + "g,4,0,csg,dp,optimal,1,0.1\ng,4,1,csg,dp,optimal,1,fast\n",
        ["rows[1].wall_time", "finite number", "'fast'"],
    ),
    (
        "csv infinite value",
        "sweep.csv",
        SWEEP_HEADER + "g,4,0,csg,dp,optimal,inf,0.1\n",
        ["rows[0].value", "finite number"],
    ),
    (
        "csv unknown status",
        "sweep.csv",
        SWEEP_HEADER + "g,4,0,csg,dp,done,1,0.1\n",
        ["rows[0].status", "unknown status 'done'", "optimal"],
    ),
    (
        "csv no size",
        "sweep.csv",
        SWEEP_HEADER + "g,,0,csg,dp,optimal,1,0.1\n",
        ["rows[0].size", "must be a number"],
    ),
    (
        "csv empty objective",
        "sweep.csv",
        SWEEP_HEADER + "g,4,0,,dp,optimal,1,0.1\n",
        ["rows[0].objective", "must not be empty"],
    ),
    (
        "csv details not json",
        "sweep.csv",
        SWEEP_HEADER.replace("\n", ",details\n") + 'g,4,0,csg,dp,optimal,1,0.1,"{oops"\n',
        ["rows[0].details", "invalid JSON text"],
    ),
    (
        "csv details not an object",
        "sweep.csv",
        SWEEP_HEADER.replace("\n", ",params\n") + "g,4,0,csg,dp,optimal,1,0.1,[1]\n",
        ["rows[0].params", "JSON object", "list"],
    ),
    (
        "csv ragged",
        "sweep.csv",
        SWEEP_HEADER + "g,4,0,csg,dp,optimal,1,0.1,extra,more\n",
        ["rows[0]", "invalid CSV: 10 fields where the header has 8"],
    ),
    ("not utf-8", "r.json", None, ["not UTF-8"]),
    ("broken parquet", "sweep.parquet", "not parquet at all", ["invalid Parquet"]),
]


@pytest.mark.parametrize(
    ("name", "filename", "text", "fragments"), BAD_RESULTS, ids=[case[0] for case in BAD_RESULTS]
)
def test_bad_results_file(tmp_path: Path, run_cli, name, filename, text, fragments) -> None:
    if name == "broken parquet":
        pytest.importorskip("pyarrow")
    path = tmp_path / filename
    if text is None:
        path.write_bytes(b'[{"objective": "\xff\xfe"}]')
    else:
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "report.html"
    run = run_cli("report", path, "--out", out)
    assert_one_line_error(run, f"{path}: ", *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]


def test_missing_results_file(tmp_path: Path, run_cli) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    missing = tmp_path / "nope.json"
    run = run_cli("report", good, missing, "--out", tmp_path / "report.html")
    assert_one_line_error(run, f"{missing}: no such file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.json"]


def test_directory_without_parquet(tmp_path: Path, run_cli) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "notes.txt").write_text("hi")
    run = run_cli("report", folder, "--out", tmp_path / "report.html")
    assert_one_line_error(run, str(folder), "directory without .parquet files")
    assert not (tmp_path / "report.html").exists()


def test_parquet_without_pyarrow(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = tmp_path / "sweep.parquet"
    path.write_bytes(b"PAR1")
    run = run_cli("report", path, "--out", tmp_path / "report.html")
    assert_one_line_error(run, str(path), "needs pyarrow", "pip install 'fairmas[sweep]'")
    assert not (tmp_path / "report.html").exists()


def test_out_in_missing_directory(tmp_path: Path, run_cli) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    run = run_cli("report", good, "--out", tmp_path / "no" / "report.html")
    assert_one_line_error(run, "--out", "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.json"]


def test_out_is_a_directory(tmp_path: Path, run_cli) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    run = run_cli("report", good, "--out", tmp_path)
    assert_one_line_error(run, "--out", "is a directory")


def test_bad_instance_file(tmp_path: Path, run_cli) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    instance = tmp_path / "net.yaml"
    instance.write_text("kind: trust_network\nagents: [a, a]\n")
    run = run_cli("report", good, "--instance", instance, "--out", tmp_path / "report.html")
    assert_one_line_error(run, f"{instance}: agents[1]", "duplicate name 'a'")
    assert not (tmp_path / "report.html").exists()


def test_no_results_given(run_cli) -> None:
    run = run_cli("report", "--out", "report.html")
    assert_one_line_error(run, "RESULTS")


def test_a_bad_file_leaves_an_old_page_untouched(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "report.html"
    out.write_text("old page")
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    run = run_cli("report", bad, "--out", out)
    assert run.code == 2
    assert out.read_text() == "old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "report.html"]
