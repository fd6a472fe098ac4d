"""The allocation instance: agents share resources they value additively.

Agents i ∈ N and resources j ∈ M with supply R_j > 0, each divisible (any
amount) or indivisible (whole units); additive valuations v_ij ≥ 0 per unit;
optional entitlements w_i > 0 (default 1) and optional per-agent caps
c_ij ≥ 0. An allocation x_ij ≥ 0 with Σ_i x_ij ≤ R_j and x_ij ≤ c_ij (integer
where the resource is indivisible) gives agent i the utility
v_i(x) = Σ_j v_ij x_ij (seed 000, section 4.2; DESIGN.md section 2).

File format (DESIGN.md section 5)::

    kind: allocation
    agents: [alice, bob]
    resources:
      - {name: cpu, supply: 10, divisible: true}
      - {name: gpu, supply: 2, divisible: false}
    valuations:                 # per unit; a mapping, or a matrix (rows = agents)
      alice: {cpu: 3, gpu: 10}
      bob: {cpu: 1}             # missing = 0
    entitlements: {alice: 1, bob: 2}   # optional, default 1
    caps: {alice: {gpu: 1}}            # optional: at most this much of a resource
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from fairmas.errors import InstanceError
from fairmas.models.constraint_spec import (
    CONSTRAINTS_FIELD,
    ConstraintDocument,
    ConstraintSpec,
    reads_constraints,
    with_constraint_block,
)
from fairmas.models.validation import (
    Document,
    Name,
    check_unique_names,
    lookup_name,
    validate_document,
)

NonNegative = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.0)]
"""A finite real number ≥ 0."""
Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0.0)]
"""A finite real number > 0."""

# --------------------------------------------------------------------------- file format


class ResourceDocument(Document):
    """One resource: its name, how much there is, and whether it comes in whole units."""

    name: Name = Field(description="resource name, unique")
    supply: Positive = Field(description="units available, > 0 (a whole number if indivisible)")
    divisible: bool = Field(True, description="any amount (true) or whole units only (false)")


class AllocationDocument(Document):
    """The ``kind: allocation`` instance file."""

    kind: Literal["allocation"]
    agents: list[Name] = Field(min_length=1, description="agent names, each once")
    resources: list[ResourceDocument] = Field(min_length=1, description="resources, each once")
    valuations: dict[Name, dict[Name, NonNegative]] | list[list[NonNegative]] = Field(
        description="value per unit: {agent: {resource: v}} (missing = 0) or a matrix "
        "with one row per agent and one column per resource"
    )
    entitlements: dict[Name, Positive] | None = Field(
        None, description="weight of each agent (default 1)"
    )
    caps: dict[Name, dict[Name, NonNegative]] | None = Field(
        None, description="at most this much of a resource for an agent (default: no cap)"
    )
    constraints: list[ConstraintDocument] | None = CONSTRAINTS_FIELD


class _MappingValuations(AllocationDocument):
    valuations: dict[Name, dict[Name, NonNegative]]


class _MatrixValuations(AllocationDocument):
    valuations: list[list[NonNegative]]


# --------------------------------------------------------------------------- the model


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class AllocationInstance:
    """Agents, resources, valuations, entitlements and caps (immutable, validated).

    Build one with :meth:`from_arrays`, :meth:`from_document` or
    :func:`fairmas.load`; every constructor checks every rule.

    Attributes
    ----------
    agents, resources : tuple of str
    values : ndarray, shape (n, m)
        v_ij ≥ 0, value per unit.
    supply : ndarray, shape (m,)
        R_j > 0 (whole numbers for indivisible resources).
    divisible : ndarray of bool, shape (m,)
    entitlements : ndarray, shape (n,)
        w_i > 0.
    caps : ndarray, shape (n, m)
        Upper bound of x_ij (``inf`` where there is no cap).
    origin : str
        Where it came from, for error messages.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["cpu", "gpu"], [[3, 10], [1, 0]],
    ...                                       supply=[10, 2], divisible=[True, False])
    >>> inst.describe()
    'allocation, 2 agents, 2 resources (1 divisible, 1 indivisible)'
    >>> inst.upper_bounds.tolist()
    [[10.0, 2.0], [10.0, 2.0]]
    """

    agents: tuple[str, ...]
    resources: tuple[str, ...]
    values: np.ndarray
    supply: np.ndarray
    divisible: np.ndarray
    entitlements: np.ndarray
    caps: np.ndarray
    origin: str = "<python>"
    constraints: tuple[ConstraintSpec, ...] = ()
    """Plug-in constraints of the ``constraints:`` block (:mod:`fairmas.constraints`)."""

    kind: ClassVar[str] = "allocation"
    document_model: ClassVar[type[Document]] = AllocationDocument

    @property
    def n_agents(self) -> int:
        """Number of agents n."""
        return len(self.agents)

    @property
    def n_resources(self) -> int:
        """Number of resources m."""
        return len(self.resources)

    @property
    def all_divisible(self) -> bool:
        """Whether every resource is divisible (the allocation problems are then LPs)."""
        return bool(self.divisible.all())

    @property
    def all_indivisible(self) -> bool:
        """Whether every resource comes in whole units."""
        return not bool(self.divisible.any())

    @cached_property
    def upper_bounds(self) -> np.ndarray:
        """min(R_j, c_ij): the most agent i can hold of resource j."""
        return _read_only(np.minimum(self.caps, self.supply[None, :]))

    @cached_property
    def integer_values(self) -> bool:
        """Whether every valuation is a whole number (utilities of whole units are then too)."""
        return bool(np.all(self.values == np.round(self.values)))

    def describe(self) -> str:
        """One line: kind and size."""
        d = int(self.divisible.sum())
        return (
            f"{self.kind}, {self.n_agents} agents, {self.n_resources} resources "
            f"({d} divisible, {self.n_resources - d} indivisible)"
        )

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_arrays(
        cls,
        agents: Sequence[str],
        resources: Sequence[str],
        values: Any,
        supply: Any = None,
        divisible: Any = True,
        entitlements: Any = None,
        caps: Any = None,
        origin: str = "<python>",
    ) -> AllocationInstance:
        """Build from arrays, checking every rule vectorized.

        Parameters
        ----------
        agents, resources : sequence of str
            Unique non-empty names.
        values : array_like, shape (n, m)
            Value per unit, finite and ≥ 0; every resource valued by someone.
        supply : array_like, shape (m,), optional
            Units of each resource, > 0 (default 1).
        divisible : bool or array_like of bool, shape (m,)
        entitlements : array_like, shape (n,), optional
            Weights > 0 (default 1).
        caps : array_like, shape (n, m), optional
            Upper bounds ≥ 0 per agent and resource (``inf`` for none).
        origin : str
            Name used in error messages.

        Raises
        ------
        InstanceError
            Naming the field path and the rule.
        """
        agents, resources = tuple(agents), tuple(resources)
        for label, names in (("agents", agents), ("resources", resources)):
            if not names:
                raise InstanceError(origin, label, "must hold at least 1 item(s) (got none)")
            for position, name in enumerate(names):
                if not isinstance(name, str) or not name:
                    raise InstanceError(
                        origin, f"{label}[{position}]", "must be a non-empty string"
                    )
            check_unique_names(names, origin, label)
        n, m = len(agents), len(resources)
        values = np.array(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[0] != n:
            rows = values.shape[0] if values.ndim >= 1 else 0
            raise InstanceError(
                origin, "valuations", f"must have one row per agent ({n} agents, got {rows} rows)"
            )
        if values.shape[1] != m:
            raise InstanceError(
                origin,
                "valuations",
                f"must have one column per resource ({m} resources, got {values.shape[1]})",
            )
        supply = np.ones(m) if supply is None else np.array(supply, dtype=np.float64).ravel()
        divisible = np.broadcast_to(np.asarray(divisible, dtype=bool), (m,)).copy()
        entitlements = (
            np.ones(n) if entitlements is None else np.array(entitlements, dtype=np.float64).ravel()
        )
        caps = np.full((n, m), np.inf) if caps is None else np.array(caps, dtype=np.float64)
        if supply.shape != (m,):
            raise InstanceError(origin, "resources", f"supply needs {m} entries")
        if entitlements.shape != (n,):
            raise InstanceError(origin, "entitlements", f"needs {n} entries (one per agent)")
        if caps.shape != (n, m):
            raise InstanceError(origin, "caps", f"must have shape {n}×{m}")

        def where(i: int, j: int) -> str:
            return f"valuations.{agents[i]}.{resources[j]}"

        _first(origin, ~np.isfinite(values), where, "must be a finite number")
        _first(origin, values < 0, where, "must be greater than or equal to 0")
        for j in range(m):
            if not (np.isfinite(supply[j]) and supply[j] > 0):
                raise InstanceError(
                    origin, f"resources[{j}].supply", f"must be greater than 0 (got {supply[j]})"
                )
            if not divisible[j] and supply[j] != round(supply[j]):
                raise InstanceError(
                    origin,
                    f"resources[{j}].supply",
                    f"must be a whole number of units for an indivisible resource "
                    f"(got {supply[j]})",
                )
        for i in range(n):
            if not (np.isfinite(entitlements[i]) and entitlements[i] > 0):
                raise InstanceError(
                    origin,
                    f"entitlements.{agents[i]}",
                    f"must be greater than 0 (got {entitlements[i]})",
                )

        def cap_where(i: int, j: int) -> str:
            return f"caps.{agents[i]}.{resources[j]}"

        _first(origin, np.isnan(caps) | (caps < 0), cap_where, "must be a number ≥ 0")
        whole = np.isfinite(caps) & ~divisible[None, :] & (caps != np.round(caps))
        _first(origin, whole, cap_where, "must be a whole number for an indivisible resource")
        unvalued = np.flatnonzero(values.max(axis=0) <= 0)
        if unvalued.size:
            j = int(unvalued[0])
            raise InstanceError(
                origin,
                f"resources[{j}]",
                f"nobody values resource {resources[j]!r} (every valuation is 0); "
                "remove it or give it a value",
            )
        return cls(
            agents=agents,
            resources=resources,
            values=_read_only(values),
            supply=_read_only(supply),
            divisible=_read_only(divisible),
            entitlements=_read_only(entitlements),
            caps=_read_only(caps),
            origin=origin,
        )

    @classmethod
    @reads_constraints
    def from_document(cls, data: Any, source: str = "<python>") -> AllocationInstance:
        """Build from a parsed instance file (a dict in the format of DESIGN section 5)."""
        shape = data.get("valuations") if isinstance(data, dict) else None
        model = _MatrixValuations if isinstance(shape, list) else _MappingValuations
        document = validate_document(model, data, source)
        agent_index = check_unique_names(document.agents, source, "agents")
        names = [r.name for r in document.resources]
        resource_index = check_unique_names(names, source, "resources")
        n, m = len(agent_index), len(resource_index)
        if isinstance(document.valuations, list):
            if len(document.valuations) != n:
                raise InstanceError(
                    source,
                    "valuations",
                    f"must have one row per agent ({n} agents, got {len(document.valuations)} "
                    "rows)",
                )
            for i, row in enumerate(document.valuations):
                if len(row) != m:
                    raise InstanceError(
                        source,
                        f"valuations[{i}]",
                        f"must have one entry per resource ({m} resources, got {len(row)})",
                    )
            values = np.array(document.valuations, dtype=np.float64).reshape(n, m)
        else:
            values = _matrix(document.valuations, agent_index, resource_index, source, "valuations")
        entitlements = np.ones(n)
        for agent, weight in (document.entitlements or {}).items():
            entitlements[lookup_name(agent_index, agent, source, "entitlements", "agent")] = weight
        caps = np.full((n, m), np.inf)
        if document.caps is not None:
            caps = _matrix(document.caps, agent_index, resource_index, source, "caps", np.inf)
        return cls.from_arrays(
            document.agents,
            names,
            values,
            supply=[r.supply for r in document.resources],
            divisible=[r.divisible for r in document.resources],
            entitlements=entitlements,
            caps=caps,
            origin=source,
        )

    def to_document(self) -> dict[str, Any]:
        """The instance in the file format (valuations as a mapping)."""
        resources = [
            {"name": name, "supply": _plain(s), "divisible": bool(d)}
            for name, s, d in zip(self.resources, self.supply, self.divisible, strict=True)
        ]
        valuations = {
            agent: {r: _plain(v) for r, v in zip(self.resources, row, strict=True) if v != 0}
            for agent, row in zip(self.agents, self.values, strict=True)
        }
        document: dict[str, Any] = {
            "kind": self.kind,
            "agents": list(self.agents),
            "resources": resources,
            "valuations": valuations,
        }
        if np.any(self.entitlements != 1):
            document["entitlements"] = {
                a: _plain(w) for a, w in zip(self.agents, self.entitlements, strict=True)
            }
        if np.isfinite(self.caps).any():
            document["caps"] = {
                agent: {
                    r: _plain(c) for r, c in zip(self.resources, row, strict=True) if np.isfinite(c)
                }
                for agent, row in zip(self.agents, self.caps, strict=True)
                if np.isfinite(row).any()
            }
        return with_constraint_block(document, self.constraints)


def _plain(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() else value


def _matrix(
    mapping: dict[str, dict[str, float]],
    agent_index: dict[str, int],
    resource_index: dict[str, int],
    source: str,
    label: str,
    fill: float = 0.0,
) -> np.ndarray:
    matrix = np.full((len(agent_index), len(resource_index)), fill)
    for agent, row in mapping.items():
        i = lookup_name(agent_index, agent, source, f"{label}.{agent}", "agent")
        for resource, value in row.items():
            j = lookup_name(
                resource_index, resource, source, f"{label}.{agent}.{resource}", "resource"
            )
            matrix[i, j] = value
    return matrix


def _first(origin: str, bad: np.ndarray, where: Any, rule: str) -> None:
    hits = np.argwhere(bad)
    if hits.size:
        i, j = (int(k) for k in hits[0])
        raise InstanceError(origin, where(i, j), rule)
