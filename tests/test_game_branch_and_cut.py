"""cycle_lp's branch and cut: the optimum by its node bounds alone, or with its searches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import fairmas.solvers.cycle_branch_and_cut as tree
import fairmas.solvers.cycle_lp_relaxation as relaxation
import fairmas.solvers.game_cycle_lp as cycle_lp
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.dual_reparametrization import CostNetwork, condition
from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum
from tests.oracles import pairwise_game_brute_force
from tests.test_dual_reparametrization import frustrated_game
from tests.test_pairwise_game import games


def branch_and_cut_only(patch: pytest.MonkeyPatch, rounds: int = tree.NODE_ROUNDS) -> None:
    """No cut round and no network search before the branch and cut, none at its nodes."""
    patch.setattr(cycle_lp, "CUT_SHARE", 0.0)
    patch.setattr(cycle_lp, "BRANCH_AFTER", 0.0)
    patch.setattr(cycle_lp, "ROOT_SEARCH_SECONDS", 0.0)
    patch.setattr(tree, "NODE_SEARCH_SECONDS", 0.0)
    patch.setattr(tree, "NODE_ROUNDS", rounds)


@settings(max_examples=25, deadline=None)
@given(game=games(max_players=7, max_actions=3))
def test_the_node_bounds_alone_prove_the_brute_force_optimum(game: PairwiseGame) -> None:
    optimum = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert found.status == "optimal"
    assert game.welfare(found.profile) == pytest.approx(optimum, abs=1e-6)
    assert found.bound == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize(("seed", "rounds"), [(0, 0), (1, 0), (2, 3), (4, 3), (5, 1)])
def test_games_the_cut_rounds_leave_open_are_closed_by_branching(seed: int, rounds: int) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, rounds)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert found.stats["lp_bound"] > truth + 1  # the local polytope alone proves nothing here
    if rounds == 0:  # without cuts the root LP's bound is the local polytope's: it must branch
        assert found.stats["branch_nodes"] > 1
    assert found.stats["open_nodes"] == 0
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth


@settings(max_examples=15, deadline=None)
@given(game=games(max_players=7, max_actions=3))
def test_interior_point_rounds_agree_with_brute_force(game: PairwiseGame) -> None:
    optimum = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cycle_lp, "INTERIOR_POINT_COLUMNS", 0)  # every round by the interior point
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert found.status == "optimal"
    assert game.welfare(found.profile) == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 2, 5])
def test_interior_point_rounds_leave_the_branch_and_cut_one_vertex_solve(seed: int) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    vertex_solves = []
    original = tree._vertex_solve

    def counted(highs: object, deadline: float) -> bool:
        vertex_solves.append(deadline)
        return original(highs, deadline)

    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, 1)
        patch.setattr(cycle_lp, "INTERIOR_POINT_COLUMNS", 0)
        patch.setattr(tree, "_vertex_solve", counted)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert len(vertex_solves) == 1  # no basis after the rounds: one solve with crossover
    assert found.stats["open_nodes"] == 0
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_an_interior_point_round_stopped_short_is_finished_by_the_simplex(seed: int) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    built = cycle_lp.local_polytope

    def starved(game: PairwiseGame, factor: float) -> tuple[object, float]:
        polytope, best_total = built(game, factor)
        polytope.highs.setOptionValue("ipm_iteration_limit", 2)  # IPX stops long before optimality
        return polytope, best_total

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cycle_lp, "INTERIOR_POINT_COLUMNS", 0)
        patch.setattr(cycle_lp, "BRANCH_AFTER", 1e9)  # no branch and cut after the rounds
        patch.setattr(cycle_lp, "local_polytope", starved)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert found.stats["lp_bound"] > truth + 1  # the first round's LP was solved, by the simplex
    assert found.stats["rounds"] >= 1
    assert found.stats["cycle_bound"] < found.stats["lp_bound"]
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth


def test_a_node_search_closes_nodes_of_a_conditioned_network() -> None:
    game = frustrated_game(8, 3, 0)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, 0)
        patch.setattr(tree, "NODE_SEARCH_SECONDS", 5.0)
        patch.setattr(tree, "SEARCH_GAP", float("inf"))
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth
    assert found.stats["branch_nodes"] == 1  # the root's search closed it


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_network_searches_run_only_within_the_search_gap(seed: int) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    searched: dict[float, list[float | None]] = {}  # the time limits of the searches
    original = relaxation.toulbar2_minimize
    for search_gap in (-1.0, float("inf")):
        limits = searched[search_gap] = []

        def counted(*args: object, limits: list = limits, **kwargs: object) -> object:
            limits.append(kwargs["time_limit"])
            return original(*args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            branch_and_cut_only(patch, 0)
            patch.setattr(cycle_lp, "ROOT_SEARCH_SECONDS", 5.0)
            patch.setattr(tree, "NODE_SEARCH_SECONDS", 5.0)
            patch.setattr(tree, "SEARCH_GAP", search_gap)
            patch.setattr(relaxation, "toulbar2_minimize", counted)
            found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
        assert found.status == "optimal"
        assert game.welfare(found.profile) == truth
    # no bound is ever within a negative gap: the root's short probe and no node search
    assert searched[-1.0] == [cycle_lp.PROBE_SECONDS]
    assert searched[float("inf")][0] == 5.0  # the root's full search
    assert all(limit <= 5.0 for limit in searched[float("inf")])


def test_cuts_dropped_at_the_interior_point_leave_the_lp_optimum() -> None:
    # 22 interior point cut rounds leave a gap: the tree starts from about 1,200 cuts
    game = PairwiseGame.random(20, 4, degree=10, seed=2)
    objectives: dict[str, float] = {}
    cut_rows: list[int] = []
    drop, vertex_solve = tree._drop_slack_cuts, tree._vertex_solve

    def dropping(polytope: relaxation.LocalPolytope, *tolerances: float) -> None:
        highs = polytope.highs
        objectives.setdefault("interior", highs.getInfo().objective_function_value)
        cut_rows.append(highs.getNumRow() - polytope.n_rows)
        drop(polytope, *tolerances)
        cut_rows.append(highs.getNumRow() - polytope.n_rows)

    def solving(highs: object, deadline: float) -> bool:
        solved = vertex_solve(highs, deadline)
        objectives["vertex"] = highs.getInfo().objective_function_value
        return solved

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cycle_lp, "INTERIOR_POINT_COLUMNS", 0)
        patch.setattr(cycle_lp, "STALL_GAIN", 0.1)  # the long run of rounds this game is for
        patch.setattr(cycle_lp, "BRANCH_AFTER", 0.0)
        patch.setattr(cycle_lp, "ROOT_SEARCH_SECONDS", 0.0)
        patch.setattr(cycle_lp, "PROBE_GAP", -1.0)  # no search closes it before the tree
        patch.setattr(tree, "_drop_slack_cuts", dropping)
        patch.setattr(tree, "_vertex_solve", solving)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert len(cut_rows) == 4  # at the interior point, then at the vertex
    assert cut_rows[1] < cut_rows[0] / 2  # most cuts go at the interior point
    assert objectives["vertex"] == pytest.approx(objectives["interior"], rel=1e-7)
    assert found.status == "optimal"
    exact = toulbar2_social_optimum(game, time_limit=60)
    assert exact.status == "optimal"
    assert found.bound == pytest.approx(game.welfare(exact.profile), abs=1e-6)


def test_conditioning_keeps_the_cost_of_every_profile_that_agrees() -> None:
    rng = np.random.default_rng(0)
    domains = (3, 2, 3, 2)
    functions = {
        (0,): rng.integers(0, 9, 3),
        (0, 1): rng.integers(0, 9, (3, 2)),
        (1, 2, 3): rng.integers(0, 9, (2, 3, 2)),
        (0, 2): rng.integers(0, 9, (3, 3)),
    }
    network = CostNetwork(domains, functions, 7, 1, 0)
    held = condition(network, {0: 2, 3: 1})
    assert all(0 not in scope and 3 not in scope for scope in held.functions)
    assert all(table.min() == 0 for table in held.functions.values())
    costs = []
    for b in range(2):
        for c in range(3):
            profile = np.array([2, b, c, 1])
            assert held.cost(profile) == network.cost(profile)
            costs.append(network.cost(profile))
    assert held.constant >= network.constant
    assert held.constant <= min(costs)


@pytest.mark.parametrize("seed", [0, 1, 2, 4])
def test_two_tree_workers_prove_the_brute_force_optimum(seed: int) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    solved_by: set[int] = set()
    original = tree._node

    def noted(polytope: object, highs: object, *args: object) -> object:
        solved_by.add(id(highs))
        return original(polytope, highs, *args)

    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, 0)  # the root LP is the local polytope's: a deep tree
        patch.setattr(tree, "_node", noted)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=2)
    assert found.stats["tree_workers"] == 2
    assert found.stats["branch_nodes"] > 3
    assert len(solved_by) == 2  # both copies of the LP solved nodes
    assert found.stats["open_nodes"] == 0
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth
    assert found.bound == pytest.approx(truth, abs=1e-6)


def test_node_cut_rounds_keep_the_tree_on_one_worker() -> None:
    game = frustrated_game(8, 3, 2)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, 1)  # cuts added at one node would not be in the other copy
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=2)
    assert found.stats["tree_workers"] == 1
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth


def test_a_failing_tree_worker_stops_the_tree_and_raises() -> None:
    game = frustrated_game(8, 3, 0)
    calls = []
    original = tree._node

    def failing(*args: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("node three")
        return original(*args)

    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, 0)
        patch.setattr(tree, "_node", failing)
        with pytest.raises(RuntimeError, match="node three"):
            cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_node_lps_stopped_on_the_objective_close_only_nodes_their_optimum_closes(
    seed: int,
) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    stopped: list[tuple[float, float, float]] = []  # (closing, bound at the stop, LP optimum)
    original = tree._solve_node_lp

    def checked(polytope, highs, closing, deadline):  # type: ignore[no-untyped-def]
        full = tree._copy_solver(highs)  # the same LP, node bounds included
        full.setBasis(highs.getBasis())
        solved = original(polytope, highs, closing, deadline)
        if solved is not None and solved[2]:
            full.run()
            stopped.append((closing, solved[1], full.getInfo().objective_function_value))
        return solved

    with pytest.MonkeyPatch.context() as patch:
        branch_and_cut_only(patch, 0)  # the local polytope at the root: a deep tree
        patch.setattr(tree, "_solve_node_lp", checked)
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=60, threads=1)
    assert stopped, "some node was to be closed before its LP optimum"
    for closing, bound, optimum in stopped:
        assert closing < bound <= optimum + 1e-6  # closes the node, and is a valid bound
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth


def test_the_branching_player_is_a_free_fractional_one() -> None:
    game = frustrated_game(8, 3, 0)
    polytope, _ = relaxation.local_polytope(game, 1.0)
    highs = polytope.highs
    highs.run()
    lp = relaxation.lp_arrays(polytope, highs)
    x = polytope.point()
    offset = game.action_offset
    largest = np.maximum.reduceat(x[: int(offset[-1])], offset[:-1])
    fractional = set(np.flatnonzero(largest < 1 - 1e-6).tolist())
    assert len(fractional) >= 2
    # no cut rows: the player whose likeliest action has the least mass
    player = tree._branching_player(game, polytope, lp, x, {})
    assert player == int(np.argmin(largest))
    held = {player: 0}
    assert tree._branching_player(game, polytope, lp, x, held) in fractional - {player}
    integral = np.zeros_like(x)
    integral[offset[:-1]] = 1.0  # everyone plays action 0
    assert tree._branching_player(game, polytope, lp, integral, {}) == -1
