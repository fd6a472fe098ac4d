"""Write ``sweep_results.csv``: a small sweep results table for the report tests.

It has exactly the columns of a ``fairmas sweep`` results file
(:data:`fairmas.report.inputs.SWEEP_COLUMNS`) and real results: every row is
a fairmas solve, timed as usual, on

- ``csg`` of NDCS games (generator ``ndcs``) with 6, 8 and 10 agents, methods
  ``odp_ip``, ``dp`` and ``milp``, seeds 0-2;
- ``max_min`` of random indivisible allocations (generator ``uniform_goods``:
  n agents, n goods of one unit each, values uniform in 0..9), n = 3, 4, 5,
  methods ``milp`` and ``brute_force``, seeds 0-2, plus one ``brute_force``
  row beyond its limit (status ``error``) as a sweep records a method that
  does not apply.

Run ``python tests/data/make_sweep_fixture.py`` to write it again (times differ).
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from fairmas.api import solve
from fairmas.errors import FairmasError
from fairmas.models import AllocationInstance, CoalitionGame
from fairmas.report.inputs import SWEEP_COLUMNS

HERE = Path(__file__).resolve().parent
KEPT_DETAILS = ("n_coalitions", "split_evaluations", "gini", "min_utility", "welfare")


def uniform_goods(n: int, seed: int) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 10, size=(n, n)).astype(float)
    values[0] += 1  # every good valued by someone
    return AllocationInstance.from_arrays(
        [f"agent{i}" for i in range(n)],
        [f"good{j}" for j in range(n)],
        values,
        supply=np.ones(n),
        divisible=False,
        origin=f"uniform_goods-{n}-{seed}",
    )


def row(generator: str, size: int, seed: int, objective: str, method: str, instance) -> dict:
    params: dict[str, object] = {}
    task = f"demo/{generator}/{size}/{seed}/{objective}/{method}"
    base = {
        "task_id": hashlib.sha1(task.encode()).hexdigest()[:12],
        "sweep": "demo",
        "generator": generator,
        "size": size,
        "seed": seed,
        "objective": objective,
        "method": method,
        "params": json.dumps(params),
        "n_agents": len(instance.agents),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        result = solve(instance, objective, method, **params)
    except FairmasError as exc:
        return {
            **base,
            "status": "error",
            "value": "",
            "bound": "",
            "gap": "",
            "wall_time": "",
            "error": str(exc),
            "details": "{}",
        }
    kept = {k: result.details[k] for k in KEPT_DETAILS if k in result.details}
    return {
        **base,
        "status": str(result.status),
        "value": result.value,
        "bound": result.bound if result.bound is not None else "",
        "gap": result.gap if result.gap is not None else "",
        "wall_time": f"{result.wall_time:.6g}",
        "error": "",
        "details": json.dumps(kept),
    }


def main() -> None:
    rows = []
    for size in (6, 8, 10):
        for seed in range(3):
            game = CoalitionGame.generate(size, "ndcs", seed)
            for method in ("odp_ip", "dp", "milp"):
                rows.append(row("ndcs", size, seed, "csg", method, game))
    for size in (3, 4, 5):
        for seed in range(3):
            goods = uniform_goods(size, seed)
            for method in ("milp", "brute_force"):
                rows.append(row("uniform_goods", size, seed, "max_min", method, goods))
    rows.append(row("uniform_goods", 9, 0, "max_min", "brute_force", uniform_goods(9, 0)))
    with open(HERE / "sweep_results.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=SWEEP_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
