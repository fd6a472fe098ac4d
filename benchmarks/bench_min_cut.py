"""Best 2-coalition structure on random sparse trust networks: fairmas against peers.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_min_cut.py``);
``--quick`` skips the peers that need minutes. Prints markdown tables for
BENCHMARKS.md. Every time includes building the peer's graph from the same
numpy arrays; the fairmas times are ``fairmas.solve`` end to end (directed
trust network → symmetric weights → cut → welfare and named coalitions).

Networks: n agents, each with 10 out-edges to uniformly random others (so
about 10n directed and 10n undirected pairs, average degree about 20), trust
uniform in [0, 1), utility uniform in [0, 3).

Tables:

1. global minimum cut (the best 2-coalition structure): fairmas ``noi`` and
   ``mt_st_cut`` against networkx ``stoer_wagner`` and igraph ``mincut``
   (Stoer–Wagner in C);
2. one minimum s-t cut (the building block of MT-s-t-cut) with OR-Tools,
   scipy (Dinic), PyMaxflow, igraph and networkx, against the whole fairmas
   global cut;
3. the MILP against the max-flow methods at 20, 40 and 80 agents.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import igraph
import maxflow
import networkx as nx
import numpy as np
import scipy.sparse
from ortools.graph.python import max_flow as ortools_max_flow
from scipy.sparse.csgraph import maximum_flow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_time, machine, seconds, table, versions

import fairmas
from fairmas.models.relations import coalition_weights
from fairmas.models.weighted_graph import WeightedGraph
from fairmas.solvers.maxflow_cut import mt_st_cut
from fairmas.solvers.scaling import integer_weights


def random_network(n: int, out_degree: int = 10, seed: int = 0) -> fairmas.TrustNetwork:
    """n agents with ``out_degree`` random out-edges each (no loops, no repeats)."""
    rng = np.random.default_rng(seed)
    source = np.repeat(np.arange(n, dtype=np.int64), out_degree)
    target = (source + rng.integers(1, n, source.size)) % n
    keys = np.unique(source * n + target)
    source, target = keys // n, keys % n
    return fairmas.TrustNetwork.from_arrays(
        [f"agent{i}" for i in range(n)],
        source,
        target,
        rng.random(keys.size),
        rng.random(keys.size) * 3,
    )


# ----------------------------------------------------------------------------- peers


def igraph_global_cut(graph: WeightedGraph) -> float:
    g = igraph.Graph(n=graph.n, edges=np.column_stack([graph.u, graph.v]), directed=False)
    return g.mincut(capacity=graph.w.tolist()).value


def networkx_global_cut(graph: WeightedGraph) -> float:
    return nx.stoer_wagner(graph.to_networkx())[0]


def ortools_st_cut(graph: WeightedGraph, s: int, t: int) -> float:
    capacities, factor = integer_weights(graph.w)
    flows = ortools_max_flow.SimpleMaxFlow()
    flows.add_arcs_with_capacity(
        np.concatenate([graph.u, graph.v]),
        np.concatenate([graph.v, graph.u]),
        np.tile(capacities, 2),
    )
    flows.solve(s, t)
    return flows.optimal_flow() / factor


def scipy_st_cut(graph: WeightedGraph, s: int, t: int) -> float:
    capacities, factor = integer_weights(graph.w)
    # scipy wants int32 capacities: use a coarser power of two that fits
    shift = max(0, int(np.ceil(np.log2(max(1, capacities.sum()) / 2**30))))
    capacities = (capacities >> shift).astype(np.int32)
    matrix = scipy.sparse.csr_array(
        (
            np.tile(capacities, 2),
            (np.concatenate([graph.u, graph.v]), np.concatenate([graph.v, graph.u])),
        ),
        shape=(graph.n, graph.n),
    )
    return maximum_flow(matrix, s, t, method="dinic").flow_value * 2**shift / factor


def pymaxflow_st_cut(graph: WeightedGraph, s: int, t: int) -> float:
    g = maxflow.GraphFloat(graph.n, graph.u.size)
    g.add_nodes(graph.n)
    # terminal capacities make s and t the source and sink
    big = float(graph.w.sum()) + 1.0
    g.add_edges(graph.u.astype(np.int32), graph.v.astype(np.int32), graph.w, graph.w)
    g.add_tedge(s, big, 0.0)
    g.add_tedge(t, 0.0, big)
    return g.maxflow()


def igraph_st_cut(graph: WeightedGraph, s: int, t: int) -> float:
    g = igraph.Graph(n=graph.n, edges=np.column_stack([graph.u, graph.v]), directed=False)
    return g.maxflow_value(s, t, capacity=graph.w.tolist())


def networkx_st_cut(graph: WeightedGraph, s: int, t: int) -> float:
    return nx.minimum_cut_value(graph.to_networkx(), s, t, capacity="weight")


ST_CUT_PEERS = {
    "OR-Tools": ortools_st_cut,
    "scipy dinic": scipy_st_cut,
    "PyMaxflow": pymaxflow_st_cut,
    "igraph": igraph_st_cut,
    "networkx": networkx_st_cut,
}


# ----------------------------------------------------------------------------- tables


def global_cut_table(sizes: list[int], quick: bool) -> str:
    rows = []
    for n in sizes:
        net = random_network(n)
        graph = coalition_weights(net, "trust")
        fairmas.solve(net, "min_cut_partition", "noi")  # compile once (numba cache)
        noi_time, noi = best_time(lambda net=net: fairmas.solve(net, "min_cut_partition", "noi"))
        noi_cut = noi.details["cut_weight"]

        budget = 120.0
        started = time.perf_counter()
        cut = mt_st_cut(graph, time_limit=budget)
        elapsed = time.perf_counter() - started
        if cut.complete:
            mt_time, mt_note = elapsed, ""
            assert abs(cut.cut - noi_cut) <= 1e-6 * max(1.0, noi_cut)
        else:
            mt_time = elapsed / cut.steps * (n - 1)
            mt_note = f" (est. from {cut.steps} of {n - 1} flows)"

        ig_time = nx_time = None
        if n <= 2000 or (n <= 20000 and not quick):
            ig_time, ig_cut = best_time(lambda g=graph: igraph_global_cut(g), repeat=1)
            assert abs(ig_cut - noi_cut) <= 1e-6 * max(1.0, noi_cut)
        if n <= 2000 and not quick:
            nx_time, nx_cut = best_time(lambda g=graph: networkx_global_cut(g), repeat=1)
            assert abs(nx_cut - noi_cut) <= 1e-6 * max(1.0, noi_cut)
        rows.append(
            [
                f"{n:,}",
                f"{graph.u.size:,}",
                seconds(noi_time),
                seconds(mt_time) + mt_note,
                seconds(ig_time),
                seconds(nx_time),
                "—" if ig_time is None else f"{ig_time / noi_time:.0f}×",
                "—" if nx_time is None else f"{nx_time / noi_time:.0f}×",
            ]
        )
        print(f"  global cut n={n} done", file=sys.stderr)
    return table(
        [
            "agents",
            "pairs",
            "fairmas noi (s)",
            "fairmas mt_st_cut (s)",
            "igraph mincut (s)",
            "networkx stoer_wagner (s)",
            "igraph / noi",
            "networkx / noi",
        ],
        rows,
    )


def st_cut_table(sizes: list[int], quick: bool) -> str:
    rows = []
    for n in sizes:
        net = random_network(n)
        graph = coalition_weights(net, "trust")
        s, t = 0, n - 1
        noi_time, _ = best_time(lambda net=net: fairmas.solve(net, "min_cut_partition", "noi"))
        peers = dict(ST_CUT_PEERS)
        if quick and n > 10_000:
            del peers["networkx"]
        times, values = {}, {}
        for name, peer in peers.items():
            times[name], values[name] = best_time(
                lambda peer=peer, g=graph, s=s, t=t: peer(g, s, t),
                repeat=1 if name == "networkx" else 3,
            )
        reference = values["PyMaxflow"]
        for name, value in values.items():
            # scipy takes int32 capacities only (int64 overflows silently): coarser rounding
            tolerance = 1e-2 if name == "scipy dinic" else 1e-6
            assert abs(value - reference) <= tolerance * max(1.0, reference), (name, value)
        fastest = min(times, key=times.get)
        rows.append(
            [f"{n:,}", seconds(noi_time)]
            + [
                seconds(times.get(name))
                for name in ("OR-Tools", "scipy dinic", "PyMaxflow", "igraph", "networkx")
            ]
            + [f"{fastest}", f"{noi_time / times[fastest]:.2f}×"]
        )
        print(f"  s-t cut n={n} done", file=sys.stderr)
    return table(
        [
            "agents",
            "fairmas global cut (s)",
            "OR-Tools s-t (s)",
            "scipy dinic s-t (s)",
            "PyMaxflow s-t (s)",
            "igraph s-t (s)",
            "networkx s-t (s)",
            "fastest peer",
            "fairmas / fastest",
        ],
        rows,
    )


def milp_table(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        net = random_network(n, out_degree=min(10, n - 1), seed=1)
        times = {}
        values = {}
        for method in ("milp", "mt_st_cut", "noi"):
            times[method], result = best_time(
                lambda m=method, net=net: fairmas.solve(net, "min_cut_partition", m)
            )
            values[method] = result.value
        assert max(values.values()) - min(values.values()) <= 1e-6 * max(values.values())
        rows.append(
            [n, net.n_edges]
            + [seconds(times[m]) for m in ("milp", "mt_st_cut", "noi")]
            + [f"{times['milp'] / times['mt_st_cut']:.0f}×"]
        )
    return table(
        ["agents", "edges", "milp (s)", "mt_st_cut (s)", "noi (s)", "milp / mt_st_cut"], rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slowest peers")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 2_000, 10_000, 100_000])
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    packages = (
        "fairmas",
        "ortools",
        "highspy",
        "pyomo",
        "numba",
        "networkx",
        "igraph",
        "scipy",
        "PyMaxflow",
    )
    print(f"Versions: {versions(*packages)}\n")
    print("### Global minimum cut (best 2-coalition structure, relation=trust)\n")
    print(global_cut_table(args.sizes, args.quick) + "\n")
    print("### One minimum s-t cut of the peers against the whole fairmas global cut\n")
    print(st_cut_table([n for n in args.sizes if n != 2_000], args.quick) + "\n")
    print("### MILP against max-flow\n")
    print(milp_table([20, 40, 80]))


if __name__ == "__main__":
    main()
