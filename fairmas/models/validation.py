"""Validation of instance documents with pydantic, reported as one-line :class:`InstanceError`.

Every instance kind declares its file format as a pydantic model (strict: numbers
must be numbers, names must be strings, unknown keys are refused, NaN and
infinity are refused). :func:`validate_document` runs it and turns the first
error into ``source: field.path: rule``. Rules that involve several fields
(unknown names, duplicates) are checked afterwards by each kind, with
:func:`check_unique_names` and friends, and reported the same way.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fairmas.errors import InstanceError

Name = Annotated[str, StringConstraints(strict=True, min_length=1, strip_whitespace=False)]
"""A name of an agent, resource, project or action: a non-empty string."""

FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A finite real number (integers accepted, booleans and strings refused)."""

Probability = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.0, le=1.0)]
"""A finite real number within [0, 1]."""


class Document(BaseModel):
    """Base of every file-format model: strict, no unknown keys, no NaN/infinity."""

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, populate_by_name=True
    )


DocumentT = TypeVar("DocumentT", bound=Document)


def field_path(loc: Sequence[int | str]) -> str:
    """Render a pydantic location tuple as a field path.

    >>> field_path(("edges", 2, "trust"))
    'edges[2].trust'
    >>> field_path(())
    '(document)'
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


def _allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str] | None:
    """Keys a document accepts at ``loc`` (which ends at the unknown key), or None."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            info = next((f for f in current.model_fields.values() if f.alias == part), None)
        if info is None:
            return None
        current = _innermost_model(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return None


def _innermost_model(annotation: Any) -> Any:
    """The pydantic model inside ``list[X]``, ``X | None``, ``dict[str, X]`` ..., if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _innermost_model(arg)
        if found is not None:
            return found
    return None


def _rule(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, error["loc"])
        hint = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return f"unknown field{hint}"
    if kind == "too_short":
        return f"must hold at least {error['ctx']['min_length']} item(s) (got none)"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = message.replace("Input should be", "must be")
    message = message[:1].lower() + message[1:]
    if "input" in error and kind not in ("model_type", "dict_type"):
        shown = repr(error["input"])
        if len(shown) > 60:
            shown = shown[:57] + "..."
        message += f" (got {shown})"
    return message


def validate_document(model: type[DocumentT], data: Any, source: str) -> DocumentT:
    """Validate ``data`` against ``model``; raise :class:`InstanceError` on the first error.

    Parameters
    ----------
    model : type of Document
        The file-format model of an instance kind.
    data : object
        The parsed file (a dict for a well-formed file).
    source : str
        The file name used in the error message.

    Raises
    ------
    InstanceError
        Naming the file, the field path and the rule broken.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise InstanceError(source, field_path(first["loc"]), _rule(first, model)) from None


def check_unique_names(names: Sequence[str], source: str, path: str) -> dict[str, int]:
    """Return ``{name: position}``; raise on the first repeated name.

    >>> check_unique_names(["a", "b"], "f.yaml", "agents")
    {'a': 0, 'b': 1}
    >>> check_unique_names(["a", "b", "a"], "f.yaml", "agents")
    Traceback (most recent call last):
    ...
    fairmas.errors.InstanceError: f.yaml: agents[2]: duplicate name 'a' (first at agents[0])
    """
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in index:
            raise InstanceError(
                source,
                f"{path}[{position}]",
                f"duplicate name {name!r} (first at {path}[{index[name]}])",
            )
        index[name] = position
    return index


def lookup_name(index: dict[str, int], name: str, source: str, path: str, what: str) -> int:
    """Position of ``name`` in ``index``; raise ``unknown <what>`` naming the field path."""
    try:
        return index[name]
    except KeyError:
        known = _preview(index)
        raise InstanceError(source, path, f"unknown {what} {name!r} (known: {known})") from None


def _preview(names: Iterable[str], limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
