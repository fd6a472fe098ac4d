"""An LP dual turned into an exact cost function network whose root bound is the LP bound.

A MAP LP over the local marginal polytope, tightened by cuts, reads
min cᵀx s.t. A_E x = b_E (normalization and marginalization rows),
A_C x ≥ b_C (cuts, e.g. cycle inequalities), x ≥ 0, where every column is
an indicator of one player's action or of one pair's joint action. For any
dual vector Y with Y_C ≥ 0 and every profile a with indicator vector x(a)
(which satisfies the equality rows exactly),

.. math::

    D\\, c^\\top x(a) = Y_E^\\top b_E + \\sum_{k \\in C} Y_k\\, A_k x(a)
                     + (D c - A^\\top Y)^\\top x(a).

The last term is a sum of unary and pairwise functions of the profile (the
reduced costs). Each cut term Y_k A_k x(a) is a function of the players on
the cut's cycle; it is at least Y_k b_k on every profile and is split,
by min-sum variable elimination along the cycle (Dechter 1999), into a
constant (its minimum) plus non-negative functions of at most three players.
With Y = round(D·y) for the optimal LP dual y, every piece is an integer,
the identity holds exactly, and the constant of the resulting network is
the LP bound up to the rounding: a branch and bound on this network, such as
toulbar2 (:func:`~fairmas.solvers.game_toulbar2.toulbar2_minimize`), starts
from the cut-tightened bound instead of the weak local polytope one, while
it still optimizes exactly D times the original cost.

References
----------
R. Dechter, "Bucket elimination: a unifying framework for reasoning",
Artificial Intelligence 113 (1999).
T. Werner, "A linear programming approach to max-sum problem: a review",
IEEE TPAMI 29 (2007), on reparametrizations (equivalent transformations).
D. Sontag, T. Jaakkola, "New outer bounds on the marginal polytope", NIPS 2007.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

MAX_RESOLUTION = 10**6
"""Largest factor D by which costs and duals are multiplied before rounding the duals."""

COST_CEILING = 2**60
"""D times the largest possible total cost must stay below this (toulbar2 costs are int64)."""

MAX_ARITY = 3
"""Cuts whose elimination needs functions of more players are left out (their dual is set to 0)."""


@dataclass(frozen=True)
class ColumnScopes:
    """Which players and actions each LP column indicates.

    Column j is the indicator [a_p = s] when ``second_player[j] < 0``, and
    [a_p = s and a_q = t] otherwise, with p = ``first_player[j]``,
    s = ``first_action[j]``, q = ``second_player[j]``, t = ``second_action[j]``
    and p < q.
    """

    first_player: np.ndarray
    first_action: np.ndarray
    second_player: np.ndarray
    second_action: np.ndarray


@dataclass(frozen=True)
class CostNetwork:
    """An integer cost function network: D · cost(a) = constant + Σ_f f(a restricted to its scope).

    Attributes
    ----------
    domains : tuple of int
        Number of actions of every player.
    functions : dict
        Scope (increasing tuple of players, one to three of them) → table of
        non-negative int64 costs, one axis per player of the scope.
    constant : int
        The part of D · cost shared by every profile: a lower bound on it.
    resolution : int
        D.
    dropped_cuts : int
        Cuts with a positive dual left out because their elimination needed
        functions of more than :data:`MAX_ARITY` players.
    """

    domains: tuple[int, ...]
    functions: dict[tuple[int, ...], np.ndarray]
    constant: int
    resolution: int
    dropped_cuts: int

    def cost(self, profile: np.ndarray) -> int:
        """constant + Σ_f f(profile): D times the LP cost of ``profile``."""
        total = self.constant
        for scope, table in self.functions.items():
            total += int(table[tuple(int(profile[p]) for p in scope)])
        return total


def resolution_for(cost_ceiling: float) -> int:
    """The largest power of ten D ≤ :data:`MAX_RESOLUTION` with D · cost_ceiling small enough.

    D · (cost_ceiling + 1) must stay below :data:`COST_CEILING`; returns 0
    when even D = 1 does not fit.

    Examples
    --------
    >>> resolution_for(24_000.0), resolution_for(1e15), resolution_for(1e19)
    (1000000, 1000, 0)
    """
    resolution = MAX_RESOLUTION
    while resolution >= 1 and resolution * (cost_ceiling + 1.0) >= COST_CEILING:
        resolution //= 10
    return resolution


def reparametrize(
    matrix: sp.spmatrix,
    lower: np.ndarray,
    costs: np.ndarray,
    duals: np.ndarray,
    n_equalities: int,
    columns: ColumnScopes,
    domains: tuple[int, ...],
    resolution: int,
) -> CostNetwork:
    """The cost function network of an LP dual (see the module docstring).

    Parameters
    ----------
    matrix : sparse matrix
        A, integer coefficients: the ``n_equalities`` equality rows first, then
        the ≥ rows (cuts).
    lower : ndarray
        b, integers.
    costs : ndarray
        c, integers.
    duals : ndarray
        y, one per row (those of the cuts are clipped at 0).
    n_equalities : int
    columns : ColumnScopes
    domains : tuple of int
    resolution : int
        D ≥ 1 (:func:`resolution_for`).

    Returns
    -------
    CostNetwork

    Examples
    --------
    Two players with two actions each and one pair cell cost: the local
    polytope of the cost c(a, b) = 1 unless both play action 0. Columns are
    the four indicators, then the four cells (0, 0), (0, 1), (1, 0), (1, 1).

    >>> scopes = ColumnScopes(
    ...     np.array([0, 0, 1, 1, 0, 0, 0, 0]), np.array([0, 1, 0, 1, 0, 0, 1, 1]),
    ...     np.array([-1, -1, -1, -1, 1, 1, 1, 1]), np.array([0, 0, 0, 0, 0, 1, 0, 1]),
    ... )
    >>> rows = sp.csr_matrix(np.array([
    ...     [1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0, 0],            # Σ_s μ_p(s) = 1
    ...     [-1, 0, 0, 0, 1, 1, 0, 0], [0, -1, 0, 0, 0, 0, 1, 1],          # rows of player 0
    ...     [0, 0, -1, 0, 1, 0, 1, 0], [0, 0, 0, -1, 0, 1, 0, 1]]))        # columns of player 1
    >>> costs = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    >>> network = reparametrize(rows, np.array([1, 1, 0, 0, 0, 0]), costs,
    ...                         np.zeros(6), 6, scopes, (2, 2), 10)
    >>> network.constant, [network.cost(np.array([a, b])) for a in (0, 1) for b in (0, 1)]
    (0, [0, 10, 10, 10])
    """
    matrix = sp.csr_matrix(matrix)
    n_rows = matrix.shape[0]
    scaled = np.rint(np.asarray(duals, dtype=np.float64) * resolution).astype(np.int64)
    scaled[n_equalities:] = np.maximum(scaled[n_equalities:], 0)
    integer_lower = np.rint(np.asarray(lower, dtype=np.float64)).astype(np.int64)
    functions: dict[tuple[int, ...], np.ndarray] = {}
    constant = int(scaled[:n_equalities] @ integer_lower[:n_equalities])
    dropped = 0
    for row in range(n_equalities, n_rows):
        if scaled[row] == 0:
            continue
        span = slice(matrix.indptr[row], matrix.indptr[row + 1])
        terms = _cut_terms(
            matrix.indices[span], np.rint(matrix.data[span]).astype(np.int64) * scaled[row], columns
        )
        eliminated = _eliminate(terms, domains)
        if eliminated is None:
            scaled[row] = 0
            dropped += 1
            continue
        pieces, minimum = eliminated
        constant += minimum
        for scope, table in pieces:
            _accumulate(functions, scope, table)
    integer_matrix = sp.csc_matrix(matrix, dtype=np.int64)
    reduced = np.rint(np.asarray(costs, dtype=np.float64)).astype(np.int64) * resolution
    reduced -= integer_matrix.T @ scaled
    for scope, table in _cut_terms(np.arange(reduced.size), reduced, columns).items():
        _accumulate(functions, scope, table)
    shifted: dict[tuple[int, ...], np.ndarray] = {}
    for scope, table in functions.items():
        table = _padded(table, tuple(domains[p] for p in scope))
        least = int(table.min())
        constant += least
        shifted[scope] = table - least
    return CostNetwork(tuple(domains), shifted, constant, resolution, dropped)


def _cut_terms(
    column_ids: np.ndarray, values: np.ndarray, columns: ColumnScopes
) -> dict[tuple[int, ...], np.ndarray]:
    """Σ_j values_j x_j(a) as unary and pairwise tables by scope (as large as the actions met)."""
    first, second = columns.first_player[column_ids], columns.second_player[column_ids]
    s, t = columns.first_action[column_ids], columns.second_action[column_ids]
    terms: dict[tuple[int, ...], dict[tuple[int, ...], int]] = {}
    for p, q, a, b, value in zip(
        first.tolist(), second.tolist(), s.tolist(), t.tolist(), values.tolist(), strict=True
    ):
        if value == 0:
            continue
        scope, cell = ((p,), (a,)) if q < 0 else ((p, q), (a, b))
        cells = terms.setdefault(scope, {})
        cells[cell] = cells.get(cell, 0) + value
    return {scope: _table(cells) for scope, cells in terms.items()}


def _table(cells: dict[tuple[int, ...], int]) -> np.ndarray:
    keys = np.array(list(cells), dtype=np.int64)
    table = np.zeros(tuple(keys.max(axis=0) + 1), dtype=np.int64)
    table[tuple(keys.T)] = list(cells.values())
    return table


def _accumulate(
    functions: dict[tuple[int, ...], np.ndarray], scope: tuple[int, ...], table: np.ndarray
) -> None:
    """functions[scope] += table, padding both to the larger shape with zeros."""
    current = functions.get(scope)
    if current is None:
        functions[scope] = table
        return
    shape = tuple(max(x, y) for x, y in zip(current.shape, table.shape, strict=True))
    functions[scope] = _padded(current, shape) + _padded(table, shape)


def _padded(table: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if table.shape == shape:
        return table
    out = np.zeros(shape, dtype=np.int64)
    out[tuple(slice(0, n) for n in table.shape)] = table
    return out


def _eliminate(
    terms: dict[tuple[int, ...], np.ndarray], domains: tuple[int, ...]
) -> tuple[list[tuple[tuple[int, ...], np.ndarray]], int] | None:
    """Min-sum variable elimination of Σ terms into non-negative pieces plus its minimum.

    Eliminating player x combines every function that involves x into φ over
    x and its neighbours N, emits φ − min_x φ ≥ 0 and passes min_x φ on to N.
    Returns None when some N has more than MAX_ARITY − 1 players.
    """
    pending = {
        scope: _padded(table, tuple(domains[p] for p in scope)) for scope, table in terms.items()
    }
    pieces: list[tuple[tuple[int, ...], np.ndarray]] = []
    minimum = 0
    while pending:
        neighbours: dict[int, set[int]] = {}
        for scope in pending:
            for p in scope:
                neighbours.setdefault(p, set()).update(scope)
        player = min(neighbours, key=lambda p: (len(neighbours[p]), p))
        scope = tuple(sorted(neighbours[player]))
        if len(scope) > MAX_ARITY:
            return None
        combined = np.zeros(tuple(domains[p] for p in scope), dtype=np.int64)
        for part in [s for s in pending if player in s]:
            table = pending.pop(part)
            combined = combined + table.reshape([domains[p] if p in part else 1 for p in scope])
        axis = scope.index(player)
        message = combined.min(axis=axis)
        pieces.append((scope, combined - np.expand_dims(message, axis)))
        rest = scope[:axis] + scope[axis + 1 :]
        if rest:
            pending[rest] = pending.get(rest, 0) + message
        else:
            minimum += int(message)
    return pieces, minimum


def condition(network: CostNetwork, fixed: dict[int, int]) -> CostNetwork:
    """``network`` with the players of ``fixed`` held at their actions.

    Every function is sliced at the fixed actions; what no longer depends on
    any player joins the constant, and every table is shifted to a minimum of
    0 again, so the constant is a bound on the profiles that agree with
    ``fixed`` (at least the network's own). Fixed players keep their domains
    but appear in no function: a search may give them any action, and
    D · cost(a) = constant + Σ_f f(a) holds once a takes the fixed actions.

    Examples
    --------
    >>> network = CostNetwork((2, 2), {(0, 1): np.array([[0, 4], [3, 1]])}, 10, 1, 0)
    >>> held = condition(network, {0: 1})
    >>> held.constant, held.functions[(1,)].tolist()
    (11, [2, 0])
    >>> held.cost(np.array([1, 0])) == network.cost(np.array([1, 0]))
    True
    """
    constant = network.constant
    functions: dict[tuple[int, ...], np.ndarray] = {}
    for scope, table in network.functions.items():
        index = tuple(fixed.get(p, slice(None)) for p in scope)
        rest = tuple(p for p in scope if p not in fixed)
        sliced = np.asarray(table[index], dtype=np.int64)
        if rest:
            _accumulate(functions, rest, sliced)
        else:
            constant += int(sliced)
    shifted = {}
    for scope, table in functions.items():
        least = int(table.min())
        constant += least
        shifted[scope] = table - least
    return CostNetwork(network.domains, shifted, constant, network.resolution, network.dropped_cuts)
