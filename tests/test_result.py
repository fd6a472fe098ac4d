"""The Result type and its JSON form."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from fairmas.atomic import write_text_atomic
from fairmas.result import RESULT_KEYS, Result, Status


def make_result(**changes: object) -> Result:
    fields: dict[str, object] = {
        "objective": "min_cut_partition",
        "method": "noi",
        "status": Status.OPTIMAL,
        "value": 2.5,
        "bound": 2.5,
        "gap": 0.0,
        "wall_time": 0.01,
        "solution": {"coalitions": [["a"], ["b"]]},
        "details": {"rounds": np.int64(2), "cut": np.float64(0.5), "flags": np.array([True])},
    }
    fields.update(changes)
    return Result(**fields)  # type: ignore[arg-type]


def test_json_has_exactly_the_design_keys() -> None:
    data = json.loads(make_result().to_json())
    assert list(data) == list(RESULT_KEYS)
    assert set(data) == {
        "objective",
        "method",
        "status",
        "value",
        "bound",
        "gap",
        "wall_time",
        "solution",
        "details",
    }
    assert data["status"] == "optimal"
    assert data["details"] == {"rounds": 2, "cut": 0.5, "flags": [True]}


def test_non_finite_numbers_become_null() -> None:
    data = json.loads(make_result(bound=math.inf, gap=math.nan).to_json())
    assert data["bound"] is None
    assert data["gap"] is None


def test_round_trip() -> None:
    original = make_result(details={"x": 1})
    assert Result.from_json(original.to_json()) == original


def test_from_dict_refuses_other_documents() -> None:
    with pytest.raises(ValueError, match="missing keys"):
        Result.from_dict({"objective": "x"})


def test_status_names_follow_pyomo() -> None:
    assert {str(s) for s in Status} == {
        "optimal",
        "feasible",
        "infeasible",
        "unbounded",
        "infeasible_or_unbounded",
        "max_time_limit",
        "error",
    }
    assert Status.MAX_TIME_LIMIT.has_solution
    assert not Status.INFEASIBLE.has_solution


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_text_atomic(target, "first")
    with pytest.raises(TypeError):  # the write fails half-way: nothing may be left behind
        write_text_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
