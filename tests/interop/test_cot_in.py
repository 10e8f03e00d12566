"""CoT in: a coalition aircraft's self-report over CoT (parsed safely) is "friend" evidence
for identification, like an IFF reply: it turns an unknown track into a friend; a report far
from the track, stale, or not friendly leaves it unknown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from inkless.cli import app
from inkless.engine import Engine, Inputs
from inkless.identification import FRIEND, UNKNOWN, Evidence, compile_rules, identify
from inkless.identification.categories import CATEGORY_NAMES
from inkless.interop.cot import CotEvent, frame, friendly_replies, parse_event
from inkless.interop.cotin import run_with_cot, self_reports
from inkless.interop.picture import picture_table, read_tracks_csv
from inkless.physics.geodesy import ecef_from_geodetic, enu_from_ecef
from inkless.scenario import parse_scenario
from inkless.units import DEG
from inkless.wargame import scenario_gates

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORIGIN = (32.0 * DEG, 35.0 * DEG, 0.0)
SCENARIO = """
name: cot-in
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 3600}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 32, lon_deg: 35}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
identification: {hostile_confirm_scans: 1}
"""
LAT, LON, ALT = 31.6, 35.6, 7000.0  # a fighter on patrol, holding its position
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class Track:
    id = np.array([7])

    def __init__(self) -> None:
        p = enu_from_ecef(ecef_from_geodetic(LAT * DEG, LON * DEG, ALT), *ORIGIN).reshape(3)
        self.x = np.concatenate([p, np.zeros(3)])[None]
        self.P = np.diag([100.0**2] * 3 + [5.0**2] * 3)[None]


def _identity(report: CotEvent | None, t: float = 100.0) -> int:
    rules = compile_rules(parse_scenario(SCENARIO), ORIGIN)
    at = EPOCH + timedelta(seconds=t)
    ev = Evidence.none(t)
    if report is not None:
        got = parse_event(frame(report, proto=False, stream=True), "tak feed")
        assert got is not None
        iff = friendly_replies([got], at)
        ev = Evidence(ev.adsb, iff, ev.filed_pos, ev.filed_vel)
    ids = identify(Track(), t, ev, rules)
    ids = identify(Track(), t + 5.0, ev, rules, ids)
    return int(ids.category[0])


def _report(typ: str = "a-f-A-M-F", dlat: float = 0.0, age_s: float = 3.0,
            stale_s: float = 60.0) -> CotEvent:
    t = EPOCH + timedelta(seconds=100.0 - age_s)
    return CotEvent("FIGHTER-1", typ, t, t + timedelta(seconds=stale_s), LAT + dlat, LON, ALT,
                    10.0, 15.0, how="m-g")


@pytest.mark.parametrize(("report", "expected"), [
    (None, UNKNOWN),
    (_report(), FRIEND),
    (_report(dlat=0.1), UNKNOWN),  # 11 km away: another aircraft
    (_report(typ="a-h-A"), UNKNOWN),  # not a friendly self-report
    (_report(age_s=120.0), UNKNOWN),  # too old
    (_report(stale_s=1.0), UNKNOWN),  # stale
])
def test_friendly_self_report_makes_a_friend(report: CotEvent | None, expected: int) -> None:
    assert _identity(report) == expected


def _fighter(tmp: Path) -> Path:
    """basics.yaml's cruise wave with an ALLY early-warning aircraft holding at 9 km that
    answers no IFF: the coalition's picture holds it as an unknown track."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    data["settings"]["duration_s"] = 1500
    data["sensors"].append({
        "id": "aew-1", "owner": "ALLY", "kind": "airborne",
        "position": {"lat_deg": 32.2, "lon_deg": 34.6, "alt_m": 9000},
        "range_km": {"ballistic": 300, "cruise": 200, "drone": 150, "civil": 300},
        "scan_period_s": 10})
    data.setdefault("identification", {})["iff_reply_probability"] = 0.0
    sc = tmp / "fighter.yaml"
    sc.write_text(yaml.safe_dump(data))
    return sc


def _aew_identities(out: Path) -> set[str]:
    """Identities of the track held on the early-warning aircraft (within 1 km of it)."""
    tab = read_tracks_csv(out / "tracks.csv")
    near = (np.abs(np.degrees(tab.lat) - 32.2) < 0.01) & (np.abs(np.degrees(tab.lon) - 34.6)
                                                         < 0.01)
    assert near.sum() > 20
    return {CATEGORY_NAMES[i] for i in tab.identity[near][10:].tolist()}  # past the first scans


def test_run_cot_in_makes_the_self_reporting_aircraft_a_friend(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``inkless run --cot-in FILE``: the aircraft's own CoT position reports (a TAK stream
    recorded to a file, one malformed event among them) turn its unknown track into a friend;
    without them it stays unknown."""
    sc = _fighter(tmp_path)
    reports = b"".join(frame(CotEvent(
        "AEW-1", "a-f-A-M-F-Q", EPOCH + timedelta(seconds=t),
        EPOCH + timedelta(seconds=t + 60), 32.2, 34.6, 9000.0, 20.0, 30.0, how="m-g"),
        proto=False, stream=True) for t in range(0, 1500, 10))
    cot = tmp_path / "aew.cot"
    cot.write_bytes(b"<event><point lat='x'/></event>" + reports)
    runs = {}
    for name, extra in (("plain", []), ("cot", ["--cot-in", str(cot)])):
        with caplog.at_level(logging.WARNING, logger="inkless.interop"):
            res = CliRunner().invoke(app, ["run", str(sc), "--out", str(tmp_path / name),
                                           "--no-rule-costs", *extra])
        assert res.exit_code == 0, res.output
        runs[name] = _aew_identities(tmp_path / name)
    assert runs == {"plain": {"unknown"}, "cot": {"friend"}}
    assert sum("event skipped" in r.getMessage() for r in caplog.records) == 1


def test_run_cot_in_bad_file(tmp_path: Path) -> None:
    sc = _fighter(tmp_path)
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(tmp_path / "o"), "--cot-in",
                                   str(tmp_path / "missing.cot")])
    assert res.exit_code == 2 and "missing.cot" in res.output
    assert len(res.output.strip().splitlines()) == 1
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(tmp_path / "o"), "--cot-in",
                                   str(sc)])  # not a feed: no <event> in it
    assert res.exit_code == 2 and "no CoT event" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_run_with_no_feed_is_the_tracked_run(tmp_path: Path) -> None:
    """The fed run without self-reports decides as the plain tracked run: the same
    interceptors (unit, threat, times, result) and the same per-scan picture."""
    data = yaml.safe_load(_fighter(tmp_path).read_text())
    data["settings"]["duration_s"] = 3000  # the cruise missiles are engaged
    sc = parse_scenario(yaml.safe_dump(data), "fighter.yaml")
    want = Engine(sc, 7, picture="tracked", gates=scenario_gates(sc)).run()
    got = run_with_cot(sc, 7, scenario_gates(sc), "fast", [])
    n = want.flight.n
    assert got.flight.n == n > 0
    for f in ("unit", "threat", "fire_time", "intercept_time", "result"):
        np.testing.assert_array_equal(getattr(got.flight, f)[:n], getattr(want.flight, f)[:n])
    a, b = picture_table(want), picture_table(got)
    assert a is not None and b is not None
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(a.identity, b.identity)
    np.testing.assert_allclose(a.hae, b.hae)


def _aew_track_identity(sc_path: Path, fed: list[float]) -> set[int]:
    """Identities of the track held on the early-warning aircraft of ``_fighter`` over the
    first 400 s of the tracked engine, stepped with the aircraft's self-report as an input's
    cooperative evidence at the times ``fed`` (s)."""
    sc = parse_scenario(sc_path.read_text(), str(sc_path))
    eng = Engine(sc, 7, picture="tracked", gates=scenario_gates(sc))
    aew = ecef_from_geodetic(32.2 * DEG, 34.6 * DEG, 9000.0).reshape(3)
    seen = set()
    for tick in range(round(400.0 / eng.dt)):
        t = tick * eng.dt
        report = CotEvent("AEW-1", "a-f-A-M-F-Q", EPOCH + timedelta(seconds=t),
                          EPOCH + timedelta(seconds=t + 60), 32.2, 34.6, 9000.0, 20.0, 30.0)
        ev = self_reports([report], [report.time], report.time, t)
        eng.step(tick, Inputs(evidence=ev) if t in fed else None)
        got = eng.picture.seen
        assert got is not None
        near = np.linalg.norm(eng.picture.frame.to_ecef(got.picture.x[:, :3]) - aew, axis=1)
        if t >= 300.0 and (near < 1e3).any():
            seen |= set(got.ids.category[near < 1e3].tolist())
    return seen


def test_inputs_evidence_reaches_the_tracked_picture(tmp_path: Path) -> None:
    """An engine step's ``Inputs.evidence`` (here a TAK feed's self-reports as IFF replies)
    is identification's evidence in that cycle: the early-warning aircraft that answers no
    IFF is a friend with it, unknown without it."""
    sc = _fighter(tmp_path)
    assert _aew_track_identity(sc, []) == {UNKNOWN}
    assert _aew_track_identity(sc, [float(t) for t in range(0, 400)]) == {FRIEND}
