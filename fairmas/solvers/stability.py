"""Individual rationality and stability of a coalition structure in a graph game.

For symmetric pair weights w and a coalition structure CS (a label per agent;
DESIGN.md section 2, seed 003 definitions 2 and 3):

- agent i's utility is u_i(CS) = Σ_{j∈C(i), j≠i} w_ij;
- CS is *individually rational* when u_i ≥ 0 for every i, the value of
  standing alone;
- a coalition B *blocks* CS when every member keeps at least its utility
  inside B, Σ_{j∈B, j≠i} w_ij ≥ u_i(CS), and at least one member gets
  strictly more; CS is *stable* when no coalition blocks it. An agent with
  u_i < 0 blocks alone, so a stable structure is individually rational.

"Strictly more" means more by ε = 10⁻⁶·s and "at least" allows a shortfall of
δ = 10⁻⁹·s, with s = max(1, max_i Σ_j |w_ij|) (:func:`blocking_tolerances`),
so that rounding never makes or unmakes a block; every search below uses the
same rule, :func:`is_blocking`.

Searches for a blocking coalition:

``exhaustive``
    All 2ⁿ − 1 coalitions at once, vectorized (n ≤ 16): a smallest blocking
    coalition, or a proof that none exists.
``nonnegative_weights``
    An exact rule in O(m) when no weight is negative: a member's gain inside
    any B is at most the weight of its pairs to other coalitions (adding
    partners never hurts, and partners outside C(i) are all it can gain), and
    the grand coalition gives every agent exactly that gain. So the grand
    coalition blocks as soon as some agent has ε of weight across, and
    otherwise nothing blocks (:func:`nonnegative_blocking_coalition`).
``candidates``
    Cheap coalitions first, in O(m + n·k): an agent alone, the union of two
    coalitions, the grand coalition.
``milp``
    The MILP of :mod:`fairmas.formulations.blocking` on HiGHS: a smallest
    blocking coalition, or a proof (infeasibility) that none exists, within a
    time limit.

:func:`check_stability` runs ``exhaustive`` up to 16 agents; beyond,
``nonnegative_weights`` when it applies, else ``candidates`` and then, if they
find nothing, ``milp``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fairmas.formulations.blocking import (
    blocking_coalition_model,
    can_anyone_gain,
    exclude_coalition,
    members_from_model,
)
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.result import Status
from fairmas.solvers.highs import solve_model
from fairmas.solvers.options import SolveOptions

EXHAUSTIVE_MAX_AGENTS = 16
"""Largest number of agents the exhaustive search takes (2¹⁶ coalitions)."""

SearchName = Literal["auto", "exhaustive", "milp", "skip"]

_MILP_SOLVER_OPTIONS = {"mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}
"""Far below ε/s = 10⁻⁶ (see :mod:`fairmas.formulations.blocking`)."""

_MILP_RETRIES = 5
"""No-good cuts added when a MILP answer fails the exact check (rounding), before giving up."""


@dataclass(frozen=True)
class BlockingSearch:
    """The outcome of a search for a blocking coalition.

    Attributes
    ----------
    coalition : ndarray of int64 or None
        Positions of the members of a blocking coalition, increasing; None
        when none was found.
    status : {"found", "none", "unknown"}
        ``none``: proven that nothing blocks; ``unknown``: the search ended
        (time limit, solver failure, or a search that cannot prove) without
        deciding.
    method : str
        ``exhaustive``, ``nonnegative_weights``, ``candidates`` or ``milp``.
    note : str
        Why the status is ``unknown``, or empty.
    """

    coalition: np.ndarray | None
    status: Literal["found", "none", "unknown"]
    method: str
    note: str = ""


@dataclass(frozen=True)
class StabilityReport:
    """Utilities, individual rationality and stability of one coalition structure.

    Attributes
    ----------
    utilities : ndarray of float
        u_i per agent.
    irrational : ndarray of int64
        Agents with u_i ≤ −ε, who would block alone (empty when individually
        rational).
    stable : bool or None
        None when the search did not decide (or was skipped).
    search : BlockingSearch or None
        None when skipped.
    seconds : float
        Time of the whole check.
    """

    utilities: np.ndarray
    irrational: np.ndarray
    stable: bool | None
    search: BlockingSearch | None
    seconds: float

    @property
    def individually_rational(self) -> bool:
        """Whether every agent gets at least 0 (its value alone)."""
        return self.irrational.size == 0

    def as_details(self, agents: tuple[str, ...]) -> dict[str, Any]:
        """The report with agent names, for a Result's ``details``."""
        blocking = None
        if self.search is not None and self.search.coalition is not None:
            blocking = [agents[i] for i in self.search.coalition.tolist()]
        search: dict[str, Any] = {"method": None, "status": "skipped"}
        if self.search is not None:
            search = {"method": self.search.method, "status": self.search.status}
            if self.search.note:
                search["note"] = self.search.note
        search["time"] = self.seconds
        return {
            "stable": self.stable,
            "blocking_coalition": blocking,
            "individually_rational": self.individually_rational,
            "irrational_agents": [agents[i] for i in self.irrational.tolist()],
            "utilities": dict(zip(agents, self.utilities.tolist(), strict=True)),
            "stability_search": search,
        }


def individual_utilities(graph: WeightedGraph, labels: np.ndarray) -> np.ndarray:
    """u_i = Σ_{j∈C(i), j≠i} w_ij for every agent.

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abc", [0, 1, 0], [1, 2, 2], [2.0, -1.0, 0.5])
    >>> individual_utilities(g, np.array([0, 0, 1])).tolist()
    [2.0, 2.0, 0.0]
    """
    labels = np.asarray(labels)
    same = labels[graph.u] == labels[graph.v]
    return np.bincount(graph.u[same], weights=graph.w[same], minlength=graph.n) + np.bincount(
        graph.v[same], weights=graph.w[same], minlength=graph.n
    )


def blocking_tolerances(graph: WeightedGraph) -> tuple[float, float]:
    """(δ, ε): the shortfall "at least" forgives and the margin "strictly more" needs.

    δ = 10⁻⁹·s and ε = 10⁻⁶·s with s = max(1, max_i Σ_j |w_ij|).
    """
    spread = np.bincount(graph.u, weights=np.abs(graph.w), minlength=graph.n) + np.bincount(
        graph.v, weights=np.abs(graph.w), minlength=graph.n
    )
    scale = max(1.0, float(spread.max(initial=0.0)))
    return 1e-9 * scale, 1e-6 * scale


def is_blocking(
    graph: WeightedGraph, utilities: np.ndarray, coalition: np.ndarray | list[int]
) -> bool:
    """Whether ``coalition`` (agent positions) blocks a structure with ``utilities``.

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abc", [0, 1, 0], [1, 2, 2], [2.0, 1.0, 0.5])
    >>> u = individual_utilities(g, np.array([0, 1, 1]))     # {a} | {b, c}
    >>> is_blocking(g, u, [0, 1]), is_blocking(g, u, [0, 2]), is_blocking(g, u, [1, 2])
    (True, False, False)
    """
    keep, gain = blocking_tolerances(graph)
    members = np.zeros(graph.n, dtype=bool)
    members[np.asarray(coalition, dtype=np.int64)] = True
    if not members.any():
        return False
    inside = members[graph.u] & members[graph.v]
    inner = np.bincount(graph.u[inside], weights=graph.w[inside], minlength=graph.n)
    inner += np.bincount(graph.v[inside], weights=graph.w[inside], minlength=graph.n)
    utilities = np.asarray(utilities)[members]
    inner = inner[members]
    return bool((inner >= utilities - keep).all() and (inner >= utilities + gain).any())


def exhaustive_blocking_coalition(graph: WeightedGraph, utilities: np.ndarray) -> BlockingSearch:
    """A smallest blocking coalition among all 2ⁿ − 1, or proof that none exists (n ≤ 16).

    Vectorized: the utility of every agent inside every coalition is one
    product of the 0/1 membership matrix (2ⁿ × n) with the weight matrix.
    Among the smallest blocking coalitions, the one of least bitmask
    (Σ 2^i over members) is returned.

    Raises
    ------
    ValueError
        With more than :data:`EXHAUSTIVE_MAX_AGENTS` agents.
    """
    n = graph.n
    if n > EXHAUSTIVE_MAX_AGENTS:
        raise ValueError(
            f"exhaustive search takes at most {EXHAUSTIVE_MAX_AGENTS} agents (got {n})"
        )
    keep, gain = blocking_tolerances(graph)
    masks = np.arange(1, 1 << n, dtype=np.int64)
    members = ((masks[:, None] >> np.arange(n)) & 1).astype(bool)
    inner = members.astype(np.float64) @ graph.dense()
    utilities = np.asarray(utilities, dtype=np.float64)
    keeps = ~members | (inner >= utilities - keep)
    better = members & (inner >= utilities + gain)
    blocking = np.flatnonzero(keeps.all(axis=1) & better.any(axis=1))
    if blocking.size == 0:
        return BlockingSearch(None, "none", "exhaustive")
    sizes = members[blocking].sum(axis=1)
    first = blocking[np.argmin(sizes)]  # argmin keeps the least mask among ties
    return BlockingSearch(np.flatnonzero(members[first]), "found", "exhaustive")


def nonnegative_blocking_coalition(graph: WeightedGraph, labels: np.ndarray) -> BlockingSearch:
    """Decide stability exactly when no weight is negative, in O(m).

    With w ≥ 0, member i of any coalition B gets
    Σ_{j∈B} w_ij ≤ u_i + Σ_{j∉C(i)} w_ij: it loses the partners of C(i)
    outside B and gains at most its weight across to other coalitions. The
    grand coalition gives every agent exactly u_i + (weight across), so it
    blocks if and only if some agent has at least ε of weight across; and
    when none does, no coalition gives anyone ε more.

    Raises
    ------
    ValueError
        When a weight is negative.
    """
    if graph.has_negative_weights:
        raise ValueError("the rule holds for non-negative weights only")
    _, gain = blocking_tolerances(graph)
    labels = np.asarray(labels)
    across = labels[graph.u] != labels[graph.v]
    weight_across = np.bincount(graph.u[across], weights=graph.w[across], minlength=graph.n)
    weight_across += np.bincount(graph.v[across], weights=graph.w[across], minlength=graph.n)
    if (weight_across >= gain).any():
        return BlockingSearch(np.arange(graph.n), "found", "nonnegative_weights")
    return BlockingSearch(None, "none", "nonnegative_weights")


def candidate_blocking_coalition(
    graph: WeightedGraph, labels: np.ndarray, utilities: np.ndarray
) -> BlockingSearch:
    """Try cheap coalitions: an agent alone, the union of two coalitions, everyone.

    Returns status ``found`` or ``unknown`` (these candidates prove nothing
    when none blocks). Unions of two coalitions are tried when n·k ≤ 10⁷.
    """
    keep, gain = blocking_tolerances(graph)
    labels = np.asarray(labels, dtype=np.int64)
    utilities = np.asarray(utilities, dtype=np.float64)
    alone = np.flatnonzero(utilities <= -gain)  # 0 ≥ u_i + ε
    if alone.size:
        return BlockingSearch(alone[:1], "found", "candidates")
    k = int(labels.max(initial=-1)) + 1
    if k >= 2 and graph.n * k <= 10**7:
        # towards[i, d]: weight from agent i to coalition d
        towards = np.zeros((graph.n, k))
        np.add.at(towards, (graph.u, labels[graph.v]), graph.w)
        np.add.at(towards, (graph.v, labels[graph.u]), graph.w)
        least = np.full((k, k), np.inf)
        most = np.full((k, k), -np.inf)
        np.minimum.at(least, labels, towards)
        np.maximum.at(most, labels, towards)
        # C ∪ D blocks when no member of either loses and someone gains ε
        no_loss = least >= -keep
        some_gain = most >= gain
        ok = no_loss & no_loss.transpose() & (some_gain | some_gain.transpose())
        ok[np.tril_indices(k)] = False
        for c, d in np.argwhere(ok)[:100].tolist():
            union = np.flatnonzero((labels == c) | (labels == d))
            if is_blocking(graph, utilities, union):  # the exact rule decides
                return BlockingSearch(union, "found", "candidates")
    everyone = np.arange(graph.n)
    if is_blocking(graph, utilities, everyone):
        return BlockingSearch(everyone, "found", "candidates")
    return BlockingSearch(None, "unknown", "candidates", "no candidate blocks")


def milp_blocking_coalition(
    graph: WeightedGraph, utilities: np.ndarray, *, time_limit: float | None = None
) -> BlockingSearch:
    """A smallest blocking coalition by MILP (HiGHS), or proof that none exists.

    The model is :func:`fairmas.formulations.blocking.blocking_coalition_model`
    with the tolerances of :func:`blocking_tolerances`. Its answer is checked
    with :func:`is_blocking`; if rounding inside the solver let through a
    coalition that fails the check, that coalition is cut off and the model
    solved again (a few times at most).

    Parameters
    ----------
    time_limit : float, optional
        Seconds for HiGHS; at the limit, an incumbent still counts as found
        (possibly not smallest), and no incumbent means ``unknown``.
    """
    keep, gain = blocking_tolerances(graph)
    if not can_anyone_gain(graph, utilities, gain):
        return BlockingSearch(None, "none", "milp", "")
    model = blocking_coalition_model(graph, utilities, keep, gain)
    options = SolveOptions(time_limit=time_limit, mip_gap=0.0)
    for _ in range(_MILP_RETRIES):
        solved = solve_model(model, options, solver_options=_MILP_SOLVER_OPTIONS)
        if solved.status is Status.INFEASIBLE:
            return BlockingSearch(None, "none", "milp")
        if not solved.has_solution:
            note = solved.message or f"HiGHS ended with {solved.termination}"
            return BlockingSearch(None, "unknown", "milp", note)
        members = members_from_model(model)
        if is_blocking(graph, utilities, members):
            return BlockingSearch(members, "found", "milp")
        exclude_coalition(model, members)
    return BlockingSearch(None, "unknown", "milp", "solver answers failed the exact check")


def check_stability(
    graph: WeightedGraph,
    labels: np.ndarray,
    *,
    search: SearchName = "auto",
    time_limit: float | None = 10.0,
) -> StabilityReport:
    """Utilities, individual rationality and stability of the structure ``labels``.

    Parameters
    ----------
    graph : WeightedGraph
    labels : ndarray of int
        Coalition of each agent.
    search : {"auto", "exhaustive", "milp", "skip"}
        ``auto``: exhaustive up to :data:`EXHAUSTIVE_MAX_AGENTS` agents, else
        the rule for non-negative weights, or candidates and then the MILP.
    time_limit : float, optional
        Seconds for the MILP.

    Returns
    -------
    StabilityReport

    Raises
    ------
    ValueError
        ``search="exhaustive"`` with more than 16 agents.

    Examples
    --------
    >>> g = WeightedGraph.from_pairs("abcd", [0, 2, 1], [1, 3, 2], [3.0, 2.0, 1.0])
    >>> report = check_stability(g, np.array([0, 0, 1, 1]))
    >>> report.stable, report.search.coalition.tolist()    # b and c both gain in {a,b,c,d}
    (False, [0, 1, 2, 3])
    >>> check_stability(g, np.array([0, 0, 0, 0])).stable
    True
    """
    started = time.perf_counter()
    labels = np.asarray(labels, dtype=np.int64)
    utilities = individual_utilities(graph, labels)
    _, gain = blocking_tolerances(graph)
    irrational = np.flatnonzero(utilities <= -gain)  # better off alone, by the blocking rule
    if search == "skip":
        found = None
    elif search == "exhaustive" or (search == "auto" and graph.n <= EXHAUSTIVE_MAX_AGENTS):
        found = exhaustive_blocking_coalition(graph, utilities)
    elif search == "milp":
        found = milp_blocking_coalition(graph, utilities, time_limit=time_limit)
    elif not graph.has_negative_weights:
        found = nonnegative_blocking_coalition(graph, labels)
    else:
        found = candidate_blocking_coalition(graph, labels, utilities)
        if found.status == "unknown":
            found = milp_blocking_coalition(graph, utilities, time_limit=time_limit)
    stable = None if found is None else {"found": False, "none": True}.get(found.status)
    return StabilityReport(
        utilities=utilities,
        irrational=irrational,
        stable=stable,
        search=found,
        seconds=time.perf_counter() - started,
    )
