"""CompiledModel.restrict_to_optimal_face: lexicographic LPs without objective rows."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from fairmas.solvers.highs_direct import CompiledModel


def two_variables(sense) -> tuple[pyo.ConcreteModel, CompiledModel]:
    """0 ≤ x0, x1 ≤ 1, x0 + x1 ≤ 1; first objective: the sum (max) or minus the sum (min)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], bounds=(0, 1))
    m.total = pyo.Constraint(expr=m.x[0] + m.x[1] <= 1)
    sign = 1 if sense == pyo.maximize else -1
    m.obj = pyo.Objective(expr=sign * (m.x[0] + m.x[1]), sense=sense)
    return m, CompiledModel(m)


def set_costs(compiled: CompiledModel, m: pyo.ConcreteModel, costs: list[float]) -> None:
    for var, cost in zip([m.x[0], m.x[1]], costs, strict=True):
        compiled.highs.changeColCost(compiled.column_of(var), cost)


@pytest.mark.parametrize("sense", [pyo.maximize, pyo.minimize])
def test_the_next_objective_stays_on_the_optimal_face(sense) -> None:
    m, compiled = two_variables(sense)
    assert abs(compiled.solve().objective) == pytest.approx(1.0)
    assert compiled.restrict_to_optimal_face() >= 1  # the row x0 + x1 ≤ 1 binds
    # second objective: x0 as small as possible; on the face x0 + x1 = 1, so x1 = 1
    set_costs(compiled, m, [-1.0, 0.0] if sense == pyo.maximize else [1.0, 0.0])
    x = compiled.solve().x
    assert x[compiled.column_of(m.x[0])] == pytest.approx(0.0)
    assert x[compiled.column_of(m.x[1])] == pytest.approx(1.0)


def test_columns_without_a_reduced_cost_stay_free() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var([0, 1], bounds=(0, 1))
    m.slack = pyo.Constraint(expr=m.x[1] - m.x[0] <= 1)  # never binding
    m.obj = pyo.Objective(expr=m.x[0], sense=pyo.maximize)
    compiled = CompiledModel(m)
    compiled.solve()
    assert compiled.restrict_to_optimal_face() == 1  # x0 at its upper bound, x1 free
    set_costs(compiled, m, [0.0, 1.0])
    x = compiled.solve().x
    assert x.tolist() == [1.0, 1.0]


def test_a_milp_is_left_alone() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 3))
    m.obj = pyo.Objective(expr=m.x, sense=pyo.maximize)
    compiled = CompiledModel(m)
    compiled.solve()
    assert compiled.restrict_to_optimal_face() == 0
    lower, upper = compiled.highs.getLp().col_lower_[0], compiled.highs.getLp().col_upper_[0]
    assert (lower, upper) == (0.0, 3.0)
