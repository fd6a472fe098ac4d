"""Every pure profile of a small polymatrix game, in one compiled pass.

The profiles are visited in mixed-radix order (player 0 changes slowest). For
each profile a the kernel computes U_i(a) = Σ_j u_ij(a_i, a_j) over the
tables of each player (never over all pairs), the welfare W(a) = Σ_i U_i(a),
and the deviation payoffs U_i(a', a_−i) to test whether a is a pure Nash
equilibrium (no gain above :attr:`PairwiseGame.tolerance`); the test stops at
the first player with a profitable deviation. One pass yields the social
optimum, the best and the worst equilibrium, the number of equilibria and the
first ``limit`` of them; a second pass over the socially optimal profiles finds
the one with the least total regret (the cost of alignment). Cost:
Π_i |A_i| · O(Σ_t |A_i|) operations, so the methods refuse games with more
than :data:`ENUMERATION_LIMIT` profiles.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from fairmas.models.pairwise_game import PairwiseGame

ENUMERATION_LIMIT = 10**7
"""Most profiles the enumeration methods visit."""
CHUNK = 1 << 18
"""Profiles per compiled call; the time limit is checked between calls."""

_OPT, _BEST, _WORST, _ALIGN = 0, 1, 2, 3


@njit(cache=True)
def _utility_and_regret(
    i, a, m, pointer, order, opponent, start, payoffs, want_regret
):  # pragma: no cover (compiled)
    """U_i(a) and, if asked, max(0, max_a' U_i(a', a_−i) − U_i(a))."""
    current = 0.0
    for k in range(pointer[i], pointer[i + 1]):
        t = order[k]
        j = opponent[t]
        current += payoffs[start[t] + a[i] * m[j] + a[j]]
    if not want_regret:
        return current, 0.0
    regret = 0.0
    for deviation in range(m[i]):
        if deviation == a[i]:
            continue
        value = 0.0
        for k in range(pointer[i], pointer[i + 1]):
            t = order[k]
            j = opponent[t]
            value += payoffs[start[t] + deviation * m[j] + a[j]]
        if value - current > regret:
            regret = value - current
    return current, regret


@njit(cache=True)
def _scan(
    first,
    count,
    a,
    m,
    pointer,
    order,
    opponent,
    start,
    payoffs,
    tol,
    mode,
    threshold,
    best,
    where,
    found,
    listed,
):  # pragma: no cover (compiled)
    """Visit ``count`` profiles from index ``first`` (``a`` holds its actions; advanced in place).

    mode 0: ``best[_OPT/_BEST]`` max welfare overall / over equilibria,
    ``best[_WORST]`` min welfare over equilibria, ``where`` their indices,
    ``found[0]`` counts equilibria, the first ones go to ``listed``.
    mode 1: among profiles with welfare ≥ ``threshold``, the least total regret
    (``best[_ALIGN]``, ``where[_ALIGN]``).
    mode 2: the maximum welfare only (no equilibrium test).
    """
    n = m.size
    for step in range(count):
        index = first + step
        welfare = 0.0
        for i in range(n):
            u, _ = _utility_and_regret(i, a, m, pointer, order, opponent, start, payoffs, False)
            welfare += u
        if mode == 2:
            if welfare > best[_OPT]:
                best[_OPT] = welfare
                where[_OPT] = index
        elif mode == 0:
            if welfare > best[_OPT]:
                best[_OPT] = welfare
                where[_OPT] = index
            stable = True
            for i in range(n):
                _, regret = _utility_and_regret(
                    i, a, m, pointer, order, opponent, start, payoffs, True
                )
                if regret > tol:
                    stable = False
                    break
            if stable:
                if found[0] < listed.size:
                    listed[found[0]] = index
                found[0] += 1
                if welfare > best[_BEST]:
                    best[_BEST] = welfare
                    where[_BEST] = index
                if welfare < best[_WORST]:
                    best[_WORST] = welfare
                    where[_WORST] = index
        elif welfare >= threshold:
            total = 0.0
            for i in range(n):
                _, regret = _utility_and_regret(
                    i, a, m, pointer, order, opponent, start, payoffs, True
                )
                total += regret
            if total < best[_ALIGN]:
                best[_ALIGN] = total
                where[_ALIGN] = index
        # next profile: the last player changes fastest
        i = n - 1
        while i >= 0:
            a[i] += 1
            if a[i] < m[i]:
                break
            a[i] = 0
            i -= 1


@dataclass
class EnumerationOutcome:
    """What a pass over all profiles found (profiles as action-index arrays, or None)."""

    optimum: np.ndarray | None = None
    best_equilibrium: np.ndarray | None = None
    worst_equilibrium: np.ndarray | None = None
    n_equilibria: int = 0
    equilibria: list[np.ndarray] = field(default_factory=list)
    cheapest_optimum: np.ndarray | None = None
    visited: int = 0
    complete: bool = True


def _kernel_arrays(game: PairwiseGame) -> tuple[np.ndarray, ...]:
    pointer, order = game.tables_by_player
    payoffs, start = game.flat
    return (
        np.ascontiguousarray(game.n_actions),
        np.ascontiguousarray(pointer),
        np.ascontiguousarray(order),
        np.ascontiguousarray(game.opponent),
        np.ascontiguousarray(start),
        np.ascontiguousarray(payoffs),
    )


def _run(
    game: PairwiseGame,
    mode: int,
    threshold: float,
    limit: int,
    time_limit: float | None,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray, int, bool]:
    if game.n_profiles > ENUMERATION_LIMIT:
        raise ValueError(f"more than {ENUMERATION_LIMIT} profiles to enumerate")
    arrays = _kernel_arrays(game)
    best = np.array([-np.inf, -np.inf, np.inf, np.inf])
    where = np.full(4, -1, dtype=np.int64)
    found = np.zeros(1, dtype=np.int64)
    listed = np.full(max(limit, 0), -1, dtype=np.int64)
    a = np.zeros(game.n_players, dtype=np.int64)
    total = game.n_profiles
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    visited = 0
    while visited < total:
        count = min(CHUNK, total - visited)
        _scan(
            visited, count, a, *arrays, game.tolerance, mode, threshold, best, where, found, listed
        )
        visited += count
        if deadline is not None and time.perf_counter() > deadline:
            break
    return best, where, int(found[0]), listed, visited, visited == total


def enumerate_profiles(
    game: PairwiseGame,
    limit: int = 0,
    time_limit: float | None = None,
    equilibria: bool = True,
) -> EnumerationOutcome:
    """Social optimum, best and worst pure equilibrium and the equilibria, by enumeration.

    Parameters
    ----------
    game : PairwiseGame
        At most :data:`ENUMERATION_LIMIT` profiles.
    limit : int
        List the first ``limit`` equilibria (in enumeration order); all are counted.
    time_limit : float, optional
        Seconds; ``complete`` is False when the pass stopped early (the
        results then cover the profiles visited).
    equilibria : bool
        Test every profile for equilibrium (False: the social optimum only).

    Examples
    --------
    >>> stag_hunt = [[4, 0], [3, 3]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["stag", "hare"], "b": ["stag", "hare"]},
    ...     [("a", "b", stag_hunt), ("b", "a", stag_hunt)],
    ... )
    >>> found = enumerate_profiles(game, limit=5)
    >>> found.optimum.tolist(), found.worst_equilibrium.tolist(), found.n_equilibria
    ([0, 0], [1, 1], 2)
    """
    mode = 0 if equilibria else 2
    _, where, n_equilibria, listed, visited, complete = _run(game, mode, 0.0, limit, time_limit)
    decode = game.profile_from_index
    return EnumerationOutcome(
        optimum=decode(int(where[_OPT])) if where[_OPT] >= 0 else None,
        best_equilibrium=decode(int(where[_BEST])) if where[_BEST] >= 0 else None,
        worst_equilibrium=decode(int(where[_WORST])) if where[_WORST] >= 0 else None,
        n_equilibria=n_equilibria,
        equilibria=[decode(int(k)) for k in listed[: min(limit, n_equilibria)]],
        visited=visited,
        complete=complete,
    )


def cheapest_optimum(
    game: PairwiseGame, threshold: float, time_limit: float | None = None
) -> EnumerationOutcome:
    """Among profiles with welfare ≥ ``threshold``, the one with the least Σ_i regret_i.

    Examples
    --------
    >>> pd = [[3, 0], [5, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
    ... )
    >>> cheapest_optimum(game, 6.0).cheapest_optimum.tolist()
    [0, 0]
    """
    _, where, _, _, visited, complete = _run(game, 1, threshold, 0, time_limit)
    found = game.profile_from_index(int(where[_ALIGN])) if where[_ALIGN] >= 0 else None
    return EnumerationOutcome(cheapest_optimum=found, visited=visited, complete=complete)


@functools.cache
def compile_kernels() -> None:
    """Compile (or load from numba's cache) the enumeration kernel once per process."""
    game = PairwiseGame.from_tables({"a": ["x"], "b": ["x"]}, [("a", "b", [[1.0]])])
    enumerate_profiles(game, limit=1)
    cheapest_optimum(game, 0.0)
