"""Best coalition structure of a graph game by MILP with lazily added cycle inequalities.

The model is :func:`fairmas.formulations.csg.multicut_model`: a binary y_e per
weighted pair (1 = split), welfare Σ w_e (1 − y_e), and the cycle
inequalities y_e ≤ Σ_{f∈P} y_f for every path P between the ends of e. They
are added as needed, a cutting-plane loop in which every round is one HiGHS
solve:

1. solve the model with the inequalities found so far;
2. take the pairs left unsplit, and their connected components; every split
   pair e = {u, v} inside one component violates y_e ≤ Σ_{f∈P} y_f for a
   shortest unsplit u–v path P: add that inequality (a chordless cycle when P
   is a shortest path);
3. stop when nothing is violated: the solution is then a partition, and it is
   optimal because it is optimal for a relaxation of the full model.

Two reductions keep the models small, both exact:

- *positive components*: an optimal structure never needs a coalition that is
  disconnected in the graph of positive pairs (splitting it along its
  positive components only drops pairs of weight ≤ 0), so each connected
  component of the positive pairs is solved on its own and pairs between
  components are split;
- *seeding*: before the first solve, every repelling pair whose ends are
  joined by attracting pairs gets the cycle through a shortest such path —
  the inequalities the first solve would violate.

References
----------
S. Chopra, M. R. Rao, "The partition problem", Math. Programming 59 (1993).
M. Grötschel, Y. Wakabayashi, "A cutting plane algorithm for a clustering
problem", Math. Programming 45 (1989).
T. Kappes, M. Speth, G. Reinelt, C. Schnörr, "Higher-order segmentation via
multicuts", Computer Vision and Image Understanding 143 (2016) (the same
integer cutting-plane loop on cycle inequalities).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pyomo.environ as pyo

from fairmas.formulations.csg import add_cycle_inequality, multicut_model, split_pairs
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.result import Status
from fairmas.solvers.highs import solve_model
from fairmas.solvers.options import SolveOptions


@dataclass(frozen=True)
class MulticutOutcome:
    """How the cutting-plane loop ended.

    Attributes
    ----------
    status : Status
    labels : ndarray or None
        A coalition label per agent (the components of the unsplit pairs).
    bound : float or None
        Upper bound on the best welfare (the relaxations' optima, summed).
    stats : dict
        ``rounds`` (HiGHS solves), ``cycle_inequalities``, ``components``.
    """

    status: Status
    labels: np.ndarray | None
    bound: float | None
    stats: dict[str, object] = field(default_factory=dict)


def _violated_cycles(
    graph: WeightedGraph, edges: list[int], split: dict[int, bool]
) -> list[list[int]]:
    """For each split pair inside a component of unsplit pairs: [pair, shortest unsplit path]."""
    kept = nx.Graph()
    for e in edges:
        if not split[e]:
            kept.add_edge(int(graph.u[e]), int(graph.v[e]), index=e)
    component = {}
    for number, nodes in enumerate(nx.connected_components(kept)):
        for node in nodes:
            component[node] = number
    cycles = []
    for e in edges:
        u, v = int(graph.u[e]), int(graph.v[e])
        if split[e] and u in component and component.get(v) == component[u]:
            nodes = nx.shortest_path(kept, u, v)
            path = [kept.edges[a, b]["index"] for a, b in itertools.pairwise(nodes)]
            cycles.append([e, *path])
    return cycles


def _labels(graph: WeightedGraph, edges: list[int], split: dict[int, bool]) -> np.ndarray:
    kept = nx.Graph()
    kept.add_nodes_from(range(graph.n))
    kept.add_edges_from((int(graph.u[e]), int(graph.v[e])) for e in edges if not split[e])
    labels = np.empty(graph.n, dtype=np.int64)
    for number, nodes in enumerate(
        sorted(nx.connected_components(kept), key=lambda nodes: min(nodes))
    ):
        labels[list(nodes)] = number
    return labels


def _positive_components(graph: WeightedGraph) -> list[list[int]]:
    """Edges of the graph inside each connected component of its positive pairs (≥ 1 edge)."""
    positive = nx.Graph()
    positive.add_nodes_from(range(graph.n))
    attracting = np.flatnonzero(graph.w > 0)
    positive.add_edges_from(
        zip(graph.u[attracting].tolist(), graph.v[attracting].tolist(), strict=True)
    )
    component = np.empty(graph.n, dtype=np.int64)
    for number, nodes in enumerate(nx.connected_components(positive)):
        component[list(nodes)] = number
    inside = (component[graph.u] == component[graph.v]) & (graph.w != 0)
    groups: dict[int, list[int]] = {}
    for e in np.flatnonzero(inside).tolist():
        groups.setdefault(int(component[graph.u[e]]), []).append(e)
    return list(groups.values())


def solve_graph_game(
    graph: WeightedGraph,
    options: SolveOptions | None = None,
    *,
    decompose: bool = True,
    seed_cycles: bool = True,
    extend: Callable[[pyo.ConcreteModel], None] | None = None,
) -> MulticutOutcome:
    """Optimal coalition structure of a graph game with signed weights.

    Parameters
    ----------
    graph : WeightedGraph
        Symmetric pair weights of any sign.
    options : SolveOptions, optional
        The time limit bounds the whole loop; the MIP gap and threads go to
        every HiGHS solve.
    decompose, seed_cycles : bool
        The two reductions of the module docstring (switched off only to
        measure what they bring).
    extend : callable, optional
        ``extend(model)`` adds components (plug-in constraints) to the model
        before its first solve. The positive components are then not solved
        apart (the added rows may link them): one model over every pair. The
        loop stays exact: each round solves a relaxation of the constrained
        model, and a round without violated cycles is a partition.

    Returns
    -------
    MulticutOutcome
        Status ``optimal`` when no cycle inequality is violated. At the time
        limit: ``max_time_limit`` with the components of the last solution's
        unsplit pairs (a valid structure) and the relaxation's bound.

    Examples
    --------
    Two friends and a rival of both:

    >>> g = WeightedGraph.from_pairs("abc", [0, 0, 1], [1, 2, 2], [3.0, -2.0, -2.0])
    >>> found = solve_graph_game(g)
    >>> str(found.status), found.labels.tolist(), found.bound
    ('optimal', [0, 0, 1], 3.0)
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    split_everywhere = {e: True for e in range(graph.w.size)}
    stats: dict[str, object] = {"rounds": 0, "cycle_inequalities": 0, "components": 0}
    bound: float | None = 0.0  # pairs between positive components are split: they add 0
    status = Status.OPTIMAL

    def seconds_left() -> float | None:
        if options.time_limit is None:
            return None
        return options.time_limit - (time.perf_counter() - started)

    if extend is not None:
        decompose = False
    parts = _positive_components(graph) if decompose else [np.flatnonzero(graph.w).tolist()]
    for edges in parts:
        stats["components"] = int(stats["components"]) + 1
        left = seconds_left()
        if left is not None and left <= 0:
            status, bound = Status.MAX_TIME_LIMIT, None  # this part stays in singletons
            continue
        ideal = {e: bool(graph.w[e] < 0) for e in edges}
        seeds = _violated_cycles(graph, edges, ideal) if seed_cycles else []
        model = multicut_model(graph, edges, cycles=seeds)
        if extend is not None:
            extend(model)
        stats["cycle_inequalities"] = int(stats["cycle_inequalities"]) + len(model.cycles)
        while True:
            left = seconds_left()
            solved = solve_model(
                model, replace(options, time_limit=None if left is None else max(left, 1e-3))
            )
            stats["rounds"] = int(stats["rounds"]) + 1
            if not solved.has_solution:
                if solved.status is Status.MAX_TIME_LIMIT:
                    status, bound = Status.MAX_TIME_LIMIT, None
                    break
                return MulticutOutcome(
                    solved.status, None, None, {**stats, "error": solved.message}
                )
            split = split_pairs(model)
            cycles = _violated_cycles(graph, edges, split)
            left = seconds_left()
            if solved.status is not Status.OPTIMAL or (cycles and left is not None and left <= 0):
                status = Status.MAX_TIME_LIMIT
                split_everywhere.update(split)  # its components are a valid structure
                bound = None if bound is None or solved.bound is None else bound + solved.bound
                break
            if not cycles:
                split_everywhere.update(split)
                part = solved.bound if solved.bound is not None else solved.objective
                bound = None if bound is None or part is None else bound + part
                break
            for cycle in cycles:
                add_cycle_inequality(model, cycle[0], cycle[1:])
            stats["cycle_inequalities"] = int(stats["cycle_inequalities"]) + len(cycles)
    labels = _labels(graph, list(range(graph.w.size)), split_everywhere)
    return MulticutOutcome(status, labels, bound, stats)
