"""Plots from a real sensor's node (issue 11, item 3), without ``--simulate``: the node sends
``report`` messages whose plots name one of its member's sensors (its position from the
scenario's sensor table), with range, azimuth, elevation and their sigmas; the service feeds
them to the same trackers, fusion and identification as the simulated ones, so the member's
picture holds the drone they show. Bad plots get a one-line ``error``; the connection stays.
The plots are computed here from a straight-line truth with pymap3d (an outside authority for
the geodesy), the server is the real ``inkless serve`` on loopback."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pymap3d as pm
import yaml
from websockets.sync.client import connect

from inkless.service import hello_message, load_key

from .conftest import cut, holder

LAT0, LON0, ALT0 = 32.0, 34.7, 1000.0  # the drone at t = 0 s (deg, deg, m)
SPEED = 60.0  # m/s, east: towards the host's port at (32.0 N, 35.0 E)
SIGMA = (30.0, 0.1, 0.1)  # the plots' noise: range m, azimuth deg, elevation deg


def _truth(t: float) -> np.ndarray:
    """The drone's ECEF position (m) at ``t`` (s): a straight line at ``SPEED`` along the local
    east of its start."""
    x0 = np.array(pm.geodetic2ecef(LAT0, LON0, ALT0))
    lon = math.radians(LON0)
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    return x0 + SPEED * t * east


def _plot(sensor: dict[str, Any], t: float, rng: np.random.Generator) -> dict[str, Any]:
    """The plot of ``sensor`` (the scenario's entry) of the drone at ``t``: pymap3d's slant
    range, azimuth and elevation from the sensor's position, with Gaussian noise ``SIGMA``."""
    lat, lon, h = pm.ecef2geodetic(*_truth(t))
    p = sensor["position"]
    az, el, srange = pm.geodetic2aer(lat, lon, h, p["lat_deg"], p["lon_deg"], p["alt_m"])
    noise = rng.standard_normal(3) * np.array(SIGMA)
    return {"sensor": sensor["id"], "t": t, "range_m": float(srange) + noise[0],
            "az_deg": float(az) + noise[1], "el_deg": float(el) + noise[2],
            "sigma": list(SIGMA)}


def _where(track: dict[str, Any]) -> np.ndarray:
    return np.array(pm.geodetic2ecef(track["lat_deg"], track["lon_deg"], track["alt_m"]))


def test_a_real_nodes_plots_feed_its_picture(server_factory: Any, keys: Path,
                                             tmp_path: Path) -> None:
    """HOST's node (a raw client) sends its radar's plots of the drone each cycle: HOST's
    picture holds one track of it, from its own sensors, within 150 m of the truth (three
    times the plots' cross-range sigma at 28 km, ~50 m; the track's own sigma_m 40-75 m,
    measured misses 25-61 m), declared hostile and engaged by HOST's unit. The bad reports
    each get an ``error`` and the good ones after them still count."""
    scenario = cut(tmp_path, 80)
    data = yaml.safe_load(scenario.read_text())
    sensors = {s["id"]: s for s in data["sensors"]}
    mine = sensors["host-radar"]
    s = server_factory("--speed", "8", "--wait-nodes", "1", scenario=scenario)
    rng = np.random.default_rng(5)
    key = load_key(holder(keys, "HOST"))
    errors: list[str] = []
    pictures: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    with connect(s.url) as ws:
        ws.send(json.dumps(hello_message("HOST", key, json.loads(ws.recv(30))["nonce"])))
        dt = json.loads(ws.recv(30))["dt_s"]
        good = _plot(mine, dt, rng)
        bad = [{"t": dt, "plots": [{**good, "sensor": "no-such-radar"}]},
               {"t": dt, "plots": [{**good, "sensor": "anon-radar"}]},  # ANON's
               {"t": dt, "plots": [{**good, "range_m": float("nan")}]},
               {"t": dt, "plots": [{**good, "sigma": [30.0, 0.1]}]},
               {"t": dt, "plots": [{**good, "sigma": [0.0, 0.1, 0.1]}]},
               {"t": dt, "plots": [{**good, "t": dt + 3600.0}]},
               {"t": 1e6, "plots": [good]}]  # far beyond the service's clock
        for b in bad:
            ws.send(json.dumps({"type": "report", **b}))
        ws.send(json.dumps({"type": "report", "t": dt, "plots": [good]}))
        while (msg := json.loads(ws.recv(60)))["type"] != "end":
            if msg["type"] == "error":
                errors.append(msg["reason"])
            elif msg["type"] == "order":
                orders.append(msg)
            elif msg["type"] == "picture":
                pictures.append(msg)
                if msg["t"] == 2 * dt:  # a cycle stepped already
                    ws.send(json.dumps({"type": "report", "t": 0.0, "plots": [good]}))
                t = msg["t"] + dt  # the next cycle's plots
                ws.send(json.dumps({"type": "report", "t": t, "plots": [_plot(mine, t, rng)]}))
    assert len(errors) == len(bad) + 1, errors
    assert all("\n" not in e for e in errors)
    assert "no-such-radar" in errors[0] and "anon-radar" in errors[1]
    assert errors[-1].startswith("late report")
    held = [(m["t"], m["tracks"]) for m in pictures if m["tracks"]]
    assert len(held) >= len(pictures) - 4 > 8  # held from the first few scans on
    for t, tracks in held:
        assert len(tracks) == 1 and tracks[0]["sources"] == ["HOST"]
        miss = float(np.linalg.norm(_where(tracks[0]) - _truth(t)))
        assert miss < 150.0, (t, miss)
    # identified from its kinematics like a simulated drone, and engaged by HOST's unit
    hostile = {tracks[0]["id"] for _, tracks in held if tracks[0]["identity"] == "hostile"}
    assert hostile and orders and {o["target"] for o in orders} <= hostile
    assert {o["unit"] for o in orders} == {"host-sam"}
