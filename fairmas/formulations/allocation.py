"""Fair allocation as Pyomo models: max-min, min-gap, utilitarian and Nash (outer approximation).

Every model shares one core, with component names that plug-in constraints
may rely on (they are stable):

``model.AGENTS``, ``model.RESOURCES``
    Index sets 0..n−1 and 0..m−1 (names in ``model.agent_names``,
    ``model.resource_names``).
``model.x[i, j]``
    Amount of resource j given to agent i: 0 ≤ x_ij ≤ min(R_j, c_ij), integer
    for an indivisible resource.
``model.utility[i]``
    Expression v_i(x) = Σ_j v_ij x_ij.
``model.supply[j]``
    Σ_i x_ij ≤ R_j.
``model.entitlement[i]``
    w_i (a Param).

Then each builder adds its own variables, rows and objective (see each
function). Rows are built from coefficient arrays with ``LinearExpression``
(one expression object per row, no operator overloading per term), which keeps
Pyomo's build time well under HiGHS' solve time (``benchmarks/bench_allocation.py``).

References
----------
Seed 000, section 4.2; DESIGN.md sections 2 and 3.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from fairmas.models.allocation import AllocationInstance


def _linear(coefs: list[float], variables: list) -> LinearExpression:
    return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables)


def allocation_core(instance: AllocationInstance, name: str = "allocation") -> pyo.ConcreteModel:
    """The shared part of every allocation model: sets, ``x``, ``utility``, ``supply``.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [2.0]], supply=[3])
    >>> m = allocation_core(inst)
    >>> len(m.x), str(m.supply[0].expr)
    (2, 'x[0,0] + x[1,0]  <=  3.0')
    """
    n, m = instance.n_agents, instance.n_resources
    model = pyo.ConcreteModel(name=name)
    model.agent_names = list(instance.agents)
    model.resource_names = list(instance.resources)
    model.AGENTS = pyo.RangeSet(0, n - 1)
    model.RESOURCES = pyo.RangeSet(0, m - 1)
    model.entitlement = pyo.Param(
        model.AGENTS, initialize=dict(enumerate(instance.entitlements.tolist()))
    )
    if instance.all_divisible:
        domain = pyo.NonNegativeReals
    elif instance.all_indivisible:
        domain = pyo.NonNegativeIntegers
    else:
        divisible = instance.divisible.tolist()

        def domain(model: pyo.ConcreteModel, i: int, j: int) -> object:
            return pyo.NonNegativeReals if divisible[j] else pyo.NonNegativeIntegers

    if np.isfinite(instance.caps).any():
        upper = instance.upper_bounds.tolist()
        model.x = pyo.Var(
            model.AGENTS,
            model.RESOURCES,
            domain=domain,
            bounds=lambda model, i, j: (0, upper[i][j]),
            doc="amount of resource j given to agent i",
        )
    else:
        model.x = pyo.Var(
            model.AGENTS,
            model.RESOURCES,
            domain=domain,
            doc="amount of resource j given to agent i",
        )
    x = [[model.x[i, j] for j in range(m)] for i in range(n)]
    values = instance.values.tolist()
    model.utility = pyo.Expression(
        model.AGENTS, rule=lambda model, i: _linear(values[i], x[i]), doc="v_i(x)"
    )
    supply = instance.supply.tolist()
    ones = [1.0] * n
    model.supply = pyo.Constraint(
        model.RESOURCES,
        rule=lambda model, j: _linear(ones, [x[i][j] for i in range(n)]) <= supply[j],
        doc="Σ_i x_ij ≤ R_j",
    )
    return model


def build_max_min_model(instance: AllocationInstance) -> pyo.ConcreteModel:
    """Max-min fairness weighted by entitlements (seed 000, 4.2.2).

    .. math::

        \\max t \\quad\\text{s.t.}\\quad v_i(x) \\ge w_i\\, t \\;\\; \\forall i,
        \\qquad \\sum_i x_{ij} \\le R_j .

    Components added to the core: ``t`` (the weighted minimum utility),
    ``floor[i]`` (v_i(x) − w_i t ≥ 0), objective ``min_weighted_utility``.

    References
    ----------
    D. Bertsimas, V. F. Farias, N. Trichakis, "The price of fairness",
    Operations Research 59(1), 2011.

    Examples
    --------
    >>> from fairmas.solvers.highs_direct import CompiledModel
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[1, 1], [3, 0]])
    >>> CompiledModel(build_max_min_model(inst)).solve().objective
    1.5
    """
    model = allocation_core(instance, "max_min")
    weights = instance.entitlements.tolist()
    model.t = pyo.Var(bounds=(0, None), doc="weighted minimum utility")
    model.floor = pyo.Constraint(
        model.AGENTS,
        rule=lambda model, i: model.utility[i] - weights[i] * model.t >= 0,
        doc="v_i(x) ≥ w_i t",
    )
    model.min_weighted_utility = pyo.Objective(expr=model.t, sense=pyo.maximize)
    return model


def build_utilitarian_model(instance: AllocationInstance) -> pyo.ConcreteModel:
    """Maximum welfare Σ_i v_i(x) (the reference of the price of fairness).

    Objective ``welfare``.

    Examples
    --------
    >>> from fairmas.solvers.highs_direct import CompiledModel
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[1, 1], [3, 0]])
    >>> CompiledModel(build_utilitarian_model(inst)).solve().objective
    4.0
    """
    model = allocation_core(instance, "utilitarian")
    model.welfare = pyo.Objective(
        expr=pyo.quicksum(model.utility[i] for i in model.AGENTS), sense=pyo.maximize
    )
    return model


def build_min_gap_model(instance: AllocationInstance, welfare_floor: float) -> pyo.ConcreteModel:
    """Smallest spread of utilities under an efficiency floor (seed 000, 4.2.1).

    .. math::

        \\min U - L \\quad\\text{s.t.}\\quad L \\le v_i(x) \\le U \\;\\; \\forall i,
        \\qquad \\sum_i v_i(x) \\ge F,

    which equals min max_{i,j} |v_i(x) − v_j(x)| with 2n rows instead of n².
    Without the floor F = (1 − ε)·max welfare the problem is degenerate (give
    nothing to anyone: gap 0), DESIGN.md section 3.

    Components added: ``lower_level`` (L), ``upper_level`` (U), ``at_least_lower[i]``,
    ``at_most_upper[i]``, ``efficiency`` (welfare ≥ F), objective ``gap``.

    Examples
    --------
    >>> from fairmas.solvers.highs_direct import CompiledModel
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[1, 1], [3, 0]])
    >>> CompiledModel(build_min_gap_model(inst, 4.0)).solve().objective
    2.0
    """
    model = allocation_core(instance, "min_gap")
    model.lower_level = pyo.Var(bounds=(0, None), doc="L: the smallest utility")
    model.upper_level = pyo.Var(bounds=(0, None), doc="U: the largest utility")
    model.at_least_lower = pyo.Constraint(
        model.AGENTS, rule=lambda model, i: model.utility[i] - model.lower_level >= 0
    )
    model.at_most_upper = pyo.Constraint(
        model.AGENTS, rule=lambda model, i: model.utility[i] - model.upper_level <= 0
    )
    model.efficiency = pyo.Constraint(
        expr=pyo.quicksum(model.utility[i] for i in model.AGENTS) >= welfare_floor,
        doc="welfare ≥ (1 − ε)·max welfare",
    )
    model.gap = pyo.Objective(expr=model.upper_level - model.lower_level, sense=pyo.minimize)
    return model


def tangent(point: float) -> tuple[float, float]:
    """Slope and intercept of the tangent of log at ``point`` > 0: log a + (u − a)/a.

    >>> tangent(1.0)
    (1.0, -1.0)
    """
    return 1.0 / point, math.log(point) - 1.0


def secant(k: int) -> tuple[float, float]:
    """Slope and intercept of the line through (k, log k) and (k+1, log(k+1)), k ≥ 1.

    At whole numbers u ≥ 1 the minimum over k of these lines is exactly log u
    (Caragiannis et al. 2019, section 5).

    >>> slope, intercept = secant(1)
    >>> round(slope, 6), round(intercept, 6)
    (0.693147, -0.693147)
    """
    slope = math.log(k + 1) - math.log(k)
    return slope, math.log(k) - slope * k


def build_nash_model(
    instance: AllocationInstance,
    counted: np.ndarray,
    cuts: dict[int, list[tuple[float, float]]],
    *,
    positive_count: int | None = None,
    smallest_positive: np.ndarray | None = None,
) -> pyo.ConcreteModel:
    """Proportional fairness, max Σ_i w_i log v_i(x), with log replaced by linear cuts.

    .. math::

        \\max \\sum_{i \\in P} w_i W_i \\quad\\text{s.t.}\\quad
        W_i \\le a_{ik}\\, v_i(x) + b_{ik} \\;\\; \\forall i \\in P, k,

    where each cut (a, b) lies above log on the utilities it must cover: tangents
    for any utility (outer approximation of the Eisenberg–Gale program),
    secants between consecutive whole numbers for whole-number utilities (exact
    at every whole number). P is the set of agents that can get positive utility.

    With ``positive_count`` (indivisible goods), binaries ``positive[i]`` say who
    gets positive utility: v_i(x) ≥ δ_i positive[i] (δ_i the smallest utility
    > 0 agent i can get), Σ_i positive[i] ≥ positive_count, and a cut binds only
    when positive[i] = 1 (W_i ≤ cut + M_i(1 − positive[i]), W_i ≤ log(U_i)·positive[i]).
    This is the rule of Caragiannis et al.: first give positive utility to as
    many agents as possible, then maximize Nash welfare among them.

    Components added: ``NASH_AGENTS`` (P), ``log_utility[i]`` (W_i),
    ``utility_level[i]`` (a variable equal to v_i(x) by ``utility_link[i]``, so
    that each cut has two nonzeros), ``log_cuts`` (a ConstraintList),
    ``positive[i]`` (indivisible only), objective ``nash_welfare``.

    References
    ----------
    E. Eisenberg, D. Gale, "Consensus of subjective probabilities: the pari-mutuel
    method", Ann. Math. Statist. 30 (1959). J. E. Kelley, "The cutting-plane
    method for solving convex programs", J. SIAM 8 (1960). I. Caragiannis,
    D. Kurokawa, H. Moulin, A. D. Procaccia, N. Shah, J. Wang, "The unreasonable
    fairness of maximum Nash welfare", ACM TEAC 7(3), 2019.

    Examples
    --------
    >>> from fairmas.solvers.highs_direct import CompiledModel
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [1.0]], supply=[2])
    >>> cuts = {0: [tangent(1.0)], 1: [tangent(1.0)]}
    >>> model = build_nash_model(inst, np.array([True, True]), cuts)
    >>> round(CompiledModel(model).solve().objective, 9)
    0.0
    """
    model = allocation_core(instance, "nash")
    members = [int(i) for i in np.flatnonzero(counted)]
    weights = instance.entitlements.tolist()
    model.NASH_AGENTS = pyo.Set(initialize=members, within=model.AGENTS, ordered=True)
    model.log_utility = pyo.Var(model.NASH_AGENTS, doc="W_i, stands for log v_i(x)")
    max_utility = (instance.values * instance.upper_bounds).sum(axis=1)
    model.utility_level = pyo.Var(
        model.NASH_AGENTS,
        bounds=lambda model, i: (0, float(max_utility[i])),
        doc="u_i = v_i(x), a variable so that each cut has 2 nonzeros, not m + 1",
    )
    model.utility_link = pyo.Constraint(
        model.NASH_AGENTS, rule=lambda model, i: model.utility_level[i] - model.utility[i] == 0
    )
    model.log_cuts = pyo.ConstraintList(doc="W_i ≤ slope·u_i + intercept")
    if positive_count is not None:
        assert smallest_positive is not None
        delta = smallest_positive.tolist()
        model.positive = pyo.Var(model.AGENTS, domain=pyo.Binary, doc="1: v_i(x) > 0")
        model.positive_utility = pyo.Constraint(
            model.AGENTS,
            rule=lambda model, i: model.utility[i] - delta[i] * model.positive[i] >= 0,
        )
        model.positive_count = pyo.Constraint(
            expr=pyo.quicksum(model.positive[i] for i in model.AGENTS) >= positive_count
        )
        model.log_cap = pyo.Constraint(
            model.NASH_AGENTS,
            rule=lambda model, i: (
                model.log_utility[i] - math.log(max(max_utility[i], 1.0)) * model.positive[i] <= 0
            ),
        )
    for i in members:
        for slope, intercept in cuts.get(i, []):
            big_m = 0.0
            if positive_count is not None:
                big_m = max(0.0, -intercept)  # the cut at v_i = 0 must not bind W_i = 0
                model.log_cuts.add(
                    model.log_utility[i]
                    - slope * model.utility_level[i]
                    + big_m * model.positive[i]
                    <= intercept + big_m
                )
            else:
                model.log_cuts.add(
                    model.log_utility[i] - slope * model.utility_level[i] <= intercept
                )
    model.nash_welfare = pyo.Objective(
        expr=pyo.quicksum(weights[i] * model.log_utility[i] for i in members), sense=pyo.maximize
    )
    return model


def build_positive_count_model(
    instance: AllocationInstance, smallest_positive: np.ndarray
) -> pyo.ConcreteModel:
    """How many agents can get positive utility at once (the first stage of Nash, indivisible).

    .. math::

        \\max \\sum_i z_i \\quad\\text{s.t.}\\quad
        v_i(x) \\ge \\delta_i z_i,\\; z_i \\in \\{0, 1\\}.

    Components added: ``positive[i]``, ``positive_utility[i]``, objective ``count``.

    Examples
    --------
    >>> from fairmas.solvers.highs_direct import CompiledModel
    >>> inst = AllocationInstance.from_arrays(["a", "b", "c"], ["r"], [[1], [1], [1]],
    ...                                       supply=[2], divisible=False)
    >>> CompiledModel(build_positive_count_model(inst, np.ones(3))).solve().objective
    2.0
    """
    model = allocation_core(instance, "positive_count")
    delta = smallest_positive.tolist()
    model.positive = pyo.Var(model.AGENTS, domain=pyo.Binary)
    model.positive_utility = pyo.Constraint(
        model.AGENTS, rule=lambda model, i: model.utility[i] - delta[i] * model.positive[i] >= 0
    )
    model.count = pyo.Objective(
        expr=pyo.quicksum(model.positive[i] for i in model.AGENTS), sense=pyo.maximize
    )
    return model


def allocation_from_model(model: pyo.ConcreteModel, instance: AllocationInstance) -> np.ndarray:
    """The allocation matrix x held by a solved model (whole units rounded)."""
    n, m = instance.n_agents, instance.n_resources
    x = np.array([pyo.value(model.x[i, j]) for i in range(n) for j in range(m)]).reshape(n, m)
    return clean_allocation(x, instance)


def clean_allocation(x: np.ndarray, instance: AllocationInstance) -> np.ndarray:
    """Round whole units, clip tiny negative solver noise to 0."""
    x = np.where(instance.divisible[None, :], np.maximum(x, 0.0), np.round(x))
    return np.maximum(x, 0.0)
