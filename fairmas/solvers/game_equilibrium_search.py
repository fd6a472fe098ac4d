"""All pure Nash equilibria of a polymatrix game by backtracking with best-response pruning.

A profile a is a pure equilibrium when no player gains by deviating:
U_i(a) ≥ U_i(b, a_−i) − tol for every player i and action b. The search
assigns players one at a time and keeps, for every player i and pair of its
actions (c, b),

.. math::

    S_i(c, b) = \\sum_{j \\text{ assigned}} \\big(u_{ij}(c, a_j) - u_{ij}(b, a_j)\\big),
    \\qquad
    R_i(c, b) = \\sum_{j \\text{ free}} \\max_{e \\in A_j} \\big(u_{ij}(c, e) - u_{ij}(b, e)\\big),

so that c can still be a best response of i only if S_i(c, b) + R_i(c, b) ≥ −tol
for every b. A node fails when an assigned player's action, or every action
of an unassigned player, fails that test; otherwise the search branches on
the unassigned player with the fewest actions left (fail first), and only
on those actions. Both sums are updated incrementally along the interaction
graph, O(deg · |A|²) per assignment, and a node costs O(n · |A|²). Complete:
every equilibrium is found, each once (every profile is reached by exactly one
path); a deviation must gain more than :attr:`PairwiseGame.tolerance` to count,
as in :meth:`PairwiseGame.is_equilibrium`.

Its pruning bites only when few players are left, so the nodes grow about
30-fold per added player on dense games. With a second thread, once the
first :data:`NODES_PER_CALL` nodes have not finished the search, regret
annealing (:class:`~fairmas.solvers.equilibrium_annealing.BackgroundEquilibriumAnnealing`)
looks for equilibria beside it; when the time limit stops the search, the
best and worst equilibria reported are the extremes of both (the kernel
releases the GIL).

This is forward checking (Haralick and Elliott 1980) on the best-response
constraints of a graphical game (Kearns, Littman and Singh 2001; Gottlob,
Greco and Scarcello 2005 for the complexity of pure equilibria).

References
----------
R. M. Haralick, G. L. Elliott, "Increasing tree search efficiency for
constraint satisfaction problems", Artificial Intelligence 14 (1980).
M. Kearns, M. L. Littman, S. Singh, "Graphical models for game theory", UAI 2001.
G. Gottlob, G. Greco, F. Scarcello, "Pure Nash equilibria: hard and easy
games", J. Artificial Intelligence Research 24 (2005).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers import equilibrium_annealing
from fairmas.solvers.background_runs import uses_second_core
from fairmas.solvers.equilibrium_annealing import BackgroundEquilibriumAnnealing

NODES_PER_CALL = 1 << 16
"""Search nodes per compiled call; the time limit is checked between calls."""


@njit(cache=True, nogil=True)
def _assign(
    j, e, sign, m, owner, rpointer, rorder, start, payoffs, best_gain, gain, room, partners
):  # pragma: no cover (compiled)
    """Player j plays e (sign +1) or takes it back (sign −1): update S and R of j's partners."""
    mj = m[j]
    for k in range(rpointer[j], rpointer[j + 1]):
        t = rorder[k]
        i = owner[t]
        partners[i] += int(sign)
        for c in range(m[i]):
            uc = payoffs[start[t] + c * mj + e]
            for b in range(m[i]):
                if b != c:
                    gain[i, c, b] += sign * (uc - payoffs[start[t] + b * mj + e])
                    room[i, c, b] -= sign * best_gain[t, c, b]


@njit(cache=True, nogil=True)
def _may_respond(i, c, m, gain, room, threshold):  # pragma: no cover (compiled)
    """Whether action c can still be a best response of player i: S + R ≥ −tol against every b."""
    stable = True
    for b in range(m[i]):
        if b != c and gain[i, c, b] + room[i, c, b] < -threshold:
            stable = False
            break
    return stable


@njit(cache=True, nogil=True)
def _search(
    m,
    owner,
    opponent,
    rpointer,
    rorder,
    start,
    payoffs,
    best_gain,
    threshold,
    action,
    gain,
    room,
    partners,
    stack_player,
    stack_actions,
    stack_count,
    stack_next,
    state,
    found,
    n_found,
    extremes,
    extreme_profiles,
    budget,
):  # pragma: no cover (compiled)
    """Run the depth-first search for ``budget`` nodes from ``state`` (depth, phase).

    ``state[0]`` is the depth; ``state[1]`` is 0 when the node at that depth
    must be evaluated, 1 when the search must backtrack, 2 when it is over.
    Equilibria are written to ``found`` (rows) while there is room; ``n_found[0]``
    counts them all; ``extremes`` holds the largest and smallest welfare of an
    equilibrium and ``extreme_profiles`` those equilibria. ``state[2]`` counts nodes.
    """
    n = m.size
    depth, phase = state[0], state[1]
    for _ in range(budget):
        if phase == 2:
            break
        if phase == 0:
            state[2] += 1
            # evaluate the node: assigned players must still be best responses
            fail = False
            chosen = -1
            fewest = 1 << 30
            most = -1
            for i in range(n):
                if action[i] >= 0:
                    if not _may_respond(i, action[i], m, gain, room, threshold):
                        fail = True
                        break
                else:
                    count = 0
                    for c in range(m[i]):
                        if _may_respond(i, c, m, gain, room, threshold):
                            count += 1
                    if count == 0:
                        fail = True
                        break
                    # fail first: fewest actions left, then the most partners already playing
                    if count < fewest or (count == fewest and partners[i] > most):
                        fewest = count
                        most = partners[i]
                        chosen = i
            if not fail:
                if chosen < 0:  # every player assigned and stable: an equilibrium
                    if n_found[0] < found.shape[0]:
                        for i in range(n):
                            found[n_found[0], i] = action[i]
                    n_found[0] += 1
                    welfare = 0.0
                    for t in range(owner.size):
                        j = opponent[t]
                        welfare += payoffs[start[t] + action[owner[t]] * m[j] + action[j]]
                    if welfare > extremes[0]:
                        extremes[0] = welfare
                        extreme_profiles[0, :] = action
                    if welfare < extremes[1]:
                        extremes[1] = welfare
                        extreme_profiles[1, :] = action
                else:
                    count = 0
                    for c in range(m[chosen]):
                        if _may_respond(chosen, c, m, gain, room, threshold):
                            stack_actions[depth, count] = c
                            count += 1
                    stack_player[depth] = chosen
                    stack_count[depth] = count
                    stack_next[depth] = 0
                    depth += 1
            phase = 1
        # backtrack: take back the last action and try the next one at that depth
        while depth > 0:
            top = depth - 1
            j = stack_player[top]
            if action[j] >= 0:
                _assign(
                    j, action[j], -1.0, m, owner, rpointer, rorder, start, payoffs,
                    best_gain, gain, room, partners,
                )  # fmt: skip
                action[j] = -1
            if stack_next[top] < stack_count[top]:
                e = stack_actions[top, stack_next[top]]
                stack_next[top] += 1
                action[j] = e
                _assign(
                    j, e, 1.0, m, owner, rpointer, rorder, start, payoffs,
                    best_gain, gain, room, partners,
                )  # fmt: skip
                phase = 0
                break
            depth -= 1
        if depth == 0 and phase == 1:
            phase = 2
    state[0], state[1] = depth, phase


@dataclass
class SearchOutcome:
    """Pure equilibria found by the backtracking search.

    Attributes
    ----------
    equilibria : list of ndarray
        Up to ``keep`` equilibria found, best welfare first (the first ones the
        search found; when it did not finish, with those annealing found).
    best, worst : ndarray or None
        The equilibria of largest and smallest welfare among all found.
    count : int
        Equilibria the search found in all, also beyond ``keep``.
    complete : bool
        The search space was exhausted (``count`` is then the number of pure
        equilibria), False when the time limit stopped it.
    nodes : int
        Search nodes evaluated.
    annealing_runs : int
        Regret-annealing runs beside the search (0 when none ran).
    annealed : int
        Distinct equilibria annealing found.
    """

    equilibria: list[np.ndarray] = field(default_factory=list)
    best: np.ndarray | None = None
    worst: np.ndarray | None = None
    count: int = 0
    complete: bool = True
    nodes: int = 0
    annealing_runs: int = 0
    annealed: int = 0


def search_equilibria(
    game: PairwiseGame,
    time_limit: float | None = None,
    keep: int = 100,
    threads: int | None = None,
) -> SearchOutcome:
    """Every pure Nash equilibrium of ``game`` by backtracking with best-response pruning.

    Parameters
    ----------
    game : PairwiseGame
    time_limit : float, optional
        Seconds; the outcome then holds what was found and ``complete`` is False.
    keep : int
        Most equilibria listed (all are counted, and the best and worst are
        tracked over all of them).
    threads : int, optional
        With 2 or more (the default), regret annealing runs on a second core
        once the search has not finished within its first
        :data:`NODES_PER_CALL` nodes; with 1 it does not run. It changes the
        outcome only when the time limit stops the search.

    Returns
    -------
    SearchOutcome

    Examples
    --------
    >>> stag_hunt = [[4, 0], [3, 3]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["stag", "hare"], "b": ["stag", "hare"]},
    ...     [("a", "b", stag_hunt), ("b", "a", stag_hunt)],
    ... )
    >>> found = search_equilibria(game)
    >>> [p.tolist() for p in found.equilibria], found.count, found.complete
    ([[0, 0], [1, 1]], 2, True)
    >>> found.best.tolist(), found.worst.tolist()
    ([0, 0], [1, 1])
    """
    n, m = game.n_players, np.ascontiguousarray(game.n_actions)
    width = int(m.max(initial=1))
    payoffs, start = game.flat
    owner = np.ascontiguousarray(game.player)
    rorder = np.argsort(game.opponent, kind="stable").astype(np.int64)
    rpointer = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(game.opponent, minlength=n), out=rpointer[1:])
    best_gain = np.zeros((game.n_tables, width, width))
    for t, table in enumerate(game.tables):
        best_gain[t, : table.shape[0], : table.shape[0]] = (
            table[:, None, :] - table[None, :, :]
        ).max(axis=2)
    gain = np.zeros((n, width, width))
    room = np.zeros((n, width, width))
    np.add.at(room, owner, best_gain)
    action = np.full(n, -1, dtype=np.int64)
    partners = np.zeros(n, dtype=np.int64)
    stack_player = np.zeros(n + 1, dtype=np.int64)
    stack_actions = np.zeros((n + 1, width), dtype=np.int64)
    stack_count = np.zeros(n + 1, dtype=np.int64)
    stack_next = np.zeros(n + 1, dtype=np.int64)
    state = np.zeros(3, dtype=np.int64)
    found = np.zeros((keep, n), dtype=np.int64)
    n_found = np.zeros(1, dtype=np.int64)
    extremes = np.array([-np.inf, np.inf])
    extreme_profiles = np.zeros((2, n), dtype=np.int64)
    threshold = game.tolerance
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    opponent = np.ascontiguousarray(game.opponent)
    arrays = (
        m, owner, opponent, rpointer, rorder,
        np.ascontiguousarray(start), np.ascontiguousarray(payoffs),
    )  # fmt: skip
    annealing = None
    try:
        while True:
            _search(
                *arrays, best_gain, threshold, action, gain, room, partners,
                stack_player, stack_actions, stack_count, stack_next,
                state, found, n_found, extremes, extreme_profiles, NODES_PER_CALL,
            )  # fmt: skip
            if state[1] == 2 or (deadline is not None and time.perf_counter() > deadline):
                break
            if annealing is None and uses_second_core(threads):
                annealing = BackgroundEquilibriumAnnealing(game).__enter__()
    finally:
        annealed = annealing.stop() if annealing is not None else None
    listed = [found[k].copy() for k in range(min(int(n_found[0]), keep))]
    has_any = n_found[0] > 0
    outcome = SearchOutcome(
        equilibria=listed,
        best=extreme_profiles[0].copy() if has_any else None,
        worst=extreme_profiles[1].copy() if has_any else None,
        count=int(n_found[0]),
        complete=bool(state[1] == 2),
        nodes=int(state[2]),
    )
    if annealed is not None:
        outcome.annealing_runs, outcome.annealed = annealed.runs, len(annealed.equilibria)
        if not outcome.complete:
            _merge(game, outcome, annealed.equilibria, keep)
    outcome.equilibria.sort(key=lambda p: -game.welfare(p))
    return outcome


def _merge(game: PairwiseGame, outcome: SearchOutcome, more: list[np.ndarray], keep: int) -> None:
    """Add equilibria found elsewhere: new extremes, and to the listing while there is room."""
    known = {p.tobytes() for p in outcome.equilibria}
    for profile in more:
        if len(outcome.equilibria) < keep and profile.tobytes() not in known:
            outcome.equilibria.append(profile)
            known.add(profile.tobytes())
        welfare = game.welfare(profile)
        if outcome.best is None or welfare > game.welfare(outcome.best):
            outcome.best = profile
        if outcome.worst is None or welfare < game.welfare(outcome.worst):
            outcome.worst = profile


@functools.cache
def compile_kernels() -> None:
    """Compile (or load from numba's cache) the search kernel once per process."""
    game = PairwiseGame.from_tables({"a": ["x", "y"], "b": ["x"]}, [("a", "b", [[1.0], [0.0]])])
    search_equilibria(game)
    equilibrium_annealing.compile_kernels()
