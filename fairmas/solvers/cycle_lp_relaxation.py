"""The local polytope LP of a polymatrix game in HiGHS, its dual bound, and its dual's network.

The parts that the cut rounds (:mod:`fairmas.solvers.game_cycle_lp`) and the
branch and cut (:mod:`fairmas.solvers.cycle_branch_and_cut`) share:

- :func:`local_polytope` builds, with integer costs
  c_e(a, b) = max W_e − W_e(a, b) ≥ 0,

  .. math::

      \\min \\sum_e \\sum_{a,b} c_e(a, b)\\, \\mu_e(a, b) \\quad\\text{s.t.}\\quad
      \\sum_a \\mu_i(a) = 1,\\;
      \\sum_b \\mu_e(a, b) = \\mu_u(a),\\;
      \\sum_a \\mu_e(a, b) = \\mu_v(b),\\; 0 \\le \\mu \\le 1,

  leaving out one marginal row per pair, which the pair's other marginal
  rows and the two players' rows imply (13 % fewer rows on the sparse
  1000 × 3 games, node LPs 7–12 % faster), and to which :func:`add_cuts`
  adds cycle inequalities as ``≥`` rows;
- :func:`dual_bound` is L(y) = yᵀb + Σ_j min(0, d_j) u_j with d = c − Aᵀy
  recomputed, a lower bound on every profile's cost whatever the solver's
  tolerances;
- :class:`Networks` and :func:`search_network` run toulbar2 on the exact cost
  network of an LP dual (:func:`~fairmas.solvers.dual_reparametrization.reparametrize`);
- :class:`Incumbent` keeps the best profile and :func:`round_lp_point` turns
  an LP point into one.

References
----------
M. J. Wainwright, M. I. Jordan, "Graphical models, exponential families, and
variational inference", Foundations and Trends in Machine Learning 1 (2008).
D. Sontag, T. Jaakkola, "New outer bounds on the marginal polytope", NIPS 2007.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.dual_reparametrization import (
    ColumnScopes,
    CostNetwork,
    condition,
    reparametrize,
    resolution_for,
)
from fairmas.solvers.game_local_search import local_welfare_profile
from fairmas.solvers.game_toulbar2 import toulbar2_minimize
from fairmas.solvers.highs_clock import limit_next_run


@dataclass
class LocalPolytope:
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


def local_polytope(game: PairwiseGame, factor: float) -> tuple[LocalPolytope, float]:
    """The local polytope LP of ``game`` in a HiGHS object, and Σ_e max W_e (scaled).

    The costs are the scaled regrets c_e(a, b) = max W_e − W_e(a, b), rounded
    to integers after scaling the payoffs by ``factor``
    (:func:`~fairmas.solvers.game_cpsat.integer_scale`), so a profile's
    welfare is (Σ_e max W_e − its cost) / ``factor``. Of a pair's marginal
    rows the first of its second player is left out: the pair's first-player
    rows sum to Σ μ_e − Σ_a μ_u(a), its second-player rows to
    Σ μ_e − Σ_b μ_v(b), so with the players' rows Σ_a μ_i(a) = 1 any one of
    them follows from the others.

    Examples
    --------
    Two players who earn 2 when they differ: the LP proves welfare 2.

    >>> differ = [[0, 2], [2, 0]]
    >>> game = PairwiseGame.from_tables({p: ["x", "y"] for p in "ab"}, [("a", "b", differ)])
    >>> polytope, best_total = local_polytope(game, 1.0)
    >>> _ = polytope.highs.run()
    >>> best_total - dual_bound(lp_arrays(polytope))
    2.0
    """
    start, edge, node_u, node_v, cost, best_total = _edge_costs(game, factor)
    n_nodes, n_cells = game.total_actions, edge.size
    u, v, _, _ = game.edges
    m, offset = game.n_actions, game.action_offset
    # rows: Σ_a μ_i(a) = 1 per player, then one per (pair, action of u), (pair, action of v);
    # built in full here, the first (pair, action of v) row of every pair is dropped below
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
    # a pair's u rows sum to Σ cells − Σ_a μ_u(a), its v rows to Σ cells − Σ_b μ_v(b): with the
    # players' rows one of them is implied by the others, and the first v row is left out
    kept = np.ones(n_rows, dtype=bool)
    kept[n_players + int(u_row_start[-1]) + v_row_start[:-1]] = False
    matrix = matrix[kept]
    n_rows = int(kept.sum())
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
    polytope = LocalPolytope(
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
class LpArrays:
    """The LP as HiGHS holds it now (cut rows included) and its current row duals."""

    matrix: sp.csc_matrix
    lower: np.ndarray
    costs: np.ndarray
    upper: np.ndarray
    duals: np.ndarray


def lp_arrays(polytope: LocalPolytope, highs: highspy.Highs | None = None) -> LpArrays:
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
    return LpArrays(
        columns,
        np.asarray(lp.row_lower_, dtype=np.float64),
        np.asarray(lp.col_cost_, dtype=np.float64),
        np.asarray(lp.col_upper_, dtype=np.float64),
        y,
    )


def dual_bound(lp: LpArrays) -> float:
    """L(y) from the dual y, with the reduced costs d = c − Aᵀy recomputed.

    Row duals of the equality rows are free; those of the cut rows (≥ rows)
    are clipped at zero, so L(y) = yᵀb + Σ_j min(0, d_j) is a valid bound
    whatever the solver's tolerances.
    """
    reduced = lp.costs - lp.matrix.T @ lp.duals
    return float(lp.duals @ lp.lower) + float(np.minimum(0.0, reduced * lp.upper).sum())


def add_cuts(highs: highspy.Highs, found: list[tuple[dict[int, float], float]]) -> None:
    """Add cycle inequalities Σ coefficient · column ≥ lower as rows."""
    for coefficients, lower in found:
        columns = np.fromiter(coefficients, dtype=np.int32, count=len(coefficients))
        values = np.fromiter(coefficients.values(), dtype=np.float64, count=len(coefficients))
        highs.addRow(lower, highspy.kHighsInf, columns.size, columns, values)


def run_until(highs: highspy.Highs, deadline: float) -> None:
    """Solve with the time left before ``deadline`` (a ``time.perf_counter()`` value), at least
    0.1 s."""
    limit_next_run(highs, max(0.1, deadline - time.perf_counter()))
    highs.run()


class Networks:
    """The cost network of an LP dual (:func:`reparametrize`), built once per LP state."""

    def __init__(self, game: PairwiseGame, polytope: LocalPolytope) -> None:
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
        self.last: tuple[LpArrays, CostNetwork] | None = None

    def of(self, lp: LpArrays) -> CostNetwork | None:
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


def search_network(
    network: CostNetwork,
    best: Incumbent,
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


class Incumbent:
    """The best profile seen so far and its integer cost Σ_e c_e(a_u, a_v) (thread-safe)."""

    def __init__(self, game: PairwiseGame, polytope: LocalPolytope, profile: np.ndarray) -> None:
        self.game, self.polytope = game, polytope
        self.profile, self.cost = profile, polytope.cost_of(game, profile)
        self.lock = threading.Lock()

    def offer(self, profile: np.ndarray) -> None:
        """Keep ``profile`` when it costs less than the incumbent."""
        cost = self.polytope.cost_of(self.game, profile)
        with self.lock:
            if cost < self.cost:
                self.profile, self.cost = profile, cost


def round_lp_point(game: PairwiseGame, x: np.ndarray, polytope: LocalPolytope) -> np.ndarray:
    """Each player's most likely action in the LP point, improved by iterated conditional modes."""
    offset = game.action_offset
    nodes = x[: polytope.n_nodes]
    profile = np.array(
        [int(np.argmax(nodes[offset[i] : offset[i + 1]])) for i in range(game.n_players)],
        dtype=np.int64,
    )
    return local_welfare_profile(game, start=profile)
