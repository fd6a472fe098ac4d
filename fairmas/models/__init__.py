"""What the world is: immutable, validated instance data and instance files.

``models`` imports nothing from ``formulations`` or ``solvers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol

from fairmas.errors import InstanceError, ParameterError
from fairmas.models.allocation import AllocationInstance
from fairmas.models.coalition_game import CoalitionGame
from fairmas.models.io import read_document, write_document
from fairmas.models.mechanism import MechanismInstance
from fairmas.models.odpip import read_odpip, write_odpip
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.models.trust_network import Propagation, TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph


class Instance(Protocol):
    """What every instance kind offers (``TrustNetwork``, ...)."""

    kind: ClassVar[str]
    """The ``kind`` field of its files."""
    origin: str
    """Where it came from (a file name), for error messages."""

    def describe(self) -> str:
        """One line: kind and size."""
        ...

    def to_document(self) -> dict[str, Any]:
        """The instance in the file format."""
        ...


INSTANCE_KINDS: dict[str, Any] = {TrustNetwork.kind: TrustNetwork}
"""Instance kind (the ``kind`` field of a file) → class with ``from_document(data, source)``
and a pydantic ``document_model``."""
INSTANCE_KINDS[CoalitionGame.kind] = CoalitionGame
INSTANCE_KINDS[AllocationInstance.kind] = AllocationInstance
INSTANCE_KINDS[MechanismInstance.kind] = MechanismInstance
INSTANCE_KINDS[PairwiseGame.kind] = PairwiseGame


def instance_from_document(data: dict[str, Any], source: str = "<python>") -> Instance:
    """Build the instance a parsed document describes, dispatching on its ``kind``."""
    kinds = ", ".join(INSTANCE_KINDS)
    if "kind" not in data:
        raise InstanceError(source, "kind", f"required field is missing; one of: {kinds}")
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in INSTANCE_KINDS:
        raise InstanceError(source, "kind", f"unknown kind {kind!r}; one of: {kinds}")
    return INSTANCE_KINDS[kind].from_document(data, source)


FILE_FORMATS = ("auto", "odpip")
"""``auto``: an instance document, YAML/JSON/TOML by extension; ``odpip``: an ODP-IP value file."""


def _check_format(format: str | None, option: str) -> str:
    format = format or "auto"
    if format not in FILE_FORMATS:
        raise ParameterError(
            option, f"unknown format {format!r}; one of: {', '.join(FILE_FORMATS)}"
        )
    return format


def load_instance(path: str | Path, format: str | None = None) -> Instance:
    """Read and validate an instance file (YAML, JSON or TOML by extension).

    ``format="odpip"`` reads an ODP-IP value file (:mod:`fairmas.models.odpip`)
    as a ``coalition_game`` instead.

    Raises
    ------
    InstanceError
        Naming the file, the field path and the rule broken.
    """
    if _check_format(format, "--format") == "odpip":
        return read_odpip(path)
    return instance_from_document(read_document(path), str(path))


def save_instance(instance: Instance, path: str | Path, format: str | None = None) -> None:
    """Write an instance as a YAML, JSON or TOML document (by extension), or as an ODP-IP file.

    Raises
    ------
    InstanceError
        For a file type fairmas cannot write, or an ODP-IP file of an instance
        that is not a coalition game small enough for a dense table.
    """
    if _check_format(format, "--to") == "odpip":
        if not isinstance(instance, CoalitionGame):
            raise InstanceError(
                instance.origin,
                "kind",
                f"only a coalition_game can be written as an ODP-IP file, not a {instance.kind}",
            )
        if instance.constraints:
            raise InstanceError(
                instance.origin,
                "constraints",
                "an ODP-IP value file cannot hold a constraints block; write YAML or JSON",
            )
        write_odpip(instance, path)
    else:
        write_document(instance.to_document(), path)


__all__ = [
    "FILE_FORMATS",
    "INSTANCE_KINDS",
    "AllocationInstance",
    "CoalitionGame",
    "Instance",
    "MechanismInstance",
    "PairwiseGame",
    "Propagation",
    "TrustNetwork",
    "WeightedGraph",
    "instance_from_document",
    "load_instance",
    "read_document",
    "save_instance",
]
