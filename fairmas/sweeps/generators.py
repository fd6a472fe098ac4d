"""The instance generators a sweep can name.

* the application scenarios of :data:`fairmas.scenarios.SCENARIOS`
  (``traffic``, ``smart_city``, ``smart_grid``, ``llm_budget``, ``llm_teams``);
* ``csg``: a coalition game drawn from a standard CSG distribution
  (:mod:`fairmas.models.generators`; parameter ``distribution``, default
  ``uniform``), at most 25 agents (a dense table of 2^n values);
* ``trust_network``: a random trust network as in Tong and Ren's experiment
  (:func:`fairmas.experiments.trust_csg.random_trust_network`; parameters
  ``trust`` = ``low``/``high``/``mixed`` and ``density``).

``NAME:VALUE`` sets a generator's main parameter: ``csg:ndcs`` is ``csg`` with
``distribution: ndcs``, ``trust_network:low`` is ``trust_network`` with
``trust: low``.

Examples
--------
>>> resolve_generator("csg:ndcs", {})
('csg', {'distribution': 'ndcs'})
>>> GENERATORS["csg"](4, seed=2, distribution="ndcs").describe()
'coalition_game, 4 agents, generated ndcs (seed 2)'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from fairmas.errors import ParameterError
from fairmas.models.coalition_game import MAX_TABLE_AGENTS, CoalitionGame, Distribution
from fairmas.models.trust_network import TrustNetwork
from fairmas.scenarios import SCENARIOS
from fairmas.scenarios.base import Generator, GeneratorParameters


class CsgParameters(GeneratorParameters):
    """The distribution of the coalition values."""

    distribution: Distribution = Field("uniform", description="a CSG benchmark distribution")


def _make_csg(size: int, seed: int, params: CsgParameters) -> CoalitionGame:
    return CoalitionGame.generate(size, params.distribution, seed, origin=CSG.origin(size, seed))


CSG = Generator(
    name="csg",
    kind="coalition_game",
    summary="coalition values drawn from a standard CSG distribution (dense table)",
    objectives=("csg",),
    parameters=CsgParameters,
    make=_make_csg,
    min_size=2,
    max_size=MAX_TABLE_AGENTS,
)


class TrustNetworkParameters(GeneratorParameters):
    """Trust regime and density of a random trust network."""

    trust: Literal["low", "high", "mixed"] = Field("mixed", description="trust band")
    density: Annotated[float, Field(gt=0, le=1)] = Field(0.5, description="edge probability")


def _make_trust_network(size: int, seed: int, params: TrustNetworkParameters) -> TrustNetwork:
    from fairmas.experiments.trust_csg import random_trust_network

    return random_trust_network(size, params.trust, seed, params.density)


TRUST_NETWORK = Generator(
    name="trust_network",
    kind="trust_network",
    summary="random trust network of Tong and Ren's experiment (trust band, edge density)",
    objectives=("min_cut_partition", "csg"),
    parameters=TrustNetworkParameters,
    make=_make_trust_network,
    min_size=2,
    max_size=100_000,
)

GENERATORS: dict[str, Generator] = {**SCENARIOS, CSG.name: CSG, TRUST_NETWORK.name: TRUST_NETWORK}
"""Generator name → :class:`~fairmas.scenarios.base.Generator`."""

SHORTHANDS = {"csg": "distribution", "trust_network": "trust"}
"""Generator → the parameter ``NAME:VALUE`` sets."""


def resolve_generator(name: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Split ``NAME:VALUE`` into the generator name and its parameters.

    Raises
    ------
    ParameterError
        For an unknown generator, a shorthand the generator does not have, or
        a shorthand repeated in ``params``.
    """
    base, colon, value = name.partition(":")
    if base not in GENERATORS:
        known = ", ".join([*GENERATORS, *(f"{g}:<{p}>" for g, p in SHORTHANDS.items())])
        raise ParameterError("name", f"unknown generator {name!r}; one of: {known}")
    if not colon:
        return base, dict(params)
    if base not in SHORTHANDS:
        raise ParameterError("name", f"generator {base} takes no ':{value}' shorthand")
    key = SHORTHANDS[base]
    if key in params:
        raise ParameterError("name", f"{key} is given both as ':{value}' and in params")
    return base, {key: value, **params}
