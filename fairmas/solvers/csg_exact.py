"""Exact coalition structure generation over a dense table of values.

:func:`dp_solve`
    Yeh's dynamic programming (:mod:`fairmas.solvers.yeh_dp`): every split
    of every coalition, about 3^n / 2 split evaluations.
:func:`idp_ip_solve`
    The ODP-IP idea (Michalak et al. 2016) run sequentially: the IDP part of
    dynamic programming, interleaved with IP's branch and bound over the
    space of coalition structures, each using what the other has found.

How :func:`idp_ip_solve` works, and why it is exact
----------------------------------------------------
Write f(S) for the value of the best partition of S, m = ⌊2n/3⌋ and A for the
set of all agents.

1. *IDP* (Rahwan & Jennings 2008). DP computes f exactly for the coalitions
   of size 1, 2, ..., m, one size s at a time, and nothing for the sizes
   between m and n. Then f(A) = max(v(A), max_{C} f̂(C) + f̂(A∖C)), where
   f̂ = f up to size m and f̂ = v above, is already exact: the coalitions of
   an optimal structure with k ≥ 2 coalitions can be put in two groups that
   are each either a single coalition (worth f̂ ≥ v) or of total size ≤ m
   (worth f = f̂ at least the sum of their values) — put a coalition of size
   ≥ n/3 alone, or else add coalitions to the first group until it reaches
   n/3, which leaves both groups below 2n/3. This skips the most expensive
   sizes of DP (most of its 3^n/2 splits are at sizes near 2n/3).
2. *IP* (Rahwan et al. 2009). After each size s, a depth-first search over
   coalition structures tries to finish the job at once. It picks the
   coalitions of a structure from the largest down (equal sizes by their
   lowest agent), and stops as soon as the agents R that are left number at
   most s: then f(R), exact, stands for every partition of R. A coalition C
   picked on the way counts f(C) (= v(C) above size s). A branch is cut
   when the value so far plus an upper bound on the rest cannot beat the
   best structure found; the bound for r agents left is
   B(r) = max over integer partitions r = r_1 + ... + r_j of Σ_i g(r_i),
   with g(t) the largest f of a coalition of size t (IP's subspace bounds,
   tightened by IDP's f as in ODP-IP). Every structure either has a path in
   this search or is cut by a bound it cannot exceed, so a search that runs
   to the end proves its best structure optimal, and a structure within
   the bound B(n) of the current sizes does the same.
3. The search is given budgets of nodes, counted in the time of split
   evaluations (:data:`NODE_COST_IN_SPLITS`): before any DP, a quarter of
   the whole IDP; after each size, a tenth of the next size. When a budget
   runs out, IDP does the next size, which makes f exact for larger
   coalitions. So the search costs at most about a third of IDP, and IDP
   about half of DP. On the uniform, normal, exponential and beta
   distributions the first search usually proves the optimum before any DP;
   on NDCS and modified uniform, whose size bounds are loose, IDP finishes
   the job.

Differences from the reference ODP-IP code: the DP part is IDP (as in the
reference code, which runs IDP inside ODP-IP), and the two parts alternate
in one thread instead of running in two threads; the search covers the
structures by "largest parts first, then f of the rest" instead of walking
IP's integer-partition subspaces one by one. Both reach the optimum; the
split and node counts are reported.

References
----------
T. Michalak, T. Rahwan, E. Elkind, M. Wooldridge, N. R. Jennings, "A hybrid
exact algorithm for complete set partitioning", Artificial Intelligence 230
(2016) 14–50.
T. Rahwan, N. R. Jennings, "An improved dynamic programming algorithm for
coalition structure generation", AAMAS 2008.
T. Rahwan, S. D. Ramchurn, N. R. Jennings, A. Giovannucci, "An anytime
algorithm for optimal coalition structure generation", JAIR 34 (2009) 521–567.
D. Y. Yeh, "A dynamic programming approach to the complete set partitioning
problem", BIT 26 (1986).

Examples
--------
The 4-agent example of the ODP-IP README: the best structure is
{a1}, {a2}, {a3, a4}, worth 150.

>>> values = np.array([0, 30, 40, 50, 25, 60, 55, 90, 45, 80, 70, 120, 80, 100, 115, 140.0])
>>> found = dp_solve(values)
>>> found.value, sorted(found.coalitions), found.optimal
(150.0, [1, 2, 12], True)
>>> idp_ip_solve(values).value
150.0
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from fairmas.solvers import yeh_dp

# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CsgSolution:
    """A coalition structure found on a dense table.

    Attributes
    ----------
    coalitions : list of int
        Bitmasks of the coalitions.
    value : float
        Σ v(C) over the coalitions.
    optimal : bool
        Whether optimality is proven (False when stopped by the time limit).
    bound : float
        An upper bound on the optimum (equal to ``value`` when optimal).
    stats : dict
        ``split_evaluations``, ``search_nodes``, sizes reached, ...
    """

    coalitions: list[int]
    value: float
    optimal: bool
    bound: float
    stats: dict[str, object] = field(default_factory=dict)


# ----------------------------------------------------------------------------- kernels


@njit(cache=True)
def _best_grand_split(f, n):  # pragma: no cover (compiled)
    """max(f(A), max over splits {C, A∖C} with C ∋ agent 0 of f(C) + f(A∖C)); the best C."""
    grand = (1 << n) - 1
    best = f[grand]
    best_part = grand
    rest = grand ^ 1
    sub = (rest - 1) & rest
    while True:
        part = 1 | sub
        value = f[part] + f[grand ^ part]
        if value > best:
            best = value
            best_part = part
        if sub == 0:
            break
        sub = (sub - 1) & rest
    return best, best_part


@njit(cache=True)
def _search(
    remaining,
    left,
    so_far,
    largest,
    lowest,
    depth,
    f,
    rest_bound,
    part_max,
    done_size,
    best,
    path,
    best_path,
    members,
    picks,
    nodes,
    budget,
):  # pragma: no cover (compiled)
    """Depth-first branch and bound (see the module docstring, step 2).

    ``remaining`` holds ``left`` agents; coalitions are picked with sizes ≤
    ``largest`` and, at size ``largest``, lowest agent > ``lowest``.
    ``rest_bound[r, p]`` bounds what r agents can still add with parts ≤ p.
    ``members`` and ``picks`` are per-depth scratch rows. Returns True when
    the node budget ran out.
    """
    if left <= done_size:
        total = so_far + f[remaining]
        if total > best[0]:
            best[0] = total
            for t in range(depth):
                best_path[t] = path[t]
            best_path[depth] = remaining
            best_path[depth + 1] = -1
        return False
    member = members[depth]
    pick = picks[depth]
    for size in range(min(largest, left), 0, -1):
        bound = rest_bound[left - size, size]
        if so_far + part_max[size] + bound <= best[0]:
            continue
        m = 0
        for agent in range(63):
            if (remaining >> agent) & 1 and (size < largest or agent > lowest):
                member[m] = agent
                m += 1
        if m < size:
            continue
        for t in range(size):
            pick[t] = t
        while True:
            coalition = 0
            for t in range(size):
                coalition |= 1 << member[pick[t]]
            nodes[0] += 1
            if nodes[0] > budget:
                return True
            value = so_far + f[coalition]
            if value + bound > best[0]:
                path[depth] = coalition
                if _search(
                    remaining ^ coalition,
                    left - size,
                    value,
                    size,
                    member[pick[0]],
                    depth + 1,
                    f,
                    rest_bound,
                    part_max,
                    done_size,
                    best,
                    path,
                    best_path,
                    members,
                    picks,
                    nodes,
                    budget,
                ):
                    return True
            t = size - 1
            while t >= 0 and pick[t] == m - size + t:
                t -= 1
            if t < 0:
                break
            pick[t] += 1
            for u in range(t + 1, size):
                pick[u] = pick[u - 1] + 1
    return False


# ----------------------------------------------------------------------------- helpers


@njit(cache=True)
def _partition_bound(part_max, done_size):  # pragma: no cover (compiled)
    n = part_max.size - 1
    bound = np.full((n + 1, n + 1), -np.inf)
    bound[0, :] = 0.0
    for r in range(1, n + 1):
        for p in range(1, n + 1):
            if r <= done_size:
                bound[r, p] = part_max[r]
                continue
            best = -np.inf
            for a in range(1, min(p, r) + 1):
                value = part_max[a] + bound[r - a, a]
                if value > best:
                    best = value
            bound[r, p] = best
    return bound


def partition_bound(part_max: np.ndarray, done_size: int = 0) -> np.ndarray:
    """Bounds ``U[r, p]`` on what r agents can add when their coalitions have sizes ≤ p.

    ``U[r, p] = part_max[r]`` when r ≤ ``done_size`` (the search then takes
    f of the r agents, and f ≤ the largest f of that size), else
    ``max_{a ≤ min(p, r)} part_max[a] + U[r − a, a]``: IP's bound of an
    integer-partition subspace, maximized over the subspaces the search can
    still enter. ``U[n, n]`` bounds the optimum.

    >>> partition_bound(np.array([0.0, 1.0, 3.0, 3.5]))[3].tolist()
    [-inf, 3.0, 4.0, 4.0]
    """
    return _partition_bound(np.ascontiguousarray(part_max, dtype=np.float64), done_size)


def _expand(path: np.ndarray, f: np.ndarray, values: np.ndarray) -> list[int]:
    """The coalitions of a search path: each picked coalition and R, split along f."""
    masks: list[int] = []
    for mask in path.tolist():
        if mask < 0:
            break
        if mask:
            masks += yeh_dp.structure_from_f(f, values, mask)
    return masks


def _incumbent(f: np.ndarray, values: np.ndarray, n: int) -> tuple[float, list[int]]:
    """Best structure from splitting A in two along the current f (exact once IDP is done)."""
    grand = (1 << n) - 1
    value, part = _best_grand_split(f, n)
    if part == grand:
        return float(values[grand]), [grand]
    masks = yeh_dp.structure_from_f(f, values, int(part))
    masks += yeh_dp.structure_from_f(f, values, grand ^ int(part))
    return float(value), masks


def _checked_values(values: np.ndarray) -> tuple[np.ndarray, int]:
    values = np.ascontiguousarray(values, dtype=np.float64)
    n = values.size.bit_length() - 1
    if values.size != 1 << n or n < 1:
        raise ValueError(f"need a table of 2^n values, got {values.size}")
    if n > 62:
        raise ValueError("bitmasks are int64: at most 62 agents")
    return values, n


def _out_of_time(started: float, time_limit: float | None) -> bool:
    return time_limit is not None and time.perf_counter() - started >= time_limit


# ----------------------------------------------------------------------------- methods


def dp_solve(values: np.ndarray, time_limit: float | None = None) -> CsgSolution:
    """Optimal coalition structure by Yeh's DP over all subsets.

    Parameters
    ----------
    values : ndarray of float64
        ``values[mask]`` for every bitmask of n agents (length 2^n, ``values[0] = 0``).
    time_limit : float, optional
        Seconds; checked between coalition sizes. When it runs out, the best
        structure from the sizes done so far is returned, not proven optimal,
        with the size bound of the module docstring.

    Returns
    -------
    CsgSolution
        ``stats["split_evaluations"]`` counts f(A) + f(S∖A) evaluations:
        (3^n + 1)/2 − 2^n for a complete run.
    """
    values, n = _checked_values(values)
    started = time.perf_counter()
    f = values.copy()
    part_max = yeh_dp.max_by_size(values, n)
    splits = 0
    for size in range(2, n + 1):
        count, layer_max = yeh_dp.split_layer(f, n, size)
        splits += int(count)
        part_max[size] = max(part_max[size], layer_max)
        if size < n and _out_of_time(started, time_limit):
            value, masks = _incumbent(f, values, n)
            bound = float(partition_bound(part_max)[n, n])
            return CsgSolution(
                masks, value, False, bound, {"split_evaluations": splits, "sizes_done": size}
            )
    grand = (1 << n) - 1
    masks = yeh_dp.structure_from_f(f, values, grand)
    value = float(f[grand])
    return CsgSolution(masks, value, True, value, {"split_evaluations": splits, "sizes_done": n})


NODE_COST_IN_SPLITS = 25
"""How many split evaluations one search node costs in time (measured on 2 cores:
about 40 ns per node against 1.6 ns per split of the parallel IDP layers)."""


def idp_ip_solve(
    values: np.ndarray,
    time_limit: float | None = None,
    first_share: float = 0.25,
    layer_share: float = 0.1,
) -> CsgSolution:
    """Optimal coalition structure by IDP interleaved with IP's branch and bound.

    See the module docstring for the algorithm and its proof of exactness.

    Parameters
    ----------
    values : ndarray of float64
        ``values[mask]`` for every bitmask of n agents.
    time_limit : float, optional
        Seconds; checked between sizes. On time-out the best structure found
        is returned with the bound of the sizes done.
    first_share : float
        The search before any DP may take this share of the time all of IDP
        would take (IP alone often finishes there: uniform, normal, beta, ...).
    layer_share : float
        After IDP size s, the search may take this share of the time of size s + 1.
        With both shares the search never costs more than about
        ``first_share + layer_share`` times IDP, which itself evaluates about half
        the splits of DP.

    Returns
    -------
    CsgSolution
        ``stats``: ``values_scanned`` (2^n: every value is read once for the
        size bounds), ``split_evaluations`` (IDP), ``search_nodes`` (IP),
        ``sizes_done`` (the largest size IDP finished), ``finished_by``
        (``"search"``, ``"bound"`` or ``"idp"``).
    """
    values, n = _checked_values(values)
    started = time.perf_counter()
    grand = (1 << n) - 1
    f = values.copy()
    part_max = yeh_dp.max_by_size(values, n)
    stats: dict[str, object] = {"values_scanned": 1 << n}

    best = np.array([values[grand]])
    best_path = np.full(n + 2, -1, dtype=np.int64)
    best_path[0] = grand
    last_size = (2 * n) // 3
    members = np.zeros((n + 1, n), dtype=np.int64)
    picks = np.zeros((n + 1, n), dtype=np.int64)
    layer_splits = [0] + [math.comb(n, k) * ((1 << (k - 1)) - 1) for k in range(1, n + 1)]
    splits = 0
    nodes_used = 0

    def finish(optimal: bool, how: str, bound: float) -> CsgSolution:
        masks = _expand(best_path, f, values)
        value = float(sum(values[m] for m in masks))
        stats.update(split_evaluations=splits, search_nodes=nodes_used, finished_by=how)
        return CsgSolution(masks, value, optimal, value if optimal else bound, stats)

    for size in range(1, last_size + 1):
        if size >= 2:
            count, layer_max = yeh_dp.split_layer(f, n, size)
            splits += int(count)
            part_max[size] = max(part_max[size], layer_max)
        stats["sizes_done"] = size
        bound = partition_bound(part_max, size)
        if best[0] >= bound[n, n]:
            return finish(True, "bound", float(bound[n, n]))
        if size == last_size:
            break
        if size == 1:
            share = first_share * sum(layer_splits[2 : last_size + 1])
        else:
            share = layer_share * layer_splits[size + 1]
        budget = max(int(share / NODE_COST_IN_SPLITS), 1000)
        nodes = np.zeros(1, dtype=np.int64)
        path = np.full(n + 2, -1, dtype=np.int64)
        ran_out = _search(
            grand,
            n,
            0.0,
            n,
            -1,
            0,
            f,
            bound,
            part_max,
            size,
            best,
            path,
            best_path,
            members,
            picks,
            nodes,
            budget,
        )
        nodes_used += int(min(nodes[0], budget))
        if not ran_out:
            return finish(True, "search", float(best[0]))
        if _out_of_time(started, time_limit):
            return finish(False, "time_limit", float(bound[n, n]))
    value, part = _best_grand_split(f, n)
    splits += 1 << (n - 1)
    if value > best[0]:
        best[0] = value
        best_path[:] = -1
        if part == grand:
            best_path[0] = grand
        else:
            best_path[0], best_path[1] = part, grand ^ part
    return finish(True, "idp", float(best[0]))


def compile_kernels() -> None:
    """Compile (or load from numba's cache) the kernels once per process.

    Runs both methods on a small table whose search does not end at once, so
    that every kernel (the recursive search too) is ready before a clock starts.
    """
    yeh_dp.compile_kernels()
    values = np.zeros(1 << 6)
    values[1:] = np.arange(1, 1 << 6) % 7 + 1.0
    frozen = values.copy()
    frozen.flags.writeable = False
    for table in (values, frozen):
        idp_ip_solve(table)
        dp_solve(table)
    _best_grand_split(values.copy(), 6)
    partition_bound(np.zeros(4), 1)
