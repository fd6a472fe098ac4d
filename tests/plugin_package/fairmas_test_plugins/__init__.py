"""Plug-in constraints of a third-party package, found by fairmas through its entry points.

``gpu_cap`` and ``together`` are registered in the ``fairmas.constraints``
entry-point group (see ``pyproject.toml``); ``explode`` and ``NOT_A_FUNCTION``
are only reachable with ``--plugin`` and exist to test the error messages.
"""

import pyomo.environ as pyo


def gpu_cap(model, instance, resource="gpu", limit=1.0, agent=None):
    """Nobody (or only `agent`) holds more than `limit` units of `resource`."""
    j = instance.resources.index(resource)
    agents = range(instance.n_agents) if agent is None else [instance.agents.index(agent)]
    model.gpu_cap = pyo.Constraint(list(agents), rule=lambda m, i: m.x[i, j] <= limit)


gpu_cap.kinds = ("allocation",)


def together(model, instance, agents):
    """The agents named in `agents` ("a+b" or a list) end up in the same coalition (k = 2)."""
    names = agents.split("+") if isinstance(agents, str) else list(agents)
    members = [instance.agents.index(name) for name in names]
    if model.x.dim() != 1:
        raise ValueError("together needs the 2-coalition model (k = 2)")
    model.together = pyo.ConstraintList()
    for i in members[1:]:
        model.together.add(model.x[members[0]] == model.x[i])


together.kinds = ("trust_network",)
together.objectives = ("min_cut_partition",)


def explode(model, instance):
    """Always fails while the model is built."""
    raise RuntimeError("boom")


NOT_A_FUNCTION = 3
