"""The one :class:`Result` every solve returns, and its JSON form.

A Result in JSON has exactly the keys ``objective``, ``method``, ``status``,
``value``, ``bound``, ``gap``, ``wall_time``, ``solution`` and ``details``
(DESIGN section 5). Status names follow Pyomo's ``TerminationCondition``.

Examples
--------
>>> r = Result("min_cut_partition", "noi", Status.OPTIMAL, 3.5, 3.5, 0.0, 0.01,
...            {"coalitions": [["a", "b"], ["c"]]})
>>> sorted(r.to_dict())
['bound', 'details', 'gap', 'method', 'objective', 'solution', 'status', 'value', 'wall_time']
>>> Result.from_json(r.to_json()) == r
True
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


class Status(StrEnum):
    """How a solve ended, named after Pyomo's ``TerminationCondition``."""

    OPTIMAL = "optimal"
    """Solved to proven optimality (within the stated gap tolerance)."""
    FEASIBLE = "feasible"
    """A valid solution with no optimality proof (heuristics)."""
    INFEASIBLE = "infeasible"
    """No solution satisfies the constraints."""
    UNBOUNDED = "unbounded"
    """The objective can be improved without limit."""
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    """The solver proved one of the two but could not tell which."""
    MAX_TIME_LIMIT = "max_time_limit"
    """Stopped by the time limit; the incumbent (if any) and its gap are reported."""
    ERROR = "error"
    """The method failed or did not apply; ``details['error']`` says why."""

    @property
    def has_solution(self) -> bool:
        """Whether a Result with this status may carry a solution."""
        return self in (Status.OPTIMAL, Status.FEASIBLE, Status.MAX_TIME_LIMIT)


RESULT_KEYS = (
    "objective",
    "method",
    "status",
    "value",
    "bound",
    "gap",
    "wall_time",
    "solution",
    "details",
)


@dataclass(frozen=True)
class Result:
    """The outcome of one method on one objective and instance.

    Attributes
    ----------
    objective, method : str
        Registry names of what was solved and how.
    status : Status
        How the solve ended.
    value : float or None
        Objective value of the returned solution, recomputed from the solution
        itself in floating point (None when there is no solution).
    bound : float or None
        Best proven bound on the optimum (equal to ``value`` when optimal).
    gap : float or None
        Relative gap ``|bound - value| / max(1, |value|)`` when both are known.
    wall_time : float
        Seconds spent by the method (instance preparation excluded).
    solution : dict
        The solution in named form, e.g. ``{"coalitions": [[...], ...]}``.
    details : dict
        Everything else: parameters used, method statistics, checks, errors.
    """

    objective: str
    method: str
    status: Status
    value: float | None
    bound: float | None
    gap: float | None
    wall_time: float
    solution: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON dictionary with exactly the keys of :data:`RESULT_KEYS`."""
        data = asdict(self)
        data["status"] = str(self.status)
        return {key: to_jsonable(data[key]) for key in RESULT_KEYS}

    def to_json(self, indent: int | None = 2) -> str:
        """The Result as JSON text (NaN and infinity written as ``null``)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Inverse of :meth:`to_dict`."""
        missing = [key for key in RESULT_KEYS if key not in data]
        if missing:
            raise ValueError(f"not a fairmas Result: missing keys {', '.join(missing)}")
        kwargs = {key: data[key] for key in RESULT_KEYS}
        kwargs["status"] = Status(kwargs["status"])
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Result:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


def relative_gap(value: float | None, bound: float | None) -> float | None:
    """``|bound - value| / max(1, |value|)``, or None when either is unknown.

    >>> relative_gap(90.0, 100.0)
    0.1111111111111111
    >>> relative_gap(None, 3.0) is None
    True
    """
    if value is None or bound is None or not math.isfinite(value) or not math.isfinite(bound):
        return None
    return abs(bound - value) / max(1.0, abs(value))


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and non-finite floats to plain JSON values.

    >>> to_jsonable({"a": np.int64(3), "b": (np.float64(1.5), float("nan"))})
    {'a': 3, 'b': [1.5, None]}
    """
    if isinstance(obj, dict):
        return {str(key): to_jsonable(val) for key, val in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(item) for item in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, StrEnum):
        return str(obj)
    return obj
