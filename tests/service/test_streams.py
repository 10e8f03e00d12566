"""What each node receives on its own stream (issue 11), against the real service and real
node processes: the picture releasable to its member (an anonymous member only under its
pseudonym, no track built from a member that does not release its tracks to the receiver),
numbered without loss or duplicate; a node restarted within the replay window resumes from its
last number, beyond it gets an explicit gap and a snapshot."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from inkless.coalition import KeyStore, pseudonym
from inkless.identification import CATEGORY_NAMES

from .conftest import Plain, Server, _finish, _node, cut, read_dump, wait_for


def _numbers(msgs: list[dict[str, Any]]) -> list[int]:
    """The sequence numbers of the stream messages (not welcome, gap or snapshot)."""
    return [m["seq"] for m in msgs if m["type"] not in ("welcome", "gap", "snapshot", "error")]


def test_each_member_receives_what_it_may_see(plain: Plain, keys: Path) -> None:
    host, anon = plain.dumps["HOST"], plain.dumps["ANON"]
    assert all("session ended" in out for out in plain.said)
    alias = pseudonym("ANON", KeyStore(keys).secret(create=False))
    for dump in (host, anon):
        msgs = read_dump(dump)
        seqs = _numbers(msgs)
        assert seqs == list(range(1, len(seqs) + 1)) and msgs[-1]["type"] == "end"
    h, a = read_dump(host), read_dump(anon)
    # the host: the partner's contribution under its pseudonym only, never its id or name
    text = host.read_text()
    assert "ANON" not in text and "Quiet Partner" not in text and "anon-radar" not in text
    host_sources = {x for m in h if m["type"] == "picture" for t in m["tracks"]
                    for x in t["sources"]}
    assert host_sources == {"HOST", alias}
    identities = {t["identity"] for m in h if m["type"] == "picture" for t in m["tracks"]}
    assert "hostile" in identities and identities <= {*CATEGORY_NAMES, None}
    # the partner: the host releases its tracks to no one, so every track it holds is its own
    anon_tracks = [t for m in a if m["type"] == "picture" for t in m["tracks"]]
    assert anon_tracks and all(t["sources"] == ["ANON"] for t in anon_tracks)
    # each node received its own sensors' plots only
    for msgs, sensor in ((h, "host-radar"), (a, "anon-radar")):
        plots = [p for m in msgs if m["type"] == "detections" for p in m["plots"]]
        assert plots and {p["sensor"] for p in plots} == {sensor}


@dataclass(frozen=True)
class Restarts:
    """One session of both nodes in which each leaves and comes back within the replay window:
    ANON's dump (its first run left after 3 s, holding up to ``anon_first``), HOST's dump (its
    first run killed with SIGKILL, the dump then cut in the middle of a line)."""

    anon: Path
    anon_first: int
    host: Path


@pytest.fixture(scope="module")
def restarts(tmp_path_factory: pytest.TempPathFactory, keys: Path) -> Iterator[Restarts]:
    """The restarts of :class:`Restarts` in one session (160 s at speed 4: 40 s, room for the
    restarts on a loaded machine) instead of one session each."""
    tmp = tmp_path_factory.mktemp("restarts")
    s = Server(tmp, keys, "--simulate", "--speed", "4", "--wait-nodes", "2",
               scenario=cut(tmp, 160))
    try:
        anon, host = tmp / "anon.jsonl", tmp / "host.jsonl"
        a = _node("ANON", keys, s.url, anon, "--duration", "3")
        h = _node("HOST", keys, s.url, host)
        wait_for(lambda: host.exists() and host.read_text().count("\n") > 20)
        os.kill(h.pid, signal.SIGKILL)
        h.communicate(timeout=30)
        with host.open("a") as f:
            f.write('{"type":"picture","t":1')  # as if killed in the middle of a line
        h = _node("HOST", keys, s.url, host)
        assert "duration reached" in _finish(a)
        first = _numbers(read_dump(anon))[-1]
        time.sleep(1.0)  # the stream goes on meanwhile
        _finish(_node("ANON", keys, s.url, anon))
        _finish(h)
    finally:
        s.stop()
    yield Restarts(anon, first, host)


def test_a_node_restarted_within_the_window_resumes(restarts: Restarts) -> None:
    msgs = read_dump(restarts.anon)
    seqs = _numbers(msgs)
    assert seqs == list(range(1, len(seqs) + 1)), "a message lost or received twice"
    assert len(seqs) > restarts.anon_first + 1 and msgs[-1]["type"] == "end"
    assert not [m for m in msgs if m["type"] in ("gap", "snapshot")]


def test_a_node_restarted_beyond_the_window_gets_a_gap(server_factory: Any, keys: Path,
                                                      tmp_path: Path) -> None:
    s = server_factory("--simulate", "--speed", "4", "--wait-nodes", "1", "--replay-window", "0",
                       scenario=cut(tmp_path, 160))
    dump = tmp_path / "host.jsonl"
    _finish(_node("HOST", keys, s.url, dump, "--duration", "3"))
    held = _numbers(read_dump(dump))[-1]
    time.sleep(1.0)
    _finish(_node("HOST", keys, s.url, dump))
    msgs = read_dump(dump)
    at = next(i for i, m in enumerate(msgs) if m["type"] == "gap")
    gap, snap = msgs[at], msgs[at + 1]
    assert gap["from"] == held + 1 and gap["to"] >= gap["from"]
    assert snap["type"] == "snapshot" and snap["seq"] == gap["to"] and "picture" in snap
    after = _numbers(msgs[at + 2:])
    assert after == list(range(gap["to"] + 1, gap["to"] + 1 + len(after)))
    assert _numbers(msgs[:at]) == list(range(1, held + 1))  # it joined before the clock


def _in_process(keys: Path, scenario: Path) -> dict[str, list[dict[str, Any]]]:
    """Each member's picture messages of the same session run in this process, every plot
    pushed back at once by both members: what the live service should send."""
    from inkless.scenario import load_scenario
    from inkless.service.live import Session
    from inkless.wargame import legal_record

    sc = load_scenario(scenario)
    s = Session(sc, legal_record(sc).letters, KeyStore(keys).secret(create=False))
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in s.members}
    tick: int | None = 0
    while tick is not None and tick <= s.engine.last_tick:
        pushed = {}
        if not s.idle(tick):
            for m, msg in s.simulated(tick).items():
                got = s.plots(m, json.loads(json.dumps(msg)))
                assert not isinstance(got, str)
                pushed[m] = got[1]
        decided = s.step(tick, pushed, set(s.members))
        for m, msg in s.pictures(tick).items():
            out[m].append(msg)
        tick = decided.next_tick
    return out


def test_the_live_pictures_are_the_engines_fed_in_process(plain: Plain, keys: Path) -> None:
    """Both nodes push every plot back in time (a slow clock): each member receives exactly
    the pictures of the same session stepped in this process (same seed, same plots)."""
    want = _in_process(keys, plain.scenario)
    dumps = plain.dumps
    for m, d in dumps.items():
        assert not [x for x in read_dump(d) if x["type"] == "error"], "a report came late"
        got = [{k: v for k, v in x.items() if k != "seq"} for x in read_dump(d)
               if x["type"] == "picture"]
        assert len(got) == len(want[m])
        assert got == json.loads(json.dumps(want[m]))


def test_a_node_killed_and_restarted_resumes(restarts: Restarts) -> None:
    """SIGKILL of a node (its dump may end in a cut line), then the same node again on the
    same dump: every message once, in order, none lost."""
    msgs = []
    for line in restarts.host.read_text().splitlines():
        try:
            msgs.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    seqs = _numbers(msgs)
    assert seqs == list(range(1, len(seqs) + 1)) and msgs[-1]["type"] == "end"
    assert [m["type"] for m in msgs].count("welcome") == 2  # each run's first line is whole
