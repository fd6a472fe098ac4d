"""welfare: project selection and auctions against independent oracles; payment rules."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.mechanism import MechanismInstance
from fairmas.registry import values_agree
from fairmas.result import Status
from tests.oracles import oracle_auction, oracle_project_welfare


@st.composite
def project_instances(draw) -> MechanismInstance:
    n = draw(st.integers(1, 4))
    K = draw(st.integers(1, 6))
    costs = {f"p{k}": float(draw(st.integers(0, 20))) for k in range(K)}
    values = {
        f"a{i}": {f"p{k}": float(draw(st.integers(0, 8))) for k in range(K)} for i in range(n)
    }
    return MechanismInstance.from_projects([f"a{i}" for i in range(n)], costs, values)


@st.composite
def auction_instances(draw) -> MechanismInstance:
    n = draw(st.integers(1, 4))
    items = [f"i{j}" for j in range(draw(st.integers(1, 5)))]
    bids = []
    for _ in range(draw(st.integers(1, 8))):
        bundle = draw(st.lists(st.sampled_from(items), min_size=1, max_size=3, unique=True))
        bids.append(
            {
                "agent": f"a{draw(st.integers(0, n - 1))}",
                "bundle": bundle,
                "value": float(draw(st.integers(0, 12))),
            }
        )
    return MechanismInstance.from_document(
        {"kind": "mechanism", "agents": [f"a{i}" for i in range(n)], "items": items, "bids": bids}
    )


def _project_lists(instance: MechanismInstance):
    return instance.values.tolist(), instance.costs.tolist()


def _bids(instance: MechanismInstance):
    return [
        (
            int(instance.bidder[b]),
            frozenset(np.flatnonzero(instance.bundles[b]).tolist()),
            float(instance.values[instance.bidder[b], b]),
        )
        for b in range(instance.n_projects)
    ]


def _exact_results(results):
    ran = [r for r in results if r.details.get("applicable") is not False]
    assert len(ran) == 2, [(r.method, r.details) for r in results]
    for r in ran:
        assert r.status is Status.OPTIMAL, (r.method, r.details)
        assert r.details["agrees"] is True
    return ran


@settings(max_examples=30)
@given(project_instances(), st.sampled_from(["proportional", "egalitarian", "vcg"]))
def test_projects_match_enumeration_and_payments_follow_their_rule(instance, rule) -> None:
    values, costs = _project_lists(instance)
    expected = oracle_project_welfare(values, costs)
    for r in _exact_results(fairmas.compare(instance, "welfare", payments=rule)):
        assert values_agree(r.value, expected), (r.method, r.value, expected)
        chosen = [instance.projects.index(p) for p in r.solution["projects"]]
        cost = sum(costs[k] for k in chosen)
        agent_values = np.array([sum(values[i][k] for k in chosen) for i in range(len(values))])
        assert agent_values.sum() >= cost - 1e-9  # the cost can be recovered
        payments = np.array([r.solution["payments"][a] for a in instance.agents])
        if rule in ("proportional", "egalitarian"):
            assert math.isclose(payments.sum(), cost, abs_tol=1e-7)  # budget balance
            assert np.all(payments <= agent_values + 1e-9)  # individually rational
            assert np.all(payments >= -1e-12)
        else:
            for i, agent in enumerate(instance.agents):
                # Clarke pivot by its definition, the others' best net welfare re-solved without i
                without = oracle_project_welfare(values, costs, excluded=i, net=True)
                others = agent_values.sum() - agent_values[i] - cost
                assert math.isclose(payments[i], without - others, abs_tol=1e-7), agent
                assert payments[i] >= -1e-9
            assert math.isclose(r.details["budget_surplus"], payments.sum() - cost, abs_tol=1e-7)


@settings(max_examples=30)
@given(auction_instances(), st.sampled_from(["proportional", "vcg"]))
def test_auction_matches_oracle_and_vcg_definition(instance, rule) -> None:
    bids = _bids(instance)
    expected = oracle_auction(bids)
    for r in _exact_results(fairmas.compare(instance, "welfare", payments=rule)):
        assert values_agree(r.value, expected), (r.method, r.value, expected)
        winners = r.solution["winning_bids"]
        agents = [w["agent"] for w in winners]
        assert len(agents) == len(set(agents))  # XOR: one bid per agent
        sold = [item for w in winners for item in w["bundle"]]
        assert len(sold) == len(set(sold))  # each item once
        if rule == "vcg":
            for i, agent in enumerate(instance.agents):
                mine = sum(w["value"] for w in winners if w["agent"] == agent)
                expected_payment = oracle_auction(bids, excluded=i) - (r.value - mine)
                assert math.isclose(r.solution["payments"][agent], expected_payment, abs_tol=1e-7)
                assert -1e-9 <= r.solution["payments"][agent] <= mine + 1e-9
        else:
            assert all(p == 0 for p in r.solution["payments"].values())  # items cost nothing


def test_park_example() -> None:
    park = MechanismInstance.from_projects(
        ["alice", "bob"], {"park": 10}, {"alice": {"park": 6}, "bob": {"park": 7}}
    )
    proportional = fairmas.solve(park, "welfare")
    assert proportional.value == 13.0
    assert proportional.solution["projects"] == ["park"]
    assert proportional.solution["payments"] == {"alice": 60 / 13, "bob": 70 / 13}
    egalitarian = fairmas.solve(park, "welfare", payments="egalitarian")
    assert egalitarian.solution["payments"] == {"alice": 5.0, "bob": 5.0}
    vcg = fairmas.solve(park, "welfare", payments="vcg")
    assert vcg.solution["payments"] == {"alice": 3.0, "bob": 4.0}
    assert vcg.details["budget_surplus"] == -3.0  # VCG runs a deficit
    too_expensive = MechanismInstance.from_projects(["a"], {"bridge": 100}, {"a": {"bridge": 99}})
    result = fairmas.solve(too_expensive, "welfare")
    assert result.value == 0.0
    assert result.solution["projects"] == []


def test_welfare_model_exposes_plug_in_components() -> None:
    from fairmas.formulations.mechanism import build_welfare_model

    park = MechanismInstance.from_projects(["a", "b"], {"park": 10}, {"a": {"park": 6}})
    model = build_welfare_model(park)
    for name in ("AGENTS", "PROJECTS", "select", "payment", "agent_value", "cost_recovery"):
        assert hasattr(model, name), name
