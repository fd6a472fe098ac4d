"""Objective ``min_gap``: the smallest spread of utilities max_i v_i − min_i v_i (seed 000, 4.2.1).

min U − L subject to L ≤ v_i(x) ≤ U for every agent and the efficiency floor
Σ_i v_i(x) ≥ (1 − ε)·W*, W* the maximum welfare (DESIGN.md section 3: without
the floor, giving nothing to anyone has gap 0). Utilities are not weighted.

Parameter ``epsilon`` ∈ [0, 1] (default 0: only welfare-maximal allocations).

With plug-in constraints (:mod:`fairmas.constraints`) W* is the maximum welfare
*under the same constraints* (one more LP/MILP, solved first): the floor then
keeps the allocations that are nearly efficient among the admissible ones,
rather than making e.g. envy-freeness infeasible at ε = 0.

Methods: ``milp`` (Pyomo LP/MILP on HiGHS), ``brute_force`` (indivisible goods,
small instances).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from fairmas.formulations.allocation import build_min_gap_model, build_utilitarian_model
from fairmas.models.allocation import AllocationInstance
from fairmas.objectives.allocation_common import (
    AllocationProblem,
    allocation_report,
    as_outcome,
    needs_brute_force_size,
    prepare_allocation,
)
from fairmas.registry import (
    ModelForm,
    Objective,
    Outcome,
    Parameters,
    Report,
    method,
    register_objective,
)
from fairmas.result import Status
from fairmas.solvers.allocation_lp import solve_allocation_model
from fairmas.solvers.enumeration import all_allocations, allocation_at
from fairmas.solvers.highs_direct import CompiledModel
from fairmas.solvers.options import SolveOptions

FLOOR_SLACK = 1e-9
"""The floor is applied as (1 − ε)·W* − FLOOR_SLACK·max(1, W*) by every method alike."""


class MinGapParameters(Parameters):
    """Parameters of ``min_gap``."""

    epsilon: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.0
    """Welfare may fall this fraction below the maximum welfare."""


def welfare_floor(problem: AllocationProblem, optimum: float | None = None) -> float:
    """(1 − ε)·W*, slightly relaxed by :data:`FLOOR_SLACK` (W*: the unconstrained optimum
    unless ``optimum`` is given)."""
    optimum = problem.utilitarian_optimum if optimum is None else optimum
    floor = (1.0 - problem.params.epsilon) * optimum
    return floor - FLOOR_SLACK * max(1.0, optimum)


def constrained_welfare(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Maximum welfare under the problem's plug-in constraints (the W* of the floor).

    Returns an Outcome whose ``details["max_welfare"]`` is W* when optimal;
    otherwise its status (``infeasible``: the constraints admit no allocation).
    """
    model = build_utilitarian_model(problem.instance)
    problem.constraints.apply(model)
    solved = CompiledModel(model).solve(options)
    details: dict[str, object] = {
        "stage": "maximum welfare under the constraints",
        "termination": solved.termination,
    }
    if solved.infeasible_constraints:
        details["infeasible_constraints"] = solved.infeasible_constraints
    if solved.status is not Status.OPTIMAL or solved.objective is None:
        if solved.message:
            details["error"] = solved.message
        return Outcome(solved.status, None, None, details)
    return Outcome(Status.OPTIMAL, None, None, {"max_welfare": float(solved.objective)})


def report(problem: AllocationProblem, outcome: Outcome) -> Report:
    """The utility gap of the allocation, and every fairness metric."""
    x = np.asarray(outcome.solution, dtype=np.float64)
    utilities = (problem.instance.values * x).sum(axis=1)
    value = float(utilities.max() - utilities.min())
    floor = outcome.details.get("welfare_floor", welfare_floor(problem))
    return allocation_report(problem, outcome, value, {"welfare_floor": floor})


MIN_GAP = register_objective(
    Objective(
        name="min_gap",
        kind=AllocationInstance.kind,
        summary="allocation with the smallest utility gap among nearly welfare-maximal ones",
        sense="min",
        parameters=MinGapParameters,
        prepare=prepare_allocation,
        report=report,
    )
)


def build_model(problem: AllocationProblem, options: SolveOptions) -> object:
    """The min-gap model with the efficiency floor (W* under the constraints, if any)."""
    floor = welfare_floor(problem)
    if problem.constraints:
        first = constrained_welfare(problem, options)
        # infeasible constraints: any floor gives the same infeasible model
        floor = welfare_floor(problem, first.details.get("max_welfare", 0.0))
    model = build_min_gap_model(problem.instance, floor)
    model.fairmas_welfare_floor = floor
    return model


def solve_model(problem: AllocationProblem, model: object, options: SolveOptions) -> Outcome:
    """Compile the min-gap model straight into HiGHS and decode the allocation."""
    outcome = as_outcome(solve_allocation_model(model, problem.instance, options))
    floor = getattr(model, "fairmas_welfare_floor", None)
    if floor is not None:
        outcome.details["welfare_floor"] = floor
    return outcome


@method(
    MIN_GAP,
    "milp",
    exact=True,
    summary="Pyomo LP/MILP on HiGHS (min U − L, 2n rows)",
    constraints=True,
)
def run_milp(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """The min-gap model with the efficiency floor, compiled straight into HiGHS.

    With plug-in constraints, W* is solved for first under them; a first stage
    that does not end optimal (infeasible constraints, time limit) ends the method.
    """
    if problem.constraints:
        first = constrained_welfare(problem, options)
        if first.status is not Status.OPTIMAL:
            return first
        floor = welfare_floor(problem, first.details["max_welfare"])
        model = build_min_gap_model(problem.instance, floor)
        problem.constraints.apply(model)
        outcome = as_outcome(solve_allocation_model(model, problem.instance, options))
        outcome.details.update(
            {"welfare_floor": floor, "max_welfare_under_constraints": first.details["max_welfare"]}
        )
        return outcome
    model = build_min_gap_model(problem.instance, welfare_floor(problem))
    return as_outcome(solve_allocation_model(model, problem.instance, options))


MIN_GAP.model_form = ModelForm("milp", build_model, solve_model)


@method(
    MIN_GAP,
    "brute_force",
    exact=True,
    summary="every integer allocation (indivisible goods, small instances)",
    applies=needs_brute_force_size,
)
def run_brute_force(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Enumerate all allocations above the floor; keep the smallest gap."""
    utilities, splits, choice = all_allocations(problem.instance)
    gaps = utilities.max(axis=1) - utilities.min(axis=1)
    gaps = np.where(utilities.sum(axis=1) >= welfare_floor(problem), gaps, np.inf)
    best = int(np.argmin(gaps))
    if not np.isfinite(gaps[best]):
        return Outcome(Status.INFEASIBLE, details={"allocations": len(utilities)})
    x = allocation_at(splits, choice, best)
    return Outcome(Status.OPTIMAL, x, details={"allocations": len(utilities)})
