"""Objectives and their methods; importing this package fills the registry.

One module per objective: its parameters, the data its methods share, how a
solution is reported, and the registered methods.
"""

from fairmas.objectives import alignment, equilibrium, min_cut_partition, q_learning, social_optimum

__all__ = ["min_cut_partition"]
__all__ += ["alignment", "equilibrium", "q_learning", "social_optimum"]
