"""The symmetric relations a trust network induces between agents.

Two relations define the coalition value v(C) = Σ_{i<j∈C} w_ij (seed 003):

``trust`` (algorithm MT-s-t-cut)
    w_ij = τ_ij + τ_ji, the (propagated) trust in both directions.
``trust_utility`` (algorithm MTU-s-t-cut)
    w_ij = f(i, j) = P^(h)_ij · ω_ij + P^(h)_ji · ω_ji, where P is the
    coalition-generation probability matrix, the row-normalized trust
    p_ij = ρ_ij / Σ_k ρ_ik (an agent that trusts nobody has a zero row), and
    P^(h) = P^h its h-step power. f is symmetric by construction: the
    asymmetric trust-utility relation becomes a symmetric one. ω is the
    utility of the direct edge (0 where there is none), so f is non-zero only
    on pairs joined by an edge, whatever h.

τ and P^(h) follow the network's ``propagation`` block (or the ``propagation``
given here): transitivity and aggregation shape τ, and ``hops`` is both the
longest path of τ and the h of P^(h) (:mod:`fairmas.models.propagation`). With
one hop, τ is the direct trust ρ and P^(1) = P.

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
>>> from fairmas.models.trust_network import Propagation
>>> g = coalition_weights(net, "trust", propagation=Propagation("min", "max", 2))
>>> [round(x, 6) for x in g.w.tolist()]    # τ_bc = min(ρ_ba, ρ_ac) = 0.2 appears
[1.3, 0.2, 0.2]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from fairmas.models.propagation import (
    edge_generation_probabilities,
    h_step_edge_probabilities,
    propagated_trust,
)
from fairmas.models.trust_network import Propagation, TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph

Relation = Literal["trust", "trust_utility"]


def generation_probabilities(network: TrustNetwork, hops: int = 1) -> np.ndarray:
    """Per-edge h-step coalition-generation probability (P^(h))_ij.

    Returns an array aligned with the network's edges. With ``hops=1`` it is
    p_ij = ρ_ij / Σ_k ρ_ik, whose outgoing values sum to 1 for each agent (0
    for an agent whose trust is all zero).
    """
    if hops == 1:
        return edge_generation_probabilities(network)
    return h_step_edge_probabilities(network, hops)


def trust_weights(network: TrustNetwork, propagation: Propagation | None = None) -> WeightedGraph:
    """The MT relation w_ij = τ_ij + τ_ji on the propagated trust τ."""
    propagation = propagation or network.propagation
    if propagation.hops == 1:
        return WeightedGraph.from_pairs(
            network.agents, network.source, network.target, network.trust
        )
    tau = propagated_trust(network, propagation).tocoo()
    return WeightedGraph.from_pairs(network.agents, tau.row, tau.col, tau.data)


def trust_utility_weights(
    network: TrustNetwork, propagation: Propagation | None = None
) -> WeightedGraph:
    """The MTU relation f(i, j) = P^(h)_ij ω_ij + P^(h)_ji ω_ji."""
    propagation = propagation or network.propagation
    values = generation_probabilities(network, propagation.hops) * network.utility
    return WeightedGraph.from_pairs(network.agents, network.source, network.target, values)


RELATIONS: dict[str, Callable[..., WeightedGraph]] = {
    "trust": trust_weights,
    "trust_utility": trust_utility_weights,
}
"""Relation name → function ``(network, propagation=None)`` building its symmetric weights."""


def coalition_weights(
    network: TrustNetwork, relation: Relation, *, propagation: Propagation | None = None
) -> WeightedGraph:
    """Symmetric weights of ``relation`` (``"trust"`` or ``"trust_utility"``) on ``network``.

    Parameters
    ----------
    network : TrustNetwork
    relation : {"trust", "trust_utility"}
    propagation : Propagation, optional
        Overrides ``network.propagation`` (transitivity, aggregation, hops).

    Raises
    ------
    InstanceError
        When ``weighted_mean`` aggregation exceeds its path budget.
    """
    return RELATIONS[relation](network, propagation)
