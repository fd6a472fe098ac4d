"""Smart-city management: which public projects to build, and who pays.

The application of seed 000, section 6.2: a city chooses among public
projects with costs; citizens value them differently (mostly the ones near
home), and a mechanism picks projects whose cost the citizens' payments
recover (the ``welfare`` objective, with VCG or budget-balanced payments).

What the instance means (kind ``mechanism``, projects variant):

* **agents** — citizens ``c<k>``, living at random points of the unit square.
* **projects** — ``<type><k>`` (``park2``, ``clinic1``, ...), each of a type
  of :data:`PROJECT_TYPES` and at a random point; ``projects`` of them
  (default ⌈2√size⌉ clipped to 3..30).
* **values** — v_ik = a_t · θ_it · exp(−d_ik / ℓ): the type's appeal a_t
  (table :data:`PROJECT_TYPES`), the citizen's interest in that type θ_it ~
  Beta(2, 2), decaying with the distance d_ik from home to the project
  (ℓ = ``reach``, default 0.3). Values under 0.05 are dropped (set to 0):
  far-away projects do not matter to a citizen.
* **costs** — c_k = ``cost_ratio`` · U(0.5, 1.5) · Σ_i v_ik (``cost_ratio``
  1.2 by default): some projects are worth their cost to the city as a
  whole and some are not, and all of them together cost more than they are
  worth, so the mechanism has to choose.

Everything is drawn from ``numpy.random.default_rng(seed)``.

References
----------
T. Groves, J. Ledyard, "Optimal allocation of public goods: a solution to the
'free rider' problem", Econometrica 45(4) (1977) — the public-project problem.

Examples
--------
>>> inst = generate(12, seed=4)
>>> inst.describe()
'mechanism, 12 agents, 7 projects'
>>> inst.projects[:3], inst.agents[:2]
(('pool1', 'playground1', 'playground2'), ('c01', 'c02'))
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field

from fairmas.models.mechanism import MechanismInstance
from fairmas.scenarios.base import Generator, GeneratorParameters

PROJECT_TYPES = {
    "park": 6.0,
    "library": 5.0,
    "clinic": 9.0,
    "school": 8.0,
    "bike_lanes": 3.0,
    "pool": 4.0,
    "bus_line": 7.0,
    "playground": 3.0,
}
"""Project type → appeal a_t (value to a fully interested citizen next door)."""


class SmartCityParameters(GeneratorParameters):
    """The city's projects."""

    projects: Annotated[int, Field(ge=1, le=200)] | None = Field(
        None, description="number of projects (default ⌈2√size⌉ within 3..30)"
    )
    reach: Annotated[float, Field(gt=0, le=10)] = Field(
        0.3, description="distance ℓ over which a project's value falls by a factor e"
    )
    cost_ratio: Annotated[float, Field(gt=0, le=10)] = Field(
        1.2, description="mean cost as a share of the project's total value"
    )


def _make(size: int, seed: int, params: SmartCityParameters) -> MechanismInstance:
    rng = np.random.default_rng(seed)
    n_projects = params.projects or min(30, max(3, math.ceil(2 * math.sqrt(size))))
    types = list(PROJECT_TYPES)
    project_type = rng.integers(0, len(types), n_projects)
    appeal = np.array([PROJECT_TYPES[t] for t in types])[project_type]
    homes = rng.random((size, 2))
    sites = rng.random((n_projects, 2))
    interest = rng.beta(2.0, 2.0, (size, len(types)))[:, project_type]
    distance = np.linalg.norm(homes[:, None, :] - sites[None, :, :], axis=2)
    values = np.round(appeal * interest * np.exp(-distance / params.reach), 2)
    values[values < 0.05] = 0.0
    costs = np.round(params.cost_ratio * rng.uniform(0.5, 1.5, n_projects) * values.sum(axis=0), 1)

    counts: dict[int, int] = {}
    projects = []
    for t in project_type.tolist():
        counts[t] = counts.get(t, 0) + 1
        projects.append(f"{types[t]}{counts[t]}")
    width = len(str(size))
    agents = [f"c{i + 1:0{width}d}" for i in range(size)]
    return MechanismInstance.from_document(
        {
            "kind": "mechanism",
            "agents": agents,
            "projects": [
                {"name": k, "cost": float(c)} for k, c in zip(projects, costs, strict=True)
            ],
            "values": {
                agent: {k: float(v) for k, v in zip(projects, row, strict=True) if v > 0}
                for agent, row in zip(agents, values, strict=True)
            },
        },
        SCENARIO.origin(size, seed),
    )


SCENARIO = Generator(
    name="smart_city",
    kind="mechanism",
    summary="public projects with costs; citizens value the projects near home",
    objectives=("welfare",),
    parameters=SmartCityParameters,
    make=_make,
    max_size=20000,
)
"""The ``smart_city`` scenario."""


def generate(size: int, seed: int = 0, **params: object) -> MechanismInstance:
    """A smart-city instance of ``size`` citizens (see the module docstring).

    Parameters
    ----------
    size : int
        Number of citizens (agents), 2..20000.
    seed : int
        Seed of ``numpy.random.default_rng``.
    **params
        ``projects``, ``reach`` (default 0.3), ``cost_ratio`` (default 1.2).
    """
    return SCENARIO(size, seed, **params)
