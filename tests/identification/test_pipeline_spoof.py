"""A spoofed ADS-B report at pipeline level: every cruise missile of the airliner example carries
a forged civil report (its true position and velocity, a civil address) all the way. The
identification rule of the issue: a track correlated with a cooperative civil aircraft is neutral
unless kinematics contradict it, so a spoofed report must not make a missile neutral. Over the
whole loop that means: the forged reports do correlate with the missiles' tracks, no missile's
track is ever neutral, and the defence decides exactly as without the spoof (same engagements,
same outcome).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import inkless.engine.tracked as tracked
from inkless.afteraction.results import results
from inkless.engine import run
from inkless.identification import NEUTRAL, Evidence
from inkless.identification.categories import ADSB, CIVIL_CONTRADICTED
from inkless.scenario import Scenario, parse_scenario
from inkless.simulation.adsb import forged_reports

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airliner-in-the-raid.yaml"


def cruise_only() -> Scenario:
    """The example with its cruise wave only, launched at once (a 40-minute run)."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    data["raid"]["waves"][0]["launch_window_s"] = [0, 300]
    data["settings"]["duration_s"] = 3000
    return parse_scenario(yaml.safe_dump(data), "cruise-only.yaml")


def spoofed_run(monkeypatch: pytest.MonkeyPatch, spoof: bool) -> tuple[Any, list[Any]]:
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    evidence = tracked.TrackedPicture._evidence
    identify = tracked.TrackedPicture.identify

    def forged(self: Any, tick: int, t: float) -> Evidence:
        ev = evidence(self, tick, t)
        pos, vel, flying = self.raid.state(t)
        rows = np.flatnonzero(flying)
        fake = forged_reports(t, pos[rows], vel[rows], 0xA00000 + rows)
        return Evidence(ev.adsb.concat(fake), ev.iff, ev.filed_pos, ev.filed_vel)

    def logged(self: Any, pic: Any, tick: int, t: float, ev: Evidence) -> Any:
        ids = identify(self, pic, tick, t, ev)
        seen.append((pic.obj.copy(), ids.category.copy(), ids.evidence.copy()))
        return ids

    if spoof:
        monkeypatch.setattr(tracked.TrackedPicture, "_evidence", forged)
    monkeypatch.setattr(tracked.TrackedPicture, "identify", logged)
    return run(cruise_only(), 11, picture="tracked"), seen


def test_spoofed_reports_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    rec, seen = spoofed_run(monkeypatch, spoof=True)
    n = len(rec.raid)
    obj = np.concatenate([s[0] for s in seen])
    cat = np.concatenate([s[1] for s in seen])
    bits = np.concatenate([s[2] for s in seen])
    missile = (obj >= 0) & (obj < n)
    # the forged reports rode on the missiles' tracks and were recognised as contradicted
    assert ((bits[missile] & ADSB) > 0).mean() > 0.5
    assert ((bits[missile] & CIVIL_CONTRADICTED) > 0).any()
    assert not (cat[missile] == NEUTRAL).any()
    spoofed = results(rec).model_dump(mode="json")
    assert spoofed["threats"]["intercepted"] >= 5
    assert spoofed["civil_engagements"] == 0

    monkeypatch.undo()
    clean, _ = spoofed_run(monkeypatch, spoof=False)
    honest = results(clean).model_dump(mode="json")
    for key in ("threats", "engagements", "impacts"):
        assert json.dumps(spoofed[key], sort_keys=True) == json.dumps(honest[key], sort_keys=True)
    assert spoofed["identification"]["declared"] == honest["identification"]["declared"]
