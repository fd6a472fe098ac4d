"""Options every method receives: time limit, MIP gap, threads, solver log."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fairmas.errors import ParameterError

DEFAULT_MIP_GAP = 1e-9
"""Relative MIP gap at which HiGHS stops. Far below HiGHS' own 1e-4, so that exact
methods agree to :data:`fairmas.registry.AGREEMENT_RTOL`."""


@dataclass(frozen=True)
class SolveOptions:
    """How long and how hard a method may work.

    Attributes
    ----------
    time_limit : float or None
        Seconds; a method that reaches it returns its incumbent with status
        ``max_time_limit`` (and the gap when it knows a bound).
    mip_gap : float
        Relative optimality gap for MILP solves.
    threads : int or None
        Threads HiGHS may use (None: HiGHS' default), CP-SAT's workers; with
        1, the game methods ``cycle_lp`` and ``search`` run no annealing on a
        second core and ``dnn`` runs one branch-and-bound worker instead of
        two. HiGHS fixes its thread pool at its first solve in a
        process.
    verbose : bool
        Show the solver's log.

    Examples
    --------
    >>> SolveOptions(time_limit=5).time_limit
    5
    >>> SolveOptions(time_limit=-1)
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: --time-limit: must be a positive number of seconds (got -1)
    """

    time_limit: float | None = None
    mip_gap: float = DEFAULT_MIP_GAP
    threads: int | None = None
    verbose: bool = False

    def __post_init__(self) -> None:
        if self.time_limit is not None and not (
            isinstance(self.time_limit, int | float)
            and math.isfinite(self.time_limit)
            and self.time_limit > 0
        ):
            raise ParameterError(
                "--time-limit", f"must be a positive number of seconds (got {self.time_limit})"
            )
        if not (
            isinstance(self.mip_gap, int | float)
            and math.isfinite(self.mip_gap)
            and self.mip_gap >= 0
        ):
            raise ParameterError("--mip-gap", f"must be a number ≥ 0 (got {self.mip_gap})")
        if self.threads is not None and not (
            isinstance(self.threads, int)
            and not isinstance(self.threads, bool)
            and self.threads >= 1
        ):
            raise ParameterError("--threads", f"must be a whole number ≥ 1 (got {self.threads})")
