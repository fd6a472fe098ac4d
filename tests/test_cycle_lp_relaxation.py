"""The local polytope LP that cycle_lp builds: node columns substituted, implied rows left out.

It is checked against the full local polytope, every row of it, built here cell by cell."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import fairmas.solvers.cycle_lp_relaxation as relaxation
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.cycle_lp_relaxation import dual_bound, local_polytope, lp_arrays
from fairmas.solvers.cycle_separation import CycleSeparator
from fairmas.solvers.game_cpsat import integer_scale
from tests.test_pairwise_game import games


def full_local_polytope(game: PairwiseGame, polytope) -> tuple[sp.csr_matrix, np.ndarray]:
    """Every row of the local polytope over node and cell columns, built cell by cell here:
    per player Σ_a μ_i(a) = 1, and per pair and action of either player its marginal row."""
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
    matrix = sp.lil_matrix((len(rows), n_nodes + polytope.cell_cost.size))
    for r, row in enumerate(rows):
        for column, value in row.items():
            matrix[r, column] = value
    rhs = np.array([1.0] * game.n_players + [0.0] * (len(rows) - game.n_players))
    return matrix.tocsr(), rhs


def rows_of(matrix: sp.spmatrix, rhs: np.ndarray) -> list[tuple]:
    """The rows as sorted (columns, values, right-hand side) triples: equal up to their order."""
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    return sorted(
        (
            tuple(matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]].tolist()),
            tuple(matrix.data[matrix.indptr[r] : matrix.indptr[r + 1]].tolist()),
            float(rhs[r]),
        )
        for r in range(matrix.shape[0])
    )


def optimum(matrix: sp.spmatrix, rhs: np.ndarray, costs: np.ndarray, cuts=None) -> float:
    extra = {} if cuts is None else {"A_ub": -cuts[0], "b_ub": -cuts[1]}
    found = linprog(costs, A_eq=matrix, b_eq=rhs, bounds=(0, 1), method="highs", **extra)
    assert found.status == 0
    return float(found.fun)


@settings(max_examples=40, deadline=None)
@given(game=games(max_players=6, max_actions=3), partners=st.sampled_from([0, 1, 2, 6]))
def test_the_reduced_lp_has_the_full_local_polytopes_optimum(
    game: PairwiseGame, partners: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relaxation, "ANCHOR_PARTNERS", partners)
        polytope, _ = local_polytope(game, integer_scale(game.flat[0]).factor)
    u, v, _, _ = game.edges
    degree = np.bincount(np.concatenate([u, v]), minlength=game.n_players)
    anchored = (degree > 0) & (degree <= partners)
    highs = polytope.highs
    # HiGHS holds the cells and the node columns of the players without an anchor pair
    assert highs.getNumCol() == polytope.cell_cost.size + int(game.n_actions[~anchored].sum())
    # each anchored player's anchor rows vanish, and one implied row of every pair
    full_rows = game.n_players + int((game.n_actions[u] + game.n_actions[v]).sum())
    anchored_actions = int(game.n_actions[anchored].sum())
    assert highs.getNumRow() == polytope.n_rows == full_rows - anchored_actions - u.size
    highs.run()
    matrix, rhs = full_local_polytope(game, polytope)
    costs = np.concatenate([np.zeros(polytope.n_nodes), polytope.cell_cost])
    full = optimum(matrix, rhs, costs)
    tolerance = 1e-6 * max(1.0, abs(full))
    assert abs(highs.getInfo().objective_function_value - full) <= tolerance
    lp = lp_arrays(polytope)
    assert abs(dual_bound(lp) - full) <= tolerance
    # the logical rows are the full local polytope's; the logical point lies in it
    logical = lp.matrix[: polytope.n_equalities]
    assert rows_of(logical, lp.lower[: polytope.n_equalities]) == rows_of(matrix, rhs)
    assert np.allclose(matrix @ polytope.point(), rhs, atol=1e-7)
    # the anchor rows' duals make every substituted node column's reduced cost 0
    reduced = lp.costs - lp.matrix.T @ lp.duals
    assert np.allclose(reduced[: polytope.n_nodes][polytope.anchor_row >= 0], 0.0, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(4, 7), m=st.integers(2, 3), seed=st.integers(0, 10**6))
def test_cuts_in_logical_columns_tighten_the_reduced_lp_as_the_full_one(
    n: int, m: int, seed: int
) -> None:
    game = PairwiseGame.random(n, m, seed=seed)
    polytope, _ = local_polytope(game, integer_scale(game.flat[0]).factor)
    separator = CycleSeparator(polytope.n_nodes, polytope.cell_node_u, polytope.cell_node_v)
    highs = polytope.highs
    for _ in range(2):
        highs.run()
        polytope.add_cuts(separator.violated_cycles(polytope.point()))
    highs.run()
    matrix, rhs = full_local_polytope(game, polytope)
    costs = np.concatenate([np.zeros(polytope.n_nodes), polytope.cell_cost])
    full = optimum(matrix, rhs, costs, (polytope.cuts, polytope.cut_lower))
    tolerance = 1e-6 * max(1.0, abs(full))
    assert abs(highs.getInfo().objective_function_value - full) <= tolerance
    assert abs(dual_bound(lp_arrays(polytope)) - full) <= tolerance
    x = polytope.point()
    assert np.all(polytope.cuts @ x >= polytope.cut_lower - 1e-7)
    # deleting cuts keeps HiGHS' rows and the logical ones in step
    if polytope.cuts.shape[0]:
        polytope.delete_cuts(np.array([0]))
        highs.run()
        full = optimum(matrix, rhs, costs, (polytope.cuts, polytope.cut_lower))
        assert highs.getNumRow() == polytope.n_rows + polytope.cuts.shape[0]
        assert abs(highs.getInfo().objective_function_value - full) <= tolerance


def test_fixing_a_player_closes_its_anchor_cells() -> None:
    game = PairwiseGame.random(6, 3, seed=4)
    polytope, _ = local_polytope(game, 1.0)
    offset = game.action_offset
    held = polytope.reduced_columns(np.arange(offset[2] + 1, offset[3]))  # player 2 plays 0
    highs = polytope.highs
    highs.changeColsBounds(held.size, held, np.zeros(held.size), np.zeros(held.size))
    highs.run()
    x = polytope.point()
    assert np.allclose(x[offset[2] : offset[3]], [1.0, 0.0, 0.0], atol=1e-9)
