"""plots -> CAT048 -> ``inkless track --asterix`` gives the tracks of the native detection file
(within CAT048's quantisation: 1/256 NM range, 2^-16 turn azimuth, 25 ft height)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from inkless.commands.track import app, load_recording, run_track
from inkless.interop.asterix import write_detections

BENCH = Path("/work/shared/bench/tracking/make_scenario.py")


def test_cat048_round_trip_gives_the_same_tracks(tmp_path: Path) -> None:
    rec_dir = tmp_path / "rec"
    subprocess.run([sys.executable, str(BENCH), "--targets", "8", "--steps", "25", "--seed", "3",
                    "--out", str(rec_dir)], check=True, capture_output=True)
    rec = load_recording(rec_dir)
    assert sum(write_detections(rec.det, rec.sensors, tmp_path / "ast").values()) == 0
    native, ast = run_track(rec_dir), run_track(rec_dir, asterix=tmp_path / "ast")
    assert ast.picture.detections == native.picture.detections == len(rec.det)
    assert np.array_equal(ast.picture.time, native.picture.time)
    assert np.array_equal(ast.picture.track_id, native.picture.track_id)
    assert np.abs(ast.picture.x[:, :3] - native.picture.x[:, :3]).max() < 15.0  # m
    assert abs(ast.summary["mean_gospa"] - native.summary["mean_gospa"]) < 5.0  # m

    res = CliRunner().invoke(app, [str(rec_dir), "--json", "--asterix", str(tmp_path / "ast")])
    assert res.exit_code == 0, res.output
    assert f'"detections": {len(rec.det)}' in res.output
