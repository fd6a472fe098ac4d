"""Objective ``csg``: the optimal coalition structure of a coalition game.

Given v over coalitions, find a partition CS of the agents (any number of
coalitions) maximizing the social welfare Σ_{C∈CS} v(C) (coalition structure
generation; Rahwan et al. 2015). Instances:

- ``coalition_game``: a table, a generated game or a graph game
  (:mod:`fairmas.models.coalition_game`, or an ODP-IP value file);
- ``trust_network``: its graph game v(C) = Σ_{i<j∈C} w_ij under the parameter
  ``relation`` (``trust``: MT weights, ``trust_utility``: MTU weights), the
  game behind Tong and Ren's experiment (seed 003).

Methods, in order of preference:

``odp_ip``
    IDP interleaved with IP's branch and bound, the ODP-IP idea
    (:func:`fairmas.solvers.csg_exact.idp_ip_solve`); dense table, n ≤ 25.
``dp``
    Yeh's DP over all subsets, compiled and parallel
    (:func:`fairmas.solvers.csg_exact.dp_solve`); dense table, n ≤ 25.
``milp``
    Set partitioning for tables (n ≤ 16); clique partitioning on the weighted
    pairs with lazily added cycle (triangle) inequalities for graph games, any n.
``csg_uct``
    Monte Carlo tree search (Wu & Ramchurn 2020), a seeded heuristic; anytime
    under ``--time-limit``.

References
----------
T. Rahwan, T. P. Michalak, M. Wooldridge, N. R. Jennings, "Coalition structure
generation: a survey", Artificial Intelligence 229 (2015) 139–174.

Examples
--------
>>> import fairmas
>>> game = CoalitionGame.from_table(
...     ["a1", "a2", "a3", "a4"],
...     [0, 30, 40, 50, 25, 60, 55, 90, 45, 80, 70, 120, 80, 100, 115, 140])
>>> result = fairmas.solve(game, "csg")
>>> result.method, result.value, result.solution["coalitions"]
('odp_ip', 150.0, [['a1'], ['a2'], ['a3', 'a4']])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from fairmas.constraints.registry import NO_CONSTRAINTS, ConstraintSet
from fairmas.errors import ParameterError
from fairmas.formulations.csg import (
    MAX_SET_PARTITIONING_AGENTS,
    chosen_coalitions,
    set_partitioning_model,
)
from fairmas.models.coalition_game import MAX_TABLE_AGENTS, CoalitionGame, table_bytes
from fairmas.models.trust_network import TrustNetwork
from fairmas.registry import (
    ModelForm,
    Objective,
    Outcome,
    Parameters,
    Report,
    method,
    register_objective,
)
from fairmas.result import Status
from fairmas.solvers import csg_exact
from fairmas.solvers.csg_exact import CsgSolution, dp_solve, idp_ip_solve
from fairmas.solvers.csg_uct import GraphOracle, TableOracle, csg_uct
from fairmas.solvers.highs import solve_model
from fairmas.solvers.kcut import canonical_labels
from fairmas.solvers.multicut import solve_graph_game
from fairmas.solvers.options import SolveOptions
from fairmas.solvers.stability import check_stability
from fairmas.solvers.yeh_dp import labels_from_masks

DEFAULT_UCT_ITERATIONS = 2000
"""CSG-UCT iterations when neither ``uct_iterations`` nor ``--time-limit`` is given."""


class CsgParameters(Parameters):
    """Parameters of ``csg``."""

    relation: Literal["trust", "trust_utility"] = "trust"
    """For a trust network: the pair weights of its graph game (MT or MTU)."""
    uct_iterations: Annotated[int, Field(ge=1)] | None = None
    """CSG-UCT iterations; default 2000, or until ``--time-limit`` when one is given."""
    seed: Annotated[int, Field(ge=0)] = 0
    """Seed of CSG-UCT."""


@dataclass(frozen=True, eq=False)
class CsgProblem:
    """What every method of ``csg`` works on."""

    game: CoalitionGame
    relation: str | None
    params: CsgParameters
    checked: dict[bytes, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Stability details by structure, so that methods agreeing on one are checked once."""
    constraints: ConstraintSet = NO_CONSTRAINTS
    """Plug-in constraints the ``milp`` method adds (:mod:`fairmas.constraints`)."""

    @property
    def n(self) -> int:
        """Number of agents."""
        return self.game.n_agents

    def stability_of(self, labels: np.ndarray) -> dict[str, Any]:
        """Utilities, individual rationality and stability of a structure (graph games).

        Stability (DESIGN.md section 2) is defined through individual utilities
        u_i = Σ_{j∈C(i)} w_ij, i.e. for graph games; a table game says what a
        coalition is worth, not how its members share it, so there
        ``details.stable`` is None with the reason.
        """
        if self.game.graph is None:
            return {
                "stable": None,
                "blocking_coalition": None,
                "stability_search": {
                    "method": None,
                    "status": "not defined for table games: individual utilities need the "
                    "pair weights of a graph game",
                },
            }
        key = canonical_labels(labels).tobytes()
        if key not in self.checked:
            report = check_stability(self.game.graph, canonical_labels(labels))
            self.checked[key] = report.as_details(self.game.agents)
        return self.checked[key]


def prepare(instance: CoalitionGame | TrustNetwork, params: CsgParameters) -> CsgProblem:
    """The coalition game itself, or the graph game of a trust network under ``relation``."""
    if isinstance(instance, TrustNetwork):
        game = CoalitionGame.from_trust_network(instance, params.relation)
        return CsgProblem(game, params.relation, params)
    if "relation" in params.model_fields_set:
        raise ParameterError(
            "--param relation",
            "applies to trust networks only; a coalition_game has its own values",
        )
    return CsgProblem(instance, None, params)


def report(problem: CsgProblem, outcome: Outcome) -> Report:
    """Welfare recomputed from the labels, coalitions by name, and stability (graph games)."""
    labels = np.asarray(outcome.solution)
    game = problem.game
    details: dict[str, Any] = {
        "game": "graph" if game.is_graph_game else "table",
        "n_coalitions": int(np.unique(labels).size),
    }
    if problem.relation is not None:
        details["relation"] = problem.relation
    details.update(problem.stability_of(labels))
    return Report(
        value=game.welfare(labels),
        solution={"coalitions": game.coalitions(labels)},
        details=details,
    )


CSG = register_objective(
    Objective(
        name="csg",
        kind=CoalitionGame.kind,
        extra_kinds=(TrustNetwork.kind,),
        summary="optimal coalition structure of a coalition game (any number of coalitions)",
        sense="max",
        parameters=CsgParameters,
        prepare=prepare,
        report=report,
    )
)


# ----------------------------------------------------------------------------- applicability


_listing_others = False


def _others(problem: CsgProblem, but: str) -> str:
    """The methods that can run on this problem, for an error message."""
    global _listing_others
    if _listing_others:
        return ""
    _listing_others = True
    try:
        names = [
            name
            for name, candidate in CSG.methods.items()
            if name != but and candidate.applies(problem) is None
        ]
    finally:
        _listing_others = False
    return ", ".join(names) if names else "none"


def _needs_table(name: str) -> Any:
    def applies(problem: CsgProblem) -> str | None:
        n = problem.n
        if n <= MAX_TABLE_AGENTS:
            return None
        return (
            f"needs the dense table of 2^{n} coalition values ({table_bytes(n)}) and about "
            f"3^{n}/2 split evaluations; at most {MAX_TABLE_AGENTS} agents; methods that can "
            f"run instead: {_others(problem, name)}"
        )

    return applies


def _milp_applies(problem: CsgProblem) -> str | None:
    if problem.game.is_graph_game or problem.n <= MAX_SET_PARTITIONING_AGENTS:
        return None
    return (
        f"set partitioning needs one column per coalition, 2^{problem.n} − 1 here; at most "
        f"{MAX_SET_PARTITIONING_AGENTS} agents for a table game (a graph game has no such "
        f"limit); methods that can run instead: {_others(problem, 'milp')}"
    )


def _solution_outcome(problem: CsgProblem, found: CsgSolution) -> Outcome:
    return Outcome(
        status=Status.OPTIMAL if found.optimal else Status.MAX_TIME_LIMIT,
        solution=labels_from_masks(found.coalitions, problem.n),
        bound=found.bound,
        details=dict(found.stats),
    )


# ----------------------------------------------------------------------------- methods


@method(
    CSG,
    "odp_ip",
    exact=True,
    summary="IDP interleaved with IP's branch and bound (the ODP-IP idea), compiled",
    applies=_needs_table("odp_ip"),
    warm_up=csg_exact.compile_kernels,
)
def run_odp_ip(problem: CsgProblem, options: SolveOptions) -> Outcome:
    """IDP up to size 2n/3 with IP searches between sizes."""
    return _solution_outcome(problem, idp_ip_solve(problem.game.values(), options.time_limit))


@method(
    CSG,
    "dp",
    exact=True,
    summary="Yeh's DP over all subsets (splits holding the lowest agent), compiled and parallel",
    applies=_needs_table("dp"),
    warm_up=csg_exact.compile_kernels,
)
def run_dp(problem: CsgProblem, options: SolveOptions) -> Outcome:
    """f(S) = max(v(S), max f(A) + f(S∖A)) for every coalition S."""
    return _solution_outcome(problem, dp_solve(problem.game.values(), options.time_limit))


@method(
    CSG,
    "milp",
    exact=True,
    summary="Pyomo MILP on HiGHS: set partitioning (tables, n ≤ 16) or clique "
    "partitioning with lazy cycle inequalities (graph games, any n)",
    applies=_milp_applies,
    constraints=True,
)
def run_milp(problem: CsgProblem, options: SolveOptions) -> Outcome:
    """Set partitioning of a table, or the multicut loop of a graph game."""
    game = problem.game
    if game.graph is not None:
        found = solve_graph_game(
            game.graph, options, extend=problem.constraints.apply if problem.constraints else None
        )
        return Outcome(
            status=found.status, solution=found.labels, bound=found.bound, details=found.stats
        )
    # dominated coalitions are left out only when nothing else is added to the model
    model = set_partitioning_model(game.values(), all_coalitions=bool(problem.constraints))
    problem.constraints.apply(model)
    return solve_table_model(problem, model, options)


def build_model(problem: CsgProblem, options: SolveOptions) -> object:
    """The set-partitioning model of a table game, one column ``model.x[c]`` per coalition
    bitmask c (every coalition: rows added by hand may need any of them)."""
    if problem.game.graph is not None:
        raise ParameterError(
            "objective csg",
            "a graph game is solved by a sequence of models (cycle inequalities added "
            "lazily), not one; add components to each with fairmas.solve(..., "
            "constraints=[function])",
        )
    return set_partitioning_model(problem.game.values(), all_coalitions=True)


def solve_table_model(problem: CsgProblem, model: object, options: SolveOptions) -> Outcome:
    """Solve a set-partitioning model on HiGHS and decode the structure."""
    solved = solve_model(model, options)
    details: dict[str, Any] = {"termination": solved.termination, "columns": len(model.x)}
    if solved.message:
        details["error"] = solved.message
    labels = labels_from_masks(chosen_coalitions(model), problem.n) if solved.has_solution else None
    return Outcome(status=solved.status, solution=labels, bound=solved.bound, details=details)


CSG.model_form = ModelForm("milp", build_model, solve_table_model)


@method(
    CSG,
    "csg_uct",
    exact=False,
    summary="CSG-UCT Monte Carlo tree search (Wu & Ramchurn 2020), seeded; anytime",
)
def run_csg_uct(problem: CsgProblem, options: SolveOptions) -> Outcome:
    """UCT over merges from the singletons, greedy rollouts."""
    game = problem.game
    iterations = problem.params.uct_iterations
    if iterations is None and options.time_limit is None:
        iterations = DEFAULT_UCT_ITERATIONS
    use_table = game.table is not None or game.n_agents <= 20
    oracle = TableOracle(game.values()) if use_table else GraphOracle(game.graph)  # type: ignore[arg-type]
    found = csg_uct(oracle, iterations, options.time_limit, problem.params.seed)
    status = {
        "exhausted": Status.OPTIMAL,
        "time_limit": Status.MAX_TIME_LIMIT,
        "iterations": Status.FEASIBLE,
    }[found.stopped_by]
    return Outcome(
        status=status,
        solution=labels_from_masks(found.coalitions, problem.n),
        bound=found.value if found.exhausted else None,
        details={**found.stats, "stopped_by": found.stopped_by, "seed": problem.params.seed},
    )
