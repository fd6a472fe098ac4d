"""The figures of ``fairmas report``, drawn with matplotlib (no display needed).

Each function returns a :class:`matplotlib.figure.Figure`; :func:`data_uri`
turns one into an inline ``data:`` URI (SVG, or PNG for dense drawings) so the
page needs no other file. Figures are built inside :func:`drawing_style`, which
turns off matplotlib's mathtext: names from input files are drawn as written
(an agent called ``$x$`` stays ``$x$``).

Examples
--------
>>> import numpy as np
>>> with drawing_style():
...     fig = utility_figure([("max_min: milp", np.array([3.0, 1.0, 2.0]))])
...     uri = data_uri(fig)
>>> len(fig.axes), uri.startswith("data:image/svg+xml;base64,")
(2, True)
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

MAX_BAR_AGENTS = 40
"""Sorted utilities are bars up to this many agents, a line beyond."""
MAX_LABELED_NODES = 60
"""Node names are written on network drawings up to this many agents."""
MAX_ANNOTATED_CELLS = 400
"""Heat map cells carry their amount up to this many cells."""


@contextmanager
def drawing_style() -> Iterator[None]:
    """matplotlib settings of every report figure: plain text, SVG text kept as text."""
    import matplotlib

    with matplotlib.rc_context(
        {
            "text.parse_math": False,
            "svg.fonttype": "none",
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "fairmas",
        }
    ):
        yield


def data_uri(figure: Figure, image_format: str = "svg") -> str:
    """The figure as a ``data:`` URI: ``svg`` (vector, default) or ``png`` (110 dpi)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=110, bbox_inches="tight")
    mime = "image/svg+xml" if image_format == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def _colors(count: int) -> list[tuple[float, float, float, float]]:
    import matplotlib

    palette = matplotlib.colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(i % palette.N) for i in range(count)]


# ----------------------------------------------------------------------------- utilities


def lorenz_curve(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of the Lorenz curve of non-negative values.

    L(k/n) = Σ_{i ≤ k} u_(i) / Σ_i u_i over the values sorted ascending, from
    (0, 0) to (1, 1); twice the area between it and the diagonal is the Gini
    coefficient.

    References
    ----------
    M. O. Lorenz, "Methods of measuring the concentration of wealth",
    Publications of the American Statistical Association 9(70), 1905.

    Examples
    --------
    >>> x, y = lorenz_curve(np.array([1.0, 3.0]))
    >>> x.tolist(), y.tolist()
    ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0])
    """
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    total = ordered.sum()
    shares = np.cumsum(ordered) / total if total > 0 else np.linspace(0, 1, len(ordered) + 1)[1:]
    x = np.linspace(0.0, 1.0, len(ordered) + 1)
    return x, np.concatenate([[0.0], shares])


def utility_figure(series: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """Sorted utilities (bars, or lines for many agents) and Lorenz curves, one per solution.

    Parameters
    ----------
    series : sequence of (label, utilities)
        One entry per distinct solution; the label names the methods behind it.

    Notes
    -----
    The Lorenz panel is left out when a utility is negative (the curve is then
    not defined). The legend sits below both panels.

    Examples
    --------
    >>> with drawing_style():
    ...     fig = utility_figure([("a", np.array([1.0, -2.0]))])
    >>> len(fig.axes)
    1
    """
    from matplotlib.ticker import MaxNLocator

    lorenz = all(np.all(u >= 0) for _, u in series)
    figure = Figure(figsize=(9.5 if lorenz else 5.5, 3.3))
    axes = figure.subplots(1, 2 if lorenz else 1, squeeze=False)[0]
    colors = _colors(len(series))
    n_max = max(len(u) for _, u in series)
    bars = n_max <= MAX_BAR_AGENTS and len(series) <= 4
    width = 0.8 / len(series)
    for k, ((label, utilities), color) in enumerate(zip(series, colors, strict=True)):
        ordered = np.sort(utilities)
        ranks = np.arange(1, len(ordered) + 1)
        if bars:
            offset = (k - (len(series) - 1) / 2) * width
            axes[0].bar(ranks + offset, ordered, width, color=color, label=label)
        else:
            marker = "o" if len(ordered) <= 60 else None
            axes[0].plot(ranks, ordered, color=color, label=label, marker=marker, markersize=3)
        if lorenz:
            x, y = lorenz_curve(utilities)
            marker = "o" if len(utilities) <= 30 else None
            axes[1].plot(x, y, color=color, marker=marker, markersize=3)
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_xlabel("agents, sorted by utility")
    axes[0].set_ylabel("utility")
    axes[0].set_title("sorted utilities")
    axes[0].axhline(0, color="black", linewidth=0.6)
    if lorenz:
        axes[1].plot([0, 1], [0, 1], color="gray", linestyle="--", linewidth=0.8)
        axes[1].set_xlabel("share of agents (poorest first)")
        axes[1].set_ylabel("share of total utility")
        axes[1].set_title("Lorenz curves (dashed: equality)")
        axes[1].set_xlim(0, 1)
        axes[1].set_ylim(0, 1)
    figure.tight_layout()
    figure.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=1 if max(len(label) for label, _ in series) > 40 else 2,
        fontsize=8,
        frameon=False,
    )
    return figure


# ----------------------------------------------------------------------------- allocations


def allocation_heatmap(
    agents: Sequence[str],
    resources: Sequence[str],
    amounts: np.ndarray,
    supply: np.ndarray | None,
    title: str,
) -> Figure:
    """Heat map agents × resources of an allocation.

    The color is the share of each resource an agent got: x_ij / R_j with the
    instance's supply R_j, or x_ij / Σ_i x_ij (the share of what was handed
    out) without the instance. Cells carry the amounts when there are few.

    Examples
    --------
    >>> with drawing_style():
    ...     fig = allocation_heatmap(["a", "b"], ["cpu"], np.array([[1.0], [3.0]]), None, "x")
    >>> fig.axes[0].get_ylabel()
    'agent'
    """
    amounts = np.asarray(amounts, dtype=np.float64)
    if supply is not None:
        denominator = np.broadcast_to(np.asarray(supply, dtype=np.float64), amounts.shape)
        scale_label = "share of supply"
    else:
        denominator = np.broadcast_to(amounts.sum(axis=0), amounts.shape)
        scale_label = "share of what was allocated"
    share = np.divide(amounts, denominator, out=np.zeros_like(amounts), where=denominator > 0)
    n, m = amounts.shape
    figure = Figure(figsize=(min(2.2 + 0.75 * m, 11), min(1.4 + 0.32 * n, 12)))
    axes = figure.add_subplot()
    image = axes.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    if n * m <= MAX_ANNOTATED_CELLS:
        visible = 1e-6 * float(np.max(np.abs(amounts), initial=0.0))
        for i in range(n):
            for j in range(m):
                if abs(amounts[i, j]) > visible:
                    axes.text(
                        j,
                        i,
                        f"{amounts[i, j]:.4g}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if share[i, j] > 0.55 else "black",
                    )
    if n <= 80:
        axes.set_yticks(range(n), [str(a) for a in agents])
    if m <= 40:
        axes.set_xticks(range(m), [str(r) for r in resources], rotation=30, ha="right")
    axes.set_xlabel("resource")
    axes.set_ylabel("agent")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label=scale_label, fraction=0.05)
    figure.tight_layout()
    return figure


def payments_figure(
    agents: Sequence[str], values: np.ndarray, payments: np.ndarray, title: str
) -> Figure:
    """Each agent's value v_i(S) of the chosen projects beside its payment p_i.

    Examples
    --------
    >>> with drawing_style():
    ...     fig = payments_figure(["a", "b"], np.array([6.0, 7.0]), np.array([5.0, 5.0]), "t")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['value v_i(S)', 'payment p_i']
    """
    n = len(agents)
    figure = Figure(figsize=(min(3 + 0.45 * n, 11), 3.2))
    axes = figure.add_subplot()
    positions = np.arange(n)
    axes.bar(positions - 0.2, values, 0.4, label="value v_i(S)", color="#4c78a8")
    axes.bar(positions + 0.2, payments, 0.4, label="payment p_i", color="#f58518")
    if n <= 60:
        axes.set_xticks(positions, [str(a) for a in agents], rotation=30, ha="right")
    axes.set_ylabel("amount")
    axes.set_title(title)
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


# ----------------------------------------------------------------------------- coalitions


@dataclass(frozen=True)
class NetworkEdges:
    """Undirected weighted pairs to draw: endpoints by name and a weight each."""

    u: tuple[str, ...]
    v: tuple[str, ...]
    weight: np.ndarray
    label: str
    """What the weight is, for the caption (``trust ρ_ij + ρ_ji``, ``pair weight w_ij``)."""


def _cluster_layout(groups: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    """Coalitions on a circle, each coalition's members on a small circle around its center."""
    position: dict[str, np.ndarray] = {}
    sizes = np.array([len(g) for g in groups], dtype=np.float64)
    radii = 0.12 * np.sqrt(sizes) + 0.05
    count = len(groups)
    big = 0.0
    if count > 1:  # adjacent circles on the big circle must not touch
        gaps = radii + np.roll(radii, -1) + 0.12
        big = float(np.max(gaps)) / (2 * math.sin(math.pi / count))
    for c, group in enumerate(groups):
        angle = 2 * math.pi * c / count
        center = np.array([big * math.cos(angle), big * math.sin(angle)])
        for k, name in enumerate(group):
            if len(group) == 1:
                position[name] = center
            else:
                theta = 2 * math.pi * k / len(group)
                position[name] = center + radii[c] * np.array([math.cos(theta), math.sin(theta)])
    return position


def coalition_figure(
    coalitions: Sequence[Sequence[str]], edges: NetworkEdges | None, title: str
) -> Figure:
    """The coalition structure: nodes colored by coalition, on the network when there is one.

    With ``edges`` (the trust network, or the pairs of a graph game) the
    layout is NetworkX's spring layout (seeded) with the pairs inside a
    coalition pulled three times harder, so coalitions show as groups; edge
    width grows with |weight|, edges inside a coalition are dark, edges
    between coalitions light and dashed, negative weights red. Without it, a
    grouping chart: each coalition a circle of its members.

    Examples
    --------
    >>> with drawing_style():
    ...     fig = coalition_figure([["a", "b"], ["c"]], None, "two coalitions")
    >>> fig.axes[0].get_title()
    'two coalitions'
    """
    import networkx as nx

    colors = _colors(len(coalitions))
    member = {name: c for c, group in enumerate(coalitions) for name in group}
    names = [name for group in coalitions for name in group]
    n = len(names)
    figure = Figure(figsize=(6.0, 4.6))
    axes = figure.add_subplot()
    axes.set_axis_off()
    if edges is None:
        position = _cluster_layout(coalitions)
        for c, group in enumerate(coalitions):
            points = np.array([position[name] for name in group])
            center = points.mean(axis=0)
            radius = np.max(np.linalg.norm(points - center, axis=1)) + 0.09
            axes.add_patch(_circle(center, radius, colors[c]))
    else:
        graph = nx.Graph()
        graph.add_nodes_from(names)
        for a, b, w in zip(edges.u, edges.v, edges.weight.tolist(), strict=True):
            pull = abs(w) * (3.0 if member.get(a) == member.get(b) else 1.0)
            graph.add_edge(a, b, weight=w, pull=pull)
        position = nx.spring_layout(graph, weight="pull", seed=0, k=1.6 / math.sqrt(max(n, 1)))
        position = _fill_box(position)
        _draw_edges(axes, graph, position, member, edges)
        axes.set_xlim(-1.2, 1.2)
        axes.set_ylim(-1.15, 1.2)
    node_size = 260 if n <= MAX_LABELED_NODES else max(8.0, 6000 / n)
    xy = np.array([position[name] for name in names])
    axes.scatter(
        xy[:, 0],
        xy[:, 1],
        s=node_size,
        c=[colors[member[name]] for name in names],
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
    )
    if n <= MAX_LABELED_NODES:
        for name in names:
            axes.annotate(
                str(name),
                position[name],
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                zorder=4,
            )
    handles = [
        axes.scatter([], [], s=60, color=colors[c], label=f"coalition {c + 1} ({len(group)})")
        for c, group in enumerate(coalitions[:20])
    ]
    axes.legend(
        handles=handles, fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False
    )
    axes.set_title(title, pad=12)
    if edges is None:
        axes.set_aspect("equal", adjustable="box")  # the coalitions' circles stay round
    figure.tight_layout()
    return figure


def _fill_box(position: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stretch a layout to [-1, 1] on each axis (a flat spring layout stays readable)."""
    if not position:
        return position
    xy = np.array(list(position.values()), dtype=np.float64)
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.where(high - low > 1e-12, high - low, 1.0)
    scaled = 2 * (xy - low) / span - 1
    scaled[:, high - low <= 1e-12] = 0.0
    return dict(zip(position, scaled, strict=True))


def _circle(center: np.ndarray, radius: float, color: tuple[float, ...]) -> object:
    from matplotlib.patches import Circle

    return Circle(
        tuple(center), radius, facecolor=(*color[:3], 0.12), edgecolor=color[:3], linewidth=1.0
    )


def _draw_edges(
    axes: object, graph: object, position: dict, member: dict, edges: NetworkEdges
) -> None:
    from matplotlib.collections import LineCollection

    scale = float(np.max(np.abs(edges.weight))) if len(edges.weight) else 1.0
    scale = scale or 1.0
    groups: dict[tuple[bool, bool], list] = {}
    widths: dict[tuple[bool, bool], list] = {}
    for a, b, data in graph.edges(data=True):
        key = (member.get(a) == member.get(b), data["weight"] < 0)
        groups.setdefault(key, []).append((position[a], position[b]))
        widths.setdefault(key, []).append(0.4 + 3.0 * abs(data["weight"]) / scale)
    for (inside, negative), segments in groups.items():
        color = "#d62728" if negative else ("#444444" if inside else "#b0b0b0")
        axes.add_collection(
            LineCollection(
                segments,
                linewidths=widths[(inside, negative)],
                colors=color,
                linestyles="solid" if inside else "dashed",
                alpha=0.8 if inside else 0.6,
                zorder=1,
            )
        )


# ----------------------------------------------------------------------------- runtime


@dataclass(frozen=True)
class RuntimeSeries:
    """Runtime of one method (on one generator) against instance size.

    ``median``, ``low`` and ``high`` are the median, minimum and maximum wall
    time over the seeds of each size; ``limited`` marks sizes where a run hit
    the time limit.
    """

    label: str
    size: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    limited: np.ndarray


def _plain_log_labels(axis: Any) -> None:
    """Decade labels as plain numbers (0.001, 10): the default ones are mathtext."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def runtime_figure(series: Sequence[RuntimeSeries], title: str = "") -> Figure:
    """Wall time against size, log scale, one line per method: median, band from min to max.

    Sizes are on a log axis too when they span more than a factor of 20.

    Examples
    --------
    >>> s = RuntimeSeries("dp", np.array([4.0, 8.0]), np.array([0.01, 0.2]),
    ...                   np.array([0.01, 0.1]), np.array([0.02, 0.3]), np.array([False, True]))
    >>> with drawing_style():
    ...     fig = runtime_figure([s], "csg")
    >>> fig.axes[0].get_yscale()
    'log'
    """
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 4.0))
    axes = figure.add_subplot()
    colors = _colors(len(series))
    smallest = min((float(s.size.min()) for s in series), default=1.0)
    largest = max((float(s.size.max()) for s in series), default=1.0)
    for s, color in zip(series, colors, strict=True):
        axes.plot(s.size, s.median, marker="o", markersize=3.5, color=color, label=s.label)
        if len(s.size) > 1:
            axes.fill_between(s.size, s.low, s.high, color=color, alpha=0.15, linewidth=0)
        if s.limited.any():
            axes.scatter(
                s.size[s.limited], s.median[s.limited], marker="x", s=40, color=color, zorder=4
            )
    axes.set_yscale("log")
    _plain_log_labels(axes.yaxis)
    if smallest > 0 and largest / smallest > 20:
        axes.set_xscale("log")
        _plain_log_labels(axes.xaxis)
    elif all(np.all(s.size == np.round(s.size)) for s in series):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if any(s.limited.any() for s in series):
        axes.scatter([], [], marker="x", color="black", label="time limit reached")
    axes.set_xlabel("size")
    axes.set_ylabel("wall time (s)")
    if title:
        axes.set_title(title)
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure
