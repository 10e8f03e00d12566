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
from inkless.scenario.model import Scenario
from inkless.scenario.tables import CLASS_INDEX, Tables
from inkless.units import DEG, KM

__all__ = ["BALLISTIC", "CRUISE", "DRONE", "Raid", "generate_raid"]

F = NDArray[np.float64]
I = NDArray[np.int64]
BALLISTIC, CRUISE, DRONE = CLASS_INDEX["ballistic"], CLASS_INDEX["cruise"], CLASS_INDEX["drone"]
_SIGMA_PER_CEP = 1.0 / math.sqrt(2.0 * math.log(2.0))
_TERMINAL_LEG = 15 * KM  # cruise missiles and drones descend over the last 15 km


@dataclass(frozen=True)
class Raid:
    """Every threat of the run, one row each; ``route_row[i]`` indexes ``routes`` (-1: ballistic)."""

    id: tuple[str, ...]
    cls: I  # threat class index
    wave: I
    launch_time: F
    impact_time: F
    launch_ecef: F  # (n,3)
    impact_ecef: F  # (n,3) actual impact point
    impact_lat: F
    impact_lon: F
    aim_asset: I  # asset aimed at, -1 for a fixed aim point
    hit_asset: I  # asset whose radius contains the impact point, -1 for none
    lethality: F
    v0: F  # (n,3) burnout velocity of ballistic rows (NaN otherwise)
    route_row: I
    routes: RouteTable | None

    def __len__(self) -> int:
        return len(self.id)

    def state(self, t: float, rows: I | None = None) -> tuple[F, F, NDArray[np.bool_]]:
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

    def grid(self, dt: float, ticks: int) -> tuple[F, F]:
        """Positions ``(ticks, n, 3)`` (ECEF m) and heights ``(ticks, n)`` (m above the
        ellipsoid) at the tick times ``k * dt``; NaN where a threat is not in flight.

        Computed once per run over each threat's flight only, so a tick reads a slice.
        """
        n = len(self)
        pos = np.full((ticks, n, 3), np.nan)
        alt = np.full((ticks, n), np.nan)
        k0 = np.ceil(self.launch_time / dt).astype(np.int64)
        k1 = np.minimum(np.ceil(self.impact_time / dt).astype(np.int64), ticks)
        for rows in (np.flatnonzero(self.route_row < 0), np.flatnonzero(self.route_row >= 0)):
            rows = rows[k1[rows] > k0[rows]]
            if len(rows) == 0:
                continue
            span = int((k1[rows] - k0[rows]).max())
            kk = k0[rows, None] + np.arange(span)[None, :]
            valid = kk < k1[rows, None]
            tt = kk * dt
            if self.route_row[rows[0]] < 0:
                r, _ = propagate(
                    self.launch_ecef[rows], self.v0[rows],
                    np.maximum(tt - self.launch_time[rows, None], 0.0),
                )
                h = altitude(r[valid])
            else:
                assert self.routes is not None
                r, h = self.routes.sample(self.route_row[rows], tt)
                h = h[valid]
            cols = np.broadcast_to(rows[:, None], kk.shape)
            pos[kk[valid], cols[valid]] = r[valid]
            alt[kk[valid], cols[valid]] = h
        return pos, alt

    def max_speed(self) -> F:
        """Greatest speed of each threat, m/s (burnout speed of a ballistic arc)."""
        speed = np.linalg.norm(np.nan_to_num(self.v0), axis=1)
        if self.routes is not None:
            flown = self.route_row >= 0
            speed[flown] = self.routes.speed[self.route_row[flown]]
        return speed

    def ahead(self, rows: I, times: F) -> F:
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
        if (~ball).any() and self.routes is not None:
            pos, _ = self.routes.positions(times)
            out[~ball] = pos[self.route_row[rows[~ball]]]
        out[~inflight] = np.nan
        return out


def _launch_points(wave_launch, n: int, rng: np.random.Generator) -> tuple[F, F, F]:  # type: ignore[no-untyped-def]
    points, area = wave_launch
    if points is not None:
        k = np.arange(n) % len(points)
        lat = np.array([p.lat_deg for p in points])[k] * DEG
        lon = np.array([p.lon_deg for p in points])[k] * DEG
        alt = np.array([p.alt_m for p in points])[k]
        return lat, lon, alt
    r = area.radius_km * KM * np.sqrt(rng.random(n))
    bearing = rng.uniform(0.0, 2.0 * np.pi, n)
    lat, lon = destination(np.full(n, area.lat_deg * DEG), np.full(n, area.lon_deg * DEG), bearing, r)
    return lat, lon, np.zeros(n)


def generate_raid(scenario: Scenario, tables: Tables, rng: np.random.Generator) -> Raid:
    """Draw every threat's launch time, launch point, aim and miss; build its trajectory."""
    assets = tables.assets
    asset_index = {name: i for i, name in enumerate(assets.name)}
    ids: list[str] = []
    cls, wave_of, t_launch, lethality, aim_asset = [], [], [], [], []
    lat0, lon0, alt0, lat1, lon1, alt1 = [], [], [], [], [], []
    speed, cruise_alt, apogee, via = [], [], [], []
    for w, wave in enumerate(scenario.raid.waves):
        n = wave.count
        start, end = wave.launch_window_s
        times = np.sort(rng.uniform(start, end, n)) if end > start else np.full(n, start)
        la, lo, al = _launch_points((wave.launch_points, wave.launch_area), n, rng)
        if wave.aim_points is not None:
            k = np.arange(n) % len(wave.aim_points)
            tla = np.array([p.lat_deg for p in wave.aim_points])[k] * DEG
            tlo = np.array([p.lon_deg for p in wave.aim_points])[k] * DEG
            tal = np.array([p.alt_m for p in wave.aim_points])[k]
            aim = np.full(n, -1)
        else:
            names = wave.aim_assets if wave.aim_assets is not None else list(assets.name)
            pool = np.array([asset_index[x] for x in names])
            weight = assets.value[pool] / assets.value[pool].sum()
            aim = pool[rng.choice(len(pool), size=n, p=weight)]
            tla, tlo, tal = assets.lat[aim], assets.lon[aim], assets.alt[aim]
        # Miss: circular normal in the local horizontal plane with sigma = CEP / 1.1774.
        miss = rng.normal(0.0, wave.cep_m * _SIGMA_PER_CEP, (n, 2))
        enu = np.column_stack([miss, np.zeros(n)])
        hit = ecef_from_enu(enu, tla, tlo, tal)
        hla, hlo, _ = geodetic_from_ecef(hit)
        ids += [f"{wave.id}-{i + 1:03d}" for i in range(n)]
        cls += [CLASS_INDEX[wave.threat_class]] * n
        wave_of += [w] * n
        t_launch.append(times)
        lethality += [wave.lethality] * n
        aim_asset.append(aim)
        lat0.append(la), lon0.append(lo), alt0.append(al)
        lat1.append(np.asarray(hla)), lon1.append(np.asarray(hlo)), alt1.append(np.asarray(tal))
        speed += [wave.speed_mps or 0.0] * n
        cruise_alt += [wave.altitude_m or (50.0 if wave.threat_class == "cruise" else 1000.0)] * n
        apogee += [wave.apogee_km * KM if wave.apogee_km else np.nan] * n
        via += [wave.via] * n

    la0, lo0, al0 = np.concatenate(lat0), np.concatenate(lon0), np.concatenate(alt0)
    la1, lo1, al1 = np.concatenate(lat1), np.concatenate(lon1), np.concatenate(alt1)
    cls_a = np.array(cls, dtype=np.int64)
    launch = np.concatenate(t_launch)
    r0 = ecef_from_geodetic(la0, lo0, al0).reshape(-1, 3)
    r1 = ecef_from_geodetic(la1, lo1, al1).reshape(-1, 3)
    n_all = len(ids)
    v0 = np.full((n_all, 3), np.nan)
    impact = np.full(n_all, np.nan)

    ball = np.flatnonzero(cls_a == BALLISTIC)
    ap = np.array(apogee)
    lofted = ball[np.isfinite(ap[ball])]
    plain = ball[~np.isfinite(ap[ball])]
    if len(plain):
        v, tof = minimum_energy_arc(r0[plain], r1[plain])
        v0[plain], impact[plain] = v, launch[plain] + tof
    if len(lofted):
        v, tof = arc_for_apogee(r0[lofted], r1[lofted], ap[lofted])
        v0[lofted], impact[lofted] = v, launch[lofted] + tof

    flown = np.flatnonzero(cls_a != BALLISTIC)
    route_row = np.full(n_all, -1, dtype=np.int64)
    routes = None
    if len(flown):
        lats, lons, alts = [], [], []
        for i in flown:
            h = cruise_alt[i]
            plat = [la0[i], *[p.lat_deg * DEG for p in via[i]]]
            plon = [lo0[i], *[p.lon_deg * DEG for p in via[i]]]
            palt = [h] * len(plat)
            # Terminal point: the last leg's final kilometres, where it descends to the target.
            d = float(surface_distance(plat[-1], plon[-1], la1[i], lo1[i]))
            if d > 2 * _TERMINAL_LEG:
                brg = initial_bearing(la1[i], lo1[i], plat[-1], plon[-1])
                tlat, tlon = destination(la1[i], lo1[i], brg, _TERMINAL_LEG)
                plat.append(float(tlat)), plon.append(float(tlon)), palt.append(h)
            plat.append(la1[i]), plon.append(lo1[i]), palt.append(al1[i])
            lats.append(np.array(plat)), lons.append(np.array(plon)), alts.append(np.array(palt))
        routes = RouteTable.build(lats, lons, alts, np.array(speed)[flown], launch[flown])
        route_row[flown] = np.arange(len(flown))
        impact[flown] = routes.arrival

    # Which asset's radius contains each impact point (the nearest such asset).
    d = np.linalg.norm(r1[:, None, :] - assets.ecef[None, :, :], axis=2)
    inside = d <= assets.radius[None, :]
    nearest = np.where(inside, d, np.inf).argmin(axis=1)
    hit_asset = np.where(inside.any(axis=1), nearest, -1)
    return Raid(
        id=tuple(ids), cls=cls_a, wave=np.array(wave_of, dtype=np.int64),
        launch_time=launch, impact_time=impact, launch_ecef=r0, impact_ecef=r1,
        impact_lat=la1, impact_lon=lo1, aim_asset=np.concatenate(aim_asset).astype(np.int64),
        hit_asset=hit_asset.astype(np.int64), lethality=np.array(lethality),
        v0=v0, route_row=route_row, routes=routes,
    )
