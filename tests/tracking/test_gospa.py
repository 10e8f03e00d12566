"""GOSPA against brute force and against Stone Soup's GOSPAMetric (the outside authority)."""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.errors import InputError
from inkless.tracking import gospa, gospa_over_time
from inkless.tracking.gospa import gospa_pairs, gospa_pairs_many


def _brute_force(X: np.ndarray, Y: np.ndarray, c: float, p: float) -> float:
    """Definition of GOSPA (alpha = 2) by enumerating every partial assignment."""
    n, m = len(X), len(Y)
    best = np.inf
    for k in range(min(n, m) + 1):
        for xs in itertools.combinations(range(n), k):
            for ys in itertools.permutations(range(m), k):
                d = [np.linalg.norm(X[i] - Y[j]) for i, j in zip(xs, ys, strict=True)]
                if any(v >= c for v in d):
                    continue
                cost = sum(v**p for v in d) + c**p / 2 * (n + m - 2 * k)
                best = min(best, cost)
    return best ** (1.0 / p)


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_gospa_matches_brute_force(p: float) -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        n, m = rng.integers(0, 5, size=2)
        X = rng.uniform(0, 3000, size=(n, 3))
        Y = rng.uniform(0, 3000, size=(m, 3))
        g = gospa(X, Y, c=1000.0, p=p)
        assert g.total == pytest.approx(_brute_force(X, Y, 1000.0, p), rel=1e-12, abs=1e-9)
        assert g.total**p == pytest.approx(g.localisation + g.missed + g.false, rel=1e-12)
        assert g.n_missed - g.n_false == m - n


def test_gospa_rejects_other_alpha() -> None:
    with pytest.raises(InputError):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), c=10.0, alpha=1.0)


def test_gospa_matches_stonesoup() -> None:
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(11)
    t0 = datetime(2025, 1, 1)
    metric = GOSPAMetric(c=1000.0, p=1, measure=Euclidean(mapping=(0, 1, 2)))
    for n, m in [(0, 4), (5, 0), (6, 6), (9, 4), (3, 12), (20, 17)]:
        Y = rng.uniform(-5000, 5000, size=(m, 3))
        idx = rng.permutation(m)[: min(n, m)]
        X = np.concatenate([Y[idx] + rng.normal(0, 400, size=(idx.size, 3)),
                            rng.uniform(-5000, 5000, size=(n - idx.size, 3))])
        ours = gospa(X, Y, c=1000.0, p=1.0)
        ss, _ = metric.compute_gospa_metric([State(x.reshape(3, 1), timestamp=t0) for x in X],
                                            [State(y.reshape(3, 1), timestamp=t0) for y in Y])
        v = ss.value
        assert ours.total == pytest.approx(v["distance"], rel=1e-9, abs=1e-9)
        assert ours.localisation == pytest.approx(v["localisation"], rel=1e-9, abs=1e-9)
        assert ours.missed == pytest.approx(v["missed"], abs=1e-9)
        assert ours.false == pytest.approx(v["false"], abs=1e-9)


def test_gospa_over_time_groups_by_time() -> None:
    rng = np.random.default_rng(5)
    te = np.array([0, 0, 1, 3, 3, 3], float)
    tt = np.array([0, 1, 1, 2, 3], float)
    X, Y = rng.normal(0, 500, (6, 3)), rng.normal(0, 500, (5, 3))
    times, g = gospa_over_time(te, X, tt, Y, c=1000.0)
    np.testing.assert_array_equal(times, [0, 1, 2, 3])
    for k, t in enumerate(times):
        ref = gospa(X[te == t], Y[tt == t], c=1000.0)
        assert g["total"][k] == pytest.approx(ref.total)
        assert g["n_missed"][k] == ref.n_missed and g["n_false"][k] == ref.n_false


def test_gospa_over_time_with_no_estimates() -> None:
    times, g = gospa_over_time(np.empty(0), np.empty((0, 3)), np.array([0.0, 0.0, 1.0]),
                               np.zeros((3, 3)), c=1000.0)
    np.testing.assert_array_equal(times, [0.0, 1.0])
    np.testing.assert_array_equal(g["total"], [1000.0, 500.0])
    np.testing.assert_array_equal(g["n_missed"], [2, 1])


# --- many sets at once: bit for bit the one-set path (scipy's assignment on the full matrix) ---

_C = 1000.0
# points on a lattice of c/2 (distances of exactly c, equal distances, coincident points: ties)
# or anywhere, with some tracks a few metres off an object
_lattice = st.tuples(*[st.integers(-3, 3).map(lambda v: 500.0 * v)] * 3)
_anywhere = st.tuples(*[st.floats(-3000.0, 3000.0, allow_nan=False)] * 3)
_points = st.lists(st.one_of(_lattice, _anywhere), max_size=9)


def _same(X: list[np.ndarray], Y: list[np.ndarray], p: float = 1.0) -> None:
    many = gospa_pairs_many(X, Y, _C, p)
    assert len(many) == len(X)
    for x, y, (g, r, k) in zip(X, Y, many, strict=True):
        g0, r0, k0 = gospa_pairs(x, y, _C, p)
        assert g == g0  # every figure, bit for bit (== on floats)
        assert r.dtype == r0.dtype and k.dtype == k0.dtype
        np.testing.assert_array_equal(r, r0)
        np.testing.assert_array_equal(k, k0)


def _arr(pts: list[tuple[float, float, float]]) -> np.ndarray:
    return np.array(pts, dtype=float).reshape(len(pts), 3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_points, _points), min_size=1, max_size=5), st.data())
def test_gospa_many_is_gospa_of_each_bit_for_bit(sets: list, data: st.DataObject) -> None:
    """Ties (coincident points, equal distances), pairs at exactly c, empty sets: the same
    figures and pairs as scipy's assignment of each set's full matrix."""
    X = [_arr(a) for a, _ in sets]
    Y = [_arr(b) for _, b in sets]
    # tracks a few metres off objects (the common case: pairs far below c, some conflicts)
    for x, y in zip(X, Y, strict=True):
        if len(x) and len(y) and data.draw(st.booleans()):
            j = data.draw(st.lists(st.integers(0, len(y) - 1), min_size=1, max_size=len(x)))
            x[: len(j)] = y[j] + data.draw(st.floats(-300.0, 300.0))
    _same(X, Y)


def test_gospa_many_on_formations() -> None:
    """Objects flying in pairs and threes a few hundred metres apart, each held by one or two
    tracks, false tracks, objects missed: components of every shape, as in a raid."""
    rng = np.random.default_rng(8)
    X, Y = [], []
    for _ in range(400):
        centres = rng.uniform(-60e3, 60e3, (rng.integers(0, 12), 3))
        y = np.concatenate([cc + rng.normal(0, 400, (rng.integers(1, 4), 3)) for cc in centres]
                           or [np.zeros((0, 3))])
        held = y[rng.random(len(y)) < 0.9]
        twice = held[: rng.integers(0, 3)]  # held by a second track too
        x = np.concatenate([held + rng.normal(0, 250, held.shape),
                            twice + rng.normal(0, 250, twice.shape),
                            rng.uniform(-60e3, 60e3, (rng.integers(0, 3), 3))])
        X.append(x[rng.permutation(len(x))])
        Y.append(y)
    _same(X, Y)
    _same(X, Y, p=2.0)
