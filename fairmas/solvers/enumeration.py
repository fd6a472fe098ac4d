"""Exhaustive search over small indivisible allocations, and over small project sets.

Every feasible integer allocation (each resource's units split among the
agents, some possibly left over, within the caps) is enumerated as a matrix
of utility vectors, vectorized with numpy; the objectives then pick their
optimum. This is exact, and it is what the ``brute_force`` methods run on
instances with at most :data:`MAX_ALLOCATIONS` allocations.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from fairmas.models.allocation import AllocationInstance

MAX_ALLOCATIONS = 300_000
"""Largest number of allocations the ``brute_force`` methods enumerate."""

MAX_PROJECTS = 16
"""Largest number of projects (2^16 sets) the project brute force enumerates."""


def _splits(units: int, bounds: list[int]) -> np.ndarray:
    """All vectors 0 ≤ y_i ≤ bounds_i with Σ y ≤ units, shape (count, n)."""
    ranges = [range(min(b, units) + 1) for b in bounds]
    rows = [combo for combo in itertools.product(*ranges) if sum(combo) <= units]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(bounds))


def _split_count(units: int, bounds: list[int]) -> int:
    """Number of vectors 0 ≤ y_i ≤ bounds_i with Σ y ≤ units (a small DP)."""
    ways = np.zeros(units + 1, dtype=object)
    ways[0] = 1
    for b in bounds:
        new = np.zeros(units + 1, dtype=object)
        for used in range(units + 1):
            if ways[used]:
                for y in range(min(b, units - used) + 1):
                    new[used + y] += ways[used]
        ways = new
    return int(sum(ways))


def count_allocations(instance: AllocationInstance) -> int:
    """How many integer allocations an indivisible instance has.

    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1], [1]], supply=[2],
    ...                                       divisible=False)
    >>> count_allocations(inst)  # (0,0) (1,0) (0,1) (2,0) (1,1) (0,2)
    6
    """
    bounds = instance.upper_bounds
    total = 1
    for j in range(instance.n_resources):
        units = int(instance.supply[j])
        total *= _split_count(units, [int(b) for b in bounds[:, j]])
        if total > 10 * MAX_ALLOCATIONS:
            return total
    return total


def enumeration_too_large(instance: AllocationInstance) -> str | None:
    """Why the brute force cannot run, or None when it can."""
    if not instance.all_indivisible:
        return "needs indivisible resources only (divisible ones have infinitely many splits)"
    count = count_allocations(instance)
    if count > MAX_ALLOCATIONS:
        return (
            f"enumerates at most {MAX_ALLOCATIONS:,} allocations, this instance has "
            f"{'more than ' if count >= 10 * MAX_ALLOCATIONS else ''}"
            f"{min(count, 10 * MAX_ALLOCATIONS):,}"
        )
    return None


def all_allocations(
    instance: AllocationInstance,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Utility vectors of every allocation, with a way back to the allocation.

    Returns
    -------
    utilities : ndarray, shape (count, n)
    splits : list of ndarray
        ``splits[j]`` holds the ways resource j can be split, shape (s_j, n).
    choice : ndarray of int, shape (count, m)
        Allocation ``a`` gives resource j as ``splits[j][choice[a, j]]``.
    """
    n, m = instance.n_agents, instance.n_resources
    bounds = instance.upper_bounds
    splits = [_splits(int(instance.supply[j]), [int(b) for b in bounds[:, j]]) for j in range(m)]
    utilities = np.zeros((1, n))
    choice = np.zeros((1, 0), dtype=np.int64)
    for j in range(m):
        gain = splits[j] * instance.values[:, j][None, :]  # (s_j, n)
        s = gain.shape[0]
        utilities = (utilities[:, None, :] + gain[None, :, :]).reshape(-1, n)
        choice = np.concatenate(
            [np.repeat(choice, s, axis=0), np.tile(np.arange(s), len(choice))[:, None]], axis=1
        )
    return utilities, splits, choice


def allocation_at(splits: list[np.ndarray], choice: np.ndarray, index: int) -> np.ndarray:
    """The allocation matrix x (n × m) of enumerated allocation ``index``."""
    return np.stack([splits[j][choice[index, j]] for j in range(len(splits))], axis=1)


def lexicographic_best(keys: np.ndarray, tolerance: float = 1e-9) -> int:
    """Index of the row of ``keys`` that is lexicographically largest (ties within tolerance).

    >>> lexicographic_best(np.array([[1.0, 5.0], [2.0, 0.0], [2.0, 1.0]]))
    2
    """
    candidates = np.arange(keys.shape[0])
    for column in range(keys.shape[1]):
        values = keys[candidates, column]
        best = values.max()
        candidates = candidates[values >= best - tolerance * max(1.0, abs(best))]
        if candidates.size == 1:
            break
    return int(candidates[0])


def all_project_sets(k: int) -> np.ndarray:
    """Every subset of k projects as a boolean matrix (2^k × k), the empty set first.

    >>> all_project_sets(2).astype(int).tolist()
    [[0, 0], [1, 0], [0, 1], [1, 1]]
    """
    masks = np.arange(2**k, dtype=np.int64)
    return ((masks[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)


def log_or_minus_inf(values: np.ndarray) -> np.ndarray:
    """Elementwise log with log 0 = −inf and no warning."""
    with np.errstate(divide="ignore"):
        return np.where(values > 0, np.log(np.maximum(values, math.ulp(0.0))), -np.inf)
