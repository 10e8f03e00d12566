"""The hostile declaration table (rules of engagement) applied to single tracks whose kinematics
are chosen by hand, and the scenario's checks of the table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from inkless.errors import ScenarioError
from inkless.identification import (
    FRIEND,
    HOSTILE,
    NEUTRAL,
    SUSPECT,
    UNKNOWN,
    Evidence,
    compile_rules,
    identify,
)
from inkless.scenario import parse_scenario
from inkless.simulation.adsb import IffReplies, forged_reports

ORIGIN = (32.0 * np.pi / 180, 35.0 * np.pi / 180, 0.0)
BASE = """
name: roe
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 32, lon_deg: 35}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
regions:
  - {id: east, owner: X, polygon_deg: [[31, 36.5], [31, 38], [33, 38], [33, 36.5]]}
identification: {hostile_confirm_scans: 1}
"""
CORRIDOR_ROE = """
roe:
  corridors: [{region: east, from_s: %s}]
  hostile:
    - {threat_class: ballistic, requires: [ballistic_profile]}
    - {threat_class: cruise, requires: [cruise_profile, origin_in_corridor]}
    - {threat_class: drone, requires: [drone_profile, origin_in_corridor]}
"""

# (name, lat, lon, alt m, local east/north/up velocity m/s)
CRUISE_EAST = ("cruise", 32.0, 37.0, 100.0, (-240.0, 0.0, 0.0))
CRUISE_WEST = ("cruise", 32.0, 35.5, 100.0, (-240.0, 0.0, 0.0))
DRONE_EAST = ("drone", 31.8, 37.0, 1200.0, (-50.0, 0.0, 0.0))
BALLISTIC = ("ballistic", 32.5, 38.0, 90_000.0, (-2000.0, 0.0, -500.0))
AIRLINER = ("airliner", 32.3, 36.0, 11_000.0, (-230.0, 0.0, 0.0))
PATROL = ("patrol", 31.6, 35.6, 7000.0, (0.0, 0.0, 0.0))


def one(
    make_track: Any, obj: tuple[Any, ...], yaml: str, t: float = 100.0,
    adsb: bool = False, iff: bool = False,
) -> tuple[int, int]:
    """Identify one track twice (5 s apart: the second call sees the first); returns the
    category and the declared threat class."""
    _, lat, lon, alt, v = obj
    x, P, ecef = make_track(lat, lon, alt, v)
    sc = parse_scenario(BASE + yaml)
    rules = compile_rules(sc, ORIGIN)

    class T:
        id = np.array([7])

    T.x, T.P = x[None], P[None]  # type: ignore[attr-defined]
    ev = Evidence.none(t)
    if adsb:
        from inkless.physics.geodesy import enu_rotation

        v_ecef = enu_rotation(lat * np.pi / 180, lon * np.pi / 180).T @ np.asarray(v, float)
        ev = Evidence(forged_reports(t, ecef, v_ecef, [0x123456]), ev.iff, ev.filed_pos,
                      ev.filed_vel)
    if iff:
        ev = Evidence(ev.adsb, IffReplies(t, ecef[None], np.array([100.0]), np.array([0])),
                      ev.filed_pos, ev.filed_vel)
    ids = identify(T, t, ev, rules)
    ids = identify(T, t + 5.0, ev, rules, ids)
    return int(ids.category[0]), int(ids.threat_class[0])


@pytest.mark.parametrize(
    ("obj", "yaml", "adsb", "iff", "expected", "cls"),
    [
        # default table: kinematic profile and no cooperative identification
        (CRUISE_WEST, "", False, False, HOSTILE, 1),
        (DRONE_EAST, "", False, False, HOSTILE, 2),
        (BALLISTIC, "", False, False, HOSTILE, 0),
        (AIRLINER, "", False, False, UNKNOWN, -1),
        (AIRLINER, "", True, False, NEUTRAL, -1),
        (PATROL, "", False, True, FRIEND, -1),
        # a civil report riding on a missile: kinematics contradict it, still hostile
        (CRUISE_WEST, "", True, False, HOSTILE, 1),
        # on a drone: as slow as a light aircraft, so not declared under the default table
        # (no_cooperative does not hold) but never neutral; a corridor rule declares it
        (DRONE_EAST, "", True, False, SUSPECT, -1),
        (DRONE_EAST, CORRIDOR_ROE % 0, True, False, HOSTILE, 2),
        # IFF outranks everything
        (DRONE_EAST, "", False, True, FRIEND, -1),
        # launch corridor required: origin inside it and open, or only suspect
        (CRUISE_EAST, CORRIDOR_ROE % 0, False, False, HOSTILE, 1),
        (CRUISE_WEST, CORRIDOR_ROE % 0, False, False, SUSPECT, -1),
        (CRUISE_EAST, CORRIDOR_ROE % 500, False, False, SUSPECT, -1),
        (DRONE_EAST, CORRIDOR_ROE % 0, False, False, HOSTILE, 2),
        (BALLISTIC, CORRIDOR_ROE % 500, False, False, HOSTILE, 0),
        # a table that asks for a contradicted civil report as well
        (
            CRUISE_WEST,
            "roe: {hostile: [{threat_class: cruise, requires: [cruise_profile, "
            "civil_contradicted]}]}",
            True, False, HOSTILE, 1,
        ),
        (
            CRUISE_WEST,
            "roe: {hostile: [{threat_class: cruise, requires: [cruise_profile, "
            "civil_contradicted]}]}",
            False, False, SUSPECT, -1,
        ),
        # an empty table never declares anything
        (BALLISTIC, "roe: {hostile: []}", False, False, SUSPECT, -1),
    ],
)
def test_rules_of_engagement_table(
    make_track: Any, obj: tuple[Any, ...], yaml: str, adsb: bool, iff: bool, expected: int,
    cls: int,
) -> None:
    assert one(make_track, obj, yaml, adsb=adsb, iff=iff) == (expected, cls)


def test_declaration_waits_for_confirmation(make_track: Any) -> None:
    x, P, _ = make_track(*CRUISE_WEST[1:])
    sc = parse_scenario(BASE.replace("hostile_confirm_scans: 1", "hostile_confirm_scans: 3"))
    rules = compile_rules(sc, ORIGIN)

    class T:
        id = np.array([1])

    T.x, T.P = x[None], P[None]  # type: ignore[attr-defined]
    cats, ids = [], None
    for k in range(4):
        ids = identify(T, 5.0 * k, Evidence.none(5.0 * k), rules, ids)
        cats.append(int(ids.category[0]))
    assert cats == [SUSPECT, SUSPECT, HOSTILE, HOSTILE]
    assert ids is not None and ids.t_hostile[0] == 10.0


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "roe: {hostile: [{threat_class: cruise, requires: [no_cooperative]}]}",
            "roe.hostile[0]: requires at least one of ballistic_profile, cruise_profile, "
            "drone_profile",
        ),
        (
            "roe: {corridors: [{region: west}]}",
            "roe.corridors[0].region: unknown region 'west'; known: east",
        ),
        (
            "civil: {closures: [{region: nowhere, from_s: 10}]}",
            "civil.closures[0].region: unknown region 'nowhere'; known: east",
        ),
        (
            "roe: {hostile: [{threat_class: cruise, requires: [cruise_profile, adsb]}]}",
            "roe.hostile[0].requires[1]: must be",
        ),
    ],
)
def test_scenario_checks_the_table(snippet: str, message: str) -> None:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(BASE + snippet, "s.yaml")
    assert message in str(e.value)


def test_settings_keep_civil_and_threat_bands_apart() -> None:
    bad = BASE.replace(
        "identification: {hostile_confirm_scans: 1}",
        "identification: {drone_max_speed_mps: 200}",
    )
    with pytest.raises(ScenarioError, match="drone_max_speed_mps must be below"):
        parse_scenario(bad, "s.yaml")
