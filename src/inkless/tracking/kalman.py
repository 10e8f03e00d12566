"""Batched Kalman filter: near-constant-velocity prediction and Cartesian position updates.

Every function works on all tracks at once (``x (n, 6)``, ``P (n, 6, 6)``) with numpy matmul; no
loop over tracks. Frame: ENU, metres, m/s; state ``[x, y, z, vx, vy, vz]``.

Motion model: near-constant velocity driven by continuous white-noise acceleration of power
spectral density ``q`` (m^2/s^3) on each axis, the "discretised continuous white noise
acceleration" model of Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (2001), sec. 6.2.2.

One model here: the fast movers of the tracking benchmark (2,000 m/s, "ballistic-like")
manoeuvre with about 1 m/s^2, which over a 2 s scan moves them by a few metres, far below the
50-150 m measurement noise, and a single NCV model with ``q`` sized for the most agile class is
consistent for every class (see the NEES test). Targets that turn hard (a fighter's 0.5 g on its
CAP station against the coalition picture's q = 0.1) take the IMM of two of these models,
:mod:`inkless.tracking.imm` (``TrackerConfig.q_manoeuvre``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from inkless.arrays import F64

__all__ = ["inv3", "ncv_process_noise", "ncv_transition", "nees", "predict", "spread", "update"]


def ncv_transition(dt: float) -> F64:
    """``(6, 6)`` NCV transition matrix over ``dt`` seconds: ``[[I, dt I], [0, I]]``."""
    F = np.eye(6)
    F[0, 3] = F[1, 4] = F[2, 5] = dt
    return F


def ncv_process_noise(dt: float, q: float) -> F64:
    """``(6, 6)`` process noise of white acceleration of PSD ``q`` (m^2/s^3) over ``dt`` s.

    ``Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]]`` (Bar-Shalom et al. 2001, eq. 6.2.2-12).
    """
    a, b, c = dt**3 / 3.0, dt**2 / 2.0, dt
    Q = np.zeros((6, 6))
    for k in range(3):
        Q[k, k], Q[k, k + 3], Q[k + 3, k], Q[k + 3, k + 3] = a, b, b, c
    return q * Q


def predict(x: F64, P: F64, dt: float, q: float) -> tuple[F64, F64]:
    """Predict every state ``dt`` seconds ahead with the NCV model; returns new ``(x, P)``."""
    if dt == 0.0:
        return x, P
    F, Q = _model(float(dt), float(q))
    xp = x @ F.T
    Pp = F @ P @ F.T
    Pp += Q
    return xp, Pp


@lru_cache(maxsize=64)
def _model(dt: float, q: float) -> tuple[F64, F64]:
    F, Q = ncv_transition(dt), ncv_process_noise(dt, q)
    F.flags.writeable = Q.flags.writeable = False
    return F, Q


# Cofactor C[r, c] = m[r+1, c+1] m[r+2, c+2] - m[r+1, c+2] m[r+2, c+1] (indices mod 3), as
# one gather of the four factors' rows of the transposed, flattened matrices; the inverse is
# C^T / det.
_RC = [(r, c) for r in range(3) for c in range(3)]
_FACTORS = np.array([(r + i) % 3 * 3 + (c + j) % 3 for i, j in ((1, 1), (2, 2), (1, 2), (2, 1))
                     for r, c in _RC])
_T = np.array([c * 3 + r for r, c in _RC])


def inv3(S: F64) -> tuple[F64, F64]:
    """Inverse and determinant of a stack of 3x3 matrices ``(k, 3, 3)`` by cofactors.

    Several times faster than ``numpy.linalg.inv`` for hundreds of small matrices (entries as
    rows of the transposed stack: one gather, then whole-row products); the caller guarantees
    they are well conditioned (innovation covariances are positive definite). The inverse is a
    view of the transposed stack (as the gathers of earlier versions gave it: a layout change
    would move the last bits of the matrix products that use it).
    """
    s = S.reshape(-1, 9).T  # (9, k): entry e of every matrix in one row
    f = s.take(_FACTORS, axis=0)
    C = f[:9] * f[9:18] - f[18:27] * f[27:]
    det = s[0] * C[0] + s[1] * C[1]
    det += s[2] * C[2]
    inv = (C.take(_T, axis=0) / det).T.reshape(-1, 3, 3)
    return inv, det


def spread(S: F64) -> F64:
    """``(k,)``: an upper bound of the largest eigenvalue of each symmetric positive
    semi-definite matrix of ``S (k, 3, 3)`` (m^2 for a covariance): the smaller of its trace and
    its largest absolute row sum (Gershgorin), raised by 1e-9 relative against rounding.

    Gates use it for a cheap exact pre-test: ``nu^T (A + B)^-1 nu >= |nu|^2 / (spread(A) +
    spread(B))`` (Weyl: ``lambda_max(A + B) <= lambda_max(A) + lambda_max(B)``), so a pair
    farther apart than ``gate * (spread(A) + spread(B))`` is outside the gate. The row sum is
    the tighter for a round covariance (a third of the trace for an isotropic one, where it is
    ``lambda_max`` itself).
    """
    a = np.abs(S.reshape(-1, 9)).T  # (9, k): entry e of every matrix in one row
    rows = np.maximum(np.maximum(a[0] + a[1] + a[2], a[3] + a[4] + a[5]), a[6] + a[7] + a[8])
    out: F64 = np.minimum(a[0] + a[4] + a[8], rows) * (1.0 + 1e-9)
    return out


def update(
    x: F64, P: F64, z: F64, R: F64, Sinv: F64 | None = None
) -> tuple[F64, F64]:
    """Kalman update of states ``(k, 6)`` with position measurements ``z (k, 3)``, ``R (k, 3, 3)``.

    Row ``i`` of ``z`` updates row ``i`` of ``x``; ``H = [I 0]``. ``Sinv``, the inverse innovation
    covariance ``(P_pos + R)^-1``, may be passed when already known (from gating). Returns new
    ``(x, P)``; the covariance is updated as ``P - K S K^T = P - K H P`` and symmetrised.
    """
    if Sinv is None:
        Sinv, _ = inv3(P[:, :3, :3] + R)
    K = P[:, :, :3] @ Sinv
    nu = z - x[:, :3]
    xu = x + (K @ nu[:, :, None])[:, :, 0]
    Pu = K @ P[:, :3, :]
    np.subtract(P, Pu, out=Pu)  # (in place: no temporaries, the same arithmetic)
    Pu = Pu + Pu.transpose(0, 2, 1)
    Pu *= 0.5
    return xu, Pu


def nees(x: F64, P: F64, x_true: F64) -> F64:
    """Normalised estimation error squared ``e^T P^-1 e`` per row, ``e = x - x_true``.

    For a consistent filter it is chi-square distributed with ``x.shape[1]`` degrees of freedom
    (Bar-Shalom et al. 2001, sec. 5.4.2).
    """
    e = x - x_true
    return np.einsum("ki,ki->k", e, np.linalg.solve(P, e[..., None])[..., 0])
