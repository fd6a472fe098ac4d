"""The one registry of objectives and their methods.

An objective is declared once (:class:`Objective`: its instance kind, its
parameters, how to prepare the data every method shares, and how to report a
solution); each way of solving it is a :class:`Method` registered under it with
:func:`method`. ``solve``, ``compare``, the command line and the tests all read
:data:`OBJECTIVES`, so adding a method is one function plus one decorator line.

Examples
--------
>>> import fairmas
>>> sorted(get_objective("min_cut_partition").methods)
['gomory_hu', 'greedy_split', 'milp', 'mt_st_cut', 'noi', 'stoer_wagner', 'subset_dp']
>>> get_objective("nope")
Traceback (most recent call last):
...
fairmas.errors.ParameterError: --objective: unknown objective 'nope'; one of: ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from fairmas.errors import ParameterError
from fairmas.result import Status
from fairmas.solvers.options import SolveOptions

AGREEMENT_RTOL = 1e-6
"""Two values agree when ``|a - b| <= AGREEMENT_RTOL * max(1, |a|, |b|)``."""


class Parameters(BaseModel):
    """Base of an objective's parameters: unknown names are refused, strings converted."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Outcome:
    """What a method hands back before the objective names and evaluates it.

    Attributes
    ----------
    status : Status
    solution : object or None
        The method's raw solution (for a partition: a label per agent); None
        when there is none.
    bound : float or None
        Best proven bound on the optimum, if the method knows one.
    details : dict
        Method statistics (max-flows solved, MIP termination, ...).
    """

    status: Status
    solution: Any = None
    bound: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """An objective's evaluation of a solution: its value, named form and details."""

    value: float
    solution: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """One way of solving an objective.

    Attributes
    ----------
    name : str
    run : callable
        ``run(problem, options) -> Outcome``.
    exact : bool
        Whether the method proves optimality (its value must then match every
        other exact method within :data:`AGREEMENT_RTOL`).
    summary : str
        One line for ``--help`` and the README.
    applies : callable
        ``applies(problem) -> None`` when the method can run, or the reason it
        cannot (which names the methods that can).
    warm_up : callable
        One-time set-up run before the method's clock starts (compiling its
        kernels); its time goes to ``details["warm_up_time"]``.
    takes_constraints : bool
        Whether the method builds Pyomo models and adds the problem's plug-in
        constraints to each (:mod:`fairmas.constraints`); the others cannot
        run when constraints are given.
    """

    name: str
    run: Callable[[Any, SolveOptions], Outcome]
    exact: bool
    summary: str
    applies: Callable[[Any], str | None] = lambda problem: None
    warm_up: Callable[[], None] = lambda: None
    takes_constraints: bool = False


@dataclass(frozen=True)
class ModelForm:
    """The one Pyomo model an objective's model-building method solves (``fairmas.build``).

    Attributes
    ----------
    method : str
        The method that builds and solves it.
    build : callable
        ``build(problem, options) -> ConcreteModel``, before plug-in constraints
        (``options`` bound any solve the building needs, e.g. min_gap's
        welfare floor under constraints).
    solve : callable
        ``solve(problem, model, options) -> Outcome``: solve a built (and
        possibly extended) model with the objective's backend and decode it.
    """

    method: str
    build: Callable[[Any, SolveOptions], Any]
    solve: Callable[[Any, Any, SolveOptions], Outcome]


@dataclass
class Objective:
    """An objective, declared once.

    Attributes
    ----------
    name : str
    kind : str
        The instance kind it reads (``trust_network``, ...).
    summary : str
    sense : {"max", "min"}
    parameters : type of Parameters
        Its parameters with defaults; CLI ``--param key=value`` strings are
        converted by pydantic.
    prepare : callable
        ``prepare(instance, params) -> problem``: the data every method shares,
        computed once per instance (``compare`` runs it once for all methods).
    report : callable
        ``report(problem, outcome) -> Report``: value recomputed from the
        solution itself, the solution in named form, and details.
    methods : dict
        Name → :class:`Method`, in order of preference: with no method given,
        ``solve`` runs the first one that applies (after ``prefer``'s choice).
    extra_kinds : tuple of str
        Further instance kinds ``prepare`` accepts besides ``kind``.
    plot : callable or None
        ``plot(result, path)`` draws a Result of this objective to a PNG file
        (``fairmas solve --plot FILE``); None when the objective draws nothing.
    model_form : ModelForm or None
        Its single Pyomo model, registered by :func:`model_method`; None when
        the objective is solved by a sequence of models or none.
    prefer : callable or None
        ``prefer(problem) -> method name or None``: the default method for
        this problem when the order of ``methods`` would pick a slower one
        (``social_optimum`` prefers ``dnn`` on large dense games); it is run
        only if it applies. None keeps the order.
    """

    name: str
    kind: str
    summary: str
    sense: Literal["max", "min"]
    parameters: type[Parameters]
    prepare: Callable[[Any, Any], Any]
    report: Callable[[Any, Outcome], Report]
    methods: dict[str, Method] = field(default_factory=dict)
    extra_kinds: tuple[str, ...] = ()
    plot: Callable[[Any, Any], None] | None = None
    model_form: ModelForm | None = None
    prefer: Callable[[Any], str | None] | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every instance kind the objective reads: ``kind`` first."""
        return (self.kind, *self.extra_kinds)

    def parse_params(self, raw: Mapping[str, Any]) -> Parameters:
        """Validate parameters given by keyword or as ``--param`` strings."""
        try:
            return self.parameters.model_validate(dict(raw))
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            name = ".".join(str(part) for part in error["loc"]) or "--param"
            if error["type"] == "extra_forbidden":
                known = ", ".join(self.parameters.model_fields) or "none"
                raise ParameterError(
                    f"--param {name}",
                    f"unknown parameter for objective {self.name}; known: {known}",
                ) from None
            message = str(error["msg"]).replace("Input should be", "must be")
            raise ParameterError(
                f"--param {name}", f"{message} (got {error.get('input')!r})"
            ) from None

    def get_method(self, name: str) -> Method:
        """The method called ``name``; ParameterError naming the known ones otherwise."""
        try:
            return self.methods[name]
        except KeyError:
            known = ", ".join(self.methods)
            raise ParameterError(
                "--method", f"unknown method {name!r} for objective {self.name}; one of: {known}"
            ) from None

    def better(self, a: float, b: float) -> float:
        """The better of two objective values."""
        return max(a, b) if self.sense == "max" else min(a, b)


OBJECTIVES: dict[str, Objective] = {}
"""Objective name → :class:`Objective`; filled by the modules of :mod:`fairmas.objectives`."""


def register_objective(objective: Objective) -> Objective:
    """Add ``objective`` to :data:`OBJECTIVES` (each name once)."""
    if objective.name in OBJECTIVES:
        raise ValueError(f"objective {objective.name!r} is registered twice")
    OBJECTIVES[objective.name] = objective
    return objective


def method(
    objective: Objective,
    name: str,
    *,
    exact: bool,
    summary: str,
    applies: Callable[[Any], str | None] | None = None,
    warm_up: Callable[[], None] | None = None,
    constraints: bool = False,
) -> Callable[[Callable[[Any, SolveOptions], Outcome]], Callable[[Any, SolveOptions], Outcome]]:
    """Decorator registering ``run(problem, options) -> Outcome`` as a method of ``objective``.

    ``constraints=True`` declares that ``run`` adds ``problem.constraints`` to
    every Pyomo model it builds (:func:`fairmas.constraints.apply_constraints`).
    """

    def register(run: Callable[[Any, SolveOptions], Outcome]) -> Callable[..., Outcome]:
        if name in objective.methods:
            raise ValueError(f"method {name!r} of {objective.name!r} is registered twice")
        objective.methods[name] = Method(
            name=name,
            run=run,
            exact=exact,
            summary=summary,
            applies=applies or (lambda problem: None),
            warm_up=warm_up or (lambda: None),
            takes_constraints=constraints,
        )
        return run

    return register


def model_method(
    objective: Objective,
    name: str,
    *,
    exact: bool,
    summary: str,
    build: Callable[[Any, SolveOptions], Any],
    applies: Callable[[Any], str | None] | None = None,
) -> Callable[[Callable[[Any, Any, SolveOptions], Outcome]], Callable[..., Outcome]]:
    """Decorator registering a method that solves one Pyomo model, and that model.

    The decorated ``solve(problem, model, options) -> Outcome`` solves a model
    made by ``build(problem, options)``; the method runs ``build``, adds the problem's
    plug-in constraints (``problem.constraints.apply(model)``), then ``solve``.
    The first such method of an objective is its :class:`ModelForm`, the model
    :func:`fairmas.build` returns.
    """

    def register(solve: Callable[[Any, Any, SolveOptions], Outcome]) -> Callable[..., Outcome]:
        def run(problem: Any, options: SolveOptions) -> Outcome:
            model = build(problem, options)
            problem.constraints.apply(model)
            return solve(problem, model, options)

        run.__doc__ = solve.__doc__
        method(objective, name, exact=exact, summary=summary, applies=applies, constraints=True)(
            run
        )
        if objective.model_form is None:
            objective.model_form = ModelForm(name, build, solve)
        return solve

    return register


def get_objective(name: str) -> Objective:
    """The objective called ``name``; ParameterError naming the known ones otherwise."""
    try:
        return OBJECTIVES[name]
    except KeyError:
        known = ", ".join(OBJECTIVES)
        raise ParameterError(
            "--objective", f"unknown objective {name!r}; one of: {known}"
        ) from None


def values_agree(a: float, b: float, rtol: float = AGREEMENT_RTOL) -> bool:
    """Whether two objective values agree within ``rtol`` (relative, floored at 1).

    >>> values_agree(100.0, 100.00001), values_agree(1.0, 1.1)
    (True, False)
    """
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)
