"""Objective ``nash``: proportional fairness, max Σ_i w_i log v_i(x) (seed 000, 4.2.3).

With divisible goods this is the Eisenberg–Gale program: its optimum is the
Fisher-market equilibrium with budgets w_i, and the Result carries the
equilibrium ``prices`` and the checked optimality ``certificate`` (market
clearing, budgets spent, maximum bang per buck). With indivisible goods it is
the maximum Nash welfare allocation of Caragiannis et al.

Positive-utility rule: when not every agent can get positive utility at once
(an agent who values nothing; too few goods), Nash welfare is −inf for every
allocation. Then, as Caragiannis et al. do, the methods first give positive
utility to as many agents as possible and maximize Σ w_i log v_i over those;
the value is Σ w_i log v_i(x) over the agents with v_i(x) > 0, and
``details.positive_utility_rule`` says so.

Parameter ``tolerance``: relative gap at which the iterative methods stop
(default 1e-9).

Methods, in order of preference:

``interior_point``
    Divisible goods, no caps: a primal–dual interior point on the
    Eisenberg–Gale dual in log-prices finds the trading graph; the exact
    equilibrium on it is returned once its certificate holds at 1e-9
    (:func:`fairmas.solvers.nash_interior.nash_interior_point`).
``outer_approximation``
    Cutting planes on HiGHS: tangents of log (divisible goods; the result is
    polished into the exact equilibrium of its trading graph), secants at
    whole numbers (indivisible goods with whole-number values: exact), each
    added where the incumbent is (:func:`fairmas.solvers.nash.nash_outer_approximation`).
``proportional_response``
    Proportional response dynamics (divisible goods, no caps), stopped on the
    Eisenberg–Gale duality gap; independent of the LP.
``brute_force``
    Every integer allocation (indivisible goods, small instances).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from fairmas.models.allocation import AllocationInstance
from fairmas.objectives.allocation_common import (
    AllocationProblem,
    allocation_report,
    as_outcome,
    needs_brute_force_size,
    needs_divisible,
    prepare_allocation,
)
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers.enumeration import all_allocations, allocation_at, log_or_minus_inf
from fairmas.solvers.nash import (
    equilibrium_certificate,
    nash_outer_approximation,
    positive_agents,
    proportional_response,
)
from fairmas.solvers.nash_interior import nash_interior_point
from fairmas.solvers.options import SolveOptions


class NashParameters(Parameters):
    """Parameters of ``nash``."""

    tolerance: Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)] = 1e-9
    """Relative gap at which outer approximation and proportional response stop."""


def prepare(instance: AllocationInstance, params: NashParameters) -> AllocationProblem:
    """The shared allocation data (agents who value nothing are handled by the methods)."""
    return prepare_allocation(instance, params)


def report(problem: AllocationProblem, outcome: Outcome) -> Report:
    """Σ w_i log v_i(x) over agents with positive utility; prices and certificate when divisible."""
    instance = problem.instance
    x = np.asarray(outcome.solution, dtype=np.float64)
    utilities = (instance.values * x).sum(axis=1)
    positive = utilities > 0
    value = float(np.dot(instance.entitlements[positive], np.log(utilities[positive])))
    extra: dict[str, object] = {}
    if not positive.all():
        zero = [instance.agents[i] for i in np.flatnonzero(~positive)]
        nobody = [instance.agents[i] for i in np.flatnonzero(~positive_agents(instance))]
        reason = (
            f"{', '.join(nobody)} value(s) nothing they can hold"
            if nobody
            else "not every agent can get positive utility at once"
        )
        extra["positive_utility_rule"] = (
            f"Nash welfare is −inf ({reason}); maximized Σ w_i log v_i over the agents with "
            f"positive utility (Caragiannis et al.); utility 0 for: {', '.join(zero)}"
        )
        extra["zero_utility_agents"] = zero
    prices = outcome.details.get("prices")
    if prices is not None and instance.all_divisible:
        extra["certificate"] = equilibrium_certificate(instance, x, np.asarray(prices))
    return allocation_report(problem, outcome, value, extra)


NASH = register_objective(
    Objective(
        name="nash",
        kind=AllocationInstance.kind,
        summary="allocation maximizing Σ w_i log v_i(x) (proportional fairness, Eisenberg–Gale)",
        sense="max",
        parameters=NashParameters,
        prepare=prepare,
        report=report,
    )
)


def needs_fisher_market(problem: AllocationProblem) -> str | None:
    """Proportional response and the interior point need divisible goods and no caps."""
    reason = needs_divisible(problem)
    if reason is not None:
        return f"{reason}; use outer_approximation"
    if np.isfinite(problem.instance.caps).any():
        return "needs an instance without caps (a plain Fisher market); use outer_approximation"
    return None


@method(
    NASH,
    "interior_point",
    exact=True,
    summary="interior point on the prices finds the trading graph, then the exact equilibrium "
    "on it, certified (divisible, no caps)",
    applies=needs_fisher_market,
)
def run_interior_point(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """The equilibrium of the interior point's trading forest, once its certificate holds."""
    return as_outcome(nash_interior_point(problem.instance, options))


@method(
    NASH,
    "outer_approximation",
    exact=True,
    summary="cutting planes on HiGHS: tangents of log (divisible), secants at whole numbers "
    "(indivisible MILP)",
    constraints=True,
)
def run_outer_approximation(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Kelley's cutting planes until the bound meets Σ w log v within the tolerance."""
    return as_outcome(
        nash_outer_approximation(
            problem.instance,
            options,
            problem.params.tolerance,
            extend=problem.constraints.apply if problem.constraints else None,
        )
    )


@method(
    NASH,
    "proportional_response",
    exact=True,
    summary="proportional response dynamics, stopped on the Eisenberg–Gale duality gap",
    applies=needs_fisher_market,
)
def run_proportional_response(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Bids re-split in proportion to utility until the duality gap closes."""
    solved = proportional_response(
        problem.instance, problem.params.tolerance, time_limit=options.time_limit
    )
    return as_outcome(solved)


@method(
    NASH,
    "brute_force",
    exact=True,
    summary="every integer allocation (indivisible goods, small instances)",
    applies=needs_brute_force_size,
)
def run_brute_force(problem: AllocationProblem, options: SolveOptions) -> Outcome:
    """Most agents with positive utility first, then the largest Σ w log v among them."""
    instance = problem.instance
    utilities, splits, choice = all_allocations(instance)
    count = (utilities > 0).sum(axis=1)
    logs = np.where(utilities > 0, log_or_minus_inf(utilities), 0.0)
    welfare = logs @ instance.entitlements
    welfare = np.where(count == count.max(), welfare, -np.inf)
    best = int(np.argmax(welfare))
    x = allocation_at(splits, choice, best)
    return Outcome(Status.OPTIMAL, x, details={"allocations": len(utilities)})
