"""Objectives and their methods; importing this package fills the registry.

One module per objective: its parameters, the data its methods share, how a
solution is reported, and the registered methods.
"""

from fairmas.objectives import csg, min_cut_partition

__all__ = ["min_cut_partition"]
__all__ += ["csg"]
