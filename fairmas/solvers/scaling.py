"""Exact scaling of non-negative real weights to int64, for integer-capacity algorithms.

OR-Tools' max-flow takes integer capacities, and the compiled global min cut
works on int64 for exact comparisons. Weights are multiplied by ``factor = 2**k``,
the largest power of two that keeps the total weight at most 2**62, and rounded
to the nearest integer. Multiplying by a power of two is exact in floating
point, so the only error is the rounding: at most 1/2 unit per edge, i.e. a cut
of m edges is off by at most m / (2·factor) ≤ m·2**-63·Σw. The cut found is
therefore optimal for the real weights to well within the agreement tolerance;
callers report the welfare recomputed in floating point from the partition.
"""

from __future__ import annotations

import math

import numpy as np

TOTAL_LIMIT = 2**62
"""Largest total integer weight: flows and cut sums then stay below int64's 2**63."""


def integer_weights(weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale non-negative weights to int64 by a power of two.

    Parameters
    ----------
    weights : ndarray of float
        Non-negative finite weights.

    Returns
    -------
    scaled : ndarray of int64
        ``rint(weights * factor)``.
    factor : float
        The power of two used (1.0 when every weight is zero).

    Examples
    --------
    >>> scaled, factor = integer_weights(np.array([0.5, 0.25, 0.0]))
    >>> math.log2(factor).is_integer()     # a power of two
    True
    >>> int(scaled.sum()) <= TOTAL_LIMIT
    True
    >>> (scaled / factor).tolist()
    [0.5, 0.25, 0.0]
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.size and (weights.min() < 0 or not np.isfinite(weights).all()):
        raise ValueError("integer_weights needs finite non-negative weights")
    total = float(weights.sum())
    if total <= 0.0:
        return np.zeros(weights.shape, dtype=np.int64), 1.0
    exponent = math.floor(math.log2(TOTAL_LIMIT / total))
    factor = math.ldexp(1.0, exponent)
    scaled = np.rint(weights * factor).astype(np.int64)
    # rounding up each edge could lift the sum a little above the limit
    while scaled.sum(dtype=np.float64) > TOTAL_LIMIT:
        factor /= 2.0
        scaled = np.rint(weights * factor).astype(np.int64)
    return scaled, factor
