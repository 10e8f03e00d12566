"""Value at risk per threat on a perfect picture.

Where it sits: threat evaluation, after identification. On the perfect picture the impact point
of every threat is known, so the value at risk is the value the threat would destroy if it
landed: ``lethality x remaining value`` of the asset whose radius contains the impact point.
A threat falling where nothing is defended carries no value unless the coalition engages
undefended threats too (``engage_undefended``), when it carries ``undefended_value``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["value_at_risk"]

F64 = NDArray[np.float64]


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
