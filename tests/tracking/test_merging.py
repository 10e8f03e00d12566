"""Report merging (inkless.tracking.merging): several sets of reports merged in one pass."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.tracking import update
from inkless.tracking.merging import (
    merge_reports,
    merge_scans,
    merge_sets,
    mutual_pairs,
    pairs_among,
)


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


def _scans(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Reports of ``n`` scans, sorted by (scan, sensor): ``z``, ``R``, ``sensor``, ``scan``.
    A scan is one of four sensors' (:func:`_four_sensors`, some groups ambiguous), one
    sensor's, two sensors' of one object (a single pair), or empty; the scans' objects
    sometimes coincide, so that a scan's reports have close reports in other scans (which
    must not pair with them)."""
    centre = rng.uniform(-100e3, 100e3, (10, 3))
    z, R, group, scan = [], [], [], []
    for s in range(n):
        what = rng.integers(5)
        if what == 0:  # empty
            continue
        if rng.random() < 0.5:
            centre = rng.uniform(-100e3, 100e3, (10, 3))
        objects = np.concatenate([centre, centre + rng.normal(0.0, 400.0, (10, 3))])
        if what == 4:  # one object, two sensors
            zz, RR, gg, _ = _reports(rng, centre[:1], [300.0, 500.0], 1.0)
            gg = np.minimum(gg * 2 + int(rng.integers(2)), 3)
        else:
            scales = [300.0, 800.0, 150.0, 500.0] if what > 1 else [300.0]
            zz, RR, gg, _ = _reports(rng, objects, scales, 0.8)
        if what == 1:  # one sensor, not always the first
            gg = gg + int(rng.integers(4))
        z.append(zz)
        R.append(RR)
        group.append(gg)
        scan.append(np.full(gg.size, s))
    if not z:
        return np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate(a) for a in (z, R, group, scan))


@pytest.mark.parametrize("seed", range(30))
def test_reports_of_several_scans_are_each_scan_merged_alone(seed: int) -> None:
    """Authority: :func:`merge_sets` of each scan's reports alone (the coalition tracker's
    per-scan merge: the trackers' distinct sets of that scan's reports). :func:`merge_scans`
    merges the reports of many scans at once; each scan's slice of each set's result is that,
    bit for bit, merged reports in the same order (including scans with no report, one
    sensor, ambiguous groups, a single pair: a one-matrix stack rounds differently). A set
    merges a scan only where no earlier set holds the same reports then (as the tracker)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    zz, RR, gg, ss = _scans(rng, n)
    subsets = [k for k in range(1, 16) if rng.random() < 0.3] + [15, 7]
    sets: list[np.ndarray] = []  # each subset's reports, in the scans where no earlier set
    # holds the same
    for k in subsets:
        mine = np.isin(gg, [g for g in range(4) if k >> g & 1])
        new = np.ones(n, bool)
        for rows in sets:
            had = np.zeros(zz.shape[0], bool)
            had[rows] = True
            for s in range(n):
                if np.array_equal(had[ss == s], mine[ss == s]):
                    new[s] = False
        sets.append(np.flatnonzero(mine & new[ss]))
    every = mutual_pairs(zz, RR, gg, scan=ss)
    want_pairs: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    for s in range(n):
        rows = np.flatnonzero(ss == s)
        ii, jj = mutual_pairs(zz[rows], RR[rows], gg[rows])
        want_pairs[0].append(rows[ii])
        want_pairs[1].append(rows[jj])
    for got_p, want_p in zip(every, want_pairs, strict=True):
        np.testing.assert_array_equal(got_p, np.concatenate([np.zeros(0, np.int64), *want_p]))
    got = merge_scans(zz, RR, gg, ss, n, sets)
    assert len(got) == len(sets)
    for s in range(n):  # each scan's sets that hold some of its reports, merged alone
        rows = np.flatnonzero(ss == s)
        here = [(np.flatnonzero(np.isin(rows, r)), g) for r, g in zip(sets, got, strict=True)]
        here = [(h, g) for h, g in here if h.size]
        want = merge_sets(zz[rows], RR[rows], gg[rows], [h for h, _ in here],
                          mutual_pairs(zz[rows], RR[rows], gg[rows]))
        for (_, (zf, Rf, _, start)), w in zip(here, want, strict=True):
            a, b = int(start[s]), int(start[s + 1])
            np.testing.assert_array_equal(zf[a:b], w[0])
            np.testing.assert_array_equal(Rf[a:b], w[1])
    for rows, (zf, Rf, into, start) in zip(sets, got, strict=True):
        assert start.shape == (n + 1,)
        assert start[-1] == zf.shape[0] == Rf.shape[0]
        for s in range(n):
            at = np.flatnonzero(ss[rows] == s)
            np.testing.assert_array_equal(into[at] - start[s],
                                          merge_reports(zz[rows[at]], RR[rows[at]],
                                                        gg[rows[at]])[2])


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


@pytest.mark.parametrize("seed", range(6))
def test_the_sweep_finds_every_pair_of_a_scan_that_passes_the_pre_test(seed: int) -> None:
    """Authority: the pre-test of every pair of a scan (``cdist``, as one scan's
    :func:`mutual_pairs` does). Reports placed in pairs at distances just inside and just
    outside ``sqrt(gate (tr_i + tr_j))``, in any direction, with covariances of very
    different sizes, over three scans at the same places: the sweep finds the same pairs,
    each once."""
    from scipy.spatial.distance import cdist

    from inkless.tracking.kalman import spread
    from inkless.tracking.merging import _MERGE_GATE, _near_in_scans

    rng = np.random.default_rng(seed)
    k = 40
    R = _spd(rng, 2 * k, 1.0) * rng.choice([1e2, 1e4, 1e6], 2 * k)[:, None, None]
    tr = spread(R)
    bound = np.sqrt(_MERGE_GATE * (tr[:k] + tr[k:]))
    u = rng.normal(size=(k, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    a = rng.uniform(-50e3, 50e3, (k, 3))
    b = a + u * (bound * rng.choice([0.999, 1.001], k))[:, None]
    z1 = np.concatenate([a, b])
    z, RR = np.concatenate([z1] * 3), np.concatenate([R] * 3)
    scan = np.repeat(np.arange(3), 2 * k)
    ii, jj = _near_in_scans(z, spread(RR), scan, _MERGE_GATE)
    got = np.sort(np.minimum(ii, jj) * 10**6 + np.maximum(ii, jj))  # each pair once
    near = cdist(z1, z1, "sqeuclidean") <= _MERGE_GATE * (tr[:, None] + tr[None, :])
    wi, wj = np.nonzero(np.triu(near, 1))
    m = 2 * k
    want = np.concatenate([(wi + s * m) * 10**6 + wj + s * m for s in range(3)])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(6))
def test_first_per_key_is_the_smallest_value_of_each_key_first_among_ties(seed: int) -> None:
    """Authority: a loop over the keys. Each key's entry with the smallest value (the first
    of equal ones), on keys with many entries and values with ties."""
    from inkless.tracking.merging import _first_per_key

    rng = np.random.default_rng(seed)
    key = rng.integers(0, 30, 300)
    value = rng.integers(0, 5, 300).astype(float)
    got = _first_per_key(key, value)
    want = np.zeros(300, bool)
    for k in np.unique(key):
        rows = np.flatnonzero(key == k)
        want[rows[np.argmin(value[rows])]] = True
    np.testing.assert_array_equal(got, want)
