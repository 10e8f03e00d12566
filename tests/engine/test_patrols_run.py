"""Fighter patrols in a run (issue 14, item 4): each aircraft is a fire unit that moves on its
schedule and may shoot only while on station, within its missiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from inkless.cli import app
from inkless.engine import Engine
from inkless.scenario import parse_scenario
from inkless.scenario.model import PictureName
from inkless.simulation.patrol import Sorties, station_coverage

FLOWN = """\
name: cap
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 6000, scan_period_s: 5}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: town, owner: A, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 10, radius_m: 500}
interceptors:
  - {id: aam, max_range_km: 30, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
sensors:
  - {id: r1, owner: A, kind: ground, position: {lat_deg: 31.1, lon_deg: 35.0},
     range_km: {drone: 200, civil: 200}, scan_period_s: 5}
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
    flights: 2
    launch_interval_s: 4000
    cruise_speed_mps: 200
    dash_speed_mps: 300
    endurance_s: 2400
    reserve_s: 300
raid:
  waves:
    - {id: early, threat_class: drone, count: 4, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [200, 260]}
    - {id: gap, threat_class: drone, count: 2, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [2200, 2260]}
    - {id: late, threat_class: drone, count: 1, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [4400, 4460]}
"""


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_a_patrol_shoots_only_while_on_station_and_within_its_missiles(
        picture: PictureName) -> None:
    """One aircraft per flight, two flights 4000 s apart with about 1800 s on station each: a
    coverage gap between. The early drones pass the station while flight 1 holds it: its
    aircraft fires both its missiles and is never assigned again (four drones, two rounds);
    the drones in the gap are never fired at; the late drone is, by flight 2. Every shot is
    fired from where the schedule has the aircraft at its fire time."""
    sc = parse_scenario(FLOWN, "cap.yaml")
    sorties = Sorties.plan(sc.patrols)
    gap = station_coverage(sorties, 0, 0.0, sc.settings.duration_s).gaps
    assert len(gap) == 3  # before flight 1, between the flights, after flight 2
    rec = Engine(sc, seed=1, picture=picture).run()
    units, f = rec.tables.units, rec.flight
    shooter = [units.id[u] for u in f.unit[: f.n]]
    fired = f.fire_time[: f.n]
    wave = rec.raid.wave[f.threat[: f.n]]  # 0 early, 1 gap, 2 late
    assert set(shooter) <= {"cap1.1.1", "cap1.2.1"}
    for who, row in (("cap1.1.1", 0), ("cap1.2.1", 1)):
        mine = np.array(shooter) == who
        assert ((fired[mine] >= sorties.on_station[row])
                & (fired[mine] < sorties.bingo[row])).all()
    assert shooter.count("cap1.1.1") == 2  # both its missiles, then never again
    assert shooter.count("cap1.2.1") >= 1
    assert not ((fired > gap[1, 0]) & (fired < gap[1, 1])).any()
    assert 1 not in set(wave.tolist())


def test_inkless_run_flies_the_patrols(tmp_path: Path) -> None:
    """``inkless run`` no longer ignores ``patrols[]``: the aircraft's shots are in the
    results (before: the scenario ran with no fire unit and fired nothing)."""
    path = tmp_path / "cap.yaml"
    path.write_text(FLOWN)
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                 "--picture", "perfect", "--seed", "1"])
    assert r.exit_code == 0, r.stderr
    events = (tmp_path / "o" / "events.csv").read_text()
    assert "cap1.1.1" in events and "cap1.2.1" in events
