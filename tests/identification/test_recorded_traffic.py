"""Identification of real civil traffic: recorded ADS-B trajectories from the ``traffic`` wheel's
samples are replayed as truth, tracked (Kalman filter per aircraft on noisy detections) and
identified with the aircraft's simulated ADS-B reports. Real airliners, climbing out or
cruising, must come out neutral and never hostile: the recorded data is the outside authority on
how civil aircraft fly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from inkless.identification import HOSTILE, NEUTRAL, SUSPECT, Evidence, compile_rules, identify
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario import parse_scenario
from inkless.simulation.adsb import IffReplies, simulate_adsb
from inkless.simulation.civil import civil_traffic
from inkless.units import DEG


@pytest.mark.parametrize(
    ("path", "offset", "flights", "origin"),
    [
        ("data/samples/collections/switzerland.json.gz", -300, 40, (46.8, 8.2)),
        ("data/samples/featured/elal747.json.gz", -2400, 1, (41.8, 12.25)),
    ],
)
def test_recorded_airliners_are_neutral(
    tracker_class: Any, recorded: Any, path: str, offset: float, flights: int,
    origin: tuple[float, float],
) -> None:
    sc = recorded(path, offset, flights)
    o = (origin[0] * DEG, origin[1] * DEG, 0.0)
    traffic = civil_traffic(sc)
    rules = compile_rules(sc, o)
    rng = np.random.default_rng(11)
    trk = tracker_class(len(traffic), 150.0, rng, origin=o)
    seen = []
    prev = None
    for k in range(120):
        t = 10.0 * k
        pos, vel, active = traffic.state(t)
        tracks = trk.step(t, np.nan_to_num(pos), active)
        reports = simulate_adsb(pos, vel, active, traffic.cooperative, traffic.icao24, t, rng)
        ev = Evidence(reports, IffReplies.empty(t), np.empty((0, 3)), np.empty((0, 3)))
        prev = identify(tracks, t, ev, rules, prev)
        assert not (prev.category == HOSTILE).any()
        # in flight (not on the runway) and tracked for 30 s
        _, _, alt = geodetic_from_ecef(np.nan_to_num(pos[tracks.id]))
        seen.append(prev.category[(t - prev.first_t >= 30.0) & (alt > 300.0)])
    cats = np.concatenate(seen)
    assert len(cats) > 100
    assert not (cats == SUSPECT).any()
    assert (cats == NEUTRAL).mean() >= 0.97


RAID_IN_SWITZERLAND = """
name: recorded-raid
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 1200, scan_period_s: 10}
members: [{id: A, name: A, role: host}]
assets: [{name: zurich, owner: A, position: {lat_deg: 47.40, lon_deg: 8.55}, value: 100,
          radius_m: 5000}]
interceptors:
  - {id: sam, min_range_km: 2, max_range_km: 80, min_altitude_km: 0.02, max_altitude_km: 20,
     speed_mps: 1000, pk: {cruise: 0.9, drone: 0.9}, unit_cost_musd: 1}
sensors:
  - {id: radar, owner: A, kind: ground, position: {lat_deg: 47.35, lon_deg: 8.60, alt_m: 800},
     min_elevation_deg: -2,
     range_km: {ballistic: 400, cruise: 150, drone: 120, civil: 300}, scan_period_s: 10}
fire_units:
  - {id: sam-1, owner: A, position: {lat_deg: 47.40, lon_deg: 8.60}, interceptor: sam,
     rounds: 12, channels: 4}
raid: {waves: [{id: cm, threat_class: cruise, count: 3, launch_points: [{lat_deg: 47.9,
       lon_deg: 9.9}], launch_window_s: [0, 60], speed_mps: 230, altitude_m: 150}]}
civil:
  recording: {package: traffic, path: data/samples/collections/switzerland.json.gz,
              time_offset_s: -300, max_flights: 25}
"""


def test_a_raid_through_recorded_traffic() -> None:
    """The whole loop with civil traffic from the recording: the recorded airliners are tracked
    and identified neutral (from their simulated ADS-B reports), the cruise missiles hostile and
    intercepted, and no airliner is engaged."""
    from inkless.afteraction.results import results
    from inkless.engine import run
    from inkless.identification import TRUTH_CIVIL

    rec = run(parse_scenario(RAID_IN_SWITZERLAND), 5, picture="tracked")
    assert rec.traffic is not None and rec.traffic.recorded is not None
    assert rec.traffic.n_flights == 0 and len(rec.traffic) == 25
    ident = rec.identity
    assert ident is not None and ident.coalition is not None
    h, kind = ident.coalition, ident.truth_kind
    civil = (h.truth >= 0) & (kind[np.maximum(h.truth, 0)] == TRUTH_CIVIL)
    assert len(np.unique(h.truth[civil])) >= 5  # recorded airliners were in the picture
    assert not (h.category[civil] == HOSTILE).any()
    assert (h.category[civil] == NEUTRAL).mean() >= 0.8
    res = results(rec).model_dump(mode="json")
    assert res["civil_engagements"] == 0 and res["friendly_engagements"] == 0
    assert res["threats"]["intercepted"] >= 2
    assert res["identification"]["declared"] == 3
