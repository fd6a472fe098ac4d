"""MT-s-t-cut: the best 2-coalition structure from n − 1 minimum s-t cuts (OR-Tools max-flow).

Tong and Ren's algorithms MT-s-t-cut and MTU-s-t-cut (seed 003, algorithms 1
and 2) cut the symmetric trust (or trust-utility) network in two: fix an agent
s, compute a minimum s-t cut for every other agent t, keep the smallest. Every
2-partition separates s from some t, so the smallest of these n − 1 cuts is a
global minimum cut, i.e. the 2-coalition structure of maximum welfare
Σ w − cut. The paper uses Ford–Fulkerson; we use OR-Tools' push-relabel
``SimpleMaxFlow`` (Goldberg and Tarjan 1988) on integer capacities scaled by
:func:`fairmas.solvers.scaling.integer_weights`.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.graph.python import max_flow

from fairmas.models.weighted_graph import WeightedGraph
from fairmas.solvers.cuts import CutResult, require_cuttable, zero_cut_side
from fairmas.solvers.scaling import integer_weights


def mt_st_cut(graph: WeightedGraph, source: int = 0, time_limit: float | None = None) -> CutResult:
    """Minimum cut as the best of the minimum s-t cuts for a fixed s and every t ≠ s.

    Parameters
    ----------
    graph : WeightedGraph
        Non-negative symmetric weights, at least 2 nodes.
    source : int
        The fixed agent s.
    time_limit : float, optional
        Seconds; when reached, the best cut so far is returned with
        ``complete=False``.

    Returns
    -------
    CutResult
        ``side`` is the source side of the best cut; ``steps`` counts max-flows.

    Raises
    ------
    ValueError
        With fewer than 2 nodes or a negative weight.

    Notes
    -----
    n − 1 max-flow computations, each O(n² √m) for push-relabel. A node whose
    pairs all weigh 0 gives a cut of weight 0 at once, which no other cut can
    beat, so it is returned without any max-flow.

    References
    ----------
    Tong, X., Ren, Z.: coalition structure generation based on trust and
    utility relation constraints (seed 003), algorithms 1 and 2.

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abcd", [0, 0, 1, 2], [1, 2, 2, 3], [5.0, 4.0, 3.0, 1.0])
    >>> result = mt_st_cut(g)
    >>> result.cut, g.coalitions(result.side)
    (1.0, [['a', 'b', 'c'], ['d']])
    """
    require_cuttable(graph)
    started = time.perf_counter()
    capacities, factor = integer_weights(graph.w)
    positive = capacities > 0
    lonely = zero_cut_side(graph, positive)
    if lonely is not None:
        side = lonely if lonely[source] else ~lonely
        return CutResult(side=side, cut=graph.cut_weight(side), complete=True, steps=0)

    u, v, c = graph.u[positive], graph.v[positive], capacities[positive]
    flows = max_flow.SimpleMaxFlow()
    flows.add_arcs_with_capacity(np.concatenate([u, v]), np.concatenate([v, u]), np.tile(c, 2))

    best_flow: int | None = None
    best_side: list[int] = []
    solved = 0
    complete = True
    for sink in range(graph.n):
        if sink == source:
            continue
        if time_limit is not None and solved and time.perf_counter() - started > time_limit:
            complete = False
            break
        status = flows.solve(source, sink)
        if status != flows.OPTIMAL:
            raise RuntimeError(f"OR-Tools max-flow returned {status!r} for s={source}, t={sink}")
        solved += 1
        flow = flows.optimal_flow()
        if best_flow is None or flow < best_flow:
            best_flow = flow
            best_side = flows.get_source_side_min_cut()
    side = np.zeros(graph.n, dtype=bool)
    side[best_side] = True
    return CutResult(side=side, cut=best_flow / factor, complete=complete, steps=solved)
