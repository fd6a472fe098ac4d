"""Task functions the sweep tests hand to worker processes (importable by name)."""

from __future__ import annotations

import os
import signal
from typing import Any

from fairmas.sweeps.tasks import Task, run_task

CRASHING_SEED = 3


def crash_on_seed_3(task: Task) -> dict[str, Any]:
    """``run_task``, except that seed 3 kills its process the way a segfault would."""
    if task.seed == CRASHING_SEED:
        os.kill(os.getpid(), signal.SIGSEGV)
    return run_task(task)
