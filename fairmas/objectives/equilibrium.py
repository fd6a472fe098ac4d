"""Objective ``equilibrium``: pure Nash equilibria of a pairwise-utility game.

A profile a is a pure Nash equilibrium when no player gains by deviating
alone: U_i(a) ≥ U_i(a', a_−i) for every i and a'. The objective returns the
best equilibrium (maximum welfare; ``which=worst`` for the minimum), with
status ``infeasible`` when the game has no pure equilibrium, and reports:

- the best and the worst equilibrium welfare and the social optimum W*;
- the price of anarchy PoA = W* / W(worst equilibrium) (Koutsoupias and
  Papadimitriou 1999) and the price of stability PoS = W* / W(best
  equilibrium) (Anshelevich et al. 2004), for positive welfare. When all
  welfare is negative (a cost C = −W, as in routing games) they are the cost
  ratios C(worst)/C* and C(best)/C*; with zero or mixed-sign welfare they are
  None, with the reason in ``price_of_anarchy_note``. The differences
  W* − W(worst) and W* − W(best) are always reported;
- with ``all_equilibria=true``, up to ``limit`` equilibria (the MILP lists
  them from the best down by no-good cuts; CP-SAT by enumerating solutions;
  the search best first among those it keeps).

Methods, in order of preference (with no method named, ``solve`` runs
``search`` on dense games instead, see :func:`preferred_method`): ``cpsat``
(best responses as half-reified constraints, which CP-SAT propagates well:
the fastest on our sparse benchmarks),
``milp`` (local-marginal welfare; best responses as indicator rows with the
tightest big-M, or with ``best_response=product`` as exact rows on the pair
products), ``search`` (backtracking over players with best-response
pruning, :mod:`fairmas.solvers.game_equilibrium_search`: finds every
equilibrium in one pass; by far the fastest on small dense games, weak on
large sparse ones, where CP-SAT's learning wins; on games too large to finish,
regret annealing on a second core, :mod:`fairmas.solvers.equilibrium_annealing`,
supplies the equilibria it reports at the time limit) and ``enumerate``.

References
----------
E. Koutsoupias, C. Papadimitriou, "Worst-case equilibria", STACS 1999.
E. Anshelevich et al., "The price of stability for network design with fair
cost allocation", FOCS 2004.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.objectives.game_common import (
    Budget,
    GameProblem,
    combined_status,
    enumeration_fits,
    fastest_social_optimum,
    is_dense,
    milp_equilibria,
    milp_social_optimum,
    named,
    prepare_game,
    welfare_ratio,
)
from fairmas.registry import Objective, Outcome, Parameters, Report, method, register_objective
from fairmas.result import Status
from fairmas.solvers import game_enumeration, game_equilibrium_search
from fairmas.solvers.game_cpsat import cpsat_all_equilibria, cpsat_profile
from fairmas.solvers.game_equilibrium_search import search_equilibria
from fairmas.solvers.options import SolveOptions


class EquilibriumParameters(Parameters):
    """Parameters of ``equilibrium``."""

    which: Literal["best", "worst"] = "best"
    """Return the equilibrium of maximum (``best``) or minimum (``worst``) welfare."""
    prices: bool = True
    """Also find the other extreme and the social optimum: PoA and PoS."""
    all_equilibria: bool = False
    """List the pure equilibria (up to ``limit``)."""
    limit: Annotated[int, Field(ge=1, le=100_000)] = 100
    """Most equilibria listed with ``all_equilibria``."""
    best_response: Literal["indicator", "product"] = "indicator"
    """How the MILP writes best responses (see ``add_best_responses``)."""


PRICES_SHARE = 0.75
"""With a time limit, the ``search`` method first gives at most this share of it to the social
optimum of the prices, then the rest to the equilibrium search (see :func:`run_search`)."""


@dataclass(frozen=True)
class SocialOptimum:
    """The social optimum found for the prices.

    Attributes
    ----------
    profile : ndarray of int64 or None
        The best profile found (action index per player).
    status : Status
        ``optimal`` when proved.
    bound : float or None
        A proved upper bound on the welfare of every profile (None when the
        solver proved none).
    """

    profile: np.ndarray | None
    status: Status
    bound: float | None

    @classmethod
    def of(cls, found: Any) -> SocialOptimum:
        """From a solver's outcome: anything with ``profile``, ``status`` and ``bound``."""
        finite = found.bound is not None and math.isfinite(float(found.bound))
        return cls(found.profile, found.status, float(found.bound) if finite else None)


def equilibrium_bound(
    which: str, status: Status, own_bound: float | None, optimum: SocialOptimum | None
) -> float | None:
    """The bound reported by a ``which`` equilibrium search that ended with ``status``.

    No equilibrium has more welfare than the social optimum, so for
    ``which=best`` the optimum's upper bound also bounds the best
    equilibrium: the smaller of it and the method's own bound is kept, when
    the search did not prove its equilibrium.

    >>> optimum = SocialOptimum(None, Status.OPTIMAL, 10.0)
    >>> stopped = Status.MAX_TIME_LIMIT
    >>> [equilibrium_bound("best", stopped, own, optimum) for own in (None, 12.0, 8.0)]
    [10.0, 10.0, 8.0]
    >>> equilibrium_bound("worst", stopped, 12.0, optimum)
    12.0
    >>> equilibrium_bound("best", Status.OPTIMAL, 9.0, optimum)
    9.0
    """
    if optimum is None or optimum.bound is None or which != "best" or status is Status.OPTIMAL:
        return own_bound
    if own_bound is None or not math.isfinite(own_bound):
        return optimum.bound
    return min(own_bound, optimum.bound)


@dataclass
class EquilibriumSearch:
    """A method's raw findings (profiles as action-index arrays)."""

    chosen: np.ndarray
    best: np.ndarray | None = None
    worst: np.ndarray | None = None
    optimum: SocialOptimum | None = None
    equilibria: list[np.ndarray] | None = None
    complete: bool = False
    count: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def _optimum_details(game: PairwiseGame, optimum: SocialOptimum) -> dict[str, Any]:
    """The social optimum's welfare, profile and status (and its bound when not proved)."""
    if optimum.profile is None:
        return {"social_optimum_status": str(optimum.status)}
    opt = game.welfare(optimum.profile)
    details: dict[str, Any] = {
        "social_optimum": opt,
        "optimum_profile": game.profile_names(optimum.profile),
        "social_optimum_status": str(optimum.status),
    }
    if optimum.status is not Status.OPTIMAL:
        if optimum.bound is not None:
            details["social_optimum_bound"] = max(optimum.bound, opt)
        details["prices_note"] = (
            f"the social optimum is not proved ({optimum.status}): W* is the best profile found"
            + (", at most social_optimum_bound" if "social_optimum_bound" in details else "")
        )
    return details


def _prices(
    game: PairwiseGame, best: Any, worst: Any, optimum: SocialOptimum | None
) -> dict[str, Any]:
    """Best/worst welfare, social optimum, PoA and PoS, recomputed from the profiles."""
    details: dict[str, Any] = {}
    if best is not None:
        details["best_equilibrium_welfare"] = game.welfare(best)
    if worst is not None:
        details["worst_equilibrium_welfare"] = game.welfare(worst)
    if optimum is None:
        return details
    details.update(_optimum_details(game, optimum))
    if optimum.profile is None:
        return details
    opt = details["social_optimum"]
    if best is None or worst is None:
        return details
    poa, why_poa = welfare_ratio(opt, details["worst_equilibrium_welfare"], "price of anarchy")
    pos, why_pos = welfare_ratio(opt, details["best_equilibrium_welfare"], "price of stability")
    details["price_of_anarchy"] = poa
    details["price_of_stability"] = pos
    details["anarchy_loss"] = opt - details["worst_equilibrium_welfare"]
    details["stability_loss"] = opt - details["best_equilibrium_welfare"]
    for key, why in (("price_of_anarchy_note", why_poa), ("price_of_stability_note", why_pos)):
        if why:
            details[key] = why
    return details


def report(problem: GameProblem, outcome: Outcome) -> Report:
    """Welfare of the chosen equilibrium, the prices, and the listed equilibria, all verified."""
    game = problem.game
    found: EquilibriumSearch = outcome.solution
    shown = [p for p in (found.chosen, found.best, found.worst) if p is not None]
    shown += found.equilibria or []
    details: dict[str, Any] = {
        "which": problem.params.which,
        "pure_equilibrium_exists": True,
        "utilities": dict(zip(game.players, game.utilities(found.chosen).tolist(), strict=True)),
        "verified": all(game.is_equilibrium(p) for p in shown),
        **_prices(game, found.best, found.worst, found.optimum),
    }
    if found.equilibria is not None:
        details["equilibria"] = [
            {"profile": game.profile_names(p), "welfare": game.welfare(p)} for p in found.equilibria
        ]
        details["all_listed"] = found.complete
    if found.count is not None:
        details["n_equilibria"] = found.count
    details.update(found.notes)
    return Report(
        value=game.welfare(found.chosen), solution=named(game, found.chosen), details=details
    )


def _no_equilibrium(
    game: PairwiseGame,
    status: Status,
    optimum: SocialOptimum | None,
    notes: dict[str, Any],
) -> Outcome:
    """No equilibrium: proven absent (``infeasible``) or none found; the optimum still reported.

    The status is the equilibrium search's, so ``details.social_optimum_status``
    says whether the social optimum reported beside it was proved.
    """
    proven = status is Status.INFEASIBLE
    details: dict[str, Any] = {
        "pure_equilibrium_exists": False if proven else None,
        "reason": "no pure Nash equilibrium exists"
        if proven
        else f"no pure Nash equilibrium found ({status})",
        "price_of_anarchy": None,
        "price_of_stability": None,
        **notes,
    }
    if optimum is not None:
        details.update(_optimum_details(game, optimum))
    return Outcome(status, None, None, details)


def preferred_method(problem: GameProblem) -> str | None:
    """``search`` on dense games (:func:`~fairmas.objectives.game_common.is_dense`), else None.

    On dense games the search is the fastest exact method by far (10 × 4:
    6 ms against CP-SAT's 0.5 s; 12 × 5: 0.7 s against 23 s; 15 × 5: 21 s
    where CP-SAT does not finish in 60 s), and where neither finishes its
    regret annealing still reports equilibria (30 × 5, 80 × 2) where CP-SAT
    finds none. On sparse games CP-SAT's learning wins, so it stays first.

    >>> dense, sparse = PairwiseGame.random(8, 3, seed=0), PairwiseGame.random(60, 3, 4)
    >>> preferred_method(GameProblem(dense, None)), preferred_method(GameProblem(sparse, None))
    ('search', None)
    """
    return "search" if is_dense(problem.game) else None


EQUILIBRIUM = register_objective(
    Objective(
        name="equilibrium",
        kind=PairwiseGame.kind,
        summary="best (or worst) pure Nash equilibrium; price of anarchy and of stability",
        sense="max",
        parameters=EquilibriumParameters,
        prepare=prepare_game,
        report=report,
        prefer=preferred_method,
    )
)


def _assemble(
    problem: GameProblem,
    chosen: np.ndarray,
    other: np.ndarray | None,
    optimum: SocialOptimum | None,
) -> EquilibriumSearch:
    best, worst = (chosen, other) if problem.params.which == "best" else (other, chosen)
    return EquilibriumSearch(chosen=chosen, best=best, worst=worst, optimum=optimum)


@method(
    EQUILIBRIUM,
    "cpsat",
    exact=True,
    summary="OR-Tools CP-SAT: half-reified best responses; solution enumeration to list all",
)
def run_cpsat(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Extreme (and optionally all) equilibria by CP-SAT; the prices' optimum by the fastest one."""
    game, params = problem.game, problem.params
    budget = Budget(options)

    def solve(sense: str, hint: Any = None) -> Any:
        return cpsat_profile(
            game,
            sense,
            equilibrium=True,
            time_limit=budget.remaining,
            threads=options.threads,
            hint=hint,
        )

    first = solve("max" if params.which == "best" else "min")
    notes: dict[str, Any] = {"scale": first.scaling.factor, "scale_exact": first.scaling.exact}
    if first.message:
        notes["error"] = first.message
    statuses = [first.status]
    optimum = None
    if params.prices:
        start = first.profiles[0] if first.profiles else None
        optimum = SocialOptimum.of(
            fastest_social_optimum(game, budget.remaining, options.threads, start)
        )
        statuses.append(optimum.status)
    if not first.profiles:
        return _no_equilibrium(game, first.status, optimum, notes)
    other = None
    if params.prices:
        found = solve("min" if params.which == "best" else "max", first.profiles[0])
        other = found.profiles[0] if found.profiles else None
        statuses.append(found.status)
    search = _assemble(problem, first.profiles[0], other, optimum)
    search.notes = notes
    if params.all_equilibria:
        listing = cpsat_all_equilibria(game, params.limit, budget.remaining)
        search.equilibria, search.complete = listing.profiles, listing.complete
        if listing.complete:
            search.count = len(listing.profiles)
        statuses.append(Status.OPTIMAL if listing.status is Status.FEASIBLE else listing.status)
    bound = equilibrium_bound(params.which, first.status, first.bound, optimum)
    return Outcome(combined_status(*statuses), search, bound, {})


@method(
    EQUILIBRIUM,
    "milp",
    exact=True,
    summary="Pyomo MILP on HiGHS: best-response rows (tight big-M or product form); no-good cuts",
    constraints=True,
)
def run_milp(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Extreme equilibria by MILP; the social optimum by the MILP of ``social_optimum``."""
    game, params = problem.game, problem.params
    budget = Budget(options)
    limit = params.limit if params.all_equilibria else 1
    form = params.best_response
    extend = problem.constraints.apply if problem.constraints else None
    listed, first, complete = milp_equilibria(game, params.which, limit, budget, form, extend)
    statuses = [first.status]
    details: dict[str, Any] = {"error": first.message} if first.message else {}
    optimum = None
    if params.prices:
        optimum = SocialOptimum.of(milp_social_optimum(game, budget.for_next_solve(), extend))
        statuses.append(optimum.status)
    if first.profile is None:
        status = first.status if first.status is not Status.OPTIMAL else Status.ERROR
        return _no_equilibrium(game, status, optimum, details)
    other = None
    if params.prices:
        flip = "worst" if params.which == "best" else "best"
        others, found, _ = milp_equilibria(game, flip, 1, budget, form, extend)
        other, statuses = (others[0] if others else None), [*statuses, found.status]
    search = _assemble(problem, first.profile, other, optimum)
    if params.all_equilibria:
        search.equilibria, search.complete = listed, complete
    bound = equilibrium_bound(params.which, first.status, first.bound, optimum)
    return Outcome(combined_status(*statuses), search, bound, details)


@method(
    EQUILIBRIUM,
    "search",
    exact=True,
    summary="compiled backtracking with best-response pruning (every equilibrium; small dense),"
    " regret annealing beside it when it cannot finish",
    warm_up=game_equilibrium_search.compile_kernels,
)
def run_search(problem: GameProblem, options: SolveOptions) -> Outcome:
    """Every equilibrium by one search; the prices' social optimum by the fastest method, first.

    With a time limit and ``prices``, the social optimum runs first on at
    most :data:`PRICES_SHARE` of it and the search gets the rest: the search
    either finishes early or cannot finish at all (nodes grow about 30-fold
    per player), while the optimum, proved in time, also bounds the best
    equilibrium. On the dense 30 × 5 benchmark game (60 s) the optimum is
    proved in about 21 s and the search still finds its best equilibrium,
    4,430, within 10 s, so the result reports a 4.1 % gap where it had none
    (and an unproved optimum of 4,610 beside it).
    """
    game, params = problem.game, problem.params
    budget = Budget(options)
    optimum = None
    if params.prices:
        left = budget.remaining
        share = None if left is None else max(0.0, left) * PRICES_SHARE
        optimum = SocialOptimum.of(fastest_social_optimum(game, share, options.threads))
    keep = params.limit if params.all_equilibria else 0
    found = search_equilibria(game, budget.remaining, keep=keep, threads=options.threads)
    status = Status.OPTIMAL if found.complete else Status.MAX_TIME_LIMIT
    notes: dict[str, Any] = {"search_nodes": found.nodes}
    if found.annealing_runs:
        notes.update(annealing_runs=found.annealing_runs, annealed_equilibria=found.annealed)
    statuses = [status] if optimum is None else [status, optimum.status]
    if found.best is None:
        if status is Status.OPTIMAL:
            status = Status.INFEASIBLE
        return _no_equilibrium(game, status, optimum, notes)
    chosen, other = (
        (found.best, found.worst) if params.which == "best" else (found.worst, found.best)
    )
    search = _assemble(problem, chosen, other if params.prices else None, optimum)
    search.count = found.count if found.complete else None
    if params.all_equilibria:
        search.equilibria = found.equilibria
        search.complete = found.complete and found.count <= params.limit
    search.notes = notes
    bound = equilibrium_bound(params.which, status, None, optimum)
    return Outcome(combined_status(*statuses), search, bound, {})


@method(
    EQUILIBRIUM,
    "enumerate",
    exact=True,
    summary="every profile, compiled (small games: at most 10^7 profiles); counts equilibria",
    applies=enumeration_fits("method cpsat, search or milp"),
    warm_up=game_enumeration.compile_kernels,
)
def run_enumerate(problem: GameProblem, options: SolveOptions) -> Outcome:
    """One pass over all profiles."""
    game, params = problem.game, problem.params
    limit = params.limit if params.all_equilibria else 0
    found = game_enumeration.enumerate_profiles(game, limit, options.time_limit)
    status = Status.OPTIMAL if found.complete else Status.MAX_TIME_LIMIT
    notes = {"visited_profiles": found.visited, "n_equilibria": found.n_equilibria}
    optimum = None
    if params.prices and found.optimum is not None:
        exact = game.welfare(found.optimum) if found.complete else None
        optimum = SocialOptimum(found.optimum, status, exact)
    if found.best_equilibrium is None:
        if status is Status.OPTIMAL:
            status = Status.INFEASIBLE
        return _no_equilibrium(game, status, optimum, notes)
    chosen = found.best_equilibrium if params.which == "best" else found.worst_equilibrium
    other = found.worst_equilibrium if params.which == "best" else found.best_equilibrium
    search = _assemble(problem, chosen, other if params.prices else None, optimum)
    search.count = found.n_equilibria if found.complete else None
    if params.all_equilibria:
        search.equilibria = found.equilibria
        search.complete = found.complete and found.n_equilibria <= params.limit
    search.notes = {"visited_profiles": found.visited}
    return Outcome(status, search, None, {})
