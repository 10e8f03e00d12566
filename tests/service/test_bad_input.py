"""Bad input to ``inkless serve`` and ``inkless node``: one located line, exit 2, no
traceback."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from .conftest import SCENARIO, holder, inkless


def _one_line(r: object, words: str) -> None:
    assert r.returncode == 2, r  # type: ignore[attr-defined]
    err = r.stderr  # type: ignore[attr-defined]
    assert err.count("\n") == 1 and words in err and "Traceback" not in err, err


def test_a_keys_directory_that_is_not_there(tmp_path: Path) -> None:
    _one_line(inkless("serve", SCENARIO, "--keys", tmp_path / "nope"), "not a directory")


def test_a_keys_directory_without_keys(tmp_path: Path) -> None:
    _one_line(inkless("serve", SCENARIO, "--keys", tmp_path), "no member keys there")


def test_a_damaged_statements_file(tmp_path: Path) -> None:
    (tmp_path / "HOST").mkdir()
    (tmp_path / "HOST" / "statements.json").write_text("[{]")
    _one_line(inkless("serve", SCENARIO, "--keys", tmp_path), "is damaged")


def test_a_port_in_use(keys: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        _one_line(inkless("serve", SCENARIO, "--keys", keys, "--port", str(port)),
                  f"--port {port}: cannot listen")


def test_a_key_file_that_is_not_a_key(tmp_path: Path) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text("not a key")
    _one_line(inkless("node", "HOST", "--key", bad, "--url", "ws://127.0.0.1:1/node"),
              "not an unencrypted PEM private key")


def test_a_url_that_is_not_a_websocket(keys: Path) -> None:
    _one_line(inkless("node", "HOST", "--key", holder(keys, "HOST"), "--url", "http://x"),
              "give ws://HOST:PORT/node")


def test_sigterm_stops_a_service_waiting_for_its_nodes(server_factory: Any) -> None:
    """A service still waiting for nodes (--wait-nodes) stops on SIGTERM."""
    s = server_factory("--simulate", "--wait-nodes", "2")
    with connect(s.url) as ws:  # it serves (and so handles SIGTERM itself)
        assert json.loads(ws.recv(30))["type"] == "challenge"
    os.kill(s.proc.pid, signal.SIGTERM)
    assert s.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once stopped
