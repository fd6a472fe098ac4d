"""What the allocation objectives share: preparation, the named solution, metrics, applicability.

Not an objective itself: ``max_min``, ``leximin``, ``min_gap`` and ``nash``
import it. Every allocation Result carries the fairness metrics of
:mod:`fairmas.metrics` in its ``details``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fairmas.constraints.registry import NO_CONSTRAINTS, ConstraintSet
from fairmas.metrics import fairness_metrics
from fairmas.models.allocation import AllocationInstance
from fairmas.registry import Outcome, Parameters, Report
from fairmas.solvers.allocation_lp import AllocationSolve, utilitarian_optimum
from fairmas.solvers.enumeration import enumeration_too_large


@dataclass(frozen=True)
class AllocationProblem:
    """An allocation instance with the data every method shares."""

    instance: AllocationInstance
    params: Parameters
    utilitarian_optimum: float
    brute_force_reason: str | None
    constraints: ConstraintSet = NO_CONSTRAINTS
    """Plug-in constraints every model-building method adds (:mod:`fairmas.constraints`)."""


def prepare_allocation(instance: AllocationInstance, params: Parameters) -> AllocationProblem:
    """Compute the utilitarian optimum (closed form) and whether brute force applies, once."""
    welfare, _ = utilitarian_optimum(instance)
    return AllocationProblem(instance, params, welfare, enumeration_too_large(instance))


def named_allocation(instance: AllocationInstance, x: np.ndarray) -> dict[str, Any]:
    """``{"allocation": {agent: {resource: amount}}, "utilities": {agent: u}}``, amounts > 0."""
    utilities = (instance.values * x).sum(axis=1)
    allocation = {
        agent: {
            resource: _plain(x[i, j])
            for j, resource in enumerate(instance.resources)
            if x[i, j] > 0
        }
        for i, agent in enumerate(instance.agents)
    }
    return {
        "allocation": allocation,
        "utilities": {agent: float(u) for agent, u in zip(instance.agents, utilities, strict=True)},
    }


def _plain(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() else value


def allocation_report(
    problem: AllocationProblem, outcome: Outcome, value: float, extra: dict[str, Any] | None = None
) -> Report:
    """The Report of an allocation objective: named solution and every fairness metric."""
    x = np.asarray(outcome.solution, dtype=np.float64)
    details = fairness_metrics(problem.instance, x, problem.utilitarian_optimum)
    details.update(problem.params.model_dump())
    details.update(extra or {})
    return Report(value=value, solution=named_allocation(problem.instance, x), details=details)


def as_outcome(solved: AllocationSolve) -> Outcome:
    """An allocation solver's answer as the registry's Outcome."""
    return Outcome(
        status=solved.status, solution=solved.x, bound=solved.bound, details=solved.details
    )


def weighted_utilities(instance: AllocationInstance, x: np.ndarray) -> np.ndarray:
    """v_i(x) / w_i."""
    return (instance.values * x).sum(axis=1) / instance.entitlements


def needs_brute_force_size(problem: AllocationProblem) -> str | None:
    """Why ``brute_force`` cannot run (divisible goods, too many allocations), or None."""
    if problem.brute_force_reason is None:
        return None
    return f"{problem.brute_force_reason}; use the other methods"


def needs_divisible(problem: AllocationProblem) -> str | None:
    """Why an LP-only method cannot run (an indivisible resource), or None."""
    indivisible = np.flatnonzero(~problem.instance.divisible)
    if indivisible.size == 0:
        return None
    name = problem.instance.resources[int(indivisible[0])]
    return f"needs divisible resources only, but {name!r} comes in whole units"
