"""Typed errors of fairmas.

Every error a user can cause (a bad file, an unknown name, a method that does
not fit the data) is a :class:`FairmasError`. Its message is one line that says
*where* (the file and the field path) and *which rule* was broken; the command
line prints exactly that line and exits with code 2.

Examples
--------
>>> str(InstanceError("net.yaml", "edges[2].trust", "must be within [0, 1] (got 1.5)"))
'net.yaml: edges[2].trust: must be within [0, 1] (got 1.5)'
>>> str(ParameterError("--param relation", "must be one of trust, trust_utility"))
'--param relation: must be one of trust, trust_utility'
"""

from __future__ import annotations


class FairmasError(Exception):
    """Base class of every error caused by the input rather than by fairmas."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class InstanceError(FairmasError):
    """An instance file (or in-memory instance data) breaks a rule.

    Parameters
    ----------
    source : str
        The file path, or a label such as ``"<networkx graph>"``.
    path : str
        The field path inside the document, e.g. ``"edges[2].trust"``; empty
        when the problem concerns the whole file.
    rule : str
        What is wrong, phrased as the rule that was broken.
    """

    def __init__(self, source: str, path: str, rule: str) -> None:
        self.source = str(source)
        self.path = path
        self.rule = _one_line(rule)
        where = f"{self.source}: {path}" if path else self.source
        super().__init__(f"{where}: {self.rule}")


class ParameterError(FairmasError):
    """An unknown objective, method or parameter, or a parameter value out of range.

    Parameters
    ----------
    where : str
        The option or parameter concerned, e.g. ``"--method"`` or ``"relation"``.
    rule : str
        What is wrong.
    """

    def __init__(self, where: str, rule: str) -> None:
        self.where = where
        self.rule = _one_line(rule)
        super().__init__(f"{where}: {self.rule}")


class MethodNotApplicableError(FairmasError):
    """A method cannot solve this instance (for example negative weights for a max-flow).

    The message names the methods that can run instead.
    """

    def __init__(self, method: str, rule: str) -> None:
        self.method = method
        self.rule = _one_line(rule)
        super().__init__(f"method {method}: {self.rule}")
