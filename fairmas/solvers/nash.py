"""Maximum Nash welfare: outer approximation on HiGHS, proportional response, the certificate.

Nash welfare (proportional fairness) maximizes Σ_i w_i log v_i(x). With
divisible goods this is the Eisenberg–Gale program, whose optimum is the
competitive equilibrium of a Fisher market with budgets w_i: prices p_j (the
duals of the supply rows), every good with a positive price sold out, and
every agent spending its budget only on goods of maximum bang per buck
v_ij / p_j. :func:`equilibrium_certificate` checks exactly that.

Methods:

* :func:`nash_outer_approximation`: Kelley's cutting planes. log is replaced
  by the minimum of linear cuts that lie above it; solve the LP (MILP for
  indivisible goods) on HiGHS, add the cut at each agent's new utility, re-solve
  warm, until the LP bound and the true Σ w log v of the incumbent are within
  ``tolerance``. For whole-number utilities (indivisible goods, whole-number
  valuations) the cuts are the secants through consecutive whole numbers,
  exact at every whole number (Caragiannis et al. 2019): the loop then stops
  finitely at the exact optimum. Agents who cannot all get positive utility
  are handled by the rule of Caragiannis et al.: first maximize how many get
  positive utility, then Nash welfare among those.
* :func:`proportional_response`: the proportional response dynamics of linear
  Fisher markets (Zhang 2011; Birnbaum, Devanur & Xiao 2011), each agent
  re-bidding its budget in proportion to the utility each good gave it; it
  shares no code with the LP method and stops on the Eisenberg–Gale duality
  gap.

References
----------
E. Eisenberg, D. Gale (1959); J. E. Kelley (1960); L. Zhang, "Proportional
response dynamics in the Fisher market", Theor. Comput. Sci. 412 (2011);
B. Birnbaum, N. R. Devanur, L. Xiao, "Distributed algorithms via gradient
descent for Fisher markets", EC 2011; I. Caragiannis et al., "The unreasonable
fairness of maximum Nash welfare", ACM TEAC 7(3), 2019.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

from fairmas.formulations.allocation import (
    build_nash_model,
    build_positive_count_model,
    clean_allocation,
    secant,
    tangent,
)
from fairmas.models.allocation import AllocationInstance
from fairmas.result import Status
from fairmas.solvers.allocation_lp import AllocationSolve, x_columns
from fairmas.solvers.highs_direct import CompiledModel
from fairmas.solvers.options import SolveOptions

NASH_TOLERANCE = 1e-9
"""Default relative gap between the outer-approximation bound and Σ w log v at which
the loop stops (also the duality-gap target of proportional response)."""

MAX_ROUNDS = 500

FIRST_ROUND_IPM_NONZEROS = 50_000
"""The first LP of a larger model goes to the interior-point method (the dual simplex
needed 17 s cold at 1000 agents × 100 goods); later rounds re-solve warm with the simplex."""

POLISH_GAP = 1e-2
"""From this relative gap on, each round tries to turn the incumbent's trading graph into the
exact equilibrium (:func:`polish_equilibrium`); the loop ends when the certificate holds."""


COLUMN_GENERATION_SIZE = 20_000
"""Divisible instances with more agent–good pairs start the LP with only the promising pairs."""

PROMISING_PER_AGENT = 5


def _promising_pairs(instance: AllocationInstance) -> np.ndarray:
    """Pairs likely to trade at equilibrium: each agent's best goods at guessed prices.

    The guess spends every budget in proportion to value
    (p̂_j = Σ_i w_i v_ij R_j / Σ_k v_ik R_k / R_j); each agent keeps its
    :data:`PROMISING_PER_AGENT` best goods by v_ij / p̂_j, and each good its
    keenest agent. Column generation frees the others when their reduced cost
    is positive, so the final LP optimum is that of the full model.
    """
    value = instance.values * instance.supply[None, :]
    share = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
    guess = (instance.entitlements[:, None] * share).sum(axis=0) / instance.supply
    bang = instance.values / np.maximum(guess[None, :], 1e-300)
    k = min(PROMISING_PER_AGENT, instance.n_resources)
    best = np.argpartition(-bang, k - 1, axis=1)[:, :k]
    mask = np.zeros(instance.values.shape, dtype=bool)
    np.put_along_axis(mask, best, True, axis=1)
    mask[np.argmax(share, axis=0), np.arange(instance.n_resources)] = True
    return mask & (instance.values > 0)


def positive_agents(instance: AllocationInstance) -> np.ndarray:
    """Agents who value something they can hold (the others get utility 0 whatever happens)."""
    return (instance.values * instance.upper_bounds).max(axis=1) > 0


def smallest_positive_utility(instance: AllocationInstance) -> np.ndarray:
    """δ_i: the smallest utility > 0 agent i can receive from one whole unit (indivisible goods).

    For a divisible resource any positive amount helps; it then contributes
    v_ij·min(R_j, c_ij)·1e-6 (a tiny but positive utility).
    """
    unit = np.where(instance.divisible[None, :], 1e-6 * instance.upper_bounds, 1.0)
    unit = np.where(instance.upper_bounds > 0, unit, 0.0)
    gains = instance.values * unit
    gains = np.where(gains > 0, gains, np.inf)
    smallest = gains.min(axis=1)
    return np.where(np.isfinite(smallest), smallest, 0.0)


def log_nash_welfare(instance: AllocationInstance, x: np.ndarray, counted: np.ndarray) -> float:
    """Σ_{i counted} w_i log v_i(x) (−inf when a counted agent gets nothing)."""
    utilities = (instance.values * x).sum(axis=1)[counted]
    if np.any(utilities <= 0):
        return -math.inf
    return float(np.dot(instance.entitlements[counted], np.log(utilities)))


def nash_outer_approximation(
    instance: AllocationInstance,
    options: SolveOptions,
    tolerance: float = NASH_TOLERANCE,
    extend: Callable[[pyo.ConcreteModel], None] | None = None,
) -> AllocationSolve:
    """Maximum Nash welfare by cutting planes on HiGHS (see the module notes).

    ``extend(model)`` adds components (plug-in constraints) to each model
    built: the positive-count model and the Nash model. The optimum is then
    no Fisher-market equilibrium, so the equilibrium polish, the column
    generation and the prices are left out; the cut loop is unchanged (it
    only needs log to be concave).

    Returns
    -------
    AllocationSolve
        ``details`` holds the rounds, the cuts added, the positive-utility
        rule (``positive_utility_agents``), and for divisible goods the
        equilibrium ``prices`` (duals of the supply rows).

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> solved = nash_outer_approximation(inst, SolveOptions())
    >>> np.round(solved.x, 6).tolist(), np.round(solved.details["prices"], 6).tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0])
    """
    n, m = instance.n_agents, instance.n_resources
    started = time.perf_counter()
    can_be_positive = positive_agents(instance)
    details: dict[str, object] = {}
    integer_mode = instance.all_indivisible and instance.integer_values
    positive_count = None
    delta = smallest_positive_utility(instance)
    if not instance.all_divisible:
        count_model = build_positive_count_model(instance, delta)
        if extend is not None:
            extend(count_model)
        counted_solve = CompiledModel(count_model).solve(options)
        if counted_solve.status is not Status.OPTIMAL:
            details["stage"] = "maximum number of agents with positive utility"
            details["termination"] = counted_solve.termination
            if counted_solve.infeasible_constraints:
                details["infeasible_constraints"] = counted_solve.infeasible_constraints
            return AllocationSolve(counted_solve.status, None, None, details)
        positive_count = round(counted_solve.objective)
    else:
        positive_count = None
    max_positive = int(can_be_positive.sum()) if positive_count is None else positive_count
    details["positive_utility_agents"] = max_positive
    max_utility = (instance.values * instance.upper_bounds).sum(axis=1)
    share = (instance.values * instance.supply[None, :]).sum(axis=1) * (
        instance.entitlements / instance.entitlements.sum()
    )
    cuts: dict[int, list[tuple[float, float]]] = {}
    cut_keys: dict[int, set[float]] = {}
    for i in np.flatnonzero(can_be_positive):
        i = int(i)
        cut_keys[i] = set()
        cuts[i] = []
        if integer_mode:
            points = {1}
            k = 2
            while k < max_utility[i]:
                points.add(k)
                k *= 2
            points.add(max(1, min(int(share[i]), int(max_utility[i]) - 1)))
            for k in sorted(points):
                cuts[i].append(secant(k))
                cut_keys[i].add(float(k))
        else:
            low = max(delta[i], 1e-12 * max_utility[i])
            points = {max_utility[i], max(low, share[i])}
            for power in (2, 5, 10, 20, 40):
                points.add(max(low, max_utility[i] * 2.0**-power))
            for a in sorted(points):
                cuts[i].append(tangent(a))
                cut_keys[i].add(a)
    model = build_nash_model(
        instance,
        can_be_positive,
        cuts,
        positive_count=positive_count,
        smallest_positive=delta if positive_count is not None else None,
    )
    if extend is not None:
        extend(model)
    compiled = CompiledModel(model)
    cols = x_columns(compiled, model, n, m)
    members = [int(i) for i in model.NASH_AGENTS]
    w_cols = compiled.columns_of([model.log_utility[i] for i in members])
    u_cols = compiled.columns_of([model.utility_level[i] for i in members])
    z_cols = (
        compiled.columns_of([model.positive[i] for i in members])
        if positive_count is not None
        else None
    )
    supply_rows = compiled.rows_of([model.supply[j] for j in range(m)])
    polishable = instance.all_divisible and not np.isfinite(instance.caps).any() and extend is None
    # column generation: large LPs start with a few promising goods per agent; the others
    # are held at 0 until their reduced cost says they would help
    restricted = np.zeros((n, m), dtype=bool)
    if polishable and n * m > COLUMN_GENERATION_SIZE:
        restricted = ~_promising_pairs(instance)
        held = cols[restricted]
        compiled.highs.changeColsBounds(
            len(held), held.astype(np.int32), np.zeros(len(held)), np.zeros(len(held))
        )
    released = 0
    prices = None
    rounds = 0
    added = 0
    best_x = None
    best_value = -math.inf
    bound = None
    status = Status.OPTIMAL
    outcome = None
    while True:
        rounds += 1
        run_options = options
        if options.time_limit is not None:
            remaining = options.time_limit - (time.perf_counter() - started)
            if remaining <= 0:
                status = Status.MAX_TIME_LIMIT
                break
            run_options = SolveOptions(remaining, options.mip_gap, options.threads, options.verbose)
        # the dual simplex re-solves warm after each round of cuts; the IPM would start cold
        if compiled.is_mip:
            algorithm = "choose"
        elif rounds == 1 and compiled.nonzeros > FIRST_ROUND_IPM_NONZEROS:
            algorithm = "ipm"  # cold start of a large LP: interior point, then crossover
        else:
            algorithm = "simplex"
        outcome = compiled.solve(
            run_options, algorithm=algorithm, want_duals=instance.all_divisible
        )
        if outcome.status is Status.MAX_TIME_LIMIT:
            status = Status.MAX_TIME_LIMIT
            break
        if outcome.status is not Status.OPTIMAL:
            details["termination"] = outcome.termination
            if outcome.message:
                details["error"] = outcome.message
            if outcome.infeasible_constraints:
                details["infeasible_constraints"] = outcome.infeasible_constraints
            return AllocationSolve(outcome.status, None, None, details)
        x = clean_allocation(outcome.x[cols], instance)
        utilities = (instance.values * x).sum(axis=1)
        if z_cols is not None:
            chosen = np.zeros(n, dtype=bool)
            chosen[members] = outcome.x[z_cols] > 0.5
        else:
            chosen = can_be_positive
        value = log_nash_welfare(instance, x, chosen)
        if value > best_value:
            best_value, best_x = value, x
        bound = outcome.bound if outcome.bound is not None else outcome.objective
        newly = np.zeros((n, m), dtype=bool)
        if restricted.any() and outcome.column_duals is not None:
            reduced = outcome.column_duals[cols]
            newly = restricted & (reduced > 1e-9 * max(1.0, float(np.abs(reduced).max())))
            if newly.any():
                chosen_cols = cols[newly].astype(np.int32)
                compiled.highs.changeColsBounds(
                    len(chosen_cols),
                    chosen_cols,
                    np.zeros(len(chosen_cols)),
                    np.full(len(chosen_cols), np.inf),
                )
                restricted &= ~newly
                released += int(newly.sum())
                bound = math.inf  # the restricted LP's optimum is no bound yet
        if polishable and bound - best_value <= POLISH_GAP * max(1.0, abs(best_value)):
            polished = polish_equilibrium(instance, x)
            if polished is not None:
                certificate = equilibrium_certificate(instance, *polished, tolerance=1e-9)
                if certificate["holds"]:
                    best_x, prices = polished
                    best_value = log_nash_welfare(instance, best_x, chosen)
                    bound = best_value  # the KKT conditions hold: optimal
                    details["polished"] = True
                    break
        if math.isfinite(best_value) and bound - best_value <= tolerance * max(
            1.0, abs(best_value)
        ):
            break
        if rounds >= MAX_ROUNDS:
            status = Status.FEASIBLE
            break
        lower, starts, index, value_list = [], [], [], []
        for position, i in enumerate(members):
            if not chosen[i]:
                continue
            u = float(utilities[i])
            w_value = float(outcome.x[w_cols[position]])
            if u > 0 and w_value - math.log(u) <= 1e-12 * max(1.0, abs(w_value)):
                continue
            if integer_mode:
                k = max(1, round(u))
                new_points = [p for p in (k - 1, k) if p >= 1 and float(p) not in cut_keys[i]]
                new_cuts = [secant(p) for p in new_points]
            else:
                a = max(u, delta[i], 1e-12 * max_utility[i])
                new_points = [a] if a not in cut_keys[i] else []
                new_cuts = [tangent(a) for a in new_points]
            for point, (slope, intercept) in zip(new_points, new_cuts, strict=True):
                cut_keys[i].add(float(point))
                big_m = max(0.0, -intercept) if z_cols is not None else 0.0
                starts.append(len(index))
                index += [int(w_cols[position]), int(u_cols[position])]
                value_list += [1.0, -slope]
                if z_cols is not None:
                    index.append(int(z_cols[position]))
                    value_list.append(big_m)
                lower.append(intercept + big_m)
        if not lower and not newly.any():
            break  # every cut is in: the model is exact at the incumbent
        if not lower:
            continue
        added += len(lower)
        compiled.add_rows(
            np.full(len(lower), -np.inf),
            np.array(lower),
            np.array(starts),
            np.array(index),
            np.array(value_list),
        )
    details.update(
        {
            "rounds": rounds,
            "cuts": added + sum(len(c) for c in cuts.values()),
            "cut_kind": "secant" if integer_mode else "tangent",
            "columns_held_back": int(restricted.sum()),
            "columns_released": released,
            "log_nash_welfare": best_value,
            "outer_bound": bound,
        }
    )
    if best_x is None:
        return AllocationSolve(status, None, None, details)
    if prices is not None:
        details["prices"] = prices.tolist()
    elif (
        instance.all_divisible
        and extend is None
        and outcome is not None
        and outcome.row_duals is not None
    ):
        details["prices"] = np.abs(outcome.row_duals[supply_rows]).tolist()
    return AllocationSolve(status, best_x, bound, details)


def polish_equilibrium(
    instance: AllocationInstance, x: np.ndarray, threshold: float = 1e-7, repairs: int = 50
) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`equilibrium_from_support` on the heaviest forest of ``x``'s trades, repaired.

    When the prices of that forest leave some agent a better bang per buck
    outside it, the most violated pair joins the forest (forced in; the
    lightest trade of the cycle it closes leaves), at most ``repairs`` times:
    a few simplex-like pivots from the approximate LP vertex to the exact one.
    Returns the allocation and prices when the certificate holds at 1e-9.
    """
    weight = np.where(instance.values > 0, x, 0.0)
    support = (weight > threshold * instance.supply[None, :]) & (instance.values > 0)
    for _ in range(repairs + 1):
        forest = _heaviest_forest(weight, support)
        polished = equilibrium_from_support(instance, forest)
        if polished is None:
            return None
        x_new, prices = polished
        certificate = equilibrium_certificate(instance, x_new, prices, tolerance=1e-9)
        if certificate["holds"]:
            return polished
        with np.errstate(divide="ignore", invalid="ignore"):
            bang = np.where(prices[None, :] > 0, instance.values / prices[None, :], 0.0)
        best = bang.max(axis=1, keepdims=True)
        own = np.where(forest, bang, np.inf).min(axis=1, keepdims=True)
        gain = np.where(~forest & (instance.values > 0), bang / np.maximum(own, 1e-300), 0.0)
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[i, j] <= 1 + 1e-9 or not np.isfinite(best[i, 0]):
            return None
        support = forest.copy()
        support[i, j] = True
        weight = np.where(forest, weight, 0.0)
        weight[i, j] = np.inf
    return None


def equilibrium_from_support(
    instance: AllocationInstance, support: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The exact equilibrium whose trading graph is ``support``.

    At the Eisenberg–Gale optimum, prices along each connected component of
    the trading graph (agent i — good j where x_ij > 0) follow from the
    bang-per-buck equalities p_k / p_j = v_ik / v_ij of the agents in it, up to
    one factor per component fixed by its money: Σ_{j∈C} R_j p_j = Σ_{i∈C} w_i
    (:func:`support_prices`). On a forest the spending b_ij of agent i on good
    j is then unique (leaves first: an agent's spending is its budget, a
    good's revenue is R_j p_j). When ``support`` has cycles (ties: several
    equilibria share the prices), the spending is any solution of that
    transportation problem on the support, found by a HiGHS LP. Returns the
    allocation x_ij = b_ij / p_j and the prices, or None when no spending
    ≥ 0 exists (the support was not the equilibrium's). The caller must check
    the result with :func:`equilibrium_certificate`; when it holds the
    allocation is optimal to machine precision (the KKT conditions of
    Eisenberg–Gale hold).

    References
    ----------
    N. R. Devanur, C. H. Papadimitriou, A. Saberi, V. V. Vazirani, "Market
    equilibrium via a primal–dual algorithm for a convex program", J. ACM 55(5),
    2008 (equilibrium prices are determined by the equality subgraph).

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> x, prices = equilibrium_from_support(inst, np.eye(2, dtype=bool))
    >>> x.tolist(), prices.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0])
    """
    w = instance.entitlements
    forest = _prices_and_trees(instance, support)
    prices = forest.prices
    if forest.edges == int(support.sum()):
        spend = _spending_on_forest(instance, prices, forest)
    else:
        spend = _spending_by_transport(instance, prices, support)
    if spend is None or np.any(spend < -1e-12 * w.max()):
        return None
    return allocation_from_spending(instance, spend, prices), prices


def allocation_from_spending(
    instance: AllocationInstance, spend: np.ndarray, prices: np.ndarray
) -> np.ndarray:
    """x_ij = b_ij / p_j, each priced good's column scaled to sell exactly R_j.

    Spending computed leaves first carries rounding of the order of the
    largest budget it passed through; for a good of tiny revenue that is a
    visible relative error in what is sold. Scaling the column moves it to the
    buyers' budgets instead, where it is relative to w_i and negligible.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r"], [[1], [1]], supply=[2])
    >>> allocation_from_spending(inst, np.array([[1.0], [1.0 + 1e-15]]), np.ones(1)).sum()
    np.float64(2.0)
    """
    x = np.divide(
        np.maximum(spend, 0.0), prices[None, :], out=np.zeros_like(spend), where=prices > 0
    )
    sold = x.sum(axis=0)
    scale = np.divide(instance.supply, sold, out=np.ones_like(sold), where=sold > 0)
    return x * np.where(prices > 0, scale, 1.0)[None, :]


def support_prices(instance: AllocationInstance, support: np.ndarray) -> np.ndarray:
    """The prices that make every pair of a spanning forest of ``support`` maximum bang per buck.

    Per connected component C (breadth first from a good): log p_j − log p_k =
    log v_ij − log v_ik for the forest's agents i between goods j and k, scaled
    so that Σ_{j∈C} R_j p_j = Σ_{i∈C} w_i. Goods outside the support get price 0.
    When the support's pairs are all tight at the equilibrium, every spanning
    forest gives the equilibrium prices.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> support_prices(inst, np.array([[True, True], [False, True]])).tolist()
    [1.3333333333333333, 0.6666666666666666]
    """
    return _prices_and_trees(instance, support).prices


@dataclass(frozen=True)
class _Forest:
    """A breadth-first spanning forest of a trading graph and the prices it implies.

    Nodes are goods 0..m−1 and agents m..m+n−1; ``order`` lists the forest's
    nodes parents first, ``parent`` their parents (``n + m`` for a component's
    root good).
    """

    prices: np.ndarray
    order: np.ndarray
    parent: np.ndarray
    edges: int


def spending_on_forest(
    instance: AllocationInstance, forest: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """The prices a forest implies and the unique spending on its pairs.

    Unlike :func:`equilibrium_from_support` the spending may come out
    negative: the pair with the most negative spending is the one that
    does not belong to the equilibrium's trading graph (a pivot drops it).
    The spending is None when ``forest`` has a cycle.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> prices, spend = spending_on_forest(inst, np.array([[True, True], [False, True]]))
    >>> np.round(spend, 6).tolist()
    [[1.333333, -0.333333], [0.0, 1.0]]
    """
    tree = _prices_and_trees(instance, forest)
    if tree.edges != int(forest.sum()):
        return tree.prices, None
    return tree.prices, _spending_on_forest(instance, tree.prices, tree)


def _prices_and_trees(instance: AllocationInstance, support: np.ndarray) -> _Forest:
    """:func:`support_prices` and the breadth-first spanning forest it used."""
    n, m = instance.n_agents, instance.n_resources
    top = n + m  # the virtual root joined to one good of each component
    agents, goods = np.nonzero(support)
    shape = (top + 1, top + 1)
    graph = sp.csr_array((np.ones(len(agents)), (goods, m + agents)), shape=shape)
    _, labels = connected_components(graph, directed=False)
    traded = np.flatnonzero(support.any(axis=0))
    _, first = np.unique(labels[traded], return_index=True)
    roots = traded[first]
    rows = np.concatenate([goods, np.full(len(roots), top)])
    cols = np.concatenate([m + agents, roots])
    graph = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape)
    order, parent = breadth_first_order(graph, top, directed=False, return_predecessors=True)
    order = order[1:]
    parent = parent[order]
    # log-prices relative to each root, parents first: an agent's node holds
    # log(v_ij / p_j) of the good j above it, a good's node log p_j
    with np.errstate(divide="ignore"):
        log_values = np.log(instance.values)
    potential = np.zeros(top + 1)
    for node, up in zip(order.tolist(), parent.tolist(), strict=True):
        if up == top:
            continue
        if node >= m:
            potential[node] = log_values[node - m, up] - potential[up]
        else:
            potential[node] = log_values[up - m, node] - potential[up]
    goods_in = order[order < m]
    agents_in = order[order >= m] - m
    component = labels[goods_in]
    shift = np.full(labels.max() + 1, -np.inf)
    np.maximum.at(shift, component, potential[goods_in])
    raw = np.exp(potential[goods_in] - shift[component])
    money = np.bincount(
        labels[m + agents_in], weights=instance.entitlements[agents_in], minlength=len(shift)
    )
    worth = np.bincount(component, weights=instance.supply[goods_in] * raw, minlength=len(shift))
    prices = np.zeros(m)
    prices[goods_in] = raw * money[component] / worth[component]
    return _Forest(prices, order, parent, len(order) - len(roots))


def _spending_on_forest(
    instance: AllocationInstance, prices: np.ndarray, forest: _Forest
) -> np.ndarray | None:
    """The unique spending on the forest at ``prices``, leaves first (None if it cannot balance)."""
    n, m = instance.n_agents, instance.n_resources
    top = n + m
    residual = np.zeros(top + 1)
    residual[:m] = instance.supply * prices
    residual[m:top] = instance.entitlements
    spend = np.zeros((n, m))
    for node, up in zip(forest.order[::-1].tolist(), forest.parent[::-1].tolist(), strict=True):
        if up == top:
            continue
        flow = residual[node]
        residual[up] -= flow
        if node >= m:
            spend[node - m, up] = flow
        else:
            spend[up - m, node] = flow
    roots = forest.order[forest.parent == top]
    if np.any(np.abs(residual[roots]) > 1e-9 * max(1.0, float(instance.entitlements.sum()))):
        return None
    return spend


def _spending_by_transport(
    instance: AllocationInstance, prices: np.ndarray, support: np.ndarray
) -> np.ndarray | None:
    """Spending b ≥ 0 on the support with Σ_j b_ij = w_i and Σ_i b_ij = R_j p_j (HiGHS LP).

    The LP's basic solution lies on a forest; its spending is recomputed on that
    forest by :func:`_spending_on_forest`, so the answer does not inherit the
    LP's feasibility tolerance. None when the LP is infeasible.
    """
    agents, goods = np.nonzero(support)
    members = np.flatnonzero(support.any(axis=1))
    traded = np.flatnonzero(support.any(axis=0))
    agent_row = np.full(instance.n_agents, -1)
    agent_row[members] = np.arange(len(members))
    good_row = np.full(instance.n_resources, -1)
    good_row[traded] = len(members) + np.arange(len(traded))
    pairs = len(agents)
    rows = np.concatenate([agent_row[agents], good_row[goods]])
    cols = np.concatenate([np.arange(pairs), np.arange(pairs)])
    matrix = sp.csr_array(
        (np.ones(2 * pairs), (rows, cols)), shape=(len(members) + len(traded), pairs)
    )
    money = np.concatenate(
        [instance.entitlements[members], instance.supply[traded] * prices[traded]]
    )
    scale = float(money.max())
    solved = linprog(
        np.zeros(pairs),
        A_eq=matrix,
        b_eq=money / scale,
        bounds=(0, None),
        method="highs-ds",
        options={"primal_feasibility_tolerance": 1e-10},
    )
    if solved.status != 0:
        return None
    basis = np.zeros_like(support)
    basis[agents, goods] = solved.x > 1e-12
    weight = np.zeros(support.shape)
    weight[agents, goods] = solved.x
    return _spending_on_forest(instance, prices, _prices_and_trees(instance, basis))


def _heaviest_forest(x: np.ndarray, support: np.ndarray) -> np.ndarray:
    """A maximum-weight spanning forest (by x_ij) of the bipartite trading graph ``support``.

    Solver noise adds tiny trades that close cycles; the equilibrium's trading
    graph is generically a forest, so the heaviest forest keeps the real ones.
    Kruskal's algorithm (scipy's minimum spanning tree on the ranks of −x, so
    that ``inf`` forces a pair in).
    """
    n, m = x.shape
    agents, goods = np.nonzero(support)
    rank = np.empty(len(agents))
    rank[np.argsort(-x[agents, goods], kind="stable")] = np.arange(1, len(agents) + 1)
    graph = sp.csr_array((rank, (agents, n + goods)), shape=(n + m, n + m))
    tree = minimum_spanning_tree(graph).tocoo()
    forest = np.zeros_like(support)
    forest[tree.row, tree.col - n] = True
    return forest


def proportional_response(
    instance: AllocationInstance,
    tolerance: float = NASH_TOLERANCE,
    max_iterations: int = 2_000_000,
    time_limit: float | None = None,
) -> AllocationSolve:
    """Maximum Nash welfare with divisible goods by proportional response dynamics.

    Each agent i splits its budget w_i into bids b_ij; good j's price is
    p_j = Σ_i b_ij and agent i receives x_ij = R_j b_ij / p_j; then every agent
    re-bids in proportion to what each good gave it: b_ij ← w_i v_ij x_ij / v_i(x).
    The iterates converge to the Eisenberg–Gale optimum. The loop stops when
    the duality gap g(p) − Σ w_i log v_i(x) is below ``tolerance`` (relative,
    floored at 1), where g(p) = Σ_j R_j p_j + Σ_i w_i (log(w_i max_j v_ij/p_j) − 1)
    is the Eisenberg–Gale dual at the current prices, an upper bound.

    Agents who value nothing get nothing and are left out (their log is −inf).

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> solved = proportional_response(inst)
    >>> np.round(solved.x, 4).tolist(), solved.status
    ([[1.0, 0.0], [0.0, 1.0]], <Status.OPTIMAL: 'optimal'>)
    """
    started = time.perf_counter()
    active = positive_agents(instance)
    V = instance.values[active] * instance.supply[None, :]  # value of the whole supply
    w = instance.entitlements[active]
    bids = w[:, None] * V / V.sum(axis=1, keepdims=True)
    iterations = 0
    gap = math.inf
    value = -math.inf
    status = Status.OPTIMAL
    check_every = 10
    while True:
        prices = bids.sum(axis=0)
        share = np.divide(bids, prices[None, :], out=np.zeros_like(bids), where=prices > 0)
        gained = V * share
        utilities = gained.sum(axis=1)
        if iterations % check_every == 0:
            value = float(np.dot(w, np.log(utilities)))
            with np.errstate(divide="ignore"):
                bang = np.where(prices[None, :] > 0, V / prices[None, :], 0.0).max(axis=1)
            dual = float(prices.sum() + np.dot(w, np.log(w * bang) - 1.0))
            gap = dual - value
            if gap <= tolerance * max(1.0, abs(value)):
                break
            if iterations >= max_iterations:
                status = Status.FEASIBLE
                break
            if time_limit is not None and time.perf_counter() - started > time_limit:
                status = Status.MAX_TIME_LIMIT
                break
            check_every = min(200, check_every + 10)
        bids = w[:, None] * gained / utilities[:, None]
        iterations += 1
    x = np.zeros_like(instance.values)
    x[active] = share * instance.supply[None, :]
    return AllocationSolve(
        status,
        x,
        value + gap,
        {
            "iterations": iterations,
            "duality_gap": gap,
            "prices": (prices / 1.0).tolist(),
            "log_nash_welfare": value,
        },
    )


def equilibrium_certificate(
    instance: AllocationInstance,
    x: np.ndarray,
    prices: np.ndarray,
    tolerance: float = 1e-6,
) -> dict[str, object]:
    """Check that (x, p) is a Fisher-market equilibrium with budgets w (Eisenberg–Gale optimality).

    Conditions, each measured relative to the scale of the instance:

    * market clearing: every good with a positive price is sold out,
      Σ_i x_ij = R_j, and no good is over-sold;
    * budgets: each agent who values something spends w_i = Σ_j p_j x_ij;
    * maximum bang per buck: x_ij > 0 only where v_ij / p_j = max_k v_ik / p_k.

    Returns
    -------
    dict
        ``holds`` (bool) and the largest violation of each condition.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> equilibrium_certificate(inst, np.eye(2), np.array([1.0, 1.0]))["holds"]
    True
    >>> equilibrium_certificate(inst, np.eye(2)[::-1], np.array([1.0, 1.0]))["holds"]
    False
    """
    prices = np.asarray(prices, dtype=np.float64)
    active = positive_agents(instance)
    sold = x.sum(axis=0)
    clearing = np.where(
        prices > tolerance * prices.max(initial=1.0), np.abs(sold - instance.supply), 0.0
    )
    clearing = np.maximum(clearing, sold - instance.supply)
    clearing_violation = float((clearing / instance.supply).max())
    spending = (x * prices[None, :]).sum(axis=1)
    budget_violation = float(
        (np.abs(spending - instance.entitlements)[active] / instance.entitlements[active]).max(
            initial=0.0
        )
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        bang = np.where(prices[None, :] > 0, instance.values / prices[None, :], np.inf)
    best = np.where(np.isfinite(bang), bang, 0.0).max(axis=1)
    unpriced_wanted = bool(np.any((prices <= 0) & (instance.values.max(axis=0) > 0)))
    holds_share = x > tolerance * instance.supply[None, :]
    shortfall = np.where(
        holds_share, (best[:, None] - bang) / np.maximum(best[:, None], 1e-300), 0.0
    )
    bang_violation = float(shortfall[active].max(initial=0.0))
    holds = (
        clearing_violation <= tolerance
        and budget_violation <= tolerance
        and bang_violation <= tolerance
        and not unpriced_wanted
    )
    return {
        "holds": bool(holds),
        "market_clearing_violation": clearing_violation,
        "budget_violation": budget_violation,
        "bang_per_buck_violation": bang_violation,
        "tolerance": tolerance,
    }
