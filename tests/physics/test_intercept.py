"""Intercept geometry against closed forms (head-on and tail chases), the quadratic collision
course, and a brute-force loop over every unit, threat and sample."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.errors import InputError
from inkless.physics.intercept import earliest_intercept, intercept_straight

WIDE = dict(
    r_min=np.zeros(1), r_max=np.full(1, 1e9), alt_min=np.full(1, -1e9), alt_max=np.full(1, 1e9)
)


def test_straight_closed_forms() -> None:
    unit = np.zeros((4, 3))
    p0 = np.array([[100e3, 0, 0], [100e3, 0, 0], [100e3, 0, 0], [0.0, 0, 0]])
    v = np.array([[-300.0, 0, 0], [200.0, 0, 0], [1200.0, 0, 0], [50.0, 0, 0]])
    t = intercept_straight(unit, 1000.0, p0, v)
    np.testing.assert_allclose(t[:2], [100e3 / 1300.0, 100e3 / 800.0], rtol=1e-12)
    assert np.isnan(t[2])  # receding faster than the interceptor
    assert t[3] == 0.0  # already there
    # Crossing target: (D^2 + (w t)^2) = (s t)^2.
    tc = intercept_straight(np.zeros(3), 1000.0, np.array([50e3, 0, 0]), np.array([0, 600.0, 0]))
    assert tc == pytest.approx(50e3 / np.sqrt(1000.0**2 - 600.0**2), rel=1e-12)


def test_straight_against_brute_force_search() -> None:
    rng = np.random.default_rng(4)
    unit = rng.uniform(-50e3, 50e3, (200, 3))
    p0 = rng.uniform(-200e3, 200e3, (200, 3))
    v = rng.normal(0, 700.0, (200, 3))
    speed = rng.uniform(500.0, 1500.0, 200)
    t = intercept_straight(unit, speed, p0, v)
    grid = np.linspace(0.0, 2000.0, 400001)  # 5 ms
    for i in range(0, 200, 10):
        gap = np.linalg.norm(p0[i] + v[i] * grid[:, None] - unit[i], axis=1) - speed[i] * grid
        hit = np.flatnonzero(gap <= 0)
        if hit.size == 0:
            assert np.isnan(t[i]) or t[i] > grid[-1]
        else:
            assert t[i] == pytest.approx(grid[hit[0]], abs=0.006)


def test_sampled_intercept_brackets_closed_form() -> None:
    rng = np.random.default_rng(8)
    m, n = 6, 40
    unit = rng.uniform(-30e3, 30e3, (m, 3))
    speed = rng.uniform(1200.0, 2000.0, m)  # faster than every target: reachable set is a ray
    p0 = rng.uniform(-150e3, 150e3, (n, 3))
    v = rng.normal(0, 400.0, (n, 3))
    t_now = 12.0
    times = np.arange(0.0, 400.0, 0.5)
    target = p0[:, None, :] + v[:, None, :] * (times - t_now)[None, :, None]
    alt = np.zeros((n, times.size))
    t_int, j, t_last = earliest_intercept(
        unit,
        speed,
        np.zeros(m),
        np.full(m, 1e9),
        np.full(m, -1.0),
        np.full(m, 1.0),
        t_now,
        times,
        target,
        alt,
    )
    t_true = t_now + intercept_straight(unit[:, None], speed[:, None], p0[None], v[None])
    ok = t_true < times[-1]
    assert np.all(np.isfinite(t_int[ok]))
    assert np.all(t_int[ok] >= t_true[ok] - 1e-9)
    assert np.all(t_int[ok] < t_true[ok] + 0.5 + 1e-9)
    np.testing.assert_array_equal(times[j[ok]], t_int[ok])
    assert np.all(t_last[ok] >= t_now)


def brute_force(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt):  # type: ignore[no-untyped-def]
    m, n, k = unit.shape[0], target.shape[0], times.size
    t_int = np.full((m, n), np.nan)
    j_int = np.full((m, n), -1)
    t_last = np.full((m, n), np.nan)
    for a in range(m):
        for b in range(n):
            met = False
            for j in range(k):
                if times[j] < t_now or np.isnan(talt[b, j]):
                    continue
                d = float(np.sqrt(np.sum((target[b, j] - unit[a]) ** 2)))
                inside = r_min[a] <= d <= r_max[a] and alt_min[a] <= talt[b, j] <= alt_max[a]
                fire = times[j] - d / speed[a]
                if fire >= t_now and not met:
                    met = True  # the interceptor fired now meets the threat here
                    if inside:
                        j_int[a, b] = j
                        t_int[a, b] = times[j]
                if inside and (np.isnan(t_last[a, b]) or fire > t_last[a, b]):
                    t_last[a, b] = fire
    return t_int, j_int, t_last


def test_envelope_aliveness_and_last_fire_against_brute_force() -> None:
    rng = np.random.default_rng(21)
    m, n, k = 5, 7, 60
    unit = rng.uniform(-20e3, 20e3, (m, 3))
    speed = rng.uniform(600.0, 1500.0, m)
    r_min = rng.uniform(0.0, 10e3, m)
    r_max = rng.uniform(40e3, 120e3, m)
    alt_min = rng.uniform(0.0, 2e3, m)
    alt_max = rng.uniform(10e3, 30e3, m)
    times = np.arange(k) * 5.0
    start = rng.uniform(-80e3, 80e3, (n, 3))
    vel = rng.normal(0, 500.0, (n, 3))
    target = start[:, None] + vel[:, None] * times[None, :, None]
    talt = rng.uniform(-1e3, 28e3, n)[:, None] + np.linspace(0, -5e3, k)[None]
    # Threats not alive at some samples (not launched yet / already impacted).
    dead = rng.random((n, k)) < 0.2
    target[dead] = np.nan
    talt[dead] = np.nan
    t_now = 37.0
    got = earliest_intercept(
        unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt
    )
    want = brute_force(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, equal_nan=True)
    assert np.any(np.isfinite(got[0])) and np.any(np.isnan(got[0]))
    # A closed window: t_last_fire below t_now exactly when there is no intercept.
    closed = np.isfinite(got[2]) & (got[2] < t_now)
    assert np.all(np.isnan(got[0][closed]))
    # Chunking to a tiny memory budget gives identical answers.
    small = earliest_intercept(
        unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt, max_bytes=1
    )
    for g, s in zip(got, small, strict=True):
        np.testing.assert_array_equal(g, s)


def test_edge_cases() -> None:
    times = np.array([0.0, 1.0, 2.0])
    out = earliest_intercept(
        np.zeros((2, 3)),
        np.ones(2),
        **{k: np.repeat(v, 2) for k, v in WIDE.items()},
        t_now=5.0,
        times=times,
        target=np.zeros((3, 3, 3)),
        target_alt=np.zeros((3, 3)),
    )
    assert out[0].shape == (2, 3) and np.all(np.isnan(out[0])) and np.all(out[1] == -1)
    empty = earliest_intercept(
        np.zeros((0, 3)),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0),
        0.0,
        times,
        np.zeros((4, 3, 3)),
        np.zeros((4, 3)),
    )
    assert empty[0].shape == (0, 4)
    with pytest.raises(InputError, match="increasing"):
        earliest_intercept(
            np.zeros((1, 3)),
            np.ones(1),
            **WIDE,
            t_now=0.0,
            times=times[::-1],
            target=np.zeros((1, 3, 3)),
            target_alt=np.zeros((1, 3)),
        )
