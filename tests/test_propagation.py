"""Trust propagation and P^h against brute-force path enumeration and dense matrix powers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.models.propagation import (
    h_step_edge_probabilities,
    h_step_probability_matrix,
    propagated_trust,
)
from fairmas.models.relations import coalition_weights, generation_probabilities
from fairmas.models.trust_network import Propagation, TrustNetwork
from fairmas.registry import values_agree
from tests.oracles import h_step_matrix_dense, trust_by_path_enumeration

COMBINATIONS = [
    (transitivity, aggregation)
    for transitivity in ("min", "product")
    for aggregation in ("max", "weighted_mean")
]


def random_network(n: int, density: float, seed: int, ties: bool) -> TrustNetwork:
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, False)
    source, target = np.nonzero(mask)
    trust = rng.choice([0.0, 0.5, 1.0], source.size) if ties else rng.random(source.size)
    utility = rng.integers(-2, 4, source.size).astype(float)
    return TrustNetwork.from_arrays([f"x{i}" for i in range(n)], source, target, trust, utility)


@st.composite
def small_networks(draw, max_agents: int = 7) -> TrustNetwork:
    n = draw(st.integers(1, max_agents))
    density = draw(st.sampled_from([0.0, 0.2, 0.4, 0.7, 1.0]))
    return random_network(n, density, draw(st.integers(0, 2**32 - 1)), draw(st.booleans()))


def edge_list(net: TrustNetwork) -> list[tuple[int, int, float]]:
    return list(zip(net.source.tolist(), net.target.tolist(), net.trust.tolist(), strict=True))


@settings(max_examples=60)
@given(
    net=small_networks(),
    hops=st.integers(1, 5),
    combination=st.sampled_from(COMBINATIONS),
)
def test_propagated_trust_matches_path_enumeration(
    net: TrustNetwork, hops: int, combination: tuple[str, str]
) -> None:
    transitivity, aggregation = combination
    tau = propagated_trust(net, Propagation(transitivity, aggregation, hops)).toarray()
    expected = trust_by_path_enumeration(
        net.n_agents, edge_list(net), transitivity, aggregation, hops
    )
    np.testing.assert_allclose(tau, expected, rtol=1e-12, atol=1e-12)
    assert (np.diag(tau) == 0).all()


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), combination=st.sampled_from(COMBINATIONS))
def test_propagation_on_a_few_hundred_agents_matches_path_enumeration(
    seed: int, combination: tuple[str, str]
) -> None:
    transitivity, aggregation = combination
    rng = np.random.default_rng(seed)
    n = 150
    source = np.repeat(np.arange(n), 3)
    target = (source + rng.integers(1, n, source.size)) % n
    keys = np.unique(source * n + target)
    net = TrustNetwork.from_arrays(
        [str(i) for i in range(n)], keys // n, keys % n, rng.random(keys.size)
    )
    tau = propagated_trust(net, Propagation(transitivity, aggregation, 3)).toarray()
    expected = trust_by_path_enumeration(n, edge_list(net), transitivity, aggregation, 3)
    np.testing.assert_allclose(tau, expected, rtol=1e-12, atol=1e-12)


def test_max_aggregation_is_at_least_the_direct_trust_and_grows_with_hops() -> None:
    net = random_network(30, 0.15, seed=5, ties=False)
    for transitivity in ("min", "product"):
        previous = propagated_trust(net, Propagation(transitivity, "max", 1)).toarray()
        for hops in (2, 3, 4, 8):
            tau = propagated_trust(net, Propagation(transitivity, "max", hops)).toarray()
            assert (tau >= previous - 1e-15).all()
            previous = tau
    # min transitivity never gives less than product (min(a, b) ≥ a·b on [0, 1])
    widest = propagated_trust(net, Propagation("min", "max", 4)).toarray()
    reliable = propagated_trust(net, Propagation("product", "max", 4)).toarray()
    assert (widest >= reliable - 1e-15).all()


def test_one_hop_is_the_direct_trust_whatever_the_operators() -> None:
    net = random_network(12, 0.3, seed=1, ties=True)
    direct = np.zeros((12, 12))
    direct[net.source, net.target] = net.trust
    for transitivity, aggregation in COMBINATIONS:
        tau = propagated_trust(net, Propagation(transitivity, aggregation, 1)).toarray()
        np.testing.assert_array_equal(tau, direct)


def test_weighted_mean_by_hand() -> None:
    # a→b→c (0.9, 0.5), a→c (0.2), a→d→c (0.6, 0.6): paths a⇝c have trust 0.5, 0.2, 0.6 (min)
    net = TrustNetwork.from_edges(
        ["a", "b", "c", "d"],
        [("a", "b", 0.9), ("b", "c", 0.5), ("a", "c", 0.2), ("a", "d", 0.6), ("d", "c", 0.6)],
    )
    tau = propagated_trust(net, Propagation("min", "weighted_mean", 2)).toarray()
    assert tau[0, 2] == pytest.approx((0.25 + 0.04 + 0.36) / (0.5 + 0.2 + 0.6))
    tau = propagated_trust(net, Propagation("min", "max", 2)).toarray()
    assert tau[0, 2] == pytest.approx(0.6)
    tau = propagated_trust(net, Propagation("product", "max", 2)).toarray()
    assert tau[0, 2] == pytest.approx(0.45)


def test_weighted_mean_refuses_beyond_the_path_budget() -> None:
    n = 10
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    net = TrustNetwork.from_arrays(
        [f"x{i}" for i in range(n)],
        [a for a, _ in pairs],
        [b for _, b in pairs],
        np.full(len(pairs), 0.5),
        origin="dense.yaml",
    )
    with pytest.raises(fairmas.InstanceError, match="path budget") as caught:
        propagated_trust(net, Propagation("min", "weighted_mean", 8))
    message = str(caught.value)
    assert message.startswith("dense.yaml: propagation.aggregation: ")
    assert "1,000,000" in message
    assert "aggregation max" in message
    assert "fewer hops" in message
    # max aggregation is polynomial: the same propagation runs
    assert propagated_trust(net, Propagation("min", "max", 8)).nnz == n * (n - 1)
    # and a budget is only a budget: 3 hops stay far below it
    assert propagated_trust(net, Propagation("min", "weighted_mean", 3)).nnz == n * (n - 1)


@settings(max_examples=40)
@given(net=small_networks(max_agents=8), hops=st.integers(1, 6))
def test_h_step_probabilities_match_the_dense_matrix_power(net: TrustNetwork, hops: int) -> None:
    expected = h_step_matrix_dense(net.n_agents, edge_list(net), hops)
    np.testing.assert_allclose(
        h_step_probability_matrix(net, hops).toarray(), expected, rtol=1e-12, atol=1e-14
    )
    on_edges = h_step_edge_probabilities(net, hops)
    np.testing.assert_allclose(on_edges, expected[net.source, net.target], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(generation_probabilities(net, hops), on_edges)


def test_h_step_edge_probabilities_agree_with_sparse_power_on_a_larger_network() -> None:
    rng = np.random.default_rng(11)
    n = 2000
    source = np.repeat(np.arange(n), 5)
    target = (source + rng.integers(1, n, source.size)) % n
    keys = np.unique(source * n + target)
    trust = np.where(rng.random(keys.size) < 0.1, 0.0, rng.random(keys.size))
    net = TrustNetwork.from_arrays([str(i) for i in range(n)], keys // n, keys % n, trust)
    for hops in (2, 3):
        full = h_step_probability_matrix(net, hops)
        assert not isinstance(full, np.ndarray)
        expected = np.asarray(full[net.source, net.target]).ravel()
        np.testing.assert_allclose(
            h_step_edge_probabilities(net, hops), expected, rtol=1e-12, atol=1e-15
        )
        # rows of P^h sum to 1, or 0 where every walk of h steps dies out
        row_sums = np.asarray(full.sum(axis=1)).ravel()
        assert np.all((np.abs(row_sums - 1) < 1e-9) | (row_sums < 1 - 1e-9))


@settings(max_examples=30)
@given(
    net=small_networks(max_agents=7),
    hops=st.integers(1, 4),
    combination=st.sampled_from(COMBINATIONS),
)
def test_relations_use_the_propagation(
    net: TrustNetwork, hops: int, combination: tuple[str, str]
) -> None:
    transitivity, aggregation = combination
    n = net.n_agents
    propagation = Propagation(transitivity, aggregation, hops)
    # MT: w_ij = τ_ij + τ_ji
    tau = trust_by_path_enumeration(n, edge_list(net), transitivity, aggregation, hops)
    expected = tau + tau.T
    np.testing.assert_allclose(
        coalition_weights(net, "trust", propagation=propagation).dense(), expected, atol=1e-12
    )
    # MTU: f(i, j) = P^h_ij ω_ij + P^h_ji ω_ji, on edges only
    power = h_step_matrix_dense(n, edge_list(net), hops)
    omega = np.zeros((n, n))
    omega[net.source, net.target] = net.utility
    f = power * omega
    np.testing.assert_allclose(
        coalition_weights(net, "trust_utility", propagation=propagation).dense(),
        f + f.T,
        atol=1e-12,
    )


def test_the_file_block_and_the_parameters_set_the_propagation(tmp_path) -> None:
    text = """\
kind: trust_network
agents: [a, b, c, d]
propagation: {transitivity: product, aggregation: max, hops: 2}
edges:
  - {from: a, to: b, trust: 0.9, utility: 1}
  - {from: b, to: c, trust: 0.8, utility: 1}
  - {from: c, to: d, trust: 0.9, utility: 1}
  - {from: d, to: c, trust: 0.9, utility: 1}
"""
    path = tmp_path / "chain.yaml"
    path.write_text(text)
    net = fairmas.load(path)
    result = fairmas.solve(net, "min_cut_partition", "milp")
    assert (result.details["transitivity"], result.details["hops"]) == ("product", 2)
    # τ_ac = 0.72 (a→b→c) now joins a and c; τ_bd = 0.72 too
    graph = coalition_weights(net, "trust")
    assert graph.dense()[0, 2] == pytest.approx(0.72)
    assert result.value == pytest.approx(
        coalition_weights(net, "trust").welfare(
            graph.labels_from_coalitions(result.solution["coalitions"])
        )
    )
    overridden = fairmas.solve(net, "min_cut_partition", "milp", hops=1, transitivity="min")
    assert (overridden.details["transitivity"], overridden.details["hops"]) == ("min", 1)
    assert overridden.details["aggregation"] == "max"  # from the file
    direct = coalition_weights(net, "trust", propagation=Propagation("min", "max", 1))
    assert values_agree(overridden.value, direct.total_weight - 0.8)
