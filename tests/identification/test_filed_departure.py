"""Procedural identification by point of origin: a track that correlates with one of the
coalition's filed departures (a patrol's base and scheduled take-off) is held assumed friend,
not suspect, until IFF has had ``report_memory_s`` to answer; a threat arriving over the base in
the same window is declared exactly as it would be with no departure filed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.identification import (
    ASSUMED_FRIEND,
    FRIEND,
    HOSTILE,
    PENDING,
    SUSPECT,
    Evidence,
    compile_rules,
    identify,
)
from inkless.physics.geodesy import (
    destination,
    ecef_from_geodetic,
    geodetic_from_ecef,
    surface_distance,
)
from inkless.scenario import parse_scenario
from inkless.simulation.adsb import AdsbReports, IffReplies, simulate_iff
from inkless.units import DEG

from .conftest import ORIGIN, KnownAssociationTracker, Tracks, mover_ballistic, route, track_at

F64 = np.ndarray
LAUNCH = 1000.0  # the patrol's scheduled take-off, s
BASE = (31.0, 35.0)  # deg

SCENARIO = """
name: base
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 3000}
members: [{id: A, name: Alpha, role: host}]
assets: [{name: base, owner: A, position: {lat_deg: 31.0, lon_deg: 35.0}, value: 10,
          radius_m: 2000}]
interceptors: [{id: aam, max_range_km: 30, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
"""
PATROL = """
patrols:
  - {id: cap1, owner: A, base: {lat_deg: 31.0, lon_deg: 35.0},
     station: {centre: {lat_deg: 31.8, lon_deg: 35.0, alt_m: 6000}, radius_km: 10},
     interceptor: aam, missiles_per_aircraft: 2, aircraft_per_flight: 1, flights: 1,
     first_launch_s: 1000, cruise_speed_mps: 200, dash_speed_mps: 300, endurance_s: 2400}
"""

Mover = Callable[[float], tuple[F64, F64, bool]]


def run(mover: Mover, seen: Callable[[float, F64], bool], filed: bool, iff_from: float,
        seed: int = 1, t0: float = 900.0, t1: float = 1300.0, sigma_m: float = 100.0,
        extra: str = "") -> dict[str, Any]:
    """Identify one object every 5 s from ``t0`` to ``t1`` (a Kalman track with known
    association, ``sigma_m`` noise), the track starting when ``seen(t, ecef)`` first holds; IFF
    replies (every scan) from ``iff_from`` s. ``filed``: the scenario has the patrol (its
    departure is filed) or not; ``extra``: more scenario text. Returns the times, categories
    (-1: no track) and hostile declaration times, scan by scan."""
    sc = parse_scenario(SCENARIO + (PATROL if filed else "") + extra)
    rules = compile_rules(sc, ORIGIN)
    rng = np.random.default_rng(seed)
    trk = KnownAssociationTracker(1, sigma_m, rng)
    prev, out_t, cat, t_h = None, [], [], []
    on = False
    for t in np.arange(t0, t1, 5.0):
        r, _, active = mover(float(t))
        on = active and (on or seen(float(t), r))
        tracks = trk.step(float(t), np.nan_to_num(r)[None], np.array([on]))
        iff = (simulate_iff(r[None], np.array([True]), float(t), rng, p_reply=1.0)
               if on and t >= iff_from else IffReplies.empty(float(t)))
        ev = Evidence(AdsbReports.empty(float(t)), iff, np.empty((0, 3)), np.empty((0, 3)))
        prev = identify(tracks, float(t), ev, rules, prev)
        out_t.append(float(t))
        cat.append(int(prev.category[0]) if len(prev) else -1)
        t_h.append(float(prev.t_hostile[0]) if len(prev) else np.nan)
    return {"t": np.array(out_t), "cat": np.array(cat), "t_hostile": np.array(t_h),
            "memory": sc.identification.report_memory_s}


def fighter(late_s: float = 0.0) -> Mover:
    """A fighter taking off from the base ``late_s`` after its scheduled launch, low and fast
    (250 m/s, climbing from 0 to 1000 m over 60 km), north towards its station."""
    table = route([(BASE[0], BASE[1], 0.0), (31.55, 35.0, 1000.0), (31.8, 35.0, 6000.0)],
                  250.0, LAUNCH + late_s)

    def at(t: float) -> tuple[F64, F64, bool]:
        r, v, a = table.state(t)
        return r[0], v[0], bool(a[0])

    return at


def after(s: float) -> Callable[[float, F64], bool]:
    """Seen from ``s`` seconds after the scheduled launch (a radar picks up the climb-out)."""
    return lambda t, r: t >= LAUNCH + s


def within(km: float) -> Callable[[float, F64], bool]:
    """Seen once within ``km`` of the base (a radar that sees the base's surroundings only)."""
    def f(t: float, r: F64) -> bool:
        lat, lon, _ = geodetic_from_ecef(r[None])
        return bool(surface_distance(lat, lon, BASE[0] * DEG, BASE[1] * DEG)[0] <= km * 1e3)
    return f


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_fighter_climbing_out_in_its_window_is_assumed_friend_until_iff_answers(
        seed: int) -> None:
    """The fighter is first seen 15 s after take-off, low and fast (a cruise missile's
    profile), and its first IFF replies are missed (they come 25 s after its first sighting):
    with its departure filed it is never suspect (assumed friend, then friend); without, it
    is suspect in the cycles before IFF answers (before the fix: suspect either way)."""
    kw = {"mover": fighter(), "seen": after(15.0), "iff_from": LAUNCH + 40.0, "seed": seed}
    with_plan, without = run(filed=True, **kw), run(filed=False, **kw)
    tracked = with_plan["cat"] >= 0
    assert tracked.sum() > 20
    assert not np.isin(with_plan["cat"], [SUSPECT, HOSTILE]).any()
    before_iff = tracked & (with_plan["t"] < LAUNCH + 40.0) & (with_plan["cat"] != PENDING)
    assert before_iff.any() and (with_plan["cat"][before_iff] == ASSUMED_FRIEND).all()
    assert (with_plan["cat"][with_plan["t"] >= LAUNCH + 40.0] == FRIEND).all()
    assert (without["cat"] == SUSPECT).any()  # the defect the filed departure removes


def test_a_departure_that_iff_never_confirms_goes_back_to_the_usual_rules() -> None:
    """The hold lasts ``report_memory_s`` from the track's first appearance: a track that
    correlates with the departure but never answers IFF is then identified as without the
    plan (here, low and fast with no cooperative evidence: suspect, then hostile)."""
    kw = {"mover": fighter(), "seen": after(15.0), "iff_from": np.inf}
    with_plan, without = run(filed=True, **kw), run(filed=False, **kw)
    first = with_plan["t"][with_plan["cat"] >= 0][0]
    hold = (with_plan["t"] <= first + with_plan["memory"]) & (with_plan["cat"] >= 0)
    assert (with_plan["cat"][hold] != SUSPECT).all() and (with_plan["cat"][hold] != HOSTILE).all()
    later = with_plan["t"] > first + with_plan["memory"] + 5.0 * 3
    assert (with_plan["cat"][later] == HOSTILE).all() and later.sum() > 10
    assert (without["cat"][later] == HOSTILE).all()


STRICT = """
roe: {hostile: [{threat_class: ballistic, requires: [ballistic_profile]},
                {threat_class: cruise, requires: [cruise_profile]}]}
"""


def test_under_rules_that_ignore_cooperative_evidence_a_departure_is_not_declared() -> None:
    """A stricter rule set declares a cruise profile whatever the cooperative evidence: the
    fighter without its departure filed is declared hostile before its first IFF reply
    (which then withdraws it); with it filed, it is never declared (no rule holds while the
    departure correlates)."""
    kw = {"mover": fighter(), "seen": after(15.0), "iff_from": LAUNCH + 40.0, "extra": STRICT}
    with_plan, without = run(filed=True, **kw), run(filed=False, **kw)
    assert (without["cat"] == HOSTILE).any()
    assert not np.isin(with_plan["cat"], [SUSPECT, HOSTILE]).any()


@pytest.mark.parametrize(("late_s", "seen_s"), [(-400.0, 15.0), (0.0, 240.0)])
def test_outside_its_window_a_departure_does_not_correlate(late_s: float, seen_s: float) -> None:
    """A take-off 400 s before its schedule, or a track first seen 4 minutes after the
    launch (by then 60 km from the base): the filed departure does not correlate, and the track
    is identified exactly as without it."""
    kw = {"mover": fighter(late_s), "seen": after(late_s + seen_s), "iff_from": np.inf,
          "t0": LAUNCH + min(late_s, 0.0) - 20.0, "t1": LAUNCH + late_s + seen_s + 200.0}
    with_plan, without = run(filed=True, **kw), run(filed=False, **kw)
    assert (with_plan["cat"] >= 0).sum() > 10
    np.testing.assert_array_equal(with_plan["cat"], without["cat"])
    assert (with_plan["cat"] == SUSPECT).any() or (with_plan["cat"] == HOSTILE).any()


def _cruise_over_base() -> Mover:
    """A cruise missile at 250 m/s and 100 m, from the south-east over the base and on."""
    table = route([(30.7, 35.3, 100.0), (BASE[0], BASE[1], 100.0), (31.3, 34.7, 100.0)], 250.0,
                  LAUNCH - 100.0)

    def at(t: float) -> tuple[F64, F64, bool]:
        r, v, a = table.state(t)
        return r[0], v[0], bool(a[0])

    return at


def _drone_over_base() -> Mover:
    """A drone at 50 m/s and 800 m, from the east over the base and on."""
    table = route([(31.0, 35.2, 800.0), (BASE[0], BASE[1], 800.0), (31.0, 34.8, 800.0)], 50.0,
                  LAUNCH - 200.0)

    def at(t: float) -> tuple[F64, F64, bool]:
        r, v, a = table.state(t)
        return r[0], v[0], bool(a[0])

    return at


def _ballistic_on_base() -> Mover:
    """A ballistic missile from 230 km away (214 s of flight) impacting the base 170 s after
    the scheduled launch."""
    return mover_ballistic(32.5, 36.5, BASE[0], BASE[1], LAUNCH + 170.0 - 214.0)


THREATS = {
    # each first seen near the base between 60 s before the scheduled launch and 180 s after
    "cruise missile": (_cruise_over_base, within(15.0)),
    "drone": (_drone_over_base, within(8.0)),
    "ballistic missile": (_ballistic_on_base, within(30.0)),
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("threat", list(THREATS))
def test_a_threat_over_the_base_in_the_departure_window_is_declared_on_time(
        threat: str, seed: int) -> None:
    """Air bases are targets: a cruise missile, a drone or a ballistic missile first seen
    near the base during its departure window (low or descending, closing on the base) is
    declared hostile at the same scan, and identified the same at every scan, as with no
    departure filed."""
    make, seen = THREATS[threat]
    kw = {"mover": make(), "seen": seen, "iff_from": np.inf, "seed": seed, "t0": 600.0,
          "t1": 1400.0}
    with_plan, without = run(filed=True, **kw), run(filed=False, **kw)
    tracked = with_plan["t"][with_plan["cat"] >= 0]
    assert len(tracked) and LAUNCH - 60.0 <= tracked[0] <= LAUNCH + 180.0  # in the window
    assert (with_plan["cat"] == HOSTILE).any()
    np.testing.assert_array_equal(with_plan["cat"], without["cat"])
    np.testing.assert_array_equal(with_plan["t_hostile"], without["t_hostile"])


def test_the_filed_departures_are_the_patrols_sorties() -> None:
    """The rules hold one filed departure per patrol aircraft: its base (ECEF) and its
    scheduled take-off."""
    sc = parse_scenario(SCENARIO + PATROL.replace("aircraft_per_flight: 1, flights: 1",
                                                  "aircraft_per_flight: 2, flights: 2, "
                                                  "launch_interval_s: 1500"))
    d = compile_rules(sc, ORIGIN).departures
    lag = 3000.0 / 200.0  # the wingman takes off in trail (simulation.patrol.TRAIL_M)
    np.testing.assert_allclose(d.launch, [1000.0, 1000.0 + lag, 2500.0, 2500.0 + lag])
    base = ecef_from_geodetic(BASE[0] * DEG, BASE[1] * DEG, 0.0).reshape(3)
    np.testing.assert_allclose(d.base, np.tile(base, (4, 1)), atol=1e-6)
    assert len(compile_rules(parse_scenario(SCENARIO), ORIGIN).departures) == 0


@settings(deadline=None, max_examples=60)
@given(bearing=st.floats(0.0, 2 * np.pi), dist_m=st.floats(500.0, 30000.0),
       alt_m=st.floats(0.0, 8000.0), off=st.floats(-1.3, 1.3), speed=st.floats(20.0, 2500.0),
       climb=st.floats(-800.0, 200.0), t_first=st.floats(LAUNCH - 60.0, LAUNCH + 180.0),
       confirm=st.integers(1, 3))
def test_a_track_closing_on_the_base_is_identified_as_with_nothing_filed(
        bearing: float, dist_m: float, alt_m: float, off: float, speed: float, climb: float,
        t_first: float, confirm: int) -> None:
    """Property: a track first seen near the base inside its departure window, closing on the
    base (its ground track within 75 degrees of the bearing to the base), at any speed and
    climb, is given the same category and declaration time at every identification as with
    no departure filed (here, well-known velocity: assessed from its first appearance)."""
    lat, lon = destination(BASE[0] * DEG, BASE[1] * DEG, bearing, dist_m)
    inward = bearing + np.pi + off  # the ground track, rad from north
    v = (speed * np.sin(inward), speed * np.cos(inward), climb)
    x0, P, _ = track_at(float(lat) / DEG, float(lon) / DEG, alt_m, v, sd_vel=2.0)
    extra = f"identification: {{hostile_confirm_scans: {confirm}}}\n"
    got = []
    for filed in (True, False):
        rules = compile_rules(parse_scenario(SCENARIO + (PATROL if filed else "") + extra),
                              ORIGIN)
        prev, seq = None, []
        for k in range(5):
            t = t_first + 5.0 * k
            x = x0.copy()
            x[:3] += x0[3:] * 5.0 * k
            tracks = Tracks(np.array([7]), x[None], P[None])
            prev = identify(tracks, t, Evidence.none(t), rules, prev)
            seq.append((int(prev.category[0]), float(prev.t_hostile[0])))
        got.append(seq)
    np.testing.assert_array_equal(np.array(got[0]), np.array(got[1]))


@settings(deadline=None, max_examples=80)
@given(bearing=st.floats(0.0, 2 * np.pi), dist_m=st.floats(500.0, 20000.0),
       h=st.floats(0.0, 3000.0), away=st.floats(0.05, 3.0), sign=st.sampled_from([-1.0, 1.0]),
       across=st.floats(-3.0, 3.0), climb=st.floats(100.0, 250.0))
def test_a_steep_climb_is_judged_by_its_ground_track_alone(
        bearing: float, dist_m: float, h: float, away: float, sign: float, across: float,
        climb: float) -> None:
    """Property: a track near the base climbing steeply (100-250 m/s) with a slow ground
    track (at most a few m/s) contradicts the departure exactly when its ground track closes
    on the base, the horizontal taken in the base's own east-north-up frame (authority:
    pymap3d). Before: the base's up was the geocentric radius, 0.17 degrees off the vertical
    at 31 N, so the climb leaked into the horizontal: north of the base a track closing on it
    at 0.25 m/s while climbing at 100 m/s read as opening (and the reverse to the south)."""
    import pymap3d

    from inkless.identification.departures import contradicts
    from inkless.identification.evidence import kinematics, to_enu

    rules = compile_rules(parse_scenario(SCENARIO + PATROL), ORIGIN)
    d, s = rules.departures, rules.settings
    lat, lon, alt = float(d.lat[0]) / DEG, float(d.lon[0]) / DEG, float(d.alt[0])
    e, n = dist_m * np.sin(bearing), dist_m * np.cos(bearing)
    radial, side = np.array([np.sin(bearing), np.cos(bearing)]), np.array([np.cos(bearing),
                                                                            -np.sin(bearing)])
    ve, vn = sign * away * radial + across * side
    pos = np.array(pymap3d.enu2ecef(e, n, h, lat, lon, alt))
    vel = np.array(pymap3d.enu2uvw(ve, vn, climb, lat, lon))
    p_enu, r0 = to_enu(pos[None], ORIGIN)
    x = np.r_[p_enu[0], r0 @ vel][None]
    P = np.diag([50.0**2] * 3 + [2.0**2] * 3)[None]
    got = contradicts(x, kinematics(x, P, ORIGIN), np.zeros(1, np.uint32), d, s, ORIGIN)
    assert bool(got[0]) == (e * ve + n * vn < 0.0)
