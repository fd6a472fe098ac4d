"""Global minimum cut of an undirected graph with non-negative weights.

Two exact algorithms:

:func:`noi_min_cut`
    Nagamochi–Ono–Ibaraki contraction with CAPFOREST, as engineered by
    Henzinger, Noe, Schulz and Strash ("Practical minimum cut algorithms",
    ACM JEA 2018). Each round scans the graph once in maximum-adjacency order
    and contracts every edge whose connectivity lower bound q(e) reaches the
    best cut found so far, λ̂ (the minimum weighted degree of the contracted
    graph seen so far). Such an edge cannot cross a cut lighter than λ̂, so
    contraction keeps a minimum cut; at least one edge contracts per round.
    Priorities are capped at λ̂ (their bounded priority queue), which saves
    most heap updates.
    Near-linear rounds on sparse graphs, compiled with numba on exact int64
    weights (:mod:`fairmas.solvers.scaling`).
:func:`stoer_wagner_min_cut`
    NetworkX's Stoer–Wagner (J. ACM 1997), O(nm + n² log n), as the reference.
"""

from __future__ import annotations

import functools

import networkx as nx
import numpy as np
from numba import njit

from fairmas.models.weighted_graph import WeightedGraph
from fairmas.solvers.cuts import CutResult, require_cuttable
from fairmas.solvers.indexed_heap import heap_pop, heap_raise
from fairmas.solvers.scaling import integer_weights

# ----------------------------------------------------------------------------- kernels


@njit(cache=True)
def _find(parent, x):  # pragma: no cover (compiled)
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


@njit(cache=True)
def _adjacency(n, eu, ev, ew):  # pragma: no cover (compiled)
    """Compressed adjacency (CSR) of an undirected edge list."""
    start = np.zeros(n + 1, np.int64)
    for k in range(eu.shape[0]):
        start[eu[k] + 1] += 1
        start[ev[k] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    head = np.empty(2 * eu.shape[0], np.int64)
    weight = np.empty(2 * eu.shape[0], np.int64)
    for k in range(eu.shape[0]):
        a, b, w = eu[k], ev[k], ew[k]
        head[fill[a]], weight[fill[a]] = b, w
        fill[a] += 1
        head[fill[b]], weight[fill[b]] = a, w
        fill[b] += 1
    return start, head, weight


@njit(cache=True)
def _capforest(n, start, head, weight, bound, parent):  # pragma: no cover (compiled)
    """One bounded maximum-adjacency scan from node 0, uniting contractible edge ends.

    Priorities are capped at ``bound`` (Henzinger et al.'s bounded priority
    queue): only whether q(e) reaches λ̂ matters, so an edge is contractible
    when it lifts r(y) from below ``bound`` to at least ``bound``. Returns the
    scanned mask; a node left unscanned means the graph is disconnected.
    """
    reach = np.zeros(n, np.int64)
    heap = np.empty(n, np.int64)
    where = np.full(n, -1, np.int64)
    size = heap_raise(heap, where, reach, 0, 0, np.int64(0))
    while size > 0:
        x, size = heap_pop(heap, where, reach, size)
        for p in range(start[x], start[x + 1]):
            y = head[p]
            if where[y] == -2 or reach[y] >= bound:
                continue
            raised = reach[y] + weight[p]
            if raised >= bound:  # q(e) ≥ λ̂: no cut lighter than λ̂ separates x and y
                a, b = _find(parent, x), _find(parent, y)
                if a != b:
                    parent[a] = b
                raised = bound
            size = heap_raise(heap, where, reach, size, y, raised)
    return where == -2


@njit(cache=True)
def _contract(n, eu, ev, ew, parent):  # pragma: no cover (compiled)
    """Merge the union-find classes; sum parallel edges; drop loops."""
    new_id = np.full(n, -1, np.int64)
    count = 0
    for x in range(n):
        root = _find(parent, x)
        if new_id[root] < 0:
            new_id[root] = count
            count += 1
    for x in range(n):
        new_id[x] = new_id[_find(parent, x)]
    m = eu.shape[0]
    keys = np.empty(m, np.int64)
    kept_weight = np.empty(m, np.int64)
    kept = 0
    for k in range(m):
        a, b = new_id[eu[k]], new_id[ev[k]]
        if a != b:
            if a > b:
                a, b = b, a
            keys[kept] = a * count + b
            kept_weight[kept] = ew[k]
            kept += 1
    keys = keys[:kept]
    order = np.argsort(keys, kind="mergesort")  # quicksort degrades on runs of equal keys
    nu = np.empty(kept, np.int64)
    nv = np.empty(kept, np.int64)
    nw = np.zeros(kept, np.int64)
    out = -1
    last = -1
    for t in range(kept):
        key = keys[order[t]]
        if key != last:
            out += 1
            nu[out], nv[out] = key // count, key % count
            last = key
        nw[out] += kept_weight[order[t]]
    return count, new_id, nu[: out + 1], nv[: out + 1], nw[: out + 1]


@njit(cache=True)
def _noi(n, eu, ev, ew):  # pragma: no cover (compiled)
    """Minimum cut value and side mask; int64 weights > 0, n ≥ 2. Also the number of rounds."""
    label = np.arange(n)
    nc = n
    best = np.int64(-1)
    best_label = label.copy()
    best_node = 0
    rounds = 0
    while nc > 1:
        degree = np.zeros(nc, np.int64)
        for k in range(eu.shape[0]):
            degree[eu[k]] += ew[k]
            degree[ev[k]] += ew[k]
        lightest = np.argmin(degree)
        if best < 0 or degree[lightest] < best:
            best = degree[lightest]
            best_label = label.copy()
            best_node = lightest
        if nc == 2 or best == 0:
            break
        rounds += 1
        start, head, weight = _adjacency(nc, eu, ev, ew)
        parent = np.arange(nc)
        scanned = _capforest(nc, start, head, weight, best, parent)
        if not scanned.all():
            side = np.empty(n, np.bool_)
            for i in range(n):
                side[i] = scanned[label[i]]
            return np.int64(0), side, rounds
        nc, new_id, eu, ev, ew = _contract(nc, eu, ev, ew, parent)
        for i in range(n):
            label[i] = new_id[label[i]]
    side = np.empty(n, np.bool_)
    for i in range(n):
        side[i] = best_label[i] == best_node
    return best, side, rounds


# ----------------------------------------------------------------------------- public


@functools.cache
def compile_kernels() -> None:
    """Compile (or load from numba's cache) the kernels once per process.

    The first call costs about 3 s after installation and 0.1 s afterwards;
    :func:`fairmas.api.solve` calls it before starting a method's clock.
    """
    one_edge = np.zeros(1, np.int64)
    _noi(2, one_edge, one_edge + 1, one_edge + 1)


def noi_min_cut(graph: WeightedGraph) -> CutResult:
    """Exact global minimum cut by Nagamochi–Ono–Ibaraki contraction (CAPFOREST).

    Parameters
    ----------
    graph : WeightedGraph
        Non-negative weights, at least 2 nodes.

    Returns
    -------
    CutResult
        ``steps`` counts the CAPFOREST rounds.

    Raises
    ------
    ValueError
        With fewer than 2 nodes or a negative weight.

    Notes
    -----
    Lemma (Nagamochi and Ibaraki 1992): in a maximum-adjacency scan, when edge
    e = (x, y) is scanned the value q(e) = r(y) (weight from the scanned nodes
    to y) satisfies q(e) ≤ λ(x, y), the x-y connectivity. Contracting every
    edge with q(e) ≥ λ̂ therefore keeps every cut lighter than λ̂, and the last
    node of the scan has r = its degree ≥ λ̂, so each round contracts.

    References
    ----------
    H. Nagamochi, T. Ono, T. Ibaraki, "Implementing an efficient minimum
    capacity cut algorithm", Math. Programming 67 (1994).
    M. Henzinger, A. Noe, C. Schulz, D. Strash, "Practical minimum cut
    algorithms", ACM J. Exp. Algorithmics 23 (2018).

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abcd", [0, 0, 1, 2], [1, 2, 2, 3], [5.0, 4.0, 3.0, 1.0])
    >>> result = noi_min_cut(g)
    >>> result.cut, g.coalitions(result.side)
    (1.0, [['a', 'b', 'c'], ['d']])
    """
    require_cuttable(graph)
    scaled, factor = integer_weights(graph.w)
    positive = scaled > 0
    best, side, rounds = _noi(graph.n, graph.u[positive], graph.v[positive], scaled[positive])
    return CutResult(side=side, cut=int(best) / factor, complete=True, steps=int(rounds))


def stoer_wagner_min_cut(graph: WeightedGraph) -> CutResult:
    """Exact global minimum cut by NetworkX's Stoer–Wagner.

    A disconnected graph (zero-weight pairs count as absent) has a cut of
    weight 0 along a connected component; NetworkX refuses such graphs, so that
    case is answered first.

    References
    ----------
    M. Stoer, F. Wagner, "A simple min-cut algorithm", J. ACM 44 (1997).

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abcd", [0, 0, 1, 2], [1, 2, 2, 3], [5.0, 4.0, 3.0, 1.0])
    >>> stoer_wagner_min_cut(g).cut
    1.0
    """
    require_cuttable(graph)
    positive = graph.w > 0
    network = nx.Graph()
    network.add_nodes_from(range(graph.n))
    network.add_weighted_edges_from(
        zip(
            graph.u[positive].tolist(),
            graph.v[positive].tolist(),
            graph.w[positive].tolist(),
            strict=True,
        )
    )
    side = np.zeros(graph.n, dtype=bool)
    component = nx.node_connected_component(network, 0)
    if len(component) < graph.n:
        side[list(component)] = True
        return CutResult(side=side, cut=0.0, complete=True, steps=0)
    cut, (part, _) = nx.stoer_wagner(network, weight="weight")
    side[list(part)] = True
    return CutResult(side=side, cut=float(cut), complete=True, steps=graph.n - 1)
