"""Reading a coalition structure given by the user: a Result JSON or ``{"coalitions": [...]}``.

Two forms are accepted (JSON, YAML or TOML by extension, like instance files):

- a fairmas Result of a partition objective (the output of ``fairmas solve
  --out``): its ``solution.coalitions`` is read, and its ``details`` give the
  relation and propagation settings it was solved with;
- a plain document ``{"coalitions": [["a", "b"], ["c"]]}``.

The coalitions must partition the instance's agents: every name known, no
agent twice, no agent missing, no empty coalition. Each broken rule raises
:class:`~fairmas.errors.InstanceError` naming the partition file and the field
path, e.g. ``part.json: coalitions[1][0]: unknown agent 'zed'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from fairmas.errors import InstanceError
from fairmas.models.io import read_document
from fairmas.models.validation import Document, Name, validate_document

SETTINGS = ("relation", "transitivity", "aggregation", "hops")
"""Keys of a Result's ``details`` that :func:`read_partition` hands back as settings."""


class PartitionDocument(Document):
    """``{"coalitions": [[names...], ...]}``: a coalition structure by agent names."""

    coalitions: list[list[Name]] = Field(min_length=1, description="the coalitions, by name")


@dataclass(frozen=True)
class GivenPartition:
    """A validated partition and the settings its Result was solved with.

    Attributes
    ----------
    coalitions : list of list of str
    settings : dict
        ``relation`` and propagation settings found in a Result's details
        (empty for the plain form).
    objective : str or None
        The Result's objective, when the file is a Result.
    """

    coalitions: list[list[str]]
    settings: dict[str, Any] = field(default_factory=dict)
    objective: str | None = None


def read_partition(path: str | Path, agents: Sequence[str]) -> GivenPartition:
    """Read a coalition structure and check it partitions ``agents``.

    Parameters
    ----------
    path : str or Path
        A Result file or a ``{"coalitions": ...}`` file (.json, .yaml, .yml, .toml).
    agents : sequence of str
        The instance's agents.

    Returns
    -------
    GivenPartition

    Raises
    ------
    InstanceError
        When the file cannot be read, is not one of the two forms, or its
        coalitions are not a partition of ``agents``.
    """
    source = str(path)
    data = read_document(path)
    settings: dict[str, Any] = {}
    objective = None
    prefix = ""
    body: Any = data
    if "solution" in data or "objective" in data:
        prefix = "solution."
        body = data.get("solution")
        if not isinstance(body, dict):
            raise InstanceError(source, "solution", "must be a mapping with 'coalitions'")
        objective = data.get("objective") if isinstance(data.get("objective"), str) else None
        details = data.get("details")
        if isinstance(details, dict):
            settings = {key: details[key] for key in SETTINGS if details.get(key) is not None}
        body = {"coalitions": body.get("coalitions")} if "coalitions" in body else body
    try:
        document = validate_document(PartitionDocument, body, source)
    except InstanceError as exc:
        raise InstanceError(source, prefix + exc.path, exc.rule) from None
    coalitions = [list(coalition) for coalition in document.coalitions]
    check_partition_of(coalitions, agents, source, f"{prefix}coalitions")
    return GivenPartition(coalitions=coalitions, settings=settings, objective=objective)


def check_partition_of(
    coalitions: Sequence[Sequence[str]], agents: Sequence[str], source: str, path: str
) -> None:
    """Raise :class:`InstanceError` unless ``coalitions`` partition ``agents``.

    Examples
    --------
    >>> check_partition_of([["a"], ["b", "c"]], "abc", "p.json", "coalitions")
    >>> check_partition_of([["a"], ["b", "a"]], "abc", "p.json", "coalitions")
    Traceback (most recent call last):
    ...
    fairmas.errors.InstanceError: p.json: coalitions[1][1]: agent 'a' is in two coalitions ...
    >>> check_partition_of([["a", "zed"]], "abc", "p.json", "coalitions")
    Traceback (most recent call last):
    ...
    fairmas.errors.InstanceError: p.json: coalitions[0][1]: unknown agent 'zed' (known: a, b, c)
    >>> check_partition_of([["a"], ["b"]], "abc", "p.json", "coalitions")
    Traceback (most recent call last):
    ...
    fairmas.errors.InstanceError: p.json: coalitions: agents in no coalition: c
    """
    known = set(agents)
    first: dict[str, str] = {}
    for c, coalition in enumerate(coalitions):
        if not coalition:
            raise InstanceError(source, f"{path}[{c}]", "empty coalition; leave it out")
        for p, name in enumerate(coalition):
            where = f"{path}[{c}][{p}]"
            if name not in known:
                shown = ", ".join(list(agents)[:8]) + (", ..." if len(agents) > 8 else "")
                raise InstanceError(source, where, f"unknown agent {name!r} (known: {shown})")
            if name in first:
                raise InstanceError(
                    source, where, f"agent {name!r} is in two coalitions (first at {first[name]})"
                )
            first[name] = where
    missing = [name for name in agents if name not in first]
    if missing:
        shown = ", ".join(missing[:8]) + (
            f", ... ({len(missing)} in all)" if len(missing) > 8 else ""
        )
        raise InstanceError(source, path, f"agents in no coalition: {shown}")
