"""Impact ellipses: where and when a tracked ballistic threat comes down, with its uncertainty.

Where it sits: threat evaluation on the tracked picture, after tracking, before the asset
probabilities (:mod:`inkless.threat.probability`) and assignment. Input: each track's ECEF state
(m, m/s) at the decision time ``t`` (s since the epoch) and its 6x6 covariance (ECEF, or any
frame whose rotation from ECEF is given, such as the tracker's common ENU frame).

Method: first-order (linearised) propagation of the covariance through the impact map
``x0 -> (r_impact, t_impact)`` (A. Gelb (ed.), *Applied Optimal Estimation*, MIT Press 1974:
``P' = J P J^T``). The mean impact is :func:`inkless.threat.predicted.ballistic_impact` (Kepler
arc, :func:`inkless.physics.ballistic.propagate`, to height 0 above the WGS-84 ellipsoid). The
Jacobian is built in two steps, so only one root solve per track is needed:

1. the state-transition rows ``Phi = d r(t_go; x0) / d x0`` (3x6) at the fixed nominal time to
   go, by central differences of ``propagate`` (12 perturbed arcs per track, one vectorised
   call; steps of 10 m and 0.05 m/s: truncation ~(step/scale)^2 < 1e-9, round-off ~1e-10);
2. the change of the crossing time, from the implicit-function theorem on ``h(r(t; x0)) = 0``:
   ``dt/dx0 = -u^T Phi / (u^T v)``, ``dr_impact/dx0 = (I - v u^T / (u^T v)) Phi``, with ``v``
   the velocity at impact and ``u`` the ellipsoid normal there (the gradient of the height).

The impact-point covariance lies in the tangent plane at the predicted impact; it is returned as
2x2 (east, north) at that point (m^2), with the impact-time variance (s^2). Not modelled: the
atmosphere, Earth rotation and manoeuvres (as the arc itself), and the nonlinearity of the map
beyond first order (checked against a Monte Carlo of the exact map in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64
from inkless.errors import InputError
from inkless.physics.ballistic import propagate
from inkless.physics.geodesy import WGS84_E2

from .predicted import ballistic_impact

__all__ = ["ImpactEllipse", "covariance_to_ecef", "east_north", "impact_ellipse"]


_STEP = np.array([10.0, 10.0, 10.0, 0.05, 0.05, 0.05])  # central-difference steps, m and m/s


@dataclass(frozen=True)
class ImpactEllipse:
    """Predicted impact of each track (rows NaN where the arc does not come down in the horizon).

    Attributes:
        t_impact: ``(n,)`` predicted impact time, s since the epoch.
        point: ``(n, 3)`` predicted impact point, ECEF m (height 0 above the ellipsoid).
        velocity: ``(n, 3)`` velocity at impact, ECEF m/s.
        cov: ``(n, 2, 2)`` covariance of the impact point in the local horizontal plane at
            ``point`` (east, north), m^2.
        var_t: ``(n,)`` variance of the impact time, s^2.
    """

    t_impact: F64
    point: F64
    velocity: F64
    cov: F64
    var_t: F64

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_] | slice) -> ImpactEllipse:
        """The rows ``rows`` (indices, a mask or a slice)."""
        return ImpactEllipse(self.t_impact[rows], self.point[rows], self.velocity[rows],
                             self.cov[rows], self.var_t[rows])

    def axes(self, level: float = 0.95) -> tuple[F64, F64, F64]:
        """Semi-major and semi-minor axes (m) of the ellipse holding ``level`` of the impact
        probability (``level = 0.3935`` gives the 1-sigma ellipse), and the major axis's angle
        from east towards north (rad; matplotlib's ``Ellipse(angle=degrees(...))``).

        For a 2-D Gaussian the squared Mahalanobis radius is chi-square with 2 degrees of
        freedom, whose quantile is ``k^2 = -2 ln(1 - level)``; the axes are ``k sqrt(lambda)``
        of the covariance's eigenvalues."""
        if not 0.0 < level < 1.0:
            raise InputError(f"ImpactEllipse.axes: level {level} is not in (0, 1); give e.g. 0.95")
        return _axes(self.cov, level)


def _axes(cov: F64, level: float) -> tuple[F64, F64, F64]:
    """Semi-axes (m) and major-axis angle (rad from the first axis towards the second) of the
    ``level`` probability ellipse of 2-D Gaussians with covariances ``cov (..., 2, 2)``."""
    a, b, c = cov[..., 0, 0], cov[..., 1, 1], cov[..., 0, 1]
    mean, half = 0.5 * (a + b), np.hypot(0.5 * (a - b), c)
    k = np.sqrt(-2.0 * np.log1p(-level))
    major = k * np.sqrt(mean + half)
    minor = k * np.sqrt(np.maximum(mean - half, 0.0))
    return major, minor, 0.5 * np.arctan2(2.0 * c, a - b)


def east_north(ecef: F64) -> F64:
    """``(..., 2, 3)`` unit east and north vectors (ECEF) at points on the ellipsoid ``ecef``
    (m); the geodetic latitude of a point at height 0 is ``atan(z / ((1 - e^2) p))``."""
    x, y, z = ecef[..., 0], ecef[..., 1], ecef[..., 2]
    lat = np.arctan2(z, np.hypot(x, y) * (1.0 - WGS84_E2))
    lon = np.arctan2(y, x)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    return np.stack([east, north], axis=-2)


def covariance_to_ecef(P: F64, rot: F64) -> F64:
    """ECEF covariances ``(n, 6, 6)`` of states whose covariances ``P (n, 6, 6)`` are held in a
    frame with ``x_frame = rot @ x_ecef`` for positions and velocities (``rot (3, 3)``, e.g.
    :attr:`inkless.sensing.radar.EnuFrame.rot`): ``P_ecef = T^T P T``, ``T = diag(rot, rot)``."""
    t6 = np.zeros((6, 6))
    t6[:3, :3] = rot
    t6[3:, 3:] = rot
    return np.asarray(t6.T @ P @ t6)


def impact_ellipse(
    t: float | F64,
    pos: F64,
    vel: F64,
    P: F64,
    rot: F64 | None = None,
    horizon_s: float = 2400.0,
) -> ImpactEllipse:
    """Impact point, time and their covariance for Keplerian arcs (module docstring).

    Args:
        t: decision time, s since the epoch (or ``(n,)``, one per track).
        pos, vel: ``(n, 3)`` ECEF position (m) and velocity (m/s) at ``t``.
        P: ``(n, 6, 6)`` state covariance (m, m/s); ECEF unless ``rot`` is given.
        rot: ``(3, 3)`` rotation from ECEF to the frame ``P`` is held in (the tracker's ENU
            frame: ``EnuFrame.rot``); None when ``P`` is already ECEF.
        horizon_s: how far ahead an impact is looked for, s.

    A track already below height 0 impacts at ``t`` where it is; a track not descending there
    keeps its position covariance projected on the horizontal plane and a NaN time variance.
    """
    n = pos.shape[0]
    if P.shape != (n, 6, 6):
        raise InputError(f"impact_ellipse: P has shape {P.shape}; give ({n}, 6, 6) covariances")
    Pe = P if rot is None else covariance_to_ecef(P, rot)
    t_go, r_imp, v_imp = ballistic_impact(pos, vel, horizon_s)
    cov = np.full((n, 2, 2), np.nan)
    var_t = np.full(n, np.nan)
    rows = np.flatnonzero(np.isfinite(t_go))
    if rows.size:
        # Phi (m, 3, 6): central differences of the arc at the nominal time to go.
        m = rows.size
        d = np.zeros((2, 6, m, 6))
        d[0, np.arange(6), :, np.arange(6)] = _STEP[:, None]
        d[1] = -d[0]
        p0 = pos[rows][None, None] + d[..., :3]
        v0 = vel[rows][None, None] + d[..., 3:]
        ahead = np.broadcast_to(t_go[rows], (12, m)).ravel()
        r, _ = propagate(p0.reshape(-1, 3), v0.reshape(-1, 3), ahead)
        r = r.reshape(2, 6, m, 3)
        phi = np.moveaxis((r[0] - r[1]) / (2.0 * _STEP)[:, None, None], 0, -1)  # (m, 3, 6)
        en = east_north(r_imp[rows])  # (m, 2, 3)
        u = np.cross(en[:, 0], en[:, 1])  # ellipsoid normal
        vu = np.einsum("mi,mi->m", v_imp[rows], u)
        falling = vu < -1e-6
        with np.errstate(divide="ignore", invalid="ignore"):
            dt_dx = np.where(falling[:, None], -np.einsum("mi,mij->mj", u, phi) / vu[:, None], 0.0)
        jr = phi + v_imp[rows][:, :, None] * dt_dx[:, None, :]  # (I - v u^T / u.v) Phi
        j = en @ jr  # (m, 2, 6)
        cov[rows] = j @ Pe[rows] @ np.swapaxes(j, 1, 2)
        var_t[rows] = np.where(falling, np.einsum("mi,mij,mj->m", dt_dx, Pe[rows], dt_dx), np.nan)
    return ImpactEllipse(t + t_go, r_imp, v_imp, cov, var_t)
