"""CAT048 of a patrol's airborne radar (issue 14, item 4): its plots' heights are taken from
where its aircraft flew, vectors to an intercept included."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inkless.engine import Engine
from inkless.interop.asterix import decode_cat048
from inkless.interop.picture import write_run_picture
from inkless.scenario import parse_scenario

RADAR = """\
name: cap
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 3000, scan_period_s: 5}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: town, owner: A, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 10, radius_m: 500}
interceptors:
  - {id: aam, max_range_km: 30, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
patrols:
  - id: cap1
    owner: A
    base: {lat_deg: 31.0, lon_deg: 35.0}
    station:
      centre: {lat_deg: 31.2, lon_deg: 35.05, alt_m: 6000}
      radius_km: 10
    interceptor: aam
    missiles_per_aircraft: 2
    aircraft_per_flight: 1
    cruise_speed_mps: 200
    dash_speed_mps: 300
    endurance_s: 2400
    reserve_s: 300
    radar: {range_km: {drone: 60, civil: 100}, sigma_elevation_deg: 0.1}
raid:
  waves:
    - {id: early, threat_class: drone, count: 4, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [200, 260]}
"""


def test_patrol_radar_plot_heights_follow_the_vector_flown(tmp_path: Path) -> None:
    """Tracked run, one aircraft whose radar is the only sensor, four drones at 1500 m, so
    every plot is of a drone: its CAT048 height
    (I048/110, from the radar's position and the plot's range and elevation) is within 300 m
    of 1500 m (the elevation noise, 0.1 degree at 60 km, is 105 m). The aircraft fly vectors
    down towards the drones. Before: the heights were computed from the radar's scheduled
    route (on its orbit at 6000 m while it dashed), kilometres off."""
    rec = Engine(parse_scenario(RADAR, "cap.yaml"), 1, picture="tracked").run()
    assert rec.patrols is not None and len(rec.patrols.dashes) > 0
    write_run_picture(tmp_path, rec, tmp_path / "ast")
    files = sorted((tmp_path / "ast").glob("radar-*"))
    assert len(files) == 1
    heights = np.concatenate([decode_cat048(f.read_bytes(), f.name).height_m for f in files])
    assert len(heights) > 20
    assert np.abs(heights - 1500.0).max() < 300.0
