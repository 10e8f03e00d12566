"""Member authentication against the real service (issue 11): a node signs a fresh server
nonce with its office-holder key; each refusal is one line sent to the node and written to the
service log. The 'node' here is a raw WebSocket client, so that it can misbehave (also after it
is admitted: malformed messages get an error reply, logged, and the connection survives)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inkless.service import hello_message, load_key
from inkless.service.app import MAX_MESSAGE_BYTES

from .conftest import Server, holder, inkless


def _answer(url: str, hello: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Connect, take the challenge, send ``hello(nonce)``; the challenge and the reply."""
    with connect(url) as ws:
        challenge = json.loads(ws.recv(timeout=30))
        ws.send(json.dumps(hello(challenge["nonce"])))
        return challenge, json.loads(ws.recv(timeout=30))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, keys: Path) -> Any:
    s = Server(tmp_path_factory.mktemp("auth"), keys, "--simulate", "--speed", "1")
    yield s
    s.stop()


def _refused(server: Server, reply: dict[str, Any], words: str) -> None:
    assert reply["type"] == "refused", reply
    assert words in reply["reason"]
    assert "\n" not in reply["reason"]
    assert any(words in line and "refused" in line
               for line in server.log.read_text().splitlines()), server.log.read_text()


def test_the_current_holder_key_is_admitted(server: Server, keys: Path) -> None:
    key = load_key(holder(keys, "ANON"))
    _, reply = _answer(server.url, lambda n: hello_message("ANON", key, n))
    assert reply["type"] == "welcome" and reply["member"] == "ANON"


def test_an_unknown_key_is_refused(server: Server) -> None:
    key = Ed25519PrivateKey.generate()
    _, reply = _answer(server.url, lambda n: hello_message("HOST", key, n))
    _refused(server, reply, "unknown key")


def test_a_rotated_key_is_refused(server: Server, keys: Path) -> None:
    old = load_key(holder(keys, "HOST", current=False))
    _, reply = _answer(server.url, lambda n: hello_message("HOST", old, n))
    _refused(server, reply, "rotated key")


def test_a_replayed_nonce_is_refused(server: Server, keys: Path) -> None:
    key = load_key(holder(keys, "ANON"))
    seen: list[dict[str, Any]] = []

    def first(n: str) -> dict[str, Any]:
        seen.append(hello_message("ANON", key, n))
        return seen[0]

    _, ok = _answer(server.url, first)
    assert ok["type"] == "welcome"
    _, reply = _answer(server.url, lambda n: seen[0])  # the captured hello, sent again
    _refused(server, reply, "replayed nonce")


def test_another_members_key_is_refused(server: Server, keys: Path) -> None:
    anon = load_key(holder(keys, "ANON"))
    _, reply = _answer(server.url, lambda n: hello_message("HOST", anon, n))
    _refused(server, reply, "is ANON's office-holder key, not HOST's")


def test_a_member_the_scenario_does_not_list_is_refused(server: Server, keys: Path) -> None:
    ghost = load_key(holder(keys, "GHOST"))
    _, reply = _answer(server.url, lambda n: hello_message("GHOST", ghost, n))
    _refused(server, reply, "member GHOST is not in the scenario")


def test_an_expired_nonce_is_refused(server_factory: Any, keys: Path) -> None:
    """A nonce good for 0 s has expired whenever the answer comes."""
    s = server_factory("--simulate", "--nonce-ttl", "0")
    key = load_key(holder(keys, "ANON"))
    _, reply = _answer(s.url, lambda n: hello_message("ANON", key, n))
    _refused(s, reply, "expired nonce")


def test_the_node_command_exits_with_the_reason(server: Server, keys: Path) -> None:
    """``inkless node`` refused: exit 1, the service's reason as one line on stderr."""
    r = inkless("node", "HOST", "--key", holder(keys, "HOST", current=False), "--url",
                server.url, timeout=60)
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and "rotated key" in r.stderr and "Traceback" not in r.stderr


def test_malformed_messages_get_an_error_and_the_connection_survives(server: Server,
                                                                     keys: Path) -> None:
    key = load_key(holder(keys, "ANON"))
    with connect(server.url, max_size=None) as ws:
        ws.send(json.dumps(hello_message("ANON", key, json.loads(ws.recv(30))["nonce"])))
        assert json.loads(ws.recv(30))["type"] == "welcome"
        sent = ["{not json", json.dumps({"type": "bogus"}), json.dumps([1, 2]),
                json.dumps({"type": "wilco", "order": 12345}),
                json.dumps({"type": "report", "t": "soon"}),
                "x" * (MAX_MESSAGE_BYTES + 1)]
        for text in sent:
            ws.send(text)
        errors: list[str] = []
        while len(errors) < len(sent):
            msg = json.loads(ws.recv(30))
            if msg["type"] == "error":
                errors.append(msg["reason"])
        assert [e.split()[0] for e in errors] == ["not", "unknown", "unknown", "wilco", "report:",
                                                  "message"]
        assert json.loads(ws.recv(30))["seq"] > 0  # the stream goes on
    log = server.log.read_text()
    assert all(e in log for e in errors)


def test_a_second_node_of_a_member_replaces_the_first(server: Server, keys: Path) -> None:
    """One node per member: the one that joins last keeps the stream; the first is closed with
    the reason."""
    key = load_key(holder(keys, "ANON"))
    with connect(server.url) as first, connect(server.url) as second:
        for ws in (first, second):
            ws.send(json.dumps(hello_message("ANON", key, json.loads(ws.recv(30))["nonce"])))
            assert json.loads(ws.recv(30))["type"] == "welcome"
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                first.recv(30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4009
        assert "another node of this member joined" in closed.value.rcvd.reason
        assert json.loads(second.recv(30))["seq"] > 0  # the second keeps the stream
