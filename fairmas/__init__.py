"""fairmas: interest alignment and fairness in multi-agent systems.

Every objective is declared once as a Pyomo model and cross-checked against an
independent combinatorial method on the same instance.

>>> import fairmas
>>> {"min_cut_partition", "social_optimum", "equilibrium"} <= set(fairmas.OBJECTIVES)
True
"""

from fairmas.api import compare, load, solve
from fairmas.errors import FairmasError, InstanceError, MethodNotApplicableError, ParameterError
from fairmas.models import Propagation, TrustNetwork, WeightedGraph
from fairmas.models.pairwise_game import PairwiseGame
from fairmas.registry import OBJECTIVES
from fairmas.result import Result, Status
from fairmas.solvers.options import SolveOptions

__version__ = "0.1.0"

__all__ = [
    "OBJECTIVES",
    "FairmasError",
    "InstanceError",
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
    "compare",
    "load",
    "solve",
]
