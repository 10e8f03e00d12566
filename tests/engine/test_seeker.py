"""The seeker finds what is there (issue 15, defects 2 and 5): an interceptor guided on a track
meets the threat the track follows at the intercept, whatever the track's number or the object
it was labelled with when it was fired.

Checked against the raid's own trajectories (``Raid.ahead``), not the engine's truth grid: every
kill is within the basket of the threat it is booked to; no interceptor is booked ``lost``
while a threat still in the air was within the basket of its aim point at its intercept.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from inkless.engagement import KILL, LOST
from inkless.engine import Record, run
from inkless.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def trail(seed: int) -> Record:
    """Twelve low cruise missiles in trail within two minutes: tracks swap between them."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    wave = next(w for w in data["raid"]["waves"] if w["id"] == "cruise")
    wave["count"], wave["launch_window_s"] = 12, [1200, 1320]
    data["raid"]["waves"] = [wave]
    data["civil"] = {"flights": []}
    return run(parse_scenario(yaml.safe_dump(data), "trail.yaml"), seed, picture="tracked")


@pytest.mark.parametrize("seed", range(6))
def test_what_the_seeker_meets(seed: int) -> None:
    rec = trail(seed)
    fl, raid = rec.flight, rec.raid
    basket = rec.tables.units.basket
    everyone = np.arange(len(raid))
    for k in range(fl.n):
        t = np.array([fl.intercept_time[k]])
        pos = raid.ahead(everyone, t)[:, 0]  # NaN outside flight
        # in the air at the intercept: launched, not landed, not killed earlier
        ended = np.where(np.isnan(rec.end_time), np.inf, rec.end_time)
        up = np.isfinite(pos[:, 0]) & (ended >= t[0])
        d = np.linalg.norm(pos - fl.point[k], axis=1)
        near = up & (d <= basket[fl.unit[k]] + 2.0)  # the truth grid is float32
        if fl.result[k] == KILL:
            assert d[fl.threat[k]] <= basket[fl.unit[k]] + 2.0
        if fl.result[k] == LOST:
            assert not (near & (everyone != fl.threat[k]) & (ended > t[0])).any(), k


def test_a_shot_after_a_swap_is_not_lost_on_the_dead_label() -> None:
    """Seed 7 of the trail: a track that killed one missile and swapped onto the next is fired
    at again; that interceptor meets the live missile (before the seeker model it was booked
    at the dead one and lost)."""
    rec = trail(7)
    fl, track = rec.flight, rec.shot_track
    assert track is not None
    refired = [r for k in np.flatnonzero(fl.result[: fl.n] == KILL).tolist()
               for r in np.flatnonzero((track[: fl.n] == track[k])
                                       & (fl.fire_time[: fl.n] >= fl.intercept_time[k])).tolist()]
    assert refired
    assert all(fl.result[r] != LOST for r in refired)
