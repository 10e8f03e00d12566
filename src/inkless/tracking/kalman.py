"""Batched Kalman filter: near-constant-velocity prediction and Cartesian position updates.

Every function works on all tracks at once (``x (n, 6)``, ``P (n, 6, 6)``) with numpy matmul; no
loop over tracks. Frame: ENU, metres, m/s; state ``[x, y, z, vx, vy, vz]``.

Motion model: near-constant velocity driven by continuous white-noise acceleration of power
spectral density ``q`` (m^2/s^3) on each axis, the "discretised continuous white noise
acceleration" model of Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (2001), sec. 6.2.2.

Why one model and no IMM: the fast movers this tracker is benchmarked on (2,000 m/s, "ballistic-
like") manoeuvre with about 1 m/s^2, which over a 2 s scan moves them by a few metres, far below the
50-150 m measurement noise. A single NCV model with ``q`` sized for the most agile class is then
consistent for every class (see the NEES test); a two-model IMM would double the cost of every
prediction and gate for no gain on such targets. Gravity is not modelled for the same reason: the
movers fly straight, and a dive under gravity would be absorbed by ``q`` only at a few scans' lag.
An IMM belongs here when targets turn hard (tens of m/s^2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["inv3", "ncv_process_noise", "ncv_transition", "nees", "predict", "update"]

FloatArray = NDArray[np.float64]


def ncv_transition(dt: float) -> FloatArray:
    """``(6, 6)`` NCV transition matrix over ``dt`` seconds: ``[[I, dt I], [0, I]]``."""
    F = np.eye(6)
    F[0, 3] = F[1, 4] = F[2, 5] = dt
    return F


def ncv_process_noise(dt: float, q: float) -> FloatArray:
    """``(6, 6)`` process noise of white acceleration of PSD ``q`` (m^2/s^3) over ``dt`` s.

    ``Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]]`` (Bar-Shalom et al. 2001, eq. 6.2.2-12).
    """
    a, b, c = dt**3 / 3.0, dt**2 / 2.0, dt
    Q = np.zeros((6, 6))
    for k in range(3):
        Q[k, k], Q[k, k + 3], Q[k + 3, k], Q[k + 3, k + 3] = a, b, b, c
    return q * Q


def predict(x: FloatArray, P: FloatArray, dt: float, q: float) -> tuple[FloatArray, FloatArray]:
    """Predict every state ``dt`` seconds ahead with the NCV model; returns new ``(x, P)``."""
    if dt == 0.0:
        return x, P
    F = ncv_transition(dt)
    xp = x @ F.T
    Pp = F @ P @ F.T + ncv_process_noise(dt, q)
    return xp, Pp


def inv3(S: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of a stack of 3x3 matrices ``(k, 3, 3)`` by cofactors.

    About five times faster than ``numpy.linalg.inv`` for thousands of small matrices; the caller
    guarantees positive definiteness (innovation covariances).
    """
    a, b, c = S[:, 0, 0], S[:, 0, 1], S[:, 0, 2]
    d, e, f = S[:, 1, 0], S[:, 1, 1], S[:, 1, 2]
    g, h, i = S[:, 2, 0], S[:, 2, 1], S[:, 2, 2]
    A, B, C = e * i - f * h, f * g - d * i, d * h - e * g
    det = a * A + b * B + c * C
    inv = np.empty_like(S)
    inv[:, 0, 0], inv[:, 1, 0], inv[:, 2, 0] = A, B, C
    inv[:, 0, 1], inv[:, 1, 1], inv[:, 2, 1] = c * h - b * i, a * i - c * g, b * g - a * h
    inv[:, 0, 2], inv[:, 1, 2], inv[:, 2, 2] = b * f - c * e, c * d - a * f, a * e - b * d
    inv /= det[:, None, None]
    return inv, det


def update(
    x: FloatArray, P: FloatArray, z: FloatArray, R: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Kalman update of states ``(k, 6)`` with position measurements ``z (k, 3)``, ``R (k, 3, 3)``.

    Row ``i`` of ``z`` updates row ``i`` of ``x``; ``H = [I 0]``. Returns new ``(x, P)``; the
    covariance is updated as ``P - K S K^T`` and symmetrised.
    """
    S = P[:, :3, :3] + R
    Sinv, _ = inv3(S)
    K = P[:, :, :3] @ Sinv
    nu = z - x[:, :3]
    xu = x + np.einsum("kij,kj->ki", K, nu)
    Pu = P - K @ P[:, :3, :]
    Pu = 0.5 * (Pu + Pu.transpose(0, 2, 1))
    return xu, Pu


def nees(x: FloatArray, P: FloatArray, x_true: FloatArray) -> FloatArray:
    """Normalised estimation error squared ``e^T P^-1 e`` per row, ``e = x - x_true``.

    For a consistent filter it is chi-square distributed with ``x.shape[1]`` degrees of freedom
    (Bar-Shalom et al. 2001, sec. 5.4.2).
    """
    e = x - x_true
    return np.einsum("ki,ki->k", e, np.linalg.solve(P, e[..., None])[..., 0])
