"""Leximin on badly conditioned instances: both LP methods against independent oracles.

The smart-grid scenario gives weighted utilities x_i/d_i with contracted peaks d_i
from 3 to 400 kW behind one feeder: an allocation giving up ε of one level can
raise a later one by ~10³·ε. Ordered outcomes used to end ``error``/``infeasible``
or ``feasible`` at 40 and 80 consumers, or ``optimal`` with levels off by up to
0.5, and saturation by ~1e-7 (fairmas.solvers.allocation_lp, "Numerics").

Oracles (tests/oracles.py, no code shared with the methods): the water-filling
closed form of agents who each value one resource (exact for the smart grid), and
the saturation test, one scipy ``linprog`` per class of equal levels.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.allocation import AllocationInstance
from fairmas.result import Status
from fairmas.scenarios import SCENARIOS
from fairmas.solvers import allocation_lp
from fairmas.solvers.highs_direct import CompiledModel
from fairmas.solvers.options import SolveOptions
from tests.oracles import leximin_saturation_excess, oracle_leximin_single_resource

METHODS = ("saturation", "ordered_outcomes")
RTOL = 1e-6


def weighted_utilities(instance: AllocationInstance, result) -> np.ndarray:
    """y_i = v_i(x)/w_i per agent, from the utilities the report recomputed from x."""
    return np.asarray(result.details["utilities"]) / instance.entitlements


def assert_leximin(instance: AllocationInstance, results) -> None:
    """Both methods optimal, feasible, agreeing, and passing the saturation test."""
    sorted_vectors = []
    for result in results:
        assert result.status is Status.OPTIMAL, (result.method, result.details)
        x = np.array(
            [
                [result.solution["allocation"][a].get(r, 0.0) for r in instance.resources]
                for a in instance.agents
            ]
        )
        assert (x >= -1e-9).all()
        assert (x.sum(axis=0) <= instance.supply * (1 + 1e-9)).all()
        assert (x <= instance.upper_bounds * (1 + 1e-9) + 1e-12).all()
        y = weighted_utilities(instance, result)
        excess = leximin_saturation_excess(
            instance.values, instance.supply, instance.entitlements, instance.caps, y
        )
        assert excess <= RTOL, (result.method, excess)
        sorted_vectors.append(np.asarray(result.details["sorted_weighted_utilities"]))
    first, second = sorted_vectors
    np.testing.assert_allclose(first, second, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("size", [10, 20, 40, 80])
def test_smart_grid_both_methods_reach_the_water_filling_levels(size: int) -> None:
    for seed in range(6):
        instance = SCENARIOS["smart_grid"](size, seed=seed)
        exact = oracle_leximin_single_resource(
            instance.values, instance.supply, instance.entitlements, instance.caps
        )
        results = fairmas.compare(instance, "leximin", list(METHODS))
        for result in results:
            assert result.details["agrees"] is True, (seed, result.method)
            y = weighted_utilities(instance, result)
            np.testing.assert_allclose(y, exact, rtol=RTOL, err_msg=f"{seed} {result.method}")
        assert_leximin(instance, results)


@pytest.mark.parametrize("entitlement", ["contract", "equal"])
def test_smart_grid_other_entitlements(entitlement: str) -> None:
    instance = SCENARIOS["smart_grid"](40, seed=2, entitlement=entitlement, stress=0.9)
    exact = oracle_leximin_single_resource(
        instance.values, instance.supply, instance.entitlements, instance.caps
    )
    results = fairmas.compare(instance, "leximin", list(METHODS))
    for result in results:
        np.testing.assert_allclose(weighted_utilities(instance, result), exact, rtol=RTOL)
    assert_leximin(instance, results)


@st.composite
def spread_instances(draw) -> AllocationInstance:
    """Divisible instances whose coefficients v_ij/w_i spread over up to 5 orders of magnitude.

    (Much wider spreads are beyond double precision: at 10⁷, a 10⁻¹² change of one
    level moves others by 10⁻³, and the saturation test sees that amplified.)
    """
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = 10 ** rng.uniform(-1, 1, size=(n, 1))
    values = rng.uniform(0.1, 1.0, (n, m)) * scale * (rng.random((n, m)) < 0.7)
    values[rng.integers(0, n, size=m), np.arange(m)] += 0.1  # every resource valued
    weights = 10 ** rng.uniform(-1, 1, size=n) if draw(st.booleans()) else np.ones(n)
    caps = np.where(rng.random((n, m)) < 0.3, rng.uniform(0.1, 2.0, (n, m)), np.inf)
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        values,
        supply=rng.integers(1, 5, size=m).astype(float),
        entitlements=weights,
        caps=caps,
    )


@settings(max_examples=30, deadline=None)
@given(spread_instances())
def test_random_spread_instances_agree_and_pass_the_saturation_test(instance) -> None:
    assert_leximin(instance, fairmas.compare(instance, "leximin", list(METHODS)))


def test_saturation_oracle_rejects_a_lowered_or_unreachable_vector() -> None:
    instance = SCENARIOS["smart_grid"](20, seed=0)
    args = (instance.values, instance.supply, instance.entitlements, instance.caps)
    exact = oracle_leximin_single_resource(*args)
    assert abs(leximin_saturation_excess(*args, exact)) < 1e-12
    for agent in (int(np.argmin(exact)), int(np.argmax(exact))):
        lowered = exact.copy()
        lowered[agent] *= 1 - 1e-6
        assert leximin_saturation_excess(*args, lowered) > 1e-7, agent
    raised = exact.copy()
    raised[int(np.argmin(exact))] *= 1 + 1e-6
    assert leximin_saturation_excess(*args, raised) == np.inf


def test_single_resource_oracle_caps_and_shares() -> None:
    # one resource of 6 units: a (cap 1) is capped at level 1; b and c share the rest
    # at level t with t/1 + t/2 = 5 (v/w of b is 1, of c is 2, no caps)
    levels = oracle_leximin_single_resource(
        [[1.0], [1.0], [2.0]], [6.0], [1.0, 1.0, 1.0], [[1.0], [np.inf], [np.inf]]
    )
    np.testing.assert_allclose(levels, [1.0, 10 / 3, 10 / 3])
    with pytest.raises(ValueError, match="more than one resource"):
        oracle_leximin_single_resource([[1.0, 1.0]], [1.0, 1.0], [1.0])


@pytest.mark.parametrize(
    "method", [allocation_lp.leximin_by_saturation, allocation_lp.leximin_by_ordered_outcomes]
)
def test_a_failed_warm_re_solve_is_repeated_from_scratch(method, monkeypatch) -> None:
    """An ``Unknown`` end of a warm re-solve (seen at 40 and 80 consumers) costs a fresh
    solve, not the level slack."""
    instance = SCENARIOS["smart_grid"](10, seed=1)
    solve = CompiledModel.solve
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(kwargs.get("want_iis", True))
        outcome = solve(self, *args, **kwargs)
        if len(calls) == 2:  # the first re-solve with levels kept
            outcome.status, outcome.x, outcome.termination = Status.ERROR, None, "Unknown"
        return outcome

    monkeypatch.setattr(CompiledModel, "solve", flaky)
    solved = method(instance, SolveOptions())
    assert solved.status is Status.OPTIMAL, solved.details
    assert solved.details["fresh_solves"] == 1
    assert "level_slack" not in solved.details
    exact = oracle_leximin_single_resource(
        instance.values, instance.supply, instance.entitlements, instance.caps
    )
    y = (instance.values * solved.x).sum(axis=1) / instance.entitlements
    np.testing.assert_allclose(y, exact, rtol=RTOL)
