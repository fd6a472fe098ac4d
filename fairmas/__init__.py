"""fairmas: interest alignment and fairness in multi-agent systems.

Every objective is declared once as a Pyomo model and cross-checked against an
independent combinatorial method on the same instance.

>>> import fairmas
>>> {"min_cut_partition", "csg", "nash", "equilibrium"} <= set(fairmas.OBJECTIVES)
True
"""

from fairmas import constraints
from fairmas.api import build, compare, compare_all, load, solve, solve_model
from fairmas.errors import FairmasError, InstanceError, MethodNotApplicableError, ParameterError
from fairmas.models import (
    AllocationInstance,
    CoalitionGame,
    MechanismInstance,
    PairwiseGame,
    Propagation,
    TrustNetwork,
    WeightedGraph,
)
from fairmas.registry import OBJECTIVES
from fairmas.result import Result, Status
from fairmas.solvers.options import SolveOptions

__version__ = "0.1.0"

__all__ = [
    "OBJECTIVES",
    "AllocationInstance",
    "CoalitionGame",
    "FairmasError",
    "InstanceError",
    "MechanismInstance",
    "MethodNotApplicableError",
    "PairwiseGame",
    "ParameterError",
    "Propagation",
    "Result",
    "SolveOptions",
    "Status",
    "TrustNetwork",
    "WeightedGraph",
    "__version__",
    "build",
    "compare",
    "compare_all",
    "constraints",
    "load",
    "solve",
    "solve_model",
]
