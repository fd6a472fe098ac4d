"""nash ``interior_point``: exact Fisher-market equilibria, checked independently.

Every answer is verified by :func:`kkt_violation`, written here from the
Eisenberg–Gale optimality conditions and sharing no code with fairmas, and
must agree with ``outer_approximation`` (HiGHS cutting planes) and
``proportional_response`` (the dynamics) on randomized instances full of
ties, zeros, agents who value nothing, budgets and supplies.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
import fairmas.solvers.nash_interior as interior
from fairmas.errors import MethodNotApplicableError
from fairmas.models.allocation import AllocationInstance
from fairmas.registry import values_agree
from fairmas.result import Status
from fairmas.solvers.nash import equilibrium_from_support
from fairmas.solvers.options import SolveOptions


def kkt_violation(values, supply, budgets, x, prices) -> float:
    """Largest relative violation of the Fisher-market equilibrium conditions (plain numpy).

    Agents who value nothing are ignored; goods nobody values need price 0.
    Conditions: x ≥ 0; Σ_i x_ij ≤ R_j with equality where p_j > 0; every other
    agent spends exactly w_i; x_ij > 0 only where v_ij/p_j is agent i's best ratio.
    """
    values, supply, budgets = np.asarray(values), np.asarray(supply), np.asarray(budgets)
    worst = max(0.0, float(-x.min()))
    active = values.max(axis=1) > 0
    for j in range(values.shape[1]):
        sold = x[:, j].sum()
        if values[active, j].max(initial=0.0) > 0:
            if prices[j] <= 0:
                return math.inf
            worst = max(worst, abs(sold - supply[j]) / supply[j])
        else:
            worst = max(worst, sold / supply[j])
    for i in np.flatnonzero(active):
        spent = sum(x[i, j] * prices[j] for j in range(values.shape[1]))
        worst = max(worst, abs(spent - budgets[i]) / budgets[i])
        ratios = [values[i, j] / prices[j] for j in range(values.shape[1]) if prices[j] > 0]
        best = max(ratios)
        for j in range(values.shape[1]):
            if x[i, j] > 1e-12 * supply[j]:
                worst = max(worst, (best - values[i, j] / prices[j]) / best)
    return worst


@st.composite
def fisher_markets(draw, max_agents: int = 7, max_goods: int = 6) -> AllocationInstance:
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, max_goods))
    levels = draw(st.sampled_from([3, 5, 21]))  # few levels: many ties
    values = np.array(
        [[draw(st.integers(0, levels - 1)) / 4 for _ in range(m)] for _ in range(n)], dtype=float
    )
    if n > 1 and draw(st.booleans()):
        values[draw(st.integers(0, n - 1))] = 0.0  # an agent who values nothing
    for j in range(m):
        if values[:, j].max() == 0:
            values[draw(st.integers(0, n - 1)), j] = 1.0
    supply = [draw(st.integers(1, 10)) / 2 for _ in range(m)]
    budgets = [draw(st.sampled_from([1.0, 1.0, 2.0, 3.0, 0.25])) for _ in range(n)]
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        values,
        supply=supply,
        entitlements=budgets,
    )


def _check(instance: AllocationInstance, result: fairmas.Result) -> None:
    assert result.status is Status.OPTIMAL, result.details
    x = np.array(
        [
            [result.solution["allocation"][a].get(r, 0.0) for r in instance.resources]
            for a in instance.agents
        ],
        dtype=float,
    )
    prices = np.array(result.details["prices"])
    violation = kkt_violation(instance.values, instance.supply, instance.entitlements, x, prices)
    assert violation <= 1e-8, violation
    assert result.details["certificate"]["holds"]


@settings(max_examples=60)
@given(fisher_markets())
def test_interior_point_is_the_equilibrium_and_agrees(instance: AllocationInstance) -> None:
    results = {r.method: r for r in fairmas.compare(instance, "nash")}
    ip = results["interior_point"]
    _check(instance, ip)
    assert ip.details["recovery"] == "trading forest of the interior point"
    for other in ("outer_approximation", "proportional_response"):
        assert results[other].status is Status.OPTIMAL
        assert values_agree(ip.value, results[other].value), (other, ip.value)
        assert results[other].details["agrees"]


@settings(max_examples=8)
@given(st.integers(0, 10_000), st.sampled_from([(40, 12), (12, 40), (30, 30)]))
def test_interior_point_on_larger_random_markets(seed: int, shape: tuple[int, int]) -> None:
    """Both reductions of the Newton system (m×m when n ≥ m, n×n otherwise), sparse values."""
    rng = np.random.default_rng(seed)
    n, m = shape
    values = rng.random((n, m)) * (rng.random((n, m)) < 0.6)
    values[rng.integers(0, n, m), np.arange(m)] += 0.5  # every good valued by someone
    instance = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"g{j}" for j in range(m)],
        values,
        supply=rng.integers(1, 5, m).astype(float),
        entitlements=rng.choice([0.5, 1.0, 4.0], n),
    )
    ip = fairmas.solve(instance, "nash", "interior_point")
    _check(instance, ip)
    oa = fairmas.solve(instance, "nash", "outer_approximation")
    assert values_agree(ip.value, oa.value)


@pytest.mark.parametrize(
    ("name", "values", "price"),
    [
        ("identical agents and goods", np.ones((5, 4)), 5 / 4),
        ("one agent", [[1.0, 2.0, 3.0]], None),
        ("one good", [[1.0], [3.0], [0.0]], 2.0),
        ("rank one", np.outer(np.arange(1, 8), np.arange(1, 6)).astype(float), None),
        ("values over 16 orders of magnitude", [[1e-8, 1e8], [1e8, 1e-8], [1, 1]], 1.5),
        ("identical 40×30", np.ones((40, 30)), 4 / 3),
    ],
)
def test_degenerate_markets(name: str, values, price: float | None) -> None:
    values = np.asarray(values, dtype=float)
    n, m = values.shape
    instance = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)], [f"g{j}" for j in range(m)], values
    )
    result = fairmas.solve(instance, "nash")
    assert result.method == "interior_point"
    _check(instance, result)
    if price is not None:
        np.testing.assert_allclose(result.details["prices"], price, rtol=1e-12)
    assert values_agree(result.value, fairmas.solve(instance, "nash", "outer_approximation").value)


def test_the_goal_size_is_exact_and_agrees_with_the_other_methods() -> None:
    """1000 agents × 100 goods (the speed goal's size): certified, same optimum as PR's bound."""
    rng = np.random.default_rng(2)
    instance = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(1000)], [f"g{j}" for j in range(100)], rng.random((1000, 100))
    )
    ip = fairmas.solve(instance, "nash")
    assert ip.method == "interior_point"
    _check(instance, ip)
    pr = fairmas.solve(instance, "nash", "proportional_response", tolerance=1e-4)
    assert pr.value <= ip.value + 1e-9 * abs(ip.value) <= pr.bound + 1e-9 * abs(ip.value)


def test_ties_get_their_spending_from_a_transportation_lp() -> None:
    """A support with a cycle (two identical agents, two identical goods)."""
    instance = AllocationInstance.from_arrays(
        ["a", "b"], ["r", "s"], [[1.0, 1.0], [1.0, 1.0]], supply=[1.0, 3.0], entitlements=[3, 1]
    )
    x, prices = equilibrium_from_support(instance, np.ones((2, 2), dtype=bool))
    assert prices.tolist() == [1.0, 1.0]
    assert kkt_violation(instance.values, instance.supply, instance.entitlements, x, prices) < 1e-12


def test_agent_who_values_nothing_gets_nothing() -> None:
    instance = AllocationInstance.from_arrays(["a", "b", "idle"], ["r"], [[1.0], [2.0], [0.0]])
    result = fairmas.solve(instance, "nash", "interior_point")
    assert result.status is Status.OPTIMAL
    assert result.details["zero_utility_agents"] == ["idle"]
    assert math.isclose(result.value, 2 * math.log(0.5) + math.log(2), rel_tol=1e-12)


def test_time_limit_returns_the_interior_point_with_a_bound() -> None:
    rng = np.random.default_rng(0)
    instance = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(30)], [f"g{j}" for j in range(10)], rng.random((30, 10))
    )
    result = fairmas.solve(instance, "nash", "interior_point", time_limit=1e-9)
    assert result.status is Status.MAX_TIME_LIMIT
    exact = fairmas.solve(instance, "nash", "interior_point")
    assert result.value <= exact.value <= result.bound


def test_without_a_certified_support_the_answer_is_feasible_with_a_valid_bound(
    monkeypatch,
) -> None:
    """When neither the trading forests nor the pivots certify, no optimum is claimed."""
    monkeypatch.setattr(interior, "exact_equilibrium_on", lambda *args, **kwargs: None)
    monkeypatch.setattr(interior, "polish_equilibrium", lambda *args, **kwargs: None)
    rng = np.random.default_rng(1)
    instance = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(20)], [f"g{j}" for j in range(8)], rng.random((20, 8))
    )
    result = fairmas.solve(instance, "nash", "interior_point")
    assert result.status is Status.FEASIBLE
    monkeypatch.undo()
    exact = fairmas.solve(instance, "nash", "interior_point")
    rounding = 1e-12 * abs(exact.value)
    assert result.value <= exact.value + rounding
    assert exact.value <= result.bound + rounding
    assert result.bound - result.value <= 1e-9 * abs(exact.value)  # μ is tiny by then


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"caps": [[1.0, np.inf], [np.inf, np.inf]]}, "without caps"),
        ({"divisible": False}, "comes in whole units"),
    ],
)
def test_not_applicable_names_the_method_that_is(kwargs, reason: str) -> None:
    instance = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]], **kwargs)
    with pytest.raises(MethodNotApplicableError, match=reason) as error:
        fairmas.solve(instance, "nash", "interior_point")
    assert "use outer_approximation" in str(error.value)
    assert fairmas.solve(instance, "nash").method == "outer_approximation"


def test_cli_method_on_a_capped_instance_is_one_line(tmp_path, run_cli) -> None:
    path = tmp_path / "capped.yaml"
    path.write_text(
        "kind: allocation\nagents: [a, b]\nresources: [{name: r, supply: 2}]\n"
        "valuations: {a: {r: 1}, b: {r: 2}}\ncaps: {a: {r: 1}}\n"
    )
    out = tmp_path / "r.json"
    run = run_cli("solve", path, "--objective", "nash", "--method", "interior_point", "--out", out)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert run.err.startswith("fairmas: error: ")
    assert "without caps" in run.err
    assert "Traceback" not in run.err
    assert not out.exists()


def test_interior_point_iterates_reach_the_prices() -> None:
    """The iterates alone: μ falls below 1e-10 and the prices converge (2×2 market)."""
    ell = np.log(np.array([[3.0, 1.0], [1.0, 3.0]]))
    mus = []
    for iterate in interior.interior_point_iterates(ell, np.ones(2), np.ones(2), np.ones(2)):
        mus.append(iterate.mu)
        if iterate.mu < 1e-10:
            break
    assert mus[-1] < 1e-10
    assert len(mus) < 40
    np.testing.assert_allclose(np.exp(iterate.pi), [1.0, 1.0], rtol=1e-8)


def test_two_agent_market_trades_exactly_two_pairs() -> None:
    instance = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    solved = interior.nash_interior_point(instance, SolveOptions())
    assert solved.status is Status.OPTIMAL
    assert solved.details["trading_pairs"] == 2
