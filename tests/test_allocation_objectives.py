"""max_min, leximin, min_gap and nash: every exact method against independent oracles.

Indivisible goods: the brute-force oracles of tests/oracles.py (plain Python,
no code shared with fairmas). Divisible goods: scipy's linprog re-checks the
LP optima, the leximin vector is verified level by level, and Nash welfare is
checked by its market-equilibrium certificate and by proportional response.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import fairmas
from fairmas.formulations.allocation import build_max_min_model, build_utilitarian_model
from fairmas.models.allocation import AllocationInstance
from fairmas.registry import values_agree
from fairmas.result import Status
from fairmas.solvers.allocation_lp import solve_allocation_model, utilitarian_optimum
from fairmas.solvers.highs_direct import CompiledModel
from fairmas.solvers.nash import equilibrium_certificate
from fairmas.solvers.options import SolveOptions
from tests.oracles import oracle_leximin, oracle_max_min, oracle_min_gap, oracle_nash


@st.composite
def indivisible_instances(draw, integer_values: bool = True) -> AllocationInstance:
    n = draw(st.integers(2, 3))
    m = draw(st.integers(1, 3))
    if integer_values:
        value = st.integers(0, 6).map(float)
    else:
        value = st.integers(0, 40).map(lambda k: k / 8)
    values = [[draw(value) for _ in range(m)] for _ in range(n)]
    for j in range(m):  # every resource valued by someone
        if all(values[i][j] == 0 for i in range(n)):
            values[draw(st.integers(0, n - 1))][j] = 1.0
    supply = [draw(st.integers(1, 2)) for _ in range(m)]
    weights = [draw(st.sampled_from([1.0, 1.0, 2.0, 0.5])) for _ in range(n)]
    caps = None
    if draw(st.booleans()):
        caps = [[draw(st.sampled_from([0, 1, 2, 2])) for _ in range(m)] for _ in range(n)]
        for j in range(m):  # someone who values j may hold it
            if all(values[i][j] == 0 or caps[i][j] == 0 for i in range(n)):
                caps[int(np.argmax([values[i][j] for i in range(n)]))][j] = 2
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        values,
        supply=supply,
        divisible=False,
        entitlements=weights,
        caps=caps,
    )


@st.composite
def divisible_instances(draw, max_agents: int = 5, caps: bool = False) -> AllocationInstance:
    n = draw(st.integers(2, max_agents))
    m = draw(st.integers(1, 5))
    values = np.array(
        [[draw(st.integers(0, 20)) / 4 for _ in range(m)] for _ in range(n)], dtype=float
    )
    for j in range(m):
        if values[:, j].max() == 0:
            values[draw(st.integers(0, n - 1)), j] = 1.0
    supply = [draw(st.integers(1, 10)) / 2 for _ in range(m)]
    weights = [draw(st.sampled_from([1.0, 1.0, 2.0, 3.0])) for _ in range(n)]
    cap_matrix = None
    if caps and draw(st.booleans()):
        cap_matrix = [
            [draw(st.sampled_from([0.5, 1.0, np.inf])) for _ in range(m)] for _ in range(n)
        ]
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        values,
        supply=supply,
        divisible=True,
        entitlements=weights,
        caps=cap_matrix,
    )


def _lists(instance: AllocationInstance):
    caps = None
    if np.isfinite(instance.caps).any():
        caps = [[int(c) if np.isfinite(c) else 99 for c in row] for row in instance.caps]
    return instance.values.tolist(), instance.supply.tolist(), instance.entitlements.tolist(), caps


def _all_agree(results, expected: float) -> None:
    ran = [r for r in results if r.details.get("applicable") is not False]
    assert len(ran) >= 2, [(r.method, r.details) for r in results]
    for r in ran:
        assert r.status is Status.OPTIMAL, (r.method, r.status, r.details)
        assert values_agree(r.value, expected), (r.method, r.value, expected)
        assert r.details["agrees"] is True


# ----------------------------------------------------------------------------- indivisible


@settings(max_examples=25)
@given(indivisible_instances())
def test_max_min_indivisible_matches_brute_force(instance: AllocationInstance) -> None:
    values, supply, weights, caps = _lists(instance)
    _all_agree(fairmas.compare(instance, "max_min"), oracle_max_min(values, supply, weights, caps))


@settings(max_examples=25)
@given(indivisible_instances())
def test_leximin_indivisible_matches_brute_force(instance: AllocationInstance) -> None:
    values, supply, weights, caps = _lists(instance)
    expected = oracle_leximin(values, supply, weights, caps)
    results = fairmas.compare(instance, "leximin")
    _all_agree(results, expected[0])
    for r in results:
        if r.value is not None:
            np.testing.assert_allclose(
                r.details["sorted_weighted_utilities"], expected, rtol=1e-6, atol=1e-6
            )


@settings(max_examples=25)
@given(indivisible_instances(), st.sampled_from([0.0, 0.25]))
def test_min_gap_indivisible_matches_brute_force(instance, epsilon: float) -> None:
    values, supply, _, caps = _lists(instance)
    results = fairmas.compare(instance, "min_gap", epsilon=epsilon)
    _all_agree(results, oracle_min_gap(values, supply, epsilon, caps))
    for r in results:
        if r.value is not None:
            assert r.details["welfare"] >= (1 - epsilon) * r.details["utilitarian_optimum"] - 1e-6


@settings(max_examples=25)
@given(indivisible_instances(integer_values=True))
def test_nash_indivisible_whole_values_matches_brute_force(instance) -> None:
    values, supply, weights, caps = _lists(instance)
    count, welfare = oracle_nash(values, supply, weights, caps)
    results = fairmas.compare(instance, "nash")
    _all_agree(results, welfare)
    for r in results:
        if r.value is not None:
            assert sum(u > 0 for u in r.details["utilities"]) == count
            if r.method == "outer_approximation":
                assert r.details["cut_kind"] == "secant"


@settings(max_examples=15)
@given(indivisible_instances(integer_values=False))
def test_nash_indivisible_fractional_values_matches_brute_force(instance) -> None:
    values, supply, weights, caps = _lists(instance)
    _count, welfare = oracle_nash(values, supply, weights, caps)
    results = fairmas.compare(instance, "nash")
    _all_agree(results, welfare)


def test_two_agents_one_good_leximin_needs_ordered_outcomes() -> None:
    """No agent is saturated after the first level (both could get the good): still leximin."""
    instance = AllocationInstance.from_arrays(
        ["a", "b", "c"], ["g", "h"], [[1, 0], [1, 0], [0, 2]], divisible=False
    )
    result = fairmas.solve(instance, "leximin", "ordered_outcomes")
    assert result.details["sorted_weighted_utilities"] == [0.0, 1.0, 2.0]


# ----------------------------------------------------------------------------- divisible


def linprog_max_min(instance: AllocationInstance) -> float:
    """max t s.t. t·w_i ≤ Σ_j v_ij x_ij, Σ_i x_ij ≤ R_j, 0 ≤ x ≤ caps, with scipy's linprog."""
    n, m = instance.values.shape
    c = np.zeros(n * m + 1)
    c[-1] = -1.0
    rows, rhs = [], []
    for i in range(n):
        row = np.zeros(n * m + 1)
        row[i * m : (i + 1) * m] = -instance.values[i]
        row[-1] = instance.entitlements[i]
        rows.append(row)
        rhs.append(0.0)
    for j in range(m):
        row = np.zeros(n * m + 1)
        row[j : n * m : m] = 1.0
        rows.append(row)
        rhs.append(instance.supply[j])
    bounds = [(0, None if not np.isfinite(c_) else c_) for c_ in instance.caps.ravel()]
    solved = linprog(c, A_ub=np.array(rows), b_ub=rhs, bounds=[*bounds, (0, None)])
    assert solved.status == 0
    return -solved.fun


def verify_leximin_levels(instance: AllocationInstance, levels: list[float]) -> None:
    """For every k: the k smallest weighted utilities cannot sum to more, given the k−1 before.

    Independent of fairmas: scipy LPs of the ordered-outcome form, one per level.
    """
    n, m = instance.values.shape
    scaled = instance.values / instance.entitlements[:, None]
    sums = np.cumsum(levels)
    # variables: x (n·m), then for each stage k ≤ K: r_k, d_1k..d_nk
    for K in range(1, n + 1):
        size = n * m + K * (n + 1)
        c = np.zeros(size)
        rows, rhs = [], []
        for k in range(1, K + 1):
            base = n * m + (k - 1) * (n + 1)
            for i in range(n):  # r_k − d_ik − y_i ≤ 0
                row = np.zeros(size)
                row[base] = 1.0
                row[base + 1 + i] = -1.0
                row[i * m : (i + 1) * m] = -scaled[i]
                rows.append(row)
                rhs.append(0.0)
            if k < K:  # −(k r_k − Σ d_ik) ≤ −sums[k−1] (+ slack)
                row = np.zeros(size)
                row[base] = -k
                row[base + 1 : base + 1 + n] = 1.0
                rows.append(row)
                rhs.append(-sums[k - 1] + 1e-10 * max(1.0, abs(sums[k - 1])))
            else:
                c[base] = -k
                c[base + 1 : base + 1 + n] = 1.0
        for j in range(m):
            row = np.zeros(size)
            row[j : n * m : m] = 1.0
            rows.append(row)
            rhs.append(instance.supply[j])
        bounds = [(0, None)] * (n * m)
        for _ in range(K):
            bounds += [(None, None)] + [(0, None)] * n
        solved = linprog(c, A_ub=np.array(rows), b_ub=rhs, bounds=bounds)
        assert solved.status == 0
        assert -solved.fun <= sums[K - 1] + 1e-6 * max(1.0, abs(sums[K - 1])), (K, -solved.fun)


@settings(max_examples=25)
@given(divisible_instances(caps=True))
def test_max_min_divisible_matches_linprog(instance: AllocationInstance) -> None:
    result = fairmas.solve(instance, "max_min", "milp")
    assert result.status is Status.OPTIMAL
    assert math.isclose(result.value, linprog_max_min(instance), rel_tol=1e-6, abs_tol=1e-7)


@settings(max_examples=20)
@given(divisible_instances())
def test_leximin_divisible_two_methods_agree_and_each_level_is_optimal(instance) -> None:
    results = fairmas.compare(instance, "leximin")
    by_method = {r.method: r for r in results if r.value is not None}
    assert set(by_method) == {"saturation", "ordered_outcomes"}
    saturation = by_method["saturation"].details["sorted_weighted_utilities"]
    ordered = by_method["ordered_outcomes"].details["sorted_weighted_utilities"]
    np.testing.assert_allclose(saturation, ordered, rtol=1e-6, atol=1e-7)
    max_min = fairmas.solve(instance, "max_min")
    assert values_agree(saturation[0], max_min.value)
    verify_leximin_levels(instance, saturation)


@settings(max_examples=20)
@given(divisible_instances(max_agents=6))
def test_nash_divisible_equilibrium_and_proportional_response(instance) -> None:
    results = {r.method: r for r in fairmas.compare(instance, "nash")}
    oa, pr = results["outer_approximation"], results["proportional_response"]
    assert oa.status is Status.OPTIMAL
    assert pr.status is Status.OPTIMAL
    assert oa.details["agrees"]
    assert pr.details["agrees"]
    assert oa.details["certificate"]["holds"], oa.details["certificate"]
    u_oa, u_pr = np.array(oa.details["utilities"]), np.array(pr.details["utilities"])
    np.testing.assert_allclose(u_pr, u_oa, rtol=2e-4)
    # prices clear the market: money spent equals the total budget
    spent = sum(oa.details["prices"][j] * instance.supply[j] for j in range(instance.n_resources))
    budgets = instance.entitlements[instance.values.max(axis=1) > 0].sum()  # active agents
    assert math.isclose(spent, budgets, rel_tol=1e-6)


def test_nash_certificate_rejects_a_non_equilibrium() -> None:
    instance = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[3, 1], [1, 3]])
    result = fairmas.solve(instance, "nash")
    x = np.eye(2)
    assert equilibrium_certificate(instance, x, np.array(result.details["prices"]))["holds"]
    assert not equilibrium_certificate(instance, x[::-1], np.array(result.details["prices"]))[
        "holds"
    ]


@settings(max_examples=20)
@given(divisible_instances(caps=True))
def test_min_gap_divisible_respects_the_floor(instance) -> None:
    result = fairmas.solve(instance, "min_gap", epsilon=0.3)
    assert result.status is Status.OPTIMAL
    assert result.details["welfare"] >= 0.7 * result.details["utilitarian_optimum"] - 1e-6
    assert result.value >= -1e-9


@settings(max_examples=20)
@given(st.one_of(divisible_instances(caps=True), indivisible_instances()))
def test_utilitarian_closed_form_equals_the_lp(instance) -> None:
    welfare, x = utilitarian_optimum(instance)
    solved = CompiledModel(build_utilitarian_model(instance)).solve()
    assert math.isclose(welfare, solved.objective, rel_tol=1e-7, abs_tol=1e-7)
    assert np.all(x.sum(axis=0) <= instance.supply + 1e-9)


def test_infeasible_floor_is_a_status_naming_the_constraints() -> None:
    instance = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [1.0]])
    model = build_max_min_model(instance)
    import pyomo.environ as pyo

    model.utility_floor = pyo.Constraint(expr=model.utility[0] + model.utility[1] >= 5)
    solved = solve_allocation_model(model, instance, SolveOptions())
    assert solved.status is Status.INFEASIBLE
    assert solved.x is None
    assert "utility_floor" in solved.details["infeasible_constraints"]
    assert "supply[0]" in solved.details["infeasible_constraints"]


# ----------------------------------------------------------------------------- metrics


def test_metrics_of_a_known_allocation() -> None:
    instance = AllocationInstance.from_arrays(
        ["a", "b", "c"], ["g", "h", "k"], [[3, 1, 1], [1, 3, 1], [1, 1, 3]], divisible=False
    )
    result = fairmas.solve(instance, "nash", "brute_force")
    d = result.details
    assert d["utilities"] == [3.0, 3.0, 3.0]
    assert d["envy_free"]
    assert d["ef1"]
    assert d["proportional"]
    assert d["gini"] == 0.0
    assert d["jain_index"] == 1.0
    assert d["price_of_fairness"] == 0.0
    assert d["welfare"] == 9.0
    assert math.isclose(d["nash_welfare"], 3.0)
    assert result.solution["allocation"] == {"a": {"g": 1}, "b": {"h": 1}, "c": {"k": 1}}


def test_metrics_envy_and_ef1() -> None:
    instance = AllocationInstance.from_arrays(
        ["a", "b"], ["g", "h"], [[2, 2], [1, 1]], divisible=False
    )
    from fairmas.metrics import fairness_metrics

    everything_to_b = np.array([[0.0, 0.0], [1.0, 1.0]])
    m = fairness_metrics(instance, everything_to_b, 4.0)
    assert m["max_envy"] == 4.0
    assert not m["envy_free"]
    assert not m["ef1"]
    assert math.isclose(m["gini"], 0.5)
    assert m["price_of_fairness"] == 0.5
    one_each = np.eye(2)
    m = fairness_metrics(instance, one_each, 4.0)
    assert m["envy_free"]
    assert m["ef1"]


def test_agent_who_values_nothing_positive_utility_rule() -> None:
    instance = AllocationInstance.from_arrays(["a", "b", "idle"], ["r"], [[1.0], [2.0], [0.0]])
    for method in ("outer_approximation", "proportional_response"):
        result = fairmas.solve(instance, "nash", method)
        assert result.status is Status.OPTIMAL
        assert "idle" in result.details["positive_utility_rule"]
        assert result.details["zero_utility_agents"] == ["idle"]
        assert math.isclose(result.value, 2 * math.log(0.5) + math.log(2), rel_tol=1e-6)


@pytest.mark.parametrize("objective", ["max_min", "leximin", "min_gap", "nash"])
def test_result_shape(objective: str) -> None:
    instance = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    result = fairmas.solve(instance, objective)
    assert set(result.solution) == {"allocation", "utilities"}
    assert set(result.solution["allocation"]) == {"a", "b"}
    for key in ("gini", "jain_index", "max_envy", "envy_free", "price_of_fairness", "welfare"):
        assert key in result.details
    assert fairmas.Result.from_json(result.to_json()).to_dict() == result.to_dict()


def test_nash_column_generation_reaches_the_full_optimum(monkeypatch) -> None:
    """With most pairs held back at first, the released columns still give the equilibrium."""
    import fairmas.solvers.nash as nash_solver

    monkeypatch.setattr(nash_solver, "COLUMN_GENERATION_SIZE", 10)
    monkeypatch.setattr(nash_solver, "PROMISING_PER_AGENT", 1)
    rng = np.random.default_rng(5)
    instance = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(12)], [f"g{j}" for j in range(15)], rng.random((12, 15))
    )
    oa = fairmas.solve(instance, "nash", "outer_approximation")
    assert oa.details["columns_released"] > 0
    assert oa.details["certificate"]["holds"]
    pr = fairmas.solve(instance, "nash", "proportional_response")
    assert values_agree(oa.value, pr.value)
