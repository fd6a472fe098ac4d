"""Plug-in constraints: what adding them costs, and fairmas against cvxpy on the same models.

Run with ``.venv/bin/python benchmarks/bench_constraints.py`` (``make bench`` installs the
cvxpy peer); ``--quick`` runs small sizes only (well under a minute). Prints markdown
tables for BENCHMARKS.md.

Instances: n agents, m goods, valuations uniform in [0, 1) (indivisible: whole numbers
1..10, supply 2 per good), entitlements 1; one seed per size, the same instance for
every contender.

Tables:

1. ``max_min`` with ``envy_free`` (an LP with n(n − 1) envy rows of 2m nonzeros each):
   fairmas' whole solve (Pyomo model, the constraint's rows, compile, HiGHS) against
   the same LP written vectorized in cvxpy and solved by HiGHS through cvxpy; the
   time fairmas spends adding the rows (``envy_free`` alone) against HiGHS' time; the
   relative difference of the optimal values.
2. ``max_min`` with ``ef1`` (a MILP with n(n − 1)m binary removal indicators) against
   the same linearization in cvxpy (HiGHS through cvxpy), with a time limit.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, seconds, table, versions

import fairmas
from fairmas.constraints.builtin import envy_free
from fairmas.formulations.allocation import build_max_min_model
from fairmas.models.allocation import AllocationInstance

try:
    import cvxpy as cp
except ImportError:  # the bench extra is not installed
    cp = None


def random_instance(n: int, m: int, seed: int = 0, divisible: bool = True) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    if divisible:
        return AllocationInstance.from_arrays(
            [f"a{i}" for i in range(n)], [f"g{j}" for j in range(m)], rng.random((n, m))
        )
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)],
        [f"g{j}" for j in range(m)],
        rng.integers(1, 11, (n, m)).astype(float),
        supply=np.full(m, 2.0),
        divisible=False,
    )


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def relative(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "—"
    return f"{abs(a - b) / max(1.0, abs(a), abs(b)):.1e}"


# ----------------------------------------------------------------------------- cvxpy peers

CVXPY_ENVY_LIMIT = 100_000
"""Largest n²·m for the cvxpy envy-free peer: its n × n block of affine expressions takes
cvxpy more than ten minutes to canonicalize at 100×50 (n²·m = 5·10⁵), where fairmas'
whole solve takes about 5 s; above the limit the table shows — for the peer."""


def cvxpy_envy_free_max_min(instance: AllocationInstance) -> float:
    """max t s.t. supply, v_i(x_i) ≥ t, V x_iᵀ ≥ V x_kᵀ row-wise: (V Xᵀ) diagonal ≥ each column."""
    n, m = instance.values.shape
    V = instance.values
    x = cp.Variable((n, m), nonneg=True)
    t = cp.Variable()
    cross = V @ x.T  # cross[i, k] = v_i(x_k)
    own = cp.sum(cp.multiply(V, x), axis=1)
    problem = cp.Problem(
        cp.Maximize(t),
        [
            cp.sum(x, axis=0) <= instance.supply,
            own >= t,
            cp.reshape(own, (n, 1), order="C") @ np.ones((1, n)) >= cross,
        ],
    )
    problem.solve(solver=cp.HIGHS)
    return float(problem.value)


def cvxpy_ef1_max_min(instance: AllocationInstance, time_limit: float) -> float | None:
    """The same removal-indicator MILP as fairmas' ef1, one block of rows per ordered pair."""
    n, m = instance.values.shape
    V = instance.values
    x = cp.Variable((n, m), integer=True)
    t = cp.Variable()
    rows = [x >= 0, cp.sum(x, axis=0) <= instance.supply]
    own = cp.sum(cp.multiply(V, x), axis=1)
    rows.append(own >= t)
    for i in range(n):
        r = cp.Variable((n, m), boolean=True)  # r[k, j]: i removes a unit of j from k
        for k in range(n):
            if k == i:
                continue
            rows += [cp.sum(r[k]) <= 1, r[k] <= x[k], own[i] >= V[i] @ x[k] - V[i] @ r[k]]
    problem = cp.Problem(cp.Maximize(t), rows)
    problem.solve(solver=cp.HIGHS, time_limit=time_limit)
    return None if problem.value is None else float(problem.value)


# ----------------------------------------------------------------------------- tables


def table_envy_free(sizes) -> None:
    print("\n### `max_min` with `envy_free` (divisible goods, an LP)\n")
    rows = []
    for n, m in sizes:
        instance = random_instance(n, m)
        t_fm, result = timed(
            lambda inst=instance: fairmas.solve(inst, "max_min", constraints=["envy_free"])
        )
        model = build_max_min_model(instance)
        t_rows, _ = timed(lambda model=model, inst=instance: envy_free(model, inst))
        highs = result.details.get("highs_time")
        t_cv, cv = (None, None)
        if cp is not None and n * n * m <= CVXPY_ENVY_LIMIT:
            t_cv, cv = timed(lambda inst=instance: cvxpy_envy_free_max_min(inst))
        ratio = f"{t_cv / t_fm:.2f}×" if t_cv is not None else "—"
        rows.append(
            [
                f"{n}×{m}",
                n * (n - 1),
                seconds(t_fm),
                seconds(t_rows),
                seconds(highs),
                seconds(t_cv),
                ratio,
                relative(result.value, cv),
            ]
        )
        print(f"  done {n}×{m}", file=sys.stderr, flush=True)
    print(
        table(
            [
                "n×m",
                "envy rows",
                "fairmas (s)",
                "adding the rows (s)",
                "HiGHS (s)",
                "cvxpy + HiGHS (s)",
                "cvxpy / fairmas",
                "value rel. diff",
            ],
            rows,
        )
    )


def table_ef1(sizes, limit: float) -> None:
    print(f"\n### `max_min` with `ef1` (indivisible goods, a MILP; time limit {limit:g} s)\n")
    rows = []
    for n, m in sizes:
        instance = random_instance(n, m, divisible=False)
        t_fm, result = timed(
            lambda inst=instance: fairmas.solve(
                inst, "max_min", constraints=["ef1"], time_limit=limit
            )
        )
        t_cv, cv = (None, None)
        if cp is not None:
            t_cv, cv = timed(lambda inst=instance: cvxpy_ef1_max_min(inst, limit))
        ratio = f"{t_cv / t_fm:.2f}×" if t_cv is not None else "—"
        rows.append(
            [
                f"{n}×{m}",
                n * (n - 1) * m,
                seconds(t_fm),
                str(result.status),
                seconds(t_cv),
                ratio,
                relative(result.value, cv),
            ]
        )
        print(f"  done {n}×{m}", file=sys.stderr, flush=True)
    print(
        table(
            [
                "n×m",
                "binaries",
                "fairmas (s)",
                "status",
                "cvxpy + HiGHS (s)",
                "cvxpy / fairmas",
                "value rel. diff",
            ],
            rows,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print("Versions: " + versions("fairmas", "pyomo", "highspy", "numpy", "cvxpy"))
    if cp is None:
        print("\n(cvxpy is not installed: `pip install -e '.[bench]'` for the peer)")
    if args.quick:
        table_envy_free([(20, 10), (50, 20)])
        table_ef1([(4, 4), (6, 6)], limit=30)
    else:
        table_envy_free([(50, 20), (100, 50), (200, 50)])
        table_ef1([(6, 6), (10, 10), (15, 15)], limit=120)


if __name__ == "__main__":
    main()
