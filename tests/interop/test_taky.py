"""CoT over TCP through a real TAK server: ``taky`` (PyPI, MIT) in its own virtualenv
(``.venv-taky``, made by ``make test``), started on a free loopback port; a reader client
connected to it receives inkless's events with the right uid, type, point and stale."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inkless.interop.cot import CotEvent, open_sender, parse_event, split_stream

TAKY = Path(__file__).resolve().parents[2] / ".venv-taky" / "bin" / "taky"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
def taky(tmp_path: Path) -> Iterator[int]:
    if not TAKY.exists():
        raise AssertionError(f"{TAKY} is missing: `make test` creates .venv-taky")
    port = _free_port()
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
