"""Fighter patrols in a run (issue 14, item 4): until the engine flies them, ``inkless run``
refuses a scenario with ``patrols[]`` in one located line instead of silently ignoring them
(a run without its fighters would be a wrong answer)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from inkless.cli import app

SCENARIO = """\
name: t
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 600}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: base, owner: A, position: {lat_deg: 31, lon_deg: 35}, value: 10, radius_m: 100}
interceptors:
  - {id: aam, max_range_km: 100, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
raid:
  waves:
    - id: w1
      threat_class: drone
      count: 2
      speed_mps: 50
      launch_points: [{lat_deg: 31, lon_deg: 36}]
      launch_window_s: [0, 10]
patrols:
  - id: cap1
    owner: A
    base: {lat_deg: 31, lon_deg: 35}
    station:
      centre: {lat_deg: 31.5, lon_deg: 35, alt_m: 8000}
      radius_km: 20
    interceptor: aam
    missiles_per_aircraft: 4
    cruise_speed_mps: 230
    dash_speed_mps: 400
    endurance_s: 10800
    reserve_s: 1200
"""


def test_run_refuses_patrols_in_one_located_line(tmp_path: Path) -> None:
    """The scenario validates (patrols are a known section), but the run stops at the line of
    ``patrols:`` with the fix, and writes nothing."""
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    line = SCENARIO.splitlines().index("patrols:") + 1
    assert CliRunner().invoke(app, ["validate", str(path)]).exit_code == 0
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                 "--picture", "perfect"])
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        f"{path}:{line}: patrols: not flown by the engine yet; remove patrols[] to run"]
    assert not (tmp_path / "o" / "results.json").exists()
