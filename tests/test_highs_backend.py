"""The HiGHS backend returns a status for every ending, never an exception from Pyomo."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from fairmas.errors import ParameterError
from fairmas.result import Status
from fairmas.solvers.highs import solve_model
from fairmas.solvers.options import SolveOptions


def knapsack() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, 3)
    value, weight = [10, 13, 7, 8], [5, 6, 3, 4]
    m.x = pyo.Var(m.I, domain=pyo.Binary)
    m.cap = pyo.Constraint(expr=sum(weight[i] * m.x[i] for i in m.I) <= 10)
    m.obj = pyo.Objective(expr=sum(value[i] * m.x[i] for i in m.I), sense=pyo.maximize)
    return m


def test_optimal_loads_the_solution() -> None:
    m = knapsack()
    outcome = solve_model(m)
    assert outcome.status is Status.OPTIMAL
    assert outcome.objective == pytest.approx(21.0)  # items 1 and 3: 13 + 8, weight 10
    assert outcome.bound == pytest.approx(21.0)
    assert outcome.gap == pytest.approx(0.0)
    assert [round(pyo.value(m.x[i])) for i in m.I] == [0, 1, 0, 1]


def test_infeasible() -> None:
    m = knapsack()
    m.too_much = pyo.Constraint(expr=sum(m.x[i] for i in m.I) >= 5)
    outcome = solve_model(m)
    assert outcome.status is Status.INFEASIBLE
    assert not outcome.has_solution
    assert outcome.objective is None


def test_infeasible_lp() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.c = pyo.Constraint(expr=m.x >= 2)
    m.obj = pyo.Objective(expr=m.x)
    assert solve_model(m).status is Status.INFEASIBLE


def test_unbounded_is_named_even_when_presolve_cannot_tell() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(domain=pyo.NonNegativeReals)
    m.y = pyo.Var(domain=pyo.NonNegativeIntegers)
    m.c = pyo.Constraint(expr=m.x - m.y <= 1)
    m.obj = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
    assert solve_model(m).status is Status.UNBOUNDED


def test_model_highs_cannot_take_is_an_error_status() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(1, 2))
    m.obj = pyo.Objective(expr=pyo.sin(m.x))
    outcome = solve_model(m)
    assert outcome.status is Status.ERROR
    assert outcome.message


def test_threads_and_gap_options_are_accepted() -> None:
    outcome = solve_model(knapsack(), SolveOptions(threads=1, mip_gap=0.5, time_limit=10))
    assert outcome.status is Status.OPTIMAL
    assert outcome.objective >= 21.0 / 1.5  # within the (loose) gap asked for


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_limit": 0},
        {"time_limit": float("nan")},
        {"mip_gap": -1},
        {"threads": 0},
        {"threads": 1.5},
        {"threads": True},
    ],
)
def test_bad_options_are_parameter_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ParameterError):
        SolveOptions(**kwargs)  # type: ignore[arg-type]
