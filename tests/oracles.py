"""Independent brute-force oracles for the tests (no code shared with fairmas' methods)."""

from __future__ import annotations

import numpy as np

from fairmas.models.weighted_graph import WeightedGraph


def best_two_coalition_welfare(graph: WeightedGraph) -> float:
    """Max welfare over all 2-partitions with both sides non-empty, by enumeration (n ≤ 16).

    Agent 0 stays on side 0 (swapping sides changes nothing), so 2^(n-1) - 1 masks.
    """
    n = graph.n
    assert 2 <= n <= 16, "enumeration is for small graphs"
    masks = np.arange(1, 2 ** (n - 1), dtype=np.int64) << 1  # bit i = side of agent i
    side_u = (masks[:, None] >> graph.u[None, :]) & 1
    side_v = (masks[:, None] >> graph.v[None, :]) & 1
    together = side_u == side_v
    return float((together * graph.w[None, :]).sum(axis=1).max())
