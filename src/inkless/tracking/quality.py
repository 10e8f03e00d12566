"""Picture quality over a run: GOSPA per decision time, track breaks and track swaps.

Where it sits: tracking, scoring only (the after-action reads the log). At each scored time the
picture's track positions are compared with the truth positions of the objects it should hold
(both in the same Cartesian frame, m):

* GOSPA with cut-off ``c``, order ``p`` and ``alpha = 2`` (:func:`inkless.tracking.gospa`;
  Rahmathullah, García-Fernández & Svensson, FUSION 2017), with its number of missed objects and
  false tracks;
* the same optimal assignment (GOSPA's own, :func:`inkless.tracking.gospa.gospa_pairs`; pairs
  closer than ``c`` count) says which track holds which object; over time it gives the
  identity measures of CLEAR MOT (Bernardin & Stiefelhagen, "Evaluating multiple object tracking
  performance: the CLEAR MOT metrics", EURASIP J. Image and Video Processing, 2008):
  a **track swap** (identity switch) when an object is held by a different track than the last
  one that held it, a **track break** (fragmentation) when an object held at the previous scored
  time is still to be held but no track holds it now.

Times at which both sets are empty are not scored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64

from .gospa import Gospa, gospa_pairs

__all__ = ["PictureLog", "Scored", "score"]



Scored = tuple[Gospa, I64, NDArray[np.bool_]]
"""GOSPA of one time, the track id holding each object (-1: none) and which objects are present."""


def score(est_id: I64, est_pos: F64, truth_row: I64, truth_pos: F64, n_objects: int, c: float,
          p: float = 1.0) -> Scored | None:
    """GOSPA of tracks ``est_id (n,)`` at ``est_pos (n, 3)`` against objects ``truth_row (m,)``
    at ``truth_pos (m, 3)`` and which track holds each of the ``n_objects`` objects (the optimal
    assignment, pairs closer than ``c``); None when both sets are empty."""
    n, m = est_pos.shape[0], truth_pos.shape[0]
    if n == 0 and m == 0:
        return None
    g, r, k = gospa_pairs(est_pos, truth_pos, c, p)
    now = np.full(n_objects, -1, np.int64)
    now[truth_row[k]] = est_id[r]
    present = np.zeros(n_objects, bool)
    present[truth_row] = True
    return g, now, present


class PictureLog:
    """Accumulates the quality of one picture over a run (``n_objects`` truth rows, ``c`` m).

    The per-time figures are kept as arrays (:attr:`times`, :attr:`total`, ...); one call of
    :meth:`add` per scored time, vectorised over tracks and objects.
    """

    def __init__(self, n_objects: int, c: float = 1000.0, p: float = 1.0) -> None:
        self.c, self.p = float(c), float(p)
        self._last = np.full(n_objects, -1, np.int64)  # last track that held each object
        self._held = np.zeros(n_objects, bool)  # held at the previous scored time
        self._rows: list[tuple[float, float, float, int, int]] = []
        self.breaks = 0
        self.swaps = 0

    def add(
        self, t: float, est_id: I64, est_pos: F64, truth_row: I64, truth_pos: F64
    ) -> Scored | None:
        """Score the picture at time ``t`` (s): tracks ``est_id (n,)`` at ``est_pos (n, 3)``,
        objects ``truth_row (m,)`` at ``truth_pos (m, 3)``. Returns the score, which
        :meth:`add_scored` can put in another log that holds the same picture."""
        scored = score(est_id, est_pos, truth_row, truth_pos, self._last.shape[0], self.c, self.p)
        self.add_scored(t, scored)
        return scored

    def add_scored(self, t: float, scored: Scored | None) -> None:
        """Add a score computed by :func:`score` (None: nothing to score at ``t``)."""
        if scored is None:
            self._held[:] = False
            return
        g, now, present = scored
        held_now = now >= 0
        self.swaps += int(np.count_nonzero(held_now & (self._last >= 0) & (now != self._last)))
        self.breaks += int(np.count_nonzero(present & self._held & ~held_now))
        self._last = np.where(held_now, now, self._last)
        self._held = held_now
        self._rows.append((float(t), g.total, g.localisation, g.n_missed, g.n_false))

    @property
    def times(self) -> F64:
        """``(k,)`` scored times, s."""
        return np.array([r[0] for r in self._rows], dtype=float)

    @property
    def total(self) -> F64:
        """``(k,)`` GOSPA at each scored time, m."""
        return np.array([r[1] for r in self._rows], dtype=float)

    @property
    def missed(self) -> I64:
        """``(k,)`` objects missed at each scored time."""
        return np.array([r[3] for r in self._rows], dtype=np.int64)

    @property
    def false(self) -> I64:
        """``(k,)`` false tracks at each scored time."""
        return np.array([r[4] for r in self._rows], dtype=np.int64)

    def summary(self) -> dict[str, Any]:
        """``{mean_gospa_m, mean_localisation_m, missed, false, track_breaks, track_swaps,
        scored_times}``: means over the scored times (``missed``, ``false``: mean number per
        time; ``mean_localisation_m``: the localisation part of GOSPA, ``(sum d^p)^(1/p)``)."""
        k = len(self._rows)
        if k == 0:
            return {"mean_gospa_m": 0.0, "mean_localisation_m": 0.0, "missed": 0.0,
                    "false": 0.0, "track_breaks": 0, "track_swaps": 0, "scored_times": 0}
        a = np.array([r[1:] for r in self._rows], dtype=float)
        return {
            "mean_gospa_m": float(a[:, 0].mean()),
            "mean_localisation_m": float((a[:, 1] ** (1.0 / self.p)).mean()),
            "missed": float(a[:, 2].mean()),
            "false": float(a[:, 3].mean()),
            "track_breaks": self.breaks,
            "track_swaps": self.swaps,
            "scored_times": k,
        }
