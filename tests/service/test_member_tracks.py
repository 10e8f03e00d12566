"""Member tracks with covariance in (issue 11): a member that shares only tracks sends its
tracks (state and covariance, ECEF) instead of plots; the service fuses them into the
coalition picture (track-to-track fusion with the others'), so its threats are in the
pictures of the members it releases to, and are engaged. Real service, real nodes (and a raw
WebSocket client playing a real member's node, without ``--simulate``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from websockets.sync.client import connect

from inkless.coalition import KeyStore, pseudonym
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.service import hello_message, load_key
from inkless.units import rad_from_deg

from .conftest import cut, holder, read_dump
from .test_streams import _finish, _node


def _sharing_tracks(tmp: Path, duration_s: float) -> Path:
    """The two members' session with ANON sharing only tracks and its radar where the host's
    was, the host without one: what the host holds is ANON's tracks only."""
    data = yaml.safe_load(cut(tmp, duration_s).read_text())
    next(m for m in data["members"] if m["id"] == "ANON")["shares"] = "tracks"
    host = next(s for s in data["sensors"] if s["owner"] == "HOST")
    data["sensors"] = [{**s, "position": host["position"]} for s in data["sensors"]
                       if s["owner"] == "ANON"]
    path = tmp / "tracks.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_member_sharing_only_tracks_feeds_the_coalition(server_factory: Any, keys: Path,
                                                          tmp_path: Path) -> None:
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2",
                       scenario=_sharing_tracks(tmp_path, 100))
    dumps = {m: tmp_path / f"{m}.jsonl" for m in ("HOST", "ANON")}
    for p in [_node(m, keys, s.url, d) for m, d in dumps.items()]:
        _finish(p)
    host, anon = read_dump(dumps["HOST"]), read_dump(dumps["ANON"])
    assert not [m for m in host + anon if m["type"] == "error"]
    # ANON's node is given its own tracker's tracks (not plots) and sends them back
    assert not [m for m in anon if m["type"] == "detections"]
    own = [m for m in anon if m["type"] == "own_tracks"]
    assert own and any(m["tracks"] for m in own)
    for m in own:
        for tr in m["tracks"]:
            P = np.array(tr["cov_ecef"])
            assert P.shape == (6, 6) and np.allclose(P, P.T)
            assert np.linalg.eigvalsh(P).min() > 0 and len(tr["state_ecef_m"]) == 6
    # the host holds ANON's tracks (under its pseudonym): the coalition picture has them
    alias = pseudonym("ANON", KeyStore(keys).secret(create=False))
    held = {tr["id"] for m in host if m["type"] == "picture" for tr in m["tracks"]
            if tr["sources"] == [alias]}
    hostile = {tr["id"] for m in host if m["type"] == "picture" for tr in m["tracks"]
               if tr["sources"] == [alias] and tr["identity"] == "hostile"}
    assert held and hostile
    # and they are engaged: orders at them (the host has no radar: no other source)
    orders = [m for m in host + anon if m["type"] == "order"]
    assert orders and {o["target"] for o in orders} <= hostile


def _session(scenario: Path, keys: Path, wire: bool) -> tuple[list[Any], list[Any]]:
    """Every picture message and fire order of a session stepped in this process, each
    node's messages pushed back at once: with ``wire``, ANON's own tracker's tracks
    (``own_tracks``, as the service issues them under ``--simulate``) come back as its
    ``tracks``; without, ANON's plots come back and the fed picture runs ANON's tracker."""
    from inkless.scenario import load_scenario
    from inkless.service.live import Session
    from inkless.wargame import legal_record

    sc = load_scenario(scenario)
    s = Session(sc, legal_record(sc).letters, KeyStore(keys).secret(create=False),
                simulate=wire)
    pictures, orders = [], []
    tick: int | None = 0
    while tick is not None and tick <= s.engine.last_tick:
        pushed: dict[str, Any] = {}
        for m, msg in (s.simulated(tick) if not s.idle(tick) else {}).items():
            msg = json.loads(json.dumps(msg))
            got = (s.tracks(m, msg) if msg["type"] == "own_tracks" else s.plots(m, msg))
            assert not isinstance(got, str), got
            pushed[m] = got[1]
        decided = s.step(tick, pushed, set(s.members))
        pictures.append(s.pictures(tick))
        orders += [(o.unit_id, o.target, o.t) for o in decided.orders]
        tick = decided.next_tick
    return pictures, orders


def test_tracks_over_the_wire_are_the_members_own_tracker(keys: Path, tmp_path: Path) -> None:
    """A member's tracks sent over the wire (ECEF, JSON) and fused are what the fed picture
    makes running that member's own tracker on its plots itself: every member's pictures and
    every fire order the same."""
    scenario = _sharing_tracks(tmp_path, 100)
    (wire, orders), (plots, want) = _session(scenario, keys, True), _session(scenario, keys, False)
    assert orders == want and orders
    assert len(wire) == len(plots) and any(p["HOST"]["tracks"] for p in wire)
    for a, b in zip(wire, plots, strict=True):  # the same up to rounding (ECEF and back)
        for m in a:
            assert [_exact(x) for x in a[m]["tracks"]] == [_exact(x) for x in b[m]["tracks"]]
            for x, y in zip(a[m]["tracks"], b[m]["tracks"], strict=True):
                assert np.allclose([x["lat_deg"], x["lon_deg"]], [y["lat_deg"], y["lon_deg"]],
                                   rtol=0, atol=1e-9)
                assert np.allclose([x["alt_m"], x["sigma_m"], *x["vel_ecef_mps"]],
                                   [y["alt_m"], y["sigma_m"], *y["vel_ecef_mps"]],
                                   rtol=1e-9, atol=1e-6)


def _exact(track: dict[str, Any]) -> tuple[Any, ...]:
    return track["id"], track["identity"], track["sources"]


def _drone(t: float) -> tuple[list[float], list[list[float]]]:
    """A drone at 1,000 m flying west at 60 m/s from (32.0 N, 35.5 E) at t = 0 s: its state
    ``[x, y, z, vx, vy, vz]`` in ECEF (m, m/s) at ``t`` and a covariance (ECEF) of 100 m and
    5 m/s standard deviations, rotated: not diagonal in ECEF."""
    lat, lon = rad_from_deg(32.0), rad_from_deg(35.5)
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    start = np.asarray(ecef_from_geodetic(lat, lon, 1000.0), float).reshape(3)
    vel = -60.0 * east
    pos = start + vel * t
    up = start / np.linalg.norm(start)
    north = np.cross(up, east)
    R = np.column_stack([east, north, up])
    cov = np.zeros((6, 6))
    cov[:3, :3] = R @ np.diag([100.0**2, 150.0**2, 80.0**2]) @ R.T
    cov[3:, 3:] = R @ np.diag([5.0**2, 6.0**2, 2.0**2]) @ R.T
    return [*pos.tolist(), *vel.tolist()], cov.tolist()


def test_a_real_node_sends_its_tracks(server_factory: Any, keys: Path, tmp_path: Path) -> None:
    """No ``--simulate``: ANON's node (a raw client) sends a drone's track each cycle; the
    host's picture holds it under ANON's pseudonym, where the drone is. Bad track messages
    get a one-line error and the connection stays."""
    s = server_factory("--speed", "16", "--wait-nodes", "2",
                       scenario=_sharing_tracks(tmp_path, 60))
    host = tmp_path / "host.jsonl"
    p = _node("HOST", keys, s.url, host)
    key = load_key(holder(keys, "ANON"))
    errors: list[str] = []
    with connect(s.url) as ws:
        ws.send(json.dumps(hello_message("ANON", key, json.loads(ws.recv(30))["nonce"])))
        welcome = json.loads(ws.recv(30))
        dt = welcome["dt_s"]
        state, cov = _drone(0.0)
        bad_cov = np.array(cov)
        bad_cov[0, 0] = -1.0
        for bad in ({"t": dt, "tracks": [{"track": 1, "state_ecef_m": state[:5],
                                          "cov_ecef": cov}]},
                    {"t": dt, "tracks": [{"track": 1, "state_ecef_m": state,
                                          "cov_ecef": bad_cov.tolist()}]},
                    {"t": dt, "tracks": [{"track": -3, "state_ecef_m": state,
                                          "cov_ecef": cov}]}):
            ws.send(json.dumps({"type": "tracks", **bad}))
        while (msg := json.loads(ws.recv(60)))["type"] != "end":
            if msg["type"] == "error":
                errors.append(msg["reason"])
            elif msg["type"] == "picture":  # the next cycle's track
                t = msg["t"] + dt
                state, cov = _drone(t)
                ws.send(json.dumps({"type": "tracks", "t": t, "tracks": [
                    {"track": 7, "state_ecef_m": state, "cov_ecef": cov}]}))
    _finish(p)
    assert len(errors) == 3 and all(e.startswith("tracks:") and "\n" not in e for e in errors)
    alias = pseudonym("ANON", KeyStore(keys).secret(create=False))
    seen = [(m["t"], tr) for m in read_dump(host) if m["type"] == "picture"
            for tr in m["tracks"] if tr["sources"] == [alias]]
    assert len(seen) > 5
    for t, tr in seen:
        want = np.array(_drone(t)[0][:3])
        got = np.asarray(ecef_from_geodetic(rad_from_deg(tr["lat_deg"]),
                                            rad_from_deg(tr["lon_deg"]), tr["alt_m"]),
                         float).reshape(3)
        assert np.linalg.norm(got - want) < 1.0  # as sent, predicted to the cycle's time
        assert np.allclose(tr["vel_ecef_mps"], _drone(t)[0][3:], atol=0.01)


def test_tracks_far_ahead_of_the_clock_are_refused(keys: Path, tmp_path: Path) -> None:
    """A track message dated more than AHEAD_S past the service's clock, or past the
    session's end, is refused with one line, as a real node's plots are: the service would
    otherwise hold it until that cycle (one held message per date a node makes up). One just
    inside the window is taken."""
    from inkless.scenario import load_scenario
    from inkless.service.live import AHEAD_S, Session
    from inkless.wargame import legal_record

    sc = load_scenario(_sharing_tracks(tmp_path, 600))
    s = Session(sc, legal_record(sc).letters, KeyStore(keys).secret(create=False),
                simulate=False)
    s.step(0, {}, set(s.members))

    def sent(t: float) -> Any:
        state, cov = _drone(t)
        return s.tracks("ANON", {"t": t, "tracks": [
            {"track": 7, "state_ecef_m": state, "cov_ecef": cov}]})

    inside = sent(s.dt + AHEAD_S)
    assert not isinstance(inside, str) and inside[0] == round((s.dt + AHEAD_S) / s.dt)
    for t in (2 * s.dt + AHEAD_S, 1e6, s.dt * (s.engine.last_tick + 1)):
        got = sent(t)
        assert isinstance(got, str) and got.startswith("tracks:") and "\n" not in got, (t, got)
    late = sent(0.0)
    assert isinstance(late, str) and "stepped already" in late


@pytest.mark.parametrize("damage", [
    {"track": 10**30},  # past int64
    {"track": float("inf")},  # JSON's Infinity, as Python's json reads it
    {"updated_t": 10**400},  # past float
])
def test_a_track_with_numbers_out_of_range_is_refused(keys: Path, tmp_path: Path,
                                                      damage: dict[str, Any]) -> None:
    """A track whose numbers do not fit (no exception out of the service's handler: the
    node's connection would end with it) gets the one-line ``tracks:`` help."""
    from inkless.scenario import load_scenario
    from inkless.service.live import Session
    from inkless.wargame import legal_record

    sc = load_scenario(_sharing_tracks(tmp_path, 60))
    s = Session(sc, legal_record(sc).letters, KeyStore(keys).secret(create=False),
                simulate=False)
    state, cov = _drone(s.dt)
    got = s.tracks("ANON", json.loads(json.dumps({"t": s.dt, "tracks": [
        {"track": 7, "state_ecef_m": state, "cov_ecef": cov, **damage}]})))
    assert isinstance(got, str) and got.startswith("tracks:") and "\n" not in got, got
