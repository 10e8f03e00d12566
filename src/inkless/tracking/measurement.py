"""Radar measurements into the tracker's frame: unbiased converted measurements.

A radar measures range, azimuth and elevation with Gaussian errors; the tracker updates with
Cartesian positions. Converting the measured values naively is biased when cross-range errors are
large (``r * sigma_angle`` comparable to ``sigma_r``). This module applies the multiplicative
debiasing and the measurement-conditioned covariance of the *unbiased converted measurement*
method of Longbin M., Xiaoquan S., Yiyu Z., Kang S. Z. & Bar-Shalom Y., "Unbiased converted
measurements for tracking", IEEE Trans. AES 34(3), 1998, extended to 3-D (range, azimuth,
elevation) with independent errors. :func:`measurements` gives the converted measurements of
radar reports (:class:`inkless.sensing.Detections`) in the common ENU frame of their sensors.

Frame: ENU (x east, y north, z up), metres. Azimuth is measured from north, clockwise (towards
east), elevation from the horizontal, both in radians; the sensor axes are aligned with ENU.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from inkless.arrays import F64
from inkless.sensing import Detections

__all__ = ["cartesian_noise", "converted_measurement", "measurements"]



def converted_measurement(
    range_m: ArrayLike,
    az: ArrayLike,
    el: ArrayLike,
    sigma_r: ArrayLike,
    sigma_az: ArrayLike,
    sigma_el: ArrayLike,
    sensor_pos: ArrayLike,
) -> tuple[F64, F64]:
    """Unbiased converted position ``z (m, 3)`` and its covariance ``R (m, 3, 3)``, ENU metres.

    Args:
        range_m: ``(m,)`` measured slant ranges, m.
        az: ``(m,)`` measured azimuths, rad, from north clockwise.
        el: ``(m,)`` measured elevations, rad, from the horizontal.
        sigma_r, sigma_az, sigma_el: error standard deviations (m, rad, rad), scalars or ``(m,)``.
        sensor_pos: ``(3,)`` or ``(m, 3)`` sensor position in the same ENU frame, m.

    With ``l_a = exp(-sigma_az^2 / 2)`` and ``l_e = exp(-sigma_el^2 / 2)`` the converted position
    is ``(r cos e sin a, r cos e cos a) / (l_a l_e)`` horizontally and ``r sin e / l_e`` vertically,
    which has zero mean error for any truth. ``R`` is ``E[(z - p)(z - p)^T | measured]``, the
    expectation over the true ``(r, a, e) ~ N(measured, sigma^2)``; in 2-D it reduces to eq. (10)
    of Longbin et al. (1998).
    """
    r = np.atleast_1d(np.asarray(range_m, dtype=float))
    a = np.atleast_1d(np.asarray(az, dtype=float))
    e = np.atleast_1d(np.asarray(el, dtype=float))
    r, a, e = np.broadcast_arrays(r, a, e)
    sr2 = np.broadcast_to(np.asarray(sigma_r, dtype=float) ** 2, r.shape)
    sa2 = np.broadcast_to(np.asarray(sigma_az, dtype=float) ** 2, r.shape)
    se2 = np.broadcast_to(np.asarray(sigma_el, dtype=float) ** 2, r.shape)

    la, le = np.exp(-sa2 / 2.0), np.exp(-se2 / 2.0)
    la4, le4 = la**4, le**4  # exp(-2 sigma^2)
    sa_, ca_ = np.sin(a), np.cos(a)
    se_, ce_ = np.sin(e), np.cos(e)

    # Unbiased converted position, sensor-centred.
    zu = np.stack([r * ce_ * sa_ / (la * le), r * ce_ * ca_ / (la * le), r * se_ / le], axis=-1)

    # Moments of the truth given the measurement: a_true ~ N(a, sa2) etc., independent.
    Er2 = r * r + sr2
    E_sa, E_ca = la * sa_, la * ca_
    E_se, E_ce = le * se_, le * ce_
    E_sa2, E_ca2 = 0.5 * (1.0 - la4 * np.cos(2 * a)), 0.5 * (1.0 + la4 * np.cos(2 * a))
    E_saca = 0.5 * la4 * np.sin(2 * a)
    E_se2, E_ce2 = 0.5 * (1.0 - le4 * np.cos(2 * e)), 0.5 * (1.0 + le4 * np.cos(2 * e))
    E_sece = 0.5 * le4 * np.sin(2 * e)

    Ep = np.stack([r * E_ce * E_sa, r * E_ce * E_ca, r * E_se], axis=-1)  # E[p | measured]
    Epp = np.empty((*r.shape, 3, 3))
    Epp[..., 0, 0] = Er2 * E_ce2 * E_sa2
    Epp[..., 1, 1] = Er2 * E_ce2 * E_ca2
    Epp[..., 2, 2] = Er2 * E_se2
    Epp[..., 0, 1] = Epp[..., 1, 0] = Er2 * E_ce2 * E_saca
    Epp[..., 0, 2] = Epp[..., 2, 0] = Er2 * E_sece * E_sa
    Epp[..., 1, 2] = Epp[..., 2, 1] = Er2 * E_sece * E_ca
    # E[(zu - p)(zu - p)^T] = E[pp^T] - E[p] zu^T - zu E[p]^T + zu zu^T
    cross = Ep[..., :, None] * zu[..., None, :]
    R = Epp - cross - cross.swapaxes(-1, -2) + zu[..., :, None] * zu[..., None, :]
    R = 0.5 * (R + R.swapaxes(-1, -2))
    z = zu + np.asarray(sensor_pos, dtype=float)
    return z, R


def cartesian_noise(noise_std: ArrayLike, m: int) -> F64:
    """``(m, 3, 3)`` diagonal measurement covariance from per-axis standard deviations (m).

    The result is a read-only broadcast view: no memory per detection.
    """
    R1 = np.diag(np.asarray(noise_std, dtype=float) ** 2)
    return np.broadcast_to(R1, (m, 3, 3))


def measurements(det: Detections) -> tuple[F64, F64]:
    """Cartesian positions ``z (m, 3)`` and covariances ``R (m, 3, 3)`` in the common frame.

    The unbiased converted measurement of each polar report in its sensor's local frame
    (:func:`converted_measurement`), rotated into the common ENU frame:
    ``z = C z_local + s``, ``R = C R_local C^T`` (``C`` the detection's ``to_common``).
    """
    if len(det) == 0:
        return np.empty((0, 3)), np.empty((0, 3, 3))
    z_loc, r_loc = converted_measurement(
        det.range_m, det.az, det.el, det.sigma[:, 0], det.sigma[:, 1], det.sigma[:, 2],
        np.zeros(3),
    )
    c = det.to_common
    z = np.einsum("kij,kj->ki", c, z_loc) + det.sensor_pos
    cov = c @ r_loc @ np.swapaxes(c, 1, 2)
    return z, 0.5 * (cov + np.swapaxes(cov, 1, 2))
