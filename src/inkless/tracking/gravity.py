"""Prediction with gravity: ballistic tracks predicted with gravity as a known control input.

Where it sits: tracking, around the tracker's near-constant-velocity prediction
(:func:`inkless.tracking.predict`); used by the coalition tracker, the picture's rows and track
reacquisition. Frame: the common ENU frame of :class:`inkless.sensing.EnuFrame`, metres and m/s;
time in s since the epoch.

A track faster than :data:`inkless.sensing.BALLISTIC_SPEED` is predicted with gravity as a known
control input (``x += v dt + g dt^2 / 2``, ``v += g dt``, ``g = -mu r/|r|^3`` at the track's
position, Kepler's point-mass Earth as the truth uses), applied around the tracker's
near-constant-velocity prediction; the covariance is the NCV one. Without it a ballistic track
lags by kilometres (a constant 9.8 m/s^2 that the NCV model's small process noise cannot follow)
and breaks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64
from inkless.physics.ballistic import MU_EARTH
from inkless.sensing import BALLISTIC_SPEED, EnuFrame

from .kalman import predict
from .tracks import Tracks, single_model

__all__ = ["gravity_enu", "gravity_shift", "predict_rows", "with_gravity"]


def gravity_enu(frame: EnuFrame, pos: F64) -> F64:
    """Point-mass gravity ``-mu r / |r|^3`` (m/s^2) at ENU positions ``pos (n, 3)``, in ENU."""
    r = frame.to_ecef(pos)
    # |r| as np.linalg.norm(r, axis=1, keepdims=True) computes it, without its wrapper
    g = -MU_EARTH * r / np.sqrt(np.add.reduce(r * r, axis=1, keepdims=True)) ** 3
    return np.asarray(g @ frame.rot.T)


def _fast(x: F64) -> NDArray[np.bool_]:
    return np.asarray(np.einsum("ni,ni->n", x[:, 3:], x[:, 3:]) > BALLISTIC_SPEED**2)


def gravity_shift(x: F64, dt: float, frame: EnuFrame) -> F64:
    """States ``x (n, 6)`` shifted so that the NCV prediction over ``dt`` adds gravity to fast
    ones: ``v += g dt`` and ``x -= g dt^2 / 2`` now, so ``x + v dt`` later is
    ``x + v dt + g dt^2/2`` (``x`` itself when nothing moves)."""
    if dt <= 0.0 or len(x) == 0:
        return x
    fast = _fast(x)
    if not fast.any():
        return x
    g = gravity_enu(frame, x[fast, :3])
    x = x.copy()
    x[fast, 3:] += g * dt
    x[fast, :3] -= 0.5 * g * dt * dt
    return x


def with_gravity(tracks: Tracks, dt: float, frame: EnuFrame) -> Tracks:
    """The table with its states shifted by :func:`gravity_shift` over ``dt``."""
    x = gravity_shift(tracks.x, dt, frame)
    if x is tracks.x:
        return tracks
    if tracks.has_models:  # each model's state shifted alike
        mu, Pm = tracks.mu, tracks.Pm
        xm = gravity_shift(tracks.xm.reshape(-1, 6), dt, frame).reshape(tracks.xm.shape)
    else:
        mu, xm, Pm = single_model(x, tracks.P)
    return Tracks(tracks.id, x, tracks.P, tracks.hits, tracks.misses, tracks.looks, tracks.status,
                  tracks.quality, tracks.t_update, tracks.t, tracks.next_id, mu, xm, Pm)


def predict_rows(x: F64, P: F64, dt: F64, q: float, frame: EnuFrame) -> tuple[F64, F64]:
    """States ``x (g, 6)``, ``P (g, 6, 6)`` each predicted ``dt (g,)`` s ahead: gravity for
    fast ones (module docstring) and the NCV model with process noise ``q``."""
    xs, Ps = x.copy(), P.copy()
    for step in np.unique(dt).tolist():
        rows = np.flatnonzero(dt == step)
        xs[rows], Ps[rows] = predict(gravity_shift(x[rows], step, frame), P[rows], step, q)
    return xs, Ps
