"""Report merging (inkless.tracking.merging): several sets of reports merged in one pass."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.tracking import update
from inkless.tracking.merging import merge_reports, merge_sets, mutual_pairs, pairs_among


def _spd(rng: np.random.Generator, k: int, scale: float) -> np.ndarray:
    a = rng.normal(size=(k, 3, 3)) * scale
    return a @ np.swapaxes(a, 1, 2) + np.eye(3) * scale**2


def _reports(rng: np.random.Generator, objects: np.ndarray, scales: list[float],
             p_seen: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reports ``z (k, 3)``, ``R (k, 3, 3)``, sensor ``group (k,)`` and object ``obj (k,)`` of
    one sensor per error scale (m) seeing each of ``objects (n, 3)`` with probability
    ``p_seen``, errors drawn from a random covariance of that scale."""
    n = objects.shape[0]
    z, R, group, obj = [], [], [], []
    for g, scale in enumerate(scales):
        seen = np.flatnonzero(rng.random(n) < p_seen)
        cov = _spd(rng, seen.size, scale)
        z.append(objects[seen] + np.einsum("kij,kj->ki", np.linalg.cholesky(cov),
                                           rng.normal(size=(seen.size, 3))))
        R.append(cov)
        group.append(np.full(seen.size, g))
        obj.append(seen)
    zz, RR, gg, oo = (np.concatenate(a) for a in (z, R, group, obj))
    return zz, RR, gg, oo


def _four_sensors(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reports ``z (k, 3)``, ``R (k, 3, 3)`` and sensor ``group (k,)`` of four sensors (errors
    150-800 m) seeing each of 20 objects with probability 0.8; the objects come in close pairs
    (400 m), so that some groups are ambiguous (a sensor twice)."""
    centre = rng.uniform(-100e3, 100e3, (10, 3))
    objects = np.concatenate([centre, centre + rng.normal(0.0, 400.0, (10, 3))])
    zz, RR, gg, _ = _reports(rng, objects, [300.0, 800.0, 150.0, 500.0], 0.8)
    return zz, RR, gg


@pytest.mark.parametrize("seed", range(8))
def test_sets_merged_together_are_each_merged_alone(seed: int) -> None:
    """Authority: :func:`merge_reports` of each set alone. The sets of the coalition tracker's
    trackers (every subset of four sensors, some twice, some empty of pairs) merged in one
    stacked call give each what it alone gives, bit for bit, merged reports in the same order.
    Objects come in close pairs, so that some groups are ambiguous (a sensor twice)."""
    rng = np.random.default_rng(seed)
    zz, RR, gg = _four_sensors(rng)
    subsets = [k for k in range(16) if rng.random() < 0.5] + [0, 1, 15]
    sets = [np.flatnonzero(np.isin(gg, [g for g in range(4) if k >> g & 1])) for k in subsets]
    got = merge_sets(zz, RR, gg, sets, mutual_pairs(zz, RR, gg))
    assert len(got) == len(sets)
    for rows, merged in zip(sets, got, strict=True):
        want = merge_reports(zz[rows], RR[rows], gg[rows])
        for a, b in zip(merged, want, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(6))
def test_reports_merged_without_some_sensors_use_the_pairs_among_all(seed: int) -> None:
    """A tracker fed by some of the sensors merges their reports with the pairs found once
    among every report (CoalitionTracker.scan): bit for bit what merging its reports alone
    gives, for every set of the four sensors."""
    zz, RR, gg = _four_sensors(np.random.default_rng(seed))
    every = mutual_pairs(zz, RR, gg)
    for k in range(1, 16):
        rows = np.flatnonzero(np.isin(gg, [g for g in range(4) if k >> g & 1]))
        want = merge_reports(zz[rows], RR[rows], gg[rows])
        got = merge_reports(zz[rows], RR[rows], gg[rows],
                            pairs=pairs_among(every, rows, gg.size))
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)


def test_merged_reports_update_as_the_reports_in_turn() -> None:
    """Reports of 12 objects by 3 sensors (a few missed): one merged report per object, and a
    Kalman update with it equals the three updates in turn (independent errors)."""
    rng = np.random.default_rng(4)
    objects = rng.uniform(-300e3, 300e3, (12, 3))
    zz, RR, gg, oo = _reports(rng, objects, [300.0, 800.0, 150.0], 0.85)
    zf, Rf, into = merge_reports(zz, RR, gg)
    assert zf.shape[0] == np.unique(oo).size
    for o in np.unique(oo):  # the reports of one object, and only they, share a merged report
        assert np.unique(into[oo == o]).size == 1
        assert not np.isin(into[oo != o], into[oo == o]).any()
    x0 = np.r_[objects[0] + 500.0, 100.0, -50.0, 0.0][None]
    P0 = np.diag([1e6] * 3 + [1e4] * 3)[None]
    mine = np.flatnonzero(oo == 0)
    x, P = x0, P0
    for k in mine:
        x, P = update(x, P, zz[k][None], RR[k][None])
    xm, Pm = update(x0, P0, zf[into[mine[0]]][None], Rf[into[mine[0]]][None])
    assert np.allclose(xm, x, rtol=1e-9, atol=1e-6)
    assert np.allclose(Pm, P, rtol=1e-7, atol=1e-6)
