"""Attributes a formulation (or a plug-in constraint) may set on a model to guide its solve.

A model stays declarative: these are plain attributes, read by the backend
(:class:`fairmas.solvers.highs_direct.CompiledModel`) and ignored by any other.

Examples
--------
>>> import pyomo.environ as pyo
>>> model = pyo.ConcreteModel()
>>> setattr(model, LP_ALGORITHM_HINT, "ipm")
>>> model.fairmas_lp_algorithm
'ipm'
"""

LP_ALGORITHM_HINT = "fairmas_lp_algorithm"
"""The LP algorithm for the first, cold solve of a model (``"ipm"`` or ``"simplex"``), for
formulations that know their rows: the envy rows of
:func:`fairmas.constraints.builtin.envy_free` are dense and degenerate, and HiGHS' dual
simplex needed 10 s on 50 agents × 20 goods where the IPM needed 0.15 s
(``benchmarks/bench_constraints.py``). Re-solves after changes start warm, so HiGHS chooses."""
