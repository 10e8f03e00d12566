"""Threat evaluation from tracks: where each tracked threat is going and what it puts at risk.

Where it sits: threat evaluation on the tracked picture, after tracking (and identification),
before assignment. Inputs are track states, never the truth: positions and velocities in ECEF
(m, m/s) at the decision time ``t`` (s since the epoch), and each track's class.

* **Ballistic** tracks fly a Keplerian arc (:func:`inkless.physics.ballistic.propagate`, the
  model the raid itself flies): the state is propagated on a grid of times ahead until the height
  above the ellipsoid changes sign, and the crossing is refined by safeguarded Newton steps on
  ``h(t)`` (derivative: the velocity along the local vertical). The predicted impact point, moved
  back along the final velocity to each asset's height, is compared with the asset's radius plus
  ``margin_m``.
* **Cruise missiles and drones** are extrapolated at constant velocity (a straight line in
  ECEF). For every asset, the horizontal closest approach of the line (in the asset's local
  horizontal plane) ahead of the track within ``horizon_s``; the asset is at risk when the miss
  distance is within its radius plus ``margin_m`` plus ``angular_margin`` times the distance
  flown to that point: the route ahead is unknown (turns at waypoints, a heading error), so the
  cross-track uncertainty grows with the distance ahead.

The asset at risk is the one passed closest relative to its allowance; the predicted impact time
is the ground crossing (ballistic) or the closest approach to that asset (others).
:func:`predicted_path` samples the same predictions on a grid of future times for the
feasibility of shots, NaN after the predicted impact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.physics.ballistic import propagate
from inkless.physics.geodesy import altitude

__all__ = ["TrackThreat", "ballistic_impact", "evaluate_tracks", "position_at", "predicted_path"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_T_TOL = 1e-7  # s: a Newton step this small ends the impact-time iteration (quadratic: done)


@dataclass(frozen=True)
class TrackThreat:
    """Per track: ``asset (n,)`` row at risk (-1: none), ``t_impact (n,)`` predicted impact or
    closest-approach time (s since the epoch; NaN: none within the horizon), ``point (n, 3)`` the
    predicted impact or closest-approach point (ECEF m; NaN when none)."""

    asset: I64
    t_impact: F64
    point: F64


def _up(ecef: F64) -> F64:
    """Geodetic up unit vectors (Bowring's latitude, as the coverage geometry uses)."""
    x, y, z = ecef[..., 0], ecef[..., 1], ecef[..., 2]
    lat = np.arctan2(z, np.hypot(x, y) * (1.0 - 6.69437999014e-3))
    lon = np.arctan2(y, x)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


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
        rate = np.einsum("ni,ni->n", vv, _up(rr))
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


def evaluate_tracks(
    t: float,
    pos: F64,
    vel: F64,
    ballistic: NDArray[np.bool_],
    asset_ecef: F64,
    asset_alt: F64,
    asset_radius: F64,
    margin_m: float = 1000.0,
    angular_margin: float = 0.1,
    horizon_s: float = 14400.0,
) -> TrackThreat:
    """The asset each track puts at risk and when (module docstring).

    Args:
        t: decision time, s since the epoch.
        pos, vel: ``(n, 3)`` track positions (ECEF m) and velocities (m/s) at ``t``.
        ballistic: ``(n,)`` which tracks fly Keplerian arcs (the others: constant velocity).
        asset_ecef, asset_alt, asset_radius: defended assets' centres (ECEF m), heights (m) and
            radii (m), ``(a, 3)``, ``(a,)``, ``(a,)``.
        margin_m: added to every asset's radius, m.
        angular_margin: cross-track allowance per metre flown ahead (rad), cruise and drones.
        horizon_s: how far ahead a constant-velocity track is extrapolated, s.
    """
    n, a = pos.shape[0], asset_ecef.shape[0]
    asset = np.full(n, -1, np.int64)
    t_imp = np.full(n, np.nan)
    point = np.full((n, 3), np.nan)
    if n == 0 or a == 0:
        return TrackThreat(asset, t_imp, point)
    up_a = _up(asset_ecef)
    b = np.flatnonzero(ballistic)
    if b.size:
        t_go, r_imp, v_imp = ballistic_impact(pos[b], vel[b])
        ok = np.isfinite(t_go)
        v_up = np.einsum("ni,ni->n", v_imp, _up(np.nan_to_num(r_imp)))
        with np.errstate(divide="ignore", invalid="ignore"):
            back = np.where(v_up[:, None] < 0.0, asset_alt[None, :] / -v_up[:, None], 0.0)  # s
        at_h = r_imp[:, None, :] - v_imp[:, None, :] * back[..., None]
        miss = np.linalg.norm(at_h - asset_ecef[None], axis=2)
        ratio = miss / (asset_radius + margin_m)[None, :]
        best = np.argmin(np.where(np.isfinite(ratio), ratio, np.inf), axis=1)
        hit = ok & (ratio[np.arange(b.size), best] <= 1.0)
        asset[b[hit]] = best[hit]
        t_imp[b[ok]] = t + t_go[ok]
        point[b[ok]] = r_imp[ok]
    c = np.flatnonzero(~ballistic)
    if c.size:
        d = pos[c, None, :] - asset_ecef[None]  # (nc, a, 3)
        v = np.broadcast_to(vel[c, None, :], d.shape)
        dh = d - np.einsum("cai,ai->ca", d, up_a)[..., None] * up_a[None]
        vh = v - np.einsum("cai,ai->ca", v, up_a)[..., None] * up_a[None]
        v2 = np.einsum("cai,cai->ca", vh, vh)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(v2 > 1e-6, -np.einsum("cai,cai->ca", dh, vh) / v2, 0.0)
        s = np.clip(s, 0.0, horizon_s)
        miss = np.linalg.norm(dh + vh * s[..., None], axis=2)
        allow = asset_radius[None, :] + margin_m + angular_margin * np.sqrt(v2) * s
        ratio = miss / allow
        best = np.argmin(ratio, axis=1)
        rows = np.arange(c.size)
        hit = ratio[rows, best] <= 1.0
        asset[c[hit]] = best[hit]
        s_best = s[rows, best]
        t_imp[c[hit]] = t + s_best[hit]
        point[c[hit]] = pos[c[hit]] + vel[c[hit]] * s_best[hit, None]
    return TrackThreat(asset, t_imp, point)


def predicted_path(
    t: float,
    times: NDArray[np.floating],
    pos: F64,
    vel: F64,
    ballistic: NDArray[np.bool_],
    t_end: F64,
) -> tuple[F64, F64]:
    """Predicted ECEF positions ``(k, n, 3)`` (m) and heights ``(k, n)`` (m) of every track at
    ``times (k,)`` (s; ballistic: Kepler, others: constant velocity from the state at ``t``),
    NaN at and after each track's predicted end ``t_end (n,)`` (s; NaN: no end)."""
    n, k = pos.shape[0], times.shape[0]
    out = np.empty((k, n, 3))
    ahead = times[None, :] - t  # (1, k)
    b = np.flatnonzero(ballistic)
    if b.size:
        r, _ = propagate(pos[b], vel[b], np.broadcast_to(ahead, (b.size, k)))
        out[:, b] = np.swapaxes(r, 0, 1)
    c = np.flatnonzero(~ballistic)
    if c.size:
        out[:, c] = pos[None, c] + vel[None, c] * ahead.T[:, :, None]
    h = altitude(out)
    done = times[:, None] >= np.where(np.isnan(t_end), np.inf, t_end)[None, :]
    out[done] = np.nan
    h[done] = np.nan
    return out, h


def position_at(pos: F64, vel: F64, ballistic: NDArray[np.bool_], ahead: F64) -> F64:
    """Predicted ECEF position ``(n, 3)`` (m) of each track ``ahead (n,)`` seconds after its state
    ``pos``, ``vel`` ``(n, 3)``: Kepler for ballistic tracks, constant velocity for the others."""
    out = pos + vel * ahead[:, None]
    b = np.flatnonzero(ballistic)
    if b.size:
        out[b], _ = propagate(pos[b], vel[b], ahead[b])
    return np.asarray(out)
