"""Compiled restarts on a background thread beside an exact search, stopped through a flag.

The annealers (:mod:`fairmas.solvers.game_annealing`,
:mod:`fairmas.solvers.equilibrium_annealing`) run their compiled kernels on a
second core while an exact method works on the first. The kernels release
the GIL and poll a stop flag, ``stop[0]``, once per sweep; this base class
owns the flag, the thread and its life cycle.

The thread blocks the interval-timer signals: toulbar2's time-out signal sets
a flag of the thread that receives it, so it must reach the searching
thread, not this busy one (:mod:`fairmas.solvers.toulbar2_watchdog`).
"""

from __future__ import annotations

import threading
import time
from typing import Self

import numpy as np

from fairmas.solvers.toulbar2_watchdog import block_timer_signals


def uses_second_core(threads: int | None) -> bool:
    """Whether a method given ``threads`` (None: the default) may run annealing beside its search.

    >>> uses_second_core(None), uses_second_core(2), uses_second_core(1)
    (True, True, False)
    """
    return threads is None or threads >= 2


class BackgroundRuns:
    """A daemon thread running :meth:`_run_until_stopped` until :meth:`stop`.

    Parameters
    ----------
    name : str
        The thread's name.

    Examples
    --------
    >>> class Counting(BackgroundRuns):
    ...     def _run_until_stopped(self) -> None:
    ...         self.count = 1
    >>> with Counting("fairmas-example") as runs:
    ...     runs.first_run.wait()
    True
    >>> runs.count
    1
    """

    def __init__(self, name: str) -> None:
        self._stop = np.zeros(1, np.int64)
        """Non-zero once the runs must stop; the compiled kernels poll it."""
        self._lock = threading.Lock()
        """Guards what the runs hand over to other threads."""
        self.first_run = threading.Event()
        """Set once the first run has ended (or at once when there is nothing to run)."""
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> object:
        """Stop the kernel within one sweep and wait for the thread."""
        self._stop[0] = 1
        if self._thread.is_alive():
            self._thread.join()
        return None

    def run_for(self, seconds: float) -> object:
        """Run for ``seconds`` of wall time, and at least until the first run ends; then stop.

        Returns what :meth:`stop` returns.
        """
        with self:
            time.sleep(max(0.0, float(seconds)))
            self.first_run.wait()
        return self.stop()

    def _run(self) -> None:
        block_timer_signals()
        try:
            self._run_until_stopped()
        finally:
            self.first_run.set()

    def _run_until_stopped(self) -> None:
        raise NotImplementedError
