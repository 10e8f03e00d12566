"""GOSPA: the generalised optimal sub-pattern assignment metric between estimated and true sets.

Rahmathullah, García-Fernández & Svensson, "Generalized optimal sub-pattern assignment metric",
FUSION 2017 (arXiv:1601.05585). With ``alpha = 2`` GOSPA splits into localisation error of the
assigned pairs, ``c^p / 2`` per missed target and ``c^p / 2`` per false track:

    d = ( min_gamma  sum_{(i,j) in gamma} d(x_i, y_j)^p + c^p/2 (|X| + |Y| - 2 |gamma|) )^(1/p),

over assignments ``gamma`` of pairs closer than ``c``. It is solved exactly by
``scipy.optimize.linear_sum_assignment`` on the distance matrix truncated at ``c`` (a pair at
``c`` costs the same as one miss plus one false track). Units are those of the states (m here).
:func:`gospa_pairs_many` scores many sets at once, bit for bit as one at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from inkless.arrays import F64
from inkless.errors import InputError

from .ids import components

__all__ = ["Gospa", "gospa", "gospa_over_time", "gospa_pairs", "gospa_pairs_many"]

_TIE = 1e-7  # optimal assignments closer than this (times c) in cost: a tie, left to scipy
_SMALL = 3  # components of up to this many tracks and objects are solved by enumeration
_PERMS = np.array(list(itertools.permutations(range(_SMALL))))


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


Pairs = tuple[Gospa, NDArray[np.intp], NDArray[np.intp]]
"""GOSPA of one set and its optimal pairs (:func:`gospa_pairs`)."""


def gospa_pairs_many(estimates: Sequence[ArrayLike], truths: Sequence[ArrayLike], c: float,
                     p: float = 1.0) -> list[Pairs]:
    """:func:`gospa_pairs` of each set ``(estimates[s], truths[s])``, bit for bit, at once.

    Method (``p = 1``): the optimal assignment of the pairs closer than ``c`` splits into the
    connected components of the graph of those pairs (a pair across components costs ``c``,
    as one miss plus one false track). A component of one pair (the common case: one track on
    one object) takes it; one of up to ``_SMALL`` tracks and objects, the best of its
    assignments, enumerated (:func:`_conflicts`). The pairs are found by a sweep along the
    first axis (:func:`_edges`; their distances are ``cdist``'s, bit for bit) and each set's
    pairs are summed in the order of its tracks, as :func:`gospa_pairs` sums them. A set with
    a larger component, or whose optimum is within ``_TIE * c`` of another assignment (a tie:
    the choice is then scipy's), is solved by :func:`gospa_pairs`; so is every set when
    ``p != 1`` or when the sweep's keys would lose the metre (coordinates beyond ~1e12)."""
    X = [np.asarray(x, dtype=float) for x in estimates]
    Y = [np.asarray(y, dtype=float) for y in truths]
    if p != 1.0 or not c > 0.0:  # (the checks of the arguments are gospa_pairs')
        return [gospa_pairs(x, y, c, p) for x, y in zip(X, Y, strict=True)]
    n = np.array([x.shape[0] if x.size else 0 for x in X], np.intp)
    m = np.array([y.shape[0] if y.size else 0 for y in Y], np.intp)
    both = np.flatnonzero((n > 0) & (m > 0))
    dims = {X[q].size // n[q] for q in both.tolist()} | {Y[q].size // m[q] for q in both.tolist()}
    edges = _edges(X, Y, both, c) if len(dims) < 2 else None
    if edges is None:  # one set at a time
        return [gospa_pairs(x, y, c, p) for x, y in zip(X, Y, strict=True)]
    s, i, j, d = edges
    first = np.cumsum(np.r_[0, n + m])  # each set's vertices: its tracks, then its objects
    best, gap = _components(first[s] + i, first[s] + n[s] + j, d, c)
    solved = np.ones(len(X), bool)
    solved[(n == 0) | (m == 0)] = False
    solved[s[gap <= _TIE * c]] = False
    take = np.flatnonzero(best & solved[s])  # in the order of the sets, then of the tracks
    s, i, j, d = s[take], i[take], j[take], d[take]
    lo = np.searchsorted(s, np.arange(len(X) + 1)).tolist()
    unit = c**p / 2.0
    out = []
    for q, (a, b, ok) in enumerate(zip(lo[:-1], lo[1:], solved.tolist(), strict=True)):
        if not ok:
            out.append(gospa_pairs(X[q], Y[q], c, p))
            continue
        k = b - a
        loc, n_miss, n_false = float(d[a:b].sum()), int(m[q]) - k, int(n[q]) - k
        missed, false = unit * n_miss, unit * n_false  # as gospa_pairs computes them
        total = (loc + missed + false) ** (1.0 / p)
        out.append((Gospa(float(total), loc, missed, false, n_miss, n_false), i[a:b], j[a:b]))
    return out


def _edges(X: list[F64], Y: list[F64], both: NDArray[np.intp], c: float
           ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp], F64] | None:
    """The pairs closer than ``c`` of the sets ``both`` (points of one dimension): set, track
    row, object row and distance, in the order of the sets, then of the tracks. The
    distance is ``cdist``'s, bit for bit (the squares summed over the axes in order, then the
    root); only the pairs closer than ``c`` along the first axis are measured, found by a
    sweep over every set's objects sorted along it (None: the keys would lose the metre)."""
    z = np.zeros(0, np.intp)
    if not both.size:
        return z, z, z, np.zeros(0)
    xs = [X[q].reshape(X[q].shape[0], -1) for q in both.tolist()]
    ys = [Y[q].reshape(Y[q].shape[0], -1) for q in both.tolist()]
    P, Q = np.concatenate(xs), np.concatenate(ys)
    n = np.array([len(x) for x in xs])
    m = np.array([len(y) for y in ys])
    sp, sq = np.repeat(both, n), np.repeat(np.arange(both.size), m)
    # each set's objects along the first axis, the sets apart: key = set * width + x - low
    low = min(P[:, 0].min(), Q[:, 0].min())
    width = 2.0 * (max(P[:, 0].max(), Q[:, 0].max()) - low + c + 1.0)
    if not width * both.size < 2.0**50:
        return None
    key_q = sq * width + (Q[:, 0] - low)
    order = np.argsort(key_q)  # (the sets apart: by set, then along the axis)
    key_q = key_q[order]
    key_p = np.repeat(np.arange(both.size), n) * width + (P[:, 0] - low)
    lo = np.searchsorted(key_q, key_p - (c + 1.0), "left")
    cnt = np.searchsorted(key_q, key_p + (c + 1.0), "right") - lo
    tp = np.repeat(np.arange(len(P)), cnt)
    tq = order[np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(tp.size)]
    s2 = np.zeros(tp.size)
    for k in range(P.shape[1]):
        dk = P[tp, k] - Q[tq, k]
        s2 += dk * dk
    d = np.sqrt(s2)
    near = np.flatnonzero(d < c)
    tp, tq = tp[near], tq[near]
    start_p, start_q = np.cumsum(n) - n, np.cumsum(m) - m
    b = np.repeat(np.arange(both.size), n)[tp]
    return sp[tp], tp - start_p[b], tq - start_q[b], d[near]


def _components(u: NDArray[np.intp], v: NDArray[np.intp], d: F64, c: float
                ) -> tuple[NDArray[np.bool_], F64]:
    """For the pairs closer than ``c`` between vertices ``u`` (tracks) and ``v`` (objects;
    every set's vertices numbered apart, ``d`` their distances): which pairs the optimal
    assignment takes, and by how much the optimum of each pair's component beats the next
    assignment (-inf: a component of another shape than those solved here)."""
    nv = int(max(u.max(), v.max())) + 1 if d.size else 0
    lone = (np.bincount(u, minlength=nv)[u] == 1) & (np.bincount(v, minlength=nv)[v] == 1)
    best, gap = lone.copy(), np.where(lone, c - d, np.inf)  # one track on one object
    x = np.flatnonzero(~lone)
    if x.size:
        best[x], gap[x] = _conflicts(u[x], v[x], d[x], c, nv)
    return best, gap


def _conflicts(u: NDArray[np.intp], v: NDArray[np.intp], d: F64, c: float, nv: int
               ) -> tuple[NDArray[np.bool_], F64]:
    """:func:`_components` of the pairs in components of more than one pair. A component of
    up to ``_SMALL`` tracks and objects is solved by enumerating the assignments of its
    tracks to its objects (padded to ``_SMALL`` of each; a pair not closer than ``c`` costs
    nothing, one closer saves ``c - d`` on a miss and a false track); its margin is that of
    the best assignment over the next, or over itself without one of its pairs."""
    lab = components(u, v, nv)  # each component's smallest vertex
    comp = lab[u]
    rank, size = np.zeros(nv, np.intp), np.zeros((2, nv), np.intp)
    for side, w in enumerate((u, v)):  # each vertex's rank among its component's tracks/objects
        at = np.flatnonzero(np.bincount(w, minlength=nv))
        at = at[np.argsort(lab[at], kind="stable")]
        size[side] = np.bincount(lab[at], minlength=nv)
        rank[at] = np.arange(at.size) - (np.cumsum(size[side]) - size[side])[lab[at]]
    best, gap = np.zeros(d.size, bool), np.full(d.size, -np.inf)
    small = np.flatnonzero((size[0][comp] <= _SMALL) & (size[1][comp] <= _SMALL))
    if not small.size:
        return best, gap
    comps = np.flatnonzero(np.bincount(comp[small], minlength=nv))
    k = np.searchsorted(comps, comp[small])
    cost = np.zeros((comps.size, _SMALL, _SMALL))
    cost[k, rank[u[small]], rank[v[small]]] = d[small] - c
    pairs = cost[:, np.arange(_SMALL), _PERMS]  # (components, assignments, tracks)
    each = pairs.sum(axis=2)
    first = each.argmin(axis=1)
    # the next assignment: the best of those that take other pairs
    held = np.where(pairs < 0.0, _PERMS, -1)
    same = (held == held[np.arange(comps.size), first][:, None, :]).all(axis=2)
    then = np.where(same, np.inf, each).min(axis=1)
    taken = _PERMS[first[k], rank[u[small]]] == rank[v[small]]
    without = np.full(comps.size, np.inf)  # the best without one of its pairs
    np.minimum.at(without, k[taken], c - d[small][taken])
    best[small] = taken
    gap[small] = np.minimum(then - each[np.arange(comps.size), first], without)[k]
    return best, gap


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
