"""The registry of plug-in constraints, and constraints bound to an instance.

A *constraint* is a function ``constraint(model, instance, **params) -> None``
that adds Pyomo components (variables, constraints) to a model fairmas has
built for an objective. It is registered by name with the instance kinds it
fits (and, optionally, the objectives it fits), and reaches fairmas in one of
four ways, looked up in this order:

1. built in (:mod:`fairmas.constraints.builtin`), registered with
   :func:`constraint`;
2. registered in the running program with :func:`register` (the command
   line's ``--plugin module:function`` does that for one run);
3. installed: an entry point of the group ``fairmas.constraints`` (name =
   constraint name, value = ``module:function``), loaded when first asked for;
4. passed directly: ``fairmas.solve(..., constraints=[my_function])``.

Optional attributes of a plug-in function: ``kinds`` (tuple of instance
kinds; default: any kind), ``objectives`` (tuple of objective names; default:
any), ``parameters`` (a pydantic model validating its keyword arguments;
default: the function's signature decides) and ``summary`` (one line for
``fairmas constraints``; default: the first line of its docstring).

*Binding* (:func:`bind_constraints`) checks, before anything is solved, that
each requested constraint exists, fits the instance kind and the objective,
and accepts its parameters; the result, a :class:`ConstraintSet`, is carried
by the objective's prepared problem and applied to every model a method
builds (:func:`apply_constraints`).

Examples
--------
>>> import pyomo.environ as pyo
>>> def at_most_two(model, instance, limit=2.0):
...     model.at_most_two = pyo.Constraint(expr=model.x[0, 0] <= limit)
>>> found = as_constraint(at_most_two)
>>> found.name, found.kinds, found.origin
('at_most_two', None, 'python function')
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from fairmas.errors import FairmasError, InstanceError, ParameterError
from fairmas.models.constraint_spec import ConstraintSpec

ENTRY_POINT_GROUP = "fairmas.constraints"
"""The entry-point group third-party packages register their constraints in."""

BUILT_IN = "built-in"

ConstraintFunction = Callable[..., None]
"""``constraint(model, instance, **params) -> None``: adds components to ``model``."""


class ConstraintParameters(BaseModel):
    """Base of a built-in constraint's parameters: unknown names refused, strings converted."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Constraint:
    """A registered constraint.

    Attributes
    ----------
    name : str
    function : callable
        ``function(model, instance, **params)``.
    kinds : tuple of str or None
        Instance kinds it fits (None: any).
    objectives : tuple of str or None
        Objectives it fits (None: every objective of those kinds).
    parameters : type of pydantic BaseModel or None
        Validates the parameters (strings from the command line are
        converted); None: the function's signature decides.
    summary : str
        One line for ``fairmas constraints``.
    check : callable or None
        ``check(instance, params) -> str | None``: why this instance cannot
        take the constraint with these parameters (an unknown agent name, a
        divisible resource for ``ef1``), or None.
    origin : str
        ``built-in``, ``entry point module:function (distribution)``,
        ``--plugin module:function`` or ``python function``.
    """

    name: str
    function: ConstraintFunction
    kinds: tuple[str, ...] | None = None
    objectives: tuple[str, ...] | None = None
    parameters: type[BaseModel] | None = None
    summary: str = ""
    check: Callable[[Any, Any], str | None] | None = None
    origin: str = BUILT_IN

    @property
    def is_built_in(self) -> bool:
        """Whether fairmas ships it (a failure inside it is then a bug, not bad input)."""
        return self.origin == BUILT_IN

    def fits(self) -> str:
        """``allocation or mechanism instances`` (what :attr:`kinds` allows), for messages."""
        kinds = " or ".join(self.kinds) if self.kinds else "any"
        text = f"{kinds} instances"
        if self.objectives:
            text += f" (objective {' or '.join(self.objectives)})"
        return text


CONSTRAINTS: dict[str, Constraint] = {}
"""Built-in constraints by name (filled by :mod:`fairmas.constraints.builtin`)."""

_REGISTERED: dict[str, Constraint] = {}
"""Constraints registered at run time (:func:`register`, ``--plugin``)."""


def constraint(
    name: str,
    *,
    kinds: tuple[str, ...],
    parameters: type[BaseModel],
    summary: str,
    objectives: tuple[str, ...] | None = None,
    check: Callable[[Any, Any], str | None] | None = None,
) -> Callable[[ConstraintFunction], ConstraintFunction]:
    """Decorator registering a built-in constraint (one line per constraint)."""

    def register_built_in(function: ConstraintFunction) -> ConstraintFunction:
        if name in CONSTRAINTS:
            raise ValueError(f"constraint {name!r} is registered twice")
        CONSTRAINTS[name] = Constraint(
            name, function, kinds, objectives, parameters, summary, check, BUILT_IN
        )
        return function

    return register_built_in


def as_constraint(
    function: Any, name: str | None = None, origin: str = "python function"
) -> Constraint:
    """Wrap a plug-in function as a :class:`Constraint`, reading its optional attributes.

    Raises
    ------
    TypeError
        When ``function`` is not callable or an attribute has the wrong type
        (callers turn it into a one-line error naming the plug-in).
    """
    if not callable(function):
        raise TypeError(f"is not callable (a {type(function).__name__})")
    name = name or getattr(function, "__name__", None) or type(function).__name__
    kinds = _names_attribute(function, "kinds")
    objectives = _names_attribute(function, "objectives")
    parameters = getattr(function, "parameters", None)
    if parameters is not None and not (
        isinstance(parameters, type) and issubclass(parameters, BaseModel)
    ):
        raise TypeError("attribute `parameters` must be a pydantic model class")
    summary = getattr(function, "summary", None) or (inspect.getdoc(function) or "").split("\n")[0]
    return Constraint(name, function, kinds, objectives, parameters, summary, None, origin)


def _names_attribute(function: Any, attribute: str) -> tuple[str, ...] | None:
    value = getattr(function, attribute, None)
    if value is None:
        return None
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"attribute `{attribute}` must be a tuple of names")
    return tuple(value)


def register(function: ConstraintFunction, name: str | None = None) -> Constraint:
    """Register a plug-in function by name for this program (files and ``--constraint`` use it).

    Returns
    -------
    Constraint

    Raises
    ------
    ParameterError
        When the name is a built-in constraint's or already registered for
        another function.

    Examples
    --------
    >>> import pyomo.environ as pyo
    >>> def cap_first(model, instance, limit=1.0):
    ...     model.cap_first = pyo.Constraint(expr=model.x[0, 0] <= limit)
    >>> register(cap_first).name, "cap_first" in known_constraints()
    ('cap_first', True)
    >>> unregister("cap_first")
    """
    try:
        found = as_constraint(function, name)
    except TypeError as exc:
        raise ParameterError("plug-in", str(exc)) from None
    return _register(found, "plug-in")


def _register(found: Constraint, where: str) -> Constraint:
    if found.name in CONSTRAINTS:
        raise ParameterError(where, f"{found.name!r} is the name of a built-in constraint")
    known = _REGISTERED.get(found.name)
    if known is not None and known.function is not found.function:
        raise ParameterError(where, f"a constraint named {found.name!r} is already registered")
    _REGISTERED[found.name] = found
    return found


def unregister(name: str) -> None:
    """Forget a constraint registered with :func:`register` (no error when absent)."""
    _REGISTERED.pop(name, None)


@contextlib.contextmanager
def registered(constraints: Sequence[Constraint]) -> Iterator[None]:
    """Register constraints for the duration of a ``with`` block (the CLI's ``--plugin``)."""
    added = []
    try:
        for found in constraints:
            if found.name not in _REGISTERED:
                added.append(found.name)
            _register(found, f"--plugin {found.origin.removeprefix('--plugin ')}")
        yield
    finally:
        for name in added:
            _REGISTERED.pop(name, None)


# ----------------------------------------------------------------------------- lookup


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def known_constraints() -> list[str]:
    """Every constraint name that can be asked for: built in, registered, installed."""
    names = list(CONSTRAINTS)
    names += [name for name in _REGISTERED if name not in names]
    names += sorted(name for name in _entry_points() if name not in names)
    return names


def get_constraint(name: str, spec: ConstraintSpec | None = None) -> Constraint:
    """The constraint called ``name``: built in, registered, or an installed entry point.

    Raises
    ------
    InstanceError or ParameterError
        An unknown name (the message lists the known ones), or an entry point
        that cannot be loaded.

    Examples
    --------
    >>> get_constraint("ef1").kinds
    ('allocation',)
    >>> get_constraint("fairness")
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: constraint: unknown constraint 'fairness'; known: envy_free, ...
    """
    if name in CONSTRAINTS:
        return CONSTRAINTS[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    entry = _entry_points().get(name)
    if entry is None:
        known = ", ".join(known_constraints())
        raise spec_error(spec, f"unknown constraint {name!r}; known: {known}", "name")
    distribution = f" of {entry.dist.name}" if entry.dist is not None else ""
    origin = f"entry point {entry.value}{distribution}"
    try:
        function = entry.load()
    except Exception as exc:
        raise spec_error(
            spec,
            f"plug-in constraint {name!r} ({origin}) cannot be loaded: {type(exc).__name__}: {exc}",
        ) from None
    try:
        return as_constraint(function, name, origin)
    except TypeError as exc:
        raise spec_error(spec, f"plug-in constraint {name!r} ({origin}) {exc}") from None


def spec_error(spec: ConstraintSpec | None, rule: str, field: str | None = None) -> FairmasError:
    """The error for a problem with one requested constraint, located where it was asked for.

    In a file: ``InstanceError(file, constraints[i].field, rule)``; elsewhere a
    ParameterError naming the option (``--constraint utility_floor:value=x``)
    or the position in ``constraints=[...]``.
    """
    if spec is None:
        return ParameterError("constraint", rule)
    if spec.path.startswith("constraints["):
        path = f"{spec.path}.{field}" if field else spec.path
        return InstanceError(spec.source, path, rule)
    return ParameterError(spec.where, f"{field}: {rule}" if field and field != "name" else rule)


# ----------------------------------------------------------------------------- binding


@dataclass(frozen=True)
class BoundConstraint:
    """A constraint with checked parameters, ready to be added to models of one instance.

    Attributes
    ----------
    constraint : Constraint
    params : Mapping
        The keyword arguments the function receives.
    instance : object
        The instance every model is built from.
    spec : ConstraintSpec
        Where it was asked for (for error messages).
    """

    constraint: Constraint
    params: Mapping[str, Any]
    instance: Any
    spec: ConstraintSpec

    @property
    def label(self) -> str:
        """``name`` or ``name:key=value,...``, as on the command line."""
        if not self.spec.params:
            return self.constraint.name
        pairs = ",".join(f"{k}={_text(v)}" for k, v in self.spec.params.items())
        return f"{self.constraint.name}:{pairs}"

    def apply(self, model: Any) -> None:
        """Add the constraint's components to ``model``.

        A plug-in that raises is bad input: the exception becomes a one-line
        error naming the constraint, where it came from and the model.
        """
        try:
            self.constraint.function(model, self.instance, **self.params)
        except FairmasError:
            raise
        except Exception as exc:
            if self.constraint.is_built_in:
                raise
            model_name = getattr(model, "name", "the")
            raise spec_error(
                self.spec,
                f"plug-in constraint {self.constraint.name!r} ({self.constraint.origin}) raised "
                f"{type(exc).__name__}: {exc} (while adding to the {model_name} model)",
            ) from None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "+".join(value)
    return json.dumps(value, default=str, separators=(",", ":"))


@dataclass(frozen=True)
class ConstraintSet:
    """The constraints of one solve, bound to its instance; applied to every model built.

    Examples
    --------
    >>> NO_CONSTRAINTS.labels, bool(NO_CONSTRAINTS)
    ([], False)
    """

    bound: tuple[BoundConstraint, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.bound)

    def __len__(self) -> int:
        return len(self.bound)

    def __iter__(self) -> Iterator[BoundConstraint]:
        return iter(self.bound)

    @property
    def labels(self) -> list[str]:
        """The constraints as ``name:key=value`` labels (``details.constraints_added``)."""
        return [b.label for b in self.bound]

    def named(self, name: str) -> list[BoundConstraint]:
        """The bound constraints called ``name``."""
        return [b for b in self.bound if b.constraint.name == name]

    def apply(self, model: Any) -> None:
        """Add every constraint to ``model``, in order."""
        for bound in self.bound:
            bound.apply(model)


NO_CONSTRAINTS = ConstraintSet()


def apply_constraints(model: Any, problem: Any) -> Any:
    """Add the plug-in constraints a prepared problem carries to a model built for it.

    The one hook every model-building method calls right after building
    (:func:`fairmas.registry.model_method` does it for single-model methods);
    returns ``model``.
    """
    problem.constraints.apply(model)
    return model


def parse_constraint_text(text: str, source: str = "--constraint") -> ConstraintSpec:
    """``NAME[:key=value,key=value]`` → a spec (values stay strings; the binding converts).

    >>> spec = parse_constraint_text("utility_floor:agent=bob,value=3")
    >>> spec.name, dict(spec.params)
    ('utility_floor', {'agent': 'bob', 'value': '3'})
    >>> spec.where
    '--constraint utility_floor:agent=bob,value=3'
    >>> parse_constraint_text("ef1:weighted")
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: --constraint ef1:weighted: expected NAME[:key=value,...] \
(got 'weighted' after the name)
    """
    name, _, rest = text.partition(":")
    name = name.strip()
    if not name:
        raise ParameterError(f"{source} {text}", "expected NAME[:key=value,...] (no name)")
    params: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(
                f"{source} {text}",
                f"expected NAME[:key=value,...] (got {pair!r} after the name)",
            )
        if key in params:
            raise ParameterError(f"{source} {text}", f"parameter {key!r} given twice")
        params[key] = value.strip()
    return ConstraintSpec(name, MappingProxyType(params), source, text)


def _scalar(text: str) -> Any:
    """A command-line value for a plug-in without a parameters model: int, float, bool or str.

    >>> [_scalar(t) for t in ("3", "2.5", "true", "gpu")]
    [3, 2.5, True, 'gpu']
    """
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _validated_params(found: Constraint, spec: ConstraintSpec) -> dict[str, Any]:
    params = dict(spec.params)
    if found.parameters is not None:
        try:
            return found.parameters.model_validate(params).model_dump()
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            key = ".".join(str(part) for part in error["loc"])
            if error["type"] == "extra_forbidden":
                known = ", ".join(found.parameters.model_fields) or "none"
                raise spec_error(
                    spec, f"unknown parameter of constraint {found.name}; known: {known}", key
                ) from None
            if error["type"] == "missing":
                raise spec_error(spec, "required parameter is missing", key) from None
            message = str(error["msg"]).replace("Input should be", "must be")
            message = message.removeprefix("Value error, ")
            got = f" (got {error['input']!r})" if "input" in error and key else ""
            raise spec_error(spec, f"{message}{got}", key or None) from None
    if spec.source == "--constraint":
        params = {key: _scalar(value) for key, value in params.items()}
    try:
        signature = inspect.signature(found.function)
    except (TypeError, ValueError):
        return params
    try:
        signature.bind(None, None, **params)
    except TypeError as exc:
        takes = [
            p.name
            for p in list(signature.parameters.values())[2:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        raise spec_error(
            spec,
            f"constraint {found.name} ({found.origin}) cannot take these parameters: {exc}; "
            f"it takes: {', '.join(takes) or 'none'}",
        ) from None
    return params


ConstraintLike = str | tuple | ConstraintSpec | Callable[..., None]
"""What ``constraints=[...]`` accepts: ``"name"``, ``"name:key=value"``,
``("name", {params})``, a function, ``(function, {params})`` or a spec."""


@dataclass(frozen=True)
class _Request:
    spec: ConstraintSpec
    constraint: Constraint | None = None


def _requests(given: Iterable[ConstraintLike], source: str) -> list[_Request]:
    requests = []
    for position, item in enumerate(given):
        path = f"[{position}]"
        if isinstance(item, ConstraintSpec):
            requests.append(_Request(item))
        elif isinstance(item, str):
            spec = parse_constraint_text(item, source)
            spec = ConstraintSpec(spec.name, spec.params, source, f"{path} {item}")
            requests.append(_Request(spec))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Mapping):
            target, params = item
            if isinstance(target, str):
                requests.append(
                    _Request(ConstraintSpec(target, MappingProxyType(dict(params)), source, path))
                )
            else:
                requests.append(_function_request(target, dict(params), source, path))
        elif callable(item):
            requests.append(_function_request(item, {}, source, path))
        else:
            raise ParameterError(
                f"{source}{path}",
                "a constraint is a name, 'name:key=value', (name, {params}), a function "
                f"or (function, {{params}}); got {type(item).__name__}",
            )
    return requests


def _function_request(function: Any, params: dict[str, Any], source: str, path: str) -> _Request:
    try:
        found = as_constraint(function)
    except TypeError as exc:
        raise ParameterError(f"{source}{path}", f"plug-in {exc}") from None
    spec = ConstraintSpec(found.name, MappingProxyType(params), source, path)
    return _Request(spec, found)


def bind_constraints(
    instance: Any,
    given: Iterable[ConstraintLike] = (),
    objective: str | None = None,
    *,
    source: str = "constraints",
) -> ConstraintSet:
    """Check and bind the instance's ``constraints:`` block followed by ``given``.

    Parameters
    ----------
    instance : Instance
        Its ``constraints`` (from the file) come first.
    given : iterable
        Further constraints (see :data:`ConstraintLike`).
    objective : str, optional
        The objective they are for (checked against each constraint's
        ``objectives``); None checks the instance kind only.
    source : str
        How ``given`` is named in messages: ``constraints`` (Python) or
        ``--constraint``.

    Returns
    -------
    ConstraintSet

    Raises
    ------
    InstanceError, ParameterError
        An unknown constraint (listing the known ones), one that does not fit
        the instance kind or the objective, a plug-in that cannot be loaded,
        or bad parameters.

    Examples
    --------
    >>> import fairmas
    >>> inst = fairmas.AllocationInstance.from_arrays(["a", "b"], ["r"], [[1.0], [2.0]])
    >>> bind_constraints(inst, ["envy_free", ("gap_bound", {"value": 1})], "max_min").labels
    ['envy_free', 'gap_bound:value=1']
    >>> bind_constraints(inst, ["budget:value=3"], "max_min")
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: constraints[0] budget:value=3: constraint budget fits ...
    """
    requests = [_Request(spec) for spec in getattr(instance, "constraints", ())]
    requests += _requests(given, source)
    bound = []
    for request in requests:
        spec = request.spec
        found = request.constraint or get_constraint(spec.name, spec)
        if found.kinds is not None and instance.kind not in found.kinds:
            raise spec_error(
                spec,
                f"constraint {found.name} fits {' or '.join(found.kinds)} instances, "
                f"not {instance.kind}",
            )
        if objective is not None and found.objectives and objective not in found.objectives:
            raise spec_error(
                spec,
                f"constraint {found.name} fits objective {' or '.join(found.objectives)}, "
                f"not {objective}",
            )
        params = _validated_params(found, spec)
        if found.check is not None:
            reason = found.check(instance, found.parameters.model_validate(params))  # type: ignore[union-attr]
            if reason is not None:
                raise spec_error(spec, reason)
        bound.append(BoundConstraint(found, MappingProxyType(params), instance, spec))
    return ConstraintSet(tuple(bound))


def describe_constraints() -> list[dict[str, Any]]:
    """Name, origin, kinds, objectives, parameters and summary of every known constraint."""
    rows = []
    for name in known_constraints():
        try:
            found = get_constraint(name)
        except FairmasError as exc:
            rows.append({"name": name, "origin": "entry point", "error": str(exc)})
            continue
        parameters = list(found.parameters.model_fields) if found.parameters else None
        if parameters is None:
            try:
                signature = inspect.signature(found.function)
                parameters = [p.name for p in list(signature.parameters.values())[2:]]
            except (TypeError, ValueError):
                parameters = []
        rows.append(
            {
                "name": name,
                "origin": found.origin,
                "kinds": list(found.kinds) if found.kinds else None,
                "objectives": list(found.objectives) if found.objectives else None,
                "parameters": parameters,
                "summary": found.summary,
            }
        )
    return rows


__all__ = [
    "CONSTRAINTS",
    "ENTRY_POINT_GROUP",
    "NO_CONSTRAINTS",
    "BoundConstraint",
    "Constraint",
    "ConstraintLike",
    "ConstraintParameters",
    "ConstraintSet",
    "apply_constraints",
    "as_constraint",
    "bind_constraints",
    "constraint",
    "describe_constraints",
    "get_constraint",
    "known_constraints",
    "parse_constraint_text",
    "register",
    "registered",
    "spec_error",
    "unregister",
]
