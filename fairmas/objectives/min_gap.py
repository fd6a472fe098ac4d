"""Objective ``min_gap``: the smallest spread of utilities max_i v_i − min_i v_i (seed 000, 4.2.1).

min U − L subject to L ≤ v_i(x) ≤ U for every agent and the efficiency floor
Σ_i v_i(x) ≥ (1 − ε)·W*, W* the maximum welfare (DESIGN.md section 3: without
the floor, giving nothing to anyone has gap 0). Utilities are not weighted.

Parameter ``epsilon`` ∈ [0, 1] (default 0: only welfare-maximal allocations).

Methods: ``milp`` (Pyomo LP/MILP on HiGHS), ``brute_force`` (indivisible goods,
small instances).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from fairmas.formulations.allocation import build_min_gap_model
from fairmas.models.allocation import AllocationInstance
from fairmas.objectives.allocation_common import (
    AllocationProblem,
    allocation_report,
    as_outcome,
    needs_brute_force_size,
    prepare_allocation,
)
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers.allocation_lp import solve_allocation_model
from fairmas.solvers.enumeration import all_allocations, allocation_at
from fairmas.solvers.options import SolveOptions

FLOOR_SLACK = 1e-9
"""The floor is applied as (1 − ε)·W* − FLOOR_SLACK·max(1, W*) by every method alike."""


class MinGapParameters(Parameters):
    """Parameters of ``min_gap``."""

    epsilon: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.0
    """Welfare may fall this fraction below the maximum welfare."""


def welfare_floor(problem: AllocationProblem) -> float:
    """(1 − ε)·W*, slightly relaxed by :data:`FLOOR_SLACK`."""
    optimum = problem.utilitarian_optimum
    floor = (1.0 - problem.params.epsilon) * optimum
    return floor - FLOOR_SLACK * max(1.0, optimum)


def report(problem: AllocationProblem, outcome: Outcome) -> Report:
    """The utility gap of the allocation, and every fairness metric."""
    x = np.asarray(outcome.solution, dtype=np.float64)
    utilities = (problem.instance.values * x).sum(axis=1)
    value = float(utilities.max() - utilities.min())
    return allocation_report(problem, outcome, value, {"welfare_floor": welfare_floor(problem)})


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


@method(MIN_GAP, "milp", exact=True, summary="Pyomo LP/MILP on HiGHS (min U − L, 2n rows)")
def run_milp(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """The min-gap model with the efficiency floor, compiled straight into HiGHS."""
    model = build_min_gap_model(problem.instance, welfare_floor(problem))
    return as_outcome(solve_allocation_model(model, problem.instance, options))


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
