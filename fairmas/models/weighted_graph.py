"""Undirected weighted graphs: the graph game behind coalition welfare.

A :class:`WeightedGraph` holds one symmetric weight w_ij per unordered pair of
agents (edges with ``u < v``, no repeats). It defines the coalition value
v(C) = Σ_{i<j; i,j∈C} w_ij, so that the social welfare of a coalition structure
CS is Σ_{C∈CS} v(C) = Σ w − cut(CS): the best 2-coalition structure is a
minimum cut (DESIGN.md section 2; Tong and Ren, seed 003, definition 5).

A coalition structure is given as a label array: ``labels[i]`` is the coalition
of agent ``i``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass(frozen=True, eq=False)
class WeightedGraph:
    """Symmetric pairwise weights over named agents.

    Attributes
    ----------
    agents : tuple of str
        Node names; node ``i`` is ``agents[i]``.
    u, v : ndarray of int64
        Edge endpoints with ``u < v``; each unordered pair at most once.
    w : ndarray of float64
        Edge weights (any finite real; zero-weight pairs may be present).

    Examples
    --------
    >>> g = WeightedGraph.from_pairs(["a", "b", "c"], [0, 1, 2], [1, 0, 0], [2.0, 0.5, 1.0])
    >>> g.u.tolist(), g.v.tolist(), g.w.tolist()
    ([0, 0], [1, 2], [2.5, 1.0])
    >>> g.welfare(np.array([0, 0, 1]))
    2.5
    >>> g.coalitions(np.array([0, 0, 1]))
    [['a', 'b'], ['c']]
    """

    agents: tuple[str, ...]
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray

    @classmethod
    def from_pairs(
        cls, agents: Sequence[str], i: np.ndarray, j: np.ndarray, weight: np.ndarray
    ) -> WeightedGraph:
        """Sum ``weight`` over each unordered pair {i, j} (both directions, repeats).

        ``i == j`` entries are ignored: a coalition's value counts pairs of
        distinct agents only.
        """
        n = len(agents)
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        weight = np.asarray(weight, dtype=np.float64)
        distinct = i != j
        lo = np.minimum(i, j)[distinct]
        hi = np.maximum(i, j)[distinct]
        keys, inverse = np.unique(lo * n + hi, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=weight[distinct], minlength=keys.size)
        return cls(tuple(agents), keys // n, keys % n, summed.astype(np.float64))

    @property
    def n(self) -> int:
        """Number of agents."""
        return len(self.agents)

    @property
    def total_weight(self) -> float:
        """Σ w over all pairs: the welfare of the grand coalition."""
        return float(self.w.sum())

    @property
    def has_negative_weights(self) -> bool:
        """Whether some pair has w < 0 (then the best structure is a max-cut-like problem)."""
        return bool((self.w < 0).any())

    def pair_weights(self) -> dict[tuple[int, int], float]:
        """``{(u, v): w}`` for every stored pair (u < v)."""
        return dict(
            zip(zip(self.u.tolist(), self.v.tolist(), strict=True), self.w.tolist(), strict=True)
        )

    def welfare(self, labels: np.ndarray) -> float:
        """Social welfare Σ_C v(C): the weight of the pairs inside a coalition."""
        labels = np.asarray(labels)
        return float(self.w[labels[self.u] == labels[self.v]].sum())

    def cut_weight(self, labels: np.ndarray) -> float:
        """Weight of the pairs split between coalitions (total minus welfare)."""
        labels = np.asarray(labels)
        return float(self.w[labels[self.u] != labels[self.v]].sum())

    def coalitions(self, labels: np.ndarray) -> list[list[str]]:
        """Coalitions as lists of names, ordered by their first agent."""
        groups: dict[int, list[str]] = {}
        for name, label in zip(self.agents, np.asarray(labels).tolist(), strict=True):
            groups.setdefault(label, []).append(name)
        return list(groups.values())

    def labels_from_coalitions(self, coalitions: Sequence[Sequence[str]]) -> np.ndarray:
        """Inverse of :meth:`coalitions`; raises ValueError unless it is a partition."""
        index = {name: k for k, name in enumerate(self.agents)}
        labels = np.full(self.n, -1, dtype=np.int64)
        for c, coalition in enumerate(coalitions):
            for name in coalition:
                if name not in index:
                    raise ValueError(f"unknown agent {name!r}")
                if labels[index[name]] >= 0:
                    raise ValueError(f"agent {name!r} is in two coalitions")
                labels[index[name]] = c
        missing = [self.agents[k] for k in np.flatnonzero(labels < 0)]
        if missing:
            raise ValueError(f"agents in no coalition: {', '.join(missing)}")
        return labels

    def induced(self, nodes: np.ndarray) -> WeightedGraph:
        """The subgraph on ``nodes`` (positions, increasing), renumbered 0..len(nodes)-1.

        >>> g = WeightedGraph.from_pairs("abcd", [0, 1, 2], [1, 2, 3], [1.0, 2.0, 3.0])
        >>> sub = g.induced(np.array([1, 2, 3]))
        >>> sub.agents, sub.u.tolist(), sub.v.tolist(), sub.w.tolist()
        (('b', 'c', 'd'), [0, 1], [1, 2], [2.0, 3.0])
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        position = np.full(self.n, -1, dtype=np.int64)
        position[nodes] = np.arange(nodes.size)
        inside = (position[self.u] >= 0) & (position[self.v] >= 0)
        return WeightedGraph(
            tuple(self.agents[i] for i in nodes.tolist()),
            position[self.u[inside]],
            position[self.v[inside]],
            self.w[inside],
        )

    def dense(self) -> np.ndarray:
        """The symmetric n × n weight matrix (zero diagonal); for small graphs only."""
        matrix = np.zeros((self.n, self.n))
        matrix[self.u, self.v] = self.w
        matrix[self.v, self.u] = self.w
        return matrix

    def to_networkx(self, weight: str = "weight") -> nx.Graph:
        """Undirected ``networkx.Graph`` on node positions 0..n-1 with the weights."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_weighted_edges_from(
            zip(self.u.tolist(), self.v.tolist(), self.w.tolist(), strict=True), weight=weight
        )
        return graph
