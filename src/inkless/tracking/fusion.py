"""Track-to-track fusion by covariance intersection, for estimates with unknown cross-correlation.

When two coalition trackers report the same target, their errors are correlated (common process
noise, shared detections) by an amount nobody knows. Covariance intersection (Julier & Uhlmann,
"A non-divergent estimation algorithm in the presence of unknown correlations", ACC 1997) fuses

    P^-1 = w Pa^-1 + (1 - w) Pb^-1,      x = P (w Pa^-1 xa + (1 - w) Pb^-1 xb),

with ``w`` in [0, 1] minimising ``trace(P)`` or ``det(P)``. The result is consistent (never
optimistic) for *every* admissible cross-covariance. Both criteria are convex in ``w`` (trace of
the inverse and minus log-determinant of a matrix affine in ``w``), so a golden-section search,
run on all pairs at once, finds the minimum.

Frame and units: those of the inputs (any state dimension ``d``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from inkless.arrays import F64
from inkless.errors import InputError

__all__ = ["covariance_intersection"]

_GOLD = (np.sqrt(5.0) - 1.0) / 2.0


def covariance_intersection(
    xa: ArrayLike,
    Pa: ArrayLike,
    xb: ArrayLike,
    Pb: ArrayLike,
    *,
    criterion: Literal["trace", "det"] = "trace",
    iterations: int = 60,
) -> tuple[F64, F64, F64]:
    """Fuse estimate pairs ``(xa (k, d), Pa (k, d, d))``, ``(xb, Pb)``; returns ``(x, P, w)``.

    Single estimates ``(d,)``, ``(d, d)`` are accepted and give unbatched results. ``w (k,)`` is
    the weight of ``a``; ``iterations`` of golden section give ``w`` to ``0.618^iterations``.
    Covariances must be symmetric positive definite.
    """
    xa_, xb_ = np.asarray(xa, dtype=float), np.asarray(xb, dtype=float)
    Pa_, Pb_ = np.asarray(Pa, dtype=float), np.asarray(Pb, dtype=float)
    single = xa_.ndim == 1
    if single:
        xa_, xb_, Pa_, Pb_ = xa_[None], xb_[None], Pa_[None], Pb_[None]
    k, d = xa_.shape
    if xb_.shape != (k, d) or Pa_.shape != (k, d, d) or Pb_.shape != (k, d, d):
        raise InputError(f"covariance_intersection: shapes {xa_.shape}, {Pa_.shape}, {xb_.shape}, "
                         f"{Pb_.shape} do not match (k, d), (k, d, d)")
    if criterion not in ("trace", "det"):
        raise InputError(f"covariance_intersection: criterion {criterion!r}; use 'trace' or 'det'")
    Ia, Ib = np.linalg.inv(Pa_), np.linalg.inv(Pb_)

    def objective(w: F64) -> F64:
        info = w[:, None, None] * Ia + (1.0 - w)[:, None, None] * Ib
        if criterion == "det":
            return -np.linalg.slogdet(info)[1]
        return np.trace(np.linalg.inv(info), axis1=1, axis2=2)

    lo, hi = np.zeros(k), np.ones(k)
    c1, c2 = hi - _GOLD * (hi - lo), lo + _GOLD * (hi - lo)
    f1, f2 = objective(c1), objective(c2)
    for _ in range(iterations):
        left = f1 < f2  # the minimum lies in [lo, c2]
        hi = np.where(left, c2, hi)
        lo = np.where(left, lo, c1)
        c1n = np.where(left, hi - _GOLD * (hi - lo), c2)
        c2n = np.where(left, c1, lo + _GOLD * (hi - lo))
        fp = objective(np.where(left, c1n, c2n))
        f1, f2 = np.where(left, fp, f2), np.where(left, f1, fp)
        c1, c2 = c1n, c2n
    w = 0.5 * (lo + hi)
    # The optimum can sit on an end point (one estimate dominates): compare explicitly.
    cand = np.stack([np.zeros(k), w, np.ones(k)])
    vals = np.stack([objective(c) for c in cand])
    w = cand[np.argmin(vals, axis=0), np.arange(k)]

    info = w[:, None, None] * Ia + (1.0 - w)[:, None, None] * Ib
    P = np.linalg.inv(info)
    P = 0.5 * (P + P.transpose(0, 2, 1))
    rhs = w[:, None] * np.einsum("kij,kj->ki", Ia, xa_) + (1.0 - w)[:, None] * np.einsum(
        "kij,kj->ki", Ib, xb_)
    x = np.einsum("kij,kj->ki", P, rhs)
    if single:
        return x[0], P[0], w
    return x, P, w
