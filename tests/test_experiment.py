"""fairmas experiment trust-csg: a tiny run writes a consistent CSV and four PNG figures."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from fairmas.experiments.trust_csg import METHODS, random_trust_network


def test_tiny_experiment(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "results"
    run = run_cli(
        "experiment", "trust-csg", "--agents", "2..6", "--seeds", "1", "--trust", "low",
        "--trust", "mixed", "--exact-max", "5", "--uct-iterations", "100", "--out", out,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "DP and ODP-IP agree on every instance: yes" in run.out
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "runtime.png", "runtime_mt_mtu.png", "trust_csg.csv", "welfare.png", "workload.png"
    ]  # fmt: skip
    for name in files:
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader((out / "trust_csg.csv").open()))
    assert len(rows) == 2 * 5 * len(METHODS)
    by_instance: dict[tuple[str, str], dict[str, dict[str, str]]] = defaultdict(dict)
    for row in rows:
        by_instance[row["trust"], row["agents"]][row["method"]] = row
    for (_, agents), found in by_instance.items():
        n = int(agents)
        assert set(found) == set(METHODS)
        tu = {m: float(r["welfare_trust_utility"]) for m, r in found.items() if r["welfare"]}
        if n <= 5:
            assert found["dp"]["status"] == found["odp_ip"]["status"] == "optimal"
            assert abs(tu["dp"] - tu["odp_ip"]) <= 1e-9 * max(1.0, tu["dp"])
            best = tu["dp"]
            assert tu["csg_uct"] <= best + 1e-9
            assert tu["mtu_st_cut"] <= best + 1e-9  # 2 coalitions are one structure among all
            assert int(found["dp"]["work"]) == (3**n + 1) // 2 - 2**n
        else:
            assert found["dp"]["status"] == found["odp_ip"]["status"] == "skipped"
            assert "--exact-max 5" in found["dp"]["note"]
        assert tu["mt_st_cut"] <= tu["mtu_st_cut"] + 1e-9  # MTU is best in its own relation
        assert found["mt_st_cut"]["relation"] == "trust"
        assert int(found["mt_st_cut"]["work"]) == n - 1  # n − 1 max-flows
        assert int(found["mt_st_cut"]["coalitions"]) == 2


def test_random_networks_follow_the_trust_regimes() -> None:
    for trust, (low, high) in (("low", (0, 0.5)), ("high", (0.5, 1)), ("mixed", (0, 1))):
        net = random_trust_network(20, trust, seed=3, density=0.5)
        assert (net.trust > low).all() if low == 0 else (net.trust >= low).all()
        assert (net.trust < high).all()
        assert 0.35 < net.n_edges / (20 * 19) < 0.65
        assert (net.utility >= 0).all()
    a = random_trust_network(8, "mixed", seed=1)
    b = random_trust_network(8, "mixed", seed=1)
    assert a.trust.tolist() == b.trust.tolist()
