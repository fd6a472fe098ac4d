"""Trust networks at scale: MT/MTU cuts (k = 2 and k = 3), P^h, trust propagation, stability.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_trust.py``);
``--quick`` uses sizes that finish in about two minutes. Prints markdown
tables for BENCHMARKS.md. Every case runs in a fresh child process, so that
its peak memory (peak resident set size, ``ru_maxrss``) is its own; the tables
give the peak above the process's size just before the timed call (after the
imports and the network are built). Peers run in the same child process as
the fairmas call they are compared with.

Networks: n agents with d random out-edges each (no loops, no repeats),
trust uniform in [0, 1), utility uniform in [0, 3).

Tables:

1. MT / MTU at 10⁴ agents (``--quick``: 2·10³): ``fairmas.solve`` of
   ``min_cut_partition`` with ``noi`` and ``mt_st_cut`` for k = 2, and
   ``greedy_split`` and ``mt_st_cut`` (repeated cutting) for k = 3, against
   igraph's Stoer–Wagner ``mincut`` (k = 2) and greedy splitting with igraph's
   ``mincut`` (k = 3). "method" is the method's own clock, "solve" the whole
   call (relation weights, the cut, welfare, stability check). Then MT on
   trust propagated over 1, 2 and 3 hops (about 10n, 10²n and 10³n pairs),
   against the 1-hop solve.
2. The h-step coalition-generation probabilities at 10⁵ agents with h = 3
   (``--quick``: 10⁴): fairmas' per-edge P⁽ʰ⁾ (what MTU uses) against the
   full sparse matrix power Pʰ with scipy (the peer), then read at the edges.
3. Propagated trust, (min, max) and (product, max) over 3 hops, at 10⁴ agents
   (d = 10) and 10⁵ agents (d = 5) (``--quick``: 10³ and 10⁴): fairmas'
   compiled hop-bounded Bellman–Ford against the same algorithm in pure Python
   (dicts), timed on a sample of sources and extrapolated.
4. The subset DP (k = 3) at 16 to 20 agents, and the stability searches.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, seconds, table, versions

HERE = Path(__file__).resolve()


def random_network(n: int, out_degree: int, seed: int = 0, hops: int = 1):
    """n agents with ``out_degree`` random out-edges each (no loops, no repeats)."""
    import fairmas

    rng = np.random.default_rng(seed)
    source = np.repeat(np.arange(n, dtype=np.int64), out_degree)
    target = (source + rng.integers(1, n, source.size)) % n
    keys = np.unique(source * n + target)
    return fairmas.TrustNetwork.from_arrays(
        [f"agent{i}" for i in range(n)],
        keys // n,
        keys % n,
        rng.random(keys.size),
        rng.random(keys.size) * 3,
        propagation=fairmas.Propagation("min", "max", hops),
    )


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="utf-8") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- child cases


def _igraph_greedy_split(graph, k: int) -> float:
    """Greedy splitting with igraph's Stoer–Wagner on each coalition; returns the cut weight."""
    import igraph

    def min_cut(nodes: np.ndarray):
        sub = graph.induced(nodes)
        g = igraph.Graph(n=sub.n, edges=np.column_stack([sub.u, sub.v]), directed=False)
        cut = g.mincut(capacity=sub.w.tolist())
        side = np.zeros(sub.n, dtype=bool)
        side[cut.partition[0]] = True
        return cut.value, side

    labels = np.zeros(graph.n, dtype=np.int64)
    pieces = [(*min_cut(np.arange(graph.n)), np.arange(graph.n))]
    for label in range(1, k):
        best = min(range(len(pieces)), key=lambda p: pieces[p][0])
        _, side, nodes = pieces.pop(best)
        labels[nodes[side]] = label
        for part in (nodes[side], nodes[~side]):
            if part.size >= 2:
                pieces.append((*min_cut(part), part))
    return graph.cut_weight(labels)


def case_cut(spec: dict) -> dict:
    import fairmas
    from fairmas.models.relations import coalition_weights

    net = random_network(spec["n"], spec["degree"], hops=spec.get("hops", 1))
    if spec["method"].startswith("igraph"):
        graph = coalition_weights(net, spec["relation"])
        import igraph

        before = _rss_mb()
        started = time.perf_counter()
        if spec["k"] == 2:
            g = igraph.Graph(n=graph.n, edges=np.column_stack([graph.u, graph.v]), directed=False)
            cut = g.mincut(capacity=graph.w.tolist()).value
        else:
            cut = _igraph_greedy_split(graph, spec["k"])
        elapsed = time.perf_counter() - started
        return {"solve": elapsed, "method": elapsed, "cut": cut, "extra_mb": _peak_mb() - before}
    fairmas.solve(random_network(50, 4), "min_cut_partition", spec["method"], k=2)  # compile
    before = _rss_mb()
    started = time.perf_counter()
    result = fairmas.solve(
        net,
        "min_cut_partition",
        spec["method"],
        relation=spec["relation"],
        k=spec["k"],
        time_limit=spec.get("time_limit"),
    )
    elapsed = time.perf_counter() - started
    return {
        "solve": elapsed,
        "method": result.wall_time,
        "cut": result.details["cut_weight"],
        "status": str(result.status),
        "max_flows": result.details.get("max_flows"),
        "stable": result.details["stable"],
        "extra_mb": _peak_mb() - before,
    }


def case_power(spec: dict) -> dict:
    from fairmas.models.propagation import h_step_edge_probabilities, h_step_probability_matrix

    net = random_network(spec["n"], spec["degree"])
    h_step_edge_probabilities(random_network(50, 4), 3)  # compile
    before = _rss_mb()
    started = time.perf_counter()
    if spec["how"] == "fairmas":
        values = h_step_edge_probabilities(net, spec["hops"])
        stored = values.size
    else:
        full = h_step_probability_matrix(net, spec["hops"])
        values = np.asarray(full[net.source, net.target]).ravel()
        stored = full.nnz
    elapsed = time.perf_counter() - started
    return {
        "time": elapsed,
        "extra_mb": _peak_mb() - before,
        "checksum": float(values.sum()),
        "stored": int(stored),
    }


def _python_best_paths(net, sources, hops: int, product: bool) -> int:
    """The hop-bounded Bellman–Ford in pure Python (dicts), from ``sources``; entries found."""
    out: dict[int, list[tuple[int, float]]] = {}
    for a, b, t in zip(net.source.tolist(), net.target.tolist(), net.trust.tolist(), strict=True):
        if t > 0:
            out.setdefault(a, []).append((b, t))
    found = 0
    for s in sources:
        best = {s: 1.0}
        frontier = {s: 1.0}
        for _ in range(hops):
            following = {}
            for x, tx in frontier.items():
                for y, t in out.get(x, ()):
                    value = tx * t if product else min(tx, t)
                    if value > best.get(y, 0.0):
                        best[y] = value
                        following[y] = value
            frontier = following
        found += len(best) - 1
    return found


def case_propagation(spec: dict) -> dict:
    from fairmas.models.propagation import propagated_trust
    from fairmas.models.trust_network import Propagation

    net = random_network(spec["n"], spec["degree"])
    propagation = Propagation(spec["transitivity"], "max", spec["hops"])
    propagated_trust(random_network(50, 4), propagation)  # compile
    if spec["how"] == "python":
        sample = np.random.default_rng(1).choice(net.n_agents, spec["sample"], replace=False)
        before = _rss_mb()
        started = time.perf_counter()
        found = _python_best_paths(
            net, sample.tolist(), spec["hops"], spec["transitivity"] == "product"
        )
        elapsed = (time.perf_counter() - started) * net.n_agents / spec["sample"]
        return {"time": elapsed, "extra_mb": None, "stored": found * net.n_agents // spec["sample"]}
    before = _rss_mb()
    started = time.perf_counter()
    tau = propagated_trust(net, propagation)
    elapsed = time.perf_counter() - started
    return {"time": elapsed, "extra_mb": _peak_mb() - before, "stored": int(tau.nnz)}


def case_subset_dp(spec: dict) -> dict:
    from fairmas.models.weighted_graph import WeightedGraph
    from fairmas.solvers import subset_dp

    rng = np.random.default_rng(0)
    n = spec["n"]
    mask = np.triu(rng.random((n, n)) < 0.5, 1)
    u, v = np.nonzero(mask)
    graph = WeightedGraph.from_pairs([str(i) for i in range(n)], u, v, rng.uniform(-1, 3, u.size))
    subset_dp.compile_kernels()
    before = _rss_mb()
    started = time.perf_counter()
    _, welfare = subset_dp.subset_dp_kcut(graph, spec["k"])
    return {
        "time": time.perf_counter() - started,
        "extra_mb": _peak_mb() - before,
        "welfare": welfare,
    }


def case_stability(spec: dict) -> dict:
    from fairmas.models.weighted_graph import WeightedGraph
    from fairmas.solvers.stability import check_stability

    n = spec["n"]
    group = np.arange(n) // 5
    u, v = np.triu_indices(n, 1)
    keep = (group[u] == group[v]) | (np.random.default_rng(0).random(u.size) < 0.2)
    u, v = u[keep], v[keep]
    graph = WeightedGraph.from_pairs(
        [str(i) for i in range(n)], u, v, np.where(group[u] == group[v], 1.0, -0.3)
    )
    labels = group.copy() if spec["structure"] == "cliques" else np.roll(group, 2)
    check_stability(WeightedGraph.from_pairs("ab", [0], [1], [1.0]), np.array([0, 1]))  # warm
    started = time.perf_counter()
    report = check_stability(graph, labels, search=spec["search"], time_limit=60)
    return {
        "time": time.perf_counter() - started,
        "stable": report.stable,
        "method": report.search.method,
        "status": report.search.status,
    }


CASES = {
    "cut": case_cut,
    "power": case_power,
    "propagation": case_propagation,
    "subset_dp": case_subset_dp,
    "stability": case_stability,
}


def run_case(spec: dict) -> dict:
    """Run one case in a fresh child process; return its JSON answer."""
    done = subprocess.run(
        [sys.executable, str(HERE), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"case {spec} failed:\n{done.stderr}")
    print(f"  {spec} done", file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- tables


def megabytes(value: float | None) -> str:
    return "—" if value is None else f"{max(value, 0):.0f}"


def cut_table(n: int, mt_budget: float) -> str:
    rows = []
    for relation in ("trust", "trust_utility"):
        for k, methods in (
            (2, ["noi", "mt_st_cut", "igraph"]),
            (3, ["greedy_split", "mt_st_cut", "igraph"]),
        ):
            answers = {}
            for m in methods:
                spec = {"case": "cut", "n": n, "degree": 10, "relation": relation, "k": k}
                if m == "mt_st_cut":
                    spec["time_limit"] = mt_budget
                answers[m] = run_case({**spec, "method": m})
            peer = answers["igraph"]
            for method, answer in answers.items():
                if method == "igraph":
                    continue
                same = abs(answer["cut"] - peer["cut"]) <= 1e-6 * max(1.0, peer["cut"])
                own = seconds(answer["method"])
                if answer["status"] == "max_time_limit":
                    same = "—"
                    if answer["max_flows"]:
                        estimate = answer["method"] / answer["max_flows"] * (n - 1)
                        own += (
                            f" (stopped; est. {seconds(estimate)} from {answer['max_flows']} flows)"
                        )
                    else:
                        own += f" (stopped at the {mt_budget:g} s budget)"
                else:
                    same = "yes" if same else "no"
                rows.append(
                    [
                        relation,
                        k,
                        method,
                        own,
                        seconds(answer["solve"]),
                        megabytes(answer["extra_mb"]),
                        f"{answer['cut']:.6g}",
                        same,
                        seconds(peer["solve"]),
                        f"{peer['solve'] / answer['solve']:.2g}×",
                    ]
                )
    return table(
        [
            "relation",
            "k",
            "method",
            "method (s)",
            "solve (s)",
            "peak +MB",
            "cut",
            "same cut as igraph",
            "igraph (s)",
            "igraph / solve",
        ],
        rows,
    )


def propagated_cut_table(n: int, hops_list: list[int]) -> str:
    rows = []
    for k, method in ((2, "noi"), (3, "greedy_split")):
        base = None
        for hops in hops_list:
            answer = run_case(
                {
                    "case": "cut",
                    "n": n,
                    "degree": 10,
                    "relation": "trust",
                    "k": k,
                    "method": method,
                    "hops": hops,
                }
            )
            base = base or answer["solve"]
            rows.append(
                [
                    k,
                    method,
                    hops,
                    seconds(answer["method"]),
                    seconds(answer["solve"]),
                    megabytes(answer["extra_mb"]),
                    f"{answer['solve'] / base:.3g}×",
                ]
            )
    return table(
        ["k", "method", "hops", "method (s)", "solve (s)", "peak +MB", "solve / 1 hop"], rows
    )


def power_table(sizes: list[tuple[int, int]], hops: int) -> str:
    rows = []
    for n, degree in sizes:
        ours = run_case({"case": "power", "n": n, "degree": degree, "hops": hops, "how": "fairmas"})
        peer = run_case({"case": "power", "n": n, "degree": degree, "hops": hops, "how": "scipy"})
        assert abs(ours["checksum"] - peer["checksum"]) <= 1e-9 * max(1.0, peer["checksum"])
        rows.append(
            [
                f"{n:,}",
                degree,
                hops,
                seconds(ours["time"]),
                megabytes(ours["extra_mb"]),
                seconds(peer["time"]),
                megabytes(peer["extra_mb"]),
                f"{peer['stored']:,}",
                f"{peer['time'] / ours['time']:.2g}×",
            ]
        )
    return table(
        [
            "agents",
            "out-degree",
            "h",
            "fairmas P^h on edges (s)",
            "peak +MB",
            "scipy full P^h (s)",
            "peak +MB",
            "entries of P^h",
            "scipy / fairmas",
        ],
        rows,
    )


def propagation_table(sizes: list[tuple[int, int]], hops: int) -> str:
    rows = []
    for n, degree in sizes:
        for transitivity in ("min", "product"):
            spec = {"case": "propagation", "n": n, "degree": degree, "hops": hops}
            ours = run_case({**spec, "transitivity": transitivity, "how": "fairmas"})
            peer = run_case(
                {**spec, "transitivity": transitivity, "how": "python", "sample": min(n, 300)}
            )
            rows.append(
                [
                    f"{n:,}",
                    degree,
                    f"({transitivity}, max)",
                    seconds(ours["time"]),
                    megabytes(ours["extra_mb"]),
                    f"{ours['stored']:,}",
                    seconds(peer["time"]) + " (est.)",
                    f"{peer['time'] / ours['time']:.0f}×",
                ]
            )
    return table(
        [
            "agents",
            "out-degree",
            "operators",
            "fairmas (s)",
            "peak +MB",
            "pairs with τ > 0",
            "pure Python (s)",
            "Python / fairmas",
        ],
        rows,
    )


def subset_dp_table(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        for k in (2, 3):
            answer = run_case({"case": "subset_dp", "n": n, "k": k})
            rows.append([n, k, seconds(answer["time"]), megabytes(answer["extra_mb"])])
    return table(["agents", "k", "subset_dp (s)", "peak +MB"], rows)


def stability_table(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        for structure in ("cliques", "shifted"):
            search = "auto"
            answer = run_case(
                {"case": "stability", "n": n, "structure": structure, "search": search}
            )
            rows.append(
                [
                    n,
                    structure,
                    answer["method"],
                    answer["status"],
                    answer["stable"],
                    seconds(answer["time"]),
                ]
            )
    return table(["agents", "structure", "search", "status", "stable", "time (s)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about two minutes)")
    parser.add_argument(
        "--mt-budget",
        type=float,
        default=120.0,
        metavar="S",
        help="time limit of each mt_st_cut run (n − 1 max-flows per 2-cut; default 120 s)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(CASES[spec["case"]](spec)))
        return
    quick = args.quick
    print(f"Machine: {machine()}")
    print(f"Versions: {versions('fairmas', 'numba', 'scipy', 'ortools', 'networkx', 'igraph')}\n")
    n_cut = 2_000 if quick else 10_000
    print(f"### MT / MTU: best structure with k coalitions at {n_cut:,} agents (out-degree 10)\n")
    print(cut_table(n_cut, mt_budget=args.mt_budget) + "\n")
    print(f"### MT with propagated trust, (min, max), at {n_cut:,} agents\n")
    print(propagated_cut_table(n_cut, [1, 2, 3]) + "\n")
    ph_sizes = [(10_000, 10)] if quick else [(10_000, 10), (100_000, 10)]
    print("### h-step coalition-generation probabilities P^h (h = 3)\n")
    print(power_table(ph_sizes, 3) + "\n")
    prop_sizes = [(1_000, 10), (10_000, 5)] if quick else [(10_000, 10), (100_000, 5)]
    print("### Propagated trust over 3 hops, max aggregation\n")
    print(propagation_table(prop_sizes, 3) + "\n")
    print("### subset DP (exactly k coalitions)\n")
    print(subset_dp_table([12, 14] if quick else [16, 18, 20]) + "\n")
    print("### Stability: search for a blocking coalition\n")
    print(stability_table([15, 40] if quick else [15, 40, 100, 200]))


if __name__ == "__main__":
    main()
