"""Fighters fly out to a threat and fire when it comes within reach (issue 14, item 4): a vector
is a commitment (docs/patrols.md, "Vectors in a run").

The scenario: the shared patrol (``cap1``, tests/interop/patrols.py: orbit of 10 km at 31.2 N
35.05 E, cruise 200 m/s, dash 300 m/s, two 30 km missiles) and one drone at 50 m/s flying west
along 31.85 N to a farm some 72 km north of the station: it never comes within 30 km of the
pattern, so an aircraft that fires only at what is already within its missile's reach never
fires at it."""

from __future__ import annotations

import numpy as np
import pytest

from inkless.afteraction.replay import replay
from inkless.afteraction.results import results
from inkless.engine import Engine
from inkless.engine.record import KILLED
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.physics.sortie import lead_intercept
from inkless.scenario import parse_scenario
from inkless.simulation.patrol import OUTCOMES, Sorties
from inkless.units import DEG

from ..interop.patrols import cap

_FARM = ("  - {name: farm, owner: A, position: {lat_deg: 31.85, lon_deg: 35.05}, value: 10,\n"
         "     radius_m: 500}\n")


def _far(start: float = 200.0) -> str:
    """One drone launched at ``start`` (s) 52 km east of the farm, flying west to it."""
    return (
        "    - {id: far, threat_class: drone, count: 1, speed_mps: 50, altitude_m: 1500,\n"
        "       launch_points: [{lat_deg: 31.85, lon_deg: 35.6}], aim_assets: [farm],\n"
        f"       launch_window_s: [{start}, {start}]}}\n")


FAR = cap(1500, waves=_far(), assets=_FARM)

_SAM = (
    "  - {id: sam, max_range_km: 10, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 1.0}}\n"
    "fire_units:\n"
    "  - {id: bty, owner: A, position: {lat_deg: 31.85, lon_deg: 35.47}, interceptor: sam,\n"
    "     rounds: 4, channels: 1}\n"
    "sensors:")


def _drone(rec, t: float) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The drone's true position (ECEF m) at ``t`` and its velocity (m/s), from the raid."""
    dt = rec.scenario.settings.scan_period_s
    truth, _ = rec.raid.grid(dt, int(rec.t_end / dt) + 2)
    k = int(t // dt)
    a, b = truth[k, 0].astype(float), truth[k + 1, 0].astype(float)
    return a + (b - a) * (t / dt - k), (b - a) / dt


def _first_in_reach(p: np.ndarray, u: np.ndarray, q: np.ndarray, v: np.ndarray) -> float:
    """Brute force: the first time ``tau`` (0.1 s steps) at which an aircraft at ``p + u tau``
    can fire a 1000 m/s missile that meets a target at ``q + v t`` within 30 km: some flight
    time ``sigma <= 30 s`` (0.05 s steps) with the target ``1000 sigma`` or less from the
    launch point then."""
    tau = np.arange(0.0, 400.0, 0.1)[:, None, None]
    sigma = np.arange(0.0, 30.0, 0.05)[None, :, None]
    gap = np.linalg.norm(q + v * (tau + sigma) - (p + u * tau), axis=-1)  # (tau, sigma)
    ok = (gap <= 1000.0 * sigma[..., 0]).any(axis=1)
    return float(tau[np.argmax(ok), 0, 0])


def test_an_aircraft_flies_out_to_a_threat_beyond_its_reach_and_fires_when_within_it() -> None:
    """The aircraft leaves its pattern when the drone appears, on the lead (collision course at
    300 m/s, solved here from the truth: it flies straight at the lead point), fires when
    the drone comes within its missile's reach and kills it. Closed form: the launch point is
    300 m/s x the dash time from where it left (a straight line at dash speed); the dash ends
    at the first decision after the first moment a 1000 m/s missile fired from its line would
    meet the drone within 30 km (found by brute force over launch and flight times), the
    missile's intercept point lies within 30 km of the launch point and the missile flies
    from there.
    Before: no shot (the drone passes 62 km or more from the pattern), no dash."""
    sc = parse_scenario(FAR, "far.yaml")
    eng = Engine(sc, seed=1, picture="perfect")
    rec = eng.run()
    assert eng.patrols is not None
    d, f = eng.patrols.sorties.dashes, rec.flight
    assert f.n == 1 and rec.tables.units.id[f.unit[0]] == "cap1.1.1"
    assert len(d) == 1 and d.dash_s[0] > 0 and OUTCOMES[d.outcome[0]] == "fired"
    start, dash_s = float(d.start[0]), float(d.dash_s[0])
    assert float(f.fire_time[0]) == pytest.approx(start + dash_s)
    assert np.linalg.norm(d.point[0] - d.leave[0]) == pytest.approx(300.0 * dash_s, abs=1.0)
    q, v = _drone(rec, start)
    _, lead, _ = lead_intercept(d.leave[0], q, v, 300.0)
    heading = (d.point[0] - d.leave[0]) / np.linalg.norm(d.point[0] - d.leave[0])
    want = (lead - d.leave[0]) / np.linalg.norm(lead - d.leave[0])
    assert float(heading @ want) > np.cos(0.5 * DEG)  # straight at the lead point
    tau = _first_in_reach(d.leave[0], 300.0 * want, q, v)
    assert tau - 0.5 <= dash_s <= tau + 5.0 + 0.5  # the first decision after, 5 s apart
    assert np.linalg.norm(f.point[0] - d.point[0]) <= 30e3
    at_fire = eng.patrols.sorties.positions(float(f.fire_time[0]))[0][0]
    assert np.linalg.norm(at_fire - d.point[0]) < 1.0  # the missile flies from there
    assert rec.fate[0] == KILLED
    (row,) = results(rec).patrols or ()
    assert (row.vectors, row.broke_off, row.shots) == (1, 0, 1)


def _two_nations(text: str) -> str:
    two = text.replace("  - {id: A, name: Alpha, role: host}\n",
                       "  - {id: A, name: Alpha, role: host}\n"
                       "  - {id: B, name: Beta, role: partner}\n")
    i = two.index("  - id: cap1")
    patrol = two[i: two.index("raid:")]
    return two.replace(patrol, patrol + patrol.replace("id: cap1", "id: cap2")
                       .replace("owner: A", "owner: B")
                       .replace("lon_deg: 35.05, alt_m", "lon_deg: 35.1, alt_m"))


def test_one_target_one_shooter_only_one_of_two_nations_aircraft_commits() -> None:
    """Two members' patrols, one drone beyond both their reaches: exactly one aircraft flies
    out and fires (before: none did); the other keeps its station."""
    sc = parse_scenario(_two_nations(FAR), "two.yaml")
    eng = Engine(sc, seed=1, picture="perfect")
    rec = eng.run()
    assert eng.patrols is not None
    d = eng.patrols.sorties.dashes
    assert len(d) == 1 and d.dash_s[0] > 0
    assert rec.flight.n == 1


def test_a_dash_breaks_off_when_a_battery_engages_its_target() -> None:
    """A battery 12 km down the drone's path (10 km missiles, sure kill) engages it some 40 s
    after the aircraft flew out: the aircraft breaks off there (its dash cut at the battery's
    fire time), fires nothing, flies back to where it left at cruise and flies its pattern
    on (10 km from the centre); results.json counts the vector and the break-off. Before: it
    never flew out."""
    sc = parse_scenario(FAR.replace("sensors:", _SAM, 1), "bty.yaml")
    eng = Engine(sc, seed=1, picture="perfect")
    rec = eng.run()
    assert eng.patrols is not None
    s, f, units = eng.patrols.sorties, rec.flight, rec.tables.units
    assert {units.id[u] for u in f.unit[: f.n]} == {"bty"}
    assert rec.fate[0] == KILLED
    d = s.dashes
    assert len(d) == 1 and d.dash_s[0] > 0
    assert OUTCOMES[d.outcome[0]] not in ("open", "fired")
    assert float(d.start[0] + d.dash_s[0]) == pytest.approx(float(f.fire_time[0]))
    assert d.back_s[0] == pytest.approx(1.5 * d.dash_s[0])  # back at 200 m/s
    back = float(d.start[0] + d.dash_s[0] + d.back_s[0])
    centre = ecef_from_geodetic(31.2 * DEG, 35.05 * DEG, 6000.0)
    for t in (back, back + 60.0):
        assert np.linalg.norm(s.positions(t)[0][0] - centre) == pytest.approx(10e3, abs=100.0)
    (row,) = results(rec).patrols or ()
    assert (row.vectors, row.broke_off, row.shots) == (1, 1, 0)


def test_no_commitment_beyond_the_fuel() -> None:
    """The same drone launched 300 s before the aircraft's bingo: flying out to it and home
    from there would leave less than the reserve, so the aircraft stays on station (no dash,
    no shot); launched at 200 s it flies out (before: never)."""
    sc = parse_scenario(FAR, "far.yaml")
    bingo = float(Sorties.plan(sc.patrols).bingo[0])
    late = parse_scenario(cap(int(bingo) + 1500, waves=_far(round(bingo - 300.0)),
                              assets=_FARM), "late.yaml")
    for scenario, dashes in ((sc, 1), (late, 0)):
        eng = Engine(scenario, seed=1, picture="perfect")
        rec = eng.run()
        assert eng.patrols is not None
        assert len(eng.patrols.sorties.dashes) == dashes == rec.flight.n


def test_the_replay_draws_the_vector_out_to_the_launch_point() -> None:
    """The report's map data (:func:`replay`): the aircraft's vector runs from where it left
    its pattern to where it fired, 300 m/s x the dash time long, leaving at the commitment and
    reaching the point at the fire time, with the drone it was sent after. Before: no
    vector."""
    sc = parse_scenario(FAR, "far.yaml")
    rec = Engine(sc, seed=1, picture="perfect").run()
    (plane,) = replay(rec)["patrols"]
    (vec,) = plane["vectors"]
    assert vec["threat"] == "far-001"
    assert vec["outcome"] == "fired"
    a = ecef_from_geodetic(vec["from"][0] * DEG, vec["from"][1] * DEG, 6000.0)
    b = ecef_from_geodetic(vec["to"][0] * DEG, vec["to"][1] * DEG, 6000.0)
    assert vec["at"] == pytest.approx(float(rec.flight.fire_time[0]), abs=0.1)
    assert np.linalg.norm(b - a) == pytest.approx(300.0 * (vec["at"] - vec["fire"]), rel=0.01)



def test_a_target_missing_for_a_cycle_or_two_is_still_followed() -> None:
    """A committed aircraft whose target is missing from the decisions (a track dropping out
    for a cycle or two) flies on; missing a third cycle, it breaks off (``target lost``), its
    dash cut there. Before: it broke off at the first cycle missed (116 of 377 dashes of the
    tracked patrol April broke off so, 84 with the grace)."""
    eng = Engine(parse_scenario(FAR, "far.yaml"), seed=1, picture="perfect")
    pat, tick = eng.patrols, 0
    assert pat is not None
    while pat.target[0] < 0:
        eng.step(tick)
        tick += 1
    start = (tick - 1) * 5.0
    for k in (1, 2, 3):
        pat.follow(start + 5.0 * k, None, eng.units, eng.gates, eng.defence, eng.target)
        assert (pat.target[0] >= 0) == (k < 3)
    d = pat.sorties.dashes
    assert OUTCOMES[d.outcome[-1]] == "target lost" and d.dash_s[-1] == pytest.approx(15.0)


def test_an_aircraft_is_committed_only_within_its_patrols_commit_range() -> None:
    """The patrol's ``commit_range_km`` bounds the vector planned at the commitment (dash
    speed x dash time). Without it the aircraft flies out when the drone appears, a dash of
    some 47 km planned. With a commit range of 40 km it waits on station until the dash the
    closing drone needs fits (it leaves later), flies no more than 40 km and one decision
    period at 300 m/s (1.5 km: it fires at the first decision in reach), and still kills it.
    With 20 km it never flies out (the drone passes some 62 km from the pattern, 32 km beyond
    its missile's reach) and nothing is fired."""
    def run(commit: str):  # type: ignore[no-untyped-def]
        eng = Engine(parse_scenario(cap(1500, commit, waves=_far(), assets=_FARM), "far.yaml"),
                     seed=1, picture="perfect")
        rec = eng.run()
        assert eng.patrols is not None
        d = eng.patrols.sorties.dashes
        return rec, d, np.linalg.norm(d.point - d.leave, axis=-1) / 1e3

    _, free, free_km = run("")
    rec, d, km = run("    commit_range_km: 40\n")
    assert len(free) == len(d) == 1 and free_km[0] > 45.0
    assert d.start[0] > free.start[0] and km[0] <= 40.0 + 1.5
    assert rec.flight.n == 1 and rec.fate[0] == KILLED
    rec, d, _ = run("    commit_range_km: 20\n")
    assert len(d) == 0 and rec.flight.n == 0


def test_on_the_tracked_picture_an_aircraft_flies_out_to_a_track_beyond_its_reach() -> None:
    """The tracked picture's reach screen keeps a track that a patrol aircraft can reach by a
    vector (its missile's reach plus its patrol's commit range), so the aircraft flies out to
    the drone, fires and kills it, as on the perfect picture. Before: the screen counted the
    missile's reach alone, the drone (some 62 km from the pattern, 30 km missiles) never
    became a candidate, no aircraft flew out and nothing was fired."""
    sc = parse_scenario(cap(1500, "    commit_range_km: 80\n", waves=_far(), assets=_FARM),
                        "far.yaml")
    eng = Engine(sc, seed=1, picture="tracked")
    rec = eng.run()
    assert eng.patrols is not None
    d = eng.patrols.sorties.dashes
    assert len(d) >= 1 and d.dash_s.max() > 0
    assert [OUTCOMES[k] for k in d.outcome].count("fired") == 1
    assert rec.flight.n == 1 and rec.fate[0] == KILLED
