"""The experiment of Tong and Ren's trust/coalition paper (seed 003, section 5), reproduced.

Random trust networks with |A| = 2 .. 25 agents and three trust regimes
(low: 0 < ρ < 0.5, high: 0.5 ≤ ρ < 1, mixed: both), solved on the same
instances by

- ``mt_st_cut``: MT-s-t-cut, the best 2-coalition structure for the trust
  relation (objective ``min_cut_partition``, ``relation=trust``);
- ``mtu_st_cut``: MTU-s-t-cut, the same for the trust-utility relation;
- ``dp``, ``odp_ip``, ``csg_uct``: the best structure with any number of
  coalitions of the graph game of the trust-utility relation (objective
  ``csg``), as the paper's baselines DP (Yeh), ODP-IP (Michalak et al.) and
  CSG-UCT (Wu & Ramchurn).

Every structure is also valued in the trust-utility relation
(``welfare_trust_utility``), the common currency of the welfare figure.

The paper does not state the density of its networks or the range of the
utilities; here every ordered pair of agents is an edge with probability
``density`` (default 0.5), trust is uniform in the band of the regime and
utility uniform in [0, 1) (non-negative, so that the paper's max-flow
algorithms apply and the games are superadditive, as the paper says its data
are).

Outputs in ``--out``: ``trust_csg.csv`` (one row per instance and method) and
four figures, the counterparts of the paper's figures 5 to 10:
``welfare.png`` (social welfare against |A|, fig. 5), ``runtime.png``
(runtime of every method against |A|, log scale; figs. 9 and 10),
``runtime_mt_mtu.png`` (MT-s-t-cut against MTU-s-t-cut; figs. 6 and 7) and
``workload.png`` (split evaluations of DP; values scanned, split evaluations
and search nodes of ODP-IP; max-flows of the cut algorithms; fig. 8). Welfare is the
mean over the seeds, times and work the median (single runs of a millisecond
are noisy).
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fairmas.api import solve
from fairmas.atomic import atomic_path, write_text_atomic
from fairmas.errors import ParameterError
from fairmas.models.coalition_game import MAX_TABLE_AGENTS, CoalitionGame
from fairmas.models.trust_network import TrustNetwork
from fairmas.result import Result

TRUST_BANDS: dict[str, tuple[float, float]] = {
    "low": (0.0, 0.5),
    "high": (0.5, 1.0),
    "mixed": (0.0, 1.0),
}
"""Trust regime → the interval trust is drawn from (0 itself excluded)."""

METHODS = ("mt_st_cut", "mtu_st_cut", "dp", "odp_ip", "csg_uct")
"""Methods of the experiment, in the order of the CSV and the legends."""

LABELS = {
    "mt_st_cut": "MT-s-t-cut",
    "mtu_st_cut": "MTU-s-t-cut",
    "dp": "DP",
    "odp_ip": "ODP-IP",
    "csg_uct": "CSG-UCT",
}

CSV_COLUMNS = (
    "trust",
    "agents",
    "seed",
    "method",
    "relation",
    "status",
    "welfare",
    "welfare_trust_utility",
    "coalitions",
    "seconds",
    "work",
    "work_unit",
    "note",
)


@dataclass(frozen=True)
class Settings:
    """What to run.

    Attributes
    ----------
    agents : tuple of int
        Numbers of agents, each ≥ 2.
    trust : tuple of str
        Keys of :data:`TRUST_BANDS`.
    seeds : int
        Instances per (trust, |A|).
    density : float
        Probability that an ordered pair of agents is an edge.
    exact_max : int
        DP and ODP-IP run up to this many agents (the rest are skipped with a note).
    uct_iterations : int
        CSG-UCT's iteration budget.
    """

    agents: tuple[int, ...] = tuple(range(2, 26))
    trust: tuple[str, ...] = ("low", "high", "mixed")
    seeds: int = 3
    density: float = 0.5
    exact_max: int = 20
    uct_iterations: int = 2000

    def __post_init__(self) -> None:
        if not self.agents or min(self.agents) < 2:
            raise ParameterError("--agents", f"needs numbers ≥ 2 (got {list(self.agents)})")
        unknown = [t for t in self.trust if t not in TRUST_BANDS]
        if unknown or not self.trust:
            raise ParameterError(
                "--trust", f"one of {', '.join(TRUST_BANDS)} (got {', '.join(unknown)})"
            )
        if self.seeds < 1:
            raise ParameterError("--seeds", f"must be ≥ 1 (got {self.seeds})")
        if not 0 < self.density <= 1:
            raise ParameterError("--density", f"must be within (0, 1] (got {self.density})")
        if not 2 <= self.exact_max <= MAX_TABLE_AGENTS:
            raise ParameterError(
                "--exact-max", f"must be within 2..{MAX_TABLE_AGENTS} (got {self.exact_max})"
            )
        if self.uct_iterations < 1:
            raise ParameterError("--uct-iterations", f"must be ≥ 1 (got {self.uct_iterations})")

    @property
    def runs(self) -> int:
        """Instances to solve."""
        return len(self.agents) * len(self.trust) * self.seeds


def parse_agents(text: str) -> tuple[int, ...]:
    """``"2..25"``, ``"10"`` or ``"4,8,16"`` → numbers of agents.

    >>> parse_agents("2..5"), parse_agents("7"), parse_agents("4, 8")
    ((2, 3, 4, 5), (7,), (4, 8))
    >>> parse_agents("9..3")
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: --agents: expected FROM..TO with FROM ≤ TO, ... (got '9..3')
    """
    rule = "expected FROM..TO with FROM ≤ TO, a number, or a list like 4,8,16"
    try:
        if ".." in text:
            low, high = (int(part) for part in text.split(".."))
            if low > high:
                raise ValueError
            return tuple(range(low, high + 1))
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ParameterError("--agents", f"{rule} (got {text!r})") from None


def random_trust_network(n: int, trust: str, seed: int, density: float = 0.5) -> TrustNetwork:
    """A random directed trust network as described above (seeded).

    Examples
    --------
    >>> net = random_trust_network(6, "high", seed=1)
    >>> bool((net.trust >= 0.5).all() and (net.trust < 1).all()), net.n_agents
    (True, 6)
    """
    low, high = TRUST_BANDS[trust]
    rng = np.random.default_rng([seed, n, list(TRUST_BANDS).index(trust)])
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, False)
    source, target = np.nonzero(mask)
    values = rng.uniform(low, high, source.size)
    values = np.where(values > 0, values, high / 2)  # 0 < ρ in every regime
    utility = rng.random(source.size)
    return TrustNetwork.from_arrays(
        [f"a{i + 1}" for i in range(n)], source, target, values, utility, origin="<experiment>"
    )


@dataclass
class Row:
    """One line of the CSV."""

    trust: str
    agents: int
    seed: int
    method: str
    relation: str
    status: str
    welfare: float | None
    welfare_trust_utility: float | None
    coalitions: int | None
    seconds: float | None
    work: int | None
    work_unit: str
    note: str = ""


def _row_from(
    result: Result, trust: str, n: int, seed: int, method: str, relation: str, game: CoalitionGame
) -> Row:
    coalitions = result.solution.get("coalitions", [])
    index = {name: k for k, name in enumerate(game.agents)}
    labels = np.empty(game.n_agents, dtype=np.int64)
    for label, coalition in enumerate(coalitions):
        labels[[index[name] for name in coalition]] = label
    work, unit = None, ""
    if method == "odp_ip":
        work = sum(
            int(result.details[key])
            for key in ("values_scanned", "split_evaluations", "search_nodes")
        )
        unit = "values scanned + split evaluations + search nodes"
    for key, name in (
        ("max_flows", "max-flows"),
        ("split_evaluations", "split evaluations"),
        ("iterations", "iterations"),
    ):
        if work is None and key in result.details:
            work, unit = int(result.details[key]), name
            break
    note = ""
    if method == "odp_ip":
        note = (
            f"search nodes {result.details.get('search_nodes')}, "
            f"finished by {result.details.get('finished_by')}"
        )
    return Row(
        trust,
        n,
        seed,
        method,
        relation,
        str(result.status),
        result.value,
        game.welfare(labels) if coalitions else None,
        len(coalitions),
        result.wall_time,
        work,
        unit,
        note,
    )


def run_instance(
    settings: Settings, trust: str, n: int, seed: int, on_method: Callable[[str], None]
) -> list[Row]:
    """Solve one random network with every method; one row per method."""
    net = random_trust_network(n, trust, seed, settings.density)
    game = CoalitionGame.from_trust_network(net, "trust_utility")
    rows = []
    for name in METHODS:
        on_method(name)
        if name in ("mt_st_cut", "mtu_st_cut"):
            relation = "trust" if name == "mt_st_cut" else "trust_utility"
            result = solve(net, "min_cut_partition", "mt_st_cut", relation=relation)
        else:
            relation = "trust_utility"
            if name in ("dp", "odp_ip") and n > settings.exact_max:
                note = f"|A| = {n} > --exact-max {settings.exact_max}"
                rows.append(Row(trust, n, seed, name, relation, "skipped", *[None] * 5, "", note))
                continue
            params: dict[str, Any] = {"seed": seed}
            if name == "csg_uct":
                params["uct_iterations"] = settings.uct_iterations
            result = solve(game, "csg", name, **params)
        rows.append(_row_from(result, trust, n, seed, name, relation, game))
    return rows


def write_csv(rows: Sequence[Row], path: Path) -> None:
    """The rows as CSV, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = asdict(row)
        for key in ("welfare", "welfare_trust_utility", "seconds"):
            if record[key] is not None:
                record[key] = f"{record[key]:.10g}"
        writer.writerow({key: "" if value is None else value for key, value in record.items()})
    write_text_atomic(path, buffer.getvalue())


def _averages(
    rows: Sequence[Row], trust: str, method: str, field: str, average: Callable[..., float]
) -> tuple[list[int], list[float]]:
    by_size: dict[int, list[float]] = {}
    for row in rows:
        value = getattr(row, field)
        if row.trust == trust and row.method == method and value is not None:
            by_size.setdefault(row.agents, []).append(float(value))
    sizes = sorted(by_size)
    return sizes, [average(by_size[s]) for s in sizes]


def _save_figure(figure: Any, path: Path) -> None:
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=110, bbox_inches="tight")


def plot(rows: Sequence[Row], settings: Settings, out: Path) -> list[Path]:
    """Draw the four figures from the rows; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(settings.trust)
    cuts = ("mt_st_cut", "mtu_st_cut")
    mean, median = statistics.fmean, statistics.median
    specs = [
        ("welfare.png", "welfare_trust_utility", METHODS, False, mean, "social welfare (TU)"),
        ("runtime.png", "seconds", METHODS, True, median, "runtime (s)"),
        ("runtime_mt_mtu.png", "seconds", cuts, False, median, "runtime (ms)"),
        ("workload.png", "work", (*cuts, "dp", "odp_ip"), True, median, "work (operations)"),
    ]
    written = []
    for filename, field, methods, log_scale, average, ylabel in specs:
        figure, axes = plt.subplots(
            1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False, sharey=True
        )
        for axis, trust in zip(axes[0], panels, strict=True):
            for method in methods:
                sizes, values = _averages(rows, trust, method, field, average)
                if filename == "runtime_mt_mtu.png":
                    values = [1e3 * v for v in values]
                if sizes:
                    axis.plot(sizes, values, marker="o", markersize=3, label=LABELS[method])
            if log_scale:
                axis.set_yscale("log")
            axis.set_title(f"{trust} trust")
            axis.set_xlabel("|A| (agents)")
            axis.grid(True, alpha=0.3)
        axes[0][0].set_ylabel(ylabel)
        axes[0][-1].legend(fontsize=8)
        kind = "mean" if average is mean else "median"
        figure.suptitle(f"{ylabel} against |A|, {kind} of {settings.seeds} instance(s)")
        path = out / filename
        _save_figure(figure, path)
        plt.close(figure)
        written.append(path)
    return written


def run(
    settings: Settings,
    out: Path,
    progress: Callable[[str], None] | None = None,
    advance: Callable[[], None] | None = None,
) -> tuple[list[Row], list[Path]]:
    """Run the experiment, write the CSV and the figures into ``out`` (which must exist).

    ``progress(description)`` is told what runs; ``advance()`` after each instance.
    """
    rows: list[Row] = []
    for trust in settings.trust:
        for n in settings.agents:
            for seed in range(settings.seeds):

                def on_method(name: str, trust: str = trust, n: int = n, seed: int = seed) -> None:
                    if progress is not None:
                        progress(f"{trust} trust, |A| = {n}, seed {seed}: {LABELS[name]}")

                rows += run_instance(settings, trust, n, seed, on_method)
                if advance is not None:
                    advance()
    write_csv(rows, out / "trust_csg.csv")
    figures = plot(rows, settings, out)
    return rows, figures


def summary(rows: Sequence[Row]) -> list[tuple[str, int, str, str, str]]:
    """Per trust regime and largest |A| solved by every method: mean welfare and time."""
    lines = []
    for trust in dict.fromkeys(row.trust for row in rows):
        sizes = sorted({row.agents for row in rows if row.trust == trust})
        for n in (sizes[0], sizes[len(sizes) // 2], sizes[-1]):
            for method in METHODS:
                picked = [
                    r
                    for r in rows
                    if r.trust == trust and r.agents == n and r.method == method and r.seconds
                ]
                if not picked:
                    continue
                welfare = statistics.fmean(r.welfare_trust_utility or 0.0 for r in picked)
                seconds = statistics.fmean(r.seconds or 0.0 for r in picked)
                lines.append((trust, n, LABELS[method], f"{welfare:.4g}", f"{seconds:.3g}"))
    return lines


def exact_methods_agree(rows: Sequence[Row], rtol: float = 1e-6) -> bool:
    """Whether DP and ODP-IP reach the same welfare on every instance both solved."""
    found: dict[tuple[str, int, int], list[float]] = {}
    for row in rows:
        if row.method in ("dp", "odp_ip") and row.welfare is not None:
            found.setdefault((row.trust, row.agents, row.seed), []).append(row.welfare)
    return all(math.isclose(min(v), max(v), rel_tol=rtol, abs_tol=rtol) for v in found.values())
