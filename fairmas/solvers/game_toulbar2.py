"""The social optimum of a pairwise-utility game as a cost function network, solved by toulbar2.

A polymatrix game's welfare W(a) = Σ_e W_e(a_u, a_v) over interacting pairs
e = {u, v} is the energy of a pairwise Markov random field, so its maximum is a
MAP query, i.e. a weighted constraint satisfaction problem (WCSP): one variable
per player (its action), one binary cost function per interacting pair with
costs c_e(a, b) = max W_e − W_e(a, b) ≥ 0, and

.. math::

    \\max_a W(a) = \\sum_e \\max W_e - \\min_a \\sum_e c_e(a_u, a_v).

toulbar2 solves it exactly by hybrid best-first branch and bound with soft
arc consistency (EDAC) lower bounds. Costs must be integers: payoffs are
scaled with :func:`fairmas.solvers.game_cpsat.integer_scale` (exactly when they
have at most 9 decimals) and the welfare of the profile found is recomputed in
floating point by the objective.

References
----------
D. Allouche, S. de Givry, G. Katsirelos, T. Schiex, M. Zytnicki, "Anytime
hybrid best-first search with tree decomposition for weighted CSP", CP 2015.
M. C. Cooper, S. de Givry, M. Sanchez, T. Schiex, M. Zytnicki, T. Werner,
"Soft arc consistency revisited", Artificial Intelligence 174 (2010).
B. Hurley et al., "Multi-language evaluation of exact solvers in graphical
model discrete optimization", Constraints 21 (2016), where toulbar2 leads on
MRF MAP benchmarks.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytoulbar2
from pytoulbar2 import pytb2

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.result import Status
from fairmas.solvers.game_cpsat import Scaling, integer_scale
from fairmas.solvers.toulbar2_watchdog import TimeLimitWatchdog

CPU_MARGIN = 0.1
"""Seconds of CPU below the limit a search must stay under to count as exhausted."""

_ONE_SEARCH_AT_A_TIME = threading.Lock()
"""toulbar2's options, solver state and timer are process-wide, as is the standard output the
searches silence: threads (a branch and cut's workers, a user's) take turns."""


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    """File descriptor 1 goes to the null device inside the block.

    toulbar2 writes "Time limit expired... Aborting..." to the C-level
    standard output when its time-out interrupts a search, whatever its
    verbosity: inside ``fairmas solve --json`` that would corrupt the JSON.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _fresh_toulbar2() -> None:
    """Restore toulbar2's global state before a new network.

    toulbar2 keeps its options and solver state in process-wide globals that
    a search may change (it turns hybrid best-first search off for some
    networks, for instance), and pytoulbar2's constructor resets only part of
    them: after one tiny game solved with an initial upper bound, every later
    search in the process explored about a hundred times more nodes.
    ``pytb2.init()`` restores the defaults (in microseconds).
    """
    pytb2.init()


@dataclass(frozen=True)
class Toulbar2Outcome:
    """How a toulbar2 search for the social optimum ended.

    Attributes
    ----------
    status : Status
        ``optimal`` when the dual bound meets the incumbent, ``max_time_limit``
        when the time limit stopped the search.
    profile : ndarray of int64 or None
        The best profile found (action index per player).
    bound : float or None
        Upper bound on the welfare proved by toulbar2 (scaled back).
    scaling : Scaling
        The factor that made the costs integers.
    nodes : int
        Search nodes explored.
    """

    status: Status
    profile: np.ndarray | None
    bound: float | None
    scaling: Scaling
    nodes: int


def toulbar2_social_optimum(
    game: PairwiseGame,
    time_limit: float | None = None,
    incumbent: np.ndarray | None = None,
) -> Toulbar2Outcome:
    """Maximum-welfare profile of ``game`` by toulbar2.

    Parameters
    ----------
    game : PairwiseGame
    time_limit : float, optional
        Seconds of CPU time, counted over the whole process from the start of
        the search (toulbar2 counts whole seconds; rounded up, at least 1):
        another busy thread shortens the search in wall time. The limit also
        holds in wall time, plus :data:`~fairmas.solvers.toulbar2_watchdog.GRACE`:
        toulbar2's timer signal sets a flag of the thread that receives it, and
        when another busy thread takes it, a
        :class:`~fairmas.solvers.toulbar2_watchdog.TimeLimitWatchdog` stops the
        search instead.
    incumbent : ndarray of int, optional
        A profile already known: toulbar2 then searches only for profiles at
        least as good (its cost bounds the search from the start), and returns
        the incumbent or a better one.

    Returns
    -------
    Toulbar2Outcome

    Examples
    --------
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]},
    ...     [("a", "b", [[3, 0], [5, 1]]), ("b", "a", [[3, 0], [5, 1]])],
    ... )
    >>> found = toulbar2_social_optimum(game)
    >>> found.status, found.profile.tolist(), found.bound
    (<Status.OPTIMAL: 'optimal'>, [0, 0], 6.0)

    Given the optimum as incumbent, toulbar2 proves that nothing beats it:

    >>> again = toulbar2_social_optimum(game, incumbent=np.array([0, 0]))
    >>> again.status, again.profile.tolist()
    (<Status.OPTIMAL: 'optimal'>, [0, 0])
    """
    payoffs, _ = game.flat
    scaling = integer_scale(payoffs)
    u, v, _, _ = game.edges
    tables = [
        np.rint(game.edge_welfare(e) * scaling.factor).astype(np.int64) for e in range(u.size)
    ]
    best_total = sum(int(welfare.max()) for welfare in tables)
    ceiling = None
    if incumbent is not None:
        profile = np.asarray(incumbent, dtype=np.int64)
        ceiling = best_total - sum(
            int(welfare[profile[u[e]], profile[v[e]]]) for e, welfare in enumerate(tables)
        )
        if ceiling <= 0:  # the incumbent earns every pair's best: nothing is better
            return Toulbar2Outcome(Status.OPTIMAL, profile, game.welfare(profile), scaling, 0)
    # the incumbent's own cost stays below the initial upper bound, so the network always has
    # a solution (toulbar2 reports none, rather than a proof, when nothing beats the bound)
    search = toulbar2_minimize(
        tuple(int(size) for size in game.n_actions),
        [
            ((int(u[e]), int(v[e])), int(welfare.max()) - welfare)
            for e, welfare in enumerate(tables)
        ],
        None if ceiling is None else ceiling + 1,
        time_limit,
    )
    bound = (best_total - search.dual) / scaling.factor if search.dual is not None else None
    if search.profile is None:
        status = Status.MAX_TIME_LIMIT if time_limit is not None else Status.ERROR
        if ceiling is not None:  # the search stopped before it even met the incumbent again
            return Toulbar2Outcome(
                status, np.asarray(incumbent, dtype=np.int64), bound, scaling, search.nodes
            )
        return Toulbar2Outcome(status, None, bound, scaling, search.nodes)
    if search.proved:
        bound = (best_total - search.cost) / scaling.factor
    status = Status.OPTIMAL if search.proved else Status.MAX_TIME_LIMIT
    return Toulbar2Outcome(status, search.profile, bound, scaling, search.nodes)


@dataclass(frozen=True)
class NetworkSearch:
    """What a toulbar2 search of a cost function network ended with.

    Attributes
    ----------
    profile : ndarray of int64 or None
        The cheapest assignment found below the initial upper bound (None when
        none was found).
    cost : int or None
        Its cost.
    dual : float or None
        toulbar2's lower bound on the cost of every assignment below the upper bound.
    nodes : int
        Search nodes explored.
    exhausted : bool
        The search space was exhausted within the time limit: ``profile`` is
        optimal, or, when None, nothing costs less than the upper bound.
    """

    profile: np.ndarray | None
    cost: int | None
    dual: float | None
    nodes: int
    exhausted: bool

    @property
    def proved(self) -> bool:
        """The assignment found is optimal (exhausted, or its cost met the lower bound)."""
        if self.profile is None:
            return False
        return self.exhausted or (self.dual is not None and self.dual >= self.cost - 0.5)


def toulbar2_minimize(
    domains: tuple[int, ...],
    functions: Iterable[tuple[tuple[int, ...], np.ndarray]],
    upper: int | None = None,
    time_limit: float | None = None,
) -> NetworkSearch:
    """The cheapest assignment of a cost function network with integer costs, by toulbar2.

    Parameters
    ----------
    domains : tuple of int
        Number of values of every variable.
    functions : iterable of (scope, table)
        Non-negative integer costs, one axis of ``table`` per variable of ``scope``.
    upper : int, optional
        Only assignments costing strictly less are searched for.
    time_limit : float, optional
        Seconds of CPU time, as for :func:`toulbar2_social_optimum`.

    Returns
    -------
    NetworkSearch

    Examples
    --------
    >>> found = toulbar2_minimize((2, 2), [((0,), np.array([0, 3])),
    ...                                    ((0, 1), np.array([[4, 1], [0, 2]]))])
    >>> found.profile.tolist(), found.cost, found.proved
    ([0, 1], 1, True)
    >>> toulbar2_minimize((2,), [((0,), np.array([5, 7]))], upper=5).profile is None
    True
    """
    with _ONE_SEARCH_AT_A_TIME:
        _fresh_toulbar2()
        network = pytoulbar2.CFN(ubinit=upper, resolution=0, verbose=-1)
        for variable, size in enumerate(domains):
            network.AddVariable(f"x{variable}", range(int(size)))
        for scope, table in functions:
            network.AddFunction(
                [int(v) for v in scope], np.asarray(table, dtype=np.int64).ravel().tolist()
            )
        seconds = 0 if time_limit is None else max(1, math.ceil(time_limit))
        started = time.thread_time()
        with _stdout_silenced():
            with TimeLimitWatchdog(seconds or None) as watchdog:
                found = network.Solve(timeLimit=seconds)
            if seconds and hasattr(signal, "ITIMER_VIRTUAL"):  # a CPU timer left armed fires later
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        # toulbar2 stops when the search space is exhausted, when the process has used
        # ``seconds`` of CPU time since the search began (the CPU of every thread counts), or when
        # the watchdog interrupted it; a stop by a timer sets its ``limited`` flag. The search,
        # which runs in this thread, counts as exhausted when no timer stopped it and this
        # thread's own CPU stayed clearly under the limit: the process clock would count another
        # busy thread too (a branch-and-cut worker's LP) and make a finished search look cut short.
        exhausted = seconds == 0 or (
            not watchdog.fired
            and not pytb2.option.limited
            and time.thread_time() - started < seconds - CPU_MARGIN
        )
        reported = network.GetDDualBound()
        dual = None if reported is None else float(reported)
        nodes = int(network.GetNbNodes())
        if found is None:
            return NetworkSearch(None, None, dual, nodes, exhausted)
    profile = np.asarray(found[0], dtype=np.int64)
    return NetworkSearch(profile, round(found[1]), dual, nodes, exhausted)
