"""The after-action of a live session (issue 11): ``inkless serve ... --out DIR`` writes the
same three files as ``inkless run`` (results.json, events.csv, report.html) when the session
ends, whether the simulated raid ends or the service is stopped; results.json reads back as
the documented results and its counts are what the nodes were told. Real service, real nodes."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from inkless.afteraction import read_findings

from .conftest import SCENARIO, cut, inkless, read_dump, wait_for
from .test_streams import _finish, _node

FILES = ("results.json", "events.csv", "report.html")


def _told(dumps: dict[str, Path]) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """Every fire order the nodes received (by order number: each goes to its unit's member
    only) and the end each member heard of its own shots."""
    orders: dict[int, dict[str, Any]] = {}
    ends: dict[int, str] = {}
    for d in dumps.values():
        for m in read_dump(d):
            if m["type"] == "order":
                assert m["order"] not in orders
                orders[m["order"]] = m
            elif m["type"] == "result" and m["unit"] is not None:  # its own shot
                ends[m["order"]] = m["result"]
    return orders, ends


def test_a_session_that_ends_writes_its_after_action(server_factory: Any, keys: Path,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "night"
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2", "--out", str(out),
                       scenario=cut(tmp_path, 100))
    dumps = {m: tmp_path / f"{m}.jsonl" for m in ("HOST", "ANON")}
    for p in [_node(m, keys, s.url, d) for m, d in dumps.items()]:
        _finish(p)
    assert s.wait(120) == 0, s.log.read_text()
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    res = read_findings(out / "results.json")  # the results model validates it
    orders, ends = _told(dumps)
    assert orders, "a session with engagements"
    assert res.settings.picture == "tracked" and res.duration_s == 100
    # every order went out WILCO: each is one interceptor fired, by the unit it named
    assert res.interceptors.fired == len(orders)
    assert sorted((e.unit_id, e.fire_time_s) for e in res.engagements) == sorted(
        (o["unit"], o["t"]) for o in orders.values())
    # each shot's end as its member heard it: the same kills, misses and losses
    settled = {(e.unit_id, e.fire_time_s): e.result for e in res.engagements
               if e.result != "pending"}
    heard = {(orders[o]["unit"], orders[o]["t"]): r for o, r in ends.items()}
    assert heard == {k: v for k, v in settled.items() if k in heard} and "kill" in heard.values()
    late = {e.intercept_time_s for e in res.engagements if (e.unit_id, e.fire_time_s)
            not in heard}  # still in the air at the end: settled by their draws, unheard
    assert all(t > res.duration_s - 5 for t in late)
    assert res.threats.intercepted == sum(e.result == "kill" for e in res.engagements)
    events = (out / "events.csv").read_text().splitlines()
    assert sum(",fire," in line for line in events) == len(orders)


def test_a_service_stopped_mid_session_writes_what_it_saw(server_factory: Any, keys: Path,
                                                         tmp_path: Path) -> None:
    """SIGTERM while the raid is on: the files hold the session up to the last cycle."""
    out = tmp_path / "cut-short"
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2", "--out", str(out),
                       scenario=cut(tmp_path, 240))
    dumps = {m: tmp_path / f"{m}.jsonl" for m in ("HOST", "ANON")}
    nodes = [_node(m, keys, s.url, d) for m, d in dumps.items()]
    wait_for(lambda: dumps["ANON"].exists() and '"type":"result"' in dumps["ANON"].read_text(),
             120)
    os.kill(s.proc.pid, signal.SIGTERM)
    s.wait(60)
    for p in nodes:
        p.communicate(timeout=60)
    res = read_findings(out / "results.json")
    last = max(m["t"] for m in read_dump(dumps["HOST"]) if m["type"] == "picture")
    assert last <= res.duration_s < 240
    orders, _ = _told(dumps)
    assert res.interceptors.fired == len(orders) > 0


def test_an_out_that_cannot_be_a_directory(keys: Path, tmp_path: Path) -> None:
    """``--out`` on a file: one line, exit 2, before anything is served."""
    taken = tmp_path / "file"
    taken.write_text("x")
    r = inkless("serve", SCENARIO, "--keys", keys, "--port", "0", "--out", taken / "night")
    assert r.returncode == 2 and r.stdout == "", r
    assert r.stderr.count("\n") == 1 and f"--out {taken / 'night'}: cannot make it" in r.stderr
