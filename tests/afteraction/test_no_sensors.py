"""A coalition with no sensor: the run completes on either picture, nothing is detected or
engaged, and every leaker's cause says why (issue 15, defect 6: the tracked run crashed in
``map_data`` on a picture that never held a track)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inkless.cli import app

SCENARIO = """
name: blind
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 1800, scan_period_s: 5}
members: [{id: HOST, name: Hostland, role: host}]
assets: [{name: port, owner: HOST, position: {lat_deg: 32.8, lon_deg: 35.0}, value: 100,
          radius_m: 3000}]
interceptors: [{id: mid, min_range_km: 5, max_range_km: 150, min_altitude_km: 0.05,
                max_altitude_km: 30, speed_mps: 1200, pk: {cruise: 0.9}, unit_cost_musd: 1}]
fire_units: [{id: mid-1, owner: HOST, position: {lat_deg: 32.7, lon_deg: 35.1},
              interceptor: mid, rounds: 12, channels: 4}]
raid:
  waves: [{id: cruise, threat_class: cruise, count: 3, launch_points: [{lat_deg: 32.8,
           lon_deg: 37.0}], launch_window_s: [0, 60], speed_mps: 240, altitude_m: 60,
           cep_m: 20}]
civil:
  flights: [{callsign: CIV1, route: [{lat_deg: 32.0, lon_deg: 34.8}, {lat_deg: 34.8,
             lon_deg: 33.0}], altitude_m: 10500, speed_mps: 230}]
"""


@pytest.mark.parametrize("picture", ["tracked", "perfect"])
def test_no_sensor_run_completes_and_says_why(tmp_path: Path, picture: str) -> None:
    path = tmp_path / "blind.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path), "--picture", picture])
    assert r.exit_code == 0, r.stderr or r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    res = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert res["threats"]["launched"] == 3
    assert res["threats"]["intercepted"] == 0 and res["interceptors"]["fired"] == 0
    assert res["threats"]["leaked"] == 3
    causes = {i["cause"] for i in res["impacts"]}
    assert causes == {"never detected: the coalition has no sensor"}
    assert res["identification"]["detected"] == 0
    assert res["identification"]["misdeclared"] == {  # exactly these keys, nothing misdeclared
        "threat_as_neutral_s": 0.0, "threat_as_friend_s": 0.0, "civil_as_suspect_s": 0.0,
        "civil_as_hostile_s": 0.0, "friend_as_suspect_s": 0.0, "friend_as_hostile_s": 0.0}
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "never detected: the coalition has no sensor" in html
