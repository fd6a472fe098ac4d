"""Pure profiles of a pairwise-utility (polymatrix) game as MILPs.

Variables: y_{i,a} ∈ {0, 1} (player i plays a, Σ_a y_{i,a} = 1) and, only for
interacting pairs e = {i, j}, z_{e,ab} ∈ [0, 1] standing for the product
y_{i,a} y_{j,b}. The products are linearized by the *local marginal polytope*
constraints

.. math::

    \\sum_b z_{e,ab} = y_{i,a}, \\qquad \\sum_a z_{e,ab} = y_{j,b},

which force z_{e,ab} = y_{i,a} y_{j,b} at integer y (the only cell of row a_i
that column a_j leaves non-zero) and give a much stronger LP relaxation than
the McCormick inequalities z ≤ y_i, z ≤ y_j, z ≥ y_i + y_j − 1 (the first
level of the Sherali–Adams hierarchy; the local polytope of pairwise MAP
inference, Wainwright and Jordan 2008, section 8.4). The welfare is linear,
W = Σ_e Σ_ab W_e(a, b) z_{e,ab} with W_e = u_ij + u_jiᵀ.

Best responses, exact form without big-M (``form="product"``): player i
playing a has no profitable deviation to a' exactly when
Σ_j Σ_b (u_ij(a, b) − u_ij(a', b)) y_{j,b} ≥ 0. Multiplying by y_{i,a} (an RLT
step) turns the implication "y_{i,a} = 1 ⇒ ..." into the linear row

.. math::

    \\sum_{j} \\sum_b \\big(u_{ij}(a, b) - u_{ij}(a', b)\\big)\\, z_{ij,ab} \\ge -\\varepsilon
    \\qquad \\forall i,\\ a \\ne a',

which is void when y_{i,a} = 0 (every z_{ij,a·} is then 0) and exact when
y_{i,a} = 1; ε is :attr:`PairwiseGame.tolerance`. The same rows, with a slack
r_{i,a} ≥ 0 on the left, measure each player's regret for the alignment model.
The default for equilibria (``form="indicator"``) writes the same implication
on y with the tightest big-M instead, which solved faster in our measurements
(:func:`add_best_responses`).

References
----------
M. J. Wainwright, M. I. Jordan, "Graphical models, exponential families, and
variational inference", Found. Trends Mach. Learn. 1 (2008).
H. D. Sherali, W. P. Adams, "A hierarchy of relaxations between the continuous
and convex hull representations for zero-one programming problems", SIAM J.
Discrete Math. 3 (1990).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyomo.environ as pyo

from fairmas.models.pairwise_game import PairwiseGame


@dataclass(frozen=True)
class GameIndex:
    """Index arrays of the MILP of a game (computed once, shared by its models).

    Attributes
    ----------
    cell_edge, cell_row, cell_col : ndarray
        z cell ``c`` is pair ``cell_edge[c]`` with the smaller player playing
        global action ``cell_row[c]`` and the larger ``cell_col[c]``.
    cell_welfare : ndarray
        W_e(a, b) of each cell.
    """

    game: PairwiseGame

    @cached_property
    def cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(cell_start, cell_edge, cell_row, cell_col, cell_welfare)``."""
        game = self.game
        u, v, _, _ = game.edges
        m = game.n_actions
        sizes = m[u] * m[v]
        start = np.zeros(u.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=start[1:])
        edge = np.repeat(np.arange(u.size, dtype=np.int64), sizes)
        local = np.arange(start[-1], dtype=np.int64) - start[edge]
        row = game.action_offset[u[edge]] + local // m[v[edge]]
        col = game.action_offset[v[edge]] + local % m[v[edge]]
        welfare = (
            np.concatenate([game.edge_welfare(e).ravel() for e in range(u.size)])
            if u.size
            else np.zeros(0)
        )
        return start, edge, row, col, welfare

    @cached_property
    def edge_of_table(self) -> np.ndarray:
        """The pair e of each table, and whether the table's player is the smaller one."""
        game = self.game
        _, _, forward, backward = game.edges
        edge = np.empty(game.n_tables, dtype=np.int64)
        present = forward >= 0
        edge[forward[present]] = np.flatnonzero(present)
        present = backward >= 0
        edge[backward[present]] = np.flatnonzero(present)
        return edge

    def table_cells(self, t: int) -> np.ndarray:
        """z cell of u_ij(a, b) for table t = (i, j), as an ``|A_i| × |A_j|`` int array."""
        game = self.game
        e = int(self.edge_of_table[t])
        start = int(self.cells[0][e])
        i, j = int(game.player[t]), int(game.opponent[t])
        mi, mj = int(game.n_actions[i]), int(game.n_actions[j])
        if i < j:
            return start + np.arange(mi * mj, dtype=np.int64).reshape(mi, mj)
        return start + np.arange(mi * mj, dtype=np.int64).reshape(mj, mi).T

    @cached_property
    def deviation_rows(self) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Rows (i, a, a') of the best-response constraints with their terms.

        Returns ``(rows, cells, coefficients)``: row k is player ``rows[k, 0]``
        playing its action ``rows[k, 1]`` against deviation ``rows[k, 2]``, with
        Σ coefficients[k] · z[cells[k]] = U_i(a, a_−i) − U_i(a', a_−i) when
        y_{i,a} = 1. Rows whose coefficients are all zero are left out.
        """
        game = self.game
        pointer, order = game.tables_by_player
        rows, cells, coefficients = [], [], []
        for i in range(game.n_players):
            mine = order[pointer[i] : pointer[i + 1]]
            m_i = int(game.n_actions[i])
            if mine.size == 0 or m_i < 2:
                continue
            blocks = [(self.table_cells(int(t)), game.tables[int(t)]) for t in mine]
            for a in range(m_i):
                for deviation in range(m_i):
                    if deviation == a:
                        continue
                    row_cells = np.concatenate([block[a] for block, _ in blocks])
                    row_coef = np.concatenate([table[a] - table[deviation] for _, table in blocks])
                    keep = row_coef != 0
                    if keep.any():
                        rows.append((i, a, deviation))
                        cells.append(row_cells[keep])
                        coefficients.append(row_coef[keep])
        return np.array(rows, dtype=np.int64).reshape(-1, 3), cells, coefficients

    @cached_property
    def indicator_rows(
        self,
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], np.ndarray]:
        """Rows (i, a, a') of the best responses written on y, with their tightest big-M.

        Returns ``(rows, actions, coefficients, big_m)``: row k reads
        Σ coefficients[k] · y[actions[k]] ≥ −big_m[k] (1 − y_{i,a}), where the
        left side is U_i(a, a_−i) − U_i(a', a_−i) and big_m[k] = −Σ_j min_b
        (u_ij(a, b) − u_ij(a', b)) is its least possible value's magnitude. Rows
        that can never be violated (big_m ≤ 0) are left out.
        """
        game = self.game
        pointer, order = game.tables_by_player
        offset = game.action_offset
        rows, actions, coefficients, big_m = [], [], [], []
        for i in range(game.n_players):
            mine = order[pointer[i] : pointer[i + 1]].tolist()
            m_i = int(game.n_actions[i])
            if not mine or m_i < 2:
                continue
            columns = np.concatenate(
                [offset[game.opponent[t]] + np.arange(game.tables[t].shape[1]) for t in mine]
            )
            for a in range(m_i):
                for deviation in range(m_i):
                    if deviation == a:
                        continue
                    gains = [game.tables[t][a] - game.tables[t][deviation] for t in mine]
                    bound = -sum(float(g.min()) for g in gains)
                    if bound <= game.tolerance:
                        continue
                    row = np.concatenate(gains)
                    keep = row != 0
                    rows.append((i, a, deviation))
                    actions.append(columns[keep])
                    coefficients.append(row[keep])
                    big_m.append(bound)
        return (
            np.array(rows, dtype=np.int64).reshape(-1, 3),
            actions,
            coefficients,
            np.array(big_m, dtype=np.float64),
        )


def profile_model(game: PairwiseGame, index: GameIndex | None = None) -> pyo.ConcreteModel:
    """The profile variables y, the pair products z and the welfare expression.

    Parameters
    ----------
    game : PairwiseGame
    index : GameIndex, optional
        Reuse the index arrays of an earlier model of the same game.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Components ``y`` (binary, by global action), ``z`` (by cell),
        ``one_action`` (Σ_a y_{i,a} = 1), ``row_marginal`` and
        ``column_marginal`` (the local polytope) and the expression
        ``welfare``; no objective yet.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> pd = [[3, 0], [5, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
    ... )
    >>> model = profile_model(game)
    >>> model.objective = pyo.Objective(expr=model.welfare, sense=pyo.maximize)
    >>> solve_model(model).objective, profile_from_model(model, game).tolist()
    (6.0, [0, 0])
    """
    index = index or GameIndex(game)
    start, edge, row, col, welfare = index.cells
    offset = game.action_offset

    model = pyo.ConcreteModel(name="pairwise_game")
    model.ACTIONS = pyo.RangeSet(0, game.total_actions - 1)
    model.PLAYERS = pyo.RangeSet(0, game.n_players - 1)
    model.CELLS = pyo.RangeSet(0, int(start[-1]) - 1)
    model.y = pyo.Var(model.ACTIONS, domain=pyo.Binary, doc="y[i,a] = 1: player i plays a")
    model.z = pyo.Var(model.CELLS, bounds=(0, 1), doc="z[e,ab] = y[i,a]·y[j,b]")
    model.one_action = pyo.Constraint(
        model.PLAYERS,
        rule=lambda mdl, i: pyo.quicksum(mdl.y[g] for g in range(offset[i], offset[i + 1])) == 1,
    )

    # one marginal row per (pair, action of its smaller player), one column per action of the larger
    row_key = edge * game.total_actions + row
    cells_by_row = np.argsort(row_key, kind="stable")
    row_keys = np.unique(row_key)
    row_span = _spans(row_key[cells_by_row], row_keys)
    col_key = edge * game.total_actions + col
    cells_by_col = np.argsort(col_key, kind="stable")
    col_keys = np.unique(col_key)
    col_span = _spans(col_key[cells_by_col], col_keys)
    row_cells = cells_by_row.tolist()
    col_cells = cells_by_col.tolist()
    row_action = (row_keys % game.total_actions).tolist()
    col_action = (col_keys % game.total_actions).tolist()

    model.MARGINAL_ROWS = pyo.RangeSet(0, row_keys.size - 1)
    model.MARGINAL_COLS = pyo.RangeSet(0, col_keys.size - 1)
    model.row_marginal = pyo.Constraint(
        model.MARGINAL_ROWS,
        rule=lambda mdl, k: (
            pyo.quicksum(mdl.z[c] for c in row_cells[row_span[k] : row_span[k + 1]])
            == mdl.y[row_action[k]]
        ),
    )
    model.column_marginal = pyo.Constraint(
        model.MARGINAL_COLS,
        rule=lambda mdl, k: (
            pyo.quicksum(mdl.z[c] for c in col_cells[col_span[k] : col_span[k + 1]])
            == mdl.y[col_action[k]]
        ),
    )
    weights = welfare.tolist()
    nonzero = np.flatnonzero(welfare).tolist()
    model.welfare = pyo.Expression(expr=pyo.quicksum(weights[c] * model.z[c] for c in nonzero))
    model._fairmas_index = index  # reused by the models built on top
    return model


def social_optimum_model(game: PairwiseGame) -> pyo.ConcreteModel:
    """max W(a) = Σ_i U_i(a) over pure profiles.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["x", "y"], "b": ["x", "y"]}, [("a", "b", [[2, 0], [0, 1]])]
    ... )
    >>> model = social_optimum_model(game)
    >>> solve_model(model).objective
    2.0
    """
    model = profile_model(game)
    model.objective = pyo.Objective(expr=model.welfare, sense=pyo.maximize)
    return model


BEST_RESPONSE_FORMS = ("indicator", "product")
"""How :func:`add_best_responses` writes U_i(a) ≥ U_i(a', a_−i)."""


def add_best_responses(
    model: pyo.ConcreteModel, game: PairwiseGame, form: str = "indicator"
) -> None:
    """Add the rows that make every player's action a best response.

    ``form="product"`` adds the exact rows on z (module notes): no big-M, a
    strong LP relaxation. ``form="indicator"`` adds, for every i and a ≠ a',

    .. math::

        \\sum_j \\sum_b \\big(u_{ij}(a, b) - u_{ij}(a', b)\\big)\\, y_{j,b}
        \\ge -M_{i,a,a'} (1 - y_{i,a}) - \\varepsilon,
        \\qquad M_{i,a,a'} = -\\sum_j \\min_b \\big(u_{ij}(a, b) - u_{ij}(a', b)\\big),

    the tightest constant that leaves the row void when i does not play a.
    Its rows hold binaries only, which HiGHS' domain propagation and conflict
    analysis use directly; on random games it proved equilibria (or their
    absence) 2 to 20 times faster than the product form
    (``benchmarks/bench_games.py``), so it is the default.
    """
    tolerance = game.tolerance
    index = model._fairmas_index
    if form == "product":
        _, cells, coefficients = index.deviation_rows
        variables, big_m = model.z, None
    elif form == "indicator":
        rows, cells, coefficients, big_m = index.indicator_rows
        variables = model.y
        own = (game.action_offset[rows[:, 0]] + rows[:, 1]).tolist()
        big_m = big_m.tolist()
    else:
        raise ValueError(f"form must be one of {BEST_RESPONSE_FORMS}")
    cell_lists = [c.tolist() for c in cells]
    coefficient_lists = [c.tolist() for c in coefficients]

    def rule(mdl: pyo.ConcreteModel, k: int) -> object:
        gain = pyo.quicksum(
            c * variables[x] for c, x in zip(coefficient_lists[k], cell_lists[k], strict=True)
        )
        if big_m is None:
            return gain >= -tolerance
        return gain >= -big_m[k] * (1 - mdl.y[own[k]]) - tolerance

    model.DEVIATIONS = pyo.RangeSet(0, len(cells) - 1) if cells else pyo.Set(initialize=[])
    model.best_response = pyo.Constraint(model.DEVIATIONS, rule=rule)


def equilibrium_model(
    game: PairwiseGame, which: str = "best", form: str = "indicator"
) -> pyo.ConcreteModel:
    """Pure Nash equilibria of the game, best (max welfare) or worst (min welfare) first.

    Parameters
    ----------
    game : PairwiseGame
    which : {"best", "worst"}
    form : {"indicator", "product"}
        How best responses are written (:func:`add_best_responses`).

    Returns
    -------
    pyomo.environ.ConcreteModel
        Infeasible exactly when the game has no pure equilibrium. Cut off found
        profiles with :func:`exclude_profile` to list the others.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> stag_hunt = [[4, 0], [3, 3]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["stag", "hare"], "b": ["stag", "hare"]},
    ...     [("a", "b", stag_hunt), ("b", "a", stag_hunt)],
    ... )
    >>> [solve_model(equilibrium_model(game, w)).objective for w in ("best", "worst")]
    [8.0, 6.0]
    >>> solve_model(equilibrium_model(game, "worst", form="product")).objective
    6.0
    """
    if which not in ("best", "worst"):
        raise ValueError("which must be 'best' or 'worst'")
    model = profile_model(game)
    add_best_responses(model, game, form)
    sense = pyo.maximize if which == "best" else pyo.minimize
    model.objective = pyo.Objective(expr=model.welfare, sense=sense)
    model.no_good = pyo.ConstraintList(doc="profiles already found")
    return model


def exclude_profile(model: pyo.ConcreteModel, game: PairwiseGame, profile: Sequence[int]) -> None:
    """No-good cut Σ_i y_{i,a_i} ≤ n − 1: forbid exactly this profile.

    >>> from fairmas.solvers.highs import solve_model
    >>> coordination = [[2, 0], [0, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["l", "r"], "b": ["l", "r"]},
    ...     [("a", "b", coordination), ("b", "a", coordination)],
    ... )
    >>> model = equilibrium_model(game)
    >>> _ = solve_model(model)
    >>> exclude_profile(model, game, profile_from_model(model, game))
    >>> _ = solve_model(model)
    >>> profile_from_model(model, game).tolist()      # the other equilibrium
    [1, 1]
    """
    chosen = (game.action_offset[:-1] + np.asarray(profile, dtype=np.int64)).tolist()
    model.no_good.add(pyo.quicksum(model.y[g] for g in chosen) <= game.n_players - 1)


def alignment_model(
    game: PairwiseGame, optimum: float, welfare_tolerance: float
) -> pyo.ConcreteModel:
    """The socially optimal profile that is cheapest to make a Nash equilibrium.

    Transfers: the designer pays t_i ≥ 0 to player i when the target profile
    a* is played. a* is an equilibrium of the game with transfers iff
    U_i(a*) + t_i ≥ U_i(a', a*_−i) for every i and a', so for a fixed a* the
    cheapest transfers solve the LP min Σ t_i subject to these rows, whose
    optimum is t_i = regret_i(a*) = max_a' U_i(a', a*_−i) − U_i(a*). Choosing a*
    among all social optima as well makes it a MILP:

    .. math::

        \\min \\sum_{i,a} r_{i,a} \\quad\\text{s.t.}\\quad
        W(y, z) \\ge W^* - \\delta,\\qquad
        r_{i,a} \\ge \\sum_j \\sum_b (u_{ij}(a', b) - u_{ij}(a, b))\\, z_{ij,ab}
        \\;\\; \\forall i, a \\ne a',

    with r_{i,a} ≥ 0 (so t_i = Σ_a r_{i,a}), W* the social optimum and δ a
    tolerance. Payments are only made on the target profile (deviations are
    never rewarded), as in Monderer and Tennenholtz's k-implementation, whose
    cost is what the designer pays in the equilibrium it implements.

    References
    ----------
    D. Monderer, M. Tennenholtz, "k-Implementation", J. Artif. Intell. Res. 21
    (2004) 37–62.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> pd = [[3, 0], [5, 1]]                 # cooperating costs each player 5 − 3 = 2
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
    ... )
    >>> solve_model(alignment_model(game, 6.0, 1e-9)).objective
    4.0
    """
    model = profile_model(game)
    rows, cells, coefficients = model._fairmas_index.deviation_rows
    cell_lists = [c.tolist() for c in cells]
    coefficient_lists = [c.tolist() for c in coefficients]
    regret_keys = sorted({(int(i), int(a)) for i, a, _ in rows})
    model.REGRETS = pyo.Set(initialize=regret_keys, dimen=2)
    model.regret = pyo.Var(model.REGRETS, domain=pyo.NonNegativeReals)
    model.DEVIATIONS = pyo.RangeSet(0, len(cells) - 1) if cells else pyo.Set(initialize=[])
    owner = [(int(i), int(a)) for i, a, _ in rows]
    model.regret_at_least_gain = pyo.Constraint(
        model.DEVIATIONS,
        rule=lambda mdl, k: (
            mdl.regret[owner[k]]
            + pyo.quicksum(
                (c * mdl.z[x] for c, x in zip(coefficient_lists[k], cell_lists[k], strict=True))
            )
            >= 0
        ),
    )
    model.socially_optimal = pyo.Constraint(expr=model.welfare >= optimum - welfare_tolerance)
    model.objective = pyo.Objective(
        expr=pyo.quicksum(model.regret[key] for key in model.REGRETS), sense=pyo.minimize
    )
    return model


def profile_from_model(model: pyo.ConcreteModel, game: PairwiseGame) -> np.ndarray:
    """The action index of each player in a solved model."""
    chosen = np.array([pyo.value(model.y[g]) for g in range(game.total_actions)])
    return np.array(
        [
            int(np.argmax(chosen[game.action_offset[i] : game.action_offset[i + 1]]))
            for i in range(game.n_players)
        ],
        dtype=np.int64,
    )


def _spans(sorted_keys: np.ndarray, keys: np.ndarray) -> list[int]:
    """Start of each key's run in ``sorted_keys`` (plus the end), as a list."""
    return np.searchsorted(sorted_keys, np.append(keys, np.iinfo(np.int64).max)).tolist()
