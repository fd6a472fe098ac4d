"""Smart-grid dispatch: power shared among consumers under feeder capacity.

The application of seed 000, section 6.3: when a distribution feeder cannot
carry the peak demand of everybody behind it, the operator curtails load; a
fair dispatch spreads the curtailment instead of cutting whoever is cheapest.

What the instance means (kind ``allocation``):

* **agents** — consumers ``F<f>_<class><k>`` (``F2_res3`` is the third
  residential consumer on feeder 2); classes ``res`` (residential), ``com``
  (commercial) and ``ind`` (industrial). The ``size`` consumers are split
  as evenly as possible over ⌈size / ``per_feeder``⌉ feeders.
* **resources** — ``F<f>``: the power (kW) feeder f can deliver, R_f =
  ρ_f · Σ_{i on f} d_i with the stress ratio ρ_f < 1. Divisible.
* **valuations** — v_i: utility per kW served, the consumer's value of lost
  load (currency per kWh); 0 on other feeders.
* **caps** — a consumer draws only from its own feeder (cap 0 elsewhere) and
  at most its contracted peak demand d_i there.
* **entitlements** — ``entitlement="value"`` (default): w_i = v_i · d_i, the
  value of the whole contract, so that v_i(x) / w_i = x_i / d_i is the
  served share of the contracted power: ``max_min`` and ``leximin`` are then
  proportional curtailment, the usual fair rule of load shedding;
  ``"contract"``: w_i = d_i, the contracted power (v_i(x) / w_i is then the
  value per contracted kW); ``"equal"``: w_i = 1.

How values are drawn (``numpy.random.default_rng(seed)``): class residential,
commercial, industrial with probabilities 0.6, 0.3, 0.1; peak demand d_i ~
U(3, 10), U(20, 80), U(100, 400) kW; value of lost load U(5, 15), U(20, 40),
U(10, 30) per kWh (the order of magnitude of the surveys of Schröder &
Kuckshinrichs 2015); stress ρ_f ~ U(``stress`` − 0.15, ``stress`` + 0.15),
clipped to [0.05, 1].

References
----------
T. Schröder, W. Kuckshinrichs, "Value of lost load: an efficient economic
indicator for power supply security? A literature review", Frontiers in
Energy Research 3:55 (2015).

Examples
--------
>>> inst = generate(7, seed=3)
>>> inst.resources, inst.agents[:2]
(('F1', 'F2'), ('F1_res1', 'F1_res2'))
>>> bool((inst.supply < inst.caps.sum(axis=0, where=inst.caps > 0)).all())   # congested
True
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from fairmas.models.allocation import AllocationInstance
from fairmas.scenarios.base import Generator, GeneratorParameters

CLASSES = ("res", "com", "ind")
"""Consumer classes: residential, commercial, industrial."""
CLASS_PROBABILITIES = (0.6, 0.3, 0.1)
PEAK_KW = ((3.0, 10.0), (20.0, 80.0), (100.0, 400.0))
"""Range of the contracted peak demand (kW) per class."""
VALUE_OF_LOST_LOAD = ((5.0, 15.0), (20.0, 40.0), (10.0, 30.0))
"""Range of the value of lost load (per kWh) per class."""


class SmartGridParameters(GeneratorParameters):
    """Network layout and stress."""

    per_feeder: Annotated[int, Field(ge=1, le=1000)] = Field(
        6, description="consumers per feeder (at most)"
    )
    stress: Annotated[float, Field(gt=0, le=1)] = Field(
        0.7, description="mean ratio of feeder capacity to the peak demand behind it"
    )
    entitlement: Literal["value", "contract", "equal"] = Field(
        "value", description="w_i = value of the contract, contracted kW, or 1"
    )


def _make(size: int, seed: int, params: SmartGridParameters) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    n_feeders = math.ceil(size / params.per_feeder)
    feeder = np.empty(size, dtype=np.int64)
    for f, group in enumerate(np.array_split(np.arange(size), n_feeders)):
        feeder[group] = f
    kind = rng.choice(len(CLASSES), size=size, p=CLASS_PROBABILITIES)
    low, high = np.array(PEAK_KW).T
    peak = np.round(rng.uniform(low[kind], high[kind]), 1)
    low, high = np.array(VALUE_OF_LOST_LOAD).T
    value = np.round(rng.uniform(low[kind], high[kind]), 2)
    stress = np.clip(rng.uniform(params.stress - 0.15, params.stress + 0.15, n_feeders), 0.05, 1)
    supply = np.round(stress * np.bincount(feeder, weights=peak, minlength=n_feeders), 1)

    names, counters = [], {}
    for f, k in zip(feeder.tolist(), kind.tolist(), strict=True):
        key = (f, k)
        counters[key] = counters.get(key, 0) + 1
        names.append(f"F{f + 1}_{CLASSES[k]}{counters[key]}")
    rows = np.arange(size)
    values = np.zeros((size, n_feeders))
    values[rows, feeder] = value
    caps = np.zeros((size, n_feeders))
    caps[rows, feeder] = peak
    entitlements = {
        "contract": peak,
        "value": np.round(value * peak, 2),
        "equal": np.ones(size),
    }[params.entitlement]
    return AllocationInstance.from_arrays(
        names,
        [f"F{f + 1}" for f in range(n_feeders)],
        values,
        supply=np.maximum(supply, 0.1),
        divisible=True,
        entitlements=entitlements,
        caps=caps,
        origin=SCENARIO.origin(size, seed),
    )


SCENARIO = Generator(
    name="smart_grid",
    kind="allocation",
    summary="feeder capacity (kW) shared among the consumers behind each feeder "
    "(utility: value of lost load × kW served)",
    objectives=("max_min", "leximin", "nash", "min_gap"),
    parameters=SmartGridParameters,
    make=_make,
    max_size=5000,
)
"""The ``smart_grid`` scenario."""


def generate(size: int, seed: int = 0, **params: object) -> AllocationInstance:
    """A smart-grid instance of ``size`` consumers (see the module docstring).

    Parameters
    ----------
    size : int
        Number of consumers (agents), 2..5000.
    seed : int
        Seed of ``numpy.random.default_rng``.
    **params
        ``per_feeder`` (default 6), ``stress`` (default 0.7), ``entitlement``
        (``value``, ``contract`` or ``equal``).
    """
    return SCENARIO(size, seed, **params)
