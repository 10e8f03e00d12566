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

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64
from inkless.physics.ballistic import MU_EARTH
from inkless.sensing import BALLISTIC_SPEED, EnuFrame

from .kalman import predict
from .tracks import Tracks

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
    return _shifted(x, fast, dt, frame) if fast.any() else x


def _shifted(x: F64, fast: NDArray[np.bool_], dt: float | F64, frame: EnuFrame) -> F64:
    """:func:`gravity_shift` of the rows ``fast`` of ``x``, over ``dt`` (s; or per row,
    ``(n,)``: the same arithmetic, element by element), in a copy."""
    g = gravity_enu(frame, x[fast, :3])
    d = dt if isinstance(dt, float) else dt[fast, None]
    x = x.copy()
    x[fast, 3:] += g * d
    x[fast, :3] -= 0.5 * g * d * d
    return x


def with_gravity(tables: Sequence[Tracks], dts: Sequence[float], frame: EnuFrame
                 ) -> list[Tracks]:
    """Each table with its states shifted by :func:`gravity_shift` over its own ``dts``
    (s; and its IMM models' states alike), a table without a fast track (or not moving,
    ``dt <= 0``) as it is: the rows of every table in one shift (row-by-row arithmetic: each
    table gets what it alone would, bit for bit; one call's fixed cost, not one per table)."""
    cat = np.concatenate
    sizes = [len(tb) for tb in tables]
    ends = np.cumsum([0, *sizes]).tolist()
    x_all = cat([tb.x for tb in tables]) if tables else np.zeros((0, 6))
    dt = np.repeat(np.asarray(dts, dtype=float), sizes)
    fast = _fast(x_all) & (dt > 0.0)
    moved = [k for k in range(len(tables)) if fast[ends[k]:ends[k + 1]].any()]
    if not moved:
        return list(tables)
    x_all = _shifted(x_all, fast, dt, frame)
    modelled = [k for k in moved if tables[k].has_models]
    xms: dict[int, F64] = {}
    if modelled:  # each model's state shifted alike
        xm = cat([tables[k].xm.reshape(-1, 6) for k in modelled])
        dtm = np.repeat([dts[k] for k in modelled], [2 * sizes[k] for k in modelled])
        xm = _shifted(xm, _fast(xm), dtm, frame)
        cuts = np.cumsum([2 * sizes[k] for k in modelled]).tolist()
        xms = {k: a.reshape(-1, 2, 6) for k, a in zip(modelled, np.split(xm, cuts[:-1]),
                                                      strict=True)}
    out = list(tables)
    for k in moved:  # (no IMM: Tracks makes its model columns views of the new x)
        tb = tables[k]
        models = (tb.mu, xms[k], tb.Pm) if k in xms else ()
        out[k] = Tracks(tb.id, x_all[ends[k]:ends[k + 1]], tb.P, tb.hits, tb.misses, tb.looks,
                        tb.status, tb.quality, tb.t_update, tb.t, tb.next_id, *models)
    return out


def predict_rows(x: F64, P: F64, dt: F64, q: float, frame: EnuFrame) -> tuple[F64, F64]:
    """States ``x (g, 6)``, ``P (g, 6, 6)`` each predicted ``dt (g,)`` s ahead: gravity for
    fast ones (module docstring) and the NCV model with process noise ``q``."""
    xs, Ps = x.copy(), P.copy()
    for step in np.unique(dt).tolist():
        rows = np.flatnonzero(dt == step)
        xs[rows], Ps[rows] = predict(gravity_shift(x[rows], step, frame), P[rows], step, q)
    return xs, Ps
