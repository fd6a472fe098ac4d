"""The results file of a sweep: appended as each task finishes, never half-written.

Two formats, chosen by the name of ``out``:

``.csv`` (needs nothing beyond the standard library)
    A header line, then one line per finished task. A row is appended with a
    single ``write`` on a file opened in append mode, then ``fsync``-ed, so a
    crash or Ctrl-C loses no finished row; on opening, a last line left
    without its newline (a machine that lost power mid-write) is cut off
    before anything is appended. No field contains a newline.
``.parquet`` (needs ``pyarrow``: ``pip install 'fairmas[sweep]'``)
    Parquet files cannot be appended to, so ``results.parquet`` is a dataset
    *directory*: each finished task is written to a temporary file that is
    then renamed to ``part-<task_id>.parquet`` (a rename is atomic: a part is
    whole or absent). When a run ends with every task done, the parts are
    merged into one ``part-all-<n>.parquet`` (written the same way, then the
    small parts are deleted). ``pyarrow.parquet.read_table`` and
    ``pandas.read_parquet`` read the directory as one table;
    :func:`read_results` does too and drops the duplicates a crash in the
    middle of a merge can leave.

Either way, one process writes a results file at a time (an exclusive lock;
a second run of the same sweep is refused), and the ``task_id`` s already in
the file are the tasks a new run skips.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
>>> with open_store(path) as store:
...     store.append(dict.fromkeys(RESULT_COLUMNS, "") | {"task_id": "t1", "size": 4})
>>> with open_store(path) as store:
...     sorted(store.finished)
['t1']
>>> read_results(path)[0]["size"]
4
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
from pathlib import Path
from typing import Any

from fairmas.errors import ParameterError
from fairmas.sweeps.tasks import RESULT_COLUMNS

INTEGER_COLUMNS = ("size", "seed", "n_agents")
FLOAT_COLUMNS = ("value", "bound", "gap", "wall_time")
TEXT_COLUMNS = tuple(c for c in RESULT_COLUMNS if c not in INTEGER_COLUMNS + FLOAT_COLUMNS)

INSTALL_HINT = "pip install 'fairmas[sweep]'"


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _lock(descriptor: int, path: Path, option: str) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise ParameterError(
            option, f"{path} is being written by another fairmas sweep; wait for it to end"
        ) from None


def _csv_line(row: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    cells = ["" if row.get(c) is None else row[c] for c in RESULT_COLUMNS]
    cells = [" ".join(str(cell).split()) if isinstance(cell, str) else cell for cell in cells]
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _typed(row: dict[str, str | None]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for column in RESULT_COLUMNS:
        text = row.get(column)
        if column in INTEGER_COLUMNS:
            typed[column] = int(text) if text not in (None, "") else None
        elif column in FLOAT_COLUMNS:
            typed[column] = float(text) if text not in (None, "") else None
        else:
            typed[column] = "" if text is None else text
    return typed


class CsvStore:
    """A CSV results file opened for appending (see the module docstring)."""

    def __init__(self, path: Path, option: str = "out") -> None:
        self.path = path
        if path.is_dir():
            raise ParameterError(option, f"{path} is a directory, not a .csv results file")
        if not path.parent.is_dir():
            raise ParameterError(option, f"directory {str(path.parent)!r} does not exist")
        existed = path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        _lock(self._fd, path, option)
        try:
            self.finished = self._repair_and_read(option) if existed else set()
            if os.fstat(self._fd).st_size == 0:
                self._write(_csv_line(dict(zip(RESULT_COLUMNS, RESULT_COLUMNS, strict=True))))
                _fsync_directory(path.parent)
        except BaseException:
            os.close(self._fd)
            raise

    def _repair_and_read(self, option: str) -> set[str]:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            os.ftruncate(self._fd, data.rfind(b"\n") + 1)  # a half-written last line
            os.fsync(self._fd)
            data = data[: data.rfind(b"\n") + 1]
        if not data:
            return set()
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        header = next(reader)
        if tuple(header) != RESULT_COLUMNS:
            raise ParameterError(
                option,
                f"{self.path} is not a fairmas sweep results file (its columns are "
                f"{', '.join(header[:5])}{', ...' if len(header) > 5 else ''})",
            )
        return {line[0] for line in reader if line}

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)

    def append(self, row: dict[str, Any]) -> None:
        """Append one row (one ``write``, then ``fsync``)."""
        self._write(_csv_line(row))
        self.finished.add(str(row["task_id"]))

    def close(self, complete: bool = False) -> None:
        """Release the file (``complete`` is for the Parquet store's merge)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> CsvStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pyarrow(option: str) -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ParameterError(
            option, f"Parquet results need pyarrow: {INSTALL_HINT} (or use a .csv file)"
        ) from None
    return pa, pq


def parquet_schema() -> Any:
    """The Arrow schema of the results table (strings, int64 and float64 columns)."""
    pa, _ = _pyarrow("out")
    types = {c: pa.int64() for c in INTEGER_COLUMNS} | {c: pa.float64() for c in FLOAT_COLUMNS}
    return pa.schema([(c, types.get(c, pa.string())) for c in RESULT_COLUMNS])


class ParquetStore:
    """A Parquet dataset directory of part files (see the module docstring)."""

    def __init__(self, path: Path, option: str = "out") -> None:
        self.pa, self.pq = _pyarrow(option)
        self.path = path
        self.schema = parquet_schema()
        if path.exists() and not path.is_dir():
            raise ParameterError(option, f"{path} is a file; a .parquet results set is a directory")
        if not path.parent.is_dir():
            raise ParameterError(option, f"directory {str(path.parent)!r} does not exist")
        path.mkdir(exist_ok=True)
        self._fd = os.open(path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        _lock(self._fd, path, option)
        for stale in path.glob(".tmp-*"):
            stale.unlink()
        self.finished: set[str] = set()
        self.written = 0
        for part in self.parts():
            column = self.pq.read_table(part, columns=["task_id"]).column("task_id")
            self.finished.update(column.to_pylist())

    def parts(self) -> list[Path]:
        """The part files, in name order."""
        return sorted(self.path.glob("part-*.parquet"))

    def _write_atomic(self, table: Any, name: str) -> None:
        temporary = self.path / f".tmp-{name}"
        self.pq.write_table(table, temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, self.path / name)
        _fsync_directory(self.path)

    def append(self, row: dict[str, Any]) -> None:
        """Write the row as its own part file (temporary file, fsync, rename)."""
        table = self.pa.Table.from_pylist([{c: row.get(c) for c in RESULT_COLUMNS}], self.schema)
        self._write_atomic(table, f"part-{row['task_id']}.parquet")
        self.finished.add(str(row["task_id"]))
        self.written += 1

    def merge(self) -> None:
        """Merge every part into one file, then delete the parts (duplicates dropped)."""
        parts = self.parts()
        if len(parts) <= 1:
            return
        rows = _deduplicated(row for part in parts for row in self.pq.read_table(part).to_pylist())
        table = self.pa.Table.from_pylist(rows, self.schema)
        name = f"part-all-{len(rows)}.parquet"
        self._write_atomic(table, name)
        for part in parts:
            if part.name != name:
                part.unlink()
        _fsync_directory(self.path)

    def close(self, complete: bool = False) -> None:
        """Release the lock; with ``complete`` (every task done) merge the parts first."""
        if self._fd < 0:
            return
        try:
            if complete and self.written:
                self.merge()
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> ParquetStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Store = CsvStore | ParquetStore


def check_results_path(path: str | Path, option: str = "out") -> Path:
    """``path`` if it names a ``.csv`` or ``.parquet`` file in an existing directory.

    Raises
    ------
    ParameterError
        Naming ``option`` and what is wrong.
    """
    target = Path(path)
    if target.suffix.lower() not in (".csv", ".parquet"):
        raise ParameterError(option, f"results go to a .csv or .parquet file, not {target.name!r}")
    if not target.parent.is_dir():
        raise ParameterError(option, f"directory {str(target.parent)!r} does not exist")
    return target


def open_store(path: str | Path, option: str = "out") -> Store:
    """Open (or create) a results file for appending, by its extension.

    Raises
    ------
    ParameterError
        For another extension, a missing directory, a file that is not a
        results file, Parquet without pyarrow, or a file another sweep is
        writing.
    """
    target = check_results_path(path, option)
    if target.suffix.lower() == ".csv":
        return CsvStore(target, option)
    return ParquetStore(target, option)


def _deduplicated(rows: Any) -> list[dict[str, Any]]:
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row["task_id"] not in seen:
            seen.add(row["task_id"])
            kept.append(row)
    return kept


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """Every row of a results file (CSV or Parquet directory), typed, one per task.

    ``size``, ``seed`` and ``n_agents`` are ints, ``value``, ``bound``, ``gap``
    and ``wall_time`` floats (None when empty), the rest strings; ``params``
    and ``details`` hold JSON text. Load them into pandas with
    ``pandas.DataFrame(read_results(path))``.

    Raises
    ------
    ParameterError
        When the file is missing or is not a results file.
    """
    target = check_results_path(path, "results")
    if not target.exists():
        raise ParameterError("results", f"{target}: no such file")
    if target.suffix.lower() == ".parquet":
        _, pq = _pyarrow("results")
        parts = sorted(target.glob("part-*.parquet"))
        return _deduplicated(row for part in parts for row in pq.read_table(part).to_pylist())
    with open(target, encoding="utf-8", newline="") as stream:
        text = stream.read()
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is not None and tuple(reader.fieldnames) != RESULT_COLUMNS:
        raise ParameterError("results", f"{target} is not a fairmas sweep results file")
    return _deduplicated(_typed(row) for row in reader)
