"""Civil traffic: scenario flights on their filed routes, airspace closures, recorded traffic.

Where it sits: simulation, beside the raid. :func:`civil_traffic` builds the truth of every civil
aircraft of a run (:class:`CivilTraffic`, one row per flight: the scenario's flights first, then
the flights of ``civil.recording``); :func:`civil_routes` keeps giving the scenario flights as a
:class:`~inkless.physics.route.RouteTable`, now as flown (departure climb, closures).

Flight model. A flight flies its waypoints at ``speed_mps`` and ``altitude_m``. One that
``departs`` takes off at its first waypoint and climbs below the 250 kt limit under 10,000 ft
(ICAO Doc 4444 / 14 CFR 91.117): to 10,000 ft at 125 m/s and 12 m/s climb, to 4,500 m at 150 m/s
and 10 m/s, then to ``altitude_m`` at ``speed_mps`` and 10 m/s. Descent is not modelled.

Airspace closures (NOTAM-like, ``civil.closures``). A flight whose planned path would be inside
a closed region while the closure is in force is handled when the closure takes effect (or at its
departure, if later): the *decision point*. Geometry is done in the gnomonic projection centred
on the region, where great circles (route legs, polygon edges) are straight lines (Snyder, *Map
Projections: A Working Manual*, USGS PP 1395, 1987, p. 164). The region is replaced by its convex
hull grown by ``margin_km`` (circles of 16 points around each vertex), so the detour is the
shortest path around a convex obstacle: one of the two boundary chains of the convex hull of the
obstacle and the leg's end points.

* **reroute**: the remaining route from the decision point goes around the closed region;
* **hold**, when the destination is inside the region and the closure ends: the flight waits at
  the decision point (on the ground, or holding in the air, modelled as standing still) until the
  closure ends, then flies its planned route;
* **cancel** (not departed) or **return** (airborne), when the destination is inside and the
  closure has no end;
* **continue**: a flight already inside the region when it closes flies on and leaves.

The amended route is the flight's new filed plan (the airspace authority ordered it), which is
what identification correlates tracks with. Recorded traffic is replayed as flown: closures do not
change it. Delay is the change of arrival time at the last waypoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64, B
from inkless.errors import InputError
from inkless.physics.geodesy import EARTH_MEAN_RADIUS, geodetic_from_ecef, surface_distance
from inkless.physics.polygon import inside_polygon
from inkless.physics.route import RouteTable
from inkless.scenario.model import CivilFlight, Closure, Region, Scenario
from inkless.units import DEG, FT

from .traffic import RecordedFlights, read_recording

__all__ = [
    "CLOSURE_ACTIONS",
    "CivilTraffic",
    "ClosureEffect",
    "civil_routes",
    "civil_traffic",
    "closure_report",
    "icao_from_callsign",
    "inside_region",
    "with_base_dir",
]

Action = Literal["none", "reroute", "hold", "cancel", "return", "continue"]
CLOSURE_ACTIONS: tuple[Action, ...] = ("none", "reroute", "hold", "cancel", "return", "continue")

#: Departure climb segments: (top altitude m, ground speed m/s or None for the cruise speed,
#: climb rate m/s).
_CLIMB = ((10000 * FT, 125.0, 12.0), (4500.0, 150.0, 10.0), (np.inf, None, 10.0))
_SAMPLE_S = 10.0  # closure conflicts are looked for every 10 s of flight


def icao_from_callsign(callsign: str) -> int:
    """A stable 24-bit address for a scenario flight without one (first 6 hex digits of the
    SHA-256 of the callsign)."""
    return int(hashlib.sha256(callsign.encode()).hexdigest()[:6], 16)


# --- geometry on the gnomonic plane -------------------------------------------------------------


def _unit(lat: F64, lon: F64) -> F64:
    cl = np.cos(lat)
    return np.stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)], axis=-1)


@dataclass(frozen=True)
class _Plane:
    """Gnomonic projection centred on ``c`` (unit vector): x east, y north, metres at the
    centre's scale. Only the hemisphere around ``c`` is mapped."""

    c: F64
    e: F64
    n: F64

    @classmethod
    def at(cls, lat0: float, lon0: float) -> _Plane:
        c = _unit(np.asarray(lat0), np.asarray(lon0))
        e = np.array([-np.sin(lon0), np.cos(lon0), 0.0])
        n = np.cross(c, e)
        return cls(c, e, n)

    def xy(self, lat: F64, lon: F64) -> tuple[F64, F64, B]:
        u = _unit(np.asarray(lat, float), np.asarray(lon, float))
        d = u @ self.c
        front = d > 1e-6
        dd = np.where(front, d, 1.0)
        return (
            EARTH_MEAN_RADIUS * (u @ self.e) / dd,
            EARTH_MEAN_RADIUS * (u @ self.n) / dd,
            front,
        )

    def latlon(self, x: F64, y: F64) -> tuple[F64, F64]:
        v = self.c + (np.asarray(x)[..., None] * self.e + np.asarray(y)[..., None] * self.n) / (
            EARTH_MEAN_RADIUS
        )
        v = v / np.linalg.norm(v, axis=-1, keepdims=True)
        return np.arcsin(np.clip(v[..., 2], -1, 1)), np.arctan2(v[..., 1], v[..., 0])


def _polygon(region: Region) -> tuple[F64, F64]:
    arr = np.asarray(region.polygon_deg, dtype=float) * DEG
    return arr[:, 0], arr[:, 1]


def _plane_of(plat: F64, plon: F64) -> _Plane:
    m = _unit(plat, plon).mean(axis=0)
    m /= np.linalg.norm(m)
    return _Plane.at(float(np.arcsin(m[2])), float(np.arctan2(m[1], m[0])))


def inside_region(lat: F64, lon: F64, polygon_lat: F64, polygon_lon: F64) -> B:
    """Whether points ``(lat, lon)`` (radians, any shape) are inside a polygon whose vertices
    ``polygon_lat``, ``polygon_lon`` (radians) are joined by great-circle edges.

    Method: gnomonic projection at the polygon's centroid (great circles become straight lines),
    then the even-odd test of :func:`inkless.physics.polygon.inside_polygon`. Points more than 90
    degrees from the centroid are outside; a region across the antimeridian is handled.
    """
    plat, plon = np.asarray(polygon_lat, float), np.asarray(polygon_lon, float)
    plane = _plane_of(plat, plon)
    px, py, _ = plane.xy(plat, plon)
    x, y, front = plane.xy(np.asarray(lat, float), np.asarray(lon, float))
    out: B = inside_polygon(x, y, px, py) & front
    return out


def _hull(x: F64, y: F64) -> I64:
    """Indices of the convex hull, counter-clockwise (Andrew's monotone chain, 1979)."""
    idx = np.lexsort((y, x))
    pts = [(float(x[i]), float(y[i]), int(i)) for i in idx]

    def cross(o: tuple[float, float, int], a: tuple[float, float, int],
              b: tuple[float, float, int]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float, int]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float, int]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array([p[2] for p in lower[:-1] + upper[:-1]], dtype=np.int64)


@dataclass(frozen=True)
class _Obstacle:
    """A closed region as a convex polygon (grown by the margin) on its gnomonic plane."""

    plane: _Plane
    x: F64  # counter-clockwise hull vertices, m
    y: F64

    @classmethod
    def of(cls, region: Region, margin_m: float) -> _Obstacle:
        plat, plon = _polygon(region)
        plane = _plane_of(plat, plon)
        px, py, _ = plane.xy(plat, plon)
        if margin_m > 0:
            a = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
            px = (px[:, None] + margin_m * np.cos(a)).ravel()
            py = (py[:, None] + margin_m * np.sin(a)).ravel()
        h = _hull(px, py)
        return cls(plane, px[h], py[h])

    def contains(self, x: F64, y: F64) -> B:
        """Strictly inside the convex polygon."""
        x1, y1 = self.x[:, None], self.y[:, None]
        x2, y2 = np.roll(self.x, -1)[:, None], np.roll(self.y, -1)[:, None]
        side = (x2 - x1) * (np.ravel(y)[None] - y1) - (y2 - y1) * (np.ravel(x)[None] - x1)
        out: B = np.asarray((side > 0).all(axis=0)).reshape(np.shape(x))
        return out

    def crosses(self, ax: float, ay: float, bx: float, by: float) -> bool:
        """Whether segment a-b passes through the interior (sampled finely)."""
        s = np.linspace(0.0, 1.0, 257)
        return bool(self.contains(ax + s * (bx - ax), ay + s * (by - ay)).any())

    def detour(self, ax: float, ay: float, bx: float, by: float) -> tuple[F64, F64]:
        """Intermediate points of the shortest path from a to b around the obstacle."""
        xs = np.r_[self.x, ax, bx]
        ys = np.r_[self.y, ay, by]
        h = list(_hull(xs, ys))
        ia, ib = len(xs) - 2, len(xs) - 1
        if ia not in h or ib not in h:  # cannot happen when a-b crosses the interior
            return np.empty(0), np.empty(0)
        k = len(h)
        pa, pb = h.index(ia), h.index(ib)
        ccw = [h[(pa + i) % k] for i in range(1, (pb - pa) % k)]
        cw = [h[(pa - i) % k] for i in range(1, (pa - pb) % k)]

        def length(chain: list[int]) -> float:
            px = np.r_[ax, xs[chain], bx]
            py = np.r_[ay, ys[chain], by]
            return float(np.hypot(np.diff(px), np.diff(py)).sum())

        best = ccw if length(ccw) <= length(cw) else cw
        return xs[best], ys[best]


# --- flight plans -------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One flight's waypoints with the duration of each leg (holds are zero-length legs)."""

    lat: F64
    lon: F64
    alt: F64
    dur: F64  # (W-1,) s
    depart: float

    @property
    def t_wp(self) -> F64:
        return self.depart + np.r_[0.0, np.cumsum(self.dur)]

    def at(self, t: F64) -> tuple[F64, F64, F64]:
        """Geodetic latitude, longitude (rad) and height (m) at times ``t`` (s), clamped to the
        first and last waypoints, along the great-circle legs."""
        table = _tables([self])
        ecef, alt = table.sample(np.zeros(1, dtype=np.intp), np.asarray(t, float).reshape(1, -1))
        lat, lon, _ = geodetic_from_ecef(ecef[0])
        return lat, lon, alt[0]


def _leg_lengths(lat: F64, lon: F64) -> F64:
    out: F64 = surface_distance(lat[:-1], lon[:-1], lat[1:], lon[1:])
    return out


def _point_along(lat: F64, lon: F64, d: float) -> tuple[int, float, float]:
    """Leg index and the point at distance ``d`` (m) along a polyline (great circles)."""
    lengths = _leg_lengths(lat, lon)
    cum = np.r_[0.0, np.cumsum(lengths)]
    k = int(np.clip(np.searchsorted(cum, d, side="right") - 1, 0, len(lengths) - 1))
    s = 0.0 if lengths[k] <= 0 else float(np.clip((d - cum[k]) / lengths[k], 0.0, 1.0))
    ua, ub = _unit(lat[k], lon[k]), _unit(lat[k + 1], lon[k + 1])
    ang = float(np.arccos(np.clip(ua @ ub, -1.0, 1.0)))
    if ang < 1e-12:
        return k, float(lat[k]), float(lon[k])
    u = (np.sin((1 - s) * ang) * ua + np.sin(s * ang) * ub) / np.sin(ang)
    return k, float(np.arcsin(np.clip(u[2], -1, 1))), float(np.arctan2(u[1], u[0]))


def _plan(f: CivilFlight) -> _Plan:
    lat = np.array([p.lat_deg for p in f.route]) * DEG
    lon = np.array([p.lon_deg for p in f.route]) * DEG
    if not f.departs:
        alt = np.full(len(lat), f.altitude_m)
        return _Plan(lat, lon, alt, _leg_lengths(lat, lon) / f.speed_mps, f.departure_s)
    # Departure: insert the ends of the climb segments along the route.
    total = float(_leg_lengths(lat, lon).sum())
    h = f.route[0].alt_m
    marks: list[tuple[float, float, float]] = []  # (distance m, altitude m, speed of the leg)
    d = 0.0
    for top, v, rate in _CLIMB:
        if h >= f.altitude_m:
            break
        h_next = min(top, f.altitude_m)
        speed = v if v is not None else f.speed_mps
        d += speed * (h_next - h) / rate
        marks.append((min(d, 0.95 * total), h_next, speed))
        h = h_next
    pts_lat, pts_lon, pts_alt, speeds = [lat[0]], [lon[0]], [f.route[0].alt_m], []
    done = 0.0
    for dist, alt_top, speed in marks:
        k, la, lo = _point_along(lat, lon, dist)
        # route waypoints passed on the way to this mark
        cum = np.r_[0.0, np.cumsum(_leg_lengths(lat, lon))]
        for j in range(1, k + 1):
            if done < cum[j] < dist:
                frac = (cum[j] - done) / max(dist - done, 1e-9)
                pts_lat.append(lat[j])
                pts_lon.append(lon[j])
                pts_alt.append(pts_alt[-1] + frac * (alt_top - pts_alt[-1]))
                speeds.append(speed)
                done = cum[j]
        pts_lat.append(la)
        pts_lon.append(lo)
        pts_alt.append(alt_top)
        speeds.append(speed)
        done = dist
    cum = np.r_[0.0, np.cumsum(_leg_lengths(lat, lon))]
    for j in range(1, len(lat)):
        if cum[j] > done:
            pts_lat.append(lat[j])
            pts_lon.append(lon[j])
            pts_alt.append(f.altitude_m)
            speeds.append(f.speed_mps)
    plat, plon = np.array(pts_lat), np.array(pts_lon)
    return _Plan(
        plat, plon, np.array(pts_alt), _leg_lengths(plat, plon) / np.array(speeds), f.departure_s
    )


def _tables(plans: list[_Plan]) -> RouteTable:
    """A RouteTable whose waypoint times follow each plan's leg durations (so speed may change
    from leg to leg and a zero-length leg is a hold)."""
    base = RouteTable.build(
        [p.lat for p in plans],
        [p.lon for p in plans],
        [p.alt for p in plans],
        np.ones(len(plans)),
        np.array([p.depart for p in plans]),
    )
    w = base.t_wp.shape[1]
    t_wp = np.full((len(plans), w), np.inf)
    speed = np.empty(len(plans))
    for i, p in enumerate(plans):
        t_wp[i, : len(p.lat)] = p.t_wp
        moving = p.dur > 0
        length = _leg_lengths(p.lat, p.lon)
        speed[i] = float(length.sum() / max(p.dur[moving].sum(), 1e-9)) if moving.any() else 1.0
    arrival = t_wp[np.arange(len(plans)), base.n_wp - 1]
    for a in (t_wp, arrival, speed):
        a.setflags(write=False)
    return dataclasses.replace(base, t_wp=t_wp, arrival=arrival, speed=speed)


# --- closures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosureEffect:
    """What closures did to each scenario flight (one row per flight)."""

    callsign: tuple[str, ...]
    action: tuple[Action, ...]
    region: tuple[str, ...]  # the closure that acted ('' for none)
    decided_s: F64  # decision time, s (NaN for none)
    delay_s: F64  # change of arrival time, s (inf: cancelled; NaN: none)

    @property
    def affected(self) -> B:
        return np.array([a != "none" for a in self.action], dtype=bool)


def _apply_closure(
    plan: _Plan, closure: Closure, region: Region
) -> tuple[_Plan, Action, float]:
    """The plan after one closure, the action taken and the decision time (s; NaN for none).

    The flight is sampled every ``_SAMPLE_S`` while the closure is in force; one that never
    enters the region is left alone. Otherwise, at the decision point: an airborne flight
    already inside the region (or its margin) continues; one whose destination is closed holds,
    is cancelled or returns (:func:`_closed_destination`); any other goes around
    (:func:`_rerouted`)."""
    until = closure.until_s if closure.until_s is not None else np.inf
    t_from = max(closure.from_s, plan.depart)
    entry = _region_entry(plan, region, t_from, until)
    if entry is None:
        return plan, "none", np.nan
    t_in, inside_at_start = entry
    obstacle = _Obstacle.of(region, closure.margin_km * 1000.0)
    # Decision point: where the flight is when the closure takes effect (or at departure).
    t_d = t_from
    cut = _cut_at(plan, t_d)
    dx, dy, _ = obstacle.plane.xy(np.array(cut.lat), np.array(cut.lon))
    airborne = t_d > plan.depart
    if airborne and (inside_at_start or bool(obstacle.contains(dx, dy))):
        return plan, "continue", t_d
    plat, plon = _polygon(region)
    ex, ey, _ = obstacle.plane.xy(cut.rest_lat[-1:], cut.rest_lon[-1:])
    dest_closed = bool(obstacle.contains(ex, ey)[0]) or bool(
        inside_region(cut.rest_lat[-1:], cut.rest_lon[-1:], plat, plon)[0]
    )
    if dest_closed:
        new, action = _closed_destination(plan, cut, until, t_in, airborne)
        return new, action, t_d
    return _rerouted(plan, cut, obstacle), "reroute", t_d


def _region_entry(
    plan: _Plan, region: Region, t_from: float, until: float
) -> tuple[float, bool] | None:
    """When the flight enters ``region`` between ``t_from`` and ``until`` (s; the last sample
    outside before the first inside, so that a hold until then never enters early) and whether
    it is inside at ``t_from``; None when it does not enter."""
    t_end = float(plan.t_wp[-1])
    if t_from >= min(until, t_end):
        return None
    times = np.arange(t_from, min(until, t_end) + _SAMPLE_S, _SAMPLE_S)
    times = times[times <= min(until, t_end)]
    plat, plon = _polygon(region)
    la, lo, _ = plan.at(times)
    inside = inside_region(la, lo, plat, plon)
    if not inside.any():
        return None
    return float(times[max(int(np.argmax(inside)) - 1, 0)]), bool(inside[0])


@dataclass(frozen=True)
class _Cut:
    """A plan cut at a decision time: the waypoints passed before it (``past_*``) and the
    durations of the legs up to the decision point (``head_dur``, s), the point itself
    (``lat``, ``lon`` rad, ``alt`` m) and the route from it (``rest_*``, ``rest_dur`` s)."""

    past_lat: F64
    past_lon: F64
    past_alt: F64
    head_dur: F64
    lat: float
    lon: float
    alt: float
    rest_lat: F64
    rest_lon: F64
    rest_alt: F64
    rest_dur: F64


def _cut_at(plan: _Plan, t_d: float) -> _Cut:
    """``plan`` cut at time ``t_d`` (s); the leg cut there keeps its speed."""
    t_wp = plan.t_wp
    dla, dlo, dal = (float(v[0]) for v in plan.at(np.array([t_d])))
    k_next = int(np.searchsorted(t_wp, t_d, side="right"))  # first waypoint after t_d
    rest_lat = np.r_[dla, plan.lat[k_next:]]
    rest_lon = np.r_[dlo, plan.lon[k_next:]]
    rest_alt = np.r_[dal, plan.alt[k_next:]]
    rest_dur = plan.dur[k_next - 1 :].copy() if k_next >= 1 else plan.dur.copy()
    if k_next >= 1:
        full = _leg_lengths(plan.lat[k_next - 1 : k_next + 1], plan.lon[k_next - 1 : k_next + 1])
        part = _leg_lengths(rest_lat[:2], rest_lon[:2])
        rest_dur[0] = plan.dur[k_next - 1] * float(part[0] / full[0]) if full[0] > 0 else 0.0
        head_dur = np.r_[plan.dur[: k_next - 1], t_d - t_wp[k_next - 1]]
    else:
        head_dur = np.empty(0)
    return _Cut(plan.lat[:k_next], plan.lon[:k_next], plan.alt[:k_next], head_dur,
                dla, dlo, dal, rest_lat, rest_lon, rest_alt, rest_dur)


def _closed_destination(
    plan: _Plan, cut: _Cut, until: float, t_in: float, airborne: bool
) -> tuple[_Plan, Action]:
    """A flight whose destination is closed until ``until`` (s; inf: no end) and which would
    enter the region at ``t_in`` (s): it holds at the decision point (on the ground: a later
    departure) until the closure ends; with no end it is cancelled, or, airborne, flies back
    along the waypoints it passed."""
    if np.isfinite(until):
        hold = until - t_in
        if not airborne:
            return dataclasses.replace(plan, depart=plan.depart + hold), "hold"
        lat = np.r_[cut.past_lat, cut.lat, cut.rest_lat]
        lon = np.r_[cut.past_lon, cut.lon, cut.rest_lon]
        alt = np.r_[cut.past_alt, cut.alt, cut.rest_alt]
        dur = np.r_[cut.head_dur, hold, cut.rest_dur]
        return _Plan(lat, lon, alt, dur, plan.depart), "hold"
    if not airborne:
        return plan, "cancel"
    n_past = len(cut.past_lat)
    back_lat = np.r_[cut.past_lat, cut.lat, cut.past_lat[::-1]]
    back_lon = np.r_[cut.past_lon, cut.lon, cut.past_lon[::-1]]
    back_alt = np.r_[cut.past_alt, cut.alt, cut.past_alt[::-1]]
    speed = _leg_lengths(cut.rest_lat[:2], cut.rest_lon[:2])[0] / max(cut.rest_dur[0], 1e-9)
    back_len = _leg_lengths(back_lat[n_past:], back_lon[n_past:])
    dur = np.r_[cut.head_dur, back_len / max(speed, 1.0)]
    return _Plan(back_lat, back_lon, back_alt, dur, plan.depart), "return"


def _rerouted(plan: _Plan, cut: _Cut, obstacle: _Obstacle) -> _Plan:
    """The plan with its route from the decision point going around ``obstacle``: waypoints
    inside it are skipped (each skipped leg's time goes to the next one, at its speed), then
    every leg that crosses it goes around it (:meth:`_Obstacle.detour`)."""
    rest_lat, rest_lon, rest_alt, rest_dur = cut.rest_lat, cut.rest_lon, cut.rest_alt, cut.rest_dur
    rx, ry, rf = obstacle.plane.xy(rest_lat, rest_lon)
    skip = rf & obstacle.contains(rx, ry)
    skip[0] = skip[-1] = False
    if skip.any():
        keep = np.flatnonzero(~skip)
        speed_of = _leg_lengths(rest_lat, rest_lon) / np.maximum(rest_dur, 1e-9)
        rest_lat, rest_lon, rest_alt = rest_lat[keep], rest_lon[keep], rest_alt[keep]
        # the leg arriving at each kept waypoint keeps the speed of the original last leg
        rest_dur = _leg_lengths(rest_lat, rest_lon) / np.maximum(speed_of[keep[1:] - 1], 1e-9)
    new_lat, new_lon, new_alt, new_dur = [rest_lat[0]], [rest_lon[0]], [rest_alt[0]], []
    for j in range(len(rest_lat) - 1):
        a_lat, a_lon, b_lat, b_lon = rest_lat[j], rest_lon[j], rest_lat[j + 1], rest_lon[j + 1]
        length = float(_leg_lengths(np.r_[a_lat, b_lat], np.r_[a_lon, b_lon])[0])
        speed = length / rest_dur[j] if rest_dur[j] > 0 and length > 0 else 0.0
        ax, ay, af = obstacle.plane.xy(np.array(a_lat), np.array(a_lon))
        bx, by, bf = obstacle.plane.xy(np.array(b_lat), np.array(b_lon))
        mid_lat: F64 = np.empty(0)
        mid_lon: F64 = np.empty(0)
        if speed > 0 and af and bf and obstacle.crosses(float(ax), float(ay), float(bx), float(by)):
            mx, my = obstacle.detour(float(ax), float(ay), float(bx), float(by))
            mid_lat, mid_lon = obstacle.plane.latlon(mx, my)
        seg_lat = np.r_[a_lat, mid_lat, b_lat]
        seg_lon = np.r_[a_lon, mid_lon, b_lon]
        seg_len = _leg_lengths(seg_lat, seg_lon)
        frac = np.cumsum(seg_len) / max(float(seg_len.sum()), 1e-9)
        seg_alt = rest_alt[j] + frac * (rest_alt[j + 1] - rest_alt[j])
        new_lat += list(seg_lat[1:])
        new_lon += list(seg_lon[1:])
        new_alt += list(seg_alt)
        if speed > 0:
            new_dur += list(seg_len / speed)
        else:  # a hold (zero-length leg) keeps its duration
            new_dur += [rest_dur[j]] + [0.0] * (len(seg_len) - 1)
    lat = np.r_[cut.past_lat, np.array(new_lat)]
    lon = np.r_[cut.past_lon, np.array(new_lon)]
    alt = np.r_[cut.past_alt, np.array(new_alt)]
    dur = np.r_[cut.head_dur, np.array(new_dur)]
    return _Plan(lat, lon, alt, dur, plan.depart)


def _apply_closures(
    flights: list[CivilFlight], plans: list[_Plan], closures: list[Closure],
    regions: dict[str, Region],
) -> tuple[list[_Plan], ClosureEffect, B]:
    actions: list[Action] = []
    where: list[str] = []
    decided = np.full(len(plans), np.nan)
    delay = np.full(len(plans), np.nan)
    flown = np.ones(len(plans), dtype=bool)
    out = []
    order = sorted(closures, key=lambda c: c.from_s)
    for i, plan in enumerate(plans):
        arrival0 = float(plan.t_wp[-1])
        act: Action = "none"
        reg = ""
        for c in order:
            if c.region not in regions:
                raise InputError(f"civil.closures: unknown region {c.region!r}; define it")
            plan, a, td = _apply_closure(plan, c, regions[c.region])
            if a != "none" and act in ("none", "continue"):
                act, reg, decided[i] = a, c.region, td
            if a == "cancel":
                flown[i] = False
                break
        out.append(plan)
        actions.append(act)
        where.append(reg)
        if act in ("cancel", "return"):
            delay[i] = np.inf  # never reaches its destination
        elif act != "none":
            delay[i] = float(plan.t_wp[-1]) - arrival0
    effect = ClosureEffect(
        callsign=tuple(f.callsign for f in flights),
        action=tuple(actions),
        region=tuple(where),
        decided_s=decided,
        delay_s=delay,
    )
    return out, effect, flown


# --- the traffic table --------------------------------------------------------------------------


@dataclass(frozen=True)
class CivilTraffic:
    """Every civil aircraft of a run, one row each: the scenario's flights (rows
    ``0..n_flights-1``, on ``routes`` as flown) then the recorded flights (``recorded``).

    ``icao24 (c,)`` 24-bit addresses; ``cooperative (c,)`` broadcasts ADS-B; ``flown (c,)``
    False for a cancelled flight (never active). Positions are ECEF metres.
    """

    callsign: tuple[str, ...]
    icao24: I64
    cooperative: B
    flown: B
    n_flights: int
    routes: RouteTable | None
    recorded: RecordedFlights | None
    closures: ClosureEffect

    def __len__(self) -> int:
        return len(self.callsign)

    def state(self, t: float) -> tuple[F64, F64, B]:
        """``(ecef (c,3), vel (c,3), active (c,))`` at ``t`` (s); NaN rows where inactive."""
        pos = np.full((len(self), 3), np.nan)
        vel = np.full((len(self), 3), np.nan)
        active = np.zeros(len(self), dtype=bool)
        rt, rec = self.routes, self.recorded
        # (the interpolation is skipped when no flight of a table is in the air)
        if rt is not None and ((rt.depart <= t) & (t < rt.arrival)).any():
            r, v, a = rt.state(t)
            a = a & self.flown[: self.n_flights]
            pos[: self.n_flights][a], vel[: self.n_flights][a] = r[a], v[a]
            active[: self.n_flights] = a
        if rec is not None and ((rec.t0 <= t) & (t <= rec.t1)).any():
            r, v, a = rec.state(t)
            pos[self.n_flights :], vel[self.n_flights :], active[self.n_flights :] = r, v, a
        return pos, vel, active

    def filed(self, t: float, state: tuple[F64, F64, B] | None = None) -> tuple[F64, F64]:
        """Planned ECEF position and velocity at ``t`` of the scenario flights whose filed
        (amended) plan has them in the air, ``(f, 3)`` each: what airspace control expects.
        ``state``: :meth:`state` at ``t`` if already known (the scenario flights fly their
        filed plans, so their rows of it are the plan)."""
        if self.routes is None:
            return np.empty((0, 3)), np.empty((0, 3))
        if state is not None:
            nf = self.n_flights
            a = state[2][:nf]
            return state[0][:nf][a], state[1][:nf][a]
        r, v, a = self.routes.state(t)
        a &= self.flown[: self.n_flights]
        return r[a], v[a]

    def grid(self, dt: float, ticks: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Positions ``(ticks, c, 3)`` ECEF m and heights ``(ticks, c)`` m at ``k * dt``, NaN
        where not active (float32, like :meth:`inkless.simulation.Raid.grid`)."""
        pos = np.full((ticks, len(self), 3), np.nan, dtype=np.float32)
        alt = np.full((ticks, len(self)), np.nan, dtype=np.float32)
        times = dt * np.arange(ticks, dtype=float)
        if self.routes is not None and self.n_flights:
            r, h = self.routes.positions(times)
            r[~self.flown[: self.n_flights]] = np.nan
            h[~self.flown[: self.n_flights]] = np.nan
            pos[:, : self.n_flights] = np.swapaxes(r, 0, 1)
            alt[:, : self.n_flights] = h.T
        if self.recorded is not None:
            r2, h2 = self.recorded.grid(dt, ticks)
            pos[:, self.n_flights :] = r2
            alt[:, self.n_flights :] = h2
        return pos, alt


    def velocity_grid(self, dt: float, ticks: int) -> NDArray[np.float32]:
        """ECEF velocities ``(ticks, c, 3)`` m/s at ``k * dt``, NaN where not active (float32).
        A scenario flight's is the difference of its positions over the next 0.1 s (over the
        last 0.1 s as it arrives): the velocity of the leg it is on, as :meth:`state` gives; a
        recorded flight's is its interpolated recorded velocity."""
        vel = np.full((ticks, len(self), 3), np.nan, dtype=np.float32)
        times = dt * np.arange(ticks, dtype=float)
        if self.routes is not None and self.n_flights:
            h = 0.1
            at = np.swapaxes(self.routes.positions(times)[0], 0, 1)
            ahead = np.swapaxes(self.routes.positions(times + h)[0], 0, 1)
            back = np.swapaxes(self.routes.positions(times - h)[0], 0, 1)
            v = np.where(np.isnan(ahead), at - back, ahead - at) / h
            v[:, ~self.flown[: self.n_flights]] = np.nan
            v[np.isnan(at)] = np.nan
            vel[:, : self.n_flights] = v
        if self.recorded is not None:
            vel[:, self.n_flights :] = self.recorded.velocity_grid(dt, ticks)
        return vel


def with_base_dir(scenario: Scenario, base_dir: str | Path) -> Scenario:
    """The scenario with a relative ``civil.recording.path`` (one not inside a package) made
    absolute against ``base_dir``, the scenario file's folder: what ``inkless run`` does, so that
    a scenario names its recording relative to itself and every replication and rerun (in other
    processes too) reads the same file. Unchanged otherwise."""
    rec = scenario.civil.recording
    if rec is None or rec.package is not None or Path(rec.path).is_absolute():
        return scenario
    path = str((Path(base_dir) / rec.path).resolve())
    civil = scenario.civil.model_copy(update={"recording": rec.model_copy(update={"path": path})})
    return scenario.model_copy(update={"civil": civil})


def civil_traffic(scenario: Scenario, base_dir: str | Path | None = None) -> CivilTraffic:
    """The civil aircraft of a scenario as flown, with the closures applied.

    ``base_dir``: folder that a relative ``civil.recording.path`` is relative to (the scenario
    file's folder; default: the working directory). Raises :class:`InputError` for a recording
    that cannot be read.
    """
    flights = scenario.civil.flights
    regions = {r.id: r for r in scenario.regions}
    plans = [_plan(f) for f in flights]
    plans, effect, flown = _apply_closures(flights, plans, scenario.civil.closures, regions)
    routes = _tables(plans) if plans else None
    calls = [f.callsign for f in flights]
    icao = [int(f.icao24, 16) if f.icao24 else icao_from_callsign(f.callsign) for f in flights]
    coop = [f.cooperative for f in flights]
    recorded = None
    rec = scenario.civil.recording
    if rec is not None:
        path = rec.file(base_dir)
        recording = read_recording(
            path, rec.time_offset_s, callsigns=rec.callsigns, max_flights=rec.max_flights
        )
        recorded = RecordedFlights(recording)
        calls += list(recording.callsign)
        icao += recording.icao24.tolist()
        coop += [rec.cooperative] * len(recording)
    n_rec = 0 if recorded is None else recorded.n
    return CivilTraffic(
        callsign=tuple(calls),
        icao24=np.array(icao, dtype=np.int64),
        cooperative=np.array(coop, dtype=bool),
        flown=np.r_[flown, np.ones(n_rec, dtype=bool)].astype(bool),
        n_flights=len(flights),
        routes=routes,
        recorded=recorded,
        closures=effect,
    )


def civil_routes(scenario: Scenario) -> RouteTable | None:
    """One route per scenario civil flight as flown (departure climb and closures applied; a
    cancelled flight keeps its filed route but never flies it in :class:`CivilTraffic`), or None
    without any. Recorded traffic is not included (see :func:`civil_traffic`)."""
    flights = scenario.civil.flights
    if not flights:
        return None
    regions = {r.id: r for r in scenario.regions}
    plans, _, _ = _apply_closures(
        flights, [_plan(f) for f in flights], scenario.civil.closures, regions
    )
    return _tables(plans)


def closure_report(traffic: CivilTraffic) -> list[dict[str, object]]:
    """After-action rows for the flights closures affected: ``callsign``, ``action`` (reroute,
    hold, cancel, return, continue), ``region``, ``decided_s`` and ``delay_s`` (None when the
    flight never reaches its destination: cancelled or returned)."""
    e = traffic.closures
    return [
        {
            "callsign": e.callsign[i],
            "action": e.action[i],
            "region": e.region[i],
            "decided_s": round(float(e.decided_s[i]), 3),
            "delay_s": round(float(e.delay_s[i]), 3) if np.isfinite(e.delay_s[i]) else None,
        }
        for i in range(len(e.action))
        if e.action[i] != "none"
    ]
