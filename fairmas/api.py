"""The Python API: :func:`load`, :func:`solve` and :func:`compare`.

Examples
--------
>>> import fairmas
>>> net = fairmas.TrustNetwork.from_edges(
...     ["a", "b", "c", "d"],
...     [("a", "b", 0.9), ("b", "a", 0.8), ("c", "d", 0.7), ("d", "c", 0.9), ("b", "c", 0.1)],
... )
>>> result = fairmas.solve(net, "min_cut_partition")
>>> str(result.status), result.method, round(result.value, 6), result.solution["coalitions"]
('optimal', 'noi', 3.3, [['a', 'b'], ['c', 'd']])
>>> [(r.method, round(r.value, 6)) for r in fairmas.compare(net, "min_cut_partition")]
[('noi', 3.3), ('milp', 3.3), ('mt_st_cut', 3.3), ('stoer_wagner', 3.3),
 ('subset_dp', 3.3), ('greedy_split', 3.3), ('gomory_hu', 3.3)]
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import fairmas.objectives  # noqa: F401  (fills the registry)
from fairmas.errors import InstanceError, MethodNotApplicableError, ParameterError
from fairmas.models import Instance, load_instance
from fairmas.registry import OBJECTIVES, Method, Objective, get_objective, values_agree
from fairmas.result import Result, Status, relative_gap
from fairmas.solvers.options import DEFAULT_MIP_GAP, SolveOptions


def load(path: str | Path, format: str | None = None) -> Instance:
    """Read and validate an instance file (YAML, JSON or TOML by extension).

    ``format="odpip"`` reads an ODP-IP value file as a ``coalition_game``.
    """
    return load_instance(path, format)


def _as_instance(instance: Instance | str | Path) -> Instance:
    return load_instance(instance) if isinstance(instance, str | Path) else instance


def _check_kind(objective: Objective, instance: Instance) -> None:
    if instance.kind not in objective.kinds:
        raise InstanceError(
            instance.origin,
            "kind",
            f"objective {objective.name} needs a {' or '.join(objective.kinds)} instance, "
            f"not {instance.kind}",
        )


def _run(objective: Objective, chosen: Method, problem: Any, options: SolveOptions) -> Result:
    started = time.perf_counter()
    chosen.warm_up()
    warm_up_time = time.perf_counter() - started
    started = time.perf_counter()
    outcome = chosen.run(problem, options)
    wall_time = time.perf_counter() - started
    details = dict(outcome.details)
    if warm_up_time > 1e-3:
        details["warm_up_time"] = warm_up_time
    if outcome.solution is None:
        return Result(
            objective.name,
            chosen.name,
            outcome.status,
            None,
            outcome.bound,
            None,
            wall_time,
            {},
            details,
        )
    report = objective.report(problem, outcome)
    bound = outcome.bound
    if outcome.status is Status.OPTIMAL and chosen.exact and bound is None:
        bound = report.value
    return Result(
        objective=objective.name,
        method=chosen.name,
        status=outcome.status,
        value=report.value,
        bound=bound,
        gap=relative_gap(report.value, bound),
        wall_time=wall_time,
        solution=report.solution,
        details={**report.details, **details},
    )


def _first_applicable(objective: Objective, problem: Any) -> Method:
    reasons = []
    for candidate in objective.methods.values():
        reason = candidate.applies(problem)
        if reason is None:
            return candidate
        reasons.append(f"{candidate.name} {reason}")
    raise MethodNotApplicableError("(any)", "; ".join(reasons))


def solve(
    instance: Instance | str | Path,
    objective: str,
    method: str | None = None,
    *,
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    verbose: bool = False,
    **params: Any,
) -> Result:
    """Solve ``objective`` on ``instance`` with one method.

    Parameters
    ----------
    instance : Instance or path
        A loaded instance, or the path of an instance file.
    objective : str
        A registered objective, e.g. ``"min_cut_partition"``.
    method : str, optional
        A method of that objective; by default the first (fastest) one that
        applies to the instance.
    time_limit, mip_gap, threads, verbose
        See :class:`fairmas.solvers.options.SolveOptions`.
    **params
        The objective's parameters, e.g. ``relation="trust_utility"``.

    Returns
    -------
    Result
        Infeasible, unbounded and time-limited solves are statuses, not exceptions.

    Raises
    ------
    InstanceError, ParameterError, MethodNotApplicableError
        For bad input: the message names the field or option and the rule.
    """
    chosen_objective = get_objective(objective)
    instance = _as_instance(instance)
    _check_kind(chosen_objective, instance)
    parsed = chosen_objective.parse_params(params)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, verbose=verbose)
    problem = chosen_objective.prepare(instance, parsed)
    if method is not None:
        chosen = chosen_objective.get_method(method)
        reason = chosen.applies(problem)
        if reason is not None:
            raise MethodNotApplicableError(chosen.name, reason)
    else:
        chosen = _first_applicable(chosen_objective, problem)
    return _run(chosen_objective, chosen, problem, options)


def compare(
    instance: Instance | str | Path,
    objective: str,
    methods: Iterable[str] | None = None,
    *,
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    **params: Any,
) -> list[Result]:
    """Run several methods of one objective on one instance and check that they agree.

    The instance is prepared once. A method that does not apply is reported
    with status ``error`` and the reason in ``details["error"]``. Every Result
    gets ``details["agrees"]``: whether its value matches the best value of the
    exact methods that finished optimally (within
    :data:`fairmas.registry.AGREEMENT_RTOL`), or None when there is nothing to
    compare.

    Parameters
    ----------
    methods : iterable of str, optional
        Default: every registered method of the objective.

    Returns
    -------
    list of Result
        In the order of ``methods``.
    """
    chosen_objective = get_objective(objective)
    instance = _as_instance(instance)
    _check_kind(chosen_objective, instance)
    parsed = chosen_objective.parse_params(params)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    names = list(methods) if methods is not None else list(chosen_objective.methods)
    chosen = [chosen_objective.get_method(name) for name in names]
    problem = chosen_objective.prepare(instance, parsed)

    results = []
    for candidate in chosen:
        reason = candidate.applies(problem)
        if reason is not None:
            results.append(
                Result(
                    chosen_objective.name,
                    candidate.name,
                    Status.ERROR,
                    None,
                    None,
                    None,
                    0.0,
                    {},
                    {"error": reason, "applicable": False},
                )
            )
            continue
        results.append(_run(chosen_objective, candidate, problem, options))
    return mark_agreement(chosen_objective, results)


def mark_agreement(objective: Objective, results: list[Result]) -> list[Result]:
    """Add ``details["agrees"]`` (and ``details["best_exact"]``) to each Result.

    A Result that proves its value (an exact method, status ``optimal``) agrees
    or disagrees with the best proven value. Any other Result with a value (a
    heuristic, or an incumbent at a time limit) also gets
    ``details["ratio_to_exact"]``, its value divided by the best proven one;
    it agrees when it reaches that value, disagrees only when it beats it (a
    proof is then wrong), and is otherwise not judged (None).
    """

    def proven(r: Result) -> bool:
        return (
            r.status is Status.OPTIMAL and r.value is not None and objective.methods[r.method].exact
        )

    exact_values = [r.value for r in results if proven(r)]
    best = None
    for value in exact_values:
        best = value if best is None else objective.better(best, value)
    return [
        replace(
            r,
            details={
                **r.details,
                "agrees": None if best is None or r.value is None else values_agree(r.value, best),
                "best_exact": best,
            }
            if proven(r) or best is None or r.value is None
            else {**r.details, **_unproven_agreement(objective, r.value, best)},
        )
        for r in results
    ]


def _unproven_agreement(objective: Objective, value: float, best: float) -> dict[str, Any]:
    if values_agree(value, best):
        agrees: bool | None = True
    elif objective.better(value, best) == value:
        agrees = False  # better than a proven optimum
    else:
        agrees = None
    ratio = value / best if best != 0 else (1.0 if value == 0 else None)
    return {"agrees": agrees, "best_exact": best, "ratio_to_exact": ratio}


ALL_OBJECTIVES = "all"
"""The objective name that makes :func:`compare_all` run every objective fitting the instance."""


def objectives_for(instance: Instance) -> list[Objective]:
    """The registered objectives that read ``instance.kind`` instances."""
    return [o for o in OBJECTIVES.values() if instance.kind in o.kinds]


def compare_all(
    instance: Instance | str | Path,
    *,
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    **params: Any,
) -> list[Result]:
    """Run :func:`compare` for every objective that fits the instance (``--objective all``).

    Each objective receives the parameters it knows; a parameter no fitting
    objective knows is an error. Agreement is marked within each objective.

    Returns
    -------
    list of Result
        Grouped by objective, in registry order.

    Raises
    ------
    InstanceError
        When no objective reads this kind of instance.
    ParameterError
        For a parameter none of the objectives knows.
    """
    instance = _as_instance(instance)
    fitting = objectives_for(instance)
    if not fitting:
        raise InstanceError(
            instance.origin, "kind", f"no objective reads {instance.kind} instances"
        )
    for key in params:
        if not any(key in o.parameters.model_fields for o in fitting):
            known = sorted({name for o in fitting for name in o.parameters.model_fields})
            raise ParameterError(
                f"--param {key}",
                f"unknown parameter for the objectives of {instance.kind}; known: "
                f"{', '.join(known) or 'none'}",
            )
    results: list[Result] = []
    for objective in fitting:
        own = {k: v for k, v in params.items() if k in objective.parameters.model_fields}
        results += compare(
            instance, objective.name, time_limit=time_limit, mip_gap=mip_gap, threads=threads, **own
        )
    return results
