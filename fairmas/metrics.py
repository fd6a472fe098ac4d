"""Fairness metrics of an allocation, reported in every allocation Result's ``details``.

For utilities u_i = v_i(x), entitlements w_i and the utilitarian optimum W*:

* ``min_utility``, ``max_utility``, ``mean_utility``, ``utility_gap`` = max − min;
* ``gini``: Σ_i Σ_j |u_i − u_j| / (2 n² ū) (0 = equal; 0 when everyone gets 0);
* ``jain_index``: (Σ u)² / (n Σ u²) ∈ [1/n, 1] (Jain, Chiu & Hawe 1984);
* envy: agent i envies k by e_ik = v_i(x_k)/w_k − v_i(x_i)/w_i (weighted envy,
  Chakraborty et al. 2020; the usual envy with equal entitlements):
  ``max_envy``, ``envy_free`` (every e_ik ≤ tolerance), and for indivisible goods
  ``ef1`` (each envy disappears once the good agent i values most is removed
  from k's bundle, Budish 2011);
* ``proportional``: u_i ≥ (w_i / Σ w)·v_i(R) for all i, with
  ``min_proportional_ratio`` = min_i u_i / ((w_i / Σ w) v_i(R));
* ``welfare`` Σ u_i, ``nash_welfare`` = (Π u_i^{w_i})^{1/Σ w} (0 when someone gets
  nothing) and ``log_nash_welfare`` = Σ w_i log u_i;
* ``price_of_fairness`` = (W* − Σ u) / W* (Bertsimas, Farias & Trichakis 2011).

References
----------
R. Jain, D.-M. Chiu, W. Hawe, DEC-TR-301 (1984); E. Budish, J. Political Economy
119(6), 2011; M. Chakraborty, A. Igarashi, W. Suksompong, Y. Zick, "Weighted
envy-freeness in indivisible item allocation", ACM TEAC 9(3), 2021;
D. Bertsimas, V. F. Farias, N. Trichakis, "The price of fairness", Operations
Research 59(1), 2011.
"""

from __future__ import annotations

import math

import numpy as np

from fairmas.models.allocation import AllocationInstance

ENVY_TOLERANCE = 1e-7
"""Envy up to this much (relative to the largest utility, floored at 1) counts as none."""


def fairness_metrics(
    instance: AllocationInstance, x: np.ndarray, utilitarian_optimum: float
) -> dict[str, object]:
    """Every metric of the module notes for allocation ``x``.

    Examples
    --------
    >>> inst = AllocationInstance.from_arrays(["a", "b"], ["r", "s"], [[2, 1], [1, 2]])
    >>> m = fairness_metrics(inst, np.eye(2), 4.0)
    >>> m["envy_free"], m["gini"], m["jain_index"], m["price_of_fairness"], m["proportional"]
    (True, 0.0, 1.0, 0.0, True)
    """
    V, w = instance.values, instance.entitlements
    utilities = (V * x).sum(axis=1)
    n = len(utilities)
    welfare = float(utilities.sum())
    mean = welfare / n
    if welfare > 0:
        gini = float(np.abs(utilities[:, None] - utilities[None, :]).sum() / (2 * n * n * mean))
        jain = float(welfare**2 / (n * float(np.dot(utilities, utilities))))
    else:
        gini, jain = 0.0, 1.0
    bundles = V @ x.T  # bundles[i, k] = v_i(x_k)
    envy = bundles / w[None, :] - (utilities / w)[:, None]
    np.fill_diagonal(envy, -np.inf)
    scale = max(1.0, float(np.abs(bundles).max(initial=0.0)))
    max_envy = float(max(envy.max(initial=-np.inf), 0.0)) if n > 1 else 0.0
    envy_free = max_envy <= ENVY_TOLERANCE * scale
    metrics: dict[str, object] = {
        "utilities": utilities.tolist(),
        "min_utility": float(utilities.min()),
        "max_utility": float(utilities.max()),
        "mean_utility": mean,
        "utility_gap": float(utilities.max() - utilities.min()),
        "gini": gini,
        "jain_index": jain,
        "max_envy": max_envy,
        "envy_free": bool(envy_free),
    }
    if instance.all_indivisible:
        # remove from k's bundle the unit i values most (any unit k holds at least one of)
        held = x >= 1 - 1e-9
        best_item = np.where(held[None, :, :], V[:, None, :], 0.0).max(axis=2)  # [i, k]
        envy_up_to_one = (bundles - best_item) / w[None, :] - (utilities / w)[:, None]
        np.fill_diagonal(envy_up_to_one, -np.inf)
        metrics["ef1"] = bool(envy_up_to_one.max(initial=-np.inf) <= ENVY_TOLERANCE * scale)
    total_value = (V * instance.supply[None, :]).sum(axis=1)
    fair_share = w / w.sum() * total_value
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(fair_share > 0, utilities / fair_share, np.inf)
    min_ratio = float(ratio.min())
    metrics["proportional"] = bool(min_ratio >= 1 - ENVY_TOLERANCE)
    metrics["min_proportional_ratio"] = min_ratio if math.isfinite(min_ratio) else None
    metrics["welfare"] = welfare
    if np.all(utilities > 0):
        log_nw = float(np.dot(w, np.log(utilities)))
        metrics["log_nash_welfare"] = log_nw
        metrics["nash_welfare"] = math.exp(log_nw / w.sum())
    else:
        metrics["log_nash_welfare"] = -math.inf
        metrics["nash_welfare"] = 0.0
    metrics["utilitarian_optimum"] = utilitarian_optimum
    metrics["price_of_fairness"] = (
        (utilitarian_optimum - welfare) / utilitarian_optimum if utilitarian_optimum > 0 else 0.0
    )
    return metrics
