"""Mechanism-design welfare as a MILP: projects (or winning bids) whose cost can be recovered.

.. math::

    \\max \\sum_i v_i(S) = \\sum_k V_k s_k \\quad\\text{s.t.}\\quad
    \\sum_i p_i \\ge \\sum_k c_k s_k,\\qquad
    0 \\le p_i \\le \\sum_k v_{ik} s_k,\\qquad s_k \\in \\{0, 1\\},

with V_k = Σ_i v_ik (seed 000, 4.1.3; DESIGN.md section 2): payments that
recover the cost and are individually rational exist exactly when the chosen
projects are worth at least what they cost. The auction variant (XOR bids)
adds set packing: each item sold at most once, at most one bid per agent.

Stable component names (for plug-in constraints): ``model.AGENTS``,
``model.PROJECTS``, ``model.select[k]`` (binary), ``model.payment[i]``,
``model.agent_value[i]`` (Expression v_i(S)), ``model.cost`` (Expression C(S)),
``model.cost_recovery``, ``model.individually_rational[i]``; auction:
``model.ITEMS``, ``model.item_sold_once[j]``, ``model.one_bid_per_agent[i]``.
``model.absent_agents`` lists the agent a VCG re-solve leaves out (empty
otherwise), so that constraints concerning that agent can skip it.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from fairmas.models.mechanism import MechanismInstance


def build_welfare_model(
    instance: MechanismInstance, excluded_agent: int | None = None, net_of_cost: bool = False
) -> pyo.ConcreteModel:
    """Build the welfare MILP; ``excluded_agent`` drops one agent (for VCG's Clarke pivot).

    Parameters
    ----------
    instance : MechanismInstance
    excluded_agent : int, optional
        Agent whose values (and bids) are removed.
    net_of_cost : bool
        Maximize the net welfare Σ_i v_i(S) − C(S) instead (the welfare VCG's
        Clarke pivot measures externalities on, the cost being the centre's).

    Returns
    -------
    pyomo.environ.ConcreteModel
        Objective ``welfare``; decode with :func:`selected_projects`.

    References
    ----------
    N. Nisan, T. Roughgarden, É. Tardos, V. Vazirani (eds.), *Algorithmic Game
    Theory*, Cambridge 2007, ch. 9 (public projects, VCG) and ch. 11
    (combinatorial auctions: winner determination as set packing).

    Examples
    --------
    >>> from fairmas.solvers.highs_direct import CompiledModel
    >>> inst = MechanismInstance.from_projects(
    ...     ["a", "b"], {"park": 10, "pool": 8}, {"a": {"park": 6, "pool": 1}, "b": {"park": 7}})
    >>> model = build_welfare_model(inst)
    >>> CompiledModel(model).solve().objective
    13.0
    """
    values = instance.values.copy()
    if excluded_agent is not None:
        values[excluded_agent] = 0.0
    n, K = values.shape
    model = pyo.ConcreteModel(name="welfare")
    model.agent_names = list(instance.agents)
    model.project_names = list(instance.projects)
    model.absent_agents = () if excluded_agent is None else (excluded_agent,)
    model.AGENTS = pyo.RangeSet(0, n - 1)
    model.PROJECTS = pyo.RangeSet(0, K - 1) if K else pyo.Set(initialize=[])
    model.select = pyo.Var(model.PROJECTS, domain=pyo.Binary, doc="1: project k is carried out")
    model.payment = pyo.Var(model.AGENTS, bounds=(0, None), doc="payment p_i of agent i")
    rows = values.tolist()
    costs = instance.costs.tolist()
    model.agent_value = pyo.Expression(
        model.AGENTS,
        rule=lambda m, i: pyo.quicksum(rows[i][k] * m.select[k] for k in m.PROJECTS if rows[i][k]),
        doc="v_i(S)",
    )
    model.cost = pyo.Expression(
        expr=pyo.quicksum(costs[k] * model.select[k] for k in model.PROJECTS if costs[k])
    )
    model.individually_rational = pyo.Constraint(
        model.AGENTS, rule=lambda m, i: m.payment[i] - m.agent_value[i] <= 0
    )
    model.cost_recovery = pyo.Constraint(
        expr=pyo.quicksum(model.payment[i] for i in model.AGENTS) - model.cost >= 0
    )
    if instance.variant == "auction":
        assert instance.bundles is not None
        assert instance.bidder is not None
        bundles, bidder = instance.bundles, instance.bidder
        model.ITEMS = pyo.RangeSet(0, len(instance.items) - 1)
        model.item_sold_once = pyo.Constraint(
            model.ITEMS,
            rule=lambda m, j: (
                pyo.quicksum(m.select[b] for b in np.flatnonzero(bundles[:, j])) <= 1
                if bundles[:, j].any()
                else pyo.Constraint.Skip
            ),
        )
        model.one_bid_per_agent = pyo.Constraint(
            model.AGENTS,
            rule=lambda m, i: (
                pyo.quicksum(m.select[b] for b in np.flatnonzero(bidder == i)) <= 1
                if (bidder == i).any()
                else pyo.Constraint.Skip
            ),
        )
        if excluded_agent is not None:
            for b in np.flatnonzero(bidder == excluded_agent):
                model.select[int(b)].fix(0)
    totals = (values.sum(axis=0) - (instance.costs if net_of_cost else 0.0)).tolist()
    model.welfare = pyo.Objective(
        expr=pyo.quicksum(totals[k] * model.select[k] for k in model.PROJECTS if totals[k]),
        sense=pyo.maximize,
    )
    return model


def selected_projects(model: pyo.ConcreteModel) -> np.ndarray:
    """Boolean mask of the projects a solved :func:`build_welfare_model` carries out."""
    return (
        np.array([pyo.value(model.select[k], exception=False) or 0.0 for k in model.PROJECTS]) > 0.5
    )
