"""Project selection and payments: brute force over project sets, auction subset DP, payments.

Payment rules for a chosen set S (DESIGN.md section 2), each individually
rational (0 ≤ p_i ≤ v_i(S) whenever S recovers its cost):

``proportional``
    p_i = C(S)·v_i(S) / Σ_j v_j(S): cost shares proportional to value,
    budget-balanced (Moulin & Shenker 2001 call this the proportional cost share).
``egalitarian``
    p_i = min(v_i(S), λ) with λ the smallest level with Σ_i p_i = C(S) (equal
    shares capped by value; budget-balanced since Σ_i v_i(S) ≥ C(S)).
``vcg``
    Clarke pivot with the cost as the centre's value (Clarke 1971):
    p_i = W_{−i} − (Σ_{j≠i} v_j(S) − C(S)), where W_{−i} = max_{S'} Σ_{j≠i} v_j(S') − C(S')
    is the best net welfare of the others without agent i. p_i ≥ 0 always;
    truthful and individually rational when S maximizes the net welfare (for
    an auction, C = 0: the classic VCG auction). Its budget surplus
    Σ_i p_i − C(S) may be negative (a deficit), reported by the objective.

References
----------
W. Vickrey (1961), E. H. Clarke (1971), T. Groves (1973); H. Moulin, S. Shenker,
"Strategyproof sharing of submodular costs", Economic Theory 18 (2001).
M. H. Rothkopf, A. Pekeč, R. M. Harstad, "Computationally manageable
combinational auctions", Management Science 44(8), 1998 (the subset DP).
"""

from __future__ import annotations

import numpy as np

from fairmas.models.mechanism import MechanismInstance
from fairmas.solvers.enumeration import MAX_PROJECTS, all_project_sets

MAX_DP_ITEMS = 16
"""Largest number of auction items (2^16 item sets) the subset DP handles."""

COST_TOLERANCE = 1e-9
"""Σ v_i(S) ≥ C(S) − COST_TOLERANCE·max(1, C(S)) counts as recovering the cost."""


def best_project_set(
    instance: MechanismInstance, excluded_agent: int | None = None, net_of_cost: bool = False
) -> tuple[np.ndarray, float]:
    """The cost-recovering project set of maximum Σ_i v_i(S), by enumeration (≤ 16 projects).

    With ``net_of_cost`` it maximizes Σ_i v_i(S) − C(S) instead (VCG's welfare).

    Examples
    --------
    >>> inst = MechanismInstance.from_projects(
    ...     ["a", "b"], {"park": 10, "pool": 8}, {"a": {"park": 6, "pool": 1}, "b": {"park": 7}})
    >>> mask, welfare = best_project_set(inst)
    >>> mask.tolist(), welfare
    ([True, False], 13.0)
    """
    values = instance.values.copy()
    if excluded_agent is not None:
        values[excluded_agent] = 0.0
    sets = all_project_sets(instance.n_projects)
    gross = sets @ values.sum(axis=0)
    cost = sets @ instance.costs
    feasible = gross >= cost - COST_TOLERANCE * np.maximum(1.0, cost)
    gross = np.where(feasible, gross - cost if net_of_cost else gross, -np.inf)
    best = int(np.argmax(gross))
    return sets[best], float(gross[best])


def winner_determination_dp(
    instance: MechanismInstance, excluded_agent: int | None = None
) -> tuple[np.ndarray, float]:
    """Optimal XOR-bid winner determination by dynamic programming over item sets.

    F_a(T) is the best value of bids of the first a agents using only items
    in T; F_a(T) = max(F_{a−1}(T), max over bids b of agent a with bundle
    B_b ⊆ T of F_{a−1}(T ∖ B_b) + value_b). Agents are processed one at a
    time so each wins at most one bid (the XOR). O(#bids · 2^items).

    Examples
    --------
    >>> inst = MechanismInstance.from_document({"kind": "mechanism", "agents": ["a", "b"],
    ...     "items": ["x", "y"], "bids": [{"agent": "a", "bundle": ["x", "y"], "value": 5},
    ...     {"agent": "a", "bundle": ["x"], "value": 3},
    ...     {"agent": "b", "bundle": ["y"], "value": 3}]})
    >>> mask, welfare = winner_determination_dp(inst)
    >>> mask.tolist(), welfare
    ([False, True, True], 6.0)
    """
    assert instance.bundles is not None
    assert instance.bidder is not None
    n_items = len(instance.items)
    size = 1 << n_items
    weights = 1 << np.arange(n_items, dtype=np.int64)
    bundle_mask = instance.bundles.astype(np.int64) @ weights
    bid_value = instance.values[instance.bidder, np.arange(instance.n_projects)]
    sets = np.arange(size, dtype=np.int64)
    table = np.zeros(size)
    history = []
    for agent in range(instance.n_agents):
        previous = table
        table = previous.copy()
        choice = np.full(size, -1, dtype=np.int64)
        if agent != excluded_agent:
            for b in np.flatnonzero(instance.bidder == agent):
                contains = (sets & bundle_mask[b]) == bundle_mask[b]
                candidate = np.full(size, -np.inf)
                candidate[contains] = previous[sets[contains] & ~bundle_mask[b]] + bid_value[b]
                better = candidate > table
                table = np.where(better, candidate, table)
                choice = np.where(better, b, choice)
        history.append(choice)
    selected = np.zeros(instance.n_projects, dtype=bool)
    remaining = size - 1
    for agent in range(instance.n_agents - 1, -1, -1):
        b = int(history[agent][remaining])
        if b >= 0:
            selected[b] = True
            remaining &= ~int(bundle_mask[b])
    return selected, float(table[size - 1])


def too_many_projects(instance: MechanismInstance) -> str | None:
    """Why project enumeration cannot run, or None."""
    if instance.variant != "projects":
        return "enumerates project sets; for an auction use subset_dp or milp"
    if instance.n_projects > MAX_PROJECTS:
        return (
            f"enumerates at most 2^{MAX_PROJECTS} project sets "
            f"({instance.n_projects} projects); use milp"
        )
    return None


def too_many_items(instance: MechanismInstance) -> str | None:
    """Why the subset DP cannot run, or None."""
    if instance.variant != "auction":
        return "is for the auction variant (items and bids); use brute_force or milp"
    if len(instance.items) > MAX_DP_ITEMS:
        return f"handles at most {MAX_DP_ITEMS} items (got {len(instance.items)}); use milp"
    return None


def proportional_payments(agent_values: np.ndarray, cost: float) -> np.ndarray:
    """p_i = C·v_i / Σ v (zero when nothing is valued or nothing costs).

    >>> proportional_payments(np.array([6.0, 2.0]), 4.0).tolist()
    [3.0, 1.0]
    """
    total = agent_values.sum()
    if total <= 0 or cost <= 0:
        return np.zeros_like(agent_values)
    return cost * agent_values / total


def capped_proportional_payments(
    agent_values: np.ndarray, cost: float, caps: np.ndarray
) -> np.ndarray:
    """p_i = min(u_i, λ v_i), u_i = min(v_i, cap_i), λ the smallest level with Σ p_i = C.

    Proportional cost shares when some agents' payments are capped (a
    ``budget`` constraint): the shares of the capped agents stop at their cap
    and the rest of the cost is shared in proportion to value among the others
    (water-filling on λ). Without binding caps it is :func:`proportional_payments`.
    When Σ u_i < C the cost cannot be recovered and every agent pays u_i.

    >>> capped_proportional_payments(np.array([6.0, 2.0]), 4.0, np.array([2.0, np.inf])).tolist()
    [2.0, 2.0]
    >>> capped_proportional_payments(np.array([6.0, 2.0]), 4.0, np.array([9.0, 9.0])).tolist()
    [3.0, 1.0]
    """
    upper = np.minimum(agent_values, caps)
    target = min(cost, float(upper.sum()))
    if target <= 0:
        return np.zeros_like(agent_values)
    valued = agent_values > 0
    # λ at which each agent reaches its cap; the total is piecewise linear in λ
    levels = np.where(valued, upper / np.where(valued, agent_values, 1.0), np.inf)
    order = np.argsort(levels)
    paid, rate = 0.0, float(agent_values[valued].sum())
    for i in order:
        if not valued[i]:
            break
        # at λ = levels[i] the total is paid + rate·λ
        if paid + rate * levels[i] >= target:
            break
        paid += upper[i]
        rate -= agent_values[i]
    level = (target - paid) / rate if rate > 0 else 0.0
    return np.where(valued, np.minimum(upper, level * agent_values), 0.0)


def egalitarian_payments(agent_values: np.ndarray, cost: float) -> np.ndarray:
    """p_i = min(v_i, λ) with Σ p_i = min(C, Σ v) (water-filling).

    >>> egalitarian_payments(np.array([6.0, 1.0, 6.0]), 9.0).tolist()
    [4.0, 1.0, 4.0]
    """
    if cost <= 0:
        return np.zeros_like(agent_values)
    target = min(cost, float(agent_values.sum()))
    order = np.sort(agent_values)
    n = len(order)
    paid = 0.0
    for position, value in enumerate(order):
        level = (target - paid) / (n - position)
        if level <= value:
            return np.minimum(agent_values, level)
        paid += value
    return agent_values.copy()


def vcg_payments(agent_values: np.ndarray, cost: float, welfare_without: np.ndarray) -> np.ndarray:
    """Clarke pivot p_i = W_{−i} − (Σ_{j≠i} v_j(S) − C(S)).

    The park (cost 10) valued 6 and 7: without either agent the other would
    not build it (W_{−i} = 0), so p = (0 − (7 − 10), 0 − (6 − 10)) = (3, 4), a
    deficit of 3.

    >>> vcg_payments(np.array([6.0, 7.0]), 10.0, np.array([0.0, 0.0])).tolist()
    [3.0, 4.0]
    """
    return welfare_without - (agent_values.sum() - agent_values - cost)
