"""Guidance of interceptors in the air: midcourse updates and the seeker basket.

Where it sits: engagement, on the tracked picture, between the decision that fired an
interceptor and the settlement of its kill draw (:func:`inkless.engagement.resolve`).

* **Midcourse** (:func:`midcourse`): at every decision time until the intercept, each
  interceptor is aimed at its track's predicted position at the intercept time, with the motion
  model of the class the track was declared when it was fired (Kepler for ballistic tracks,
  constant velocity for the others: :func:`inkless.threat.position_at`), while the track is in
  the picture; otherwise it keeps its last aim point.
* **Seeker basket** (:func:`basket_check`): at the intercept, the kill draw counts only if a
  true object is within the interceptor type's seeker basket of the aim point: the one behind
  the track fired at, or, when that one is gone or elsewhere, the nearest threat in the air
  there (the track had swapped to it); with nothing in the basket the kill probability is 0.
  The truth enters only here, as the physics of what the seeker finds.
"""

from __future__ import annotations

import numpy as np

from inkless.arrays import F32, F64, I64, B
from inkless.simulation import BALLISTIC
from inkless.threat import position_at

from .flyout import PENDING, InFlight

__all__ = ["basket_check", "midcourse"]


def midcourse(flight: InFlight, shot_track: I64, shot_class: I64, t: float, track_id: I64,
              pos: F64, vel: F64) -> None:
    """Re-aim the interceptors in the air at ``t`` (s): those whose track (``shot_track``,
    per interceptor row) is among the picture's ``track_id (n,)`` with ECEF ``pos``, ``vel``
    ``(n, 3)`` get ``flight.point`` = the track's predicted position at their intercept time,
    with the motion model of ``shot_class`` (per row)."""
    rows = np.flatnonzero((flight.result[: flight.n] == PENDING)
                          & (flight.intercept_time[: flight.n] > t))
    if rows.size == 0 or track_id.size == 0:
        return
    order = np.argsort(track_id)
    at = np.minimum(np.searchsorted(track_id[order], shot_track[rows]), track_id.size - 1)
    found = track_id[order][at] == shot_track[rows]
    rows, at = rows[found], order[at[found]]
    if rows.size == 0:
        return
    flight.point[rows] = position_at(pos[at], vel[at], shot_class[rows] == BALLISTIC,
                                     flight.intercept_time[rows] - t)


def basket_check(flight: InFlight, t: float, dt: float, objects: F32, shot_truth: I64,
                 unit_basket: F64, miss_distance: F64, alive: B, cls: I64, unit_pk: F64) -> None:
    """Interceptors due by ``t`` (s) and not checked yet: what their seekers find at the
    intercept, from the truth grid ``objects (ticks, N, 3)`` (ECEF m, sampled every ``dt`` s;
    rows ``0..n-1`` the threats, ``alive (n,)`` which of them are still in the air, ``cls (n,)``
    their classes).

    The seeker finds what is there: the object behind the track fired at (``shot_truth``, per
    row; -1 a false track) when it is within the firing unit's basket of the aim point
    (``unit_basket``, m per unit); otherwise, when that object is a threat already gone or out
    of the basket, or nothing, the nearest threat in the air within the basket: the track had
    come to follow another threat (a swap, a duplicate of a threat already killed), and the
    interceptor guided on it meets that one. Such a shot is re-assigned to the threat it meets
    (``flight.threat``, ``shot_truth``) with the unit's kill probability for its class
    (``unit_pk (u, 3)``); its kill draw stays the one drawn when it was fired. A civil or
    coalition aircraft behind the track is what the seeker finds (the after-action counts it).
    ``miss_distance`` (per row, m) is the distance to what was found (infinite: nothing);
    outside the basket the kill probability becomes 0."""
    due = np.flatnonzero((flight.result[: flight.n] == PENDING)
                         & (flight.intercept_time[: flight.n] <= t)
                         & np.isnan(miss_distance[: flight.n]))
    if due.size == 0:
        return
    n = alive.shape[0]
    k = np.minimum(np.rint(flight.intercept_time[due] / dt).astype(np.int64), objects.shape[0] - 1)
    obj = shot_truth[due]
    true = objects[k, np.maximum(obj, 0)].astype(np.float64)
    miss = np.where(obj >= 0, np.linalg.norm(true - flight.point[due], axis=1), np.inf)
    basket = unit_basket[flight.unit[due]]
    threat = (obj >= 0) & (obj < n)
    gone = threat & ~alive[np.clip(obj, 0, max(n - 1, 0))] if n else np.zeros(due.size, bool)
    look = np.flatnonzero(((obj < 0) | threat) & (gone | ~(miss <= basket)))
    live = np.flatnonzero(alive)
    if look.size and live.size:
        pos = objects[k[look][:, None], live[None, :]].astype(np.float64)  # (r, L, 3)
        d = np.linalg.norm(pos - flight.point[due[look]][:, None, :], axis=2)
        d = np.where(np.isnan(d), np.inf, d)
        best = np.argmin(d, axis=1)
        near = d[np.arange(look.size), best]
        found = near <= basket[look]
        rows, j = due[look[found]], live[best[found]]
        flight.threat[rows], shot_truth[rows] = j, j
        flight.pk[rows] = unit_pk[flight.unit[rows], cls[j]]
        miss[look[found]] = near[found]
    miss_distance[due] = miss
    outside = ~(miss <= basket)
    flight.pk[due[outside]] = 0.0
