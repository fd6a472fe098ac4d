"""The mechanism instance: public projects with costs, or a combinatorial auction.

Two variants share the kind ``mechanism`` (seed 000, section 4.1.3; DESIGN.md
section 2):

* **projects**: agents i, projects k with cost c_k ≥ 0 and values v_ik ≥ 0. An
  outcome is a set S of projects; v_i(S) = Σ_{k∈S} v_ik and C(S) = Σ_{k∈S} c_k.
* **auction** (XOR bids): items, and bids (agent, bundle of items, value ≥ 0).
  An outcome accepts at most one bid per agent and sells each item at most
  once; an agent's value is the value of its accepted bid. Items cost nothing
  to supply (C = 0), so only the VCG payments are non-zero.

File formats::

    kind: mechanism
    agents: [alice, bob]
    projects:
      - {name: park, cost: 10}
    values:
      alice: {park: 6}
      bob: {park: 7}
    ---
    kind: mechanism
    agents: [alice, bob]
    items: [a, b]
    bids:
      - {agent: alice, bundle: [a, b], value: 10}
      - {agent: bob, bundle: [a], value: 6, name: bob-a}   # name optional
"""

from __future__ import annotations

from dataclasses import dataclass
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


class ProjectDocument(Document):
    """One public project and what it costs."""

    name: Name = Field(description="project name, unique")
    cost: NonNegative = Field(description="cost c_k ≥ 0 of carrying it out")


class BidDocument(Document):
    """One XOR bid: the agent wants the whole bundle for this value (at most one bid wins)."""

    agent: Name
    bundle: list[Name] = Field(min_length=1, description="items, each once")
    value: NonNegative
    name: Name | None = Field(None, description="label of the bid (default bid<position>)")


class MechanismDocument(Document):
    """The ``kind: mechanism`` instance file: ``projects`` + ``values``, or ``items`` + ``bids``."""

    kind: Literal["mechanism"]
    agents: list[Name] = Field(min_length=1, description="agent names, each once")
    projects: list[ProjectDocument] | None = Field(None, description="public projects")
    values: dict[Name, dict[Name, NonNegative]] | None = Field(
        None, description="value v_ik of agent i for project k (missing = 0)"
    )
    items: list[Name] | None = Field(None, description="auction items (auction variant)")
    bids: list[BidDocument] | None = Field(None, description="XOR bids (auction variant)")
    constraints: list[ConstraintDocument] | None = CONSTRAINTS_FIELD


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class MechanismInstance:
    """Projects (or bids) with agents' values; immutable, validated.

    In the auction variant, each bid is an alternative ("project") that only its
    bidder values, and :attr:`bundles` says which items it takes.

    Attributes
    ----------
    agents : tuple of str
    projects : tuple of str
        Project names (auction: bid names).
    costs : ndarray, shape (K,)
        c_k (auction: 0).
    values : ndarray, shape (n, K)
        v_ik (auction: the bid value in the bidder's row, 0 elsewhere).
    variant : {"projects", "auction"}
    items : tuple of str
        Auction items (empty for projects).
    bundles : ndarray of bool, shape (K, len(items))
        Items of each bid (auction).
    bidder : ndarray of int, shape (K,)
        Agent of each bid (auction; -1 for projects).

    Examples
    --------
    >>> m = MechanismInstance.from_projects(["a", "b"], {"park": 10}, {"a": {"park": 6}})
    >>> m.describe(), m.values.tolist()
    ('mechanism, 2 agents, 1 projects', [[6.0], [0.0]])
    """

    agents: tuple[str, ...]
    projects: tuple[str, ...]
    costs: np.ndarray
    values: np.ndarray
    variant: Literal["projects", "auction"] = "projects"
    items: tuple[str, ...] = ()
    bundles: np.ndarray | None = None
    bidder: np.ndarray | None = None
    origin: str = "<python>"
    constraints: tuple[ConstraintSpec, ...] = ()
    """Plug-in constraints of the ``constraints:`` block (:mod:`fairmas.constraints`)."""

    kind: ClassVar[str] = "mechanism"
    document_model: ClassVar[type[Document]] = MechanismDocument

    @property
    def n_agents(self) -> int:
        """Number of agents."""
        return len(self.agents)

    @property
    def n_projects(self) -> int:
        """Number of projects (auction: bids)."""
        return len(self.projects)

    def describe(self) -> str:
        """One line: kind and size."""
        if self.variant == "auction":
            return (
                f"{self.kind} (auction), {self.n_agents} agents, {len(self.items)} items, "
                f"{self.n_projects} bids"
            )
        return f"{self.kind}, {self.n_agents} agents, {self.n_projects} projects"

    @classmethod
    def from_projects(
        cls,
        agents: list[str],
        costs: dict[str, float],
        values: dict[str, dict[str, float]],
        origin: str = "<python>",
    ) -> MechanismInstance:
        """Build the projects variant from names."""
        return cls.from_document(
            {
                "kind": cls.kind,
                "agents": list(agents),
                "projects": [{"name": k, "cost": c} for k, c in costs.items()],
                "values": values,
            },
            origin,
        )

    @classmethod
    @reads_constraints
    def from_document(cls, data: Any, source: str = "<python>") -> MechanismInstance:
        """Build from a parsed instance file."""
        document = validate_document(MechanismDocument, data, source)
        agent_index = check_unique_names(document.agents, source, "agents")
        n = len(agent_index)
        has_projects = document.projects is not None or document.values is not None
        has_auction = document.items is not None or document.bids is not None
        if has_projects and has_auction:
            raise InstanceError(
                source,
                "(document)",
                "give either projects and values, or items and bids (an auction), not both",
            )
        if has_auction:
            if document.items is None or document.bids is None:
                missing = "items" if document.items is None else "bids"
                raise InstanceError(source, missing, "required field is missing (auction variant)")
            return cls._auction(document, agent_index, source)
        if document.projects is None:
            raise InstanceError(
                source, "projects", "required field is missing (or give items and bids)"
            )
        names = [p.name for p in document.projects]
        project_index = check_unique_names(names, source, "projects")
        values = np.zeros((n, len(names)))
        for agent, row in (document.values or {}).items():
            i = lookup_name(agent_index, agent, source, f"values.{agent}", "agent")
            for project, value in row.items():
                k = lookup_name(
                    project_index, project, source, f"values.{agent}.{project}", "project"
                )
                values[i, k] = value
        return cls(
            agents=tuple(document.agents),
            projects=tuple(names),
            costs=_read_only(np.array([p.cost for p in document.projects], dtype=np.float64)),
            values=_read_only(values),
            variant="projects",
            bidder=_read_only(np.full(len(names), -1, dtype=np.int64)),
            origin=source,
        )

    @classmethod
    def _auction(
        cls, document: MechanismDocument, agent_index: dict[str, int], source: str
    ) -> MechanismInstance:
        assert document.items is not None
        assert document.bids is not None
        item_index = check_unique_names(document.items, source, "items")
        if not document.items:
            raise InstanceError(source, "items", "must hold at least 1 item(s) (got none)")
        n_bids = len(document.bids)
        bundles = np.zeros((n_bids, len(item_index)), dtype=bool)
        bidder = np.empty(n_bids, dtype=np.int64)
        values = np.zeros((len(agent_index), n_bids))
        names = []
        for b, bid in enumerate(document.bids):
            i = lookup_name(agent_index, bid.agent, source, f"bids[{b}].agent", "agent")
            bidder[b] = i
            for position, item in enumerate(bid.bundle):
                j = lookup_name(item_index, item, source, f"bids[{b}].bundle[{position}]", "item")
                if bundles[b, j]:
                    raise InstanceError(
                        source, f"bids[{b}].bundle[{position}]", f"item {item!r} is listed twice"
                    )
                bundles[b, j] = True
            values[i, b] = bid.value
            names.append(bid.name if bid.name is not None else f"bid{b}")
        check_unique_names(names, source, "bids[].name")
        return cls(
            agents=tuple(document.agents),
            projects=tuple(names),
            costs=_read_only(np.zeros(n_bids)),
            values=_read_only(values),
            variant="auction",
            items=tuple(document.items),
            bundles=_read_only(bundles),
            bidder=_read_only(bidder),
            origin=source,
        )

    def to_document(self) -> dict[str, Any]:
        """The instance in the file format."""
        document: dict[str, Any] = {"kind": self.kind, "agents": list(self.agents)}
        if self.variant == "auction":
            assert self.bundles is not None
            assert self.bidder is not None
            document["items"] = list(self.items)
            document["bids"] = [
                {
                    "agent": self.agents[int(self.bidder[b])],
                    "bundle": [self.items[j] for j in np.flatnonzero(self.bundles[b])],
                    "value": float(self.values[self.bidder[b], b]),
                    "name": self.projects[b],
                }
                for b in range(self.n_projects)
            ]
            return with_constraint_block(document, self.constraints)
        document["projects"] = [
            {"name": k, "cost": float(c)} for k, c in zip(self.projects, self.costs, strict=True)
        ]
        document["values"] = {
            agent: {k: float(v) for k, v in zip(self.projects, row, strict=True) if v != 0}
            for agent, row in zip(self.agents, self.values, strict=True)
        }
        return with_constraint_block(document, self.constraints)
