"""Fighter patrols in a run (issue 14, item 4): each aircraft is a fire unit that moves on its
schedule and may shoot only while on station, within its missiles."""

from __future__ import annotations

import csv
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from inkless.afteraction.results import map_data, results, write_events_csv
from inkless.cli import app
from inkless.engine import Engine
from inkless.engine.record import BLOCKED_NOT_HOSTILE, Record
from inkless.engine.state import Options
from inkless.engine.tracked import Seen, TrackedPicture
from inkless.identification.categories import HOSTILE, SUSPECT
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario import parse_scenario
from inkless.scenario.model import PictureName
from inkless.simulation import SensorPlatforms
from inkless.simulation.patrol import FIRED, Sorties, station_coverage
from inkless.units import DEG

from ..interop.patrols import EARLY, GROUND_RADAR, cap

_FLIGHTS = "    flights: 2\n    launch_interval_s: 4000\n"
_RADAR = "    radar: {range_km: {drone: 60, civil: 100}}\n"
_WAVES = EARLY + """\
    - {id: gap, threat_class: drone, count: 2, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [2200, 2260]}
    - {id: late, threat_class: drone, count: 1, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [4400, 4460]}
"""
FLOWN = cap(6000, _FLIGHTS, waves=_WAVES)


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_a_patrol_shoots_only_while_on_station_and_within_its_missiles(
        picture: PictureName) -> None:
    """One aircraft per flight, two flights scheduled 4000 s apart with about 1800 s on
    station each. The early drones pass the station while flight 1 holds it: its aircraft
    fires both its missiles and is never assigned again (four drones, two rounds); the station
    so emptied, flight 2 takes off at the next decision (before: at 4000 s, a gap in which the
    later drones passed unengaged) and fires at them. Every shot is fired while its aircraft
    is on station as flown, none in a gap of the station's coverage but from the end of a
    vector (it flew out to its target and fired when in reach)."""
    sc = parse_scenario(FLOWN, "cap.yaml")
    planned = Sorties.plan(sc.patrols)
    eng = Engine(sc, seed=1, picture=picture)
    rec = eng.run()
    assert eng.patrols is not None
    flown = eng.patrols.sorties
    units, f = rec.tables.units, rec.flight
    shooter = [units.id[u] for u in f.unit[: f.n]]
    fired = f.fire_time[: f.n]
    assert set(shooter) <= {"cap1.1.1", "cap1.2.1"}
    for who, row in (("cap1.1.1", 0), ("cap1.2.1", 1)):
        mine = np.array(shooter) == who
        assert ((fired[mine] >= flown.on_station[row]) & (fired[mine] <= flown.bingo[row])).all()
    assert shooter.count("cap1.1.1") == 2  # both its missiles, then never again
    last = float(fired[np.array(shooter) == "cap1.1.1"].max())
    assert flown.bingo[0] == last and flown.launch[1] == last + 5.0  # relieved at once
    assert planned.launch[1] == 4000.0
    assert shooter.count("cap1.2.1") >= 1
    gaps = station_coverage(flown, 0, 0.0, sc.settings.duration_s).gaps
    d = flown.dashes
    out = np.isin(fired, d.start + d.dash_s)  # fired from the end of its vector
    for a, b in gaps:
        assert not ((fired > a) & (fired < b) & ~out).any()


def test_inkless_run_flies_the_patrols(tmp_path: Path) -> None:
    """``inkless run`` no longer ignores ``patrols[]``: the aircraft's shots are in the
    events (before: the scenario ran with no fire unit and fired nothing) and the report has
    a table of the patrols."""
    path = tmp_path / "cap.yaml"
    path.write_text(FLOWN)
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                 "--picture", "perfect", "--seed", "1"])
    assert r.exit_code == 0, r.stderr
    events = (tmp_path / "o" / "events.csv").read_text()
    assert "cap1.1.1" in events and "cap1.2.1" in events
    report = (tmp_path / "o" / "report.html").read_text()
    assert "Fighter patrols" in report and "Returns at bingo" in report


def _lead(p: np.ndarray, q: np.ndarray, v: np.ndarray, s: float) -> float:
    """The collision-course time by hand: the positive root of
    ``(v.v - s^2) T^2 + 2 (d.v) T + d.d = 0``, ``d = q - p``."""
    d = q - p
    a, b, c = v @ v - s * s, 2.0 * d @ v, d @ d
    return float((-b - np.sqrt(b * b - 4.0 * a * c)) / (2.0 * a))


@pytest.mark.parametrize("reach_km", [30, 5])
def test_a_vector_flies_its_aircraft_toward_the_lead_until_its_missile_is_away(
        reach_km: int) -> None:
    """Perfect picture, missiles reaching ``reach_km``. Each vector leaves the pattern along
    the lead (collision course at 300 m/s, solved by hand from the drone's truth and where
    the aircraft left its pattern), a straight line at dash speed (300 m/s x the dash time
    long), and ends where the aircraft fires (or breaks off: then no shot), before the lead
    point: it never flies onto its drone (at the end of the lead time it is more than a km
    from where the drone would be). Back at cruise, or home out of missiles; its bingo comes
    2 x the dash earlier (the dash burns 3x cruise). With 5 km missiles every shot needs a
    dash. Before: the shot was taken from the pattern and the aircraft flew the dash after
    it, its missile already away."""
    text = FLOWN.replace("max_range_km: 30", f"max_range_km: {reach_km}")
    sc = parse_scenario(text, "cap.yaml")
    planned = Sorties.plan(sc.patrols)
    eng = Engine(sc, seed=1, picture="perfect")
    rec = eng.run()
    assert eng.patrols is not None
    flown, d = eng.patrols.sorties, eng.patrols.sorties.dashes
    f, first = rec.flight, len(rec.tables.units.id) - len(planned)
    truth, _ = rec.raid.grid(sc.settings.scan_period_s, int(sc.settings.duration_s / 5))

    def drone(j: int, t: float) -> np.ndarray:
        k = int(t // 5)
        a, b = truth[k, j].astype(float), truth[k + 1, j].astype(float)
        return a + (b - a) * (t / 5 - k)

    assert f.n >= 2 and (d.outcome == FIRED).sum() == f.n
    for e in range(len(d)):
        t, p, end = float(d.start[e]), d.leave[e], float(d.start[e] + d.dash_s[e])
        k = np.flatnonzero((f.unit[: f.n] - first == d.row[e]) & (f.fire_time[: f.n] == end))
        assert k.size == (d.outcome[e] == FIRED)
        assert np.linalg.norm(d.point[e] - p) == pytest.approx(300.0 * d.dash_s[e], abs=1.0)
        if not (k.size and d.dash_s[e] > 0):
            continue
        j = int(f.threat[k[0]])
        q = drone(j, t)
        v = (drone(j, t + 5) - q) / 5
        T = _lead(p, q, v, 300.0)
        lead = q + v * T
        way = (d.point[e] - p) @ (lead - p)
        assert way / np.linalg.norm(d.point[e] - p) / np.linalg.norm(lead - p) > np.cos(DEG)
        assert d.dash_s[e] < T
        assert np.linalg.norm(flown.positions(t + T)[0][d.row[e]] - lead) > 1000.0
    extra = np.zeros(len(planned))
    np.add.at(extra, d.row, 2.0 * d.dash_s)
    out = flown.bingo < planned.bingo - extra - 1.0  # went home out of missiles
    assert out.any()
    assert flown.bingo[~out] == pytest.approx(planned.bingo[~out] - extra[~out], abs=1e-6)
    if reach_km == 5:
        assert (d.dash_s[d.outcome == FIRED] > 0).all()


def test_an_aircraft_is_vectored_only_within_its_fuel() -> None:
    """A drone hovering 40 km from the aircraft: a 40 km / 300 m/s dash burns 3x cruise. Just
    after joining the station the fuel allows it (the margin over bingo is the whole time on
    station); 60 s before bingo the margin (60 s of cruise) is less than the dash's 3 x 133 s
    plus the longer way home, so it is not vectored."""
    sc = parse_scenario(FLOWN, "cap.yaml")
    eng = Engine(sc, seed=1, picture="perfect")
    pat = eng.patrols
    assert pat is not None
    s = pat.sorties
    rows = pat.rows[:1]  # aircraft 1.1

    def reach(t: float) -> bool:
        pos = s.positions(t)[0][0]
        up = pos / np.linalg.norm(pos)
        east = np.cross([0.0, 0.0, 1.0], up)
        q = pos + 40e3 * east / np.linalg.norm(east)
        ecef = np.array([[q], [q]])
        o = Options(rows, np.array([0]), np.array([2]), np.array([0]), np.ones((1, 1), bool),
                    np.array([t, t + 5]), ecef, np.full((2, 1), 1500.0))
        return bool(pat.reach(t, rows, o)[0, 0])

    assert reach(float(s.on_station[0]) + 10)
    assert not reach(float(s.bingo[0]) - 60)


def test_results_have_a_patrols_section() -> None:
    """results.json's ``patrols``: sorties launched by the end, shots, the station's coverage
    (checked against a brute-force count of half-seconds with an aircraft on station as
    flown, bingo moved by the dashes, not away on a vector) and gaps, returns at bingo and out
    of missiles; a scenario without patrols has no such key."""
    sc = parse_scenario(FLOWN, "cap.yaml")
    eng = Engine(sc, seed=1, picture="perfect")
    rec = eng.run()
    assert eng.patrols is not None
    s, end = eng.patrols.sorties, rec.t_end
    findings = results(rec)
    assert findings.patrols is not None
    (row,) = findings.patrols
    assert (row.patrol_id, row.member) == ("cap1", "A")
    assert row.sorties == int((s.launch <= end).sum()) == 2
    assert row.shots == 4  # two by each flight (flight 2 relieved flight 1 at once)
    assert row.returns_out_of_missiles == 2
    assert row.returns_at_bingo == 0
    ts = np.arange(0.0, end, 0.05)
    on = (s.on_station[:, None] <= ts) & (ts < s.bingo[:, None])
    d = s.dashes
    for r, a, b in zip(d.row, d.start, d.start + d.dash_s + d.back_s, strict=True):
        on[r] &= ~((a <= ts) & (ts < b))  # away on a vector
    on = on.any(axis=0)
    assert row.station_covered_s == pytest.approx(on.sum() * 0.05, abs=0.5)
    gaps = sum(b - a for a, b in row.station_gaps)
    assert row.station_covered_s + gaps == pytest.approx(end, abs=0.01)
    assert row.station_gaps[0][0] == 0.0
    assert "patrols" in json.loads(findings.to_json())
    no = parse_scenario(FLOWN[: FLOWN.index("patrols:")] + FLOWN[FLOWN.index("raid:"):], "n")
    assert "patrols" not in json.loads(results(Engine(no, seed=1).run()).to_json())


def test_a_patrol_radar_rides_on_its_aircraft_which_is_never_engaged() -> None:
    """Without the ground radar, only the radar on the patrol aircraft can see the drones: on
    the tracked picture the patrol still fires at them (before: refused, and without the radar
    nothing at all would be seen), the aircraft are coalition aircraft in the world (their
    radars' routes follow the sortie: the position at mid-station is the schedule's) and no
    interceptor is ever fired at a coalition aircraft."""
    text = cap(6000, _FLIGHTS + _RADAR, sensors="", waves=_WAVES)
    sc = parse_scenario(text, "cap.yaml")
    eng = Engine(sc, seed=1, picture="tracked")
    sensors = eng.tables.sensors
    assert sensors.id == ("cap1.1.1.radar", "cap1.2.1.radar")
    s = Sorties.plan(sc.patrols)
    mid = float((s.on_station[0] + s.bingo[0]) / 2)
    at = SensorPlatforms(sensors).grid(5.0, int(mid / 5) + 1)[0][int(mid / 5), 0]
    assert np.linalg.norm(at - s.positions(5.0 * int(mid / 5))[0][0]) < 1000.0  # chords
    rec = eng.run()
    f, units = rec.flight, rec.tables.units
    assert f.n >= 2 and {units.id[u] for u in f.unit[: f.n]} <= {"cap1.1.1", "cap1.2.1"}
    findings = results(rec)
    assert findings.friendly_engagements == 0 and findings.civil_engagements == 0


def test_an_aircraft_fires_from_where_it_flies_in_the_events(tmp_path: Path) -> None:
    """events.csv places each of an aircraft's fire events where its sortie (as flown) has it
    at the fire time, on its pattern or at the end of its vector (which runs straight at the
    lead point, down toward the drones' 1500 m), not at its base (before: 31.0, 35.0, 0 m); so
    does the report map's line from shooter to intercept."""
    sc = parse_scenario(FLOWN, "cap.yaml")
    rec = Engine(sc, seed=1, picture="perfect").run()
    assert rec.patrols is not None
    write_events_csv(tmp_path / "events.csv", rec)
    rows = [r for r in csv.DictReader((tmp_path / "events.csv").open())
            if r["event"] == "fire"]
    assert rows
    for r in rows:
        a = rec.patrols.ids.index(r["unit_id"])
        lat, lon, alt = geodetic_from_ecef(rec.patrols.positions(float(r["time_s"]))[0][a])
        assert float(r["lat"]) == pytest.approx(float(lat) / DEG, abs=1e-5)
        assert float(r["lon"]) == pytest.approx(float(lon) / DEG, abs=1e-5)
        assert float(r["alt_m"]) == pytest.approx(float(alt), abs=1.0)
        assert float(r["alt_m"]) > 1500.0
    paths = map_data(rec).interceptor_paths
    f = rec.flight
    for k in range(f.n):
        a = int(f.unit[k]) - len(rec.tables.units.id) + len(rec.patrols)
        lat, lon, _ = geodetic_from_ecef(rec.patrols.positions(float(f.fire_time[k]))[0][a])
        assert paths[k][2][0] == pytest.approx(float(lat) / DEG, abs=1e-9)
        assert paths[k][3][0] == pytest.approx(float(lon) / DEG, abs=1e-9)


def test_two_nations_fighters_are_never_sent_after_one_threat_at_once() -> None:
    """Two members' patrols on one station, drones crossing it: with the default
    ``max_shots_per_threat`` of 1, a threat never has two interceptors in the air at once,
    whichever nation's aircraft fired them (a second shot only after the first missed)."""
    two = FLOWN.replace("  - {id: A, name: Alpha, role: host}\n",
                        "  - {id: A, name: Alpha, role: host}\n"
                        "  - {id: B, name: Beta, role: partner}\n")
    i = two.index("  - id: cap1")
    patrol = two[i: two.index("raid:")]
    two = two.replace(patrol, patrol + patrol.replace("id: cap1", "id: cap2")
                      .replace("owner: A", "owner: B"))
    sc = parse_scenario(two, "two.yaml")
    for picture in ("perfect", "tracked"):
        rec = Engine(sc, seed=2, picture=picture).run()
        f, units = rec.flight, rec.tables.units
        owners = {units.owner[u] for u in f.unit[: f.n]}
        assert owners == {0, 1}  # both nations fired
        for j in set(f.threat[: f.n].tolist()) - {-1}:
            rows = np.flatnonzero(f.threat[: f.n] == j)
            spans = sorted(zip(f.fire_time[rows], f.intercept_time[rows], strict=True))
            assert all(b[0] >= a[1] for a, b in pairwise(spans))


def _cycles(eng: Engine) -> list[Seen]:
    """Every decision cycle's :class:`Seen` of a tracked run (the run stepped as
    :meth:`Engine.run` steps it; :attr:`Engine.last_record` set to its record)."""
    out: list[Seen] = []
    tick = 0
    while tick <= eng.last_tick:
        d = eng.step(tick)
        if isinstance(eng.picture, TrackedPicture) and eng.picture.seen is not None:
            out.append(eng.picture.seen)
        if d.next_tick is None:
            break
        tick = d.next_tick
    _records[id(eng)] = eng.record(tick)
    return out


_records: dict[int, Record] = {}


def test_patrol_aircraft_without_a_radar_are_seen_and_answer_iff_while_airborne() -> None:
    """Patrol aircraft without a radar are coalition aircraft of the sensed world (before: not
    objects at all, never seen): each is where its sortie as flown has it (flight 1 goes home
    out of missiles, so it lands long before its scheduled landing) and absent on the ground;
    the ground radar reports it and it answers IFF only while airborne."""
    sc = parse_scenario(FLOWN, "cap.yaml")
    eng = Engine(sc, seed=1, picture="tracked")
    w = eng.picture.world  # type: ignore[union-attr]
    names = w.truth_name[w.aircraft]
    assert names == ("cap1.1.1", "cap1.2.1")
    seen = _cycles(eng)
    assert eng.patrols is not None
    flown = eng.patrols.sorties
    assert flown.landed[0] < Sorties.plan(sc.patrols).landed[0] - 600  # went home early
    first = w.aircraft.start
    reported: dict[int, list[float]] = {a: [] for a in range(2)}
    replied: dict[int, list[float]] = {a: [] for a in range(2)}
    for s in seen:
        k = round(s.t / 5)
        pos, up = flown.positions(s.t)
        for a in range(2):
            truth = w.objects[k, first + a].astype(float)
            if up[a]:
                assert np.linalg.norm(truth - pos[a]) < 1.0  # float32 grid
            else:
                assert np.isnan(truth).all()
        for a in s.reports.det.truth[s.reports.det.truth >= first].tolist():
            reported[a - first].append(s.t)
        for a in s.reports.evidence.iff.source.tolist():
            replied[a].append(s.t)
    for a in range(2):
        assert reported[a] and replied[a]
        for times in (reported[a], replied[a]):
            ts = np.array(times)
            assert ((ts >= flown.launch[a]) & (ts < flown.landed[a])).all()


def test_a_grounded_patrol_radar_does_not_scan() -> None:
    """A patrol's radar rides on its aircraft and scans only while it is airborne (before: the
    radar of flight 2 sat at the base from the start and reported flight 1, and flight 1's
    radar stayed at its last point after landing and kept reporting)."""
    sc = parse_scenario(cap(6000, _FLIGHTS + _RADAR, waves=_WAVES), "cap.yaml")
    eng = Engine(sc, seed=1, picture="tracked")
    rows = [eng.tables.sensors.id.index(f"cap1.{k}.1.radar") for k in (1, 2)]
    seen = _cycles(eng)
    assert eng.patrols is not None
    flown = eng.patrols.sorties
    count = [0, 0]
    for s in seen:
        for a, r in enumerate(rows):
            if r in s.reports.det.sensor.tolist() or r in s.reports.sensors.tolist():
                assert flown.launch[a] <= s.t < flown.landed[a], (a, s.t)
                count[a] += 1
    assert all(count)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("variant", ["ground radar", "patrol radar", "both"])
def test_no_track_of_a_coalition_aircraft_is_declared_suspect_or_hostile(
        seed: int, variant: str) -> None:
    """Patrols with and without radar, with and without the ground radar: in no cycle is a
    track of a coalition aircraft (its detections mostly the aircraft's, and where the aircraft
    is: within 5 km, or the aircraft landed) held suspect or hostile, no interceptor is fired
    at one and results.json counts no friendly engagement. Before: as an aircraft landed, its
    track coasted on without detections, its IFF correlation lapsed after report_memory_s,
    and a fighter low and fast has a cruise missile's profile: suspect, then hostile, for the
    seconds until the tracker dropped it (seed 1, with and without the ground radar); and a
    new track of an aircraft just taken off (low and fast) whose first IFF reply was missed
    was held suspect for that cycle (ground radar, seed 3, t = 4015 s): now it correlates with
    its filed departure (:mod:`inkless.identification.departures`)."""
    text = FLOWN if variant == "ground radar" else cap(
        6000, _FLIGHTS + _RADAR, sensors="" if variant == "patrol radar" else GROUND_RADAR,
        waves=_WAVES)
    sc = parse_scenario(text, "cap.yaml")
    eng = Engine(sc, seed=seed, picture="tracked")
    w = eng.picture.world  # type: ignore[union-attr]
    seen = _cycles(eng)
    first, n_air = w.aircraft.start, w.aircraft.stop - w.aircraft.start
    assert n_air == 2
    wrong = []
    held = 0
    for s in seen:
        obj = s.picture.obj
        air = np.flatnonzero((obj >= first) & (obj < w.aircraft.stop))
        held += air.size
        k = round(s.t / 5)
        at = eng.picture.frame.to_ecef(s.picture.x[air, :3])  # type: ignore[union-attr]
        truth = w.objects[k, obj[air]].astype(float)
        near = np.isnan(truth[:, 0]) | (np.linalg.norm(at - truth, axis=-1) < 5e3)
        bad = near & np.isin(s.ids.category[air], [SUSPECT, HOSTILE])
        wrong += [(s.t, int(s.picture.id[r])) for r in air[bad]]
    assert wrong == []
    assert held > 0 or variant == "patrol radar"  # alone, a radar does not see its aircraft
    rec = _records.pop(id(eng))
    assert not np.isin(rec.identity.shot_truth, np.arange(first, w.aircraft.stop)).any()
    findings = results(rec)
    assert findings.friendly_engagements == 0 and findings.civil_engagements == 0


_NEAR = cap(3000, waves="""\
    - {id: near, threat_class: drone, count: 3, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.22}], launch_window_s: [600, 660]}
""").replace("base: {lat_deg: 31.0, lon_deg: 35.0}", "base: {lat_deg: 31.2, lon_deg: 34.2}")


@pytest.mark.parametrize("seed", [1, 2])
def test_the_withheld_shot_counterfactual_puts_the_aircraft_where_it_was(seed: int) -> None:
    """Tracked picture, one aircraft on a station 80 km from its base; drones launched 16 km
    east of the station. A drone's track withheld (not yet declared hostile) in a cycle when
    the aircraft was on station, free and ready, and the drone (its truth) within 25 km of it
    (its missile reaches 30 km) gets ``BLOCKED_NOT_HOSTILE``, and only then. Before: the
    counterfactual judged the aircraft where it was at the end of the run, on its way home,
    more than 40 km from every withheld drone: no bit."""
    sc = parse_scenario(_NEAR, "cap.yaml")
    eng = Engine(sc, seed=seed, picture="tracked")
    rec = eng.run()
    assert eng.recorder is not None and eng.patrols is not None
    s, row = rec.patrols, eng.patrols.rows[0]
    assert s is not None
    truth, _ = rec.raid.grid(5.0, int(rec.t_end / 5) + 1)
    end = s.positions(rec.t_end)[0][0]
    far = [np.linalg.norm(truth[w.tick, w.obj].astype(float) - end, axis=-1).min()
           for w in eng.recorder.withheld]
    assert min(far) > 40e3  # beyond its missile's 30 km
    could = np.zeros(len(rec.raid), bool)
    for w in eng.recorder.withheld:
        at = s.positions(w.t)[0][0]
        free = (s.on_station[0] <= w.t < s.bingo[0]) and w.rounds[row] > 0 and (
            w.ready[row] <= w.t)
        near = np.linalg.norm(truth[w.tick, w.obj].astype(float) - at, axis=-1) < 25e3
        could[w.obj[near & (w.bit == BLOCKED_NOT_HOSTILE)]] |= free
    assert could.any()
    assert ((rec.blocked & BLOCKED_NOT_HOSTILE) > 0)[could].all()


def test_the_decision_and_the_counterfactual_ask_the_patrols_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One function (``Patrols.allow``) says what the patrols allow, in the decision and in the
    withheld-shot counterfactual: with it allowing the aircraft nothing, no aircraft fires and
    no withheld drone is marked as one it could have shot (the aircraft is the only shooter);
    with it as it is, both happen (tracked, seed 1, the counterfactual test's scenario). Before:
    each combined ``on``, ``reach`` and ``hold`` in its own three lines."""
    from inkless.engine.patrols import Patrols

    def runs() -> tuple[int, int]:
        rec = Engine(parse_scenario(_NEAR, "cap.yaml"), seed=1, picture="tracked").run()
        return rec.flight.n, int(((rec.blocked & BLOCKED_NOT_HOSTILE) > 0).sum())

    assert all(runs())
    real = Patrols.allow

    def nothing(self: Patrols, *a: object) -> tuple[np.ndarray, np.ndarray]:
        on, fits = real(self, *a)  # type: ignore[arg-type]
        return np.zeros_like(on), np.zeros_like(fits)

    monkeypatch.setattr(Patrols, "allow", nothing)
    assert runs() == (0, 0)


_BATTERY = FLOWN.replace(
    "sensors:",
    "  - {id: sam, max_range_km: 40, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}\n"
    "fire_units:\n"
    "  - {id: bty, owner: A, position: {lat_deg: 31.15, lon_deg: 35.0}, interceptor: sam,\n"
    "     rounds: 20, channels: 2, reload_s: 5}\n"
    "sensors:",
).replace("count: 4, speed_mps: 50", "count: 10, speed_mps: 50").replace(
    "launch_window_s: [200, 260]", "launch_window_s: [200, 600]")


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_a_battery_holds_fire_on_the_sector_where_a_fighter_engages(
        picture: PictureName) -> None:
    """A battery beside the station and a stream of drones through it: while a patrol aircraft
    engages (from its shot until its missile's intercept, or the end of its dash), the battery
    fires at no threat whose intercept point lies within the aircraft's missile reach (30 km)
    of where the aircraft is, and it still fires elsewhere and at other times. Before: the
    battery fired into that sector while the fighter was there (and, once the aircraft stood
    off, while its missile flew: the hold lasted only for the dash)."""
    sc = parse_scenario(_BATTERY, "cap.yaml")
    eng = Engine(sc, seed=1, picture=picture)
    rec = eng.run()
    s, f, units = rec.patrols, rec.flight, rec.tables.units
    assert s is not None and len(s.dashes) > 0 and eng.patrols is not None
    until = np.maximum(s.dashes.start + s.dashes.dash_s, eng.patrols.engaged)
    bty = units.id.index("bty")
    mine = np.flatnonzero(f.unit[: f.n] == bty)
    assert mine.size > 0
    d = s.dashes
    into = []
    for k in mine.tolist():
        t = float(f.fire_time[k])
        at = s.positions(t)[0]
        for e in np.flatnonzero((d.start <= t) & (t < until)).tolist():
            gap = float(np.linalg.norm(f.point[k] - at[d.row[e]]))
            if gap < 30e3:
                into.append((t, s.ids[d.row[e]], round(gap)))
    assert into == []


def test_an_early_relief_files_its_departure_when_it_is_launched() -> None:
    """Flight 2 of FLOWN is scheduled at 4000 s but launched early when flight 1 leaves the
    station out of missiles: the tracked picture's filed departures (procedural
    identification by point of origin) then hold its take-off as flown, so a track first seen
    over its base just after that take-off correlates with a filed departure (assumed friend
    until IFF answers). Before: the departure stayed filed at 4000 s and the relief, low and
    fast over its base, had no point of origin (suspect until IFF answered)."""
    from inkless.identification.departures import origin_at_departure

    sc = parse_scenario(FLOWN, "cap.yaml")
    eng = Engine(sc, seed=1, picture="tracked")
    eng.run()
    assert eng.patrols is not None and isinstance(eng.picture, TrackedPicture)
    flown, planned = eng.patrols.sorties.launch, Sorties.plan(sc.patrols).launch
    assert flown[1] < planned[1] - 1000.0  # launched early
    d = eng.picture.rules.departures
    np.testing.assert_array_equal(d.launch, flown)
    t0 = float(flown[1]) + 20.0
    seen = origin_at_departure(d.lat[1:2], d.lon[1:2], d.alt[1:2] + 100.0, t0, d,
                               sc.identification)
    assert seen.tolist() == [True]
