"""Objective ``leximin``: the lexicographic maximum of the sorted weighted utilities.

Maximize the smallest v_i(x)/w_i, then the second smallest without lowering
the first, and so on. The value is the smallest weighted utility (the
max-min value); ``details.sorted_weighted_utilities`` holds the whole sorted
vector, which every exact method must match.

Methods, in order of preference:

``saturation``
    Divisible goods: one max-min LP per level, saturated agents found from the
    duals and fixed (Ogryczak et al.; :func:`fairmas.solvers.allocation_lp.leximin_by_saturation`).
``ordered_outcomes``
    Any goods: lexicographically maximize the sums of the k smallest
    outcomes, one LP/MILP per k (Ogryczak & Śliwiński 2003).
``brute_force``
    Every integer allocation (indivisible goods, small instances).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fairmas.models.allocation import AllocationInstance
from fairmas.objectives.allocation_common import (
    AllocationProblem,
    allocation_report,
    as_outcome,
    needs_brute_force_size,
    needs_divisible,
    prepare_allocation,
    weighted_utilities,
)
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers.allocation_lp import leximin_by_ordered_outcomes, leximin_by_saturation
from fairmas.solvers.enumeration import all_allocations, allocation_at, lexicographic_best
from fairmas.solvers.options import SolveOptions


class LeximinParameters(Parameters):
    """``leximin`` has no parameters (entitlements come from the instance)."""


def report(problem: AllocationProblem, outcome: Outcome) -> Report:
    """The smallest weighted utility as value; the whole sorted vector in details."""
    x = np.asarray(outcome.solution, dtype=np.float64)
    levels = np.sort(weighted_utilities(problem.instance, x))
    return allocation_report(
        problem, outcome, float(levels[0]), {"sorted_weighted_utilities": levels.tolist()}
    )


LEXIMIN = register_objective(
    Objective(
        name="leximin",
        kind=AllocationInstance.kind,
        summary="allocation whose sorted weighted utilities are lexicographically largest",
        sense="max",
        parameters=LeximinParameters,
        prepare=prepare_allocation,
        report=report,
    )
)


def _extend(problem: AllocationProblem) -> Callable[[Any], None] | None:
    """The hook adding the problem's plug-in constraints to a model, if it has any."""
    return problem.constraints.apply if problem.constraints else None


@method(
    LEXIMIN,
    "saturation",
    exact=True,
    summary="max-min LP per level, saturated agents fixed by their duals (divisible goods)",
    applies=needs_divisible,
    constraints=True,
)
def run_saturation(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Leximin by saturation, one warm LP re-solve per level."""
    return as_outcome(leximin_by_saturation(problem.instance, options, extend=_extend(problem)))


@method(
    LEXIMIN,
    "ordered_outcomes",
    exact=True,
    summary="sums of the k smallest outcomes maximized in turn (LP or MILP; any goods)",
    constraints=True,
)
def run_ordered_outcomes(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Leximin by ordered outcomes, n LP/MILP solves."""
    return as_outcome(
        leximin_by_ordered_outcomes(problem.instance, options, extend=_extend(problem))
    )


@method(
    LEXIMIN,
    "brute_force",
    exact=True,
    summary="every integer allocation (indivisible goods, small instances)",
    applies=needs_brute_force_size,
)
def run_brute_force(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Enumerate all allocations; keep the lexicographically best sorted vector."""
    instance = problem.instance
    utilities, splits, choice = all_allocations(instance)
    keys = np.sort(utilities / instance.entitlements[None, :], axis=1)
    x = allocation_at(splits, choice, lexicographic_best(keys))
    return Outcome(Status.OPTIMAL, x, details={"allocations": len(utilities)})
