"""How we solve: the Pyomo/HiGHS backend, OR-Tools max-flow and compiled combinatorial algorithms.

Solvers know nothing of file formats: they take validated model data.
"""
