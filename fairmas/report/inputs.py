"""Reading what ``fairmas report`` draws: Result files, sweep tables, instance files.

A *results file* is one of

- a Result as JSON (``fairmas solve --out`` / ``--json``): an object with
  exactly the keys of :data:`fairmas.result.RESULT_KEYS`;
- a list of such objects (``fairmas compare --json`` / ``--out``, also with
  ``--objective all``);
- a sweep's results table: a ``.csv`` file, or Parquet (a ``.parquet`` file or
  a dataset directory of them; needs pyarrow, the ``sweep`` extra), with one row
  per task and at least the columns of :data:`REQUIRED_SWEEP_COLUMNS`
  (:data:`SWEEP_COLUMNS` lists every column a sweep writes).

Anything else is refused with :class:`~fairmas.errors.InstanceError` naming the
file, the field (``[2].status``, ``rows[7].wall_time``, ``columns``) and the
rule, as for instance files.

A Result does not record the instance it was solved on. :func:`match_instance`
infers it from the instance files given to the report: the one whose agents
(players) are exactly the names in the solution, and whose kind the objective
reads.

Examples
--------
>>> import json, tempfile, os
>>> from fairmas.result import Result, Status
>>> r = Result("csg", "dp", Status.OPTIMAL, 3.0, 3.0, 0.0, 0.01, {"coalitions": [["a", "b"]]})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "r.json")
...     _ = open(path, "w").write(json.dumps([r.to_dict(), r.to_dict()]))
...     loaded = read_results_file(path)
>>> [(x.result.method, x.position) for x in loaded]
[('dp', 0), ('dp', 1)]
>>> sorted(result_names(r))
['a', 'b']
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from fairmas.errors import InstanceError
from fairmas.models import Instance, load_instance
from fairmas.models.validation import Document, FiniteFloat, Name, validate_document
from fairmas.registry import OBJECTIVES
from fairmas.result import RESULT_KEYS, Result, Status
from fairmas.sweeps.tasks import RESULT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

SWEEP_COLUMNS = RESULT_COLUMNS
"""The columns a sweep's results table has (``fairmas sweep``), one row per task."""

REQUIRED_SWEEP_COLUMNS = (
    "generator",
    "size",
    "seed",
    "objective",
    "method",
    "status",
    "value",
    "wall_time",
)
"""The columns the report reads and cannot do without; the others are optional."""

NUMERIC_SWEEP_COLUMNS = ("size", "seed", "value", "bound", "gap", "wall_time", "n_agents")
JSON_SWEEP_COLUMNS = ("params", "details")
TEXT_SWEEP_COLUMNS = (
    "task_id",
    "sweep",
    "generator",
    "objective",
    "method",
    "status",
    "finished_at",
    "error",
)
STATUSES = tuple(str(s) for s in Status)

PARQUET_HINT = (
    "reading Parquet needs pyarrow: pip install 'fairmas[sweep]' (or pip install pyarrow)"
)


class ResultDocument(Document):
    """The JSON form of a :class:`~fairmas.result.Result` (DESIGN section 5)."""

    objective: Name
    method: Name
    status: Literal[STATUSES]  # type: ignore[valid-type]
    value: FiniteFloat | None
    bound: FiniteFloat | None
    gap: FiniteFloat | None
    wall_time: FiniteFloat = Field(ge=0)
    solution: dict[str, Any]
    details: dict[str, Any]


@dataclass(frozen=True)
class LoadedResult:
    """A Result and where it came from.

    Attributes
    ----------
    result : Result
    source : str
        The results file.
    position : int or None
        Its index in a list of Results; None for a file holding one Result.
    """

    result: Result
    source: str
    position: int | None = None


@dataclass(frozen=True)
class SweepTable:
    """A sweep's results table, checked and normalized.

    ``rows`` has every column of :data:`SWEEP_COLUMNS` (optional ones filled
    in): numbers as float64 (NaN where empty), text as str, ``params`` and
    ``details`` as dicts.
    """

    source: str
    rows: pd.DataFrame


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report draws from."""

    results: tuple[LoadedResult, ...]
    sweeps: tuple[SweepTable, ...]
    instances: tuple[Instance, ...]


# ----------------------------------------------------------------------------- entry points


def read_inputs(
    result_paths: Sequence[str | Path], instance_paths: Sequence[str | Path] = ()
) -> ReportInputs:
    """Read every results file and instance file.

    Raises
    ------
    InstanceError
        For the first file that cannot be read, naming the file, the field and the rule.
    """
    results: list[LoadedResult] = []
    sweeps: list[SweepTable] = []
    for path in result_paths:
        read = read_results_file(path)
        if isinstance(read, SweepTable):
            sweeps.append(read)
        else:
            results.extend(read)
    instances = tuple(load_instance(path) for path in instance_paths)
    return ReportInputs(tuple(results), tuple(sweeps), instances)


def read_results_file(path: str | Path) -> list[LoadedResult] | SweepTable:
    """Read one results file: Result JSON, list of Results, or sweep table (CSV or Parquet).

    Raises
    ------
    InstanceError
        When the file is missing or is none of these.
    """
    source = str(path)
    file = Path(path)
    if not file.exists():
        raise InstanceError(source, "", "no such file")
    if file.is_dir():
        return _read_parquet(file, source)
    suffix = file.suffix.lower()
    if suffix == ".json":
        return _read_result_json(file, source)
    if suffix == ".csv":
        return _read_csv(file, source)
    if suffix == ".parquet":
        return _read_parquet(file, source)
    hint = " (instance files go with --instance)" if suffix in (".yaml", ".yml", ".toml") else ""
    raise InstanceError(
        source,
        "",
        f"unknown results file type {suffix or '(none)'!r}{hint}; expected a Result or a list "
        "of Results as .json (fairmas solve --out, compare --json), or a sweep table "
        "(.csv, .parquet, or a Parquet dataset directory)",
    )


# ----------------------------------------------------------------------------- Result JSON


def _read_text(file: Path, source: str) -> str:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InstanceError(source, "", "is not UTF-8 text") from None
    except OSError as exc:
        raise InstanceError(source, "", f"cannot be read: {exc.strerror}") from None
    if not text.strip():
        raise InstanceError(
            source, "(document)", "empty file; expected a Result or a list of Results"
        )
    return text


def _read_result_json(file: Path, source: str) -> list[LoadedResult]:
    text = _read_text(file, source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            source, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    if isinstance(data, dict):
        return [LoadedResult(_result_from(data, source, ""), source, None)]
    if isinstance(data, list):
        if not data:
            raise InstanceError(source, "(document)", "an empty list: it holds no Results")
        return [
            LoadedResult(_result_from(item, source, f"[{position}]"), source, position)
            for position, item in enumerate(data)
        ]
    raise InstanceError(
        source,
        "(document)",
        f"must be a Result (a JSON object) or a list of Results (found {type(data).__name__})",
    )


def _result_from(data: Any, source: str, path: str) -> Result:
    where = path or "(document)"
    if not isinstance(data, dict):
        raise InstanceError(
            source, where, f"must be a Result (a JSON object), found {type(data).__name__}"
        )
    missing = [key for key in RESULT_KEYS if key not in data]
    if missing:
        looks = ""
        if "kind" in data:
            looks = f"; it looks like a {data['kind']} instance file: give it with --instance"
        raise InstanceError(
            source,
            where,
            f"not a fairmas Result: missing key(s) {', '.join(missing)} (a Result has "
            f"{', '.join(RESULT_KEYS)}){looks}",
        )
    try:
        document = validate_document(ResultDocument, data, source)
    except InstanceError as exc:
        raise InstanceError(source, f"{path}.{exc.path}" if path else exc.path, exc.rule) from None
    return Result(
        objective=document.objective,
        method=document.method,
        status=Status(document.status),
        value=document.value,
        bound=document.bound,
        gap=document.gap,
        wall_time=document.wall_time,
        solution=document.solution,
        details=document.details,
    )


# ----------------------------------------------------------------------------- sweep tables


def _read_csv(file: Path, source: str) -> SweepTable:
    import pandas as pd

    text = _read_text(file, source)  # missing, empty, not UTF-8
    lines = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    header, rows = lines[0], lines[1:]
    for position, row in enumerate(rows):
        if len(row) != len(header):
            raise InstanceError(
                source,
                f"rows[{position}]",
                f"invalid CSV: {len(row)} fields where the header has {len(header)}",
            )
    return SweepTable(source, normalize_sweep(pd.DataFrame(rows, columns=header), source))


def _read_parquet(file: Path, source: str) -> SweepTable:
    if file.is_dir() and not any(file.rglob("*.parquet")):
        raise InstanceError(
            source,
            "",
            "is a directory without .parquet files; a results file is a Result JSON, "
            "a sweep table (.csv) or a Parquet dataset",
        )
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise InstanceError(source, "", PARQUET_HINT) from None
    try:
        frame = parquet.read_table(file).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a broken file
        detail = " ".join(str(exc).split())
        raise InstanceError(source, "(document)", f"invalid Parquet: {detail}") from None
    return SweepTable(source, normalize_sweep(frame, source))


def normalize_sweep(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a sweep table's columns and values; return it with uniform types.

    Raises
    ------
    InstanceError
        ``columns`` when a required column is missing; ``rows[i].column`` for
        the first value that is not a number, not a known status, or not JSON.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"objective": ["csg"], "method": ["dp"], "status": ["optimal"],
    ...     "generator": ["ndcs"], "size": ["8"], "seed": ["0"], "value": ["3.5"],
    ...     "wall_time": ["0.01"]})
    >>> rows = normalize_sweep(frame, "s.csv")
    >>> rows.loc[0, "size"], rows.loc[0, "details"], rows.loc[0, "sweep"]
    (np.float64(8.0), {}, '')
    >>> normalize_sweep(frame.drop(columns=["wall_time", "seed"]), "s.csv")
    Traceback (most recent call last):
    ...
    fairmas.errors.InstanceError: s.csv: columns: missing required column(s) seed, wall_time; ...
    """
    import pandas as pd

    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise InstanceError(source, "columns", f"holds the column {repeated[0]!r} twice")
    missing = [column for column in REQUIRED_SWEEP_COLUMNS if column not in frame.columns]
    if missing:
        raise InstanceError(
            source,
            "columns",
            f"missing required column(s) {', '.join(missing)}; a sweep table has the columns "
            f"{', '.join(SWEEP_COLUMNS)} (required: {', '.join(REQUIRED_SWEEP_COLUMNS)})",
        )
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for column in TEXT_SWEEP_COLUMNS:
        if column in frame.columns:
            out[column] = frame[column].map(_text)
        else:
            out[column] = ""
    for column in NUMERIC_SWEEP_COLUMNS:
        out[column] = (
            _numbers(frame[column], column, source) if column in frame.columns else math.nan
        )
    for column in JSON_SWEEP_COLUMNS:
        if column in frame.columns:
            out[column] = [
                _json_cell(cell, source, f"rows[{i}].{column}")
                for i, cell in enumerate(frame[column])
            ]
        else:
            out[column] = [{} for _ in range(len(frame))]
    for column in ("objective", "method", "status"):
        empty = out.index[out[column] == ""]
        if len(empty):
            raise InstanceError(source, f"rows[{empty[0]}].{column}", "must not be empty")
    unknown = out.index[~out["status"].isin(STATUSES)]
    if len(unknown):
        row = unknown[0]
        raise InstanceError(
            source,
            f"rows[{row}].status",
            f"unknown status {out.loc[row, 'status']!r}; one of: {', '.join(STATUSES)}",
        )
    no_size = out.index[out["size"].isna()]
    if len(no_size):
        raise InstanceError(source, f"rows[{no_size[0]}].size", "must be a number (got nothing)")
    return out


def _text(cell: Any) -> str:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return str(cell)


def _numbers(column: pd.Series, name: str, source: str) -> pd.Series:
    import numpy as np
    import pandas as pd

    empty = column.map(lambda cell: _text(cell).strip() == "")
    parsed = pd.to_numeric(column.where(~empty, None), errors="coerce").astype(np.float64)
    bad = parsed.isna() & ~empty
    bad |= np.isinf(parsed)
    if bad.any():
        row = int(bad.idxmax())
        raise InstanceError(
            source, f"rows[{row}].{name}", f"must be a finite number (got {column[row]!r})"
        )
    return parsed


def _json_cell(cell: Any, source: str, path: str) -> dict[str, Any]:
    text = _text(cell).strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(source, path, f"invalid JSON text: {exc.msg}") from None
    if not isinstance(value, dict):
        raise InstanceError(source, path, f"must be a JSON object (found {type(value).__name__})")
    return value


# ----------------------------------------------------------------------------- instances


def instance_names(instance: Instance) -> frozenset[str]:
    """The agents (or players) of an instance."""
    names = getattr(instance, "agents", None)
    if names is None:
        names = getattr(instance, "players", ())
    return frozenset(names)


def result_names(result: Result) -> frozenset[str] | None:
    """The agents (players) a Result's solution names, or None when it names none.

    Read from ``solution``: ``coalitions``, ``utilities``, ``allocation``,
    ``payments`` or ``profile``; else from a per-agent ``details.utilities``.
    """
    solution = result.solution
    coalitions = solution.get("coalitions")
    if isinstance(coalitions, list) and all(isinstance(c, list) for c in coalitions):
        return frozenset(str(name) for coalition in coalitions for name in coalition)
    for key in ("utilities", "allocation", "payments", "profile"):
        if isinstance(solution.get(key), dict):
            return frozenset(solution[key])
    utilities = result.details.get("utilities")
    if isinstance(utilities, dict):
        return frozenset(utilities)
    return None


def match_instance(result: Result, instances: Sequence[Instance]) -> Instance | None:
    """The first instance the Result was plausibly solved on, or None.

    An instance matches when its agents (players) are exactly the names in the
    solution, its kind is one the objective reads (any kind for an objective
    fairmas does not know), and for an allocation every resource named in the
    solution is one of its resources.

    Examples
    --------
    >>> from fairmas.models import TrustNetwork
    >>> net = TrustNetwork.from_edges(["a", "b", "c"], [("a", "b", 0.5)])
    >>> r = Result("min_cut_partition", "noi", Status.OPTIMAL, 0.5, 0.5, 0.0, 0.0,
    ...            {"coalitions": [["a", "b"], ["c"]]})
    >>> match_instance(r, [net]) is net
    True
    >>> match_instance(Result("csg", "dp", Status.OPTIMAL, 0.0, 0.0, 0.0, 0.0,
    ...                       {"coalitions": [["a", "b"]]}), [net]) is None  # c is missing
    True
    """
    names = result_names(result)
    if not names:
        return None
    objective = OBJECTIVES.get(result.objective)
    for instance in instances:
        if objective is not None and instance.kind not in objective.kinds:
            continue
        if instance_names(instance) != names:
            continue
        allocation = result.solution.get("allocation")
        resources = getattr(instance, "resources", None)
        if isinstance(allocation, dict) and resources is not None:
            named = {
                r for bundle in allocation.values() if isinstance(bundle, dict) for r in bundle
            }
            if not named <= set(resources):
                continue
        return instance
    return None
