"""Good profiles fast: simulated annealing on the welfare of a polymatrix game.

The social welfare W(a) = Σ_e W_e(a_u, a_v) of a polymatrix game is the
energy of a pairwise Markov random field, and annealing with the heat-bath
(Gibbs) move finds near-optimal profiles of large sparse games in seconds,
where exact searches still run. Each sweep visits every player i and redraws
its action from

.. math::

    P(a_i = a) \\propto \\exp\\big(W_i(a, a_{-i}) / T\\big), \\qquad
    W_i(a, a_{-i}) = \\sum_{j} \\big(u_{ij}(a, a_j) + u_{ji}(a_j, a)\\big),

the welfare of the pairs i belongs to. The temperature T falls geometrically
from T_hot to T_cold = T_hot / 20 over a run; T_hot = 0.2 · s · √d̄, where s
is the median spread (max − min) of the pair welfare tables and d̄ the mean
number of opponents, so the schedule follows the scale of the payoffs and the
size of the local fields. Runs restart with twice as many sweeps each time
(1000, 2000, …); the best profile seen is kept and finished by iterated
conditional modes (:func:`~fairmas.solvers.game_local_search.local_welfare_profile`).

The compiled kernel releases the GIL and polls a stop flag once per sweep,
so :class:`BackgroundAnnealing` runs it on a second core beside an exact
search and hands over incumbents at any time.

References
----------
S. Kirkpatrick, C. D. Gelatt, M. P. Vecchi, "Optimization by simulated
annealing", Science 220 (1983) 671–680.
S. Geman, D. Geman, "Stochastic relaxation, Gibbs distributions, and the
Bayesian restoration of images", IEEE TPAMI 6 (1984) 721–741.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.background_runs import BackgroundRuns
from fairmas.solvers.game_local_search import local_welfare_profile

FIRST_SWEEPS = 1000
"""Sweeps of the first run; each restart doubles them."""

MAX_SWEEPS = 1 << 20
"""Most sweeps of one run."""

HOT = 0.2
"""T_hot = HOT · (median pair-table spread) · √(mean opponents)."""

COOLING = 20.0
"""T_cold = T_hot / COOLING."""


@njit(cache=True, nogil=True)
def _anneal(
    start, other, table, flat, n_actions, profile, sweeps, hot, cold, seed, stop
):  # pragma: no cover
    """Heat-bath annealing from ``profile`` (changed in place); returns (best gain, best profile).

    The gain is the welfare change from the start profile. Player i's
    incidences k = start[i]..start[i+1]-1 name the opponent ``other[k]`` and
    the pair table oriented (own action, opponent's action) at
    ``flat[table[k]:]``. Stops early when ``stop[0]`` becomes non-zero.
    """
    np.random.seed(seed)  # noqa: NPY002 (numba: seeds this thread's generator, not numpy's)
    n = profile.size
    weights = np.empty(n_actions.max())
    gain = 0.0
    best = 0.0
    best_profile = profile.copy()
    ratio = (cold / hot) ** (1.0 / max(1, sweeps - 1))
    temperature = hot
    for _ in range(sweeps):
        if stop[0] != 0:
            break
        for i in range(n):
            m = n_actions[i]
            for a in range(m):
                weights[a] = 0.0
            for k in range(start[i], start[i + 1]):
                j = other[k]
                cell = table[k] + profile[j]
                stride = n_actions[j]
                for a in range(m):
                    weights[a] += flat[cell + a * stride]
            top = weights[0]
            for a in range(1, m):
                top = max(top, weights[a])
            total = 0.0
            for a in range(m):
                weights[a] = math.exp((weights[a] - top) / temperature)
                total += weights[a]
            draw = np.random.random() * total  # noqa: NPY002 (numba kernels have no Generator)
            chosen = 0
            mass = weights[0]
            while mass < draw and chosen < m - 1:
                chosen += 1
                mass += weights[chosen]
            if chosen != profile[i]:
                delta = 0.0
                for k in range(start[i], start[i + 1]):
                    j = other[k]
                    cell = table[k] + profile[j]
                    stride = n_actions[j]
                    delta += flat[cell + chosen * stride] - flat[cell + profile[i] * stride]
                profile[i] = chosen
                gain += delta
                if gain > best + 1e-9:
                    best = gain
                    best_profile[:] = profile
        temperature *= ratio
    return best, best_profile


@dataclass(frozen=True)
class _Incidence:
    """Every player's pairs, oriented from the player: CSR over players."""

    start: np.ndarray
    other: np.ndarray
    table: np.ndarray
    flat: np.ndarray
    n_actions: np.ndarray
    hot: float

    @classmethod
    def of(cls, game: PairwiseGame) -> _Incidence:
        start, other, table, flat = game.welfare_by_player
        n_actions = game.n_actions.astype(np.int64)
        # each pair appears twice (once from each side) with the same spread: the median holds
        spreads = [
            float(np.ptp(flat[table[k] : table[k] + n_actions[i] * n_actions[other[k]]]))
            for i in range(game.n_players)
            for k in range(start[i], start[i + 1])
        ]
        spread = float(np.median(spreads)) if spreads else 0.0
        hot = HOT * spread * math.sqrt(other.size / max(game.n_players, 1))
        return cls(start, other, table, flat, n_actions, hot)


@dataclass(frozen=True)
class AnnealingOutcome:
    """The best profile annealing found.

    Attributes
    ----------
    profile : ndarray of int64
        Action index per player, a local optimum for single-player switches.
    welfare : float
        Its social welfare.
    runs : int
        Annealing runs completed or stopped.
    sweeps : int
        Sweeps of the longest run.
    """

    profile: np.ndarray
    welfare: float
    runs: int
    sweeps: int


class BackgroundAnnealing(BackgroundRuns):
    """Annealing restarts in a background thread; read the best profile at any time.

    Parameters
    ----------
    game : PairwiseGame
    start : ndarray of int, optional
        The first run starts here (default: every player's first action);
        later runs start from the best profile so far.
    seed : int
        Seed of the first run; run r uses ``seed + r``.

    Examples
    --------
    >>> import time
    >>> game = PairwiseGame.random(60, 3, degree=4, seed=1)
    >>> with BackgroundAnnealing(game) as annealing:
    ...     time.sleep(0.2)
    ...     found = annealing.best()
    >>> found.welfare == game.welfare(found.profile) >= game.welfare(local_welfare_profile(game))
    True
    """

    def __init__(self, game: PairwiseGame, start: np.ndarray | None = None, seed: int = 0) -> None:
        self.game = game
        self.incidence = _Incidence.of(game)
        profile = local_welfare_profile(
            game, start=np.zeros(game.n_players, np.int64) if start is None else start
        )
        super().__init__("fairmas-annealing")
        self._best = AnnealingOutcome(profile, game.welfare(profile), 0, 0)
        self._seed = seed

    def best(self) -> AnnealingOutcome:
        """The best profile found so far."""
        with self._lock:
            return self._best

    def stop(self) -> AnnealingOutcome:
        """Stop within one sweep, wait for the thread, and return the best profile."""
        super().stop()
        return self.best()

    def _run_until_stopped(self) -> None:
        incidence, sweeps, runs = self.incidence, FIRST_SWEEPS, 0
        if incidence.hot <= 0.0:  # every pair table is constant: every profile is optimal
            return
        while self._stop[0] == 0:
            gain, profile = _anneal(
                incidence.start,
                incidence.other,
                incidence.table,
                incidence.flat,
                incidence.n_actions,
                self.best().profile.copy(),
                sweeps,
                incidence.hot,
                incidence.hot / COOLING,
                self._seed + runs,
                self._stop,
            )
            runs += 1
            if gain > 1e-9:  # better than the run's start, the best profile so far
                profile = local_welfare_profile(self.game, start=profile)
                welfare = self.game.welfare(profile)
            with self._lock:
                if gain > 1e-9 and welfare > self._best.welfare:
                    self._best = AnnealingOutcome(profile, welfare, runs, sweeps)
                else:
                    self._best = AnnealingOutcome(
                        self._best.profile, self._best.welfare, runs, sweeps
                    )
            self.first_run.set()
            sweeps = min(2 * sweeps, MAX_SWEEPS)


def anneal_welfare(
    game: PairwiseGame, seconds: float, start: np.ndarray | None = None, seed: int = 0
) -> AnnealingOutcome:
    """The best profile annealing finds in ``seconds`` of wall time, and at least one full run.

    Parameters
    ----------
    game : PairwiseGame
    seconds : float
        How long to anneal; the first run (:data:`FIRST_SWEEPS` sweeps) always
        ends, even when it takes longer.
    start : ndarray of int, optional
        Where the first run starts (default: every player's first action).
    seed : int
        Seed of the first run.

    Returns
    -------
    AnnealingOutcome

    Examples
    --------
    A ring of 40 players who each earn 1 per neighbour playing the other
    action (2 actions): the alternating profile earns all 80.

    >>> differ = [[0, 1], [1, 0]]
    >>> names = [f"p{i}" for i in range(40)]
    >>> game = PairwiseGame.from_tables(
    ...     {p: ["x", "y"] for p in names},
    ...     [(names[i], names[(i + 1) % 40], differ) for i in range(40)]
    ...     + [(names[(i + 1) % 40], names[i], differ) for i in range(40)],
    ... )
    >>> anneal_welfare(game, 0.2).welfare
    80.0
    """
    return BackgroundAnnealing(game, start, seed).run_for(seconds)


def compile_kernels() -> None:
    """Compile (or load from numba's cache) the annealing kernel on a two-player game."""
    incidence = _Incidence.of(PairwiseGame.random(2, 2, seed=0))
    _anneal(
        incidence.start,
        incidence.other,
        incidence.table,
        incidence.flat,
        incidence.n_actions,
        np.zeros(2, np.int64),
        2,
        1.0,
        0.5,
        0,
        np.zeros(1, np.int64),
    )
