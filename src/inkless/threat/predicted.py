"""Where tracked threats are going: Keplerian impact prediction and predicted paths.

Where it sits: threat evaluation on the tracked picture, after tracking (and identification),
before assignment. Inputs are track states, never the truth: positions and velocities in ECEF
(m, m/s) at the decision time ``t`` (s since the epoch), and each track's class.

* **Ballistic** tracks fly a Keplerian arc (:func:`inkless.physics.ballistic.propagate`, the
  model the raid itself flies): :func:`ballistic_impact` propagates the state on a grid of times
  ahead until the height above the ellipsoid changes sign and refines the crossing by
  safeguarded Newton steps on ``h(t)`` (derivative: the velocity along the local vertical).
* **Cruise missiles and drones** are extrapolated at constant velocity (a straight line in
  ECEF).

:func:`predicted_path` samples these predictions on a grid of future times for the feasibility
of shots, NaN after the predicted impact (:func:`path_altitude` their heights);
:func:`position_at` gives one instant per track (the interceptors' midcourse aim points).
What each prediction puts at risk, with the track's covariance, is
:mod:`inkless.threat.probability`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64
from inkless.physics.ballistic import propagate
from inkless.physics.geodesy import altitude, up_from_ecef

__all__ = ["ballistic_impact", "path_altitude", "position_at", "predicted_path"]


_T_TOL = 1e-7  # s: a Newton step this small ends the impact-time iteration (quadratic: done)


def ballistic_impact(
    pos: F64, vel: F64, horizon_s: float = 2400.0, samples: int = 16, newton: int = 40
) -> tuple[F64, F64, F64]:
    """Time to go (s), ECEF impact point and velocity of Keplerian arcs from ``pos``, ``vel``
    ``(n, 3)`` (m, m/s), at height 0 above the ellipsoid; NaN where the arc does not come down
    within ``horizon_s`` (and time to go 0 at the state itself when it is already below 0).

    The first sample of ``samples`` equal steps below 0 brackets the crossing; Newton steps on
    the height from the linear interpolation in the bracket (kept inside it, else bisection)
    converge quadratically. A row stops when its Newton step is below 1e-7 s (at most
    ``newton`` steps): about 5 steps for a missile falling from altitude, more (bisections
    first) for a short low arc whose whole flight is a small part of the first bracket.
    """
    n = pos.shape[0]
    t_go, r_imp, v_imp = np.full(n, np.nan), np.full((n, 3), np.nan), np.full((n, 3), np.nan)
    if n == 0:
        return t_go, r_imp, v_imp
    grid = np.linspace(0.0, horizon_s, samples + 1)
    r, _ = propagate(pos, vel, np.broadcast_to(grid, (n, grid.size)))
    h = altitude(r)
    below = h <= 0.0
    rows = np.flatnonzero(below.any(axis=1))
    if rows.size == 0:
        return t_go, r_imp, v_imp
    kk = np.argmax(below[rows], axis=1)
    now = kk == 0
    k0 = np.maximum(kk - 1, 0)
    lo, hi = grid[k0], grid[kk]
    h_lo, h_hi = h[rows, k0], h[rows, kk]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(now, 0.0, lo + (hi - lo) * h_lo / (h_lo - h_hi))
    p0, v0 = pos[rows], vel[rows]
    act = np.flatnonzero(~now)
    t[now] = 0.0
    for _ in range(newton):
        if act.size == 0:
            break
        ta = t[act]
        rr, vv = propagate(p0[act], v0[act], ta)
        hh = altitude(rr)
        rate = np.einsum("ni,ni->n", vv, up_from_ecef(rr))
        hi[act] = hia = np.where(hh <= 0.0, ta, hi[act])
        lo[act] = loa = np.where(hh > 0.0, ta, lo[act])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = ta - hh / rate
        inside = np.isfinite(step) & (step >= loa) & (step <= hia)
        t[act] = np.where(inside, step, 0.5 * (loa + hia))
        act = act[~inside | (np.abs(step - ta) > _T_TOL)]
    rr, vv = propagate(p0, v0, t)
    t_go[rows], r_imp[rows], v_imp[rows] = t, rr, vv
    return t_go, r_imp, v_imp


def predicted_path(
    t: float,
    times: NDArray[np.floating],
    pos: F64,
    vel: F64,
    ballistic: NDArray[np.bool_],
    t_end: F64,
) -> F64:
    """Predicted ECEF positions ``(k, n, 3)`` (m) of every track at ``times (k,)`` (s;
    ballistic: Kepler, others: constant velocity from the state at ``t``), NaN at and after
    each track's predicted end ``t_end (n,)`` (s; NaN: no end). Their heights:
    :func:`path_altitude` (of the paths kept, after a screen)."""
    ahead = times - t  # (k,)
    done = times[:, None] >= np.where(np.isnan(t_end), np.inf, t_end)[None, :]
    out = vel[None] * ahead[:, None, None]  # every track on its straight line, all at once
    out += pos[None]
    b = np.flatnonzero(ballistic)
    if b.size:  # Kepler only where the missile still flies (each element is solved alone)
        ti, bi = np.nonzero(~done[:, b])
        r, _ = propagate(pos[b[bi]], vel[b[bi]], ahead[ti])
        out[ti, b[bi]] = r
    out[done] = np.nan
    return out


def path_altitude(ecef: F64) -> F64:
    """Heights above the ellipsoid ``(k, n)`` (m) of predicted paths ``ecef (k, n, 3)``
    (:func:`predicted_path`), NaN where the path is NaN (not in flight)."""
    return altitude(ecef)  # NaN in, NaN out: no mask to gather and scatter


def position_at(pos: F64, vel: F64, ballistic: NDArray[np.bool_], ahead: F64) -> F64:
    """Predicted ECEF position ``(n, 3)`` (m) of each track ``ahead (n,)`` seconds after its state
    ``pos``, ``vel`` ``(n, 3)``: Kepler for ballistic tracks, constant velocity for the others."""
    out = pos + vel * ahead[:, None]
    b = np.flatnonzero(ballistic)
    if b.size:
        out[b], _ = propagate(pos[b], vel[b], ahead[b])
    return np.asarray(out)
