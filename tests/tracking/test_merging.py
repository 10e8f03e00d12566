"""Report merging (inkless.tracking.merging): several sets of reports merged in one pass."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.tracking.merging import merge_reports, merge_sets, mutual_pairs


def _spd(rng: np.random.Generator, k: int, scale: float) -> np.ndarray:
    a = rng.normal(size=(k, 3, 3)) * scale
    return a @ np.swapaxes(a, 1, 2) + np.eye(3) * scale**2


@pytest.mark.parametrize("seed", range(8))
def test_sets_merged_together_are_each_merged_alone(seed: int) -> None:
    """Authority: :func:`merge_reports` of each set alone. The sets of the coalition tracker's
    trackers (every subset of four sensors, some twice, some empty of pairs) merged in one
    stacked call give each what it alone gives, bit for bit, merged reports in the same order.
    Objects come in close pairs, so that some groups are ambiguous (a sensor twice)."""
    rng = np.random.default_rng(seed)
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
    subsets = [k for k in range(16) if rng.random() < 0.5] + [0, 1, 15]
    sets = [np.flatnonzero(np.isin(gg, [g for g in range(4) if k >> g & 1])) for k in subsets]
    got = merge_sets(zz, RR, gg, sets, mutual_pairs(zz, RR, gg))
    assert len(got) == len(sets)
    for rows, merged in zip(sets, got, strict=True):
        want = merge_reports(zz[rows], RR[rows], gg[rows])
        for a, b in zip(merged, want, strict=True):
            np.testing.assert_array_equal(a, b)
