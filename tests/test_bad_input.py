"""Bad input never crashes: one line naming file, field and rule; exit 2; no output file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = """\
kind: trust_network
agents: [a, b, c]
edges:
  - {from: a, to: b, trust: 0.5}
  - {from: b, to: c, trust: 0.5, utility: -1}
"""

# (name, file name, file text, fragments the one-line error must contain)
BAD_FILES = [
    (
        "malformed yaml",
        "net.yaml",
        "kind: trust_network\nagents: [a, b\n",
        ["line 3", "invalid YAML"],
    ),
    (
        "malformed json",
        "net.json",
        '{"kind": "trust_network", "agents": [}',
        ["line 1, column 38", "invalid JSON"],
    ),
    ("malformed toml", "net.toml", 'kind = "trust_network"\nagents = [\n', ["invalid TOML"]),
    ("empty file", "net.yaml", "", ["(document)", "empty file"]),
    ("blank file", "net.json", "  \n\n", ["(document)", "empty file"]),
    ("not a mapping", "net.yaml", "- a\n- b\n", ["(document)", "must be a mapping", "list"]),
    ("unknown file type", "net.txt", GOOD, ["unknown file type '.txt'", ".yaml"]),
    ("missing kind", "net.yaml", "agents: [a, b]\n", ["kind", "required field is missing"]),
    ("unknown kind", "net.yaml", "kind: potato\nagents: [a]\n", ["kind", "unknown kind 'potato'"]),
    (
        "unknown top key",
        "net.yaml",
        GOOD + "colour: blue\n",
        ["colour", "unknown field", "allowed: kind, agents, edges"],
    ),
    (
        "unknown edge key",
        "net.yaml",
        GOOD.replace("trust: 0.5}", "trust: 0.5, weight: 2}", 1),
        ["edges[0].weight", "unknown field", "allowed: from, to, trust, utility"],
    ),
    (
        "missing agents",
        "net.yaml",
        "kind: trust_network\nedges: []\n",
        ["agents", "required field is missing"],
    ),
    (
        "missing trust",
        "net.yaml",
        GOOD.replace(", trust: 0.5}", "}", 1),
        ["edges[0].trust", "required field"],
    ),
    ("no agents", "net.yaml", "kind: trust_network\nagents: []\n", ["agents", "at least 1"]),
    (
        "duplicate agent",
        "net.yaml",
        GOOD.replace("[a, b, c]", "[a, b, a]"),
        ["agents[2]", "duplicate name 'a'", "agents[0]"],
    ),
    (
        "agent not a string",
        "net.yaml",
        GOOD.replace("[a, b, c]", "[a, b, 7]"),
        ["agents[2]", "valid string"],
    ),
    (
        "edge to unknown agent",
        "net.yaml",
        GOOD.replace("to: c", "to: zed"),
        ["edges[1].to", "unknown agent 'zed'"],
    ),
    (
        "edge from unknown agent",
        "net.yaml",
        GOOD.replace("from: a", "from: ghost"),
        ["edges[0].from", "unknown agent 'ghost'"],
    ),
    ("self-loop", "net.yaml", GOOD.replace("to: b", "to: a"), ["edges[0]", "self-loop a → a"]),
    (
        "repeated edge",
        "net.yaml",
        GOOD + "  - {from: a, to: b, trust: 0.9}\n",
        ["edges[2]", "repeated edge a → b", "edges[0]"],
    ),
    (
        "trust above 1",
        "net.yaml",
        GOOD.replace("trust: 0.5}", "trust: 1.5}", 1),
        ["edges[0].trust", "less than or equal to 1", "1.5"],
    ),
    (
        "trust below 0",
        "net.yaml",
        GOOD.replace("trust: 0.5}", "trust: -0.1}", 1),
        ["edges[0].trust", "greater than or equal to 0"],
    ),
    (
        "trust as text",
        "net.yaml",
        GOOD.replace("trust: 0.5}", "trust: '0.5'}", 1),
        ["edges[0].trust", "valid number"],
    ),
    (
        "trust as boolean",
        "net.yaml",
        GOOD.replace("trust: 0.5}", "trust: true}", 1),
        ["edges[0].trust", "valid number"],
    ),
    (
        "NaN trust in yaml",
        "net.yaml",
        GOOD.replace("trust: 0.5}", "trust: .nan}", 1),
        ["edges[0].trust", "finite number"],
    ),
    (
        "NaN utility in json",
        "net.json",
        '{"kind": "trust_network", "agents": ["a", "b"], '
        '"edges": [{"from": "a", "to": "b", "trust": 0.5, "utility": NaN}]}',
        ["edges[0].utility", "finite number"],
    ),
    (
        "infinite utility in toml",
        "net.toml",
        'kind = "trust_network"\nagents = ["a", "b"]\n'
        'edges = [{from = "a", to = "b", trust = 0.5, utility = inf}]\n',
        ["edges[0].utility", "finite number"],
    ),
    (
        "duplicate yaml key",
        "net.yaml",
        "kind: trust_network\nagents: [a, b]\nagents: [c]\n",
        ["line 3", "duplicate key 'agents'"],
    ),
    (
        "duplicate json key",
        "net.json",
        '{"kind": "trust_network", "kind": "x", "agents": ["a"]}',
        ["duplicate key 'kind'"],
    ),
    ("two yaml documents", "net.yaml", GOOD + "---\n" + GOOD, ["2 YAML documents"]),
    (
        "bad propagation",
        "net.yaml",
        GOOD + "propagation: {transitivity: max}\n",
        ["propagation.transitivity", "'min' or 'product'"],
    ),
    (
        "zero hops",
        "net.yaml",
        GOOD + "propagation: {hops: 0}\n",
        ["propagation.hops", "greater than or equal to 1"],
    ),
    (
        "one agent for a 2-cut",
        "net.yaml",
        "kind: trust_network\nagents: [solo]\n",
        ["agents", "needs at least 2 agents (got 1)"],
    ),
    ("not utf-8", "net.yaml", None, ["not UTF-8"]),
]


def assert_one_line_error(run, *fragments: str) -> None:
    assert run.code == 2, (run.code, run.out, run.err)
    assert run.out == ""
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("fairmas: error: ")
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize(
    ("name", "filename", "text", "fragments"), BAD_FILES, ids=[case[0] for case in BAD_FILES]
)
def test_bad_file(tmp_path: Path, run_cli, name, filename, text, fragments) -> None:
    path = tmp_path / filename
    if text is None:
        path.write_bytes(b"kind: trust_network\nagents: [\xff\xfe]\n")
    else:
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "result.json"
    run = run_cli("solve", path, "--objective", "min_cut_partition", "--out", out)
    assert_one_line_error(run, str(path), *fragments)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]


def test_missing_path(tmp_path: Path, run_cli) -> None:
    missing = tmp_path / "nope.yaml"
    run = run_cli(
        "solve", missing, "--objective", "min_cut_partition", "--out", tmp_path / "r.json"
    )
    assert_one_line_error(run, str(missing), "no such file")
    assert list(tmp_path.iterdir()) == []


def test_directory(tmp_path: Path, run_cli) -> None:
    run = run_cli("validate", tmp_path)
    assert_one_line_error(run, str(tmp_path), "is a directory")


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    return path


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["--objective", "happiness"],
            ["--objective", "unknown objective 'happiness'", "min_cut_partition"],
        ),
        (
            ["--objective", "min_cut_partition", "--method", "magic"],
            ["--method", "unknown method 'magic'", "milp", "mt_st_cut", "stoer_wagner"],
        ),
        (
            ["--objective", "min_cut_partition", "--param", "colour=red"],
            ["--param colour", "unknown parameter", "known: relation"],
        ),
        (
            ["--objective", "min_cut_partition", "--param", "relation=love"],
            ["--param relation", "'trust' or 'trust_utility'", "'love'"],
        ),
        (["--objective", "min_cut_partition", "--param", "relation"], ["--param", "KEY=VALUE"]),
        (
            [
                "--objective",
                "min_cut_partition",
                "--param",
                "relation=trust",
                "--param",
                "relation=trust",
            ],
            ["--param relation", "given twice"],
        ),
        (
            ["--objective", "min_cut_partition", "--time-limit", "-3"],
            ["--time-limit", "positive number of seconds"],
        ),
        (["--objective", "min_cut_partition", "--threads", "0"], ["--threads", "≥ 1"]),
        (
            ["--objective", "min_cut_partition", "--time-limit", "soon"],
            ["--time-limit", "invalid float"],
        ),
        ([], ["--objective"]),
        (
            [
                "--objective",
                "min_cut_partition",
                "--method",
                "mt_st_cut",
                "--param",
                "relation=trust_utility",
            ],
            ["method mt_st_cut", "non-negative weights", "b–c", "use method milp"],
        ),
    ],
    ids=[
        "objective",
        "method",
        "param name",
        "param value",
        "param syntax",
        "param twice",
        "time limit",
        "threads",
        "time limit text",
        "no objective",
        "negative weights",
    ],
)
def test_bad_options(good_file: Path, run_cli, args, fragments) -> None:
    out = good_file.parent / "r.json"
    run = run_cli("solve", good_file, *args, "--out", out)
    assert_one_line_error(run, *fragments)
    assert not out.exists()


def test_out_into_missing_directory(good_file: Path, run_cli) -> None:
    run = run_cli(
        "solve",
        good_file,
        "--objective",
        "min_cut_partition",
        "--out",
        good_file.parent / "no" / "r.json",
    )
    assert_one_line_error(run, "--out", "does not exist")


def test_unknown_schema_kind(run_cli) -> None:
    assert_one_line_error(run_cli("schema", "potato"), "unknown kind 'potato'", "trust_network")


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(GOOD.replace("trust: 0.5}", "trust: 2}", 1))
    out = tmp_path / "r.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairmas",
            "solve",
            str(path),
            "--objective",
            "min_cut_partition",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert f"{path}: edges[0].trust: " in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
