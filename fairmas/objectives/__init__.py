"""Objectives and their methods; importing this package fills the registry.

One module per objective: its parameters, the data its methods share, how a
solution is reported, and the registered methods.
"""

from fairmas.objectives import (
    alignment,
    csg,
    equilibrium,
    leximin,
    max_min,
    min_cut_partition,
    min_gap,
    nash,
    q_learning,
    social_optimum,
    welfare,
)

__all__ = [
    "alignment",
    "csg",
    "equilibrium",
    "leximin",
    "max_min",
    "min_cut_partition",
    "min_gap",
    "nash",
    "q_learning",
    "social_optimum",
    "welfare",
]
