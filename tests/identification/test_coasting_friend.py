"""A friend's track that only coasts keeps its IFF: the lapse of a correlation on a track that no
detection updates is no evidence (issue 14, item 4: a patrol fighter's track after it landed)."""

from __future__ import annotations

import numpy as np

from inkless.identification import compile_rules, identify
from inkless.identification.categories import FRIEND, HOSTILE, SUSPECT
from inkless.identification.evidence import Evidence
from inkless.physics.geodesy import ecef_from_enu
from inkless.scenario import parse_scenario
from inkless.simulation.adsb import AdsbReports, IffReplies
from inkless.units import DEG

from .conftest import Tracks

SCENARIO = """\
name: coast
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 600, scan_period_s: 5}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: town, owner: A, position: {lat_deg: 32.0, lon_deg: 35.0}, value: 10, radius_m: 500}
raid:
  waves:
    - {id: w, threat_class: drone, count: 1, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 32.2, lon_deg: 35.5}], launch_window_s: [0, 10]}
"""
ORIGIN = (32.0 * DEG, 35.0 * DEG, 0.0)


def _run(updated_until: float | None, nan: bool = False) -> list[int]:
    """A fighter's track, 300 m up at 220 m/s east (low and faster than civil aircraft fly
    there: a cruise missile's profile), answering IFF until 20 s; from then on no detection
    updates it (``updated`` stays 20 s when ``updated_until`` is given) and it coasts; ``nan``:
    ``updated`` is NaN throughout. The category at every 5 s identification up to 120 s."""
    rules = compile_rules(parse_scenario(SCENARIO, "coast.yaml"), ORIGIN)
    x0 = np.array([[0.0, 0.0, 300.0, 220.0, 0.0, 0.0]])
    previous, out = None, []
    for t in np.arange(0.0, 125.0, 5.0).tolist():
        x = x0 + np.array([[220.0 * t, 0, 0, 0, 0, 0]])
        P = np.diag([100.0**2] * 3 + [5.0**2] * 3)[None] * (1 + max(0.0, t - 20) / 100)
        iff = IffReplies.empty(t)
        if t <= 20:
            pos = ecef_from_enu(x[:, :3], *ORIGIN)
            iff = IffReplies(t, pos, np.array([100.0]), np.array([0]))
        ev = Evidence(AdsbReports.empty(t), iff, np.empty((0, 3)), np.empty((0, 3)))
        upd = None if updated_until is None else np.array([min(t, updated_until)])
        upd = np.array([np.nan]) if nan else upd
        previous = identify(Tracks(np.array([7]), x, P), t, ev, rules, previous, upd)
        out.append(int(previous.category[0]))
    return out


def test_a_coasting_friend_stays_a_friend() -> None:
    """Not updated since its last IFF correlation, the track stays a friend (before: suspect,
    then hostile once report_memory_s had passed)."""
    assert set(_run(20.0)) == {int(FRIEND)}


def test_a_friend_seen_without_iff_is_declared() -> None:
    """The control: the same track updated by detections all along, without IFF after 20 s,
    loses its friend status and is declared on its profile (the rule is not weakened)."""
    cats = _run(None)
    assert cats[0] == FRIEND and cats[-1] == HOSTILE and SUSPECT in cats


def test_unknown_update_time_is_now() -> None:
    """``updated`` NaN (a number no tracker holds): IFF held from ``t``, as with None, so the
    track that stops answering is declared (NaN taken for any earlier time, 0 or -inf, would
    hold its IFF for ever). Before, this compared NaN and None on a track without any IFF."""
    assert _run(None, nan=True) == _run(None)
