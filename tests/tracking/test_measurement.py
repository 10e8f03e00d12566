"""Unbiased converted measurements against Monte Carlo (Longbin et al. 1998)."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.tracking import converted_measurement
from inkless.units import DEG


def _polar(p: np.ndarray, sensor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = p - sensor
    r = np.linalg.norm(d, axis=-1)
    return r, np.arctan2(d[..., 0], d[..., 1]), np.arcsin(d[..., 2] / r)


@pytest.mark.parametrize(
    ("truth", "sig_r", "sig_az", "sig_el"),
    [
        ((30e3, 40e3, 9e3), 30.0, 5.0 * DEG, 4.0 * DEG),  # large angle errors: bias matters
        ((-70e3, -5e3, 2e3), 10.0, 1.5 * DEG, 1.0 * DEG),
        ((5e3, -8e3, 12e3), 50.0, 8.0 * DEG, 6.0 * DEG),  # high elevation
    ],
)
def test_converted_measurement_unbiased_and_covariance_consistent(
    truth: tuple[float, float, float], sig_r: float, sig_az: float, sig_el: float
) -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    sensor = np.array([1000.0, -2000.0, 50.0])
    p = np.array(truth)
    r, az, el = _polar(p, sensor)
    rm = r + sig_r * rng.standard_normal(n)
    am = az + sig_az * rng.standard_normal(n)
    em = el + sig_el * rng.standard_normal(n)

    z, R = converted_measurement(rm, am, em, sig_r, sig_az, sig_el, sensor)
    assert z.shape == (n, 3) and R.shape == (n, 3, 3)
    err = z - p
    cov = np.cov(err.T)
    se = np.sqrt(np.diag(cov) / n)
    # unbiased: mean error within 4 standard errors on every axis
    assert np.all(np.abs(err.mean(axis=0)) < 4.0 * se), (err.mean(axis=0), se)
    # the naive conversion is biased (checks that the test can see a bias at all, first case)
    naive = sensor + np.stack([rm * np.cos(em) * np.sin(am), rm * np.cos(em) * np.cos(am),
                               rm * np.sin(em)], axis=-1)
    if sig_az >= 5.0 * DEG:
        assert np.max(np.abs((naive - p).mean(axis=0)) / se) > 8.0
    # consistency: the NEES of the converted errors is chi-square(3) on average (Longbin et al.'s
    # criterion); the linearised (Jacobian) covariance fails this badly at these ranges
    nees = np.einsum("ni,ni->n", err, np.linalg.solve(R, err[..., None])[..., 0])
    assert abs(nees.mean() - 3.0) < 0.1, nees.mean()
    # and the average reported covariance is close to the Monte Carlo error covariance
    rel = np.linalg.norm(R.mean(axis=0) - cov) / np.linalg.norm(cov)
    assert rel < 0.06, (R.mean(axis=0), cov)
    # and every R is symmetric positive definite
    np.testing.assert_allclose(R, R.transpose(0, 2, 1))
    assert np.all(np.linalg.eigvalsh(R[:1000])[:, 0] > 0.0)


def test_small_noise_limit_is_the_jacobian_covariance() -> None:
    sensor = np.zeros(3)
    r, az, el = 40e3, 0.7, 0.2
    s = np.array([5.0, 1e-4, 1e-4])
    z, R = converted_measurement(r, az, el, *s, sensor)
    J = np.array([
        [np.cos(el) * np.sin(az), r * np.cos(el) * np.cos(az), -r * np.sin(el) * np.sin(az)],
        [np.cos(el) * np.cos(az), -r * np.cos(el) * np.sin(az), -r * np.sin(el) * np.cos(az)],
        [np.sin(el), 0.0, r * np.cos(el)],
    ])
    np.testing.assert_allclose(R[0], J @ np.diag(s**2) @ J.T, rtol=2e-3, atol=1e-3)
    np.testing.assert_allclose(
        z[0], [r * np.cos(el) * np.sin(az), r * np.cos(el) * np.cos(az), r * np.sin(el)],
        rtol=1e-7)
