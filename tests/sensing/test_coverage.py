"""Radar coverage: range per class, elevation limits and the 4/3-Earth radar horizon.

The horizon is checked against the textbook closed form d = sqrt(2 k R h_s) + sqrt(2 k R h_t)
(Skolnik), placing points with pymap3d (outside geodesy) on a great circle; the whole grid
against a scalar oracle here that takes elevation from pymap3d's ``ecef2aer``.
"""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest

from inkless.sensing import coverage_grid

R = 6371008.8
KR = 4.0 / 3.0 * R


def place(ground_m: float, alt_m: float) -> np.ndarray:
    """A point ground_m east of (0 N, 0 E) along the equator at height alt_m."""
    lon = np.degrees(ground_m / R)
    return np.array(pymap3d.geodetic2ecef(0.0, lon, alt_m))


def sensor_frames(sensors: np.ndarray, ticks: int) -> tuple[np.ndarray, ...]:
    """Fixed sensors as ``coverage_grid`` takes them: positions, geodetic up, heights (pymap3d)."""
    lat, lon, h = (np.atleast_1d(v) for v in pymap3d.ecef2geodetic(*sensors.T, deg=False))
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    s = len(sensors)
    return (np.broadcast_to(sensors, (ticks, s, 3)), np.broadcast_to(up, (ticks, s, 3)),
            np.broadcast_to(np.asarray(h, float).reshape(s), (ticks, s)))  # fmt: skip


def seen(sensor_alt: float, ground: float, alt: float, rng_m: float = 1e7,
         min_el: float = -np.pi / 2) -> bool:
    s = place(0.0, sensor_alt)[None]
    t = place(ground, alt)[None, None]
    out = coverage_grid(sensor_frames(s, 1), np.full((1, 4), rng_m), np.array([min_el]),
                        np.array([np.pi / 2]), t, np.array([[alt]]), np.array([1]))  # fmt: skip
    return bool(out[0, 0])


def oracle(sensor: np.ndarray, rng_m: np.ndarray, min_el: np.ndarray, max_el: np.ndarray,
           target: np.ndarray, cls: np.ndarray) -> np.ndarray:  # fmt: skip
    """``seen (s, n)`` one pair at a time: range, elevation from pymap3d's ``ecef2aer`` (exact
    geodetic horizontal plane), horizon on the geocentric central angle."""
    out = np.zeros((len(sensor), len(target)), dtype=bool)
    for i, s in enumerate(sensor):
        lat, lon, h_s = pymap3d.ecef2geodetic(*s)
        for j, t in enumerate(target):
            _, el, slant = pymap3d.ecef2aer(*t, lat, lon, h_s)
            h_t = pymap3d.ecef2geodetic(*t)[2]
            cos_angle = np.dot(s, t) / (np.linalg.norm(s) * np.linalg.norm(t))
            ground = R * np.arccos(np.clip(cos_angle, -1.0, 1.0))
            horizon = np.sqrt(2 * KR * max(h_s, 0.0)) + np.sqrt(2 * KR * max(h_t, 0.0))
            out[i, j] = (
                slant <= rng_m[i, cls[j]]
                and min_el[i] <= np.radians(el) <= max_el[i]
                and ground <= horizon
            )
    return out


@pytest.mark.parametrize(("h_s", "h_t"), [(30.0, 50.0), (100.0, 1000.0), (9000.0, 500.0)])
def test_radar_horizon_closed_form(h_s: float, h_t: float) -> None:
    d = np.sqrt(2 * KR * h_s) + np.sqrt(2 * KR * h_t)
    assert seen(h_s, 0.98 * d, h_t)
    assert not seen(h_s, 1.02 * d, h_t)


def test_range_per_class() -> None:
    assert seen(30.0, 20_000.0, 5000.0, rng_m=30_000.0)
    assert not seen(30.0, 40_000.0, 5000.0, rng_m=30_000.0)


def test_minimum_elevation() -> None:
    # A target 10 km away at 1 km height is about 5.7 degrees above the horizontal.
    assert seen(0.0, 10_000.0, 1000.0, min_el=np.radians(5.0))
    assert not seen(0.0, 10_000.0, 1000.0, min_el=np.radians(6.5))


def test_grid_agrees_with_the_scalar_oracle() -> None:
    rng = np.random.default_rng(3)
    sensors = np.stack([place(g, h) for g, h in [(0, 30), (150e3, 9000), (300e3, 100)]])
    ticks, n = 4, 25
    target = np.stack([
        np.stack([pymap3d.geodetic2ecef(la, lo, h) for la, lo, h in
                  zip(rng.uniform(-2, 2, n), rng.uniform(-1, 6, n), rng.uniform(0, 12e3, n),
                      strict=True)])
        for _ in range(ticks)
    ])  # fmt: skip
    alt = np.stack([pymap3d.ecef2geodetic(*target[k].T)[2] for k in range(ticks)])
    target[1, 3] = np.nan
    alt[1, 3] = np.nan
    cls = rng.integers(0, 3, n)
    ranges = np.array([[4e5, 2e5, 1e5, 3e5]] * 3)
    lo, hi = np.array([0.0, np.radians(1.0), -0.1]), np.array([np.pi / 2, np.pi / 2, 0.2])
    grid = coverage_grid(sensor_frames(sensors, ticks), ranges, lo, hi, target, alt, cls)
    for k in range(ticks):
        ok = np.isfinite(alt[k])
        want = oracle(sensors, ranges, lo, hi, target[k][ok], cls[ok]).any(axis=0)
        np.testing.assert_array_equal(grid[k][ok], want)
    assert not grid[1, 3]
    assert grid.any() and not grid.all()
