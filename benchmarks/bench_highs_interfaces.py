"""Which Pyomo interface hands a model to HiGHS fastest?

Builds the same LP (max-min allocation: max t s.t. t ≤ Σ_j v_ij x_ij for every
agent i, Σ_i x_ij ≤ 1 for every good j) at several sizes and times, for each
maintained Pyomo HiGHS interface, the load (model → highspy) separately from
HiGHS' own run. Prints a markdown table for BENCHMARKS.md.

Interfaces: ``pyomo.contrib.solver`` "highs" (used by fairmas) and APPSI
``appsi_highs``; both call highspy in memory.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory as ContribSolverFactory

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, seconds, table, versions


def max_min_model(n: int, seed: int = 0) -> pyo.ConcreteModel:
    values = np.random.default_rng(seed).random((n, n))
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n - 1)
    m.x = pyo.Var(m.I, m.I, bounds=(0, None))
    m.t = pyo.Var()
    m.supply = pyo.Constraint(m.I, rule=lambda m, j: sum(m.x[i, j] for i in m.I) <= 1)
    m.floor = pyo.Constraint(
        m.I, rule=lambda m, i: m.t <= sum(values[i, j] * m.x[i, j] for j in m.I)
    )
    m.objective = pyo.Objective(expr=m.t, sense=pyo.maximize)
    return m


def load_and_run(interface: str, model: pyo.ConcreteModel) -> tuple[float, float, float]:
    if interface == "contrib highs":
        solver = ContribSolverFactory("highs")
        started = time.perf_counter()
        solver.set_instance(model)
        loaded = time.perf_counter() - started
        highs = solver._solver_model
    else:
        solver = pyo.SolverFactory("appsi_highs")
        started = time.perf_counter()
        solver.set_instance(model)
        loaded = time.perf_counter() - started
        highs = solver._solver_model
    highs.setOptionValue("output_flag", False)
    started = time.perf_counter()
    highs.run()
    run = time.perf_counter() - started
    return loaded, run, highs.getInfo().objective_function_value


def main() -> None:
    print(f"Machine: {machine()}")
    print(f"Versions: {versions('pyomo', 'highspy')}\n")
    rows = []
    for n in (30, 100, 200, 300):
        for interface in ("contrib highs", "appsi_highs"):
            started = time.perf_counter()
            model = max_min_model(n)
            built = time.perf_counter() - started
            loaded, run, value = load_and_run(interface, model)
            rows.append(
                [
                    f"{n}×{n}",
                    interface,
                    seconds(built),
                    seconds(loaded),
                    seconds(run),
                    f"{value:.6f}",
                ]
            )
    print(
        table(
            [
                "size",
                "interface",
                "Pyomo build (s)",
                "load into HiGHS (s)",
                "HiGHS run (s)",
                "optimum",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
