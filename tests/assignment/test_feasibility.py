"""Feasibility tables over (unit, threat) pairs against single-pair computations in a loop
(:func:`inkless.physics.intercept.pairwise_intercept` and ``pairwise_engagement``, themselves
checked against closed forms and brute force in tests/physics/test_intercept.py)."""

from __future__ import annotations

import dataclasses

import numpy as np

from inkless.assignment.feasibility import envelope_windows, feasibility
from inkless.physics.geodesy import altitude, ecef_from_geodetic
from inkless.physics.intercept import pairwise_engagement, pairwise_intercept
from inkless.scenario.tables import FireUnitTable


def _units(rng: np.random.Generator, m: int) -> FireUnitTable:
    lat = np.radians(31.5 + rng.uniform(-0.5, 0.5, m))
    lon = np.radians(35.0 + rng.uniform(-0.5, 0.5, m))
    alt = rng.uniform(0.0, 500.0, m)
    return FireUnitTable(
        id=tuple(f"u{i}" for i in range(m)), interceptor=("x",) * m,
        owner=np.zeros(m, dtype=np.int64), lat=lat, lon=lon, alt=alt,
        ecef=np.asarray(ecef_from_geodetic(lat, lon, alt)), r_min=rng.uniform(0, 5e3, m),
        r_max=rng.uniform(40e3, 120e3, m), alt_min=np.zeros(m), alt_max=np.full(m, 20e3),
        speed=rng.uniform(600.0, 2000.0, m), pk=rng.uniform(0.0, 0.9, (m, 3)).round(1),
        cost=np.ones(m), rounds=np.full(m, 4), channels=np.full(m, 2), reload=np.ones(m),
        basket=np.full(m, 2e3),
    )


def test_feasibility_is_the_pairwise_computation_on_the_marked_pairs() -> None:
    rng = np.random.default_rng(2)
    units = _units(rng, 7)
    n, k, t = 14, 60, 40.0
    times = t + 5.0 * np.arange(k)
    lat = np.radians(31.5 + rng.uniform(-0.9, 0.9, n))
    lon = np.radians(35.0 + rng.uniform(-0.9, 0.9, n))
    start = np.asarray(ecef_from_geodetic(lat, lon, rng.uniform(1e3, 12e3, n)))
    up = start / np.linalg.norm(start, axis=1, keepdims=True)
    vel = rng.normal(0.0, 250.0, (n, 3))
    vel -= np.einsum("ni,ni->n", vel, up)[:, None] * up  # level flight, roughly
    path = start[None] + vel[None] * (times - t)[:, None, None]  # (k, n, 3)
    path[rng.uniform(size=(k, n)) < 0.05] = np.nan
    path_alt = altitude(path)
    us, cand = np.array([5, 0, 3, 6]), np.array([8, 1, 2, 4, 9, 0, 13, 11, 7])
    cls = rng.integers(0, 3, len(cand))
    pairs = rng.uniform(size=(len(us), len(cand))) < 0.8
    for dtype in (np.float64, np.float32):  # the perfect picture passes the float32 truth grid
        fz = feasibility(units, us, cand, cls, pairs, t, times, path.astype(dtype),
                         path_alt.astype(dtype), look_s=12.0)
        assert fz.t_intercept.shape == fz.t_latest_launch.shape == fz.shots_fit.shape
        for a, uu in enumerate(us):
            for b, jj in enumerate(cand):
                if not pairs[a, b]:
                    assert np.isnan(fz.t_intercept[a, b]) and fz.shots_fit[a, b] == 0
                    assert np.isnan(fz.t_latest_launch[a, b])
                    continue
                one = np.array([uu])
                env = (units.speed[one], units.r_min[one], units.r_max[one], units.alt_min[one],
                       units.alt_max[one])
                tgt = path[:, jj].astype(dtype)[None]
                alt_j = path_alt[:, jj].astype(dtype)[None]
                t_int, j = pairwise_intercept(units.ecef[one], *env, t, times, tgt, alt_j)
                e = pairwise_engagement(units.ecef[one], *env, t, times, np.swapaxes(tgt, 0, 1),
                                        alt_j.T, np.zeros(1, int), np.zeros(1, int), 12.0)
                np.testing.assert_array_equal(fz.t_intercept[a, b], t_int[0])
                np.testing.assert_array_equal(fz.t_latest_launch[a, b], e.t_latest_launch[0])
                assert fz.shots_fit[a, b] == e.shots[0]
                if j[0] >= 0:
                    np.testing.assert_array_equal(fz.point[a, b], tgt[0, j[0]])
                assert fz.pk[a, b] == units.pk[uu, cls[b]]
        assert np.isfinite(fz.t_intercept).sum() >= 5
        assert (fz.shots_fit >= 2).sum() >= 3
        assert (np.isfinite(fz.t_latest_launch) & ~np.isfinite(fz.t_intercept)).any()


def test_envelope_windows_are_the_first_and_last_tick_inside_by_brute_force() -> None:
    """Each (unit, threat)'s first and last tick inside the unit's range and altitude band
    (pairs with no kill probability: never), against a loop over every pair and tick in
    float64. Units far from every threat (the box pre-test discards all their samples) and
    threats with gaps in flight included."""
    rng = np.random.default_rng(5)
    units = _units(rng, 9)
    units = dataclasses.replace(units, ecef=units.ecef.copy())
    units.ecef[0] += 3e6 * units.ecef[0] / np.linalg.norm(units.ecef[0])  # nothing in range
    n, ticks = 25, 80
    lat = np.radians(31.5 + rng.uniform(-1.5, 1.5, n))
    lon = np.radians(35.0 + rng.uniform(-1.5, 1.5, n))
    start = np.asarray(ecef_from_geodetic(lat, lon, rng.uniform(1e3, 30e3, n)))
    vel = rng.normal(0.0, 400.0, (n, 3))
    truth = start[None] + vel[None] * (10.0 * np.arange(ticks))[:, None, None]
    truth[rng.uniform(size=(ticks, n)) < 0.1] = np.nan
    truth = truth.astype(np.float32)
    truth_alt = altitude(truth.astype(np.float64)).astype(np.float32)
    truth_alt[np.isnan(truth[..., 0])] = np.nan
    cls = rng.integers(0, 3, n)
    first, last = envelope_windows(units, truth, truth_alt, cls)
    for u in range(len(units.id)):
        for j in range(n):
            r = np.linalg.norm(truth[:, j].astype(np.float64) - units.ecef[u], axis=1)
            h = truth_alt[:, j]
            inside = np.flatnonzero((r >= units.r_min[u]) & (r <= units.r_max[u])
                                    & (h >= units.alt_min[u]) & (h <= units.alt_max[u]))
            if units.pk[u, cls[j]] <= 0 or not inside.size:
                assert first[u, j] == last[u, j] == -1, (u, j)
            else:
                assert (first[u, j], last[u, j]) == (inside[0], inside[-1]), (u, j)
    assert (first[0] == -1).all() and (first >= 0).sum() > 20
