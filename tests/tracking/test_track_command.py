"""``inkless track DIR`` on a small scenario made by the shared ``make_scenario.py``."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from inkless.commands.track import app

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "tracking"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scen") / "s"
    subprocess.run([sys.executable, str(SHARED / "make_scenario.py"), "--targets", "12",
                    "--steps", "30", "--seed", "5", "--out", str(out)],
                   check=True, capture_output=True)
    return out


def _track(directory: Path, tracks_out: Path) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-m", "inkless.commands.track", str(directory),
                          "--json", "--tracks-out", str(tracks_out)],
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def test_track_scores_sensibly(scenario: Path, tmp_path: Path) -> None:
    out = _track(scenario, tmp_path / "tracks.csv")
    assert set(out) == {"detections", "seconds", "detections_per_s", "mean_gospa", "missed",
                        "false"}
    n_det = len((scenario / "detections.csv").read_text().splitlines()) - 1
    assert out["detections"] == n_det
    truth = np.loadtxt(scenario / "truth.csv", delimiter=",", skiprows=1)
    per_scan = len(truth) / len(np.unique(truth[:, 0]))
    # localisation ~50 m per target with these sensors; a few misses at births
    assert out["mean_gospa"] < 150.0 * per_scan
    assert out["missed"] < 0.15 * per_scan
    assert out["false"] < 0.1 * per_scan
    rows = np.loadtxt(tmp_path / "tracks.csv", delimiter=",", skiprows=1, ndmin=2)
    assert rows.shape[1] == 8 and len(rows) > 0


def test_truth_labels_are_not_read(scenario: Path, tmp_path: Path) -> None:
    scrambled = tmp_path / "scrambled"
    shutil.copytree(scenario, scrambled)
    rng = np.random.default_rng(0)
    with open(scenario / "detections.csv") as f:
        rows = list(csv.reader(f))
    with open(scrambled / "detections.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(rows[0])
        for r in rows[1:]:
            w.writerow([*r[:5], str(rng.integers(0, 2)), rng.choice(["-1", "7", "x", "?"])])
    a = _track(scenario, tmp_path / "a.csv")
    b = _track(scrambled, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    for k in ("detections", "mean_gospa", "missed", "false"):
        assert a[k] == b[k]


def test_score_matches_the_reference_script(scenario: Path, tmp_path: Path) -> None:
    ours = _track(scenario, tmp_path / "tracks.csv")
    res = subprocess.run([sys.executable, str(SHARED / "stonesoup_reference.py"), str(scenario),
                          "--score-tracks", str(tmp_path / "tracks.csv")],
                         check=True, capture_output=True, text=True)
    ref = json.loads(res.stdout.strip().splitlines()[-1])
    assert ours["mean_gospa"] == pytest.approx(ref["mean_gospa"], abs=0.02)
    assert ours["missed"] == pytest.approx(ref["missed"], abs=1e-3)
    assert ours["false"] == pytest.approx(ref["false"], abs=1e-3)


def test_table_output(scenario: Path) -> None:
    res = CliRunner().invoke(app, [str(scenario)])
    assert res.exit_code == 0
    assert "mean GOSPA" in res.output


def _fails(args: list[str]) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    return lines[0]


def test_errors_are_one_line(scenario: Path, tmp_path: Path) -> None:
    assert "not a directory" in _fails([str(tmp_path / "nowhere")])
    bad = tmp_path / "bad"
    shutil.copytree(scenario, bad)
    text = (bad / "detections.csv").read_text().replace("time,sensor_id,x,", "time,sensor_id,q,", 1)
    (bad / "detections.csv").write_text(text)
    assert "column 3 is 'q', expected 'x'" in _fails([str(bad)])
    (bad / "detections.csv").unlink()
    assert "detections.csv: file not found" in _fails([str(bad)])
    shutil.copy(scenario / "detections.csv", bad / "detections.csv")
    meta = json.loads((bad / "scenario.json").read_text())
    del meta["sensors"][0]["noise_std"]
    (bad / "scenario.json").write_text(json.dumps(meta))
    assert "sensors.0.noise_std" in _fails([str(bad)])
