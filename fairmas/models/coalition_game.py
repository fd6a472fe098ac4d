"""General coalition games: a value v(C) for every coalition C of agents.

Three ways to give v (DESIGN.md sections 2 and 5):

- a **table** of coalitions and values (every coalition not listed is worth 0),
  coalitions named by their agents or by a bitmask (bit i = agent i);
- a **generator**: one of the standard random distributions of the coalition
  structure generation (CSG) literature, seeded
  (:mod:`fairmas.models.generators`);
- a **graph game**: symmetric pair weights w (any sign) with
  v(C) = Σ_{i<j∈C} w_ij; a trust network gives one through the relations of
  :mod:`fairmas.models.relations` (:meth:`CoalitionGame.from_trust_network`).

Tables and generated games are kept as a dense float64 array of length 2^n
(index = bitmask, ``v[0] = 0``), which limits them to
:data:`MAX_TABLE_AGENTS` agents (2^25 values = 256 MiB). Graph games keep
their pairs and build the dense table only when a method asks for it.

File format::

    kind: coalition_game
    agents: [a, b, c]
    values:                          # or generator: / graph: (exactly one of the three)
      - {coalition: [a], value: 1}
      - {coalition: [a, b], value: 3}
      - {coalition: 6, value: 2}     # bitmask 110 = {b, c}
    complete: false                  # true: every non-empty coalition must be listed

    generator: {distribution: uniform, seed: 1}

    graph:
      - {pair: [a, b], weight: 2}
      - {pair: [b, c], weight: -1}

The public ODP-IP value-file format (2^n lines) is read and written by
:mod:`fairmas.models.odpip`.

Examples
--------
>>> game = CoalitionGame.from_document({
...     "kind": "coalition_game", "agents": ["a", "b", "c"],
...     "values": [{"coalition": ["a"], "value": 1}, {"coalition": ["a", "b"], "value": 3},
...                {"coalition": 4, "value": 2}]})
>>> game.describe()
'coalition_game, 3 agents, table of 3 non-zero values'
>>> game.values().tolist()
[0.0, 1.0, 0.0, 3.0, 2.0, 0.0, 0.0, 0.0]
>>> game.welfare([0, 0, 1])         # {a, b} and {c}
5.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, get_args

import numpy as np
from pydantic import BeforeValidator, Field, WithJsonSchema

from fairmas.errors import InstanceError
from fairmas.models.constraint_spec import (
    CONSTRAINTS_FIELD,
    ConstraintDocument,
    ConstraintSpec,
    reads_constraints,
    with_constraint_block,
)
from fairmas.models.generators import DISTRIBUTIONS, generate_values
from fairmas.models.relations import coalition_weights
from fairmas.models.trust_network import TrustNetwork
from fairmas.models.validation import (
    Document,
    FiniteFloat,
    Name,
    check_unique_names,
    lookup_name,
    validate_document,
)
from fairmas.models.weighted_graph import WeightedGraph

MAX_TABLE_AGENTS = 25
"""Largest n with a dense table of coalition values: 2^25 float64 values take 256 MiB."""

Distribution = Literal[
    "uniform",
    "normal",
    "modified_uniform",
    "modified_normal",
    "ndcs",
    "exponential",
    "beta",
    "gamma",
    "agent_based_uniform",
    "agent_based_normal",
]
assert set(get_args(Distribution)) == set(DISTRIBUTIONS)  # one list of names


def table_bytes(n: int) -> str:
    """Memory of a dense table of 2^n float64 values, in words.

    >>> table_bytes(25), table_bytes(30), table_bytes(40)
    ('256 MiB', '8 GiB', '8 TiB')
    """
    size = 8 * 2**n
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if size < 1024 or unit == "EiB":
            return f"{size:.3g} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _check_coalition_reference(value: Any) -> Any:
    """A coalition is a list of agent names or a bitmask ≥ 1 (checked against agents later)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a list of agent names or a bitmask ≥ 1 (got {value!r})")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(
                f"a bitmask must be ≥ 1 (got {value}); the empty coalition is always worth 0"
            )
        return value
    if isinstance(value, list):
        for position, name in enumerate(value):
            if not isinstance(name, str) or not name:
                raise ValueError(
                    f"item {position} must be an agent name (a non-empty string), got {name!r}"
                )
        return value
    raise ValueError(f"must be a list of agent names or a bitmask ≥ 1 (got {value!r})")


CoalitionReference = Annotated[
    Any,
    BeforeValidator(_check_coalition_reference),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "string", "minLength": 1}},
                {"type": "integer", "minimum": 1},
            ],
            "description": "agent names, or a bitmask (bit i = the i-th agent)",
        }
    ),
]


class ValueDocument(Document):
    """One row of a coalition table."""

    coalition: CoalitionReference
    value: FiniteFloat = Field(description="v(coalition), any finite number")


class GeneratorDocument(Document):
    """A standard random distribution of coalition values."""

    distribution: Distribution = Field(description="one of the CSG benchmark distributions")
    seed: Annotated[int, Field(strict=True, ge=0)] = Field(
        0, description="seed of numpy's default generator"
    )


class PairDocument(Document):
    """One pair weight of a graph game."""

    pair: list[Name] = Field(min_length=2, max_length=2, description="two different agents")
    weight: FiniteFloat = Field(description="w of the pair; any sign")


class CoalitionGameDocument(Document):
    """The ``kind: coalition_game`` instance file."""

    kind: Literal["coalition_game"]
    agents: list[Name] = Field(min_length=1, description="agent names, each once")
    values: list[ValueDocument] | None = Field(
        None, description="a table; every coalition not listed is worth 0"
    )
    complete: Annotated[bool, Field(strict=True)] = Field(
        False, description="require every non-empty coalition in `values`"
    )
    generator: GeneratorDocument | None = Field(None, description="generated values")
    graph: list[PairDocument] | None = Field(
        None, description="a graph game: v(C) = sum of the pair weights inside C"
    )
    constraints: list[ConstraintDocument] | None = CONSTRAINTS_FIELD


@dataclass(frozen=True)
class GeneratorSpec:
    """How a generated game was drawn."""

    distribution: str
    seed: int = 0


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _require_table_size(n: int, origin: str, what: str) -> None:
    if n > MAX_TABLE_AGENTS:
        raise InstanceError(
            origin,
            "agents",
            f"{what} of {n} agents needs a dense table of 2^{n} values ({table_bytes(n)}); "
            f"at most {MAX_TABLE_AGENTS} agents ({table_bytes(MAX_TABLE_AGENTS)}) are supported",
        )


def graph_game_values(graph: WeightedGraph) -> np.ndarray:
    """Dense table v(C) = Σ_{i<j∈C} w_ij of a graph game, by doubling.

    v(C ∪ {i}) = v(C) + Σ_{j∈C} w_ij for C ⊆ {0..i−1}, and the row sums
    Σ_{j∈C} w_ij double the same way, so the table costs about 2·2^n additions.

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abc", [0, 1], [1, 2], [2.0, -1.0])
    >>> graph_game_values(g).tolist()
    [0.0, 0.0, 0.0, 2.0, 0.0, 0.0, -1.0, 1.0]
    """
    n = graph.n
    weights = np.zeros((n, n), dtype=np.float64)
    np.add.at(weights, (graph.u, graph.v), graph.w)
    weights += weights.T
    values = np.zeros(1 << n, dtype=np.float64)
    for i in range(n):
        half = 1 << i
        row = np.zeros(half, dtype=np.float64)
        for j in range(i):
            row[1 << j : 2 << j] = row[: 1 << j] + weights[i, j]
        values[half : 2 * half] = values[:half] + row
    return values


@dataclass(frozen=True, eq=False)
class CoalitionGame:
    """A coalition game over named agents (immutable).

    Build one with :meth:`from_table`, :meth:`from_graph`,
    :meth:`from_trust_network`, :meth:`generate`, :func:`fairmas.load` or
    :func:`fairmas.models.odpip.read_odpip`; each constructor validates.

    Attributes
    ----------
    agents : tuple of str
        Agent ``i`` is ``agents[i]`` and bit ``i`` of a coalition bitmask.
    table : ndarray of float64 or None
        Dense values ``v[mask]`` (length 2^n, ``v[0] = 0``) of a table or
        generated game; None for a graph game.
    graph : WeightedGraph or None
        The pair weights of a graph game; None otherwise.
    generator : GeneratorSpec or None
        The distribution and seed of a generated game.
    origin : str
        Where the game came from (a file name), for error messages.
    """

    agents: tuple[str, ...]
    table: np.ndarray | None = None
    graph: WeightedGraph | None = None
    generator: GeneratorSpec | None = None
    origin: str = "<python>"
    constraints: tuple[ConstraintSpec, ...] = ()
    """Plug-in constraints of the ``constraints:`` block (:mod:`fairmas.constraints`)."""
    _dense: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    kind: ClassVar[str] = "coalition_game"
    document_model: ClassVar[type[Document]] = CoalitionGameDocument

    # ------------------------------------------------------------------ properties

    @property
    def n_agents(self) -> int:
        """Number of agents n."""
        return len(self.agents)

    @property
    def is_graph_game(self) -> bool:
        """Whether v comes from pair weights (kept sparse)."""
        return self.graph is not None

    def describe(self) -> str:
        """One line: kind, size and source of the values.

        >>> CoalitionGame.generate(["a", "b"], "ndcs", seed=3).describe()
        'coalition_game, 2 agents, generated ndcs (seed 3)'
        """
        head = f"{self.kind}, {self.n_agents} agents, "
        if self.graph is not None:
            return head + f"graph game with {int(np.count_nonzero(self.graph.w))} weighted pairs"
        if self.generator is not None:
            return head + f"generated {self.generator.distribution} (seed {self.generator.seed})"
        assert self.table is not None
        return head + f"table of {int(np.count_nonzero(self.table))} non-zero values"

    def values(self) -> np.ndarray:
        """The dense table v[mask] (read-only); built once for a graph game.

        Raises
        ------
        InstanceError
            When a graph game has more than :data:`MAX_TABLE_AGENTS` agents.
        """
        if self.table is not None:
            return self.table
        if "table" not in self._dense:
            _require_table_size(self.n_agents, self.origin, "the coalition table of a graph game")
            assert self.graph is not None
            self._dense["table"] = _read_only(graph_game_values(self.graph))
        return self._dense["table"]

    def masks(self, labels: Sequence[int] | np.ndarray) -> list[int]:
        """Bitmask of each coalition of a structure given as a label per agent.

        Coalitions come in the order of their first agent.

        >>> CoalitionGame.from_table("abc", [0, 1, 2, 3, 4, 5, 6, 7]).masks([1, 0, 1])
        [5, 2]
        """
        masks: dict[int, int] = {}
        for agent, label in enumerate(np.asarray(labels).tolist()):
            masks[label] = masks.get(label, 0) | (1 << agent)
        return list(masks.values())

    def welfare(self, labels: Sequence[int] | np.ndarray) -> float:
        """Social welfare Σ_{C∈CS} v(C) of the structure whose coalition labels are given."""
        labels = np.asarray(labels)
        if labels.shape != (self.n_agents,):
            raise ValueError(f"need one label per agent ({self.n_agents}), got {labels.shape}")
        if self.graph is not None:
            return self.graph.welfare(labels)
        assert self.table is not None
        return float(sum(self.table[mask] for mask in self.masks(labels)))

    def coalitions(self, labels: Sequence[int] | np.ndarray) -> list[list[str]]:
        """Coalitions as lists of names, ordered by their first agent."""
        groups: dict[int, list[str]] = {}
        for name, label in zip(self.agents, np.asarray(labels).tolist(), strict=True):
            groups.setdefault(label, []).append(name)
        return list(groups.values())

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_table(
        cls,
        agents: Sequence[str],
        values: Any,
        origin: str = "<python>",
        generator: GeneratorSpec | None = None,
    ) -> CoalitionGame:
        """Build from a dense table ``values[mask]`` of length 2^n.

        Raises
        ------
        InstanceError
            When the length is not 2^n, a value is not finite, ``values[0] ≠ 0``,
            or n exceeds :data:`MAX_TABLE_AGENTS`.
        """
        agents = _checked_agents(agents, origin)
        n = len(agents)
        _require_table_size(n, origin, "a coalition table")
        table = np.array(values, dtype=np.float64).ravel()
        if table.size != 1 << n:
            raise InstanceError(
                origin, "values", f"{n} agents need 2^{n} = {1 << n} values (got {table.size})"
            )
        bad = np.flatnonzero(~np.isfinite(table))
        if bad.size:
            mask = int(bad[0])
            raise InstanceError(
                origin,
                f"values[{mask}]",
                f"must be a finite number (got {table[mask]}) for coalition {_names(agents, mask)}",
            )
        if table[0] != 0:
            raise InstanceError(
                origin, "values[0]", f"the empty coalition is worth 0 (got {table[0]:g})"
            )
        return cls(agents, table=_read_only(table), generator=generator, origin=origin)

    @classmethod
    def generate(
        cls, agents: Sequence[str] | int, distribution: str, seed: int = 0, origin: str = "<python>"
    ) -> CoalitionGame:
        """Draw a game from a standard distribution (:mod:`fairmas.models.generators`).

        ``agents`` is a list of names or a number n (agents then named a1..an).
        """
        if isinstance(agents, int):
            agents = [f"a{i + 1}" for i in range(agents)]
        agents = _checked_agents(agents, origin)
        _require_table_size(len(agents), origin, f"a {distribution} game")
        if distribution not in DISTRIBUTIONS:
            raise InstanceError(
                origin,
                "generator.distribution",
                f"unknown distribution {distribution!r}; one of: {', '.join(DISTRIBUTIONS)}",
            )
        table = generate_values(distribution, len(agents), seed)
        return cls(
            agents,
            table=_read_only(table),
            generator=GeneratorSpec(distribution, seed),
            origin=origin,
        )

    @classmethod
    def from_graph(cls, graph: WeightedGraph, origin: str = "<python>") -> CoalitionGame:
        """The graph game of symmetric pair weights: v(C) = Σ_{i<j∈C} w_ij."""
        agents = _checked_agents(graph.agents, origin)
        bad = np.flatnonzero(~np.isfinite(graph.w))
        if bad.size:
            e = int(bad[0])
            raise InstanceError(origin, f"graph[{e}].weight", "must be a finite number")
        return cls(agents, graph=graph, origin=origin)

    @classmethod
    def from_trust_network(
        cls, network: TrustNetwork, relation: Literal["trust", "trust_utility"] = "trust"
    ) -> CoalitionGame:
        """The graph game of a trust network under ``relation`` (MT or MTU weights)."""
        return cls.from_graph(coalition_weights(network, relation), origin=network.origin)

    @classmethod
    @reads_constraints
    def from_document(cls, data: Any, source: str = "<python>") -> CoalitionGame:
        """Build from a parsed instance file (a dict in the format of DESIGN section 5)."""
        document = validate_document(CoalitionGameDocument, data, source)
        index = check_unique_names(document.agents, source, "agents")
        agents = tuple(document.agents)
        given = [
            name for name in ("values", "generator", "graph") if getattr(document, name) is not None
        ]
        if not given:
            raise InstanceError(
                source, "values", "required field is missing; give one of values, generator, graph"
            )
        if len(given) > 1:
            raise InstanceError(
                source,
                given[1],
                f"give only one of values, generator, graph (got {' and '.join(given)})",
            )
        if document.complete and document.values is None:
            raise InstanceError(source, "complete", "applies to a `values` table only")
        if document.generator is not None:
            spec = document.generator
            return cls.generate(agents, spec.distribution, spec.seed, origin=source)
        if document.graph is not None:
            return cls.from_graph(_graph_from_pairs(document.graph, agents, index, source), source)
        assert document.values is not None
        table = _table_from_rows(document.values, agents, index, source, document.complete)
        return cls.from_table(agents, table, origin=source)

    # ------------------------------------------------------------------ conversions

    def to_document(self) -> dict[str, Any]:
        """The game in the file format: its generator, its pairs, or its non-zero values."""
        document: dict[str, Any] = {"kind": self.kind, "agents": list(self.agents)}
        if self.generator is not None:
            document["generator"] = {
                "distribution": self.generator.distribution,
                "seed": self.generator.seed,
            }
        elif self.graph is not None:
            names = self.agents
            document["graph"] = [
                {"pair": [names[u], names[v]], "weight": w}
                for u, v, w in zip(
                    self.graph.u.tolist(), self.graph.v.tolist(), self.graph.w.tolist(), strict=True
                )
                if w != 0.0
            ]
        else:
            assert self.table is not None
            document["values"] = [
                {"coalition": _member_names(self.agents, int(mask)), "value": float(value)}
                for mask, value in zip(
                    np.flatnonzero(self.table).tolist(),
                    self.table[self.table != 0].tolist(),
                    strict=True,
                )
            ]
        return with_constraint_block(document, self.constraints)


# --------------------------------------------------------------------------- helpers


def _checked_agents(agents: Sequence[str], origin: str) -> tuple[str, ...]:
    agents = tuple(agents)
    if not agents:
        raise InstanceError(origin, "agents", "must list at least one agent")
    for position, name in enumerate(agents):
        if not isinstance(name, str) or not name:
            raise InstanceError(origin, f"agents[{position}]", "must be a non-empty string")
    check_unique_names(agents, origin, "agents")
    return agents


def _member_names(agents: Sequence[str], mask: int) -> list[str]:
    return [name for i, name in enumerate(agents) if (mask >> i) & 1]


def _names(agents: Sequence[str], mask: int) -> str:
    return "{" + ", ".join(_member_names(agents, mask)) + "}"


def _table_from_rows(
    rows: Sequence[ValueDocument],
    agents: tuple[str, ...],
    index: dict[str, int],
    source: str,
    complete: bool,
) -> np.ndarray:
    """Dense table of a `values` list: names or bitmasks, no repeats, optionally complete."""
    n = len(agents)
    _require_table_size(n, source, "a coalition table")
    table = np.zeros(1 << n, dtype=np.float64)
    first_row: dict[int, int] = {}
    for row_number, row in enumerate(rows):
        where = f"values[{row_number}].coalition"
        if isinstance(row.coalition, int):
            mask = row.coalition
            if mask >= 1 << n:
                raise InstanceError(
                    source,
                    where,
                    f"bitmask {mask} names agent {mask.bit_length()} but there are only {n} "
                    f"agents (bits 0..{n - 1})",
                )
        else:
            if not row.coalition:
                raise InstanceError(
                    source, where, "must name at least one agent; the empty coalition is worth 0"
                )
            mask = 0
            for name in row.coalition:
                bit = 1 << lookup_name(index, name, source, where, "agent")
                if mask & bit:
                    raise InstanceError(source, where, f"agent {name!r} is listed twice")
                mask |= bit
        if mask in first_row:
            raise InstanceError(
                source,
                where,
                f"duplicate coalition {_names(agents, mask)} "
                f"(first at values[{first_row[mask]}].coalition)",
            )
        first_row[mask] = row_number
        table[mask] = row.value
    if complete and len(first_row) != (1 << n) - 1:
        missing = next(mask for mask in range(1, 1 << n) if mask not in first_row)
        raise InstanceError(
            source,
            "values",
            f"missing coalition {_names(agents, missing)} (bitmask {missing}); complete: true "
            f"needs all 2^{n} − 1 = {(1 << n) - 1} non-empty coalitions, got {len(first_row)}",
        )
    return table


def _graph_from_pairs(
    pairs: Sequence[PairDocument], agents: tuple[str, ...], index: dict[str, int], source: str
) -> WeightedGraph:
    first_row: dict[tuple[int, int], int] = {}
    tails, heads, weights = [], [], []
    for row_number, row in enumerate(pairs):
        where = f"graph[{row_number}].pair"
        i = lookup_name(index, row.pair[0], source, f"{where}[0]", "agent")
        j = lookup_name(index, row.pair[1], source, f"{where}[1]", "agent")
        if i == j:
            raise InstanceError(
                source, where, f"needs two different agents (got {row.pair[0]!r} twice)"
            )
        key = (min(i, j), max(i, j))
        if key in first_row:
            raise InstanceError(
                source,
                where,
                f"duplicate pair {{{agents[key[0]]}, {agents[key[1]]}}} "
                f"(first at graph[{first_row[key]}].pair)",
            )
        first_row[key] = row_number
        tails.append(i)
        heads.append(j)
        weights.append(row.weight)
    return WeightedGraph.from_pairs(
        agents,
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(weights, dtype=np.float64),
    )
