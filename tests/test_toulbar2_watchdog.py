"""The wall-clock watchdog behind toulbar2's time limit: it signals the searching thread only
after the limit, never while the signal would end the process, and a busy thread that takes
toulbar2's own timer signal no longer keeps a search running past its limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fairmas.solvers.game_toulbar2 import _stdout_silenced
from fairmas.solvers.toulbar2_watchdog import GRACE, SUPPORTED, TimeLimitWatchdog

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="POSIX signals only")


def test_the_watchdog_signals_the_entering_thread_only_after_the_limit() -> None:
    received: list[float] = []
    previous = signal.signal(signal.SIGVTALRM, lambda *_: received.append(time.monotonic()))
    try:
        entered = time.monotonic()  # the limit runs from here (starting the watchdog takes time)
        with TimeLimitWatchdog(0.3) as watchdog:
            while len(received) < 2 and time.monotonic() - entered < 10:
                pass
    finally:
        signal.signal(signal.SIGVTALRM, previous)
    assert watchdog.fired
    assert len(received) >= 2  # it repeats until the block is left
    assert received[0] - entered >= 0.3 + GRACE - 0.05


def test_the_watchdog_leaves_an_ignored_signal_alone() -> None:
    previous = signal.signal(signal.SIGVTALRM, signal.SIG_IGN)
    try:
        with TimeLimitWatchdog(0.0) as watchdog:
            time.sleep(GRACE + 0.3)
    finally:
        signal.signal(signal.SIGVTALRM, previous)
    assert not watchdog.fired


def run_script(source: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_watchdog_never_sends_a_signal_that_would_end_the_process() -> None:
    # SIGVTALRM's default action terminates the process: in a fresh process (no toulbar2 search
    # has installed its handler yet) the watchdog must send nothing
    done = run_script(
        """
        import time
        from fairmas.solvers.toulbar2_watchdog import GRACE, TimeLimitWatchdog
        with TimeLimitWatchdog(0.0) as watchdog:
            time.sleep(GRACE + 0.5)
        print("fired", watchdog.fired)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fired", "False"]


def test_a_busy_thread_that_takes_the_timer_signal_does_not_keep_toulbar2_running() -> None:
    # a compiled busy loop on another thread, not blocking the timer signals: toulbar2's CPU timer
    # often fires in it, and the search (which cannot finish this game) used to run on for good;
    # three searches of a 1 s limit must each end within a few seconds of wall time
    done = run_script(
        """
        import threading, time
        import numpy as np
        from numba import njit
        from fairmas.models.pairwise_game import PairwiseGame
        from fairmas.solvers.game_toulbar2 import toulbar2_social_optimum

        @njit(nogil=True)
        def spin(stop):
            count = 0
            while stop[0] == 0:
                count += 1
            return count

        stop = np.zeros(1, np.int64)
        spin(np.ones(1, np.int64))
        busy = threading.Thread(target=spin, args=(stop,), daemon=True)
        busy.start()
        game = PairwiseGame.random(1000, 3, degree=4, seed=0)
        for _ in range(3):
            started = time.monotonic()
            found = toulbar2_social_optimum(game, time_limit=1)
            print("run", found.status, round(time.monotonic() - started, 2))
        stop[0] = 1
        """
    )
    assert done.returncode == 0, done.stderr
    # (toulbar2's handler prints a notice in the busy thread when the timer lands there)
    lines = [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("run ")]
    assert len(lines) == 3
    for status, seconds in lines:
        assert status == "max_time_limit"
        assert float(seconds) < 1 + GRACE + 3


def test_toulbar2_output_never_reaches_the_standard_output(capfd: pytest.CaptureFixture) -> None:
    print("before", flush=True)
    with _stdout_silenced():
        os.write(1, b"Time limit expired... Aborting...\n")  # what toulbar2's C++ code writes
    print("after", flush=True)
    assert capfd.readouterr().out == "before\nafter\n"


def test_searches_from_several_threads_take_turns_and_agree(capfd: pytest.CaptureFixture) -> None:
    # toulbar2's state is process-wide, and each search sends the standard output to the null
    # device and back: without turns a thread could restore another's null device for good
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from fairmas.solvers.game_toulbar2 import toulbar2_minimize

    rng = np.random.default_rng(3)
    networks = []
    for _ in range(40):
        functions = [((i, j), rng.integers(0, 20, (3, 3))) for i in range(6) for j in range(i)]
        networks.append(((3,) * 6, functions))
    alone = [toulbar2_minimize(d, f, time_limit=30).cost for d, f in networks]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda n: toulbar2_minimize(*n, time_limit=30).cost, networks))
    assert together == alone
    os.write(1, b"still here\n")
    assert capfd.readouterr().out.endswith("still here\n")


def _random_network(players: int, actions: int, seed: int) -> tuple[tuple[int, ...], list]:
    import numpy as np

    rng = np.random.default_rng(seed)
    functions = [
        ((i, j), rng.integers(0, 100, (actions, actions)))
        for i in range(players)
        for j in range(i + 1, players)
    ]
    return (actions,) * players, functions


def test_a_finished_search_counts_as_exhausted_however_busy_the_other_threads_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the process CPU clock counts every thread: a branch-and-cut worker's LP beside the search
    # made searches that had finished look cut short; here that clock runs 100 s per reading
    from fairmas.solvers import game_toulbar2

    readings = iter(range(0, 10**6, 100))
    monkeypatch.setattr(game_toulbar2.time, "process_time", lambda: float(next(readings)))
    found = game_toulbar2.toulbar2_minimize(*_random_network(8, 3, 0), time_limit=5)
    assert found.exhausted
    assert found.proved


def test_a_search_its_time_limit_stops_is_not_exhausted() -> None:
    from fairmas.solvers.game_toulbar2 import toulbar2_minimize

    started = time.perf_counter()
    found = toulbar2_minimize(*_random_network(40, 5, 0), time_limit=1)
    assert time.perf_counter() - started < 1 + GRACE + 2
    assert not found.exhausted
    after = toulbar2_minimize(*_random_network(8, 3, 0), time_limit=5)  # the flag is reset
    assert after.exhausted
