"""The ortools/highspy pair pinned in pyproject.toml can live in one process."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

USE_BOTH = """
import {first}, {second}
import highspy
from ortools.graph.python import max_flow
from ortools.sat.python import cp_model

h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.addVar(0.0, 1.0)
h.changeColCost(0, -1.0)
h.run()
assert h.getInfo().objective_function_value == -1.0

flows = max_flow.SimpleMaxFlow()
flows.add_arc_with_capacity(0, 1, 5)
assert flows.solve(0, 1) == flows.OPTIMAL and flows.optimal_flow() == 5

model = cp_model.CpModel()
x = model.new_int_var(0, 3, "x")
model.maximize(x)
solver = cp_model.CpSolver()
assert solver.solve(model) == cp_model.OPTIMAL and solver.value(x) == 3
print("ok")
"""


@pytest.mark.parametrize(
    ("first", "second"),
    [("highspy", "ortools.graph.python.max_flow"), ("ortools.graph.python.max_flow", "highspy")],
)
def test_highspy_and_ortools_work_in_one_process(first: str, second: str) -> None:
    # a fresh interpreter, so the import order is really the one under test
    code = USE_BOTH.format(first=first, second=second)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_pinned_versions_are_the_compatible_pair() -> None:
    highspy_minor = tuple(int(p) for p in version("highspy").split(".")[:2])
    ortools_minor = tuple(int(p) for p in version("ortools").split(".")[:2])
    assert (1, 12) <= highspy_minor < (1, 15)
    assert ortools_minor == (9, 15)


def test_pyomo_drives_highs_beside_ortools() -> None:
    import pyomo.environ as pyo
    from ortools.graph.python import max_flow  # noqa: F401

    from fairmas.solvers.highs import solve_model

    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.Binary)
    m.obj = pyo.Objective(expr=m.x, sense=pyo.maximize)
    assert solve_model(m).objective == 1.0
