"""Independent brute-force oracles for the tests (no code shared with fairmas' methods)."""

from __future__ import annotations

import numpy as np

from fairmas.models.weighted_graph import WeightedGraph


def best_two_coalition_welfare(graph: WeightedGraph) -> float:
    """Max welfare over all 2-partitions with both sides non-empty, by enumeration (n ≤ 16).

    Agent 0 stays on side 0 (swapping sides changes nothing), so 2^(n-1) - 1 masks.
    """
    n = graph.n
    assert 2 <= n <= 16, "enumeration is for small graphs"
    masks = np.arange(1, 2 ** (n - 1), dtype=np.int64) << 1  # bit i = side of agent i
    side_u = (masks[:, None] >> graph.u[None, :]) & 1
    side_v = (masks[:, None] >> graph.v[None, :]) & 1
    together = side_u == side_v
    return float((together * graph.w[None, :]).sum(axis=1).max())


# ----------------------------------------------------------------------------- pairwise games


def pairwise_game_brute_force(document: dict) -> dict:
    """Every pure profile of a pairwise game document, from its raw tables (small games only).

    Returns the social optimum, the set of pure Nash equilibria (as tuples of
    action names, in player order) with their welfare, and the least total
    regret among the socially optimal profiles (the cost of alignment).
    """
    import itertools

    players = list(document["players"])
    actions = [document["players"][p] for p in players]
    tables = {
        (entry["player"], entry["opponent"]): np.asarray(entry["table"], dtype=float)
        for entry in document["payoffs"]
    }
    assert np.prod([len(a) for a in actions]) <= 10**5, "brute force is for small games"

    def utility(player: int, choice: tuple[int, ...], own: int) -> float:
        total = 0.0
        for other, name in enumerate(players):
            table = tables.get((players[player], name))
            if table is not None and other != player:
                total += table[own, choice[other]]
        return total

    welfare, regret = {}, {}
    for choice in itertools.product(*(range(len(a)) for a in actions)):
        gains = []
        for i in range(len(players)):
            now = utility(i, choice, choice[i])
            gains.append(max(utility(i, choice, b) for b in range(len(actions[i]))) - now)
        named = tuple(actions[i][k] for i, k in enumerate(choice))
        welfare[named] = sum(utility(i, choice, choice[i]) for i in range(len(players)))
        regret[named] = gains
    optimum = max(welfare.values())
    scale = max([1.0] + [float(np.abs(t).max()) for t in tables.values() if t.size])
    equilibria = {p: welfare[p] for p in welfare if max(regret[p]) <= 1e-9 * scale}
    near = optimum - 1e-6 * max(1.0, abs(optimum))
    alignment = min(sum(regret[p]) for p in welfare if welfare[p] >= near)
    return {"optimum": optimum, "equilibria": equilibria, "alignment": alignment}
