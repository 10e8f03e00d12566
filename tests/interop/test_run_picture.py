"""``inkless run`` writes the coalition picture (tracks.csv, CAT062 with --asterix-out) and
``inkless cot send`` replays it: CAT062 judged by tshark, CoT datagrams by takproto."""

from __future__ import annotations

import csv
import socket
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pymap3d as pm
import pytest
import takproto
import yaml
from typer.testing import CliRunner

from inkless.cli import app
from inkless.interop.picture import COLUMNS, cot_events, read_tracks_csv, run_events

from .pcap import tshark_fields, write_pcap

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def _run(tmp: Path) -> Path:
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    sc = tmp / "small.yaml"
    sc.write_text(yaml.safe_dump(data))
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(tmp / "out"), "--seed", "7",
                                   "--no-rule-costs", "--asterix-out", str(tmp / "ast")])
    assert res.exit_code == 0, res.output
    return tmp


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("run"))


def test_tracks_csv(run_dir: Path) -> None:
    with (run_dir / "out" / "tracks.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS and len(rows) > 10
    tab = read_tracks_csv(run_dir / "out" / "tracks.csv")
    # velocity: finite difference of consecutive samples, checked with pymap3d's own ENU
    k = next(i for i in range(1, len(tab)) if tab.track_id[i] == tab.track_id[i - 1])
    a = pm.geodetic2ecef(tab.lat[k - 1], tab.lon[k - 1], tab.hae[k - 1], deg=False)
    b = pm.geodetic2ecef(tab.lat[k], tab.lon[k], tab.hae[k], deg=False)
    dt = tab.t_s[k] - tab.t_s[k - 1]
    v = pm.ecef2enuv(*((np.subtract(b, a)) / dt), tab.lat[k], tab.lon[k], deg=False)
    assert np.allclose(tab.v_enu[k], v, atol=0.02)
    # identity: the coalition's decision (the raid's cruise missiles are declared hostile);
    # class "civil" exactly on the neutral tracks
    assert "hostile" in {r["identity"] for r in rows}
    assert all((r["class"] == "civil") == (r["identity"] == "neutral") for r in rows)


def test_cat062_of_the_run_as_wireshark_reads_it(run_dir: Path) -> None:
    tab = read_tracks_csv(run_dir / "out" / "tracks.csv")
    pcap = run_dir / "picture.pcap"
    write_pcap(pcap, [(run_dir / "ast" / "picture.ast").read_bytes()], 8600)
    rows = tshark_fields(pcap, 8600, ["asterix.062_040_VALUE", "asterix.062_130_VALUE"])
    tn = [int(x, 0) for r in rows for x in r[0]]
    want = [int(t) for t, v in zip(tab.track_id, tab.v_enu, strict=True) if np.isfinite(v).all()]
    assert tn == want and tn  # blocks in time order, one record per report with a velocity


def test_cot_send_over_udp(run_dir: Path) -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5.0)
    port = rx.getsockname()[1]
    res = CliRunner().invoke(app, ["cot", "send", str(run_dir / "out"), "--to",
                                   f"udp://127.0.0.1:{port}", "--speed", "0", "--protobuf"])
    assert res.exit_code == 0, res.output
    tab = read_tracks_csv(run_dir / "out" / "tracks.csv")
    want = sorted(cot_events(tab, timedelta(0))
                  + run_events(run_dir / "out" / "events.csv", tab.epoch, timedelta(0)),
                  key=lambda p: p[0])
    got = [takproto.parse_proto(bytearray(rx.recvfrom(65535)[0])).cotEvent for _ in want]
    rx.close()
    assert [g.uid for g in got] == [e.uid for _, e in want]
    assert [g.type for g in got] == [e.type for _, e in want]
    tracks = [g for g in got if g.uid.startswith("inkless.track.")]
    ends = [g for g in tracks if g.staleTime == g.sendTime]  # a track that ends goes stale
    assert len(ends) == len(set(tab.track_id.tolist()))
    with (run_dir / "out" / "events.csv").open() as f:
        rows = list(csv.DictReader(f))
    points = [r for r in rows if r["event"] in ("intercept", "impact")]
    markers = [g for g in got if g.type == "b-m-p-s-m"]
    assert len(markers) == len(points) > 0
    points.sort(key=lambda r: float(r["time_s"]))
    assert [(round(g.lat, 5), round(g.lon, 5)) for g in markers] == [
        (float(r["lat"]), float(r["lon"])) for r in points]
    units = {g.uid for g in got if g.type in ("a-f-G-U-C-D-M", "a-f-A-M-F")}
    assert units == {f"inkless.unit.{r['unit_id']}" for r in rows if r["event"] == "fire"}


def test_cot_send_bad_url(run_dir: Path) -> None:
    res = CliRunner().invoke(app, ["cot", "send", str(run_dir / "out"), "--to", "http://x:1"])
    assert res.exit_code == 2 and "tcp://HOST:PORT" in res.output
