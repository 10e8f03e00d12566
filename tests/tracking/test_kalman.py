"""Kalman filter and tracker consistency: process noise against numerical integration, NEES
against its chi-square bounds (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from inkless.tracking import TrackerConfig, Tracks, nees, predict, step
from inkless.tracking.kalman import inv3, ncv_process_noise, ncv_transition, spread


def test_process_noise_matches_integral_of_white_acceleration() -> None:
    dt, q = 2.5, 0.7
    G = np.zeros((6, 3))
    G[3:, :] = np.eye(3)

    def integrand(s: float) -> np.ndarray:
        F = ncv_transition(dt - s)
        return (F @ G @ (q * np.eye(3)) @ G.T @ F.T).ravel()

    Q_num = integrate.quad_vec(integrand, 0.0, dt)[0].reshape(6, 6)
    np.testing.assert_allclose(ncv_process_noise(dt, q), Q_num, rtol=1e-10, atol=1e-12)


def test_inv3_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(50, 3, 3))
    S = A @ A.transpose(0, 2, 1) + np.eye(3)
    inv, det = inv3(S)
    np.testing.assert_allclose(inv, np.linalg.inv(S), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(det, np.linalg.det(S), rtol=1e-10)


def test_predict_is_linear_model() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    A = rng.normal(size=(4, 6, 6))
    P = A @ A.transpose(0, 2, 1)
    xp, Pp = predict(x, P, 3.0, 0.2)
    F = ncv_transition(3.0)
    np.testing.assert_allclose(xp, x @ F.T)
    np.testing.assert_allclose(Pp, F @ P @ F.T + ncv_process_noise(3.0, 0.2))


def test_nees_of_tracker_within_chi_square_bounds() -> None:
    """Many independent single targets (far apart, one per Monte Carlo run) through ``step``.

    The truth follows the filter's own model (NCV, white acceleration of PSD q, initial velocity
    drawn from the tracker's velocity prior), so the mean NEES over runs must be chi-square(6)
    consistent: N * mean ~ chi2(6 N) at every scan (two-sided 99 %), and on average over time.
    """
    rng = np.random.default_rng(42)
    runs, scans, dt, q = 150, 30, 2.0, 0.5
    vel_std = (300.0, 300.0, 50.0)
    sigma = np.array([60.0, 60.0, 90.0])
    cfg = TrackerConfig(q=q, pd=0.999, clutter_density=1e-15, init_vel_std=vel_std, gate_d2=40.0,
                        delete_misses=100)
    x = np.zeros((runs, 6))
    x[:, 0] = np.arange(runs) * 500e3  # 500 km apart: no cross-association
    x[:, 2] = 5000.0
    x[:, 3:] = rng.normal(size=(runs, 3)) * vel_std
    F, L = ncv_transition(dt), np.linalg.cholesky(ncv_process_noise(dt, q))
    R = np.broadcast_to(np.diag(sigma**2), (runs, 3, 3))
    tracks = Tracks.empty()
    values = []
    for k in range(scans):
        if k:
            x = x @ F.T + rng.normal(size=(runs, 6)) @ L.T
        z = x[:, :3] + rng.normal(size=(runs, 3)) * sigma
        tracks = step(tracks, k * dt, z, R, config=cfg)
        assert len(tracks) == runs
        order = np.argsort(tracks.id)
        assert np.array_equal(tracks.id[order], np.arange(runs))  # track i follows target i
        values.append(nees(tracks.x[order], tracks.P[order], x).mean())
    values_arr = np.array(values[2:])  # from the third scan (velocity observable)
    lo, hi = stats.chi2.ppf([0.005, 0.995], 6 * runs) / runs
    inside = (values_arr > lo) & (values_arr < hi)
    assert inside.mean() >= 0.9, values_arr
    n_all = runs * values_arr.size
    lo_all, hi_all = stats.chi2.ppf([0.001, 0.999], 6 * n_all) / n_all
    assert lo_all < values_arr.mean() < hi_all


@given(st.integers(0, 2**32 - 1), st.sampled_from([1.0, 1e-3, 1e4]))
@settings(max_examples=60, deadline=None)
def test_spread_bounds_the_largest_eigenvalue(seed: int, scale: float) -> None:
    """Authority: numpy's ``eigvalsh``. The bound holds for round, elongated and singular
    covariances, and is no looser than the trace (which the gates used before)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(40, 3, 3)) * scale
    A[:10, :, 2] = 0.0  # singular
    A[10:20] *= np.array([1.0, 1e-3, 1e-3])  # elongated
    S = A @ A.transpose(0, 2, 1)
    S[20:30] = np.eye(3) * rng.uniform(0.1, 10.0, (10, 1, 1)) * scale**2  # round
    bound = spread(S)
    lam = np.linalg.eigvalsh(S)[:, -1]
    assert np.all(bound >= lam)
    assert np.all(bound <= np.trace(S, axis1=1, axis2=2) * (1 + 1e-9))
    np.testing.assert_allclose(bound[20:30], lam[20:30], rtol=1e-8)  # tight when round


def _inv3_by_fancy_indexing(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cofactor inverse as first written: column gathers by fancy indexing (an oracle of
    the values and of the memory layout the tracker's figures were recorded with)."""
    rc = [(r, c) for r in range(3) for c in range(3)]
    a1 = np.array([(r + 1) % 3 * 3 + (c + 1) % 3 for r, c in rc])
    a2 = np.array([(r + 2) % 3 * 3 + (c + 2) % 3 for r, c in rc])
    b1 = np.array([(r + 1) % 3 * 3 + (c + 2) % 3 for r, c in rc])
    b2 = np.array([(r + 2) % 3 * 3 + (c + 1) % 3 for r, c in rc])
    t = np.array([c * 3 + r for r, c in rc])
    s = S.reshape(-1, 9)
    C = s[:, a1] * s[:, a2] - s[:, b1] * s[:, b2]
    p = s[:, :3] * C[:, :3]
    det = p[:, 0] + p[:, 1] + p[:, 2]
    return (C[:, t] / det[:, None]).reshape(-1, 3, 3), det


@pytest.mark.parametrize("k", [0, 1, 2, 7, 300])
def test_inv3_is_the_fancy_indexing_cofactors_bit_for_bit_and_layout(k: int) -> None:
    """Same inverse and determinant to the last bit, and the same strides: a batched matmul
    with the inverse (the gate's Mahalanobis distance) rounds differently on another layout."""
    rng = np.random.default_rng(k)
    A = rng.normal(size=(k, 6, 6)) * rng.lognormal(0.0, 3.0, (k, 1, 1))
    S = (A @ A.transpose(0, 2, 1))[:, :3, :3]  # a non-contiguous view, as the gate passes
    inv, det = inv3(S)
    want, want_det = _inv3_by_fancy_indexing(S)
    np.testing.assert_array_equal(inv, want)
    np.testing.assert_array_equal(det, want_det)
    assert inv.strides == want.strides
