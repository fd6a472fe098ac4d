"""The figure sections of the report: utilities, allocation, coalitions, runtime, games.

Each function takes the groups of Results (and the sweep tables) and returns
a :class:`~fairmas.report.html.Section` whose body is empty when the inputs
hold nothing for it; the page then shows the section's one-line note. Methods
that reach the same solution share one figure (its label names them all), and
at most :data:`MAX_DISTINCT` different solutions are drawn per group.

Examples
--------
>>> from fairmas.result import Result, Status
>>> from fairmas.report.inputs import LoadedResult
>>> from fairmas.report.groups import group_results
>>> r = Result("max_min", "milp", Status.OPTIMAL, 1.0, 1.0, 0.0, 0.01,
...            {"allocation": {"a": {"cpu": 1}, "b": {"cpu": 2}}, "utilities": {"a": 1, "b": 2}})
>>> groups = group_results([LoadedResult(r, "x.json")], ())
>>> [bool(s.body) for s in (utilities_section(groups), allocation_section(groups),
...                         coalitions_section(groups), games_section(groups),
...                         runtime_section(()))]
[True, True, False, False, False]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from fairmas.models import Instance
from fairmas.registry import OBJECTIVES
from fairmas.report import figures
from fairmas.report.comparison import social_optimum_cell
from fairmas.report.groups import Group, by_instance, distinct, methods_label, rounded_key
from fairmas.report.html import (
    Html,
    Section,
    badge,
    escape,
    figure,
    heading,
    number,
    paragraph,
    table,
)
from fairmas.report.inputs import SweepTable
from fairmas.result import Result

MAX_DISTINCT = 4
"""Different allocations, outcomes or partitions drawn per instance; the rest are counted."""
MAX_SERIES = 8
"""Different utility vectors drawn per instance."""
MAX_DRAWN_AGENTS = 3000
"""Coalition structures with more agents are listed by size, not drawn."""
MAX_LISTED_ROWS = 60
"""Players shown in a profile table."""


def _uri(fig: Any, image_format: str = "svg") -> str:
    return figures.data_uri(fig, image_format)


def _more(count: int, what: str) -> Html:
    if count <= MAX_DISTINCT:
        return Html("")
    return paragraph(f"{count - MAX_DISTINCT} more different {what} not drawn", "note")


# ----------------------------------------------------------------------------- utilities


def per_agent_utilities(result: Result) -> dict[str, float] | None:
    """``solution.utilities``, else a per-agent ``details.utilities`` mapping, else None."""
    for source in (result.solution.get("utilities"), result.details.get("utilities")):
        if not isinstance(source, dict) or not source:
            continue
        values = list(source.values())
        if all(_finite_number(v) for v in values):
            return {str(k): float(v) for k, v in source.items()}
    return None


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def utilities_section(groups: Sequence[Group]) -> Section:
    """Sorted utilities and Lorenz curves of every solution on an instance, all objectives."""
    parts = []
    with figures.drawing_style():
        for where, _, results in by_instance(groups):
            found = distinct(
                results,
                lambda r: rounded_key(per_agent_utilities(r)) if per_agent_utilities(r) else None,
            )
            if not found:
                continue
            series = []
            ginis = []
            for _, same in found[:MAX_SERIES]:
                utilities = per_agent_utilities(same[0])
                assert utilities is not None
                label = methods_label(same)
                series.append((label, np.array(list(utilities.values()))))
                gini = same[0].details.get("gini")
                if isinstance(gini, int | float):
                    ginis.append(f"{label}: Gini {gini:.3g}")
            fig = figures.utility_figure(series)
            caption = "Utility of each agent in each different solution"
            if ginis:
                caption += " (" + "; ".join(ginis) + ")"
            parts.append(heading(where))
            parts.append(figure(_uri(fig), f"utilities on {where}", caption + "."))
            if len(found) > MAX_SERIES:
                parts.append(
                    paragraph(f"{len(found) - MAX_SERIES} more different solutions", "note")
                )
    return Section(
        "utilities",
        "Utility distributions",
        Html("".join(parts)),
        "No Result carries per-agent utilities (solution.utilities or details.utilities).",
    )


# ----------------------------------------------------------------------------- allocation


def _allocation_matrix(
    allocation: dict[str, Any], instance: Instance | None, order: _Order
) -> tuple[list[str], list[str], np.ndarray, np.ndarray | None]:
    resources_of = getattr(instance, "resources", None)
    if instance is not None and resources_of is not None:
        agents = list(instance.agents)
        resources = list(resources_of)
        supply = np.asarray(instance.supply, dtype=np.float64)
    else:
        agents, resources, supply = order.agents, order.resources, None
    row = {name: i for i, name in enumerate(agents)}
    column = {name: j for j, name in enumerate(resources)}
    amounts = np.zeros((len(agents), len(resources)))
    for agent, bundle in allocation.items():
        if not isinstance(bundle, dict):
            continue
        for resource, amount in bundle.items():
            if _finite_number(amount) and agent in row and resource in column:
                amounts[row[agent], column[resource]] = float(amount)
    return agents, resources, amounts, supply


class _Order:
    """Agents and resources in first-seen order over several allocations (no instance)."""

    def __init__(self, results: Sequence[Result]) -> None:
        agents: dict[str, None] = {}
        resources: dict[str, None] = {}
        for r in results:
            allocation = r.solution.get("allocation")
            if not isinstance(allocation, dict):
                continue
            utilities = r.solution.get("utilities")
            agents.update(dict.fromkeys(utilities if isinstance(utilities, dict) else ()))
            agents.update(dict.fromkeys(allocation))
            for bundle in allocation.values():
                if isinstance(bundle, dict):
                    resources.update(dict.fromkeys(bundle))
        self.agents = list(agents)
        self.resources = list(resources)


def allocation_section(groups: Sequence[Group]) -> Section:
    """Heat maps agents × resources of allocations; values and payments of mechanisms."""
    parts = []
    with figures.drawing_style():
        for where, instance, results in by_instance(groups):
            allocations = distinct(
                results,
                lambda r: (
                    rounded_key(r.solution["allocation"])
                    if isinstance(r.solution.get("allocation"), dict) and r.solution["allocation"]
                    else None
                ),
            )
            payments = distinct(
                results,
                lambda r: (
                    rounded_key([r.solution["payments"], r.solution.get("projects")])
                    if isinstance(r.solution.get("payments"), dict)
                    and isinstance(r.details.get("agent_values"), dict)
                    else None
                ),
            )
            if not allocations and not payments:
                continue
            parts.append(heading(where))
            cells = []
            order = _Order(results)
            for _, same in allocations[:MAX_DISTINCT]:
                agents, resources, amounts, supply = _allocation_matrix(
                    same[0].solution["allocation"], instance, order
                )
                if amounts.size == 0:
                    continue
                label = methods_label(same)
                fig = figures.allocation_heatmap(agents, resources, amounts, supply, label)
                how = (
                    "share of each resource's supply"
                    if supply is not None
                    else "share of what was allocated (--instance gives the supply)"
                )
                cells.append(figure(_uri(fig), f"allocation of {label}", f"Amounts; color: {how}."))
            for _, same in payments[:MAX_DISTINCT]:
                cells.append(_payments_figure(same))
            parts.append(Html(f'<div class="grid">{"".join(cells)}</div>'))
            parts.append(_more(len(allocations), "allocations"))
            parts.append(_more(len(payments), "outcomes"))
    return Section(
        "allocation",
        "Allocations",
        Html("".join(parts)),
        "No Result holds an allocation (solution.allocation) or mechanism payments.",
    )


def _payments_figure(same: list[Result]) -> Html:
    result = same[0]
    paid = result.solution["payments"]
    values = result.details["agent_values"]
    agents = list(dict.fromkeys([*values, *paid]))
    fig = figures.payments_figure(
        agents,
        np.array([_float(values.get(a)) for a in agents]),
        np.array([_float(paid.get(a)) for a in agents]),
        methods_label(same),
    )
    chosen = result.solution.get("winning_bids") or result.solution.get("projects") or []
    what = "winning bids" if "winning_bids" in result.solution else "projects"
    shown = ", ".join(_bid_text(item) for item in chosen) or "none"
    caption = f"Value and payment of each agent; {what}: {shown}"
    rule = result.details.get("payment_rule")
    if rule:
        caption += f"; payment rule {rule}"
    return figure(_uri(fig), f"payments by {methods_label(same)}", caption + ".")


def _bid_text(item: object) -> str:
    """A project name, or a winning bid as ``bid1 (telco_a: band_1 + band_2)``."""
    if not isinstance(item, dict):
        return str(item)
    bundle = item.get("bundle")
    items = " + ".join(map(str, bundle)) if isinstance(bundle, list) else ""
    return f"{item.get('name', 'bid')} ({item.get('agent', '?')}: {items})"


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


# ----------------------------------------------------------------------------- coalitions


def network_edges(instance: Instance | None) -> figures.NetworkEdges | None:
    """The pairs to draw under a coalition structure: a trust network's or a graph game's."""
    if instance is None:
        return None
    from fairmas.models.coalition_game import CoalitionGame
    from fairmas.models.trust_network import TrustNetwork
    from fairmas.models.weighted_graph import WeightedGraph

    if isinstance(instance, TrustNetwork):
        graph = WeightedGraph.from_pairs(
            instance.agents, instance.source, instance.target, instance.trust
        )
        label = "trust ρ_ij + ρ_ji"
    elif isinstance(instance, CoalitionGame) and instance.graph is not None:
        graph = instance.graph
        label = "pair weight w_ij"
    else:
        return None
    names = graph.agents
    return figures.NetworkEdges(
        tuple(names[i] for i in graph.u.tolist()),
        tuple(names[j] for j in graph.v.tolist()),
        np.asarray(graph.w, dtype=np.float64),
        label,
    )


def _partition(result: Result) -> list[list[str]] | None:
    """``solution.coalitions`` as lists of names, each name once; None when there is none."""
    coalitions = result.solution.get("coalitions")
    if not isinstance(coalitions, list) or not all(isinstance(c, list) for c in coalitions):
        return None
    seen: set[str] = set()
    partition = []
    for coalition in coalitions:
        names = [str(name) for name in coalition if str(name) not in seen]
        seen.update(names)
        if names:
            partition.append(list(dict.fromkeys(names)))
    return partition or None


def _members(coalitions: list[list[str]]) -> Html:
    shown = []
    for k, coalition in enumerate(coalitions[:30], start=1):
        names = ", ".join(coalition[:40]) + (
            f", ... ({len(coalition)})" if len(coalition) > 40 else ""
        )
        shown.append(f"{k}. {names}")
    if len(coalitions) > 30:
        shown.append(f"... {len(coalitions) - 30} more coalitions")
    return Html('<p class="members">' + "<br>".join(escape(line) for line in shown) + "</p>")


def coalitions_section(groups: Sequence[Group]) -> Section:
    """Coalition structures on their trust network (or as groups without one)."""
    parts = []
    with figures.drawing_style():
        for where, instance, results in by_instance(groups):
            found = distinct(
                results,
                lambda r: frozenset(frozenset(c) for c in p) if (p := _partition(r)) else None,
            )
            if not found:
                continue
            edges = network_edges(instance)
            parts.append(heading(where))
            if edges is None:
                why = (
                    "no instance file matched these Results (give it with --instance)"
                    if instance is None
                    else f"{instance.kind} {instance.origin} has no pairwise weights"
                )
                parts.append(paragraph(f"Drawn as groups: {why}.", "note"))
            cells = []
            for _, same in found[:MAX_DISTINCT]:
                cells.append(_coalition_cell(same, edges))
            parts.append(Html(f'<div class="grid">{"".join(cells)}</div>'))
            parts.append(_more(len(found), "coalition structures"))
    return Section(
        "coalitions",
        "Coalition structures",
        Html("".join(parts)),
        "No Result holds a coalition structure (solution.coalitions).",
    )


def _coalition_cell(same: list[Result], edges: figures.NetworkEdges | None) -> Html:
    result = same[0]
    coalitions = _partition(result)
    assert coalitions is not None
    label = methods_label(same)
    facts = [f"{len(coalitions)} coalition(s)", f"value {number(result.value)}"]
    if "stable" in result.details:
        facts.append(f"stable: {number(result.details['stable'])}")
    n = sum(len(c) for c in coalitions)
    if n > MAX_DRAWN_AGENTS:
        sizes = sorted((len(c) for c in coalitions), reverse=True)
        return paragraph(
            f"{label}: {n} agents, too many to draw; coalition sizes "
            f"{', '.join(map(str, sizes[:50]))}",
            "note",
        )
    fig = figures.coalition_figure(coalitions, edges, label)
    caption = f"{label}: {'; '.join(facts)}."
    if edges is not None:
        caption += (
            f" Edge width: {edges.label}; dark edges inside a coalition, light dashed edges "
            "between coalitions."
        )
    image = figure(
        _uri(fig, "svg" if n <= 400 else "png"), f"coalition structure of {label}", caption
    )
    return Html(f"<div>{image}{_members(coalitions)}</div>")


# ----------------------------------------------------------------------------- runtime


def runtime_series(rows: Any) -> list[figures.RuntimeSeries]:
    """Median, min and max wall time per size, one series per (generator,) method.

    Rows without a time or with status ``error`` are left out.
    """
    usable = rows[(rows["status"] != "error") & rows["wall_time"].notna()]
    several = usable["generator"].nunique() > 1
    series = []
    for (generator, method), runs in usable.groupby(["generator", "method"], sort=True):
        by_size = runs.groupby("size")
        stats = by_size["wall_time"].agg(["median", "min", "max"])
        limited = by_size["status"].agg(lambda s: bool((s == "max_time_limit").any()))
        series.append(
            figures.RuntimeSeries(
                label=f"{generator} · {method}" if several else str(method),
                size=stats.index.to_numpy(dtype=np.float64),
                median=np.maximum(stats["median"].to_numpy(dtype=np.float64), 1e-7),
                low=np.maximum(stats["min"].to_numpy(dtype=np.float64), 1e-7),
                high=np.maximum(stats["max"].to_numpy(dtype=np.float64), 1e-7),
                limited=limited.to_numpy(dtype=bool),
            )
        )
    return series


def runtime_section(sweeps: Sequence[SweepTable]) -> Section:
    """Runtime against size per objective and method, from sweep tables (log scale)."""
    parts = []
    with figures.drawing_style():
        for sweep in sweeps:
            for objective, rows in sweep.rows.groupby("objective", sort=False):
                series = runtime_series(rows)
                if not series:
                    continue
                title = f"{objective} ({sweep.source})"
                fig = figures.runtime_figure(series)
                dropped = int(((rows["status"] == "error") | rows["wall_time"].isna()).sum())
                caption = (
                    "Median wall time over the seeds of each size; the band spans the fastest "
                    "and slowest run; x marks sizes where a run hit its time limit."
                )
                if dropped:
                    caption += f" {dropped} run(s) with status error or no time left out."
                parts.append(heading(title))
                parts.append(figure(_uri(fig), f"runtime of {objective}", caption))
    return Section(
        "runtime",
        "Runtime versus size",
        Html("".join(parts)),
        "No sweep results: runtime versus size is drawn from a sweep's results table.",
    )


# ----------------------------------------------------------------------------- games


def _is_game(result: Result) -> bool:
    objective = OBJECTIVES.get(result.objective)
    if objective is not None and "pairwise_game" in objective.kinds:
        return True
    return isinstance(result.solution.get("profile"), dict)


def games_section(groups: Sequence[Group]) -> Section:
    """Pairwise-game Results: summary, profiles, equilibria, transfers, learning curves."""
    by_instance: dict[str, list[Group]] = {}
    for group in groups:
        if any(_is_game(r) for r in group.results):
            by_instance.setdefault(group.where, []).append(group)
    parts = []
    with figures.drawing_style():
        for where, game_groups in by_instance.items():
            results = [r for g in game_groups for r in g.results if _is_game(r)]
            parts.append(heading(f"game {where}"))
            parts.append(_game_summary(results))
            parts.append(_profiles(results))
            for _, same in distinct(results, _equilibria_key):
                parts.append(_equilibria(same))
            for _, same in distinct(results, _transfers_key):
                parts.append(_transfers(same))
            curves = distinct(
                results,
                lambda r: rounded_key(r.details["learning_curve"]) if _has_curve(r) else None,
            )
            cells = []
            for _, same in curves[:MAX_DISTINCT]:
                cells.append(_learning_curve(same))
            if cells:
                parts.append(Html(f'<div class="grid">{"".join(cells)}</div>'))
    return Section(
        "games",
        "Games",
        Html("".join(parts)),
        "No pairwise-game Results.",
    )


def _game_summary(results: Sequence[Result]) -> Html:
    rows = []
    for r in results:
        d = r.details
        rows.append(
            [
                r.objective,
                r.method,
                badge(str(r.status)),
                r.value,
                d.get("is_equilibrium", d.get("pure_equilibrium_exists")),
                social_optimum_cell(d),
                d.get("best_equilibrium_welfare"),
                d.get("worst_equilibrium_welfare"),
                d.get("price_of_anarchy"),
                d.get("price_of_stability"),
                d.get("ratio_to_optimum"),
            ]
        )
    return table(
        [
            "objective",
            "method",
            "status",
            "value",
            "equilibrium",
            "social optimum",
            "best equilibrium",
            "worst equilibrium",
            "price of anarchy",
            "price of stability",
            "ratio to optimum",
        ],
        rows,
        "value: welfare of the profile (alignment: total transfers); equilibrium: whether the "
        "profile is a pure Nash equilibrium (equilibrium objective: whether one exists)",
    )


def _profiles(results: Sequence[Result]) -> Html:
    found = distinct(
        results,
        lambda r: (
            rounded_key(r.solution["profile"])
            if isinstance(r.solution.get("profile"), dict)
            else None
        ),
    )
    if not found:
        return Html("")
    players = list(dict.fromkeys(p for _, same in found for p in same[0].solution["profile"]))
    headers = ["player"] + [
        " = ".join(f"{r.objective} · {r.method}" for r in same[:3]) for _, same in found[:6]
    ]
    rows = [
        [player] + [same[0].solution["profile"].get(player) for _, same in found[:6]]
        for player in players[:MAX_LISTED_ROWS]
    ]
    more = ""
    if len(players) > MAX_LISTED_ROWS:
        more = f"; first {MAX_LISTED_ROWS} of {len(players)} players"
    return table(headers, rows, f"action of each player in each different profile{more}")


def _has_curve(result: Result) -> bool:
    """Whether ``details.learning_curve`` holds equally long lists of episodes and welfare."""
    curve = result.details.get("learning_curve")
    if not isinstance(curve, dict):
        return False
    episode, welfare = curve.get("episode"), curve.get("welfare")
    return (
        isinstance(episode, list)
        and isinstance(welfare, list)
        and 0 < len(episode) == len(welfare)
        and all(_finite_number(v) for v in [*episode, *welfare])
    )


def _learning_curve(same: list[Result]) -> Html:
    from fairmas.plotting import learning_curve_figure

    r = same[0]
    fig = learning_curve_figure(r)
    caption = (
        f"{methods_label(same)}: mean welfare per episode; learned profile welfare "
        f"{number(r.value)}, ratio to the social optimum "
        f"{number(r.details.get('ratio_to_optimum'), 4)}."
    )
    return figure(_uri(fig), f"learning curve of {methods_label(same)}", caption)


def _equilibria_key(result: Result) -> str | None:
    equilibria = result.details.get("equilibria")
    if not isinstance(equilibria, list) or not equilibria:
        return None
    return rounded_key(equilibria)


def _equilibria(same: list[Result]) -> Html:
    equilibria = same[0].details["equilibria"]
    rows = []
    for k, item in enumerate(equilibria[:20], start=1):
        if not isinstance(item, dict):
            continue
        profile = item.get("profile") if isinstance(item.get("profile"), dict) else {}
        shown = ", ".join(f"{p}: {a}" for p, a in list(profile.items())[:12])
        if len(profile) > 12:
            shown += f", ... ({len(profile)} players)"
        rows.append([k, item.get("welfare"), shown])
    caption = f"pure Nash equilibria found by {methods_label(same)}"
    if len(equilibria) > 20:
        caption += f" (first 20 of {len(equilibria)})"
    return table(["#", "welfare", "profile"], rows, caption)


def _transfers_key(result: Result) -> str | None:
    transfers = result.solution.get("transfers")
    if not isinstance(transfers, dict) or not transfers:
        return None
    return rounded_key(transfers)


def _transfers(same: list[Result]) -> Html:
    result = same[0]
    transfers = result.solution["transfers"]
    before = result.details.get("utilities_before")
    before = before if isinstance(before, dict) else {}
    rows = [[p, before.get(p), t] for p, t in list(transfers.items())[:MAX_LISTED_ROWS]]
    total = sum(t for t in transfers.values() if _finite_number(t))
    return table(
        ["player", "utility at the target profile", "transfer t_i"],
        rows,
        f"transfers that make the social optimum an equilibrium ({methods_label(same)}): "
        f"total {number(total)}",
    )
