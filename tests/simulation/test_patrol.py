"""Fighter patrols on their schedule (issue 14, item 4): every aircraft's sortie from the fuel,
hand-overs "minutes apart", station coverage and its gaps against a brute-force sampling, and
the flown positions (continuous, on the pattern, home at landing)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.physics.geodesy import EARTH_MEAN_RADIUS, ecef_from_geodetic, geodetic_from_ecef
from inkless.physics.geodesy import surface_distance as gc
from inkless.scenario.model import Patrol
from inkless.simulation.patrol import TRAIL_M, Sorties, coverage, station_coverage, vectors


def patrol(**kw: object) -> Patrol:
    """Base at (31 N, 35 E), an orbit of 20 km about a centre 1.8° due north at 8 km, 230 m/s,
    3 h endurance, 20 min reserve, three flights of two."""
    spec: dict[str, object] = {
        "id": "cap",
        "owner": "A",
        "base": {"lat_deg": 31.0, "lon_deg": 35.0},
        "station": {"centre": {"lat_deg": 32.8, "lon_deg": 35.0, "alt_m": 8000.0},
                    "radius_km": 20.0},
        "interceptor": "aam",
        "missiles_per_aircraft": 4,
        "cruise_speed_mps": 230.0,
        "dash_speed_mps": 400.0,
        "endurance_s": 10800.0,
        "reserve_s": 1200.0,
        "flights": 3,
    }
    spec.update(kw)
    return Patrol.model_validate(spec)


D = EARTH_MEAN_RADIUS * math.radians(1.8)  # base to centre, m
ON = 10800.0 - 1200.0 - 2 * D / 230.0  # out D - r, home bound D + r


def test_a_wingman_flies_in_trail_of_its_lead() -> None:
    """A flight of two: the wingman takes off TRAIL_M / cruise (3 km / 230 m/s) after its lead
    and flies its path that much later, so it is 3 km behind it along the path (a chord of the
    20 km orbit on station, at least half of it across a corner, 3 km in a straight line),
    never at the same point: the tracker sees two aircraft. Before: one point for both."""
    s = Sorties.plan([patrol(flights=1)])
    lag = TRAIL_M / 230.0
    assert s.launch.tolist() == pytest.approx([0.0, lag])
    times = np.linspace(float(s.launch[1]), float(s.landed[0]), 2001)
    lead, wing = s.track(times - lag)[0][:, 0], s.track(times)[0][:, 1]
    assert np.abs(lead - wing).max() < 1e-3  # the lead's path, lag seconds later
    apart = np.linalg.norm(s.track(times)[0][:, 0] - wing, axis=-1)
    chord = 2 * 20e3 * math.sin(TRAIL_M / (2 * 20e3))
    steady = (times > s.on_station[1] + lag) & (times < s.bingo[0])  # both on the orbit
    assert apart[steady] == pytest.approx(chord, abs=15.0)  # (8 km up, the projection)
    assert apart.min() > TRAIL_M / 2 - 1.0  # at worst a corner (joining, leaving) between them
    assert apart.max() < TRAIL_M + 15.0


def test_schedule_of_every_aircraft_by_hand() -> None:
    """Out (D - r) / v to the orbit's nearest point; ON s on station; the next flight launches
    ON - 300 s later (arrives 5 min before bingo); home from the exit point on the orbit."""
    s = Sorties.plan([patrol()])
    assert s.ids == ("cap.1.1", "cap.1.2", "cap.2.1", "cap.2.2", "cap.3.1", "cap.3.2")
    step = ON - 300.0
    assert s.launch == pytest.approx(np.repeat([0.0, step, 2 * step], 2)
                                     + np.tile([0.0, TRAIL_M / 230.0], 3))  # wingmen trail
    assert s.on_station == pytest.approx(s.launch + (D - 20e3) / 230.0)
    assert s.bingo == pytest.approx(s.on_station + ON)
    # the exit point is on the orbit: home is between D - r and D + r away
    home = (s.landed - s.bingo) * 230.0
    assert np.all((home >= D - 20e3 - 1.0) & (home <= D + 20e3 + 1.0))
    # the relief is on station 300 s before the one it relieves leaves
    assert s.bingo[0] - s.on_station[2] == pytest.approx(300.0)


def test_fuel_on_landing_is_at_least_the_reserve() -> None:
    """Bingo keeps fuel to fly home from the farthest point: landing from a nearer exit point
    leaves the reserve plus the cruise fuel of the difference."""
    s = Sorties.plan([patrol(flights=5)])
    full = 1.0
    burn = 1.0 / 10800.0
    left = s.fuel(1e9)
    assert left == pytest.approx(full - burn * (s.landed - s.launch))
    home = (s.landed - s.bingo) * 230.0
    assert left == pytest.approx(1200.0 * burn + burn * (D + 20e3 - home) / 230.0)
    assert np.all(left >= 1200.0 * burn - 1e-12)
    assert s.fuel(-1.0) == pytest.approx(np.ones(len(s)))


def test_relief_keeps_the_station_covered_then_it_lapses() -> None:
    s = Sorties.plan([patrol()])
    cov = station_coverage(s, 0, s.on_station[0], s.bingo[-1] + 600.0)
    assert cov.gaps.tolist() == [pytest.approx([s.bingo[-1], s.bingo[-1] + 600.0])]
    assert cov.covered_s == pytest.approx(s.bingo[-1] - s.on_station[0])


def test_launches_too_far_apart_leave_gaps_at_each_handover() -> None:
    """Missions 2.5 h apart with about 2.2 h on station: a gap of (9000 - ON) s at each of the
    two hand-overs less the wingman's trail (it leaves TRAIL_M / cruise after its lead),
    checked on a 1 s grid."""
    s = Sorties.plan([patrol(launch_interval_s=9000.0)])
    start, end = float(s.on_station[0]), float(s.bingo[-1])
    cov = station_coverage(s, 0, start, end)
    assert len(cov.gaps) == 2
    assert cov.gaps[:, 1] - cov.gaps[:, 0] == pytest.approx([9000.0 - ON - TRAIL_M / 230.0] * 2)
    grid = np.arange(start, end, 1.0) + 0.5
    held = np.any((grid[:, None] >= s.on_station) & (grid[:, None] < s.bingo), axis=1)
    assert cov.gap_s == pytest.approx(np.sum(~held), abs=2.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 60)), max_size=12),
       st.integers(0, 100), st.integers(0, 150))
def test_coverage_against_brute_force(
    spans: list[tuple[int, int]], start: int, length: int
) -> None:
    """Integer intervals and window: covered seconds and gap seconds equal the count of unit
    cells held by no interval, and gaps never overlap an interval."""
    on = np.array([a for a, _ in spans], dtype=float)
    off = np.array([a + n for a, n in spans], dtype=float)
    end = start + length
    cov = coverage(on, off, float(start), float(end))
    cells = np.arange(start, end) + 0.5
    held = np.any((cells[:, None] >= on) & (cells[:, None] < off), axis=1) if len(on) else (
        np.zeros(len(cells), dtype=bool))
    assert cov.covered_s == pytest.approx(float(np.sum(held)))
    assert cov.gap_s == pytest.approx(float(np.sum(~held)))
    for a, b in cov.gaps:
        assert b > a
        assert not np.any((on < b) & (off > a) & (off > on))


@pytest.mark.parametrize(
    "station",
    [
        {"centre": {"lat_deg": 32.8, "lon_deg": 35.0, "alt_m": 8000.0}, "radius_km": 20.0},
        {"centre": {"lat_deg": 32.2, "lon_deg": 36.1, "alt_m": 9000.0}, "radius_km": 15.0,
         "pattern": "racetrack", "length_km": 80.0, "axis_deg": 60.0},
    ],
    ids=["orbit", "racetrack"],
)
def test_flown_positions(station: dict[str, object]) -> None:
    """Sampled every 2 s: no jump faster than cruise speed across take-off, joining, bingo and
    landing; on station at the pattern's distance from the centre and altitude; at the base on
    the ground before take-off and after landing; one lap takes the perimeter at cruise."""
    p = patrol(flights=2, station=station)
    s = Sorties.plan([p])
    r, L = p.station.radius_km * 1e3, p.station.length_km * 1e3
    times = np.arange(-10.0, float(s.landed.max()) + 20.0, 2.0)
    pos, air = s.track(times)  # (k, n, 3), (k, n): all times at once
    step = np.linalg.norm(np.diff(pos, axis=0), axis=-1)
    assert step.max() <= 230.0 * 2.0 * 1.01 + 1.0
    c = p.station.centre
    lat, lon, alt = geodetic_from_ecef(pos)
    from_centre = gc(lat, lon, math.radians(c.lat_deg), math.radians(c.lon_deg))
    on = (times[:, None] >= s.on_station) & (times[:, None] < s.bingo)
    assert np.all(from_centre[on] <= r + 0.5 * L + 1.0)
    assert np.all(from_centre[on] >= r - 1.0)
    assert np.allclose(alt[on], c.alt_m, atol=1e-3)
    base = ecef_from_geodetic(math.radians(31.0), math.radians(35.0), 0.0)
    ground = (times[:, None] < s.launch) | (times[:, None] >= s.landed)
    assert np.all(np.linalg.norm(pos - base, axis=-1)[ground] < 1e-3)
    assert not np.any(air[ground])
    lap = (2 * L + 2 * math.pi * r) / 230.0
    t0 = float(s.on_station[0]) + 100.0
    assert np.linalg.norm(s.positions(t0)[0][0] - s.positions(t0 + lap)[0][0]) < 1.0
    assert np.linalg.norm(s.positions(t0)[0][0] - s.positions(t0 + lap / 3)[0][0]) > 1000.0


def test_vector_to_a_head_on_target_and_the_way_home() -> None:
    """An aircraft on station at P, its base B behind it, a target D beyond it coming straight
    at it: the lead meets it after D / (v_d + v_t), v_d T further from base; it can
    go while fuel - reserve covers the dash and the cruise home, H + v_d T, so the farthest
    target it may take is at D_max = T_max (v_d + v_t) with
    T_max = (fuel - reserve - c_b H / v_c) / (d_b + c_b v_d / v_c). Checked at 0.99 and 1.01
    D_max; an aircraft on its way out is never vectored."""
    s = Sorties.plan([patrol(flights=1)])
    t = float(s.on_station[0]) + 1000.0
    pos, _ = s.positions(t)
    base = ecef_from_geodetic(math.radians(31.0), math.radians(35.0), 0.0)
    away = (pos[0] - base) / np.linalg.norm(pos[0] - base)
    H = float(np.linalg.norm(pos[0] - base))
    vt, vd, vc = 250.0, 400.0, 230.0
    cb, db = 1 / 10800, 3 / 10800
    fuel = 1.0 - cb * (t - s.launch[0])
    t_max = (fuel - 1200 * cb - cb * H / vc) / (db + cb * vd / vc)
    d_max = t_max * (vd + vt)
    targets = pos[0] + np.outer([0.99 * d_max, 1.01 * d_max], away)
    velocity = np.tile(-vt * away, (2, 1))
    v = vectors(s, t, targets, velocity, np.zeros(len(s)))  # no reach: flown to the intercept
    assert v.t_s[0] == pytest.approx(np.array([0.99, 1.01]) * d_max / (vd + vt), rel=1e-9)
    assert v.feasible[0].tolist() == [True, False]
    home = H + vd * v.t_s[0]
    assert v.fuel_home[0] == pytest.approx(fuel - db * v.t_s[0] - cb * home / vc, rel=1e-9)
    early = vectors(s, float(s.on_station[0]) - 10.0, targets * 0 + pos[0] + away, velocity,
                    np.zeros(len(s)))
    assert not early.feasible.any()


def test_a_vector_stands_off_at_its_missiles_reach() -> None:
    """Head on (closed form): a target D = 200 km ahead closing at v_t, the lead time
    T = D / (v_d + v_t); with a missile reaching R = 60 km the aircraft dashes only
    T - R / v_d (the lead point is then R ahead), from where the fuel home is counted; a
    target already within R (D = 50 km) is fired at from where the aircraft is (no dash)."""
    s = Sorties.plan([patrol(flights=1)])
    t = float(s.on_station[0]) + 1000.0
    pos, _ = s.positions(t)
    base = ecef_from_geodetic(math.radians(31.0), math.radians(35.0), 0.0)
    away = (pos[0] - base) / np.linalg.norm(pos[0] - base)
    vt, vd, R = 250.0, 400.0, 60e3
    targets = pos[0] + np.outer([200e3, 50e3], away)
    v = vectors(s, t, targets, np.tile(-vt * away, (2, 1)), np.full(len(s), R))
    T = 200e3 / (vd + vt)
    assert v.t_s[0] == pytest.approx([T - R / vd, 0.0], rel=1e-9)
    assert np.linalg.norm(v.point[0, 0] - (pos[0] + vd * (T - R / vd) * away)) < 1e-3
    assert np.linalg.norm(v.point[0, 1] - pos[0]) < 1e-6
    assert v.feasible[0].all()
    cb, db = 1 / 10800, 3 / 10800
    fuel = 1.0 - cb * (t - s.launch[0])
    home = float(np.linalg.norm(v.point[0, 0] - base))
    assert v.fuel_home[0, 0] == pytest.approx(fuel - db * (T - R / vd) - cb * home / 230.0,
                                              rel=1e-9)


def test_a_vector_ends_where_the_missile_meets_the_target_at_its_reach() -> None:
    """Head on (closed form): with the missile's speed m the dash ends ``u = R (1 + v_t / m) /
    (s + v_t)`` before the lead time, when target and aircraft are ``R (1 + v_t / m)`` apart:
    the missile, closing at ``m + v_t``, then meets the target R from the launch point. A
    crossing target (brute force): a missile fired at the end of the dash meets it at R."""
    s = Sorties.plan([patrol(flights=1)])
    t = float(s.on_station[0]) + 1000.0
    pos, _ = s.positions(t)
    base = ecef_from_geodetic(math.radians(31.0), math.radians(35.0), 0.0)
    away = (pos[0] - base) / np.linalg.norm(pos[0] - base)
    side = np.cross(away, pos[0] / np.linalg.norm(pos[0]))
    vt, vd, R, m = 250.0, 400.0, 60e3, 1000.0
    targets = np.array([pos[0] + 200e3 * away, pos[0] + 150e3 * away + 100e3 * side])
    vel = np.array([-vt * away, -vt * side])
    v = vectors(s, t, targets, vel, np.full(len(s), R), missile_mps=np.full(len(s), m))
    T = 200e3 / (vd + vt)
    assert v.t_s[0, 0] == pytest.approx(T - R * (1 + vt / m) / (vd + vt), rel=1e-9)
    launch, at = v.point[0, 1], targets[1] + vel[1] * v.t_s[0, 1]
    sigma = np.arange(0.0, 2 * R / m, 1e-3)
    gap = np.linalg.norm(at + vel[1] * sigma[:, None] - launch, axis=1) - m * sigma
    meet = sigma[np.argmax(gap <= 0.0)]
    assert m * meet == pytest.approx(R, abs=2.0)


@settings(max_examples=30, deadline=None)
@given(
    lat=st.floats(-60.0, 60.0),
    dlat=st.floats(-2.5, 2.5),
    dlon=st.floats(-2.5, 2.5),
    radius_km=st.floats(5.0, 60.0),
    length_km=st.sampled_from([0.0, 40.0, 150.0]),
    axis_deg=st.floats(0.0, 359.0),
)
def test_any_valid_station_lands_with_its_reserve_and_never_jumps(
    lat: float, dlat: float, dlon: float, radius_km: float, length_km: float, axis_deg: float
) -> None:
    """Wherever the station is and however it is laid out (a valid file), every aircraft lands
    with at least its reserve (the way home is bounded by the triangle inequality) and its
    ground speed never exceeds cruise, joining and leaving the pattern included."""
    station = {"centre": {"lat_deg": lat + dlat, "lon_deg": 35.0 + dlon, "alt_m": 7000.0},
               "radius_km": radius_km, "axis_deg": axis_deg}
    if length_km:
        station |= {"pattern": "racetrack", "length_km": length_km}
    try:
        p = patrol(base={"lat_deg": lat, "lon_deg": 35.0}, station=station, flights=1,
                   endurance_s=20000.0)
    except ValueError:  # too far for the fuel: refused at the boundary
        return
    s = Sorties.plan([p])
    assert s.fuel(1e9)[0] >= 1200.0 / 20000.0 - 1e-12
    times = np.linspace(float(s.launch[0]) - 5.0, float(s.landed[0]) + 5.0, 4001)
    lat_, lon_, _ = geodetic_from_ecef(s.track(times)[0][:, 0])  # all times at once
    step = gc(lat_[:-1], lon_[:-1], lat_[1:], lon_[1:])  # ground speed: the climb is not modelled
    assert np.all(step <= 230.0 * (times[1] - times[0]) * (1 + 1e-9) + 1e-6)


def _lead(p: np.ndarray, q: np.ndarray, v: np.ndarray, s: float) -> float:
    """The collision-course time by hand: the positive root of
    ``(v.v - s^2) T^2 + 2 (d.v) T + d.d = 0``, ``d = q - p``."""
    d = q - p
    a, b, c = v @ v - s * s, 2.0 * d @ v, d @ d
    return float((-b - math.sqrt(b * b - 4.0 * a * c)) / (2.0 * a))


def _crossing(s: Sorties, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aircraft 0's position at ``t`` and a target 40 km north of it at 2 km, crossing west
    at 250 m/s (ECEF)."""
    p = s.positions(t)[0][0]
    lat, lon, _ = geodetic_from_ecef(p)
    q = ecef_from_geodetic(lat + 40e3 / EARTH_MEAN_RADIUS, lon, 2000.0)
    west = ecef_from_geodetic(lat + 40e3 / EARTH_MEAN_RADIUS, lon - 1e-4, 2000.0) - q
    return p, q, 250.0 * west / np.linalg.norm(west)


def test_a_vector_is_flown_to_its_lead_intercept_and_back_to_where_it_left() -> None:
    """Aircraft 0 on station fires at a crossing target and flies its vector: at dash speed in
    a straight line to the lead intercept point (the collision-course quadratic solved by hand),
    reached after T; back at cruise to where it left after |point - p| / v_c more; then on round
    its pattern from there (the pattern's clock stopped while away). Fuel: the dash rate over
    the dash, the cruise rate otherwise; bingo comes (d_b - c_b) T / c_b earlier. Before, the
    aircraft stayed on its schedule (the vector was a cost only)."""
    s = Sorties.plan([patrol(flights=1)])
    t = float(s.on_station[0]) + 1000.0
    p, q, v = _crossing(s, t)
    T = _lead(p, q, v, 400.0)
    point = q + v * T
    vec = vectors(s, t, q[None], v[None], np.zeros(len(s)))
    assert vec.t_s[0, 0] == pytest.approx(T, rel=1e-9) and vec.feasible[0, 0]
    flown = s.vector(np.array([0]), t, vec.t_s[0], vec.point[0], np.array([False]))
    at = lambda u: flown.positions(u)[0][0]  # noqa: E731
    assert np.linalg.norm(at(t) - p) < 1e-6
    assert np.linalg.norm(at(t + T) - point) < 1e-3
    mid = at(t + T / 2)
    assert np.linalg.norm(mid - p) == pytest.approx(400.0 * T / 2, rel=1e-9)
    assert np.linalg.norm(mid - (p + point) / 2) < 1e-3  # a straight line
    back = float(np.linalg.norm(point - p)) / 230.0
    assert np.linalg.norm(at(t + T + back) - p) < 1e-3
    assert np.linalg.norm(at(t + T + back / 2) - (p + point) / 2) < 1e-3
    for tau in (10.0, 500.0):  # the pattern resumes where it left
        assert np.linalg.norm(at(t + T + back + tau) - s.positions(t + tau)[0][0]) < 1e-3
    cb, db = 1 / 10800, 3 / 10800
    assert flown.fuel(t + T)[0] == pytest.approx(s.fuel(t)[0] - db * T, rel=1e-12)
    assert flown.fuel(t + T + back)[0] == pytest.approx(
        s.fuel(t)[0] - db * T - cb * back, rel=1e-12)
    assert flown.bingo[0] == pytest.approx(s.bingo[0] - (db - cb) * T / cb, rel=1e-12)
    base = ecef_from_geodetic(math.radians(31.0), math.radians(35.0), 0.0)
    assert np.linalg.norm(flown.positions(float(flown.landed[0]))[0][0] - base) < 1e-3
    assert flown.fuel(1e9)[0] >= 1200.0 * cb - 1e-12  # lands with its reserve
    assert (flown.positions(t + 1.0)[0][1:] == s.positions(t + 1.0)[0][1:]).all()


@pytest.mark.parametrize("per_flight", [1, 2])
def test_a_station_emptied_early_launches_the_next_flight(per_flight: int) -> None:
    """Three flights of ``per_flight``, relieved 5 min before bingo. Mid-station, flight 1
    spends its last missiles (every aircraft, no dash) and goes home: the station is empty, so
    flight 2 takes off at the next decision (its wingman in trail); flight 3 keeps its
    scheduled launch, so a gap opens between flight 2's (earlier) bingo and flight 3's
    arrival. Flight 3 spending its last missiles has no flight left to launch: the gap to the
    end is reported. Before: flight 3 moved earlier with flight 2 (all later flights shifted,
    so a patrol whose stations emptied early ran out of flights hours before its schedule
    ended)."""
    s = Sorties.plan([patrol(flights=3, aircraft_per_flight=per_flight)])
    rows = np.arange(per_flight)
    t = float(s.on_station[0]) + 4000.0
    here = s.positions(t)[0][rows]
    flown = s.vector(rows, t, np.zeros(per_flight), here, np.ones(per_flight, bool), t + 5.0)
    two, three = np.arange(per_flight, 2 * per_flight), np.arange(2 * per_flight, 3 * per_flight)
    shift = float(s.launch[per_flight]) - (t + 5.0)
    assert shift > 2000.0
    for name in ("launch", "on_station", "bingo", "landed"):
        assert getattr(flown, name)[two] == pytest.approx(getattr(s, name)[two] - shift)
        assert getattr(flown, name)[three] == pytest.approx(getattr(s, name)[three])
    assert flown.bingo[rows] == pytest.approx(t)
    cov = station_coverage(flown, 0, float(s.on_station[0]), float(flown.bingo[-1]))
    assert cov.gaps.tolist() == [
        pytest.approx([t, float(flown.on_station[per_flight])]),
        pytest.approx([float(flown.bingo[two].max()), float(flown.on_station[three].min())])]
    u = float(flown.on_station[three].max()) + 100.0  # flight 2 gone: 3 holds alone
    end = flown.vector(three, u, np.zeros(per_flight), flown.positions(u)[0][three],
                       np.ones(per_flight, bool))
    assert end.launch == pytest.approx(flown.launch)
    assert station_coverage(end, 0, 0.0, 1e5).gaps[-1].tolist() == pytest.approx([u, 1e5])


def test_a_wingman_holding_the_station_launches_no_relief() -> None:
    """A flight of two: the lead spends its last missile and goes home, its wingman still holds
    the station: flight 2 keeps its schedule."""
    s = Sorties.plan([patrol(flights=3)])
    t = float(s.on_station[1]) + 4000.0
    flown = s.vector(np.array([0]), t, np.zeros(1), s.positions(t)[0][:1], np.array([True]))
    assert flown.launch == pytest.approx(s.launch)


def test_out_of_missiles_it_flies_its_vector_then_home_from_the_intercept() -> None:
    """Its last missile fired, the aircraft still flies its vector to the intercept point,
    then turns home (bingo: the end of the dash) along the great circle from there at cruise;
    it lands with at least its reserve (the vector's cost allowed for the way home)."""
    s = Sorties.plan([patrol(flights=1)])
    t = float(s.on_station[0]) + 1000.0
    p, q, v = _crossing(s, t)
    T = _lead(p, q, v, 400.0)
    flown = s.vector(np.array([0]), t, np.array([T]), (q + v * T)[None], np.array([True]))
    assert flown.bingo[0] == pytest.approx(t + T)
    assert np.linalg.norm(flown.positions(t + T)[0][0] - (q + v * T)) < 1e-3
    lat, lon, _ = geodetic_from_ecef(q + v * T)
    home = float(gc(lat, lon, math.radians(31.0), math.radians(35.0)))
    assert flown.landed[0] == pytest.approx(t + T + home / 230.0, rel=1e-12)
    times = np.linspace(t, float(flown.landed[0]), 2001)
    pos = flown.track(times)[0][:, 0]
    step = np.linalg.norm(np.diff(pos, axis=0), axis=-1) / (times[1] - times[0])
    assert step.max() <= 400.0 * (1 + 1e-6)
    cb = 1 / 10800
    assert flown.fuel(1e9)[0] >= 1200.0 * cb - 1e-12


@pytest.mark.parametrize("per_flight", [1, 2])
def test_an_aircraft_away_on_a_vector_does_not_hold_its_station(per_flight: int) -> None:
    """A flight of ``per_flight`` aircraft; aircraft 0 flies a vector (dash T, back at cruise).
    Against a brute-force count every 0.25 s of the times some aircraft is on station and not
    on a dash's legs: alone, the station has a gap from the shot until it is back; with its
    wingman, none. Before: the station counted as held while the aircraft was away."""
    s = Sorties.plan([patrol(flights=1, aircraft_per_flight=per_flight)])
    t = float(s.on_station[0]) + 1000.0
    p, q, v = _crossing(s, t)
    T = _lead(p, q, v, 400.0)
    flown = s.vector(np.array([0]), t, np.array([T]), (q + v * T)[None], np.array([False]))
    back = float(np.linalg.norm(q + v * T - p)) / 230.0
    start, end = float(s.on_station.min()), float(flown.bingo.max())
    cov = station_coverage(flown, 0, start, end)
    ts = np.arange(start, end, 0.25)
    d = flown.dashes
    away = (ts[:, None] >= d.start) & (ts[:, None] < d.start + d.dash_s + d.back_s)
    held = ((ts[:, None] >= flown.on_station) & (ts[:, None] < flown.bingo))
    held[:, d.row] &= ~away
    assert cov.covered_s == pytest.approx(held.any(axis=1).sum() * 0.25, abs=0.5)
    if per_flight == 1:
        assert cov.gaps.tolist() == [pytest.approx([t, t + T + back])]
    else:
        assert cov.gaps.tolist() == []


def test_positions_are_read_only_and_fresh_after_each_vector() -> None:
    """:meth:`Sorties.positions` keeps its last answer (the engine asks it several times a
    decision): the arrays it returns cannot be written (a caller would corrupt the next
    answer), they are :meth:`Sorties.track` at that time to the bit, and a vector's new
    sorties answer for themselves, not with the old sorties' kept positions."""
    s = Sorties.plan([patrol(flights=2)])
    t = float(s.on_station[0]) + 1000.0
    pos, up = s.positions(t)
    with pytest.raises(ValueError):
        pos[0, 0] = 0.0
    with pytest.raises(ValueError):
        up[0] = False
    at, aloft = s.track(np.array([t]))
    assert (pos == at[0]).all() and (up == aloft[0]).all()
    _, q, v = _crossing(s, t)
    vec = vectors(s, t, q[None], v[None], np.zeros(len(s)))
    flown = s.vector(np.array([0]), t, vec.t_s[0], vec.point[0], np.array([False]))
    later = t + vec.t_s[0, 0] / 2
    before = s.positions(later)[0]
    after = flown.positions(later)[0]
    assert (after == flown.track(np.array([later]))[0][0]).all()
    assert np.linalg.norm(after[0] - before[0]) > 100.0  # aircraft 0 is on its dash
    assert (s.positions(later)[0] == before).all()
