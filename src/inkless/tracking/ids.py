"""Track-number look-ups: binary search in sorted ``int64`` id arrays; connected groups of ids.

Where it sits: tracking, beside the track table (:mod:`inkless.tracking.tracks`); used wherever
track numbers are matched (report merging, track numbering, the coalition tracker) on the few
dozen tracks of a picture, where ``np.isin``'s fixed cost dominates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import I64

__all__ = ["components", "isin_ids", "lookup", "unique_inverse"]


def lookup(keys: I64, q: I64) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Where each of ``q`` is in ``keys`` (sorted ascending) and whether it is there (``at`` is
    a valid index wherever ``found``, 0 elsewhere when ``keys`` is empty)."""
    if keys.size == 0:
        return np.zeros(q.shape, np.intp), np.zeros(q.shape, bool)
    at = np.minimum(keys.searchsorted(q), keys.size - 1)
    return at, keys[at] == q


def isin_ids(a: I64, b: I64) -> NDArray[np.bool_]:
    """``np.isin(a, b)`` for integer arrays (track numbers), by binary search in ``b`` sorted
    (the same answer, without ``np.isin``'s fixed cost, which dominates on the few dozen tracks
    of a picture)."""
    s = b.copy()
    s.sort()  # (np.sort, without its wrapper)
    return lookup(s, a)[1]


def unique_inverse(a: I64) -> tuple[I64, NDArray[np.intp]]:
    """``np.unique(a, return_inverse=True)`` for a 1-D integer array: the sorted distinct values
    and, per entry, the index of its value among them (by one sort, without ``np.unique``'s
    fixed cost)."""
    order = a.argsort()
    s = a[order]
    new = np.empty(s.size, bool)
    new[:1] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    inverse = np.empty(s.size, np.intp)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse


def components(ii: I64, jj: I64, m: int) -> I64:
    """Connected component (its smallest member) of each of ``m`` nodes linked by the pairs
    ``ii-jj`` (min-label propagation: a few sweeps for small groups, e.g. the reports of one
    object, a few tracks and objects in a GOSPA conflict)."""
    label = np.arange(m)
    while True:
        new = label.copy()
        np.minimum.at(new, ii, label[jj])
        np.minimum.at(new, jj, label[ii])
        new = new[new]
        if (new == label).all():
            return label
        label = new
