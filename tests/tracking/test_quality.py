"""The picture's quality log (GOSPA, track breaks and swaps per scored time) against the
definition applied one time after the other."""

from __future__ import annotations

import numpy as np

from inkless.tracking.gospa import gospa_pairs
from inkless.tracking.quality import PictureLog


class _OneByOne:
    """The log's definition, one scored time at a time (module docstring of quality.py)."""

    def __init__(self, n_objects: int, c: float) -> None:
        self.c, self.last = c, np.full(n_objects, -1)
        self.held, self.rows, self.breaks, self.swaps = np.zeros(n_objects, bool), [], 0, 0

    def add(self, t: float, ids: np.ndarray, x: np.ndarray, rows: np.ndarray, y: np.ndarray
            ) -> None:
        if not len(x) and not len(y):
            self.held[:] = False
            return
        g, r, k = gospa_pairs(x, y, self.c)
        now = np.full(self.last.size, -1)
        now[rows[k]] = ids[r]
        for j in range(now.size):  # object by object
            if now[j] >= 0 and self.last[j] >= 0 and now[j] != self.last[j]:
                self.swaps += 1
            if j in rows and self.held[j] and now[j] < 0:
                self.breaks += 1
            if now[j] >= 0:
                self.last[j] = now[j]
        self.held = now >= 0
        self.rows.append((t, g.total, g.localisation, g.n_missed, g.n_false))


def test_log_is_the_definition_time_after_time() -> None:
    """600 times (blocks of 256 and a rest; read in the middle too) of 12 objects that come and
    go, held by tracks that swap, break off and come back, and times with nothing."""
    rng = np.random.default_rng(4)
    n_obj, c = 12, 1000.0
    log, ref = PictureLog(n_obj, c), _OneByOne(n_obj, c)
    pos = rng.uniform(-5000, 5000, (n_obj, 3))
    for step in range(600):
        pos += rng.normal(0, 200, pos.shape)
        rows = np.flatnonzero(rng.random(n_obj) < (0.0 if step % 97 == 5 else 0.8))
        held = rows[rng.random(rows.size) < 0.85]
        ids = rng.permutation(40)[: held.size + 2]  # track ids change: swaps
        x = np.concatenate([pos[held] + rng.normal(0, 300, (held.size, 3)),
                            rng.uniform(-5000, 5000, (2, 3))])
        if step % 97 == 5:
            ids, x = ids[:0], x[:0]  # nothing to score
        log.add(float(step), ids, x, rows, pos[rows].copy())
        ref.add(float(step), ids, x, rows, pos[rows].copy())
        if step == 300:
            assert log.swaps == ref.swaps and log.breaks == ref.breaks
    assert log.swaps == ref.swaps > 0 and log.breaks == ref.breaks > 0
    np.testing.assert_array_equal(log.times, [r[0] for r in ref.rows])
    np.testing.assert_array_equal(log.total, [r[1] for r in ref.rows])
    np.testing.assert_array_equal(log.missed, [r[3] for r in ref.rows])
    np.testing.assert_array_equal(log.false, [r[4] for r in ref.rows])
    assert log.summary()["scored_times"] == len(ref.rows) < 600
