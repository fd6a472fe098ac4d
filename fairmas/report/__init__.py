"""``fairmas report``: one self-contained HTML page from Result files and sweep tables.

The page has these sections, each a ``<section>`` with a stable ``id``, always
present and in this order (a section with nothing to show says so in one
line):

``comparison``
    Per objective and instance, the methods' status, value, bound, gap, time
    and agreement, with the fairness metrics of allocations; sweep summaries.
``utilities``
    Sorted utilities and Lorenz curves of each solution's per-agent utilities.
``allocation``
    Heat maps agents × resources; values and payments of mechanism outcomes.
``coalitions``
    Coalition structures drawn on their trust network (or as groups).
``runtime``
    Runtime against size per objective and method, from sweep tables, log scale.
``games``
    Pairwise-game Results: profiles, equilibria, prices of anarchy and
    stability, alignment transfers, Q-learning curves.

followed by ``inputs``, the files read. Plots are SVG (PNG for very dense
drawings) embedded as ``data:`` URIs, the CSS is inline, there is no script,
and a Content-Security-Policy forbids loading anything else; every text from
an input is HTML-escaped.

Examples
--------
>>> import json, tempfile, os
>>> from fairmas.result import Result, Status
>>> r = Result("csg", "dp", Status.OPTIMAL, 3.0, 3.0, 0.0, 0.01, {"coalitions": [["a<", "b"]]})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "r.json")
...     _ = open(path, "w").write(r.to_json())
...     page = build_report([path], title="Demo & co")
>>> "<title>Demo &amp; co</title>" in page, 'id="coalitions"' in page, "a&lt;" in page
(True, True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fairmas.atomic import write_text_atomic
from fairmas.report.comparison import comparison_section
from fairmas.report.groups import Group, group_results
from fairmas.report.html import Html, Section, escape, page
from fairmas.report.inputs import ReportInputs, read_inputs
from fairmas.report.sections import (
    allocation_section,
    coalitions_section,
    games_section,
    runtime_section,
    utilities_section,
)

SECTION_IDS = ("comparison", "utilities", "allocation", "coalitions", "runtime", "games")
"""The ``id`` of every section, in page order."""
DEFAULT_TITLE = "fairmas report"


def report_sections(inputs: ReportInputs, groups: Sequence[Group] | None = None) -> list[Section]:
    """The sections of :data:`SECTION_IDS`, built from the inputs."""
    if groups is None:
        groups = group_results(inputs.results, inputs.instances)
    return [
        comparison_section(groups, inputs.sweeps),
        utilities_section(groups),
        allocation_section(groups),
        coalitions_section(groups),
        runtime_section(inputs.sweeps),
        games_section(groups),
    ]


def _inputs_list(inputs: ReportInputs, groups: Sequence[Group]) -> Html:
    files: dict[str, list[str]] = {}
    for item in inputs.results:
        files.setdefault(item.source, []).append(f"{item.result.objective} · {item.result.method}")
    lines = []
    for source, what in files.items():
        shown = ", ".join(dict.fromkeys(what))
        lines.append(f"{source}: {len(what)} Result(s): {shown}")
    for sweep in inputs.sweeps:
        lines.append(f"{sweep.source}: sweep table, {len(sweep.rows)} row(s)")
    for instance in inputs.instances:
        used = sum(len(g.items) for g in groups if g.instance is instance)
        lines.append(f"instance {instance.origin}: {instance.describe()}; matched {used} Result(s)")
    return Html("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")


def render_report(inputs: ReportInputs, title: str = DEFAULT_TITLE) -> str:
    """The HTML page for already read inputs."""
    from fairmas import __version__

    groups = group_results(inputs.results, inputs.instances)
    sweep_rows = sum(len(s.rows) for s in inputs.sweeps)
    subtitle = [
        f"{len(inputs.results)} Result(s), {sweep_rows} sweep row(s), "
        f"{len(inputs.instances)} instance file(s) · fairmas {__version__}"
    ]
    return page(title, subtitle, report_sections(inputs, groups), _inputs_list(inputs, groups))


def build_report(
    results: Sequence[str | Path],
    instances: Sequence[str | Path] = (),
    title: str = DEFAULT_TITLE,
) -> str:
    """Read results files (and instance files) and return the report page as HTML text.

    Parameters
    ----------
    results : sequence of path
        Result JSON files (one Result, or a list from ``compare``), sweep
        tables (``.csv``, ``.parquet``, or a Parquet dataset directory).
    instances : sequence of path
        Instance files; each Result is drawn on the one whose agents are the
        names in its solution (:func:`fairmas.report.inputs.match_instance`).
    title : str
        The page title.

    Raises
    ------
    InstanceError
        When a file is missing or is not a results file (or a valid instance).
    """
    return render_report(read_inputs(results, instances), title)


def write_report(
    out: str | Path,
    results: Sequence[str | Path],
    instances: Sequence[str | Path] = (),
    title: str = DEFAULT_TITLE,
) -> None:
    """:func:`build_report` written to ``out`` atomically (all of it, or nothing)."""
    write_text_atomic(out, build_report(results, instances, title))


__all__ = [
    "DEFAULT_TITLE",
    "SECTION_IDS",
    "build_report",
    "render_report",
    "report_sections",
    "write_report",
]
