"""Sweeps: grids of generated instances × objectives × methods, on a pool or a Dask cluster.

``fairmas sweep SWEEP.yaml`` reads a sweep file (:mod:`fairmas.sweeps.spec`),
runs every task not yet in its results file (:mod:`fairmas.sweeps.runner`)
and appends one row per task to a CSV file or a Parquet dataset
(:mod:`fairmas.sweeps.store`) with the columns of :data:`RESULT_COLUMNS`.

Examples
--------
>>> from fairmas.sweeps import RESULT_COLUMNS
>>> RESULT_COLUMNS[:4]
('task_id', 'sweep', 'generator', 'size')
"""

from __future__ import annotations

from fairmas.sweeps.generators import GENERATORS
from fairmas.sweeps.runner import SweepReport, make_executor, run_sweep
from fairmas.sweeps.spec import Sweep, load_sweep, sweep_from_document
from fairmas.sweeps.store import open_store, read_results
from fairmas.sweeps.tasks import RESULT_COLUMNS, Task, run_task

__all__ = [
    "GENERATORS",
    "RESULT_COLUMNS",
    "Sweep",
    "SweepReport",
    "Task",
    "load_sweep",
    "make_executor",
    "open_store",
    "read_results",
    "run_sweep",
    "run_task",
    "sweep_from_document",
]
