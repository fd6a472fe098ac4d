"""Application scenarios: seeded generators of instances from seed 000, section 6.

Each scenario is a :class:`~fairmas.scenarios.base.Generator`, callable as
``SCENARIOS[name](size, seed, **params)``; ``size`` is the number of agents
and every random number comes from ``numpy.random.default_rng(seed)``, so
the same arguments give the same instance. Each module documents what the
agents, resources or projects and values mean in its application and how
they are drawn.

============  ==============  ===========================================================
scenario      kind            application
============  ==============  ===========================================================
traffic       allocation      green time of intersections among their approaches
smart_city    mechanism       public projects with costs and citizens' values
smart_grid    allocation      feeder capacity among the consumers behind each feeder
llm_budget    allocation      token budgets and GPU-hours among LLM agents
llm_teams     trust_network   trust from LLM agents' interaction records; team formation
============  ==============  ===========================================================

On the command line: ``fairmas generate SCENARIO --size N --seed S --out FILE``.

Examples
--------
>>> from fairmas.scenarios import SCENARIOS
>>> list(SCENARIOS)
['traffic', 'smart_city', 'smart_grid', 'llm_budget', 'llm_teams']
>>> SCENARIOS["smart_city"](10, seed=0).describe()
'mechanism, 10 agents, 7 projects'
"""

from __future__ import annotations

from fairmas.errors import ParameterError
from fairmas.scenarios import llm_budget, llm_teams, smart_city, smart_grid, traffic
from fairmas.scenarios.base import Generator, GeneratorParameters

SCENARIOS: dict[str, Generator] = {
    module.SCENARIO.name: module.SCENARIO
    for module in (traffic, smart_city, smart_grid, llm_budget, llm_teams)
}
"""Scenario name → generator ``(size, seed, **params) -> instance``."""


def get_scenario(name: str) -> Generator:
    """The scenario called ``name``; ParameterError naming the known ones otherwise.

    >>> get_scenario("traffc")
    Traceback (most recent call last):
    ...
    fairmas.errors.ParameterError: scenario: unknown scenario 'traffc'; one of: traffic, ...
    """
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise ParameterError("scenario", f"unknown scenario {name!r}; one of: {known}") from None


__all__ = ["SCENARIOS", "Generator", "GeneratorParameters", "get_scenario"]
