"""Bad input for coalition games, ODP-IP files, csg, convert, experiment: one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_bad_input import assert_one_line_error

GAME = """\
kind: coalition_game
agents: [a, b, c]
values:
  - {coalition: [a, b], value: 3}
  - {coalition: [c], value: 1}
"""
GRAPH = """\
kind: coalition_game
agents: [a, b, c]
graph:
  - {pair: [a, b], weight: 3}
  - {pair: [b, c], weight: -1}
"""
MANY = ", ".join(f"x{i}" for i in range(26))

# (name, file name, text, fragments of the one-line error)
BAD_FILES = [
    (
        "duplicate coalition in another order",
        "g.yaml",
        GAME + "  - {coalition: [b, a], value: 4}\n",
        ["values[2].coalition", "duplicate coalition {a, b}", "first at values[0].coalition"],
    ),
    (
        "duplicate coalition as a bitmask",
        "g.yaml",
        GAME + "  - {coalition: 4, value: 4}\n",
        ["values[2].coalition", "duplicate coalition {c}", "values[1]"],
    ),
    (
        "missing coalition in a complete table",
        "g.yaml",
        GAME + "complete: true\n",
        ["values", "missing coalition {a} (bitmask 1)", "complete: true", "7 non-empty", "got 2"],
    ),
    (
        "unknown agent in a coalition",
        "g.yaml",
        GAME.replace("[c]", "[zed]"),
        ["values[1].coalition", "unknown agent 'zed'"],
    ),
    (
        "agent twice in a coalition",
        "g.yaml",
        GAME.replace("[a, b]", "[a, a]"),
        ["values[0].coalition", "agent 'a' is listed twice"],
    ),
    (
        "empty coalition",
        "g.yaml",
        GAME.replace("[c]", "[]"),
        ["values[1].coalition", "at least one agent"],
    ),
    (
        "zero bitmask",
        "g.yaml",
        GAME.replace("[c]", "0"),
        ["values[1].coalition", "bitmask must be ≥ 1"],
    ),
    (
        "bitmask beyond the agents",
        "g.yaml",
        GAME.replace("[c]", "9"),
        ["values[1].coalition", "bitmask 9", "only 3 agents"],
    ),
    (
        "coalition of the wrong type",
        "g.yaml",
        GAME.replace("[c]", "2.5"),
        ["values[1].coalition", "list of agent names or a bitmask"],
    ),
    (
        "name that is not a string",
        "g.yaml",
        GAME.replace("[c]", "[7]"),
        ["values[1].coalition", "item 0 must be an agent name"],
    ),
    (
        "NaN value",
        "g.yaml",
        GAME.replace("value: 1}", "value: .nan}"),
        ["values[1].value", "finite"],
    ),
    (
        "infinite value in json",
        "g.json",
        '{"kind": "coalition_game", "agents": ["a"], "values": '
        '[{"coalition": ["a"], "value": Infinity}]}',
        ["values[0].value", "finite"],
    ),
    ("value as text", "g.yaml", GAME.replace("value: 1}", "value: '1'}"), ["values[1].value"]),
    (
        "no source of values",
        "g.yaml",
        "kind: coalition_game\nagents: [a, b]\n",
        ["values", "give one of values, generator, graph"],
    ),
    (
        "two sources of values",
        "g.yaml",
        GAME + "generator: {distribution: uniform}\n",
        ["generator", "only one of values, generator, graph", "values and generator"],
    ),
    (
        "unknown distribution",
        "g.yaml",
        "kind: coalition_game\nagents: [a]\ngenerator: {distribution: zipf}\n",
        ["generator.distribution", "'uniform'", "zipf"],
    ),
    (
        "negative seed",
        "g.yaml",
        "kind: coalition_game\nagents: [a]\ngenerator: {distribution: ndcs, seed: -1}\n",
        ["generator.seed", "greater than or equal to 0"],
    ),
    (
        "complete without a table",
        "g.yaml",
        "kind: coalition_game\nagents: [a]\ngenerator: {distribution: ndcs}\ncomplete: true\n",
        ["complete", "applies to a `values` table only"],
    ),
    (
        "pair of one agent",
        "g.yaml",
        GRAPH.replace("[b, c]", "[b, b]"),
        ["graph[1].pair", "two different agents"],
    ),
    (
        "duplicate pair",
        "g.yaml",
        GRAPH + "  - {pair: [c, b], weight: 2}\n",
        ["graph[2].pair", "duplicate pair {b, c}", "first at graph[1].pair"],
    ),
    (
        "pair of three",
        "g.yaml",
        GRAPH.replace("[b, c]", "[a, b, c]"),
        ["graph[1].pair", "at most 2"],
    ),
    ("pair with a stranger", "g.yaml", GRAPH.replace("[b, c]", "[b, q]"), ["graph[1].pair[1]"]),
    ("NaN weight", "g.yaml", GRAPH.replace("weight: -1", "weight: .nan"), ["graph[1].weight"]),
    (
        "table too large",
        "g.yaml",
        f"kind: coalition_game\nagents: [{MANY}]\nvalues: []\n",
        ["agents", "26 agents", "2^26 values (512 MiB)", "at most 25 agents (256 MiB)"],
    ),
    (
        "generated game too large",
        "g.yaml",
        f"kind: coalition_game\nagents: [{MANY}]\ngenerator: {{distribution: uniform}}\n",
        ["agents", "uniform game of 26 agents", "at most 25"],
    ),
]


@pytest.mark.parametrize(
    ("name", "filename", "text", "fragments"), BAD_FILES, ids=[case[0] for case in BAD_FILES]
)
def test_bad_coalition_game_file(tmp_path: Path, run_cli, name, filename, text, fragments) -> None:
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "result.json"
    run = run_cli("solve", path, "--objective", "csg", "--out", out)
    assert_one_line_error(run, str(path), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == [filename]


BAD_ODPIP = [
    ("not a power of two", "0\n1\n2\n" * 4, ["(document)", "has 12 lines", "2^n lines"]),
    ("one line", "0\n", ["has 1 lines"]),
    ("empty", "", ["empty file"]),
    ("not a number", "0\n1\nabc\n3\n", ["line 3", "must be a number (got 'abc')"]),
    ("blank line inside", "0\n1\n\n3\n", ["line 3", "must be a number (got '')"]),
    ("NaN", "0\nNaN\n2\n3\n", ["line 2", "must be a finite number (got nan)"]),
    ("infinity", "0\n1\n2\nInfinity\n", ["line 4", "finite"]),
    ("empty coalition not 0", "5\n1\n2\n3\n", ["line 1", "empty coalition", "got 5"]),
]


@pytest.mark.parametrize(("name", "text", "fragments"), BAD_ODPIP, ids=[c[0] for c in BAD_ODPIP])
def test_bad_odpip_file(tmp_path: Path, run_cli, name, text, fragments) -> None:
    path = tmp_path / "values.txt"
    path.write_text(text)
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--format", "odpip", "--objective", "csg", "--out", out)
    assert_one_line_error(run, str(path), *fragments)
    assert not out.exists()


def test_odpip_file_without_the_format_option(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "values.txt"
    path.write_text("0\n1\n")
    assert_one_line_error(run_cli("validate", path), "unknown file type '.txt'")
    assert run_cli("validate", path, "--format", "odpip").code == 0


@pytest.fixture
def big_graph(tmp_path: Path) -> Path:
    agents = [f"x{i}" for i in range(30)]
    pairs = "\n".join(f"  - {{pair: [x{i}, x{i + 1}], weight: 1}}" for i in range(29))
    path = tmp_path / "big.yaml"
    path.write_text(f"kind: coalition_game\nagents: [{', '.join(agents)}]\ngraph:\n{pairs}\n")
    return path


@pytest.fixture
def table17(tmp_path: Path) -> Path:
    agents = ", ".join(f"x{i}" for i in range(17))
    path = tmp_path / "t17.yaml"
    path.write_text(f"kind: coalition_game\nagents: [{agents}]\nvalues: []\n")
    return path


def test_too_many_agents_for_dp_names_the_methods_that_can_run(big_graph: Path, run_cli) -> None:
    out = big_graph.parent / "r.json"
    for name in ("dp", "odp_ip"):
        run = run_cli("solve", big_graph, "--objective", "csg", "--method", name, "--out", out)
        assert_one_line_error(
            run,
            f"method {name}",
            "2^30 coalition values (8 GiB)",
            "at most 25 agents",
            "methods that can run instead: milp, csg_uct",
        )
        assert not out.exists()
    run = run_cli("solve", big_graph, "--objective", "csg", "--json")
    assert run.code == 0, run.err
    assert '"method": "milp"' in run.out  # the first method that applies


def test_too_many_agents_for_set_partitioning(table17: Path, run_cli) -> None:
    run = run_cli("solve", table17, "--objective", "csg", "--method", "milp")
    assert_one_line_error(
        run, "method milp", "2^17 − 1", "at most 16", "can run instead: odp_ip, dp, csg_uct"
    )


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--param", "relation=trust"], ["--param relation", "trust networks only"]),
        (["--param", "uct_iterations=0"], ["--param uct_iterations", "greater than or equal to 1"]),
        (["--param", "seed=-2"], ["--param seed", "greater than or equal to 0"]),
        (["--param", "k=3"], ["--param k", "unknown parameter", "relation, uct_iterations, seed"]),
    ],
    ids=["relation on a game", "zero iterations", "negative seed", "unknown"],
)
def test_bad_csg_parameters(tmp_path: Path, run_cli, args, fragments) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GAME)
    out = tmp_path / "r.json"
    assert_one_line_error(
        run_cli("solve", path, "--objective", "csg", *args, "--out", out), *fragments
    )
    assert not out.exists()


def test_coalition_game_for_a_trust_network_objective(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GAME)
    run = run_cli("solve", path, "--objective", "min_cut_partition")
    assert_one_line_error(run, "kind", "needs a trust_network instance, not coalition_game")


def test_unknown_format(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GAME)
    run = run_cli("solve", path, "--objective", "csg", "--format", "csv")
    assert_one_line_error(run, "--format", "invalid choice: 'csv'")


def test_bad_conversions_write_nothing(tmp_path: Path, run_cli, instances: Path) -> None:
    game = tmp_path / "g.yaml"
    game.write_text(GAME)
    net = instances / "three_agents.json"
    cases = [
        ((net, tmp_path / "n.txt", "--to", "odpip"), ["only a coalition_game", "trust_network"]),
        ((game, tmp_path / "g.ini"), ["cannot write file type '.ini'", ".yaml"]),
        ((game, tmp_path / "no" / "g.json"), ["--out", "does not exist"]),
        ((tmp_path / "missing.yaml", tmp_path / "x.json"), ["no such file"]),
    ]
    for args, fragments in cases:
        assert_one_line_error(run_cli("convert", *args), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml"]


def test_graph_game_too_large_for_an_odpip_file(big_graph: Path, run_cli) -> None:
    out = big_graph.parent / "big.txt"
    run = run_cli("convert", big_graph, out, "--to", "odpip")
    assert_one_line_error(run, "agents", "2^30 values (8 GiB)", "at most 25")
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--agents", "1..5"], ["--agents", "numbers ≥ 2"]),
        (["--agents", "two..five"], ["--agents", "FROM..TO"]),
        (["--seeds", "0"], ["--seeds", "≥ 1"]),
        (["--exact-max", "30"], ["--exact-max", "2..25"]),
        (["--density", "0"], ["--density", "(0, 1]"]),
        (["--uct-iterations", "0"], ["--uct-iterations", "≥ 1"]),
        (["--trust", "medium"], ["--trust", "invalid choice"]),
    ],
    ids=["agents", "agents syntax", "seeds", "exact max", "density", "iterations", "trust"],
)
def test_bad_experiment_options(tmp_path: Path, run_cli, args, fragments) -> None:
    out = tmp_path / "results"
    run = run_cli("experiment", "trust-csg", *args, "--out", out)
    assert_one_line_error(run, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_experiment_out_must_be_a_directory(tmp_path: Path, run_cli) -> None:
    file = tmp_path / "taken"
    file.write_text("")
    run = run_cli("experiment", "trust-csg", "--agents", "2..3", "--out", file)
    assert_one_line_error(run, "--out", "not a directory")
    run = run_cli("experiment", "trust-csg", "--agents", "2..3", "--out", tmp_path / "a" / "b")
    assert_one_line_error(run, "--out", "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
