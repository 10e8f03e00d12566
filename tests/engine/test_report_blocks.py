"""The tracked picture's reports merged once per block of ticks (issue 10, speed): its
trackers fed each scan's reports as a slice of a block (:meth:`CoalitionTracker.scan`'s
``block``) track and decide exactly as when fed the scan's reports alone (merged per scan),
through kills (a destroyed threat's reports dropped from the rest of a block)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from inkless.engine import KILLED, Engine, Reports
from inkless.engine.tracked import TrackedPicture

from .test_fed_picture import airliner

Simulate = Callable[[int, float, np.ndarray], Reports]


def test_reports_merged_per_block_track_as_merged_per_scan() -> None:
    sc = airliner()
    runs = []
    for per_scan in (False, True):
        eng = Engine(sc, 5, picture="tracked")
        picture: TrackedPicture = eng.picture  # type: ignore[assignment]
        simulate, blocks = picture.reports, [0]

        def alone(tick: int, t: float, alive: np.ndarray, simulate: Simulate = simulate,
                  blocks: list[int] = blocks) -> Reports:
            got = simulate(tick, t, alive)
            blocks[0] += got.block is not None
            return replace(got, block=None)

        if per_scan:
            picture.reports = alone  # type: ignore[method-assign]
        rec = eng.run()
        runs.append((rec, picture.tracker.tables, blocks[0]))
    (got, got_tables, _), (want, want_tables, n_blocks) = runs
    assert n_blocks > 100  # the reports came in blocks, and were fed alone
    assert (got.fate == KILLED).any()  # some threats were destroyed: their reports dropped
    n = want.flight.n
    assert got.flight.n == n > 0
    np.testing.assert_array_equal(got.flight.fire_time[:n], want.flight.fire_time[:n])
    for a, b in zip(got_tables, want_tables, strict=True):
        np.testing.assert_array_equal(a.tracks.id, b.tracks.id)
        np.testing.assert_array_equal(a.tracks.x, b.tracks.x)
        np.testing.assert_array_equal(a.tracks.P, b.tracks.P)
        np.testing.assert_array_equal(a.labels, b.labels)
