"""Application scenarios: seeded, valid as files, solved by their objectives; `fairmas generate`."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fairmas
from fairmas.registry import values_agree
from fairmas.scenarios import SCENARIOS
from tests.test_bad_input import assert_one_line_error

NAMES = list(SCENARIOS)
BUNDLED = Path(__file__).resolve().parent.parent / "instances" / "scenarios"


def test_the_five_scenarios_of_the_issue_are_registered() -> None:
    assert NAMES == ["traffic", "smart_city", "smart_grid", "llm_budget", "llm_teams"]
    kinds = {name: s.kind for name, s in SCENARIOS.items()}
    assert kinds == {
        "traffic": "allocation",
        "smart_city": "mechanism",
        "smart_grid": "allocation",
        "llm_budget": "allocation",
        "llm_teams": "trust_network",
    }


@pytest.mark.parametrize("name", NAMES)
def test_a_seed_fixes_the_instance(name: str) -> None:
    scenario = SCENARIOS[name]
    first = scenario(9, seed=5).to_document()
    assert scenario(9, seed=5).to_document() == first
    assert scenario(9, seed=6).to_document() != first
    assert scenario(10, seed=5).describe().split(",")[1].strip() == "10 agents"


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(NAMES),
    size=st.integers(2, 30),
    seed=st.integers(0, 2**32),
    suffix=st.sampled_from([".yaml", ".json", ".toml"]),
)
def test_generated_files_pass_the_same_validation_as_any_file(
    run_cli, name: str, size: int, seed: int, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"instance{suffix}"
        made = run_cli("generate", name, "--size", size, "--seed", seed, "--out", path)
        assert made.code == 0, made.err
        checked = run_cli("validate", path)
        assert checked.code == 0, checked.err
        expected = SCENARIOS[name](size, seed)
        assert checked.out.strip() == f"{path}: OK ({expected.describe()})"
        assert fairmas.load(path).to_document() == expected.to_document()


@pytest.mark.parametrize("name", NAMES)
def test_the_intended_objectives_solve_every_scenario(name: str) -> None:
    scenario = SCENARIOS[name]
    instance = scenario(8, seed=3)
    for objective in scenario.objectives:
        results = fairmas.compare(instance, objective)
        ran = [r for r in results if r.details.get("applicable") is not False]
        assert ran, objective
        for result in ran:  # every exact method that applies solves it, and they agree
            if fairmas.registry.get_objective(objective).methods[result.method].exact:
                assert str(result.status) == "optimal", (objective, result)
                assert result.details["agrees"] is True, (objective, result)
            else:  # a heuristic may fall short, never beat the optimum
                assert result.value is not None, (objective, result)
                assert result.details["agrees"] is not False, (objective, result)


def test_leximin_ordered_outcomes_on_the_bundled_smart_grid() -> None:
    instance = fairmas.load(BUNDLED / "smart_grid.yaml")
    saturation = fairmas.solve(instance, "leximin", "saturation")
    ordered = fairmas.solve(instance, "leximin", "ordered_outcomes")
    assert str(ordered.status) == "optimal", ordered.details
    assert values_agree(ordered.value, saturation.value)


def test_traffic_green_goes_to_own_intersection_and_serves_at_most_the_arrivals() -> None:
    inst = SCENARIOS["traffic"](10, seed=4, cycle=100, lost_time=5)
    intersection = np.array([int(a.split("_")[0][1:]) - 1 for a in inst.agents])
    own = np.zeros_like(inst.caps, dtype=bool)
    own[np.arange(10), intersection] = True
    assert (inst.caps[~own] == 0).all()
    assert (inst.values[~own] == 0).all()
    assert (inst.values[own] > 0).all()
    phases = np.bincount(intersection)
    assert inst.supply.tolist() == (100 - 5 * phases).tolist()
    result = fairmas.solve(inst, "max_min")
    served = np.array(list(result.solution["utilities"].values())) / inst.entitlements
    assert served.max() <= 1 + 1e-6  # caps are the green that clears the arrivals
    assert 0 < result.value <= 1 + 1e-6


def test_smart_grid_feeders_are_congested_and_entitlements_follow_the_parameter() -> None:
    grid = SCENARIOS["smart_grid"](13, seed=2)
    assert grid.n_resources == 3  # ⌈13 / 6⌉ feeders
    assert (grid.supply < grid.caps.sum(axis=0)).all()
    assert ((grid.caps > 0).sum(axis=1) == 1).all()  # one feeder per consumer
    served_share = grid.values.max(axis=1) * grid.caps.max(axis=1)  # value of the contract
    assert np.allclose(grid.entitlements, served_share, atol=0.01)
    by_contract = SCENARIOS["smart_grid"](13, seed=2, entitlement="contract")
    assert np.allclose(by_contract.entitlements, grid.caps.max(axis=1))
    assert (SCENARIOS["smart_grid"](13, seed=2, entitlement="equal").entitlements == 1).all()


def test_llm_budget_mixes_tokens_and_whole_gpu_hours() -> None:
    both = SCENARIOS["llm_budget"](12, seed=1)
    assert both.resources == ("large_mtok", "small_mtok", "a100_h", "h100_h")
    assert both.divisible.tolist() == [True, True, False, False]
    assert (both.supply[2:] == np.round(both.supply[2:])).all()
    assert (both.supply < both.caps.sum(axis=0)).all()  # scarce: 60 % of the demand
    assert SCENARIOS["llm_budget"](12, seed=1, resources="tokens").all_divisible
    assert SCENARIOS["llm_budget"](12, seed=1, resources="gpu").all_indivisible


def test_smart_city_costs_and_values() -> None:
    city = SCENARIOS["smart_city"](30, seed=7, projects=5)
    assert city.n_projects == 5
    assert city.n_agents == 30
    assert ((city.values == 0) | (city.values >= 0.05)).all()
    assert (city.costs >= 0).all()


def test_llm_teams_trust_is_a_beta_reputation_and_cost_makes_utilities_negative() -> None:
    net = SCENARIOS["llm_teams"](20, seed=9)
    assert ((net.trust > 0) & (net.trust < 1)).all()
    assert (net.utility >= 0).all()
    # one task per pair: r + s = 1, so the trust (r + 1) / (r + s + 2) is 1/3 or 2/3
    single = SCENARIOS["llm_teams"](20, seed=9, tasks=1e-9)
    assert set(single.trust.tolist()) == {0.3333, 0.6667}
    assert (np.bincount(net.source, minlength=20) > 0).all()  # every agent has a record
    costly = SCENARIOS["llm_teams"](20, seed=9, coordination_cost=6)
    assert (costly.utility < 0).any()
    assert np.allclose(costly.trust, net.trust)


def _made_by(path: Path) -> list[str]:
    for line in path.read_text().splitlines():
        if line.startswith("# made by: "):
            return shlex.split(line.removeprefix("# made by: "))
    raise AssertionError(f"{path} does not say which command made it")


@pytest.mark.parametrize("name", NAMES)
def test_each_bundled_instance_is_what_its_command_makes(
    name: str, tmp_path: Path, run_cli
) -> None:
    bundled = BUNDLED / f"{name}.yaml"
    command = _made_by(bundled)
    assert command[:3] == ["fairmas", "generate", name]
    out = tmp_path / "again.yaml"
    assert run_cli(*command[1:], "--out", out).code == 0
    assert out.read_text() == bundled.read_text()
    assert run_cli("validate", bundled).code == 0


def test_generate_prints_yaml_without_out(run_cli) -> None:
    run = run_cli("generate", "smart_city", "--size", "4", "--seed", "2")
    assert run.code == 0
    assert run.out.startswith("# smart_city: ")
    assert "# made by: fairmas generate smart_city --size 4 --seed 2\nkind: mechanism\n" in run.out


def test_toml_can_be_written_by_convert(tmp_path: Path, run_cli) -> None:
    target = tmp_path / "grid.toml"
    run = run_cli("convert", BUNDLED / "smart_grid.yaml", target)
    assert run.code == 0, run.err
    assert (
        fairmas.load(target).to_document()
        == fairmas.load(BUNDLED / "smart_grid.yaml").to_document()
    )


BAD_GENERATE = [
    (["nope", "--size", "4"], ["scenario", "unknown scenario 'nope'", "traffic, smart_city"]),
    (["traffic", "--size", "1"], ["--size", "2..5000", "(got 1)"]),
    (["llm_teams", "--size", "2001"], ["--size", "2..2000"]),
    (["traffic", "--size", "0"], ["--size", "whole number ≥ 1", "(got 0)"]),
    (["traffic", "--size", "ten"], ["--size", "whole number", "'ten'"]),
    (["traffic"], ["--size", "required"]),
    (["traffic", "--size", "4", "--seed", "-3"], ["--seed", "whole number ≥ 0", "(got -3)"]),
    (["traffic", "--size", "4", "--seed", "1.5"], ["--seed", "'1.5'"]),
    (["traffic", "--size", "4", "--param", "colour=red"], ["--param colour", "unknown", "cycle"]),
    (["traffic", "--size", "4", "--param", "cycle=-5"], ["--param cycle", "greater than 0"]),
    (["traffic", "--size", "4", "--param", "cycle=20"], ["--param", "less than 10 s of green"]),
    (
        ["smart_grid", "--size", "4", "--param", "entitlement=x"],
        ["--param entitlement", "contract"],
    ),
    (["llm_budget", "--size", "4", "--param", "resources"], ["--param", "KEY=VALUE"]),
]


@pytest.mark.parametrize(
    ("args", "fragments"), BAD_GENERATE, ids=[" ".join(a) for a, _ in BAD_GENERATE]
)
def test_bad_generate_arguments(tmp_path: Path, run_cli, args, fragments) -> None:
    out = tmp_path / "x.yaml"
    assert_one_line_error(run_cli("generate", *args, "--out", out), *fragments)
    assert not out.exists()


def test_bad_generate_outputs(tmp_path: Path, run_cli) -> None:
    cases = [
        (tmp_path / "x.txt", ["--out", "cannot write file type '.txt'", ".toml"]),
        (tmp_path / "missing" / "x.yaml", ["--out", "does not exist"]),
        (tmp_path, ["--out", "is a directory"]),
    ]
    for out, fragments in cases:
        assert_one_line_error(
            run_cli("generate", "traffic", "--size", "4", "--out", out), *fragments
        )
    assert list(tmp_path.iterdir()) == []
