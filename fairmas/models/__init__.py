"""What the world is: immutable, validated instance data and instance files.

``models`` imports nothing from ``formulations`` or ``solvers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol

from fairmas.errors import InstanceError
from fairmas.models.io import read_document
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


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file (YAML, JSON or TOML by extension).

    Raises
    ------
    InstanceError
        Naming the file, the field path and the rule broken.
    """
    return instance_from_document(read_document(path), str(path))


__all__ = [
    "INSTANCE_KINDS",
    "Instance",
    "PairwiseGame",
    "Propagation",
    "TrustNetwork",
    "WeightedGraph",
    "instance_from_document",
    "load_instance",
    "read_document",
]
