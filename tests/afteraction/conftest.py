"""A synthetic run over the Eastern Mediterranean and Middle East for the after-action tests.

Counts in the results dict are computed here from the synthetic engagements and impacts (so
tables can be checked against them), independently of the code under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from inkless.afteraction import (
    Asset,
    CivilPath,
    FireUnit,
    Impact,
    InterceptorPath,
    MapData,
    Point,
    Sensor,
    ThreatPath,
)

LAUNCH_SITES = {  # (lat, lon) degrees
    "ballistic": [(34.3, 47.1), (33.5, 48.3), (35.6, 46.0)],
    "cruise": [(32.5, 47.8), (33.0, 45.9)],
    "drone": [(32.9, 48.5), (31.3, 48.7), (15.4, 44.2)],
}
SPEED_MPS = {"ballistic": 2000.0, "cruise": 250.0, "drone": 50.0}
ASSETS = [
    Asset("Nevatim AB", 31.208, 35.012, 3000.0, 100.0),
    Asset("Ramon AB", 30.776, 34.667, 3000.0, 80.0),
    Asset("Tel Aviv", 32.085, 34.781, 8000.0, 60.0),
    Asset("Haifa port", 32.82, 35.0, 4000.0, 40.0),
    Asset("Dimona", 31.0, 35.14, 2500.0, 90.0),
]
MEMBERS = [
    {"id": "ISR", "name": "Israel", "role": "host", "anonymous": False},
    {"id": "USA", "name": "United States", "role": "partner", "anonymous": False},
    {"id": "GBR", "name": "United Kingdom", "role": "partner", "anonymous": False},
    {"id": "JOR", "name": "Jordan", "role": "partner", "anonymous": False},
]
WHY = {"value_at_risk": 10.0, "value_saved": 8.5, "cost": 1.2, "alternatives": 0,
       "best_alternative_unit": None, "best_alternative_value_saved": None,
       "latest_launch_s": None, "shots_fit": 1}


def minimal_results(scenario: str = "<empty>") -> dict[str, Any]:
    """The smallest results.json the model accepts: nothing launched, nothing fired."""
    return {
        "results_version": 1, "scenario": scenario, "seed": 0, "replication": 0,
        "replications": 1, "cost_unit": "MUSD", "epoch": "2024-01-01T00:00:00Z",
        "duration_s": 0.0, "settings": {"picture": "perfect", "assignment": "fast"},
        "members": [],
        "threats": {"launched": 0, "intercepted": 0, "leaked": 0, "in_flight_at_end": 0,
                    "by_class": {}},
        "interceptors": {"fired": 0, "cost": 0.0, "by_member": {}, "by_type": {}},
        "value_damaged": 0.0, "value_defended": 0.0, "civil_engagements": 0,
        "friendly_engagements": 0, "civil_engaged": [], "friendly_engaged": [],
        "closures": [], "engagements": [], "impacts": [],
        "coalition": {"legal_basis": [], "rules": [], "blocked": [], "blocked_by_rule": {}},
    }
FIRE_UNITS = [
    FireUnit("arrow-1", "ISR", 31.6, 34.9, 1_500_000.0),
    FireUnit("sling-1", "ISR", 32.3, 35.0, 300_000.0),
    FireUnit("dome-1", "ISR", 31.25, 34.8, 70_000.0),
    FireUnit("ddg-1", "USA", 33.2, 33.0, 700_000.0),
    FireUnit("typhoon-1", "GBR", 32.4, 38.5, 150_000.0),
    FireUnit("f16-1", "JOR", 31.9, 36.6, 120_000.0),
]
UNIT_TYPE = {"arrow-1": "Arrow 3", "sling-1": "Stunner", "dome-1": "Tamir", "ddg-1": "SM-3",
             "typhoon-1": "ASRAAM", "f16-1": "AIM-9X"}
TYPE_COST = {"Arrow 3": 3_500_000, "Stunner": 1_000_000, "Tamir": 50_000, "SM-3": 12_000_000,
             "ASRAAM": 250_000, "AIM-9X": 470_000}
SENSORS = [
    Sensor("green-pine", "ISR", 31.7, 34.75, 800_000.0),
    Sensor("spy-1", "USA", 33.2, 33.0, 400_000.0),
    Sensor("tpy-2", "USA", 30.2, 34.8, 1_000_000.0),
]


def _gc_path(a: tuple[float, float], b: tuple[float, float], k: int) -> tuple[Any, Any]:
    """Great-circle points from a to b (degrees), slerp on the unit sphere."""
    la1, lo1, la2, lo2 = np.radians([a[0], a[1], b[0], b[1]])
    p = np.array([np.cos(la1) * np.cos(lo1), np.cos(la1) * np.sin(lo1), np.sin(la1)])
    q = np.array([np.cos(la2) * np.cos(lo2), np.cos(la2) * np.sin(lo2), np.sin(la2)])
    om = np.arccos(np.clip(p @ q, -1.0, 1.0))
    t = np.linspace(0.0, 1.0, k)[:, None]
    v = (np.sin((1 - t) * om) * p + np.sin(t * om) * q) / np.sin(om)
    return np.degrees(np.arcsin(v[:, 2])), np.degrees(np.arctan2(v[:, 1], v[:, 0]))


def _dist_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = np.radians([a[0], a[1], b[0], b[1]])
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return float(2 * 6_371_000.0 * np.arcsin(np.sqrt(h)))


def synthetic_run(seed: int = 7, n: dict[str, int] | None = None) -> tuple[dict[str, Any], MapData]:
    """A results dict and its MapData for one synthetic raid; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    n = n or {"ballistic": 12, "cruise": 8, "drone": 30}
    threat_paths, intercepts, impacts_geo, inter_paths = [], [], [], []
    engagements: list[dict[str, Any]] = []
    impacts: list[dict[str, Any]] = []
    flights: list[tuple[str, float, float]] = []
    launch_base = {"drone": 0.0, "cruise": 3.0 * 3600, "ballistic": 4.6 * 3600}
    counter = 0
    for cls in ("drone", "cruise", "ballistic"):
        for _ in range(n[cls]):
            counter += 1
            tid = f"T{counter:03d}"
            sites = LAUNCH_SITES[cls]
            src = sites[int(rng.integers(len(sites)))]
            asset = ASSETS[int(rng.integers(len(ASSETS)))]
            aim = (asset.lat + rng.normal(0, 0.03), asset.lon + rng.normal(0, 0.03))
            lat, lon = _gc_path(src, aim, 40)
            t_launch = launch_base[cls] + float(rng.uniform(0, 1200))
            t_flight = _dist_m(src, aim) / SPEED_MPS[cls]
            p_kill = {"ballistic": 0.85, "cruise": 0.9, "drone": 0.95}[cls]
            killed = rng.random() < p_kill
            cut = int(rng.integers(26, 38)) if killed else 40
            threat_paths.append(ThreatPath(tid, cls, lat[:cut], lon[:cut]))
            t_end = t_launch + t_flight * (cut - 1) / 39
            flights.append((cls, t_launch, t_end))
            # a miss first, sometimes, then the kill (or a miss for a leaker)
            shots = 2 if rng.random() < 0.25 else 1
            for s in range(shots):
                ok = killed and s == shots - 1
                ip = (float(lat[cut - 1]), float(lon[cut - 1]))
                unit = min(FIRE_UNITS, key=lambda f, ip=ip: _dist_m((f.lat, f.lon), ip))
                t_ic = t_end - (shots - 1 - s) * 20.0
                engagements.append({
                    "threat_id": tid, "threat_class": cls, "unit_id": unit.id,
                    "member": unit.member,
                    "fire_time_s": round(t_ic - _dist_m((unit.lat, unit.lon), ip) / 1500.0, 1),
                    "intercept_time_s": round(t_ic, 1), "result": "kill" if ok else "miss",
                    "intercept_lat": ip[0], "intercept_lon": ip[1], "intercept_alt_m": 5000.0,
                    "why": WHY,
                    **({} if ok else {"reason": "missed (pk draw)"}),
                })
                inter_paths.append(InterceptorPath(unit.id, unit.member, [unit.lat, ip[0]],
                                                   [unit.lon, ip[1]]))
            if killed:
                intercepts.append(Point(float(lat[cut - 1]), float(lon[cut - 1])))
            else:
                hit = _dist_m(aim, (asset.lat, asset.lon)) <= asset.radius_m
                impacts_geo.append(Impact(aim[0], aim[1], hit))
                impacts.append({
                    "threat_id": tid, "threat_class": cls, "time_s": round(t_end, 1),
                    "lat": round(aim[0], 4), "lon": round(aim[1], 4),
                    "asset": asset.name if hit else None,
                    "value_damaged": asset.value * 0.25 if hit else 0.0,
                    "cause": "not engaged in time" if cls == "ballistic" else "missed",
                })
    by_class = {}
    for cls in sorted(n):
        launched = n[cls]
        leaked = sum(1 for i in impacts if i["threat_class"] == cls)
        by_class[cls] = {"launched": launched, "intercepted": launched - leaked, "leaked": leaked}
    by_member: dict[str, dict[str, float]] = {}
    by_type: dict[str, dict[str, float]] = {}
    for e in engagements:
        typ = UNIT_TYPE[e["unit_id"]]
        for table, key in ((by_member, e["member"]), (by_type, typ)):
            row = table.setdefault(key, {"fired": 0, "cost": 0.0})
            row["fired"] += 1
            row["cost"] += TYPE_COST[typ]
    duration = max(t for _, _, t in flights) + 600.0
    times = np.arange(0.0, duration, 60.0)
    in_air = {cls: np.array([sum(1 for c, a, b in flights if c == cls and a <= t < b)
                             for t in times], dtype=float) for cls in sorted(n)}
    civil = [CivilPath("ELY001", *_gc_path((32.0, 34.9), (37.9, 23.7), 20)),
             CivilPath("RJA263", *_gc_path((31.7, 36.0), (41.3, 28.7), 20))]
    results = {
        **minimal_results("synthetic-levant"),
        "seed": seed,
        "epoch": "2024-04-13T18:00:00Z",
        "duration_s": duration,
        "members": MEMBERS,
        "threats": {
            "launched": sum(n.values()),
            "intercepted": sum(d["intercepted"] for d in by_class.values()),
            "leaked": len(impacts),
            "in_flight_at_end": 0,
            "by_class": by_class,
        },
        "interceptors": {
            "fired": len(engagements),
            "cost": sum(d["cost"] for d in by_member.values()),
            "by_member": by_member,
            "by_type": by_type,
        },
        "engagements": engagements,
        "impacts": impacts,
        "value_damaged": sum(i["value_damaged"] for i in impacts),
        "value_defended": sum(a.value for a in ASSETS),
    }
    geometry = MapData(
        threat_paths=threat_paths, interceptor_paths=inter_paths, civil_paths=civil,
        assets=ASSETS, sensors=SENSORS, fire_units=FIRE_UNITS, intercepts=intercepts,
        impacts=impacts_geo, times_s=times, in_air=in_air,
    )
    return results, geometry


@pytest.fixture(scope="session")
def run() -> tuple[dict[str, Any], MapData]:
    return synthetic_run()


@pytest.fixture
def minimal() -> dict[str, Any]:
    return minimal_results()
