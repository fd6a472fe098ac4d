"""Maximum Nash welfare, divisible goods: interior point on the prices, then the exact equilibrium.

The Eisenberg–Gale program max Σ_i w_i log v_i(x) (supplies R_j, no caps) has
the dual, in log-prices π_j = log p_j and t_i = log(v_i / w_i),

    min  Σ_j R_j e^{π_j} + Σ_i w_i t_i   s.t.  t_i + π_j ≥ log v_ij  for every v_ij > 0,

whose multipliers b_ij ≥ 0 are the money agent i spends on good j
(Σ_j b_ij = w_i, Σ_i b_ij = R_j p_j). It has n + m variables and one row
per valued pair, so a primal–dual interior-point method needs only an
m×m (or n×n, whichever is smaller) positive definite system per Newton step.
:func:`interior_point_iterates` runs Mehrotra's predictor–corrector on it.

The interior point is only used to find the trading graph: as the barrier
parameter μ falls, the spending b_ij stays large on the equilibrium's trades
and vanishes elsewhere, while the slack s_ij (the log of how far j falls
short of i's best bang per buck) does the opposite. :func:`nash_interior_point`
takes the heaviest spanning forest of the pairs with b_ij / w_i > s_ij,
computes the exact equilibrium on it (prices from the bang-per-buck
equalities, spending from the budgets:
:func:`fairmas.solvers.nash.equilibrium_from_support`) and accepts it only when
the market-equilibrium certificate holds at 1e-9 for every pair
(:func:`fairmas.solvers.nash.equilibrium_certificate`): the answer is the
exact optimum, not the interior point's approximation. Ties (a trading graph
with cycles) get their spending from a transportation LP on the tight pairs.

References
----------
E. Eisenberg, D. Gale, "Consensus of subjective probabilities: the pari-mutuel
method", Ann. Math. Statist. 30 (1959); S. Mehrotra, "On the implementation of
a primal-dual interior point method", SIAM J. Optim. 2(4), 1992; Y. Ye, "A path
to the Arrow–Debreu competitive market equilibrium", Math. Program. 111 (2008)
(interior-point path following for Fisher markets); N. R. Devanur, C. H.
Papadimitriou, A. Saberi, V. V. Vazirani, "Market equilibrium via a primal–dual
algorithm for a convex program", J. ACM 55(5), 2008 (prices are determined by
the equality subgraph).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from threadpoolctl import threadpool_limits

from fairmas.models.allocation import AllocationInstance
from fairmas.result import Status
from fairmas.solvers.allocation_lp import AllocationSolve
from fairmas.solvers.nash import (
    _heaviest_forest,
    allocation_from_spending,
    equilibrium_certificate,
    equilibrium_from_support,
    log_nash_welfare,
    polish_equilibrium,
    positive_agents,
    spending_on_forest,
)
from fairmas.solvers.options import SolveOptions

CERTIFICATE_TOLERANCE = 1e-9
"""Relative violation of market clearing, budgets and bang per buck an answer may have."""

FIRST_RECOVERY = 1e-4
"""Exact recovery is tried once μ (relative to the mean spending Σw / pairs) is below this."""

SMALLEST_MU = 1e-15
"""The interior point stops when μ (relative) is below this; numerical noise dominates then."""

MAX_ITERATIONS = 200
STEP_TO_BOUNDARY = 0.995
MAX_LOG_PRICE_STEP = 5.0
"""No step changes a price by more than a factor e^5 (keeps e^π finite)."""
REFINEMENTS = 1
"""Rounds of iterative refinement of each Newton direction (ill-conditioned near the end)."""
REPAIRS_ON_THE_WAY = 3
"""Pivots tried on the trading graph of each interior point on the way down."""
REPAIRS_AT_THE_END = 100
"""Pivots tried on the last interior point's trading graph."""


@dataclass(frozen=True)
class Iterate:
    """One interior point: log-prices ``pi``, ``t``, spending ``b``, slacks ``s``, barrier ``mu``.

    ``mu`` is the mean complementarity s_ij b_ij divided by the mean budget per pair.
    """

    iteration: int
    mu: float
    pi: np.ndarray
    t: np.ndarray
    b: np.ndarray
    s: np.ndarray


def interior_point_iterates(
    log_values: np.ndarray, budgets: np.ndarray, supply: np.ndarray, start_prices: np.ndarray
) -> Iterator[Iterate]:
    """Mehrotra predictor–corrector iterates on the Eisenberg–Gale dual in log-prices.

    Parameters
    ----------
    log_values : ndarray, shape (n, m)
        ℓ_ij = log v_ij, −inf where agent i does not value good j; every row and
        every column has a finite entry.
    budgets, supply : ndarray
        w_i > 0 and R_j > 0.
    start_prices : ndarray, shape (m,)
        Positive prices to start from.

    Yields
    ------
    Iterate
        Before every Newton step; the caller stops when it has what it needs.
        The iterates end when μ is below :data:`SMALLEST_MU`, after
        :data:`MAX_ITERATIONS`, or when the Newton system breaks down.

    Notes
    -----
    Rows ℓ_ij ≤ t_i + π_j with slacks s_ij = t_i + π_j − ℓ_ij > 0 and multipliers
    b_ij > 0; a Newton step on Σ_j b_ij = w_i, π_j = log(B_j / R_j) with
    B_j = Σ_i b_ij (market clearing in logs: linearizing e^{π_j} instead would
    move a price by at most a factor e per step) and s_ij b_ij = σμ, with
    D_ij = b_ij / s_ij, reads

        d_i Δt_i + Σ_j D_ij Δπ_j = ρ_i,    Σ_i D_ij Δt_i + c_j Δπ_j = κ_j,

    d_i = Σ_j D_ij, c_j = Σ_i D_ij + B_j. Eliminating Δt leaves
    diag(B) + L with L the weighted Laplacian L_jk = −Σ_i D_ij D_ik / d_i
    (m×m); eliminating Δπ leaves the n×n analogue. Both are formed from
    products of positive numbers only (diagonal = minus the off-diagonal row
    sums plus a positive term), so no cancellation spoils them when D spans
    many orders of magnitude near the end.

    Examples
    --------
    >>> ell = np.log(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> for it in interior_point_iterates(ell, np.ones(2), np.ones(2), np.ones(2)):
    ...     if it.mu < 1e-10:
    ...         break
    >>> np.round(np.exp(it.pi), 6).tolist()
    [1.0, 1.0]
    """
    valued = np.isfinite(log_values)
    dense = bool(valued.all())
    pairs = int(valued.sum())
    scale = float(budgets.sum()) / pairs  # the mean spending per pair
    pi = np.log(start_prices)
    t = np.where(valued, log_values - pi[None, :], -np.inf).max(axis=1) + 1.0
    b = np.where(valued, (budgets / valued.sum(axis=1))[:, None], 0.0)

    def mean_complementarity(s: np.ndarray, b: np.ndarray) -> float:
        product = s * b
        if not dense:
            product[~valued] = 0.0  # inf · 0 where not valued
        return float(product.sum()) / pairs

    for iteration in range(MAX_ITERATIONS):
        s = t[:, None] + pi[None, :] - log_values  # +inf where not valued
        with np.errstate(invalid="ignore"):
            mu = mean_complementarity(s, b)
        yield Iterate(iteration, mu / scale, pi, t, b, s)
        if mu / scale < SMALLEST_MU or not float(s.min()) > 0.0:
            return  # done, or a slack rounded to 0: floating point has no more to give
        try:
            system = _NewtonSystem(s, b, budgets, np.log(supply) + pi)
        except np.linalg.LinAlgError:
            return  # the system lost positive definiteness in floating point
        with np.errstate(invalid="ignore"):
            dpi, dt, ds, db = system.direction(np.zeros_like(b))  # predictor: μ → 0
            step = min(_largest_step(s, ds), _largest_step(b, db))
            mu_affine = mean_complementarity(s + step * ds, b + step * db)
            target = (mu_affine / mu) ** 3 * mu - ds * db  # centering and second order
            if not dense:
                target[~valued] = 0.0
            dpi, dt, ds, db = system.direction(target)
        step = STEP_TO_BOUNDARY * min(_largest_step(s, ds), _largest_step(b, db))
        step = min(step, MAX_LOG_PRICE_STEP / max(float(np.abs(dpi).max()), 1e-300))
        if not (np.isfinite(step) and step > 0):
            return
        pi = pi + step * dpi
        t = t + step * dt
        b = b + step * db


class _NewtonSystem:
    """The Newton system of one interior-point iteration, factored once for two right-hand sides.

    Agent rows d_i Δt_i + Σ_j D_ij Δπ_j = ρ_i and good rows
    Σ_i D_ij Δt_i + c_j Δπ_j = κ_j, reduced to the smaller side (see
    :func:`interior_point_iterates`). ``log_revenue`` is log(R_j e^{π_j}).
    """

    def __init__(
        self, s: np.ndarray, b: np.ndarray, budgets: np.ndarray, log_revenue: np.ndarray
    ) -> None:
        self.s, self.b, self.budgets = s, b, budgets
        D = b / s  # 0 where not valued (s = inf)
        self.D = D
        self.d = D.sum(axis=1)
        spent = b.sum(axis=0)  # B_j
        self.spent = spent
        self.gap = spent * (np.log(spent) - log_revenue)  # B_j (log B_j − log R_j − π_j)
        self.c = D.sum(axis=0) + spent
        self.on_agents = D.shape[0] < D.shape[1]
        if self.on_agents:  # diag(d) − D diag(1/c) Dᵀ, n×n
            scaled = D / np.sqrt(self.c)[None, :]
            extra = D @ (spent / self.c)
        else:  # diag(c) − Dᵀ diag(1/d) D, m×m
            scaled = (D / np.sqrt(self.d)[:, None]).T
            extra = spent
        gram = scaled @ scaled.T
        np.fill_diagonal(gram, 0.0)
        matrix = -gram
        np.fill_diagonal(matrix, gram.sum(axis=1) + extra)
        self.factor = np.linalg.cholesky(matrix)
        if not np.isfinite(self.factor).all():
            raise np.linalg.LinAlgError("the Newton system is not finite")

    def direction(
        self, target: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(Δπ, Δt, Δs, Δb) driving s_ij b_ij towards ``target`` and the residuals to 0."""
        D = self.D
        spend = target / self.s  # b + Δb before the −D·Δs term; 0 where not valued
        rho = spend.sum(axis=1) - self.budgets
        kappa = spend.sum(axis=0) - self.spent + self.gap
        dpi, dt = self._solve(rho, kappa)
        for _ in range(REFINEMENTS):  # iterative refinement against the unreduced rows
            more_pi, more_t = self._solve(
                rho - self.d * dt - D @ dpi, kappa - D.T @ dt - self.c * dpi
            )
            dpi, dt = dpi + more_pi, dt + more_t
        ds = dt[:, None] + dpi[None, :]
        db = spend - self.b - D * ds
        return dpi, dt, ds, db

    def _solve(self, rho: np.ndarray, kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Δπ, Δt) from the agent rows ρ and the good rows κ, through the reduced system."""
        D = self.D
        if self.on_agents:
            dt = _cholesky_solve(self.factor, rho - D @ (kappa / self.c))
            dpi = (kappa - D.T @ dt) / self.c
        else:
            dpi = _cholesky_solve(self.factor, kappa - D.T @ (rho / self.d))
            dt = (rho - D @ dpi) / self.d
        return dpi, dt


def _largest_step(x: np.ndarray, dx: np.ndarray) -> float:
    """The largest α ≤ 1 with x + α·dx ≥ 0."""
    falling = dx < 0
    if not falling.any():
        return 1.0
    return min(1.0, float((-x[falling] / dx[falling]).min()))


def _cholesky_solve(factor: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve (L Lᵀ) x = rhs with the lower-triangular Cholesky factor L."""
    y = solve_triangular(factor, rhs, lower=True, check_finite=False)
    return solve_triangular(factor.T, y, lower=False, check_finite=False)


def nash_interior_point(instance: AllocationInstance, options: SolveOptions) -> AllocationSolve:
    """Maximum Nash welfare with divisible goods and no caps, exact (see the module notes).

    Agents who value nothing get nothing and are left out of Σ w_i log v_i
    (their log is −inf); goods nobody values get price 0 and stay unallocated.

    Returns
    -------
    AllocationSolve
        Status ``optimal`` with the exact equilibrium allocation once the
        certificate holds; ``details`` holds the ``prices``, the interior-point
        ``iterations``, the barrier ``mu`` at which the trading graph was
        found, the number of ``trading_pairs``, and ``recovery`` (how the
        exact equilibrium was obtained). With ``options.time_limit`` reached
        first: status ``max_time_limit`` and the interior point's allocation.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> solved = nash_interior_point(inst, SolveOptions())
    >>> solved.status, solved.x.tolist(), solved.details["prices"]
    (<Status.OPTIMAL: 'optimal'>, [[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0])
    """
    started = time.perf_counter()
    n, m = instance.n_agents, instance.n_resources
    active = positive_agents(instance)
    if not active.any():  # nobody values anything: every allocation is as good
        return AllocationSolve(
            Status.OPTIMAL, np.zeros((n, m)), 0.0, {"prices": [0.0] * m, "iterations": 0}
        )
    agents = np.flatnonzero(active)
    goods = np.flatnonzero((instance.values[agents] > 0).any(axis=0))
    values = instance.values[np.ix_(agents, goods)]
    budgets = instance.entitlements[agents]
    supply = instance.supply[goods]
    # start where every budget is spent in proportion to the value of the whole supply
    worth = values * supply[None, :]
    start = (budgets[:, None] * worth / worth.sum(axis=1, keepdims=True)).sum(axis=0) / supply
    details: dict[str, object] = {}
    with threadpool_limits(1, user_api="blas"):  # at these sizes BLAS threads only cost
        found, last = _search_trading_graph(instance, agents, goods, start, started, options)
    if found is not None:
        details["recovery"] = "trading forest of the interior point"
        return _optimal(instance, active, found, last, details)
    if options.time_limit is not None and time.perf_counter() - started > options.time_limit:
        return _approximate(instance, agents, goods, last, Status.MAX_TIME_LIMIT, details)
    # the interior point ended before its trading graph gave the equilibrium: pivot from it
    x = np.zeros((n, m))
    x[np.ix_(agents, goods)] = last.b / np.exp(last.pi)[None, :]
    repaired = polish_equilibrium(instance, x, threshold=1e-9, repairs=100)
    if repaired is not None:
        details["recovery"] = "pivots from the interior point's allocation"
        return _optimal(instance, active, repaired, last, details)
    return _approximate(instance, agents, goods, last, Status.FEASIBLE, details)


def _search_trading_graph(
    instance: AllocationInstance,
    agents: np.ndarray,
    goods: np.ndarray,
    start: np.ndarray,
    started: float,
    options: SolveOptions,
) -> tuple[tuple[np.ndarray, np.ndarray] | None, Iterate]:
    """Interior-point iterates until one's trading graph gives a certified equilibrium.

    Returns that equilibrium (allocation, prices) or None, and the last iterate.
    """
    n, m = instance.n_agents, instance.n_resources
    values = instance.values[np.ix_(agents, goods)]
    with np.errstate(divide="ignore"):
        log_values = np.log(values)
    budgets = instance.entitlements[agents]
    supply = instance.supply[goods]
    tried = None
    last = None
    for last in interior_point_iterates(log_values, budgets, supply, start):
        if options.time_limit is not None and time.perf_counter() - started > options.time_limit:
            break
        if last.mu > FIRST_RECOVERY:
            continue
        candidate, confidence = _trading_candidates(last, budgets)
        if tried is not None and np.array_equal(candidate, tried):
            continue
        tried = candidate
        weight = np.zeros((n, m))
        weight[np.ix_(agents, goods)] = confidence
        support = np.zeros((n, m), dtype=bool)
        support[np.ix_(agents, goods)] = candidate
        found = exact_equilibrium_on(instance, support, weight, repairs=REPAIRS_ON_THE_WAY)
        if found is not None:
            return found, last
    assert last is not None  # the iterates always yield the starting point
    if options.time_limit is not None and time.perf_counter() - started > options.time_limit:
        return None, last
    candidate, confidence = _trading_candidates(last, budgets)
    weight = np.zeros((n, m))
    weight[np.ix_(agents, goods)] = confidence
    support = np.zeros((n, m), dtype=bool)
    support[np.ix_(agents, goods)] = candidate
    return exact_equilibrium_on(instance, support, weight, repairs=REPAIRS_AT_THE_END), last


def _trading_candidates(iterate: Iterate, budgets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs likely to trade, and how confidently: (b_ij / w_i) / s_ij.

    s_ij is the log of how far good j falls short of agent i's best bang per
    buck, b_ij / w_i the share of i's budget spent on j; on the central path
    s_ij b_ij ≈ μ, so on a trade s_ij → 0 while the share stays, and off
    trades the share → 0 while s_ij stays. Candidates: share > slack, plus each
    row's and column's most confident pair.
    """
    with np.errstate(divide="ignore"):
        confidence = iterate.b / budgets[:, None] / iterate.s  # 0 where not valued (s = inf)
    candidate = confidence > 1.0
    rows, cols = confidence.shape
    candidate[np.arange(rows), np.argmax(confidence, axis=1)] = True
    candidate[np.argmax(confidence, axis=0), np.arange(cols)] = True
    return candidate, confidence


def exact_equilibrium_on(
    instance: AllocationInstance,
    support: np.ndarray,
    weight: np.ndarray,
    repairs: int = 0,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The equilibrium on the heaviest forest of ``support`` (by ``weight``), if it is certified.

    Prices and spending come from that forest
    (:func:`fairmas.solvers.nash.spending_on_forest`); with ties, from every
    pair of ``support`` tight at those prices (a transportation LP). Up to
    ``repairs`` pivots fix a wrong forest: a pair with negative spending
    leaves the support, else the pair that most beats its agent's forest
    bang per buck joins it (forced in; the cycle it closes loses its lightest
    pair). Returns the allocation and prices only when
    :func:`fairmas.solvers.nash.equilibrium_certificate` holds at
    :data:`CERTIFICATE_TOLERANCE`, else None.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[1, 1], [1, 1]])
    >>> x, prices = exact_equilibrium_on(inst, np.ones((2, 2), dtype=bool), np.ones((2, 2)))
    >>> prices.tolist(), (x.sum(axis=0)).tolist()
    ([1.0, 1.0], [1.0, 1.0])
    >>> wrong = np.array([[True, True], [False, True]])  # a buys s at a bad price
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> exact_equilibrium_on(inst, wrong, np.ones((2, 2))) is None
    True
    >>> exact_equilibrium_on(inst, wrong, np.ones((2, 2)), repairs=2)[1].tolist()
    [1.0, 1.0]
    """
    support = support & (instance.values > 0)
    weight = weight.copy()
    lowest = -1e-12 * float(instance.entitlements.max())
    for _ in range(repairs + 1):
        forest = _heaviest_forest(weight, support)
        prices, spend = spending_on_forest(instance, forest)
        if spend is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            bang = np.where(prices[None, :] > 0, instance.values / prices[None, :], 0.0)
        best = np.where(forest, bang, 0.0).max(axis=1, keepdims=True)
        tight = forest | (support & (bang >= best * (1.0 - CERTIFICATE_TOLERANCE)))
        negative = spend.min() < lowest
        if not negative:
            solved = allocation_from_spending(instance, spend, prices), prices
        elif tight.sum() > forest.sum():  # ties: any spending ≥ 0 on the tight pairs will do
            solved = equilibrium_from_support(instance, tight)
        else:
            solved = None
        if (
            solved is not None
            and equilibrium_certificate(instance, *solved, tolerance=CERTIFICATE_TOLERANCE)["holds"]
        ):
            return solved
        if solved is None:  # pivot: the pair with the most negative spending leaves
            i, j = np.unravel_index(int(np.argmin(spend)), spend.shape)
            support[i, j] = False
            weight[i, j] = 0.0
            continue
        pair = _entering_pair(instance, forest, prices, bang, best)
        if pair is None:
            return None
        support[pair] = True
        weight[pair] = np.inf
    return None


def _entering_pair(
    instance: AllocationInstance,
    forest: np.ndarray,
    prices: np.ndarray,
    bang: np.ndarray,
    best: np.ndarray,
) -> tuple[int, int] | None:
    """The pair a pivot adds: a wanted good or an active agent the forest misses, else the
    pair that most beats its agent's forest bang per buck (None when none does)."""
    valued = instance.values > 0
    unpriced = np.flatnonzero((prices <= 0) & valued.any(axis=0))
    if unpriced.size:
        j = int(unpriced[0])
        return int(np.argmax(instance.values[:, j])), j
    missing = np.flatnonzero(~forest.any(axis=1) & valued.any(axis=1))
    if missing.size:
        i = int(missing[0])
        return i, int(np.argmax(bang[i]))
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(~forest & valued, bang / best, 0.0)
    i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
    if not gain[i, j] > 1.0 + CERTIFICATE_TOLERANCE:
        return None
    return int(i), int(j)


def _optimal(
    instance: AllocationInstance,
    active: np.ndarray,
    exact: tuple[np.ndarray, np.ndarray],
    iterate: Iterate,
    details: dict[str, object],
) -> AllocationSolve:
    x, prices = exact
    value = log_nash_welfare(instance, x, active)
    details.update(
        {
            "iterations": iterate.iteration,
            "mu": iterate.mu,
            "trading_pairs": int((x > 0).sum()),
            "log_nash_welfare": value,
            "prices": prices.tolist(),
        }
    )
    return AllocationSolve(Status.OPTIMAL, x, value, details)


def _approximate(
    instance: AllocationInstance,
    agents: np.ndarray,
    goods: np.ndarray,
    iterate: Iterate,
    status: Status,
    details: dict[str, object],
) -> AllocationSolve:
    """The interior point's allocation x_ij = R_j b_ij / Σ_k b_kj, bounded by the dual value."""
    n, m = instance.n_agents, instance.n_resources
    share = iterate.b / iterate.b.sum(axis=0, keepdims=True)
    x = np.zeros((n, m))
    x[np.ix_(agents, goods)] = share * instance.supply[goods][None, :]
    active = np.zeros(n, dtype=bool)
    active[agents] = True
    value = log_nash_welfare(instance, x, active)
    # the dual objective at t_i = max_j (log v_ij − π_j) bounds Σ w log v from above
    budgets = instance.entitlements[agents]
    with np.errstate(divide="ignore"):
        log_values = np.log(instance.values[np.ix_(agents, goods)])
    t = (log_values - iterate.pi[None, :]).max(axis=1)
    bound = float(
        instance.supply[goods] @ np.exp(iterate.pi)
        + budgets @ t
        + budgets @ (np.log(budgets) - 1.0)
    )
    prices = np.zeros(m)
    prices[goods] = np.exp(iterate.pi)
    details.update(
        {
            "iterations": iterate.iteration,
            "mu": iterate.mu,
            "log_nash_welfare": value,
            "prices": prices.tolist(),
            "recovery": "none: the trading graph was not found; approximate allocation",
        }
    )
    return AllocationSolve(status, x, bound, details)
