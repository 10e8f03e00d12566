"""Asset probabilities: how likely each tracked threat is to come down on each defended asset.

Where it sits: threat evaluation on the tracked picture, after tracking and identification,
before value at risk (:func:`inkless.threat.value.expected_value_at_risk`) and assignment.
Inputs are track states and covariances, never the truth.

* **Ballistic** tracks: the impact ellipse (:func:`inkless.threat.ellipse.impact_ellipse`); the
  mean impact is moved back along the final velocity to each asset's height and the probability
  is the integral of the 2-D Gaussian (east, north) over the asset's disc,
  :func:`disc_probability`. The ground covariance is used at the asset's height too: an asset a
  few hundred metres up is reached a fraction of a second earlier, which changes the ellipse by
  far less than its size.
* **Cruise missiles and drones** fly straight ahead (constant ECEF velocity, as in
  :func:`inkless.threat.predicted.predicted_path`): for each asset, the horizontal closest
  approach at ``tau`` s ahead (``0 <= tau <= horizon_s``) and the miss ``m`` along the unit
  horizontal axis ``e`` from the asset to that point (the cross-track axis; when the line passes
  through the asset, the horizontal normal to the velocity). The miss is Gaussian with variance
  ``e^T (P_pp + tau (P_pv + P_vp) + tau^2 P_vv) e`` (the state's uncertainty carried to the
  closest approach) plus ``(angular_margin * distance flown)^2`` (the route ahead is unknown:
  turns at waypoints, heading errors; a 1-sigma cross-track allowance per metre flown), and the
  probability is that of ``|m| <= radius``: ``Phi((r - m)/s) - Phi((-r - m)/s)``.

A threat whose probabilities are all below ``threshold`` threatens nothing defended (``asset``
-1). Everything is vectorised over tracks and assets; no loop per track.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from inkless.arrays import F64, I64
from inkless.errors import InputError
from inkless.physics.geodesy import up_from_ecef

from .ellipse import ImpactEllipse, covariance_to_ecef, east_north, impact_ellipse

__all__ = ["P_NEGLIGIBLE", "AssetRisk", "asset_probabilities", "disc_probability"]


P_NEGLIGIBLE = 0.01  # below this probability on every asset, a threat threatens nothing defended

_GL = np.polynomial.legendre.leggauss(32)
_GL_WIDE = np.polynomial.legendre.leggauss(12)  # when the minor sigma is at least the radius
_TAIL = 6.5  # sigmas kept: the mass beyond is 8e-11 along an axis, 7e-10 outside a circle


@dataclass(frozen=True)
class AssetRisk:
    """Threat evaluation of ``n`` tracks against ``a`` assets.

    Attributes:
        prob: ``(n, a)`` probability that the track comes down within each asset's radius.
        asset: ``(n,)`` the most likely asset, -1 when every probability is below the threshold.
        t_impact: ``(n,)`` predicted end of flight, s since the epoch: the impact (ballistic,
            whether or not an asset is threatened) or the closest approach to ``asset`` (others;
            NaN when ``asset`` is -1); NaN when none within the horizon.
        point: ``(n, 3)`` ECEF point (m) of that end of flight, NaN when none.
        t_reach: ``(n, a)`` impact time (ballistic) or closest approach to each asset (others),
            s since the epoch.
        ellipse: the impact ellipse of every row (NaN rows for tracks that are not ballistic).
    """

    prob: F64
    asset: I64
    t_impact: F64
    point: F64
    t_reach: F64
    ellipse: ImpactEllipse

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_] | slice) -> AssetRisk:
        """The tracks ``rows`` (indices, a mask or a slice): each row is its track's alone."""
        return AssetRisk(self.prob[rows], self.asset[rows], self.t_impact[rows],
                         self.point[rows], self.t_reach[rows], self.ellipse.take(rows))


def disc_probability(offset: F64, cov: F64, radius: F64) -> F64:
    """Probability that a 2-D Gaussian point falls within a disc, ``(...)``.

    Args:
        offset: ``(..., 2)`` mean minus the disc's centre, m.
        cov: ``(..., 2, 2)`` covariance, m^2 (positive semi-definite).
        radius: ``(...)`` disc radius, m.

    Method: Alfano's one-dimensional form of the disc integral (S. Alfano, "A numerical
    implementation of spherical object collision probability", J. Astronaut. Sci. 53(1),
    2005; after Foster & Estes, NASA JSC-25898, 1992). In the covariance's principal axes, with
    ``v`` along the minor axis and ``w(v) = sqrt(r^2 - v^2)``, the major-axis integral is exact
    (``Phi((w - m1)/s1) - Phi((-w - m1)/s1)``), leaving ``integral N(v; m2, s2) [...] dv`` over
    ``v`` in ``[-r, r]`` cut to ``m2 -/+ 6.5 s2``, taken in ``v = r sin(theta)`` (which removes the
    square-root ends) by Gauss-Legendre on three pieces split where ``w = |m1|`` (where the
    bracket jumps when ``s1`` is small), 32 nodes a piece: absolute error below 1e-7 for
    ``s1 / r >= 1e-2``, 4e-6 down to 1e-3 and 7e-5 down to 1e-4, means anywhere near the rim
    (measured against scipy's ``ncx2`` and a 400-node rule); 12 nodes when ``s2 >= r`` (a
    smooth integrand; error below 3e-9). Pairs whose disc lies beyond
    6.5 ``s1`` of the mean are 0, those holding the mean's 6.5 ``s1`` circle are 1 (both to
    7e-10: ``P(chi2_2 > 6.5^2)``). Zero variances are floored at 1e-9 of the geometry's scale
    (a point mass: 1 inside, 0 outside).
    """
    a, b, c = cov[..., 0, 0], cov[..., 1, 1], cov[..., 0, 1]
    mean, half = 0.5 * (a + b), np.hypot(0.5 * (a - b), c)
    ang = 0.5 * np.arctan2(2.0 * c, a - b)  # major axis, from the first axis
    ca, sa = np.cos(ang), np.sin(ang)
    m1 = offset[..., 0] * ca + offset[..., 1] * sa
    m2 = -offset[..., 0] * sa + offset[..., 1] * ca
    tiny = 1e-9 * (radius + np.abs(m1) + np.abs(m2)) + 1e-300
    s1 = np.maximum(np.sqrt(np.maximum(mean + half, 0.0)), tiny)
    s2 = np.maximum(np.sqrt(np.maximum(mean - half, 0.0)), tiny)
    r = np.maximum(radius, tiny)
    dist = np.hypot(m1, m2)
    out = np.where(dist + _TAIL * s1 <= r, 1.0, 0.0)
    near = np.flatnonzero((dist - r < _TAIL * s1) & (dist + _TAIL * s1 > r))
    if near.size == 0:
        return out
    flat = out.reshape(-1)
    n1, n2, t1, t2, rn = (x.reshape(-1)[near] for x in (m1, m2, s1, s2, r))
    wide = t2 >= rn  # the minor sigma spans the disc: a smooth integrand
    for sel, rule in ((wide, _GL_WIDE), (~wide, _GL)):
        if sel.any():
            flat[near[sel]] = _pieces(n1[sel], n2[sel], t1[sel], t2[sel], rn[sel], rule)
    return flat.reshape(out.shape)


def _pieces(m1: F64, m2: F64, s1: F64, s2: F64, r: F64, rule: tuple[F64, F64]) -> F64:
    """The quadrature of :func:`disc_probability` on flat arrays ``(k,)``."""
    m1, m2, s1, s2, r = (x[:, None, None] for x in (m1, m2, s1, s2, r))
    th0 = np.arcsin(np.clip((m2 - _TAIL * s2) / r, -1.0, 1.0))
    th1 = np.arcsin(np.clip((m2 + _TAIL * s2) / r, -1.0, 1.0))
    tt = np.arccos(np.clip(np.abs(m1) / r, 0.0, 1.0))
    edges = np.concatenate([th0, np.clip(-tt, th0, th1), np.clip(tt, th0, th1), th1], axis=1)
    lo, hi = edges[:, :-1], edges[:, 1:]  # (k, 3, 1): three pieces
    hw = 0.5 * (hi - lo)
    th = 0.5 * (lo + hi) + hw * rule[0]
    v, w = r * np.sin(th), r * np.cos(th)
    inner = ndtr((w - m1) / s1) - ndtr((-w - m1) / s1)
    z = (v - m2) / s2
    dens = np.exp(-0.5 * z * z) / (np.sqrt(2.0 * np.pi) * s2)
    total = np.sum(hw[..., 0] * np.sum(rule[1] * dens * inner * w, axis=-1), axis=-1)
    return np.asarray(np.clip(total, 0.0, 1.0))


@lru_cache(maxsize=8)
def _up(asset_ecef: bytes) -> F64:
    """Up unit vectors ``(a, 3)`` at the assets (ECEF ``(a, 3)`` m, as bytes: the key of the
    cache; the assets do not move during a run). Read-only."""
    up = up_from_ecef(np.frombuffer(asset_ecef).reshape(-1, 3))
    up.setflags(write=False)
    return up


def _route(
    pos: F64, vel: F64, Pe: F64, asset_ecef: F64, radius: F64, angular_margin: float,
    horizon_s: float,
) -> tuple[F64, F64]:
    """Probabilities and closest-approach times ahead ``(c, a)`` of straight-line tracks."""
    up_a = _up(np.ascontiguousarray(asset_ecef, dtype=float).tobytes())  # (a, 3)
    d = pos[:, None, :] - asset_ecef[None]  # (c, a, 3)
    dh = d - np.einsum("cai,ai->ca", d, up_a)[..., None] * up_a[None]
    vh = vel[:, None, :] - np.einsum("ci,ai->ca", vel, up_a)[..., None] * up_a[None]
    v2 = np.einsum("cai,cai->ca", vh, vh)
    moving = v2 > 1e-6
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(moving, -np.einsum("cai,cai->ca", dh, vh) / v2, 0.0)
    s = np.clip(s, 0.0, horizon_s)
    miss_v = dh + vh * s[..., None]
    miss = np.sqrt(np.einsum("cai,cai->ca", miss_v, miss_v))
    # Cross-track axis: towards the closest point, or the horizontal normal to the velocity when
    # the line goes through the asset (any horizontal axis when the track does not move).
    with np.errstate(divide="ignore", invalid="ignore"):
        e = miss_v / miss[..., None]
    through = ~(miss > 1e-9)
    if through.any():  # rare: the axis from the velocity
        normal = np.cross(np.broadcast_to(up_a, vh.shape), vh)
        fallback = np.where(moving[..., None], normal, east_north(asset_ecef)[None, :, 0])
        fallback /= np.linalg.norm(fallback, axis=-1, keepdims=True)
        e = np.where(through[..., None], fallback, e)
    pp, pv, vv = Pe[:, None, :3, :3], Pe[:, None, :3, 3:], Pe[:, None, 3:, 3:]
    cov3 = pp + s[..., None, None] * (pv + np.swapaxes(pv, -1, -2)) + s[..., None, None] ** 2 * vv
    var = np.einsum("cai,caij,caj->ca", e, cov3, e) + (angular_margin * np.sqrt(v2) * s) ** 2
    sig = np.maximum(np.sqrt(np.maximum(var, 0.0)), 1e-9 * (radius[None] + miss) + 1e-300)
    p = ndtr((radius[None] - miss) / sig) - ndtr((-radius[None] - miss) / sig)
    return np.clip(p, 0.0, 1.0), s


def asset_probabilities(
    t: float | F64,
    pos: F64,
    vel: F64,
    P: F64,
    ballistic: NDArray[np.bool_],
    asset_ecef: F64,
    asset_alt: F64,
    asset_radius: F64,
    *,
    rot: F64 | None = None,
    margin_m: float = 0.0,
    angular_margin: float = 0.1,
    horizon_s: float = 14400.0,
    threshold: float = P_NEGLIGIBLE,
) -> AssetRisk:
    """Probability that each track comes down on each asset, and what follows (module docstring).

    Args:
        t: decision time, s since the epoch; or ``(n,)`` one per track (tracks of several
            decision times evaluated at once: each row is what it gets alone at its own time).
        pos, vel: ``(n, 3)`` track positions (ECEF m) and velocities (m/s) at ``t``.
        P: ``(n, 6, 6)`` state covariances (m, m/s); ECEF unless ``rot`` is given.
        ballistic: ``(n,)`` which tracks fly Keplerian arcs (the others: straight lines).
        asset_ecef, asset_alt, asset_radius: ``(a, 3)`` centres (ECEF m), ``(a,)`` heights above
            the ellipsoid (m) and ``(a,)`` radii (m) of the defended assets.
        rot: ``(3, 3)`` rotation from ECEF to the frame of ``P`` (``EnuFrame.rot``), or None.
        margin_m: added to every radius (e.g. the warhead's lethal radius), m.
        angular_margin: 1-sigma cross-track spread of the route ahead per metre flown (rad).
        horizon_s: how far ahead a straight-line track is followed, s (ballistic arcs: 2400 s).
        threshold: below this probability on every asset a threat threatens nothing defended.
    """
    n, a = pos.shape[0], asset_ecef.shape[0]
    if P.shape != (n, 6, 6) or ballistic.shape != (n,) or vel.shape != (n, 3):
        raise InputError(
            f"asset_probabilities: pos {pos.shape}, vel {vel.shape}, P {P.shape}, ballistic "
            f"{ballistic.shape} disagree; give (n, 3), (n, 3), (n, 6, 6) and (n,)"
        )
    Pe = P if rot is None else covariance_to_ecef(P, rot)
    tt = np.asarray(t, float)
    tt = np.full(n, float(tt)) if tt.ndim == 0 else np.broadcast_to(tt, (n,))
    radius = np.asarray(asset_radius, float) + margin_m
    prob, t_reach = np.zeros((n, a)), np.full((n, a), np.nan)
    t_imp, point = np.full(n, np.nan), np.full((n, 3), np.nan)
    v_imp, cov_en, var_t = np.full((n, 3), np.nan), np.full((n, 2, 2), np.nan), np.full(n, np.nan)
    b = ballistic.nonzero()[0]
    if b.size:
        eb = impact_ellipse(tt[b], pos[b], vel[b], Pe[b])
        v_imp[b], cov_en[b], var_t[b] = eb.velocity, eb.cov, eb.var_t
        ok = np.isfinite(eb.t_impact)
        t_imp[b], point[b] = eb.t_impact, eb.point
        t_reach[b] = eb.t_impact[:, None]
        if a and ok.any():
            bo = b[ok]
            r_k, v_k = eb.point[ok], eb.velocity[ok]
            en = east_north(r_k)  # (k, 2, 3)
            v_up = np.einsum("ki,ki->k", v_k, np.cross(en[:, 0], en[:, 1]))
            with np.errstate(divide="ignore", invalid="ignore"):
                back = np.where(v_up[:, None] < 0.0, asset_alt[None, :] / -v_up[:, None], 0.0)
            at_h = r_k[:, None, :] - v_k[:, None, :] * back[..., None]  # (k, a, 3)
            offset = np.einsum("kji,kai->kaj", en, at_h - asset_ecef[None])
            cov = np.broadcast_to(eb.cov[ok][:, None], (bo.size, a, 2, 2))
            prob[bo] = disc_probability(offset, cov, np.broadcast_to(radius, (bo.size, a)))
    ell = ImpactEllipse(t_imp.copy(), point.copy(), v_imp, cov_en, var_t)
    c = (~ballistic).nonzero()[0]
    if c.size and a:
        rows = c if b.size else slice(None)  # (all rows: no copies)
        prob[rows], s = _route(pos[rows], vel[rows], Pe[rows], asset_ecef, radius, angular_margin,
                               horizon_s)
        t_reach[rows] = tt[rows, None] + s
    best = np.argmax(prob, axis=1) if a else np.zeros(n, np.int64)
    p_best = prob[np.arange(n), best] if a else np.zeros(n)
    asset = np.where(p_best >= threshold, best, -1).astype(np.int64)
    hit = c[asset[c] >= 0]
    t_imp[hit] = t_reach[hit, asset[hit]]
    point[hit] = pos[hit] + vel[hit] * (t_imp[hit] - tt[hit])[:, None]
    return AssetRisk(prob, asset, t_imp, point, t_reach, ell)
