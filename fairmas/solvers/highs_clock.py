"""Time limits for HiGHS models that are solved more than once.

HiGHS compares its ``time_limit`` option with the run clock of the
``Highs`` object, which adds up the time of every ``run()`` since the object
was made. A model re-solved after new rows (cutting planes, warm re-solves)
given "the seconds left" as ``time_limit`` therefore stops early, or at once
once its earlier runs have used that much time.
:func:`limit_next_run` sets the limit relative to that clock.

Examples
--------
>>> import highspy
>>> highs = highspy.Highs()
>>> limit_next_run(highs, 5.0)
>>> highs.getOptions().time_limit >= 5.0
True
>>> limit_next_run(highs, None)
>>> highs.getOptions().time_limit
inf
"""

from __future__ import annotations

import math

import highspy


def limit_next_run(highs: highspy.Highs, seconds: float | None) -> None:
    """Let the next ``highs.run()`` take at most ``seconds`` (None: no limit).

    Sets ``time_limit`` to the object's accumulated run time plus ``seconds``.

    Parameters
    ----------
    highs : highspy.Highs
    seconds : float or None
        Seconds for the next run alone.
    """
    if seconds is None or math.isinf(seconds):
        highs.setOptionValue("time_limit", math.inf)
    else:
        highs.setOptionValue("time_limit", highs.getRunTime() + max(0.0, float(seconds)))
