"""GOSPA: the generalised optimal sub-pattern assignment metric between estimated and true sets.

Rahmathullah, García-Fernández & Svensson, "Generalized optimal sub-pattern assignment metric",
FUSION 2017 (arXiv:1601.05585). With ``alpha = 2`` GOSPA splits into localisation error of the
assigned pairs, ``c^p / 2`` per missed target and ``c^p / 2`` per false track:

    d = ( min_gamma  sum_{(i,j) in gamma} d(x_i, y_j)^p + c^p/2 (|X| + |Y| - 2 |gamma|) )^(1/p),

over assignments ``gamma`` of pairs closer than ``c``. It is solved exactly by
``scipy.optimize.linear_sum_assignment`` on the distance matrix truncated at ``c`` (a pair at
``c`` costs the same as one miss plus one false track). Units are those of the states (m here).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from inkless.arrays import F64
from inkless.errors import InputError

__all__ = ["Gospa", "gospa", "gospa_over_time", "gospa_pairs"]



class Gospa(NamedTuple):
    """One GOSPA value and its parts (alpha = 2): ``total^p = localisation + missed + false``."""

    total: float
    """GOSPA distance."""
    localisation: float
    """Sum of ``d^p`` over assigned pairs."""
    missed: float
    """``c^p / 2`` times the number of missed true objects."""
    false: float
    """``c^p / 2`` times the number of false estimates."""
    n_missed: int
    n_false: int


def gospa(
    estimates: ArrayLike, truths: ArrayLike, c: float, p: float = 1.0, alpha: float = 2.0
) -> Gospa:
    """GOSPA between estimates ``(n, d)`` and truths ``(m, d)`` (Euclidean base distance).

    Args:
        estimates, truths: point sets, one row per object, same units and dimension.
        c: cut-off distance (> 0), same units.
        p: order, ``1 <= p < inf``.
        alpha: must be 2 (the only value with the missed/false decomposition).
    """
    return gospa_pairs(estimates, truths, c, p, alpha)[0]


def gospa_pairs(
    estimates: ArrayLike, truths: ArrayLike, c: float, p: float = 1.0, alpha: float = 2.0
) -> tuple[Gospa, NDArray[np.intp], NDArray[np.intp]]:
    """:func:`gospa` and its optimal assignment: the rows of the estimates and of the truths
    paired (closer than ``c``), as two ``(k,)`` arrays."""
    if alpha != 2.0:
        raise InputError(f"gospa: alpha={alpha}; only alpha=2 is implemented")
    if not c > 0.0 or not p >= 1.0:
        raise InputError(f"gospa: need c > 0 and p >= 1, got c={c}, p={p}")
    X = np.asarray(estimates, dtype=float)
    Y = np.asarray(truths, dtype=float)
    n = X.shape[0] if X.size else 0
    m = Y.shape[0] if Y.size else 0
    unit = c**p / 2.0
    r = k = np.zeros(0, np.intp)
    if n == 0 or m == 0:
        loc, n_miss, n_false = 0.0, m, n
    else:
        D = np.minimum(cdist(X.reshape(n, -1), Y.reshape(m, -1)), c)
        if p != 1.0:  # d^1 is d, bit for bit
            D **= p
        r, k = linear_sum_assignment(D)
        d = D[r, k]
        real = d < c**p
        r, k = r[real], k[real]
        loc = float(d[real].sum())
        n_miss, n_false = m - r.size, n - r.size
    missed, false = unit * n_miss, unit * n_false
    total = (loc + missed + false) ** (1.0 / p)
    return Gospa(float(total), loc, missed, false, n_miss, n_false), r, k


def gospa_over_time(
    t_est: ArrayLike,
    estimates: ArrayLike,
    t_true: ArrayLike,
    truths: ArrayLike,
    c: float,
    p: float = 1.0,
) -> tuple[F64, NDArray[np.void]]:
    """GOSPA at every time present in either set (alpha = 2).

    Args:
        t_est: ``(n,)`` time of each estimate row; estimates ``(n, d)``.
        t_true: ``(m,)`` time of each truth row; truths ``(m, d)``.

    Returns the sorted times and a structured array with fields ``total``, ``localisation``,
    ``missed``, ``false``, ``n_missed``, ``n_false`` per time. Times are matched exactly (round
    them to the scan first); this is the per-timestamp scoring of Stone Soup's ``GOSPAMetric``.
    """
    te = np.asarray(t_est, dtype=float)
    tt = np.asarray(t_true, dtype=float)
    X = np.asarray(estimates, dtype=float)
    Y = np.asarray(truths, dtype=float)
    X = X.reshape(te.size, X.size // max(te.size, 1))
    Y = Y.reshape(tt.size, Y.size // max(tt.size, 1))
    times = np.unique(np.concatenate([te, tt]))
    dtype = np.dtype([("total", "f8"), ("localisation", "f8"), ("missed", "f8"), ("false", "f8"),
                      ("n_missed", "i8"), ("n_false", "i8")])
    out = np.zeros(times.size, dtype)
    oe, ot = np.argsort(te, kind="stable"), np.argsort(tt, kind="stable")
    se, st = te[oe], tt[ot]
    ea, eb = np.searchsorted(se, times, "left"), np.searchsorted(se, times, "right")
    ta, tb = np.searchsorted(st, times, "left"), np.searchsorted(st, times, "right")
    for i in range(times.size):
        g = gospa(X[oe[ea[i]:eb[i]]], Y[ot[ta[i]:tb[i]]], c, p)
        out[i] = (g.total, g.localisation, g.missed, g.false, g.n_missed, g.n_false)
    return times, out
