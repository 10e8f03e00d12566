"""`inkless run` reads a scenario's recorded civil traffic relative to the scenario file, not to
the working directory: the same run fails (exit 2, naming the file) when the recording is not
beside the scenario and succeeds once it is."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from inkless.cli import app

SCENARIO = """
name: recorded-path
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 600, scan_period_s: 10}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 47.4, lon_deg: 8.5}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 47.5,
       lon_deg: 8.9}], launch_window_s: [0, 10], speed_mps: 50}]}
civil:
  recording: {path: traffic/rec.json}
"""
# one airliner, three samples a minute apart (the traffic package's JSON layout)
ROWS = [
    {"timestamp": 1_700_000_000_000 + 60_000 * k, "icao24": "4b1801", "callsign": "SWR100",
     "latitude": 47.45 + 0.1 * k, "longitude": 8.55, "altitude": 30000, "groundspeed": 450,
     "track": 0.0, "vertical_rate": 0}
    for k in range(3)
]


def test_recording_is_read_beside_the_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = folder / "s.yaml"
    path.write_text(SCENARIO)
    runner = CliRunner()
    args = ["run", str(path), "--out", str(tmp_path / "o"), "--picture", "perfect",
            "--no-rule-costs"]
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert str(folder / "traffic" / "rec.json") in r.stderr
    (folder / "traffic").mkdir()
    (folder / "traffic" / "rec.json").write_text(json.dumps(ROWS))
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "o" / "results.json").exists()


def test_a_recording_in_a_package_that_is_not_installed_is_one_located_line(
        tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("{path: traffic/rec.json}",
                                     "{path: rec.json, package: no-such-distribution}"))
    r = CliRunner().invoke(app, ["validate", str(path)])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:")
    assert "civil.recording.package: 'no-such-distribution' is not installed" in lines[0]
