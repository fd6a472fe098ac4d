"""The best 2-coalition structure of a graph game, as a MILP.

Given symmetric weights w (any sign), choose sides x_i ∈ {0, 1} and the split
indicator s_ij = [x_i ≠ x_j] of every weighted pair:

.. math::

    \\max \\sum_{ij} w_{ij} (1 - s_{ij})
    \\quad\\text{s.t.}\\quad
    s_{ij} \\ge x_i - x_j,\\; s_{ij} \\ge x_j - x_i \\;\\; (w_{ij} > 0),\\qquad
    s_{ij} \\le x_i + x_j,\\; s_{ij} \\le 2 - x_i - x_j \\;\\; (w_{ij} < 0),

    x_0 = 0,\\qquad \\sum_i x_i \\ge 1 .

The objective pushes s down on positive pairs and up on negative ones, so each
pair only needs the two inequalities that bound s from the side it is pushed
against; together they make s = |x_i − x_j| at the optimum. Fixing x_0 = 0
removes the symmetry of swapping the two coalitions, and the last row keeps the
second coalition non-empty. With non-negative weights this is the global
minimum cut (welfare = Σw − cut); with negative weights it is max-cut-like
(NP-hard), which only the MILP solves.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from fairmas.models.weighted_graph import WeightedGraph


def two_coalition_model(graph: WeightedGraph) -> pyo.ConcreteModel:
    """Build the MILP of the best 2-coalition structure of ``graph``.

    Parameters
    ----------
    graph : WeightedGraph
        Symmetric weights, at least 2 agents.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Components: ``x`` (side of each agent), ``split`` (pair split
        indicator), ``welfare`` (the objective). Decode with
        :func:`sides_from_model`.

    References
    ----------
    M. Grötschel, Y. Wakabayashi, "A cutting plane algorithm for a clustering
    problem", Math. Programming 45 (1989), for the linearization of
    same-coalition indicators.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> g = WeightedGraph.from_pairs("abcd", [0, 0, 1, 2], [1, 2, 2, 3], [5.0, 4.0, 3.0, 1.0])
    >>> model = two_coalition_model(g)
    >>> solve_model(model).objective
    12.0
    >>> g.coalitions(sides_from_model(model))
    [['a', 'b', 'c'], ['d']]
    """
    if graph.n < 2:
        raise ValueError("a 2-coalition structure needs at least 2 agents")
    weighted = np.flatnonzero(graph.w != 0).tolist()
    u, v, w = graph.u.tolist(), graph.v.tolist(), graph.w.tolist()

    model = pyo.ConcreteModel(name="min_cut_partition")
    model.AGENTS = pyo.RangeSet(0, graph.n - 1)
    model.PAIRS = pyo.Set(initialize=weighted, ordered=True)
    model.ATTRACTING = pyo.Set(within=model.PAIRS, initialize=[e for e in weighted if w[e] > 0])
    model.REPELLING = pyo.Set(within=model.PAIRS, initialize=[e for e in weighted if w[e] < 0])
    model.weight = pyo.Param(model.PAIRS, initialize={e: w[e] for e in weighted})

    model.x = pyo.Var(model.AGENTS, domain=pyo.Binary, doc="side of each agent")
    model.split = pyo.Var(model.PAIRS, bounds=(0, 1), doc="1 when the pair is split")

    model.split_at_least_uv = pyo.Constraint(
        model.ATTRACTING, rule=lambda m, e: m.split[e] >= m.x[u[e]] - m.x[v[e]]
    )
    model.split_at_least_vu = pyo.Constraint(
        model.ATTRACTING, rule=lambda m, e: m.split[e] >= m.x[v[e]] - m.x[u[e]]
    )
    model.split_only_if_one_side = pyo.Constraint(
        model.REPELLING, rule=lambda m, e: m.split[e] <= m.x[u[e]] + m.x[v[e]]
    )
    model.split_only_if_other_side = pyo.Constraint(
        model.REPELLING, rule=lambda m, e: m.split[e] <= 2 - m.x[u[e]] - m.x[v[e]]
    )
    model.x[0].fix(0)
    model.second_coalition_nonempty = pyo.Constraint(
        expr=pyo.quicksum(model.x[i] for i in model.AGENTS) >= 1
    )
    model.welfare = pyo.Objective(
        expr=pyo.quicksum(model.weight[e] * (1 - model.split[e]) for e in model.PAIRS),
        sense=pyo.maximize,
    )
    return model


def sides_from_model(model: pyo.ConcreteModel) -> np.ndarray:
    """The side (0 or 1) of each agent in a solved :func:`two_coalition_model`."""
    return np.array([round(pyo.value(model.x[i])) for i in model.AGENTS], dtype=np.int64)
