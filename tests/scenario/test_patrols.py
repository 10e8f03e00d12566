"""Fighter patrols in the scenario file (issue 14, item 4): `patrols[]` validated at the boundary
with one located line per problem, time on station from fuel, and shown by `inkless schema`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inkless.cli import app
from inkless.physics.geodesy import EARTH_MEAN_RADIUS
from inkless.scenario import parse_scenario

from .conftest import HEAD, RAID, problems

GOOD = HEAD + """\
interceptors:
  - {id: aam, max_range_km: 100, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
patrols:
  - id: cap1
    owner: A
    base: {lat_deg: 31, lon_deg: 35}
    station:
      centre: {lat_deg: 32.8, lon_deg: 35, alt_m: 8000}
      radius_km: 20
    interceptor: aam
    missiles_per_aircraft: 4
    cruise_speed_mps: 230
    dash_speed_mps: 400
    endurance_s: 10800
    reserve_s: 1200
    flights: 3
""" + RAID


def test_a_patrol_loads_with_its_time_on_station() -> None:
    """Base and centre on one meridian 1.8° apart: R·1.8° less the 20 km radius out to the
    orbit's nearest point, R·1.8° plus 20 km home from its farthest, at 230 m/s, from 3 h less
    a 20 min reserve."""
    (p,) = parse_scenario(GOOD).patrols
    out = EARTH_MEAN_RADIUS * math.radians(1.8)
    assert p.on_station_s() == pytest.approx(10800 - 1200 - 2 * out / 230, rel=1e-9)
    assert (p.aircraft_per_flight, p.flights, p.relief_overlap_s) == (2, 3, None)
    fuel, cruise, dash, reserve = p.fuel()
    assert (fuel, cruise, dash, reserve) == pytest.approx((1, 1 / 10800, 3 / 10800, 1200 / 10800))


def test_fuel_mass_and_burn_rates() -> None:
    text = GOOD.replace(
        "endurance_s: 10800",
        "fuel_kg: 5000\n    cruise_burn_kg_per_s: 0.5\n    dash_burn_kg_per_s: 2.0",
    )
    (p,) = parse_scenario(text).patrols
    assert p.fuel() == pytest.approx((5000, 0.5, 2.0, 600))
    out = EARTH_MEAN_RADIUS * math.radians(1.8)
    assert p.on_station_s() == pytest.approx(10000 - 1200 - 2 * out / 230, rel=1e-9)


BAD = [
    ("dash_speed_mps: 400", "dash_speed_mps: 200",
     "s.yaml:10: patrols[0]: dash_speed_mps (200) must exceed cruise_speed_mps (230)"),
    ("endurance_s: 10800", "endurance_s: 10800\n    fuel_kg: 4000",
     "s.yaml:10: patrols[0]: give exactly one of endurance_s or fuel_kg"),
    ("endurance_s: 10800", "fuel_kg: 4000",
     "s.yaml:10: patrols[0]: fuel_kg needs cruise_burn_kg_per_s and dash_burn_kg_per_s"),
    ("interceptor: aam", "interceptor: sidewinder",
     "s.yaml:16: patrols[0].interceptor: unknown interceptor type 'sidewinder'; known: aam"),
    ("owner: A\n", "owner: B\n",
     "s.yaml:11: patrols[0].owner: unknown member 'B'; known: A"),
    ("endurance_s: 10800", "endurance_s: 2500",
     "s.yaml:10: patrols[0]: the fuel does not reach the station and back (-440 s on station); "
     "move the station closer, add fuel or lower reserve_s"),
    ("radius_km: 20", "radius_km: 20\n      pattern: racetrack",
     "s.yaml:14: patrols[0].station: a racetrack needs length_km > 0; or make it an orbit"),
    ("flights: 3", "flights: 3\n    relief_overlap_s: 9000",
     "s.yaml:10: patrols[0]: relief_overlap_s (9000) must be below the time on station (7860 s)"),
    ("flights: 3", "flights: 3\n    relief_overlap_s: 60\n    launch_interval_s: 3600",
     "s.yaml:10: patrols[0]: give at most one of relief_overlap_s or launch_interval_s"),
    ("flights: 3", "flights: 3\n    radar: {pd: 0.8}",
     "s.yaml:23: patrols[0].radar: give range_km per class, or reference_range_km and "
     "reference_rcs_m2"),
    ("missiles_per_aircraft: 4", "missiles_per_aircraft: 0",
     "s.yaml:17: patrols[0].missiles_per_aircraft: must be at least 1, got 0"),
    ("alt_m: 8000", "alt_m: 70000",
     "s.yaml:14: patrols[0].station: the patrol altitude (centre alt_m 70000 m) must be between "
     "100 and 20000 m (a fighter's ceiling)"),
]


def test_a_surface_to_air_missile_is_not_a_patrols_missile() -> None:
    """A patrol's interceptor that a fire unit (a battery or a ship) fires is a surface-to-air
    missile: refused at the patrol's ``interceptor``, with the unit that fires it and the fix.
    Before: accepted, and the fighters flew with the battery's missile."""
    text = GOOD.replace("patrols:\n", """\
fire_units:
  - {id: bty, owner: A, position: {lat_deg: 31, lon_deg: 35}, interceptor: aam, rounds: 4}
patrols:
""")
    assert problems(text) == [
        "s.yaml:18: patrols[0].interceptor: 'aam' is a surface-to-air missile (fire_units[0] "
        "'bty' fires it); give the patrol an air-to-air missile, an interceptor type of its own"]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_patrol_message(old: str, new: str, message: str) -> None:
    assert old in GOOD
    assert problems(GOOD.replace(old, new, 1)) == [message]


def test_duplicate_patrol_ids() -> None:
    block = GOOD[GOOD.index("  - id: cap1") : GOOD.index("raid:")]
    text = GOOD.replace(block, block + block)
    assert problems(text) == ["s.yaml:23: patrols[1].id: 'cap1' is used twice; ids must be unique"]


def test_a_radar_rides_on_the_patrol() -> None:
    text = GOOD.replace("flights: 3", "flights: 3\n    radar: {range_km: {drone: 60}}")
    (p,) = parse_scenario(text).patrols
    assert p.radar is not None and p.radar.range_km == {"drone": 60}


def test_schema_shows_patrols() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "patrols" in schema["properties"]
    patrol = schema["$defs"]["Patrol"]["properties"]
    assert {"base", "station", "cruise_speed_mps", "dash_speed_mps", "endurance_s", "fuel_kg",
            "missiles_per_aircraft", "aircraft_per_flight", "flights", "relief_overlap_s",
            "radar"} <= set(patrol)
    assert set(schema["$defs"]["PatrolStation"]["properties"]) >= {"pattern", "radius_km"}


def test_every_patrol_field_is_documented() -> None:
    defs = json.loads(CliRunner().invoke(app, ["schema"]).output)["$defs"]
    for name in ("Patrol", "PatrolStation", "PatrolRadar"):
        for field, spec in defs[name]["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"


def test_the_default_relief_must_fit_in_the_time_on_station() -> None:
    """Five minutes of overlap by default: a station held for less is refused, in one line."""
    assert parse_scenario(GOOD).patrols[0].relief_s() == 300.0
    text = GOOD.replace("endurance_s: 10800", "endurance_s: 3100")  # 3100-1200-1740 = 160 s
    assert problems(text) == [
        "s.yaml:10: patrols[0]: relief_overlap_s (300 by default) must be below the time on "
        "station (160 s)"
    ]
    spaced = text.replace("flights: 3", "flights: 3\n    launch_interval_s: 3600")
    assert parse_scenario(spaced).patrols[0].relief_s() is None


def test_the_documented_example_validates() -> None:
    """docs/patrols.md's example: the interceptors and patrols it shows make a valid file."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "patrols.md").read_text()
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    head = HEAD.replace("{id: A,", "{id: UK,").replace("owner: A,", "owner: UK,")
    (p,) = parse_scenario(head + block + RAID).patrols
    assert (p.station.pattern, p.station.length_km, p.relief_s()) == ("racetrack", 60.0, 300.0)
    assert p.on_station_s() > 0
