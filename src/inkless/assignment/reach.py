"""Reach screens: cheap bounds that drop (unit, track) pairs no shot can join, before the
threat evaluation and the feasibility of shots.

Where it sits: assignment, on the tracked picture, before :mod:`inkless.assignment.feasibility`.
Both screens are conservative: a pair they drop is infeasible, so the feasibility computed on
the pairs that remain is the feasibility of all pairs.
"""

from __future__ import annotations

import numpy as np

from inkless.arrays import F64, I64, B
from inkless.scenario.tables import FireUnitTable
from inkless.simulation import BALLISTIC

__all__ = ["BALLISTIC_GAIN_MPS2", "may_reach", "within_reach"]

#: A ballistic threat gains at most this much speed per second (gravity, 9.8 m/s^2, rounded up).
BALLISTIC_GAIN_MPS2 = 10.0


def may_reach(units: FireUnitTable, units_enu: F64, pos: F64, vel: F64, cls: I64, flyout: F64,
              dt: float, r_max: F64 | None = None) -> B:
    """``(c,)``: candidates some unit able to kill their class (``units.pk[:, cls] > 0``) might
    reach within its look-ahead ``T = min(flyout, 900 s) + 2 dt``.

    A threat moving at speed ``v`` travels at most ``v T`` in ``T`` s, a ballistic one
    ``(v + g T) T``; a pair farther apart than that plus the unit's maximum range (``r_max
    (u,)`` m, default ``units.r_max``; more for a unit that moves to shoot) is out of reach.
    ``units_enu (u, 3)``, ``pos``, ``vel`` ``(c, 3)`` in one ENU frame (m, m/s); ``flyout
    (u,)`` s.
    """
    if cls.size == 0:
        return np.zeros(0, bool)
    horizon = np.minimum(flyout, 900.0) + 2.0 * dt  # (u,)
    speed = np.sqrt(np.einsum("ci,ci->c", vel, vel))
    dx, dy, dz = (pos[:, k] - units_enu[:, k, None] for k in range(3))  # (u, c) each
    d = np.sqrt(dx * dx + dy * dy + dz * dz)
    ballistic = cls == BALLISTIC
    if ballistic.any():
        gain = np.where(ballistic[None, :], BALLISTIC_GAIN_MPS2 * horizon[:, None], 0.0)
        travel = (speed[None, :] + gain) * horizon[:, None]
    else:  # (speed + 0 is speed)
        travel = speed[None, :] * horizon[:, None]
    able = units.pk[:, cls] > 0
    reach = units.r_max if r_max is None else r_max
    return np.asarray((able & (d - travel <= reach[:, None])).any(axis=0))


def within_reach(units: FireUnitTable, us: I64, ecef: F64, r_max: F64 | None = None) -> B:
    """``(len(us), k)``: the predicted paths ``ecef (times, k, 3)`` (m, NaN where not in
    flight) come within each unit's maximum range (``r_max (units,)`` m, default
    ``units.r_max``): a bound by the sphere around each path's samples (the box's centre and
    half diagonal), so no feasible pair is dropped."""
    if ecef.shape[0] == 0:  # no sample: nothing in flight
        return np.zeros((len(us), ecef.shape[1]), bool)
    # NaN samples are ignored; a path never in flight has a NaN box, which reaches nothing
    lo, hi = np.fmin.reduce(ecef, axis=0), np.fmax.reduce(ecef, axis=0)
    centre, radius = 0.5 * (lo + hi), 0.5 * np.linalg.norm(hi - lo, axis=1)
    d = np.linalg.norm(units.ecef[us][:, None, :] - centre[None], axis=2)
    reach = units.r_max if r_max is None else r_max
    out: B = (d - radius[None]) <= reach[us][:, None]
    return out
