"""Movers on waypoint routes: cruise missiles, drones, airliners, patrol aircraft.

Where it sits: the simulation builds one :class:`RouteTable` for all air-breathing movers of a
scenario and asks it for their states at each tick (:meth:`RouteTable.state`); threat evaluation
and assignment ask for look-ahead positions on a time grid (:meth:`RouteTable.positions`).

Motion model: each mover departs its first waypoint at ``depart`` and flies its legs in order at
a constant ground speed along great circles, its altitude changing linearly with time (and hence
with distance) along each leg; it arrives at the last waypoint at ``arrival`` and stops there. A
mover is *active* from ``depart`` (inclusive) until ``arrival`` (exclusive).

Great circles and ground speed are on the sphere of the mean Earth radius
(:data:`inkless.physics.geodesy.EARTH_MEAN_RADIUS`), with geodetic latitude used as the spherical
latitude: leg lengths are :func:`inkless.physics.geodesy.surface_distance`, so ``arrival = depart +
sum(leg lengths) / speed`` exactly. Positions are then placed on the WGS-84 ellipsoid at the
interpolated altitude, so the ECEF speed differs from the nominal ground speed by the ratio of the
local radii of curvature to the mean radius (within about 0.7 %, plus the climb rate and
``alt / R``); the velocity returned is the exact time derivative of the returned position.
Points along a leg follow from spherical linear interpolation (Shoemake 1985, "Animating rotation
with quaternion curves", SIGGRAPH '85).

Arrays: ``n`` movers, padded to ``W`` waypoints (the largest route); no Python loop runs over
movers, only over the (few) waypoint columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64, IP, B
from inkless.errors import InputError
from inkless.physics.geodesy import (
    WGS84_A,
    WGS84_E2,
    ecef_from_geodetic,
    surface_distance,
)

__all__ = ["RouteTable"]


_ANTIPODAL = 1e-9  # legs within this angle (radians) of pi have no defined great circle


class _Where(NamedTuple):
    """Movers located at sample times: spherical position, altitude, rates (all ``(n, k)``;
    the rates only when asked for, :meth:`RouteTable._locate`)."""

    lat: F64
    lon: F64
    alt: F64
    du: F64 | None  # (n, k, 3), rad/s on the unit sphere
    climb: F64 | None  # m/s


_T = TypeVar("_T", bound=np.generic)


def _frozen(a: NDArray[_T]) -> NDArray[_T]:
    a.setflags(write=False)
    return a


def _unit_sphere(lat: F64, lon: F64) -> F64:
    cl = np.cos(lat)
    return np.stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)], axis=-1)


def _checked_speed_depart(n: int, speed: ArrayLike, depart: ArrayLike) -> tuple[F64, F64]:
    """Ground speed (m/s) and departure time (s) of ``n`` movers as ``(n,)`` arrays, checked
    positive and finite."""
    spd = np.broadcast_to(np.asarray(speed, dtype=np.float64), (n,)).copy()
    dep = np.broadcast_to(np.asarray(depart, dtype=np.float64), (n,)).copy()
    if not np.all(np.isfinite(spd) & (spd > 0.0)):
        i = int(np.argmin(np.isfinite(spd) & (spd > 0.0)))
        raise InputError(f"RouteTable.build: mover {i}: speed must be positive; fix its speed")
    if not np.all(np.isfinite(dep)):
        i = int(np.argmin(np.isfinite(dep)))
        raise InputError(f"RouteTable.build: mover {i}: departure time is not finite")
    return spd, dep


def _padded_waypoints(
    lats: Sequence[ArrayLike], lons: Sequence[ArrayLike], alts: Sequence[ArrayLike]
) -> tuple[F64, F64, F64, IP]:
    """Ragged waypoint lists checked (one-dimensional, equal lengths, at least 2, finite) and
    padded to ``(n, W)`` by repeating each mover's last waypoint; with the real counts
    ``n_wp (n,)``."""
    rows = []
    for i, (la, lo, al) in enumerate(zip(lats, lons, alts, strict=True)):
        row = [np.atleast_1d(np.asarray(x, dtype=np.float64)) for x in (la, lo, al)]
        if any(r.ndim != 1 for r in row) or not (row[0].size == row[1].size == row[2].size):
            raise InputError(
                f"RouteTable.build: mover {i}: latitude, longitude and altitude lists must be "
                "one-dimensional and of equal length"
            )
        if row[0].size < 2:
            raise InputError(f"RouteTable.build: mover {i}: a route needs at least 2 waypoints")
        if not all(np.all(np.isfinite(r)) for r in row):
            raise InputError(f"RouteTable.build: mover {i}: a waypoint value is not finite")
        rows.append(row)
    n = len(rows)
    n_wp = np.array([r[0].size for r in rows], dtype=np.intp)
    w = int(n_wp.max()) if n else 2
    lat = np.empty((n, w))
    lon = np.empty((n, w))
    alt = np.empty((n, w))
    for i, (la, lo, al) in enumerate(rows):
        k = la.size
        lat[i, :k], lon[i, :k], alt[i, :k] = la, lo, al
        lat[i, k:], lon[i, k:], alt[i, k:] = la[-1], lo[-1], al[-1]
    return lat, lon, alt, n_wp


def _great_circle_legs(lat: F64, lon: F64) -> tuple[F64, F64, F64]:
    """Each leg's great-circle angle (rad, ``(n, W-1)``), unit vector of its start on the
    sphere and unit tangent there towards its end (``(n, W-1, 3)``); a leg between antipodal
    points (no defined great circle) is an input error."""
    u = _unit_sphere(lat, lon)  # (n, W, 3)
    ua, ub = u[:, :-1], u[:, 1:]
    cosd = np.clip(np.einsum("nwi,nwi->nw", ua, ub), -1.0, 1.0)
    sind = np.linalg.norm(np.cross(ua, ub), axis=-1)
    angle = np.arctan2(sind, cosd)
    if np.any(angle > np.pi - _ANTIPODAL):
        i, j = (int(x) for x in np.argwhere(angle > np.pi - _ANTIPODAL)[0])
        raise InputError(
            f"RouteTable.build: mover {i}: waypoints {j} and {j + 1} are antipodal, so the "
            "great circle between them is undefined; add a waypoint between them"
        )
    tangent = ub - cosd[..., None] * ua
    tn = np.linalg.norm(tangent, axis=-1, keepdims=True)
    leg_w = np.where(tn > 0.0, tangent / np.where(tn > 0.0, tn, 1.0), 0.0)
    return angle, ua, leg_w


@dataclass(frozen=True, slots=True)
class RouteTable:
    """All movers' routes as padded arrays (struct of arrays; every array is read-only).

    Attributes:
        lat, lon: waypoint geodetic latitude and longitude, radians, ``(n, W)``; padded by
            repeating the last waypoint.
        alt: waypoint height above the WGS-84 ellipsoid, metres, ``(n, W)``.
        t_wp: time the mover passes each waypoint, seconds since the scenario epoch, ``(n, W)``;
            ``+inf`` in padded columns.
        n_wp: number of real waypoints per mover, ``(n,)`` (at least 2).
        speed: ground speed, m/s, ``(n,)``.
        depart: departure time from the first waypoint, s, ``(n,)``.
        arrival: arrival time at the last waypoint, s, ``(n,)``.
        leg_angle: great-circle angle of each leg, radians, ``(n, W-1)`` (0 for padding).
        leg_u: unit vector of each leg's start on the sphere, ``(n, W-1, 3)``.
        leg_w: unit tangent at the leg's start towards its end, ``(n, W-1, 3)``.
    """

    lat: F64
    lon: F64
    alt: F64
    t_wp: F64
    n_wp: IP
    speed: F64
    depart: F64
    arrival: F64
    leg_angle: F64
    leg_u: F64
    leg_w: F64

    @property
    def n(self) -> int:
        """Number of movers."""
        return int(self.speed.shape[0])

    @classmethod
    def build(
        cls,
        lats: Sequence[ArrayLike],
        lons: Sequence[ArrayLike],
        alts: Sequence[ArrayLike],
        speed: ArrayLike,
        depart: ArrayLike,
    ) -> RouteTable:
        """Build the table from ragged per-mover waypoint lists.

        Args:
            lats, lons: one array per mover of waypoint geodetic latitudes / longitudes, radians.
            alts: one array per mover of waypoint heights above the ellipsoid, metres.
            speed: ground speed per mover, m/s, ``(n,)``, positive.
            depart: departure time per mover, seconds since the scenario epoch, ``(n,)``.

        Raises:
            InputError: mismatched lengths, fewer than two waypoints, non-finite values, a
                speed that is not positive, or a leg between antipodal points.
        """
        n = len(lats)
        if len(lons) != n or len(alts) != n:
            raise InputError(
                f"RouteTable.build: {n} latitude lists but {len(lons)} longitude and "
                f"{len(alts)} altitude lists; give one list of each per mover"
            )
        spd, dep = _checked_speed_depart(n, speed, depart)
        lat, lon, alt, n_wp = _padded_waypoints(lats, lons, alts)
        angle, ua, leg_w = _great_circle_legs(lat, lon)
        # Leg lengths by the haversine formula (the same function users measure routes with).
        length = surface_distance(lat[:, :-1], lon[:, :-1], lat[:, 1:], lon[:, 1:])
        duration = length / spd[:, None]
        t_wp = dep[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(duration, axis=1)], 1)
        arrival = t_wp[np.arange(n), n_wp - 1] if n else np.zeros(0)
        cols = np.arange(lat.shape[1])[None, :]
        t_wp = np.where(cols < n_wp[:, None], t_wp, np.inf)
        return cls(
            lat=_frozen(lat),
            lon=_frozen(lon),
            alt=_frozen(alt),
            t_wp=_frozen(t_wp),
            n_wp=_frozen(n_wp),
            speed=_frozen(spd),
            depart=_frozen(dep),
            arrival=_frozen(np.asarray(arrival, dtype=np.float64)),
            leg_angle=_frozen(angle),
            leg_u=_frozen(np.ascontiguousarray(ua)),
            leg_w=_frozen(leg_w),
        )

    def _locate(self, t: F64, rates: bool = False) -> _Where:
        """Leg, fraction and point on the sphere of every mover at times ``t`` ``(n, k)``;
        clamped to the first waypoint before departure and to the last one after arrival;
        with ``rates``, their rates too (the velocity's terms)."""
        n, k = t.shape
        leg = np.zeros((n, k), dtype=np.intp)
        for col in range(1, self.t_wp.shape[1]):
            leg += t >= self.t_wp[:, col, None]
        leg = np.minimum(leg, (self.n_wp - 2)[:, None])
        r = np.arange(n)[:, None]
        t_a = self.t_wp[r, leg]
        dur = self.t_wp[r, leg + 1] - t_a
        pos_dur = dur > 0.0
        inv_dur = np.where(pos_dur, 1.0 / np.where(pos_dur, dur, 1.0), 0.0)
        s = np.clip(np.where(pos_dur, (t - t_a) * inv_dur, 1.0), 0.0, 1.0)
        delta = self.leg_angle[r, leg]
        ua = self.leg_u[r, leg]
        wa = self.leg_w[r, leg]
        ang = (s * delta)[..., None]
        cos_a, sin_a = np.cos(ang), np.sin(ang)
        u = cos_a * ua + sin_a * wa
        alt_a = self.alt[r, leg]
        d_alt = self.alt[r, leg + 1] - alt_a
        lat, lon = np.arcsin(np.clip(u[..., 2], -1.0, 1.0)), np.arctan2(u[..., 1], u[..., 0])
        if not rates:
            return _Where(lat, lon, alt_a + s * d_alt, None, None)
        moving = pos_dur & (t >= self.depart[:, None]) & (t < self.arrival[:, None])
        return _Where(
            lat=lat,
            lon=lon,
            alt=alt_a + s * d_alt,
            # d(u)/dt on the unit sphere and climb rate; zero when not moving.
            du=np.where(moving, delta * inv_dur, 0.0)[..., None] * (cos_a * wa - sin_a * ua),
            climb=np.where(moving, d_alt * inv_dur, 0.0),
        )

    @staticmethod
    def _velocity(w: _Where) -> F64:
        """ECEF velocity: the time derivative of ``ecef_from_geodetic(lat, lon, alt)``,
        ``(M + h) dlat/dt north + (N + h) cos(lat) dlon/dt east + dh/dt up`` (``w`` located
        with its rates)."""
        assert w.du is not None and w.climb is not None  # (internal: _locate(t, rates=True))
        sl, cl = np.sin(w.lat), np.cos(w.lat)
        so, co = np.sin(w.lon), np.cos(w.lon)
        north = np.stack([-sl * co, -sl * so, cl], axis=-1)
        east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
        up = np.stack([cl * co, cl * so, sl], axis=-1)
        dlat = np.einsum("...i,...i->...", w.du, north)
        clat_dlon = np.einsum("...i,...i->...", w.du, east)
        w2 = 1.0 - WGS84_E2 * sl * sl
        n_curv = WGS84_A / np.sqrt(w2)  # prime-vertical radius of curvature
        m_curv = WGS84_A * (1.0 - WGS84_E2) / w2**1.5  # meridian radius of curvature
        vel: F64 = (
            ((m_curv + w.alt) * dlat)[..., None] * north
            + ((n_curv + w.alt) * clat_dlon)[..., None] * east
            + w.climb[..., None] * up
        )
        return vel

    def state(self, t: float) -> tuple[F64, F64, B]:
        """Every mover at time ``t`` (seconds since the scenario epoch).

        Returns:
            ``(ecef (n, 3), vel (n, 3), active (n,))``: ECEF position (m) and velocity (m/s);
            ``active`` is True from departure until arrival (exclusive). Inactive movers sit at
            their first waypoint (not yet departed) or last waypoint (arrived), velocity zero.
        """
        w = self._locate(np.full((self.n, 1), float(t)), rates=True)
        ecef = ecef_from_geodetic(w.lat, w.lon, w.alt)
        active = (self.depart <= t) & (t < self.arrival)
        return ecef[:, 0], self._velocity(w)[:, 0], active

    def positions(self, times: ArrayLike) -> tuple[F64, F64]:
        """Look-ahead positions of every mover on a time grid.

        Args:
            times: sample times, seconds since the scenario epoch, ``(k,)``.

        Returns:
            ``(ecef (n, k, 3), alt (n, k))``: ECEF metres and height above the ellipsoid,
            metres; NaN where the mover is not active (before departure or from arrival on).
        """
        tk = np.atleast_1d(np.asarray(times, dtype=np.float64))
        tt = np.broadcast_to(tk[None, :], (self.n, tk.size))
        w = self._locate(tt)
        ecef = ecef_from_geodetic(w.lat, w.lon, w.alt)
        alt = w.alt
        active = (self.depart[:, None] <= tt) & (tt < self.arrival[:, None])
        ecef = np.where(active[..., None], ecef, np.nan)
        alt = np.where(active, alt, np.nan)
        return ecef, alt

    def sample(self, rows: ArrayLike, t: ArrayLike) -> tuple[F64, F64]:
        """ECEF positions (m) ``(r, k, 3)`` and heights above the ellipsoid (m) ``(r, k)`` of
        movers ``rows (r,)`` at their own times ``t (r, k)`` (s); clamped to the first and last
        waypoints outside the flight."""
        sub = np.asarray(rows, dtype=np.intp)
        part = dataclasses.replace(
            self, **{f.name: getattr(self, f.name)[sub] for f in dataclasses.fields(self)}
        )
        w = part._locate(np.asarray(t, dtype=np.float64))
        return ecef_from_geodetic(w.lat, w.lon, w.alt), w.alt
