"""The symmetric relations a trust network induces between agents.

Two relations define the coalition value v(C) = Σ_{i<j∈C} w_ij (seed 003):

``trust`` (algorithm MT-s-t-cut)
    w_ij = τ_ij + τ_ji, the (propagated) trust in both directions.
``trust_utility`` (algorithm MTU-s-t-cut)
    w_ij = f(i, j) = P^(h)_ij · ω_ij + P^(h)_ji · ω_ji, where P is the
    coalition-generation probability matrix, the row-normalized trust
    p_ij = ρ_ij / Σ_k ρ_ik (an agent that trusts nobody has a zero row), and
    P^(h) = P^h its h-step power. f is symmetric by construction: the
    asymmetric trust-utility relation becomes a symmetric one.

Examples
--------
>>> from fairmas.models.trust_network import TrustNetwork
>>> net = TrustNetwork.from_edges(
...     ["a", "b", "c"], [("a", "b", 0.8, 2.0), ("a", "c", 0.2, 5.0), ("b", "a", 0.5, 1.0)]
... )
>>> g = coalition_weights(net, "trust")
>>> list(zip(g.u.tolist(), g.v.tolist(), g.w.tolist()))
[(0, 1, 1.3), (0, 2, 0.2)]
>>> g = coalition_weights(net, "trust_utility")
>>> [round(x, 6) for x in g.w.tolist()]    # f(a,b) = 0.8·2 + 1·1, f(a,c) = 0.2·5
[2.6, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from fairmas.errors import InstanceError
from fairmas.models.trust_network import TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph

Relation = Literal["trust", "trust_utility"]


def _require_direct_trust(network: TrustNetwork) -> None:
    if network.propagation.hops != 1:
        raise InstanceError(
            network.origin,
            "propagation.hops",
            f"trust propagation over {network.propagation.hops} hops is not supported yet; use 1",
        )


def generation_probabilities(network: TrustNetwork) -> np.ndarray:
    """Per-edge coalition-generation probability p_ij = ρ_ij / Σ_k ρ_ik.

    Returns an array aligned with the network's edges; the outgoing
    probabilities of each agent sum to 1, or to 0 for an agent whose trust is
    all zero.
    """
    out_trust = np.bincount(network.source, weights=network.trust, minlength=network.n_agents)
    denominator = out_trust[network.source]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, network.trust / denominator, 0.0)


def trust_weights(network: TrustNetwork) -> WeightedGraph:
    """The MT relation w_ij = τ_ij + τ_ji."""
    _require_direct_trust(network)
    return WeightedGraph.from_pairs(network.agents, network.source, network.target, network.trust)


def trust_utility_weights(network: TrustNetwork) -> WeightedGraph:
    """The MTU relation f(i, j) = P^(h)_ij ω_ij + P^(h)_ji ω_ji."""
    _require_direct_trust(network)
    values = generation_probabilities(network) * network.utility
    return WeightedGraph.from_pairs(network.agents, network.source, network.target, values)


RELATIONS: dict[str, Callable[[TrustNetwork], WeightedGraph]] = {
    "trust": trust_weights,
    "trust_utility": trust_utility_weights,
}
"""Relation name → function building its symmetric weights."""


def coalition_weights(network: TrustNetwork, relation: Relation) -> WeightedGraph:
    """Symmetric weights of ``relation`` (``"trust"`` or ``"trust_utility"``) on ``network``."""
    return RELATIONS[relation](network)
