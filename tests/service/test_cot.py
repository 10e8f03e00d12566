"""The live service speaks CoT (issue 12 items 1-2), in one session against real components:
``inkless serve --cot URL`` streams each cycle's coalition picture through a real TAK server
(``taky``, started as tests/interop starts it) to a TAK client socket, and ``--cot-in URL``
takes a coalition aircraft's self-reports from a TAK feed (a local TCP server) as friend
evidence: its unknown track turns friend, in the stream a node receives and in taky's."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from inkless.cli import app
from inkless.interop.cot import CotEvent, frame, parse_event

from ..interop.test_taky import _receive, taky  # noqa: F401 (the fixture)
from .conftest import INKLESS, SCENARIO, holder, read_dump

AEW = (32.3, 34.6, 9000.0)  # HOST's early-warning aircraft, holding; answers no IFF


def _scenario(tmp: Path) -> Path:
    """two-members.yaml cut to 90 s and its first wave, with HOST's early-warning aircraft
    (an airborne radar) that answers no IFF: the coalition holds it as an unknown track."""
    data = yaml.safe_load(SCENARIO.read_text())
    data["settings"]["duration_s"] = 90
    data["raid"]["waves"] = data["raid"]["waves"][:1]
    lat, lon, alt = AEW
    data["sensors"].append({
        "id": "aew-1", "owner": "HOST", "kind": "airborne",
        "position": {"lat_deg": lat, "lon_deg": lon, "alt_m": alt},
        "range_km": {"ballistic": 300, "cruise": 200, "drone": 150, "civil": 300},
        "scan_period_s": 5})
    data["identification"] = {"iff_reply_probability": 0.0}
    sc = tmp / "aew.yaml"
    sc.write_text(yaml.safe_dump(data))
    return sc


#: The feed starts when HOST's stream reaches this scenario time (s); before it the aircraft
#: is unknown (no IFF reply), after it a friend.
FEED_FROM_S = 45.0


def _reached(dump: Path, t: float) -> bool:
    """HOST's node has received a picture at ``t`` or later."""
    with contextlib.suppress(FileNotFoundError):
        return any(m["type"] == "picture" and m["t"] >= t for m in read_dump(dump)[-8:])
    return False


def _session(keys: Path, tmp: Path, go: threading.Event, *extra: str
             ) -> tuple[list[dict[str, Any]], str]:
    """A --simulate session with both members' nodes to its end (``go`` set when HOST's
    stream reaches :data:`FEED_FROM_S`): HOST's stream and the service's log."""
    log = tmp / "serve.log"
    serve = subprocess.Popen(
        [*INKLESS, "serve", str(_scenario(tmp)), "--keys", str(keys), "--port", "0",
         "--simulate", "--speed", "20", "--wait-nodes", "2", *extra],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        assert "://" in line, (line, log.read_text())
        url = line.split()[3]
        dumps = {m: tmp / f"{m}.jsonl" for m in ("HOST", "ANON")}
        nodes = [subprocess.Popen([*INKLESS, "node", m, "--key", str(holder(keys, m)), "--url",
                                   url, "--dump", str(d)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for m, d in dumps.items()]
        while not go.is_set() and nodes[0].poll() is None:
            if _reached(dumps["HOST"], FEED_FROM_S):
                go.set()
            time.sleep(0.05)
        for p in nodes:
            out, err = p.communicate(timeout=120)
            assert "session ended" in out, err
        serve.wait(60)
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(30)
    return read_dump(dumps["HOST"]), log.read_text()


@pytest.fixture
def feed() -> Any:
    """A local TCP server playing a TAK feed: to the service that connects it sends one
    malformed event at once and, once ``go`` is set, the aircraft's self-report (time now,
    stale in a minute) every 0.2 s until the test ends. Yields ``(port, go)``."""
    srv = socket.create_server(("127.0.0.1", 0))
    stop, go = threading.Event(), threading.Event()

    def serve() -> None:
        srv.settimeout(60)
        with contextlib.suppress(OSError):
            conn, _ = srv.accept()
            with conn:
                conn.sendall(b"<event uid='x'><point lat='north'/></event>")
                go.wait(120)
                while not stop.is_set():
                    now = datetime.now(UTC)
                    conn.sendall(frame(CotEvent("AEW-1", "a-f-A-M-F-Q", now,
                                                now + timedelta(seconds=60), *AEW, 20.0, 30.0,
                                                how="m-g"), proto=False, stream=True))
                    stop.wait(0.2)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    yield srv.getsockname()[1], go
    stop.set()
    go.set()
    th.join(10)
    srv.close()


def _near_aew(msgs: list[dict[str, Any]], lo: float, hi: float) -> list[dict[str, Any]]:
    """HOST's picture tracks on the early-warning aircraft (within about 1 km), at scenario
    times in ``[lo, hi)`` s."""
    return [t for m in msgs if m["type"] == "picture" and lo <= m["t"] < hi for t in m["tracks"]
            if abs(t["lat_deg"] - AEW[0]) < 0.01 and abs(t["lon_deg"] - AEW[1]) < 0.01]


def test_serve_streams_cot_and_takes_self_reports(taky: int, feed: Any,  # noqa: F811
                                                  keys: Path, tmp_path: Path) -> None:
    """Every track report a TAK client of taky receives is a track of the picture HOST's node
    received, at its position, sent now; the drones go out hostile. The aircraft is unknown
    until its self-reports come in over --cot-in, then a friend (in HOST's stream and as
    ``a-f-A`` to taky); the malformed event of the feed is one logged line."""
    port, go = feed
    reader = socket.create_connection(("127.0.0.1", taky), timeout=10.0)
    time.sleep(0.5)  # let taky register the reader before the service speaks (not asserted)
    host, log = _session(keys, tmp_path, go, "--cot", f"tcp://127.0.0.1:{taky}",
                         "--cot-in", f"tcp://127.0.0.1:{port}")
    got = [parse_event(e, "taky") for e in _receive(reader, idle_s=1.0)]
    reader.close()
    events = [e for e in got if e is not None and e.uid.startswith("inkless.track.")]
    assert len(events) == len(got) > 10
    held: dict[str, list[tuple[float, float]]] = {}
    for t in (t for m in host if m["type"] == "picture" for t in m["tracks"]):
        held.setdefault(f"inkless.track.{t['id']}", []).append((t["lat_deg"], t["lon_deg"]))
    now = datetime.now(UTC)
    reports = [e for e in events if e.stale > e.time]
    for e in reports:
        assert min(abs(e.lat_deg - a) + abs(e.lon_deg - b) for a, b in held[e.uid]) < 1e-6
        assert now - timedelta(minutes=2) < e.time < now and e.how == "m-f"
    assert "a-h-A-M-F-Q" in {e.type for e in reports}
    assert {t["identity"] for t in _near_aew(host, 15.0, FEED_FROM_S)} == {"unknown"}
    assert {t["identity"] for t in _near_aew(host, FEED_FROM_S + 25.0, 1e9)} == {"friend"}
    aew = {f"inkless.track.{t['id']}" for t in _near_aew(host, 0.0, 1e9)}
    assert {e.type for e in reports if e.uid in aew} == {"a-u-A", "a-f-A"}
    assert log.count("event skipped") == 1


@pytest.mark.parametrize("option", ["--cot", "--cot-in"])
def test_bad_cot_url(option: str, keys: Path) -> None:
    res = CliRunner().invoke(app, ["serve", str(SCENARIO), "--keys", str(keys), "--port", "0",
                                   option, "http://x:1"])
    assert res.exit_code == 2 and option in res.output
    assert len(res.output.strip().splitlines()) == 1
