"""Waypoint movers against closed forms on the sphere, the great-circle plane, and numerical
differentiation of the positions."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.errors import InputError
from inkless.physics.geodesy import geodetic_from_ecef, surface_distance
from inkless.physics.route import RouteTable
from inkless.units import DEG, KM

R = 6371008.7714  # IUGG mean Earth radius


def table() -> RouteTable:
    return RouteTable.build(
        lats=[
            np.array([0.0, 0.0, 10.0]) * DEG,
            np.array([50.0, 40.0]) * DEG,
            np.array([30.0, 31.0, 32.0, 33.0, 34.0]) * DEG,
        ],
        lons=[
            np.array([0.0, 10.0, 10.0]) * DEG,
            np.array([1.0, 30.0]) * DEG,
            np.array([40.0, 41.0, 42.0, 43.0, 44.0]) * DEG,
        ],
        alts=[
            np.array([100.0, 1000.0, 1000.0]),
            np.array([11000.0, 11000.0]),
            np.array([50.0, 50.0, 30.0, 30.0, 10.0]),
        ],
        speed=np.array([250.0, 230.0, 200.0]),
        depart=np.array([0.0, 600.0, -100.0]),
    )


def test_arrival_is_route_length_over_speed() -> None:
    rt = table()
    # Mover 0: 10 degrees along the equator then 10 degrees up a meridian: 2 * R * 10 deg.
    assert rt.arrival[0] == pytest.approx(2 * R * 10 * DEG / 250.0, rel=1e-9)
    # Mover 1: one leg; spherical law of cosines (independent of the haversine used inside).
    p1, l1, p2, l2 = 50 * DEG, 1 * DEG, 40 * DEG, 30 * DEG
    ang = np.arccos(np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(l2 - l1))
    assert rt.arrival[1] == pytest.approx(600.0 + R * ang / 230.0, rel=1e-10)
    assert rt.lat.shape == (3, 5) and rt.t_wp.shape == (3, 5)


def test_positions_follow_the_great_circle_at_constant_speed() -> None:
    rt = table()
    times = np.linspace(600.0, rt.arrival[1] - 1.0, 41)
    ecef, alt = rt.positions(times)
    lat, lon, h = geodetic_from_ecef(ecef[1])
    # Distance flown along the leg grows linearly at the ground speed ...
    flown = surface_distance(50 * DEG, 1 * DEG, lat, lon)
    np.testing.assert_allclose(flown, 230.0 * (times - 600.0), rtol=1e-9, atol=1e-4)

    # ... and every point lies in the plane of the great circle through the two waypoints.
    def unit(p: np.ndarray, lam: np.ndarray) -> np.ndarray:
        return np.stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)], -1)

    normal = np.cross(unit(50 * DEG, 1 * DEG), unit(40 * DEG, 30 * DEG))
    np.testing.assert_allclose(unit(lat, lon) @ normal, 0.0, atol=1e-12)
    np.testing.assert_allclose(alt[1], 11000.0, atol=1e-9)
    np.testing.assert_allclose(h, 11000.0, atol=1e-6)


def test_altitude_is_linear_along_each_leg() -> None:
    rt = table()
    t_leg = rt.arrival[0] / 2
    times = np.array([0.0, 0.25, 0.5, 0.75]) * t_leg
    _, alt = rt.positions(times)
    np.testing.assert_allclose(alt[0], 100.0 + 900.0 * np.array([0.0, 0.25, 0.5, 0.75]), atol=1e-9)


def test_velocity_is_derivative_of_position_and_has_the_ground_speed() -> None:
    rt = table()
    for t in [300.0, 5000.0, 700.0, 1500.0]:
        _, v, active = rt.state(t)
        h = 0.01
        xp, _, _ = rt.state(t + h)
        xm, _, _ = rt.state(t - h)
        fd = (xp - xm) / (2 * h)
        np.testing.assert_allclose(v[active], fd[active], atol=1e-4)
        # ECEF speed equals the ground speed to within the ellipsoid/sphere radius ratio.
        speed = np.linalg.norm(v, axis=1)
        np.testing.assert_allclose(speed[active], rt.speed[active], rtol=0.008)
        assert np.all(speed[~active] == 0.0)


def test_active_window_and_nan_lookahead() -> None:
    rt = table()
    _, _, active = rt.state(0.0)
    np.testing.assert_array_equal(active, [True, False, True])
    _, _, active = rt.state(float(rt.arrival[0]))
    assert not active[0]
    ecef, alt = rt.positions(np.array([-200.0, 599.0, 600.0, float(rt.arrival[1])]))
    assert ecef.shape == (3, 4, 3) and alt.shape == (3, 4)
    assert np.isnan(alt[0, 0]) and np.all(np.isnan(ecef[0, 0]))
    assert np.isnan(alt[1, 1]) and np.isfinite(alt[1, 2]) and np.isnan(alt[1, 3])
    # Before departure and after arrival, state() holds the end waypoints.
    x, _, _ = rt.state(1e7)
    lat, lon, h = geodetic_from_ecef(x)
    np.testing.assert_allclose([lat[2], lon[2], h[2]], [34 * DEG, 44 * DEG, 10.0], atol=1e-6)


def test_duplicate_waypoint_is_skipped() -> None:
    rt = RouteTable.build(
        [np.array([0.0, 0.0, 0.0, 1.0]) * DEG],
        [np.array([0.0, 1.0, 1.0, 1.0]) * DEG],
        [np.zeros(4)],
        np.array([100.0]),
        np.array([0.0]),
    )
    assert rt.arrival[0] == pytest.approx(2 * R * DEG / 100.0)
    x, v, _ = rt.state(float(rt.arrival[0]) * 0.75)
    lat, lon, _ = geodetic_from_ecef(x)
    np.testing.assert_allclose([lat[0], lon[0]], [0.5 * DEG, 1.0 * DEG], atol=1e-12)
    assert np.linalg.norm(v[0]) == pytest.approx(100.0, rel=0.008)


def test_build_rejects_bad_routes() -> None:
    one = [np.array([0.0, 1.0])]
    with pytest.raises(InputError, match="speed"):
        RouteTable.build(one, one, one, np.array([0.0]), np.array([0.0]))
    with pytest.raises(InputError, match="at least 2"):
        RouteTable.build([np.array([0.0])], [np.array([0.0])], [np.array([0.0])], 1.0, 0.0)
    with pytest.raises(InputError, match="antipodal"):
        RouteTable.build([np.zeros(2)], [np.array([0.0, np.pi])], [np.zeros(2)], 1.0, 0.0)
    with pytest.raises(InputError, match="equal length"):
        RouteTable.build(one, [np.zeros(3)], one, 1.0, 0.0)
    with pytest.raises(InputError, match="one list of each"):
        RouteTable.build(one, [], one, 1.0, 0.0)


def test_empty_table_and_frozen_arrays() -> None:
    rt = RouteTable.build([], [], [], np.zeros(0), np.zeros(0))
    x, v, a = rt.state(0.0)
    assert x.shape == (0, 3) and v.shape == (0, 3) and a.shape == (0,)
    rt = table()
    with pytest.raises(ValueError):
        rt.speed[0] = 1.0
    assert rt.positions(np.linspace(0, 1000 * KM / 250, 7))[0].shape == (3, 7, 3)
