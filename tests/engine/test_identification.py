"""Identification in the run: the interlock decides what can be engaged, late declarations are
named as such, and results.json carries the identification keys on both pictures.

The expected outcomes follow from the rules of engagement (docs/identification.md), not from
the code's output: a drone is declared hostile only by a rule that holds for it; a rule needing
an origin in a corridor the drones never cross can never hold, so the drones are never engaged
and, where a shot was possible, leak "declared too late".
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import numpy as np
import yaml

import inkless.engine.tracked as tracked
from inkless.afteraction.results import results
from inkless.engine import BLOCKED_NOT_HOSTILE, LANDED, run
from inkless.engine import PictureName as Picture
from inkless.identification import FRIEND
from inkless.scenario import Scenario, parse_scenario

SCENARIO = """
name: drones
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 2400, scan_period_s: 5}
members: [{id: A, name: A, role: host}]
regions:
  - {id: far-away, owner: Eastland, polygon_deg: [[20, 50], [20, 51], [21, 51], [21, 50]]}
assets: [{name: city, owner: A, position: {lat_deg: 32.0, lon_deg: 35.0}, value: 100,
          radius_m: 5000}]
interceptors:
  - {id: sam, min_range_km: 2, max_range_km: 60, min_altitude_km: 0.02, max_altitude_km: 20,
     speed_mps: 1000, pk: {drone: 0.9}, unit_cost_musd: 1}
sensors:
  - {id: radar, owner: A, kind: ground, position: {lat_deg: 32.0, lon_deg: 35.05, alt_m: 100},
     range_km: {ballistic: 400, cruise: 150, drone: 120, civil: 300}, scan_period_s: 5}
fire_units:
  - {id: sam-1, owner: A, position: {lat_deg: 32.0, lon_deg: 35.1}, interceptor: sam,
     rounds: 12, channels: 4}
raid: {waves: [{id: d, threat_class: drone, count: 4, launch_points: [{lat_deg: 32.0,
       lon_deg: 35.9}], launch_window_s: [0, 60], aim_assets: [city], speed_mps: 50,
       altitude_m: 1000, lethality: 0.2}]}
"""


@cache
def scenario(corridor_only: bool) -> Scenario:
    data = yaml.safe_load(SCENARIO)
    if corridor_only:  # drones declared only with an origin in a corridor far from the raid
        data["roe"] = {"corridors": [{"region": "far-away", "from_s": 0}],
                       "hostile": [{"threat_class": "drone",
                                    "requires": ["drone_profile", "origin_in_corridor"]}]}
    return parse_scenario(yaml.safe_dump(data), "drones.yaml")


@cache
def outcome(corridor_only: bool, picture: Picture = "tracked") -> tuple[Any, dict[str, Any]]:
    rec = run(scenario(corridor_only), 3, picture=picture)
    return rec, results(rec).model_dump(mode="json")


def test_declared_drones_are_intercepted() -> None:
    _, res = outcome(False)
    idn = res["identification"]
    assert idn["detected"] == idn["declared"] == 4
    assert res["threats"]["intercepted"] >= 3
    assert idn["leaked_due_to_late_declaration"] == 0
    assert res["civil_engagements"] == res["friendly_engagements"] == 0


def test_undeclared_drones_are_never_engaged_and_leak_declared_too_late() -> None:
    rec, res = outcome(True)
    assert rec.flight.n == 0  # the interlock: nothing declared hostile, nothing fired
    assert res["identification"]["declared"] == 0
    assert res["threats"]["leaked"] == 4
    assert all(i["cause"].startswith("declared too late") for i in res["impacts"])
    assert res["identification"]["leaked_due_to_late_declaration"] == 4
    assert ((rec.blocked & BLOCKED_NOT_HOSTILE) > 0).all() and (rec.fate == LANDED).all()


def test_identification_keys_on_the_perfect_picture() -> None:
    """The perfect picture holds the truth: the same drones are engaged whatever the rules."""
    _, res = outcome(True, "perfect")
    idn = res["identification"]
    assert idn["correct_fraction"] == 1.0 and idn["mean_declaration_delay_s"] == 0.0
    assert idn["declared"] == idn["detected"] == 4
    assert idn["leaked_due_to_late_declaration"] == 0
    assert res["civil_engagements"] == res["friendly_engagements"] == 0
    assert res["closures"] == [] and res["threats"]["intercepted"] >= 3


def test_a_member_sharing_nothing_identifies_its_own_view() -> None:
    """Member B shares nothing: its picture is its own radar's tracks fused with what is
    released to it, identified on their own; A holds the coalition picture."""
    data = yaml.safe_load(SCENARIO)
    data["members"].append({"id": "B", "name": "B", "role": "partner", "shares": "none"})
    data["sensors"].append({"id": "b-radar", "owner": "B", "kind": "ground",
                            "position": {"lat_deg": 32.1, "lon_deg": 35.2, "alt_m": 100},
                            "range_km": {"ballistic": 400, "cruise": 150, "drone": 120,
                                         "civil": 300}, "scan_period_s": 5})
    rec = run(parse_scenario(yaml.safe_dump(data), "two.yaml"), 3, picture="tracked")
    ident = rec.identity
    assert ident is not None and ident.own is not None
    assert set(ident.own.member.tolist()) == {1}  # B's own view, identified
    by = results(rec).model_dump(mode="json")["identification"]["correct_fraction_by_member"]
    assert set(by) == {"A", "B"}
    assert by["B"] is not None and 0.5 < by["B"] <= 1.0


def test_an_airborne_radar_does_not_see_its_own_aircraft(monkeypatch: Any) -> None:
    """With an airborne radar as the only sensor, its own aircraft is never in the picture,
    even with the aircraft's reference point a metre from the antenna (at exactly the radar's
    position the range is 0 and nothing is seen anyway), while a second coalition aircraft
    nearby is, as friend (it answers IFF)."""
    real = tracked.coalition_aircraft

    def offset(scenario: Scenario, tables: Any) -> Any:
        air = real(scenario, tables)
        return dataclasses.replace(air, fixed=air.fixed + np.array([1.0, 0.0, 0.0]))

    monkeypatch.setattr(tracked, "coalition_aircraft", offset)
    data = yaml.safe_load(SCENARIO)
    data["sensors"] = [{"id": "awacs", "owner": "A", "kind": "airborne",
                        "position": {"lat_deg": 32.0, "lon_deg": 35.05, "alt_m": 9000},
                        "range_km": {"ballistic": 400, "cruise": 250, "drone": 200,
                                     "civil": 300}, "scan_period_s": 5}]
    data["interceptors"].append({"id": "a2a", "min_range_km": 1, "max_range_km": 30,
                                 "min_altitude_km": 0.03, "max_altitude_km": 15,
                                 "speed_mps": 1000, "pk": {"drone": 0.8}, "unit_cost_musd": 1})
    data["fire_units"].append({"id": "cap", "owner": "A", "interceptor": "a2a", "rounds": 4,
                               "position": {"lat_deg": 32.3, "lon_deg": 35.3, "alt_m": 7000}})
    rec = run(parse_scenario(yaml.safe_dump(data), "awacs.yaml"), 3, picture="tracked")
    ident = rec.identity
    assert ident is not None and ident.coalition is not None
    names = list(ident.truth_name)
    awacs, cap = names.index("awacs"), names.index("cap")
    held = ident.coalition.truth
    assert not (held == awacs).any()
    assert (held == cap).sum() > 100
    assert (ident.coalition.category[held == cap] == FRIEND).mean() > 0.9
