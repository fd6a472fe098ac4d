"""Objective ``max_min``: maximize the smallest utility, weighted by entitlements (seed 000, 4.2.2).

max_x min_i v_i(x) / w_i subject to Σ_i x_ij ≤ R_j (and caps); the value is
min_i v_i(x)/w_i recomputed from the allocation.

Methods, in order of preference:

``milp``
    :func:`fairmas.formulations.allocation.build_max_min_model` on HiGHS (an LP
    with divisible goods, a MILP with indivisible ones).
``brute_force``
    Every integer allocation (indivisible goods, small instances).
"""

from __future__ import annotations

import numpy as np

from fairmas.formulations.allocation import build_max_min_model
from fairmas.models.allocation import AllocationInstance
from fairmas.objectives.allocation_common import (
    AllocationProblem,
    allocation_report,
    as_outcome,
    needs_brute_force_size,
    prepare_allocation,
    weighted_utilities,
)
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
from fairmas.solvers.allocation_lp import solve_allocation_model
from fairmas.solvers.enumeration import all_allocations, allocation_at
from fairmas.solvers.options import SolveOptions


class MaxMinParameters(Parameters):
    """``max_min`` has no parameters (entitlements come from the instance)."""


def report(problem: AllocationProblem, outcome: Outcome) -> Report:
    """The weighted minimum utility of the allocation, and every fairness metric."""
    x = np.asarray(outcome.solution, dtype=np.float64)
    value = float(weighted_utilities(problem.instance, x).min())
    return allocation_report(problem, outcome, value)


MAX_MIN = register_objective(
    Objective(
        name="max_min",
        kind=AllocationInstance.kind,
        summary="allocation maximizing the smallest utility v_i(x)/w_i",
        sense="max",
        parameters=MaxMinParameters,
        prepare=prepare_allocation,
        report=report,
    )
)


def build_model(problem: AllocationProblem, options: SolveOptions) -> object:
    """The max-min model of :func:`fairmas.formulations.allocation.build_max_min_model`."""
    return build_max_min_model(problem.instance)


@model_method(
    MAX_MIN,
    "milp",
    exact=True,
    summary="Pyomo LP/MILP on HiGHS (max t, t ≤ v_i(x)/w_i)",
    build=build_model,
)
def run_milp(problem: AllocationProblem, model: object, options: SolveOptions) -> Outcome:
    """The max-min model, compiled straight into HiGHS."""
    return as_outcome(solve_allocation_model(model, problem.instance, options))


@method(
    MAX_MIN,
    "brute_force",
    exact=True,
    summary="every integer allocation (indivisible goods, small instances)",
    applies=needs_brute_force_size,
)
def run_brute_force(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Enumerate all allocations; keep the best weighted minimum."""
    instance = problem.instance
    utilities, splits, choice = all_allocations(instance)
    best = int(np.argmax((utilities / instance.entitlements[None, :]).min(axis=1)))
    x = allocation_at(splits, choice, best)
    return Outcome(Status.OPTIMAL, x, details={"allocations": len(utilities)})
