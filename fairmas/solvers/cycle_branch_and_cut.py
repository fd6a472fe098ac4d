"""Best-first branch and cut over the players' actions on the cycle-tightened local polytope.

What :func:`~fairmas.solvers.game_cycle_lp.cycle_lp_social_optimum` runs
after its cut rounds when the bound has not met the incumbent
(:func:`branch_and_cut`): a node holds some players at one action each, its
bound is L(y) of its LP's dual (:func:`~fairmas.solvers.cycle_lp_relaxation.dual_bound`),
the LP re-solved from the parent's basis by the dual simplex and stopped as
soon as it closes the node; a node that stays open is split on the
fractional player whose columns carry the most cut dual
(:func:`_branching_player`), one child per action. Two workers take the best
open nodes, each with its own copy of the LP.

References
----------
D. Sontag, T. Meltzer, A. Globerson, T. Jaakkola, Y. Weiss, "Tightening LP
relaxations for MAP using message passing", UAI 2008.
T. Achterberg, T. Koch, A. Martin, "Branching rules revisited", Operations
Research Letters 33 (2005).
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.cycle_lp_relaxation import (
    Incumbent,
    LocalPolytope,
    LpArrays,
    Networks,
    dual_bound,
    lp_arrays,
    round_lp_point,
    run_until,
    search_network,
)
from fairmas.solvers.cycle_separation import CycleSeparator

SEARCH_GAP = 5.0
"""The network search before the branch and cut gets its full time, and the one at each of its
nodes runs at all, only when the LP bound is within this many units of the (integer-scaled) cost
of the incumbent.

toulbar2 on an LP dual's network closes small gaps, not large ones: on the sparse 1000 × 3 games
of seeds 12 and 13 (300 s limits) every node search with a gap of at most 4.7 units exhausted its
node, in 0.2–1.8 s, and every one with a gap of 5.6 units or more ran its full 2 s without
closing it (the root's 10 s search, at gaps of 4–11 units, closes nothing there either). With
the 4 CPU seconds of :data:`NODE_SEARCH_SECONDS`, a gap of 7 units made the tree of seed 0
slower (53 against 45 s, two runs each, interleaved)."""

NODE_ROUNDS = 0
"""Cut rounds at most at every branch-and-cut node after its LP.

The nodes keep the root's cuts (cycle inequalities hold for every profile). One more round per
node made the sparse 1000 × 3 games of seeds 10, 12 and 13 (300 s limits) slower in all, 347 s
against 304 s for their three proofs in one session (fewer nodes, 7–13 against 13–16, but each
about twice as long: a second LP solve after the separation); three rounds were slower still."""

INTERIOR_ZERO_DUAL = 1e-6
INTERIOR_SLACK = 1e-5
"""Tolerances (dual, slack) by which the cuts slack at the rounds' interior point are dropped before
the branch and cut's vertex solve.

On the sparse 1000 × 3 game of seed 13 they drop 3,916 of 6,253 cuts (the vertex solution drops
3,816 by 10⁻⁹ and 10⁻⁷), the vertex solve takes 3.4 s instead of 5.0 s, and its optimum is the
same to 10⁻¹¹."""

NODE_SEARCH_SECONDS = 4.0
"""CPU seconds of toulbar2 on a node's conditioned network before the node is branched.

toulbar2 counts the CPU time of the whole process, so while the other tree worker solves its LP
beside the search, 4 CPU seconds are about 2 s of wall time. On the sparse 1000 × 3 game of
seed 0 (300 s limits, interleaved runs in one session) the node searches then exhaust their
nodes where 2 CPU seconds cut some of them short: the proofs took 28–31 nodes instead of 28–40
(34–40 in five runs of six) and the tree 34–51 s instead of 40–50 s (41 s against 46 s on
average; 6 and 8 s gave the same 28 nodes). The other sparse 1000 × 3 seeds (60 s limits), the
dense 15 × 5 and the mid-size games were the same within noise. With a search's exhaustion read
off toulbar2's own flag (:func:`~fairmas.solvers.game_toulbar2.toulbar2_minimize`) it is still
so: 28 nodes and 74–78 s at 4 CPU seconds, 40 nodes and 85–90 s at 2 (two runs each)."""


def branch_and_cut(
    game: PairwiseGame,
    polytope: LocalPolytope,
    separator: CycleSeparator,
    networks: Networks,
    best: Incumbent,
    unit: float,
    root_bound: float,
    deadline: float,
    stats: dict,
    workers: int = 1,
) -> float:
    """Best-first branch and cut on the players' actions; returns a lower bound on every cost.

    A node holds some players at one action each (the cells of their anchor
    pairs that give them another action get upper bound 0). Its LP is
    re-solved by the warm dual simplex, which stops once its dual objective
    closes the node (when
    the rounds' interior point method left no basis, one solve with
    crossover gives the root one), with up to :data:`NODE_ROUNDS` cut rounds
    (cycle inequalities hold for every profile, so they stay for all nodes),
    and its bound is L(y) of its dual.
    When that bound is within :data:`SEARCH_GAP` units of the incumbent,
    toulbar2 then searches the node's network (the LP dual's network held at
    the node's actions) for :data:`NODE_SEARCH_SECONDS`; a node that neither
    bound nor search closes is split on the fractional player whose columns
    carry the most cut dual (:func:`_branching_player`), one child per
    action. Before the first node the cuts that are slack and have a zero
    dual are dropped, which makes each node LP about three times
    faster (a node's cut rounds may find them again where it violates them).

    With ``workers`` ≥ 2 (and no node cut rounds, so that every copy holds
    the same rows and any node's basis fits every copy) as many threads
    take the best open nodes, each with its own copy of the LP: HiGHS
    releases the GIL while it solves, toulbar2 runs one search at a time.

    Parameters
    ----------
    game : PairwiseGame
    polytope : LocalPolytope
        The LP with its cuts, solved (by the simplex, or by the interior
        point method: then one more solve gives it a basis).
    separator : CycleSeparator
        For the node cut rounds.
    networks : Networks
    best : Incumbent
        The best profile so far; it takes every better one the nodes find.
    unit : float
        1 when the scaled costs are exact integers (a node closes once its
        bound is within a unit of the incumbent), else 0.
    root_bound : float
        A lower bound on every profile's cost (the root's L(y)).
    deadline : float
        ``time.perf_counter()`` value after which no node begins.
    stats : dict
        Receives ``branch_nodes``, ``open_nodes`` and ``tree_workers``.
    workers : int

    Returns
    -------
    float
        A lower bound on the cost of every profile: the incumbent's cost when
        the tree was exhausted, else the least bound of the open nodes.

    Examples
    --------
    Four players, every pair of whom earns 2 when its two players differ:
    the local polytope claims welfare 12 (cost 0); from the profile where all
    agree (welfare 0) the branch and cut finds and proves the optimum 8.

    >>> from fairmas.solvers.cycle_lp_relaxation import local_polytope
    >>> from fairmas.solvers.cycle_separation import CycleSeparator
    >>> differ = [[0, 2], [2, 0]]
    >>> pairs = [(p, q, differ) for p, q in ["ab", "ac", "ad", "bc", "bd", "cd"]]
    >>> game = PairwiseGame.from_tables({p: ["x", "y"] for p in "abcd"}, pairs)
    >>> polytope, best_total = local_polytope(game, 1.0)
    >>> _ = polytope.highs.run()
    >>> root = dual_bound(lp_arrays(polytope))
    >>> best = Incumbent(game, polytope, np.zeros(4, dtype=np.int64))
    >>> separator = CycleSeparator(polytope.n_nodes, polytope.cell_node_u, polytope.cell_node_v)
    >>> stats = {}
    >>> bound = branch_and_cut(
    ...     game, polytope, separator, Networks(game, polytope), best, 1.0, root, math.inf, stats
    ... )
    >>> best_total - root, best_total - bound, game.welfare(best.profile)
    (12.0, 8.0, 8.0)
    """
    highs = polytope.highs
    if not highs.getBasis().valid:
        # the cuts with a zero dual at the rounds' interior point go first: that dual stays
        # optimal without them, so the LP optimum is the same and the vertex solve is faster
        _drop_slack_cuts(polytope, INTERIOR_ZERO_DUAL, INTERIOR_SLACK)
        if not _vertex_solve(highs, deadline):
            stats.update(branch_nodes=0, open_nodes=1)
            return min(best.cost, root_bound)
    highs.setOptionValue("solver", "simplex")
    _drop_slack_cuts(polytope)
    separator.seen.clear()
    offset, actions = game.action_offset, game.n_actions
    # the root's basis goes with it: a worker's fresh copy would solve it from scratch (~10 s)
    tree = _Tree(root_bound, highs.getBasis(), best, max(unit, 1e-9), deadline)

    def work(solver: highspy.Highs) -> None:
        while (node := tree.take()) is not None:
            _restore_basis(solver, node.basis)
            closed = _hold(solver, polytope, offset, actions, node.fixings)
            try:
                fixed = dict(node.fixings)
                found = _node(polytope, solver, separator, networks, best, unit, fixed, deadline)
                basis = solver.getBasis()
            finally:
                ones = np.ones(closed.size)
                solver.changeColsBounds(closed.size, closed, np.zeros(closed.size), ones)
            if found is None:  # out of time: the node stays open with its parent's bound
                tree.settle(node, None)
                return
            bound, player = found
            bound = max(bound, node.bound)
            children = []
            if best.cost - bound >= tree.close and player >= 0:
                children = [
                    (bound, (*node.fixings, (player, action)), basis)
                    for action in range(int(actions[player]))
                ]
            tree.settle(node, children)

    copies = [_copy_solver(highs) for _ in range(workers - 1)] if NODE_ROUNDS == 0 else []
    helpers = [threading.Thread(target=tree.run, args=(work, copy), daemon=True) for copy in copies]
    try:
        for helper in helpers:
            helper.start()
        tree.run(work, highs)
    finally:
        tree.stop()
        for helper in helpers:
            helper.join()
        stats.update(
            branch_nodes=tree.branched, open_nodes=len(tree.heap), tree_workers=1 + len(copies)
        )
    if tree.failure is not None:
        raise tree.failure
    return min([best.cost] + [node.bound for node in tree.heap])


def _copy_solver(highs: highspy.Highs) -> highspy.Highs:
    """A second HiGHS object with the same options and LP (cut rows included)."""
    copy = highspy.Highs()
    copy.passOptions(highs.getOptions())
    copy.passModel(highs.getModel())
    return copy


class _Tree:
    """The open nodes of the best-first branch and cut, shared by its worker threads."""

    def __init__(
        self,
        root_bound: float,
        root_basis: highspy.HighsBasis,
        best: Incumbent,
        close: float,
        deadline: float,
    ) -> None:
        self.heap: list[_OpenNode] = [_OpenNode(root_bound, 0, (), root_basis)]
        self.best, self.close, self.deadline = best, close, deadline
        self.pushed = self.branched = self.busy = 0
        self.stopped = False
        self.failure: BaseException | None = None
        self.changed = threading.Condition()

    def run(self, work: Callable[[highspy.Highs], None], solver: highspy.Highs) -> None:
        """One worker: ``work`` on ``solver``; an exception stops every worker and is kept."""
        try:
            work(solver)
        except BaseException as error:  # re-raised by the caller, after every worker stopped
            with self.changed:
                if self.failure is None:
                    self.failure = error
            self.stop()

    def take(self) -> _OpenNode | None:
        """The best open node the incumbent does not close; None once there is nothing to do.

        Waits while the heap is empty but another worker's node may still add children.
        """
        with self.changed:
            while True:
                while self.heap and self.best.cost - self.heap[0].bound < self.close:
                    heapq.heappop(self.heap)
                idle = not self.heap and self.busy == 0  # no node left, none being solved
                if self.stopped or idle or time.perf_counter() >= self.deadline:
                    self.stopped = True
                    self.changed.notify_all()
                    return None
                if self.heap:
                    self.busy += 1
                    self.branched += 1
                    return heapq.heappop(self.heap)
                self.changed.wait(min(1.0, max(0.0, self.deadline - time.perf_counter())))

    def settle(
        self,
        node: _OpenNode,
        children: list[tuple[float, tuple[tuple[int, int], ...], highspy.HighsBasis]] | None,
    ) -> None:
        """``node`` is done: its children (bound, fixings, basis) open; None: time ran out."""
        with self.changed:
            self.busy -= 1
            if children is None:  # the node stays open with its parent's bound; no more nodes
                children = [(node.bound, node.fixings, node.basis)]
                self.stopped = True
            for bound, fixings, basis in children:
                self.pushed += 1
                heapq.heappush(self.heap, _OpenNode(bound, self.pushed, fixings, basis))
            self.changed.notify_all()

    def stop(self) -> None:
        """No worker takes another node."""
        with self.changed:
            self.stopped = True
            self.changed.notify_all()


@dataclass(order=True)
class _OpenNode:
    """An open branch-and-cut node: its parent's bound and basis, and the players it holds."""

    bound: float
    order: int
    fixings: tuple[tuple[int, int], ...] = field(compare=False)
    basis: highspy.HighsBasis = field(compare=False)


def _restore_basis(highs: highspy.Highs, basis: highspy.HighsBasis) -> None:
    """Start the next solve from ``basis``; rows (cuts) added since it was taken are basic."""
    missing = highs.getNumRow() - len(basis.row_status)
    if missing > 0:
        basis.row_status = [*basis.row_status, *[highspy.HighsBasisStatus.kBasic] * missing]
    highs.setBasis(basis)


def _node(
    polytope: LocalPolytope,
    highs: highspy.Highs,
    separator: CycleSeparator,
    networks: Networks,
    best: Incumbent,
    unit: float,
    fixed: dict[int, int],
    deadline: float,
) -> tuple[float, int] | None:
    """One branch-and-cut node: its cost bound and the player to split on (−1: closed).

    None when the time ran out before its LP was solved. ``highs`` holds the polytope's LP
    (its own solver or a tree worker's copy). The dual simplex stops as soon as its dual
    objective closes the node (:func:`_solve_node_lp`).
    """
    game = best.game
    bound = -math.inf
    x = lp = None
    close = max(unit, 1e-9)
    for round_ in range(NODE_ROUNDS + 1):
        if round_ > 0:
            found = separator.violated_cycles(x, deadline)
            if not found:
                break
            polytope.add_cuts(found)
        solved = _solve_node_lp(polytope, highs, best.cost - close, deadline)
        if solved is None:
            if round_ == 0:
                return None
            return bound, _branching_player(game, polytope, lp, x, fixed)
        lp, dual_bound, closed = solved
        previous, bound = bound, max(bound, dual_bound)
        if closed:  # stopped early: no LP point, nothing to round
            return bound, -1
        x = polytope.point(highs)
        profile = round_lp_point(game, x, polytope)
        profile[list(fixed)] = list(fixed.values())
        best.offer(profile)
        if best.cost - bound < close:
            return bound, -1
        if round_ > 0 and bound - previous < 1e-3 * close:
            break
    seconds = min(NODE_SEARCH_SECONDS, deadline - time.perf_counter())
    network = networks.of(lp) if seconds > 0 and best.cost - bound <= SEARCH_GAP else None
    if network is not None:
        searched = search_network(network, best, unit, seconds, {}, fixed)
        bound = max(bound, min(searched, best.cost))
        if best.cost - bound < close:
            return bound, -1
    return bound, _branching_player(game, polytope, lp, x, fixed)


def _solve_node_lp(
    polytope: LocalPolytope, highs: highspy.Highs, closing: float, deadline: float
) -> tuple[LpArrays, float, bool] | None:
    """A node's LP by the warm dual simplex, stopped once its dual objective exceeds ``closing``.

    Every iterate of the dual simplex is dual feasible, so its objective only
    rises and L(y) of its duals bounds the node at any time: once that
    objective exceeds ``closing`` (the incumbent's cost less a unit) the node
    is closed and the remaining iterations would be wasted (HiGHS'
    ``objective_bound``). Returns the LP with its duals, L(y) and whether the
    solve stopped there, closing the node; None when the time ran out. When
    HiGHS stops on the objective but L(y) of its duals, recomputed, falls
    short of ``closing`` (tolerances), the solve goes on to the optimum.

    On the sparse 1000 × 3 game of seed 0 the stop ends 11–17 of the 31–37
    nodes of a proof early, and the tree takes about a fifth less time.
    """
    highs.setOptionValue("objective_bound", closing)
    try:
        run_until(highs, deadline)
        if highs.getModelStatus() == highspy.HighsModelStatus.kObjectiveBound:
            lp = lp_arrays(polytope, highs)
            bound = dual_bound(lp)
            if bound > closing:
                return lp, bound, True
            highs.setOptionValue("objective_bound", math.inf)
            run_until(highs, deadline)
    finally:
        highs.setOptionValue("objective_bound", math.inf)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    lp = lp_arrays(polytope, highs)
    return lp, dual_bound(lp), False


def _hold(
    highs: highspy.Highs,
    polytope: LocalPolytope,
    offset: np.ndarray,
    actions: np.ndarray,
    fixings: tuple[tuple[int, int], ...],
) -> np.ndarray:
    """Give the HiGHS columns of the actions the fixings exclude upper bound 0; returns them.

    A player's excluded node columns are held through the cells of its anchor pair
    (:meth:`~fairmas.solvers.cycle_lp_relaxation.LocalPolytope.reduced_columns`).
    """
    excluded = [
        int(offset[player]) + other
        for player, action in fixings
        for other in range(int(actions[player]))
        if other != action
    ]
    closed = polytope.reduced_columns(np.asarray(excluded, dtype=np.int64))
    if closed.size:
        highs.changeColsBounds(closed.size, closed, np.zeros(closed.size), np.zeros(closed.size))
    return closed


def _branching_player(
    game: PairwiseGame,
    polytope: LocalPolytope,
    lp: LpArrays,
    x: np.ndarray,
    fixed: dict[int, int],
) -> int:
    """The free fractional player whose columns carry the most cut dual; −1 when none is fractional.

    A player i scores Σ_k y_k Σ_{j ∈ cut k, j a column of i} |A_kj| over the
    cycle inequalities k (y_k ≥ 0 their duals; a pair's column counts for
    both players): the players on the cycles that hold the LP bound up, where
    the relaxation is loosest. Fixing such a player breaks those cycles in
    every child. Without any dual on a fractional player's cuts, the player
    whose likeliest action has the least LP mass is taken.

    On the sparse 1000 × 3 game of seed 0, where some 650 of the 737 players
    the presolve leaves are fractional, the branch and cut after the same
    cut rounds proved the optimum in 31 nodes (102 s in all) instead of 181
    (284 s) with the least-mass rule alone; children often jump above the
    incumbent at once (BENCHMARKS.md).
    """
    offset = game.action_offset
    largest = np.maximum.reduceat(x[: int(offset[-1])], offset[:-1])
    largest[list(fixed)] = 1.0
    fractional = largest < 1.0 - 1e-6
    if not fractional.any():
        return -1
    cuts = polytope.n_equalities
    column_weight = abs(lp.matrix[cuts:, :]).T @ lp.duals[cuts:]
    node_player = polytope.node_player
    cells = column_weight[polytope.n_nodes :]
    score = np.bincount(
        np.concatenate(
            [node_player, node_player[polytope.cell_node_u], node_player[polytope.cell_node_v]]
        ),
        weights=np.concatenate([column_weight[: polytope.n_nodes], cells, cells]),
        minlength=game.n_players,
    )
    score[~fractional] = -1.0
    if score.max() > 0.0:
        return int(np.argmax(score))
    return int(np.argmin(largest))


def _drop_slack_cuts(polytope: LocalPolytope, zero_dual: float = 1e-9, slack: float = 1e-7) -> None:
    """Delete the cut rows that are slack at the current LP point and have a zero dual.

    A cut with |dual| < ``zero_dual`` and activity above its bound by more than ``slack`` goes.
    Dropping rows can only lower the LP optimum, and does not when their duals are zero: the
    same dual solution stays feasible and optimal without them.
    """
    highs = polytope.highs
    solution = highs.getSolution()
    duals = np.asarray(solution.row_dual)[polytope.n_rows :]
    activity = np.asarray(solution.row_value)[polytope.n_rows :]
    lower = np.asarray(highs.getLp().row_lower_)[polytope.n_rows :]
    if not solution.dual_valid or duals.size != lower.size:  # no solve since the last cuts
        return
    dropped = np.flatnonzero((np.abs(duals) < zero_dual) & (activity - lower > slack))
    polytope.delete_cuts(dropped)


def _vertex_solve(highs: highspy.Highs, deadline: float) -> bool:
    """Re-solve the LP by the interior point method with crossover for a basis; False on timeout."""
    highs.setOptionValue("solver", "ipm")
    highs.setOptionValue("run_crossover", "on")
    run_until(highs, deadline)
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
