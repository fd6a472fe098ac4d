"""The trust network G = ⟨A, E, ω, ρ⟩ of trust-constrained coalition formation.

Agents form a directed network; an edge i → j carries the trust ρ_ij ∈ [0, 1]
of i in j and the utility ω_ij (the gain of i from cooperating with j; any real
number, 0 by default). This is the model of Tong and Ren's paper on coalition
structure generation under trust and utility constraints (seed 003) and of
DESIGN.md section 2.

File format (DESIGN.md section 5)::

    kind: trust_network
    agents: [alice, bob, carol]
    edges:
      - {from: alice, to: bob, trust: 0.8, utility: 2.0}
      - {from: bob, to: alice, trust: 0.4}
    propagation: {transitivity: min, aggregation: max, hops: 1}   # optional
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

import networkx as nx
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
    FiniteFloat,
    Name,
    Probability,
    check_unique_names,
    lookup_name,
    validate_document,
)

# --------------------------------------------------------------------------- file format


class EdgeDocument(Document):
    """One directed edge: the trust of ``from`` in ``to`` and the utility ``from`` gains."""

    from_: Name = Field(alias="from", description="the agent who trusts")
    to: Name = Field(description="the agent who is trusted")
    trust: Probability = Field(description="trust ρ of `from` in `to`, within [0, 1]")
    utility: FiniteFloat = Field(
        0.0, description="utility ω that `from` gains with `to`; may be negative"
    )


class PropagationDocument(Document):
    """How trust travels along paths (Mao et al.; seed 003, section 3)."""

    transitivity: Literal["min", "product"] = Field(
        "min", description="trust along a path: the minimum edge trust, or the product"
    )
    aggregation: Literal["max", "weighted_mean"] = Field(
        "max", description="trust over several paths: the best one, or a trust-weighted mean"
    )
    hops: Annotated[int, Field(strict=True, ge=1, le=64)] = Field(
        1, description="paths of at most this many edges (and the h of the h-step P^h)"
    )


class TrustNetworkDocument(Document):
    """The ``kind: trust_network`` instance file."""

    kind: Literal["trust_network"]
    agents: list[Name] = Field(min_length=1, description="agent names, each once")
    edges: list[EdgeDocument] = Field(default_factory=list, description="directed edges")
    propagation: PropagationDocument | None = Field(
        None, description="trust propagation; default: direct trust only (1 hop)"
    )
    constraints: list[ConstraintDocument] | None = CONSTRAINTS_FIELD


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Propagation:
    """Trust propagation settings: transitivity, aggregation and the number of hops h.

    With ``hops=1`` propagated trust is the direct trust of the edges, whatever
    the transitivity and aggregation.
    """

    transitivity: Literal["min", "product"] = "min"
    aggregation: Literal["max", "weighted_mean"] = "max"
    hops: int = 1

    def __post_init__(self) -> None:
        validate_document(PropagationDocument, vars(self), "<python>")


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class TrustNetwork:
    """A directed trust network with edge arrays (immutable).

    Build one with :meth:`from_edges`, :meth:`from_arrays`, :meth:`from_networkx`
    or :func:`fairmas.load`; the constructors validate everything, so a
    ``TrustNetwork`` is always consistent.

    Attributes
    ----------
    agents : tuple of str
        Agent names; agent ``i`` is ``agents[i]``.
    source, target : ndarray of int64
        Edge ``e`` goes from agent ``source[e]`` to agent ``target[e]``.
    trust : ndarray of float64
        ρ_e ∈ [0, 1].
    utility : ndarray of float64
        ω_e, any finite real.
    propagation : Propagation
        How trust propagates along paths.
    origin : str
        Where the network came from (a file name), used in error messages.

    Examples
    --------
    >>> net = TrustNetwork.from_edges(
    ...     ["alice", "bob", "carol"],
    ...     [("alice", "bob", 0.8, 2.0), ("bob", "alice", 0.4), ("bob", "carol", 0.1)],
    ... )
    >>> net.n_agents, net.n_edges
    (3, 3)
    >>> net.trust.tolist()
    [0.8, 0.4, 0.1]
    >>> sorted(net.to_networkx().edges(data="trust"))
    [('alice', 'bob', 0.8), ('bob', 'alice', 0.4), ('bob', 'carol', 0.1)]
    """

    agents: tuple[str, ...]
    source: np.ndarray
    target: np.ndarray
    trust: np.ndarray
    utility: np.ndarray
    propagation: Propagation = field(default_factory=Propagation)
    origin: str = "<python>"
    constraints: tuple[ConstraintSpec, ...] = ()
    """Plug-in constraints of the ``constraints:`` block (:mod:`fairmas.constraints`)."""

    kind: ClassVar[str] = "trust_network"
    document_model: ClassVar[type[Document]] = TrustNetworkDocument

    @property
    def n_agents(self) -> int:
        """Number of agents |A|."""
        return len(self.agents)

    @property
    def n_edges(self) -> int:
        """Number of directed edges |E|."""
        return int(self.source.shape[0])

    def describe(self) -> str:
        """One line: kind and size.

        >>> TrustNetwork.from_edges(["a", "b"], [("a", "b", 0.5)]).describe()
        'trust_network, 2 agents, 1 edges, propagation min/max over 1 hop(s)'
        """
        p = self.propagation
        return (
            f"{self.kind}, {self.n_agents} agents, {self.n_edges} edges, "
            f"propagation {p.transitivity}/{p.aggregation} over {p.hops} hop(s)"
        )

    @cached_property
    def index(self) -> dict[str, int]:
        """``{agent name: position}``."""
        return {name: position for position, name in enumerate(self.agents)}

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_arrays(
        cls,
        agents: Sequence[str],
        source: Any,
        target: Any,
        trust: Any,
        utility: Any = None,
        propagation: Propagation | None = None,
        origin: str = "<python>",
    ) -> TrustNetwork:
        """Build from edge arrays (agent positions), checking every rule vectorized.

        This is the fast path for large generated networks; file loading and the
        other constructors end here too, so every network obeys the same rules.

        Parameters
        ----------
        agents : sequence of str
            Unique non-empty names.
        source, target : array_like of int
            Agent positions of each edge's tail and head.
        trust : array_like of float
            Trust per edge, within [0, 1].
        utility : array_like of float, optional
            Utility per edge (default 0).
        propagation : Propagation, optional
        origin : str
            Name used in error messages.

        Raises
        ------
        InstanceError
            On a duplicate agent, an edge index out of range, a self-loop, a
            repeated edge, trust outside [0, 1] or a non-finite number.
        """
        agents = tuple(agents)
        for position, name in enumerate(agents):
            if not isinstance(name, str) or not name:
                raise InstanceError(origin, f"agents[{position}]", "must be a non-empty string")
        check_unique_names(agents, origin, "agents")
        n = len(agents)
        if n == 0:
            raise InstanceError(origin, "agents", "must list at least one agent")
        source = np.asarray(source, dtype=np.int64).ravel()
        target = np.asarray(target, dtype=np.int64).ravel()
        trust = np.asarray(trust, dtype=np.float64).ravel()
        utility = (
            np.zeros_like(trust)
            if utility is None
            else np.asarray(utility, dtype=np.float64).ravel().copy()
        )
        m = source.shape[0]
        for name, array in (("target", target), ("trust", trust), ("utility", utility)):
            if array.shape[0] != m:
                raise InstanceError(
                    origin, "edges", f"{name} has {array.shape[0]} entries, source has {m}"
                )
        _first_violation(origin, (source < 0) | (source >= n), "from", "agent index out of range")
        _first_violation(origin, (target < 0) | (target >= n), "to", "agent index out of range")
        _first_violation(origin, ~np.isfinite(trust), "trust", "must be a finite number")
        _first_violation(origin, (trust < 0) | (trust > 1), "trust", "must be within [0, 1]")
        _first_violation(origin, ~np.isfinite(utility), "utility", "must be a finite number")
        loops = np.flatnonzero(source == target)
        if loops.size:
            e = int(loops[0])
            raise InstanceError(
                origin,
                f"edges[{e}]",
                f"self-loop {agents[source[e]]} → {agents[source[e]]}; "
                "an agent's trust in itself is not part of the network",
            )
        _check_no_repeated_edges(origin, agents, source, target)
        return cls(
            agents=agents,
            source=_read_only(source.copy()),
            target=_read_only(target.copy()),
            trust=_read_only(trust.copy()),
            utility=_read_only(utility),
            propagation=propagation or Propagation(),
            origin=origin,
        )

    @classmethod
    @reads_constraints
    def from_document(cls, data: Any, source: str = "<python>") -> TrustNetwork:
        """Build from a parsed instance file (a dict in the format of DESIGN section 5)."""
        document = validate_document(TrustNetworkDocument, data, source)
        index = check_unique_names(document.agents, source, "agents")
        tails = np.empty(len(document.edges), dtype=np.int64)
        heads = np.empty_like(tails)
        for e, edge in enumerate(document.edges):
            tails[e] = lookup_name(index, edge.from_, source, f"edges[{e}].from", "agent")
            heads[e] = lookup_name(index, edge.to, source, f"edges[{e}].to", "agent")
        propagation = (
            Propagation(**document.propagation.model_dump())
            if document.propagation is not None
            else None
        )
        return cls.from_arrays(
            document.agents,
            tails,
            heads,
            [edge.trust for edge in document.edges],
            [edge.utility for edge in document.edges],
            propagation=propagation,
            origin=source,
        )

    @classmethod
    def from_edges(
        cls,
        agents: Sequence[str],
        edges: Iterable[tuple[Any, ...]],
        propagation: Propagation | None = None,
    ) -> TrustNetwork:
        """Build from names; an edge is ``(from, to, trust)`` or ``(from, to, trust, utility)``."""
        records = []
        for edge in edges:
            record = {"from": edge[0], "to": edge[1], "trust": edge[2]}
            if len(edge) > 3:
                record["utility"] = edge[3]
            records.append(record)
        data: dict[str, Any] = {"kind": cls.kind, "agents": list(agents), "edges": records}
        if propagation is not None:
            data["propagation"] = vars(propagation).copy()
        return cls.from_document(data)

    @classmethod
    def from_networkx(
        cls,
        graph: nx.Graph,
        trust: str = "trust",
        utility: str | None = "utility",
        propagation: Propagation | None = None,
    ) -> TrustNetwork:
        """Build from a NetworkX graph.

        Parameters
        ----------
        graph : networkx.DiGraph or networkx.Graph
            Nodes are agents (non-string nodes are named by ``str(node)``); an
            undirected edge stands for the two directed edges with the same data.
        trust : str
            Edge attribute holding the trust (required on every edge).
        utility : str or None
            Edge attribute holding the utility (missing means 0).
        propagation : Propagation, optional
            Default: ``graph.graph["propagation"]`` if present, else direct trust.

        Examples
        --------
        >>> G = nx.DiGraph()
        >>> G.add_edge("a", "b", trust=0.9, utility=1.0)
        >>> G.add_edge("b", "c", trust=0.5)
        >>> TrustNetwork.from_networkx(G).utility.tolist()
        [1.0, 0.0]
        """
        origin = "<networkx graph>"
        agents = [str(node) for node in graph.nodes]
        check_unique_names(agents, origin, "nodes")
        position = {node: i for i, node in enumerate(graph.nodes)}
        pairs = list(graph.edges(data=True))
        if not graph.is_directed():
            pairs += [(v, u, data) for u, v, data in pairs if u != v]
        source = np.empty(len(pairs), dtype=np.int64)
        target = np.empty_like(source)
        trusts = np.empty(len(pairs), dtype=np.float64)
        utilities = np.zeros(len(pairs), dtype=np.float64)
        for e, (u, v, data) in enumerate(pairs):
            source[e], target[e] = position[u], position[v]
            where = f"edges[{u!r}, {v!r}]"
            if trust not in data:
                raise InstanceError(origin, f"{where}.{trust}", "required attribute is missing")
            trusts[e] = _number(data[trust], origin, f"{where}.{trust}")
            if utility is not None and utility in data:
                utilities[e] = _number(data[utility], origin, f"{where}.{utility}")
        if propagation is None and "propagation" in graph.graph:
            propagation = Propagation(**graph.graph["propagation"])
        return cls.from_arrays(agents, source, target, trusts, utilities, propagation, origin)

    # ------------------------------------------------------------------ conversions

    def to_networkx(self) -> nx.DiGraph:
        """A ``networkx.DiGraph`` with node per agent and edge attributes ``trust``, ``utility``."""
        graph = nx.DiGraph(propagation=vars(self.propagation).copy())
        graph.add_nodes_from(self.agents)
        names = self.agents
        graph.add_edges_from(
            (names[s], names[t], {"trust": float(r), "utility": float(w)})
            for s, t, r, w in zip(
                self.source.tolist(),
                self.target.tolist(),
                self.trust.tolist(),
                self.utility.tolist(),
                strict=True,
            )
        )
        return graph

    def to_document(self) -> dict[str, Any]:
        """The network in the file format (a dict ready for YAML, JSON or TOML)."""
        names = self.agents
        edges = []
        for s, t, r, w in zip(
            self.source.tolist(),
            self.target.tolist(),
            self.trust.tolist(),
            self.utility.tolist(),
            strict=True,
        ):
            edge: dict[str, Any] = {"from": names[s], "to": names[t], "trust": r}
            if w != 0.0:
                edge["utility"] = w
            edges.append(edge)
        document: dict[str, Any] = {"kind": self.kind, "agents": list(names), "edges": edges}
        if self.propagation != Propagation():
            document["propagation"] = vars(self.propagation).copy()
        return with_constraint_block(document, self.constraints)


def _number(value: Any, origin: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InstanceError(origin, path, f"must be a number (got {value!r})")
    return float(value)


def _first_violation(origin: str, bad: np.ndarray, field_name: str, rule: str) -> None:
    hits = np.flatnonzero(bad)
    if hits.size:
        raise InstanceError(origin, f"edges[{int(hits[0])}].{field_name}", rule)


def _check_no_repeated_edges(
    origin: str, agents: Sequence[str], source: np.ndarray, target: np.ndarray
) -> None:
    if source.size < 2:
        return
    keys = source * len(agents) + target
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if repeated.size:
        # among all repeats, report the one that appears latest-first in file order
        later = order[repeated + 1]
        first = order[repeated]
        pick = int(np.argmin(later))
        e, earlier = int(later[pick]), int(first[pick])
        raise InstanceError(
            origin,
            f"edges[{e}]",
            f"repeated edge {agents[source[e]]} → {agents[target[e]]} (first at edges[{earlier}])",
        )
