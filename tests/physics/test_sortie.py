"""A fighter's sortie against outside authorities: the pursuit curve's closed forms (Bouguer's
crossing target, the general invariant) and scipy's integration of the pursuit ODE; the lead
(collision-course) solution against a brute-force search over headings and times; endurance
and the way home from fuel and burn rates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from inkless.physics.geodesy import destination
from inkless.physics.sortie import (
    lead_intercept,
    pursuit_intercept,
    pursuit_time,
    stadium_entry,
    stadium_point,
    station_entry,
    station_frame,
    station_geodetic,
    station_point,
    time_on_station,
    vector_cost,
)


def _integrated_pursuit(
    p0: np.ndarray, q0: np.ndarray, v: np.ndarray, vp: float
) -> tuple[float, np.ndarray]:
    """Capture time and pursuer position by integrating the pure-pursuit ODE
    ``dp/dt = vp (q(t) - p) / |q(t) - p|`` with scipy (RK45, tight tolerances), 1 m short."""

    def rhs(t: float, p: np.ndarray) -> np.ndarray:
        d = q0 + v * t - p
        return vp * d / np.linalg.norm(d)

    def caught(t: float, p: np.ndarray) -> float:
        return float(np.linalg.norm(q0 + v * t - p) - 1.0)

    caught.terminal = True  # type: ignore[attr-defined]
    r0 = float(np.linalg.norm(q0 - p0))
    sol = solve_ivp(rhs, (0.0, 100 * r0 / vp), p0, events=caught, rtol=1e-10, atol=1e-6)
    assert sol.status == 1, "the integration never reached capture"
    return float(sol.t_events[0][0]), sol.y_events[0][0]


def test_crossing_target_bouguer() -> None:
    """Bouguer (1732): a target crossing at right angles at distance d is caught after
    T = d v_p / (v_p^2 - v_t^2), having run d k / (1 - k^2) with k = v_t / v_p."""
    d, vp, vt = 60_000.0, 400.0, 250.0
    t, point = pursuit_intercept([0.0, 0.0, 0.0], [d, 0.0, 0.0], [0.0, vt, 0.0], vp)
    assert t == pytest.approx(d * vp / (vp**2 - vt**2), rel=1e-12)
    k = vt / vp
    assert point == pytest.approx([d, d * k / (1 - k**2), 0.0], rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    x=st.floats(-80e3, 80e3),
    y=st.floats(-80e3, 80e3),
    heading=st.floats(0.0, 2 * np.pi),
    vt=st.floats(30.0, 300.0),
    ratio=st.floats(1.2, 4.0),
)
def test_general_closed_form_matches_the_integrated_ode(
    x: float, y: float, heading: float, vt: float, ratio: float
) -> None:
    """The invariant r (v_p + v_t cos θ) falls at v_p² - v_t²: its capture time agrees with
    scipy's integration of the pursuit ODE for any start and target heading."""
    q0 = np.array([x, y, 0.0])
    if np.linalg.norm(q0) < 5_000.0:
        q0 = q0 + np.array([5_000.0, 0.0, 0.0])
    v = vt * np.array([np.cos(heading), np.sin(heading), 0.0])
    vp = ratio * vt
    t_arr, point = pursuit_intercept(np.zeros(3), q0, v, vp)
    t = float(t_arr)
    t_ode, p_ode = _integrated_pursuit(np.zeros(3), q0, v, vp)
    # the ODE stops 1 m short: at most 1 m / (v_p - v_t) earlier
    assert t == pytest.approx(t_ode, abs=1.0 / (vp - vt) + 1e-6 * t)
    # it is then 1 m behind a target that runs on for at most 1 m / (v_p - v_t)
    assert np.linalg.norm(point - p_ode) <= 1.0 + vt / (vp - vt) + 1e-3


def test_slower_pursuer_never_catches_but_head_on_does() -> None:
    assert pursuit_time(10e3, 0.3, 200.0, 250.0) == np.inf
    assert pursuit_time(10e3, -1.0, 200.0, 250.0) == pytest.approx(10e3 / 450.0)
    assert pursuit_time(10e3, 1.0, 300.0, 200.0) == pytest.approx(10e3 / 100.0)  # tail chase


def test_lead_against_brute_force_over_headings() -> None:
    """The collision course is the heading that meets the target earliest: search headings
    (0.05°) and times (0.05 s) for the first moment the pursuer is within a grid cell's reach."""
    p0 = np.array([0.0, 0.0])
    q0 = np.array([70_000.0, 30_000.0])
    v = np.array([-180.0, -120.0])
    speed = 450.0
    t, point, heading = lead_intercept(p0, q0, v, speed)
    th = np.deg2rad(np.arange(0.0, 360.0, 0.05))
    ts = np.arange(0.0, 400.0, 0.05)
    ux, uy = np.cos(th)[:, None], np.sin(th)[:, None]
    dx = speed * ts * ux - (q0[0] + v[0] * ts)
    dy = speed * ts * uy - (q0[1] + v[1] * ts)
    tol = speed * np.deg2rad(0.05) * ts + speed * 0.05  # one grid cell's reach
    hit = np.hypot(dx, dy) <= tol
    i, j = np.nonzero(hit)
    first = np.argmin(ts[j])
    assert t == pytest.approx(ts[j[first]], abs=0.1)
    assert np.arctan2(heading[1], heading[0]) % (2 * np.pi) == pytest.approx(th[i[first]], abs=2e-3)
    assert np.linalg.norm(point - (p0 + speed * t * heading)) < 1e-6


def test_lead_is_never_slower_than_pursuit() -> None:
    rng = np.random.default_rng(5)
    q0 = rng.uniform(-1e5, 1e5, (200, 3))
    v = rng.uniform(-250.0, 250.0, (200, 3))
    t_lead, _, _ = lead_intercept(np.zeros(3), q0, v, 600.0)
    t_pursuit, _ = pursuit_intercept(np.zeros(3), q0, v, 600.0)
    assert np.all(t_lead <= t_pursuit * (1 + 1e-12))


def test_endurance_from_fuel_and_burn_rate() -> None:
    """3 000 kg at 0.5 kg/s is 6 000 s; 100 km out and 100 km home at 200 m/s take 1 000 s;
    a 300 kg reserve is 600 s of cruise: 4 400 s on station."""
    assert time_on_station(3000.0, 0.5, 0.0, 0.0, 0.0, 200.0) == pytest.approx(6000.0)
    assert time_on_station(3000.0, 0.5, 300.0, 100e3, 100e3, 200.0) == pytest.approx(4400.0)
    assert time_on_station(3000.0, 0.5, 0.0, 700e3, 700e3, 200.0) < 0.0


def test_vector_cost_and_the_way_home() -> None:
    """A 200 s dash at 2 kg/s from 1 000 kg leaves 600 kg; home 120 km at 240 m/s is 500 s at
    0.5 kg/s: 350 kg on landing, feasible with a 300 kg reserve, not with 400 kg."""
    base = np.zeros(3)
    point = np.array([120e3, 0.0, 0.0])
    ok = vector_cost(200.0, point, 1000.0, 2.0, base, 240.0, 0.5, 300.0)
    assert (ok.fuel_at, ok.home_s, ok.fuel_home) == pytest.approx((600.0, 500.0, 350.0))
    assert ok.feasible
    assert not vector_cost(200.0, point, 1000.0, 2.0, base, 240.0, 0.5, 400.0).feasible
    assert not vector_cost(np.inf, point, 1000.0, 2.0, base, 240.0, 0.5, 0.0).feasible
    assert not vector_cost(np.nan, point, 1000.0, 2.0, base, 240.0, 0.5, 0.0).feasible


def test_racetrack_points_and_entry_against_brute_force() -> None:
    """The pattern is flown at unit arc-length speed (consecutive points 1 perimeter/N apart),
    right turns (clockwise seen from above: with y to the right of x, the cross product of
    successive headings is never negative), and the
    entry is the nearest of 50 000 points of the pattern to each of 200 random points."""
    L, r = 60e3, 15e3
    s = np.linspace(0.0, 2 * L + 2 * np.pi * r, 50_001)
    x, y = stadium_point(s, L, r)
    step = np.hypot(np.diff(x), np.diff(y))
    assert step == pytest.approx(np.full(step.shape, s[1]), rel=1e-6)
    dx, dy = np.diff(x), np.diff(y)
    turn = dx[:-1] * dy[1:] - dy[:-1] * dx[1:]  # z of heading_k x heading_k+1
    assert np.all(turn >= -1e-6)
    assert np.mean(turn > 1e-4) > 0.4  # the turns: 2πr of 2L + 2πr, 44 %
    pts = np.random.default_rng(1).uniform(-150e3, 150e3, (200, 2))
    xe, ye = stadium_point(stadium_entry(pts[:, 0], pts[:, 1], L, r), L, r)
    d_entry = np.hypot(xe - pts[:, 0], ye - pts[:, 1])
    d_brute = np.min(np.hypot(x[None, :] - pts[:, :1], y[None, :] - pts[:, 1:]), axis=1)
    assert d_entry == pytest.approx(d_brute, abs=5.0)


def test_station_frame_round_trip_and_axis() -> None:
    """A point 30 km along the axis (bearing 60°) is at x = 30 km, y = 0; one 10 km to the
    right of the centre (bearing 150°) at y = 10 km; the inverse brings both back."""
    lat0, lon0, axis = np.radians(32.0), np.radians(35.0), np.radians(60.0)
    lat, lon = station_geodetic(lat0, lon0, axis, [30e3, 0.0], [0.0, 10e3])
    ahead = destination(lat0, lon0, axis, 30e3)
    right = destination(lat0, lon0, axis + np.pi / 2, 10e3)
    assert lat == pytest.approx([ahead[0], right[0]], abs=1e-12)
    assert lon == pytest.approx([ahead[1], right[1]], abs=1e-12)
    x, y = station_frame(lat0, lon0, axis, lat, lon)
    assert x == pytest.approx([30e3, 0.0], abs=1e-6)
    assert y == pytest.approx([0.0, 10e3], abs=1e-6)


def test_station_entry_from_the_south_of_an_orbit() -> None:
    """A base 200 km due south of an orbit of radius 20 km (on a sphere, along the meridian):
    it joins at the orbit's southernmost point, 20 km south of the centre on the same meridian;
    station_point at the arc length it returns is that point."""
    lat0, lon0 = np.radians(32.0), np.radians(35.0)
    base = destination(lat0, lon0, np.pi, 200e3)
    s, lat, lon = station_entry(lat0, lon0, 0.0, 0.0, 20e3, *base)
    south = destination(lat0, lon0, np.pi, 20e3)
    assert (lat, lon) == pytest.approx(south, abs=1e-9)
    assert station_point(lat0, lon0, 0.0, 0.0, 20e3, s) == pytest.approx((lat, lon), abs=1e-12)
