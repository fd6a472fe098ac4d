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


# ----------------------------------------------------------------------------- allocation oracles
# Plain Python over every integer allocation: each unit of each resource goes to one agent or
# stays unallocated (the numpy enumeration of fairmas.solvers.enumeration is not used).


def integer_allocations(values, supply, caps=None):
    """Yield (x, utilities) for every integer allocation (lists of lists), small instances only."""
    import itertools

    n, m = len(values), len(supply)
    per_resource = []
    for j in range(m):
        units = int(supply[j])
        options = []
        for combo in itertools.product(range(units + 1), repeat=n):
            if sum(combo) > units:
                continue
            if caps is not None and any(combo[i] > caps[i][j] for i in range(n)):
                continue
            options.append(combo)
        per_resource.append(options)
    for choice in itertools.product(*per_resource):
        x = [[choice[j][i] for j in range(m)] for i in range(n)]
        utilities = [sum(values[i][j] * x[i][j] for j in range(m)) for i in range(n)]
        yield x, utilities


def oracle_max_min(values, supply, weights, caps=None) -> float:
    """max over allocations of min_i u_i / w_i."""
    return max(
        min(u / w for u, w in zip(us, weights, strict=True))
        for _, us in integer_allocations(values, supply, caps)
    )


def oracle_leximin(values, supply, weights, caps=None, tol=1e-9) -> list[float]:
    """The lexicographically largest sorted vector of u_i / w_i (ties within tol)."""
    best = None
    for _, us in integer_allocations(values, supply, caps):
        key = sorted(u / w for u, w in zip(us, weights, strict=True))
        if best is None:
            best = key
            continue
        for a, b in zip(key, best, strict=True):
            if a > b + tol:
                best = key
                break
            if a < b - tol:
                break
    return best


def oracle_min_gap(values, supply, epsilon, caps=None) -> float:
    """min max−min utility among allocations with welfare ≥ (1 − ε)·max welfare."""
    allocations = [us for _, us in integer_allocations(values, supply, caps)]
    top = max(sum(us) for us in allocations)
    floor = (1 - epsilon) * top - 1e-9 * max(1.0, top)
    return min(max(us) - min(us) for us in allocations if sum(us) >= floor)


def oracle_nash(values, supply, weights, caps=None) -> tuple[int, float]:
    """(most agents with positive utility, max Σ w log u over them)."""
    import math

    best = (-1, -math.inf)
    for _, us in integer_allocations(values, supply, caps):
        count = sum(u > 0 for u in us)
        welfare = sum(w * math.log(u) for u, w in zip(us, weights, strict=True) if u > 0)
        if count > best[0] or (count == best[0] and welfare > best[1]):
            best = (count, welfare)
    return best


# ----------------------------------------------------------------------------- mechanism oracles


def oracle_project_welfare(values, costs, excluded=None, net=False) -> float:
    """Best Σ_i v_i(S) (or Σ v − C with net) over cost-recovering project sets, by recursion."""
    n, K = len(values), len(costs)
    totals = [sum(values[i][k] for i in range(n) if i != excluded) for k in range(K)]
    best = 0.0

    def walk(k: int, gross: float, cost: float) -> None:
        nonlocal best
        if k == K:
            if gross >= cost - 1e-9 * max(1.0, cost):
                best = max(best, gross - cost if net else gross)
            return
        walk(k + 1, gross, cost)
        walk(k + 1, gross + totals[k], cost + costs[k])

    walk(0, 0.0, 0.0)
    return best


def oracle_auction(bids, excluded=None) -> float:
    """Best total value of XOR bids [(agent, frozenset(items), value)], by recursion over bids."""
    best = 0.0

    def walk(b: int, used: frozenset, agents: frozenset, total: float) -> None:
        nonlocal best
        if b == len(bids):
            best = max(best, total)
            return
        walk(b + 1, used, agents, total)
        agent, bundle, value = bids[b]
        if agent != excluded and agent not in agents and not (bundle & used):
            walk(b + 1, used | bundle, agents | {agent}, total + value)

    walk(0, frozenset(), frozenset(), 0.0)
    return best
