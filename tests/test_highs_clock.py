"""HiGHS' time limit counts every run of a Highs object: limit_next_run gives each run its own."""

import time

import highspy
import numpy as np
import scipy.sparse as sp

from fairmas.solvers.highs_clock import limit_next_run


def _slow_lp() -> highspy.Highs:
    """A random packing LP that HiGHS' simplex needs well over a second for on this machine."""
    rng = np.random.default_rng(0)
    n, m = 3000, 2000
    matrix = sp.random(m, n, density=0.01, random_state=0, format="csr")
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("solver", "simplex")
    highs.addVars(n, np.zeros(n), np.ones(n))
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), -rng.random(n))
    highs.addRows(
        m,
        np.full(m, -highspy.kHighsInf),
        np.full(m, 5.0),
        matrix.nnz,
        matrix.indptr[:-1].astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data,
    )
    return highs


def test_a_second_run_gets_its_own_seconds():
    highs = _slow_lp()
    limit_next_run(highs, 0.3)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    assert highs.getRunTime() >= 0.3
    # a plain time_limit of 0.3 s would now stop the next run at once (the clock is past it)
    highs.clearSolver()
    limit_next_run(highs, 0.3)
    started = time.perf_counter()
    highs.run()
    assert time.perf_counter() - started >= 0.2
    assert highs.getRunTime() >= 0.5


def test_no_limit():
    highs = highspy.Highs()
    limit_next_run(highs, 2.0)
    limit_next_run(highs, None)
    assert highs.getOptions().time_limit == float("inf")
