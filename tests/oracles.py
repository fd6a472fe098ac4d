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


# ----------------------------------------------------------------------------- issue 3 (trust side)


def trust_by_path_enumeration(
    n: int,
    edges: list[tuple[int, int, float]],
    transitivity: str,
    aggregation: str,
    hops: int,
) -> np.ndarray:
    """Propagated trust as a dense matrix, by listing every simple path of ≤ hops edges.

    Path trust: min or product of its edge trusts; over the paths i → j: the
    max, or Σ t² / Σ t (0 when Σ t = 0). Recursion in plain Python (small graphs).
    """
    out_edges: dict[int, list[tuple[int, float]]] = {i: [] for i in range(n)}
    for a, b, t in edges:
        out_edges[a].append((b, t))
    paths: dict[tuple[int, int], list[float]] = {}

    def walk(start: int, node: int, visited: set[int], trust: float, depth: int) -> None:
        for nxt, t in out_edges[node]:
            if nxt in visited:
                continue
            value = t if depth == 0 else (min(trust, t) if transitivity == "min" else trust * t)
            paths.setdefault((start, nxt), []).append(value)
            if depth + 1 < hops:
                walk(start, nxt, visited | {nxt}, value, depth + 1)

    for start in range(n):
        walk(start, start, {start}, 1.0, 0)
    tau = np.zeros((n, n))
    for (i, j), values in paths.items():
        if aggregation == "max":
            tau[i, j] = max(values)
        else:
            total = sum(values)
            tau[i, j] = sum(v * v for v in values) / total if total > 0 else 0.0
    return tau


def h_step_matrix_dense(n: int, edges: list[tuple[int, int, float]], hops: int) -> np.ndarray:
    """P^h with P the row-normalized direct trust, densely (numpy.linalg.matrix_power)."""
    trust = np.zeros((n, n))
    for a, b, t in edges:
        trust[a, b] = t
    rows = trust.sum(axis=1, keepdims=True)
    step = np.divide(trust, rows, out=np.zeros_like(trust), where=rows > 0)
    return np.linalg.matrix_power(step, hops)


def set_partitions(n: int, k: int):
    """Every partition of range(n) into exactly k non-empty blocks, as label lists
    (restricted growth strings)."""

    def grow(prefix: list[int], used: int):
        if len(prefix) == n:
            if used == k:
                yield list(prefix)
            return
        if used + (n - len(prefix)) < k:
            return
        for label in range(min(used + 1, k)):
            yield from grow([*prefix, label], max(used, label + 1))

    yield from grow([], 0)


def best_k_coalition_welfare(graph: WeightedGraph, k: int) -> float:
    """Max welfare over all structures with exactly k non-empty coalitions (n ≤ 9)."""
    assert graph.n <= 9, "enumeration is for small graphs"
    pairs = list(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True))
    best = -np.inf
    for labels in set_partitions(graph.n, k):
        best = max(best, sum(w for a, b, w in pairs if labels[a] == labels[b]))
    return float(best)


def blocking_coalitions_brute_force(
    graph: WeightedGraph, labels: list[int], tolerance: float = 1e-7
) -> list[tuple[int, ...]]:
    """Every coalition B (as a sorted tuple) in which no member gets less than in
    ``labels`` and some member gets more (both up to ``tolerance``); plain loops."""
    n = graph.n
    weight = [[0.0] * n for _ in range(n)]
    for a, b, w in zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True):
        weight[a][b] = weight[b][a] = w
    current = [
        sum(weight[i][j] for j in range(n) if j != i and labels[j] == labels[i]) for i in range(n)
    ]
    found = []
    for mask in range(1, 1 << n):
        members = [i for i in range(n) if mask >> i & 1]
        inside = {i: sum(weight[i][j] for j in members if j != i) for i in members}
        if all(inside[i] >= current[i] - tolerance for i in members) and any(
            inside[i] > current[i] + tolerance for i in members
        ):
            found.append(tuple(members))
    return found


def all_set_partitions(n: int) -> list[list[int]]:
    """Every partition of {0..n-1} as a list of bitmasks (restricted growth strings, n ≤ 10)."""
    assert 0 <= n <= 10, "enumeration is for small n"
    partitions: list[list[int]] = []

    def extend(agent: int, blocks: list[int]) -> None:
        if agent == n:
            partitions.append(list(blocks))
            return
        for b in range(len(blocks)):
            blocks[b] |= 1 << agent
            extend(agent + 1, blocks)
            blocks[b] &= ~(1 << agent)
        blocks.append(1 << agent)
        extend(agent + 1, blocks)
        blocks.pop()

    extend(0, [])
    return partitions


def best_structure_value(values: np.ndarray) -> float:
    """max over all coalition structures of Σ v(C) for a dense table (n ≤ 10)."""
    n = int(values.size).bit_length() - 1
    assert values.size == 1 << n
    return max(sum(float(values[mask]) for mask in blocks) for blocks in all_set_partitions(n))


def graph_game_table(n: int, pairs: dict[tuple[int, int], float]) -> np.ndarray:
    """v(C) = Σ_{i<j∈C} w_ij for every bitmask, pair by pair (no doubling trick)."""
    values = np.zeros(1 << n)
    for mask in range(1 << n):
        values[mask] = sum(w for (i, j), w in pairs.items() if (mask >> i) & 1 and (mask >> j) & 1)
    return values


# ----------------------------------------------------------------------------- allocation oracles
# Plain Python over every integer allocation: each unit of each resource goes to one agent or
# stays unallocated (the numpy enumeration of fairmas.solvers.enumeration is not used).


def integer_allocations(values, supply, caps=None):
    """Yield (x, utilities) for every integer allocation (lists of lists), small instances only."""
    import itertools

    n, m = len(values), len(supply)
    per_resource = []
    for j in range(m):
        units = int(supply[j])
        options = []
        for combo in itertools.product(range(units + 1), repeat=n):
            if sum(combo) > units:
                continue
            if caps is not None and any(combo[i] > caps[i][j] for i in range(n)):
                continue
            options.append(combo)
        per_resource.append(options)
    for choice in itertools.product(*per_resource):
        x = [[choice[j][i] for j in range(m)] for i in range(n)]
        utilities = [sum(values[i][j] * x[i][j] for j in range(m)) for i in range(n)]
        yield x, utilities


def oracle_max_min(values, supply, weights, caps=None) -> float:
    """max over allocations of min_i u_i / w_i."""
    return max(
        min(u / w for u, w in zip(us, weights, strict=True))
        for _, us in integer_allocations(values, supply, caps)
    )


def oracle_leximin(values, supply, weights, caps=None, tol=1e-9) -> list[float]:
    """The lexicographically largest sorted vector of u_i / w_i (ties within tol)."""
    best = None
    for _, us in integer_allocations(values, supply, caps):
        key = sorted(u / w for u, w in zip(us, weights, strict=True))
        if best is None:
            best = key
            continue
        for a, b in zip(key, best, strict=True):
            if a > b + tol:
                best = key
                break
            if a < b - tol:
                break
    return best


def oracle_min_gap(values, supply, epsilon, caps=None) -> float:
    """min max−min utility among allocations with welfare ≥ (1 − ε)·max welfare."""
    allocations = [us for _, us in integer_allocations(values, supply, caps)]
    top = max(sum(us) for us in allocations)
    floor = (1 - epsilon) * top - 1e-9 * max(1.0, top)
    return min(max(us) - min(us) for us in allocations if sum(us) >= floor)


def oracle_nash(values, supply, weights, caps=None) -> tuple[int, float]:
    """(most agents with positive utility, max Σ w log u over them)."""
    import math

    best = (-1, -math.inf)
    for _, us in integer_allocations(values, supply, caps):
        count = sum(u > 0 for u in us)
        welfare = sum(w * math.log(u) for u, w in zip(us, weights, strict=True) if u > 0)
        if count > best[0] or (count == best[0] and welfare > best[1]):
            best = (count, welfare)
    return best


# ----------------------------------------------------------------------------- mechanism oracles


def oracle_project_welfare(values, costs, excluded=None, net=False) -> float:
    """Best Σ_i v_i(S) (or Σ v − C with net) over cost-recovering project sets, by recursion."""
    n, K = len(values), len(costs)
    totals = [sum(values[i][k] for i in range(n) if i != excluded) for k in range(K)]
    best = 0.0

    def walk(k: int, gross: float, cost: float) -> None:
        nonlocal best
        if k == K:
            if gross >= cost - 1e-9 * max(1.0, cost):
                best = max(best, gross - cost if net else gross)
            return
        walk(k + 1, gross, cost)
        walk(k + 1, gross + totals[k], cost + costs[k])

    walk(0, 0.0, 0.0)
    return best


def oracle_auction(bids, excluded=None) -> float:
    """Best total value of XOR bids [(agent, frozenset(items), value)], by recursion over bids."""
    best = 0.0

    def walk(b: int, used: frozenset, agents: frozenset, total: float) -> None:
        nonlocal best
        if b == len(bids):
            best = max(best, total)
            return
        walk(b + 1, used, agents, total)
        agent, bundle, value = bids[b]
        if agent != excluded and agent not in agents and not (bundle & used):
            walk(b + 1, used | bundle, agents | {agent}, total + value)

    walk(0, frozenset(), frozenset(), 0.0)
    return best


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


# ----------------------------------------------------------------------------- issue 6: constraints
# The fairness properties written from their definitions, in plain Python, to filter the
# brute-force enumeration and to check solutions (no code shared with fairmas.constraints).


def bundle_value(values, i, bundle) -> float:
    """v_i of a bundle (amounts per resource)."""
    return sum(values[i][j] * bundle[j] for j in range(len(bundle)))


def is_envy_free(values, x, weights=None, tol=1e-7) -> bool:
    """v_i(x_i)/w_i ≥ v_i(x_k)/w_k for every i ≠ k (w ≡ 1 without weights)."""
    n = len(values)
    w = weights or [1.0] * n
    return all(
        bundle_value(values, i, x[i]) / w[i] >= bundle_value(values, i, x[k]) / w[k] - tol
        for i in range(n)
        for k in range(n)
        if i != k
    )


def is_ef1(values, x, weights=None, tol=1e-7) -> bool:
    """Envy-free up to one unit: removing k's most valuable unit (to i) ends i's envy."""
    n = len(values)
    w = weights or [1.0] * n
    for i in range(n):
        for k in range(n):
            if i == k:
                continue
            held = [values[i][j] for j in range(len(x[k])) if x[k][j] >= 1]
            best = max(held, default=0.0)
            own = bundle_value(values, i, x[i]) / w[i]
            if own < (bundle_value(values, i, x[k]) - best) / w[k] - tol:
                return False
    return True


def is_proportional(values, supply, weights, x, tol=1e-7) -> bool:
    """v_i(x) ≥ w_i/Σw · v_i(everything)."""
    total = sum(weights)
    return all(
        bundle_value(values, i, x[i]) >= weights[i] / total * bundle_value(values, i, supply) - tol
        for i in range(len(values))
    )


def constrained_brute_force(values, supply, weights, objective, keep, caps=None, epsilon=0.0):
    """Optimum of an allocation objective over the integer allocations ``keep(x, u)`` accepts.

    ``objective``: ``max_min`` (value), ``min_gap`` (value; floor from the best welfare among
    the kept allocations), ``nash`` ((most positive agents, Σ w log u)), ``leximin`` (sorted
    vector). None when no allocation is kept.
    """
    import math

    kept = [(x, us) for x, us in integer_allocations(values, supply, caps) if keep(x, us)]
    if not kept:
        return None
    if objective == "max_min":
        return max(min(u / w for u, w in zip(us, weights, strict=True)) for _, us in kept)
    if objective == "min_gap":
        top = max(sum(us) for _, us in kept)
        floor = (1 - epsilon) * top - 1e-9 * max(1.0, top)
        return min(max(us) - min(us) for _, us in kept if sum(us) >= floor)
    if objective == "nash":
        best = (-1, -math.inf)
        for _, us in kept:
            count = sum(u > 0 for u in us)
            welfare = sum(w * math.log(u) for u, w in zip(us, weights, strict=True) if u > 0)
            if count > best[0] or (count == best[0] and welfare > best[1] + 1e-12):
                best = (count, welfare)
        return best
    if objective == "leximin":
        best = None
        for _, us in kept:
            key = sorted(u / w for u, w in zip(us, weights, strict=True))
            if best is None or _lexicographically_larger(key, best):
                best = key
        return best
    raise ValueError(objective)


def _lexicographically_larger(a, b, tol=1e-9) -> bool:
    for p, q in zip(a, b, strict=True):
        if p > q + tol:
            return True
        if p < q - tol:
            return False
    return False


def oracle_constrained_projects(values, costs, keep) -> tuple[float, list[int]] | None:
    """Best Σ_i v_i(S) over cost-recovering project sets S that ``keep(S, agent_values, cost)``
    accepts (S a tuple of project indices); None when there is none."""
    import itertools

    n, K = len(values), len(costs)
    best = None
    for size in range(K + 1):
        for chosen in itertools.combinations(range(K), size):
            agent_values = [sum(values[i][k] for k in chosen) for i in range(n)]
            cost = sum(costs[k] for k in chosen)
            if sum(agent_values) < cost - 1e-9 * max(1.0, cost):
                continue
            if not keep(chosen, agent_values, cost):
                continue
            gross = sum(agent_values)
            if best is None or gross > best[0] + 1e-9:
                best = (gross, list(chosen))
    return best


def best_partition_with(n: int, weight, keep, k: int | None = None) -> float | None:
    """Max Σ_{i<j in one coalition} weight(i, j) over the partitions (a label per agent; exactly
    k coalitions when k is given) that ``keep(labels)`` accepts; None when none is kept."""
    if k is not None:
        candidates = set_partitions(n, k)
    else:
        candidates = (
            [next(b for b, mask in enumerate(blocks) if mask >> i & 1) for i in range(n)]
            for blocks in all_set_partitions(n)
        )
    best = None
    for labels in candidates:
        labels = list(labels)
        if not keep(labels):
            continue
        total = sum(
            weight(i, j) for i in range(n) for j in range(i + 1, n) if labels[i] == labels[j]
        )
        best = total if best is None else max(best, total)
    return best


# ----------------------------------------------------------------------------- leximin verifier


def leximin_saturation_excess(values, supply, weights, caps, utilities, atol=1e-9) -> float:
    """How much a divisible allocation could lift the weighted utilities of a claimed leximin.

    ``utilities``: y*_i = v_i(x)/w_i of the allocation to check (with divisible goods
    the leximin utility vector is unique, so it may be checked agent by agent).
    Group the agents into classes C_1, C_2, … of equal y* (ascending, level ℓ_c
    the least y* in C_c). For each class, one scipy ``linprog`` (HiGHS, feasibility
    tolerance 1e-10) over the allocations (Σ_i x_ij ≤ R_j, 0 ≤ x_ij ≤ c_ij):

        max Σ_{i ∈ C_c} y_i   s.t.  y_i ≥ y*_i for i in C_1 … C_{c−1},
                                    y_i ≥ ℓ_c  for i in C_c, C_{c+1}, …

    y* is the leximin vector iff no optimum exceeds Σ_{i ∈ C_c} y*_i: by induction
    over the classes, the max-min over the agents not yet fixed is then ℓ_c (else
    every agent of C_c rises) and no agent of C_c can rise alone, so C_c is exactly
    the set of agents saturated at ℓ_c (the saturation test of Ogryczak, Pióro &
    Tomaszewski 2005; Nace & Pióro 2008). Unlike sums of the k smallest kept with a
    slack, the rows pin single agents, so the LPs stay small and well-posed.

    Returns the largest (optimum − Σ_{C_c} y*_i) / max(Σ_{C_c} y*_i, atol) over the
    classes (≈ 0 for the leximin vector, > 0 when some class can be lifted), ``inf``
    when no allocation reaches y* (an LP is infeasible).
    """
    import scipy.sparse as sparse
    from scipy.optimize import linprog

    values = np.asarray(values, dtype=float)
    n, m = values.shape
    scaled = values / np.asarray(weights, dtype=float)[:, None]
    caps = np.full((n, m), np.inf) if caps is None else np.asarray(caps, dtype=float)
    target = np.asarray(utilities, dtype=float)
    order = np.argsort(target, kind="stable")
    ordered = target[order]
    steps = np.flatnonzero(np.diff(ordered) > 1e-9 * np.maximum(1.0, np.abs(ordered[1:])))
    classes = np.split(order, steps + 1)
    # rows: −y_i ≤ −bound_i (agent-major x), then Σ_i x_ij ≤ R_j
    agent_rows = sparse.kron(sparse.eye_array(n), np.ones((1, m))).tocsr() * -scaled.ravel()
    supply_rows = sparse.kron(np.ones((1, n)), sparse.eye_array(m))
    matrix = sparse.vstack([agent_rows, supply_rows]).tocsr()
    bounds = [(0.0, None if not np.isfinite(c) else float(c)) for c in caps.ravel()]
    worst = -np.inf
    earlier = np.zeros(n, dtype=bool)
    for members in classes:
        level = float(target[members].min())
        floor = np.where(earlier, target, level)
        cost = np.zeros((n, m))
        cost[members] = -scaled[members]
        solved = linprog(
            cost.ravel(),
            A_ub=matrix,
            b_ub=np.concatenate([-floor, np.asarray(supply, dtype=float)]),
            bounds=bounds,
            method="highs",
            options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
        )
        if solved.status == 2:
            return np.inf
        assert solved.status == 0, solved.message
        claimed = float(target[members].sum())
        worst = max(worst, (-solved.fun - claimed) / max(abs(claimed), atol))
        earlier[members] = True
    return float(worst)


def oracle_leximin_single_resource(values, supply, weights, caps=None) -> np.ndarray:
    """The leximin weighted utilities when every agent values at most one resource.

    Then the resources are independent and each is shared by water-filling: with
    a_i = v_ij/w_i and cap c_i, agent i gets the level min(a_i c_i, t_j), t_j the
    level at which Σ_i min(c_i, t_j/a_i) = R_j (everybody capped when the supply
    allows). In closed form over the agents sorted by a_i c_i (smart grid: the
    consumers behind one feeder, proportional curtailment). Returns y_i per agent.
    """
    values = np.asarray(values, dtype=float)
    n, m = values.shape
    caps = np.full((n, m), np.inf) if caps is None else np.asarray(caps, dtype=float)
    valued = values > 0
    if (valued.sum(axis=1) > 1).any():
        raise ValueError("an agent values more than one resource")
    levels = np.zeros(n)
    for j in range(m):
        agents = np.flatnonzero(valued[:, j] & (caps[:, j] > 0))
        if not len(agents):
            continue
        rate = values[agents, j] / np.asarray(weights, dtype=float)[agents]
        cap = caps[agents, j]
        top = rate * cap
        if cap.sum() <= supply[j]:
            levels[agents] = top
            continue
        order = np.argsort(top)
        served = 0.0  # Σ c_i of the agents capped below the level
        for position, i in enumerate(order):
            rest = order[position:]
            level = (supply[j] - served) / (1.0 / rate[rest]).sum()
            if level <= top[i]:
                break
            served += cap[i]
        levels[agents] = np.minimum(top, level)
    return levels
