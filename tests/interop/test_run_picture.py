"""``inkless run`` writes the coalition picture (tracks.csv, CAT062 with --asterix-out) and
``inkless cot send`` replays it: CAT062 judged by tshark, CoT datagrams by takproto."""

from __future__ import annotations

import contextlib
import csv
import logging
import socket
import threading
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
from inkless.engine import Engine, Record
from inkless.interop.asterix import decode_cat048
from inkless.interop.picture import (
    COLUMNS,
    asset_events,
    cot_events,
    picture_table,
    read_tracks_csv,
    run_events,
    write_run_picture,
    write_tracks_csv,
)
from inkless.scenario import parse_scenario
from inkless.scenario.model import Scenario
from inkless.units import FT, NMI

from .pcap import tshark_fields, write_pcap

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _small(tmp: Path) -> Path:
    """basics.yaml with only its cruise-missile wave."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    sc = tmp / "small.yaml"
    sc.write_text(yaml.safe_dump(data))
    return sc


@cache
def _run(tmp: Path) -> Path:
    sc = _small(tmp)
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(tmp / "out"), "--seed", "7",
                                   "--no-rule-costs", "--asterix-out", str(tmp / "ast")])
    assert res.exit_code == 0, res.output
    (tmp / "run.txt").write_text(res.output)
    return tmp


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _small(tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("run"))


def test_tracks_csv(run_dir: Path) -> None:
    """One row per track per scan, with the track's state, covariance, identity and class."""
    with (run_dir / "out" / "tracks.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS and len(rows) > 10
    tab = read_tracks_csv(run_dir / "out" / "tracks.csv")
    times = np.unique(tab.t_s)
    gaps = np.diff(times)  # every decision cycle (scan_period_s 5) with a track, not 20 s
    assert np.median(gaps) == 5.0 and np.allclose(gaps % 5.0, 0.0)
    assert np.isfinite(tab.v_enu).all() and np.isfinite(tab.cov_enu).all()
    assert (np.linalg.eigvalsh(tab.cov_enu) > 0).all()  # position covariances are SPD
    # identity: the coalition's decision (the raid's cruise missiles are declared hostile);
    # class "civil" exactly on the neutral tracks, the declared class on the hostile ones
    assert "hostile" in {r["identity"] for r in rows}
    assert all((r["class"] == "civil") == (r["identity"] == "neutral") for r in rows)
    assert {r["class"] for r in rows if r["identity"] == "hostile"} == {"cruise"}


def test_picture_table_is_the_runs_picture(small: Path) -> None:
    """The per-scan rows agree with what the engine sampled every 20 s on its own (position),
    and the velocity is the state's, turned into the track's local ENU by pymap3d."""
    rec = Engine(parse_scenario(small.read_text(), "small.yaml"), 7, picture="tracked").run()
    tab = picture_table(rec)
    assert tab is not None and rec.tracked is not None and rec.tracked.scans is not None
    tr = rec.tracked
    key = {(t, i): k for k, (t, i) in enumerate(zip(tab.t_s.tolist(), tab.track_id.tolist(),
                                                      strict=True))}
    k = np.array([key[ti] for ti in zip(tr.samples_t.tolist(), tr.samples_id.tolist(),
                                        strict=True)])
    got = np.column_stack(pm.geodetic2ecef(tab.lat[k], tab.lon[k], tab.hae[k], deg=False))
    assert np.abs(got - tr.samples_ecef).max() < 0.5  # m (float32 state, 0.1 m HAE)
    x = tr.scans.x.astype(np.float64)
    v_ecef = x[:, 3:] @ tr.frame.rot
    v = np.column_stack(pm.ecef2enuv(*v_ecef.T, tab.lat, tab.lon, deg=False))
    assert np.allclose(tab.v_enu, v, atol=1e-3)
    assert len(tab) == len(rec.identity.coalition or [])


def test_tracks_csv_written_in_chunks_is_the_same_file(run_dir: Path, tmp_path: Path) -> None:
    """The writer formats a bounded number of rows at a time (memory); the file does not depend
    on where the chunks break."""
    tab = read_tracks_csv(run_dir / "out" / "tracks.csv")
    whole, pieces = tmp_path / "whole.csv", tmp_path / "pieces.csv"
    write_tracks_csv(whole, tab, chunk=len(tab) + 1)
    write_tracks_csv(pieces, tab, chunk=7)
    assert len(tab) > 7 and pieces.read_bytes() == whole.read_bytes()
    assert len(whole.read_text().splitlines()) == len(tab) + 1


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
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # a burst of a whole run
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(2.0)
    port = rx.getsockname()[1]
    datagrams: list[bytes] = []

    def receive() -> None:  # beside the sender: a burst overflows a socket's buffer
        with contextlib.suppress(TimeoutError):
            while True:
                datagrams.append(rx.recvfrom(65535)[0])

    reader = threading.Thread(target=receive)
    reader.start()
    res = CliRunner().invoke(app, ["cot", "send", str(run_dir / "out"), "--to",
                                   f"udp://127.0.0.1:{port}", "--speed", "0", "--protobuf"])
    reader.join()
    rx.close()
    assert res.exit_code == 0, res.output
    tab = read_tracks_csv(run_dir / "out" / "tracks.csv")
    sc = Scenario.model_validate_json((run_dir / "out" / "scenario.json").read_bytes())
    want = sorted(cot_events(tab, timedelta(0))
                  + asset_events(sc, tab.epoch, timedelta(0), tab.t_s.min(), tab.t_s.max())
                  + run_events(run_dir / "out" / "events.csv", tab.epoch, timedelta(0)),
                  key=lambda p: p[0])
    got = [takproto.parse_proto(bytearray(d)).cotEvent for d in datagrams]
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


@pytest.fixture(scope="module")
def record(small: Path) -> Record:
    """The run of ``run_dir`` (same scenario and seed), in memory."""
    return Engine(parse_scenario(small.read_text(), "small.yaml"), 7, picture="tracked").run()


def _blocks(data: bytes) -> list[bytes]:
    """ASTERIX data blocks of a file (CAT, 16-bit LEN including the 3-byte header)."""
    out, k = [], 0
    while k < len(data):
        n = int.from_bytes(data[k + 1:k + 3], "big")
        out.append(data[k:k + n])
        k += n
    return out


def test_cat048_of_the_runs_radars_as_wireshark_reads_them(run_dir: Path, record: Record
                                                           ) -> None:
    """One file per radar, SIC = its row, one block per scan with plots; RHO, THETA as
    measured and the height of the measured point (pymap3d's aer2geodetic), to the items'
    LSB; plots outside CAT048's ranges left out and counted in one line."""
    assert record.tracked is not None and record.tracked.scans is not None
    sc = record.tracked.scans
    sensors = record.scenario.sensors
    files = {p.name for p in (run_dir / "ast").glob("radar-*.ast")}
    assert files == {f"radar-{i}-{s.id}.ast" for i, s in enumerate(sensors)}
    rae = sc.plot_rae.astype(np.float64)
    lat0 = np.array([s.position.lat_deg for s in sensors])[sc.plot_sensor]
    lon0 = np.array([s.position.lon_deg for s in sensors])[sc.plot_sensor]
    h0 = np.array([s.position.alt_m for s in sensors])[sc.plot_sensor]
    h = pm.aer2geodetic(np.degrees(rae[:, 1]), np.degrees(rae[:, 2]), rae[:, 0], lat0, lon0,
                        h0)[2]
    fits = (rae[:, 0] < 256 * NMI) & (np.abs(h) <= 8191 * 25 * FT)
    assert f"{int(fits.sum())} plots; {int((~fits).sum())} left out" in (
        run_dir / "run.txt").read_text()
    for i, s in enumerate(sensors):
        blocks = _blocks((run_dir / "ast" / f"radar-{i}-{s.id}.ast").read_bytes())
        write_pcap(run_dir / f"r{i}.pcap", blocks, 8600)
        got = tshark_fields(run_dir / f"r{i}.pcap", 8600, [
            "asterix.048_010_SIC", "asterix.048_040_RHO", "asterix.048_040_THETA",
            "asterix.048_110_3DH"])
        mine = np.flatnonzero((sc.plot_sensor == i) & fits)
        assert len(got) == len(np.unique(sc.plot_t[mine]))  # one block per scan with plots
        sic = np.array([int(v, 0) for r in got for v in r[0]])
        rho, theta, h3 = (np.array([float(v) for r in got for v in r[c]]) for c in (1, 2, 3))
        assert (sic == i).all() and len(rho) == len(mine)
        assert np.abs(rho - rae[mine, 0] / NMI).max() <= 0.5 / 256 + 1e-9
        dth = (theta - np.degrees(rae[mine, 1]) + 180.0) % 360.0 - 180.0
        assert np.abs(dth).max() <= 0.5 * 360 / 2**16 + 1e-9
        assert np.abs(h3 - h[mine] / FT).max() <= 12.5 + 0.1


def test_the_runs_plots_fed_back_give_its_tracks(run_dir: Path, small: Path) -> None:
    """CAT048 of the run -> ``inkless track --asterix DIR --scenario`` (the coalition's
    trackers on the fed picture) -> the same tracks at the same scans, within CAT048's
    quantisation; the plots left out of range were false alarms beyond 256 NM."""
    out = run_dir / "fed.csv"
    res = CliRunner().invoke(app, ["track", "--asterix", str(run_dir / "ast"), "--scenario",
                                   str(small), "--tracks-out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    want, got = read_tracks_csv(run_dir / "out" / "tracks.csv"), read_tracks_csv(out)
    key_w = list(zip(want.t_s.tolist(), want.track_id.tolist(), strict=True))
    key_g = list(zip(got.t_s.tolist(), got.track_id.tolist(), strict=True))
    assert key_g == key_w
    a = np.column_stack(pm.geodetic2ecef(want.lat, want.lon, want.hae, deg=False))
    b = np.column_stack(pm.geodetic2ecef(got.lat, got.lon, got.hae, deg=False))
    assert np.linalg.norm(a - b, axis=1).max() < 20.0  # m


def test_plots_beyond_cat048_are_left_out_and_counted(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Ballistic missiles seen from 800 km and above 62 km: those plots are not written (no
    wrapped RHO or height), they are counted in one note and logged nowhere else; what is
    written decodes to the plots that fit."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [dict(w, count=2) for w in data["raid"]["waves"]
                             if w["id"] == "ballistic"]
    data["settings"]["duration_s"] = 3600
    rec = Engine(parse_scenario(yaml.safe_dump(data), "b.yaml"), 7, picture="tracked").run()
    assert rec.tracked is not None and rec.tracked.scans is not None
    sc = rec.tracked.scans
    rae = sc.plot_rae.astype(np.float64)
    sensors = rec.scenario.sensors
    pos = np.array([[s.position.lat_deg, s.position.lon_deg, s.position.alt_m]
                    for s in sensors])[sc.plot_sensor]
    h = pm.aer2geodetic(np.degrees(rae[:, 1]), np.degrees(rae[:, 2]), rae[:, 0], *pos.T)[2]
    fits = (rae[:, 0] < 256 * NMI) & (np.abs(h) <= 8191 * 25 * FT)
    assert 0 < (~fits).sum() < len(fits)
    with caplog.at_level(logging.WARNING, logger="inkless.interop"):
        notes = write_run_picture(tmp_path, rec, tmp_path / "ast")
    assert not caplog.records
    assert sum("left out: slant range >= 256 NM" in n for n in notes) == 1
    assert f"{int(fits.sum())} plots; {int((~fits).sum())} left out" in "\n".join(notes)
    back = [decode_cat048(p.read_bytes(), p.name) for p in (tmp_path / "ast").glob("radar-*")]
    rho = np.concatenate([b.rho_m for b in back])
    assert len(rho) == fits.sum() and rho.max() < 256 * NMI
    assert np.allclose(np.sort(rho), np.sort(rae[fits, 0]), atol=NMI / 512 + 1e-6)


def test_track_scenario_needs_asterix(small: Path) -> None:
    res = CliRunner().invoke(app, ["track", "--scenario", str(small)])
    assert res.exit_code == 2 and "--asterix SRC --scenario SCENARIO" in res.output
