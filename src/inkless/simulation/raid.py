"""The raid as truth: every threat's launch, trajectory and impact point, drawn once per run.

Where it sits: simulation, right after the scenario. ``generate_raid`` is a pure function of
(scenario, tables, rng). Ballistic missiles fly Keplerian arcs (:mod:`inkless.physics.ballistic`:
minimum-energy unless the wave sets an apogee) from burnout at the launch point to their impact
point; cruise missiles and drones fly waypoint routes (:class:`inkless.physics.route.RouteTable`)
at their cruise altitude, descending on a terminal leg. The impact point is the aim point
displaced by a circular normal miss with the wave's CEP (sigma = CEP / sqrt(2 ln 2)).
Trajectories are deterministic after launch: nothing manoeuvres, so positions at any time are
functions of the table (kills and impacts are tracked by the pipeline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F32, F64, I64
from inkless.physics.ballistic import arc_for_apogee, minimum_energy_arc, propagate
from inkless.physics.geodesy import (
    altitude,
    destination,
    ecef_from_enu,
    ecef_from_geodetic,
    geodetic_from_ecef,
    initial_bearing,
    surface_distance,
)
from inkless.physics.route import RouteTable
from inkless.scenario.model import Point, Scenario, Wave
from inkless.scenario.tables import CLASS_INDEX, Tables
from inkless.units import DEG, KM

__all__ = ["BALLISTIC", "CRUISE", "DRONE", "Raid", "generate_raid"]

BALLISTIC, CRUISE, DRONE = CLASS_INDEX["ballistic"], CLASS_INDEX["cruise"], CLASS_INDEX["drone"]
_SIGMA_PER_CEP = 1.0 / math.sqrt(2.0 * math.log(2.0))
_TERMINAL_LEG = 15 * KM  # cruise missiles and drones descend over the last 15 km
_DEFAULT_CRUISE_ALT = {"cruise": 50.0, "drone": 1000.0}  # m, when a wave gives none


@dataclass(frozen=True)
class Raid:
    """Every threat of the run, one row each; ``route_row[i]`` indexes ``routes`` (-1: none)."""

    id: tuple[str, ...]
    cls: I64  # threat class index
    wave: I64
    launch_time: F64
    impact_time: F64
    launch_ecef: F64  # (n,3)
    impact_ecef: F64  # (n,3) actual impact point
    impact_lat: F64
    impact_lon: F64
    aim_asset: I64  # asset aimed at, -1 for a fixed aim point
    hit_asset: I64  # asset whose radius contains the impact point, -1 for none
    lethality: F64
    v0: F64  # (n,3) burnout velocity of ballistic rows (NaN otherwise)
    route_row: I64
    routes: RouteTable | None

    def __len__(self) -> int:
        return len(self.id)

    def state(self, t: float, rows: I64 | None = None) -> tuple[F64, F64, NDArray[np.bool_]]:
        """ECEF position and velocity at time ``t`` (s), and whether each threat is in flight
        (launched, not yet at its impact time). Rows not in flight are NaN."""
        rows = np.arange(len(self)) if rows is None else rows
        pos = np.full((len(rows), 3), np.nan)
        vel = np.full((len(rows), 3), np.nan)
        flying = (self.launch_time[rows] <= t) & (t < self.impact_time[rows])
        ball = flying & (self.route_row[rows] < 0)
        if ball.any():
            b = rows[ball]
            r, v = propagate(self.launch_ecef[b], self.v0[b], t - self.launch_time[b])
            pos[ball], vel[ball] = r, v
        flown = flying & ~ball
        if flown.any() and self.routes is not None:
            r, v, _ = self.routes.state(t)
            k = self.route_row[rows[flown]]
            pos[flown], vel[flown] = r[k], v[k]
        return pos, vel, flying

    def grid(self, dt: float, ticks: int, chunk: int = 32) -> tuple[F32, F32]:
        """Positions ``(ticks, n, 3)`` (ECEF m) and heights ``(ticks, n)`` (m above the
        ellipsoid) at the tick times ``k * dt``; NaN where a threat is not in flight.

        Computed once per run over each threat's flight only, ``chunk`` threats at a time, so a
        tick reads a slice. Stored as float32 (about 0.5 m resolution in ECEF), which halves the
        memory and is far finer than any envelope or sensor figure.
        """
        n = len(self)
        pos = np.full((ticks, n, 3), np.nan, dtype=np.float32)
        alt = np.full((ticks, n), np.nan, dtype=np.float32)
        k0 = np.ceil(self.launch_time / dt).astype(np.int64)
        k1 = np.minimum(np.ceil(self.impact_time / dt).astype(np.int64), ticks)
        flying = np.flatnonzero(k1 > k0)
        ballistic = flying[self.route_row[flying] < 0]
        flown = flying[self.route_row[flying] >= 0]
        for group in (ballistic, flown):
            for a in range(0, len(group), chunk):
                rows = group[a : a + chunk]
                span = int((k1[rows] - k0[rows]).max())
                kk = k0[rows, None] + np.arange(span)[None, :]
                valid = kk < k1[rows, None]
                tt = kk * dt
                if group is ballistic:
                    r, _ = propagate(
                        self.launch_ecef[rows], self.v0[rows],
                        np.maximum(tt - self.launch_time[rows, None], 0.0),
                    )
                    h = altitude(r[valid])
                else:
                    assert self.routes is not None
                    r, h_all = self.routes.sample(self.route_row[rows], tt)
                    h = h_all[valid]
                cols = np.broadcast_to(rows[:, None], kk.shape)
                pos[kk[valid], cols[valid]] = r[valid]
                alt[kk[valid], cols[valid]] = h
        return pos, alt

    def max_speed(self) -> F64:
        """Greatest speed of each threat, m/s (burnout speed of a ballistic arc)."""
        speed = np.linalg.norm(np.nan_to_num(self.v0), axis=1)
        if self.routes is not None:
            flown = self.route_row >= 0
            speed[flown] = self.routes.speed[self.route_row[flown]]
        return speed

    def ahead(self, rows: I64, times: F64) -> F64:
        """Positions ``(len(rows), len(times), 3)`` at future ``times``; NaN outside flight."""
        out = np.full((len(rows), len(times), 3), np.nan)
        if len(rows) == 0:
            return out
        inflight = (self.launch_time[rows, None] <= times) & (times < self.impact_time[rows, None])
        ball = self.route_row[rows] < 0
        if ball.any():
            b = rows[ball]
            dt = times[None, :] - self.launch_time[b, None]
            r, _ = propagate(self.launch_ecef[b], self.v0[b], np.maximum(dt, 0.0))
            out[ball] = r
        if (~ball).any() and self.routes is not None:  # the rows' routes only
            m = self.route_row[rows[~ball]]
            pos, _ = self.routes.sample(m, np.broadcast_to(times, (len(m), len(times))))
            active = (self.routes.depart[m, None] <= times) & (times < self.routes.arrival[m, None])
            out[~ball] = np.where(active[..., None], pos, np.nan)
        out[~inflight] = np.nan
        return out


def _launch_points(wave: Wave, n: int, rng: np.random.Generator) -> tuple[F64, F64, F64]:
    """Launch sites round robin over the listed points, or uniform over the launch disc."""
    if wave.launch_points is not None:
        k = np.arange(n) % len(wave.launch_points)
        return tuple(x[k] for x in _geo(wave.launch_points))  # type: ignore[return-value]
    area = wave.launch_area
    assert area is not None  # the model guarantees one of the two
    r = area.radius_km * KM * np.sqrt(rng.random(n))
    bearing = rng.uniform(0.0, 2.0 * np.pi, n)
    lat, lon = destination(
        np.full(n, area.lat_deg * DEG), np.full(n, area.lon_deg * DEG), bearing, r
    )
    return lat, lon, np.zeros(n)


def _geo(points: list[Point]) -> tuple[F64, F64, F64]:
    return (
        np.array([p.lat_deg for p in points]) * DEG,
        np.array([p.lon_deg for p in points]) * DEG,
        np.array([p.alt_m for p in points], dtype=float),
    )


def _draw_wave(wave: Wave, tables: Tables, rng: np.random.Generator) -> dict[str, F64]:
    """One wave's threats: launch time and point, aim, and impact point after the CEP miss."""
    assets, n = tables.assets, wave.count
    start, end = wave.launch_window_s
    launch = np.sort(rng.uniform(start, end, n)) if end > start else np.full(n, start)
    lat0, lon0, alt0 = _launch_points(wave, n, rng)
    if wave.aim_points is not None:
        k = np.arange(n) % len(wave.aim_points)
        lat1, lon1, alt1 = (x[k] for x in _geo(wave.aim_points))
        aim = np.full(n, -1)
    else:
        names = wave.aim_assets if wave.aim_assets is not None else assets.name
        pool = np.array([assets.name.index(x) for x in names])
        aim = pool[rng.choice(len(pool), size=n, p=assets.value[pool] / assets.value[pool].sum())]
        lat1, lon1, alt1 = assets.lat[aim], assets.lon[aim], assets.alt[aim]
    # Miss: circular normal in the local horizontal plane, sigma = CEP / sqrt(2 ln 2).
    miss = rng.normal(0.0, wave.cep_m * _SIGMA_PER_CEP, (n, 2))
    hit = ecef_from_enu(np.column_stack([miss, np.zeros(n)]), lat1, lon1, alt1)
    hlat, hlon, _ = geodetic_from_ecef(hit)
    return {
        "launch": launch,
        "lat0": lat0,
        "lon0": lon0,
        "alt0": alt0,
        "lat1": np.asarray(hlat),
        "lon1": np.asarray(hlon),
        "alt1": np.asarray(alt1, float),
        "aim": aim.astype(float),
        "lethality": np.full(n, wave.lethality),
        "apogee": np.full(n, wave.apogee_km * KM if wave.apogee_km else np.nan),
    }


def _route(
    wave: Wave, lat0: float, lon0: float, lat1: float, lon1: float, alt1: float
) -> tuple[F64, F64, F64]:
    """Waypoints of one cruise missile or drone: launch, the wave's route points, a point
    ``_TERMINAL_LEG`` before the target (at cruise height), the impact point."""
    h = wave.altitude_m or _DEFAULT_CRUISE_ALT[wave.threat_class]
    plat = [lat0, *[p.lat_deg * DEG for p in wave.via]]
    plon = [lon0, *[p.lon_deg * DEG for p in wave.via]]
    if float(surface_distance(plat[-1], plon[-1], lat1, lon1)) > 2 * _TERMINAL_LEG:
        brg = initial_bearing(lat1, lon1, plat[-1], plon[-1])
        tlat, tlon = destination(lat1, lon1, brg, _TERMINAL_LEG)
        plat.append(float(tlat))
        plon.append(float(tlon))
    alt = [h] * len(plat)
    return np.array([*plat, lat1]), np.array([*plon, lon1]), np.array([*alt, alt1])


def generate_raid(scenario: Scenario, tables: Tables, rng: np.random.Generator) -> Raid:
    """Draw every threat's launch time, launch point, aim and miss; build its trajectory."""
    waves = scenario.raid.waves
    drawn = [_draw_wave(w, tables, rng) for w in waves]
    col = {key: np.concatenate([d[key] for d in drawn]) for key in drawn[0]}
    counts = [w.count for w in waves]
    wave_of = np.repeat(np.arange(len(waves)), counts)
    cls = np.repeat([CLASS_INDEX[w.threat_class] for w in waves], counts).astype(np.int64)
    ids = tuple(f"{w.id}-{i + 1:03d}" for w in waves for i in range(w.count))
    launch = col["launch"]
    r0 = ecef_from_geodetic(col["lat0"], col["lon0"], col["alt0"]).reshape(-1, 3)
    r1 = ecef_from_geodetic(col["lat1"], col["lon1"], col["alt1"]).reshape(-1, 3)
    v0 = np.full((len(ids), 3), np.nan)
    impact = np.full(len(ids), np.nan)

    ball = np.flatnonzero(cls == BALLISTIC)
    lofted = ball[np.isfinite(col["apogee"][ball])]
    plain = ball[~np.isfinite(col["apogee"][ball])]
    if len(plain):
        v0[plain], tof = minimum_energy_arc(r0[plain], r1[plain])
        impact[plain] = launch[plain] + tof
    if len(lofted):
        v0[lofted], tof = arc_for_apogee(r0[lofted], r1[lofted], col["apogee"][lofted])
        impact[lofted] = launch[lofted] + tof

    flown = np.flatnonzero(cls != BALLISTIC)
    route_row = np.full(len(ids), -1, dtype=np.int64)
    routes = None
    if len(flown):
        paths = [
            _route(
                waves[wave_of[i]],
                col["lat0"][i],
                col["lon0"][i],
                col["lat1"][i],
                col["lon1"][i],
                col["alt1"][i],
            )
            for i in flown.tolist()
        ]
        speed = np.array([waves[w].speed_mps or 0.0 for w in wave_of[flown]])
        routes = RouteTable.build(
            [p[0] for p in paths],
            [p[1] for p in paths],
            [p[2] for p in paths],
            speed,
            launch[flown],
        )
        route_row[flown] = np.arange(len(flown))
        impact[flown] = routes.arrival

    # Which asset's radius contains each impact point (the nearest such asset).
    assets = tables.assets
    d = np.linalg.norm(r1[:, None, :] - assets.ecef[None, :, :], axis=2)
    inside = d <= assets.radius[None, :]
    hit_asset = np.where(inside.any(axis=1), np.where(inside, d, np.inf).argmin(axis=1), -1)
    return Raid(
        id=ids,
        cls=cls,
        wave=wave_of.astype(np.int64),
        launch_time=launch,
        impact_time=impact,
        launch_ecef=r0,
        impact_ecef=r1,
        impact_lat=col["lat1"],
        impact_lon=col["lon1"],
        aim_asset=col["aim"].astype(np.int64),
        hit_asset=hit_asset.astype(np.int64),
        lethality=col["lethality"],
        v0=v0,
        route_row=route_row,
        routes=routes,
    )
