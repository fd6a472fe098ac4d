"""The Python API: :func:`load`, :func:`solve`, :func:`compare`, :func:`build`, :func:`solve_model`.

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

import pyomo.environ as pyo

import fairmas.objectives  # noqa: F401  (fills the registry)
from fairmas.constraints.registry import ConstraintLike, ConstraintSet, bind_constraints
from fairmas.errors import InstanceError, MethodNotApplicableError, ParameterError
from fairmas.models import Instance, load_instance
from fairmas.registry import OBJECTIVES, Method, Objective, get_objective, values_agree
from fairmas.result import Result, Status, relative_gap
from fairmas.solvers.highs import solve_model as solve_pyomo_model
from fairmas.solvers.options import DEFAULT_MIP_GAP, SolveOptions


def load(path: str | Path, format: str | None = None) -> Instance:
    r"""Read and validate an instance file (YAML, JSON or TOML by extension).

    ``format="odpip"`` reads an ODP-IP value file as a ``coalition_game``.

    Raises
    ------
    InstanceError
        For a missing, unreadable, malformed or inconsistent file: the message
        names the file, the field path and the rule broken.

    Examples
    --------
    A prisoner's dilemma, then the same file with a table one row short:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dilemma.yaml"
    >>> _ = path.write_text(
    ...     "kind: pairwise_game\n"
    ...     "players: {alice: [cooperate, defect], bob: [cooperate, defect]}\n"
    ...     "payoffs:\n"
    ...     "  - {player: alice, opponent: bob, table: [[3, 0], [5, 1]]}\n"
    ...     "  - {player: bob, opponent: alice, table: [[3, 0], [5, 1]]}\n"
    ... )
    >>> game = load(path)
    >>> game.kind, game.n_players
    ('pairwise_game', 2)
    >>> _ = path.write_text(path.read_text().replace("[[3, 0], [5, 1]]", "[[3, 0]]", 1))
    >>> load(path)
    Traceback (most recent call last):
    ...
    fairmas.errors.InstanceError: ...dilemma.yaml: payoffs[0].table: must have 2 row(s), one per ...
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


def _prepare(
    objective: Objective, instance: Instance, params: dict[str, Any], constraints: Any
) -> Any:
    """Parameters checked, constraints bound (before any solve), the problem prepared once."""
    parsed = objective.parse_params(params)
    bound = bind_constraints(instance, constraints, objective.name)
    problem = objective.prepare(instance, parsed)
    return replace(problem, constraints=bound) if bound else problem


def _constraints_of(problem: Any) -> ConstraintSet | None:
    found = getattr(problem, "constraints", None)
    return found if found else None


def _reason(objective: Objective, candidate: Method, problem: Any) -> str | None:
    """Why ``candidate`` cannot run on ``problem`` (it cannot take its constraints, or its own
    ``applies``), or None."""
    constraints = _constraints_of(problem)
    if constraints is not None and not candidate.takes_constraints:
        able = [
            m.name
            for m in objective.methods.values()
            if m.takes_constraints and m.applies(problem) is None
        ]
        return (
            f"builds no Pyomo model, so it cannot take the constraints "
            f"{', '.join(constraints.labels)}; methods that can: {', '.join(able) or 'none'}"
        )
    return candidate.applies(problem)


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
    constraints = _constraints_of(problem)
    if constraints is not None and chosen.takes_constraints:
        details["constraints_added"] = constraints.labels
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
    if objective.prefer is not None:
        preferred = objective.prefer(problem)
        if preferred is not None:
            candidate = objective.get_method(preferred)
            if _reason(objective, candidate, problem) is None:
                return candidate
    reasons = []
    for candidate in objective.methods.values():
        reason = _reason(objective, candidate, problem)
        if reason is None:
            return candidate
        reasons.append(f"{candidate.name} {reason}")
    raise MethodNotApplicableError("(any)", "; ".join(reasons))


def solve(
    instance: Instance | str | Path,
    objective: str,
    method: str | None = None,
    *,
    constraints: Iterable[ConstraintLike] = (),
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
        applies to the instance (and, with constraints, builds a Pyomo model).
    constraints : iterable, optional
        Plug-in constraints added to every model the method builds, after the
        instance's own ``constraints:`` block (:mod:`fairmas.constraints`):
        ``"ef1"``, ``"utility_floor:value=3"``, ``("utility_floor", {"value":
        3})``, a function ``f(model, instance, **params)``, or ``(f, {params})``.
        A solve they make infeasible has status ``infeasible``; every Result of
        a constrained solve lists them in ``details["constraints_added"]``.
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

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(
    ...     ["a", "b"], ["g"], [[1], [1]], supply=[3], divisible=False)
    >>> r = fairmas.solve(inst, "max_min", constraints=["utility_floor:agent=a,value=4"])
    >>> str(r.status), r.details["constraints_added"]
    ('infeasible', ['utility_floor:agent=a,value=4'])
    """
    chosen_objective = get_objective(objective)
    instance = _as_instance(instance)
    _check_kind(chosen_objective, instance)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, verbose=verbose)
    problem = _prepare(chosen_objective, instance, params, constraints)
    if method is not None:
        chosen = chosen_objective.get_method(method)
        reason = _reason(chosen_objective, chosen, problem)
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
    constraints: Iterable[ConstraintLike] = (),
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    **params: Any,
) -> list[Result]:
    """Run several methods of one objective on one instance and check that they agree.

    The instance is prepared once. A method that does not apply (with
    ``constraints``: every method that builds no Pyomo model) is reported
    with status ``error`` and the reason in ``details["error"]``. Every Result
    gets ``details["agrees"]``: whether its value matches the best value of the
    exact methods that finished optimally (within
    :data:`fairmas.registry.AGREEMENT_RTOL`), or None when there is nothing to
    compare.

    Parameters
    ----------
    methods : iterable of str, optional
        Default: every registered method of the objective.
    constraints : iterable, optional
        Plug-in constraints, as for :func:`solve`.

    Returns
    -------
    list of Result
        In the order of ``methods``.

    Examples
    --------
    The social optimum of a prisoner's dilemma, by the MILP and by enumeration:

    >>> import fairmas
    >>> dilemma = [[3, 0], [5, 1]]
    >>> game = fairmas.PairwiseGame.from_tables(
    ...     {"alice": ["cooperate", "defect"], "bob": ["cooperate", "defect"]},
    ...     [("alice", "bob", dilemma), ("bob", "alice", dilemma)],
    ... )
    >>> results = fairmas.compare(game, "social_optimum", ["milp", "enumerate"])
    >>> [(r.method, r.value, r.details["agrees"]) for r in results]
    [('milp', 6.0, True), ('enumerate', 6.0, True)]
    """
    chosen_objective = get_objective(objective)
    instance = _as_instance(instance)
    _check_kind(chosen_objective, instance)
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    names = list(methods) if methods is not None else list(chosen_objective.methods)
    chosen = [chosen_objective.get_method(name) for name in names]
    problem = _prepare(chosen_objective, instance, params, constraints)

    results = []
    for candidate in chosen:
        reason = _reason(chosen_objective, candidate, problem)
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
    """The registered objectives that read ``instance.kind`` instances.

    Examples
    --------
    >>> import fairmas
    >>> game = fairmas.PairwiseGame.from_tables({"a": ["x"], "b": ["x"]}, [("a", "b", [[1]])])
    >>> sorted(o.name for o in objectives_for(game))
    ['alignment', 'equilibrium', 'q_learning', 'social_optimum']
    """
    return [o for o in OBJECTIVES.values() if instance.kind in o.kinds]


def compare_all(
    instance: Instance | str | Path,
    *,
    constraints: Iterable[ConstraintLike] = (),
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    **params: Any,
) -> list[Result]:
    """Run :func:`compare` for every objective that fits the instance (``--objective all``).

    Each objective receives the parameters it knows; a parameter no fitting
    objective knows is an error. Agreement is marked within each objective.
    ``constraints`` go to every objective (as for :func:`solve`).

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

    Examples
    --------
    Every objective of a prisoner's dilemma; ``episodes`` and ``seed`` go to
    ``q_learning`` alone:

    >>> import fairmas
    >>> dilemma = [[3, 0], [5, 1]]
    >>> game = fairmas.PairwiseGame.from_tables(
    ...     {"alice": ["cooperate", "defect"], "bob": ["cooperate", "defect"]},
    ...     [("alice", "bob", dilemma), ("bob", "alice", dilemma)],
    ... )
    >>> results = fairmas.compare_all(game, episodes=200, seed=0)
    >>> sorted({(r.objective, r.details["agrees"]) for r in results if r.objective != "q_learning"})
    [('alignment', True), ('equilibrium', True), ('social_optimum', True)]
    >>> fairmas.compare_all(game, colour="red")
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: --param colour: unknown parameter for the objectives of ...
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
    constraints = list(constraints)
    for objective in fitting:  # every constraint must fit every objective before anything runs
        bind_constraints(instance, constraints, objective.name)
    results: list[Result] = []
    for objective in fitting:
        own = {k: v for k, v in params.items() if k in objective.parameters.model_fields}
        results += compare(
            instance,
            objective.name,
            constraints=constraints,
            time_limit=time_limit,
            mip_gap=mip_gap,
            threads=threads,
            **own,
        )
    return results


# ----------------------------------------------------------------------------- Pyomo models


BUILT_MARK = "_fairmas_built"
"""Attribute of a model made by :func:`build`: its objective and prepared problem."""


def build(
    instance: Instance | str | Path,
    objective: str,
    *,
    constraints: Iterable[ConstraintLike] = (),
    **params: Any,
) -> pyo.ConcreteModel:
    """The Pyomo model the objective's model-building method would solve, for you to extend.

    Add any variables, constraints or a new objective by hand, then solve it
    with the same backend with :func:`solve_model`, which decodes the solution
    into the objective's :class:`~fairmas.result.Result` (named solution,
    fairness metrics). The model's stable component names are listed in each
    formulation's docstring (allocation: ``model.x[i, j]``,
    ``model.utility[i]``, ``model.agent_names`` ...).

    Parameters
    ----------
    instance : Instance or path
    objective : str
        An objective solved by one model: ``max_min``, ``min_gap``,
        ``welfare``, ``min_cut_partition``, ``csg`` (table games) or
        ``social_optimum``. Objectives solved by a sequence of models
        (``leximin``, ``nash``, ``equilibrium``, ``alignment``) take hand-made
        additions as a function: ``fairmas.solve(..., constraints=[f])``.
    constraints : iterable, optional
        Plug-in constraints added to the model (as for :func:`solve`).
    **params
        The objective's parameters.

    Returns
    -------
    pyomo.environ.ConcreteModel

    Raises
    ------
    ParameterError
        For an objective without a single model (the message names those
        that have one), and the bad inputs of :func:`solve`.

    Examples
    --------
    >>> import fairmas, pyomo.environ as pyo
    >>> inst = fairmas.AllocationInstance.from_arrays(["a", "b"], ["cpu"], [[1.0], [2.0]],
    ...                                               supply=[3])
    >>> model = fairmas.build(inst, "max_min")
    >>> model.a_gets_at_most_one = pyo.Constraint(expr=model.x[0, 0] <= 1)   # by hand
    >>> result = fairmas.solve_model(model)
    >>> str(result.status), result.solution["allocation"], result.value
    ('optimal', {'a': {'cpu': 1}, 'b': {'cpu': 2}}, 1.0)
    """
    chosen_objective = get_objective(objective)
    form = chosen_objective.model_form
    if form is None:
        having = ", ".join(name for name, o in OBJECTIVES.items() if o.model_form is not None)
        raise ParameterError(
            "objective",
            f"{chosen_objective.name} is solved by a sequence of models (or none), not one; "
            f"fairmas.build gives the model of: {having}; to add components to every model of "
            f"{chosen_objective.name}, pass a function: fairmas.solve(..., constraints=[f])",
        )
    instance = _as_instance(instance)
    _check_kind(chosen_objective, instance)
    problem = _prepare(chosen_objective, instance, params, constraints)
    chosen = chosen_objective.get_method(form.method)
    reason = chosen.applies(problem)
    if reason is not None:
        raise MethodNotApplicableError(chosen.name, reason)
    model = form.build(problem, SolveOptions())
    problem.constraints.apply(model)
    setattr(model, BUILT_MARK, (chosen_objective, problem))
    return model


def solve_model(
    model: pyo.ConcreteModel,
    *,
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    verbose: bool = False,
) -> Result:
    """Solve a Pyomo model with HiGHS and return a :class:`~fairmas.result.Result`.

    A model made by :func:`build` (and extended by hand) is solved with its
    objective's backend and decoded into that objective's Result: named
    solution, value recomputed from the solution, metrics; ``details``
    gets ``built_model: true``. Any other linear or mixed-integer Pyomo model
    is solved with :func:`fairmas.solvers.highs.solve_model`; its Result has
    the model's name as objective, method ``highs``, the objective value, and
    the value of every variable in ``solution["variables"]``.

    Never raises for infeasible, unbounded or time-limited models (statuses).

    Examples
    --------
    >>> import fairmas, pyomo.environ as pyo
    >>> m = pyo.ConcreteModel(name="toy")
    >>> m.x = pyo.Var(bounds=(0, 4))
    >>> m.obj = pyo.Objective(expr=2 * m.x, sense=pyo.maximize)
    >>> r = fairmas.solve_model(m)
    >>> r.objective, r.method, str(r.status), r.value, r.solution
    ('toy', 'highs', 'optimal', 8.0, {'variables': {'x': 4.0}})
    """
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, verbose=verbose)
    built = getattr(model, BUILT_MARK, None)
    if built is not None:
        objective, problem = built
        form = objective.model_form
        registered = objective.methods[form.method]
        by_hand = replace(
            registered, run=lambda problem, options: form.solve(problem, model, options)
        )
        result = _run(objective, by_hand, problem, options)
        return replace(result, details={**result.details, "built_model": True})
    started = time.perf_counter()
    solved = solve_pyomo_model(model, options)
    wall_time = time.perf_counter() - started
    solution: dict[str, Any] = {}
    if solved.has_solution:
        solution["variables"] = {
            var.name: pyo.value(var)
            for var in model.component_data_objects(pyo.Var, active=True, descend_into=True)
            if var.value is not None
        }
    details: dict[str, Any] = {"termination": solved.termination}
    if solved.message:
        details["error"] = solved.message
    return Result(
        objective=model.name,
        method="highs",
        status=solved.status,
        value=solved.objective if solved.has_solution else None,
        bound=solved.bound,
        gap=solved.gap,
        wall_time=wall_time,
        solution=solution,
        details=details,
    )
