"""Intelligent traffic: green time of signalized intersections shared among their approaches.

The application of seed 000, section 6.1: the approaches (lanes groups) of a
network of signalized intersections compete for green time, and fairness
means that no approach is starved while another clears its queue.

What the instance means (kind ``allocation``):

* **agents** — the approaches, ``I<j>_<direction>`` (``I2_north`` is the
  northern approach of intersection 2). The ``size`` approaches are split
  as evenly as possible over ⌈size / ``approaches``⌉ intersections.
* **resources** — ``I<j>_green``: the effective green seconds of one signal
  cycle of intersection j, G_j = C − L · p_j (cycle length C, lost time L per
  phase, p_j phases; every approach is its own phase, as in split phasing).
  Divisible.
* **valuations** — v_ij = s_i / 3600: the vehicles approach i discharges per
  second of green (its saturation flow s_i = 1800 veh/h per lane × lanes);
  0 at other intersections. The utility v_i(x) is then the vehicles served
  per cycle.
* **caps** — an approach gets green only at its own intersection (cap 0
  elsewhere), and never more than it needs to clear its arrivals,
  y_i · C seconds with the flow ratio y_i = q_i / s_i (Webster 1958).
* **entitlements** — w_i = q_i · C / 3600, the vehicles arriving per cycle
  (computed as v_i · y_i · C with y_i · C rounded to 0.1 s, so that the
  needed green clears exactly w_i), and v_i(x) / w_i ≤ 1 is the share of
  its arrivals an approach clears:
  ``max_min`` maximizes the worst served share, ``nash`` is proportional
  fairness among approaches weighted by their demand.

How values are drawn (``numpy.random.default_rng(seed)``): lanes 1, 2 or 3
(probabilities 0.5, 0.35, 0.15); each intersection a congestion factor
c_j ~ U(0.7, 1.4); arrivals q_i = lanes · U(200, 550) · c_j veh/h. The sum of
flow ratios then exceeds the share of green available at about half of the
intersections (they are oversaturated), where the allocation matters.

References
----------
F. V. Webster, "Traffic signal settings", Road Research Technical Paper 39,
HMSO, London (1958).
Highway Capacity Manual, 7th ed., chapter 19 (signalized intersections),
Transportation Research Board (2022).

Examples
--------
>>> inst = generate(6, seed=2)
>>> inst.agents[:4], inst.resources
(('I1_north', 'I1_east', 'I1_south', 'I2_north'), ('I1_green', 'I2_green'))
>>> bool((inst.caps[:3, 1] == 0).all())     # I1's approaches get no green at I2
True
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from fairmas.models.allocation import AllocationInstance
from fairmas.scenarios.base import Generator, GeneratorParameters

DIRECTIONS = (
    "north",
    "east",
    "south",
    "west",
    "northeast",
    "southeast",
    "southwest",
    "northwest",
)
"""Names of the approaches of an intersection, in order."""

SATURATION_FLOW = 1800.0
"""Vehicles per hour of green per lane (HCM base saturation flow, rounded)."""


class TrafficParameters(GeneratorParameters):
    """Signal timing of the network."""

    cycle: Annotated[float, Field(gt=0, le=300)] = Field(90.0, description="cycle length C (s)")
    lost_time: Annotated[float, Field(ge=0, le=10)] = Field(
        4.0, description="lost time L per phase: yellow + all-red (s)"
    )
    approaches: Annotated[int, Field(ge=2, le=len(DIRECTIONS))] = Field(
        4, description="approaches per intersection (at most)"
    )

    @model_validator(mode="after")
    def _green_left(self) -> TrafficParameters:
        if self.cycle - self.lost_time * self.approaches < 10:
            raise ValueError(
                f"cycle {self.cycle:g} s leaves less than 10 s of green after "
                f"{self.approaches} phases of {self.lost_time:g} s lost time"
            )
        return self


def _make(size: int, seed: int, params: TrafficParameters) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    n_intersections = math.ceil(size / params.approaches)
    members = np.array_split(np.arange(size), n_intersections)
    intersection = np.empty(size, dtype=np.int64)
    agents: list[str] = []
    for j, group in enumerate(members):
        intersection[group] = j
        agents += [f"I{j + 1}_{DIRECTIONS[position]}" for position in range(group.size)]
    phases = np.array([group.size for group in members], dtype=np.float64)
    green = params.cycle - params.lost_time * phases

    lanes = rng.choice([1, 2, 3], size=size, p=[0.5, 0.35, 0.15])
    congestion = rng.uniform(0.7, 1.4, n_intersections)
    arrivals = lanes * rng.uniform(200.0, 550.0, size) * congestion[intersection]  # veh/h
    saturation = lanes * SATURATION_FLOW  # veh/h of green
    needed_green = arrivals / saturation * params.cycle  # y_i · C

    needed_green = np.maximum(1.0, np.round(needed_green, 1))
    rows = np.arange(size)
    values = np.zeros((size, n_intersections))
    values[rows, intersection] = saturation / 3600.0  # 0.5 vehicles per second and lane
    caps = np.zeros((size, n_intersections))
    caps[rows, intersection] = np.minimum(needed_green, green[intersection])
    # the arrivals per cycle are exactly what the needed green clears: served share ≤ 1
    entitlements = np.round(values[rows, intersection] * needed_green, 2)
    return AllocationInstance.from_arrays(
        agents,
        [f"I{j + 1}_green" for j in range(n_intersections)],
        values,
        supply=np.round(green, 1),
        divisible=True,
        entitlements=entitlements,
        caps=caps,
        origin=SCENARIO.origin(size, seed),
    )


SCENARIO = Generator(
    name="traffic",
    kind="allocation",
    summary="green seconds of each intersection's cycle shared among its approaches "
    "(utility: vehicles served per cycle; entitlement: arrivals per cycle)",
    objectives=("max_min", "leximin", "nash", "min_gap"),
    parameters=TrafficParameters,
    make=_make,
    max_size=5000,
)
"""The ``traffic`` scenario."""


def generate(size: int, seed: int = 0, **params: float) -> AllocationInstance:
    """A traffic instance of ``size`` approaches (see the module docstring).

    Parameters
    ----------
    size : int
        Number of approaches (agents), 2..5000.
    seed : int
        Seed of ``numpy.random.default_rng``.
    **params
        ``cycle`` (s, default 90), ``lost_time`` (s per phase, default 4),
        ``approaches`` (per intersection, default 4).

    Raises
    ------
    ParameterError
        For a bad size, seed or parameter.
    """
    return SCENARIO(size, seed, **params)
