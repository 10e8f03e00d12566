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

from inkless.arrays import F64, I64

from .gospa import gospa_pairs_many

__all__ = ["PictureLog"]

_BLOCK = 256  # scored times kept before they are scored at once


class PictureLog:
    """Accumulates the quality of one picture over a run (``n_objects`` truth rows, ``c`` m).

    The per-time figures are kept as arrays (:attr:`times`, :attr:`total`, ...); one call of
    :meth:`add` per scored time. The times are scored in blocks (GOSPA of a block's times at
    once, :func:`inkless.tracking.gospa.gospa_pairs_many`; breaks and swaps over the block's
    times and objects at once), when ``_BLOCK`` are waiting or when the log is read.
    """

    def __init__(self, n_objects: int, c: float = 1000.0, p: float = 1.0) -> None:
        self.c, self.p = float(c), float(p)
        self._last = np.full(n_objects, -1, np.int64)  # last track that held each object
        self._held = np.zeros(n_objects, bool)  # held at the previous scored time
        self._rows: list[tuple[float, float, float, int, int]] = []
        self._waiting: list[tuple[float, I64, F64, I64, F64]] = []
        self._breaks = 0
        self._swaps = 0

    def add(self, t: float, est_id: I64, est_pos: F64, truth_row: I64, truth_pos: F64) -> None:
        """Score the picture at time ``t`` (s): tracks ``est_id (n,)`` at ``est_pos (n, 3)``,
        objects ``truth_row (m,)`` at ``truth_pos (m, 3)`` (kept until scored: the objects'
        arrays must not change; the tracks' are copied)."""
        self._waiting.append((float(t), est_id.copy(), np.array(est_pos, dtype=float),
                              truth_row, truth_pos))
        if len(self._waiting) >= _BLOCK:
            self._score()

    def _score(self) -> None:
        """Score the times waiting (:meth:`add`), in order: GOSPA of each and the track
        holding each object (the optimal pairs, :func:`inkless.tracking.gospa.gospa_pairs_many`)
        and, time after time, the track swaps and breaks of the module docstring."""
        block, self._waiting = self._waiting, []
        if not block:
            return
        pairs = gospa_pairs_many([b[2] for b in block], [b[4] for b in block], self.c, self.p)
        n_obj, size = self._last.shape[0], len(block)
        now = np.full((size, n_obj), -1, np.int64)  # the track holding each object (-1: none)
        present = np.zeros((size, n_obj), bool)
        at = np.arange(size)
        held_rows = [b[3][k] for b, (_, _, k) in zip(block, pairs, strict=True)]
        now[np.repeat(at, [len(h) for h in held_rows]), np.concatenate(held_rows)] = (
            np.concatenate([b[1][r] for b, (_, r, _) in zip(block, pairs, strict=True)]))
        present[np.repeat(at, [len(b[3]) for b in block]), np.concatenate([b[3] for b in block])
                ] = True
        held = now >= 0  # (a time with nothing to score holds nothing)
        before = np.vstack([self._held, held[:-1]])
        self._breaks += int(np.count_nonzero(present & before & ~held))
        # the last time before each at which each object was held (-1: before the block)
        last_at = np.maximum.accumulate(np.where(held, at[:, None], -1), axis=0)
        prev_at = np.vstack([np.full(n_obj, -1), last_at[:-1]])
        cols = np.arange(n_obj)
        last = np.where(prev_at >= 0, now[prev_at, cols], self._last)
        self._swaps += int(np.count_nonzero(held & (last >= 0) & (now != last)))
        self._last = np.where(last_at[-1] >= 0, now[last_at[-1], cols], self._last)
        self._held = held[-1]
        self._rows += [(b[0], g.total, g.localisation, g.n_missed, g.n_false)
                       for b, (g, _, _) in zip(block, pairs, strict=True)
                       if len(b[2]) or len(b[4])]

    @property
    def breaks(self) -> int:
        """Track breaks over the run (module docstring)."""
        self._score()
        return self._breaks

    @property
    def swaps(self) -> int:
        """Track swaps over the run (module docstring)."""
        self._score()
        return self._swaps

    @property
    def times(self) -> F64:
        """``(k,)`` scored times, s."""
        self._score()
        return np.array([r[0] for r in self._rows], dtype=float)

    @property
    def total(self) -> F64:
        """``(k,)`` GOSPA at each scored time, m."""
        self._score()
        return np.array([r[1] for r in self._rows], dtype=float)

    @property
    def missed(self) -> I64:
        """``(k,)`` objects missed at each scored time."""
        self._score()
        return np.array([r[3] for r in self._rows], dtype=np.int64)

    @property
    def false(self) -> I64:
        """``(k,)`` false tracks at each scored time."""
        self._score()
        return np.array([r[4] for r in self._rows], dtype=np.int64)

    def summary(self) -> dict[str, Any]:
        """``{mean_gospa_m, mean_localisation_m, missed, false, track_breaks, track_swaps,
        scored_times}``: means over the scored times (``missed``, ``false``: mean number per
        time; ``mean_localisation_m``: the localisation part of GOSPA, ``(sum d^p)^(1/p)``)."""
        self._score()
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
            "track_breaks": self._breaks,
            "track_swaps": self._swaps,
            "scored_times": k,
        }
