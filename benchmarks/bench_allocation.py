"""Fair allocation: fairmas against fairpyx and cvxpy, and Pyomo build time against HiGHS time.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_allocation.py``).
``--quick`` runs small sizes only (a minute); the full run needs tens of
minutes, most of it in the peers. Prints markdown tables for BENCHMARKS.md.
``--table nash`` runs only the divisible Nash table (``--nash-sizes 1000x100``
picks its sizes).

Instances: n agents, m goods of supply 1, valuations uniform in [0, 1)
(indivisible: whole numbers 1..100), entitlements 1; one seed per size, the
same instance for every contender.

Tables:

1. divisible ``max_min``, ``leximin`` and ``nash`` against fairpyx's
   ``fractional_egalitarian_allocation`` (cvxpy, scalar variables) and against
   vectorized cvxpy formulations of the same problems (HiGHS for the LPs,
   Clarabel for Eisenberg–Gale), with the relative difference of the optimal
   values;
2. ``max_min`` model building against HiGHS' solve: before = Pyomo sum
   expressions loaded through Pyomo's HiGHS interface (``fairmas.solvers.highs``);
   after = the ``LinearExpression`` model of ``fairmas.formulations.allocation``
   compiled by ``LinearStandardFormCompiler`` into one highspy ``passModel``
   (``fairmas.solvers.highs_direct``);
3. ``nash`` divisible: the interior point (exact equilibrium on its trading
   graph, the default method), outer approximation, proportional response
   (stopped at a relative duality gap of 1e-6) and cvxpy + Clarabel;
4. ``nash`` indivisible (secant-cut MILP on HiGHS), with a time limit.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyomo.environ as pyo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_time, machine, seconds, table, versions

import fairmas
from fairmas.formulations.allocation import build_max_min_model
from fairmas.models.allocation import AllocationInstance
from fairmas.solvers.highs import solve_model
from fairmas.solvers.highs_direct import CompiledModel
from fairmas.solvers.options import SolveOptions

try:
    import cvxpy as cp
except ImportError:  # the bench extra is not installed
    cp = None
try:
    from fairpyx import Instance as FairpyxInstance
    from fairpyx.algorithms.egalitarian_fractional import fractional_egalitarian_allocation
except ImportError:
    FairpyxInstance = None


def random_instance(n: int, m: int, seed: int = 0, divisible: bool = True) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    values = rng.random((n, m)) if divisible else rng.integers(1, 101, (n, m)).astype(float)
    return AllocationInstance.from_arrays(
        [f"a{i}" for i in range(n)], [f"g{j}" for j in range(m)], values, divisible=divisible
    )


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def relative(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "—"
    return f"{abs(a - b) / max(1.0, abs(a), abs(b)):.1e}"


# ----------------------------------------------------------------------------- peers


def fairpyx_max_min(instance: AllocationInstance) -> float:
    fair = FairpyxInstance(valuations=instance.values.tolist())
    allocation = fractional_egalitarian_allocation(fair, normalize_utilities=False)
    x = np.array(
        [[allocation[i][j] for j in range(instance.n_resources)] for i in range(instance.n_agents)]
    )
    return float((instance.values * x).sum(axis=1).min())


def cvxpy_max_min(instance: AllocationInstance) -> float:
    n, m = instance.values.shape
    x = cp.Variable((n, m), nonneg=True)
    t = cp.Variable()
    problem = cp.Problem(
        cp.Maximize(t),
        [
            cp.sum(x, axis=0) <= instance.supply,
            cp.sum(cp.multiply(instance.values, x), axis=1) >= t,
        ],
    )
    problem.solve(solver=cp.HIGHS)
    return float(problem.value)


def cvxpy_leximin(instance: AllocationInstance) -> list[float]:
    """The same saturation algorithm (duals), one cvxpy problem per level."""
    n, m = instance.values.shape
    x = cp.Variable((n, m), nonneg=True)
    utilities = cp.sum(cp.multiply(instance.values, x), axis=1)
    fixed = np.zeros(n, dtype=bool)
    levels = np.zeros(n)
    while not fixed.all():
        t = cp.Variable()
        free = np.flatnonzero(~fixed)
        floor = utilities[free] >= t
        constraints = [cp.sum(x, axis=0) <= instance.supply, floor]
        if fixed.any():
            done = np.flatnonzero(fixed)
            constraints.append(utilities[done] >= levels[done] - 1e-9)
        problem = cp.Problem(cp.Maximize(t), constraints)
        problem.solve(solver=cp.HIGHS)
        duals = np.abs(np.asarray(floor.dual_value)).ravel()
        saturated = free[duals > 1e-9 * max(1.0, duals.max())]
        if saturated.size == 0:
            saturated = free[[int(np.argmax(duals))]]
        levels[saturated] = problem.value
        fixed[saturated] = True
    return sorted(levels.tolist())


def cvxpy_nash(instance: AllocationInstance) -> float:
    n, m = instance.values.shape
    x = cp.Variable((n, m), nonneg=True)
    utilities = cp.sum(cp.multiply(instance.values, x), axis=1)
    problem = cp.Problem(
        cp.Maximize(instance.entitlements @ cp.log(utilities)),
        [cp.sum(x, axis=0) <= instance.supply],
    )
    problem.solve(solver=cp.CLARABEL)
    return float(problem.value)


# ----------------------------------------------------------------------------- tables


def table_peers(sizes, fairpyx_limit: int) -> None:
    print("\n### Divisible goods: fairmas against fairpyx and cvxpy\n")
    rows = []
    for n, m in sizes:
        instance = random_instance(n, m)
        t_mm, r_mm = timed(lambda instance=instance: fairmas.solve(instance, "max_min"))
        t_lx, r_lx = timed(lambda instance=instance: fairmas.solve(instance, "leximin"))
        t_nw, r_nw = timed(lambda instance=instance: fairmas.solve(instance, "nash"))
        fp_time = fp_value = None
        if FairpyxInstance is not None and n * m <= fairpyx_limit:
            fp_time, fp_value = timed(lambda instance=instance: fairpyx_max_min(instance))
        cv_mm = cv_lx = cv_nw = (None, None)
        if cp is not None:
            cv_mm = timed(lambda instance=instance: cvxpy_max_min(instance))
            cv_lx = timed(lambda instance=instance: cvxpy_leximin(instance))
            cv_nw = timed(lambda instance=instance: cvxpy_nash(instance))
        size = f"{n}×{m}"
        rows.append(
            [
                size,
                "max_min",
                seconds(t_mm),
                seconds(fp_time),
                seconds(cv_mm[0]),
                f"{fp_time / t_mm:.0f}×" if fp_time else "—",
                f"{cv_mm[0] / t_mm:.1f}×" if cv_mm[0] else "—",
                relative(r_mm.value, fp_value if fp_value is not None else cv_mm[1]),
            ]
        )
        lx_diff = None
        if cv_lx[1] is not None:
            lx_diff = float(
                np.max(
                    np.abs(np.array(r_lx.details["sorted_weighted_utilities"]) - cv_lx[1])
                    / np.maximum(1.0, np.abs(cv_lx[1]))
                )
            )
        rows.append(
            [
                size,
                "leximin",
                seconds(t_lx),
                "—",
                seconds(cv_lx[0]),
                f"{fp_time / t_lx:.0f}×" if fp_time else "—",
                f"{cv_lx[0] / t_lx:.1f}×" if cv_lx[0] else "—",
                f"{lx_diff:.1e}" if lx_diff is not None else "—",
            ]
        )
        rows.append(
            [
                size,
                "nash",
                seconds(t_nw),
                "—",
                seconds(cv_nw[0]),
                f"{fp_time / t_nw:.0f}×" if fp_time else "—",
                f"{cv_nw[0] / t_nw:.1f}×" if cv_nw[0] else "—",
                relative(r_nw.value, cv_nw[1]),
            ]
        )
        print(f"  done {size}", file=sys.stderr, flush=True)
    print(
        table(
            [
                "size",
                "objective",
                "fairmas (s)",
                "fairpyx max-min (s)",
                "cvxpy (s)",
                "fairpyx / fairmas",
                "cvxpy / fairmas",
                "value rel. diff",
            ],
            rows,
        )
    )
    print(
        "\n`fairpyx / fairmas` divides fairpyx's max-min time by each fairmas objective's time; "
        "value differences are against fairpyx for max_min (cvxpy when fairpyx did not run), "
        "the whole sorted vector against cvxpy for leximin, and against cvxpy + Clarabel for nash."
    )


def plain_pyomo_max_min(instance: AllocationInstance) -> pyo.ConcreteModel:
    """The max-min LP written the ordinary Pyomo way (sums of products), for the 'before' row."""
    n, m = instance.values.shape
    values = instance.values
    model = pyo.ConcreteModel()
    model.I = pyo.RangeSet(0, n - 1)
    model.J = pyo.RangeSet(0, m - 1)
    model.x = pyo.Var(model.I, model.J, bounds=(0, None))
    model.t = pyo.Var()
    model.supply = pyo.Constraint(model.J, rule=lambda mo, j: sum(mo.x[i, j] for i in mo.I) <= 1)
    model.floor = pyo.Constraint(
        model.I, rule=lambda mo, i: mo.t <= sum(values[i, j] * mo.x[i, j] for j in mo.J)
    )
    model.objective = pyo.Objective(expr=model.t, sense=pyo.maximize)
    return model


def table_build(sizes, before_limit: int) -> None:
    print("\n### max_min: building the model against solving it\n")
    rows = []
    for n in sizes:
        instance = random_instance(n, n, seed=1)
        if n * n <= before_limit:
            build, model = timed(lambda instance=instance: plain_pyomo_max_min(instance))
            total, outcome = timed(lambda model=model: solve_model(model))
            rows.append(
                [
                    f"{n}×{n}",
                    "before: Pyomo sums + Pyomo's HiGHS interface",
                    seconds(build),
                    f"{seconds(total)} (load + run)",
                    "—",
                    f"{outcome.objective:.9g}",
                ]
            )
        build, model = timed(lambda instance=instance: build_max_min_model(instance))
        load, compiled = timed(lambda model=model: CompiledModel(model))
        run, outcome = timed(lambda compiled=compiled: compiled.solve(SolveOptions()))
        rows.append(
            [
                f"{n}×{n}",
                "after: LinearExpression rows + compiled passModel",
                seconds(build),
                seconds(load),
                f"{seconds(run)} ({'ipm' if compiled.nonzeros > 300_000 else 'simplex'})",
                f"{outcome.objective:.9g}",
            ]
        )
        print(f"  done {n}", file=sys.stderr, flush=True)
    print(
        table(
            ["size", "path", "Pyomo build (s)", "to HiGHS (s)", "HiGHS run (s)", "optimum"],
            rows,
        )
    )


def table_nash(sizes) -> None:
    print("\n### nash, divisible goods\n")
    rows = []
    for n, m in sizes:
        instance = random_instance(n, m, seed=2)
        t_ip, ip = best_time(
            lambda instance=instance: fairmas.solve(instance, "nash", "interior_point")
        )
        t_oa, oa = timed(
            lambda instance=instance: fairmas.solve(instance, "nash", "outer_approximation")
        )
        t_pr, pr = timed(
            lambda instance=instance: fairmas.solve(
                instance, "nash", "proportional_response", tolerance=1e-6, time_limit=120
            )
        )
        t_cv, cv = (None, None)
        if cp is not None:
            t_cv, cv = timed(lambda instance=instance: cvxpy_nash(instance))
        u_ip = np.array(ip.details["utilities"])
        u_oa = np.array(oa.details["utilities"])
        u_pr = np.array(pr.details["utilities"])
        rows.append(
            [
                f"{n}×{m}",
                f"{seconds(t_ip)} ({ip.details.get('iterations')} it.)",
                str(ip.details.get("certificate", {}).get("holds")),
                relative(ip.value, cv),
                f"{seconds(t_oa)} ({oa.details.get('rounds')} rounds)",
                str(oa.details.get("certificate", {}).get("holds")),
                f"{np.max(np.abs(u_oa - u_ip) / u_ip):.1e}",
                f"{seconds(t_pr)} ({pr.details.get('iterations')} it.)",
                f"{np.max(np.abs(u_pr - u_ip) / u_ip):.1e}",
                seconds(t_cv),
                f"{t_cv / t_ip:.1f}×" if t_cv else "—",
                f"{t_cv / t_oa:.1f}×" if t_cv else "—",
            ]
        )
        print(f"  done {n}×{m}", file=sys.stderr, flush=True)
    print(
        table(
            [
                "size",
                "interior point (s)",
                "certificate holds",
                "value rel. diff (cvxpy)",
                "outer approximation (s)",
                "certificate holds",
                "OA utilities rel. diff",
                "proportional response to 1e-6 gap (s)",
                "PR utilities rel. diff",
                "cvxpy + Clarabel (s)",
                "Clarabel / interior point",
                "Clarabel / outer approximation",
            ],
            rows,
        )
    )
    print(
        "\nInterior point: best of 3 runs of `fairmas.solve` (Result, certificate and fairness "
        "metrics included); the others one run each. Utility differences are relative to the "
        "interior point's exact equilibrium."
    )


def table_nash_indivisible(sizes, limit: float) -> None:
    print("\n### nash, indivisible goods (values 1..100)\n")
    rows = []
    for n, m in sizes:
        instance = random_instance(n, m, seed=3, divisible=False)
        elapsed, result = timed(
            lambda instance=instance: fairmas.solve(
                instance, "nash", "outer_approximation", time_limit=limit
            )
        )
        rows.append(
            [
                f"{n}×{m}",
                seconds(elapsed),
                str(result.status),
                f"{result.value:.9g}" if result.value is not None else "—",
                "—" if result.gap is None else f"{result.gap:.1e}",
                str(result.details.get("rounds")),
            ]
        )
        print(f"  done {n}×{m}", file=sys.stderr, flush=True)
    print(table(["size", "time (s)", "status", "Σ log v", "gap", "rounds"], rows))


TABLES = ("peers", "build", "nash", "nash-indivisible")


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"1000x100,50x200"`` → [(1000, 100), (50, 200)]."""
    sizes = []
    for item in text.split(","):
        n, m = item.lower().replace("×", "x").split("x")
        sizes.append((int(n), int(m)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument(
        "--table",
        action="append",
        choices=TABLES,
        help="run only this table (repeatable; default: all). "
        "Nash with divisible goods alone: --table nash",
    )
    parser.add_argument(
        "--nash-sizes",
        type=parse_sizes,
        help="agents×goods of the divisible nash table, e.g. 1000x100,50x200",
    )
    args = parser.parse_args()
    chosen = set(args.table or TABLES)
    print(f"Machine: {machine()}")
    print(
        "Versions: "
        + versions("fairmas", "pyomo", "highspy", "numpy", "scipy", "cvxpy", "clarabel", "fairpyx")
    )
    if cp is None:
        print("\n(cvxpy is not installed: `pip install -e '.[bench]'` for the peers)")
    if args.quick:
        peers, build = [(10, 40), (30, 100)], [100, 300]
        nash, indivisible = [(100, 50), (200, 100)], [(10, 40)]
        fairpyx_limit, before_limit, indivisible_limit = 3_000, 100_000, 60
    else:
        peers, build = [(50, 200), (200, 1000)], [100, 300, 1000]
        nash, indivisible = [(200, 100), (1000, 100)], [(10, 40), (20, 80), (50, 200)]
        fairpyx_limit, before_limit, indivisible_limit = 10_000, 1_000_000, 120
    if args.nash_sizes:
        nash = args.nash_sizes
    if "peers" in chosen:
        table_peers(peers, fairpyx_limit=fairpyx_limit)
    if "build" in chosen:
        table_build(build, before_limit=before_limit)
    if "nash" in chosen:
        table_nash(nash)
    if "nash-indivisible" in chosen:
        table_nash_indivisible(indivisible, limit=indivisible_limit)


if __name__ == "__main__":
    main()
