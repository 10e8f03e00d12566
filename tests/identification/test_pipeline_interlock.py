"""The hard interlock over the whole pipeline: random small raids through civil traffic with a
coalition fighter on patrol (and sometimes an airborne radar), run on the tracked picture. No
interceptor is ever fired at a track whose truth is a civil or a coalition aircraft: the truth
object behind every track fired at is a threat, and the after-action counts no civil and no
friendly engagement.

The truth each shot was fired at comes from the simulation (the object behind most of the
track's detections), not from identification; the scenarios have no clutter, so every track has
a truth object. Each example also checks that civil and coalition aircraft were in the picture
(the interlock had something to refuse).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inkless.afteraction.results import results
from inkless.engine import run
from inkless.identification import TRUTH_CIVIL, TRUTH_COALITION, TRUTH_THREAT
from inkless.scenario import parse_scenario

BASE: dict[str, Any] = {
    "name": "interlock",
    "settings": {"epoch": "2025-01-01T00:00:00Z", "duration_s": 1500, "scan_period_s": 10,
                 "max_shots_per_threat": {"ballistic": 2, "cruise": 2}},
    "members": [{"id": "HOST", "name": "Hostland", "role": "host"},
                {"id": "ALLY", "name": "Ally", "role": "partner"}],
    "regions": [{"id": "launch", "owner": "Eastland",
                 "polygon_deg": [[31.3, 35.4], [31.3, 36.4], [32.7, 36.4], [32.7, 35.4]]}],
    "assets": [{"name": "city", "owner": "HOST", "position": {"lat_deg": 32.0, "lon_deg": 35.0},
                "value": 100, "radius_m": 5000}],
    "interceptors": [
        {"id": "upper", "min_range_km": 20, "max_range_km": 400, "min_altitude_km": 20,
         "max_altitude_km": 300, "speed_mps": 2500, "pk": {"ballistic": 0.9},
         "unit_cost_musd": 3.0},
        {"id": "mid", "min_range_km": 2, "max_range_km": 120, "min_altitude_km": 0.02,
         "max_altitude_km": 25, "speed_mps": 1200,
         "pk": {"ballistic": 0.6, "cruise": 0.9, "drone": 0.9}, "unit_cost_musd": 1.0},
        {"id": "a2a", "min_range_km": 0.5, "max_range_km": 40, "min_altitude_km": 0.03,
         "max_altitude_km": 15, "speed_mps": 1000, "pk": {"cruise": 0.8, "drone": 0.85},
         "unit_cost_musd": 0.5},
    ],
    "sensors": [
        {"id": "radar", "owner": "HOST", "kind": "ground",
         "position": {"lat_deg": 32.0, "lon_deg": 35.05, "alt_m": 100},
         "range_km": {"ballistic": 900, "cruise": 200, "drone": 150, "civil": 350},
         "scan_period_s": 10},
    ],
    "fire_units": [
        {"id": "upper-1", "owner": "HOST", "position": {"lat_deg": 31.9, "lon_deg": 34.9},
         "interceptor": "upper", "rounds": 6, "channels": 2},
        {"id": "mid-1", "owner": "HOST", "position": {"lat_deg": 32.0, "lon_deg": 35.1},
         "interceptor": "mid", "rounds": 16, "channels": 4, "reload_s": 2},
        # a fighter on combat air patrol: a coalition aircraft (answers IFF)
        {"id": "ally-cap", "owner": "ALLY",
         "position": {"lat_deg": 32.05, "lon_deg": 35.3, "alt_m": 7000},
         "interceptor": "a2a", "rounds": 6, "channels": 2, "reload_s": 5},
    ],
}
AWACS = {"id": "ally-awacs", "owner": "ALLY", "kind": "airborne",
         "position": {"lat_deg": 31.8, "lon_deg": 35.4, "alt_m": 9000},
         "range_km": {"ballistic": 400, "cruise": 300, "drone": 250, "civil": 400},
         "scan_period_s": 10}

waves = st.lists(
    st.one_of(
        st.fixed_dictionaries({
            "threat_class": st.just("cruise"), "count": st.integers(1, 3),
            "lon": st.floats(36.0, 36.6), "speed_mps": st.floats(200.0, 260.0),
            "altitude_m": st.floats(60.0, 300.0)}),
        st.fixed_dictionaries({
            "threat_class": st.just("drone"), "count": st.integers(1, 3),
            "lon": st.floats(35.6, 35.9), "speed_mps": st.floats(35.0, 60.0),
            "altitude_m": st.floats(300.0, 2500.0)}),
        st.fixed_dictionaries({
            "threat_class": st.just("ballistic"), "count": st.integers(1, 2),
            "lon": st.floats(38.0, 39.5), "speed_mps": st.none(), "altitude_m": st.none()}),
    ),
    min_size=1, max_size=2,
)
flights = st.lists(
    st.fixed_dictionaries({
        "lat": st.floats(31.6, 32.4), "heading_east": st.booleans(),
        "altitude_m": st.floats(3500.0, 12000.0), "speed_mps": st.floats(150.0, 250.0),
        "departure_s": st.floats(0.0, 100.0), "departs": st.booleans(),
        "cooperative": st.booleans()}),
    min_size=1, max_size=3,
)


def scenario(wave_specs: list[dict[str, Any]], flight_specs: list[dict[str, Any]],
             awacs: bool, corridor: bool) -> Any:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["raid"] = {"waves": [
        {"id": f"w{i}", "threat_class": w["threat_class"], "count": w["count"],
         "launch_points": [{"lat_deg": 32.0 + 0.2 * i, "lon_deg": w["lon"]}],
         "launch_window_s": [0, 120], "aim_assets": ["city"], "lethality": 0.3,
         **({"speed_mps": w["speed_mps"], "altitude_m": w["altitude_m"]}
            if w["speed_mps"] is not None else {})}
        for i, w in enumerate(wave_specs)]}
    data["civil"] = {"flights": [
        {"callsign": f"CIV{i}", "departs": f["departs"], "cooperative": f["cooperative"],
         "route": [{"lat_deg": f["lat"], "lon_deg": 34.2 if f["heading_east"] else 35.9,
                    "alt_m": 50},
                   {"lat_deg": f["lat"] + 0.3, "lon_deg": 37.0 if f["heading_east"] else 33.0}],
         "altitude_m": f["altitude_m"], "speed_mps": f["speed_mps"],
         "departure_s": f["departure_s"]}
        for i, f in enumerate(flight_specs)]}
    if awacs:
        data["sensors"].append(AWACS)
    if corridor:
        data["roe"] = {"corridors": [{"region": "launch", "from_s": 0}], "hostile": [
            {"threat_class": "ballistic", "requires": ["ballistic_profile"]},
            {"threat_class": "cruise", "requires": ["cruise_profile", "origin_in_corridor"]},
            {"threat_class": "cruise", "requires": ["cruise_profile", "no_cooperative"]},
            {"threat_class": "drone", "requires": ["drone_profile", "origin_in_corridor"]},
            {"threat_class": "drone", "requires": ["drone_profile", "no_cooperative"]}]}
    return parse_scenario(yaml.safe_dump(data), "interlock.yaml")


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(waves, flights, st.booleans(), st.booleans(), st.integers(0, 2**16))
def test_never_fires_at_civil_or_coalition_aircraft(
    wave_specs: list[dict[str, Any]], flight_specs: list[dict[str, Any]], awacs: bool,
    corridor: bool, seed: int,
) -> None:
    rec = run(scenario(wave_specs, flight_specs, awacs, corridor), seed, picture="tracked")
    ident = rec.identity
    assert ident is not None and ident.coalition is not None
    fired = ident.shot_truth
    assert fired.shape == (rec.flight.n,)
    # the truth behind every track fired at is a threat (never civil, coalition or nothing)
    assert (fired >= 0).all()
    assert (ident.truth_kind[fired] == TRUTH_THREAT).all()
    assert (rec.flight.threat[: rec.flight.n] == fired).all()
    res = results(rec).model_dump(mode="json")
    assert res["civil_engagements"] == 0 and res["friendly_engagements"] == 0
    assert res["civil_engaged"] == [] and res["friendly_engaged"] == []
    # civil and coalition aircraft were held by the picture: the interlock had work to do
    seen = ident.truth_kind[np.unique(ident.coalition.truth[ident.coalition.truth >= 0])]
    assert (seen == TRUTH_COALITION).any()
    assert (seen == TRUTH_CIVIL).any()
