"""Pairwise-utility (polymatrix) games: U_i(a_i, a_−i) = Σ_{j≠i} u_ij(a_i, a_j).

Players i have finite action sets A_i; for every ordered pair (i, j) that
interacts, a payoff table u_ij gives what i earns from its encounter with j
when i plays a_i and j plays a_j (rows: i's actions; columns: j's actions).
Pairs without a table earn 0. This is the game-theoretic model of seed 000,
section 4.1.1, and of DESIGN.md section 2 ("Pairwise-utility game"): a
polymatrix game (Janovskaya 1968; Cai and Daskalakis 2011). The interaction
graph may be sparse: everything here is stored per table, never over all
pairs of players.

File format (DESIGN.md section 5)::

    kind: pairwise_game
    players:
      alice: [cooperate, defect]
      bob: [cooperate, defect]
    payoffs:                     # u_ij(a_i, a_j): rows = player's actions, columns = opponent's
      - {player: alice, opponent: bob, table: [[3, 0], [5, 1]]}
      - {player: bob, opponent: alice, table: [[3, 0], [5, 1]]}

A table may also be written as a mapping ``{action: {opponent action: payoff}}``
(entries left out are 0), which names the actions instead of relying on their
order.

References
----------
E. B. Janovskaya, "Equilibrium points in polymatrix games", Litovsk. Mat. Sb. 8
(1968). Y. Cai, C. Daskalakis, "On minmax theorems for multiplayer games",
SODA 2011.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

import networkx as nx
import numpy as np
from pydantic import Discriminator, Field, Tag

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
    check_unique_names,
    lookup_name,
    validate_document,
)

EQUILIBRIUM_RTOL = 1e-9
"""A deviation counts as profitable when it gains more than
``EQUILIBRIUM_RTOL * max(1, max |u|)``; below that, payoffs are taken as tied."""

# --------------------------------------------------------------------------- file format


def _table_form(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "matrix"


PayoffMatrix = list[list[FiniteFloat]]
PayoffMapping = dict[Name, dict[Name, FiniteFloat]]

PayoffTable = Annotated[
    Annotated[PayoffMatrix, Tag("matrix")] | Annotated[PayoffMapping, Tag("mapping")],
    Discriminator(_table_form),
]


class PayoffDocument(Document):
    """One payoff table u_ij of ``player`` i against ``opponent`` j."""

    player: Name = Field(description="the player who earns these payoffs")
    opponent: Name = Field(description="the player it interacts with")
    table: PayoffTable = Field(
        description="u_ij(a_i, a_j): a matrix (rows = player's actions, columns = "
        "opponent's, in the order of `players`), or a mapping {action: {opponent action: "
        "payoff}} where missing entries are 0"
    )


class PairwiseGameDocument(Document):
    """The ``kind: pairwise_game`` instance file."""

    kind: Literal["pairwise_game"]
    players: dict[Name, Annotated[list[Name], Field(min_length=1)]] = Field(
        min_length=1, description="each player's action names, in order"
    )
    payoffs: list[PayoffDocument] = Field(
        default_factory=list, description="payoff tables of interacting ordered pairs"
    )
    constraints: list[ConstraintDocument] | None = CONSTRAINTS_FIELD


_TAG = re.compile(r"(payoffs\[\d+\]\.table)\.(?:matrix|mapping)")


# --------------------------------------------------------------------------- the model


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class PairwiseGame:
    """A polymatrix game with sparse interactions (immutable).

    Build one with :meth:`from_tables`, :meth:`random` or :func:`fairmas.load`;
    the constructors validate everything. A *profile* is an int array holding
    the index of each player's action.

    Attributes
    ----------
    players : tuple of str
        Player names; player ``i`` is ``players[i]``.
    actions : tuple of tuple of str
        ``actions[i]`` are the action names of player ``i``.
    player, opponent : ndarray of int64
        Table ``t`` is u_ij with ``i = player[t]`` and ``j = opponent[t]``.
    tables : tuple of ndarray
        ``tables[t]`` has shape ``(len(actions[i]), len(actions[j]))``.
    origin : str
        Where the game came from (a file name), for error messages.

    Examples
    --------
    >>> pd = [[3, 0], [5, 1]]                      # prisoner's dilemma, row player's payoffs
    >>> game = PairwiseGame.from_tables(
    ...     {"alice": ["cooperate", "defect"], "bob": ["cooperate", "defect"]},
    ...     [("alice", "bob", pd), ("bob", "alice", pd)],
    ... )
    >>> game.describe()
    'pairwise_game, 2 players, 4 actions, 2 payoff tables, 1 interacting pairs, 4 profiles'
    >>> both_defect = game.profile_from_names({"alice": "defect", "bob": "defect"})
    >>> game.utilities(both_defect).tolist(), game.is_equilibrium(both_defect)
    ([1.0, 1.0], True)
    >>> game.welfare(np.array([0, 0])), game.is_equilibrium(np.array([0, 0]))
    (6.0, False)
    """

    players: tuple[str, ...]
    actions: tuple[tuple[str, ...], ...]
    player: np.ndarray
    opponent: np.ndarray
    tables: tuple[np.ndarray, ...]
    origin: str = "<python>"
    constraints: tuple[ConstraintSpec, ...] = ()
    """Plug-in constraints of the ``constraints:`` block (:mod:`fairmas.constraints`)."""

    kind: ClassVar[str] = "pairwise_game"
    document_model: ClassVar[type[Document]] = PairwiseGameDocument

    # ------------------------------------------------------------------ sizes

    @property
    def n_players(self) -> int:
        """Number of players n."""
        return len(self.players)

    @property
    def n_tables(self) -> int:
        """Number of payoff tables (interacting ordered pairs)."""
        return len(self.tables)

    @cached_property
    def n_actions(self) -> np.ndarray:
        """``n_actions[i] = |A_i|`` (int64)."""
        return _read_only(np.array([len(a) for a in self.actions], dtype=np.int64))

    @cached_property
    def action_offset(self) -> np.ndarray:
        """Global index of (player i, action a) is ``action_offset[i] + a``; length n + 1."""
        offset = np.zeros(self.n_players + 1, dtype=np.int64)
        np.cumsum(self.n_actions, out=offset[1:])
        return _read_only(offset)

    @property
    def total_actions(self) -> int:
        """Σ_i |A_i|."""
        return int(self.action_offset[-1])

    @cached_property
    def n_profiles(self) -> int:
        """Π_i |A_i|, the number of pure profiles (an exact Python int)."""
        return math.prod(len(a) for a in self.actions)

    @cached_property
    def index(self) -> dict[str, int]:
        """``{player name: position}``."""
        return {name: position for position, name in enumerate(self.players)}

    @cached_property
    def payoff_scale(self) -> float:
        """max |u| over all tables (0 without tables)."""
        return max((float(np.abs(t).max()) for t in self.tables if t.size), default=0.0)

    @property
    def tolerance(self) -> float:
        """Largest deviation gain still taken as a tie (see :data:`EQUILIBRIUM_RTOL`)."""
        return EQUILIBRIUM_RTOL * max(1.0, self.payoff_scale)

    def describe(self) -> str:
        """One line: kind and size."""
        shown = format_count(self.n_profiles)
        return (
            f"{self.kind}, {self.n_players} players, {self.total_actions} actions, "
            f"{self.n_tables} payoff tables, {len(self.edges[0])} interacting pairs, "
            f"{shown} profiles"
        )

    # ------------------------------------------------------------------ flat arrays

    @cached_property
    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """``(payoffs, offset)``: all tables row-major in one float64 array.

        Entry u_ij(a, b) of table t is ``payoffs[offset[t] + a * |A_j| + b]``.
        """
        sizes = np.array([t.size for t in self.tables], dtype=np.int64)
        offset = np.zeros(self.n_tables + 1, dtype=np.int64)
        np.cumsum(sizes, out=offset[1:])
        payoffs = (
            np.concatenate([t.ravel() for t in self.tables])
            if self.tables
            else np.zeros(0, dtype=np.float64)
        )
        return _read_only(payoffs), _read_only(offset)

    @cached_property
    def tables_by_player(self) -> tuple[np.ndarray, np.ndarray]:
        """``(pointer, order)``: the tables of player i are ``order[pointer[i]:pointer[i+1]]``."""
        order = np.argsort(self.player, kind="stable").astype(np.int64)
        pointer = np.zeros(self.n_players + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.player, minlength=self.n_players), out=pointer[1:])
        return _read_only(pointer), _read_only(order)

    @cached_property
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Interacting unordered pairs ``(u, v, table_uv, table_vu)`` with ``u < v``.

        ``table_uv[e]`` is the table of u against v, or −1 when u earns nothing
        from v (and likewise ``table_vu``).

        >>> game = PairwiseGame.from_tables(
        ...     {"a": ["x"], "b": ["x"], "c": ["x"]}, [("c", "a", [[1]]), ("a", "b", [[2]])]
        ... )
        >>> [array.tolist() for array in game.edges]
        [[0, 0], [1, 2], [1, -1], [-1, 0]]
        """
        n = self.n_players
        lo = np.minimum(self.player, self.opponent)
        hi = np.maximum(self.player, self.opponent)
        keys, inverse = np.unique(lo * n + hi, return_inverse=True)
        forward = np.full(keys.size, -1, dtype=np.int64)
        backward = np.full(keys.size, -1, dtype=np.int64)
        tables = np.arange(self.n_tables, dtype=np.int64)
        is_forward = self.player < self.opponent
        forward[inverse[is_forward]] = tables[is_forward]
        backward[inverse[~is_forward]] = tables[~is_forward]
        return (
            _read_only(keys // n),
            _read_only(keys % n),
            _read_only(forward),
            _read_only(backward),
        )

    @cached_property
    def welfare_by_player(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(start, other, cell, welfare)``: every player's pairs, oriented from the player.

        For k in ``start[i]:start[i + 1]`` (pairs in edge order), ``other[k]`` is
        the opponent j and the pair's welfare W_ij(a, b) = u_ij(a, b) + u_ji(b, a)
        is ``welfare[cell[k] + a * |A_j| + b]``.

        >>> game = PairwiseGame.from_tables(
        ...     {"a": ["x", "y"], "b": ["x"]}, [("a", "b", [[1], [2]]), ("b", "a", [[5, 0]])]
        ... )
        >>> [array.tolist() for array in game.welfare_by_player]
        [[0, 1, 2], [1, 0], [0, 2], [6.0, 2.0, 6.0, 2.0]]
        """
        u, v, _, _ = self.edges
        start = np.zeros(self.n_players + 1, np.int64)
        np.add.at(start, u + 1, 1)
        np.add.at(start, v + 1, 1)
        np.cumsum(start, out=start)
        fill = start[:-1].copy()
        other = np.empty(int(start[-1]), np.int64)
        cell = np.empty(int(start[-1]), np.int64)
        pieces, at = [], 0
        for e, (first, second) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
            welfare = self.edge_welfare(e)
            for me, you, oriented in ((first, second, welfare), (second, first, welfare.T)):
                k = fill[me]
                fill[me] += 1
                other[k], cell[k] = you, at
                pieces.append(np.ascontiguousarray(oriented).ravel())
                at += oriented.size
        welfare = np.concatenate(pieces) if pieces else np.zeros(0)
        return _read_only(start), _read_only(other), _read_only(cell), _read_only(welfare)

    def edge_welfare(self, e: int) -> np.ndarray:
        """W_e = u_uv + u_vuᵀ: the welfare of pair e = {u, v} by (a_u, a_v)."""
        u, v, forward, backward = (array[e] for array in self.edges)
        welfare = np.zeros((self.n_actions[u], self.n_actions[v]))
        if forward >= 0:
            welfare += self.tables[forward]
        if backward >= 0:
            welfare += self.tables[backward].T
        return welfare

    @cached_property
    def _deviation_cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For every table t and every row a: (t, a, first flat cell of row a, target)."""
        rows = self.n_actions[self.player]
        table = np.repeat(np.arange(self.n_tables, dtype=np.int64), rows)
        first = np.zeros(self.n_tables + 1, dtype=np.int64)
        np.cumsum(rows, out=first[1:])
        row = np.arange(table.size, dtype=np.int64) - first[table]
        _, offset = self.flat
        cell = offset[table] + row * self.n_actions[self.opponent[table]]
        target = self.action_offset[self.player[table]] + row
        return table, row, cell, target

    # ------------------------------------------------------------------ evaluation

    def check_profile(self, profile: Any) -> np.ndarray:
        """``profile`` as an int64 array of valid action indices (ValueError otherwise)."""
        profile = np.asarray(profile, dtype=np.int64)
        if profile.shape != (self.n_players,):
            raise ValueError(f"a profile holds one action per player ({self.n_players})")
        if ((profile < 0) | (profile >= self.n_actions)).any():
            raise ValueError("action index out of range")
        return profile

    def utilities(self, profile: Any) -> np.ndarray:
        """U_i(a) = Σ_j u_ij(a_i, a_j) for every player i (float64, length n)."""
        a = self.check_profile(profile)
        payoffs, offset = self.flat
        earned = payoffs[
            offset[:-1] + a[self.player] * self.n_actions[self.opponent] + a[self.opponent]
        ]
        return np.bincount(self.player, weights=earned, minlength=self.n_players).astype(np.float64)

    def welfare(self, profile: Any) -> float:
        """Social welfare W(a) = Σ_i U_i(a)."""
        return float(self.utilities(profile).sum())

    def deviation_payoffs(self, profile: Any) -> np.ndarray:
        """U_i(a', a_−i) for every player i and action a', at global index
        ``action_offset[i] + a'`` (float64, length Σ|A_i|)."""
        a = self.check_profile(profile)
        payoffs, _ = self.flat
        table, _, cell, target = self._deviation_cells
        earned = payoffs[cell + a[self.opponent[table]]]
        return np.bincount(target, weights=earned, minlength=self.total_actions).astype(np.float64)

    def regrets(self, profile: Any) -> np.ndarray:
        """max_{a'} U_i(a', a_−i) − U_i(a): what each player gains by its best deviation (≥ 0).

        >>> pd = [[3, 0], [5, 1]]
        >>> game = PairwiseGame.from_tables(
        ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
        ... )
        >>> game.regrets([0, 0]).tolist(), game.deviation_payoffs([0, 0]).tolist()
        ([2.0, 2.0], [3.0, 5.0, 3.0, 5.0])
        """
        a = self.check_profile(profile)
        deviations = self.deviation_payoffs(a)
        best = np.maximum.reduceat(deviations, self.action_offset[:-1])
        current = deviations[self.action_offset[:-1] + a]
        return np.maximum(best - current, 0.0)

    def is_equilibrium(self, profile: Any) -> bool:
        """Whether no player gains more than :attr:`tolerance` by deviating alone."""
        return bool((self.regrets(profile) <= self.tolerance).all())

    # ------------------------------------------------------------------ names

    def profile_names(self, profile: Any) -> dict[str, str]:
        """``{player: action name}``."""
        a = self.check_profile(profile)
        return {name: self.actions[i][a[i]] for i, name in enumerate(self.players)}

    def profile_from_names(self, names: Mapping[str, str], source: str = "profile") -> np.ndarray:
        """Inverse of :meth:`profile_names`; InstanceError naming an unknown player or action."""
        profile = np.full(self.n_players, -1, dtype=np.int64)
        for name, action in names.items():
            i = lookup_name(self.index, name, source, str(name), "player")
            where = {a: k for k, a in enumerate(self.actions[i])}
            profile[i] = lookup_name(where, action, source, name, f"action of {name}")
        missing = np.flatnonzero(profile < 0)
        if missing.size:
            raise InstanceError(
                source, self.players[int(missing[0])], "required: one action per player"
            )
        return profile

    def profile_from_index(self, index: int) -> np.ndarray:
        """The profile numbered ``index`` in mixed radix (player 0 changes slowest)."""
        profile = np.empty(self.n_players, dtype=np.int64)
        for i in range(self.n_players - 1, -1, -1):
            index, profile[i] = divmod(index, int(self.n_actions[i]))
        return profile

    # ------------------------------------------------------------------ constructors

    @classmethod
    @reads_constraints
    def from_document(cls, data: Any, source: str = "<python>") -> PairwiseGame:
        """Build from a parsed instance file (a dict in the format of DESIGN section 5)."""
        try:
            document = validate_document(PairwiseGameDocument, data, source)
        except InstanceError as error:  # drop pydantic's union tags from the field path
            raise InstanceError(error.source, _TAG.sub(r"\1", error.path), error.rule) from None
        players = list(document.players)
        actions = [document.players[name] for name in players]
        for name, names in zip(players, actions, strict=True):
            check_unique_names(names, source, f"players.{name}")
        index = {name: i for i, name in enumerate(players)}
        owners = np.empty(len(document.payoffs), dtype=np.int64)
        opponents = np.empty_like(owners)
        tables = []
        first_seen: dict[tuple[int, int], int] = {}
        for t, entry in enumerate(document.payoffs):
            where = f"payoffs[{t}]"
            i = lookup_name(index, entry.player, source, f"{where}.player", "player")
            j = lookup_name(index, entry.opponent, source, f"{where}.opponent", "player")
            if i == j:
                raise InstanceError(
                    source,
                    f"{where}.opponent",
                    f"{entry.player} cannot be its own opponent; U_i sums over j ≠ i",
                )
            if (i, j) in first_seen:
                raise InstanceError(
                    source,
                    where,
                    f"repeated pair {entry.player} → {entry.opponent} "
                    f"(first at payoffs[{first_seen[i, j]}]); give one table per ordered pair",
                )
            first_seen[i, j] = t
            owners[t], opponents[t] = i, j
            tables.append(
                _table_array(
                    entry.table, players[i], actions[i], players[j], actions[j], source, where
                )
            )
        return cls._trusted(players, actions, owners, opponents, tables, source)

    @classmethod
    def from_tables(
        cls,
        players: Mapping[str, Sequence[str]],
        payoffs: Iterable[tuple[str, str, Any]],
        origin: str = "<python>",
    ) -> PairwiseGame:
        """Build from names: ``players = {name: [actions]}``, payoffs ``(i, j, table)``.

        A table is a nested sequence (rows = i's actions) or a mapping
        ``{action: {opponent action: payoff}}``. Every rule of the file format
        applies (raises :class:`InstanceError`).
        """
        data = {
            "kind": cls.kind,
            "players": {name: list(acts) for name, acts in players.items()},
            "payoffs": [
                {"player": i, "opponent": j, "table": _plain_table(table)}
                for i, j, table in payoffs
            ],
        }
        return cls.from_document(data, origin)

    @classmethod
    def random(
        cls,
        n_players: int,
        n_actions: int,
        degree: float | None = None,
        seed: int = 0,
        low: int = 0,
        high: int = 10,
    ) -> PairwiseGame:
        """A random polymatrix game with integer payoffs uniform in ``[low, high)``.

        Parameters
        ----------
        n_players, n_actions : int
            Every player has ``n_actions`` actions ``a0, a1, ...``.
        degree : float, optional
            Average number of opponents per player: the interaction graph is a
            uniform random graph G(n, M) with M = round(n·degree/2) edges. None
            (default) makes every pair interact (a dense game).
        seed : int
            Seed of the numpy Generator.
        low, high : int
            Each table entry u_ij(a, b), for both directions of every
            interacting pair, is drawn independently from ``[low, high)``.

        Examples
        --------
        >>> game = PairwiseGame.random(50, 3, degree=4, seed=1)
        >>> game.n_players, len(game.edges[0]), game.n_tables
        (50, 100, 200)
        """
        rng = np.random.default_rng(seed)
        n = n_players
        if degree is None:
            u, v = np.triu_indices(n, k=1)
        else:
            n_edges = min(round(n * degree / 2), n * (n - 1) // 2)
            chosen = nx.gnm_random_graph(n, n_edges, seed=int(rng.integers(2**31)))
            pairs = np.array(sorted(chosen.edges()), dtype=np.int64).reshape(-1, 2)
            u, v = pairs[:, 0], pairs[:, 1]
        owners = np.concatenate([u, v]).astype(np.int64)
        opponents = np.concatenate([v, u]).astype(np.int64)
        values = rng.integers(low, high, (owners.size, n_actions, n_actions)).astype(np.float64)
        players = [f"p{i}" for i in range(n)]
        actions = [[f"a{k}" for k in range(n_actions)]] * n
        return cls._trusted(players, actions, owners, opponents, list(values), "<random>")

    @classmethod
    def _trusted(
        cls,
        players: Sequence[str],
        actions: Sequence[Sequence[str]],
        owners: np.ndarray,
        opponents: np.ndarray,
        tables: Sequence[np.ndarray],
        origin: str,
    ) -> PairwiseGame:
        return cls(
            players=tuple(players),
            actions=tuple(tuple(a) for a in actions),
            player=_read_only(np.asarray(owners, dtype=np.int64).copy()),
            opponent=_read_only(np.asarray(opponents, dtype=np.int64).copy()),
            tables=tuple(_read_only(np.array(t, dtype=np.float64)) for t in tables),
            origin=origin,
        )

    # ------------------------------------------------------------------ conversions

    def to_document(self) -> dict[str, Any]:
        """The game in the file format (matrix tables)."""
        document = {
            "kind": self.kind,
            "players": {name: list(self.actions[i]) for i, name in enumerate(self.players)},
            "payoffs": [
                {
                    "player": self.players[int(i)],
                    "opponent": self.players[int(j)],
                    "table": table.tolist(),
                }
                for i, j, table in zip(self.player, self.opponent, self.tables, strict=True)
            ],
        }
        return with_constraint_block(document, self.constraints)

    def interaction_graph(self) -> nx.Graph:
        """Who interacts with whom: a ``networkx.Graph`` on player names."""
        graph = nx.Graph()
        graph.add_nodes_from(self.players)
        u, v, _, _ = self.edges
        graph.add_edges_from((self.players[a], self.players[b]) for a, b in zip(u, v, strict=True))
        return graph


def format_count(count: int) -> str:
    """An exact count in full up to 10^12, else as ``m.mme+k`` (for any size of int).

    >>> format_count(4096), format_count(3**1000)
    ('4096', '1.32e+477')
    """
    if count < 10**12:
        return str(count)
    digits = str(count)
    mantissa = float(f"{digits[0]}.{digits[1:6]}")
    exponent = len(digits) - 1
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.2f}e+{exponent}"


def _plain_table(table: Any) -> Any:
    if isinstance(table, np.ndarray):
        return table.tolist()
    return table


def _table_array(
    table: list[list[float]] | dict[str, dict[str, float]],
    player: str,
    actions: Sequence[str],
    opponent: str,
    opponent_actions: Sequence[str],
    source: str,
    where: str,
) -> np.ndarray:
    """Check a table's shape (or its action names) and return it as a float64 matrix."""
    rows, columns = len(actions), len(opponent_actions)
    if isinstance(table, dict):
        matrix = np.zeros((rows, columns), dtype=np.float64)
        own = {name: k for k, name in enumerate(actions)}
        other = {name: k for k, name in enumerate(opponent_actions)}
        for action, row in table.items():
            path = f"{where}.table.{action}"
            a = _action(own, action, player, actions, source, path)
            for opponent_action, payoff in row.items():
                path = f"{where}.table.{action}.{opponent_action}"
                b = _action(other, opponent_action, opponent, opponent_actions, source, path)
                matrix[a, b] = payoff
        return matrix
    if len(table) != rows:
        raise InstanceError(
            source,
            f"{where}.table",
            f"must have {rows} row(s), one per action of {player} "
            f"({_listing(actions)}); got {len(table)}",
        )
    for a, row in enumerate(table):
        if len(row) != columns:
            raise InstanceError(
                source,
                f"{where}.table[{a}]",
                f"must have {columns} entries, one per action of {opponent} "
                f"({_listing(opponent_actions)}); got {len(row)}",
            )
    return np.array(table, dtype=np.float64).reshape(rows, columns)


def _action(
    index: dict[str, int], name: str, player: str, names: Sequence[str], source: str, path: str
) -> int:
    if name not in index:
        raise InstanceError(
            source, path, f"unknown action {name!r} of {player} (known: {_listing(names)})"
        )
    return index[name]


def _listing(names: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
