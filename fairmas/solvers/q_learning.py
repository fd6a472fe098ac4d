"""Independent Q-learners in the repeated polymatrix game (compiled inner loop).

Each player i keeps its own table Q_i(s, a_i) ≈ E[R_t | s_t = s, a_t = a_i]
(seed 000, section 4.1.2) and ignores that the others learn too: the
*independent learners* of Claus and Boutilier (1998). Every episode is one
round of the stage game:

1. each player picks a_i ε-greedily from Q_i(s, ·) (greedy ties broken at random);
2. the joint action a gives rewards r_i = U_i(a) (``selfish``) or r_i = W(a) =
   Σ_k U_k(a) (``aligned``: every learner is paid the social welfare);
3. the next state is s' = a (``state="last_joint_action"``, the memory-one
   learners of Sandholm and Crites 1996) or the single state (``"none"``);
4. Q_i(s, a_i) ← Q_i(s, a_i) + α (r_i + γ max_b Q_i(s', b) − Q_i(s, a_i)).

Randomness comes from one seeded ``numpy.random.Generator``: two uniforms per
player and episode, drawn in blocks and handed to the kernel, so a seed gives
the same run on every machine.

References
----------
C. Claus, C. Boutilier, "The dynamics of reinforcement learning in cooperative
multiagent systems", AAAI 1998.
T. W. Sandholm, R. H. Crites, "Multiagent reinforcement learning in the iterated
prisoner's dilemma", Biosystems 37 (1996).
C. J. C. H. Watkins, P. Dayan, "Q-learning", Machine Learning 8 (1992).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from fairmas.models.pairwise_game import PairwiseGame

STATE_LIMIT = 10**5
"""Most joint actions (states) for ``state="last_joint_action"``."""
TABLE_LIMIT = 10**7
"""Most Q-table entries (states × Σ|A_i|)."""
BLOCK = 4096
"""Episodes per block of random numbers."""


@njit(cache=True)
def _learn(
    episodes,
    m,
    offset,
    pointer,
    order,
    opponent,
    start,
    payoffs,
    stride,
    q,
    state,
    a,
    uniforms,
    epsilon,
    alpha,
    gamma,
    aligned,
    curve,
    first,
):  # pragma: no cover (compiled)
    """Run ``episodes`` rounds from ``state``; write welfare per round to ``curve[first:]``."""
    n = m.size
    reward = np.empty(n)
    for step in range(episodes):
        # 1. epsilon-greedy actions
        for i in range(n):
            explore = uniforms[step, i, 0]
            pick = uniforms[step, i, 1]
            if explore < epsilon:
                a[i] = min(int(pick * m[i]), m[i] - 1)
            else:
                row = q[state, offset[i] : offset[i] + m[i]]
                top = row.max()
                ties = 0
                for b in range(m[i]):
                    if row[b] == top:
                        ties += 1
                chosen = min(int(pick * ties), ties - 1)
                for b in range(m[i]):
                    if row[b] == top:
                        if chosen == 0:
                            a[i] = b
                            break
                        chosen -= 1
        # 2. rewards
        welfare = 0.0
        for i in range(n):
            u = 0.0
            for k in range(pointer[i], pointer[i + 1]):
                t = order[k]
                j = opponent[t]
                u += payoffs[start[t] + a[i] * m[j] + a[j]]
            reward[i] = u
            welfare += u
        if aligned:
            reward[:] = welfare
        curve[first + step] = welfare
        # 3. next state
        following = 0
        if stride.size:
            for i in range(n):
                following += a[i] * stride[i]
        # 4. temporal-difference update
        for i in range(n):
            future = q[following, offset[i] : offset[i] + m[i]].max()
            cell = offset[i] + a[i]
            q[state, cell] += alpha * (reward[i] + gamma * future - q[state, cell])
        state = following
    return state


@dataclass(frozen=True)
class LearningRun:
    """The outcome of a Q-learning run.

    Attributes
    ----------
    profile : ndarray
        The learned profile: each player's greedy action in the final state
        (lowest index among ties).
    q : ndarray
        Q tables, shape (states, Σ|A_i|); player i's are the columns
        ``action_offset[i]:action_offset[i+1]``.
    welfare : ndarray
        Welfare of the joint action played in each episode (the learning curve).
    final_state : int
    greedy_fixed_point : bool
        With ``state="last_joint_action"``: whether greedy play from the final
        state repeats the learned profile (always True without state).
    """

    profile: np.ndarray
    q: np.ndarray
    welfare: np.ndarray
    final_state: int
    greedy_fixed_point: bool


def state_space(game: PairwiseGame, state: str) -> int:
    """Number of learner states: 1, or Π|A_i| for ``last_joint_action``."""
    return 1 if state == "none" else game.n_profiles


def state_space_problem(game: PairwiseGame, state: str) -> str | None:
    """Why the Q tables would be too big for ``state``, or None."""
    states = state_space(game, state)
    if state == "none":
        return None
    if states > STATE_LIMIT or states * game.total_actions > TABLE_LIMIT:
        shown = f"{float(states):.3g}" if states >= 10**6 else str(states)
        return (
            f"state=last_joint_action needs one state per joint action: {shown} here, more "
            f"than the limit of {STATE_LIMIT} states and {TABLE_LIMIT} Q-table entries; "
            "use state=none"
        )
    return None


def _greedy(q_row: np.ndarray, game: PairwiseGame) -> np.ndarray:
    offset = game.action_offset
    return np.array(
        [int(np.argmax(q_row[offset[i] : offset[i + 1]])) for i in range(game.n_players)],
        dtype=np.int64,
    )


def independent_q_learning(
    game: PairwiseGame,
    episodes: int = 10_000,
    seed: int = 0,
    epsilon: float = 0.1,
    alpha: float = 0.1,
    gamma: float = 0.0,
    state: str = "none",
    reward: str = "selfish",
) -> LearningRun:
    """Independent ε-greedy Q-learners playing the repeated game.

    Parameters
    ----------
    game : PairwiseGame
    episodes : int
        Rounds of the stage game.
    seed : int
        Seed of the numpy Generator.
    epsilon, alpha, gamma : float
        Exploration rate, learning rate and discount factor.
    state : {"none", "last_joint_action"}
    reward : {"selfish", "aligned"}
        Learn on one's own U_i, or on the social welfare W.

    Returns
    -------
    LearningRun

    Raises
    ------
    ValueError
        When the state space is too big (see :func:`state_space_problem`).

    Examples
    --------
    >>> pd = [[3, 0], [5, 1]]
    >>> game = PairwiseGame.from_tables(
    ...     {"a": ["c", "d"], "b": ["c", "d"]}, [("a", "b", pd), ("b", "a", pd)]
    ... )
    >>> independent_q_learning(game, 2000, seed=1).profile.tolist()     # both defect
    [1, 1]
    >>> independent_q_learning(game, 2000, seed=1, reward="aligned").profile.tolist()
    [0, 0]
    """
    problem = state_space_problem(game, state)
    if problem is not None:
        raise ValueError(problem)
    states = state_space(game, state)
    m = np.ascontiguousarray(game.n_actions)
    if state == "none":
        stride = np.zeros(0, dtype=np.int64)
    else:
        stride = np.ones(game.n_players, dtype=np.int64)
        for i in range(game.n_players - 2, -1, -1):
            stride[i] = stride[i + 1] * m[i + 1]
    pointer, order = game.tables_by_player
    payoffs, start = game.flat
    q = np.zeros((states, game.total_actions))
    a = np.zeros(game.n_players, dtype=np.int64)
    curve = np.empty(episodes)
    rng = np.random.default_rng(seed)
    current = 0
    done = 0
    while done < episodes:
        block = min(BLOCK, episodes - done)
        uniforms = rng.random((block, game.n_players, 2))
        current = _learn(
            block,
            m,
            np.ascontiguousarray(game.action_offset),
            np.ascontiguousarray(pointer),
            np.ascontiguousarray(order),
            np.ascontiguousarray(game.opponent),
            np.ascontiguousarray(start),
            np.ascontiguousarray(payoffs),
            stride,
            q,
            current,
            a,
            uniforms,
            float(epsilon),
            float(alpha),
            float(gamma),
            reward == "aligned",
            curve,
            done,
        )
        done += block
    profile = _greedy(q[current], game)
    fixed = True
    if stride.size:
        fixed = bool(np.array_equal(_greedy(q[int(profile @ stride)], game), profile))
    return LearningRun(profile, q, curve, int(current), fixed)


def downsample(values: np.ndarray, points: int = 200) -> tuple[list[int], list[float]]:
    """Mean of ``values`` over at most ``points`` equal bins: (last episode of each bin, mean).

    >>> downsample(np.arange(10.0), 5)
    ([2, 4, 6, 8, 10], [0.5, 2.5, 4.5, 6.5, 8.5])
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return [], []
    bins = min(points, values.size)
    edges = np.linspace(0, values.size, bins + 1).round().astype(np.int64)
    sums = np.add.reduceat(values, edges[:-1])
    means = sums / np.diff(edges)
    return edges[1:].tolist(), [float(x) for x in means]


@functools.cache
def compile_kernels() -> None:
    """Compile (or load from numba's cache) the learning kernel once per process."""
    game = PairwiseGame.from_tables({"a": ["x", "y"], "b": ["x"]}, [("a", "b", [[1.0], [0.0]])])
    independent_q_learning(game, episodes=2)
    independent_q_learning(game, episodes=2, state="last_joint_action", reward="aligned")


def episodes_per_second(run_time: float, episodes: int) -> float | None:
    """Throughput, or None for a run too short to time."""
    return episodes / run_time if run_time > 0 and math.isfinite(run_time) else None
