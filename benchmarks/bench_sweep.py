"""Sweeps and scenario generators: what running tasks through fairmas.sweeps costs.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_sweep.py``);
``--quick`` uses fewer tasks and smaller scenarios. Prints markdown tables for
BENCHMARKS.md.

Tables:

1. the same grid run four ways — small tasks (``smart_city``/``welfare`` and
   ``traffic``/``max_min`` at 8 and 12 agents), then heavier ones
   (``llm_budget``/``nash`` at 14 agents) — against the peer
   a plain Python loop of ``fairmas.solve`` over the generated instances (no
   results file, no processes): ``run_sweep`` in this process (adds
   regeneration, one fsync-ed CSV row per task, the lock and the resume scan),
   on a local pool of 2 spawned processes, and on a Dask ``LocalCluster`` of 2
   worker processes (cluster start-up excluded, client connection included).
   Worker start-up (importing fairmas, about 2 s) is in the pool times: it
   dominates short sweeps.
2. generating each scenario at growing sizes, against reading the same
   instance back from its YAML file (``fairmas.load``): the generators are
   vectorized numpy, so generating should cost no more than loading.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_time, machine, seconds, table, versions

import fairmas
from fairmas.models import save_instance
from fairmas.scenarios import SCENARIOS
from fairmas.sweeps import run_sweep, sweep_from_document
from fairmas.sweeps.generators import GENERATORS
from fairmas.sweeps.runner import DaskExecutor, LocalExecutor


def light_grid(seeds: int) -> dict:
    """Small tasks of a few milliseconds: the overhead of a sweep shows."""
    return {
        "name": "light",
        "generators": [{"name": "smart_city"}, {"name": "traffic"}],
        "sizes": [8, 12],
        "seeds": {"count": seeds},
        "objectives": [
            {"name": "welfare", "methods": ["milp"]},
            {"name": "max_min", "methods": ["milp"]},
        ],
        "skip_unfit": True,
    }


def heavy_grid(seeds: int) -> dict:
    """Tasks of a few tenths of a second (MILPs with outer approximation): the pool pays off."""
    return {
        "name": "heavy",
        "generators": [{"name": "llm_budget"}],
        "sizes": [14],
        "seeds": {"count": seeds},
        "objectives": [{"name": "nash", "methods": ["outer_approximation"]}],
    }


def plain_loop(sweep) -> float:
    """The peer: generate and solve every task in a loop, keep the Results in memory."""
    started = time.perf_counter()
    for task in sweep.tasks:
        instance = GENERATORS[task.generator](task.size, task.seed, **dict(task.generator_params))
        fairmas.solve(instance, task.objective, task.method)
    return time.perf_counter() - started


def timed_sweep(sweep, folder: Path, name: str, executor) -> float:
    started = time.perf_counter()
    report = run_sweep(sweep, folder / f"{name}.csv", executor=executor)
    elapsed = time.perf_counter() - started
    if report.ran != len(sweep.tasks) or report.lost:
        raise RuntimeError(f"the sweep did not run every task: {report}")
    return elapsed


def sweep_table(document: dict) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        sweep = sweep_from_document(document, str(Path(folder) / "bench.yaml"))
        n = len(sweep.tasks)
        plain_loop(sweep)  # warm-up: imports and compiled kernels
        peer = plain_loop(sweep)
        rows.append(("plain loop of fairmas.solve (peer)", n, seconds(peer), "1.00"))
        runs = [
            ("run_sweep, this process", "one", lambda: LocalExecutor(1)),
            ("run_sweep, 2 local processes", "pool", lambda: LocalExecutor(2)),
        ]
        try:
            from distributed import LocalCluster
        except ImportError:
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=2,
                processes=True,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
            )
            runs.append(
                (
                    "run_sweep, Dask LocalCluster of 2",
                    "dask",
                    lambda: DaskExecutor(cluster.scheduler_address),
                )
            )
        try:
            for label, name, make in runs:
                elapsed = timed_sweep(sweep, Path(folder), name, make())
                rows.append((label, n, seconds(elapsed), f"{elapsed / peer:.2f}"))
        finally:
            if cluster is not None:
                cluster.close()
    return table(("how", "tasks", "time (s)", "ratio to the peer"), rows)


def generator_table(sizes: list[int]) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, scenario in SCENARIOS.items():
            for size in sizes:
                if size > scenario.max_size:
                    continue
                generate, instance = best_time(lambda s=scenario, k=size: s(k, seed=1), repeat=3)
                path = Path(folder) / f"{name}-{size}.yaml"
                save_instance(instance, path)
                load, _ = best_time(lambda p=path: fairmas.load(p), repeat=1)
                rows.append(
                    (
                        name,
                        size,
                        instance.describe().split(", ", 1)[1],
                        seconds(generate),
                        seconds(load),
                        f"{generate / load:.3f}",
                    )
                )
    return table(
        ("scenario", "size", "instance", "generate (s)", "load YAML (s, peer)", "ratio"), rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer tasks, smaller scenarios")
    args = parser.parse_args()
    print(f"## Sweeps and scenarios\n\n{machine()}  \n{versions('highspy', 'dask', 'pyarrow')}\n")
    light, heavy = (3, 4) if args.quick else (25, 16)
    print("### Small tasks (milliseconds each)\n")
    print(sweep_table(light_grid(light)))
    print("\n### Heavier tasks (tenths of a second each)\n")
    print(sweep_table(heavy_grid(heavy)))
    sizes = [10, 100] if args.quick else [10, 100, 1000, 2000]
    print("\n### Generating scenarios\n")
    print(generator_table(sizes))


if __name__ == "__main__":
    main()
