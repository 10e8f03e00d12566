"""Fire orders as proposals (issue 11): each order goes to its unit's member, whose node
answers WILCO or CANTCO; a decline, a timeout or a lost node makes the service re-plan that
threat with the other members' units at once. Real service, real node processes; the
scenario's partner (ANON) has the better round, so it is proposed first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from inkless.service import hello_message, load_key

from .conftest import Plain, cut, holder, read_dump
from .test_streams import _finish, _node

#: Scenario seconds of each session: the first wave's orders (40 and 50 s) and their shots
SESSION_S = 100


def _orders(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in msgs if m["type"] == "order"]


def _taken_over(anon: list[dict[str, Any]], host: list[dict[str, Any]]) -> None:
    """Some target ordered to the partner was then ordered to the host, not earlier."""
    first: dict[int, float] = {}
    for o in _orders(anon):
        first.setdefault(o["target"], o["t"])
    assert first, "no order went to the partner"
    later = [o for o in _orders(host) if o["target"] in first and o["t"] >= first[o["target"]]]
    assert later, (first, _orders(host))


def test_orders_go_to_their_units_members_and_wilco_flies(plain: Plain) -> None:
    h, a = read_dump(plain.dumps["HOST"]), read_dump(plain.dumps["ANON"])
    assert _orders(a) and {o["unit"] for o in _orders(a)} == {"anon-sam"}
    assert {o["unit"] for o in _orders(h)} <= {"host-sam"}
    results = [m for m in a if m["type"] == "result"]
    assert results and {r["order"] for r in results} <= {o["order"] for o in _orders(a)}
    assert all(r["result"] in ("kill", "miss", "lost") for r in results)
    # the partner releases no engagements: the host hears of none of its shots
    assert not [m for m in h if m["type"] == "result" and m["order"] in
                {o["order"] for o in _orders(a)}]


def test_cantco_is_replanned_with_the_other_members_units(server_factory: Any, keys: Path,
                                                          tmp_path: Path) -> None:
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2",
                       scenario=cut(tmp_path, SESSION_S))
    host, anon = tmp_path / "host.jsonl", tmp_path / "anon.jsonl"
    for p in (_node("HOST", keys, s.url, host),
              _node("ANON", keys, s.url, anon, "--cantco", "launcher down")):
        _finish(p)
    h, a = read_dump(host), read_dump(anon)
    _taken_over(a, h)
    assert not [m for m in a if m["type"] == "result"], "a declined order never flies"
    assert "declined: CANTCO: launcher down" in s.log.read_text()


def test_an_unanswered_order_times_out(server_factory: Any, keys: Path, tmp_path: Path) -> None:
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2", "--order-timeout", "0.5",
                       scenario=cut(tmp_path, SESSION_S))
    host, anon = tmp_path / "host.jsonl", tmp_path / "anon.jsonl"
    for p in (_node("HOST", keys, s.url, host),
              _node("ANON", keys, s.url, anon, "--ignore-orders")):
        _finish(p)
    _taken_over(read_dump(anon), read_dump(host))
    assert "no answer from ANON in 0.5 s" in s.log.read_text()


def test_a_lost_node_is_replanned(server_factory: Any, keys: Path, tmp_path: Path) -> None:
    """The partner's node goes away on its first order, unanswered."""
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2",
                       scenario=cut(tmp_path, SESSION_S))
    host = tmp_path / "host.jsonl"
    p = _node("HOST", keys, s.url, host)
    key = load_key(holder(keys, "ANON"))
    got: list[dict[str, Any]] = []
    with connect(s.url) as ws:
        ws.send(json.dumps(hello_message("ANON", key, json.loads(ws.recv(30))["nonce"])))
        while not got or got[-1]["type"] != "order":
            got.append(json.loads(ws.recv(120)))
    _finish(p)
    _taken_over(got, read_dump(host))
    assert "ANON's node lost" in s.log.read_text()


def test_a_member_without_a_node_has_no_sensors_and_no_units(server_factory: Any, keys: Path,
                                                             tmp_path: Path) -> None:
    """Only the host's node joins: the partner's radar adds nothing to the host's picture and
    its unit (the better round, proposed first when its node is there) gets no order, so the
    host's unit takes the threats from the first one."""
    metrics = tmp_path / "metrics.jsonl"
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "1", "--metrics",
                       str(metrics),
                       scenario=cut(tmp_path, SESSION_S))
    host = tmp_path / "host.jsonl"
    _finish(_node("HOST", keys, s.url, host))
    h = read_dump(host)
    # the service's timing of each cycle: one line per cycle, every order counted once; then
    # the end line, the service's count of each stream's messages
    *cycles, end = read_dump(metrics)
    assert end["end"] and end["published"]["HOST"] == h[-1]["seq"] and "tick" not in end
    assert [c["tick"] for c in cycles] == sorted({c["tick"] for c in cycles})
    assert all(0 <= c["step_ms"] <= c["to_orders_ms"] and c["nodes"] == 1 for c in cycles)
    assert sum(c["orders"] for c in cycles) == len(_orders(h))
    sources = {x for m in h if m["type"] == "picture" for t in m["tracks"] for x in t["sources"]}
    assert sources == {"HOST"}
    assert _orders(h) and {o["unit"] for o in _orders(h)} == {"host-sam"}
    assert "anon-sam" not in s.log.read_text()


def test_a_units_reported_outcome_settles_its_shot(server_factory: Any, keys: Path,
                                                   tmp_path: Path) -> None:
    """The partner's node takes its orders and reports, for each, the outcome its unit saw
    (miss, kill, miss, ...): the results that come back are those, not the engine's draws."""
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2",
                       scenario=cut(tmp_path, SESSION_S))
    p = _node("HOST", keys, s.url, tmp_path / "host.jsonl")
    key = load_key(holder(keys, "ANON"))
    said: dict[int, str] = {}
    results: dict[int, str] = {}
    with connect(s.url) as ws:
        ws.send(json.dumps(hello_message("ANON", key, json.loads(ws.recv(30))["nonce"])))
        while (msg := json.loads(ws.recv(120)))["type"] != "end":
            if msg["type"] == "order":
                said[msg["order"]] = ("miss", "kill")[len(said) % 2]
                ws.send(json.dumps({"type": "wilco", "order": msg["order"]}))
                ws.send(json.dumps({"type": "status", "order": msg["order"],
                                    "result": said[msg["order"]], "rounds_left": 7}))
            elif msg["type"] == "result":
                results[msg["order"]] = msg["result"]
            assert msg["type"] != "error", msg
    _finish(p)
    assert len(said) >= 2 and results == said
