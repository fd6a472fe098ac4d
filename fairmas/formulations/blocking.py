"""The search for a blocking coalition of a coalition structure, as a MILP.

A coalition structure gives agent i the utility u_i = Σ_{j∈C(i), j≠i} w_ij.
A coalition B *blocks* it when every member gets at least its current utility
inside B and at least one member gets strictly more (DESIGN.md section 2;
seed 003, definition 3). With a membership variable b_i ∈ {0, 1} and a
"strictly better" variable s_i ∈ {0, 1} per agent, and the utility inside B,
g_i(b) = Σ_{j≠i} w_ij b_j, bounded below by L_i = Σ_j min(w_ij, 0):

.. math::

    \\min \\sum_i b_i \\quad\\text{s.t.}\\quad
    g_i(b) - L_i \\ge (u_i - \\delta - L_i)\\, b_i \\quad (\\text{members keep } u_i),

    g_i(b) - L_i \\ge (u_i + \\varepsilon - L_i)\\, s_i,\\qquad
    s_i \\le b_i,\\qquad \\sum_i s_i \\ge 1 .

Each big-M is the tightest one: L_i is the least g_i can be, so a row is void
exactly when its agent is out of B (b_i = 0, or s_i = 0). ε > 0 makes "strictly
more" a margin, and δ ≥ 0 absorbs rounding in "at least". An agent that cannot
gain ε even with every positive partner in B (u_i + ε > Σ_j max(w_ij, 0)) gets
no s_i. B is non-empty because some s_i = 1, and never equal to a member's
own coalition with nobody better off, because some member gains ε. The
objective asks for a smallest blocking coalition; the model is infeasible
exactly when the structure is stable.

The rows are built on weights divided by s = max(1, max_i Σ_j |w_ij|), so
that their coefficients are at most 1 and ε/s can be compared with the
solver's feasibility tolerance: solve with tolerances well below ε/s (the
stability search uses 10⁻⁹ for ε/s = 10⁻⁶), or a member that gains nothing
passes for one that gains ε.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from fairmas.models.weighted_graph import WeightedGraph


def blocking_coalition_model(
    graph: WeightedGraph, utilities: np.ndarray, keep_tolerance: float, gain: float
) -> pyo.ConcreteModel:
    """Build the MILP of a smallest coalition blocking a structure with ``utilities``.

    Parameters
    ----------
    graph : WeightedGraph
        Symmetric pair weights (any sign).
    utilities : ndarray of float
        u_i, each agent's utility in the structure.
    keep_tolerance : float
        δ ≥ 0: a member keeps its utility when g_i ≥ u_i − δ.
    gain : float
        ε > 0: a member is better off when g_i ≥ u_i + ε.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Components ``member`` (b), ``better`` (s, over the agents that can
        gain), ``keeps_utility``, ``gains``, ``better_only_if_member``,
        ``someone_better`` and ``size``. Decode with :func:`members_from_model`.

    Raises
    ------
    ValueError
        When no agent can gain ε in any coalition (the structure is then
        stable; check with :func:`can_anyone_gain` first).

    References
    ----------
    X. Tong, Z. Ren, coalition structure generation under trust and utility
    constraints (seed 003), definition 3 (blocks); the big-M linearization of
    an indicator as in H. P. Williams, "Model Building in Mathematical
    Programming", 5th ed., Wiley 2013, section 9.1.

    Examples
    --------
    >>> from fairmas.solvers.highs import solve_model
    >>> g = WeightedGraph.from_pairs("abc", [0, 1, 0], [1, 2, 2], [2.0, 1.0, 0.5])
    >>> utilities = np.array([0.0, 1.0, 1.0])   # of the structure {a} | {b, c}
    >>> model = blocking_coalition_model(g, utilities, 1e-9, 0.01)
    >>> str(solve_model(model).status), members_from_model(model).tolist()
    ('optimal', [0, 1])
    """
    n = graph.n
    lowest = np.zeros(n)
    highest = np.zeros(n)
    np.add.at(lowest, graph.u, np.minimum(graph.w, 0))
    np.add.at(lowest, graph.v, np.minimum(graph.w, 0))
    np.add.at(highest, graph.u, np.maximum(graph.w, 0))
    np.add.at(highest, graph.v, np.maximum(graph.w, 0))
    scale = max(1.0, float((highest - lowest).max(initial=0.0)))
    weights = (graph.w / scale).tolist()
    neighbours: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in zip(graph.u.tolist(), graph.v.tolist(), weights, strict=True):
        if w != 0:
            neighbours[a].append((b, w))
            neighbours[b].append((a, w))
    utilities = np.asarray(utilities, dtype=np.float64)
    keep_level = ((utilities - keep_tolerance - lowest) / scale).tolist()
    gain_level = ((utilities + gain - lowest) / scale).tolist()
    low = (lowest / scale).tolist()

    can_gain = [i for i in range(n) if utilities[i] + gain <= highest[i]]
    if not can_gain:
        raise ValueError("no agent can gain ε in any coalition: nothing blocks, no model needed")

    model = pyo.ConcreteModel(name="blocking_coalition")
    model.AGENTS = pyo.RangeSet(0, n - 1)
    model.BOUND_TO_KEEP = pyo.Set(
        within=model.AGENTS,
        initialize=[i for i in range(n) if keep_level[i] > 0],
        doc="agents whose 'keeps utility' row is not void",
    )
    model.CAN_GAIN = pyo.Set(
        within=model.AGENTS,
        initialize=can_gain,
        doc="agents that can be better off in some coalition",
    )
    model.member = pyo.Var(model.AGENTS, domain=pyo.Binary, doc="b_i: i is in B")
    model.better = pyo.Var(model.CAN_GAIN, domain=pyo.Binary, doc="s_i: i gains ε in B")

    def gain_inside(m: pyo.ConcreteModel, i: int) -> pyo.Expression:
        return pyo.quicksum(w * m.member[j] for j, w in neighbours[i]) - low[i]

    model.keeps_utility = pyo.Constraint(
        model.BOUND_TO_KEEP, rule=lambda m, i: gain_inside(m, i) >= keep_level[i] * m.member[i]
    )
    model.gains = pyo.Constraint(
        model.CAN_GAIN, rule=lambda m, i: gain_inside(m, i) >= gain_level[i] * m.better[i]
    )
    model.better_only_if_member = pyo.Constraint(
        model.CAN_GAIN, rule=lambda m, i: m.better[i] <= m.member[i]
    )
    model.someone_better = pyo.Constraint(
        expr=pyo.quicksum(model.better[i] for i in model.CAN_GAIN) >= 1
    )
    model.size = pyo.Objective(expr=pyo.quicksum(model.member[i] for i in model.AGENTS))
    return model


def can_anyone_gain(graph: WeightedGraph, utilities: np.ndarray, gain: float) -> bool:
    """Whether some agent could gain ε with all its positive partners (u_i + ε ≤ Σ_j w_ij⁺)."""
    highest = np.bincount(graph.u, weights=np.maximum(graph.w, 0), minlength=graph.n)
    highest += np.bincount(graph.v, weights=np.maximum(graph.w, 0), minlength=graph.n)
    return bool((np.asarray(utilities) + gain <= highest).any())


def members_from_model(model: pyo.ConcreteModel) -> np.ndarray:
    """The agents of B (increasing positions) in a solved :func:`blocking_coalition_model`."""
    return np.array([i for i in model.AGENTS if pyo.value(model.member[i]) > 0.5], dtype=np.int64)


def exclude_coalition(model: pyo.ConcreteModel, members: np.ndarray) -> None:
    """Add a no-good row that cuts off exactly the membership vector of ``members``."""
    inside = set(np.asarray(members).tolist())
    if not hasattr(model, "excluded"):
        model.excluded = pyo.ConstraintList()
    model.excluded.add(
        pyo.quicksum(1 - model.member[i] for i in inside)
        + pyo.quicksum(model.member[i] for i in model.AGENTS if i not in inside)
        >= 1
    )
