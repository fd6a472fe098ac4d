"""LLM multi-agent teams: trust from interaction records, for team formation.

Seed 000's LLM multi-agent systems meet seed 003's trust-constrained
coalition formation: LLM agents that have delegated tasks to each other
before keep a record of how those tasks went; the trust an agent places in
another is a Beta-reputation estimate from that record, and a team is worth
forming when its members trust each other and complement each other's
skills (objectives ``min_cut_partition`` and ``csg``).

What the instance means (kind ``trust_network``):

* **agents** — ``<speciality><k>`` LLM agents (``coding1``,
  ``reasoning2``, ...), each with a skill vector over :data:`SKILLS`.
* **edges** i → j — only where i has delegated tasks to j. For r successes
  and s failures, trust is the expected value of the Beta(r + 1, s + 1)
  posterior, ρ_ij = (r + 1) / (r + s + 2) (the beta reputation system of
  Jøsang & Ismail 2002).
* **utility** ω_ij = 10 · Σ_d max(0, σ_jd − σ_id) − ``coordination_cost``: what
  j's skills add to i's, task complementarity; non-negative at the default
  cost 0 (so MT/MTU-s-t-cut apply).

How the records are simulated (``numpy.random.default_rng(seed)``): agents
belong to ⌈size / 6⌉ past teams; a pair within a team has worked together
with probability 0.7, across teams with probability min(0.15, 4 / size)
(every agent has at least one record); i delegated 1 + Poisson(6) tasks to a
teammate, 1 + Poisson(2) to anybody else; each task succeeded with
probability q_j · (0.5 + 0.5 · fit_ij), with j's latent reliability q_j ~
Beta(5, 2) and fit_ij = Σ_d n_id σ_jd / Σ_d n_id, how well j's skills cover
what i needs (n_i = 1 − σ_i). Skills: σ_id ~ Beta(2, 5), plus U(0.4, 0.6) in
the agent's speciality, clipped to 1.

References
----------
A. Jøsang, R. Ismail, "The beta reputation system", 15th Bled Electronic
Commerce Conference (2002).

Examples
--------
>>> net = generate(6, seed=1)
>>> net.agents
('reasoning1', 'retrieval1', 'writing1', 'writing2', 'coding1', 'coding2')
>>> bool(((net.trust > 0) & (net.trust < 1)).all()), bool((net.utility >= 0).all())
(True, True)
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field

from fairmas.models.trust_network import TrustNetwork
from fairmas.scenarios.base import Generator, GeneratorParameters

SKILLS = ("coding", "reasoning", "retrieval", "writing")
"""Skill dimensions; each agent specializes in one."""
TEAM_SIZE = 6
"""Agents per past team (on average)."""


class LlmTeamsParameters(GeneratorParameters):
    """Interaction history and the cost of working together."""

    coordination_cost: Annotated[float, Field(ge=0, le=100)] = Field(
        0.0, description="subtracted from every utility (negative utilities when > 0)"
    )
    tasks: Annotated[float, Field(gt=0, le=1000)] = Field(
        6.0, description="mean tasks delegated to a past teammate (1 + Poisson(tasks))"
    )


def _make(size: int, seed: int, params: LlmTeamsParameters) -> TrustNetwork:
    rng = np.random.default_rng(seed)
    n_skills = len(SKILLS)
    speciality = rng.integers(0, n_skills, size)
    skill = rng.beta(2.0, 5.0, (size, n_skills))
    skill[np.arange(size), speciality] += rng.uniform(0.4, 0.6, size)
    skill = np.minimum(skill, 1.0)
    reliability = rng.beta(5.0, 2.0, size)
    team = rng.integers(0, math.ceil(size / TEAM_SIZE), size)

    same = team[:, None] == team[None, :]
    met = rng.random((size, size)) < np.where(same, 0.7, min(0.15, 4.0 / size))
    np.fill_diagonal(met, False)
    lonely = np.flatnonzero(~met.any(axis=1))
    partner = (lonely + rng.integers(1, size, lonely.size)) % size  # never itself
    met[lonely, partner] = True
    source, target = np.nonzero(met)

    mean_tasks = np.where(same[source, target], params.tasks, params.tasks / 3.0)
    tasks = 1 + rng.poisson(mean_tasks)
    need = 1.0 - skill[source]
    fit = (need * skill[target]).sum(axis=1) / need.sum(axis=1)
    successes = rng.binomial(tasks, reliability[target] * (0.5 + 0.5 * fit))
    failures = tasks - successes
    trust = np.round((successes + 1) / (successes + failures + 2), 4)
    gain = 10.0 * np.maximum(0.0, skill[target] - skill[source]).sum(axis=1)
    utility = np.round(gain - params.coordination_cost, 3)

    counts: dict[int, int] = {}
    names = []
    for s in speciality.tolist():
        counts[s] = counts.get(s, 0) + 1
        names.append(f"{SKILLS[s]}{counts[s]}")
    return TrustNetwork.from_arrays(
        names, source, target, trust, utility, origin=SCENARIO.origin(size, seed)
    )


SCENARIO = Generator(
    name="llm_teams",
    kind="trust_network",
    summary="LLM agents' Beta-reputation trust from simulated delegation records and "
    "skill complementarity, for team formation",
    objectives=("min_cut_partition", "csg"),
    parameters=LlmTeamsParameters,
    make=_make,
    max_size=2000,
)
"""The ``llm_teams`` scenario."""


def generate(size: int, seed: int = 0, **params: object) -> TrustNetwork:
    """An LLM-teams trust network of ``size`` agents (see the module docstring).

    Parameters
    ----------
    size : int
        Number of LLM agents, 2..2000.
    seed : int
        Seed of ``numpy.random.default_rng``.
    **params
        ``coordination_cost`` (default 0), ``tasks`` (default 6).
    """
    return SCENARIO(size, seed, **params)
