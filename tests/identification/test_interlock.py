"""The hard interlock and the invariants it rests on, as properties over random arrays.

* ``engageable`` passes exactly the tracks declared hostile, whatever the categories hold;
* identities of random tracks under random cooperative evidence: a track flying inside the civil
  envelope without a threat profile is never hostile, a track with a threat profile is never
  neutral, and a hostile track always has a threat profile, whatever the reports say (spoofed,
  faulty, or on target);
* the civil envelope and the missile profiles are disjoint for any valid settings;
* identification is row-wise: a track's identity does not depend on the other tracks;
* the after-action count of non-hostile engagements against a brute-force count.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from inkless.identification import (
    HOSTILE,
    NEUTRAL,
    TRUTH_CIVIL,
    TRUTH_COALITION,
    Evidence,
    compile_rules,
    engageable,
    identify,
    kinematics,
    non_hostile_engagements,
    profile_bits,
)
from inkless.identification.categories import (
    BALLISTIC_PROFILE,
    CIVIL_KINEMATICS,
    CRUISE_PROFILE,
    THREAT_PROFILES,
)
from inkless.physics.geodesy import ecef_from_enu, enu_rotation
from inkless.scenario import parse_scenario
from inkless.scenario.model import Identification
from inkless.simulation.adsb import IffReplies, forged_reports

ORIGIN = (32.0 * np.pi / 180, 35.0 * np.pi / 180, 0.0)
SCENARIO = parse_scenario(
    """
name: p
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 32, lon_deg: 35}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
identification: {hostile_confirm_scans: 1}
"""
)
RULES = compile_rules(SCENARIO, ORIGIN)
MISSILE = BALLISTIC_PROFILE | CRUISE_PROFILE


@given(arrays(np.int8, st.integers(0, 200), elements=st.integers(-128, 127)))
def test_only_hostile_passes(categories: np.ndarray) -> None:
    ok = engageable(categories)
    assert ok.dtype == bool and ok.shape == categories.shape
    assert (categories[ok] == HOSTILE).all()
    assert ok.sum() == (categories == 6).sum()


def random_tracks(draw: st.DrawFn, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Tracks within 400 km of the origin, 0-40 km high, any velocity up to 3 km/s, with
    covariances from tight to loose."""
    e = draw(arrays(float, n, elements=st.floats(-4e5, 4e5)))
    nn = draw(arrays(float, n, elements=st.floats(-4e5, 4e5)))
    u = draw(arrays(float, n, elements=st.floats(0.0, 4e4)))
    v = draw(arrays(float, (n, 3), elements=st.floats(-3000.0, 3000.0)))
    sd_p = draw(arrays(float, n, elements=st.floats(5.0, 3000.0)))
    sd_v = draw(arrays(float, n, elements=st.floats(0.1, 80.0)))
    x = np.c_[e, nn, u, v]
    P = np.zeros((n, 6, 6))
    P[:, :3, :3] = np.eye(3) * (sd_p**2)[:, None, None]
    P[:, 3:, 3:] = np.eye(3) * (sd_v**2)[:, None, None]
    return x, P


@st.composite
def world(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, Evidence]:
    n = draw(st.integers(1, 12))
    x, P = random_tracks(draw, n)
    ecef = ecef_from_enu(x[:, :3], *ORIGIN).reshape(-1, 3)
    r0 = enu_rotation(ORIGIN[0], ORIGIN[1])
    vel = x[:, 3:] @ r0
    # Reports: some exactly on tracks (with their true or a garbage velocity), some anywhere.
    on = draw(arrays(bool, n))
    garbage = draw(arrays(float, (n, 3), elements=st.floats(-500.0, 500.0)))
    use_garbage = draw(arrays(bool, n))
    rep_vel = np.where(use_garbage[:, None], garbage, vel)
    k = draw(st.integers(0, 4))
    stray = ecef_from_enu(
        draw(arrays(float, (k, 3), elements=st.floats(-4e5, 4e5))), *ORIGIN
    ).reshape(-1, 3)
    pos = np.r_[ecef[on], stray]
    rv = np.r_[rep_vel[on], np.zeros((k, 3))]
    adsb = forged_reports(0.0, pos, rv, np.arange(len(pos)))
    filed_on = draw(arrays(bool, n))
    ev = Evidence(adsb, IffReplies.empty(0.0), ecef[filed_on], vel[filed_on])
    return x, P, ev


class T:
    def __init__(self, x: np.ndarray, P: np.ndarray) -> None:
        self.id = np.arange(len(x), dtype=np.int64)
        self.x, self.P = x, P


@settings(max_examples=150, deadline=None)
@given(world())
def test_reports_never_turn_civil_flight_hostile_or_threat_neutral(
    w: tuple[np.ndarray, np.ndarray, Evidence],
) -> None:
    x, P, ev = w
    ids = identify(T(x, P), 0.0, ev, RULES)
    ids = identify(T(x, P), 5.0, Evidence(
        forged_reports(5.0, ev.adsb.pos, ev.adsb.vel, ev.adsb.icao24), ev.iff, ev.filed_pos,
        ev.filed_vel), RULES, ids)
    bits = profile_bits(kinematics(x, P, ORIGIN), SCENARIO.identification)
    civil = (bits & CIVIL_KINEMATICS) > 0
    threat = (bits & THREAT_PROFILES) > 0
    assert not (engageable(ids) & civil & ~threat).any()
    assert not ((ids.category == NEUTRAL) & threat).any()
    # hostile only with a threat profile (no memory of an earlier profile in two calls)
    assert (threat[engageable(ids)]).all()


@st.composite
def valid_settings(draw: st.DrawFn) -> Identification:
    low_alt = draw(st.floats(500.0, 6000.0))
    low_v = draw(st.floats(60.0, 250.0))
    return Identification(
        low_altitude_m=low_alt,
        cruise_max_altitude_m=draw(st.floats(50.0, low_alt)),
        low_speed_limit_mps=low_v,
        drone_min_speed_mps=draw(st.floats(0.0, 9.0)),
        drone_max_speed_mps=draw(st.floats(10.0, low_v - 1.0)),
        civil_min_speed_mps=draw(st.floats(0.0, low_v - 1.0)),
        drone_max_altitude_m=draw(st.floats(100.0, 8000.0)),
        civil_max_speed_mps=draw(st.floats(low_v, 600.0)),
        ballistic_min_speed_mps=draw(st.floats(601.0, 3000.0)),
        civil_max_altitude_m=draw(st.floats(5000.0, 20000.0)),
        ballistic_min_altitude_m=draw(st.floats(20001.0, 100000.0)),
        civil_max_climb_mps=draw(st.floats(5.0, 100.0)),
        ballistic_min_climb_mps=draw(st.floats(101.0, 500.0)),
        confidence_sigmas=draw(st.floats(0.0, 4.0)),
    )


@settings(max_examples=100, deadline=None)
@given(valid_settings(), st.data())
def test_civil_and_missile_bands_are_disjoint(s: Identification, data: st.DataObject) -> None:
    x, P = random_tracks(data.draw, 30)
    bits = profile_bits(kinematics(x, P, ORIGIN), s)
    both = ((bits & CIVIL_KINEMATICS) > 0) & ((bits & MISSILE) > 0)
    assert not both.any()


@settings(max_examples=60, deadline=None)
@given(world())
def test_identity_of_a_track_does_not_depend_on_the_others(
    w: tuple[np.ndarray, np.ndarray, Evidence],
) -> None:
    x, P, ev = w
    together = identify(T(x, P), 0.0, ev, RULES)
    for i in range(len(x)):
        alone = identify(T(x[i : i + 1], P[i : i + 1]), 0.0, ev, RULES)
        assert alone.category[0] == together.category[i]
        assert alone.evidence[0] == together.evidence[i]


@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=40),
    st.lists(st.integers(-1, 39), max_size=60),
)
def test_non_hostile_engagements_counted_and_named(kinds: list[int], shots: list[int]) -> None:
    kind = np.array(kinds, dtype=np.int8)
    shots = [s for s in shots if s < len(kinds)]
    names = [f"obj{i}" for i in range(len(kinds))]
    out = non_hostile_engagements(np.array(shots, dtype=np.int64), kind, names)
    civil = [names[s] for s in shots if s >= 0 and kinds[s] == TRUTH_CIVIL]
    friendly = [names[s] for s in shots if s >= 0 and kinds[s] == TRUTH_COALITION]
    assert out == {
        "civil_engagements": len(civil),
        "friendly_engagements": len(friendly),
        "civil_engaged": civil,
        "friendly_engaged": friendly,
    }
