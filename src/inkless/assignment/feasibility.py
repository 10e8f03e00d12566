"""Engagement feasibility for every (fire unit, threat) pair, as arrays over all pairs at once.

Where it sits: assignment, before a solver. For each available unit and candidate threat, the
intercept point and time of an interceptor fired now at the unit's mean flyout speed, inside
its range and altitude envelope and before impact
(:func:`inkless.physics.intercept.earliest_intercept` on the threat's predicted track sampled
over a look-ahead window), and the kill probability of the pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.physics.geodesy import altitude
from inkless.physics.intercept import earliest_intercept
from inkless.scenario.tables import FireUnitTable

__all__ = ["Feasibility", "feasibility"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Feasibility:
    """Pairs (units ``u`` x threats ``k``): ``t_intercept (u,k)`` s (NaN: infeasible),
    ``point (u,k,3)`` ECEF m of the intercept, ``t_last_fire (u,k)``, ``pk (u,k)``."""

    t_intercept: F64
    point: F64
    t_last_fire: F64
    pk: F64

    @property
    def feasible(self) -> NDArray[np.bool_]:
        return np.isfinite(self.t_intercept) & (self.pk > 0.0)


def feasibility(
    units: FireUnitTable,
    rows: I64,
    t: float,
    times: F64,
    predicted: F64,
    threat_cls: I64,
    predicted_alt: F64 | None = None,
) -> Feasibility:
    """Feasibility of units ``rows`` against threats whose predicted ECEF positions at ``times``
    are ``predicted (k, len(times), 3)`` (NaN where the threat is not in flight), with heights
    ``predicted_alt (k, len(times))`` when known."""
    alt = altitude(predicted) if predicted_alt is None else predicted_alt
    t_int, j, t_last = earliest_intercept(
        units.ecef[rows],
        units.speed[rows],
        units.r_min[rows],
        units.r_max[rows],
        units.alt_min[rows],
        units.alt_max[rows],
        t,
        times,
        predicted,
        alt,
    )
    jj = np.clip(j, 0, len(times) - 1)
    point = predicted[np.arange(predicted.shape[0])[None, :], jj]
    pk = units.pk[rows][:, threat_cls]
    return Feasibility(t_intercept=t_int, point=point, t_last_fire=t_last, pk=pk)
