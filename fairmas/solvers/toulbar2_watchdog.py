"""A wall-clock time limit for toulbar2 that holds whatever other threads do.

toulbar2 (pytoulbar2) times a search with a process-wide CPU timer
(``setitimer(ITIMER_VIRTUAL)``) whose signal, SIGVTALRM, sets a
*thread-local* flag of the thread that receives it. The kernel delivers the
signal to whichever thread is running when the process' CPU time runs out:
when another thread of the process is busy (a user's worker thread, a
compiled kernel), that thread may take the signal, and the search runs on
past its limit, possibly for hours.

:class:`TimeLimitWatchdog` closes that hole. A compiled loop on its own
thread, holding no GIL (pytoulbar2 keeps the GIL during a search), wakes
every :data:`PERIOD_US` microseconds; once the limit plus :data:`GRACE`
seconds of wall time have passed, it sends SIGVTALRM to the searching thread
itself (``pthread_kill``), again at every wake-up until the search returns.
It sends nothing while SIGVTALRM still has its default disposition (which
would end the process): toulbar2 installs its handler when a timed search
begins and leaves it in place.

References
----------
IEEE Std 1003.1 (POSIX), ``pthread_kill``, ``sigaction``, ``setitimer``.
"""

from __future__ import annotations

import signal
import threading
import time

import numpy as np
from numba import njit, types

GRACE = 0.5
"""Seconds past the time limit before the watchdog interrupts the search itself."""

PERIOD_US = 50_000
"""Microseconds between two wake-ups of the watchdog."""

SUPPORTED = hasattr(signal, "pthread_kill") and hasattr(signal, "SIGVTALRM")
"""POSIX systems only; elsewhere the watchdog does nothing."""

TIMER_SIGNALS = {
    getattr(signal, name) for name in ("SIGALRM", "SIGVTALRM", "SIGPROF") if hasattr(signal, name)
}
"""Interval-timer signals: toulbar2's time-out is SIGVTALRM."""

_usleep = types.ExternalFunction("usleep", types.int32(types.uint32))
_clock_gettime = types.ExternalFunction("clock_gettime", types.int32(types.int32, types.voidptr))
_sigaction = types.ExternalFunction(
    "sigaction", types.int32(types.int32, types.voidptr, types.voidptr)
)
_pthread_kill = types.ExternalFunction("pthread_kill", types.int32(types.uint64, types.int32))

_CLOCK_MONOTONIC = 1  # Linux and the BSDs (macOS: 6), as time.monotonic uses
_CLOCK_ID = getattr(time, "CLOCK_MONOTONIC", _CLOCK_MONOTONIC)


@njit(cache=True, nogil=True)
def _watch(target, signum, deadline, period, clock_id, stop, sent):  # pragma: no cover
    """Until ``stop[0]`` is set: after ``deadline`` (monotonic seconds), signal ``target``.

    The signal is sent only while its handler is neither SIG_DFL (0) nor
    SIG_IGN (1); ``sent[0]`` counts the signals sent. ``stop[1]`` becomes 1
    once the loop runs, without the GIL.
    """
    clock = np.zeros(2, np.int64)  # struct timespec
    action = np.zeros(32, np.uint64)  # struct sigaction; the handler comes first
    stop[1] = 1
    while stop[0] == 0:
        _clock_gettime(clock_id, clock.ctypes.data)
        if clock[0] + clock[1] * 1e-9 >= deadline:
            _sigaction(signum, 0, action.ctypes.data)
            if action[0] > 1:
                _pthread_kill(target, signum)
                sent[0] += 1
        _usleep(period)
    return sent[0]


class TimeLimitWatchdog:
    """Interrupt the thread that enters the ``with`` block once ``seconds`` (+ GRACE) have passed.

    Parameters
    ----------
    seconds : float or None
        The search's time limit, in seconds of wall time from entering the
        block; None: no limit, the watchdog does nothing.
    signum : int
        The signal to send (default SIGVTALRM, toulbar2's).

    Examples
    --------
    A thread with a handler for the signal is interrupted once the time is up:

    >>> received = []
    >>> previous = signal.signal(signal.SIGVTALRM, lambda *_: received.append(1))
    >>> with TimeLimitWatchdog(0.0) as watchdog:
    ...     started = time.monotonic()
    ...     while not received and time.monotonic() - started < 5:
    ...         pass
    >>> _ = signal.signal(signal.SIGVTALRM, previous)
    >>> watchdog.fired, len(received) >= 1
    (True, True)
    """

    def __init__(self, seconds: float | None, signum: int | None = None) -> None:
        self.seconds = None if seconds is None else float(seconds)
        self.signum = int(signal.SIGVTALRM if signum is None else signum) if SUPPORTED else 0
        self._stop = np.zeros(2, np.int64)  # [stop asked, loop running]
        self._sent = np.zeros(1, np.int64)
        self._thread: threading.Thread | None = None

    @property
    def fired(self) -> bool:
        """Whether the watchdog sent its signal (the search was cut short by it)."""
        return bool(self._sent[0] > 0)

    def __enter__(self) -> TimeLimitWatchdog:
        if not SUPPORTED or self.seconds is None:
            return self
        target = threading.get_ident()
        deadline = time.monotonic() + self.seconds + GRACE
        self._thread = threading.Thread(
            target=self._run, args=(target, deadline), name="fairmas-toulbar2-watchdog", daemon=True
        )
        self._thread.start()
        # pytoulbar2 holds the GIL for the whole search: the loop must already be running
        # without it, or the thread would wait for the GIL until the search ends
        while self._stop[1] == 0 and self._thread.is_alive():
            time.sleep(1e-4)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop[0] = 1
        if self._thread is not None:
            self._thread.join()

    def _run(self, target: int, deadline: float) -> None:
        block_timer_signals()  # the CPU timer's own signal must not land here either
        _watch(target, self.signum, deadline, PERIOD_US, _CLOCK_ID, self._stop, self._sent)


def block_timer_signals() -> None:
    """Keep the interval-timer signals away from the calling thread (POSIX; else nothing).

    Busy background threads call this first: toulbar2's time-out signal sets a
    flag of the thread that receives it, so it must reach the searching thread.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, TIMER_SIGNALS)


def compile_kernels() -> None:
    """Compile (or load from numba's cache) the watchdog loop."""
    if SUPPORTED:
        _watch(0, 0, 0.0, 1, _CLOCK_ID, np.array([1, 0], np.int64), np.zeros(1, np.int64))
