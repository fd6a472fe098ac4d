"""The LP-dual cost network is exact on every profile and starts from the LP bound."""

from __future__ import annotations

import itertools

import highspy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairmas.solvers.cycle_lp_relaxation as relaxation
import fairmas.solvers.game_cycle_lp as cycle_lp
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.solvers.cycle_separation import CycleSeparator
from fairmas.solvers.dual_reparametrization import _eliminate, resolution_for
from fairmas.solvers.game_cpsat import integer_scale
from tests.oracles import pairwise_game_brute_force
from tests.test_pairwise_game import games


def frustrated_game(n: int, m: int, seed: int) -> PairwiseGame:
    """Dense random games: their local polytope is loose, so cycles get cut."""
    return PairwiseGame.random(n, m, seed=seed)


def lp_with_cuts(game: PairwiseGame, rounds: int) -> tuple[relaxation.LocalPolytope, list]:
    """The local polytope after ``rounds`` rounds of cycle cuts, and the LP state after each."""
    polytope, _ = relaxation.local_polytope(game, integer_scale(game.flat[0]).factor)
    separator = CycleSeparator(polytope.n_nodes, polytope.cell_node_u, polytope.cell_node_v)
    states = []
    for _ in range(rounds + 1):
        polytope.highs.run()
        assert polytope.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        states.append(relaxation.lp_arrays(polytope))
        polytope.add_cuts(separator.violated_cycles(polytope.point()))
    return polytope, states


def all_profiles(game: PairwiseGame):
    return (np.array(p) for p in itertools.product(*(range(int(m)) for m in game.n_actions)))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(3, 6),
    m=st.integers(2, 3),
    seed=st.integers(0, 10**6),
    rounds=st.integers(0, 2),
    perturb=st.booleans(),
)
def test_the_network_costs_exactly_resolution_times_the_lp_cost_of_every_profile(
    n: int, m: int, seed: int, rounds: int, perturb: bool
) -> None:
    game = frustrated_game(n, m, seed)
    polytope, states = lp_with_cuts(game, rounds)
    lp = states[-1]
    if perturb:  # the identity holds for any dual, optimal or not
        rng = np.random.default_rng(seed)
        duals = lp.duals + rng.normal(0.0, 2.0, lp.duals.size)
        duals[polytope.n_equalities :] = np.abs(duals[polytope.n_equalities :])
        lp = relaxation.LpArrays(lp.matrix, lp.lower, lp.costs, lp.upper, duals)
    network = relaxation.Networks(game, polytope).of(lp)
    assert network is not None
    assert network.dropped_cuts == 0
    assert all(table.min() == 0 for table in network.functions.values())
    assert all(len(scope) <= 3 for scope in network.functions)
    for profile in all_profiles(game):
        expected = round(network.resolution * polytope.cost_of(game, profile))
        assert network.cost(profile) == expected


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_constant_is_the_cycle_tightened_lp_bound(seed: int) -> None:
    game = frustrated_game(7, 3, seed)
    polytope, states = lp_with_cuts(game, 3)
    for lp in states:
        network = relaxation.Networks(game, polytope).of(lp)
        bound = relaxation.dual_bound(lp)
        # rounding D·y moves each of the few hundred functions' minima by a few 1/D at most
        assert abs(network.constant / network.resolution - bound) < 1e-3
    best = min(polytope.cost_of(game, p) for p in all_profiles(game))
    assert states[0].duals.size < states[-1].duals.size  # cuts were added
    assert relaxation.dual_bound(states[0]) < relaxation.dual_bound(states[-1]) <= best + 1e-6


def test_elimination_splits_a_cycle_into_non_negative_pieces_and_refuses_a_clique() -> None:
    rng = np.random.default_rng(3)
    ring = {(p, (p + 1) % 5): rng.integers(-5, 6, (3, 3)) for p in range(4)}
    ring[(0, 4)] = rng.integers(-5, 6, (3, 3))
    pieces, minimum = _eliminate(ring, (3,) * 5)
    assert all(len(scope) <= 3 and table.min() >= 0 for scope, table in pieces)
    values = []
    for profile in itertools.product(range(3), repeat=5):
        total = sum(int(t[profile[p], profile[q]]) for (p, q), t in ring.items())
        split = minimum + sum(int(t[tuple(profile[p] for p in s)]) for s, t in pieces)
        assert split == total
        values.append(total)
    assert minimum == min(values)
    clique = {pair: np.ones((2, 2), dtype=np.int64) for pair in itertools.combinations(range(4), 2)}
    assert _eliminate(clique, (2,) * 4) is None


def test_resolution_keeps_scaled_costs_within_int64() -> None:
    assert resolution_for(0.0) == 10**6
    assert resolution_for(2.0**40) * (2.0**40 + 1) < 2**60
    assert resolution_for(2.0**61) == 0


@settings(max_examples=30, deadline=None)
@given(game=games(max_players=7, max_actions=3))
def test_cycle_lp_finished_on_the_network_of_the_first_lp_finds_the_optimum(
    game: PairwiseGame,
) -> None:
    # no cut round: the network search starts from the local polytope's dual
    optimum = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cycle_lp, "CUT_SHARE", 0.0)
        patch.setattr(cycle_lp, "BRANCH_AFTER", 1e9)  # the search gets the rest, no tree
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=30, threads=1)
    assert found.status == "optimal"
    assert game.welfare(found.profile) == pytest.approx(optimum, abs=1e-6)
    assert found.bound == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 4, 5])
def test_the_network_search_proves_what_the_cut_rounds_leave_open(seed: int) -> None:
    game = frustrated_game(8, 3, seed)
    truth = pairwise_game_brute_force(game.to_document())["optimum"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cycle_lp, "CUT_SHARE", 0.0)
        patch.setattr(cycle_lp, "BRANCH_AFTER", 1e9)  # the search gets the rest, no tree
        found = cycle_lp.cycle_lp_social_optimum(game, time_limit=30, threads=1)
    assert found.stats["lp_bound"] > truth + 1  # the local polytope alone proves nothing here
    assert found.stats["network_functions"] > 0
    assert found.status == "optimal"
    assert game.welfare(found.profile) == truth
