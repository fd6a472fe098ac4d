"""Objective ``min_cut_partition``: the trust network cut into k coalitions of maximum welfare.

The welfare of a coalition structure is the weight of the pairs inside its
coalitions, Σ_{C} Σ_{i<j∈C} w_ij, for the symmetric relation chosen by the
parameter ``relation``: ``trust`` (MT-s-t-cut: w_ij = τ_ij + τ_ji on the
propagated trust τ) or ``trust_utility`` (MTU-s-t-cut: w_ij = f(i, j) =
P^(h)_ij ω_ij + P^(h)_ji ω_ji with P the row-normalized trust); see
:mod:`fairmas.models.relations`. With exactly k non-empty coalitions (parameter
``k``, default 2), welfare = Σw − cut, so with non-negative weights the best
structure is a minimum k-cut (for k = 2 a global minimum cut).

Methods, in order of preference:

``noi``
    Nagamochi–Ono–Ibaraki contraction (exact, near-linear on sparse networks); k = 2.
``milp``
    The Pyomo MILP of :mod:`fairmas.formulations.min_cut_partition` on HiGHS;
    any k, any sign of weights.
``mt_st_cut``
    Tong and Ren's MT-s-t-cut / MTU-s-t-cut: n − 1 OR-Tools max-flows; for
    k > 2 by repeated cutting (then a heuristic: status ``feasible``).
``stoer_wagner``
    NetworkX's Stoer–Wagner, the reference; k = 2.
``subset_dp``
    Exact DP over subsets with exactly k blocks (n ≤ 20), any sign of weights.
``greedy_split``, ``gomory_hu``
    Saran and Vazirani's (2 − 2/k)-approximations (heuristics; exact for k ≤ 2).

Every Result also reports the structure's individual utilities, individual
rationality and stability (:mod:`fairmas.solvers.stability`):
``details.utilities``, ``details.individually_rational``, ``details.stable``
and ``details.blocking_coalition``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field

from fairmas.constraints.registry import NO_CONSTRAINTS, ConstraintSet
from fairmas.errors import InstanceError, ParameterError
from fairmas.formulations.min_cut_partition import (
    k_coalition_model,
    labels_from_model,
    sides_from_model,
    two_coalition_model,
)
from fairmas.models.relations import coalition_weights
from fairmas.models.trust_network import Propagation, TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.registry import (
    Objective,
    Outcome,
    Parameters,
    Report,
    method,
    model_method,
    register_objective,
)
from fairmas.result import Status
from fairmas.solvers import subset_dp
from fairmas.solvers.cuts import CutResult
from fairmas.solvers.global_mincut import compile_kernels, noi_min_cut, stoer_wagner_min_cut
from fairmas.solvers.highs import solve_model
from fairmas.solvers.kcut import canonical_labels, gomory_hu_kcut, greedy_splitting
from fairmas.solvers.maxflow_cut import mt_st_cut
from fairmas.solvers.options import SolveOptions
from fairmas.solvers.stability import (
    EXHAUSTIVE_MAX_AGENTS,
    SearchName,
    StabilityReport,
    check_stability,
)


class MinCutPartitionParameters(Parameters):
    """Parameters of ``min_cut_partition``."""

    relation: Literal["trust", "trust_utility"] = "trust"
    """``trust`` (MT) or ``trust_utility`` (MTU)."""
    k: int = Field(2, ge=1)
    """Number of coalitions, exactly; 1 ≤ k ≤ number of agents."""
    transitivity: Literal["min", "product"] | None = None
    """Overrides the instance's ``propagation.transitivity`` (default: the file's, else min)."""
    aggregation: Literal["max", "weighted_mean"] | None = None
    """Overrides the instance's ``propagation.aggregation`` (default: the file's, else max)."""
    hops: int | None = Field(None, ge=1, le=64)
    """Overrides the instance's ``propagation.hops`` (default: the file's, else 1)."""
    stability: SearchName = "auto"
    """Search for a blocking coalition (``auto``: exhaustive up to 16 agents,
    else an exact rule for non-negative weights, or cheap candidates then a
    MILP); or force ``exhaustive`` or ``milp``, or ``skip`` the search."""
    stability_time_limit: float = Field(10.0, gt=0, allow_inf_nan=False)
    """Seconds for the MILP search of a blocking coalition."""


@dataclass(frozen=True)
class PartitionProblem:
    """What every method of ``min_cut_partition`` works on."""

    network: TrustNetwork
    relation: str
    graph: WeightedGraph
    k: int = 2
    propagation: Propagation = field(default_factory=Propagation)
    stability: SearchName = "auto"
    stability_time_limit: float = 10.0
    checked: dict[bytes, StabilityReport] = field(default_factory=dict, compare=False, repr=False)
    """Stability reports by structure, so that methods agreeing on one are checked once."""
    constraints: ConstraintSet = NO_CONSTRAINTS
    """Plug-in constraints the ``milp`` method adds (:mod:`fairmas.constraints`)."""

    def stability_of(self, labels: np.ndarray) -> StabilityReport:
        """The (cached) stability report of the structure ``labels``."""
        key = canonical_labels(labels).tobytes()
        if key not in self.checked:
            self.checked[key] = check_stability(
                self.graph,
                labels,
                search=self.stability,
                time_limit=self.stability_time_limit,
            )
        return self.checked[key]


def resolve_propagation(network: TrustNetwork, params: MinCutPartitionParameters) -> Propagation:
    """The instance's propagation block with the parameters that override it."""
    own = network.propagation
    return Propagation(
        transitivity=params.transitivity or own.transitivity,
        aggregation=params.aggregation or own.aggregation,
        hops=params.hops or own.hops,
    )


def prepare(network: TrustNetwork, params: MinCutPartitionParameters) -> PartitionProblem:
    """Check the network can be cut in k and build the symmetric weights once."""
    k = params.k
    if network.n_agents < k:
        raise InstanceError(
            network.origin,
            "agents",
            f"min_cut_partition with k={k} needs at least {k} agents (got {network.n_agents})",
        )
    if params.stability == "exhaustive" and network.n_agents > EXHAUSTIVE_MAX_AGENTS:
        raise ParameterError(
            "--param stability",
            f"exhaustive search takes at most {EXHAUSTIVE_MAX_AGENTS} agents, "
            f"{network.origin} has {network.n_agents}; use stability=auto or stability=milp",
        )
    propagation = resolve_propagation(network, params)
    graph = coalition_weights(network, params.relation, propagation=propagation)
    return PartitionProblem(
        network=network,
        relation=params.relation,
        graph=graph,
        k=k,
        propagation=propagation,
        stability=params.stability,
        stability_time_limit=params.stability_time_limit,
    )


def structure_details(problem: PartitionProblem, labels: np.ndarray) -> dict[str, Any]:
    """Relation, cut, utilities, individual rationality and stability of a structure."""
    graph = problem.graph
    return {
        "relation": problem.relation,
        "k": problem.k,
        **vars(problem.propagation),
        "total_weight": graph.total_weight,
        "cut_weight": graph.cut_weight(labels),
        **problem.stability_of(labels).as_details(graph.agents),
    }


def report(problem: PartitionProblem, outcome: Outcome) -> Report:
    """Welfare recomputed from the labels, coalitions by name, the cut and stability."""
    labels = canonical_labels(np.asarray(outcome.solution))
    found = int(labels.max(initial=-1)) + 1
    if found != problem.k:  # a method bug, not bad input
        raise RuntimeError(f"a method returned {found} coalitions instead of k={problem.k}")
    welfare = problem.graph.welfare(labels)
    return Report(
        value=welfare,
        solution={"coalitions": problem.graph.coalitions(labels)},
        details=structure_details(problem, labels),
    )


def check_partition(
    network: TrustNetwork, coalitions: list[list[str]], **params: Any
) -> dict[str, Any]:
    """Welfare, utilities, individual rationality and stability of a given structure.

    Parameters
    ----------
    network : TrustNetwork
    coalitions : list of list of str
        A partition of the network's agents (checked by the caller, e.g.
        :func:`fairmas.models.partition.read_partition`).
    **params
        Parameters of ``min_cut_partition`` (``relation``, propagation
        overrides, ``stability``...); ``k`` defaults to the number of coalitions.

    Returns
    -------
    dict
        ``relation``, ``k``, propagation settings, ``welfare``, ``coalitions``,
        ``total_weight``, ``cut_weight``, ``stable``, ``blocking_coalition``,
        ``individually_rational``, ``irrational_agents``, ``utilities``,
        ``stability_search``.

    Examples
    --------
    >>> net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 0.9), ("b", "c", 0.4)])
    >>> checked = check_partition(net, [["a", "b"], ["c"]])
    >>> checked["welfare"], checked["stable"], checked["blocking_coalition"]
    (0.9, False, ['a', 'b', 'c'])
    """
    k = len(coalitions)
    parsed = MIN_CUT_PARTITION.parse_params({"k": k, **params})
    if parsed.k != k:
        raise ParameterError("--param k", f"the partition has {k} coalitions (got k={parsed.k})")
    problem = prepare(network, parsed)
    labels = canonical_labels(problem.graph.labels_from_coalitions(coalitions))
    return {
        "welfare": problem.graph.welfare(labels),
        "coalitions": problem.graph.coalitions(labels),
        **structure_details(problem, labels),
    }


MIN_CUT_PARTITION = register_objective(
    Objective(
        name="min_cut_partition",
        kind=TrustNetwork.kind,
        summary="coalition structure of maximum welfare, by cutting the trust network",
        sense="max",
        parameters=MinCutPartitionParameters,
        prepare=prepare,
        report=report,
    )
)


def needs_nonnegative_weights(problem: PartitionProblem) -> str | None:
    """Why a cut algorithm cannot run (a negative weight), or None when it can."""
    graph = problem.graph
    negative = np.flatnonzero(graph.w < 0)
    if negative.size == 0:
        return None
    e = int(negative[0])
    pair = f"{graph.agents[graph.u[e]]}–{graph.agents[graph.v[e]]}"
    small = graph.n <= subset_dp.MAX_AGENTS
    also = f" (or subset_dp, up to {subset_dp.MAX_AGENTS} agents)" if small else ""
    return (
        f"needs non-negative weights, but the {problem.relation} weight of {pair} is "
        f"{graph.w[e]:.6g} (from negative utilities): the problem is then max-cut-like; "
        f"use method milp{also}"
    )


def needs_two_coalitions_and_nonnegative_weights(problem: PartitionProblem) -> str | None:
    """Why a global minimum cut cannot run (k ≠ 2, or a negative weight), or None."""
    if problem.k != 2:
        return (
            f"finds 2 coalitions only (k={problem.k}); for k={problem.k} use milp or "
            f"subset_dp (exact), or greedy_split, gomory_hu or mt_st_cut (repeated cutting)"
        )
    return needs_nonnegative_weights(problem)


def needs_few_agents(problem: PartitionProblem) -> str | None:
    """Why the subset DP cannot run (more than 20 agents), or None when it can."""
    n = problem.graph.n
    if n <= subset_dp.MAX_AGENTS:
        return None
    return (
        f"needs at most {subset_dp.MAX_AGENTS} agents (got {n}; it takes 3^n/2 steps per "
        "coalition beyond two); use milp (exact), or greedy_split / gomory_hu (2 − 2/k "
        "approximations, non-negative weights)"
    )


def _cut_outcome(cut: CutResult, statistic: str) -> Outcome:
    status = Status.OPTIMAL if cut.complete else Status.MAX_TIME_LIMIT
    return Outcome(
        status=status,
        solution=cut.side.astype(np.int64),
        details={statistic: cut.steps, "cut_found": cut.cut},
    )


@method(
    MIN_CUT_PARTITION,
    "noi",
    exact=True,
    summary="Nagamochi–Ono–Ibaraki global min cut (compiled), near-linear on sparse networks",
    applies=needs_two_coalitions_and_nonnegative_weights,
    warm_up=compile_kernels,
)
def run_noi(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """Global minimum cut by CAPFOREST contraction."""
    return _cut_outcome(noi_min_cut(problem.graph), "rounds")


def build_model(problem: PartitionProblem, options: SolveOptions) -> object:
    """The side model for k = 2 (``model.x[i]``), the k-coalition model otherwise
    (``model.x[i, c]``); :mod:`fairmas.formulations.min_cut_partition`."""
    if problem.k == 2:
        return two_coalition_model(problem.graph)
    return k_coalition_model(problem.graph, problem.k)


@model_method(
    MIN_CUT_PARTITION,
    "milp",
    exact=True,
    summary="Pyomo MILP on HiGHS; any k, any sign of weights",
    build=build_model,
)
def run_milp(problem: PartitionProblem, model: object, options: SolveOptions) -> Outcome:
    """The declarative MILP of the best k-coalition structure (the side model for k = 2)."""
    decode = sides_from_model if problem.k == 2 else labels_from_model
    solved = solve_model(model, options)
    details: dict[str, object] = {"termination": solved.termination}
    if solved.message:
        details["error"] = solved.message
    labels = decode(model) if solved.has_solution else None
    return Outcome(status=solved.status, solution=labels, bound=solved.bound, details=details)


def _split_outcome(
    problem: PartitionProblem, labels: np.ndarray, complete: bool, **stats: Any
) -> Outcome:
    """Status of a cutting heuristic: optimal for k ≤ 2 (one exact min cut), else feasible."""
    if not complete:
        status = Status.MAX_TIME_LIMIT
    elif problem.k <= 2:
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    details = dict(stats)
    if problem.k > 2:
        details["cut_guarantee"] = 2 - 2 / problem.k
    return Outcome(status=status, solution=labels, details=details)


@method(
    MIN_CUT_PARTITION,
    "mt_st_cut",
    exact=True,
    summary="MT-s-t-cut / MTU-s-t-cut (Tong and Ren): n − 1 OR-Tools max-flows per 2-cut; "
    "k > 2 by repeated cutting (not exact)",
    applies=needs_nonnegative_weights,
)
def run_mt_st_cut(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """Fix s = the first agent; a minimum s-t cut for every t; keep the best.

    For k > 2, the paper's repeated cutting: split the coalition whose best
    2-cut loses least welfare until there are k (:func:`greedy_splitting`
    with MT-s-t-cut as the 2-cut), a (2 − 2/k)-approximation reported with
    status ``feasible``.
    """
    if problem.k == 2:
        return _cut_outcome(mt_st_cut(problem.graph, time_limit=options.time_limit), "max_flows")
    found = greedy_splitting(problem.graph, problem.k, mt_st_cut, time_limit=options.time_limit)
    return _split_outcome(problem, found.labels, found.complete, two_cuts=found.steps)


@method(
    MIN_CUT_PARTITION,
    "stoer_wagner",
    exact=True,
    summary="NetworkX Stoer–Wagner global min cut (reference)",
    applies=needs_two_coalitions_and_nonnegative_weights,
)
def run_stoer_wagner(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """NetworkX's Stoer–Wagner."""
    return _cut_outcome(stoer_wagner_min_cut(problem.graph), "phases")


@method(
    MIN_CUT_PARTITION,
    "subset_dp",
    exact=True,
    summary="DP over subsets with exactly k coalitions (compiled; n ≤ 20); any sign of weights",
    applies=needs_few_agents,
    warm_up=subset_dp.compile_kernels,
)
def run_subset_dp(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """f_k(A) by the k-constrained DP of :mod:`fairmas.solvers.subset_dp`."""
    labels, welfare = subset_dp.subset_dp_kcut(problem.graph, problem.k)
    return Outcome(status=Status.OPTIMAL, solution=labels, details={"dp_welfare": welfare})


@method(
    MIN_CUT_PARTITION,
    "greedy_split",
    exact=False,
    summary="greedy splitting (Saran–Vazirani): split the coalition with the lightest min cut; "
    "2 − 2/k approximation",
    applies=needs_nonnegative_weights,
    warm_up=compile_kernels,
)
def run_greedy_split(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """Repeated lightest minimum cut (``noi`` on each coalition), until k coalitions."""
    found = greedy_splitting(problem.graph, problem.k, noi_min_cut)
    return _split_outcome(problem, found.labels, found.complete, min_cuts=found.steps)


@method(
    MIN_CUT_PARTITION,
    "gomory_hu",
    exact=False,
    summary="Gomory–Hu tree (NetworkX), cut its k − 1 lightest edges; 2 − 2/k approximation",
    applies=needs_nonnegative_weights,
)
def run_gomory_hu(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """Remove the k − 1 lightest edges of the Gomory–Hu tree."""
    found = gomory_hu_kcut(problem.graph, problem.k)
    return _split_outcome(problem, found.labels, found.complete, max_flows=found.steps)
