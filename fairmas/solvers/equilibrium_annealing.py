"""Pure equilibria fast: simulated annealing on the total regret of a polymatrix game.

A profile a is a pure Nash equilibrium exactly when its total regret

.. math::

    R(a) = \\sum_i \\Big(\\max_{b \\in A_i} P_i(b) - P_i(a_i)\\Big), \\qquad
    P_i(b) = \\sum_{j} u_{ij}(b, a_j),

is zero (every regret up to :attr:`PairwiseGame.tolerance`). Annealing
minimizes R with Metropolis moves: a random player k proposes a random other
action, which changes k's own regret and the payoff vectors P_i of the
players who earn from k, in O(deg(k) · |A|) time; a move that raises R by
Δ is taken with probability exp(−Δ / T). The temperature falls
geometrically from T_hot = 0.6 · s · √d̄ (s the median spread of a payoff
table, d̄ the mean number of tables per player: the scale of the regrets) to
T_cold = T_hot / 1000 within a run of :data:`SWEEPS` sweeps (n moves each),
and every run starts from a fresh random profile. Each time R reaches zero
the profile is recorded: annealing finds equilibria, never proves there are
no others, and serves the exact search
(:func:`~fairmas.solvers.game_equilibrium_search.search_equilibria`) as an
anytime source of equilibria on games too large to search to the end (on
the dense 30 players × 5 actions benchmark it finds an equilibrium within
seconds, where the search alone finds none in a minute).

The compiled kernel releases the GIL and polls a stop flag once per sweep,
so :class:`BackgroundEquilibriumAnnealing` runs it on a second core.

References
----------
S. Kirkpatrick, C. D. Gelatt, M. P. Vecchi, "Optimization by simulated
annealing", Science 220 (1983) 671–680.
R. W. Rosenthal, "A class of games possessing pure-strategy Nash
equilibria", Int. J. Game Theory 2 (1973) 65–67 (minimizing a potential; here
the regret plays its part for games without one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.background_runs import BackgroundRuns

SWEEPS = 3000
"""Sweeps of one annealing run (n proposed moves each)."""

HOT = 0.6
"""T_hot = HOT · (median payoff-table spread) · √(mean tables per player)."""

COOLING = 1000.0
"""T_cold = T_hot / COOLING."""

RECORDS = 64
"""Most zero-regret profiles one run records (repeats included; then it only anneals)."""


@njit(cache=True, nogil=True)
def _anneal_regret(
    m, owner, rpointer, rorder, start, payoffs, sweeps, hot, cold, threshold, seed, stop, records
):  # pragma: no cover (compiled)
    """One run from a random profile; zero-regret profiles go to ``records``, returns their count.

    Table t is u_ij with i = owner[t] and j its opponent; entry (a, b) is
    ``payoffs[start[t] + a * m[j] + b]``. The tables *against* player k are
    ``rorder[rpointer[k]:rpointer[k + 1]]``. Stops early when ``stop[0]`` is
    non-zero.
    """
    np.random.seed(seed)  # noqa: NPY002 (numba: seeds this thread's generator)
    n = m.size
    width = 1
    for i in range(n):
        width = max(width, m[i])
    profile = np.empty(n, np.int64)
    for i in range(n):
        profile[i] = np.random.randint(m[i])  # noqa: NPY002
    payoff = np.zeros((n, width))
    for k in range(n):
        for q in range(rpointer[k], rpointer[k + 1]):
            t = rorder[q]
            i = owner[t]
            for a in range(m[i]):
                payoff[i, a] += payoffs[start[t] + a * m[k] + profile[k]]
    regret = np.empty(n)
    unstable = 0
    for i in range(n):
        top = payoff[i, 0]
        for a in range(1, m[i]):
            top = max(top, payoff[i, a])
        regret[i] = top - payoff[i, profile[i]]
        if regret[i] > threshold:
            unstable += 1
    changed = np.empty(n)  # new regrets of the players a move touches
    n_records = 0
    if unstable == 0 and n_records < records.shape[0]:
        records[n_records, :] = profile
        n_records += 1
    ratio = (cold / hot) ** (1.0 / max(1, sweeps - 1))
    temperature = hot
    for _ in range(sweeps):
        if stop[0] != 0:
            break
        for _ in range(n):
            k = np.random.randint(n)  # noqa: NPY002
            if m[k] < 2:
                continue
            new = np.random.randint(m[k] - 1)  # noqa: NPY002
            old = profile[k]
            if new >= old:
                new += 1
            top = payoff[k, 0]
            for a in range(1, m[k]):
                top = max(top, payoff[k, a])
            changed[k] = top - payoff[k, new]
            delta = changed[k] - regret[k]
            for q in range(rpointer[k], rpointer[k + 1]):
                t = rorder[q]
                i = owner[t]
                base = start[t]
                top = -math.inf
                for a in range(m[i]):
                    value = (
                        payoff[i, a]
                        + payoffs[base + a * m[k] + new]
                        - payoffs[base + a * m[k] + old]
                    )
                    top = max(top, value)
                mine = profile[i]
                own = payoff[i, mine] + payoffs[base + mine * m[k] + new]
                changed[i] = top - (own - payoffs[base + mine * m[k] + old])
                delta += changed[i] - regret[i]
            if delta > 0.0 and np.random.random() >= math.exp(-delta / temperature):  # noqa: NPY002
                continue
            profile[k] = new
            unstable += int(changed[k] > threshold) - int(regret[k] > threshold)
            regret[k] = changed[k]
            for q in range(rpointer[k], rpointer[k + 1]):
                t = rorder[q]
                i = owner[t]
                base = start[t]
                for a in range(m[i]):
                    payoff[i, a] += payoffs[base + a * m[k] + new] - payoffs[base + a * m[k] + old]
                unstable += int(changed[i] > threshold) - int(regret[i] > threshold)
                regret[i] = changed[i]
            if unstable == 0 and n_records < records.shape[0]:
                records[n_records, :] = profile
                n_records += 1
        temperature *= ratio
    return n_records


@dataclass(frozen=True)
class _Tables:
    """The game's payoff tables, flat, with every player's incoming tables (CSR)."""

    m: np.ndarray
    owner: np.ndarray
    rpointer: np.ndarray
    rorder: np.ndarray
    start: np.ndarray
    payoffs: np.ndarray
    hot: float

    @classmethod
    def of(cls, game: PairwiseGame) -> _Tables:
        n = game.n_players
        payoffs, start = game.flat
        rorder = np.argsort(game.opponent, kind="stable").astype(np.int64)
        rpointer = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(game.opponent, minlength=n), out=rpointer[1:])
        spreads = [float(np.ptp(table)) for table in game.tables]
        spread = float(np.median(spreads)) if spreads else 0.0
        hot = HOT * spread * math.sqrt(game.n_tables / max(n, 1))
        return cls(
            m=np.ascontiguousarray(game.n_actions, dtype=np.int64),
            owner=np.ascontiguousarray(game.player),
            rpointer=rpointer,
            rorder=rorder,
            start=np.ascontiguousarray(start),
            payoffs=np.ascontiguousarray(payoffs),
            hot=hot,
        )


@dataclass
class EquilibriumAnnealingOutcome:
    """The pure equilibria annealing found.

    Attributes
    ----------
    equilibria : list of ndarray
        Distinct equilibria (action index per player), best welfare first; each
        checked with :meth:`PairwiseGame.is_equilibrium`.
    runs : int
        Annealing runs completed or stopped.
    """

    equilibria: list[np.ndarray] = field(default_factory=list)
    runs: int = 0

    @property
    def best(self) -> np.ndarray | None:
        """The equilibrium of largest welfare found, or None."""
        return self.equilibria[0] if self.equilibria else None

    @property
    def worst(self) -> np.ndarray | None:
        """The equilibrium of smallest welfare found, or None."""
        return self.equilibria[-1] if self.equilibria else None


class BackgroundEquilibriumAnnealing(BackgroundRuns):
    """Regret-annealing runs in a background thread; read the equilibria found at any time.

    Parameters
    ----------
    game : PairwiseGame
    seed : int
        Seed of the first run; run r uses ``seed + r``.

    Examples
    --------
    A coordination game of 30 players on a ring (matching a neighbour pays 1):
    every profile of runs of two or more alike is an equilibrium.

    >>> names = [f"p{i}" for i in range(30)]
    >>> match = [[1, 0], [0, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {p: ["x", "y"] for p in names},
    ...     [(names[i], names[i - 1], match) for i in range(30)]
    ...     + [(names[i - 1], names[i], match) for i in range(30)],
    ... )
    >>> with BackgroundEquilibriumAnnealing(game) as annealing:
    ...     annealing.first_run.wait()
    ...     found = annealing.found()
    True
    >>> len(found.equilibria) > 0, all(game.is_equilibrium(p) for p in found.equilibria)
    (True, True)
    """

    def __init__(self, game: PairwiseGame, seed: int = 0) -> None:
        self.game = game
        self.tables = _Tables.of(game)
        super().__init__("fairmas-equilibrium-annealing")
        self._seed = seed
        self._seen: dict[bytes, tuple[float, np.ndarray]] = {}
        self._runs = 0

    def found(self) -> EquilibriumAnnealingOutcome:
        """The distinct equilibria found so far, best welfare first."""
        with self._lock:
            ranked = sorted(self._seen.values(), key=lambda pair: -pair[0])
            return EquilibriumAnnealingOutcome([p.copy() for _, p in ranked], self._runs)

    def stop(self) -> EquilibriumAnnealingOutcome:
        """Stop within one sweep, wait for the thread, and return what was found."""
        super().stop()
        return self.found()

    def _run_until_stopped(self) -> None:
        tables, game = self.tables, self.game
        records = np.zeros((RECORDS, game.n_players), np.int64)
        hot = tables.hot if tables.hot > 0.0 else 1.0  # constant tables: every profile is stable
        while self._stop[0] == 0:
            count = _anneal_regret(
                tables.m, tables.owner, tables.rpointer, tables.rorder, tables.start,
                tables.payoffs, SWEEPS, hot, hot / COOLING, game.tolerance,
                self._seed + self._runs, self._stop, records,
            )  # fmt: skip
            fresh = {}
            for profile in records[:count]:
                key = profile.tobytes()
                if key not in self._seen and key not in fresh and game.is_equilibrium(profile):
                    fresh[key] = (game.welfare(profile), profile.copy())
            with self._lock:
                self._seen.update(fresh)
                self._runs += 1
            self.first_run.set()


def anneal_equilibria(
    game: PairwiseGame, seconds: float, seed: int = 0
) -> EquilibriumAnnealingOutcome:
    """The pure equilibria regret annealing finds in ``seconds`` (and at least one full run).

    Parameters
    ----------
    game : PairwiseGame
    seconds : float
        How long to anneal; the first run always ends.
    seed : int
        Seed of the first run.

    Returns
    -------
    EquilibriumAnnealingOutcome

    Examples
    --------
    The prisoner's dilemma between two players: both defect.

    >>> pd = [[3, 0], [5, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["cooperate", "defect"], "b": ["cooperate", "defect"]},
    ...     [("a", "b", pd), ("b", "a", pd)],
    ... )
    >>> [p.tolist() for p in anneal_equilibria(game, 0.05).equilibria]
    [[1, 1]]
    """
    return BackgroundEquilibriumAnnealing(game, seed).run_for(seconds)


def compile_kernels() -> None:
    """Compile (or load from numba's cache) the regret-annealing kernel on a two-player game."""
    tables = _Tables.of(PairwiseGame.random(2, 2, seed=0))
    _anneal_regret(
        tables.m, tables.owner, tables.rpointer, tables.rorder, tables.start, tables.payoffs,
        2, 1.0, 0.5, 1e-9, 0, np.zeros(1, np.int64), np.zeros((1, 2), np.int64),
    )  # fmt: skip
