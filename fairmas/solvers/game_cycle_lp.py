"""The social optimum of a polymatrix game by a cycle-tightened LP, finished by toulbar2.

The welfare maximum of a polymatrix game is MAP inference in a pairwise
Markov random field (:mod:`fairmas.solvers.game_toulbar2`). On sparse games
the local marginal polytope LP is already within a percent of the optimum,
and cycle inequalities close most of what is left, often all of it:

1. **Local polytope.** With integer costs c_e(a, b) = max W_e − W_e(a, b) ≥ 0
   (payoffs scaled by :func:`~fairmas.solvers.game_cpsat.integer_scale`)

   .. math::

       \\min \\sum_e \\sum_{a,b} c_e(a, b)\\, \\mu_e(a, b) \\quad\\text{s.t.}\\quad
       \\sum_a \\mu_i(a) = 1,\\;
       \\sum_b \\mu_e(a, b) = \\mu_u(a),\\;
       \\sum_a \\mu_e(a, b) = \\mu_v(b),\\; \\mu \\ge 0,

   handed to HiGHS with every node column written as a marginal of an
   anchor pair and the rows that then vanish or are implied left out
   (:func:`~fairmas.solvers.cycle_lp_relaxation.local_polytope`), solved by
   HiGHS' interior point method without crossover (highspy; the
   warm-started dual simplex on small LPs).
2. **Cycle inequalities** (Sontag and Jaakkola 2007). Every action a of every
   player i gives a binary indicator z = [a_i = a]; for an interacting pair
   the indicators (u, a) and (v, b) disagree with probability
   d = μ_u(a) + μ_v(b) − 2 μ_e(a, b). For every cycle C of such indicator
   pairs and every F ⊆ C of odd size,

   .. math::

       \\sum_{f \\in F} (1 - d_f) + \\sum_{f \\in C \\setminus F} d_f \\ge 1 .

   The most violated ones through the most fractional indicators are found
   exactly by shortest paths between the two copies of an indicator in the
   doubled graph (Barahona and Mahjoub 1986; a compiled Dijkstra in
   :mod:`fairmas.solvers.cycle_separation`) and added in
   rounds. Each round's bound is recomputed from the dual,
   L(y) = yᵀb + Σ_j min(0, d_j) with d = c − Aᵀy, so it holds whatever the
   solver's tolerances. Each LP point is rounded (each player's likeliest
   action, then iterated conditional modes) into an incumbent.
   Once the first LP has not proved the optimum, simulated annealing
   (:class:`~fairmas.solvers.game_annealing.BackgroundAnnealing`) runs on a
   second thread until the cut rounds end (HiGHS and the compiled kernels
   release the GIL) and hands its best profile over after every round.
3. **toulbar2 on the LP's dual.** When the bound meets the incumbent (within
   one unit when the scaled costs are exact integers) the incumbent is
   optimal. Otherwise the dual of the LP that proved the bound is turned
   into an exact cost function network
   (:func:`~fairmas.solvers.dual_reparametrization.reparametrize`): D times
   the cost of every profile equals a constant, the LP bound, plus
   non-negative unary, pairwise and (from the cycle inequalities) ternary
   functions. toulbar2 (:func:`~fairmas.solvers.game_toulbar2.toulbar2_minimize`)
   then searches it for a profile better than the incumbent by at least a
   unit, starting from the cycle-tightened bound rather than from the local
   polytope's, with the rest of the time; the reported bound is the better
   of the LP's and the search's. (On the sparse 1000 × 3 benchmark game of
   seed 7 the cycle bound ends 2.2 units above the best profile annealing
   finds: toulbar2 on the game itself does not close that in 200 s, on the
   network it finds a better profile and proves it optimal in about 4 s.)
   Such a search also runs between cut rounds, for a second
   (:data:`PROBE_SECONDS`), once the bound is within :data:`PROBE_GAP`
   units of the incumbent: on seed 7 the fourth of them, after 28 s,
   proves the optimum the rounds alone would have reached after about 55 s.
4. **Branch and cut** (:mod:`fairmas.solvers.cycle_branch_and_cut`), when
   at least :data:`BRANCH_AFTER` seconds are left after the rounds (or there
   is no time limit): the network search gets :data:`ROOT_SEARCH_SECONDS`
   if the bound is within ``SEARCH_GAP`` units of the incumbent
   (:data:`PROBE_SECONDS` otherwise), then a best-first branch and cut
   splits the profiles on the fractional player whose columns carry the
   most cut dual, one child per action. A child's LP is the parent's, with
   all the root's cuts and the other actions' columns at 0, re-solved by the
   dual simplex from the parent's basis (the root's from one interior point
   solve with crossover when the rounds left none) and stopped as soon as
   its dual objective closes the child, followed by ``NODE_ROUNDS`` cut
   rounds (none by default), and when its bound is within ``SEARCH_GAP``
   units of the incumbent its network (held at the child's actions by
   :func:`~fairmas.solvers.dual_reparametrization.condition`) is searched
   for ``NODE_SEARCH_SECONDS``. With two threads (the default) two workers
   take the best open nodes, each with its own copy of the LP. The converged
   cycle bound of the sparse 1000 × 3 game of seed 13 stays 6.8 units above
   its optimum; toulbar2 on the root network needs about 400 s to close
   that, the branch and cut 16–19 nodes, 58–63 s in all.

References
----------
D. Sontag, T. Jaakkola, "New outer bounds on the marginal polytope", NIPS 2007.
D. Sontag, T. Meltzer, A. Globerson, T. Jaakkola, Y. Weiss, "Tightening LP
relaxations for MAP using message passing", UAI 2008.
F. Barahona, A. R. Mahjoub, "On the cut polytope", Math. Programming 36 (1986).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from fairmas.models.pairwise_game import PairwiseGame
from fairmas.result import Status
from fairmas.solvers import cycle_branch_and_cut
from fairmas.solvers.background_runs import uses_second_core
from fairmas.solvers.cycle_lp_relaxation import (
    Incumbent,
    LpArrays,
    Networks,
    dual_bound,
    local_polytope,
    lp_arrays,
    round_lp_point,
    run_until,
    search_network,
)
from fairmas.solvers.cycle_separation import CycleSeparator
from fairmas.solvers.game_annealing import BackgroundAnnealing
from fairmas.solvers.game_cpsat import Scaling, integer_scale
from fairmas.solvers.game_local_search import local_welfare_profile
from fairmas.solvers.game_presolve import presolve
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum

CUT_SHARE = 0.9
"""Share of the time limit after which no new cutting-plane round begins.

The rounds stop by themselves once the bound stalls; until then a round
tightens the bound far more than the same seconds of toulbar2 search
(BENCHMARKS.md: 0.5 against 0.9 on sparse games of 100 to 1,000 players)."""

INTERIOR_POINT_COLUMNS = 4000
"""Cut-round LPs with at least this many columns go to the interior point method, smaller ones to
the warm-started dual simplex (:func:`_solve_round`)."""

PROBE_GAP = 10.0
"""Once the bound is within this many units of the (integer-scaled) costs of the incumbent, every
cut round from the third on is followed by a short toulbar2 search of the LP dual's cost network."""

PROBE_SECONDS = 1.0
"""Seconds of CPU time (toulbar2's clock) of such a search."""

SEARCH_RESERVE = 1.0
"""Seconds of the time limit an LP solve always leaves to the toulbar2 search."""

BRANCH_AFTER = 10.0
"""With at least this many seconds left after the cut rounds (or no time limit), a branch and cut
follows them (after a search of the LP dual's network for :data:`ROOT_SEARCH_SECONDS` when the
bound is within ``SEARCH_GAP`` units, :data:`PROBE_SECONDS` otherwise); with less, the
network search gets what is left.

Its nodes take 1–3 s on the sparse 1000 × 3 games, so even a few of them raise the bound more
than a search of the root's network, which does not move it by a unit in a minute there: at a
60 s limit, seeds 10 and 12 ended at gaps of 0.04 and 0.05 % with 30 s here, at 0.011 and
0.038 % with 10 s (BENCHMARKS.md)."""

ROOT_SEARCH_SECONDS = 10.0
"""CPU seconds of that network search before the branch and cut; beyond ``SEARCH_GAP`` it gets
:data:`PROBE_SECONDS` only.

That short search still closes small games the rounds leave open: the dense 15 × 5 games of
seeds 0–2, 1.9–2.5 s in all with it, took 6–9.5 s without it (81–196 nodes; 15–18 s with the
least-mass branching), while on the sparse 1000 × 3 games it costs a second."""

STALL_GAIN = 1.0
"""The cut rounds end once a round (from the third on) raises the LP bound by less than this many
units of the integer-scaled costs.

On the sparse 1000 × 3 games the cycle bound gains under a unit a round over its last several
rounds; since the branch and cut splits on the players that carry the cut duals
(:mod:`fairmas.solvers.cycle_branch_and_cut`) a node is worth more than such a round. Against
0.1 units (300 s limits, same session) seeds 10, 12, 13 and 0 were proved in 43.8, 53.8, 62.7
and 87.7 s instead of 58.7, 69.0, 77.6 and 104.5 s, after 34–40 s of rounds instead of 46–57 s
and with 13–40 nodes instead of 10–34. (With the old least-mass branching the 0.1-unit rule was the
better one for long runs and 1 unit was used only within the last 40 s of a limit; BENCHMARKS.md.)
"""


@dataclass(frozen=True)
class CycleLpOutcome:
    """How the tightened-LP search for the social optimum ended.

    Attributes
    ----------
    status : Status
        ``optimal`` when proved, ``max_time_limit`` when the time limit stopped
        the toulbar2 search (the incumbent is then the best profile found).
    profile : ndarray of int64
        The best profile found (action index per player).
    bound : float
        Proved upper bound on the welfare.
    scaling : Scaling
        The factor that made the costs integers.
    stats : dict
        ``eliminated_players`` (by the presolve), ``actions`` (LP columns
        per player and action of the players left), ``lp_bound`` (local
        polytope), ``cycle_bound`` (after the cuts), ``rounds``, ``cuts``,
        ``cut_seconds`` (time until the cuts stopped), ``probes`` and
        ``probe_nodes`` (the short network searches between rounds and their
        toulbar2 nodes), ``search_nodes`` (toulbar2's after the rounds, 0
        when the rounds proved the optimum), ``network_functions``
        and ``dropped_cuts`` (the size of the network toulbar2 searched, and
        the cuts it could not represent with functions of at most three
        players), ``branch_nodes`` and ``open_nodes`` (the nodes the branch
        and cut solved and those still open, when it ran) and, when
        annealing ran beside the cuts, ``annealing_runs``.
    """

    status: Status
    profile: np.ndarray
    bound: float
    scaling: Scaling
    stats: dict = field(default_factory=dict)


def cycle_lp_social_optimum(
    game: PairwiseGame,
    time_limit: float | None = None,
    threads: int | None = None,
    incumbent: np.ndarray | None = None,
) -> CycleLpOutcome:
    """Maximum-welfare profile of ``game``: cycle-tightened LP bound and incumbents, then toulbar2.

    Parameters
    ----------
    game : PairwiseGame
    time_limit : float, optional
        Seconds for the whole search; no cut round begins after
        :data:`CUT_SHARE` (90 %) of it (one begun may finish, leaving
        :data:`SEARCH_RESERVE` to toulbar2). Without one, or with at least
        :data:`BRANCH_AFTER` seconds left after the rounds, a branch and cut
        follows a short network search, so the method ends with a proof.
    threads : int, optional
        With 2 or more (the default), simulated annealing
        (:class:`~fairmas.solvers.game_annealing.BackgroundAnnealing`) looks
        for better incumbents on a second core once the first LP has not
        proved the optimum, until the cut rounds end, the cycle separation
        runs its shortest-path searches on two threads, and the branch and
        cut solves nodes on two threads; with 1 none of this happens.
    incumbent : ndarray of int, optional
        A profile already known (action index per player): the search starts
        from the better of it and a local-search profile.

    Returns
    -------
    CycleLpOutcome

    Examples
    --------
    Four players, every pair of whom earns 2 when its two players differ:
    with two actions at most four of the six pairs can differ. The local
    polytope LP claims 12, the cycle inequalities of the triangles bring it
    down to the optimum 8.

    >>> differ = [[0, 2], [2, 0]]
    >>> game = PairwiseGame.from_tables(
    ...     {p: ["x", "y"] for p in "abcd"},
    ...     [(p, q, differ) for p, q in ["ab", "ac", "ad", "bc", "bd", "cd"]],
    ... )
    >>> found = cycle_lp_social_optimum(game)
    >>> found.status, game.welfare(found.profile), found.bound
    (<Status.OPTIMAL: 'optimal'>, 8.0, 8.0)
    >>> round(found.stats["lp_bound"], 6), round(found.stats["cycle_bound"], 6)
    (12.0, 8.0)

    Players with at most two partners are eliminated first
    (:mod:`fairmas.solvers.game_presolve`): a lone triangle needs no LP.

    >>> triangle = PairwiseGame.from_tables(
    ...     {p: ["x", "y"] for p in "abc"}, [(p, q, differ) for p, q in ["ab", "bc", "ac"]]
    ... )
    >>> found = cycle_lp_social_optimum(triangle)
    >>> found.status, found.bound, found.stats["eliminated_players"]
    (<Status.OPTIMAL: 'optimal'>, 4.0, 3)
    """
    started = time.perf_counter()
    presolved = presolve(game)
    eliminated = len(presolved.steps)
    if presolved.game is None:
        profile = presolved.expand()
        welfare = game.welfare(profile)
        stats = {"actions": 0, "eliminated_players": eliminated, "lp_bound": None}
        stats.update(cycle_bound=welfare, rounds=0, cuts=0, cut_seconds=0.0, search_nodes=0)
        return CycleLpOutcome(Status.OPTIMAL, profile, welfare, integer_scale(game.flat[0]), stats)
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - started))
    found = _tightened_lp_search(
        presolved.game,
        left,
        threads,
        None if incumbent is None else presolved.reduce(incumbent),
    )
    stats = dict(found.stats, eliminated_players=eliminated)
    for key in ("lp_bound", "cycle_bound"):
        if stats.get(key) is not None:
            stats[key] += presolved.offset
    return CycleLpOutcome(
        found.status,
        presolved.expand(found.profile),
        found.bound + presolved.offset,
        found.scaling,
        stats,
    )


def _tightened_lp_search(
    game: PairwiseGame,
    time_limit: float | None,
    threads: int | None,
    incumbent: np.ndarray | None,
) -> CycleLpOutcome:
    """Steps 1–3 of the module docstring on a presolved game."""

    started = time.perf_counter()
    limit = math.inf if time_limit is None else float(time_limit)
    payoffs, _ = game.flat
    scaling = integer_scale(payoffs)
    unit = 1.0 if scaling.exact else 0.0
    close = max(unit, 1e-9)  # a bound this near the incumbent's cost proves it
    parallel = uses_second_core(threads)
    polytope, best_total = local_polytope(game, scaling.factor)

    def welfare_of(cost: float) -> float:
        return (best_total - cost) / scaling.factor

    highs = polytope.highs
    separator = CycleSeparator(
        polytope.n_nodes, polytope.cell_node_u, polytope.cell_node_v, workers=2 if parallel else 1
    )
    best = Incumbent(game, polytope, local_welfare_profile(game))
    if incumbent is not None:
        best.offer(np.asarray(incumbent, dtype=np.int64))
    stats: dict = {"actions": game.total_actions}
    bound = lp_value = -math.inf  # the best bound proved; the best by an LP dual alone
    bound_lp: LpArrays | None = None  # the LP and dual that proved ``lp_value``
    rounds = cuts = probes = probe_nodes = 0
    cut_deadline = started + CUT_SHARE * limit
    annealing = None
    networks = Networks(game, polytope)
    try:
        while True:
            # a round begun before the cut deadline may finish after it
            _solve_round(highs, started + limit - SEARCH_RESERVE)
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break  # out of time (or numerical trouble): keep the last proved bound
            x = polytope.point()
            previous = lp_value
            lp = lp_arrays(polytope)
            value = dual_bound(lp)
            if value > lp_value:
                lp_value, bound_lp = value, lp
            bound = max(bound, value)
            stats.setdefault("lp_bound", welfare_of(value))
            best.offer(round_lp_point(game, x, polytope))
            if annealing is not None:
                best.offer(annealing.best().profile)
            if (
                best.cost - bound < close
                or time.perf_counter() > cut_deadline
                or (rounds > 1 and lp_value - previous < STALL_GAIN * close)
            ):
                break
            if (
                rounds >= 2
                and best.cost - bound <= PROBE_GAP
                and time.perf_counter() + PROBE_SECONDS < cut_deadline
            ):
                probe: dict = {}
                network = networks.of(bound_lp)
                if network is not None:
                    searched = search_network(network, best, unit, PROBE_SECONDS, probe)
                    bound = max(bound, min(searched, best.cost))
                    probes += 1
                    probe_nodes += probe["search_nodes"]
                    if best.cost - bound < close:
                        break
            if annealing is None and parallel:
                annealing = BackgroundAnnealing(game, start=best.profile).__enter__()
            found = separator.violated_cycles(x, cut_deadline)
            if not found:
                break
            polytope.add_cuts(found)
            rounds += 1
            cuts += len(found)
        if annealing is not None:  # before toulbar2, which holds the GIL and counts process CPU
            annealed = annealing.stop()
            best.offer(annealed.profile)
            stats["annealing_runs"] = annealed.runs
        bound = min(bound, best.cost)
        stats.setdefault("lp_bound", None)
        stats.update(
            rounds=rounds,
            cuts=cuts,
            cycle_bound=welfare_of(min(lp_value, best.cost)) if math.isfinite(lp_value) else None,
            cut_seconds=time.perf_counter() - started,
            probes=probes,
            probe_nodes=probe_nodes,
        )
        if best.cost - bound < close:
            stats["search_nodes"] = 0
            return CycleLpOutcome(
                Status.OPTIMAL, best.profile, welfare_of(best.cost), scaling, stats
            )
        network = None if bound_lp is None else networks.of(bound_lp)
        remaining = None if time_limit is None else max(1.0, started + limit - time.perf_counter())
        if network is None:  # no LP solved in time (or costs too large to scale): plain toulbar2
            search = toulbar2_social_optimum(game, remaining, best.profile)
            stats["search_nodes"] = search.nodes
            if search.status is Status.OPTIMAL:
                profile = search.profile
                return CycleLpOutcome(
                    Status.OPTIMAL, profile, game.welfare(profile), scaling, stats
                )
            best.offer(search.profile)
            searched = (
                -math.inf if search.bound is None else best_total - search.bound * scaling.factor
            )
        elif remaining is not None and remaining < BRANCH_AFTER:
            searched = search_network(network, best, unit, remaining, stats)
        else:
            searched = -math.inf
            stats["search_nodes"] = 0
            if ROOT_SEARCH_SECONDS > 0:
                # a short probe beyond the search gap: it closes small games at once
                within = best.cost - bound <= cycle_branch_and_cut.SEARCH_GAP
                seconds = ROOT_SEARCH_SECONDS if within else min(PROBE_SECONDS, ROOT_SEARCH_SECONDS)
                searched = search_network(network, best, unit, seconds, stats)
            if best.cost - max(bound, searched) >= close:
                deadline = math.inf if time_limit is None else started + limit
                searched = cycle_branch_and_cut.branch_and_cut(
                    game, polytope, separator, networks, best, unit, max(bound, searched),
                    deadline, stats, workers=2 if parallel else 1,
                )  # fmt: skip
        bound = max(bound, min(searched, best.cost))
        if best.cost - bound < close:
            return CycleLpOutcome(
                Status.OPTIMAL, best.profile, welfare_of(best.cost), scaling, stats
            )
        welfare = game.welfare(best.profile)
        return CycleLpOutcome(
            Status.MAX_TIME_LIMIT, best.profile, max(welfare_of(bound), welfare), scaling, stats
        )
    finally:
        if annealing is not None:
            annealing.stop()


def _solve_round(highs: highspy.Highs, deadline: float) -> None:
    """A cut round's LP: by the interior point method without crossover, small ones by the simplex.

    LPs of at least :data:`INTERIOR_POINT_COLUMNS` columns go to HiGHS'
    interior point method without crossover: the separation then works on a
    point inside the optimal face rather than on a vertex, and the bound
    L(y) needs no basis. On the sparse 1000 × 3 games of seeds 0, 7, 10 and
    13 (60 s each) that gives 10–13 rounds where the warm-started dual
    simplex (about 1.2 ms an iteration on 15,000–19,000 rows, 4–5 s a round)
    gave 9–10, and lower bounds in the same time: seed 7 proved in 23 s
    instead of 35 s, seed 0 at 24,040.6, below the 24,040.7 the simplex
    rounds converge to after two minutes (the cuts found at interior points
    differ). Smaller LPs are re-solved faster by the warm dual simplex
    (dense 15 × 5: 2.5 s against 3.7 s in all; 30 × 5 of degree 10: 9.7 s
    against 15.4 s; 40 × 4 of degree 12: 16 s against 22 s). When the
    interior point method stops short of an optimum for any reason but the
    time limit (an iteration limit, an imprecise or numerically troubled
    solve), the dual simplex solves the round again, so one bad solve does
    not end the rounds. The branch and cut gets a basis by one more solve
    (:mod:`fairmas.solvers.cycle_branch_and_cut`). Neither solve starts
    after ``deadline`` (a ``time.perf_counter()`` value; each gets at least
    0.1 s).
    """
    if highs.getNumCol() >= INTERIOR_POINT_COLUMNS:
        highs.setOptionValue("solver", "ipm")
        highs.setOptionValue("run_crossover", "off")
        run_until(highs, deadline)
        if highs.getModelStatus() in _INTERIOR_POINT_DONE or time.perf_counter() >= deadline:
            return
    highs.setOptionValue("solver", "simplex")
    run_until(highs, deadline)


_INTERIOR_POINT_DONE = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit)
"""Statuses after which an interior point round is not solved again by the simplex."""
