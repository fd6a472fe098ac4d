"""Running a sweep: a local process pool, or a Dask distributed cluster.

:func:`run_sweep` opens the results file, skips the tasks whose ``task_id``
it already holds, hands the rest to an executor and appends each row the
moment its task finishes (:mod:`fairmas.sweeps.store`). Executors:

:class:`LocalExecutor`
    ``concurrent.futures.ProcessPoolExecutor`` with ``workers`` processes
    (default: the CPU count), spawned (not forked: the parent runs threads);
    at most 4 tasks per worker are in flight, so a grid of a million tasks
    costs no memory up front. Workers ignore SIGINT: Ctrl-C reaches the
    parent, which stops the workers and keeps every row already written; a
    worker whose parent was killed exits by itself. ``workers=1`` runs the
    tasks in this process.
:class:`DaskExecutor`
    ``distributed.Client(address)`` on a running scheduler
    (``tcp://HOST:PORT``); tasks are submitted as they can run and gathered
    as completed. Dask is an optional extra: ``pip install 'fairmas[sweep]'``.
    The workers must have fairmas installed (the same version).

A task that fails *inside* fairmas is a row with status ``error``; a task
whose worker died (killed, out of memory) has no row: it is counted as lost
and runs again the next time the sweep runs.

Examples
--------
>>> import tempfile, pathlib
>>> from fairmas.sweeps.spec import sweep_from_document
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> sweep = sweep_from_document(
...     {"generators": [{"name": "smart_city"}], "sizes": [6], "seeds": [0, 1],
...      "objectives": [{"name": "welfare", "methods": ["milp"]}]}, str(folder / "city.yaml"))
>>> report = run_sweep(sweep, workers=1)
>>> report.ran, report.already_done, report.lost, report.out.name
(2, 0, 0, 'city.csv')
>>> run_sweep(sweep, workers=1).already_done      # the second run skips both
2
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairmas.errors import ParameterError
from fairmas.sweeps.spec import Sweep
from fairmas.sweeps.store import INSTALL_HINT, open_store
from fairmas.sweeps.tasks import Task, error_row, run_task

IN_FLIGHT_PER_WORKER = 4
"""Tasks handed to the executor ahead of the finished ones, per worker."""

DEFAULT_SCHEDULER_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up."""


@dataclass(frozen=True)
class Lost:
    """A task that ended without a row (its worker died); it runs again next time."""

    task: Task
    reason: str


@dataclass(frozen=True)
class SweepReport:
    """What a run of a sweep did.

    Attributes
    ----------
    total : int
        Tasks in the sweep.
    already_done : int
        Tasks found in the results file and skipped.
    ran : int
        Rows written by this run.
    lost : int
        Tasks whose worker died (no row; they run again next time).
    out : Path
        The results file.
    lost_reasons : tuple of str
        A few of the reasons.
    """

    total: int
    already_done: int
    ran: int
    lost: int
    out: Path
    lost_reasons: tuple[str, ...] = ()


def _exit_with_parent(parent: int) -> None:
    """Leave when ``parent``, the process that started this worker, is no longer its
    parent (it was killed and the worker was handed to another process)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(70)


def _worker_init(threads: int, parent: int) -> None:
    """Set up a pool worker: ignore SIGINT (the parent handles it), share the cores, and
    exit when orphaned (a SIGKILL-ed sweep must not leave workers behind).

    ``parent`` is the pid of the process that created the pool, taken there: a worker
    spawned just before its parent was killed may only get here once it has been handed
    to another process, so ``os.getppid()`` read here could already name that one.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    with contextlib.suppress(Exception):
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _windowed(
    tasks: Iterable[Task],
    window: int,
    submit: Callable[[Task], Any],
    wait: Callable[[set[Any]], tuple[set[Any], set[Any]]],
) -> Iterator[tuple[Task, Any]]:
    """Submit tasks keeping at most ``window`` in flight; yield (task, future) as they finish."""
    pending: dict[Any, Task] = {}
    queue = iter(tasks)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < window:
            task = next(queue, None)
            if task is None:
                exhausted = True
            else:
                pending[submit(task)] = task
        if not pending:
            break
        done, _ = wait(set(pending))
        for future in done:
            yield pending.pop(future), future


CRASH_MESSAGE = (
    "the worker process died while running this task alone (a crash in native code, "
    "e.g. a segmentation fault in a solver, or the memory ran out)"
)
"""The ``error`` of a task that kills its worker even when it runs alone."""


class LocalExecutor:
    """Tasks on a local process pool (or in this process when ``workers == 1``).

    A worker that dies (a segmentation fault in native code, the out-of-memory
    killer) breaks a ``ProcessPoolExecutor`` and fails every task in flight.
    The executor then starts a new pool and runs those tasks again one at a
    time: a task that kills its worker even alone gets a row with status
    ``error`` (:data:`CRASH_MESSAGE`), the others their normal rows, and the
    sweep goes on.

    Parameters
    ----------
    workers : int, optional
        Processes; default ``os.cpu_count()``.
    function : callable
        What runs a task (default :func:`~fairmas.sweeps.tasks.run_task`); a
        module-level function, since the workers import it by name.
    """

    def __init__(
        self,
        workers: int | None = None,
        function: Callable[[Task], dict[str, Any]] = run_task,
    ) -> None:
        if workers is not None and workers < 1:
            raise ParameterError("--workers", f"must be ≥ 1 (got {workers})")
        self.workers = workers or os.cpu_count() or 1
        self.function = function
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    @property
    def description(self) -> str:
        """One line for the command line."""
        return "this process" if self.workers == 1 else f"{self.workers} local worker processes"

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        self._pool = concurrent.futures.ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(threads, os.getpid()),
        )
        return self._pool

    def run(self, tasks: Iterable[Task]) -> Iterator[dict[str, Any] | Lost]:
        """Rows (or :class:`Lost`) in the order the tasks finish."""
        if self.workers == 1:
            for task in tasks:
                yield self.function(task)
            return
        pool = self._new_pool()
        queue = iter(tasks)
        suspects: collections.deque[Task] = collections.deque()  # in flight when a worker died
        pending: dict[concurrent.futures.Future[dict[str, Any]], tuple[Task, bool]] = {}
        window = self.workers * IN_FLIGHT_PER_WORKER
        exhausted = False
        while pending or suspects or not exhausted:
            broken = False
            while not broken and len(pending) < (1 if suspects else window):
                alone = bool(suspects)
                task = suspects.popleft() if alone else next(queue, None)
                if task is None:
                    exhausted = True
                    break
                try:
                    pending[pool.submit(self.function, task)] = (task, alone)
                except concurrent.futures.process.BrokenProcessPool:
                    suspects.appendleft(task)  # it never ran
                    broken = True
            if pending and not broken:
                done, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
            else:
                done = set()
            for future in done:
                task, alone = pending.pop(future)
                try:
                    yield future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    broken = True
                    if alone:
                        yield error_row(task, CRASH_MESSAGE)
                    else:
                        suspects.append(task)
                except Exception as exc:
                    yield Lost(task, f"{type(exc).__name__}: {exc}")
            if broken:
                for future in list(pending):  # the rest of the broken pool's tasks
                    task, _ = pending.pop(future)
                    try:
                        row = future.result(timeout=30)
                    except Exception:
                        suspects.append(task)
                    else:
                        yield row
                pool = self._new_pool()

    def close(self, interrupted: bool = False) -> None:
        """Shut the pool down; when interrupted, stop the workers at once."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if interrupted:
            # ProcessPoolExecutor has no public way to stop running tasks before
            # Python 3.14 (terminate_workers); its process table is the way.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            for process in processes:
                with contextlib.suppress(Exception):
                    process.terminate()
            for process in processes:
                with contextlib.suppress(Exception):
                    process.join(5)
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        self.close(interrupted=exc is not None)


_ADDRESS = re.compile(r"^(tcp|tls)://[^\s:/]+:\d{1,5}$")


class DaskExecutor:
    """Tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : str
        The scheduler, ``tcp://HOST:PORT``.
    timeout : float
        Seconds to wait for the scheduler.

    Raises
    ------
    ParameterError
        When Dask is not installed, the address is malformed, or no scheduler
        answers within ``timeout``.
    """

    def __init__(self, address: str, timeout: float = DEFAULT_SCHEDULER_TIMEOUT) -> None:
        if not _ADDRESS.match(address):
            raise ParameterError(
                "--scheduler", f"expected tcp://HOST:PORT (or tls://...), got {address!r}"
            )
        try:
            import distributed
        except ImportError:
            raise ParameterError("--scheduler", f"needs Dask: {INSTALL_HINT}") from None
        self._distributed = distributed
        self.address = address
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            self.client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ParameterError(
                "--scheduler",
                f"no Dask scheduler answered at {address} within {timeout:g} s "
                f"({type(exc).__name__})",
            ) from None
        finally:
            quiet.setLevel(level)
        self._futures: list[Any] = []

    @property
    def description(self) -> str:
        """One line for the command line."""
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"the Dask cluster at {self.address} ({workers} workers)"

    def run(self, tasks: Iterable[Task]) -> Iterator[dict[str, Any] | Lost]:
        """Rows (or :class:`Lost`) in the order the tasks finish."""
        token = uuid.uuid4().hex[:8]
        threads = sum(self.client.nthreads().values()) or 1
        completed = self._distributed.as_completed(loop=self.client.loop)

        def submit(task: Task) -> Any:
            future = self.client.submit(run_task, task, key=f"fairmas-{task.task_id}-{token}")
            self._futures.append(future)
            completed.add(future)
            return future

        def wait(futures: set[Any]) -> tuple[set[Any], set[Any]]:
            done = {next(completed)}
            return done, futures - done

        window = threads * IN_FLIGHT_PER_WORKER
        for task, future in _windowed(tasks, window, submit, wait):
            try:
                yield future.result()
            except self._distributed.KilledWorker as exc:  # it killed several workers
                yield error_row(task, f"{CRASH_MESSAGE}; Dask: {exc}")
            except Exception as exc:  # a lost connection, ...
                yield Lost(task, f"{type(exc).__name__}: {exc}")
            finally:
                future.release()

    def close(self, interrupted: bool = False) -> None:
        """Cancel what is left and disconnect."""
        with contextlib.suppress(Exception):
            if self._futures:
                self.client.cancel(self._futures)
        self._futures = []
        with contextlib.suppress(Exception):
            self.client.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, kind: object, exc: object, traceback: object) -> None:
        self.close(interrupted=exc is not None)


Executor = LocalExecutor | DaskExecutor


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout: float = DEFAULT_SCHEDULER_TIMEOUT,
) -> Executor:
    """A :class:`DaskExecutor` when ``scheduler`` is given, else a :class:`LocalExecutor`."""
    if scheduler is not None:
        if workers is not None:
            raise ParameterError("--workers", "cannot be combined with --scheduler")
        return DaskExecutor(scheduler, scheduler_timeout)
    return LocalExecutor(workers)


def run_sweep(
    sweep: Sweep,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout: float = DEFAULT_SCHEDULER_TIMEOUT,
    executor: Executor | None = None,
    on_start: Callable[[int, int, str], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> SweepReport:
    """Run the tasks of ``sweep`` not yet in its results file, appending a row per task.

    Parameters
    ----------
    sweep : Sweep
        From :func:`fairmas.sweeps.load_sweep`.
    out : path, optional
        Results file instead of the sweep's own (``.csv`` or ``.parquet``).
    workers, scheduler, scheduler_timeout
        See :func:`make_executor` (ignored when ``executor`` is given).
    on_start : callable, optional
        ``on_start(to_run, already_done, executor_description)`` before the first task.
    on_row : callable, optional
        ``on_row(row)`` after each row is written.

    Returns
    -------
    SweepReport

    Raises
    ------
    ParameterError
        For a results file that cannot be used, or an executor that cannot start.
    KeyboardInterrupt
        Passed on after the workers are stopped; every row written so far is kept.
    """
    executor = executor or make_executor(workers, scheduler, scheduler_timeout)
    with executor:
        store = open_store(out if out is not None else sweep.out, "--out" if out else "out")
        complete = False
        try:
            todo = [task for task in sweep.tasks if task.task_id not in store.finished]
            already_done = len(sweep.tasks) - len(todo)
            if on_start is not None:
                on_start(len(todo), already_done, executor.description)
            ran, lost = 0, []
            for outcome in executor.run(todo):
                if isinstance(outcome, Lost):
                    lost.append(outcome)
                    continue
                store.append(outcome)
                ran += 1
                if on_row is not None:
                    on_row(outcome)
            complete = not lost
        finally:
            store.close(complete=complete)
    return SweepReport(
        total=len(sweep.tasks),
        already_done=already_done,
        ran=ran,
        lost=len(lost),
        out=store.path,
        lost_reasons=tuple(sorted({item.reason for item in lost}))[:3],
    )
