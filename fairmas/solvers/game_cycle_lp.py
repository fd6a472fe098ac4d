"""The social optimum of a polymatrix game by a cycle-tightened LP, finished by toulbar2.

The welfare maximum of a polymatrix game is MAP inference in a pairwise
Markov random field (:mod:`fairmas.solvers.game_toulbar2`). On sparse games
the local marginal polytope LP is already within a percent of the optimum,
and cycle inequalities close most of what is left, often all of it:

1. **Local polytope.** With integer costs c_e(a, b) = max W_e − W_e(a, b) ≥ 0
   (payoffs scaled by :func:`~fairmas.solvers.game_cpsat.integer_scale`)

   .. math::

       \\min \\sum_e \\sum_{a,b} c_e(a, b)\\, \\mu_e(a, b) \\quad\\text{s.t.}\\quad
       \\sum_a \\mu_i(a) = 1,\\;
       \\sum_b \\mu_e(a, b) = \\mu_u(a),\\;
       \\sum_a \\mu_e(a, b) = \\mu_v(b),\\; \\mu \\ge 0,

   solved by HiGHS' interior point method without crossover (highspy; the
   warm-started dual simplex on small LPs).
2. **Cycle inequalities** (Sontag and Jaakkola 2007). Every action a of every
   player i gives a binary indicator z = [a_i = a]; for an interacting pair
   the indicators (u, a) and (v, b) disagree with probability
   d = μ_u(a) + μ_v(b) − 2 μ_e(a, b). For every cycle C of such indicator
   pairs and every F ⊆ C of odd size,

   .. math::

       \\sum_{f \\in F} (1 - d_f) + \\sum_{f \\in C \\setminus F} d_f \\ge 1 .

   The most violated ones through the most fractional indicators are found
   exactly by shortest paths between the two copies of an indicator in the
   doubled graph (Barahona and Mahjoub 1986; a compiled Dijkstra in
   :mod:`fairmas.solvers.cycle_separation`) and added in
   rounds. Each round's bound is recomputed from the dual,
   L(y) = yᵀb + Σ_j min(0, d_j) with d = c − Aᵀy, so it holds whatever the
   solver's tolerances. Each LP point is rounded (each player's likeliest
   action, then iterated conditional modes) into an incumbent.
   Once the first LP has not proved the optimum, simulated annealing
   (:class:`~fairmas.solvers.game_annealing.BackgroundAnnealing`) runs on a
   second thread until the cut rounds end (HiGHS and the compiled kernels
   release the GIL) and hands its best profile over after every round.
3. **toulbar2 on the LP's dual.** When the bound meets the incumbent (within
   one unit when the scaled costs are exact integers) the incumbent is
   optimal. Otherwise the dual of the LP that proved the bound is turned
   into an exact cost function network
   (:func:`~fairmas.solvers.dual_reparametrization.reparametrize`): D times
   the cost of every profile equals a constant, the LP bound, plus
   non-negative unary, pairwise and (from the cycle inequalities) ternary
   functions. toulbar2 (:func:`~fairmas.solvers.game_toulbar2.toulbar2_minimize`)
   then searches it for a profile better than the incumbent by at least a
   unit, starting from the cycle-tightened bound rather than from the local
   polytope's, with the rest of the time; the reported bound is the better
   of the LP's and the search's. (On the sparse 1000 × 3 benchmark game of
   seed 7 the cycle bound ends 2.2 units above the best profile annealing
   finds: toulbar2 on the game itself does not close that in 200 s, on the
   network it finds a better profile and proves it optimal in about 4 s.)
   Such a search also runs between cut rounds, for a second
   (:data:`PROBE_SECONDS`), once the bound is within :data:`PROBE_GAP`
   units of the incumbent: on seed 7 the fourth of them, after 28 s,
   proves the optimum the rounds alone would have reached after about 55 s.
4. **Branch and cut**, when at least :data:`BRANCH_AFTER` seconds are left
   after the rounds (or there is no time limit): the network search gets
   :data:`ROOT_SEARCH_SECONDS` if the bound is within :data:`SEARCH_GAP`
   units of the incumbent (:data:`PROBE_SECONDS` otherwise), then a
   best-first branch and cut splits the profiles on the fractional player
   whose columns carry the most cut dual (:func:`_branching_player`), one
   child per action. A child's LP is the
   parent's, with all the root's cuts and the other actions' columns at 0,
   re-solved by the dual simplex from the parent's basis (the root's from
   one interior point solve with crossover when the rounds left none) and
   stopped as soon as its dual objective closes the child, followed by
   :data:`NODE_ROUNDS` cut rounds (none by default), and when its bound is
   within :data:`SEARCH_GAP` units of the incumbent its network (held at the
   child's actions by
   :func:`~fairmas.solvers.dual_reparametrization.condition`) is searched for
   :data:`NODE_SEARCH_SECONDS`. With two threads (the default) two workers
   take the best open nodes, each with its own copy of the LP. The converged
   cycle bound of the sparse 1000 × 3 game of seed 13 stays 6.8 units above
   its optimum; toulbar2 on the root network needs about 400 s to close
   that, the branch and cut 16–19 nodes, 58–63 s in all.

References
----------
D. Sontag, T. Jaakkola, "New outer bounds on the marginal polytope", NIPS 2007.
D. Sontag, T. Meltzer, A. Globerson, T. Jaakkola, Y. Weiss, "Tightening LP
relaxations for MAP using message passing", UAI 2008.
F. Barahona, A. R. Mahjoub, "On the cut polytope", Math. Programming 36 (1986).
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
import scipy.sparse as sp

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.result import Status
from fairmas.solvers.background_runs import uses_second_core
from fairmas.solvers.cycle_separation import CycleSeparator
from fairmas.solvers.dual_reparametrization import (
    ColumnScopes,
    CostNetwork,
    condition,
    reparametrize,
    resolution_for,
)
from fairmas.solvers.game_annealing import BackgroundAnnealing
from fairmas.solvers.game_cpsat import Scaling, integer_scale
from fairmas.solvers.game_local_search import local_welfare_profile
from fairmas.solvers.game_presolve import presolve
from fairmas.solvers.game_toulbar2 import toulbar2_minimize, toulbar2_social_optimum
from fairmas.solvers.highs_clock import limit_next_run

CUT_SHARE = 0.9
"""Share of the time limit after which no new cutting-plane round begins.

The rounds stop by themselves once the bound stalls; until then a round
tightens the bound far more than the same seconds of toulbar2 search
(BENCHMARKS.md: 0.5 against 0.9 on sparse games of 100 to 1,000 players)."""

INTERIOR_POINT_COLUMNS = 4000
"""Cut-round LPs with at least this many columns go to the interior point method, smaller ones to
the warm-started dual simplex (:func:`_solve_round`)."""

PROBE_GAP = 10.0
"""Once the bound is within this many units of the (integer-scaled) costs of the incumbent, every
cut round from the third on is followed by a short toulbar2 search of the LP dual's cost network."""

PROBE_SECONDS = 1.0
"""Seconds of CPU time (toulbar2's clock) of such a search."""

SEARCH_RESERVE = 1.0
"""Seconds of the time limit an LP solve always leaves to the toulbar2 search."""

BRANCH_AFTER = 10.0
"""With at least this many seconds left after the cut rounds (or no time limit), a branch and cut
follows them (after a search of the LP dual's network for :data:`ROOT_SEARCH_SECONDS` when the
bound is within :data:`SEARCH_GAP` units, :data:`PROBE_SECONDS` otherwise); with less, the
network search gets what is left.

Its nodes take 1–3 s on the sparse 1000 × 3 games, so even a few of them raise the bound more
than a search of the root's network, which does not move it by a unit in a minute there: at a
60 s limit, seeds 10 and 12 ended at gaps of 0.04 and 0.05 % with 30 s here, at 0.011 and
0.038 % with 10 s (BENCHMARKS.md)."""

ROOT_SEARCH_SECONDS = 10.0
"""CPU seconds of that network search before the branch and cut; beyond :data:`SEARCH_GAP` it gets
:data:`PROBE_SECONDS` only.

That short search still closes small games the rounds leave open: the dense 15 × 5 games of
seeds 0–2, 1.9–2.5 s in all with it, took 6–9.5 s without it (81–196 nodes; 15–18 s with the
least-mass branching), while on the sparse 1000 × 3 games it costs a second."""

SEARCH_GAP = 5.0
"""The network search before the branch and cut gets its full time, and the one at each of its
nodes runs at all, only when the LP bound is within this many units of the (integer-scaled) cost
of the incumbent.

toulbar2 on an LP dual's network closes small gaps, not large ones: on the sparse 1000 × 3 games
of seeds 12 and 13 (300 s limits) every node search with a gap of at most 4.7 units exhausted its
node, in 0.2–1.8 s, and every one with a gap of 5.6 units or more ran its full 2 s without
closing it (the root's 10 s search, at gaps of 4–11 units, closes nothing there either)."""

STALL_GAIN = 1.0
"""The cut rounds end once a round (from the third on) raises the LP bound by less than this many
units of the integer-scaled costs.

On the sparse 1000 × 3 games the cycle bound gains under a unit a round over its last several
rounds; since the branch and cut splits on the players that carry the cut duals
(:func:`_branching_player`) a node is worth more than such a round. Against 0.1 units (300 s
limits, same session) seeds 10, 12, 13 and 0 were proved in 43.8, 53.8, 62.7 and 87.7 s
instead of 58.7, 69.0, 77.6 and 104.5 s, after 34–40 s of rounds instead of 46–57 s and with
13–40 nodes instead of 10–34. (With the old least-mass branching the 0.1-unit rule was the
better one for long runs and 1 unit was used only within the last 40 s of a limit; BENCHMARKS.md.)
"""

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

NODE_SEARCH_SECONDS = 2.0
"""CPU seconds of toulbar2 on a node's conditioned network before the node is branched."""


@dataclass(frozen=True)
class CycleLpOutcome:
    """How the tightened-LP search for the social optimum ended.

    Attributes
    ----------
    status : Status
        ``optimal`` when proved, ``max_time_limit`` when the time limit stopped
        the toulbar2 search (the incumbent is then the best profile found).
    profile : ndarray of int64
        The best profile found (action index per player).
    bound : float
        Proved upper bound on the welfare.
    scaling : Scaling
        The factor that made the costs integers.
    stats : dict
        ``eliminated_players`` (by the presolve), ``actions`` (LP columns
        per player and action of the players left), ``lp_bound`` (local
        polytope), ``cycle_bound`` (after the cuts), ``rounds``, ``cuts``,
        ``cut_seconds`` (time until the cuts stopped), ``probes`` and
        ``probe_nodes`` (the short network searches between rounds and their
        toulbar2 nodes), ``search_nodes`` (toulbar2's after the rounds, 0
        when the rounds proved the optimum), ``network_functions``
        and ``dropped_cuts`` (the size of the network toulbar2 searched, and
        the cuts it could not represent with functions of at most three
        players), ``branch_nodes`` and ``open_nodes`` (the nodes the branch
        and cut solved and those still open, when it ran) and, when
        annealing ran beside the cuts, ``annealing_runs``.
    """

    status: Status
    profile: np.ndarray
    bound: float
    scaling: Scaling
    stats: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- the LP


@dataclass
class _LocalPolytope:
    """Column layout: node columns (offset[i] + a), then one column per edge cell."""

    n_nodes: int
    node_player: np.ndarray  # the player of every node column
    edge_start: np.ndarray  # the cells of pair e are edge_start[e] : edge_start[e + 1]
    cell_node_u: np.ndarray
    cell_node_v: np.ndarray
    cell_cost: np.ndarray
    highs: highspy.Highs
    n_rows: int

    def cost_of(self, game: PairwiseGame, profile: np.ndarray) -> float:
        """Σ_e c_e(a_u, a_v) of a profile."""
        u, v, _, _ = game.edges
        cells = self.edge_start[:-1] + profile[u] * game.n_actions[v] + profile[v]
        return float(self.cell_cost[cells].sum())


def _edge_costs(game: PairwiseGame, factor: float) -> tuple[np.ndarray, ...]:
    """Cells of every interacting pair: edge starts, (edge, node of u, node of v, integer cost) per
    cell, and Σ_e max W_e."""
    u, v, forward, backward = game.edges
    m, offset = game.n_actions, game.action_offset
    payoffs, table_offset = game.flat
    mu, mv = m[u], m[v]
    sizes = mu * mv
    start = np.zeros(u.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    edge = np.repeat(np.arange(u.size, dtype=np.int64), sizes)
    local = np.arange(int(start[-1]), dtype=np.int64) - start[edge]
    a, b = local // mv[edge], local % mv[edge]
    welfare = np.zeros(edge.size)
    has_forward = forward[edge] >= 0
    welfare[has_forward] += payoffs[
        table_offset[forward[edge[has_forward]]]
        + a[has_forward] * mv[edge[has_forward]]
        + b[has_forward]
    ]
    has_backward = backward[edge] >= 0
    welfare[has_backward] += payoffs[
        table_offset[backward[edge[has_backward]]]
        + b[has_backward] * mu[edge[has_backward]]
        + a[has_backward]
    ]
    scaled = np.rint(welfare * factor)
    best = np.full(u.size, -np.inf)
    np.maximum.at(best, edge, scaled)
    cost = best[edge] - scaled
    return start, edge, offset[u[edge]] + a, offset[v[edge]] + b, cost, float(best.sum())


def _local_polytope(game: PairwiseGame, factor: float) -> tuple[_LocalPolytope, float]:
    start, edge, node_u, node_v, cost, best_total = _edge_costs(game, factor)
    n_nodes, n_cells = game.total_actions, edge.size
    u, v, _, _ = game.edges
    m, offset = game.n_actions, game.action_offset
    # rows: Σ_a μ_i(a) = 1 per player, then one per (pair, action of u), (pair, action of v)
    u_row_start = np.zeros(u.size + 1, dtype=np.int64)
    np.cumsum(m[u], out=u_row_start[1:])
    v_row_start = np.zeros(v.size + 1, dtype=np.int64)
    np.cumsum(m[v], out=v_row_start[1:])
    n_players = game.n_players
    u_row = n_players + u_row_start[edge] + (node_u - offset[u[edge]])
    v_row = n_players + int(u_row_start[-1]) + v_row_start[edge] + (node_v - offset[v[edge]])
    n_rows = n_players + int(u_row_start[-1]) + int(v_row_start[-1])
    player_of_node = np.repeat(np.arange(n_players, dtype=np.int64), m)
    edge_u_rows = n_players + np.arange(int(u_row_start[-1]), dtype=np.int64)
    edge_u_nodes = offset[np.repeat(u, m[u])] + (
        np.arange(int(u_row_start[-1])) - np.repeat(u_row_start[:-1], m[u])
    )
    edge_v_rows = n_players + int(u_row_start[-1]) + np.arange(int(v_row_start[-1]), dtype=np.int64)
    edge_v_nodes = offset[np.repeat(v, m[v])] + (
        np.arange(int(v_row_start[-1])) - np.repeat(v_row_start[:-1], m[v])
    )
    cells = n_nodes + np.arange(n_cells, dtype=np.int64)
    rows = np.concatenate([player_of_node, u_row, v_row, edge_u_rows, edge_v_rows])
    cols = np.concatenate([np.arange(n_nodes), cells, cells, edge_u_nodes, edge_v_nodes])
    values = np.concatenate(
        [np.ones(n_nodes + 2 * n_cells), -np.ones(edge_u_rows.size + edge_v_rows.size)]
    )
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(n_rows, n_nodes + n_cells))
    lower = np.zeros(n_rows)
    lower[:n_players] = 1.0
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    n_cols = n_nodes + n_cells
    costs = np.concatenate([np.zeros(n_nodes), cost])
    highs.addVars(n_cols, np.zeros(n_cols), np.ones(n_cols))
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), costs)
    highs.addRows(
        n_rows,
        lower,
        lower.copy(),
        matrix.nnz,
        matrix.indptr[:-1].astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data,
    )
    polytope = _LocalPolytope(
        n_nodes=n_nodes,
        node_player=player_of_node,
        edge_start=start,
        cell_node_u=node_u,
        cell_node_v=node_v,
        cell_cost=cost,
        highs=highs,
        n_rows=n_rows,
    )
    return polytope, best_total


# ----------------------------------------------------------------------------- the dual bound


@dataclass(frozen=True)
class _LpArrays:
    """The LP as HiGHS holds it now (cut rows included) and its current row duals."""

    matrix: sp.csc_matrix
    lower: np.ndarray
    costs: np.ndarray
    upper: np.ndarray
    duals: np.ndarray


def _lp_arrays(polytope: _LocalPolytope, highs: highspy.Highs | None = None) -> _LpArrays:
    """The LP and dual of ``highs`` (by default the polytope's own solver)."""
    highs = polytope.highs if highs is None else highs
    lp = highs.getLp()
    matrix = lp.a_matrix_
    columns = sp.csc_matrix(
        (np.asarray(matrix.value_), np.asarray(matrix.index_), np.asarray(matrix.start_)),
        shape=(lp.num_row_, lp.num_col_),
    )
    y = np.asarray(highs.getSolution().row_dual, dtype=np.float64)
    y[polytope.n_rows :] = np.maximum(y[polytope.n_rows :], 0.0)
    return _LpArrays(
        columns,
        np.asarray(lp.row_lower_, dtype=np.float64),
        np.asarray(lp.col_cost_, dtype=np.float64),
        np.asarray(lp.col_upper_, dtype=np.float64),
        y,
    )


def _dual_bound(lp: _LpArrays) -> float:
    """L(y) from the dual y, with the reduced costs d = c − Aᵀy recomputed.

    Row duals of the equality rows are free; those of the cut rows (≥ rows)
    are clipped at zero, so L(y) = yᵀb + Σ_j min(0, d_j) is a valid bound
    whatever the solver's tolerances.
    """
    reduced = lp.costs - lp.matrix.T @ lp.duals
    return float(lp.duals @ lp.lower) + float(np.minimum(0.0, reduced * lp.upper).sum())


def cycle_lp_social_optimum(
    game: PairwiseGame,
    time_limit: float | None = None,
    threads: int | None = None,
    incumbent: np.ndarray | None = None,
) -> CycleLpOutcome:
    """Maximum-welfare profile of ``game``: cycle-tightened LP bound and incumbents, then toulbar2.

    Parameters
    ----------
    game : PairwiseGame
    time_limit : float, optional
        Seconds for the whole search; no cut round begins after
        :data:`CUT_SHARE` (90 %) of it (one begun may finish, leaving
        :data:`SEARCH_RESERVE` to toulbar2). Without one, or with at least
        :data:`BRANCH_AFTER` seconds left after the rounds, a branch and cut
        follows a short network search, so the method ends with a proof.
    threads : int, optional
        With 2 or more (the default), simulated annealing
        (:class:`~fairmas.solvers.game_annealing.BackgroundAnnealing`) looks
        for better incumbents on a second core once the first LP has not
        proved the optimum, until the cut rounds end, the cycle separation
        runs its shortest-path searches on two threads, and the branch and
        cut solves nodes on two threads; with 1 none of this happens.
    incumbent : ndarray of int, optional
        A profile already known (action index per player): the search starts
        from the better of it and a local-search profile.

    Returns
    -------
    CycleLpOutcome

    Examples
    --------
    Four players, every pair of whom earns 2 when its two players differ:
    with two actions at most four of the six pairs can differ. The local
    polytope LP claims 12, the cycle inequalities of the triangles bring it
    down to the optimum 8.

    >>> differ = [[0, 2], [2, 0]]
    >>> game = PairwiseGame.from_tables(
    ...     {p: ["x", "y"] for p in "abcd"},
    ...     [(p, q, differ) for p, q in ["ab", "ac", "ad", "bc", "bd", "cd"]],
    ... )
    >>> found = cycle_lp_social_optimum(game)
    >>> found.status, game.welfare(found.profile), found.bound
    (<Status.OPTIMAL: 'optimal'>, 8.0, 8.0)
    >>> round(found.stats["lp_bound"], 6), round(found.stats["cycle_bound"], 6)
    (12.0, 8.0)

    Players with at most two partners are eliminated first
    (:mod:`fairmas.solvers.game_presolve`): a lone triangle needs no LP.

    >>> triangle = PairwiseGame.from_tables(
    ...     {p: ["x", "y"] for p in "abc"}, [(p, q, differ) for p, q in ["ab", "bc", "ac"]]
    ... )
    >>> found = cycle_lp_social_optimum(triangle)
    >>> found.status, found.bound, found.stats["eliminated_players"]
    (<Status.OPTIMAL: 'optimal'>, 4.0, 3)
    """
    started = time.perf_counter()
    presolved = presolve(game)
    eliminated = len(presolved.steps)
    if presolved.game is None:
        profile = presolved.expand()
        welfare = game.welfare(profile)
        stats = {"actions": 0, "eliminated_players": eliminated, "lp_bound": None}
        stats.update(cycle_bound=welfare, rounds=0, cuts=0, cut_seconds=0.0, search_nodes=0)
        return CycleLpOutcome(Status.OPTIMAL, profile, welfare, integer_scale(game.flat[0]), stats)
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - started))
    found = _tightened_lp_search(
        presolved.game,
        left,
        threads,
        None if incumbent is None else presolved.reduce(incumbent),
    )
    stats = dict(found.stats, eliminated_players=eliminated)
    for key in ("lp_bound", "cycle_bound"):
        if stats.get(key) is not None:
            stats[key] += presolved.offset
    return CycleLpOutcome(
        found.status,
        presolved.expand(found.profile),
        found.bound + presolved.offset,
        found.scaling,
        stats,
    )


def _tightened_lp_search(
    game: PairwiseGame,
    time_limit: float | None,
    threads: int | None,
    incumbent: np.ndarray | None,
) -> CycleLpOutcome:
    """Steps 1–3 of the module docstring on a presolved game."""

    started = time.perf_counter()
    limit = math.inf if time_limit is None else float(time_limit)
    payoffs, _ = game.flat
    scaling = integer_scale(payoffs)
    unit = 1.0 if scaling.exact else 0.0
    close = max(unit, 1e-9)  # a bound this near the incumbent's cost proves it
    parallel = uses_second_core(threads)
    polytope, best_total = _local_polytope(game, scaling.factor)

    def welfare_of(cost: float) -> float:
        return (best_total - cost) / scaling.factor

    highs = polytope.highs
    separator = CycleSeparator(
        polytope.n_nodes, polytope.cell_node_u, polytope.cell_node_v, workers=2 if parallel else 1
    )
    best = _Incumbent(game, polytope, local_welfare_profile(game))
    if incumbent is not None:
        best.offer(np.asarray(incumbent, dtype=np.int64))
    stats: dict = {"actions": game.total_actions}
    bound = lp_value = -math.inf  # the best bound proved; the best by an LP dual alone
    bound_lp: _LpArrays | None = None  # the LP and dual that proved ``lp_value``
    rounds = cuts = probes = probe_nodes = 0
    cut_deadline = started + CUT_SHARE * limit
    annealing = None
    networks = _Networks(game, polytope)
    try:
        while True:
            # a round begun before the cut deadline may finish after it
            _solve_round(highs, started + limit - SEARCH_RESERVE)
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break  # out of time (or numerical trouble): keep the last proved bound
            x = np.asarray(highs.getSolution().col_value)
            previous = lp_value
            lp = _lp_arrays(polytope)
            value = _dual_bound(lp)
            if value > lp_value:
                lp_value, bound_lp = value, lp
            bound = max(bound, value)
            stats.setdefault("lp_bound", welfare_of(value))
            best.offer(_round(game, x, polytope))
            if annealing is not None:
                best.offer(annealing.best().profile)
            if (
                best.cost - bound < close
                or time.perf_counter() > cut_deadline
                or (rounds > 1 and lp_value - previous < STALL_GAIN * close)
            ):
                break
            if (
                rounds >= 2
                and best.cost - bound <= PROBE_GAP
                and time.perf_counter() + PROBE_SECONDS < cut_deadline
            ):
                probe: dict = {}
                network = networks.of(bound_lp)
                if network is not None:
                    searched = _search_network(network, best, unit, PROBE_SECONDS, probe)
                    bound = max(bound, min(searched, best.cost))
                    probes += 1
                    probe_nodes += probe["search_nodes"]
                    if best.cost - bound < close:
                        break
            if annealing is None and parallel:
                annealing = BackgroundAnnealing(game, start=best.profile).__enter__()
            found = separator.violated_cycles(x, cut_deadline)
            if not found:
                break
            _add_cuts(highs, found)
            rounds += 1
            cuts += len(found)
        if annealing is not None:  # before toulbar2, which holds the GIL and counts process CPU
            annealed = annealing.stop()
            best.offer(annealed.profile)
            stats["annealing_runs"] = annealed.runs
        bound = min(bound, best.cost)
        stats.setdefault("lp_bound", None)
        stats.update(
            rounds=rounds,
            cuts=cuts,
            cycle_bound=welfare_of(min(lp_value, best.cost)) if math.isfinite(lp_value) else None,
            cut_seconds=time.perf_counter() - started,
            probes=probes,
            probe_nodes=probe_nodes,
        )
        if best.cost - bound < close:
            stats["search_nodes"] = 0
            return CycleLpOutcome(
                Status.OPTIMAL, best.profile, welfare_of(best.cost), scaling, stats
            )
        network = None if bound_lp is None else networks.of(bound_lp)
        remaining = None if time_limit is None else max(1.0, started + limit - time.perf_counter())
        if network is None:  # no LP solved in time (or costs too large to scale): plain toulbar2
            search = toulbar2_social_optimum(game, remaining, best.profile)
            stats["search_nodes"] = search.nodes
            if search.status is Status.OPTIMAL:
                profile = search.profile
                return CycleLpOutcome(
                    Status.OPTIMAL, profile, game.welfare(profile), scaling, stats
                )
            best.offer(search.profile)
            searched = (
                -math.inf if search.bound is None else best_total - search.bound * scaling.factor
            )
        elif remaining is not None and remaining < BRANCH_AFTER:
            searched = _search_network(network, best, unit, remaining, stats)
        else:
            searched = -math.inf
            stats["search_nodes"] = 0
            if ROOT_SEARCH_SECONDS > 0:
                # a short probe beyond the search gap: it closes small games at once
                within = best.cost - bound <= SEARCH_GAP
                seconds = ROOT_SEARCH_SECONDS if within else min(PROBE_SECONDS, ROOT_SEARCH_SECONDS)
                searched = _search_network(network, best, unit, seconds, stats)
            if best.cost - max(bound, searched) >= close:
                deadline = math.inf if time_limit is None else started + limit
                searched = _branch_and_cut(
                    game, polytope, separator, networks, best, unit, max(bound, searched),
                    deadline, stats, workers=2 if parallel else 1,
                )  # fmt: skip
        bound = max(bound, min(searched, best.cost))
        if best.cost - bound < close:
            return CycleLpOutcome(
                Status.OPTIMAL, best.profile, welfare_of(best.cost), scaling, stats
            )
        welfare = game.welfare(best.profile)
        return CycleLpOutcome(
            Status.MAX_TIME_LIMIT, best.profile, max(welfare_of(bound), welfare), scaling, stats
        )
    finally:
        if annealing is not None:
            annealing.stop()


class _Networks:
    """The cost network of an LP dual (:func:`reparametrize`), built once per LP state."""

    def __init__(self, game: PairwiseGame, polytope: _LocalPolytope) -> None:
        self.domains = tuple(int(m) for m in game.n_actions)
        self.n_equalities = polytope.n_rows
        self.resolution = resolution_for(
            2.0 * float(polytope.cell_cost.max(initial=0.0)) * game.n_tables
        )
        node_player = polytope.node_player
        node_action = np.arange(polytope.n_nodes, dtype=np.int64) - game.action_offset[node_player]
        none = np.full(polytope.n_nodes, -1, dtype=np.int64)
        self.columns = ColumnScopes(
            first_player=np.concatenate([node_player, node_player[polytope.cell_node_u]]),
            first_action=np.concatenate([node_action, node_action[polytope.cell_node_u]]),
            second_player=np.concatenate([none, node_player[polytope.cell_node_v]]),
            second_action=np.concatenate([none, node_action[polytope.cell_node_v]]),
        )
        self.last: tuple[_LpArrays, CostNetwork] | None = None

    def of(self, lp: _LpArrays) -> CostNetwork | None:
        """The network of ``lp``'s dual (None when D·costs would overflow int64).

        Safe to call from two tree workers at once: each gets the network of its own ``lp``.
        """
        if self.resolution == 0:
            return None
        last = self.last
        if last is not None and last[0] is lp:
            return last[1]
        network = reparametrize(
            lp.matrix,
            lp.lower,
            lp.costs,
            lp.duals,
            self.n_equalities,
            self.columns,
            self.domains,
            self.resolution,
        )
        self.last = (lp, network)
        return network


def _search_network(
    network: CostNetwork,
    best: _Incumbent,
    unit: float,
    time_limit: float | None,
    stats: dict,
    fixed: dict[int, int] | None = None,
) -> float:
    """toulbar2 on ``network`` for a profile cheaper than ``best`` by a unit; returns a cost bound.

    The network's costs are D times the LP costs minus its constant K, so a
    profile cheaper by at least ``unit`` costs at most D (cost − unit) − K.
    ``best`` takes what the search finds; the returned lower bound on every
    profile's cost is the incumbent's cost when the search was exhausted.
    With ``fixed`` (player → action) the search and the bound are over the
    profiles that play those actions (:func:`condition`).
    """
    if fixed:
        network = condition(network, fixed)
    resolution, constant = network.resolution, network.constant
    upper = round(resolution * (best.cost - unit)) - constant + (1 if unit else 0)
    stats["network_functions"] = len(network.functions)
    stats["dropped_cuts"] = network.dropped_cuts
    if upper <= 0:  # the bound of the network alone already rules every better profile out
        stats["search_nodes"] = 0
        return best.cost
    search = toulbar2_minimize(
        network.domains, network.functions.items(), upper=upper, time_limit=time_limit
    )
    stats["search_nodes"] = search.nodes
    if search.profile is not None:
        profile = search.profile
        if fixed:
            profile[list(fixed)] = list(fixed.values())
        best.offer(profile)
    if search.exhausted:
        return best.cost
    if search.proved:
        return (constant + search.cost) / resolution
    return -math.inf if search.dual is None else (constant + search.dual) / resolution


def _branch_and_cut(
    game: PairwiseGame,
    polytope: _LocalPolytope,
    separator: CycleSeparator,
    networks: _Networks,
    best: _Incumbent,
    unit: float,
    root_bound: float,
    deadline: float,
    stats: dict,
    workers: int = 1,
) -> float:
    """Best-first branch and cut on the players' actions; returns a lower bound on every cost.

    A node holds some players at one action each (the other actions' columns
    get upper bound 0). Its LP is re-solved by the warm dual simplex, which
    stops once its dual objective closes the node (when
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
            closed = _hold(solver, offset, actions, node.fixings)
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
        best: _Incumbent,
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
    polytope: _LocalPolytope,
    highs: highspy.Highs,
    separator: CycleSeparator,
    networks: _Networks,
    best: _Incumbent,
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
            _add_cuts(highs, found)
        solved = _solve_node_lp(polytope, highs, best.cost - close, deadline)
        if solved is None:
            if round_ == 0:
                return None
            return bound, _branching_player(game, polytope, lp, x, fixed)
        lp, dual_bound, closed = solved
        previous, bound = bound, max(bound, dual_bound)
        if closed:  # stopped early: no LP point, nothing to round
            return bound, -1
        x = np.asarray(highs.getSolution().col_value)
        profile = _round(game, x, polytope)
        profile[list(fixed)] = list(fixed.values())
        best.offer(profile)
        if best.cost - bound < close:
            return bound, -1
        if round_ > 0 and bound - previous < 1e-3 * close:
            break
    seconds = min(NODE_SEARCH_SECONDS, deadline - time.perf_counter())
    network = networks.of(lp) if seconds > 0 and best.cost - bound <= SEARCH_GAP else None
    if network is not None:
        searched = _search_network(network, best, unit, seconds, {}, fixed)
        bound = max(bound, min(searched, best.cost))
        if best.cost - bound < close:
            return bound, -1
    return bound, _branching_player(game, polytope, lp, x, fixed)


def _solve_node_lp(
    polytope: _LocalPolytope, highs: highspy.Highs, closing: float, deadline: float
) -> tuple[_LpArrays, float, bool] | None:
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
        _run_until(highs, deadline)
        if highs.getModelStatus() == highspy.HighsModelStatus.kObjectiveBound:
            lp = _lp_arrays(polytope, highs)
            bound = _dual_bound(lp)
            if bound > closing:
                return lp, bound, True
            highs.setOptionValue("objective_bound", math.inf)
            _run_until(highs, deadline)
    finally:
        highs.setOptionValue("objective_bound", math.inf)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    lp = _lp_arrays(polytope, highs)
    return lp, _dual_bound(lp), False


def _hold(
    highs: highspy.Highs,
    offset: np.ndarray,
    actions: np.ndarray,
    fixings: tuple[tuple[int, int], ...],
) -> np.ndarray:
    """Give the columns of the actions the fixings exclude upper bound 0; returns those columns."""
    columns = [
        int(offset[player]) + other
        for player, action in fixings
        for other in range(int(actions[player]))
        if other != action
    ]
    closed = np.asarray(columns, dtype=np.int32)
    if closed.size:
        highs.changeColsBounds(closed.size, closed, np.zeros(closed.size), np.zeros(closed.size))
    return closed


def _branching_player(
    game: PairwiseGame,
    polytope: _LocalPolytope,
    lp: _LpArrays,
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
    column_weight = abs(lp.matrix[polytope.n_rows :, :]).T @ lp.duals[polytope.n_rows :]
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


def _drop_slack_cuts(
    polytope: _LocalPolytope, zero_dual: float = 1e-9, slack: float = 1e-7
) -> None:
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
    if dropped.size:
        rows = (dropped + polytope.n_rows).astype(np.int32)
        highs.deleteRows(rows.size, rows)


def _add_cuts(highs: highspy.Highs, found: list[tuple[dict[int, float], float]]) -> None:
    """Add cycle inequalities Σ coefficient · column ≥ lower as rows."""
    for coefficients, lower in found:
        columns = np.fromiter(coefficients, dtype=np.int32, count=len(coefficients))
        values = np.fromiter(coefficients.values(), dtype=np.float64, count=len(coefficients))
        highs.addRow(lower, highspy.kHighsInf, columns.size, columns, values)


def _run_until(highs: highspy.Highs, deadline: float) -> None:
    """Solve with the time left before ``deadline`` (a ``time.perf_counter()`` value), at least
    0.1 s."""
    limit_next_run(highs, max(0.1, deadline - time.perf_counter()))
    highs.run()


def _solve_round(highs: highspy.Highs, deadline: float) -> None:
    """A cut round's LP: by the interior point method without crossover, small ones by the simplex.

    LPs of at least :data:`INTERIOR_POINT_COLUMNS` columns go to HiGHS'
    interior point method without crossover: the separation then works on a
    point inside the optimal face rather than on a vertex, and the bound
    L(y) needs no basis. On the sparse 1000 × 3 games of seeds 0, 7, 10 and
    13 (60 s each) that gives 10–13 rounds where the warm-started dual
    simplex (about 1.2 ms an iteration on 15,000–19,000 rows, 4–5 s a round)
    gave 9–10, and lower bounds in the same time: seed 7 proved in 23 s
    instead of 35 s, seed 0 at 24,040.6, below the 24,040.7 the simplex
    rounds converge to after two minutes (the cuts found at interior points
    differ). Smaller LPs are re-solved faster by the warm dual simplex
    (dense 15 × 5: 2.5 s against 3.7 s in all; 30 × 5 of degree 10: 9.7 s
    against 15.4 s; 40 × 4 of degree 12: 16 s against 22 s). When the
    interior point method stops short of an optimum for any reason but the
    time limit (an iteration limit, an imprecise or numerically troubled
    solve), the dual simplex solves the round again, so one bad solve does
    not end the rounds. The branch and cut needs a basis: :func:`_vertex_solve`.
    Neither solve starts after ``deadline`` (a ``time.perf_counter()`` value;
    each gets at least 0.1 s).
    """
    if highs.getNumCol() >= INTERIOR_POINT_COLUMNS:
        highs.setOptionValue("solver", "ipm")
        highs.setOptionValue("run_crossover", "off")
        _run_until(highs, deadline)
        if highs.getModelStatus() in _INTERIOR_POINT_DONE or time.perf_counter() >= deadline:
            return
    highs.setOptionValue("solver", "simplex")
    _run_until(highs, deadline)


_INTERIOR_POINT_DONE = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit)
"""Statuses after which an interior point round is not solved again by the simplex."""


def _vertex_solve(highs: highspy.Highs, deadline: float) -> bool:
    """Re-solve the LP by the interior point method with crossover for a basis; False on timeout."""
    highs.setOptionValue("solver", "ipm")
    highs.setOptionValue("run_crossover", "on")
    _run_until(highs, deadline)
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


class _Incumbent:
    """The best profile seen so far and its integer cost Σ_e c_e(a_u, a_v) (thread-safe)."""

    def __init__(self, game: PairwiseGame, polytope: _LocalPolytope, profile: np.ndarray) -> None:
        self.game, self.polytope = game, polytope
        self.profile, self.cost = profile, polytope.cost_of(game, profile)
        self.lock = threading.Lock()

    def offer(self, profile: np.ndarray) -> None:
        """Keep ``profile`` when it costs less than the incumbent."""
        cost = self.polytope.cost_of(self.game, profile)
        with self.lock:
            if cost < self.cost:
                self.profile, self.cost = profile, cost


def _round(game: PairwiseGame, x: np.ndarray, polytope: _LocalPolytope) -> np.ndarray:
    """Each player's most likely action in the LP point, improved by iterated conditional modes."""
    offset = game.action_offset
    nodes = x[: polytope.n_nodes]
    profile = np.array(
        [int(np.argmax(nodes[offset[i] : offset[i + 1]])) for i in range(game.n_players)],
        dtype=np.int64,
    )
    return local_welfare_profile(game, start=profile)
