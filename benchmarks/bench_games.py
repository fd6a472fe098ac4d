"""Pairwise-utility games: social optimum and extreme equilibria by MILP, CP-SAT and enumeration.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_games.py``);
``--quick`` runs the small games only with a 10 s limit; ``--games`` and
``--tasks`` pick games and tables, ``--methods`` the methods (the rest show
"—"), ``--seeds`` the random games (one row per game and seed; default
seed 0). Prints markdown tables for BENCHMARKS.md.

Games (``PairwiseGame.random``, seed 0 unless ``--seeds``): integer payoffs uniform in [0, 10)
for both directions of every interacting pair; sparse games of 50, 200 and
1000 players × 3 actions on a uniform random graph of average degree 4, and
dense games (every pair interacts) of 10 players × 4 actions, 15 × 5 and 30 × 5.

Every method runs in this process on the same game with the same time limit
(``--time-limit``, default 60 s, the goal): fairmas ``milp`` (local-marginal
linearization, best responses without big-M, HiGHS), ``cpsat``, ``toulbar2``,
``cycle_lp`` and ``dnn`` (social optimum only; ``dnn`` up to 1000 actions),
``search`` (equilibria only), ``enumerate`` where the game has at most 10^7
profiles, and as the peer a textbook *weak* MILP on the same HiGHS: McCormick products
(z ≤ y_i, z ≤ y_j, z ≥ y_i + y_j − 1) and big-M best responses
(Σ_j Σ_b (u_ij(a, b) − u_ij(a', b)) y_{j,b} ≥ −M (1 − y_{i,a})). A cell shows
the time and, when the limit stopped the method, its status and gap (or, with
no bound, the value it found). The last
table is the throughput of the compiled Q-learning kernel.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pyomo.environ as pyo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, table, versions

import fairmas
from fairmas.models.pairwise_game import PairwiseGame, format_count
from fairmas.registry import values_agree
from fairmas.solvers.game_dnn import ACTION_LIMIT as DNN_ACTION_LIMIT
from fairmas.solvers.game_enumeration import ENUMERATION_LIMIT
from fairmas.solvers.highs import solve_model
from fairmas.solvers.options import SolveOptions
from fairmas.solvers.q_learning import compile_kernels, independent_q_learning

GAMES = {
    "sparse 50 × 3": (50, 3, 4.0),
    "sparse 200 × 3": (200, 3, 4.0),
    "sparse 1000 × 3": (1000, 3, 4.0),
    "dense 10 × 4": (10, 4, None),
    "dense 15 × 5": (15, 5, None),
    "dense 30 × 5": (30, 5, None),
}
QUICK = ("sparse 50 × 3", "sparse 200 × 3", "dense 10 × 4")
TASKS = {
    "optimum": "Social optimum",
    "best": "Best pure equilibrium (prices=false)",
    "worst": "Worst pure equilibrium (prices=false)",
}


# ----------------------------------------------------------------------------- the weak peer


def weak_milp(game: PairwiseGame, task: str) -> pyo.ConcreteModel:
    """McCormick products and big-M best responses (the textbook formulation)."""
    m, offset = game.n_actions, game.action_offset
    u, v, _, _ = game.edges
    model = pyo.ConcreteModel()
    model.y = pyo.Var(range(game.total_actions), domain=pyo.Binary)
    cells = [(e, a, b) for e in range(u.size) for a in range(m[u[e]]) for b in range(m[v[e]])]
    model.z = pyo.Var(cells, bounds=(0, 1))
    model.one = pyo.Constraint(
        range(game.n_players),
        rule=lambda mdl, i: sum(mdl.y[g] for g in range(offset[i], offset[i + 1])) == 1,
    )
    yu = {c: offset[u[c[0]]] + c[1] for c in cells}
    yv = {c: offset[v[c[0]]] + c[2] for c in cells}
    model.below_u = pyo.Constraint(cells, rule=lambda mdl, *c: mdl.z[c] <= mdl.y[yu[c]])
    model.below_v = pyo.Constraint(cells, rule=lambda mdl, *c: mdl.z[c] <= mdl.y[yv[c]])
    model.above = pyo.Constraint(
        cells, rule=lambda mdl, *c: mdl.z[c] >= mdl.y[yu[c]] + mdl.y[yv[c]] - 1
    )
    welfare = {e: game.edge_welfare(e) for e in range(u.size)}
    model.welfare = pyo.Expression(expr=sum(welfare[c[0]][c[1], c[2]] * model.z[c] for c in cells))
    if task != "optimum":
        pointer, order = game.tables_by_player
        rows = []
        for i in range(game.n_players):
            mine = order[pointer[i] : pointer[i + 1]].tolist()
            for a in range(m[i]):
                for other in range(m[i]):
                    if other == a or not mine:
                        continue
                    gains = [
                        (game.tables[t][a] - game.tables[t][other], int(game.opponent[t]))
                        for t in mine
                    ]
                    big_m = sum(float(np.abs(g).max()) for g, _ in gains)
                    rows.append((i, a, gains, big_m))
        model.best = pyo.Constraint(
            range(len(rows)),
            rule=lambda mdl, k: (
                sum(g[b] * mdl.y[offset[j] + b] for g, j in rows[k][2] for b in range(g.size))
                >= -rows[k][3] * (1 - mdl.y[offset[rows[k][0]] + rows[k][1]])
            ),
        )
    sense = pyo.minimize if task == "worst" else pyo.maximize
    model.objective = pyo.Objective(expr=model.welfare, sense=sense)
    return model


# ----------------------------------------------------------------------------- runs


WEAK_MILP = "weak_milp"
"""The peer's name in ``--methods``."""

COLUMNS = ("milp", "cpsat", "toulbar2", "cycle_lp", "dnn", "search", "enumerate", WEAK_MILP)
HEADERS = {WEAK_MILP: "weak MILP peer (s)"}


def run_fairmas(game: PairwiseGame, task: str, method: str, limit: float):
    started = time.perf_counter()
    if task == "optimum":
        result = fairmas.solve(game, "social_optimum", method, time_limit=limit)
    else:
        result = fairmas.solve(
            game, "equilibrium", method, time_limit=limit, which=task, prices=False
        )
    return time.perf_counter() - started, str(result.status), result.value, result.gap


def run_weak(game: PairwiseGame, task: str, limit: float):
    started = time.perf_counter()
    model = weak_milp(game, task)
    solved = solve_model(model, SolveOptions(time_limit=limit))
    return time.perf_counter() - started, str(solved.status), solved.objective, solved.gap


def cell(run) -> str:
    elapsed, status, value, gap = run
    if status == "optimal" or status == "infeasible":
        note = "" if status == "optimal" else " (no pure NE)"
        return f"{elapsed:.3g}{note}"
    if gap is not None:
        shown = f"gap {gap:.1%}" if gap >= 0.001 else f"gap {gap:.2%}"  # keep 0.02 % visible
    else:  # no bound: show the incumbent, if any
        shown = "—" if value is None else f"found {value:.6g}, no bound"
    return f"> {elapsed:.3g} ({status}, {shown})"


def applicable_methods(game: PairwiseGame, task: str) -> list[str]:
    """The methods of the table that run on ``game`` for ``task``, in column order."""
    methods = ["milp", "cpsat"]
    if task == "optimum":
        methods += ["toulbar2", "cycle_lp"]
        if game.total_actions <= DNN_ACTION_LIMIT:
            methods.append("dnn")
    else:
        methods.append("search")
    if game.n_profiles <= ENUMERATION_LIMIT:
        methods.append("enumerate")
    return [*methods, WEAK_MILP]


def task_table(
    names: list[str], task: str, limit: float, seeds: list[int], methods: list[str] | None
) -> str:
    rows = []
    for name, seed in ((name, seed) for name in names for seed in seeds):
        n, m, degree = GAMES[name]
        game = PairwiseGame.random(n, m, degree=degree, seed=seed)
        runs = {}
        for method in applicable_methods(game, task):
            if methods is None or method in methods:
                run = run_weak if method == WEAK_MILP else partial(run_fairmas, method=method)
                runs[method] = run(game, task, limit=limit)
        proven = [r[2] for r in runs.values() if r[1] == "optimal"]
        agree = all(values_agree(x, proven[0]) for x in proven) if proven else None
        value = "no pure NE" if all(r[1] == "infeasible" for r in runs.values()) else None
        if value is None:
            value = "—" if not proven else f"{proven[0]:.10g}"
        ratio = "—"
        decided = ("optimal", "infeasible")
        if all(key in runs and runs[key][1] in decided for key in ("milp", "cpsat")):
            ratio = f"{runs['cpsat'][0] / runs['milp'][0]:.2g}×"
        label = name if seeds == [0] else f"{name} (seed {seed})"
        rows.append(
            [
                label,
                format_count(game.n_profiles),
                *(cell(runs[column]) if column in runs else "—" for column in COLUMNS),
                value,
                {True: "✓", False: "✗", None: "—"}[agree],
                ratio,
            ]
        )
        print(f"  {task} {label} done", file=sys.stderr)
    return table(
        [
            "game",
            "profiles",
            *(HEADERS.get(column, f"{column} (s)") for column in COLUMNS),
            "value",
            "agree",
            "cpsat / milp",
        ],
        rows,
    )


def learning_table(names: list[str], episodes: int) -> str:
    compile_kernels()
    rows = []
    for name in names:
        n, m, degree = GAMES[name]
        game = PairwiseGame.random(n, m, degree=degree, seed=0)
        cells = [name, f"{game.n_tables:,}"]
        for reward in ("selfish", "aligned"):
            started = time.perf_counter()
            independent_q_learning(game, episodes=episodes, reward=reward)
            cells.append(f"{episodes / (time.perf_counter() - started):,.0f}")
        rows.append(cells)
    return table(["game", "payoff tables", "episodes/s (selfish)", "episodes/s (aligned)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small games, 10 s limit")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--games", nargs="*", choices=list(GAMES), help="only these games")
    parser.add_argument(
        "--tasks", nargs="*", choices=[*TASKS, "learning"], help="only these tables"
    )
    parser.add_argument(
        "--methods", nargs="*", choices=list(COLUMNS), help="only these methods (others show —)"
    )
    parser.add_argument(
        "--seeds", nargs="*", type=int, default=[0], help="seeds of the random games (default 0)"
    )
    args = parser.parse_args()
    names = args.games or (list(QUICK) if args.quick else list(GAMES))
    limit = 10.0 if args.quick else args.time_limit
    print(f"Machine: {machine()}")
    print(f"Versions: {versions('fairmas', 'ortools', 'highspy', 'pyomo', 'numba')}")
    print(f"Time limit per run: {limit:g} s\n")
    fairmas.solve(PairwiseGame.random(3, 2, seed=0), "social_optimum", "enumerate")  # compile
    tasks = args.tasks or [*TASKS, "learning"]
    for task, title in TASKS.items():
        if task in tasks:
            print(f"### {title}\n")
            print(task_table(names, task, limit, args.seeds, args.methods) + "\n")
    if "learning" in tasks:
        print("### Q-learning throughput (state=none)\n")
        print(learning_table(names, 2_000 if args.quick else 20_000))


if __name__ == "__main__":
    main()
