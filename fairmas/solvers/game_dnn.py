"""The social optimum of a dense polymatrix game by branch and bound on doubly nonnegative bounds.

The welfare W(a) = Σ_{i<j} W_ij(a_i, a_j) of a polymatrix game is a quadratic
semi-assignment objective. On dense games (every pair interacts) the local
polytope LP behind ``milp``, ``cycle_lp`` and toulbar2's soft arc consistency
is weak (13 % above the optimum on the 30 × 5 benchmark game), while the doubly
nonnegative (DNN) relaxation of :mod:`fairmas.solvers.dnn_relaxation` is
within 1.7 %. This module closes that gap by best-first branch and bound:

1. **Incumbent.** Simulated annealing (:func:`~fairmas.solvers.game_annealing.anneal_welfare`)
   for :data:`ANNEALING_SECONDS_PER_ACTION` per action (at most
   :data:`ANNEALING_SECONDS` and :data:`ANNEALING_SHARE` of the time limit,
   at least one run); every node's marginals are
   rounded (each player's likeliest action, then iterated conditional modes)
   into further candidates.
2. **Nodes** fix some players' actions. The fixed players turn the pairs they
   belong to into a constant and unary terms of the others, so a node is a
   smaller semi-assignment problem whose DNN bound is computed by ADMM, warm
   started from its parent's iterate. A node is pruned once its bound falls
   below the incumbent plus one unit of welfare (when the payoffs scale exactly
   to integers, :func:`~fairmas.solvers.game_cpsat.integer_scale`; otherwise
   plus :data:`RELATIVE_GAP` of the incumbent).
3. **Branching.** A node whose bound will not get there (its progress over the
   last 100 iterations is less than 1/:data:`BRANCH_FACTOR` of the distance)
   is split on one player, one child per action. The player is the one whose
   children have the least total excess of their fixing bounds
   (:meth:`~fairmas.solvers.dnn_relaxation.DnnBound.fixing_bounds`, free from
   the parent's dual matrix) over the pruning threshold; children whose fixing
   bound is already below it are never created.
4. **Two workers** take nodes from the shared queue (the eigendecompositions
   release the GIL; BLAS is held to one thread each). The reported bound is
   the largest bound of a node still open, so a time limit leaves the
   incumbent with a proved gap.

Dense 30 × 5 benchmark game (9.3 × 10²⁰ profiles): the optimum 4,612 is proved
in 20–30 s (see BENCHMARKS.md); toulbar2 and the LP-based methods end
60 s with gaps of 13–25 %.

References
----------
D. E. Oliveira, H. Wolkowicz, Y. Xu, "ADMM for the SDP relaxation of the
QAP", Mathematical Programming Computation 10 (2018) 631–658.
F. Rendl, G. Rinaldi, A. Wiegele, "Solving Max-Cut to optimality by
intersecting semidefinite and polyhedral relaxations", Math. Programming 121
(2010) 307–335 (branch and bound on semidefinite bounds).
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.result import Status
from fairmas.solvers.background_runs import uses_second_core
from fairmas.solvers.dnn_relaxation import dnn_bound
from fairmas.solvers.game_annealing import anneal_welfare
from fairmas.solvers.game_cpsat import integer_scale
from fairmas.solvers.game_local_search import local_welfare_profile

ACTION_LIMIT = 1000
"""Most actions in total (Σ_i |A_i|): each ADMM step decomposes a matrix of about that order."""

ANNEALING_SHARE = 0.05
"""Share of the time limit spent annealing for an incumbent before the search."""

ANNEALING_SECONDS = 2.0
"""Most seconds spent annealing for an incumbent before the search."""

ANNEALING_SECONDS_PER_ACTION = 0.005
"""Seconds of annealing per action of the game (0.75 s at 30 × 5), within the two caps above."""

BRANCH_FACTOR = 2.0
"""A node branches once its bound's distance to the threshold exceeds this many times
its progress over the last 100 iterations."""

RELATIVE_GAP = 1e-6
"""Pruning margin relative to the incumbent when payoffs are not exact integers after scaling."""


@dataclass(frozen=True)
class DnnOutcome:
    """How the branch and bound ended.

    Attributes
    ----------
    status : Status
        ``optimal`` when every node was pruned, ``max_time_limit`` otherwise.
    profile : ndarray of int64
        The best profile found (action index per player).
    bound : float
        Proved upper bound on the welfare (the incumbent's welfare when optimal).
    stats : dict
        ``root_bound``, ``nodes`` (bounds computed), ``branched``,
        ``pruned_by_fixing`` (children never created), ``iterations`` (ADMM),
        ``workers``, ``annealed_welfare``.
    """

    status: Status
    profile: np.ndarray
    bound: float
    stats: dict = field(default_factory=dict)


def too_many_actions(game: PairwiseGame) -> str | None:
    """Why ``game`` is too big for this method (over :data:`ACTION_LIMIT` actions), or None.

    >>> too_many_actions(PairwiseGame.random(4, 3, seed=0)) is None
    True
    """
    if game.total_actions <= ACTION_LIMIT:
        return None
    return (
        f"method dnn lifts the game to a matrix of order Σ|A_i| + 1 and takes at most "
        f"{ACTION_LIMIT} actions in total (this game has {game.total_actions}); "
        "use method toulbar2 or cycle_lp"
    )


def welfare_matrix(game: PairwiseGame) -> np.ndarray:
    """W[k, l] = W_ij(a, b) for k = (i, a), l = (j, b): the welfare of the pair, symmetric.

    Examples
    --------
    >>> pd = [[3, 0], [5, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
    ... )
    >>> welfare_matrix(game).astype(int).tolist()
    [[0, 0, 6, 5], [0, 0, 5, 2], [6, 5, 0, 0], [5, 2, 0, 0]]
    """
    offset = game.action_offset
    total = game.total_actions
    matrix = np.zeros((total, total))
    u, v, _, _ = game.edges
    for e in range(u.size):
        i, j = int(u[e]), int(v[e])
        block = game.edge_welfare(e)
        matrix[offset[i] : offset[i + 1], offset[j] : offset[j + 1]] += block
        matrix[offset[j] : offset[j + 1], offset[i] : offset[i + 1]] += block.T
    return matrix


@dataclass(order=True)
class _Node:
    """Players fixed so far; ordered by bound (best first), then depth (deeper first)."""

    priority: tuple[float, int, int]
    fixed: dict[int, int] = field(compare=False)
    warm: tuple | None = field(compare=False, default=None)


class _Search:
    """The shared state of the workers: queue, incumbent, counters."""

    def __init__(self, game: PairwiseGame, deadline: float, incumbent: np.ndarray) -> None:
        self.game = game
        self.deadline = deadline
        self.matrix = welfare_matrix(game)
        self.offset = game.action_offset
        self.sizes = game.n_actions
        scaling = integer_scale(game.flat[0])
        self.unit = 1.0 / scaling.factor if scaling.exact else 0.0
        self.lock = threading.Condition()
        self.queue: list[_Node] = []
        self.busy: dict[int, float] = {}  # worker → bound of the node it works on
        self.counter = itertools.count()
        self.profile = np.asarray(incumbent, dtype=np.int64)
        self.welfare = game.welfare(self.profile)
        self.stats = {"nodes": 0, "branched": 0, "pruned_by_fixing": 0, "iterations": 0}
        self.root_bound = math.inf
        self.timed_out = False
        self.failure: BaseException | None = None

    # -------------------------------------------------------------- incumbent and pruning

    def threshold(self) -> float:
        """A node whose bound is below this holds no better profile."""
        if self.unit > 0:
            return self.welfare + self.unit * (1.0 - 1e-6)
        return self.welfare + RELATIVE_GAP * max(1.0, abs(self.welfare))

    def offer(self, profile: np.ndarray) -> None:
        """Keep ``profile`` (improved by iterated conditional modes) when it beats the incumbent."""
        profile = local_welfare_profile(self.game, start=profile)
        welfare = self.game.welfare(profile)
        with self.lock:
            if welfare > self.welfare:
                self.profile, self.welfare = profile, welfare

    # -------------------------------------------------------------- one node

    def _subproblem(self, fixed: dict[int, int]) -> tuple[float, np.ndarray, np.ndarray, list]:
        """Constant, unary terms and pairwise block of the players not fixed."""
        cells_fixed = np.array([self.offset[i] + a for i, a in fixed.items()], dtype=np.int64)
        free = [i for i in range(self.game.n_players) if i not in fixed]
        cells_free = (
            np.concatenate([np.arange(self.offset[i], self.offset[i + 1]) for i in free])
            if free
            else np.zeros(0, dtype=np.int64)
        )
        constant = 0.5 * float(self.matrix[np.ix_(cells_fixed, cells_fixed)].sum())
        unary = self.matrix[np.ix_(cells_free, cells_fixed)].sum(axis=1)
        pairwise = self.matrix[np.ix_(cells_free, cells_free)]
        return constant, unary, pairwise, free

    def solve_node(self, node: _Node) -> None:
        """Bound one node: prune it, or branch on one player."""
        fixed = node.fixed
        constant, unary, pairwise, free = self._subproblem(fixed)
        if not free:
            profile = np.array([fixed[i] for i in range(self.game.n_players)], dtype=np.int64)
            self.offer(profile)
            return
        sizes = self.sizes[free]
        with self.lock:
            threshold = self.threshold()
        found = dnn_bound(
            pairwise,
            unary,
            sizes,
            threshold=threshold - constant,
            warm=node.warm,
            deadline=self.deadline,
            branch_factor=BRANCH_FACTOR,
        )
        bound = found.bound + constant
        with self.lock:
            self.stats["nodes"] += 1
            self.stats["iterations"] += found.iterations
            if not fixed:
                self.root_bound = bound
        # a rounded profile for the incumbent
        profile = np.zeros(self.game.n_players, dtype=np.int64)
        for i, a in fixed.items():
            profile[i] = a
        starts = np.concatenate([[0], np.cumsum(sizes)])
        for position, i in enumerate(free):
            profile[i] = int(np.argmax(found.marginals[starts[position] : starts[position + 1]]))
        self.offer(profile)
        with self.lock:
            threshold = self.threshold()
        if bound < threshold:
            return
        if time.perf_counter() > self.deadline:  # bound cut short: keep the node open
            with self.lock:
                self.timed_out = True
                kept = min(bound, -node.priority[0])
                self._push(_Node((-kept, -len(fixed), next(self.counter)), fixed, node.warm))
            return
        children = found.fixing_bounds() + constant
        excess = np.maximum(children - threshold, 0.0)
        per_player = np.add.reduceat(excess, starts[:-1])
        position = int(np.argmin(per_player))
        player = free[position]
        keep = [i for i in range(sizes.size) if i != position]
        cells = np.concatenate([np.arange(starts[k], starts[k + 1]) for k in keep] + [[]])
        cells = np.concatenate([[0], 1 + cells.astype(np.int64)])
        warm = (found.Y[np.ix_(cells, cells)], found.Z[np.ix_(cells, cells)])
        with self.lock:
            self.stats["branched"] += 1
            for a in range(int(sizes[position])):
                child_bound = min(bound, float(children[starts[position] + a]))
                if child_bound < threshold:
                    self.stats["pruned_by_fixing"] += 1
                    continue
                child = dict(fixed)
                child[player] = a
                self._push(_Node((-child_bound, -len(child), next(self.counter)), child, warm))

    # -------------------------------------------------------------- the queue

    def _push(self, node: _Node) -> None:
        heapq.heappush(self.queue, node)
        self.lock.notify_all()

    def work(self, worker: int) -> None:
        """Take nodes until the queue is empty and no other worker can add to it."""
        while True:
            with self.lock:
                while True:
                    while self.queue and -self.queue[0].priority[0] < self.threshold():
                        heapq.heappop(self.queue)  # pruned by a newer incumbent
                    if self.failure is not None:
                        return
                    if self.queue and time.perf_counter() <= self.deadline:
                        node = heapq.heappop(self.queue)
                        self.busy[worker] = -node.priority[0]
                        break
                    if self.queue:  # time is up
                        self.timed_out = True
                        self.lock.notify_all()
                        return
                    if not self.busy:
                        self.lock.notify_all()
                        return
                    self.lock.wait(0.05)
            try:
                self.solve_node(node)
            except BaseException as error:  # stop every worker; the caller re-raises
                with self.lock:
                    self.failure = self.failure or error
                    self.queue.clear()
                    self.lock.notify_all()
                return
            finally:
                with self.lock:
                    del self.busy[worker]
                    self.lock.notify_all()

    def open_bound(self) -> float:
        """The largest bound of a node still open, or the incumbent's welfare."""
        bounds = [-node.priority[0] for node in self.queue] + list(self.busy.values())
        return max([self.welfare, *bounds])


def dnn_social_optimum(
    game: PairwiseGame, time_limit: float | None = None, threads: int | None = None
) -> DnnOutcome:
    """Maximum-welfare profile of ``game`` by branch and bound on doubly nonnegative bounds.

    Parameters
    ----------
    game : PairwiseGame
        At most :data:`ACTION_LIMIT` actions in total.
    time_limit : float, optional
        Seconds for the whole search (annealing included).
    threads : int, optional
        Workers: two by default, one with ``threads=1``.

    Returns
    -------
    DnnOutcome

    Examples
    --------
    Three players on a triangle, each pair earning 2 when its two players
    differ (2 actions each): no profile pleases all three pairs, the best
    earns 4.

    >>> differ = [[0, 2], [2, 0]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["x", "y"], "b": ["x", "y"], "c": ["x", "y"]},
    ...     [("a", "b", differ), ("b", "c", differ), ("a", "c", differ)],
    ... )
    >>> found = dnn_social_optimum(game)
    >>> found.status.value, game.welfare(found.profile), found.bound
    ('optimal', 4.0, 4.0)
    """
    too_big = too_many_actions(game)
    if too_big:
        raise ValueError(too_big)
    started = time.perf_counter()
    limit = math.inf if time_limit is None else float(time_limit)
    deadline = started + limit
    annealing_seconds = min(
        ANNEALING_SECONDS,
        ANNEALING_SHARE * limit,
        ANNEALING_SECONDS_PER_ACTION * game.total_actions,
    )
    annealed = anneal_welfare(game, annealing_seconds)
    search = _Search(game, deadline, annealed.profile)
    search.offer(annealed.profile)
    workers = 2 if uses_second_core(threads) else 1
    with search.lock:
        search._push(_Node((-math.inf, 0, next(search.counter)), {}))
    with threadpool_limits(1):
        pool = [
            threading.Thread(target=search.work, args=(w,), name=f"fairmas-dnn-{w}", daemon=True)
            for w in range(1, workers)
        ]
        for thread in pool:
            thread.start()
        search.work(0)
        for thread in pool:
            thread.join()
    if search.failure is not None:
        raise search.failure
    optimal = not search.queue and not search.timed_out
    bound = search.welfare if optimal else search.open_bound()
    stats = dict(search.stats)
    stats.update(
        root_bound=float(search.root_bound),
        workers=workers,
        annealed_welfare=annealed.welfare,
        seconds=time.perf_counter() - started,
    )
    return DnnOutcome(
        Status.OPTIMAL if optimal else Status.MAX_TIME_LIMIT, search.profile, bound, stats
    )
