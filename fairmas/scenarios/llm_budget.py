"""LLM multi-agent systems: token and GPU-time budgets shared among LLM agents.

Seed 000's running example (sections 1.3 and 4.3): agents built on large
language models, each in a role, draw on shared budgets — tokens of a large
and a small hosted model (divisible, in millions of tokens) and hours of two
GPU pools (indivisible, whole GPU-hours) — and the operator wants a fair
split rather than first come, first served.

What the instance means (kind ``allocation``):

* **agents** — ``<role><k>``: ``planner``, ``coder``, ``critic``,
  ``retriever``, ``tester`` and ``summarizer`` agents (``coder2`` is the
  second coder).
* **resources** (``resources="both"``, the default; ``"tokens"`` or
  ``"gpu"`` keep one half) — ``large_mtok`` and ``small_mtok``: millions of
  tokens of the large and the small model (divisible); ``a100_h`` and
  ``h100_h``: GPU-hours on the two pools (indivisible).
* **valuations** — v_ij: the value (tasks completed) agent i gets per unit of
  resource j: a role affinity (table :data:`AFFINITY`) times the agent's
  skill, a log-normal factor exp(N(0, 0.3²)).
* **caps** — an agent cannot use more than its demand d_ij (the work queued
  for it), drawn as affinity × U(0.5, 1.5) × a per-resource scale.
* **supply** — ``scarcity`` × total demand (default 0.6: 40 % of the demand
  cannot be met); whole hours for GPU pools.
* **entitlements** — 2 for agents on the critical path (probability 0.2),
  else 1.

With both halves the instance mixes divisible and indivisible resources:
the LP objectives become MILPs.

Examples
--------
>>> inst = generate(6, seed=0)
>>> inst.agents
('summarizer1', 'retriever1', 'retriever2', 'coder1', 'coder2', 'planner1')
>>> inst.resources, inst.divisible.tolist()
(('large_mtok', 'small_mtok', 'a100_h', 'h100_h'), [True, True, False, False])
>>> generate(6, seed=0, resources="tokens").describe()
'allocation, 6 agents, 2 resources (2 divisible, 0 indivisible)'
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from fairmas.models.allocation import AllocationInstance
from fairmas.scenarios.base import Generator, GeneratorParameters

ROLES = ("planner", "coder", "critic", "retriever", "tester", "summarizer")
"""Roles of the LLM agents."""
RESOURCES = ("large_mtok", "small_mtok", "a100_h", "h100_h")
"""Budgets: millions of tokens of a large and a small model; GPU-hours on two pools."""
DIVISIBLE = (True, True, False, False)
AFFINITY = np.array(
    [
        # large  small  a100  h100
        [1.0, 0.3, 0.1, 0.1],  # planner: long reasoning on the large model
        [0.8, 0.5, 0.6, 0.8],  # coder: generation, plus GPUs to run and test code
        [0.6, 0.4, 0.1, 0.1],  # critic: reads and judges
        [0.1, 0.6, 0.8, 0.3],  # retriever: embeddings on GPUs, small-model rewriting
        [0.2, 0.5, 0.7, 0.5],  # tester: runs test suites on GPUs
        [0.3, 1.0, 0.1, 0.1],  # summarizer: cheap long inputs on the small model
    ]
)
"""Role × resource affinity: how useful a unit of each budget is to each role."""
DEMAND_SCALE = np.array([2.0, 5.0, 4.0, 3.0])
"""Demand of an agent with affinity 1 (Mtok, Mtok, GPU-h, GPU-h)."""


class LlmBudgetParameters(GeneratorParameters):
    """Which budgets and how scarce."""

    resources: Literal["both", "tokens", "gpu"] = Field(
        "both", description="token budgets (divisible), GPU pools (indivisible), or both"
    )
    scarcity: Annotated[float, Field(gt=0, le=1)] = Field(
        0.6, description="supply as a share of the total demand"
    )


def _make(size: int, seed: int, params: LlmBudgetParameters) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    role = rng.integers(0, len(ROLES), size)
    skill = np.exp(rng.normal(0.0, 0.3, size))
    values = np.round(AFFINITY[role] * skill[:, None], 3)
    demand = AFFINITY[role] * rng.uniform(0.5, 1.5, (size, len(RESOURCES))) * DEMAND_SCALE
    divisible = np.array(DIVISIBLE)
    demand = np.where(divisible, np.round(demand, 2), np.maximum(1, np.round(demand)))
    supply = params.scarcity * demand.sum(axis=0)
    supply = np.where(divisible, np.round(supply, 2), np.maximum(1, np.round(supply)))
    entitlements = np.where(rng.random(size) < 0.2, 2.0, 1.0)
    keep = {"both": np.ones_like(divisible), "tokens": divisible, "gpu": ~divisible}[
        params.resources
    ]

    counts: dict[int, int] = {}
    names = []
    for r in role.tolist():
        counts[r] = counts.get(r, 0) + 1
        names.append(f"{ROLES[r]}{counts[r]}")
    return AllocationInstance.from_arrays(
        names,
        [name for name, k in zip(RESOURCES, keep, strict=True) if k],
        values[:, keep],
        supply=supply[keep],
        divisible=divisible[keep],
        entitlements=entitlements,
        caps=demand[:, keep],
        origin=SCENARIO.origin(size, seed),
    )


SCENARIO = Generator(
    name="llm_budget",
    kind="allocation",
    summary="token budgets (divisible) and GPU-hours (indivisible) shared among LLM agents "
    "in six roles",
    objectives=("max_min", "leximin", "nash", "min_gap"),
    parameters=LlmBudgetParameters,
    make=_make,
    max_size=5000,
)
"""The ``llm_budget`` scenario."""


def generate(size: int, seed: int = 0, **params: object) -> AllocationInstance:
    """An LLM-budget instance of ``size`` agents (see the module docstring).

    Parameters
    ----------
    size : int
        Number of LLM agents, 2..5000.
    seed : int
        Seed of ``numpy.random.default_rng``.
    **params
        ``resources`` (``both``, ``tokens`` or ``gpu``), ``scarcity`` (default 0.6).
    """
    return SCENARIO(size, seed, **params)
