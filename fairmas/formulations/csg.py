"""Optimal coalition structure (``csg``) as mixed-integer linear programs.

Two models, one per representation of the game:

:func:`set_partitioning_model` (a table of 2^n values, n ≤ 16)
    one binary x_C per coalition, each agent covered exactly once:

    .. math::

        \\max \\sum_C v(C)\\, x_C \\quad\\text{s.t.}\\quad
        \\sum_{C \\ni i} x_C = 1 \\;\\; (i \\in A), \\qquad x_C \\in \\{0, 1\\}.

    The constraint matrix is the bit matrix of the coalitions. A coalition
    worth no more than its singletons together, v(C) ≤ Σ_{i∈C} v({i}) with
    |C| ≥ 2, is left out: replacing it by its singletons never loses welfare,
    so the optimum is unchanged (the singletons are always kept).

:func:`multicut_model` (a graph game, v(C) = Σ_{i<j∈C} w_ij, any signs)
    clique partitioning (Grötschel & Wakabayashi 1989) written on the edges
    E of the weighted pairs only: y_e = 1 when the pair e is split,

    .. math::

        \\max \\sum_{e \\in E} w_e (1 - y_e) \\quad\\text{s.t.}\\quad
        y_e \\le \\sum_{f \\in P} y_f \\;\\; (e = \\{u, v\\},\\; P \\text{ a } u\\text{–}v
        \\text{ path in } E), \\qquad y \\in \\{0, 1\\}^E .

    These are the cycle inequalities of the multicut polytope (Chopra & Rao
    1993): an integer y satisfies all of them exactly when the split pairs
    are those between the connected components of the unsplit pairs, so the
    optimum is the best coalition structure. On the complete graph the only
    chordless cycles are triangles and the inequalities are Grötschel and
    Wakabayashi's triangle inequalities x_ij + x_jk − x_ik ≤ 1 (x = 1 − y);
    on a sparse graph pairs of weight 0 need no variable at all. There are
    exponentially many, so the model starts with some and
    :func:`add_cycle_inequality` adds violated ones lazily
    (:mod:`fairmas.solvers.multicut`).

References
----------
M. Grötschel, Y. Wakabayashi, "A cutting plane algorithm for a clustering
problem", Math. Programming 45 (1989) 59–96.
S. Chopra, M. R. Rao, "The partition problem", Math. Programming 59 (1993)
87–115.
D. Y. Yeh (1986) and T. Rahwan et al. (2015, "Coalition structure generation:
a survey", Artificial Intelligence 229) for set partitioning as CSG.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from fairmas.models.weighted_graph import WeightedGraph

MAX_SET_PARTITIONING_AGENTS = 16
"""The set-partitioning model has one column per coalition: 2^16 − 1 = 65 535 at most."""


def _singleton_sums(values: np.ndarray, n: int) -> np.ndarray:
    """Σ_{i∈C} v({i}) for every bitmask C, by doubling."""
    sums = np.zeros(1 << n, dtype=np.float64)
    for i in range(n):
        half = 1 << i
        sums[half : 2 * half] = sums[:half] + values[half]
    return sums


def set_partitioning_model(values: np.ndarray, all_coalitions: bool = False) -> pyo.ConcreteModel:
    """Build the set-partitioning MILP of a coalition table.

    Parameters
    ----------
    values : ndarray of float64
        ``values[mask]`` for every bitmask of n ≤ 16 agents.
    all_coalitions : bool
        Keep a column for every coalition. By default a coalition worth no
        more than its members alone is left out (splitting it into singletons
        is as good), which is exact for this model alone but not once other
        constraints are added (plug-in constraints, hand-made rows).

    Returns
    -------
    pyomo.environ.ConcreteModel
        ``x`` (one binary per kept coalition, indexed by bitmask), ``cover``
        (one row per agent), ``welfare``. Decode with :func:`chosen_coalitions`.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> values = np.array([0, 30, 40, 50, 25, 60, 55, 90, 45, 80, 70, 120, 80, 100, 115, 140.0])
    >>> model = set_partitioning_model(values)
    >>> solve_model(model).objective, chosen_coalitions(model)
    (150.0, [1, 2, 12])
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.size.bit_length() - 1
    if values.size != 1 << n or not 1 <= n <= MAX_SET_PARTITIONING_AGENTS:
        raise ValueError(f"need 2^n values with 1 ≤ n ≤ {MAX_SET_PARTITIONING_AGENTS}")
    masks = np.arange(1, 1 << n, dtype=np.int64)
    singleton = (masks & (masks - 1)) == 0
    kept = (
        masks
        if all_coalitions
        else masks[singleton | (values[1:] > _singleton_sums(values, n)[1:])]
    )

    model = pyo.ConcreteModel(name="csg_set_partitioning")
    model.AGENTS = pyo.RangeSet(0, n - 1)
    model.COALITIONS = pyo.Set(initialize=kept.tolist(), ordered=True)
    model.x = pyo.Var(model.COALITIONS, domain=pyo.Binary, doc="1 when the coalition is chosen")
    columns = [model.x[c] for c in kept.tolist()]
    members = [(kept >> i) & 1 == 1 for i in range(n)]

    def cover(m: pyo.ConcreteModel, i: int) -> object:
        chosen = np.flatnonzero(members[i]).tolist()
        term = LinearExpression(
            constant=0, linear_coefs=[1.0] * len(chosen), linear_vars=[columns[k] for k in chosen]
        )
        return term == 1

    model.cover = pyo.Constraint(model.AGENTS, rule=cover)
    model.welfare = pyo.Objective(
        expr=LinearExpression(constant=0, linear_coefs=values[kept].tolist(), linear_vars=columns),
        sense=pyo.maximize,
    )
    return model


def chosen_coalitions(model: pyo.ConcreteModel) -> list[int]:
    """Bitmasks of the coalitions chosen in a solved :func:`set_partitioning_model`."""
    return [int(c) for c in model.COALITIONS if pyo.value(model.x[c]) > 0.5]


def multicut_model(
    graph: WeightedGraph, edges: Sequence[int], cycles: Sequence[Sequence[int]] = ()
) -> pyo.ConcreteModel:
    """Build the edge (multicut) MILP of a graph game on the given edges.

    Parameters
    ----------
    graph : WeightedGraph
    edges : sequence of int
        Positions in ``graph.u``/``v``/``w`` of the pairs that get a variable
        (the weighted pairs of one part of the instance).
    cycles : sequence of sequences of int
        Initial cycle inequalities, each as ``[e, f_1, ..., f_k]``: y_e ≤ Σ y_f.

    Returns
    -------
    pyomo.environ.ConcreteModel
        ``split`` (y per edge), ``cycles`` (a ConstraintList that grows), ``welfare``.

    Examples
    --------
    A triangle with one repelling pair: keep the two attracting pairs or not?

    >>> from fairmas.solvers.highs import solve_model
    >>> g = WeightedGraph.from_pairs("abc", [0, 1, 0], [1, 2, 2], [5.0, 4.0, -3.0])
    >>> model = multicut_model(g, [0, 1, 2], cycles=[[2, 0, 1], [0, 1, 2], [1, 0, 2]])
    >>> solve_model(model).objective        # all together: 5 + 4 − 3
    6.0
    """
    edges = [int(e) for e in edges]
    weight = graph.w.tolist()
    model = pyo.ConcreteModel(name="csg_multicut")
    model.EDGES = pyo.Set(initialize=edges, ordered=True)
    model.split = pyo.Var(model.EDGES, domain=pyo.Binary, doc="1 when the pair is split")
    model.cycles = pyo.ConstraintList(doc="cycle inequalities y_e ≤ Σ_{f on a path} y_f")
    for cycle in cycles:
        add_cycle_inequality(model, cycle[0], cycle[1:])
    model.welfare = pyo.Objective(
        expr=sum(weight[e] for e in edges)
        - LinearExpression(
            constant=0,
            linear_coefs=[weight[e] for e in edges],
            linear_vars=[model.split[e] for e in edges],
        ),
        sense=pyo.maximize,
    )
    return model


def add_cycle_inequality(model: pyo.ConcreteModel, edge: int, path: Sequence[int]) -> None:
    """Add y_edge ≤ Σ_{f ∈ path} y_f to a :func:`multicut_model`."""
    model.cycles.add(
        LinearExpression(
            constant=0,
            linear_coefs=[1.0] + [-1.0] * len(path),
            linear_vars=[model.split[edge]] + [model.split[f] for f in path],
        )
        <= 0
    )


def split_pairs(model: pyo.ConcreteModel) -> dict[int, bool]:
    """Edge → whether it is split, in a solved :func:`multicut_model`."""
    return {int(e): pyo.value(model.split[e]) > 0.5 for e in model.EDGES}
