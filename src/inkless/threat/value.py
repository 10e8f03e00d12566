"""Value at risk per threat: on a perfect picture, and from asset probabilities on a tracked one.

Where it sits: threat evaluation, after identification. On the perfect picture the impact point
of every threat is known, so the value at risk is the value the threat would destroy if it
landed: ``lethality x remaining value`` of the asset whose radius contains the impact point
(:func:`value_at_risk`). On the tracked picture the impact is uncertain: the expected value
destroyed is ``lethality x sum_a p_a x remaining value_a`` over the assets' probabilities
(:func:`expected_value_at_risk`, from :func:`inkless.threat.probability.asset_probabilities`;
by linearity of expectation this holds also where assets' discs overlap).
A threat falling where nothing is defended carries no value unless the coalition engages
undefended threats too (``engage_undefended``), when it carries ``undefended_value``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64

from .probability import P_NEGLIGIBLE

__all__ = ["expected_value_at_risk", "value_at_risk"]



def value_at_risk(
    hit_asset: NDArray[np.int64],
    lethality: F64,
    remaining_value: F64,
    engage_undefended: bool = False,
    undefended_value: float = 1.0,
) -> F64:
    """Expected value destroyed by each threat if it is not intercepted (value units)."""
    defended = hit_asset >= 0
    value = np.where(defended, remaining_value[np.maximum(hit_asset, 0)] * lethality, 0.0)
    if engage_undefended:
        value = np.where(defended, value, undefended_value)
    return np.asarray(value, dtype=float)


def expected_value_at_risk(
    prob: F64,
    lethality: F64,
    remaining_value: F64,
    engage_undefended: bool = False,
    undefended_value: float = 1.0,
    threshold: float = P_NEGLIGIBLE,
) -> F64:
    """Expected value destroyed by each threat if it is not intercepted (value units), ``(n,)``.

    Args:
        prob: ``(n, a)`` probability that each threat comes down on each asset.
        lethality: ``(n,)`` fraction of an asset's value a hit destroys.
        remaining_value: ``(a,)`` value each asset still holds.
        engage_undefended, undefended_value: as :func:`value_at_risk`; the undefended share
            is the probability of hitting no asset, ``1 - sum_a p_a`` (at least 0).
        threshold: a threat whose probabilities are all below it threatens nothing defended
            (value 0, or ``undefended_value`` when engaging undefended threats).
    """
    p = np.where((prob >= threshold).any(axis=1, keepdims=True), prob, 0.0)
    value = lethality * (p @ remaining_value)
    if engage_undefended:
        value = value + undefended_value * np.clip(1.0 - p.sum(axis=1), 0.0, 1.0)
    return np.asarray(value, dtype=float)
