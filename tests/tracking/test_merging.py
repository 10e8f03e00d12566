"""Report merging (inkless.tracking.merging): several sets of reports merged in one pass."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.tracking.merging import merge_reports, merge_sets, mutual_pairs, pairs_among


def _spd(rng: np.random.Generator, k: int, scale: float) -> np.ndarray:
    a = rng.normal(size=(k, 3, 3)) * scale
    return a @ np.swapaxes(a, 1, 2) + np.eye(3) * scale**2


def _four_sensors(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reports ``z (k, 3)``, ``R (k, 3, 3)`` and sensor ``group (k,)`` of four sensors (errors
    150-800 m) seeing each of 20 objects with probability 0.8; the objects come in close pairs
    (400 m), so that some groups are ambiguous (a sensor twice)."""
    centre = rng.uniform(-100e3, 100e3, (10, 3))
    objects = np.concatenate([centre, centre + rng.normal(0.0, 400.0, (10, 3))])
    z, R, group = [], [], []
    for g, scale in enumerate([300.0, 800.0, 150.0, 500.0]):
        seen = np.flatnonzero(rng.random(20) < 0.8)
        cov = _spd(rng, seen.size, scale)
        z.append(objects[seen] + np.einsum("kij,kj->ki", np.linalg.cholesky(cov),
                                           rng.normal(size=(seen.size, 3))))
        R.append(cov)
        group.append(np.full(seen.size, g))
    zz, RR, gg = (np.concatenate(a) for a in (z, R, group))
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
