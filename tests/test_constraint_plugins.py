"""Third-party constraints: an installed package's entry points, --plugin, register()."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import fairmas
from fairmas.constraints import known_constraints, register, unregister
from fairmas.result import Result, Status
from tests.oracles import best_partition_with
from tests.plugin_env import plugin_package  # noqa: F401  (the fixture below)

pytestmark = pytest.mark.usefixtures("plugin_package")

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "instances" / "fairness" / "lab_equipment.yaml"
TEAMS = ROOT / "instances" / "six_agents_two_teams.yaml"

GPU_FILE = """\
kind: allocation
agents: [ana, ben, cy]
resources:
  - {name: gpu, supply: 4, divisible: false}
  - {name: cpu, supply: 6, divisible: true}
valuations:
  ana: {gpu: 5, cpu: 1}
  ben: {gpu: 1, cpu: 1}
  cy: {gpu: 1, cpu: 2}
"""


@pytest.fixture
def gpu_file(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(GPU_FILE)
    return path


def _allocation(run_out: str) -> dict:
    return Result.from_json(run_out).solution["allocation"]


def test_entry_points_of_an_installed_package_are_found(run_cli, gpu_file) -> None:
    assert {"gpu_cap", "together", "broken"} <= set(known_constraints())
    free = run_cli("solve", gpu_file, "--objective", "max_min", "--json")
    assert free.code == 0, free.err
    assert _allocation(free.out)["ana"].get("gpu", 0) <= 1  # ana needs little gpu to be even
    welfare = fairmas.solve(gpu_file, "nash")
    assert welfare.solution["allocation"]["ana"]["gpu"] >= 2
    run = run_cli(
        "solve", gpu_file, "--objective", "nash", "--constraint", "gpu_cap:limit=1", "--json"
    )
    assert run.code == 0, run.err
    result = Result.from_json(run.out)
    assert result.details["constraints_added"] == ["gpu_cap:limit=1"]
    assert all(bundle.get("gpu", 0) <= 1 for bundle in result.solution["allocation"].values())


def test_entry_point_constraint_in_an_instance_file(run_cli, gpu_file) -> None:
    gpu_file.write_text(GPU_FILE + "constraints:\n  - {name: gpu_cap, agent: ana, limit: 0}\n")
    run = run_cli("compare", gpu_file, "--objective", "max_min", "--json")
    assert run.code == 0, run.err
    milp = Result.from_dict(json.loads(run.out)[0])
    assert milp.method == "milp"
    assert "gpu" not in milp.solution["allocation"].get("ana", {})


def test_together_keeps_agents_in_one_coalition() -> None:
    net = fairmas.load(TEAMS)
    result = fairmas.solve(net, "min_cut_partition", constraints=["together:agents=a1+a6"])
    assert result.method == "milp"
    assert any({"a1", "a6"} <= set(c) for c in result.solution["coalitions"])
    graph = fairmas.objectives.min_cut_partition.prepare(
        net, fairmas.OBJECTIVES["min_cut_partition"].parse_params({})
    ).graph
    weight = {}
    for u, v, w in zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True):
        weight[(u, v)] = weight[(v, u)] = w
    a, b = net.agents.index("a1"), net.agents.index("a6")
    expected = best_partition_with(
        net.n_agents, lambda i, j: weight.get((i, j), 0.0), lambda s: s[a] == s[b], 2
    )
    assert result.value == pytest.approx(expected)


def test_plugin_option_loads_a_module_of_the_current_directory(
    tmp_path: Path, monkeypatch, run_cli, gpu_file
) -> None:
    # the README's example, verbatim in spirit: a function in a file next to the instance
    (tmp_path / "my_rules.py").write_text(
        textwrap.dedent(
            '''
            import pyomo.environ as pyo

            def at_most(model, instance, resource, limit):
                """Nobody holds more than `limit` of `resource`."""
                j = instance.resources.index(resource)
                model.at_most = pyo.Constraint(model.AGENTS, rule=lambda m, i: m.x[i, j] <= limit)

            at_most.kinds = ("allocation",)
            '''
        )
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "my_rules", raising=False)
    run = run_cli(
        "solve",
        gpu_file,
        "--objective",
        "nash",
        "--plugin",
        "my_rules:at_most",
        "--constraint",
        "at_most:resource=gpu,limit=2",
        "--json",
    )
    assert run.code == 0, run.err
    allocation = _allocation(run.out)
    assert all(bundle.get("gpu", 0) <= 2 for bundle in allocation.values())
    assert "at_most" not in known_constraints()  # registered for that command only


def test_constraints_command_lists_builtins_and_plugins(run_cli) -> None:
    run = run_cli("constraints", "--plugin", "fairmas_test_plugins:explode")
    assert run.code == 0, run.err
    for name in ("envy_free", "ef1", "budget", "gpu_cap", "together", "explode"):
        assert name in run.out
    assert "broken" in run.out
    assert "cannot be loaded" in run.out


def test_register_makes_a_function_usable_by_name() -> None:
    def no_more_than_one(model, instance):
        model.no_more_than_one = fairmas.constraints.builtin.pyo.Constraint(expr=model.x[0, 0] <= 1)

    register(no_more_than_one)
    try:
        inst = fairmas.AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [0.1]], supply=[3])
        result = fairmas.solve(inst, "max_min", constraints=["no_more_than_one"])
        assert result.status is Status.OPTIMAL
        assert result.solution["allocation"]["a"]["r"] <= 1 + 1e-9
    finally:
        unregister("no_more_than_one")


def test_a_fresh_process_finds_the_entry_points(tmp_path: Path, gpu_file) -> None:
    out = tmp_path / "r.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairmas",
            "solve",
            str(gpu_file),
            "--objective",
            "max_min",
            "--constraint",
            "gpu_cap:agent=cy,limit=0",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    result = Result.from_json(out.read_text())
    assert result.details["constraints_added"] == ["gpu_cap:agent=cy,limit=0"]
    assert "gpu" not in result.solution["allocation"].get("cy", {})


def _readme_blocks(section: str) -> dict[str, list[str]]:
    """The fenced code blocks of one README section, by language."""
    text = (ROOT / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks: dict[str, list[str]] = {}
    for chunk in body.split("```")[1::2]:
        language, _, code = chunk.partition("\n")
        blocks.setdefault(language.strip(), []).append(code)
    return blocks


def test_readme_example_of_a_constraint_runs_as_written(tmp_path: Path, monkeypatch, run_cli):
    blocks = _readme_blocks("Write your own constraint")
    code_lines = sum(
        len(block.strip().splitlines()) for group in blocks.values() for block in group
    )
    assert code_lines <= 20
    (tmp_path / "my_rules.py").write_text(blocks["python"][0])
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_rules", raising=False)
    command = shlex.split(blocks["sh"][0].strip())
    assert command[0] == "fairmas"
    run = run_cli(*command[1:], "--json")
    assert run.code == 0, run.err
    result = Result.from_json(run.out)
    assert result.details["constraints_added"] == ["ef1", "gpu_cap:limit=2"]
    assert all(b.get("gpu", 0) <= 2 for b in result.solution["allocation"].values())
    assert 'gpu_cap = "my_rules:gpu_cap"' in blocks["toml"][0]
    # the Python section's block runs too
    python = _readme_blocks("Python: constraints, `fairmas.build` and `fairmas.solve_model`")
    namespace: dict = {}
    exec(python["python"][0], namespace)
    assert namespace["r"].status is Status.OPTIMAL
    assert namespace["result"].solution["allocation"]["critic"]["tpu"] >= 1
    assert namespace["result"].details["constraints_added"] == ["ef1", "proportional"]
