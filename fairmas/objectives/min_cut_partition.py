"""Objective ``min_cut_partition``: the trust network cut into coalitions of maximum welfare.

The welfare of a coalition structure is the weight of the pairs inside its
coalitions, Σ_{C} Σ_{i<j∈C} w_ij, for the symmetric relation chosen by the
parameter ``relation``: ``trust`` (MT-s-t-cut: w_ij = ρ_ij + ρ_ji) or
``trust_utility`` (MTU-s-t-cut: w_ij = f(i, j) = p_ij ω_ij + p_ji ω_ji with p
the row-normalized trust). With two non-empty coalitions, welfare = Σw − cut,
so with non-negative weights the best structure is a global minimum cut.

Methods, in order of preference:

``noi``
    Nagamochi–Ono–Ibaraki contraction (exact, near-linear on sparse networks).
``milp``
    The Pyomo MILP of :mod:`fairmas.formulations.min_cut_partition` on HiGHS;
    the only method for negative weights.
``mt_st_cut``
    Tong and Ren's MT-s-t-cut / MTU-s-t-cut: n − 1 OR-Tools max-flows.
``stoer_wagner``
    NetworkX's Stoer–Wagner, the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from fairmas.errors import InstanceError
from fairmas.formulations.min_cut_partition import sides_from_model, two_coalition_model
from fairmas.models.relations import coalition_weights
from fairmas.models.trust_network import TrustNetwork
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers.cuts import CutResult
from fairmas.solvers.global_mincut import compile_kernels, noi_min_cut, stoer_wagner_min_cut
from fairmas.solvers.highs import solve_model
from fairmas.solvers.maxflow_cut import mt_st_cut
from fairmas.solvers.options import SolveOptions


class MinCutPartitionParameters(Parameters):
    """Parameters of ``min_cut_partition``."""

    relation: Literal["trust", "trust_utility"] = "trust"
    """``trust`` (MT) or ``trust_utility`` (MTU)."""


@dataclass(frozen=True)
class PartitionProblem:
    """What every method of ``min_cut_partition`` works on."""

    network: TrustNetwork
    relation: str
    graph: WeightedGraph
    k: int = 2


def prepare(network: TrustNetwork, params: MinCutPartitionParameters) -> PartitionProblem:
    """Check the network can be cut in two and build the symmetric weights once."""
    if network.n_agents < 2:
        raise InstanceError(
            network.origin,
            "agents",
            f"min_cut_partition with k=2 needs at least 2 agents (got {network.n_agents})",
        )
    graph = coalition_weights(network, params.relation)
    return PartitionProblem(network=network, relation=params.relation, graph=graph)


def report(problem: PartitionProblem, outcome: Outcome) -> Report:
    """Welfare recomputed from the labels, coalitions by name, and the cut."""
    labels = np.asarray(outcome.solution)
    welfare = problem.graph.welfare(labels)
    return Report(
        value=welfare,
        solution={"coalitions": problem.graph.coalitions(labels)},
        details={
            "relation": problem.relation,
            "k": problem.k,
            "total_weight": problem.graph.total_weight,
            "cut_weight": problem.graph.cut_weight(labels),
        },
    )


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
    return (
        f"needs non-negative weights, but the {problem.relation} weight of {pair} is "
        f"{graph.w[e]:.6g} (from negative utilities): the problem is then max-cut-like; "
        "use method milp"
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
    applies=needs_nonnegative_weights,
    warm_up=compile_kernels,
)
def run_noi(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """Global minimum cut by CAPFOREST contraction."""
    return _cut_outcome(noi_min_cut(problem.graph), "rounds")


@method(
    MIN_CUT_PARTITION,
    "milp",
    exact=True,
    summary="Pyomo MILP on HiGHS; any sign of weights",
)
def run_milp(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """The declarative MILP of the best 2-coalition structure."""
    model = two_coalition_model(problem.graph)
    solved = solve_model(model, options)
    details: dict[str, object] = {"termination": solved.termination}
    if solved.message:
        details["error"] = solved.message
    labels = sides_from_model(model) if solved.has_solution else None
    return Outcome(status=solved.status, solution=labels, bound=solved.bound, details=details)


@method(
    MIN_CUT_PARTITION,
    "mt_st_cut",
    exact=True,
    summary="MT-s-t-cut / MTU-s-t-cut (Tong and Ren): n − 1 OR-Tools max-flows",
    applies=needs_nonnegative_weights,
)
def run_mt_st_cut(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """Fix s = the first agent; a minimum s-t cut for every t; keep the best."""
    return _cut_outcome(mt_st_cut(problem.graph, time_limit=options.time_limit), "max_flows")


@method(
    MIN_CUT_PARTITION,
    "stoer_wagner",
    exact=True,
    summary="NetworkX Stoer–Wagner global min cut (reference)",
    applies=needs_nonnegative_weights,
)
def run_stoer_wagner(problem: PartitionProblem, options: SolveOptions) -> Outcome:
    """NetworkX's Stoer–Wagner."""
    return _cut_outcome(stoer_wagner_min_cut(problem.graph), "phases")
