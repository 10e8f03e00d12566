"""Interacting multiple model (IMM) filter of two near-constant-velocity models, batched.

Where it sits: tracking, inside the tracker's step (:mod:`inkless.tracking.tracker`) when
``TrackerConfig.q_manoeuvre`` is set: the coalition picture's threats fly straight legs (process
noise ``q``, 0.1 m^2/s^3) but fighters on a CAP station turn at 0.3-0.5 g, which that model
cannot follow. Model 0 is the NCV model with ``q``, model 1 the same with ``q_manoeuvre``; the
mode is a continuous-time Markov chain (mean sojourn ``tau`` s in each), so its transition
matrix over ``dt`` s is ``[[1 - p0, p0], [p1, 1 - p1]]``, ``p_j = 1 - exp(-dt / tau_j)``
(the identity over ``dt = 0``: batches of several sensors at one time do not mix).

One cycle (Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to Tracking and
Navigation*, 2001, sec. 11.6.6): mixing (each model restarts from the mixture of both, weighted
by the chance that the target was in model ``i`` given it is now in ``j``), model-matched
prediction, the combined (moment-matched) prediction for gating and association, then for
a track with a detection each model's Kalman update, its likelihood ``N(nu_j; 0, S_j)`` and the
new mode probabilities; a track without one keeps the predicted ones.

Frame: ENU, m and m/s. Arrays: ``mu (n,)`` probability of model 1, ``xm (n, 2, 6)``,
``Pm (n, 2, 6, 6)`` the models' states and covariances; ``x``, ``P`` the combined ones, which
every reader of a track table uses. Every function is over all tracks at once (two models:
the loops are over models, never over tracks).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import expit

from inkless.arrays import F64

from .kalman import inv3, ncv_process_noise, ncv_transition, update

__all__ = ["imm_predict", "imm_update", "transition"]



@lru_cache(maxsize=64)
def transition(dt: float, tau: tuple[float, float]) -> F64:
    """``(2, 2)`` mode transition matrix over ``dt`` s for mean sojourns ``tau`` (s) in the
    models: row ``i`` the probabilities of going from model ``i`` to each (read-only)."""
    p0, p1 = (-np.expm1(-dt / t) for t in tau)
    out = np.array([[1.0 - p0, p0], [p1, 1.0 - p1]])
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _noise(dt: float, q: tuple[float, float]) -> F64:
    """``(2, 6, 6)``: each model's process noise over ``dt`` s; the manoeuvre model's ``q_1``
    on the horizontal axes only (a level turn; climbs and dives stay with ``q_0``)."""
    Q = np.stack([ncv_process_noise(dt, q[0])] * 2)
    level = np.ix_([0, 1, 3, 4], [0, 1, 3, 4])
    Q[1][level] = ncv_process_noise(dt, q[1])[level]
    Q.flags.writeable = False
    return Q


def _spread(xm: F64) -> tuple[F64, F64]:
    """``d = x_1 - x_0 (n, 6)`` and ``d d^T (n, 6, 6)`` of the two models' states."""
    d = xm[:, 1] - xm[:, 0]
    return d, d[:, :, None] * d[:, None, :]


def _mixture(w1: F64, xm: F64, Pm: F64) -> tuple[F64, F64]:
    """Moment-matched mixture of the two models, weight ``w1 (n,)`` on model 1:
    ``x = w0 x_0 + w1 x_1``, ``P = w0 P_0 + w1 P_1 + w0 w1 d d^T`` with ``d = x_1 - x_0``
    (two components: the spread of means of eq. 11.6.6-20 is one outer product); exactly
    one model's state and covariance when ``w1`` is 0 or 1."""
    w0 = 1.0 - w1
    x = w0[:, None] * xm[:, 0] + w1[:, None] * xm[:, 1]
    P = w0[:, None, None] * Pm[:, 0]
    P += w1[:, None, None] * Pm[:, 1]
    P += (w0 * w1)[:, None, None] * _spread(xm)[1]
    return x, P


@lru_cache(maxsize=64)
def _kron(dt: float) -> F64:
    """``F (x) F`` of the NCV transition over ``dt`` s, transposed: ``vec(F P F^T)`` of a
    row-major flattened ``P`` is ``vec(P) @ _kron(dt)``, one matrix product for all rows."""
    F = ncv_transition(dt)
    out = np.asarray(np.kron(F, F).T, dtype=np.float64).copy()
    out.flags.writeable = False
    return out


def imm_predict(mu: F64, xm: F64, Pm: F64, dt: float, q: tuple[float, float],
                tau: tuple[float, float]) -> tuple[F64, F64, F64, F64, F64]:
    """Mixing and model-matched NCV prediction over ``dt`` s with process noises ``q``
    (m^2/s^3) of the two models: returns the predicted probability of model 1 ``c1 (n,)``,
    the models' predicted ``xm``, ``Pm`` and the combined prediction ``x (n, 6)``,
    ``P (n, 6, 6)`` (what gating and association use)."""
    n = mu.shape[0]
    pi = transition(float(dt), tau)
    c1 = (1.0 - mu) * pi[0, 1] + mu * pi[1, 1]  # predicted mode probabilities (11.6.6-6)
    c0 = 1.0 - c1
    # mixing (11.6.6-7): w[:, j] the weight of model 1's state in model j's restart, from
    # the chance that the target was in model 1 given it is now in j (where model j can be
    # reached at all: c_j > 0)
    w = np.empty((n, 2))
    w[:, 0] = np.where(c0 > 0.0, mu * pi[1, 0] / np.where(c0 > 0.0, c0, 1.0), 0.0)
    w[:, 1] = np.where(c1 > 0.0, mu * pi[1, 1] / np.where(c1 > 0.0, c1, 1.0), 1.0)
    d, D = _spread(xm)
    x0 = xm[:, :1] + w[:, :, None] * d[:, None]
    P0 = (1.0 - w)[:, :, None, None] * Pm[:, :1]  # (the sums in place: no temporaries)
    P0 += w[:, :, None, None] * Pm[:, 1:]
    P0 += (w * (1.0 - w))[:, :, None, None] * D[:, None]
    if dt > 0.0:
        x0[:, :, :3] += dt * x0[:, :, 3:]
        P0 = (P0.reshape(-1, 36) @ _kron(float(dt))).reshape(n, 2, 6, 6)
        P0 += _noise(float(dt), q)
    x, P = _mixture(c1, x0, P0)
    return c1, x0, P0, x, P


def imm_update(c1: F64, xm: F64, Pm: F64, z: F64, R: F64) -> tuple[F64, F64, F64, F64, F64]:
    """Each model's Kalman update of predicted ``xm (k, 2, 6)``, ``Pm (k, 2, 6, 6)`` with
    position measurements ``z (k, 3)``, ``R (k, 3, 3)``, and the new probability of model 1
    ``mu_1 = c_1 L_1 / (c_0 L_0 + c_1 L_1)``, ``L_j = N(nu_j; 0, S_j)`` (eq. 11.6.6-15).
    Returns ``mu (k,)``, the models' updated ``xm``, ``Pm`` and the combined ``x``, ``P``."""
    k = c1.shape[0]
    z2, R2 = np.repeat(z, 2, axis=0), np.repeat(R, 2, axis=0)
    x2, P2 = xm.reshape(-1, 6), Pm.reshape(-1, 6, 6)
    Sinv, det = inv3(P2[:, :3, :3] + R2)
    nu = z2 - x2[:, :3]
    d2 = np.einsum("ki,ki->k", (Sinv @ nu[:, :, None])[:, :, 0], nu)
    # ln(c_1 L_1) - ln(c_0 L_0), the 2 pi terms cancelling; in logs, as a far detection
    # would underflow both likelihoods
    ll = (-0.5 * (d2 + np.log(det))).reshape(k, 2)
    with np.errstate(divide="ignore"):
        lr = np.log(c1) - np.log1p(-c1) + ll[:, 1] - ll[:, 0]
    mu = np.where(c1 <= 0.0, 0.0, np.where(c1 >= 1.0, 1.0, expit(lr)))
    xu, Pu = update(x2, P2, z2, R2, Sinv)
    xu, Pu = xu.reshape(k, 2, 6), Pu.reshape(k, 2, 6, 6)
    x, P = _mixture(mu, xu, Pu)
    return mu, xu, Pu, x, P
