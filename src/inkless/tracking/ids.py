"""Track-number look-ups: binary search in sorted ``int64`` id arrays.

Where it sits: tracking, beside the track table (:mod:`inkless.tracking.tracks`); used wherever
track numbers are matched (report merging, track numbering, the coalition tracker) on the few
dozen tracks of a picture, where ``np.isin``'s fixed cost dominates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import I64

__all__ = ["isin_ids", "lookup"]


def lookup(keys: I64, q: I64) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Where each of ``q`` is in ``keys`` (sorted ascending) and whether it is there (``at`` is
    a valid index wherever ``found``, 0 elsewhere when ``keys`` is empty)."""
    if keys.size == 0:
        return np.zeros(q.shape, np.intp), np.zeros(q.shape, bool)
    at = np.minimum(np.searchsorted(keys, q), keys.size - 1)
    return at, keys[at] == q


def isin_ids(a: I64, b: I64) -> NDArray[np.bool_]:
    """``np.isin(a, b)`` for integer arrays (track numbers), by binary search in ``b`` sorted
    (the same answer, without ``np.isin``'s fixed cost, which dominates on the few dozen tracks
    of a picture)."""
    return lookup(np.sort(b), a)[1]
