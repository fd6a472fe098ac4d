"""CSG-UCT: Monte Carlo tree search over the coalition structure graph (Wu & Ramchurn 2020).

The search starts from the structure of singletons; a move merges two
coalitions, so every structure is reachable and the grand coalition ends
every path. Each iteration

1. *selects* a path from the root, following at each fully expanded node the
   child of largest UCB1 score Q̄ + √(2 ln N / N_child) (Kocsis & Szepesvári
   2006), with Q̄ the mean reward scaled to [0, 1] by the smallest and largest
   reward seen so far;
2. *expands* one untried merge of the last node (in a seeded random order);
3. *simulates* from the new structure with the myopic rollout of the paper:
   merge the two coalitions whose merge gains most, v(C_i ∪ C_j) − v(C_i) −
   v(C_j), as long as some merge gains; the reward is the welfare reached;
4. *backs up* the reward along the path.

The best structure met anywhere (expanded or reached by a rollout) is
returned, so the search is anytime. Structures reached along different merge
orders share one node (a transposition table), so a node is expanded at most
once; a node whose children are all exhausted is exhausted itself, and when
the root is exhausted every structure has been evaluated and the answer is
proven optimal (this happens on small instances: Bell(n) structures).

Two value oracles: a dense table (bitmasks, n ≤ 25) with merge gains read
from the table, and a graph game (any n) whose merge gains are the cross
weights Σ_{i∈C_a, j∈C_b} w_ij, kept as a matrix updated on every merge.

References
----------
F. Wu, S. D. Ramchurn, "Monte-Carlo tree search for scalable coalition
formation", IJCAI 2020, 407–413.
L. Kocsis, C. Szepesvári, "Bandit based Monte-Carlo planning", ECML 2006.
B. E. Childs, J. H. Brodeur, L. Kocsis, "Transpositions and move groups in
Monte Carlo tree search", IEEE CIG 2008.

Examples
--------
>>> import numpy as np
>>> values = np.array([0, 30, 40, 50, 25, 60, 55, 90, 45, 80, 70, 120, 80, 100, 115, 140.0])
>>> found = csg_uct(TableOracle(values), iterations=500, seed=0)
>>> found.value, found.exhausted      # Bell(4) = 15 structures: all visited, optimum proven
(150.0, True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from fairmas.models.weighted_graph import WeightedGraph

# ----------------------------------------------------------------------------- value oracles


class TableOracle:
    """Coalition values from a dense table ``values[mask]`` (n ≤ 62, masks as int64)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.n = self.values.size.bit_length() - 1

    def value(self, mask: int) -> float:
        """v(C)."""
        return float(self.values[mask])

    def start(self, masks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Coalition bitmasks and the matrix of merge gains (−∞ on the diagonal)."""
        array = np.array(masks, dtype=np.int64)
        own = self.values[array]
        gains = self.values[array[:, None] | array[None, :]] - own[:, None] - own[None, :]
        np.fill_diagonal(gains, -np.inf)
        return array, gains

    def merge(
        self, array: np.ndarray, gains: np.ndarray, a: int, b: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Merge coalitions a < b into a; drop b; recompute the gains of the new coalition."""
        merged = array[a] | array[b]
        array = np.delete(array, b)
        gains = np.delete(np.delete(gains, b, axis=0), b, axis=1)
        array[a] = merged
        row = self.values[merged | array] - self.values[merged] - self.values[array]
        row[a] = -np.inf
        gains[a, :] = row
        gains[:, a] = row
        return array, gains


class GraphOracle:
    """Coalition values of a graph game, v(C) = Σ_{i<j∈C} w_ij, for any number of agents."""

    def __init__(self, graph: WeightedGraph) -> None:
        self.n = graph.n
        self.weights = np.zeros((graph.n, graph.n), dtype=np.float64)
        np.add.at(self.weights, (graph.u, graph.v), graph.w)
        self.weights += self.weights.T
        self._cache: dict[int, float] = {}

    def _members(self, mask: int) -> list[int]:
        return [i for i, bit in enumerate(reversed(bin(mask)[2:])) if bit == "1"]

    def value(self, mask: int) -> float:
        """v(C) (cached)."""
        if mask not in self._cache:
            members = self._members(mask)
            self._cache[mask] = float(self.weights[np.ix_(members, members)].sum() / 2)
        return self._cache[mask]

    def start(self, masks: list[int]) -> tuple[list[int], np.ndarray]:
        """Masks and the matrix of cross weights (= merge gains; −∞ on the diagonal)."""
        membership = np.zeros((self.n, len(masks)))
        for column, mask in enumerate(masks):
            membership[self._members(mask), column] = 1.0
        gains = membership.T @ self.weights @ membership
        np.fill_diagonal(gains, -np.inf)
        return list(masks), gains

    def merge(
        self, masks: list[int], gains: np.ndarray, a: int, b: int
    ) -> tuple[list[int], np.ndarray]:
        """Merge coalitions a < b into a: the cross weights of b add to those of a."""
        merged = masks[a] | masks[b]
        gains = gains.copy()
        gains[a, :] += gains[b, :]
        gains[:, a] += gains[:, b]
        gains[a, a] = -np.inf
        gains = np.delete(np.delete(gains, b, axis=0), b, axis=1)
        masks = [*masks[:b], *masks[b + 1 :]]
        masks[a] = merged
        return masks, gains


Oracle = TableOracle | GraphOracle

# ----------------------------------------------------------------------------- search


@dataclass(frozen=True)
class UctResult:
    """What a CSG-UCT run found.

    Attributes
    ----------
    coalitions : list of int
        Bitmasks of the best structure met.
    value : float
        Its welfare.
    exhausted : bool
        Whether every structure was evaluated (the value is then optimal).
    stopped_by : str
        ``"iterations"``, ``"time_limit"`` or ``"exhausted"``.
    stats : dict
        ``iterations``, ``nodes`` (structures expanded), ``rollouts``.
    """

    coalitions: list[int]
    value: float
    exhausted: bool
    stopped_by: str
    stats: dict[str, int] = field(default_factory=dict)


@dataclass
class _Node:
    value: float
    untried: list[tuple[int, int]]
    children: list[tuple[int, ...]] = field(default_factory=list)
    visits: int = 0
    total: float = 0.0
    exhausted: bool = False


def _key(masks: list[int] | np.ndarray) -> tuple[int, ...]:
    return tuple(sorted(int(m) for m in masks))


def _merged_key(key: tuple[int, ...], a: int, b: int) -> tuple[int, ...]:
    rest = [m for position, m in enumerate(key) if position not in (a, b)]
    return tuple(sorted([*rest, key[a] | key[b]]))


def _select(
    table: dict[tuple[int, ...], _Node],
    children: list[tuple[int, ...]],
    parent_visits: int,
    low: float,
    high: float,
) -> tuple[int, ...]:
    """The child of largest UCB1 score, mean rewards scaled to [0, 1] by [low, high]."""
    spread = high - low if high > low else 1.0
    log_visits = math.log(max(parent_visits, 1))

    def score(child: tuple[int, ...]) -> float:
        stats = table[child]
        if stats.visits == 0:
            return math.inf
        mean = (stats.total / stats.visits - low) / spread
        return mean + math.sqrt(2.0 * log_visits / stats.visits)

    return max(children, key=score)


def greedy_rollout(oracle: Oracle, masks: list[int]) -> tuple[list[int], float]:
    """Myopic rollout: merge the pair of largest positive gain until none gains.

    Returns the structure reached and its welfare.
    """
    value = sum(oracle.value(int(m)) for m in masks)
    array, gains = oracle.start(list(masks))
    while len(array) > 1:
        a, b = divmod(int(np.argmax(gains)), len(array))
        gain = float(gains[a, b])
        if not gain > 0:
            break
        value += gain
        array, gains = oracle.merge(array, gains, min(a, b), max(a, b))
    return [int(m) for m in array], value


def csg_uct(
    oracle: Oracle,
    iterations: int | None = 2000,
    time_limit: float | None = None,
    seed: int = 0,
) -> UctResult:
    """Best coalition structure found by CSG-UCT within an iteration or time budget.

    Parameters
    ----------
    oracle : TableOracle or GraphOracle
        The coalition values.
    iterations : int or None
        Iterations to run (None: until the time limit or exhaustion).
    time_limit : float, optional
        Seconds; the search stops at whichever budget ends first.
    seed : int
        Seed of the random order in which merges are tried.

    Returns
    -------
    UctResult
    """
    if iterations is None and time_limit is None:
        raise ValueError("give an iteration budget, a time limit or both")
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = oracle.n
    root_key = tuple(1 << i for i in range(n))

    def new_node(key: tuple[int, ...]) -> _Node:
        pairs = [(a, b) for a in range(len(key)) for b in range(a + 1, len(key))]
        order = rng.permutation(len(pairs)) if pairs else []
        node = _Node(sum(oracle.value(m) for m in key), [pairs[i] for i in order])
        node.exhausted = len(key) == 1
        return node

    table: dict[tuple[int, ...], _Node] = {root_key: new_node(root_key)}
    best_key = root_key
    best_value = table[root_key].value
    low, high = best_value, best_value
    done = rollouts = 0
    stopped_by = "iterations"

    while True:
        if table[root_key].exhausted:
            stopped_by = "exhausted"
            break
        if iterations is not None and done >= iterations:
            break
        if time_limit is not None and time.perf_counter() - started >= time_limit:
            stopped_by = "time_limit"
            break
        done += 1
        path = [root_key]
        key = root_key
        leaf = None
        while True:
            node = table[key]
            if node.exhausted:
                break
            while node.untried and leaf is None:
                a, b = node.untried.pop()
                child = _merged_key(key, a, b)
                if child not in node.children:
                    node.children.append(child)
                if child not in table:
                    table[child] = new_node(child)
                    leaf = child
            if leaf is not None:
                path.append(leaf)
                break
            open_children = [c for c in node.children if not table[c].exhausted]
            if not open_children:
                node.exhausted = True
                break
            key = _select(table, open_children, node.visits, low, high)
            path.append(key)
        end = table[path[-1]]
        if end.value > best_value:
            best_value, best_key = end.value, path[-1]
        if not end.exhausted:
            reached, reward = greedy_rollout(oracle, list(path[-1]))
            rollouts += 1
            if reward > best_value:
                best_value, best_key = reward, _key(reached)
        else:
            reward = end.value
        low, high = min(low, reward), max(high, reward)
        for visited in path:
            stats = table[visited]
            stats.visits += 1
            stats.total += reward
        for visited in reversed(path):
            stats = table[visited]
            if not stats.exhausted and not stats.untried:
                stats.exhausted = all(table[c].exhausted for c in stats.children)
    return UctResult(
        list(best_key),
        float(sum(oracle.value(m) for m in best_key)),
        table[root_key].exhausted,
        stopped_by,
        {"iterations": done, "nodes": len(table), "rollouts": rollouts},
    )
