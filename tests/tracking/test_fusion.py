"""Covariance intersection: never optimistic for any cross-correlation; optimal weight."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import sqrtm
from scipy.optimize import minimize_scalar

from inkless.tracking import covariance_intersection


def _spd(rng: np.random.Generator, k: int, d: int) -> np.ndarray:
    A = rng.normal(size=(k, d, d)) * rng.uniform(0.1, 10.0, size=(k, 1, d))
    return A @ A.transpose(0, 2, 1) + 1e-3 * np.eye(d)


@pytest.mark.parametrize("criterion", ["trace", "det"])
def test_ci_is_never_optimistic(criterion: str) -> None:
    """P_ci - P_true >= 0 for random cross-covariances Pab = Pa^1/2 C Pb^1/2, ||C|| <= 1.

    Every admissible joint covariance has this form (C a contraction); C orthogonal is the
    extreme (fully correlated) case. The true covariance of the fused error for the CI gains
    Ka = w P Pa^-1, Kb = (1 - w) P Pb^-1 is Ka Pa Ka' + Ka Pab Kb' + Kb Pab' Ka' + Kb Pb Kb'.
    """
    rng = np.random.default_rng(2024)
    k, d = 300, 4
    Pa, Pb = _spd(rng, k, d), _spd(rng, k, d)
    xa, xb = rng.normal(size=(k, d)), rng.normal(size=(k, d))
    _, P, w = covariance_intersection(xa, Pa, xb, Pb, criterion=criterion)  # type: ignore[arg-type]
    assert np.all((w >= 0.0) & (w <= 1.0))
    Ka = w[:, None, None] * P @ np.linalg.inv(Pa)
    Kb = (1.0 - w)[:, None, None] * P @ np.linalg.inv(Pb)
    Sa = np.array([np.real(sqrtm(M)) for M in Pa])
    Sb = np.array([np.real(sqrtm(M)) for M in Pb])
    worst = np.inf
    for trial in range(12):
        G = rng.normal(size=(k, d, d))
        if trial % 3 == 0:  # orthogonal: fully correlated extreme
            C, _ = np.linalg.qr(G)
        else:  # random contraction with norm in (0, 1]
            C = G / np.linalg.norm(G, ord=2, axis=(1, 2))[:, None, None]
            C *= rng.uniform(0.0, 1.0, size=(k, 1, 1))
        Pab = Sa @ C @ Sb
        T = Ka @ Pab @ Kb.transpose(0, 2, 1)
        P_true = Ka @ Pa @ Ka.transpose(0, 2, 1) + T + T.transpose(0, 2, 1) + \
            Kb @ Pb @ Kb.transpose(0, 2, 1)
        gap = np.linalg.eigvalsh(P - P_true)[:, 0] / np.linalg.norm(P, axis=(1, 2))
        worst = min(worst, float(gap.min()))
    assert worst > -1e-9


def test_ci_weight_is_optimal_against_scipy() -> None:
    rng = np.random.default_rng(9)
    k, d = 25, 3
    Pa, Pb = _spd(rng, k, d), _spd(rng, k, d)
    xa, xb = rng.normal(size=(k, d)), rng.normal(size=(k, d))
    for criterion in ("trace", "det"):
        x, P, w = covariance_intersection(xa, Pa, xb, Pb, criterion=criterion)  # type: ignore[arg-type]
        for i in range(k):
            Ia, Ib = np.linalg.inv(Pa[i]), np.linalg.inv(Pb[i])

            def f(v: float, Ia: np.ndarray = Ia, Ib: np.ndarray = Ib,
                  crit: str = criterion) -> float:
                Pw = np.linalg.inv(v * Ia + (1 - v) * Ib)
                return float(np.trace(Pw) if crit == "trace" else np.linalg.det(Pw))

            ref = minimize_scalar(f, bounds=(0.0, 1.0), method="bounded",
                                  options={"xatol": 1e-10})
            assert f(float(w[i])) <= min(ref.fun, f(0.0), f(1.0)) * (1 + 1e-8)
            Pw = np.linalg.inv(w[i] * Ia + (1 - w[i]) * Ib)
            np.testing.assert_allclose(P[i], Pw, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(x[i], Pw @ (w[i] * Ia @ xa[i] + (1 - w[i]) * Ib @ xb[i]),
                                       rtol=1e-8, atol=1e-10)


def test_ci_single_pair_and_dominance() -> None:
    Pa = np.diag([1.0, 1.0])
    Pb = np.diag([100.0, 100.0])
    x, P, w = covariance_intersection(np.zeros(2), Pa, np.ones(2), Pb)
    assert x.shape == (2,) and P.shape == (2, 2)
    assert w[0] == 1.0  # b adds nothing CI can use: keep a
    np.testing.assert_allclose(P, Pa)
