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


def k_coalition_model(graph: WeightedGraph, k: int) -> pyo.ConcreteModel:
    """Build the MILP of the best structure with exactly k non-empty coalitions.

    Assignment variables x_ic ∈ {0, 1} (agent i in coalition c) and a
    same-coalition indicator y_ij ∈ [0, 1] per weighted pair, linearized by
    the sign of its weight as in :func:`two_coalition_model`:

    .. math::

        \\max \\sum_{ij} w_{ij} y_{ij}
        \\quad\\text{s.t.}\\quad
        \\sum_{c} x_{ic} = 1,\\qquad \\sum_i x_{ic} \\ge 1,

        y_{ij} \\le 1 - x_{ic} + x_{jc} \\;\\; \\forall c \\;\\; (w_{ij} > 0),\\qquad
        y_{ij} \\ge x_{ic} + x_{jc} - 1 \\;\\; \\forall c \\;\\; (w_{ij} < 0).

    A positive pair can only count as together when no coalition holds one
    end without the other; a negative pair counts as together as soon as one
    coalition holds both. Symmetry breaking (coalitions numbered by their
    lowest agent): agent i may only use coalitions c ≤ i, and coalition c ≥ 1
    only when an earlier agent uses coalition c − 1,
    x_ic ≤ Σ_{i' < i} x_{i',c−1}. Rows: n + k + (n + #pairs)·k.

    Parameters
    ----------
    graph : WeightedGraph
        Symmetric weights (any sign).
    k : int
        Number of coalitions, 1 ≤ k ≤ n.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Components ``x`` (indexed by the pairs (agent, coalition) allowed),
        ``together`` and ``welfare``. Decode with :func:`labels_from_model`.

    References
    ----------
    M. Grötschel, Y. Wakabayashi, "A cutting plane algorithm for a clustering
    problem", Math. Programming 45 (1989); the assignment form with
    representative-based symmetry breaking follows V. Kaibel, M. Peinhardt,
    M. E. Pfetsch, "Orbitopal fixing", Discrete Optimization 8 (2011).

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> g = WeightedGraph.from_pairs("abcde", [0, 1, 2, 3, 0], [1, 2, 3, 4, 4],
    ...                              [5.0, 1.0, 4.0, 1.0, -2.0])
    >>> model = k_coalition_model(g, 3)
    >>> solve_model(model).objective
    9.0
    >>> g.coalitions(labels_from_model(model))
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    if not 1 <= k <= graph.n:
        raise ValueError(f"k must be within [1, {graph.n}] (got {k})")
    weighted = np.flatnonzero(graph.w != 0).tolist()
    u, v, w = graph.u.tolist(), graph.v.tolist(), graph.w.tolist()

    model = pyo.ConcreteModel(name="min_cut_partition_k")
    model.AGENTS = pyo.RangeSet(0, graph.n - 1)
    model.COALITIONS = pyo.RangeSet(0, k - 1)
    model.SLOTS = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=[(i, c) for i in range(graph.n) for c in range(min(i, k - 1) + 1)],
        doc="(agent, coalition) pairs allowed by the symmetry breaking",
    )
    model.PAIRS = pyo.Set(initialize=weighted, ordered=True)
    model.ATTRACTING = pyo.Set(within=model.PAIRS, initialize=[e for e in weighted if w[e] > 0])
    model.REPELLING = pyo.Set(within=model.PAIRS, initialize=[e for e in weighted if w[e] < 0])
    # the rows of pair e only matter for coalitions both ends may use: c ≤ min(u, v) = u
    model.ATTRACTING_ROWS = pyo.Set(
        dimen=2, initialize=[(e, c) for e in model.ATTRACTING for c in range(min(u[e], k - 1) + 1)]
    )
    model.REPELLING_ROWS = pyo.Set(
        dimen=2, initialize=[(e, c) for e in model.REPELLING for c in range(min(u[e], k - 1) + 1)]
    )
    model.weight = pyo.Param(model.PAIRS, initialize={e: w[e] for e in weighted})

    model.x = pyo.Var(model.SLOTS, domain=pyo.Binary, doc="1 when the agent is in the coalition")
    model.together = pyo.Var(model.PAIRS, bounds=(0, 1), doc="1 when the pair shares a coalition")

    by_agent: dict[int, list[int]] = {}
    by_coalition: dict[int, list[int]] = {}
    for i, c in model.SLOTS:
        by_agent.setdefault(i, []).append(c)
        by_coalition.setdefault(c, []).append(i)
    model.one_coalition_each = pyo.Constraint(
        model.AGENTS, rule=lambda m, i: pyo.quicksum(m.x[i, c] for c in by_agent[i]) == 1
    )
    model.coalition_nonempty = pyo.Constraint(
        model.COALITIONS, rule=lambda m, c: pyo.quicksum(m.x[i, c] for i in by_coalition[c]) >= 1
    )
    model.coalitions_in_order = pyo.Constraint(
        [(i, c) for i, c in model.SLOTS if c >= 1],
        rule=lambda m, i, c: (
            m.x[i, c] <= pyo.quicksum(m.x[j, c - 1] for j in by_coalition[c - 1] if j < i)
        ),
    )
    model.together_only_if_same = pyo.Constraint(
        model.ATTRACTING_ROWS,
        rule=lambda m, e, c: m.together[e] <= 1 - m.x[u[e], c] + m.x[v[e], c],
    )
    model.together_if_same = pyo.Constraint(
        model.REPELLING_ROWS,
        rule=lambda m, e, c: m.together[e] >= m.x[u[e], c] + m.x[v[e], c] - 1,
    )
    model.welfare = pyo.Objective(
        expr=pyo.quicksum(model.weight[e] * model.together[e] for e in model.PAIRS),
        sense=pyo.maximize,
    )
    return model


def labels_from_model(model: pyo.ConcreteModel) -> np.ndarray:
    """The coalition of each agent in a solved :func:`k_coalition_model`."""
    labels = np.zeros(len(model.AGENTS), dtype=np.int64)
    for (i, c), var in model.x.items():
        if pyo.value(var) > 0.5:
            labels[i] = c
    return labels
