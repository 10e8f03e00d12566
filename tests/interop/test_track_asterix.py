"""plots -> CAT048 -> ``inkless track --asterix`` gives the tracks of the native detection file
(within CAT048's quantisation: 1/256 NM range, 2^-16 turn azimuth, 25 ft height)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from inkless.commands.track import app, load_recording, run_track
from inkless.interop.asterix import encode_cat048, polar_from_enu

BENCH = Path("/work/shared/bench/tracking/make_scenario.py")


def test_cat048_round_trip_gives_the_same_tracks(tmp_path: Path) -> None:
    rec_dir = tmp_path / "rec"
    subprocess.run([sys.executable, str(BENCH), "--targets", "8", "--steps", "25", "--seed", "3",
                    "--out", str(rec_dir)], check=True, capture_output=True)
    rec = load_recording(rec_dir)
    res = CliRunner().invoke(app, [str(rec_dir), "--json", "--asterix-out", str(tmp_path / "ast")])
    assert res.exit_code == 0 and "left out" not in res.output, res.output
    assert {p.name for p in (tmp_path / "ast").iterdir()} == {
        f"sensor-{s.id}.ast" for s in rec.sensors}
    native, ast = run_track(rec_dir), run_track(rec_dir, asterix=str(tmp_path / "ast"))
    assert ast.picture.detections == native.picture.detections == len(rec.det)
    assert np.array_equal(ast.picture.time, native.picture.time)
    assert np.array_equal(ast.picture.track_id, native.picture.track_id)
    assert np.abs(ast.picture.x[:, :3] - native.picture.x[:, :3]).max() < 15.0  # m
    assert abs(ast.summary["mean_gospa"] - native.summary["mean_gospa"]) < 5.0  # m

    res = CliRunner().invoke(app, [str(rec_dir), "--json", "--asterix", str(tmp_path / "ast")])
    assert res.exit_code == 0, res.output
    assert f'"detections": {len(rec.det)}' in res.output


def _when_bound(port: int) -> None:
    """Wait until someone listens on UDP ``port`` (a bind of our own fails then)."""
    for _ in range(600):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return
        finally:
            s.close()
        time.sleep(0.01)
    raise AssertionError("nobody listened")


def test_cat048_over_udp_with_bad_datagrams(tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    rec_dir = tmp_path / "rec"
    subprocess.run([sys.executable, str(BENCH), "--targets", "4", "--steps", "12", "--seed", "5",
                    "--out", str(rec_dir)], check=True, capture_output=True)
    rec = load_recording(rec_dir)
    datagrams = []
    for t in np.unique(rec.det[:, 0]):
        for s in rec.sensors:
            rows = rec.det[(rec.det[:, 0] == t) & (rec.det[:, 1] == s.id)]
            rho, theta, h = polar_from_enu(np.asarray(s.pos), rows[:, 2:5])
            datagrams.append(encode_cat048(0, s.id, float(t), rho, theta, h).block)
    bad = [datagrams[3][: len(datagrams[3]) // 2],  # truncated datagram
           bytes([34, 0, 6, 0x80, 1, 2]),  # CAT034: not read here
           bytes([48, 0, 8]) + b"\xff" * 5]  # corrupt FSPEC
    with socket.socket() as s0:
        s0.bind(("127.0.0.1", 0))
        port = s0.getsockname()[1]

    def feed() -> None:
        _when_bound(port)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for d in [*bad[:1], *datagrams[:5], *bad[1:], *datagrams[5:]]:
                tx.sendto(d, ("127.0.0.1", port))
                time.sleep(0.001)  # pacing for the loopback buffer, not asserted

    th = threading.Thread(target=feed)
    th.start()
    with caplog.at_level(logging.WARNING, logger="inkless.interop"):
        got = run_track(rec_dir, asterix=f"udp://127.0.0.1:{port}")
    th.join()
    native = run_track(rec_dir)
    assert np.array_equal(got.picture.track_id, native.picture.track_id)
    assert np.abs(got.picture.x[:, :3] - native.picture.x[:, :3]).max() < 15.0
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 3 and all("datagram" in m for m in msgs), msgs
