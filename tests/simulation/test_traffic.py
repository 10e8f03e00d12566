"""The recorded-traffic reader on the sample files shipped in the installed ``traffic`` wheel
(read with gzip and json here as the outside reference; nothing is downloaded or copied).

``make test`` installs the ``traffic`` distribution without its dependencies (only its data
files are used: it does not need to import); without it these tests fail, they never skip.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pymap3d
import pytest

from inkless.errors import InputError
from inkless.scenario import parse_scenario
from inkless.simulation.civil import civil_traffic
from inkless.simulation.traffic import RecordedFlights, read_recording


def sample(name: str) -> Path:
    dist = metadata.distribution("traffic")  # installed by `make test` (--no-deps)
    return Path(str(dist.locate_file(f"traffic/data/samples/{name}")))


@cache
def raw(name: str) -> Any:
    with gzip.open(sample(name), "rt", encoding="utf-8") as f:
        return json.load(f)


def test_records_layout_units_and_aircraft() -> None:
    rows = raw("collections/switzerland.json.gz")
    rec = read_recording(sample("collections/switzerland.json.gz"), time_offset_s=100.0)
    assert len(rec.t) == len(rows)  # every sample is complete in this file
    assert {f"{a:06x}" for a in rec.icao24.tolist()} == {r["icao24"] for r in rows}
    assert rec.t.min() == 100.0
    t0 = min(r["timestamp"] for r in rows) / 1000.0
    rng = np.random.default_rng(1)
    for r in (rows[i] for i in rng.choice(len(rows), 20, replace=False)):
        k = np.flatnonzero(
            (rec.icao24[rec.flight] == int(r["icao24"], 16))
            & np.isclose(rec.t, r["timestamp"] / 1000.0 - t0 + 100.0)
        )
        assert len(k) == 1
        k = int(k[0])
        assert rec.lat[k] == pytest.approx(np.radians(r["latitude"]))
        assert rec.lon[k] == pytest.approx(np.radians(r["longitude"]))
        assert rec.alt[k] == pytest.approx(r["altitude"] * 0.3048)  # international foot
        assert rec.ground_speed[k] == pytest.approx(r["groundspeed"] * 1852 / 3600)  # knot
        assert rec.track[k] == pytest.approx(np.radians(r["track"]))
        assert rec.vertical_rate[k] == pytest.approx(r["vertical_rate"] * 0.3048 / 60)


def test_columns_layout_with_nulls_and_gaps() -> None:
    data = raw("noisy/noisy_spoofing.json.gz")  # pandas "columns" layout
    lat = list(data["latitude"].values())
    alt = list(data["altitude"].values())
    complete = sum(a is not None and b is not None for a, b in zip(lat, alt, strict=True))
    rec = read_recording(sample("noisy/noisy_spoofing.json.gz"))
    assert set(rec.callsign) == {"THY9BP"}
    ts = np.array(list(data["timestamp"].values()))
    assert len(rec.t) == complete - int((np.diff(np.sort(ts)) == 0).sum())
    # split into flights at gaps over two minutes, never inside one
    gaps = np.diff(rec.t)[np.diff(rec.flight) == 0]
    assert gaps.max() <= 120.0
    assert len(rec) == 1 + int((np.diff(np.sort(np.unique(ts))) > 120_000).sum())


def test_replay_passes_through_the_samples() -> None:
    rec = read_recording(sample("noisy/noisy_takeoff.json.gz"), time_offset_s=0.0)
    flights = RecordedFlights(rec)
    f = 0
    a, b = rec.start[f], rec.start[f + 1]
    for k in (a, a + 17, (a + b) // 2, b - 1):
        pos, vel, active = flights.state(float(rec.t[k]))
        assert active[f]
        ref = pymap3d.geodetic2ecef(rec.lat[k], rec.lon[k], rec.alt[k], deg=False)
        np.testing.assert_allclose(pos[f], ref, atol=1e-3)
        # velocity: the recorded ground speed and vertical rate
        up = np.array(ref) / np.linalg.norm(ref)
        climb = float(vel[f] @ up)
        assert np.linalg.norm(vel[f] - climb * up) == pytest.approx(
            rec.ground_speed[k], rel=2e-3
        )
    mid = 0.5 * (rec.t[a] + rec.t[a + 1])
    pos, _, _ = flights.state(float(mid))
    _lat, _lon, alt = pymap3d.ecef2geodetic(*pos[f], deg=False)
    assert alt == pytest.approx(0.5 * (rec.alt[a] + rec.alt[a + 1]), abs=1e-3)
    assert not flights.state(float(rec.t[b - 1]) + 1.0)[2][f]
    grid, _h = flights.grid(1.0, int(rec.t[b - 1]) + 3)
    assert np.isnan(grid[-1, f]).all() and np.isfinite(grid[int(rec.t[a]) + 1, f]).all()


def test_scenario_takes_civil_traffic_from_a_recording() -> None:
    sc = parse_scenario(
        """
name: rec
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 47, lon_deg: 8}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 47, lon_deg: 9}],
       launch_window_s: [0, 10], speed_mps: 50}]}
civil:
  flights: [{callsign: OWN1, route: [{lat_deg: 47, lon_deg: 7}, {lat_deg: 47, lon_deg: 9}],
             altitude_m: 11000, speed_mps: 230}]
  recording: {package: traffic, path: data/samples/collections/switzerland.json.gz,
              time_offset_s: -600, max_flights: 25}
"""
    )
    traffic = civil_traffic(sc)
    assert len(traffic) == 26 and traffic.callsign[0] == "OWN1"
    pos, _vel, active = traffic.state(300.0)
    assert active[0] and active[1:].any()
    assert np.isfinite(pos[active]).all() and np.isnan(pos[~active]).all()
    lat, _lon, alt = pymap3d.ecef2geodetic(*pos[active].T)
    assert (alt > 8000).all() and (np.abs(lat - 46.8) < 3).all()


def test_bad_recordings_are_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such recording"):
        read_recording(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="cannot read the recording"):
        read_recording(tmp_path / "bad.json")
    (tmp_path / "empty.json").write_text('[{"timestamp": 1, "icao24": "abc123"}]')
    with pytest.raises(InputError, match="no latitude, longitude, altitude column"):
        read_recording(tmp_path / "empty.json")
    (tmp_path / "iso.json").write_text(json.dumps([
        {"timestamp": "2024-04-13T20:00:00Z", "icao24": "abc123", "callsign": "X1",
         "latitude": 32.0, "longitude": 35.0, "altitude": 30000},
        {"timestamp": "2024-04-13T20:00:10Z", "icao24": "abc123", "callsign": "X1",
         "latitude": 32.0, "longitude": 35.02, "altitude": 30000},
    ]))
    rec = read_recording(tmp_path / "iso.json")
    # missing speeds come from the positions: 0.02 deg of longitude in 10 s at 32 N
    expect = np.radians(0.02) * 6371008.8 * np.cos(np.radians(32.0)) / 10.0
    assert rec.ground_speed[0] == pytest.approx(expect, rel=1e-6)
    assert rec.track[0] == pytest.approx(np.pi / 2)
