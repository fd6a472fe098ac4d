"""The common return type of the cut algorithms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairmas.models.weighted_graph import WeightedGraph


@dataclass(frozen=True)
class CutResult:
    """A 2-partition found by a cut algorithm.

    Attributes
    ----------
    side : ndarray of bool
        ``side[i]`` tells on which side agent ``i`` is; both sides are non-empty.
    cut : float
        Weight of the pairs across the cut, as the algorithm computed it.
    complete : bool
        False when the algorithm stopped at its time limit (the cut is then
        the best found so far, with no optimality proof).
    steps : int
        Work done: max-flow solves, contraction rounds or phases.
    """

    side: np.ndarray
    cut: float
    complete: bool = True
    steps: int = 0


def require_cuttable(graph: WeightedGraph) -> None:
    """Raise ValueError unless ``graph`` has ≥ 2 nodes and non-negative weights."""
    if graph.n < 2:
        raise ValueError(f"a cut needs at least 2 nodes (got {graph.n})")
    if graph.has_negative_weights:
        raise ValueError("cut algorithms need non-negative weights")


def zero_cut_side(graph: WeightedGraph, positive: np.ndarray) -> np.ndarray | None:
    """A side of a cut of weight 0 when some node has no positive-weight pair, else None.

    ``positive`` marks the pairs with positive weight.
    """
    degree = np.bincount(graph.u[positive], minlength=graph.n) + np.bincount(
        graph.v[positive], minlength=graph.n
    )
    lonely = np.flatnonzero(degree == 0)
    if lonely.size == 0:
        return None
    side = np.zeros(graph.n, dtype=bool)
    side[lonely[0]] = True
    return side
