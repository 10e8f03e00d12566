"""Intercept geometry: where and when an interceptor fired from a unit can meet a threat.

Where it sits: assignment uses :func:`pairwise_intercept` on each threat's predicted track to
decide which fire units can engage which threats now and where; :func:`intercept_straight` is
the closed form for a target flying a straight line at constant velocity.

Interceptor model: it flies a straight line from the fire unit at a constant *mean* flyout speed
(no kinematics, no curvature of the Earth, no minimum flight time) and meets the threat where
it first can; it cannot loiter, so the meeting point must lie in the envelope. The envelope is a
slant-range band ``[r_min, r_max]`` from the unit and an altitude band ``[alt_min, alt_max]``
(height above the WGS-84 ellipsoid) at the intercept point. Positions are ECEF metres, speeds m/s,
times seconds since the scenario epoch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "intercept_straight",
    "pairwise_intercept",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]



def intercept_straight(unit: ArrayLike, speed: ArrayLike, p0: ArrayLike, v: ArrayLike) -> Array:
    """Earliest time ``t >= 0`` (s) at which an interceptor leaving ``unit`` (ECEF m) at time 0
    with constant ``speed`` (m/s) can meet a target at ``p0`` (m) at time 0 moving at constant
    velocity ``v`` (m/s); NaN when it never can. Broadcasts over leading dimensions.

    Closed form: the smallest non-negative root of ``|p0 + v t - unit| = speed t``, i.e. of
    ``(|v|^2 - speed^2) t^2 + 2 (d . v) t + |d|^2 = 0`` with ``d = p0 - unit``, written as
    ``t = 2 |d|^2 / (-b + sqrt(b^2 - 4 a c))`` to avoid cancellation (the classic
    pursuit/collision-course quadratic; e.g. Isaacs, *Differential Games*, 1965, ch. 1).
    """
    u, p, vv = (np.asarray(x, dtype=np.float64) for x in (unit, p0, v))
    s = np.asarray(speed, dtype=np.float64)
    d = p - u
    a = np.einsum("...i,...i->...", vv, vv) - s * s
    b = 2.0 * np.einsum("...i,...i->...", d, vv)
    c = np.einsum("...i,...i->...", d, d)
    disc = b * b - 4.0 * a * c
    sq = np.sqrt(np.maximum(disc, 0.0))
    den = -b + sq
    ok = (disc >= 0.0) & (den > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(ok, 2.0 * c / np.where(ok, den, 1.0), np.nan)
    result: Array = np.where(c == 0.0, 0.0, t)
    return result


def pairwise_intercept(
    unit: Array,
    speed: Array,
    r_min: Array,
    r_max: Array,
    alt_min: Array,
    alt_max: Array,
    t_now: float,
    times: NDArray[np.floating],
    target: NDArray[np.floating],
    target_alt: NDArray[np.floating],
) -> tuple[Array, IntArray]:
    """When and where an interceptor fired now meets its threat, for ``P`` (unit, threat) pairs.

    ``unit (P,3)`` and the envelope arrays ``(P,)`` describe the shooter of each pair,
    ``target (P,k,3)`` and ``target_alt (P,k)`` its threat at ``times (k,)`` (increasing, the first
    at or after ``t_now``). Returns ``(t_int (P,), j (P,))``: the meeting sample (the first at
    which ``|target - unit| / speed <= times[j] - t_now``, the threat alive) if it lies inside the
    unit's range and altitude envelope, else NaN and -1. An interceptor flies at its mean speed
    and cannot loiter, so a threat that enters the envelope only later is not engageable now.
    Exact on the sample grid: the true meeting lies at most one sample before ``t_int``.
    """
    d = target - unit[:, None, :]
    dist = np.sqrt(np.einsum("pki,pki->pk", d, d))
    with np.errstate(invalid="ignore"):
        reach = (times[None, :] - dist / speed[:, None]) >= t_now  # False where not alive
        env = (
            (dist >= r_min[:, None]) & (dist <= r_max[:, None])
            & (target_alt >= alt_min[:, None]) & (target_alt <= alt_max[:, None])
        )
    first = np.argmax(reach, axis=1)
    rows = np.arange(len(first))
    ok = reach[rows, first] & env[rows, first]
    return np.where(ok, times[first], np.nan), np.where(ok, first, -1)
