"""Intercept geometry against closed forms (head-on and tail chases, the quadratic collision
course, a straight track crossing a circular envelope, shoot-look-shoot head on) and brute
force (a loop over every unit, threat and sample; single shots over a grid of launch times)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.typing import NDArray

from inkless.errors import InputError
from inkless.physics.geodesy import altitude, ecef_from_geodetic
from inkless.physics.intercept import (
    DEFAULT_MAX_SHOTS,
    intercept_straight,
    pairwise_engagement,
    pairwise_intercept,
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


def _engage(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times, target, talt, look_s=10.0,  # type: ignore[no-untyped-def]
            max_shots=1000):
    """``pairwise_engagement`` with one pair per row (``target (P,k,3)``, ``talt (P,k)``)."""
    p = np.arange(unit.shape[0])
    return pairwise_engagement(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times,
                               np.swapaxes(target, 0, 1), talt.T, p, p, look_s, max_shots)


def test_latest_launch_against_a_straight_crossing_closed_form() -> None:
    """A target at constant velocity crossing a unit's circular envelope (radius R, interceptor
    faster than the target): the last meeting inside the envelope is where the target leaves
    the circle, at the larger root of |p0 + v t|^2 = R^2, so the latest launch is
    t_exit - R / speed; on the sample grid it is g at the last sample inside the circle. A
    track that ends (impact) inside the circle: g at its last sample."""
    rng = np.random.default_rng(5)
    n = 300
    radius = rng.uniform(20e3, 80e3, n)
    speed = rng.uniform(800.0, 2500.0, n)
    heading = rng.uniform(0, 2 * np.pi, n)
    v = rng.uniform(150.0, 700.0, n)[:, None] * np.stack(
        [np.cos(heading), np.sin(heading), np.zeros(n)], axis=1)
    miss = rng.uniform(-0.9, 0.9, n) * radius  # crossing distance from the unit
    normal = np.stack([-np.sin(heading), np.cos(heading), np.zeros(n)], axis=1)
    p0 = miss[:, None] * normal - 1.5 * radius[:, None] * v / np.linalg.norm(v, axis=1)[:, None]
    dt, t_now = 0.5, 3.0
    times = t_now + dt * np.arange(3000)
    target = p0[:, None, :] + v[:, None, :] * (times - t_now)[None, :, None]
    ends = rng.uniform(size=n) < 0.3  # a third of the tracks end (impact) inside the circle
    # closed form: exit time of the circle
    a = np.einsum("ni,ni->n", v, v)
    b = 2 * np.einsum("ni,ni->n", p0, v)
    c = np.einsum("ni,ni->n", p0, p0) - radius**2
    t_exit = t_now + (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
    t_entry = t_now + (-b - np.sqrt(b * b - 4 * a * c)) / (2 * a)
    t_end = np.where(ends, 0.5 * (t_entry + t_exit), np.inf)
    alive = times[None, :] < t_end[:, None]
    target[~alive] = np.nan
    talt = np.where(alive, 1000.0, np.nan)
    wide = (np.zeros(n), radius, np.zeros(n), np.full(n, 5e3))
    e = _engage(np.zeros((n, 3)), speed, *wide, t_now, times, target, talt)
    last_t = np.minimum(t_exit, np.where(ends, t_end - 1e-9, np.inf))
    i_last = np.floor((last_t - t_now) / dt).astype(int)
    t_last = times[i_last]
    p_last = p0 + v * (t_last - t_now)[:, None]
    inside = np.linalg.norm(p_last, axis=1) <= radius
    assert inside.mean() > 0.99  # sample at the grid point before the exit is inside
    want = t_last - np.linalg.norm(p_last, axis=1) / speed
    np.testing.assert_allclose(e.t_latest_launch[inside], want[inside], rtol=0, atol=1e-9)
    # and within one sample of the continuous latest launch, never after it
    t_stop = np.where(ends, t_end, t_exit)
    cont = t_stop - np.linalg.norm(p0 + v * (t_stop - t_now)[:, None], axis=1) / speed
    slack = dt * (1 + np.linalg.norm(v, axis=1) / speed)
    assert np.all(e.t_latest_launch <= cont + 1e-9)
    assert np.all(e.t_latest_launch >= cont - slack - 1e-9)


def test_shoot_look_shoot_against_a_head_on_closed_form() -> None:
    """Head-on approach at v towards a unit (interceptor speed s): a shot launched at s_n meets
    the target at T_n = (x0 + s s_n) / (s + v); the next leaves at T_n + look while no later
    than the latest launch t_end - (x0 - v t_end) / s (the track ends at t_end, in range)."""
    x0, v, s, look, t_end = 100e3, 300.0, 1000.0, 20.0, 300.0
    dt = 0.01
    times = np.arange(0.0, 400.0, dt)
    x = np.where(times < t_end, x0 - v * times, np.nan)
    target = np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=-1)[None]
    talt = np.where(times < t_end, 1000.0, np.nan)[None]
    env = (np.zeros(1), np.array([150e3]), np.zeros(1), np.array([5e3]))
    e = _engage(np.zeros((1, 3)), np.array([s]), *env, 0.0, times, target, talt, look)
    latest = t_end - (x0 - v * t_end) / s
    assert e.t_latest_launch[0] == pytest.approx(latest, abs=dt * 2)
    launch, count, margins = 0.0, 0, []
    while launch <= latest:
        count += 1
        launch = (x0 + s * launch) / (s + v) + look
        margins.append(abs(launch - latest))
    assert min(margins) > 1.0  # no launch near the boundary: sampling cannot change the count
    assert count == 5  # by hand: launches at 0, 96.9, 171.5, 228.8, 273.0 s; next 306.9 s
    assert e.shots[0] == count
    assert e.t_intercept[0] == pytest.approx(x0 / (s + v), abs=dt)
    for cap in (1, 3):  # the count stops at max_shots
        capped = _engage(np.zeros((1, 3)), np.array([s]), *env, 0.0, times, target, talt, look,
                         max_shots=cap)
        assert capped.shots[0] == cap


def brute_latest_and_shots(args, t_now, times, target, talt, look):  # type: ignore[no-untyped-def]
    """By single shots (:func:`pairwise_intercept`, checked against brute force above) for P
    pairs: the last feasible launch on a 0.05 s grid (-inf: none), feasibility of a launch at
    given times, and the shoot-look-shoot count (fire again a look time after each hit)."""
    n_pairs = target.shape[0]

    def shot(at: NDArray[np.float64] | float) -> NDArray[np.float64]:
        launch = np.broadcast_to(np.asarray(at, dtype=float), (n_pairs,))
        out = np.full(n_pairs, np.nan)
        for s in np.unique(launch[np.isfinite(launch)]):
            rows = np.flatnonzero(launch == s)
            out[rows] = pairwise_intercept(*(a[rows] for a in args), float(s), times,
                                           target[rows], talt[rows])[0]
        return out

    last_ok = np.full(n_pairs, -np.inf)
    for s in np.arange(t_now, times[-1] + 1e-9, 0.05):
        last_ok[np.isfinite(shot(s))] = s
    count = np.zeros(n_pairs, dtype=int)
    launch = np.full(n_pairs, t_now)
    while True:
        t_hit = shot(launch)
        hit = np.isfinite(t_hit)
        if not hit.any():
            break
        count[hit] += 1
        launch = np.where(hit, t_hit + look, np.nan)
    return last_ok, shot, count


def check_against_single_shots(args, t_now, times, target, talt, look):  # type: ignore[no-untyped-def]
    e = _engage(*args, t_now, times, target, talt, look)
    last_ok, shot, count = brute_latest_and_shots(args, t_now, times, target, talt, look)
    finite = np.isfinite(e.t_latest_launch)
    assert np.all(last_ok[~finite] == -np.inf)  # no launch at all works
    assert np.all(last_ok[finite] <= e.t_latest_launch[finite])  # none later works
    assert np.all(np.isfinite(shot(np.where(finite, e.t_latest_launch, np.nan))[finite]))
    assert np.all(np.isnan(shot(np.nextafter(e.t_latest_launch, np.inf))[finite]))
    np.testing.assert_array_equal(e.shots, count)
    np.testing.assert_array_equal(e.t_intercept, shot(t_now))
    capped = _engage(*args, t_now, times, target, talt, look, max_shots=DEFAULT_MAX_SHOTS)
    np.testing.assert_array_equal(capped.shots, np.minimum(count, DEFAULT_MAX_SHOTS))
    return e, count


def test_latest_launch_and_shots_against_single_shots_over_launch_times() -> None:
    """No feasible launch is later than the latest launch time, a shot fired exactly then is
    feasible, and the shoot-look-shoot count is that of firing single shots in turn. Slow
    interceptors (some threats outrun them), climbing and diving tracks and gaps in flight."""
    rng = np.random.default_rng(33)
    m, n, k = 6, 9, 80
    unit = rng.uniform(-20e3, 20e3, (m, 3))
    speed = rng.uniform(300.0, 1500.0, m)
    env = (rng.uniform(0.0, 10e3, m), rng.uniform(30e3, 90e3, m), rng.uniform(0.0, 2e3, m),
           rng.uniform(8e3, 25e3, m))
    t_now = 11.0
    times = t_now + np.arange(k) * 4.0
    start = rng.uniform(-60e3, 60e3, (n, 3))
    vel = rng.normal(0, 500.0, (n, 3))
    target = start[:, None] + vel[:, None] * (times - t_now)[None, :, None]
    talt = rng.uniform(2e3, 15e3, n)[:, None] + rng.normal(0, 20.0, n)[:, None] * (times - t_now)
    dead = rng.random((n, k)) < 0.1
    dead[:, -10:] |= rng.random((n, 1)) < 0.5
    target[dead], talt[dead] = np.nan, np.nan
    u, j = np.repeat(np.arange(m), n), np.tile(np.arange(n), m)
    args = (unit[u], speed[u], *(a[u] for a in env))
    e, count = check_against_single_shots(args, t_now, times, target[j], talt[j], 7.0)
    finite = np.isfinite(e.t_latest_launch)
    assert finite.sum() >= 10 and (~finite).sum() >= 10 and count.max() > DEFAULT_MAX_SHOTS


def test_latest_launch_is_a_record_of_the_launch_deadline() -> None:
    """A launch meets the threat at the first sample it can reach: a later in-envelope sample
    whose deadline g_i is below an earlier one is never met. Latest launch deadlines by hand:
    g = times - dist / speed = [50, 105, 80] s with the middle sample above the envelope; a
    launch in (50, 105] meets it there, so the latest launch is 50 s, not 80 s."""
    speed = 1000.0
    times = np.array([100.0, 110.0, 120.0])
    dist = speed * (times - np.array([50.0, 105.0, 80.0]))
    target = np.stack([dist, np.zeros(3), np.zeros(3)], axis=-1)[None]
    talt = np.array([[5e3, 30e3, 5e3]])
    args = (np.zeros((1, 3)), np.array([speed]), np.zeros(1), np.array([100e3]), np.zeros(1),
            np.array([20e3]))
    e, count = check_against_single_shots(args, 0.0, times, target, talt, 7.0)
    assert e.t_latest_launch[0] == 50.0
    assert e.t_intercept[0] == 100.0 and count[0] == 1
    # the same track entirely in the envelope: every sample is a record, the latest is 105 s
    e2 = _engage(*args, 0.0, times, target, np.full((1, 3), 5e3), 7.0)
    assert e2.t_latest_launch[0] == 105.0


def test_engagement_rejects_a_bad_look_time_or_shot_cap() -> None:
    one = np.ones(1)
    args = (np.zeros((1, 3)), one, one, one, one, one, 0.0, np.zeros(1), np.zeros((1, 1, 3)),
            np.zeros((1, 1)), np.zeros(1, int), np.zeros(1, int))
    with pytest.raises(InputError, match="look_s"):
        pairwise_engagement(*args, 0.0)
    with pytest.raises(InputError, match="max_shots"):
        pairwise_engagement(*args, 10.0, 0)


@pytest.mark.parametrize("k", [80, 2000])  # a table small enough for the direct form, and not
def test_shot_now_is_the_same_with_or_without_the_detail(k: int) -> None:
    """The cheap screening form (``detail=False``, direct below one block) gives the shot now of
    the full computation, pair for pair, gaps in flight and a float32 track included."""
    rng = np.random.default_rng(5)
    m, n = 7, 11
    unit = rng.uniform(-20e3, 20e3, (m, 3))
    speed = rng.uniform(300.0, 1500.0, m)
    env = (rng.uniform(0.0, 10e3, m), rng.uniform(30e3, 90e3, m), rng.uniform(0.0, 2e3, m),
           rng.uniform(8e3, 25e3, m))
    times = 3.0 + np.arange(k) * 2.0
    path = (rng.uniform(-60e3, 60e3, (1, n, 3))
            + rng.normal(0, 400.0, (1, n, 3)) * (times - 3.0)[:, None, None]).astype(np.float32)
    alt = (rng.uniform(2e3, 15e3, (1, n)) + 0 * times[:, None]).astype(np.float32)
    gone = rng.random((k, n)) < 0.1
    path[gone], alt[gone] = np.nan, np.nan
    pu, pj = np.repeat(np.arange(m), n), np.tile(np.arange(n), m)
    full = pairwise_engagement(unit, speed, *env, 3.0, times, path, alt, pu, pj)
    cheap = pairwise_engagement(unit, speed, *env, 3.0, times, path, alt, pu, pj, detail=False)
    np.testing.assert_array_equal(cheap.t_intercept, full.t_intercept)
    np.testing.assert_array_equal(cheap.sample, full.sample)
    assert np.isfinite(full.t_intercept).sum() >= 5
    assert np.isnan(cheap.t_latest_launch).all() and (cheap.shots == 0).all()


@pytest.mark.parametrize("k", [80, 2000])  # the direct form and the blocks
@pytest.mark.parametrize("detail", [False, True])
def test_heights_not_given_are_those_of_the_path(k: int, detail: bool) -> None:
    """``path_alt=None``: the heights of the path (:func:`altitude`) where needed, the same
    results bit for bit as the heights given."""
    rng = np.random.default_rng(9)
    m, n = 5, 9
    unit = ecef_from_geodetic(0.6 + rng.uniform(-3e-3, 3e-3, m), 0.4 + rng.uniform(-3e-3, 3e-3, m),
                              0.0)
    speed = rng.uniform(300.0, 1500.0, m)
    env = (rng.uniform(0.0, 10e3, m), rng.uniform(30e3, 90e3, m), rng.uniform(0.0, 2e3, m),
           rng.uniform(8e3, 25e3, m))
    times = 3.0 + np.arange(k) * 2.0
    start = ecef_from_geodetic(0.6 + rng.uniform(-0.01, 0.01, n), 0.4 + rng.uniform(-0.01, 0.01, n),
                               rng.uniform(2e3, 15e3, n))
    path = start[None] + rng.normal(0, 20.0, (1, n, 3)) * (times - 3.0)[:, None, None]
    path[rng.random((k, n)) < 0.1] = np.nan
    pu, pj = np.repeat(np.arange(m), n), np.tile(np.arange(n), m)
    given = pairwise_engagement(unit, speed, *env, 3.0, times, path, altitude(path), pu, pj,
                                detail=detail)
    found = pairwise_engagement(unit, speed, *env, 3.0, times, path, None, pu, pj,
                                detail=detail)
    for a, b in zip(dataclasses.astuple(given), dataclasses.astuple(found), strict=True):
        assert a.tobytes() == b.tobytes()
    assert np.isfinite(given.t_intercept).sum() >= 3
