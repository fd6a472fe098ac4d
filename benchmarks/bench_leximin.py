"""Leximin on the smart-grid scenario: saturation against ordered outcomes, and accuracy.

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_leximin.py`` (sizes
20 to 160, about four minutes; ``--quick``: 20 to 80, 15 s). Prints one markdown
table for BENCHMARKS.md.

Instances: ``SCENARIOS["smart_grid"](size, seed)`` (6 consumers per feeder,
weighted utility = served share of the contracted peak), seeds 0..``--seeds``−1.
Per size: the best of 3 wall times of each method (``fairmas.solve``, model
building included) summed over the seeds, the ratio ordered outcomes /
saturation, and the largest relative error of the leximin vector of each method
against the exact water-filling levels of ``tests.oracles`` (every consumer
draws from one feeder only, so the feeders are independent).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import best_time, machine, seconds, table, versions

import fairmas
from fairmas.scenarios import SCENARIOS
from tests.oracles import oracle_leximin_single_resource

METHODS = ("saturation", "ordered_outcomes")


def relative_error(instance, result, exact: np.ndarray) -> float:
    """Largest |y_i − exact_i| / exact_i of the method's weighted utilities."""
    if str(result.status) != "optimal":
        return float("inf")
    y = np.asarray(result.details["utilities"]) / instance.entitlements
    return float(np.max(np.abs(y - exact) / np.maximum(np.abs(exact), 1e-12)))


def run(sizes: list[int], seeds: int) -> None:
    rows = []
    for size in sizes:
        total = dict.fromkeys(METHODS, 0.0)
        worst = dict.fromkeys(METHODS, 0.0)
        statuses = set()
        for seed in range(seeds):
            instance = SCENARIOS["smart_grid"](size, seed=seed)
            exact = oracle_leximin_single_resource(
                instance.values, instance.supply, instance.entitlements, instance.caps
            )
            for method in METHODS:
                elapsed, result = best_time(
                    lambda method=method, instance=instance: fairmas.solve(
                        instance, "leximin", method
                    )
                )
                total[method] += elapsed
                worst[method] = max(worst[method], relative_error(instance, result, exact))
                statuses.add(str(result.status))
        rows.append(
            [
                size,
                seeds,
                seconds(total["saturation"]),
                seconds(total["ordered_outcomes"]),
                f"{total['ordered_outcomes'] / total['saturation']:.1f}",
                f"{worst['saturation']:.1e}",
                f"{worst['ordered_outcomes']:.1e}",
                ", ".join(sorted(statuses)),
            ]
        )
        print(f"  size {size} done", file=sys.stderr)
    print("\n### Leximin on the smart grid: saturation against ordered outcomes\n")
    print(
        table(
            [
                "consumers",
                "seeds",
                "saturation (s)",
                "ordered outcomes (s)",
                "ratio",
                "saturation error",
                "ordered outcomes error",
                "statuses",
            ],
            rows,
        )
    )
    print(
        "\nTimes: best of 3, summed over the seeds. Error: largest relative error of a "
        "weighted utility against the exact water-filling levels."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 20 to 80 only")
    parser.add_argument("--seeds", type=int, default=6, help="seeds per size (default 6)")
    args = parser.parse_args()
    sizes = [20, 40, 80] if args.quick else [20, 40, 80, 160]
    print(f"Machine: {machine()}")
    print(f"Versions: {versions('highspy', 'pyomo', 'numpy')}")
    run(sizes, args.seeds)


if __name__ == "__main__":
    main()
