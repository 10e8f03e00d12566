"""Evidence about tracks: kinematic profiles and correlation with cooperative information.

Where it sits: identification; :func:`~inkless.identification.identify` calls these on the whole
track table at once. Tracks are in the picture's local ENU frame (metres, m/s) with origin
``rules.origin``; cooperative information arrives in ECEF and is rotated into that frame once.

Kinematics (:func:`kinematics`): each track's position is taken to geodetic latitude, longitude
and height above the ellipsoid, its velocity split into climb (along the local vertical) and
ground speed; standard deviations of speed, height and climb follow from the track covariance
projected on the same directions (first order).

Profiles (:func:`profile_bits`), with ``k = confidence_sigmas``:

* ballistic: ``speed - k sd >= ballistic_min_speed`` or ``alt - k sd >= ballistic_min_altitude``
  or ``climb - k sd >= ballistic_min_climb``;
* cruise: ``alt + k sd <= cruise_max_altitude`` and ``speed - k sd > low_speed_limit``;
* drone: ``drone_min_speed <= speed -+ k sd <= drone_max_speed`` and
  ``alt + k sd <= drone_max_altitude``;
* civil kinematics (nominal values): ``civil_min_speed < speed``, ``speed <= low_speed_limit``
  below ``low_altitude`` (civil aircraft keep under 250 kt below FL100: ICAO Doc 4444, 14 CFR
  91.117) and ``<= civil_max_speed`` above, ``alt <= civil_max_altitude``,
  ``|climb| <= civil_max_climb``;
* non-civil kinematics: outside that envelope by the margin (or a ballistic profile). Between
  the two a track is ambiguous: neither neutral nor contradicting a civil report.

A track is *assessed* once the rms standard deviation of its velocity is at most
``max_velocity_sigma_mps``; before that no profile is set.

The settings are validated so that civil kinematics are disjoint from the ballistic and cruise
profiles: whatever reports say, a track flying like a civil aircraft can never look like a missile
and the reverse (property-tested). Slow low fliers are ambiguous: a drone and a light aircraft, or
an airliner rotating into a headwind, fly alike between ``civil_min_speed`` and
``drone_max_speed``; there a track can have civil kinematics *and* the drone profile, and
identification makes it neither neutral nor, when a civil report correlates, hostile under the
default rules (it is suspect: an operator's call).

Correlation (:func:`gated_pairs`, then :func:`nearest`): a track and a report (or IFF reply, or
filed-route position) correlate when the squared Mahalanobis distance of their positions, with the
sum of the track's position covariance and the report's, is within the chi-square gate (Blackman &
Popoli, *Design and Analysis of Modern Tracking Systems*, 1999, sec. 6.3); the nearest report in the
gate wins. ADS-B reports must also agree in velocity (same test on velocities), else they are
``report_inconsistent`` and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.linalg import _umath_linalg
from scipy.spatial.distance import cdist

from inkless.arrays import F64, I64, U32
from inkless.physics.geodesy import ecef_from_geodetic, enu_rotation, geodetic_up_from_ecef
from inkless.scenario.model import Identification
from inkless.simulation.adsb import AdsbReports, IffReplies
from inkless.tracking.kalman import spread

from .categories import (
    ASSESSED,
    BALLISTIC_PROFILE,
    CIVIL_KINEMATICS,
    CRUISE_PROFILE,
    DRONE_PROFILE,
    NON_CIVIL_KINEMATICS,
)

__all__ = [
    "Evidence",
    "Kinematics",
    "gated_pairs",
    "item_cov",
    "kinematics",
    "nearest",
    "profile_bits",
    "solve",
    "to_enu",
]


@dataclass(frozen=True)
class Evidence:
    """Cooperative information received at the time of an identification (ECEF).

    ``adsb``: civil position reports; ``iff``: authenticated IFF replies; ``filed_pos``,
    ``filed_vel`` ``(f, 3)``: where airspace control expects the civil flights on filed plans
    (m, m/s).
    """

    adsb: AdsbReports
    iff: IffReplies
    filed_pos: F64
    filed_vel: F64

    @classmethod
    def none(cls, t: float = 0.0) -> Evidence:
        """No cooperative information at all."""
        return cls(AdsbReports.empty(t), IffReplies.empty(t), np.empty((0, 3)), np.empty((0, 3)))


@dataclass(frozen=True)
class Kinematics:
    """Per track: geodetic ``lat``, ``lon`` (rad), ``alt`` (m); ``speed`` and ``climb`` (m/s);
    standard deviations ``sd_speed``, ``sd_alt``, ``sd_climb`` and ``sd_vel`` (rms per axis of
    the velocity covariance)."""

    lat: F64
    lon: F64
    alt: F64
    speed: F64
    climb: F64
    sd_speed: F64
    sd_alt: F64
    sd_climb: F64
    sd_vel: F64


@lru_cache(maxsize=16)
def _frame(lat0: float, lon0: float, alt0: float) -> tuple[F64, F64]:
    """The rotation ECEF -> ENU ``(3,3)`` and the ECEF position ``(3,)`` of the frame at the
    geodetic origin (rad, rad, m); computed once per origin (read-only)."""
    r0 = np.asarray(enu_rotation(lat0, lon0), dtype=float)
    p0 = np.asarray(ecef_from_geodetic(lat0, lon0, alt0), dtype=float).reshape(3)
    r0.setflags(write=False)
    p0.setflags(write=False)
    return r0, p0


def kinematics(x: F64, P: F64, origin: tuple[float, float, float]) -> Kinematics:
    """Kinematic features of tracks with ENU states ``x (n,6)`` and covariances ``P (n,6,6)``
    in the frame at geodetic ``origin`` (rad, rad, m)."""
    r0, p0 = _frame(float(origin[0]), float(origin[1]), float(origin[2]))
    # geodetic position and local up (ECEF): Bowring, 1e-9 rad and a micrometre to 1,000 km
    lat, lon, alt, up_ecef = geodetic_up_from_ecef(x[:, :3] @ r0 + p0)
    up = up_ecef @ r0.T  # local up in the tracks' frame
    v = x[:, 3:6]
    speed = np.sqrt(np.einsum("ni,ni->n", v, v))
    pvv = P[:, 3:6, 3:6]
    # directions along the velocity and up; variances d^T P d
    d = np.stack([v / np.maximum(speed, 1e-9)[:, None], up], axis=1)
    var_v = np.einsum("nki,nij,nkj->nk", d, pvv, d)
    var_alt = np.einsum("ni,nij,nj->n", up, P[:, 0:3, 0:3], up)
    sd = np.sqrt(np.maximum(np.column_stack([var_v, var_alt, np.einsum("nii->n", pvv) / 3.0]), 0.0))
    return Kinematics(
        lat=lat,
        lon=lon,
        alt=alt,
        speed=speed,
        climb=np.einsum("ni,ni->n", v, up),
        sd_speed=sd[:, 0],
        sd_alt=sd[:, 2],
        sd_climb=sd[:, 1],
        sd_vel=sd[:, 3],
    )


def profile_bits(k: Kinematics, s: Identification) -> U32:
    """``(n,) uint32`` bits ASSESSED, BALLISTIC/CRUISE/DRONE_PROFILE and CIVIL_KINEMATICS (see the
    module docstring); profiles are only set on assessed tracks."""
    c, speed, alt, climb = s.confidence_sigmas, k.speed, k.alt, k.climb
    m_speed, m_alt, m_climb = c * k.sd_speed, c * k.sd_alt, c * k.sd_climb  # the margins
    lo_speed, hi_speed, lo_alt, hi_alt = speed - m_speed, speed + m_speed, alt - m_alt, alt + m_alt
    abs_climb = np.abs(climb)
    ballistic = ((lo_speed >= s.ballistic_min_speed_mps) | (lo_alt >= s.ballistic_min_altitude_m)
                 | (climb - m_climb >= s.ballistic_min_climb_mps))
    cruise = (hi_alt <= s.cruise_max_altitude_m) & (lo_speed > s.low_speed_limit_mps)
    drone = ((hi_speed <= s.drone_max_speed_mps) & (lo_speed >= s.drone_min_speed_mps)
             & (hi_alt <= s.drone_max_altitude_m))
    limit = np.where(alt <= s.low_altitude_m, s.low_speed_limit_mps, s.civil_max_speed_mps)
    civil = ((speed > s.civil_min_speed_mps) & (speed <= limit)
             & (alt <= s.civil_max_altitude_m) & (abs_climb <= s.civil_max_climb_mps))
    # Confidently outside the civil envelope (the same bounds with the margin).
    limit_hi = np.where(lo_alt <= s.low_altitude_m, s.low_speed_limit_mps, s.civil_max_speed_mps)
    non_civil = ((hi_speed <= s.civil_min_speed_mps) | (lo_speed > limit_hi)
                 | (lo_alt > s.civil_max_altitude_m)
                 | (abs_climb - m_climb > s.civil_max_climb_mps))
    bits = (ASSESSED | ballistic * BALLISTIC_PROFILE | (cruise & ~ballistic) * CRUISE_PROFILE
            | (drone & ~ballistic) * DRONE_PROFILE | civil * CIVIL_KINEMATICS
            | (non_civil | ballistic) * NON_CIVIL_KINEMATICS)
    out: U32 = np.where(k.sd_vel <= s.max_velocity_sigma_mps, bits, np.uint32(0))
    return out


def to_enu(
    pos: F64, origin: tuple[float, float, float]
) -> tuple[F64, F64]:
    """ECEF points ``(m,3)`` in the origin's ENU frame, and the rotation ECEF -> ENU."""
    r0, p0 = _frame(float(origin[0]), float(origin[1]), float(origin[2]))
    out: F64 = (np.asarray(pos, float).reshape(-1, 3) - p0) @ r0.T
    return out, r0


def item_cov(
    pos_ecef: F64,
    sigma_h: F64,
    sigma_v: F64,
    r0: F64,
    vel_ecef: F64 | None = None,
    sigma_along: F64 | None = None,
) -> F64:
    """Covariances ``(m,3,3)`` in the origin's ENU frame (rotation ``r0`` from ECEF) of items at
    ECEF points ``(m,3)`` with horizontal and vertical standard deviations ``sigma_h``,
    ``sigma_v (m,)`` m; the vertical is the spherical normal at the point.

    With ``vel_ecef (m,3)`` m/s and ``sigma_along (m,)`` m (a filed route: where the plan puts
    the aircraft now and its velocity), the horizontal is split: ``sigma_along`` along the
    ground track (the horizontal part of the velocity: timing), ``sigma_h`` across it
    (navigation). An item slower than 1 m/s over the ground has no direction and gets
    ``sigma_along`` in every horizontal direction::

        P = sa^2 a a^T + sh^2 (I - u u^T - a a^T) + sv^2 u u^T

    with ``u`` the vertical and ``a`` the unit ground track."""
    p = np.asarray(pos_ecef, float).reshape(-1, 3)
    u = p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1.0)
    u = u @ r0.T
    sh2, sv2 = np.asarray(sigma_h, float) ** 2, np.asarray(sigma_v, float) ** 2
    eye = np.eye(3)[None]
    uu = u[:, :, None] * u[:, None, :]
    out: F64 = sh2[:, None, None] * (eye - uu) + sv2[:, None, None] * uu
    if vel_ecef is None or sigma_along is None:
        return out
    v = np.asarray(vel_ecef, float).reshape(-1, 3) @ r0.T
    g = v - np.einsum("ni,ni->n", v, u)[:, None] * u  # ground velocity
    speed = np.linalg.norm(g, axis=1)
    moving = speed >= 1.0
    a = np.where(moving[:, None], g / np.maximum(speed, 1.0)[:, None], 0.0)
    aa = a[:, :, None] * a[:, None, :]
    sa2 = np.asarray(sigma_along, float) ** 2
    # along the track sa^2 instead of sh^2; no track: sa^2 all round
    extra = np.where(moving[:, None, None], aa, eye - uu)
    out = out + (sa2 - sh2)[:, None, None] * extra
    return out


def solve(a: F64, b: F64) -> F64:
    """``numpy.linalg.solve(a, b)`` for stacks of float64 systems ``a (k,m,m)``, ``b (k,m,1)``:
    the same LAPACK gufunc (``dgesv``, the same bits) without the wrapper's checks and error
    state, a third of the time on the few 3x3 systems of a gate. A singular system gives NaN
    (and numpy's RuntimeWarning) where ``numpy.linalg.solve`` raises ``LinAlgError``: a
    distance of NaN is outside every gate (the gates' sums of covariances are positive
    definite)."""
    out: F64 = _umath_linalg.solve(a, b, signature="dd->d")
    return out


def gated_pairs(
    track_pos: F64,
    track_cov: F64,
    item_pos: F64,
    item_covs: F64,
    gate: float,
) -> tuple[I64, I64, F64]:
    """Every (track, item) pair inside the chi-square gate: ``(track (k,), item (k,), d2 (k,))``.

    ``track_pos (n,3)``, ``track_cov (n,3,3)``, ``item_pos (m,3)``, ``item_covs (m,3,3)`` in one
    frame. Pairs farther apart than the gate allows for the sum of upper bounds of the
    covariances' largest eigenvalues (:func:`inkless.tracking.kalman.spread`) are dropped before
    any inversion. Each pair's arithmetic is its own: gating several kinds of items at once
    gives each pair what gating its kind alone gives.
    """
    empty = np.empty(0, np.int64)
    if len(track_pos) == 0 or len(item_pos) == 0:
        return empty, empty, np.empty(0)
    # |d|^2 by cdist: a rounding apart from d's own, which the bound's slack covers
    e2 = cdist(track_pos, item_pos, "sqeuclidean")
    bound = gate * (spread(track_cov)[:, None] + spread(item_covs))
    ti, mj = (e2 <= bound).nonzero()
    if len(ti) == 0:
        return empty, empty, np.empty(0)
    S = track_cov[ti] + item_covs[mj]
    d = item_pos[mj] - track_pos[ti]
    d2 = np.einsum("ki,ki->k", d, solve(S, d[..., None])[..., 0])
    ok = d2 <= gate
    return ti[ok].astype(np.int64), mj[ok].astype(np.int64), d2[ok]


def nearest(ti: I64, mj: I64, d2: F64, n: int) -> tuple[I64, F64]:
    """Per track (``n`` of them), the item of smallest ``d2`` among the pairs, or -1 and inf."""
    best = np.full(n, -1, dtype=np.int64)
    d2best = np.full(n, np.inf)
    if len(ti):
        order = np.lexsort((d2, ti))
        ti, mj, d2 = ti[order], mj[order], d2[order]
        first = np.r_[True, ti[1:] != ti[:-1]]
        best[ti[first]] = mj[first]
        d2best[ti[first]] = d2[first]
    return best, d2best
