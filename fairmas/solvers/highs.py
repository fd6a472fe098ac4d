"""Solve a Pyomo model with HiGHS and report how it ended, never raising from inside Pyomo.

Interface: Pyomo's ``pyomo.contrib.solver`` HiGHS interface (``"highs"`` in the
new solver factory). Why this one: it is where Pyomo's maintenance goes (the
redesigned solver interfaces that supersede APPSI; the legacy
``SolverFactory("highs")`` is a wrapper around this same class), it hands the
model to highspy in memory with no LP file written and parsed, and it loads a
model at least as fast as the other in-memory interface, APPSI's
``appsi_highs``: 4 to 12 % faster on max-min LPs of 10⁴ to 9·10⁴ variables,
and within a few milliseconds either way on small ones
(``benchmarks/bench_highs_interfaces.py``, BENCHMARKS.md). Its ``time_limit``,
``rel_gap`` and ``threads`` map to HiGHS' ``time_limit``, ``mip_rel_gap`` and
``threads`` options.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from fairmas.result import Status, relative_gap
from fairmas.solvers.options import SolveOptions

_STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: Status.OPTIMAL,
    TerminationCondition.provenInfeasible: Status.INFEASIBLE,
    TerminationCondition.locallyInfeasible: Status.INFEASIBLE,
    TerminationCondition.unbounded: Status.UNBOUNDED,
    TerminationCondition.infeasibleOrUnbounded: Status.INFEASIBLE_OR_UNBOUNDED,
    TerminationCondition.maxTimeLimit: Status.MAX_TIME_LIMIT,
}
"""Pyomo termination → fairmas status. Iteration and objective limits stop early with
an incumbent (``feasible``) or without (``error``); anything else is ``error``."""


@dataclass(frozen=True)
class ModelOutcome:
    """How a HiGHS solve of a Pyomo model ended.

    Attributes
    ----------
    status : Status
    objective : float or None
        Objective of the loaded incumbent (None without one).
    bound : float or None
        Best proven bound (the dual bound of a MILP; the optimum of an LP).
    has_solution : bool
        Whether the model's variables hold the incumbent.
    termination : str
        Pyomo's termination condition, for the record.
    message : str
        Why a solve ended with ``error``.
    """

    status: Status
    objective: float | None
    bound: float | None
    has_solution: bool
    termination: str
    message: str = ""

    @property
    def gap(self) -> float | None:
        """Relative gap between incumbent and bound."""
        return relative_gap(self.objective, self.bound)


def solve_model(
    model: pyo.ConcreteModel,
    options: SolveOptions | None = None,
    *,
    solver_options: dict[str, object] | None = None,
) -> ModelOutcome:
    """Solve ``model`` with HiGHS and load the incumbent into its variables.

    Parameters
    ----------
    model : pyomo.environ.ConcreteModel
        A linear or mixed-integer linear model with one active objective.
    options : SolveOptions, optional
    solver_options : dict, optional
        Further HiGHS options by their HiGHS names (e.g.
        ``{"mip_feasibility_tolerance": 1e-9}``).

    Returns
    -------
    ModelOutcome
        Never raises for infeasible, unbounded or time-limited models; a failure
        inside Pyomo or HiGHS becomes status ``error`` with the message.

    Notes
    -----
    When HiGHS can only say "infeasible or unbounded" (its presolve does not
    tell them apart), the model is solved once more without presolve, as the
    HiGHS documentation advises, to name the case.

    Examples
    --------
    >>> m = pyo.ConcreteModel()
    >>> m.x = pyo.Var(bounds=(0, 4), domain=pyo.Integers)
    >>> m.c = pyo.Constraint(expr=2 * m.x <= 7)
    >>> m.obj = pyo.Objective(expr=m.x, sense=pyo.maximize)
    >>> outcome = solve_model(m)
    >>> outcome.status, outcome.objective, pyo.value(m.x)
    (<Status.OPTIMAL: 'optimal'>, 3.0, 3.0)
    >>> m.c2 = pyo.Constraint(expr=m.x >= 5)
    >>> solve_model(m).status
    <Status.INFEASIBLE: 'infeasible'>
    """
    options = options or SolveOptions()
    extra = dict(solver_options or {})
    outcome = _solve_once(model, options, extra)
    if outcome.status is Status.INFEASIBLE_OR_UNBOUNDED:
        outcome = _solve_once(model, options, {**extra, "presolve": "off"})
    return outcome


def _solve_once(
    model: pyo.ConcreteModel, options: SolveOptions, solver_options: dict[str, object]
) -> ModelOutcome:
    solver = SolverFactory("highs")
    started = time.perf_counter()
    try:
        results = solver.solve(
            model,
            tee=options.verbose,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=options.time_limit,
            rel_gap=options.mip_gap,
            threads=options.threads,
            solver_options=solver_options,
        )
    except Exception as exc:  # a model HiGHS cannot take, or a failure inside Pyomo
        return ModelOutcome(
            Status.ERROR, None, None, False, "error", f"{type(exc).__name__}: {exc}"
        )
    has_solution = results.solution_status in (SolutionStatus.feasible, SolutionStatus.optimal)
    if has_solution:
        results.solution_loader.load_vars()
    termination = results.termination_condition
    status = _STATUS.get(termination)
    if status is None:
        status = Status.FEASIBLE if has_solution else Status.ERROR
    bound = results.objective_bound
    if bound is not None and not math.isfinite(bound):
        bound = None  # HiGHS reports ±inf when it has no bound yet
    message = ""
    if status is Status.ERROR:
        message = f"HiGHS ended with {termination.name} after {time.perf_counter() - started:.3g} s"
    return ModelOutcome(
        status=status,
        objective=results.incumbent_objective if has_solution else None,
        bound=bound,
        has_solution=has_solution,
        termination=termination.name,
        message=message,
    )
