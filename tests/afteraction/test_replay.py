"""The run's replay data (afteraction.replay) and its page section, without a browser."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.afteraction import replay as replay_module
from inkless.afteraction.replay import replay, replay_html, thin
from inkless.engine import KILLED, LANDED, Record, run
from inkless.identification import CATEGORY_NAMES
from inkless.scenario.load import load_scenario
from inkless.web import assets

from ..interop.patrols import cap

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
M_PER_DEG = 6_371_000.0 * np.pi / 180.0


def _sed_brute(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, keep: np.ndarray) -> float:
    """Largest ground distance (m) from any sample to the kept path at the sample's time,
    one sample at a time (np.interp on the kept samples)."""
    worst = 0.0
    for i in range(len(t)):
        la = np.interp(t[i], t[keep], lat[keep])
        lo = np.interp(t[i], t[keep], lon[keep])
        d = np.hypot(lat[i] - la, (lon[i] - lo) * np.cos(np.radians(lat[i]))) * M_PER_DEG
        worst = max(worst, float(d))
    return worst


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 80), st.floats(10.0, 5000.0), st.integers(0, 2**32 - 1))
def test_thinning_stays_within_tolerance(k: int, tolerance_m: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(1.0, 30.0, k))
    # a wandering path: a random walk of a few km per step around 32 N
    lat = 32.0 + np.cumsum(rng.normal(0.0, 0.02, k))
    lon = 35.0 + np.cumsum(rng.normal(0.0, 0.02, k))
    keep = thin(t, lat, lon, tolerance_m)
    assert keep[0] == 0 and keep[-1] == k - 1 and np.all(np.diff(keep) > 0)
    assert _sed_brute(t, lat, lon, keep) <= tolerance_m * (1 + 1e-9)


def test_thinning_a_straight_constant_speed_flight_keeps_its_ends() -> None:
    t = np.arange(0.0, 3600.0, 10.0)
    keep = thin(t, 31.0 + t * 1e-4, 38.0 - t * 2e-4, 1.0)
    assert keep.tolist() == [0, len(t) - 1]


@cache
def _record() -> Record:
    sc = load_scenario(EXAMPLES / "basics.yaml")
    return run(sc, 7, picture="perfect")


def test_replay_threats_in_flight_match_the_events() -> None:
    """At any time the replay's threats in flight (launch <= t < end) are the threats launched
    and neither killed nor come down by then, counted from the run's event log."""
    record = _record()
    rp = replay(record)
    events = record.events
    assert sum(1 for e in events if e[1] == "impact") and sum(
        1 for e in events if e[1] == "intercept")
    for t in np.linspace(0.0, record.t_end, 97)[1:]:
        ends = {e[2] for e in events if e[1] in ("intercept", "impact") and e[0] <= t}
        launched = {e[2] for e in events if e[1] == "launch" and e[0] <= t}
        ids = {record.raid.id[j] for j in launched - ends}
        shown = {th["id"] for th in rp["threats"] if th["t"][0] <= t < th["end"]}
        assert shown == ids, t
    fates = {th["id"]: th["fate"] for th in rp["threats"]}
    for j in range(len(record.raid)):
        want = {KILLED: "killed", LANDED: "landed"}.get(int(record.fate[j]), "flying")
        assert fates.get(record.raid.id[j], want) == want


def test_replay_impacts_and_intercepts_are_where_the_run_put_them() -> None:
    record = _record()
    rp = replay(record)
    landed = np.flatnonzero(record.fate == LANDED)
    assert sorted(i["t"] for i in rp["impacts"]) == sorted(
        round(float(record.raid.impact_time[j]), 1) for j in landed)
    fl = record.flight
    assert len(rp["interceptors"]) == fl.n
    for k, shot in enumerate(rp["interceptors"]):
        assert shot["fire"] == pytest.approx(fl.fire_time[k], abs=0.05)
        assert shot["end"] == pytest.approx(fl.intercept_time[k], abs=0.05)
    # a killed threat's path ends where an interceptor killed it (within the rounding)
    kills = [s for s in rp["interceptors"] if s["result"] == "kill"]
    by_id = {th["id"]: th for th in rp["threats"]}
    for s in kills:
        th = by_id[s["threat"]]
        d = np.hypot(th["lat"][-1] - s["to"][0],
                     (th["lon"][-1] - s["to"][1]) * np.cos(np.radians(s["to"][0])))
        assert d * M_PER_DEG < 2000.0  # the threat's position at the kill, the intercept point


def _section(rp: dict[str, Any]) -> str:
    return str(replay_html(rp))


def test_section_embeds_everything_and_the_data_round_trips() -> None:
    if assets.missing_assets():
        pytest.fail(f"web assets missing: {assets.missing_assets()}; run `make web`")
    rp = replay(_record())
    html = _section(rp)
    data = re.search(r'<script type="application/json" id="ink-replay-data">(.*?)</script>',
                     html, re.S)
    assert data is not None and json.loads(data.group(1)) == json.loads(json.dumps(rp))
    assert "L.map" in html or "leaflet" in html.lower()
    # nothing loaded from elsewhere: no element with a src or href outside the inlined code
    # (the browser test checks that the page requests nothing)
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|<img\b", markup)
    basemap = re.search(r'id="ink-basemap">(.*?)</script>', html, re.S)
    assert basemap is not None
    topo = json.loads(basemap.group(1))
    names = {g["properties"]["name"] for g in topo["objects"]["countries"]["geometries"]}
    assert {"Israel", "Jordan", "Syria"} <= names and "Brazil" not in names


def test_missing_libraries_give_one_line_not_a_crash(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(assets, "static_dir", lambda: tmp_path)
    html = _section(replay(_record()))
    assert "<script" not in html
    line = re.search(r'<p class="ink-missing">(.*?)</p>', html, re.S)
    assert line is not None and "make web" in line.group(1) and "\n" not in line.group(1)
    assert replay_module.replay_html(None) == ""


@cache
def _tracked() -> Record:
    return run(load_scenario(EXAMPLES / "airliner-in-the-raid.yaml"), 11, picture="tracked")


def test_tracks_held_and_their_identities_are_the_pictures_at_every_decision_time() -> None:
    """Brute force: at every decision time, the tracks the replay holds (a stretch of ``life``
    contains the time) and their identities (last change at or before it) are the coalition
    picture's rows of the identity history at that time."""
    record = _tracked()
    rp = replay(record)
    hist = record.identity.coalition
    assert hist is not None and rp["tracks"]
    dt = record.scenario.settings.scan_period_s

    def held(life: list[float], t: float) -> bool:
        return any(a <= t < b for a, b in zip(life[::2], life[1::2], strict=True))

    def identity(changes: list[list[Any]], t: float) -> str:
        return [c for c in changes if c[0] <= t][-1][1]

    for tick in range(0, int(record.t_end / dt), 7):
        t = tick * dt
        rows = np.flatnonzero((hist.member == 0) & (np.abs(hist.t - t) < 1e-6))
        want = {int(hist.track_id[r]): CATEGORY_NAMES[int(hist.category[r])] for r in rows}
        got = {tr["id"]: identity(tr["identity"], t) for tr in rp["tracks"]
               if held(tr["life"], t)}
        assert got == want, t
        # and half a period later the same picture still stands
        got_later = {tr["id"] for tr in rp["tracks"] if held(tr["life"], t + dt / 2)}
        assert got_later == set(want), t


def test_the_replay_of_several_replications_says_which_it_shows() -> None:
    """With several replications the map replays the first: the data and the page say which
    replication and seed; a single run says nothing of replications."""
    if assets.missing_assets():
        pytest.fail(f"web assets missing: {assets.missing_assets()}; run `make web`")
    rp = replay(_record())
    assert (rp["seed"], rp["replication"]) == (7, 0)
    line = re.search(r'<p class="note ink-replication">(.*?)</p>', str(replay_html(rp, 5)),
                     re.S)
    assert line is not None
    text = " ".join(line.group(1).split())
    assert "replication 1 of 5" in text and "seed 7" in text
    assert "ink-replication" not in _section(rp)


# -- a member's view ---------------------------------------------------------------------------


@cache
def _coalition() -> tuple[Record, Any]:
    """Basics' drones and cruise missiles on the tracked picture, with an anonymous ALLY whose
    radar near the launch sites sees the raid first and whose tracks go to the orchestrator
    only (engagements, not listed, to no one), and a coordination cell."""
    import yaml

    from inkless.scenario import parse_scenario
    from inkless.wargame import legal_record, run_replications

    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] != "ballistic"]
    data["members"][1].update(anonymous=True, rules={"caveats": {
        "release": [{"what": "tracks", "to": ["orchestrator"]}]}})
    data["members"].append({"id": "CELL", "name": "Cell", "role": "orchestrator"})
    data["sensors"].append({
        "id": "ally-east", "owner": "ALLY", "kind": "ground",
        "position": {"lat_deg": 31.5, "lon_deg": 37.0, "alt_m": 700},
        "range_km": {"ballistic": 1200, "cruise": 250, "drone": 200, "civil": 400}})
    sc = parse_scenario(yaml.safe_dump(data), "coalition.yaml")
    assert legal_record(sc).letters == ()
    record, reps = run_replications(sc, 7, 1, picture="tracked", workers=1)
    return record, reps[0]


@pytest.mark.parametrize("viewer", ["HOST", "ALLY", "CELL"])
def test_a_members_replay_holds_only_what_it_may_see(viewer: str) -> None:
    """A member's replay (``inkless run --view``), against the rules read here: HOST sees the
    threats its own radars held, the picture's tracks released to it (ALLY's contributions go
    to the cell only), its own shots, every impact, ALLY only by pseudonym; ALLY and the cell
    see HOST's data too (HOST releases everything); the cell sees everything."""
    from inkless.afteraction.views import Audience, provenance, replay_view
    from inkless.scenario.load import coalition_members

    record, _ = _coalition()
    members = coalition_members(record.scenario)
    aud = Audience.of(members, viewer, bytes(range(32)))
    rp = replay_view(record, provenance(record), aud)
    full = replay(record)
    row = list(record.tables.members).index(viewer)
    assert record.held is not None
    # threats: those a member releasing tracks to the viewer held (ALLY's: to CELL only)
    releasing = [m for m, mid in enumerate(record.tables.members)
                 if mid != "ALLY" or viewer in ("ALLY", "CELL")]
    held = np.isfinite(record.held.first[releasing]).any(axis=0)
    assert {th["id"] for th in rp["threats"]} == {
        record.raid.id[j] for j in np.flatnonzero(held) if record.raid.launch_time[j]
        <= record.t_end}
    # shots: the viewer's own and HOST's (ALLY releases no engagements)
    owners = {"HOST", viewer} if viewer != "CELL" else {"HOST", "ALLY"}
    shooters = [record.tables.members[record.tables.units.owner[u]]
                for u in record.flight.unit[: record.flight.n]]
    assert len(rp["interceptors"]) == sum(m in owners for m in shooters) > 0
    assert rp["impacts"] == full["impacts"]
    # tracks: at every decision time, the coalition picture's rows released to the viewer
    hist, bits = record.identity.coalition, record.identity.held
    assert hist is not None and bits is not None
    dt = record.scenario.settings.scan_period_s
    mine = ((bits >> np.uint64(row)) & np.uint64(1)).astype(bool)
    assert mine.any() and (viewer != "HOST" or not mine.all())  # ALLY's go to the cell only
    for t in np.unique(hist.t)[::5].tolist():
        want = {int(i) for i in hist.track_id[(np.abs(hist.t - t) < 1e-6) & mine]}
        got = {tr["id"] for tr in rp["tracks"]
               if any(a <= t < b for a, b in zip(tr["life"][::2], tr["life"][1::2],
                                                 strict=True))}
        assert got == want, t
    assert t > 0 and dt > 0
    text = json.dumps(rp)
    if viewer == "HOST":  # ALLY only by its pseudonym
        assert '"ALLY"' not in text and "Allied" not in text
        assert "ALLY" not in rp["members"] and len(rp["members"]) == 3
        assert all(u["member"] == "HOST" for u in rp["units"])
    else:
        assert rp["members"] == ["HOST", "ALLY", "CELL"]
    assert rp["view"] == viewer


def test_a_members_view_report_has_its_replay(tmp_path: Path) -> None:
    """``write_view`` (``inkless run --view``) puts the member's replay in its report, which
    says which replication it replays when the figures are over several."""
    if assets.missing_assets():
        pytest.fail(f"web assets missing: {assets.missing_assets()}; run `make web`")
    from inkless.afteraction.views import Audience, write_view
    from inkless.scenario.load import coalition_members

    record, res = _coalition()
    aud = Audience.of(coalition_members(record.scenario), "HOST", bytes(range(32)))
    write_view(tmp_path, record, res.model_copy(update={"replications": 3}), aud)
    html = (tmp_path / "report.html").read_text()
    data = re.search(r'<script type="application/json" id="ink-replay-data">(.*?)</script>',
                     html, re.S)
    assert data is not None
    rp = json.loads(data.group(1))
    assert rp["view"] == "HOST" and "ALLY" not in rp["members"]
    assert re.search(r"As HOST may see it", html)
    assert re.search(r"replays replication 1 of 3 \(seed 7", html)


# -- fighter patrols ---------------------------------------------------------------------------

PATROL = cap(3000, members="""\
  - {id: B, name: Beta, role: partner, anonymous: true,
     rules: {caveats: {release: [{what: sensor_positions, to: [CELL]},
                                 {what: engagements, to: [A, CELL]}]}}}
  - {id: CELL, name: Cell, role: orchestrator}
""", patrols="""\
  - {id: cap2, owner: B, base: {lat_deg: 30.8, lon_deg: 35.3},
     station: {centre: {lat_deg: 31.0, lon_deg: 35.4, alt_m: 7000}, pattern: racetrack,
               radius_km: 6, length_km: 30, axis_deg: 60},
     interceptor: aam, missiles_per_aircraft: 2, aircraft_per_flight: 2, flights: 1,
     cruise_speed_mps: 220, dash_speed_mps: 300, endurance_s: 2400, reserve_s: 300}
""")


@cache
def _patrolled() -> Record:
    from inkless.scenario import parse_scenario

    return run(parse_scenario(PATROL, "cap.yaml"), 1, picture="perfect")


def _deg(ecef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from inkless.physics.geodesy import geodetic_from_ecef

    lat, lon, _ = geodetic_from_ecef(np.asarray(ecef, dtype=float).reshape(-1, 3))
    return np.degrees(lat), np.degrees(lon)


def _flies_as_its_sortie(record: Record, rp: dict[str, Any]) -> None:
    """At 200 times over the run each aircraft is shown (launch <= t < end) exactly when its
    sortie as flown has it airborne, within the thinning tolerance (+ the 1e-4 degree
    rounding) of ``Sorties.positions`` on the ground."""
    s = record.patrols
    assert s is not None
    tol = rp["tolerance_m"] + 16.0  # 1e-4 degree of latitude and of longitude
    by_id = {a["id"]: a for a in rp["patrols"]}
    assert set(by_id) == {a for a, t in zip(s.ids, s.launch, strict=True) if t <= record.t_end}
    for t in np.linspace(0.0, record.t_end, 200, endpoint=False).tolist():
        ecef, airborne = s.positions(t)
        lat, lon = _deg(ecef)
        for i, aid in enumerate(s.ids):
            a = by_id.get(aid)
            shown = a is not None and a["t"][0] <= t < a["end"]
            assert shown == bool(airborne[i]), (aid, t)
            if a is not None and shown:
                la = np.interp(t, a["t"], a["lat"])
                lo = np.interp(t, a["t"], a["lon"])
                d = np.hypot(la - lat[i], (lo - lon[i]) * np.cos(np.radians(lat[i])))
                assert d * M_PER_DEG <= tol, (aid, t, d * M_PER_DEG)


def test_patrol_aircraft_fly_in_the_replay_as_their_sorties_flew() -> None:
    """Every patrol aircraft is in the replay's ``patrols`` and flies there as its sortie flew
    (:func:`_flies_as_its_sortie`), also when the threats' sample step (60 s: 12 km of a
    10 km orbit) is too coarse for its turns; each patrol's station outline is at the
    pattern's distance from its centre (orbit radius, or the racetrack's legs and turns).
    Before: no ``patrols`` key."""
    record = _patrolled()
    s = record.patrols
    assert s is not None and len(s) == 3
    for sample_s in (10.0, 60.0):
        _flies_as_its_sortie(record, replay(record, sample_s=sample_s))
    rp = replay(record)
    assert {a["member"] for a in rp["patrols"]} == {"A", "B"}
    stations = {st["patrol"]: st for st in rp["stations"]}
    assert set(stations) == {"cap1", "cap2"}
    for pid, centre, reach in (("cap1", (31.2, 35.05), (10e3, 10e3)),
                               ("cap2", (31.0, 35.4), (6e3, 15e3 + 6e3))):
        st = stations[pid]
        d = np.hypot(np.array(st["polygon"])[:, 0] - centre[0],
                     (np.array(st["polygon"])[:, 1] - centre[1])
                     * np.cos(np.radians(centre[0]))) * M_PER_DEG
        assert d.min() == pytest.approx(reach[0], rel=0.01)
        assert d.max() == pytest.approx(reach[1], rel=0.01)
    # the aircraft are drawn flying, not as fire units at their bases; the legend says so
    assert not {u["id"] for u in rp["units"]} & set(s.ids)
    if not assets.missing_assets():
        assert "▲ patrol aircraft" in _section(rp)
        assert "▲ patrol aircraft" not in _section(replay(_record()))  # basics: none


def test_an_aircraft_interceptor_starts_where_the_aircraft_was_when_it_fired() -> None:
    """Each interceptor fired by a patrol aircraft starts at the aircraft's position at its
    fire time (``Sorties.positions``, as in events.csv), not at its base (before: the base,
    31.0 N 35.0 E for cap1)."""
    record = _patrolled()
    s, f = record.patrols, record.flight
    assert s is not None and f.n > 0
    rp = replay(record)
    first = n_units = len(record.tables.units.id)
    for k, r in enumerate(rp["interceptors"]):
        a = s.ids.index(r["unit"])
        lat, lon = _deg(s.positions(float(f.fire_time[k]))[0][a])
        assert r["from"] == pytest.approx([float(lat[0]), float(lon[0])], abs=1e-4)
        base = np.degrees(s.base[a, :2])
        assert abs(r["from"][0] - base[0]) + abs(r["from"][1] - base[1]) > 0.05
        first = min(first, int(f.unit[k]))
    assert first >= n_units - len(s)


def _state_at(rp: dict[str, Any], times: list[float]) -> list[dict[str, Any]]:
    """``InklessMap.stateAt`` of the report's map code (web/static/replaymap.js) at ``times``,
    run by node."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node is not None, "Node.js is missing: `make test` needs it (README) to build the map"
    js = (Path(replay_module.__file__).parents[1] / "web" / "static" / "replaymap.js")
    script = (f"var window = {{}};\n{js.read_text()}\n"
              f"var rp = {json.dumps(rp)};\n"
              f"console.log(JSON.stringify({json.dumps(times)}.map("
              f"function (t) {{ return window.InklessMap.stateAt(rp, t); }})));")
    out = subprocess.run([node, "-"], input=script, capture_output=True, text=True, check=True)
    states: list[dict[str, Any]] = json.loads(out.stdout)
    return states


def test_the_map_draws_each_vector_to_its_intercept_as_flown() -> None:
    """Every shot of a patrol aircraft ends a vector of that aircraft in the replay (outcome
    ``fired``): from where it left its pattern (``fire``) out along its lead to where it
    fired (the interceptor's start) at ``at``, which the aircraft's replayed track reaches
    (within the thinning tolerance); back on its pattern (or turned home) at ``until``. The
    map's ``stateAt`` draws it from ``fire`` to ``until`` and not after; a shot at a target
    already within reach (no dash) is a vector of no length. Before: no vector anywhere (a
    cost only, not flown)."""
    record = _patrolled()
    s = record.patrols
    assert s is not None
    rp = replay(record)
    shots = [r for r in rp["interceptors"] if r["unit"] in s.ids]
    vectors = [(a, v) for a in rp["patrols"] for v in a["vectors"]]
    assert len([v for _, v in vectors if v["outcome"] == "fired"]) == len(shots) > 0
    tol = rp["tolerance_m"] + 16.0
    for a, v in vectors:
        fired = [r for r in shots if r["unit"] == a["id"] and r["fire"] == v["at"]]
        assert len(fired) == (v["outcome"] == "fired")
        if fired:
            assert v["to"] == fired[0]["from"] and v["threat"] == fired[0]["threat"]
        lat, lon = _deg(s.positions(v["at"])[0][s.ids.index(a["id"])])
        assert v["to"] == pytest.approx([float(lat[0]), float(lon[0])], abs=1e-4)
        la, lo = np.interp(v["at"], a["t"], a["lat"]), np.interp(v["at"], a["t"], a["lon"])
        d = np.hypot(la - v["to"][0], (lo - v["to"][1]) * np.cos(np.radians(la))) * M_PER_DEG
        assert d <= tol or v["at"] > record.t_end  # (the run ended on the way)
        ground = np.hypot(v["to"][0] - v["from"][0],
                          (v["to"][1] - v["from"][1]) * np.cos(np.radians(la))) * M_PER_DEG
        assert (ground > 1000.0) == (v["at"] > v["fire"])  # a vector, or fired standing off
        assert v["fire"] <= v["at"] <= v["until"]
    a, v = vectors[0]
    during, after = _state_at(rp, [(v["fire"] + v["at"]) / 2, v["until"] + 1.0])
    drawn = [x for x in during["vectors"] if x["id"] == a["id"]]
    assert [(x["from"], x["to"], x["threat"]) for x in drawn] == [(v["from"], v["to"],
                                                                   v["threat"])]
    assert not [x for x in after["vectors"] if x["key"] == drawn[0]["key"]]


@pytest.mark.parametrize("viewer", ["A", "B", "CELL"])
def test_a_members_replay_shows_the_patrols_whose_sites_it_may_see(viewer: str) -> None:
    """A member's replay (``inkless run --view``) keeps the patrols' aircraft and stations under
    the fire units' rule (``sensor_positions``): B keeps its sites from A, so A sees only its
    own patrol and no trace of B's; B and the cell see both."""
    from inkless.afteraction.views import Audience, provenance, replay_view
    from inkless.scenario.load import coalition_members

    record = _patrolled()
    aud = Audience.of(coalition_members(record.scenario), viewer, bytes(range(32)))
    rp = replay_view(record, provenance(record), aud)
    patrols = {st["patrol"] for st in rp["stations"]}
    aircraft = {a["id"].split(".")[0] for a in rp["patrols"]}
    if viewer == "A":
        assert patrols == aircraft == {"cap1"}
        text = json.dumps(rp)
        assert "cap2" not in text and "Beta" not in text and '"B"' not in text
    else:
        assert patrols == aircraft == {"cap1", "cap2"}
        assert len(rp["patrols"]) == 3
