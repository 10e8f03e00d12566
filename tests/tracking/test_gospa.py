"""GOSPA against brute force and against Stone Soup's GOSPAMetric (the outside authority)."""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pytest

from inkless.errors import InputError
from inkless.tracking import gospa, gospa_over_time


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
