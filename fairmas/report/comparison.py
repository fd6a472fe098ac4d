"""The ``comparison`` section: one table per objective and instance, and sweep summaries.

Every table has method, exact, status, value, bound, gap, time and agrees
(✓ agrees with the best proven value, ✗ disagrees, or the ratio to it for a
heuristic), like ``fairmas compare``. Results of known shapes add columns from
``details``: the fairness metrics for allocations (welfare, min utility,
utility gap, Gini, envy-free, price of fairness), the payments for
mechanisms, coalitions and stability for partitions, equilibrium and social
optimum for game profiles. Results of any other objective (a plug-in) get the
common columns only.

A sweep table is summarized per objective: one row per generator, size and
method with the runs, their statuses, median value and time, and in how many
tasks the method agrees with the best proven value of that task (exact
methods that finished ``optimal``), as :func:`sweep_agreement` decides.

Examples
--------
>>> from fairmas.result import Result, Status
>>> from fairmas.report.inputs import LoadedResult
>>> from fairmas.report.groups import group_results
>>> r = Result("csg", "dp", Status.OPTIMAL, 3.0, 3.0, 0.0, 0.01, {"coalitions": [["a", "b"]]})
>>> section = comparison_section(group_results([LoadedResult(r, "x.json")], ()), ())
>>> section.id, "<td>dp</td>" in section.body
('comparison', True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from fairmas.registry import AGREEMENT_RTOL, OBJECTIVES
from fairmas.report.groups import Group, by_instance
from fairmas.report.html import Html, Section, badge, escape, heading, number, paragraph, table
from fairmas.report.inputs import SweepTable
from fairmas.result import Result

Column = tuple[str, Callable[[Result], object]]


def _detail(key: str) -> Callable[[Result], object]:
    return lambda r: r.details.get(key) if r.value is not None else None


def social_optimum_cell(details: dict[str, Any]) -> object:
    """The social optimum of a game Result's ``details``, marked when it was not proved.

    >>> social_optimum_cell({"social_optimum": 48.0, "social_optimum_status": "optimal"})
    48.0
    >>> social_optimum_cell({"social_optimum": 4610.0, "social_optimum_status": "max_time_limit",
    ...                      "social_optimum_bound": 4613.86})
    '4610 (not proved, ≤ 4613.86)'
    """
    value = details.get("social_optimum")
    if value is None or details.get("social_optimum_status", "optimal") == "optimal":
        return value
    bound = details.get("social_optimum_bound")
    return f"{value:g} (not proved{'' if bound is None else f', ≤ {bound:g}'})"


def _names(items: object) -> str | None:
    return ", ".join(map(str, items)) or None if isinstance(items, list) else None


def _count(items: object) -> int | None:
    return len(items) if isinstance(items, list) else None


ALLOCATION_COLUMNS: tuple[Column, ...] = (
    ("welfare", _detail("welfare")),
    ("min utility", _detail("min_utility")),
    ("utility gap", _detail("utility_gap")),
    ("Gini", _detail("gini")),
    ("envy-free", _detail("envy_free")),
    ("price of fairness", _detail("price_of_fairness")),
)
MECHANISM_COLUMNS: tuple[Column, ...] = (
    ("chosen", lambda r: _names(r.solution.get("projects"))),
    ("payments", _detail("payment_rule")),
    ("cost", _detail("cost")),
    ("net welfare", _detail("net_welfare")),
    ("budget surplus", _detail("budget_surplus")),
    ("individually rational", _detail("individually_rational")),
)
PARTITION_COLUMNS: tuple[Column, ...] = (
    ("coalitions", lambda r: _count(r.solution.get("coalitions"))),
    ("stable", _detail("stable")),
    ("individually rational", _detail("individually_rational")),
)
GAME_COLUMNS: tuple[Column, ...] = (
    ("is equilibrium", _detail("is_equilibrium")),
    ("social optimum", lambda r: social_optimum_cell(r.details) if r.value is not None else None),
    ("ratio to optimum", _detail("ratio_to_optimum")),
)


def shape_columns(results: Sequence[Result]) -> tuple[Column, ...]:
    """The extra columns for the shape of these Results' solutions (none for unknown shapes)."""
    keys = {key for r in results for key in r.solution}
    if "allocation" in keys or any("gini" in r.details for r in results):
        return ALLOCATION_COLUMNS
    if "projects" in keys:
        return MECHANISM_COLUMNS
    if "coalitions" in keys:
        return PARTITION_COLUMNS
    if "profile" in keys:
        return GAME_COLUMNS
    return ()


def agreement_cell(result: Result) -> Html:
    """✓, ✗, the ratio to the best proven value, or — (DESIGN: correctness by agreement)."""
    agrees = result.details.get("agrees")
    if agrees is True:
        return Html('<span class="agree" title="agrees with the best proven value">✓</span>')
    if agrees is False:
        return Html('<span class="disagree" title="disagrees with the best proven value">✗</span>')
    ratio = result.details.get("ratio_to_exact")
    if isinstance(ratio, int | float):
        return escape(f"{ratio:.4g}× best")
    return Html("—")


def _exact(objective: str, method: str) -> str:
    known = OBJECTIVES.get(objective)
    if known is None or method not in known.methods:
        return "—"
    return "yes" if known.methods[method].exact else "no"


def group_table(group: Group) -> Html:
    """The comparison table of one group, with its notes and agreement verdict."""
    results = group.results
    extra = tuple(
        (title, get)
        for title, get in shape_columns(results)
        if any(get(r) is not None for r in results)
    )
    headers = ["method", "exact", "status", "value", "bound", "gap", "time (s)", "agrees"]
    headers += [title for title, _ in extra]
    rows = []
    notes = []
    for r in results:
        ran = r.details.get("applicable") is not False
        if "error" in r.details:
            notes.append(f"{r.method}: {r.details['error']}")
        infeasible = r.details.get("infeasible_constraints")
        if infeasible:
            notes.append(f"{r.method}: infeasible constraints {infeasible}")
        rows.append(
            [
                r.method,
                _exact(r.objective, r.method),
                badge(str(r.status)) if ran else badge("n/a"),
                r.value,
                r.bound,
                escape(_gap(r.gap)) if r.gap is not None else None,
                escape(f"{r.wall_time:.4g}") if ran else None,
                agreement_cell(r),
                *[_metric(get(r)) for _, get in extra],
            ]
        )
    parts = [heading(group.label), table(headers, rows)]
    sources = ", ".join(group.sources)
    if sources != group.where:
        parts.append(paragraph(f"from {sources}", "note"))
    parts += [paragraph(note, "note") for note in notes]
    verdicts = [r.details.get("agrees") for r in results]
    best = next((r.details["best_exact"] for r in results if "best_exact" in r.details), None)
    if False in verdicts:
        parts.append(paragraph(f"methods disagree (best proven value {number(best)})", "bad"))
    elif best is not None:
        ran = sum(r.value is not None for r in results)
        parts.append(paragraph(f"all {ran} methods that ran agree on {number(best)}", "note"))
    return Html("".join(parts))


def _gap(gap: float) -> str:
    """A relative gap: 3 significant digits, rounding noise below 1e-12 shown as 0."""
    return "0" if abs(gap) < 1e-12 else number(gap, 3)


def _metric(value: object) -> object:
    if isinstance(value, float):
        return escape(number(value, 4))
    return value


# ----------------------------------------------------------------------------- sweeps


def sweep_agreement(rows: Any) -> Any:
    """Per row: whether its value agrees with the best proven value of its task (or None).

    A task is one (sweep, generator, size, seed, objective, params); its best
    proven value is the best value among its exact methods with status
    ``optimal``. Agreement is :func:`fairmas.registry.values_agree`, vectorized:
    |a − b| ≤ rtol · max(1, |a|, |b|). Rows of objectives fairmas does not
    know, rows without a value and tasks without a proven value get None.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"sweep": "s", "generator": "g", "size": 4.0, "seed": 0.0,
    ...     "objective": "csg", "params": [{}] * 3, "method": ["dp", "milp", "csg_uct"],
    ...     "status": ["optimal", "optimal", "feasible"], "value": [5.0, 5.0, 4.0]})
    >>> sweep_agreement(rows).tolist()
    [True, True, False]
    """
    import numpy as np
    import pandas as pd

    known = {
        (name, method): (objective.sense, spec.exact)
        for name, objective in OBJECTIVES.items()
        for method, spec in objective.methods.items()
    }
    facts = [known.get(pair) for pair in zip(rows["objective"], rows["method"], strict=True)]
    sign = np.array([(1.0 if f[0] == "max" else -1.0) if f else np.nan for f in facts])
    exact = np.array([bool(f and f[1]) for f in facts])
    value = rows["value"].to_numpy(dtype=np.float64)
    proven = exact & (rows["status"] == "optimal").to_numpy() & ~np.isnan(value)
    task = pd.Series(
        list(
            zip(
                rows["sweep"],
                rows["generator"],
                rows["size"],
                rows["seed"],
                rows["objective"],
                rows["params"].map(lambda p: json.dumps(p, sort_keys=True)),
                strict=True,
            )
        ),
        index=rows.index,
    )
    signed = pd.Series(np.where(proven, value * sign, np.nan), index=rows.index)
    best = signed.groupby(task, sort=False).transform("max").to_numpy() * sign
    judged = ~np.isnan(best) & ~np.isnan(value)
    scale = np.maximum(1.0, np.maximum(np.abs(value), np.abs(best)))
    agrees = np.abs(value - best) <= AGREEMENT_RTOL * scale
    return pd.Series(
        [bool(a) if j else None for a, j in zip(agrees, judged, strict=True)],
        index=rows.index,
        dtype=object,
    )


def sweep_tables(sweep: SweepTable) -> Html:
    """Summary tables of one sweep results file, one per objective."""
    rows = sweep.rows
    if rows.empty:
        return paragraph(f"{sweep.source}: the sweep table has no rows yet", "note")
    rows = rows.assign(agrees=sweep_agreement(rows))
    parts = []
    for objective, by_objective in rows.groupby("objective", sort=False):
        body = []
        keys = ["generator", "size", "method"]
        for (generator, size, method), runs in by_objective.groupby(keys, sort=True):
            statuses = runs["status"].value_counts()
            judged = runs["agrees"].dropna()
            body.append(
                [
                    generator,
                    escape(number(size)),
                    method,
                    len(runs),
                    ", ".join(f"{count} {status}" for status, count in statuses.items()),
                    _median(runs["value"]),
                    _median(runs["wall_time"], 4),
                    f"{int(judged.sum())} of {len(judged)}" if len(judged) else "—",
                ]
            )
        names = ", ".join(sorted(set(by_objective["sweep"]) - {""})) or "sweep"
        parts.append(heading(f"{objective} in {names} ({sweep.source})"))
        parts.append(
            table(
                [
                    "generator",
                    "size",
                    "method",
                    "runs",
                    "status",
                    "median value",
                    "median time (s)",
                    "agrees",
                ],
                body,
            )
        )
        errors = by_objective[by_objective["error"] != ""]
        for _, row in errors.head(5).iterrows():
            parts.append(
                paragraph(
                    f"{row['method']} on {row['generator']} size {number(row['size'])} seed "
                    f"{number(row['seed'])}: {row['error']}",
                    "note",
                )
            )
        if len(errors) > 5:
            parts.append(paragraph(f"... and {len(errors) - 5} more errors", "note"))
    return Html("".join(parts))


def _median(column: Any, digits: int = 6) -> object:
    values = column.dropna()
    if values.empty:
        return None
    return escape(number(float(values.median()), digits))


def across_objectives_table(where: str, results: Sequence[Result]) -> Html:
    """The fairness metrics of every allocation objective on one instance, side by side.

    One row per objective: its first Result that agrees with the best proven
    value (else its first Result with a value). Empty unless at least two
    objectives have allocation metrics.
    """
    chosen: dict[str, Result] = {}
    for r in results:
        if r.value is None or "gini" not in r.details:
            continue
        if r.objective not in chosen or (
            r.details.get("agrees") is True
            and chosen[r.objective].details.get("agrees") is not True
        ):
            chosen[r.objective] = r
    if len(chosen) < 2:
        return Html("")
    rows = [
        [objective, r.method, r.value, *[_metric(get(r)) for _, get in ALLOCATION_COLUMNS]]
        for objective, r in chosen.items()
    ]
    headers = ["objective", "method", "value", *[title for title, _ in ALLOCATION_COLUMNS]]
    return Html(heading(f"every objective on {where}") + table(headers, rows))


def comparison_section(groups: Sequence[Group], sweeps: Sequence[SweepTable]) -> Section:
    """The ``comparison`` section."""
    parts = [across_objectives_table(where, results) for where, _, results in by_instance(groups)]
    parts += [group_table(group) for group in groups]
    parts += [sweep_tables(sweep) for sweep in sweeps]
    return Section(
        "comparison",
        "Comparison",
        Html("".join(parts)),
        "No Results to compare.",
    )
