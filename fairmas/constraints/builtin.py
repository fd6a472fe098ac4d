"""Built-in fairness constraints: envy-freeness, EF1, proportionality, floors, gaps, quotas, budget.

Each is a function ``(model, instance, **params) -> None`` registered with
:func:`fairmas.constraints.registry.constraint`; it adds components named
after itself (``envy_free``, ``envy_free_2`` for a second one, ...) to a model
fairmas built. The *utility* they constrain is the objective's own:

* allocation models (:mod:`fairmas.formulations.allocation`): v_i(x) =
  Σ_j v_ij x_ij, the expression ``model.utility[i]``;
* mechanism models (:mod:`fairmas.formulations.mechanism`): the value
  v_i(S) = Σ_{k∈S} v_ik of the chosen projects, ``model.agent_value[i]`` (the
  quantity the ``welfare`` objective sums; payments are set afterwards by its
  payment rule). In the VCG re-solves without agent a, the constraints
  concerning a are left out (a is not in that economy).

Rows are built from index sets and coefficient lists (one
``LinearExpression`` per row), as the formulations do.

References
----------
H. R. Varian, "Equity, envy, and efficiency", J. Economic Theory 9 (1974).
D. K. Foley, "Resource allocation and the public sector", Yale Economic
Essays 7 (1967). H. Steinhaus, "The problem of fair division", Econometrica
16 (1948). R. J. Lipton, E. Markakis, E. Mossel, A. Saberi, "On approximately
fair allocations of indivisible goods", EC 2004. E. Budish, "The
combinatorial assignment problem: approximate competitive equilibrium from
equal incomes", J. Political Economy 119(6), 2011. M. Chakraborty,
A. Igarashi, W. Suksompong, Y. Zick, "Weighted envy-freeness in indivisible
item allocation", ACM TEAC 9(3), 2021. V. Conitzer, R. Freeman, N. Shah,
J. W. Vaughan, "Group fairness for the allocation of indivisible goods",
AAAI 2019. P. A. Pathak, T. Sönmez, M. U. Ünver, M. B. Yenmez, "Fair
allocation of vaccines, ventilators and antiviral treatments", EC 2021
(reserve systems). N. Nisan et al., *Algorithmic Game Theory*, ch. 9 (2007).
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pyomo.environ as pyo
from pydantic import BeforeValidator, Field, model_validator
from pyomo.core.expr.numeric_expr import LinearExpression

from fairmas.constraints.registry import ConstraintParameters, constraint
from fairmas.formulations.hints import LP_ALGORITHM_HINT

ALLOCATION = "allocation"
MECHANISM = "mechanism"

IPM_FROM_ENVY_NONZEROS = 5_000
"""From n(n − 1)·m envy coefficients on, an LP with ``envy_free`` is solved by HiGHS' IPM:
the envy rows are dense and degenerate; at 30 agents × 30 goods the dual simplex took 1.1 s,
the IPM 0.1 s; at 20 × 10 both about 0.01 s (``benchmarks/bench_constraints.py``)."""

Number = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


def _split_names(value: Any) -> Any:
    """``"a+b+c"`` (the command line's list syntax) → ``["a", "b", "c"]``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split("+") if part.strip()]
    return value


Names = Annotated[list[str], BeforeValidator(_split_names), Field(min_length=1)]


# ----------------------------------------------------------------------------- helpers


def fresh_name(model: pyo.ConcreteModel, base: str) -> str:
    """``base``, or ``base_2``, ``base_3`` ... when the model already has a component so named.

    >>> m = pyo.ConcreteModel()
    >>> m.gap_bound = pyo.Var()
    >>> fresh_name(m, "gap_bound"), fresh_name(m, "quota")
    ('gap_bound_2', 'quota')
    """
    name, number = base, 1
    while model.component(name) is not None:
        number += 1
        name = f"{base}_{number}"
    return name


def _linear(coefs: list[float], variables: list[Any], constant: float = 0.0) -> LinearExpression:
    return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=variables)


def _variables(model: pyo.ConcreteModel, instance: Any) -> list[list[Any]]:
    """``x[i][j]`` of an allocation model, looked up once (Pyomo's indexing is slow)."""
    return [[model.x[i, j] for j in range(instance.n_resources)] for i in range(instance.n_agents)]


def _present(model: pyo.ConcreteModel, n: int) -> list[int]:
    """Agents in the model's economy (a VCG re-solve leaves one out)."""
    absent = set(getattr(model, "absent_agents", ()))
    return [i for i in range(n) if i not in absent]


def _utility(model: pyo.ConcreteModel, instance: Any, i: int) -> Any:
    """The utility expression of agent i in an allocation or mechanism model."""
    return model.utility[i] if instance.kind == ALLOCATION else model.agent_value[i]


def _unknown_agents(instance: Any, names: list[str], what: str = "agent") -> str | None:
    known = set(instance.agents)
    missing = [name for name in names if name not in known]
    if not missing:
        return None
    listed = ", ".join(instance.agents[:8]) + (", ..." if len(instance.agents) > 8 else "")
    return f"unknown {what} {missing[0]!r} (known: {listed})"


def _agent_bounds(
    instance: Any, value: float | None, agent: str | None, mapping: dict[str, float] | None
) -> dict[int, float]:
    """Per-agent bounds given as ``value`` (everyone), ``agent``+``value``, or a mapping."""
    index = {name: i for i, name in enumerate(instance.agents)}
    if mapping is not None:
        return {index[name]: bound for name, bound in mapping.items()}
    assert value is not None
    if agent is not None:
        return {index[agent]: value}
    return dict.fromkeys(range(len(instance.agents)), value)


class _PerAgent(ConstraintParameters):
    """``value`` for every agent, ``agent`` + ``value`` for one, or a mapping for several."""

    value: Number | None = None
    agent: str | None = None

    def _check_forms(self, mapping: object, mapping_name: str) -> None:
        if mapping is not None and (self.value is not None or self.agent is not None):
            raise ValueError(f"give either {mapping_name} or value (with agent), not both")
        if mapping is None and self.value is None:
            raise ValueError(f"needs value (for every agent, or with agent) or {mapping_name}")


# ----------------------------------------------------------------------------- envy_free


class EnvyFreeParameters(ConstraintParameters):
    """Parameters of ``envy_free`` and ``ef1``."""

    weighted: bool = True
    """Weighted by the entitlements w, v_i(x_i)/w_i ≥ v_i(x_k)/w_k, as the ``envy_free`` and
    ``ef1`` metrics of every Result are (identical to the plain definition when all w_i are
    equal); ``weighted=false`` drops the weights."""


@constraint(
    "envy_free",
    kinds=(ALLOCATION,),
    parameters=EnvyFreeParameters,
    summary="no agent prefers another's bundle: v_i(x_i)/w_i ≥ v_i(x_k)/w_k",
)
def envy_free(model: pyo.ConcreteModel, instance: Any, *, weighted: bool = True) -> None:
    """Envy-freeness (Foley 1967, Varian 1974): no agent values another's bundle more than its own.

    .. math::

        \\frac{v_i(x_i)}{w_i} \\ge \\frac{v_i(x_k)}{w_k}
        \\quad \\forall i \\ne k, \\qquad v_i(x_k) = \\sum_j v_{ij} x_{kj},

    with the entitlements w (weighted envy-freeness, Chakraborty et al. 2021;
    ``weighted=false``: w ≡ 1). One row per ordered pair of agents, n(n − 1)
    rows. With divisible
    goods an envy-free allocation always exists (equal division; Varian's
    competitive equilibrium from equal incomes is also Pareto-optimal); with
    indivisible goods it often does not (the solve is then ``infeasible``:
    consider ``ef1``).

    Examples
    --------
    Max-min fairness with entitlements 1 and 3 leaves a envious of b (in the
    weighted sense); the constraint removes the envy:

    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(
    ...     ["a", "b"], ["r", "s"], [[3, 1], [1, 1]], entitlements=[1, 3])
    >>> fairmas.solve(inst, "max_min").details["envy_free"]
    False
    >>> r = fairmas.solve(inst, "max_min", constraints=["envy_free"])
    >>> r.details["envy_free"], {a: round(u, 6) for a, u in r.solution["utilities"].items()}
    (True, {'a': 1.0, 'b': 1.666667})
    """
    n = instance.n_agents
    values = instance.values
    weights = instance.entitlements if weighted else np.ones(n)
    pairs = [(i, k) for i in range(n) for k in range(n) if i != k]
    goods = [np.flatnonzero(values[i]).tolist() for i in range(n)]
    x = _variables(model, instance)
    # per agent i: the coefficients v_ij of the goods it values, scaled by 1/w
    scaled = [(values[i, goods[i]] / weights[i]).tolist() for i in range(n)]
    per_unit = [values[i, goods[i]].tolist() for i in range(n)]

    def rule(model: pyo.ConcreteModel, i: int, k: int) -> Any:
        if not goods[i]:
            return pyo.Constraint.Skip
        other = [-v / weights[k] for v in per_unit[i]]
        variables = [x[i][j] for j in goods[i]] + [x[k][j] for j in goods[i]]
        return _linear(scaled[i] + other, variables) >= 0

    if len(pairs) * instance.n_resources >= IPM_FROM_ENVY_NONZEROS:
        setattr(model, LP_ALGORITHM_HINT, "ipm")
    name = fresh_name(model, "envy_free")
    model.add_component(f"{name}_PAIRS", pyo.Set(initialize=pairs, dimen=2, ordered=True))
    model.add_component(
        name,
        pyo.Constraint(
            model.component(f"{name}_PAIRS"), rule=rule, doc="v_i(x_i)/w_i ≥ v_i(x_k)/w_k"
        ),
    )


# ----------------------------------------------------------------------------- ef1


def _needs_indivisible(instance: Any, params: Any) -> str | None:
    divisible = [r for r, d in zip(instance.resources, instance.divisible, strict=True) if d]
    if not divisible:
        return None
    return (
        f"ef1 is for indivisible goods, but resource {divisible[0]!r} is divisible; "
        "use envy_free for divisible goods"
    )


@constraint(
    "ef1",
    kinds=(ALLOCATION,),
    parameters=EnvyFreeParameters,
    summary="envy-free up to one good (indivisible goods; a MILP with removal indicators)",
    check=_needs_indivisible,
)
def ef1(model: pyo.ConcreteModel, instance: Any, *, weighted: bool = True) -> None:
    """Envy-freeness up to one good (Lipton et al. 2004, Budish 2011), linearized.

    Agent i may envy agent k only by the value of one good of k's bundle:

    .. math::

        \\frac{v_i(x_i)}{w_i} \\ge \\frac{v_i(x_k) - \\max_{g \\in x_k} v_i(g)}{w_k}
        \\quad \\forall i \\ne k,

    where a good is one unit of an indivisible resource and w are the
    entitlements (WEF1 of Chakraborty et al. 2021; ``weighted=false``: w ≡ 1).
    The max is linearized with
    binary *removal indicators* r_ikj ("the unit of resource j that i removes
    from k's bundle"), one per ordered pair and resource i values:

    .. math::

        \\sum_j r_{ikj} \\le 1, \\qquad r_{ikj} \\le x_{kj}, \\qquad
        \\frac{1}{w_i}\\sum_j v_{ij} x_{ij} \\ge
        \\frac{1}{w_k}\\sum_j v_{ij} (x_{kj} - r_{ikj}).

    Removing the unit of largest v_ij that k holds is the best choice for
    the solver, so the rows hold exactly when the allocation is EF1; r_ikj ≤
    x_kj (x integer) only lets i remove what k has. An EF1 allocation of
    goods always exists (Lipton et al.'s envy-cycle elimination), and the
    maximum Nash welfare allocation is EF1 (Caragiannis et al. 2019).

    Examples
    --------
    With entitlements 3 and 1, max-min fairness gives a three of the four
    units: weighted EF1 (the default, as the Result's ``ef1`` metric) holds,
    but in the unweighted sense b envies a even after removing one unit:

    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(
    ...     ["a", "b"], ["g"], [[1], [1]], supply=[4], divisible=False, entitlements=[3, 1])
    >>> fairmas.solve(inst, "max_min", constraints=["ef1"]).solution["allocation"]
    {'a': {'g': 3}, 'b': {'g': 1}}
    >>> fairmas.solve(inst, "max_min", constraints=["ef1:weighted=false"]).solution["allocation"]
    {'a': {'g': 2}, 'b': {'g': 1}}
    """
    n, m = instance.n_agents, instance.n_resources
    values = instance.values
    weights = instance.entitlements if weighted else np.ones(n)
    triples = [
        (i, k, j)
        for i in range(n)
        for k in range(n)
        if i != k
        for j in range(m)
        if values[i, j] > 0
    ]
    pairs = sorted({(i, k) for i, k, _ in triples})
    goods = [np.flatnonzero(values[i]).tolist() for i in range(n)]
    name = fresh_name(model, "ef1")
    model.add_component(f"{name}_TRIPLES", pyo.Set(initialize=triples, dimen=3, ordered=True))
    model.add_component(f"{name}_PAIRS", pyo.Set(initialize=pairs, dimen=2, ordered=True))
    removed = pyo.Var(
        model.component(f"{name}_TRIPLES"),
        domain=pyo.Binary,
        doc="1: i removes one unit of resource j from k's bundle",
    )
    model.add_component(f"{name}_removed", removed)
    model.add_component(
        f"{name}_one_good",
        pyo.Constraint(
            model.component(f"{name}_PAIRS"),
            rule=lambda model, i, k: (
                _linear([1.0] * len(goods[i]), [removed[i, k, j] for j in goods[i]]) <= 1
            ),
            doc="Σ_j r_ikj ≤ 1",
        ),
    )
    model.add_component(
        f"{name}_held",
        pyo.Constraint(
            model.component(f"{name}_TRIPLES"),
            rule=lambda model, i, k, j: removed[i, k, j] - model.x[k, j] <= 0,
            doc="r_ikj ≤ x_kj",
        ),
    )

    x = _variables(model, instance)

    def rule(model: pyo.ConcreteModel, i: int, k: int) -> Any:
        own = [float(values[i, j] / weights[i]) for j in goods[i]]
        back = [float(values[i, j] / weights[k]) for j in goods[i]]
        other = [-v for v in back]
        variables = (
            [x[i][j] for j in goods[i]]
            + [x[k][j] for j in goods[i]]
            + [removed[i, k, j] for j in goods[i]]
        )
        return _linear(own + other + back, variables) >= 0

    model.add_component(
        name,
        pyo.Constraint(
            model.component(f"{name}_PAIRS"),
            rule=rule,
            doc="v_i(x_i)/w_i ≥ (v_i(x_k) − Σ_j v_ij r_ikj)/w_k",
        ),
    )


# ----------------------------------------------------------------------------- proportional


class ProportionalParameters(ConstraintParameters):
    """``proportional`` has no parameters (shares come from the entitlements)."""


@constraint(
    "proportional",
    kinds=(ALLOCATION,),
    parameters=ProportionalParameters,
    summary="each agent gets at least its share w_i/Σw of its value of everything",
)
def proportional(model: pyo.ConcreteModel, instance: Any) -> None:
    """Proportionality (Steinhaus 1948), weighted by entitlements.

    .. math::

        v_i(x) \\ge \\frac{w_i}{\\sum_k w_k}\\, v_i(M), \\qquad
        v_i(M) = \\sum_j v_{ij} R_j ,

    the agent's value of the whole supply; with w ≡ 1 the share is 1/n. With
    divisible goods and no caps equal division meets it; with indivisible
    goods or caps it may be infeasible.

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[1, 1], [3, 0]])
    >>> r = fairmas.solve(inst, "max_min", constraints=["proportional"])
    >>> r.solution["utilities"]["a"] >= 1 - 1e-9, r.solution["utilities"]["b"] >= 1.5 - 1e-9
    (True, True)
    """
    shares = instance.entitlements / instance.entitlements.sum()
    whole = instance.values @ instance.supply
    floors = (shares * whole).tolist()
    name = fresh_name(model, "proportional")
    model.add_component(
        name,
        pyo.Constraint(
            model.AGENTS,
            rule=lambda model, i: model.utility[i] >= floors[i],
            doc="v_i(x) ≥ w_i/Σw · v_i(M)",
        ),
    )


# ----------------------------------------------------------------------------- utility_floor


class UtilityFloorParameters(_PerAgent):
    """Parameters of ``utility_floor``: ``value`` (everyone), ``agent`` + ``value``, ``floors``."""

    floors: dict[str, Number] | None = None
    """A floor per agent, e.g. ``{alice: 4, bob: 2}`` (in an instance file)."""

    @model_validator(mode="after")
    def _one_form(self) -> UtilityFloorParameters:
        self._check_forms(self.floors, "floors")
        return self


def _floor_agents(instance: Any, params: Any) -> str | None:
    named = list(params.floors or {}) or ([params.agent] if params.agent else [])
    return _unknown_agents(instance, named)


@constraint(
    "utility_floor",
    kinds=(ALLOCATION, MECHANISM),
    parameters=UtilityFloorParameters,
    summary="utility ≥ a floor: every agent (value=), one (agent=, value=) or a mapping (floors)",
    check=_floor_agents,
)
def utility_floor(
    model: pyo.ConcreteModel,
    instance: Any,
    *,
    value: float | None = None,
    agent: str | None = None,
    floors: dict[str, float] | None = None,
) -> None:
    """A lower bound on utilities: u_i ≥ f_i for every agent, one agent, or a mapping of agents.

    .. math::

        u_i \\ge f_i \\quad (i \\in F),

    with u_i = v_i(x) (allocation) or v_i(S) (mechanism). ``value=3`` sets
    f_i = 3 for everyone; ``agent=bob,value=3`` for bob only; ``floors:
    {alice: 4, bob: 2}`` (in a file) per agent. A minimum guaranteed
    utility is the classic *basic needs* constraint of fair division (e.g.
    the "minimum bundle" guarantees of Bertsimas, Farias and Trichakis, "The
    price of fairness", Oper. Res. 59(1), 2011).

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [2.0]], supply=[3])
    >>> r = fairmas.solve(inst, "min_gap", constraints=["utility_floor:agent=a,value=1"], epsilon=1)
    >>> r.solution["utilities"]["a"] >= 1 - 1e-9
    True
    """
    bounds = _agent_bounds(instance, value, agent, floors)
    present = set(_present(model, instance.n_agents))
    rows = {i: f for i, f in bounds.items() if i in present}
    name = fresh_name(model, "utility_floor")
    model.add_component(
        name,
        pyo.Constraint(
            sorted(rows),
            rule=lambda model, i: _utility(model, instance, i) >= rows[i],
            doc="u_i ≥ f_i",
        ),
    )


# ----------------------------------------------------------------------------- gap_bound


class GapBoundParameters(ConstraintParameters):
    """Parameters of ``gap_bound``."""

    value: NonNegative
    """Largest allowed difference between the largest and the smallest utility."""


@constraint(
    "gap_bound",
    kinds=(ALLOCATION, MECHANISM),
    parameters=GapBoundParameters,
    summary="max_i u_i − min_i u_i ≤ value",
)
def gap_bound(model: pyo.ConcreteModel, instance: Any, *, value: float) -> None:
    """The spread of utilities is at most ``value``, with two level variables and 2n + 1 rows.

    .. math::

        L \\le u_i \\le U \\;\\; \\forall i, \\qquad U - L \\le g,

    which holds for some (L, U) exactly when max_i u_i − min_i u_i ≤ g (the
    O(n) form of the min-gap objective, DESIGN.md section 3).

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [3.0]], supply=[2])
    >>> r = fairmas.solve(inst, "max_min", constraints=[("gap_bound", {"value": 0.5})])
    >>> round(abs(r.solution["utilities"]["a"] - r.solution["utilities"]["b"]), 6) <= 0.5
    True
    """
    agents = _present(model, instance.n_agents)
    name = fresh_name(model, "gap_bound")
    lower = pyo.Var(doc="L ≤ every utility")
    upper = pyo.Var(doc="U ≥ every utility")
    model.add_component(f"{name}_lower", lower)
    model.add_component(f"{name}_upper", upper)
    model.add_component(
        f"{name}_above",
        pyo.Constraint(agents, rule=lambda model, i: _utility(model, instance, i) - lower >= 0),
    )
    model.add_component(
        f"{name}_below",
        pyo.Constraint(agents, rule=lambda model, i: _utility(model, instance, i) - upper <= 0),
    )
    model.add_component(name, pyo.Constraint(expr=upper - lower <= value, doc="U − L ≤ g"))


# ----------------------------------------------------------------------------- quota


class QuotaParameters(ConstraintParameters):
    """Parameters of ``quota``."""

    agents: Names
    """The group G (on the command line: ``agents=a+b+c``)."""
    share: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    """Its least share, within [0, 1]."""
    resource: str | None = None
    """A share of this resource's supply instead of a share of the total utility."""


def _quota_names(instance: Any, params: Any) -> str | None:
    reason = _unknown_agents(instance, params.agents)
    if reason is not None:
        return reason
    if params.resource is None:
        return None
    if instance.kind != ALLOCATION:
        return "resource= applies to allocation instances (a mechanism has projects, not resources)"
    if params.resource in instance.resources:
        return None
    return f"unknown resource {params.resource!r} (known: {', '.join(instance.resources[:8])})"


@constraint(
    "quota",
    kinds=(ALLOCATION, MECHANISM),
    parameters=QuotaParameters,
    summary="a group gets at least a share of the total utility, or of a resource's supply",
    check=_quota_names,
)
def quota(
    model: pyo.ConcreteModel,
    instance: Any,
    *,
    agents: list[str],
    share: float,
    resource: str | None = None,
) -> None:
    """A reserved share for a group G of agents (group fairness; reserve systems).

    Without ``resource``, G receives at least the fraction s of the total utility:

    .. math::

        \\sum_{i \\in G} u_i \\ge s \\sum_{i} u_i ;

    with ``resource=j`` (allocation), at least the fraction s of its supply:

    .. math::

        \\sum_{i \\in G} x_{ij} \\ge s\\, R_j .

    The first is the group analogue of a utility floor (Conitzer et al.
    2019's group fairness, with the share fixed in advance); the second is a
    reserve category of a reserve system (Pathak et al. 2021).

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(
    ...     ["a", "b", "c"], ["gpu"], [[1], [1], [1]], supply=[4], divisible=False)
    >>> r = fairmas.solve(inst, "max_min",
    ...                   constraints=["quota:agents=a+b,share=0.75,resource=gpu"])
    >>> r.solution["allocation"]["a"]["gpu"] + r.solution["allocation"]["b"]["gpu"]
    3
    """
    index = {name: i for i, name in enumerate(instance.agents)}
    present = set(_present(model, instance.n_agents))
    group = [index[a] for a in agents if index[a] in present]
    name = fresh_name(model, "quota")
    if resource is not None:
        j = instance.resources.index(resource)
        supply = float(instance.supply[j])
        expr = _linear([1.0] * len(group), [model.x[i, j] for i in group]) >= share * supply
        model.add_component(name, pyo.Constraint(expr=expr, doc="Σ_{i∈G} x_ij ≥ s R_j"))
        return
    everyone = sorted(present)
    expr = pyo.quicksum(_utility(model, instance, i) for i in group) - share * pyo.quicksum(
        _utility(model, instance, i) for i in everyone
    )
    model.add_component(name, pyo.Constraint(expr=expr >= 0, doc="Σ_{i∈G} u_i ≥ s Σ_i u_i"))


# ----------------------------------------------------------------------------- budget


class BudgetParameters(_PerAgent):
    """Parameters of ``budget``: ``value`` (a cost cap), ``agent`` + ``value``, or ``payments``."""

    value: NonNegative | None = None
    payments: dict[str, NonNegative] | None = None
    """A payment cap per agent, e.g. ``{alice: 3}`` (in an instance file)."""

    @model_validator(mode="after")
    def _one_form(self) -> BudgetParameters:
        self._check_forms(self.payments, "payments")
        return self


def _budget_agents(instance: Any, params: Any) -> str | None:
    named = list(params.payments or {}) or ([params.agent] if params.agent else [])
    return _unknown_agents(instance, named)


@constraint(
    "budget",
    kinds=(MECHANISM,),
    objectives=("welfare",),
    parameters=BudgetParameters,
    summary="total cost C(S) ≤ value, or payments of an agent (agent=, value=) ≤ a cap",
    check=_budget_agents,
)
def budget(
    model: pyo.ConcreteModel,
    instance: Any,
    *,
    value: float | None = None,
    agent: str | None = None,
    payments: dict[str, float] | None = None,
) -> None:
    """A budget: a cap on the total cost of the chosen projects, or on agents' payments.

    ``value=B`` alone caps the cost of the outcome (a budgeted public
    project choice, as in participatory budgeting):

    .. math::

        C(S) = \\sum_k c_k s_k \\le B .

    ``agent=a,value=B`` (or ``payments: {a: B, ...}`` in a file) caps what
    agent a can pay: S must be financed by individually rational payments with
    p_a ≤ B,

    .. math::

        p_a \\le B, \\qquad 0 \\le p_i \\le v_i(S), \\qquad \\sum_i p_i \\ge C(S),

    so Σ_i min(v_i(S), B_i) ≥ C(S). The ``welfare`` objective then reports
    its payment rule with the same caps (proportional and egalitarian shares
    are filled up to min(v_i(S), B_i); VCG payments are reported as they are,
    with ``details.payment_caps_respected``).

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.MechanismInstance.from_projects(
    ...     ["a", "b"], {"park": 10, "pool": 4}, {"a": {"park": 6, "pool": 4}, "b": {"park": 7}})
    >>> r = fairmas.solve(inst, "welfare", constraints=["budget:value=5"])
    >>> r.solution["projects"], r.value
    (['pool'], 4.0)
    """
    name = fresh_name(model, "budget")
    if payments is None and agent is None:
        model.add_component(name, pyo.Constraint(expr=model.cost <= value, doc="C(S) ≤ B"))
        return
    caps = _agent_bounds(instance, value, agent, payments)
    present = set(_present(model, instance.n_agents))
    rows = {i: cap for i, cap in caps.items() if i in present}
    model.add_component(
        name,
        pyo.Constraint(
            sorted(rows), rule=lambda model, i: model.payment[i] <= rows[i], doc="p_i ≤ B_i"
        ),
    )


def payment_caps(constraints: Any, instance: Any) -> np.ndarray | None:
    """The per-agent payment caps of the ``budget`` constraints in a constraint set, or None.

    Several caps on one agent: the smallest holds.

    >>> payment_caps((), None) is None
    True
    """
    caps = None
    for bound in getattr(constraints, "bound", ()):
        if bound.constraint.name != "budget":
            continue
        params = bound.params
        if params.get("payments") is None and params.get("agent") is None:
            continue
        if caps is None:
            caps = np.full(instance.n_agents, np.inf)
        for i, cap in _agent_bounds(
            instance, params.get("value"), params.get("agent"), params.get("payments")
        ).items():
            caps[i] = min(caps[i], cap)
    return caps
