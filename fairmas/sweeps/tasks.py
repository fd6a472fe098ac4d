"""One task of a sweep: generate an instance, solve it, return one flat row.

A task is (generator, size, seed, objective, method) plus parameters. It is
shipped to a worker as this small description (never the instance): the
worker regenerates the instance from (generator, size, seed), runs
:func:`fairmas.solve` and returns the row of :data:`RESULT_COLUMNS`.
Nothing a task does raises: bad input, a method that does not apply and even
a bug become a row with status ``error`` and the reason in ``error``.

Examples
--------
>>> task = Task("demo", "traffic", "traffic", (), 6, 0, "max_min", "milp", ())
>>> task.task_id
'da6e59ab62c370d7'
>>> row = run_task(task)
>>> row["status"], row["n_agents"], row["error"], round(row["value"], 4)
('optimal', 6, '', 0.9898)
>>> list(row) == list(RESULT_COLUMNS)
True
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fairmas.errors import FairmasError, MethodNotApplicableError

RESULT_COLUMNS = (
    "task_id",
    "sweep",
    "generator",
    "size",
    "seed",
    "objective",
    "method",
    "params",
    "status",
    "value",
    "bound",
    "gap",
    "wall_time",
    "n_agents",
    "finished_at",
    "error",
    "details",
)
"""The columns of a sweep's results file, in order (fixed: reports rely on them)."""

DETAILS_LIMIT = 20_000
"""Longest ``details`` JSON text kept whole; longer ones keep their short entries only."""


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: the same text for the same data.

    >>> canonical_json({"b": 1, "a": [1.5, "x"]})
    '{"a":[1.5,"x"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class Task:
    """The definition of one task (plain data, cheap to pickle).

    Attributes
    ----------
    sweep : str
        The sweep's name (a label: not part of :attr:`task_id`).
    generator : str
        The generator's registry name (shorthands resolved: ``csg``).
    label : str
        The ``generator`` column: the name as the sweep file gives it, or the
        entry's ``label``.
    generator_params : tuple of (str, value)
        The generator parameters the sweep file sets, sorted by name.
    size, seed : int
    objective, method : str
    params : tuple of (str, value)
        The objective parameters the sweep file sets, sorted by name.
    time_limit : float or None
        Seconds per task.
    threads : int or None
        Solver threads per task.
    """

    sweep: str
    generator: str
    label: str
    generator_params: tuple[tuple[str, Any], ...]
    size: int
    seed: int
    objective: str
    method: str
    params: tuple[tuple[str, Any], ...]
    time_limit: float | None = None
    threads: int | None = None

    @property
    def definition(self) -> dict[str, Any]:
        """What the task computes: everything that can change its result."""
        return {
            "generator": self.generator,
            "generator_params": dict(self.generator_params),
            "size": self.size,
            "seed": self.seed,
            "objective": self.objective,
            "method": self.method,
            "params": dict(self.params),
            "time_limit": self.time_limit,
        }

    @property
    def task_id(self) -> str:
        """A stable hash of :attr:`definition` (16 hex digits of its SHA-256).

        The sweep's name, the generator's label and the threads are left out:
        renaming a sweep does not make its finished tasks run again.
        """
        return hashlib.sha256(canonical_json(self.definition).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=2)
def _instance(generator: str, generator_params: str, size: int, seed: int) -> Any:
    """The instance of a task, kept for the next task of the same instance in this worker."""
    from fairmas.sweeps.generators import GENERATORS

    return GENERATORS[generator](size, seed, **json.loads(generator_params))


def _details_text(details: dict[str, Any]) -> str:
    from fairmas.result import to_jsonable

    plain = to_jsonable(details)
    text = json.dumps(plain, separators=(",", ":"), allow_nan=False)
    if len(text) <= DETAILS_LIMIT:
        return text
    kept = {k: v for k, v in plain.items() if len(json.dumps(v)) <= 500}
    kept["trimmed"] = sorted(set(plain) - set(kept))
    return json.dumps(kept, separators=(",", ":"), allow_nan=False)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def _blank_row(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "sweep": task.sweep,
        "generator": task.label,
        "size": task.size,
        "seed": task.seed,
        "objective": task.objective,
        "method": task.method,
        "params": canonical_json(dict(task.params)),
        "status": "error",
        "value": None,
        "bound": None,
        "gap": None,
        "wall_time": 0.0,
        "n_agents": None,
        "finished_at": "",
        "error": "",
        "details": "{}",
    }


def error_row(task: Task, message: str) -> dict[str, Any]:
    """The row of a task that ended without a Result: status ``error`` and ``message``.

    >>> error_row(Task("s", "csg", "csg", (), 3, 0, "csg", "dp", ()), "it broke")["error"]
    'it broke'
    """
    row = _blank_row(task)
    row["error"] = _one_line(message)
    row["details"] = _details_text({"error": row["error"]})
    row["finished_at"] = _now()
    return row


def run_task(task: Task) -> dict[str, Any]:
    """Generate the task's instance, solve it, and return its row (never raises ``Exception``).

    Returns
    -------
    dict
        The keys of :data:`RESULT_COLUMNS`, in order: ``value``, ``bound``,
        ``gap`` and ``n_agents`` may be None; ``params`` and ``details`` are
        JSON text; ``finished_at`` is an ISO 8601 UTC time.
    """
    from fairmas.api import solve

    row = _blank_row(task)
    try:
        instance = _instance(
            task.generator, canonical_json(dict(task.generator_params)), task.size, task.seed
        )
        row["n_agents"] = int(instance.n_agents)
        result = solve(
            instance,
            task.objective,
            task.method,
            time_limit=task.time_limit,
            threads=task.threads,
            **dict(task.params),
        )
    except MethodNotApplicableError as exc:
        row["error"] = str(exc)
        row["details"] = _details_text({"error": exc.rule, "applicable": False})
    except FairmasError as exc:
        row["error"] = _one_line(str(exc))
        row["details"] = _details_text({"error": _one_line(str(exc))})
    except Exception as exc:  # a bug: record it, keep the sweep going
        row["error"] = _one_line(f"internal error: {type(exc).__name__}: {exc}")
        row["details"] = _details_text({"error": row["error"]})
    else:
        row.update(
            status=str(result.status),
            value=result.value,
            bound=result.bound,
            gap=result.gap,
            wall_time=result.wall_time,
            error=_one_line(result.details.get("error", "")),
            details=_details_text(result.details),
        )
    row["finished_at"] = _now()
    return row
