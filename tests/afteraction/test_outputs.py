"""``write_outputs``: the after-action files of a run written by one public function, so that
``inkless run`` and the live service write the same results.json, events.csv and report.html."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from inkless.afteraction import read_findings, write_outputs
from inkless.cli import app
from inkless.engine import Engine
from inkless.scenario import parse_scenario

SMALL = """\
name: small
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 900, scan_period_s: 5}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: town, owner: A, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 10, radius_m: 500}
interceptors:
  - {id: sam, max_range_km: 30, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.7}}
sensors:
  - {id: r1, owner: A, kind: ground, position: {lat_deg: 31.1, lon_deg: 35.0},
     range_km: {drone: 200, civil: 200}, scan_period_s: 5}
fire_units:
  - {id: b1, owner: A, interceptor: sam, position: {lat_deg: 31.2, lon_deg: 35.0}, rounds: 3}
raid:
  waves:
    - {id: w1, threat_class: drone, count: 5, speed_mps: 60, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.6}], launch_window_s: [0, 60]}
"""

FILES = ("results.json", "events.csv", "report.html")


def test_write_outputs_writes_what_inkless_run_writes(tmp_path: Path) -> None:
    """The CLI's files, and the same files written by ``write_outputs`` from the engine's
    record of the same seed and the CLI's findings read back: byte for byte the same."""
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    cli_dir, own_dir = tmp_path / "cli", tmp_path / "own"
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(cli_dir), "--picture",
                                 "perfect", "--no-rule-costs", "--seed", "3"])
    assert r.exit_code == 0, r.stderr
    findings = read_findings(cli_dir / "results.json")
    assert findings.interceptors.fired > 0  # a run with engagements, not an empty report
    record = Engine(parse_scenario(SMALL, "small.yaml"), seed=3, picture="perfect").run()
    own_dir.mkdir()
    write_outputs(own_dir, record, findings)
    for name in FILES:
        assert (own_dir / name).read_bytes() == (cli_dir / name).read_bytes(), name
