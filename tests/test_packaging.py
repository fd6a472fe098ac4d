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
    assert (1, 12) <= highspy_minor < (1, 14)
    assert ortools_minor == (9, 15)


def test_highs_mip_presolve_finds_the_optimum() -> None:
    """The MILP on which highspy 1.14.0's presolve reports gap 2 as optimal (the optimum is 1).

    min U − L s.t. L ≤ u_i ≤ U, u_0 = 3 x_00 + 4 x_01, u_1 = 5 x_11, welfare ≥ 9,
    binary x: the optimum gives items 01 and 11 (utilities 4 and 5).
    """
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "on")
    inf = highspy.kHighsInf
    # columns: x00, x01, x11 (binary), L, U
    lower = np.array([0, 0, 0, 0, 0], dtype=float)
    upper = np.array([1, 1, 1, inf, inf])
    cost = np.array([0, 0, 0, -1, 1], dtype=float)
    h.addVars(5, lower, upper)
    h.changeColsCost(5, np.arange(5, dtype=np.int32), cost)
    h.changeColsIntegrality(
        3, np.arange(3, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * 3)
    )
    rows = [  # (lower, upper, {column: coefficient})
        (0, inf, {0: 3, 1: 4, 3: -1}),  # u_0 ≥ L
        (0, inf, {2: 5, 3: -1}),  # u_1 ≥ L
        (-inf, 0, {0: 3, 1: 4, 4: -1}),  # u_0 ≤ U
        (-inf, 0, {2: 5, 4: -1}),  # u_1 ≤ U
        (9, inf, {0: 3, 1: 4, 2: 5}),  # welfare floor
    ]
    for low, high, coefficients in rows:
        columns = np.array(list(coefficients), dtype=np.int32)
        h.addRow(low, high, len(columns), columns, np.array(list(coefficients.values()), float))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(1.0)


def test_pyomo_drives_highs_beside_ortools() -> None:
    import pyomo.environ as pyo
    from ortools.graph.python import max_flow  # noqa: F401

    from fairmas.solvers.highs import solve_model

    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.Binary)
    m.obj = pyo.Objective(expr=m.x, sense=pyo.maximize)
    assert solve_model(m).objective == 1.0
