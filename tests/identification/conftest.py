"""A small world for identification tests: truth movers, a Kalman filter per mover with known
association (standing in for the tracker), and the cooperative reports of the simulation.

The filter is the tracking stage's own NCV Kalman filter fed with Cartesian detections of the
truth plus Gaussian noise; association is known, so identification is tested on realistic state
estimates and covariances without depending on the tracker's data association.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from inkless.physics.ballistic import minimum_energy_arc, propagate
from inkless.physics.geodesy import ecef_from_geodetic, enu_from_ecef, enu_rotation
from inkless.physics.route import RouteTable
from inkless.scenario import Scenario, parse_scenario
from inkless.tracking.kalman import predict, update
from inkless.units import DEG

F64 = NDArray[np.float64]
ORIGIN = (32.0 * DEG, 35.0 * DEG, 0.0)


@dataclass
class Tracks:
    id: NDArray[np.int64]
    x: F64
    P: F64


def route(points: list[tuple[float, float, float]], speed: float, depart: float) -> RouteTable:
    p = np.array(points, dtype=float)
    return RouteTable.build([p[:, 0] * DEG], [p[:, 1] * DEG], [p[:, 2]], [speed], [depart])


def mover_route(table: RouteTable) -> Callable[[float], tuple[F64, F64, bool]]:
    def at(t: float) -> tuple[F64, F64, bool]:
        r, v, a = table.state(t)
        return r[0], v[0], bool(a[0])

    return at


def mover_ballistic(
    lat0: float, lon0: float, lat1: float, lon1: float, t0: float
) -> Callable[[float], tuple[F64, F64, bool]]:
    r0 = ecef_from_geodetic(lat0 * DEG, lon0 * DEG, 0.0).reshape(1, 3)
    r1 = ecef_from_geodetic(lat1 * DEG, lon1 * DEG, 0.0).reshape(1, 3)
    v0, tof = minimum_energy_arc(r0, r1)

    def at(t: float) -> tuple[F64, F64, bool]:
        if not t0 <= t < t0 + float(tof[0]):
            return np.full(3, np.nan), np.full(3, np.nan), False
        r, v = propagate(r0, v0, np.array([t - t0]))
        return r[0], v[0], True

    return at


def mover_fixed(lat: float, lon: float, alt: float) -> Callable[[float], tuple[F64, F64, bool]]:
    r = ecef_from_geodetic(lat * DEG, lon * DEG, alt).reshape(3)
    return lambda t: (r, np.zeros(3), True)


class KnownAssociationTracker:
    """One NCV Kalman filter per mover, updated every scan with a detection of the truth plus
    isotropic Gaussian noise ``sigma_m``; a mover's track starts at its first detection."""

    def __init__(
        self, n: int, sigma_m: float, rng: np.random.Generator, q: float = 1.0,
        origin: tuple[float, float, float] = ORIGIN,
    ):
        self.n, self.sigma, self.rng, self.q, self.origin = n, sigma_m, rng, q, origin
        self.x = np.zeros((n, 6))
        self.P = np.tile(np.eye(6), (n, 1, 1))
        self.live = np.zeros(n, dtype=bool)
        self.t = 0.0

    def step(self, t: float, truth: F64, present: NDArray[np.bool_]) -> Tracks:
        dt = t - self.t
        self.t = t
        if self.live.any():
            self.x[self.live], self.P[self.live] = predict(
                self.x[self.live], self.P[self.live], dt, self.q
            )
        enu = enu_from_ecef(truth, *self.origin).reshape(-1, 3)
        z = enu + self.rng.normal(scale=self.sigma, size=enu.shape)
        R = np.broadcast_to(np.eye(3) * self.sigma**2, (self.n, 3, 3))
        born = present & ~self.live
        self.x[born] = np.c_[z[born], np.zeros((born.sum(), 3))]
        P0 = np.zeros((6, 6))
        P0[:3, :3] = np.eye(3) * self.sigma**2
        P0[3:, 3:] = np.eye(3) * 1000.0**2
        self.P[born] = P0
        upd = present & self.live
        if upd.any():
            self.x[upd], self.P[upd] = update(self.x[upd], self.P[upd], z[upd], R[upd])
        self.live |= present
        self.live &= present
        rows = np.flatnonzero(self.live)
        return Tracks(rows.astype(np.int64), self.x[rows].copy(), self.P[rows].copy())


@pytest.fixture
def origin() -> tuple[float, float, float]:
    return ORIGIN


def enu_velocity(v_ecef: F64) -> F64:
    out: F64 = v_ecef @ enu_rotation(ORIGIN[0], ORIGIN[1]).T
    return out


# --- a short raid with civil traffic --------------------------------------------------------------

SCENARIO = """
name: spoof
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 32, lon_deg: 35}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
civil:
  flights:
    - {callsign: JET1, route: [{lat_deg: 32.3, lon_deg: 37.5}, {lat_deg: 32.3, lon_deg: 33.0}],
       altitude_m: 11000, speed_mps: 230}
    - {callsign: DEP1, departs: true, route: [{lat_deg: 31.9, lon_deg: 35.0, alt_m: 50},
       {lat_deg: 33.5, lon_deg: 33.0}], altitude_m: 10000, speed_mps: 220}
"""
NAMES = ("cruise", "drone", "ballistic", "JET1", "DEP1", "patrol")
SPOOF_ICAO = 0xABCDEF
FAULT_OFFSET_M = 20_000.0
DT = 5.0


def simulate(
    seed: int, spoof: bool, fault: bool, filed: bool = True, steps: int = 150
) -> dict[str, Any]:
    """Run identification every 5 s for ``steps`` scans. With ``spoof`` a forged ADS-B report
    rides on the cruise missile (its true position and velocity, a civil address); with
    ``fault`` the jet's reports are shifted 20 km (a GNSS fault) and the departing airliner's
    transponder is silent; without ``filed`` airspace control has no flight plans. Returns per
    object the category at each scan (-1 when it has no track) and the evidence bits."""
    from inkless.identification import Evidence, compile_rules, identify
    from inkless.scenario import parse_scenario
    from inkless.simulation.adsb import forged_reports, simulate_adsb, simulate_iff
    from inkless.simulation.civil import civil_traffic

    sc = parse_scenario(SCENARIO)
    traffic = civil_traffic(sc)
    rules = compile_rules(sc, ORIGIN)
    s = sc.identification
    movers = [
        mover_route(route([(32.0, 37.6, 100.0), (32.0, 34.9, 100.0)], 240.0, 0.0)),
        mover_route(route([(31.7, 36.5, 1200.0), (31.9, 35.0, 1200.0)], 50.0, 0.0)),
        mover_ballistic(33.5, 41.0, 31.5, 35.0, 100.0),
        None,
        None,
        mover_fixed(31.6, 35.6, 7000.0),
    ]
    rng = np.random.default_rng(seed)
    trk = KnownAssociationTracker(len(movers), 150.0, rng)
    cat = np.full((steps, len(movers)), -1, dtype=np.int64)
    bits = np.zeros((steps, len(movers)), dtype=np.uint32)
    prev = None
    for k in range(steps):
        t = k * DT
        civ_pos, civ_vel, civ_act = traffic.state(t)
        truth = np.full((len(movers), 3), np.nan)
        tvel = np.full((len(movers), 3), np.nan)
        present = np.zeros(len(movers), dtype=bool)
        for i, m in enumerate(movers):
            if m is None:
                j = i - 3
                truth[i], tvel[i], present[i] = civ_pos[j], civ_vel[j], civ_act[j]
            else:
                truth[i], tvel[i], present[i] = m(t)
        tracks = trk.step(t, np.nan_to_num(truth), present)
        reports = simulate_adsb(civ_pos, civ_vel, civ_act, traffic.cooperative, traffic.icao24, t,
                                rng, dropout=0.1)
        if fault and len(reports):
            pos = reports.pos.copy()
            pos[reports.source == 0] += FAULT_OFFSET_M * np.array([0.0, 0.0, 1.0])
            keep = reports.source != 1
            reports = forged_reports(t, pos[keep], reports.vel[keep], reports.icao24[keep],
                                     source=reports.source[keep])
        if spoof and present[0]:
            reports = reports.concat(forged_reports(t, truth[:1], tvel[:1], [SPOOF_ICAO]))
        replies = simulate_iff(truth[5:6], present[5:6], t, rng)
        fpos, fvel = traffic.filed(t) if filed else (np.empty((0, 3)), np.empty((0, 3)))
        ev = Evidence(reports, replies, fpos, fvel)
        prev = identify(tracks, t, ev, rules, prev)
        cat[k, tracks.id] = prev.category
        bits[k, tracks.id] = prev.evidence
    return {"category": cat, "bits": bits, "settings": s}


@pytest.fixture(scope="session")
def spoofed_world() -> dict[str, Any]:
    return simulate(3, spoof=True, fault=True)


@pytest.fixture(scope="session")
def clean_world() -> dict[str, Any]:
    return simulate(3, spoof=False, fault=False)


@pytest.fixture(scope="session")
def unfiled_world() -> dict[str, Any]:
    return simulate(4, spoof=True, fault=True, filed=False)


def track_at(
    lat_deg: float, lon_deg: float, alt_m: float, v_enu_local: tuple[float, float, float],
    sd_pos: float = 50.0, sd_vel: float = 2.0,
) -> tuple[F64, F64, F64]:
    """ENU state (origin ORIGIN) of an object at a geodetic point with a local east/north/up
    velocity, its covariance, and its ECEF position."""
    lat, lon = lat_deg * DEG, lon_deg * DEG
    ecef = ecef_from_geodetic(lat, lon, alt_m).reshape(3)
    pos = enu_from_ecef(ecef, *ORIGIN).reshape(3)
    v_ecef = enu_rotation(lat, lon).T @ np.asarray(v_enu_local, float)
    x = np.r_[pos, enu_rotation(ORIGIN[0], ORIGIN[1]) @ v_ecef]
    P = np.diag([sd_pos**2] * 3 + [sd_vel**2] * 3)
    return x, P, ecef


@pytest.fixture(scope="session")
def make_track() -> Any:
    return track_at


@pytest.fixture(scope="session")
def tracker_class() -> Any:
    return KnownAssociationTracker


# --- a scenario whose civil traffic is a recording in the installed `traffic` wheel -----------

RECORDED = """
name: recorded
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 47, lon_deg: 8}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 47, lon_deg: 9}],
       launch_window_s: [0, 10], speed_mps: 50}]}
civil:
  recording: {package: traffic, path: %s, time_offset_s: %s, max_flights: %s}
"""


@pytest.fixture
def recorded() -> Callable[[str, float, int], Scenario]:
    """``recorded(path, time_offset_s, max_flights)``: a one-drone scenario over Switzerland
    whose civil traffic is the recording ``path`` of the `traffic` wheel."""
    return lambda path, offset, flights: parse_scenario(RECORDED % (path, offset, flights))
