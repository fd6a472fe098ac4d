"""Objective ``welfare``: max Σ_i v_i(S) with cost-recovering payments (seed 000, 4.1.3).

Choose the set S of projects (or winning XOR bids) maximizing Σ_i v_i(S)
subject to payments that recover the cost, Σ_i p_i ≥ C(S), and are
individually rational, 0 ≤ p_i ≤ v_i(S) (DESIGN.md section 2). The value is
Σ_i v_i(S) recomputed from S.

Parameter ``payments`` picks the payment rule reported for S
(:mod:`fairmas.solvers.mechanism`): ``proportional`` (default; budget-balanced
cost shares proportional to value), ``egalitarian`` (equal shares capped by
value) or ``vcg`` (Clarke pivot on the net welfare Σ v − C, each method
re-solving that problem without each agent; ``details.budget_surplus`` =
Σ p_i − C(S), negative for a deficit). VCG is individually rational when S also
maximizes the net welfare; otherwise ``details.individually_rational`` is false.

With plug-in constraints (:mod:`fairmas.constraints`; e.g. ``budget``,
``utility_floor``) only ``milp`` runs; its VCG re-solves carry the constraints
too (leaving out those concerning the absent agent). Payment caps of a
``budget`` constraint also cap the reported proportional and egalitarian
payments (:func:`fairmas.solvers.mechanism.capped_proportional_payments`).

Methods, in order of preference:

``milp``
    :func:`fairmas.formulations.mechanism.build_welfare_model` on HiGHS.
``brute_force``
    Every project set (projects variant, ≤ 16 projects).
``subset_dp``
    Winner determination by dynamic programming over item sets (auction
    variant, ≤ 16 items).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from fairmas.constraints.builtin import payment_caps
from fairmas.constraints.registry import NO_CONSTRAINTS, ConstraintSet
from fairmas.formulations.mechanism import build_welfare_model, selected_projects
from fairmas.models.mechanism import MechanismInstance
from fairmas.registry import (
    Objective,
    Outcome,
    Parameters,
    Report,
    method,
    model_method,
    register_objective,
)
from fairmas.result import Status
from fairmas.solvers.highs_direct import CompiledModel
from fairmas.solvers.mechanism import (
    best_project_set,
    capped_proportional_payments,
    egalitarian_payments,
    proportional_payments,
    too_many_items,
    too_many_projects,
    vcg_payments,
    winner_determination_dp,
)
from fairmas.solvers.options import SolveOptions


class WelfareParameters(Parameters):
    """Parameters of ``welfare``."""

    payments: Literal["proportional", "egalitarian", "vcg"] = "proportional"
    """Payment rule reported for the chosen projects."""


@dataclass(frozen=True)
class MechanismProblem:
    """A mechanism instance and the payment rule."""

    instance: MechanismInstance
    payments: str
    constraints: ConstraintSet = NO_CONSTRAINTS
    """Plug-in constraints the ``milp`` method adds (:mod:`fairmas.constraints`)."""


def prepare(instance: MechanismInstance, params: WelfareParameters) -> MechanismProblem:
    """Nothing to precompute beyond the parameters."""
    return MechanismProblem(instance, params.payments)


def report(problem: MechanismProblem, outcome: Outcome) -> Report:
    """Σ_i v_i(S), the chosen projects, the payments and the budget balance."""
    instance = problem.instance
    selected = np.asarray(outcome.solution["selected"], dtype=bool)
    agent_values = instance.values[:, selected].sum(axis=1)
    cost = float(instance.costs[selected].sum())
    caps = payment_caps(problem.constraints, instance)
    if problem.payments == "proportional":
        if caps is None:
            payments = proportional_payments(agent_values, cost)
        else:
            payments = capped_proportional_payments(agent_values, cost, caps)
    elif problem.payments == "egalitarian":
        capped = agent_values if caps is None else np.minimum(agent_values, caps)
        payments = egalitarian_payments(capped, cost)
    else:
        payments = vcg_payments(agent_values, cost, np.asarray(outcome.solution["welfare_without"]))
    solution: dict[str, object] = {
        "projects": [instance.projects[k] for k in np.flatnonzero(selected)],
        "payments": {a: float(p) for a, p in zip(instance.agents, payments, strict=True)},
    }
    if instance.variant == "auction":
        assert instance.bundles is not None
        assert instance.bidder is not None
        solution["winning_bids"] = [
            {
                "name": instance.projects[b],
                "agent": instance.agents[int(instance.bidder[b])],
                "bundle": [instance.items[j] for j in np.flatnonzero(instance.bundles[b])],
                "value": float(instance.values[instance.bidder[b], b]),
            }
            for b in np.flatnonzero(selected)
        ]
    details: dict[str, object] = {
        "payment_rule": problem.payments,
        "cost": cost,
        "agent_values": {a: float(v) for a, v in zip(instance.agents, agent_values, strict=True)},
        "net_welfare": float(agent_values.sum()) - cost,
        "total_payments": float(payments.sum()),
        "budget_surplus": float(payments.sum()) - cost,
        "individually_rational": bool(np.all(payments <= agent_values + 1e-9)),
    }
    if caps is not None:
        details["payment_caps"] = {
            a: float(c) for a, c in zip(instance.agents, caps, strict=True) if np.isfinite(c)
        }
        details["payment_caps_respected"] = bool(np.all(payments <= caps + 1e-9))
    if problem.payments == "vcg":
        details["net_welfare_without"] = {
            a: float(v)
            for a, v in zip(instance.agents, outcome.solution["welfare_without"], strict=True)
        }
    return Report(value=float(agent_values.sum()), solution=solution, details=details)


WELFARE = register_objective(
    Objective(
        name="welfare",
        kind=MechanismInstance.kind,
        summary="projects (or winning bids) of maximum value whose cost the payments recover",
        sense="max",
        parameters=WelfareParameters,
        prepare=prepare,
        report=report,
    )
)


def _with_vcg(
    problem: MechanismProblem, selected: np.ndarray, solve_without: object, details: dict
) -> Outcome:
    solution: dict[str, object] = {"selected": selected}
    if problem.payments == "vcg":
        solution["welfare_without"] = [
            solve_without(i)  # type: ignore[operator]
            for i in range(problem.instance.n_agents)
        ]
    return Outcome(Status.OPTIMAL, solution, details=details)


class ReSolveError(Exception):
    """A VCG re-solve without one agent ended without an optimum."""


def build_model(problem: MechanismProblem, options: SolveOptions) -> object:
    """The welfare MILP of :func:`fairmas.formulations.mechanism.build_welfare_model`."""
    return build_welfare_model(problem.instance)


@model_method(
    WELFARE,
    "milp",
    exact=True,
    summary="Pyomo MILP on HiGHS (projects or set packing)",
    build=build_model,
)
def run_milp(problem: MechanismProblem, model: object, options: SolveOptions) -> Outcome:
    """The welfare MILP; VCG re-solves it without each agent (with the same constraints)."""
    compiled = CompiledModel(model)
    solved = compiled.solve(options)
    details: dict[str, object] = {"termination": solved.termination}
    if solved.status is not Status.OPTIMAL or solved.x is None:
        if solved.message:
            details["error"] = solved.message
        if solved.infeasible_constraints:
            details["infeasible_constraints"] = solved.infeasible_constraints
        return Outcome(solved.status, None, solved.bound, details)
    compiled.load_values(solved.x)
    selected = selected_projects(model)

    def without(agent: int) -> float:
        other = build_welfare_model(problem.instance, excluded_agent=agent, net_of_cost=True)
        problem.constraints.apply(other)
        result = CompiledModel(other).solve(options)
        if result.status is not Status.OPTIMAL or result.objective is None:
            raise ReSolveError(
                f"the VCG re-solve without {problem.instance.agents[agent]} ended "
                f"{result.status}" + (" under the constraints" if problem.constraints else "")
            )
        return float(result.objective)

    try:
        return _with_vcg(problem, selected, without, details)
    except ReSolveError as failed:
        return Outcome(Status.ERROR, None, None, {**details, "error": str(failed)})


@method(
    WELFARE,
    "brute_force",
    exact=True,
    summary="every project set (projects variant, ≤ 16 projects)",
    applies=lambda problem: too_many_projects(problem.instance),
)
def run_brute_force(problem: MechanismProblem, options: SolveOptions) -> Outcome:
    """Enumerate the 2^K project sets."""
    selected, _ = best_project_set(problem.instance)
    return _with_vcg(
        problem,
        selected,
        lambda agent: best_project_set(problem.instance, excluded_agent=agent, net_of_cost=True)[1],
        {"project_sets": 2**problem.instance.n_projects},
    )


@method(
    WELFARE,
    "subset_dp",
    exact=True,
    summary="winner determination by DP over item sets (auction variant, ≤ 16 items)",
    applies=lambda problem: too_many_items(problem.instance),
)
def run_subset_dp(problem: MechanismProblem, options: SolveOptions) -> Outcome:
    """The subset DP over items, agent by agent (XOR bids)."""
    selected, _ = winner_determination_dp(problem.instance)
    return _with_vcg(
        problem,
        selected,
        lambda agent: winner_determination_dp(problem.instance, excluded_agent=agent)[1],
        {"item_sets": 2 ** len(problem.instance.items)},
    )
