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


def set_partitions(n: int) -> list[list[int]]:
    """Every partition of {0..n-1} as a list of bitmasks (restricted growth strings, n ≤ 10)."""
    assert 0 <= n <= 10, "enumeration is for small n"
    partitions: list[list[int]] = []

    def extend(agent: int, blocks: list[int]) -> None:
        if agent == n:
            partitions.append(list(blocks))
            return
        for b in range(len(blocks)):
            blocks[b] |= 1 << agent
            extend(agent + 1, blocks)
            blocks[b] &= ~(1 << agent)
        blocks.append(1 << agent)
        extend(agent + 1, blocks)
        blocks.pop()

    extend(0, [])
    return partitions


def best_structure_value(values: np.ndarray) -> float:
    """max over all coalition structures of Σ v(C) for a dense table (n ≤ 10)."""
    n = int(values.size).bit_length() - 1
    assert values.size == 1 << n
    return max(sum(float(values[mask]) for mask in blocks) for blocks in set_partitions(n))


def graph_game_table(n: int, pairs: dict[tuple[int, int], float]) -> np.ndarray:
    """v(C) = Σ_{i<j∈C} w_ij for every bitmask, pair by pair (no doubling trick)."""
    values = np.zeros(1 << n)
    for mask in range(1 << n):
        values[mask] = sum(w for (i, j), w in pairs.items() if (mask >> i) & 1 and (mask >> j) & 1)
    return values
