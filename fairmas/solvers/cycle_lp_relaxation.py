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

  for HiGHS without the node columns μ_i of the players with few partners,
  each written as the marginal of an anchor pair, and without the rows
  that then vanish or are implied (on the sparse 1000 × 3 game of seed 0,
  7,356 rows and 15,858 columns where the full local polytope has 11,279
  and 18,024);
  :meth:`LocalPolytope.add_cuts` adds cycle inequalities as ``≥`` rows.
  The rest of the package sees the LP in the logical columns (μ_i and μ_e):
  :meth:`LocalPolytope.point` and :func:`lp_arrays` translate;
- :func:`dual_bound` is L(y) = yᵀb + Σ_j min(0, d_j) u_j with d = c − Aᵀy
  recomputed (the same for both forms of the LP), a lower bound on every
  profile's cost whatever the solver's tolerances;
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
from dataclasses import dataclass, field

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

ANCHOR_PARTNERS = 8
"""Players with at most this many partners have their node columns substituted out of the LP
HiGHS solves (:func:`local_polytope`); those with more keep them.

A substituted column μ_i(a) costs as many cells as its anchor partner has actions in every other
marginal row of the player and every cut through it, so the fill grows with the partners. On the
sparse 1000 × 3 games (3–11 partners after the presolve; 98 % of the players of seed 0 have at
most 8) the smaller LPs pay: seeds 10 and 12 proved in 39–40 and 47–49 s against 48.7 and
59.7 s, seed 0 in 85–98 s against 105 s (single runs, same session; the limit mattered little
there). On dense games the substitution slows the LPs down: 15 × 5 (14 partners each) took
2.2–3.2 s against 1.8–2.5 s with every player substituted, 100 × 3 of degree 10 10.6–10.7 s
against 8.6–9.6 s (one thread, same session).
"""


@dataclass
class LocalPolytope:
    """The local polytope LP: its columns as the package sees them, and the LP HiGHS solves.

    The *logical* columns are one per player and action (the node columns,
    ``offset[i] + a``), then one per pair cell (column ``n_nodes + k``); the
    logical rows are every row of the local polytope (:attr:`n_equalities`
    of them), then the cuts. HiGHS holds a smaller LP in the *reduced*
    columns x_r, with x = T x_r: every player with one to
    :data:`ANCHOR_PARTNERS` partners has an anchor pair e, and its node
    columns are substituted by μ_i(a) = Σ_b μ_e(a, b); the anchor rows that
    say so vanish, as does one implied row per pair (:func:`local_polytope`).
    The reduced columns are the cells, then the node columns of the other
    players (which stay as they are).
    """

    n_nodes: int
    node_player: np.ndarray  # the player of every node column
    edge_start: np.ndarray  # the cells of pair e are edge_start[e] : edge_start[e + 1]
    cell_node_u: np.ndarray
    cell_node_v: np.ndarray
    cell_cost: np.ndarray
    highs: highspy.Highs
    n_rows: int  # equality rows in HiGHS; its cut rows follow
    equalities: sp.csr_matrix  # the logical equality rows
    equality_lower: np.ndarray  # their right-hand sides
    kept_equalities: np.ndarray  # the logical row of each equality row in HiGHS
    substitution: sp.csr_matrix  # T: logical columns × reduced columns
    anchor_row: np.ndarray  # per node column, its anchor row (−1: the column stays in HiGHS)
    cuts: sp.csr_matrix = field(init=False)  # the cut rows in logical columns
    cut_lower: np.ndarray = field(init=False)
    _logical: sp.csc_matrix | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.cuts = sp.csr_matrix((0, self.equalities.shape[1]))
        self.cut_lower = np.zeros(0)

    @property
    def n_equalities(self) -> int:
        """Logical equality rows (the cut rows of :class:`LpArrays` follow them)."""
        return self.equalities.shape[0]

    def cost_of(self, game: PairwiseGame, profile: np.ndarray) -> float:
        """Σ_e c_e(a_u, a_v) of a profile."""
        u, v, _, _ = game.edges
        cells = self.edge_start[:-1] + profile[u] * game.n_actions[v] + profile[v]
        return float(self.cell_cost[cells].sum())

    def point(self, highs: highspy.Highs | None = None) -> np.ndarray:
        """The LP point of ``highs`` (by default the polytope's own) in the logical columns."""
        highs = self.highs if highs is None else highs
        return self.substitution @ np.asarray(highs.getSolution().col_value, dtype=np.float64)

    def reduced_columns(self, columns: np.ndarray) -> np.ndarray:
        """The HiGHS columns logical ``columns`` are made of (anchor cells for node columns)."""
        rows = self.substitution[np.asarray(columns, dtype=np.int64)]
        return np.unique(rows.indices).astype(np.int32)

    def add_cuts(self, found: list[tuple[dict[int, float], float]]) -> None:
        """Add inequalities Σ coefficient · logical column ≥ lower, substituted, to ``highs``."""
        if not found:
            return
        columns = np.fromiter(
            (c for coefficients, _ in found for c in coefficients), dtype=np.int64
        )
        values = np.fromiter(
            (value for coefficients, _ in found for value in coefficients.values()),
            dtype=np.float64,
        )
        lengths = np.fromiter((len(coefficients) for coefficients, _ in found), dtype=np.int64)
        lower = np.fromiter((bound for _, bound in found), dtype=np.float64, count=len(found))
        rows = sp.csr_matrix(
            (values, columns, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(found), self.equalities.shape[1]),
        )
        reduced = (rows @ self.substitution).tocsr()
        reduced.eliminate_zeros()
        self.highs.addRows(
            len(found),
            lower,
            np.full(len(found), highspy.kHighsInf),
            reduced.nnz,
            reduced.indptr[:-1].astype(np.int32),
            reduced.indices.astype(np.int32),
            reduced.data,
        )
        self.cuts = sp.vstack([self.cuts, rows], format="csr")
        self.cut_lower = np.concatenate([self.cut_lower, lower])
        self._logical = None

    def delete_cuts(self, cuts: np.ndarray) -> None:
        """Delete the cut rows ``cuts`` (numbered from 0 among the cuts) here and in ``highs``."""
        if cuts.size == 0:
            return
        rows = (np.asarray(cuts) + self.n_rows).astype(np.int32)
        self.highs.deleteRows(rows.size, rows)
        kept = np.ones(self.cuts.shape[0], dtype=bool)
        kept[cuts] = False
        self.cuts, self.cut_lower = self.cuts[kept], self.cut_lower[kept]
        self._logical = None

    def logical_matrix(self) -> sp.csc_matrix:
        """The logical equality rows, then the cut rows (built once per set of cuts)."""
        logical = self._logical
        if logical is None:
            logical = sp.vstack([self.equalities, self.cuts], format="csc")
            self._logical = logical
        return logical


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
    welfare is (Σ_e max W_e − its cost) / ``factor``.

    HiGHS gets the LP with the node columns substituted out
    (:class:`LocalPolytope`): every player with at most
    :data:`ANCHOR_PARTNERS` partners takes an anchor pair e (one that is not
    yet its partner's anchor, with a partner of few actions),
    μ_i(a) = Σ_b μ_e(a, b) replaces its node columns in every row, and the
    anchor's rows for that player vanish. Of every pair's rows one more is
    implied and left out: its u rows sum to Σ μ_e − Σ_a μ_u(a), its v rows
    to Σ μ_e − Σ_b μ_v(b), so with the players' rows Σ_a μ_i(a) = 1 one of
    them follows from the others (the first v row; the first u row when the
    pair anchors v; v's own row when it anchors both, whose rows then say
    the same). On the sparse 1000 × 3 game of seed 0 that leaves 7,356 rows
    and 15,858 columns of the full local polytope's 11,279 and 18,024
    (9,522 rows with the implied rows alone left out).

    Examples
    --------
    Two players who earn 2 when they differ: the LP proves welfare 2.

    >>> differ = [[0, 2], [2, 0]]
    >>> game = PairwiseGame.from_tables({p: ["x", "y"] for p in "ab"}, [("a", "b", differ)])
    >>> polytope, best_total = local_polytope(game, 1.0)
    >>> _ = polytope.highs.run()
    >>> best_total - dual_bound(lp_arrays(polytope))
    2.0

    The pair anchors both players, so HiGHS holds its four cells and one row,
    Σ μ_e = 1; in the logical columns the LP point is a distribution:

    >>> polytope.highs.getNumCol(), polytope.highs.getNumRow()
    (4, 1)
    >>> x = polytope.point()
    >>> float(x[:2].sum()), float(x[2:4].sum()), float(x[4:].sum())
    (1.0, 1.0, 1.0)
    """
    start, edge, node_u, node_v, cost, best_total = _edge_costs(game, factor)
    n_nodes, n_cells = game.total_actions, edge.size
    u, v, _, _ = game.edges
    m, offset = game.n_actions, game.action_offset
    # logical rows: Σ_a μ_i(a) = 1 per player, then one per (pair, action of u), (pair, action of v)
    u_row_start = np.zeros(u.size + 1, dtype=np.int64)
    np.cumsum(m[u], out=u_row_start[1:])
    v_row_start = np.zeros(v.size + 1, dtype=np.int64)
    np.cumsum(m[v], out=v_row_start[1:])
    n_players = game.n_players
    first_v_row = n_players + int(u_row_start[-1])
    u_row = n_players + u_row_start[edge] + (node_u - offset[u[edge]])
    v_row = first_v_row + v_row_start[edge] + (node_v - offset[v[edge]])
    n_rows = first_v_row + int(v_row_start[-1])
    player_of_node = np.repeat(np.arange(n_players, dtype=np.int64), m)
    edge_u_rows = n_players + np.arange(int(u_row_start[-1]), dtype=np.int64)
    edge_u_nodes = offset[np.repeat(u, m[u])] + (
        np.arange(int(u_row_start[-1])) - np.repeat(u_row_start[:-1], m[u])
    )
    edge_v_rows = first_v_row + np.arange(int(v_row_start[-1]), dtype=np.int64)
    edge_v_nodes = offset[np.repeat(v, m[v])] + (
        np.arange(int(v_row_start[-1])) - np.repeat(v_row_start[:-1], m[v])
    )
    cells = n_nodes + np.arange(n_cells, dtype=np.int64)
    rows = np.concatenate([player_of_node, u_row, v_row, edge_u_rows, edge_v_rows])
    cols = np.concatenate([np.arange(n_nodes), cells, cells, edge_u_nodes, edge_v_nodes])
    values = np.concatenate(
        [np.ones(n_nodes + 2 * n_cells), -np.ones(edge_u_rows.size + edge_v_rows.size)]
    )
    equalities = sp.csr_matrix((values, (rows, cols)), shape=(n_rows, n_nodes + n_cells))
    equality_lower = np.zeros(n_rows)
    equality_lower[:n_players] = 1.0

    anchor = _anchor_pairs(game)
    anchors_u = anchor[u] == np.arange(u.size)  # the pair anchors its first player
    anchors_v = anchor[v] == np.arange(v.size)
    by_u, by_v = anchors_u[edge], anchors_v[edge]
    free_nodes = np.flatnonzero(anchor[player_of_node] < 0)
    substitution = sp.csr_matrix(
        (
            np.ones(int(by_u.sum() + by_v.sum()) + n_cells + free_nodes.size),
            (
                np.concatenate([node_u[by_u], node_v[by_v], cells, free_nodes]),
                np.concatenate(
                    [
                        np.flatnonzero(by_u),
                        np.flatnonzero(by_v),
                        np.arange(n_cells),
                        n_cells + np.arange(free_nodes.size),
                    ]
                ),
            ),
        ),
        shape=(n_nodes + n_cells, n_cells + free_nodes.size),
    )
    anchor_row = np.full(n_nodes, -1, dtype=np.int64)
    anchor_row[node_u[by_u]] = u_row[by_u]
    anchor_row[node_v[by_v]] = v_row[by_v]
    # the implied row of every pair (see the docstring)
    pairs = np.arange(u.size)
    implied = np.where(
        anchors_u & anchors_v,
        v,
        np.where(anchors_v, n_players + u_row_start[pairs], first_v_row + v_row_start[pairs]),
    )
    kept = np.ones(n_rows, dtype=bool)
    kept[anchor_row[anchor_row >= 0]] = False
    kept[implied] = False
    kept_equalities = np.flatnonzero(kept)
    reduced = (equalities[kept_equalities] @ substitution).tocsr()
    reduced.eliminate_zeros()
    lower = equality_lower[kept_equalities]
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    n_cols = substitution.shape[1]
    costs = np.concatenate([cost, np.zeros(free_nodes.size)])
    highs.addVars(n_cols, np.zeros(n_cols), np.ones(n_cols))
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), costs)
    highs.addRows(
        lower.size,
        lower,
        lower.copy(),
        reduced.nnz,
        reduced.indptr[:-1].astype(np.int32),
        reduced.indices.astype(np.int32),
        reduced.data,
    )
    polytope = LocalPolytope(
        n_nodes=n_nodes,
        node_player=player_of_node,
        edge_start=start,
        cell_node_u=node_u,
        cell_node_v=node_v,
        cell_cost=cost,
        highs=highs,
        n_rows=int(lower.size),
        equalities=equalities,
        equality_lower=equality_lower,
        kept_equalities=kept_equalities,
        substitution=substitution,
        anchor_row=anchor_row,
    )
    return polytope, best_total


def _anchor_pairs(game: PairwiseGame) -> np.ndarray:
    """Every player's anchor pair (−1 for a player without partners or with more than
    :data:`ANCHOR_PARTNERS`).

    Players in turn take a pair that is not yet their partner's anchor (so
    that few pairs anchor both players), and among those the one whose
    partner has the fewest actions (a substituted node column costs that many
    cells in the cut rows).
    """
    u, v, _, _ = game.edges
    m = game.n_actions
    ends = np.concatenate([u, v])
    partners = np.concatenate([v, u])
    pairs = np.concatenate([np.arange(u.size), np.arange(u.size)])
    order = np.lexsort((m[partners], ends))
    first = np.searchsorted(ends[order], np.arange(game.n_players + 1))
    anchor = np.full(game.n_players, -1, dtype=np.int64)
    taken = np.zeros(u.size, dtype=bool)
    for player in range(game.n_players):
        incident = pairs[order[first[player] : first[player + 1]]]
        if incident.size == 0 or incident.size > ANCHOR_PARTNERS:
            continue
        free = incident[~taken[incident]]
        chosen = int(free[0] if free.size else incident[0])
        anchor[player] = chosen
        taken[chosen] = True
    return anchor


# ----------------------------------------------------------------------------- the dual bound


@dataclass(frozen=True)
class LpArrays:
    """The LP in the logical columns and rows (cut rows included) and a dual of it."""

    matrix: sp.csc_matrix
    lower: np.ndarray
    costs: np.ndarray
    upper: np.ndarray
    duals: np.ndarray


def lp_arrays(polytope: LocalPolytope, highs: highspy.Highs | None = None) -> LpArrays:
    """The LP of ``highs`` (by default the polytope's own solver) and its dual, in logical terms.

    The dual of a logical row HiGHS holds is its dual there (a cut's clipped
    at 0), an implied row's is 0, and the anchor rows get the duals that
    make every substituted node column's reduced cost 0: the reduced costs
    of the cells are then HiGHS' own, and L(y) (:func:`dual_bound`) is the
    same for the logical LP as for the one HiGHS solves.
    """
    highs = polytope.highs if highs is None else highs
    matrix = polytope.logical_matrix()
    n_equalities, n_rows = polytope.n_equalities, polytope.n_rows
    solved = np.asarray(highs.getSolution().row_dual, dtype=np.float64)
    duals = np.zeros(matrix.shape[0])
    duals[polytope.kept_equalities] = solved[:n_rows]
    duals[n_equalities:] = np.maximum(solved[n_rows:], 0.0)
    n_nodes = polytope.n_nodes
    substituted = polytope.anchor_row >= 0
    # Σ_r A_rj y_r over the node columns without their anchor rows, where A_rj = −1
    through_nodes = matrix[:, :n_nodes].T @ duals
    duals[polytope.anchor_row[substituted]] = through_nodes[substituted]
    reduced_upper = np.asarray(highs.getLp().col_upper_, dtype=np.float64)
    upper = np.ones(matrix.shape[1])
    n_cells = polytope.cell_cost.size
    upper[n_nodes:] = reduced_upper[:n_cells]
    free = np.flatnonzero(~substituted)
    upper[free] = reduced_upper[n_cells:]
    return LpArrays(
        matrix,
        np.concatenate([polytope.equality_lower, polytope.cut_lower]),
        np.concatenate([np.zeros(n_nodes), polytope.cell_cost]),
        upper,
        duals,
    )


def dual_bound(lp: LpArrays) -> float:
    """L(y) from the dual y, with the reduced costs d = c − Aᵀy recomputed.

    Row duals of the equality rows are free; those of the cut rows (≥ rows)
    are clipped at zero, so L(y) = yᵀb + Σ_j min(0, d_j) is a valid bound
    whatever the solver's tolerances.
    """
    reduced = lp.costs - lp.matrix.T @ lp.duals
    return float(lp.duals @ lp.lower) + float(np.minimum(0.0, reduced * lp.upper).sum())


def run_until(highs: highspy.Highs, deadline: float) -> None:
    """Solve with the time left before ``deadline`` (a ``time.perf_counter()`` value), at least
    0.1 s."""
    limit_next_run(highs, max(0.1, deadline - time.perf_counter()))
    highs.run()


class Networks:
    """The cost network of an LP dual (:func:`reparametrize`), built once per LP state."""

    def __init__(self, game: PairwiseGame, polytope: LocalPolytope) -> None:
        self.domains = tuple(int(m) for m in game.n_actions)
        self.n_equalities = polytope.n_equalities
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
