"""Exact coalition structure generation: ``odp_ip`` and ``dp`` on the standard distributions.

Run with ``.venv/bin/python benchmarks/bench_csg.py`` (``--quick``: n = 14, 16
only). Prints a markdown table for BENCHMARKS.md: for each distribution and n,
the time of ``dp`` and ``odp_ip`` measured in this process (the method's own
clock, as ``fairmas.solve`` reports it; generating the values is not
counted), their ratio, and the work done: split evaluations of DP, and split
evaluations plus branch-and-bound nodes of ODP-IP.

The public ODP-IP reference (Java, Michalak et al. 2016) cannot run here; the
times the issue quotes for it on a 2-core machine are printed beside ours for
comparison (not measured in this process):

================  =======  ==========  ==========================
distribution        n      ODP-IP (s)  DP of the reference (s)
================  =======  ==========  ==========================
uniform             20        3.4       9 to 18
normal              20       15         9 to 18
NDCS                20        5.8       9 to 18
modified uniform    20        2.2       9 to 18
uniform             22       26         —
================  =======  ==========  ==========================
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, seconds, table, versions

import fairmas
from fairmas.models import CoalitionGame

DISTRIBUTIONS = {
    "uniform": "uniform",
    "normal": "normal",
    "NDCS": "ndcs",
    "modified uniform": "modified_uniform",
}
QUOTED_ODP_IP = {("uniform", 20): 3.4, ("normal", 20): 15, ("NDCS", 20): 5.8}
QUOTED_ODP_IP |= {("modified uniform", 20): 2.2, ("uniform", 22): 26}
QUOTED_DP = {20: "9–18"}


def run(sizes: list[int], seeds: int) -> str:
    rows = []
    for label, distribution in DISTRIBUTIONS.items():
        for n in sizes:
            for seed in range(seeds):
                game = CoalitionGame.generate(n, distribution, seed=seed)
                dp = fairmas.solve(game, "csg", "dp")
                odp = fairmas.solve(game, "csg", "odp_ip")
                assert dp.value == odp.value, (label, n, seed, dp.value, odp.value)
                quoted = QUOTED_ODP_IP.get((label, n))
                rows.append(
                    [
                        label,
                        n,
                        seed,
                        seconds(dp.wall_time),
                        seconds(odp.wall_time),
                        f"{dp.wall_time / odp.wall_time:.1f}×",
                        f"{dp.details['split_evaluations']:,}",
                        f"{odp.details['split_evaluations']:,}",
                        f"{odp.details['search_nodes']:,}",
                        odp.details["finished_by"],
                        "—" if quoted is None else f"{quoted:g}",
                        QUOTED_DP.get(n, "—"),
                    ]
                )
                print(
                    f"  {label} n={n} seed={seed}: dp {dp.wall_time:.3g} s, "
                    f"odp_ip {odp.wall_time:.3g} s",
                    file=sys.stderr,
                )
    return table(
        [
            "distribution",
            "n",
            "seed",
            "dp (s)",
            "odp_ip (s)",
            "dp / odp_ip",
            "dp splits",
            "odp_ip splits",
            "odp_ip search nodes",
            "odp_ip finished by",
            "ODP-IP Java, quoted (s)",
            "DP Java, quoted (s)",
        ],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 14 and 16 only")
    parser.add_argument("--sizes", type=int, nargs="*", default=[16, 18, 20, 22])
    parser.add_argument("--seeds", type=int, default=1, help="instances per distribution and n")
    args = parser.parse_args()
    sizes = [14, 16] if args.quick else args.sizes
    print(f"Machine: {machine()}")
    print(f"Versions: {versions('fairmas', 'numba', 'numpy')}\n")
    game = CoalitionGame.generate(8, "uniform")
    fairmas.solve(game, "csg", "dp")  # compile (or load) the kernels outside the clocks
    print("### Exact CSG on the standard distributions: odp_ip against dp\n")
    print(run(sizes, args.seeds))


if __name__ == "__main__":
    main()
