"""Plug-in constraints: every built-in against an independent check, applied by every method
that builds a Pyomo model, and the Python API around them (build, solve_model).

Indivisible goods: the optimum under a constraint must equal the brute-force optimum over
the integer allocations that satisfy the property, written from its definition in
tests/oracles.py (no code shared with fairmas.constraints). Divisible goods: the solution
must satisfy the property, and known allocations bound the optimum.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyomo.environ as pyo
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.errors import MethodNotApplicableError, ParameterError
from fairmas.models.allocation import AllocationInstance
from fairmas.models.coalition_game import CoalitionGame
from fairmas.models.mechanism import MechanismInstance
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.registry import OBJECTIVES, values_agree
from fairmas.result import Status
from tests.oracles import (
    best_partition_with,
    constrained_brute_force,
    is_ef1,
    is_envy_free,
    is_proportional,
    oracle_constrained_projects,
)

# ----------------------------------------------------------------------------- instances


@st.composite
def indivisible(draw) -> AllocationInstance:
    n = draw(st.integers(2, 3))
    m = draw(st.integers(1, 2))
    values = [[float(draw(st.integers(0, 4))) for _ in range(m)] for _ in range(n)]
    for j in range(m):
        if all(values[i][j] == 0 for i in range(n)):
            values[draw(st.integers(0, n - 1))][j] = 1.0
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        values,
        supply=[draw(st.integers(1, 3)) for _ in range(m)],
        divisible=False,
        entitlements=[draw(st.sampled_from([1.0, 1.0, 2.0])) for _ in range(n)],
    )


@st.composite
def divisible(draw, equal_weights: bool = False) -> AllocationInstance:
    n = draw(st.integers(2, 4))
    m = draw(st.integers(1, 4))
    values = np.array([[draw(st.integers(0, 12)) / 4 for _ in range(m)] for _ in range(n)])
    for j in range(m):
        if values[:, j].max() == 0:
            values[draw(st.integers(0, n - 1)), j] = 1.0
    weights = None if equal_weights else [draw(st.sampled_from([1.0, 2.0])) for _ in range(n)]
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        values,
        supply=[draw(st.integers(1, 6)) / 2 for _ in range(m)],
        divisible=True,
        entitlements=weights,
    )


def _lists(instance: AllocationInstance):
    return instance.values.tolist(), instance.supply.tolist(), instance.entitlements.tolist()


def _matrix(instance: AllocationInstance, result) -> list[list[float]]:
    allocation = result.solution["allocation"]
    return [[float(allocation[a].get(r, 0.0)) for r in instance.resources] for a in instance.agents]


# ----------------------------------------------------------------------------- indivisible goods


def _keep(text: str, instance: AllocationInstance):
    """The property of a constraint, from its definition (independent of fairmas)."""
    values, supply, weights = _lists(instance)
    name, _, rest = text.partition(":")
    params = dict(pair.split("=") for pair in rest.split(",") if pair)
    if name == "envy_free":
        w = None if params.get("weighted") == "false" else weights
        return lambda x, us: is_envy_free(values, x, w)
    if name == "ef1":
        w = None if params.get("weighted") == "false" else weights
        return lambda x, us: is_ef1(values, x, w)
    if name == "proportional":
        return lambda x, us: is_proportional(values, supply, weights, x)
    if name == "gap_bound":
        return lambda x, us: max(us) - min(us) <= float(params["value"]) + 1e-9
    if name == "utility_floor":
        return lambda x, us: min(us) >= float(params["value"]) - 1e-9
    if name == "quota" and "resource" in params:
        j = instance.resources.index(params["resource"])
        group = [instance.agents.index(a) for a in params["agents"].split("+")]
        share = float(params["share"])
        return lambda x, us: sum(x[i][j] for i in group) >= share * supply[j] - 1e-9
    if name == "quota":
        group = [instance.agents.index(a) for a in params["agents"].split("+")]
        share = float(params["share"])
        return lambda x, us: sum(us[i] for i in group) >= share * sum(us) - 1e-9
    raise ValueError(text)


CASES = [
    ("envy_free", "max_min", "milp"),
    ("envy_free:weighted=false", "max_min", "milp"),
    ("ef1", "max_min", "milp"),
    ("ef1:weighted=false", "max_min", "milp"),
    ("ef1", "nash", "outer_approximation"),
    ("ef1:weighted=false", "nash", "outer_approximation"),
    ("ef1", "leximin", "ordered_outcomes"),
    ("proportional", "max_min", "milp"),
    ("gap_bound:value=2", "max_min", "milp"),
    ("utility_floor:value=1", "min_gap", "milp"),
    ("quota:agents=a0+a1,share=0.6", "max_min", "milp"),
    ("quota:agents=a0,share=0.5,resource=r0", "nash", "outer_approximation"),
]


@settings(max_examples=150)
@given(indivisible(), st.sampled_from(CASES))
def test_indivisible_optimum_equals_filtered_brute_force(instance, case) -> None:
    text, objective, method = case
    values, supply, weights = _lists(instance)
    keep = _keep(text, instance)
    params = {"epsilon": 0.5} if objective == "min_gap" else {}
    expected = constrained_brute_force(
        values, supply, weights, objective, keep, epsilon=params.get("epsilon", 0.0)
    )
    result = fairmas.solve(instance, objective, method, constraints=[text], **params)
    assert result.details["constraints_added"] == [text]
    if expected is None:
        assert result.status is Status.INFEASIBLE, (text, result.status, result.details)
        return
    assert result.status is Status.OPTIMAL, (text, result.status, result.details)
    x = _matrix(instance, result)
    us = [result.solution["utilities"][a] for a in instance.agents]
    assert keep(x, us), (text, x)
    if objective == "nash":
        count, welfare = expected
        assert instance.n_agents - len(result.details.get("zero_utility_agents", [])) == count
        assert values_agree(result.value, welfare), (text, result.value, welfare)
    elif objective == "leximin":
        got = result.details["sorted_weighted_utilities"]
        assert all(values_agree(a, b) for a, b in zip(got, expected, strict=True)), (got, expected)
    else:
        assert values_agree(result.value, expected), (text, result.value, expected)


def test_envy_free_with_indivisible_goods_is_infeasible_not_an_error() -> None:
    one_good = AllocationInstance.from_arrays(["a", "b"], ["g"], [[1], [1]], divisible=False)
    result = fairmas.solve(one_good, "max_min", constraints=["envy_free"])
    # the only envy-free allocation gives the good to nobody: feasible, value 0
    assert result.status is Status.OPTIMAL
    assert result.value == 0
    result = fairmas.solve(one_good, "max_min", constraints=["envy_free", "utility_floor:value=1"])
    assert result.status is Status.INFEASIBLE
    assert result.value is None
    assert result.details["constraints_added"] == ["envy_free", "utility_floor:value=1"]


# ----------------------------------------------------------------------------- divisible goods


def _equal_division(instance: AllocationInstance) -> np.ndarray:
    return np.tile(instance.supply / instance.n_agents, (instance.n_agents, 1))


@settings(max_examples=20)
@given(divisible())
def test_divisible_solutions_satisfy_each_property_and_respect_bounds(instance) -> None:
    values, supply, weights = _lists(instance)
    unconstrained = fairmas.solve(instance, "max_min").value
    equal = (instance.values * _equal_division(instance)).sum(axis=1) / instance.entitlements
    checks = {
        "envy_free": lambda x, us: is_envy_free(values, x, weights),
        "envy_free:weighted=false": lambda x, us: is_envy_free(values, x),
        "proportional": lambda x, us: is_proportional(values, supply, weights, x),
        "gap_bound:value=0.5": lambda x, us: max(us) - min(us) <= 0.5 + 1e-7,
        "quota:agents=a0,share=0.5": lambda x, us: us[0] >= 0.5 * sum(us) - 1e-7,
        "quota:agents=a1,share=0.5,resource=r0": lambda x, us: x[1][0] >= 0.5 * supply[0] - 1e-7,
    }
    for text, holds in checks.items():
        result = fairmas.solve(instance, "max_min", constraints=[text])
        assert result.status is Status.OPTIMAL, (text, result.details)
        x = _matrix(instance, result)
        us = [result.solution["utilities"][a] for a in instance.agents]
        assert holds(x, us), (text, x, us)
        assert result.value <= unconstrained + 1e-7
        if text in ("envy_free:weighted=false", "proportional"):  # true of equal division
            assert result.value >= equal.min() - 1e-7, (text, result.value, equal)


@settings(max_examples=10)
@given(divisible(equal_weights=True))
def test_nash_with_equal_budgets_is_already_envy_free_and_proportional(instance) -> None:
    # Varian (1974): the competitive equilibrium from equal incomes (the Eisenberg–Gale
    # optimum) is envy-free, so these constraints cut nothing off the Nash optimum.
    free = fairmas.solve(instance, "nash")
    constrained = fairmas.solve(instance, "nash", constraints=["envy_free", "proportional"])
    assert constrained.status is Status.OPTIMAL
    assert values_agree(constrained.value, free.value, 1e-6), (constrained.value, free.value)
    assert "certificate" not in constrained.details  # no market equilibrium is claimed


@settings(max_examples=10)
@given(divisible())
def test_leximin_methods_agree_under_constraints(instance) -> None:
    results = fairmas.compare(instance, "leximin", constraints=["envy_free", "gap_bound:value=3"])
    ran = {r.method: r for r in results if r.details.get("applicable") is not False}
    assert set(ran) == {"saturation", "ordered_outcomes"}
    a = ran["saturation"].details["sorted_weighted_utilities"]
    b = ran["ordered_outcomes"].details["sorted_weighted_utilities"]
    assert all(math.isclose(p, q, rel_tol=1e-6, abs_tol=1e-6) for p, q in zip(a, b, strict=True))
    brute = next(r for r in results if r.method == "brute_force")
    assert brute.details["applicable"] is False


def test_min_gap_floor_is_the_best_welfare_under_the_constraints() -> None:
    inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [3.0]], supply=[2])
    # unconstrained: all to b (welfare 6) is the only efficient allocation, gap 6
    assert fairmas.solve(inst, "min_gap").value == pytest.approx(6.0)
    result = fairmas.solve(inst, "min_gap", constraints=["envy_free"])
    # envy-free: x_a ≥ 1 (a does not envy b), so the best welfare is 1·1 + 3·1 = 4, gap 2
    assert result.details["max_welfare_under_constraints"] == pytest.approx(4.0)
    assert result.value == pytest.approx(2.0)


def test_infeasible_lp_names_the_constraints_and_an_infeasible_subsystem() -> None:
    inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [1.0]], supply=[2])
    result = fairmas.solve(inst, "max_min", constraints=[("utility_floor", {"value": 1.5})])
    assert result.status is Status.INFEASIBLE
    assert result.details["constraints_added"] == ["utility_floor:value=1.5"]
    iis = result.details["infeasible_constraints"]
    assert any(name.startswith("utility_floor") for name in iis), iis
    assert any(name.startswith("supply") for name in iis), iis


# ----------------------------------------------------------------------------- mechanism


@st.composite
def project_instances(draw) -> MechanismInstance:
    n = draw(st.integers(2, 3))
    K = draw(st.integers(1, 4))
    costs = {f"p{k}": float(draw(st.integers(0, 8))) for k in range(K)}
    values = {
        f"a{i}": {f"p{k}": float(draw(st.integers(0, 5))) for k in range(K)} for i in range(n)
    }
    return MechanismInstance.from_projects([f"a{i}" for i in range(n)], costs, values)


@settings(max_examples=25)
@given(
    project_instances(),
    st.sampled_from(
        [
            "budget:value=6",
            "budget:agent=a0,value=1",
            "utility_floor:value=2",
            "gap_bound:value=1",
            "quota:agents=a1,share=0.4",
        ]
    ),
    st.sampled_from(["proportional", "egalitarian"]),
)
def test_welfare_under_constraints_equals_filtered_enumeration(instance, text, rule) -> None:
    values = instance.values.tolist()
    costs = instance.costs.tolist()

    def keep(chosen, agent_values, cost) -> bool:
        if text == "budget:value=6":
            return cost <= 6 + 1e-9
        if text == "budget:agent=a0,value=1":  # IR payments with p_a0 ≤ 1 recover the cost
            return min(agent_values[0], 1.0) + sum(agent_values[1:]) >= cost - 1e-9
        if text == "utility_floor:value=2":
            return min(agent_values) >= 2 - 1e-9
        if text == "gap_bound:value=1":
            return max(agent_values) - min(agent_values) <= 1 + 1e-9
        return agent_values[1] >= 0.4 * sum(agent_values) - 1e-9

    expected = oracle_constrained_projects(values, costs, keep)
    result = fairmas.solve(instance, "welfare", constraints=[text], payments=rule)
    assert result.method == "milp"
    if expected is None:
        assert result.status is Status.INFEASIBLE
        return
    assert result.status is Status.OPTIMAL, result.details
    assert values_agree(result.value, expected[0]), (text, result.value, expected)
    payments = result.solution["payments"]
    assert sum(payments.values()) == pytest.approx(result.details["cost"], abs=1e-7)
    for agent, paid in payments.items():
        assert paid <= result.details["agent_values"][agent] + 1e-7
    if text.startswith("budget:agent"):
        assert payments["a0"] <= 1 + 1e-7
        assert result.details["payment_caps_respected"] is True


def test_vcg_re_solves_carry_the_constraints() -> None:
    inst = MechanismInstance.from_projects(
        ["a", "b", "c"],
        {"park": 6, "pool": 4, "lab": 5},
        {"a": {"park": 5, "lab": 1}, "b": {"park": 3, "pool": 3}, "c": {"pool": 2, "lab": 5}},
    )
    seen: list[tuple[str, tuple]] = []

    def record(model, instance) -> None:
        seen.append((model.name, tuple(model.absent_agents)))

    result = fairmas.solve(inst, "welfare", constraints=["budget:value=10", record], payments="vcg")
    assert result.status is Status.OPTIMAL
    assert seen == [("welfare", ()), ("welfare", (0,)), ("welfare", (1,)), ("welfare", (2,))]
    # W_{-i} under the cost cap, by enumeration of the projects without agent i
    for i, agent in enumerate(inst.agents):
        values = [[0.0] * 3 if k == i else row for k, row in enumerate(inst.values.tolist())]
        best = max(
            sum(values[k][p] for k in range(3) for p in chosen) - sum(inst.costs[list(chosen)])
            for size in range(4)
            for chosen in itertools.combinations(range(3), size)
            if sum(inst.costs[list(chosen)]) <= 10
            and sum(values[k][p] for k in range(3) for p in chosen) >= sum(inst.costs[list(chosen)])
        )
        assert result.details["net_welfare_without"][agent] == pytest.approx(best)


# ----------------------------------------------------------------------------- every model


TRUST = "instances/six_agents_two_teams.yaml"
GAME = "instances/games/prisoners_dilemma_network.yaml"


def _mechanism() -> MechanismInstance:
    return MechanismInstance.from_projects(
        ["a", "b"], {"park": 10, "pool": 4}, {"a": {"park": 6, "pool": 4}, "b": {"park": 7}}
    )


def _indivisible() -> AllocationInstance:
    return AllocationInstance.from_arrays(
        ["a", "b", "c"], ["g", "h"], [[2, 1], [1, 3], [1, 1]], supply=[2, 2], divisible=False
    )


def _divisible() -> AllocationInstance:
    return AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])


def _table_game() -> CoalitionGame:
    return CoalitionGame.from_table(
        ["a1", "a2", "a3", "a4"],
        [0, 30, 40, 50, 25, 60, 55, 90, 45, 80, 70, 120, 80, 100, 115, 140],
    )


def _graph_game() -> CoalitionGame:
    return CoalitionGame.from_document(
        {
            "kind": "coalition_game",
            "agents": ["a", "b", "c", "d"],
            "graph": [
                {"pair": ["a", "b"], "weight": 3},
                {"pair": ["b", "c"], "weight": -2},
                {"pair": ["c", "d"], "weight": 4},
                {"pair": ["a", "c"], "weight": 1},
            ],
        }
    )


# (objective, method, instance factory, params, fewest models the method builds)
MODEL_METHODS = [
    ("max_min", "milp", _indivisible, {}, 1),
    ("min_gap", "milp", _indivisible, {}, 2),
    ("leximin", "saturation", _divisible, {}, 1),
    ("leximin", "ordered_outcomes", _indivisible, {}, 1),
    ("nash", "outer_approximation", _indivisible, {}, 2),
    ("welfare", "milp", _mechanism, {"payments": "vcg"}, 3),
    ("min_cut_partition", "milp", lambda: fairmas.load(TRUST), {}, 1),
    ("csg", "milp", _table_game, {}, 1),
    ("csg", "milp", _graph_game, {}, 1),
    ("social_optimum", "milp", lambda: fairmas.load(GAME), {}, 1),
    ("equilibrium", "milp", lambda: fairmas.load(GAME), {}, 3),
    ("alignment", "milp", lambda: fairmas.load(GAME), {}, 2),
]


def test_every_model_building_method_is_covered() -> None:
    registered = {
        (o.name, m.name)
        for o in OBJECTIVES.values()
        for m in o.methods.values()
        if m.takes_constraints
    }
    assert registered == {(objective, method) for objective, method, *_ in MODEL_METHODS}


@pytest.mark.parametrize(
    ("objective", "method", "make", "params", "models"),
    MODEL_METHODS,
    ids=[f"{o}-{m}-{f.__name__}" for o, m, f, *_ in MODEL_METHODS],
)
def test_every_model_a_method_builds_gets_the_constraints(
    objective, method, make, params, models
) -> None:
    built: list[str] = []

    def recorder(model, instance) -> None:
        """Adds nothing; counts the models."""
        built.append(model.name)

    result = fairmas.solve(make(), objective, method, constraints=[recorder], **params)
    assert result.status in (Status.OPTIMAL, Status.INFEASIBLE), result.details
    assert result.details["constraints_added"] == ["recorder"]
    assert len(built) >= models, built


def test_methods_without_a_model_are_not_applicable_and_solve_picks_one_that_can() -> None:
    inst = _indivisible()
    results = fairmas.compare(inst, "max_min", constraints=["ef1"])
    by_method = {r.method: r for r in results}
    assert by_method["milp"].status is Status.OPTIMAL
    assert by_method["brute_force"].details["applicable"] is False
    reason = by_method["brute_force"].details["error"]
    assert "builds no Pyomo model" in reason
    assert "ef1" in reason
    assert "milp" in reason
    game = fairmas.load(GAME)
    assert fairmas.solve(game, "equilibrium").method == "search"  # preferred on dense games
    assert fairmas.solve(game, "equilibrium", constraints=[lambda m, i: None]).method == "milp"
    with pytest.raises(MethodNotApplicableError, match="cannot take the constraints"):
        fairmas.solve(inst, "max_min", "brute_force", constraints=["ef1"])


def test_a_plug_in_keeps_two_agents_together_in_the_min_cut_partition() -> None:
    net = fairmas.load(TRUST)
    a, b = net.agents.index("a1"), net.agents.index("a4")

    def same_side(model, instance) -> None:
        model.same_side = pyo.Constraint(expr=model.x[a] == model.x[b])

    result = fairmas.solve(net, "min_cut_partition", constraints=[same_side])
    graph = fairmas.objectives.min_cut_partition.prepare(
        net, fairmas.OBJECTIVES["min_cut_partition"].parse_params({})
    ).graph
    weights = {(int(u), int(v)): w for u, v, w in zip(graph.u, graph.v, graph.w, strict=True)}

    def weight(i, j):
        return weights.get((i, j), 0.0) + weights.get((j, i), 0.0)

    expected = best_partition_with(net.n_agents, weight, lambda labels: labels[a] == labels[b], 2)
    assert result.method == "milp"
    assert result.value == pytest.approx(expected)
    assert any({"a1", "a4"} <= set(c) for c in result.solution["coalitions"])


@pytest.mark.parametrize("make", [_table_game, _graph_game], ids=["table", "graph"])
def test_a_plug_in_keeps_two_agents_together_in_csg(make) -> None:
    game = make()

    def together(model, instance) -> None:
        if hasattr(model, "COALITIONS"):  # set partitioning: no coalition splits agents 0 and 1
            for c in model.COALITIONS:
                if (c & 1) != (c >> 1 & 1):
                    model.x[c].fix(0)
        else:  # multicut: the pair (0, 1) is not split
            for e in model.EDGES:
                if {int(instance.graph.u[e]), int(instance.graph.v[e])} == {0, 1}:
                    model.split[e].fix(0)

    result = fairmas.solve(game, "csg", "milp", constraints=[together])

    best = max(
        game.welfare(np.array(labels))
        for labels in _labelings(game.n_agents)
        if labels[0] == labels[1]
    )
    assert result.value == pytest.approx(best)
    assert any({game.agents[0], game.agents[1]} <= set(c) for c in result.solution["coalitions"])


def _labelings(n: int):
    for labels in itertools.product(range(n), repeat=n):
        yield list(labels)


def test_a_plug_in_fixes_a_players_action_in_the_social_optimum() -> None:
    game: PairwiseGame = fairmas.load(GAME)

    def first_defects(model, instance) -> None:
        model.first_defects = pyo.Constraint(expr=model.y[instance.action_offset[0] + 1] == 1)

    result = fairmas.solve(game, "social_optimum", constraints=[first_defects])
    best = max(
        game.welfare(np.array(profile))
        for profile in itertools.product(*(range(len(a)) for a in game.actions))
        if profile[0] == 1
    )
    assert result.value == pytest.approx(best)
    assert result.solution["profile"][game.players[0]] == game.actions[0][1]


# ----------------------------------------------------------------------------- files and API


FILE = """\
kind: allocation
agents: [a, b]
resources:
  - {name: g, supply: 4, divisible: false}
valuations: {a: {g: 1}, b: {g: 1}}
entitlements: {a: 3, b: 1}
constraints:
  - {name: ef1, weighted: false}
  - {name: utility_floor, floors: {b: 1}}
"""


def test_constraints_block_of_a_file_is_kept_solved_and_merged(tmp_path, run_cli) -> None:
    path = tmp_path / "inst.yaml"
    path.write_text(FILE)
    inst = fairmas.load(path)
    assert [s.name for s in inst.constraints] == ["ef1", "utility_floor"]
    assert inst.to_document()["constraints"] == [
        {"name": "ef1", "weighted": False},
        {"name": "utility_floor", "floors": {"b": 1}},
    ]
    result = fairmas.solve(inst, "max_min", constraints=["gap_bound:value=0"])
    assert result.details["constraints_added"] == [
        "ef1:weighted=false",
        'utility_floor:floors={"b":1}',
        "gap_bound:value=0",
    ]
    assert result.solution["allocation"] == {"a": {"g": 2}, "b": {"g": 2}}
    run = run_cli("solve", path, "--objective", "max_min", "--constraint", "gap_bound:value=0")
    assert run.code == 0, run.err
    assert "constraints ef1:weighted=false, utility_floor" in run.out
    assert "gap_bound:value=0" in run.out
    run = run_cli("validate", path)
    assert run.code == 0
    assert "constraints: ef1" in run.out
    assert "constraints" in run_cli("schema", "allocation").out


def test_constraint_forms_of_the_python_api() -> None:
    inst = _indivisible()

    def cap(model, instance, limit=1):
        model.cap = pyo.Constraint(expr=model.x[0, 0] <= limit)

    forms = [
        "utility_floor:value=1",
        ("utility_floor", {"value": 1}),
        cap,
        (cap, {"limit": 0}),
    ]
    labels = fairmas.solve(inst, "max_min", constraints=forms).details["constraints_added"]
    assert labels == ["utility_floor:value=1", "utility_floor:value=1", "cap", "cap:limit=0"]
    with pytest.raises(ParameterError, match=r"constraints\[0\]: a constraint is a name"):
        fairmas.solve(inst, "max_min", constraints=[42])


def test_build_then_add_by_hand_then_solve_model() -> None:
    inst = _indivisible()
    free = fairmas.solve(inst, "max_min")
    model = fairmas.build(inst, "max_min", constraints=["ef1"])
    assert model.component("ef1") is not None
    model.nothing_for_c = pyo.Constraint(expr=sum(model.x[2, j] for j in model.RESOURCES) == 0)
    result = fairmas.solve_model(model)
    assert result.objective == "max_min"
    assert result.method == "milp"
    assert result.details["built_model"] is True
    assert result.value == 0.0
    assert result.value < free.value
    assert result.solution["utilities"]["c"] == 0.0


@pytest.mark.parametrize("objective", ["leximin", "nash"])
def test_build_names_the_objectives_with_one_model(objective) -> None:
    with pytest.raises(ParameterError, match=r"sequence of models.*max_min"):
        fairmas.build(_indivisible(), objective)


def test_build_of_every_single_model_objective_solves_like_solve() -> None:
    cases = [
        ("max_min", _divisible()),
        ("min_gap", _indivisible()),
        ("welfare", _mechanism()),
        ("min_cut_partition", fairmas.load(TRUST)),
        ("csg", _table_game()),
        ("social_optimum", fairmas.load(GAME)),
    ]
    for objective, instance in cases:
        direct = fairmas.solve(instance, objective, OBJECTIVES[objective].model_form.method)
        via_model = fairmas.solve_model(fairmas.build(instance, objective))
        assert via_model.value == pytest.approx(direct.value), objective
    with pytest.raises(ParameterError, match="graph game is solved by a sequence"):
        fairmas.build(_graph_game(), "csg")


def test_solve_model_of_a_plain_pyomo_model_never_raises() -> None:
    m = pyo.ConcreteModel(name="plain")
    m.x = pyo.Var(domain=pyo.NonNegativeIntegers)
    m.c = pyo.Constraint(expr=m.x >= 2.5)
    m.d = pyo.Constraint(expr=m.x <= 2.9)
    m.obj = pyo.Objective(expr=m.x)
    result = fairmas.solve_model(m)
    assert result.status is Status.INFEASIBLE
    assert result.value is None


def test_leximin_levels_under_dense_envy_rows_stay_optimal_and_agree() -> None:
    # 30 agents × 10 goods: HiGHS called a later level infeasible at the default tolerance
    rng = np.random.default_rng(1)
    inst = AllocationInstance.from_arrays(
        [f"a{i}" for i in range(30)], [f"g{j}" for j in range(10)], rng.random((30, 10))
    )
    max_min = fairmas.solve(inst, "max_min", constraints=["envy_free"])
    results = fairmas.compare(
        inst, "leximin", ["saturation", "ordered_outcomes"], constraints=["envy_free"]
    )
    for r in results:
        assert r.status is Status.OPTIMAL, (r.method, r.details)
        assert r.details["agrees"] is True
        assert values_agree(r.value, max_min.value), (r.method, r.value, max_min.value)
        assert r.details.get("level_slack", 0) <= 1e-6
