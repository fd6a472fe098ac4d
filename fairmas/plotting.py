"""PNG plots of results (matplotlib, Agg backend: no display needed).

Examples
--------
>>> import tempfile, os
>>> from fairmas.result import Result, Status
>>> curve = {"episode": [10, 20], "welfare": [2.0, 5.5]}
>>> result = Result("q_learning", "independent", Status.FEASIBLE, 6.0, None, None, 0.1,
...                 {"profile": {}}, {"learning_curve": curve, "social_optimum": 6.0})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "curve.png")
...     plot_learning_curve(result, path)
...     open(path, "rb").read(4)
b'\\x89PNG'
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from fairmas.atomic import atomic_path
from fairmas.result import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_learning_curve(result: Result, path: str | os.PathLike[str]) -> None:
    """Draw ``details["learning_curve"]`` (welfare per episode) to a PNG, atomically.

    The social optimum, when known, is drawn as a dashed line. The file is
    written to a temporary name in the same directory and then renamed, so
    ``path`` is either the complete image or untouched.
    """
    import matplotlib

    matplotlib.use("Agg")
    figure = learning_curve_figure(result)
    with atomic_path(path, suffix=".png") as temporary:
        figure.savefig(temporary, format="png")


def learning_curve_figure(result: Result) -> Figure:
    """The learning curve of a ``q_learning`` Result as a matplotlib Figure.

    Mean welfare per episode (``details["learning_curve"]``), with the social
    optimum as a dashed line when known; drawn by :func:`plot_learning_curve`
    and by ``fairmas report``.

    Examples
    --------
    >>> from fairmas.result import Result, Status
    >>> curve = {"episode": [10, 20], "welfare": [2.0, 5.5]}
    >>> result = Result("q_learning", "independent", Status.FEASIBLE, 6.0, None, None, 0.1,
    ...                 {"profile": {}}, {"learning_curve": curve})
    >>> learning_curve_figure(result).axes[0].get_xlabel()
    'episode'
    """
    from matplotlib.figure import Figure

    curve = result.details["learning_curve"]
    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.add_subplot()
    label = f"mean welfare per episode ({result.details.get('reward', '')} rewards)"
    axes.plot(curve["episode"], curve["welfare"], label=label.replace(" ()", ""))
    optimum = result.details.get("social_optimum")
    if optimum is not None:
        axes.axhline(optimum, linestyle="--", color="black", label="social optimum")
    axes.set_xlabel("episode")
    axes.set_ylabel("social welfare W(a)")
    axes.set_title(f"{result.objective} · {result.method}")
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure
