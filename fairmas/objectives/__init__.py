"""Objectives and their methods; importing this package fills the registry.

One module per objective: its parameters, the data its methods share, how a
solution is reported, and the registered methods.
"""

from fairmas.objectives import (
    csg,
    leximin,
    max_min,
    min_cut_partition,
    min_gap,
    nash,
    welfare,
)

__all__ = ["csg", "leximin", "max_min", "min_cut_partition", "min_gap", "nash", "welfare"]
