"""The live web map at ``/`` (issue 11): a member signs in with the map token its node printed
and sees its picture drawn live; a token gives exactly its member's stream, no more.

The real ``inkless serve --simulate`` on a free loopback port, real ``inkless node`` processes
(each prints ``map: http://HOST:PORT/#token=T`` when admitted), Debian's chromium driven by
playwright (the ``browsed`` fixture of ``tests/conftest.py``), and a raw WebSocket client on
``/view`` with the partner's token whose every numbered message is compared with the partner
node's dump. A screenshot of the host's map is saved to ``out/test-artifacts/live-map.png``
(looked at by hand).
"""

from __future__ import annotations

import asyncio
import json
import math
import queue
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymap3d
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page
from websockets.sync.client import connect

from inkless.coalition import KeyStore
from inkless.engine.record import LANDED
from inkless.scenario import load_scenario
from inkless.service.live import Session
from inkless.service.node import map_url
from inkless.service.streams import Stream
from inkless.service.webmap import Tokens, WebMap
from inkless.wargame import legal_record

from ..conftest import ARTIFACTS, Browsed
from .conftest import _finish, _node, cut, read_dump, wait_for
from .test_airspace import GRANT_UNTIL_S, NOTAM_FROM_S, NOTAM_UNTIL_S, _airspace_scenario

IDENTITIES = ("pending", "unknown", "assumed_friend", "friend", "neutral", "suspect", "hostile")


def _map_line(p: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The address the node printed (``map: URL``), its first line on stdout."""
    got: queue.Queue[str] = queue.Queue()
    assert p.stdout is not None
    out = p.stdout
    threading.Thread(target=lambda: got.put(out.readline()), daemon=True).start()
    line = got.get(timeout=timeout)
    assert line.startswith("map: http://127.0.0.1:"), (line, p.poll())
    return line.split()[1]


def _until(page: Page, cond: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Poll ``cond()`` on the page until true (a bound on a failure, not a measured time;
    the page's CSP forbids the string evaluation that ``wait_for_function`` uses)."""
    for _ in range(int(timeout_s * 10)):
        if cond():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def _move(page: Page, t: float) -> None:
    """Move the time control to t as a user's drag does (value set, then the input event)."""
    page.locator("#live-time").evaluate(
        "(s, t) => { s.value = String(t); s.dispatchEvent(new Event('input')); }", t)
    assert float(page.get_attribute("#live", "data-time") or "nan") == t


def _view(base: str, token: str, into: list[dict[str, Any]]) -> None:
    """A raw page: sign in on /view with ``token``, keep every message until the end."""
    with connect(base.replace("http://", "ws://") + "view", max_size=None) as ws:
        ws.send(json.dumps({"type": "token", "token": token}))
        for text in ws:
            into.append(json.loads(text))
            if into[-1]["type"] in ("end", "refused"):
                return


def test_tokens_are_bound_to_a_member_and_expire() -> None:
    now = [0.0]
    tokens = Tokens(ttl_s=10.0, clock=lambda: now[0])
    a, b = tokens.issue("HOST"), tokens.issue("ANON")
    assert a != b and len(a) >= 32
    assert (tokens.member(a), tokens.member(b)) == ("HOST", "ANON")
    for bad in ("nonsense", None, 7, a + "x"):
        with pytest.raises(ValueError, match=r"^unknown token"):
            tokens.member(bad)
    now[0] = 9.99
    assert tokens.member(a) == "HOST"
    now[0] = 10.0
    with pytest.raises(ValueError, match=r"^expired token"):
        tokens.member(a)
    with pytest.raises(ValueError, match=r"^unknown token"):  # forgotten once expired
        tokens.member(a)


def test_the_map_address_is_the_services_own() -> None:
    token = "a-b_c"
    assert map_url("ws://127.0.0.1:8700/node", token) == "http://127.0.0.1:8700/#token=a-b_c"
    assert map_url("wss://[::1]:9/node", token) == "https://[::1]:9/#token=a-b_c"


def test_a_page_that_falls_behind_is_dropped_not_waited_for() -> None:
    stream = Stream("HOST", window_s=60.0)
    slow: asyncio.Queue[str | None] = asyncio.Queue(2)
    fast: asyncio.Queue[str | None] = asyncio.Queue(10)
    stream.watchers += [slow, fast]
    for k in range(3):
        stream.publish({"type": "picture", "t": float(k), "tracks": []})
    assert stream.watchers == [fast] and fast.qsize() == 3
    assert slow.qsize() == 1 and slow.get_nowait() is None  # its page is closed
    assert [json.loads(t)["seq"] for t in [fast.get_nowait() for _ in range(3)]
            if t is not None] == [1, 2, 3]


def test_each_impact_is_sent_once_and_a_late_map_gets_them_all(keys: Path,
                                                                tmp_path: Path) -> None:
    """A page watching from the start gets each impact in one ``units`` message only (before,
    every cycle's message repeated every impact so far), at the threat's impact point (its
    ECEF point in WGS84 degrees by pymap3d, not the engine's radians: failed before with 0.56
    for 32 degrees); a page opened at the end gets them all in what it is sent first
    (:meth:`WebMap.opening`), each once."""
    sc = load_scenario(cut(tmp_path, 900))  # the first wave comes down from 797 s
    s = Session(sc, legal_record(sc).letters, KeyStore(keys).secret(create=False))
    streams = {m: Stream(m, window_s=0.0) for m in s.members}
    web = WebMap(FastAPI(), s, streams, 1.0)
    watching: asyncio.Queue[str | None] = asyncio.Queue()
    streams["ANON"].watchers.append(watching)
    tick: int | None = 0
    while tick is not None:  # no node: nothing engaged
        step = tick
        tick = s.step(step, {}, set()).next_tick
        web.cycle(step, {})
    units = [json.loads(t) for t in [watching.get_nowait() for _ in range(watching.qsize())]
             if t is not None]
    sent = [im["id"] for u in units for im in u["impacts"]]
    landed = {s.engine.raid.id[j] for j in (s.engine.threats.fate == LANDED).nonzero()[0]}
    assert len({u["t"] for u in units if u["impacts"]}) > 1  # they came down over cycles
    assert sorted(sent) == sorted(landed)
    raid = s.engine.raid
    for im in (im for u in units for im in u["impacts"]):
        lat, lon, _ = pymap3d.ecef2geodetic(*raid.impact_ecef[raid.id.index(im["id"])])
        assert (im["lat"], im["lon"]) == pytest.approx((lat, lon), abs=1e-6)
    late = [json.loads(t) for t in web.opening("ANON")]
    assert sorted(im["id"] for m in late if m["type"] == "units"
                  for im in m["impacts"]) == sorted(landed)


def test_a_map_opened_beyond_the_window_gets_the_airspace_sent_before(
        server_factory: Any, keys: Path, tmp_path: Path) -> None:
    """A page opened after the grant, its end and the NOTAM left the replay window (none kept
    here) still gets them, as the member's node got them (before, it got none: the page said
    no grant was ever in force)."""
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "1", "--replay-window",
                       "0", scenario=_airspace_scenario(tmp_path, 200))
    dump = tmp_path / "anon.jsonl"
    node = _node("ANON", keys, s.url, dump)
    token = _map_line(node).split("#token=")[1]
    wait_for(lambda: dump.exists() and any(
        m["type"] == "picture" and m["t"] >= 40 for m in read_dump(dump)), 60)
    page: list[dict[str, Any]] = []
    _view(s.url.replace("ws://", "http://").removesuffix("node"), token, page)
    _finish(node)
    sent = [m for m in read_dump(dump) if m["type"] in ("grant", "closure")]
    assert sorted((m["type"], m["t"]) for m in sent) == [
        ("closure", NOTAM_FROM_S), ("closure", GRANT_UNTIL_S), ("grant", 0.0)]
    assert [m for m in page if m["type"] in ("grant", "closure")] == sent


def test_a_member_signs_in_and_sees_its_picture_live(server_factory: Any, keys: Path,
                                                     tmp_path: Path, browsed: Browsed) -> None:
    # the clock starts when both nodes have joined: the partner's joins once the host's map
    # is signed in (30 s of wall clock from then on)
    s = server_factory("--simulate", "--speed", "8", "--wait-nodes", "2",
                       scenario=_airspace_scenario(tmp_path, 240))
    dumps = {m: tmp_path / f"{m}.jsonl" for m in ("HOST", "ANON")}
    nodes = {"HOST": _node("HOST", keys, s.url, dumps["HOST"])}
    urls = {"HOST": _map_line(nodes["HOST"])}
    base = urls["HOST"].split("#")[0]
    assert base == s.url.replace("ws://", "http://").removesuffix("node")
    with connect(base.replace("http://", "ws://") + "view") as ws:  # not a sign-in
        ws.send("hello")
        refused = json.loads(ws.recv())
    assert refused == {"type": "refused", "reason": 'not a sign-in: send {"type": "token", '
                       '"token": TOKEN} first'}
    anon_view: list[dict[str, Any]] = []

    page = browsed.page

    # a wrong token: refused, with its one-line reason on the page
    page.goto(base + "#token=not-a-token")
    page.wait_for_selector("body[data-state=refused]")
    assert page.locator("#live-status").inner_text().startswith("refused: unknown token")
    assert page.locator("#live-signin").is_visible()

    # the host's token typed into the form: tracks appear with their symbols
    page.fill("#live-token", urls["HOST"])
    page.click("#live-signin button")
    page.wait_for_selector("body[data-state=signed-in]")
    assert page.locator("#live-member").inner_text() == "HOST"
    nodes["ANON"] = _node("ANON", keys, s.url, dumps["ANON"])  # the clock starts
    urls["ANON"] = _map_line(nodes["ANON"])
    raw = threading.Thread(target=_view, args=(base, urls["ANON"].split("#token=")[1],
                                               anon_view), daemon=True)
    raw.start()
    page.locator(".ink-track").first.wait_for()
    assert page.locator(".ink-track svg").count() == page.locator(".ink-track").count()
    assert page.locator("path.ink-asset").count() == 1  # the port
    assert page.locator("path.ink-unit").count() == 1  # its own unit only
    assert page.locator(".ink-rounds").count() == 1
    assert "rounds left: host-sam " in page.locator("#live-units").inner_text()

    # the address shows no token; a reload of the tab signs in again (the tab keeps it)
    assert "token" not in page.url
    page.reload()
    page.wait_for_selector("body[data-state=signed-in]")
    page.locator(".ink-track").first.wait_for()

    # pause: the map stays at its time while pictures keep coming, then goes live again
    page.click("#live-pause")
    held = str(page.get_attribute("#live", "data-time"))
    _until(page, lambda: float(page.get_attribute("#live-time", "max") or 0) > float(held))
    assert page.get_attribute("#live", "data-time") == held
    page.click("#live-pause")
    assert page.get_attribute("#live", "data-time") == page.get_attribute("#live-time",
                                                                           "max")

    # until the first interceptors are in the air or come down, then the picture
    page.locator(".ink-intercept, .ink-miss, path.ink-interceptor, "
                 "body[data-state=ended]").first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.click("#live-pause")  # held still while the symbols are counted
    shown_t = float(page.get_attribute("#live", "data-time") or "nan")
    shown = {i: page.locator(f".ink-track-{i}").count() for i in IDENTITIES}
    page.screenshot(path=str(ARTIFACTS / "live-map.png"))

    # the airspace of a time picked on the slider: region east closed from 20 s to 45 s
    # (a NOTAM), HOST's grant of `engage` there to the partner (its pseudonym) until 30 s
    assert page.locator("path.ink-region").count() == 1
    for t, closed, granted in ((NOTAM_FROM_S - 5, False, True),
                               (NOTAM_FROM_S, True, True), (GRANT_UNTIL_S, True, False),
                               (NOTAM_UNTIL_S, False, False)):
        _move(page, t)
        text = page.locator("#live-airspace").inner_text()
        assert ("closed: east" in text) == closed, (t, text)
        assert ("HOST→anon-" in text and " engage (east)" in text) == granted, (t, text)
        assert (page.locator("path.ink-region.ink-closed").count() == 1) == closed

    # replay the last minutes: back in time, then live again at the newest picture
    page.click("#live-last")
    assert float(page.get_attribute("#live", "data-time") or "nan") < shown_t
    assert "paused" in page.locator("#live-clock").inner_text()
    _until(page, lambda: page.locator("#live-clock").inner_text().endswith("live"))

    for m in nodes.values():
        _finish(m)
    raw.join(30)
    assert not browsed.problems, browsed.problems
    assert all(u.startswith(base) for u in browsed.fetched), browsed.fetched  # nothing else

    # the host's map showed its node's picture of that time, symbol for symbol
    pictures = {m["t"]: m for m in read_dump(dumps["HOST"]) if m["type"] == "picture"}
    want = Counter(t["identity"] or "unknown" for t in pictures[shown_t]["tracks"])
    assert sum(want.values()) > 0 and shown == {i: want.get(i, 0) for i in IDENTITIES}

    # the partner's page got its node's stream, message for message, and nothing else of it
    first = anon_view[0]
    assert first["type"] == "map" and first["member"] == "ANON"
    assert [u["id"] for u in first["units"]] == ["anon-sam"]  # the host's site is not its
    node = {m["seq"]: m for m in read_dump(dumps["ANON"]) if m["type"] != "welcome"}
    numbered = [m for m in anon_view if "seq" in m]
    assert numbered and numbered[-1]["type"] == "end"
    assert [m["seq"] for m in numbered] == sorted(node)[-len(numbered):]
    assert all(node[m["seq"]] == m for m in numbered)
    tracks = [t for m in numbered if m["type"] == "picture" for t in m["tracks"]]
    assert tracks and all(t["sources"] == ["ANON"] for t in tracks)  # HOST releases none
    # a shot's end is drawn where it ended: the intercept point, re-aimed in flight by
    # guidance, so near (not at) where its order aimed: drones at 60 m/s, flights of seconds
    aims = {m["order"]: (m["aim_lat_deg"], m["aim_lon_deg"]) for m in numbered
            if m["type"] == "order"}
    ends = [m for m in numbered if m["type"] == "result"]
    assert ends
    for m in ends:
        lat, lon = aims[m["order"]]
        north = (m["lat_deg"] - lat) * 111_195.0
        east = (m["lon_deg"] - lon) * 111_195.0 * math.cos(math.radians(lat))
        assert math.hypot(north, east) < 3000.0, (m, lat, lon)
    rest = [m for m in anon_view[1:] if "seq" not in m]
    assert rest and {m["type"] for m in rest} == {"units"}
    assert all(set(m["rounds"]) == {"anon-sam"} for m in rest)
