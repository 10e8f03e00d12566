"""CoT over TCP through a real TAK server: ``taky`` (PyPI, MIT) in its own virtualenv
(``.venv-taky``, made by ``make test``), started on a free loopback port; a reader client
connected to it receives inkless's events with the right uid, type, point and stale."""

from __future__ import annotations

import contextlib
import csv
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from inkless.cli import app
from inkless.coalition import KeyStore, pseudonym
from inkless.interop.cot import CotEvent, ce_le, open_sender, parse_event, split_stream
from inkless.interop.picture import read_tracks_csv

TAKY = Path(__file__).resolve().parents[2] / ".venv-taky" / "bin" / "taky"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _connect(port: int, proc: subprocess.Popen[bytes]) -> socket.socket:
    for _ in range(200):  # readiness poll, not a timing assertion
        if proc.poll() is not None:
            raise AssertionError(f"taky exited with {proc.returncode}")
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10.0)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("taky did not listen")


@pytest.fixture
def taky(tmp_path: Path, free_port: int) -> Iterator[int]:
    if not TAKY.exists():
        raise AssertionError(f"{TAKY} is missing: `make test` creates .venv-taky")
    port = free_port
    cfg = tmp_path / "taky.conf"
    cfg.write_text(f"[taky]\nbind_ip=127.0.0.1\nroot_dir={tmp_path}\n"
                   f"[cot_server]\nport={port}\n[dp_server]\nupload_path={tmp_path}\n"
                   "[ssl]\nenabled=false\n")
    proc = subprocess.Popen([str(TAKY), "-c", str(cfg), "-l", "warning"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _connect(port, proc).close()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_events_reach_a_client_of_taky(taky: int) -> None:
    reader = socket.create_connection(("127.0.0.1", taky), timeout=10.0)
    time.sleep(0.5)  # let taky register the reader before the sender speaks (not asserted)
    now = datetime.now(UTC).replace(microsecond=0)
    sent = [CotEvent(f"inkless.track.{k}", typ, now, now + timedelta(seconds=20 + k),
                     31.0 + k / 10, 34.5 - k / 10, 1000.0 * k, 50.0, 30.0,
                     course_deg=90.0, speed_mps=250.0)
            for k, typ in enumerate(["a-h-A-W-M-B", "a-n-A-C-F", "a-u-A"])]
    tx = open_sender(f"tcp://127.0.0.1:{taky}")
    for ev in sent:
        tx.send(ev)
    got: dict[str, CotEvent] = {}
    buf = b""
    while len(got) < len(sent):
        chunk = reader.recv(65536)
        assert chunk, f"taky closed the reader after {sorted(got)}"
        events, buf = split_stream(buf + chunk)
        for e in events:
            ev = parse_event(e, "taky")
            assert ev is not None, e
            got[ev.uid] = ev
    tx.close()
    reader.close()
    for ev in sent:
        r = got[ev.uid]
        assert (r.type, r.stale, r.time) == (ev.type, ev.stale, ev.time)
        assert (r.lat_deg, r.lon_deg, r.hae_m) == pytest.approx(
            (ev.lat_deg, ev.lon_deg, ev.hae_m), abs=1e-6)
        assert (r.ce_m, r.le_m) == (ev.ce_m, ev.le_m)


def _anonymous_host(tmp: Path) -> Path:
    """basics.yaml's cruise wave, with the host anonymous: it releases its tracks and its
    units' sites to the ally, not its engagements (shots, intercept points)."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    host = data["members"][0]
    host["anonymous"] = True
    host["rules"] = {"caveats": {"release": [{"what": "tracks", "to": ["ALLY"]},
                                             {"what": "sensor_positions", "to": ["ALLY"]}]}}
    sc = tmp / "anon.yaml"
    sc.write_text(yaml.safe_dump(data))
    return sc


def _receive(reader: socket.socket, idle_s: float = 3.0) -> list[bytes]:
    """Every event taky routes to ``reader`` until none came for ``idle_s``."""
    reader.settimeout(idle_s)
    out: list[bytes] = []
    buf = b""
    with contextlib.suppress(TimeoutError):
        while chunk := reader.recv(65536):
            events, buf = split_stream(buf + chunk)
            out += events
    return out


def test_a_members_picture_through_taky(taky: int, tmp_path: Path) -> None:
    """``cot send --member ALLY --keys``: the tracks releasable to ALLY, the anonymous host's
    fire units under their pseudonymous labels (as ``run --view`` shows them), no intercept
    point of its (engagements not released), every impact point and defended asset; the
    host's id and name appear nowhere; ``ce``/``le`` from the tracks' covariance."""
    sc = _anonymous_host(tmp_path)
    out, keys = tmp_path / "out", tmp_path / "keys"
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(out), "--seed", "7",
                                   "--no-rule-costs"])
    assert res.exit_code == 0, res.output
    reader = socket.create_connection(("127.0.0.1", taky), timeout=10.0)
    time.sleep(0.5)  # let taky register the reader before the sender speaks (not asserted)
    res = CliRunner().invoke(app, ["cot", "send", str(out), "--to", f"tcp://127.0.0.1:{taky}",
                                   "--member", "ALLY", "--keys", str(keys), "--speed", "0"])
    assert res.exit_code == 0, res.output
    raw = _receive(reader)
    reader.close()
    assert raw and not any(b"HOST" in e or b"Hostland" in e for e in raw)
    got = [parse_event(e, "taky") for e in raw]
    assert all(g is not None for g in got)
    evs = [g for g in got if g is not None]
    tab = read_tracks_csv(out / "tracks.csv")
    mine = {f"inkless.track.{i}" for i, r in zip(tab.track_id.tolist(), tab.releasable_to,
                                                  strict=True) if "ALLY" in r.split(";")}
    assert {e.uid for e in evs if e.uid.startswith("inkless.track.")} == mine and mine
    k = next(i for i, r in enumerate(tab.releasable_to) if "ALLY" in r.split(";"))
    ce, le = ce_le(tab.cov_enu[k])
    first = next(e for e in evs if e.uid == f"inkless.track.{tab.track_id[k]}")
    assert (first.ce_m, first.le_m) == pytest.approx((float(ce), float(le)), abs=0.05)
    anon = pseudonym("HOST", KeyStore(keys).secret(create=False))
    with (out / "events.csv").open() as f:
        rows = list(csv.DictReader(f))
    fired = [r["unit_id"] for r in rows if r["event"] == "fire"]
    order = ["upper-1", "mid-1", "mid-2"]  # the host's units in scenario order
    want = {f"inkless.unit.{anon}.unit{order.index(u) + 1}" for u in fired}
    assert {e.uid for e in evs if e.uid.startswith("inkless.unit.")} == want and want
    assert not [e for e in evs if e.uid.startswith("inkless.intercept.")]
    impacts = [r for r in rows if r["event"] == "impact"]
    assert len([e for e in evs if e.uid.startswith("inkless.impact.")]) == len(impacts)
    assets = {e.callsign: e for e in evs if e.type == "a-f-G-I"}
    assert set(assets) == {"port", "airbase"}
    assert (assets["port"].lat_deg, assets["port"].lon_deg) == pytest.approx((32.8, 35.0))


def test_cot_send_member_errors(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["cot", "send", str(tmp_path), "--to", "udp://127.0.0.1:9",
                                   "--member", "NOPE"])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
