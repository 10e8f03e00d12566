"""``Raid.ahead``: the positions of some threats at given times, computed on their own routes
only, are those of every route positioned at once (``RouteTable.positions``), bit for bit,
and the ballistic arcs' propagation; NaN outside flight."""

from __future__ import annotations

import numpy as np

from inkless.physics.ballistic import propagate
from inkless.scenario import parse_scenario
from inkless.scenario.tables import compile_tables
from inkless.simulation import generate_raid

RAID = """\
name: raid
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 4000}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: town, owner: A, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 10, radius_m: 500}
raid:
  waves:
    - {id: d, threat_class: drone, count: 7, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.8}], launch_window_s: [0, 900],
       via: [{lat_deg: 31.5, lon_deg: 35.4}]}
    - {id: c, threat_class: cruise, count: 5, speed_mps: 220, altitude_m: 100,
       launch_points: [{lat_deg: 31.9, lon_deg: 36.0}], launch_window_s: [300, 600]}
    - {id: b, threat_class: ballistic, count: 4,
       launch_points: [{lat_deg: 32.5, lon_deg: 38.0}], launch_window_s: [100, 200]}
"""


def test_ahead_positions_only_the_rows_asked_as_the_whole_table_does() -> None:
    sc = parse_scenario(RAID, "raid.yaml")
    raid = generate_raid(sc, compile_tables(sc), np.random.default_rng(3))
    assert raid.routes is not None
    times = np.linspace(0.0, 2500.0, 301)
    every, _ = raid.routes.positions(times)
    rows = np.array([14, 2, 9, 0, 11, 5])  # routed and ballistic, out of order
    got = raid.ahead(rows, times)
    for k, j in enumerate(rows.tolist()):
        flying = (raid.launch_time[j] <= times) & (times < raid.impact_time[j])
        assert flying.any() and not flying.all()
        if raid.route_row[j] >= 0:
            want = every[raid.route_row[j]]
        else:
            want = propagate(raid.launch_ecef[j][None], raid.v0[j][None],
                             np.maximum(times - raid.launch_time[j], 0.0)[None])[0][0]
        assert np.array_equal(got[k][flying], want[flying])
        assert np.isnan(got[k][~flying]).all()
