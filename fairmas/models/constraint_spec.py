"""The ``constraints:`` block of an instance file: which plug-in constraints a solve adds.

Every instance kind accepts an optional list of constraints, each a mapping
with the constraint's ``name`` and its parameters::

    constraints:
      - {name: ef1}
      - {name: utility_floor, value: 3}
      - {name: utility_floor, floors: {alice: 4, bob: 2}}

This module only reads and writes the block: a name and parameters, kept in
the instance as :class:`ConstraintSpec` records (``instance.constraints``).
Whether the name is a known constraint, whether it fits the instance kind and
whether its parameters are valid is checked when a solve binds the
constraints (:mod:`fairmas.constraints`), with errors that still name the file
and the field path (``constraints[1].value``). Nothing in the file is ever
imported or evaluated: a name can only select a constraint that is built in,
installed through the ``fairmas.constraints`` entry-point group, or
registered in the running program.

Examples
--------
>>> specs = constraint_specs([{"name": "utility_floor", "value": 3}], "net.yaml")
>>> specs[0].name, dict(specs[0].params), specs[0].where
('utility_floor', {'value': 3}, 'net.yaml: constraints[0]')
>>> constraint_documents(specs)
[{'name': 'utility_floor', 'value': 3}]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from fairmas.models.validation import Name


class ConstraintDocument(BaseModel):
    """One entry of the ``constraints:`` block: a constraint name and its parameters."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    name: Name = Field(
        description="a constraint: built in (envy_free, ef1, proportional, utility_floor, "
        "gap_bound, quota, budget; `fairmas constraints` lists them) or a plug-in; every "
        "other key is a parameter of that constraint"
    )


CONSTRAINTS_FIELD: Any = Field(
    None,
    description="plug-in constraints every solve of this instance adds, e.g. "
    "[{name: ef1}, {name: utility_floor, value: 3}] (merged with --constraint)",
)
"""The ``constraints`` field of every instance document (optional)."""


@dataclass(frozen=True)
class ConstraintSpec:
    """A constraint asked for by name, with its raw parameters (not yet checked).

    Attributes
    ----------
    name : str
        The constraint's registered name.
    params : Mapping
        Its parameters as written (a read-only mapping).
    source : str
        Where it was asked for: a file name, ``--constraint`` or ``<python>``.
    path : str
        Field path inside ``source`` (``constraints[2]``), or empty.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<python>"
    path: str = ""

    @property
    def where(self) -> str:
        """Where it was asked for: ``f.yaml: constraints[2]``, ``--constraint ef1``, ...."""
        if not self.path:
            return self.source
        if self.path.startswith("constraints["):
            return f"{self.source}: {self.path}"
        separator = "" if self.path.startswith("[") else " "
        return f"{self.source}{separator}{self.path}"

    def to_document(self) -> dict[str, Any]:
        """The entry as written in a file."""
        return {"name": self.name, **{key: _plain(value) for key, value in self.params.items()}}


def constraint_specs(entries: Sequence[Any] | None, source: str) -> tuple[ConstraintSpec, ...]:
    """The specs of a validated ``constraints:`` block (pydantic entries or plain dicts)."""
    specs = []
    for position, entry in enumerate(entries or ()):
        data = entry.model_dump() if isinstance(entry, BaseModel) else dict(entry)
        name = data.pop("name")
        specs.append(
            ConstraintSpec(name, MappingProxyType(data), source, f"constraints[{position}]")
        )
    return tuple(specs)


def constraint_documents(specs: Sequence[ConstraintSpec]) -> list[dict[str, Any]]:
    """The ``constraints:`` block of ``specs``."""
    return [spec.to_document() for spec in specs]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


InstanceT = TypeVar("InstanceT")


def reads_constraints(
    from_document: Callable[..., InstanceT],
) -> Callable[..., InstanceT]:
    """Decorate an instance kind's ``from_document`` so it keeps the ``constraints:`` block.

    The kind's document model validates the block (its ``constraints`` field);
    the decorated constructor then attaches the entries to the instance as
    ``instance.constraints``.
    """

    @functools.wraps(from_document)
    def read(cls: Any, data: Any, source: str = "<python>") -> InstanceT:
        instance = from_document(cls, data, source)
        entries = data.get("constraints") if isinstance(data, dict) else None
        if entries:
            instance = replace(instance, constraints=constraint_specs(entries, source))
        return instance

    return read


def with_constraint_block(
    document: dict[str, Any], specs: Sequence[ConstraintSpec]
) -> dict[str, Any]:
    """``document`` plus its ``constraints:`` block, if any (for ``to_document``)."""
    if specs:
        document["constraints"] = constraint_documents(specs)
    return document
