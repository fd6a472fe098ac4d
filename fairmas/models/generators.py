"""The standard random coalition-value distributions of the CSG literature.

Each generator fills a dense table ``v`` of length 2^n (index = bitmask of the
coalition, bit i = agent i, ``v[0] = 0``) from a seeded
:class:`numpy.random.Generator`. The formulas and constants are those of the
public ODP-IP reference code (``inputOutput/Input.java``,
``generateCoalitionValues``, by T. Rahwan, for Michalak et al. 2016), which
also fixes the benchmark distributions used in the CSG papers; with s = |C|:

``uniform`` (Larson & Sandholm 2000)
    v(C) = s · U(0, 1).
``normal`` (Larson & Sandholm 2000; Rahwan et al. 2009)
    v(C) = max(0, s · N(10, 0.1)).
``modified_uniform`` (Service & Adams 2010)
    v(C) = U(0, 10 s), plus U(0, 50) with probability 0.21.
``modified_normal``
    v(C) = max(0, s · N(10, 0.1)), plus N(25, 0.1) with probability 0.21.
``ndcs`` (normally distributed coalition structures; Rahwan et al. 2009)
    v(C) ~ N(s, √s), redrawn until positive.
``exponential``
    v(C) = s · Exp(1) (mean 1).
``beta``
    v(C) = s · Beta(0.5, 0.5).
``gamma``
    v(C) = s · Gamma(shape 2, scale 2).
``agent_based_uniform``
    each agent i draws a strength σ_i ~ U(0, 10) once;
    v(C) = Σ_{i∈C} U(0, 2 σ_i), a fresh draw per (coalition, member).
``agent_based_normal``
    σ_i = max(0, N(10, 0.1)); v(C) = Σ_{i∈C} max(0, N(σ_i, 0.1)).

The distributions without a reference in parentheses are the further benchmark
distributions of the ODP-IP experiments (Michalak et al. 2016) and its
successors (the agent-based ones in Changder et al. 2020); their constants are
taken from the reference code, which is the one source that states them all.

As in the reference code, every value is finally multiplied by 10^8 and
rounded to an integer: sums of a few million such values are exact in float64,
so every exact method computes bit-identical welfare.

References
----------
K. Larson, T. Sandholm, "Anytime coalition structure generation: an average
case study", J. Exp. Theor. Artif. Intell. 12 (2000).
T. Rahwan, S. D. Ramchurn, N. R. Jennings, A. Giovannucci, "An anytime
algorithm for optimal coalition structure generation", JAIR 34 (2009).
T. Service, J. Adams, "Approximate coalition structure generation", AAAI 2010.
T. Michalak, T. Rahwan, E. Elkind, M. Wooldridge, N. R. Jennings, "A hybrid
exact algorithm for complete set partitioning", Artificial Intelligence 230
(2016).
N. Changder, S. Aknine, S. D. Ramchurn, A. Dutta, "ODSS: efficient hybridization
for optimal coalition structure generation", AAAI 2020.

Examples
--------
>>> v = generate_values("uniform", 3, seed=1)
>>> v.shape, float(v[0]), bool((v[1:] > 0).all())
((8,), 0.0, True)
>>> bool((generate_values("uniform", 3, seed=1) == v).all())   # seeded
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SCALE = 1e8
"""Every generated value is multiplied by this and rounded, as in the reference code."""

BONUS_PROBABILITY = 0.21
"""The modified distributions add a bonus when ``nextInt(100) <= 20``: 21 of 100 cases."""


def popcounts(n: int) -> np.ndarray:
    """``|C|`` for every bitmask C of n agents (uint8 array of length 2^n).

    >>> popcounts(3).tolist()
    [0, 1, 1, 2, 1, 2, 2, 3]
    """
    counts = np.zeros(1 << n, dtype=np.uint8)
    for i in range(n):
        half = 1 << i
        counts[half : 2 * half] = counts[:half] + 1
    return counts


def _sizes(n: int) -> np.ndarray:
    return popcounts(n)[1:].astype(np.float64)


def _uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    return s * rng.random(s.size)


def _normal(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    return np.maximum(0.0, s * rng.normal(10.0, 0.1, s.size))


def _bonus(size: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(size) < BONUS_PROBABILITY


def _modified_uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    values = rng.random(s.size) * 10.0 * s
    return values + np.where(_bonus(s.size, rng), rng.random(s.size) * 50.0, 0.0)


def _modified_normal(n: int, rng: np.random.Generator) -> np.ndarray:
    values = _normal(n, rng)
    return values + np.where(_bonus(values.size, rng), rng.normal(25.0, 0.1, values.size), 0.0)


def _ndcs(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    values = rng.normal(s, np.sqrt(s))
    redraw = np.flatnonzero(values <= 0)
    while redraw.size:
        values[redraw] = rng.normal(s[redraw], np.sqrt(s[redraw]))
        redraw = redraw[values[redraw] <= 0]
    return values


def _exponential(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    return s * rng.exponential(1.0, s.size)


def _beta(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    return s * rng.beta(0.5, 0.5, s.size)


def _gamma(n: int, rng: np.random.Generator) -> np.ndarray:
    s = _sizes(n)
    return s * rng.gamma(2.0, 2.0, s.size)


def _agent_based(
    n: int, strengths: np.ndarray, draw: Callable[[float, int], np.ndarray]
) -> np.ndarray:
    """v(C) = Σ_{i∈C} draw(σ_i): one fresh draw per (coalition, member), agent by agent."""
    values = np.zeros(1 << n, dtype=np.float64)
    masks = np.arange(1 << n, dtype=np.int64)
    for agent in range(n):
        members = np.flatnonzero((masks >> agent) & 1)
        values[members] += draw(float(strengths[agent]), members.size)
    return values[1:]


def _agent_based_uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    strengths = rng.random(n) * 10.0
    return _agent_based(n, strengths, lambda sigma, size: rng.random(size) * 2.0 * sigma)


def _agent_based_normal(n: int, rng: np.random.Generator) -> np.ndarray:
    strengths = np.maximum(0.0, rng.normal(10.0, 0.1, n))
    return _agent_based(
        n, strengths, lambda sigma, size: np.maximum(0.0, rng.normal(sigma, 0.1, size))
    )


DISTRIBUTIONS: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "uniform": _uniform,
    "normal": _normal,
    "modified_uniform": _modified_uniform,
    "modified_normal": _modified_normal,
    "ndcs": _ndcs,
    "exponential": _exponential,
    "beta": _beta,
    "gamma": _gamma,
    "agent_based_uniform": _agent_based_uniform,
    "agent_based_normal": _agent_based_normal,
}
"""Distribution name → ``draw(n, rng)`` returning the values of the 2^n − 1 non-empty coalitions."""


def generate_values(distribution: str, n: int, seed: int = 0) -> np.ndarray:
    """Dense coalition values of n agents drawn from a standard CSG distribution.

    Parameters
    ----------
    distribution : str
        A key of :data:`DISTRIBUTIONS`.
    n : int
        Number of agents (the table has 2^n entries).
    seed : int
        Seed of :class:`numpy.random.Generator` (PCG64).

    Returns
    -------
    ndarray of float64
        ``v[mask]`` for every bitmask, ``v[0] = 0``; integers (scaled by 10^8 and
        rounded, as in the ODP-IP reference code).

    Raises
    ------
    ValueError
        For an unknown distribution.
    """
    try:
        draw = DISTRIBUTIONS[distribution]
    except KeyError:
        known = ", ".join(DISTRIBUTIONS)
        raise ValueError(f"unknown distribution {distribution!r}; one of: {known}") from None
    rng = np.random.default_rng(seed)
    values = np.empty(1 << n, dtype=np.float64)
    values[0] = 0.0
    values[1:] = np.round(draw(n, rng) * SCALE)
    return values
