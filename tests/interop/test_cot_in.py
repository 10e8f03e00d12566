"""CoT in: a coalition aircraft's self-report over CoT (parsed safely) is "friend" evidence
for identification, like an IFF reply: it turns an unknown track into a friend; a report far
from the track, stale, or not friendly leaves it unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from inkless.identification import FRIEND, UNKNOWN, Evidence, compile_rules, identify
from inkless.interop.cot import CotEvent, frame, friendly_replies, parse_event
from inkless.physics.geodesy import ecef_from_geodetic, enu_from_ecef
from inkless.scenario import parse_scenario
from inkless.units import DEG

ORIGIN = (32.0 * DEG, 35.0 * DEG, 0.0)
SCENARIO = """
name: cot-in
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 32, lon_deg: 35}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
identification: {hostile_confirm_scans: 1}
"""
LAT, LON, ALT = 31.6, 35.6, 7000.0  # a fighter on patrol, holding its position
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class Track:
    id = np.array([7])

    def __init__(self) -> None:
        p = enu_from_ecef(ecef_from_geodetic(LAT * DEG, LON * DEG, ALT), *ORIGIN).reshape(3)
        self.x = np.concatenate([p, np.zeros(3)])[None]
        self.P = np.diag([100.0**2] * 3 + [5.0**2] * 3)[None]


def _identity(report: CotEvent | None, t: float = 100.0) -> int:
    rules = compile_rules(parse_scenario(SCENARIO), ORIGIN)
    at = EPOCH + timedelta(seconds=t)
    ev = Evidence.none(t)
    if report is not None:
        got = parse_event(frame(report, proto=False, stream=True), "tak feed")
        assert got is not None
        iff = friendly_replies([got], at)
        ev = Evidence(ev.adsb, iff, ev.filed_pos, ev.filed_vel)
    ids = identify(Track(), t, ev, rules)
    ids = identify(Track(), t + 5.0, ev, rules, ids)
    return int(ids.category[0])


def _report(typ: str = "a-f-A-M-F", dlat: float = 0.0, age_s: float = 3.0,
            stale_s: float = 60.0) -> CotEvent:
    t = EPOCH + timedelta(seconds=100.0 - age_s)
    return CotEvent("FIGHTER-1", typ, t, t + timedelta(seconds=stale_s), LAT + dlat, LON, ALT,
                    10.0, 15.0, how="m-g")


@pytest.mark.parametrize(("report", "expected"), [
    (None, UNKNOWN),
    (_report(), FRIEND),
    (_report(dlat=0.1), UNKNOWN),  # 11 km away: another aircraft
    (_report(typ="a-h-A"), UNKNOWN),  # not a friendly self-report
    (_report(age_s=120.0), UNKNOWN),  # too old
    (_report(stale_s=1.0), UNKNOWN),  # stale
])
def test_friendly_self_report_makes_a_friend(report: CotEvent | None, expected: int) -> None:
    assert _identity(report) == expected
