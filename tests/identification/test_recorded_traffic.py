"""Identification of real civil traffic: recorded ADS-B trajectories from the ``traffic`` wheel's
samples are replayed as truth, tracked (Kalman filter per aircraft on noisy detections) and
identified with the aircraft's simulated ADS-B reports. Real airliners, climbing out or
cruising, must come out neutral and never hostile: the recorded data is the outside authority on
how civil aircraft fly.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import numpy as np
import pytest

from inkless.identification import HOSTILE, NEUTRAL, SUSPECT, Evidence, compile_rules, identify
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario import parse_scenario
from inkless.simulation.adsb import IffReplies, simulate_adsb
from inkless.simulation.civil import civil_traffic
from inkless.units import DEG

try:
    metadata.distribution("traffic")
    HAVE = True
except metadata.PackageNotFoundError:  # pragma: no cover
    HAVE = False

SCENARIO = """
name: recorded
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 47, lon_deg: 8}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 47, lon_deg: 9}],
       launch_window_s: [0, 10], speed_mps: 50}]}
civil:
  recording: {package: traffic, path: %s, time_offset_s: %s, max_flights: %s}
"""


@pytest.mark.skipif(not HAVE, reason="the traffic wheel is not installed")
@pytest.mark.parametrize(
    ("path", "offset", "flights", "origin"),
    [
        ("data/samples/collections/switzerland.json.gz", -300, 40, (46.8, 8.2)),
        ("data/samples/featured/elal747.json.gz", -2400, 1, (41.8, 12.25)),
    ],
)
def test_recorded_airliners_are_neutral(
    tracker_class: Any, path: str, offset: float, flights: int, origin: tuple[float, float]
) -> None:
    sc = parse_scenario(SCENARIO % (path, offset, flights))
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
