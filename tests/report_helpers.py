"""Result files of every shape for the tests of ``fairmas report``, made by real solves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fairmas.api import compare, compare_all, solve

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
SWEEP_CSV = Path(__file__).resolve().parent / "data" / "sweep_results.csv"


@dataclass(frozen=True)
class ReportInputs:
    """Files to give ``fairmas report``: results files and the instance files they match."""

    results: tuple[Path, ...]
    instances: tuple[Path, ...]
    sweep: Path = SWEEP_CSV


def _write(path: Path, results: list) -> Path:
    path.write_text(json.dumps([r.to_dict() for r in results], indent=2, allow_nan=False))
    return path


def write_report_inputs(folder: Path) -> ReportInputs:
    """Solve bundled instances of every kind and write their Results as ``compare`` would.

    Covers: allocations (indivisible with its instance, divisible without),
    mechanism projects and an auction, a 3-coalition cut on a trust network,
    a graph game and a table game (``csg``), a pairwise game with every game
    objective, all equilibria of another game, and a single ``solve`` Result.
    """
    lab = INSTANCES / "fairness" / "lab_equipment.yaml"
    research = INSTANCES / "research_lab.yaml"
    friends = INSTANCES / "coalition_games" / "friends_and_rivals.yaml"
    dilemma = INSTANCES / "games" / "prisoners_dilemma_network.yaml"
    results = (
        _write(folder / "lab_all.json", compare_all(lab)),
        _write(
            folder / "compute_all.json", compare_all(INSTANCES / "fairness" / "shared_compute.yaml")
        ),
        _write(folder / "town.json", compare_all(INSTANCES / "fairness" / "town_projects.yaml")),
        _write(
            folder / "auction.json", compare_all(INSTANCES / "fairness" / "spectrum_auction.toml")
        ),
        _write(folder / "cut_k3.json", compare(research, "min_cut_partition", k=3)),
        _write(folder / "friends.json", compare(friends, "csg")),
        _write(
            folder / "odpip_table.json",
            compare(INSTANCES / "coalition_games" / "odpip_readme_example.yaml", "csg"),
        ),
        _write(folder / "dilemma_all.json", compare_all(dilemma, time_limit=30)),
        _write(
            folder / "ring_equilibria.json",
            [
                solve(
                    INSTANCES / "games" / "coordination_ring.json",
                    "equilibrium",
                    all_equilibria=True,
                )
            ],
        ),
    )
    single = folder / "two_teams.json"
    single.write_text(solve(INSTANCES / "six_agents_two_teams.yaml", "min_cut_partition").to_json())
    return ReportInputs((*results, single), (lab, research, friends, dilemma))
