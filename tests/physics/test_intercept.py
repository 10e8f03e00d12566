"""Intercept geometry against closed forms (head-on and tail chases), the quadratic collision
course, and a brute-force loop over every unit, threat and sample."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.physics.intercept import intercept_straight, pairwise_intercept


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


def all_pairs(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt):  # type: ignore[no-untyped-def]
    """``pairwise_intercept`` over every (unit, threat) pair, reshaped to ``(m, n)``."""
    m, n = unit.shape[0], target.shape[0]
    u, j = np.repeat(np.arange(m), n), np.tile(np.arange(n), m)
    t_int, idx = pairwise_intercept(
        unit[u],
        speed[u],
        r_min[u],
        r_max[u],
        alt_min[u],
        alt_max[u],
        t_now,
        times,
        target[j],
        talt[j],
    )
    return t_int.reshape(m, n), idx.reshape(m, n)


def test_sampled_intercept_brackets_closed_form() -> None:
    rng = np.random.default_rng(8)
    m, n = 6, 40
    unit = rng.uniform(-30e3, 30e3, (m, 3))
    speed = rng.uniform(1200.0, 2000.0, m)  # faster than every target: reachable set is a ray
    p0 = rng.uniform(-150e3, 150e3, (n, 3))
    v = rng.normal(0, 400.0, (n, 3))
    t_now = 12.0
    times = np.arange(t_now, 400.0, 0.5)
    target = p0[:, None, :] + v[:, None, :] * (times - t_now)[None, :, None]
    wide = (np.zeros(m), np.full(m, 1e9), np.full(m, -1.0), np.full(m, 1.0))
    t_int, j = all_pairs(unit, speed, *wide, t_now, times, target, np.zeros((n, times.size)))
    t_true = t_now + intercept_straight(unit[:, None], speed[:, None], p0[None], v[None])
    ok = t_true < times[-1]
    assert ok.sum() > m * n // 2
    assert np.all(t_int[ok] >= t_true[ok] - 1e-9)
    assert np.all(t_int[ok] < t_true[ok] + 0.5 + 1e-9)
    np.testing.assert_array_equal(times[j[ok]], t_int[ok])


def brute_force(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt):  # type: ignore[no-untyped-def]
    """The meeting sample of an interceptor fired at t_now, kept only inside the envelope."""
    m, n = unit.shape[0], target.shape[0]
    t_int = np.full((m, n), np.nan)
    j_int = np.full((m, n), -1)
    for a in range(m):
        for b in range(n):
            for j in range(times.size):
                if np.isnan(talt[b, j]):
                    continue
                d = float(np.sqrt(np.sum((target[b, j] - unit[a]) ** 2)))
                if times[j] - d / speed[a] >= t_now:  # the interceptor fired now meets it here
                    if r_min[a] <= d <= r_max[a] and alt_min[a] <= talt[b, j] <= alt_max[a]:
                        t_int[a, b], j_int[a, b] = times[j], j
                    break
    return t_int, j_int


def test_envelope_and_aliveness_against_brute_force() -> None:
    rng = np.random.default_rng(21)
    m, n, k = 5, 7, 60
    unit = rng.uniform(-20e3, 20e3, (m, 3))
    speed = rng.uniform(600.0, 1500.0, m)
    env = (
        rng.uniform(0.0, 10e3, m),
        rng.uniform(40e3, 120e3, m),
        rng.uniform(0.0, 2e3, m),
        rng.uniform(10e3, 30e3, m),
    )
    times = 37.0 + np.arange(k) * 5.0
    start = rng.uniform(-80e3, 80e3, (n, 3))
    vel = rng.normal(0, 500.0, (n, 3))
    target = start[:, None] + vel[:, None] * (times - times[0])[None, :, None]
    talt = rng.uniform(-1e3, 28e3, n)[:, None] + np.linspace(0, -5e3, k)[None]
    dead = rng.random((n, k)) < 0.2  # not launched yet / already landed
    target[dead] = np.nan
    talt[dead] = np.nan
    got = all_pairs(unit, speed, *env, 37.0, times, target, talt)
    want = brute_force(unit, speed, *env, 37.0, times, target, talt)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert np.any(np.isfinite(got[0])) and np.any(np.isnan(got[0]))


def test_threat_entering_the_envelope_later_is_not_engageable_now() -> None:
    """An interceptor cannot loiter: a drone still out of range where the interceptor would
    meet it is infeasible now, even though it will be in range later."""
    times = np.arange(0.0, 600.0, 1.0)
    target = np.stack(
        [60e3 - 50.0 * times, np.zeros_like(times), np.full_like(times, 1e3)], axis=-1
    )[None]
    args = (
        np.zeros((1, 3)),
        np.array([1000.0]),
        np.zeros(1),
        np.array([40e3]),
        np.zeros(1),
        np.array([1e4]),
    )
    t_int, _ = pairwise_intercept(*args, 0.0, times, target, np.full((1, times.size), 1e3))
    assert np.isnan(t_int[0])  # meets it at ~57 km, outside the 40 km envelope
    later, _ = pairwise_intercept(*args, 380.0, times, target, np.full((1, times.size), 1e3))
    assert 380.0 < later[0] < 430.0  # meets it just inside 40 km
