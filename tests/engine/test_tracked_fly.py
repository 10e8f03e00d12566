"""The tracked picture flies only the patrol aircraft whose sortie changed (issue 10, speed;
issue 14 item 4): the scans it keeps stay what a full :meth:`TrackedPicture.regate` gives, and
each patrol radar is where its aircraft is, after every change of the sorties in a run."""

from __future__ import annotations

import numpy as np

from inkless.engine import Engine
from inkless.engine.tracked import TrackedPicture
from inkless.scenario import parse_scenario

from ..interop.patrols import cap
from .test_patrols_run import _FLIGHTS, _RADAR, _WAVES


def test_scans_after_each_sortie_change_are_a_full_regates() -> None:
    """Two flights with a radar each; flight 1 fires its missiles and goes home, flight 2
    launches early. At every cycle in which the sorties changed, the scans kept (changed
    only in the columns of the radars of the aircraft flown again) equal those a full regate
    computes from the world's truth, and each patrol radar's platform is its aircraft's
    position (NaN on the ground)."""
    sc = parse_scenario(cap(6000, _FLIGHTS + _RADAR, waves=_WAVES), "cap.yaml")
    eng = Engine(sc, seed=1, picture="tracked")
    pic = eng.picture
    assert isinstance(pic, TrackedPicture) and eng.patrols is not None
    w = pic.world
    cols = np.flatnonzero((w.air.sortie >= 0) & (w.air.sensor >= 0))
    assert cols.size == 2
    changes, tick = 0, 0
    while tick <= eng.last_tick:
        before = pic._sorties
        nxt = eng.step(tick).next_tick
        if pic._sorties is not before:
            changes += 1
            acting, scans = pic.acting.copy(), pic.scans.copy()
            pic.regate(pic._gates)
            np.testing.assert_array_equal(acting, pic.acting)
            np.testing.assert_array_equal(scans, pic.scans)
            at = w.objects[:, w.aircraft][:, cols]
            np.testing.assert_array_equal(w.platform[0][:, w.air.sensor[cols]], at)
        if nxt is None:
            break
        tick = nxt
    assert changes >= 3  # the plan flown from the start, two shots of flight 1, flight 2's
