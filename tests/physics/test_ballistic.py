"""Keplerian arcs against outside authorities: closed-form minimum-energy shots on a sphere,
Curtis's worked Lambert example, and scipy's numerical integration of two-body motion."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

from inkless.errors import InputError
from inkless.physics import ballistic as b
from inkless.physics.geodesy import altitude, destination, ecef_from_geodetic
from inkless.units import DEG, KM

MU = 3.986004418e14
R = 6371008.8

Arr = NDArray[np.float64]


def two_body(r0: Arr, v0: Arr, t_eval: Arr, dense: bool = False):  # type: ignore[no-untyped-def]
    """Integrate d2r/dt2 = -mu r / |r|^3 for every row of r0, v0 (stacked in one system)."""
    n = r0.shape[0]

    def rhs(_t: float, y: Arr) -> Arr:
        s = y.reshape(n, 6)
        r = s[:, :3]
        a = -MU * r / np.linalg.norm(r, axis=1, keepdims=True) ** 3
        return np.concatenate([s[:, 3:], a], axis=1).ravel()

    y0 = np.concatenate([r0, v0], axis=1).ravel()
    t_end = float(np.max(np.abs(t_eval))) * (1 if np.max(t_eval) > 0 else -1)
    sol = solve_ivp(
        rhs,
        (0.0, t_end),
        y0,
        method="DOP853",
        rtol=1e-10,
        atol=1e-6,
        t_eval=None if dense else t_eval,
        dense_output=dense,
    )
    return sol


def plane_points(theta: Arr, radius: float, rng: np.random.Generator) -> tuple[Arr, Arr]:
    """Points at the same radius separated by angle theta, in random planes."""
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    e1, e2 = q[:, 0], q[:, 1]
    r0 = radius * np.tile(e1, (theta.size, 1))
    r1 = radius * (np.cos(theta)[:, None] * e1 + np.sin(theta)[:, None] * e2)
    return r0, r1


def test_minimum_energy_matches_closed_form_on_a_sphere() -> None:
    # Closed form for equal launch and aim radius R and range angle theta (e.g. Bate, Mueller &
    # White 6.2 / Regan, "Re-entry Vehicle Dynamics"): flight-path angle (pi - theta) / 4,
    # v^2 = (mu / R) 2 sin(theta/2) / (1 + sin(theta/2)); apogee and time of flight from the
    # conic elements and Kepler's equation, derived here independently of the module.
    rng = np.random.default_rng(3)
    theta = np.array([0.05, 0.2, 0.3, 0.7, 1.5, 2.5])
    r0, r1 = plane_points(theta, R, rng)
    v0, tof = b.minimum_energy_arc(r0, r1)

    sh = np.sin(theta / 2)
    v = np.sqrt(MU / R * 2 * sh / (1 + sh))
    gamma = (np.pi - theta) / 4
    a = R / (2 - v**2 * R / MU)
    p = (R * v * np.cos(gamma)) ** 2 / MU
    e = np.sqrt(1 - p / a)
    e_launch = np.arccos((1 - R / a) / e)  # eccentric anomaly at burnout, before apogee
    tof_ref = 2 * np.sqrt(a**3 / MU) * (np.pi - e_launch + e * np.sin(e_launch))

    speed = np.linalg.norm(v0, axis=1)
    fpa = np.arcsin(np.einsum("ij,ij->i", r0, v0) / (R * speed))
    np.testing.assert_allclose(speed, v, rtol=1e-12)
    np.testing.assert_allclose(fpa, gamma, atol=1e-12)
    np.testing.assert_allclose(b.apogee_radius(r0, v0), a * (1 + e), rtol=1e-12)
    np.testing.assert_allclose(tof, tof_ref, rtol=1e-11)


def test_mrbm_range_flies_ten_to_fourteen_minutes() -> None:
    lat, lon = 32.0 * DEG, 52.0 * DEG
    dist = np.array([1500.0, 1750.0, 2000.0]) * KM
    la2, lo2 = destination(lat, lon, -1.2, dist)
    r0 = np.tile(ecef_from_geodetic(lat, lon, 0.0), (3, 1))
    r1 = ecef_from_geodetic(la2, lo2, 0.0)
    _, tof = b.minimum_energy_arc(r0, r1)
    assert np.all((tof > 9.5 * 60) & (tof < 14 * 60))
    assert np.all(np.diff(tof) > 0)


def test_lambert_curtis_example_5_2() -> None:
    # H. D. Curtis, Orbital Mechanics for Engineering Students, Example 5.2 (mu = 398600 km^3/s^2).
    r1 = np.array([[5000.0, 10000.0, 2100.0]]) * KM
    r2 = np.array([[-14600.0, 2500.0, 7000.0]]) * KM
    v1 = b.lambert_arc(r1, r2, np.array([3600.0]))
    np.testing.assert_allclose(v1[0] / KM, [-5.9925, 1.9254, 3.2456], atol=2e-4)


def test_lambert_reaches_aim_point_in_scipy_integration() -> None:
    rng = np.random.default_rng(11)
    n = 24
    lat = rng.uniform(-60, 60, (2, n)) * DEG
    lon = rng.uniform(-180, 180, (2, n)) * DEG
    r0 = ecef_from_geodetic(lat[0], lon[0], rng.uniform(0, 50 * KM, n))
    r1 = ecef_from_geodetic(lat[1], lon[1], rng.uniform(0, 50 * KM, n))
    _, tof_me = b.minimum_energy_arc(r0, r1)
    # From very fast (hyperbolic) through minimum energy to strongly lofted arcs.
    tof = tof_me * np.geomspace(0.15, 2.5, n)
    v0 = b.lambert_arc(r0, r1, tof)
    sol = two_body(r0, v0, tof, dense=True)
    end = np.array([sol.sol(t).reshape(n, 6)[i, :3] for i, t in enumerate(tof)])
    np.testing.assert_allclose(end, r1, atol=0.05, rtol=0)
    # The minimum-energy time of flight gives back the minimum-energy velocity.
    v_me, _ = b.minimum_energy_arc(r0, r1)
    np.testing.assert_allclose(b.lambert_arc(r0, r1, tof_me), v_me, rtol=1e-8, atol=1e-6)


def test_propagate_matches_scipy_two_body() -> None:
    rng = np.random.default_rng(5)
    n = 12
    r0 = rng.normal(size=(4 * n, 3))
    r0 *= (rng.uniform(6.4e6, 9e6, 4 * n) / np.linalg.norm(r0, axis=1))[:, None]
    v0 = rng.normal(size=(4 * n, 3)) * 4000.0
    # Keep orbits whose periapsis is above 3,000 km: a near-radial fall through the Earth's
    # centre is unphysical and is where the integrator, not the closed form, loses accuracy.
    h2 = np.sum(np.cross(r0, v0) ** 2, axis=1)
    alpha = 2 / np.linalg.norm(r0, axis=1) - np.sum(v0 * v0, axis=1) / MU
    r_peri = h2 / MU / (1 + np.sqrt(np.maximum(1 - alpha * h2 / MU, 0)))
    keep = np.flatnonzero(r_peri > 3e6)[:n]
    r0, v0 = r0[keep], v0[keep]
    v0[-1] *= 12000.0 / np.linalg.norm(v0[-1])  # one hyperbolic escape
    times = np.linspace(0.0, 4000.0, 9)
    ref = two_body(r0, v0, times)
    r, v = b.propagate(r0, v0, np.tile(times, (n, 1)))
    assert r.shape == v.shape == (n, times.size, 3)
    y = ref.y.reshape(n, 6, times.size).transpose(0, 2, 1)
    np.testing.assert_allclose(r, y[..., :3], atol=0.05, rtol=0)
    np.testing.assert_allclose(v, y[..., 3:], atol=5e-5, rtol=0)
    # (n,) times give (n, 3), and propagating back returns to the start.
    r_end, v_end = b.propagate(r0, v0, np.full(n, times[-1]))
    assert r_end.shape == (n, 3)
    r_back, v_back = b.propagate(r_end, v_end, np.full(n, -times[-1]))
    np.testing.assert_allclose(r_back, r0, atol=1e-3)
    np.testing.assert_allclose(v_back, v0, atol=1e-6)


def test_propagate_conserves_energy_and_angular_momentum() -> None:
    rng = np.random.default_rng(9)
    r0 = np.array([[R + 100e3, 0.0, 0.0], [0.0, R, 0.0], [3e6, 4e6, 5e6]])
    v0 = np.array([[0.0, 7800.0, 100.0], [2000.0, 2000.0, 3000.0], [-4000.0, 1000.0, 2500.0]])
    dt = np.sort(rng.uniform(-3000.0, 20000.0, (3, 200)), axis=1)
    r, v = b.propagate(r0, v0, dt)

    def energy(rr: Arr, vv: Arr) -> Arr:
        out: Arr = 0.5 * np.sum(vv * vv, -1) - MU / np.linalg.norm(rr, axis=-1)
        return out

    np.testing.assert_allclose(
        energy(r, v), np.broadcast_to(energy(r0, v0)[:, None], dt.shape), rtol=1e-10
    )
    np.testing.assert_allclose(
        np.cross(r, v), np.broadcast_to(np.cross(r0, v0)[:, None], r.shape), rtol=1e-10, atol=1e-3
    )


def test_propagate_zero_time_is_identity() -> None:
    r0 = np.array([[R, 0.0, 0.0]])
    v0 = np.array([[100.0, 3000.0, 0.0]])
    r, v = b.propagate(r0, v0, np.zeros(1))
    np.testing.assert_array_equal(r, r0)
    np.testing.assert_array_equal(v, v0)


def _apogee_by_integration(r0: Arr, v0: Arr, tof: float) -> Arr:
    sol = two_body(r0[None], v0[None], np.array([tof]), dense=True)
    res = minimize_scalar(
        lambda t: -np.linalg.norm(sol.sol(t)[:3]),
        bounds=(0.0, tof),
        method="bounded",
        options={"xatol": 1e-6},
    )
    point: Arr = sol.sol(res.x)[:3]
    return point


def test_arc_for_apogee_hits_apogee_and_aim_point() -> None:
    lat, lon = 33.0 * DEG, 48.0 * DEG
    la2, lo2 = destination(lat, lon, -1.0, 1300 * KM)
    r0 = np.tile(ecef_from_geodetic(lat, lon, 0.0), (4, 1))
    r1 = np.tile(ecef_from_geodetic(la2, lo2, 0.0), (4, 1))
    r1[3] = ecef_from_geodetic(la2, lo2, 40 * KM)  # aim point above ground: asymmetric arc
    apogee = np.array([80.0, 250.0, 900.0, 300.0]) * KM
    v0, tof = b.arc_for_apogee(r0, r1, apogee)
    sol = two_body(r0, v0, tof, dense=True)
    end = np.array([sol.sol(t).reshape(4, 6)[i, :3] for i, t in enumerate(tof)])
    np.testing.assert_allclose(end, r1, atol=0.05, rtol=0)
    for i in range(4):
        top = _apogee_by_integration(r0[i], v0[i], float(tof[i]))
        assert altitude(top) == pytest.approx(apogee[i], abs=0.01)


def test_arc_for_apogee_brackets_minimum_energy() -> None:
    rng = np.random.default_rng(2)
    r0, r1 = plane_points(np.full(3, 0.3), b_radius := 6378137.0, rng)
    del b_radius
    v_me, tof_me = b.minimum_energy_arc(r0, r1)
    top = b.apogee_radius(r0, v_me)
    direction = (r0 + r1) / np.linalg.norm(r0 + r1, axis=1, keepdims=True)
    h_me = altitude(top[:, None] * direction)  # symmetric arc: apogee over the mid point
    v0, tof = b.arc_for_apogee(r0, r1, h_me)
    np.testing.assert_allclose(v0, v_me, rtol=1e-9)
    np.testing.assert_allclose(tof, tof_me, rtol=1e-9)
    # Depressed (lower) arcs are faster, lofted (higher) arcs slower.
    _, t_low = b.arc_for_apogee(r0, r1, h_me - 100 * KM)
    _, t_high = b.arc_for_apogee(r0, r1, h_me + 100 * KM)
    assert np.all(t_low < tof_me) and np.all(tof_me < t_high)


def test_arc_for_apogee_rejects_impossible_apogee() -> None:
    r0 = ecef_from_geodetic(30 * DEG, 50 * DEG, 0.0)[None]
    r1 = ecef_from_geodetic(31 * DEG, 40 * DEG, 0.0)[None]
    with pytest.raises(InputError, match="arc_for_apogee"):
        b.arc_for_apogee(r0, r1, np.array([-20 * KM]))
    with pytest.raises(InputError, match="arc_for_apogee"):
        b.arc_for_apogee(r0, r1, np.array([np.nan]))


def test_degenerate_geometry_is_an_input_error() -> None:
    r = np.array([[R, 0.0, 0.0]])
    with pytest.raises(InputError, match="same point"):
        b.minimum_energy_arc(r, r)
    with pytest.raises(InputError, match="same point"):
        b.lambert_arc(r, -r, np.array([1000.0]))
    with pytest.raises(InputError, match="time of flight"):
        b.lambert_arc(r, np.array([[0.0, R, 0.0]]), np.array([0.0]))


def test_apogee_radius_of_escape_is_infinite() -> None:
    r0 = np.array([[R, 0.0, 0.0], [R, 0.0, 0.0]])
    v0 = np.array([[0.0, 12000.0, 0.0], [0.0, np.sqrt(MU / R), 0.0]])  # escape; circular
    ra = b.apogee_radius(r0, v0)
    assert np.isinf(ra[0])
    assert ra[1] == pytest.approx(R, rel=1e-12)


def test_stumpff_series_and_closed_forms_agree() -> None:
    z = np.array([-50.0, -1.0000001, -0.9999999, -1e-6, 0.0, 1e-6, 0.9999999, 1.0000001, 30.0])
    c, s = b.stumpff(z)
    sz = np.sqrt(np.abs(z) + 0j)
    c_ref = np.where(
        z > 0,
        (1 - np.cos(sz.real)) / np.where(z == 0, 1, z),
        (np.cosh(sz.real) - 1) / np.where(z == 0, 1, -z),
    )
    s_ref = np.where(
        z > 0,
        (sz.real - np.sin(sz.real)) / np.where(z == 0, 1, sz.real) ** 3,
        (np.sinh(sz.real) - sz.real) / np.where(z == 0, 1, sz.real) ** 3,
    )
    big = np.abs(z) > 0.5
    np.testing.assert_allclose(c[big], c_ref[big], rtol=1e-13)
    np.testing.assert_allclose(s[big], s_ref[big], rtol=1e-12)
    np.testing.assert_allclose(c[~big], 0.5 - z[~big] / 24, rtol=1e-12)
    np.testing.assert_allclose(s[~big], 1 / 6 - z[~big] / 120, rtol=1e-12)
