"""Cycle-inequality separation: the compiled Dijkstra agrees with scipy's on doubled graphs."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from fairmas.solvers.cycle_separation import CycleSeparator, _shortest_odd_walks, odd_cycle


def doubled_graph(n: int, density: float, seed: int) -> sp.csr_matrix:
    """Random pairs of n indicators with d in [0, 1]: weight d within a copy, 1 − d across."""
    rng = np.random.default_rng(seed)
    pairs = [(p, q) for p in range(n) for q in range(p + 1, n) if rng.random() < density]
    pu = np.array([p for p, _ in pairs], dtype=np.int64)
    pv = np.array([q for _, q in pairs], dtype=np.int64)
    d = rng.random(pu.size)
    same, cross = d, 1.0 - d
    rows = np.concatenate([pu, pu + n, pu, pu + n])
    cols = np.concatenate([pv, pv + n, pv + n, pv])
    weights = np.concatenate([same, same, cross, cross])
    graph = sp.csr_matrix(
        (
            np.concatenate([weights, weights]),
            (np.concatenate([rows, cols]), np.concatenate([cols, rows])),
        ),
        shape=(2 * n, 2 * n),
    )
    graph.sort_indices()
    return graph


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=25),
    density=st.floats(min_value=0.1, max_value=0.8),
    seed=st.integers(min_value=0, max_value=10**6),
    limit=st.floats(min_value=0.3, max_value=3.0),
)
def test_shortest_walks_match_scipy_dijkstra(
    n: int, density: float, seed: int, limit: float
) -> None:
    graph = doubled_graph(n, density, seed)
    sources = np.arange(n, dtype=np.int64)
    lengths, start, walks = _shortest_odd_walks(
        graph.indptr.astype(np.int64), graph.indices.astype(np.int64), graph.data, sources, n, limit
    )
    reference = dijkstra(graph, indices=sources)[sources, sources + n]
    for k, source in enumerate(sources):
        if reference[k] < limit - 1e-9:
            assert abs(lengths[k] - reference[k]) < 1e-9
            walk = walks[start[k] : start[k + 1]]
            assert walk[0] == source + n
            assert walk[-1] == source
            steps = [graph[int(a), int(b)] for a, b in itertools.pairwise(walk)]
            assert all(
                step > 0 for step in steps
            )  # every step is an edge (random d: no zero weight)
            assert abs(sum(steps) - reference[k]) < 1e-9
        elif reference[k] > limit + 1e-9:
            assert lengths[k] == np.inf
            assert start[k + 1] == start[k]


def test_a_frustrated_triangle_gives_one_cut_once() -> None:
    # three players with two actions each, every pair sure to disagree: an odd cycle of length 0
    u = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    v = np.array([2, 3, 2, 3, 4, 5, 4, 5, 0, 1, 0, 1])
    separator = CycleSeparator(6, u, v)
    x = np.concatenate([np.full(6, 0.5), np.tile([0.0, 0.5, 0.5, 0.0], 3)])
    cuts = separator.violated_cycles(x)
    assert cuts
    for coefficients, lower in cuts:
        lhs = sum(value * x[column] for column, value in coefficients.items())
        assert lhs < lower - 0.5  # violated by a full unit at this point
    assert separator.violated_cycles(x) == []


def test_odd_cycle_extraction_keeps_an_odd_simple_cycle() -> None:
    # walks over doubled vertices (n = 10: vertex k + 10 is the other copy of k)
    # indicator 3 comes back on the other side: 3 -> 4 -> 5 -> 3 is an odd cycle by itself
    assert odd_cycle([0, 3, 14, 15, 13, 10], 10) == [3, 14, 15, 13]
    # the detour 5 -> 6 -> 7 -> 5 returns on the same side and is cut out
    assert odd_cycle([0, 5, 6, 7, 5, 18, 10], 10) == [0, 5, 18, 10]
    assert odd_cycle([0, 1, 12, 10], 10) == [0, 1, 12, 10]
