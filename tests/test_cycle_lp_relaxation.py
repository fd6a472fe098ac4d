"""The local polytope LP that cycle_lp builds: one implied marginal row per pair left out."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from scipy.optimize import linprog

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.cycle_lp_relaxation import dual_bound, local_polytope, lp_arrays
from fairmas.solvers.game_cpsat import integer_scale
from tests.test_pairwise_game import games


def full_local_polytope_optimum(game: PairwiseGame, cell_cost: np.ndarray, polytope) -> float:
    """min Σ c μ over every row of the local polytope: per player Σ_a μ_i(a) = 1, and per pair
    and action of either player its marginal row, all of them (built cell by cell here)."""
    offset, n_nodes = game.action_offset, polytope.n_nodes
    rows: list[dict[int, float]] = []
    for i in range(game.n_players):
        rows.append({int(k): 1.0 for k in range(offset[i], offset[i + 1])})
    for e in range(len(polytope.edge_start) - 1):
        cells = range(int(polytope.edge_start[e]), int(polytope.edge_start[e + 1]))
        for side in (polytope.cell_node_u, polytope.cell_node_v):
            for node in sorted({int(side[k]) for k in cells}):
                row = {n_nodes + k: 1.0 for k in cells if side[k] == node}
                row[node] = -1.0
                rows.append(row)
    matrix = sp.lil_matrix((len(rows), n_nodes + cell_cost.size))
    for r, row in enumerate(rows):
        for column, value in row.items():
            matrix[r, column] = value
    rhs = np.array([1.0] * game.n_players + [0.0] * (len(rows) - game.n_players))
    costs = np.concatenate([np.zeros(n_nodes), cell_cost])
    found = linprog(costs, A_eq=matrix.tocsr(), b_eq=rhs, bounds=(0, 1), method="highs")
    assert found.status == 0
    return float(found.fun)


@settings(max_examples=40, deadline=None)
@given(game=games(max_players=6, max_actions=3))
def test_the_lp_without_the_implied_rows_has_the_full_local_polytopes_optimum(
    game: PairwiseGame,
) -> None:
    polytope, _ = local_polytope(game, integer_scale(game.flat[0]).factor)
    u, v, _, _ = game.edges
    pairs_rows = int((game.n_actions[u] + game.n_actions[v] - 1).sum())
    assert polytope.n_rows == polytope.highs.getNumRow() == game.n_players + pairs_rows
    polytope.highs.run()
    value = polytope.highs.getInfo().objective_function_value
    full = full_local_polytope_optimum(game, polytope.cell_cost, polytope)
    assert abs(value - full) <= 1e-6 * max(1.0, abs(full))
    assert abs(dual_bound(lp_arrays(polytope)) - full) <= 1e-6 * max(1.0, abs(full))
