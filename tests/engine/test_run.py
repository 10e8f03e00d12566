"""One run of the defence, end to end on the perfect picture: invariants and determinism.

Geometry is checked with pymap3d directly (an outside implementation of WGS-84), not with the
engine's own geodesy.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pymap3d
import pytest

from inkless.afteraction.results import results
from inkless.engine import run
from inkless.scenario import Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def basics() -> Scenario:
    return load_scenario(EXAMPLES / "basics.yaml")


@cache
def basics_results(replication: int = 0) -> dict[str, Any]:
    return results(run(basics(), 7, replication)).model_dump(mode="json")


def test_same_seed_same_results() -> None:
    a = json.dumps(results(run(basics(), 7)).model_dump(mode="json"), sort_keys=True)
    b = json.dumps(basics_results(), sort_keys=True)
    assert a == b


def test_replications_differ() -> None:
    a, b = basics_results(0), basics_results(1)
    assert a["engagements"] != b["engagements"] or a["impacts"] != b["impacts"]


def test_every_threat_accounted_for() -> None:
    r = basics_results()
    th = r["threats"]
    assert th["launched"] == sum(w.count for w in basics().raid.waves)
    assert th["launched"] == th["intercepted"] + th["leaked"] + th["in_flight_at_end"]
    for c in th["by_class"].values():
        assert c["launched"] >= c["intercepted"] + c["leaked"]
    assert th["intercepted"] == sum(e["result"] == "kill" for e in r["engagements"])
    assert th["leaked"] == len(r["impacts"])
    assert r["civil_engagements"] == 0


def test_rounds_and_channels_never_exceeded() -> None:
    r = basics_results()
    for unit in basics().fire_units:
        mine = [e for e in r["engagements"] if e["unit_id"] == unit.id]
        assert len(mine) <= unit.rounds
        events = sorted([(e["fire_time_s"], 1) for e in mine]
                        + [(e["intercept_time_s"], -1) for e in mine], key=lambda x: (x[0], x[1]))
        in_air = np.cumsum([d for _, d in events]) if events else np.zeros(1)
        assert in_air.max() <= unit.channels


def test_engagement_geometry_inside_envelope() -> None:
    sc, r = basics(), basics_results()
    units = {u.id: u for u in sc.fire_units}
    kinds = {k.id: k for k in sc.interceptors}
    assert r["engagements"], "the example must engage something"
    for e in r["engagements"]:
        u = units[e["unit_id"]]
        k = kinds[u.interceptor]
        p = u.position
        a = np.array(pymap3d.geodetic2ecef(p.lat_deg, p.lon_deg, p.alt_m))
        b = np.array(pymap3d.geodetic2ecef(e["intercept_lat"], e["intercept_lon"],
                                           e["intercept_alt_m"]))
        dist = float(np.linalg.norm(b - a))
        flight = e["intercept_time_s"] - e["fire_time_s"]
        assert flight > 0
        assert dist <= k.speed_mps * flight + 50.0  # rounding of the reported point
        assert k.min_range_km * 1000 - 50 <= dist <= k.max_range_km * 1000 + 50
        assert k.min_altitude_km * 1000 - 5 <= e["intercept_alt_m"] <= k.max_altitude_km * 1000 + 5
        assert k.pk.get(e["threat_class"], 0.0) > 0


def test_fire_only_after_detection_and_before_impact(tmp_path: Path) -> None:
    rec = run(basics(), 7)
    fl = rec.flight
    for k in range(fl.n):
        j = fl.threat[k]
        assert rec.detect_time[j] <= fl.fire_time[k]
        assert fl.intercept_time[k] < rec.raid.impact_time[j]


def test_kill_rate_matches_kill_probability() -> None:
    """Over many replications the share of kills among settled shots approaches the mean pk
    of the pairs fired (a binomial check, 4 sigma)."""
    sc = basics()
    shots, kills, pk_sum = 0, 0, 0.0
    for rep in range(12):
        rec = run(sc, 11, rep)
        fl = rec.flight
        settled = fl.result[: fl.n] != 3  # interceptors that found their target alive
        shots += int(settled.sum())
        kills += int((fl.result[: fl.n] == 1).sum())
        pk_sum += float(fl.pk[: fl.n][settled].sum())
    mean = pk_sum / shots
    sigma = np.sqrt(shots * mean * (1 - mean))
    assert abs(kills - pk_sum) <= 4 * sigma + 1


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_runs(path: Path) -> None:
    r = results(run(load_scenario(path), 1)).model_dump(mode="json")
    assert r["threats"]["launched"] > 0
    assert r["civil_engagements"] == 0
