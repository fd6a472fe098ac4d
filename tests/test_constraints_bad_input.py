"""Bad constraint input: one line naming where and what, exit code 2, no output file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin_env import plugin_package  # noqa: F401  (the fixture below)
from tests.test_bad_input import assert_one_line_error

pytestmark = pytest.mark.usefixtures("plugin_package")

ROOT = Path(__file__).resolve().parent.parent
TEAMS = str(ROOT / "instances" / "six_agents_two_teams.yaml")
PROJECTS = str(ROOT / "instances" / "fairness" / "town_projects.yaml")

ALLOCATION = """\
kind: allocation
agents: [ana, ben]
resources:
  - {name: gpu, supply: 2, divisible: false}
valuations: {ana: {gpu: 2}, ben: {gpu: 1}}
"""

# (name, objective, command-line arguments, fragments of the one-line error)
BAD_OPTIONS = [
    (
        "unknown constraint lists the known ones",
        "max_min",
        ["--constraint", "envy_freeish"],
        ["--constraint envy_freeish", "unknown constraint 'envy_freeish'", "envy_free", "gpu_cap"],
    ),
    (
        "unknown plug-in module",
        "max_min",
        ["--plugin", "no_such_rules:cap"],
        ["--plugin no_such_rules:cap", "cannot import module 'no_such_rules'"],
    ),
    (
        "unknown plug-in function",
        "max_min",
        ["--plugin", "fairmas_test_plugins:nope"],
        ["--plugin fairmas_test_plugins:nope", "has no attribute 'nope'"],
    ),
    (
        "plug-in that is not a function",
        "max_min",
        ["--plugin", "fairmas_test_plugins:NOT_A_FUNCTION"],
        ["NOT_A_FUNCTION is not callable (a int)"],
    ),
    (
        "plug-in target without a colon",
        "max_min",
        ["--plugin", "fairmas_test_plugins"],
        ["--plugin fairmas_test_plugins", "expected module:function"],
    ),
    (
        "plug-in that raises while the model is built",
        "max_min",
        ["--plugin", "fairmas_test_plugins:explode", "--constraint", "explode"],
        [
            "--constraint explode",
            "plug-in constraint 'explode' (--plugin fairmas_test_plugins:explode) raised "
            "RuntimeError: boom (while adding to the max_min model)",
        ],
    ),
    (
        "installed plug-in that cannot be loaded",
        "max_min",
        ["--constraint", "broken"],
        [
            "--constraint broken",
            "plug-in constraint 'broken'",
            "cannot be loaded",
            "ModuleNotFound",
        ],
    ),
    (
        "constraint for another instance kind",
        "max_min",
        ["--constraint", "together:agents=ana+ben"],
        ["constraint together fits trust_network instances, not allocation"],
    ),
    (
        "built-in for another instance kind",
        "max_min",
        ["--constraint", "budget:value=3"],
        ["--constraint budget:value=3", "fits mechanism instances, not allocation"],
    ),
    (
        "ef1 with divisible goods",
        "max_min",
        ["--constraint", "ef1"],
        ["ef1 is for indivisible goods", "'cpu' is divisible"],
    ),
    (
        "parameter that is not a number",
        "max_min",
        ["--constraint", "utility_floor:value=lots"],
        ["--constraint utility_floor:value=lots", "value: ", "valid number", "'lots'"],
    ),
    (
        "unknown parameter of a built-in",
        "max_min",
        ["--constraint", "gap_bound:value=1,colour=red"],
        ["colour: unknown parameter of constraint gap_bound; known: value"],
    ),
    (
        "missing parameter of a built-in",
        "max_min",
        ["--constraint", "gap_bound"],
        ["--constraint gap_bound", "value: ", "required"],
    ),
    (
        "share out of range",
        "max_min",
        ["--constraint", "quota:agents=ana,share=2"],
        ["share: ", "less than or equal to 1"],
    ),
    (
        "unknown agent",
        "max_min",
        ["--constraint", "utility_floor:agent=zed,value=1"],
        ["unknown agent 'zed'", "ana, ben"],
    ),
    (
        "two forms of utility_floor",
        "max_min",
        ["--constraint", "utility_floor:value=1,floors=3"],
        ["--constraint utility_floor:value=1,floors=3"],
    ),
    (
        "unknown keyword of a plug-in",
        "max_min",
        ["--constraint", "gpu_cap:colour=red"],
        ["--constraint gpu_cap:colour=red", "cannot take these parameters", "colour", "it takes"],
    ),
    (
        "malformed constraint option",
        "max_min",
        ["--constraint", "ef1:weighted"],
        ["--constraint ef1:weighted", "expected NAME[:key=value,...]"],
    ),
]


@pytest.mark.parametrize(
    ("name", "objective", "args", "fragments"), BAD_OPTIONS, ids=[c[0] for c in BAD_OPTIONS]
)
def test_bad_constraint_options(tmp_path: Path, run_cli, name, objective, args, fragments) -> None:
    path = tmp_path / "inst.yaml"
    text = ALLOCATION
    if name == "ef1 with divisible goods":
        text = ALLOCATION.replace(
            "divisible: false", "divisible: false}\n  - {name: cpu, supply: 1"
        )
        text = text.replace("{gpu: 1}}", "{gpu: 1, cpu: 1}}")
    path.write_text(text)
    out = tmp_path / "r.json"
    for command in ("solve", "compare"):
        run = run_cli(command, path, "--objective", objective, *args, "--out", out)
        assert_one_line_error(run, *fragments)
        assert not out.exists()


def test_constraint_that_does_not_fit_the_objective(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "r.json"
    run = run_cli(
        "solve", TEAMS, "--objective", "csg", "--constraint", "together:agents=a1+a2", "--out", out
    )
    assert_one_line_error(run, "--constraint together", "fits objective min_cut_partition, not csg")
    assert not out.exists()
    run = run_cli(
        "compare",
        TEAMS,
        "--objective",
        "all",
        "--constraint",
        "together:agents=a1+a2",
        "--out",
        out,
    )
    assert_one_line_error(run, "fits objective min_cut_partition, not csg")
    assert not out.exists()


def test_plug_in_raising_in_a_model_of_another_shape(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "r.json"
    run = run_cli(
        "solve",
        TEAMS,
        "--objective",
        "min_cut_partition",
        "--param",
        "k=3",
        "--constraint",
        "together:agents=a1+a2",
        "--out",
        out,
    )
    assert_one_line_error(
        run,
        "plug-in constraint 'together' (entry point fairmas_test_plugins:together of "
        "fairmas-test-plugins) raised ValueError: together needs the 2-coalition model",
    )
    assert not out.exists()


# (name, constraints block, fragments): errors located in the file, by field path
BAD_BLOCKS = [
    ("unknown name", "  - {name: nope}\n", ["constraints[0].name", "unknown constraint 'nope'"]),
    ("no name", "  - {value: 3}\n", ["constraints[0].name", "required field is missing"]),
    ("name not a string", "  - {name: 7}\n", ["constraints[0].name", "valid string"]),
    (
        "bad parameter",
        "  - {name: ef1}\n  - {name: utility_floor, value: [1]}\n",
        ["constraints[1].value", "valid number"],
    ),
    (
        "floors of an unknown agent",
        "  - {name: utility_floor, floors: {zed: 1}}\n",
        ["constraints[0]", "unknown agent 'zed'"],
    ),
    ("wrong kind", "  - {name: budget, value: 1}\n", ["constraints[0]", "fits mechanism"]),
    (
        "plug-in with a bad keyword",
        "  - {name: gpu_cap, size: 1}\n",
        ["constraints[0]", "cannot take these parameters", "size"],
    ),
    ("not a list", "  {name: ef1}\n", ["constraints", "valid list"]),
]


@pytest.mark.parametrize(("name", "block", "fragments"), BAD_BLOCKS, ids=[c[0] for c in BAD_BLOCKS])
def test_bad_constraints_block(tmp_path: Path, run_cli, name, block, fragments) -> None:
    path = tmp_path / "inst.yaml"
    path.write_text(ALLOCATION + "constraints:\n" + block)
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--objective", "max_min", "--out", out)
    assert_one_line_error(run, f"{path}: constraints", *fragments)
    assert not out.exists()
    assert_one_line_error(run_cli("validate", path), f"{path}: constraints", *fragments)


def test_budget_payment_cap_on_an_unknown_agent_of_a_mechanism(run_cli, tmp_path) -> None:
    out = tmp_path / "r.json"
    run = run_cli(
        "solve",
        PROJECTS,
        "--objective",
        "welfare",
        "--constraint",
        "budget:agent=zed,value=1",
        "--out",
        out,
    )
    assert_one_line_error(run, "--constraint budget:agent=zed,value=1", "unknown agent 'zed'")
    assert not out.exists()


def test_plug_in_named_like_a_built_in(tmp_path: Path, run_cli, monkeypatch) -> None:
    (tmp_path / "shadow.py").write_text("def ef1(model, instance):\n    pass\n")
    (tmp_path / "inst.yaml").write_text(ALLOCATION)
    monkeypatch.chdir(tmp_path)
    run = run_cli("solve", "inst.yaml", "--objective", "max_min", "--plugin", "shadow:ef1")
    assert_one_line_error(run, "--plugin shadow:ef1", "'ef1' is the name of a built-in constraint")


def test_odpip_file_cannot_hold_a_constraints_block(tmp_path: Path, run_cli) -> None:
    source = tmp_path / "game.yaml"
    source.write_text(
        "kind: coalition_game\nagents: [a, b]\nvalues:\n  - {coalition: [a, b], value: 3}\n"
        "constraints:\n  - {name: keep_apart}\n"
    )
    out = tmp_path / "game.txt"
    run = run_cli("convert", source, out, "--to", "odpip")
    assert_one_line_error(run, f"{source}: constraints", "cannot hold a constraints block")
    assert not out.exists()
