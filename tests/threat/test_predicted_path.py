"""Predicted paths (inkless.threat.predicted_path): every track's position at every look-ahead
time, NaN from its predicted end on. Authority: the two-body propagator called on each (time,
track) alone (inkless.physics.ballistic.propagate, tested against closed forms in
tests/physics) and the constant-velocity line; the path computes Kepler only where a missile
still flies, and must give those same positions bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.physics.ballistic import arc_for_apogee, propagate
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.threat import predicted_path


@pytest.mark.parametrize("seed", range(4))
def test_each_point_is_its_own_propagation_and_nan_from_the_end(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 12
    lat, lon = np.radians(rng.uniform(29, 34, n)), np.radians(rng.uniform(33, 48, n))
    r0 = np.asarray(ecef_from_geodetic(lat, lon, np.zeros(n)))
    aim = np.asarray(ecef_from_geodetic(np.radians(np.full(n, 31.5)),
                                        np.radians(np.full(n, 35.0)), np.zeros(n)))
    v0, tof = arc_for_apogee(r0, aim, rng.uniform(100e3, 300e3, n))
    frac = rng.uniform(0.1, 0.9, n)
    pos, vel = propagate(r0, v0, frac * tof)
    ballistic = rng.random(n) < 0.7
    vel[~ballistic] = rng.normal(0.0, 200.0, (int((~ballistic).sum()), 3))
    t = 40.0
    t_end = t + (1.0 - frac) * tof
    t_end[rng.random(n) < 0.2] = np.nan  # no predicted end: the whole look-ahead
    times = t + 5.0 * np.arange(150)
    got = predicted_path(t, times, pos, vel, ballistic, t_end)
    assert got.shape == (times.size, n, 3)
    for j in range(n):
        live = ~(times >= (np.inf if np.isnan(t_end[j]) else t_end[j]))
        assert np.isnan(got[~live, j]).all()
        ahead = times[live] - t
        if ballistic[j]:
            want = np.stack([propagate(pos[j], vel[j], a)[0] for a in ahead])
        else:
            want = pos[j] + vel[j] * ahead[:, None]
        np.testing.assert_array_equal(got[live, j], want)


def test_straight_lines_only_are_the_lines_bit_for_bit() -> None:
    """No ballistic track (the paths computed all at once): each point is ``pos + vel * ahead``
    of its own track, NaN from its end on."""
    rng = np.random.default_rng(11)
    n = 9
    pos = np.asarray(ecef_from_geodetic(np.radians(rng.uniform(29, 34, n)),
                                        np.radians(rng.uniform(33, 48, n)),
                                        rng.uniform(50.0, 3e3, n)))
    vel = rng.normal(0.0, 200.0, (n, 3))
    t = 12.0
    t_end = t + rng.uniform(0.0, 400.0, n)
    t_end[rng.random(n) < 0.3] = np.nan
    times = t + 10.0 * np.arange(40)
    got = predicted_path(t, times, pos, vel, np.zeros(n, bool), t_end)
    for j in range(n):
        live = ~(times >= (np.inf if np.isnan(t_end[j]) else t_end[j]))
        assert np.isnan(got[~live, j]).all()
        np.testing.assert_array_equal(got[live, j], pos[j] + vel[j] * (times[live] - t)[:, None])
    assert np.isnan(got).any() and np.isfinite(got).any()
