"""Outputs of a run as one member may see them (``inkless run --view``): over random coalitions
(names, anonymity, release rules, viewer), nothing meant for member A -- results, events, report
text, map labels -- names an anonymous member other than A, and every datum in it is releasable
to A by its owner's rules (checked with a reference reading of the release rules written here,
not the library's); what A may see is all there; the orchestrator sees everything."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from inkless.afteraction import render_report
from inkless.afteraction.findings import Findings
from inkless.afteraction.results import map_data, write_events_csv
from inkless.afteraction.views import (
    Audience,
    Provenance,
    events_view,
    map_view,
    provenance,
    replay_view,
    results_view,
)
from inkless.coalition import Caveats, Member, MemberRules, ReleaseRule, pseudonym
from inkless.engine import Record
from inkless.engine.record import Held
from inkless.scenario import parse_scenario
from inkless.wargame import legal_record, rule_costs, run_replications

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"
ENGAGEMENT_EVENTS = ("assign", "fire", "intercept", "miss", "lost")
SECRET = bytes(range(32))
IDS = ("MHOSTX", "MALLYX", "MQUIETX", "MCELLX")
ROLES = {"MHOSTX": "host", "MALLYX": "partner", "MQUIETX": "partner", "MCELLX": "orchestrator"}
KINDS = ("tracks", "identities", "engagements", "sensor_positions", "documents")
# Names between markers that occur nowhere else (upper-case letters without T and Z, which
# appear in UTC times).
NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSUVWXY", min_size=2, max_size=6).map(
    lambda s: f"Nm{s}mN"
)


def scenario_text() -> str:
    """basics.yaml with four members: the host, an ally whose caveat blocks drones, a quiet
    partner with its own radar and ship (its units named after it), and a coordination cell."""
    d = yaml.safe_load(BASICS.read_text())
    d["members"] = [
        {"id": "MHOSTX", "name": "Host", "role": "host"},
        {"id": "MALLYX", "name": "Ally", "role": "partner",
         "rules": {"caveats": {"threat_classes": ["cruise", "ballistic"]}}},
        {"id": "MQUIETX", "name": "Quiet", "role": "partner", "anonymous": True,
         "rules": {"preconditions": [{"document": "consent", "from_role": "orchestrator"}]}},
        {"id": "MCELLX", "name": "Cell", "role": "orchestrator"},
    ]
    owner = {"HOST": "MHOSTX", "ALLY": "MALLYX"}
    for section in ("assets", "sensors", "fire_units"):
        for x in d[section]:
            x["owner"] = owner[x["owner"]]
    for s in d["sensors"]:
        if s["owner"] == "MALLYX":
            s["range_km"].update(drone=200, cruise=200)
    d["fire_units"] = [u for u in d["fire_units"] if u["id"] != "mid-1"]
    d["sensors"].append({
        "id": "MQUIETX-radar", "owner": "MQUIETX", "kind": "ground",
        "position": {"lat_deg": 32.0, "lon_deg": 40.5, "alt_m": 700},
        "range_km": {"ballistic": 1200, "cruise": 250, "drone": 200, "civil": 400},
    })
    d["fire_units"].append({
        "id": "MQUIETX-ship", "owner": "MQUIETX", "position": {"lat_deg": 31.4, "lon_deg": 34.3},
        "interceptor": "naval-sam", "rounds": 6, "channels": 2, "reload_s": 3,
    })
    d["coalition"] = {"documents": [
        {"type": "consent", "author": "MCELLX", "recipient": "MQUIETX", "at": 900}
    ]}
    return yaml.safe_dump(d)


class Run:
    record: Record
    res: dict[str, Any]
    rows: list[dict[str, str]]
    prov: Provenance


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Run:
    sc = parse_scenario(scenario_text())
    record, reps = run_replications(sc, 7, 1, workers=1)
    res = reps[0].model_dump(mode="json")
    res["coalition"]["costs"] = rule_costs(sc, 7, record, reps, legal_record(sc), workers=1)
    path = tmp_path_factory.mktemp("events") / "events.csv"
    write_events_csv(path, record)
    r = Run()
    r.record, r.res, r.prov = record, res, provenance(record)
    r.rows = list(csv.DictReader(path.open()))
    return r


def test_the_fixture_exercises_every_kind_of_datum(full: Run) -> None:
    res = full.res
    assert {e["member"] for e in res["engagements"]} == {"MHOSTX", "MALLYX", "MQUIETX"}
    assert res["coalition"]["blocked"] and res["coalition"]["costs"]
    assert any(b["member"] == "MQUIETX" and b["letters"] for b in res["coalition"]["legal_basis"])
    # ownership of tracks agrees with the pipeline's own first detection (any sensor)
    first = full.prov.first_held.min(axis=0)
    detect = full.record.detect_time
    both = ~(first == float("inf"))
    assert (both == ~(detect != detect)).all()
    assert (first[both] == detect[both]).all()


def test_provenance_reads_who_held_what_from_the_record(full: Run) -> None:
    """The views never recompute the run: when each member's sensors held each threat is the
    record's (the engine's, :class:`inkless.engine.record.Held`)."""
    held = full.record.held
    assert held is not None
    later = Held(held.first + 5.0, held.last + 5.0)
    prov = provenance(dataclasses.replace(full.record, held=later))
    assert np.array_equal(prov.first_held, later.first)
    assert np.array_equal(prov.last_held, later.last)


# -- the reference reading of the rules --------------------------------------------------------


def may_see(owner: Member, kind: str, viewer: Member) -> bool:
    """The release rule as the caveats' documentation states it."""
    if owner.id == viewer.id or viewer.role == "orchestrator":
        return True
    rules = owner.rules.caveats.release
    if rules is None:
        return True
    listed = [r for r in rules if r.what == kind]
    return bool(listed) and (viewer.id in listed[0].to or viewer.role in listed[0].to)


@st.composite
def audiences(draw: st.DrawFn) -> tuple[list[Member], Member]:
    names = draw(st.lists(NAME, min_size=4, max_size=4, unique=True))
    members = []
    for mid, name in zip(IDS, names, strict=True):
        release = draw(
            st.none()
            | st.lists(
                st.builds(
                    ReleaseRule,
                    what=st.sampled_from(KINDS),
                    to=st.lists(st.sampled_from([*IDS, "host", "partner"]), max_size=3).map(
                        tuple
                    ),
                ),
                max_size=4,
                unique_by=lambda r: r.what,
            ).map(tuple)
        )
        anonymous = draw(st.booleans())
        rules = MemberRules(caveats=Caveats(release=release))
        members.append(Member(mid, ROLES[mid], anonymous, rules, name))  # type: ignore[arg-type]
    return members, draw(st.sampled_from(members))


def orchestrator_results(full: Run, members: list[Member]) -> Findings:
    """The full results with the drawn names and anonymity (as the scenario would give them)."""
    res = copy.deepcopy(full.res)
    res["members"] = [
        {"id": m.id, "name": m.name, "role": m.role, "anonymous": m.anonymous} for m in members
    ]
    return Findings.model_validate(res)


@pytest.fixture(scope="module")
def no_figures() -> Iterator[None]:
    """Figures are images; their labels come from the results and map checked here."""
    with (
        mock.patch("inkless.afteraction.figures.map_png", return_value=b""),
        mock.patch("inkless.afteraction.figures.timeline_png", return_value=b""),
        mock.patch("inkless.afteraction.figures.outcome_png", return_value=b""),
    ):
        yield


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(audiences())
def test_no_output_for_a_member_holds_what_it_may_not_see(
    full: Run, no_figures: None, drawn: tuple[list[Member], Member]
) -> None:
    members, viewer = drawn
    by_id = {m.id: m for m in members}
    res = orchestrator_results(full, members)
    aud = Audience.of(members, viewer.id, SECRET)
    view = results_view(res, full.prov, aud)
    rows = events_view(full.rows, full.prov, aud)
    geo = map_view(map_data(full.record), view, full.prov, aud)
    html = render_report(view, geo)
    rv = replay_view(full.record, full.prov, aud)
    res, view = res.model_dump(mode="json"), view.model_dump(mode="json")  # type: ignore[assignment]
    out = io.StringIO()
    w = csv.DictWriter(out, list(full.rows[0]))
    w.writerows(rows)
    labels = json.dumps([
        [p.threat_id for p in geo.threat_paths],
        [(p.unit_id, p.member) for p in geo.interceptor_paths],
        [(s.id, s.member) for s in geo.sensors],
        [(f.id, f.member) for f in geo.fire_units],
        [a.name for a in geo.assets],
    ])
    texts = {"results": json.dumps(view), "events": out.getvalue(), "report": html,
             "map": labels, "replay": json.dumps(rv)}

    # 1. no anonymous member other than the viewer is named, by id or name
    hidden = [] if viewer.role == "orchestrator" else [
        m for m in members if m.anonymous and m.id != viewer.id]
    for m in hidden:
        for where, text in texts.items():
            assert m.id not in text, (where, m.id, viewer.id)
            assert m.name not in text, (where, m.name, viewer.id)
        assert pseudonym(m.id, SECRET) in {x["id"] for x in view["members"]}
    back = {pseudonym(m.id, SECRET): m.id for m in members}

    def owner(label: str) -> Member:
        return by_id[back.get(label.split(".")[0], label)]

    # 2. every shot shown is releasable, and every releasable shot is shown
    sees = {m.id: {k: may_see(m, k, viewer) for k in KINDS} for m in members}
    shots = [e for e in res["engagements"] if sees[e["member"]]["engagements"]]
    assert len(view["engagements"]) == len(shots)
    assert all(sees[owner(e["member"]).id]["engagements"] for e in view["engagements"])
    fires = [r for r in rows if r["event"] == "fire"]
    assert len(fires) == len(shots)
    assert all(sees[owner(r["member"]).id]["engagements"] for r in rows
               if r["member"] and r["event"] != "detect")
    assert sorted(p.member for p in geo.interceptor_paths) == sorted(
        e["member"] for e in view["engagements"])
    assert sorted(s["member"] for s in rv["interceptors"]) == sorted(
        e["member"] for e in view["engagements"])
    # 3. tracks: shown exactly when a member whose sensors held the threat releases them; a
    # shot the viewer may see comes after a detection, "a partner"'s when its own is later
    held = full.prov.first_held
    for j, tid in enumerate(full.prov.threat_id):
        known = any(sees[mid]["tracks"] and held[i, j] < float("inf")
                    for i, mid in enumerate(full.prov.members))
        mine = [r for r in rows if r["threat_id"] == tid]
        shown = [r for r in mine if r["event"] == "launch"]
        assert (len(shown) == 1) == known, (tid, viewer.id)
        assert any(th["id"] == tid for th in rv["threats"]) == known, (tid, viewer.id)
        shot = min((float(r["time_s"]) for r in mine if r["event"] in ENGAGEMENT_EVENTS),
                   default=float("inf"))
        dets = [r for r in mine if r["event"] == "detect"]
        assert len(dets) == (1 if known or shot < float("inf") else 0), (tid, viewer.id)
        t = min((held[i, j] for i, mid in enumerate(full.prov.members) if sees[mid]["tracks"]),
                default=float("inf"))
        if dets:
            assert float(dets[0]["time_s"]) == pytest.approx(min(t, shot))
            assert (dets[0]["member"] == "a partner") == (shot < t), (tid, viewer.id)
            assert mine.index(dets[0]) < min(
                (k for k, r in enumerate(mine) if r["event"] in ENGAGEMENT_EVENTS),
                default=len(mine)), "a shot before its detection"
        assert any(p.threat_id == tid for p in geo.threat_paths) == known
    # 3b. the counts are those of the view's own rows
    ids = {r["threat_id"] for r in rows if r["threat_id"]}
    kills = {r["threat_id"] for r in rows if r["event"] == "intercept"}
    impacts = {r["threat_id"] for r in rows if r["event"] == "impact"}
    ends = {r["threat_id"] for r in rows if r["event"] == "track_end"}
    th = view["threats"]
    assert (th["launched"], th["intercepted"], th["leaked"], th["track_ended"]) == (
        len(ids), len(kills), len(impacts), len(ends))
    assert th["in_flight_at_end"] == len(ids - kills - impacts - ends)
    if viewer.role == "orchestrator":
        assert not ends and th["in_flight_at_end"] == res["threats"]["in_flight_at_end"]
    # 4. sites, legal bases, blocks and rule costs only of owners that release them
    assert all(sees[owner(s.member).id]["sensor_positions"] for s in geo.sensors)
    assert all(sees[owner(f.member).id]["sensor_positions"] for f in geo.fire_units)
    coalition = view["coalition"]
    assert {owner(b["member"]).id for b in coalition["legal_basis"]} == {
        m.id for m in members if sees[m.id]["documents"]}
    assert all(sees[owner(b["member"]).id]["engagements"] for b in coalition["blocked"])
    assert all(sees[owner(c["member"]).id]["engagements"] for c in coalition["costs"])
    for i in view["impacts"]:  # impacts are public; a cause names only releasable rules
        for rule in re.findall(r"([\w.\-]+):(?:threat_classes|engage_only_in|protect_assets)",
                               i["cause"]):
            assert sees[owner(rule).id]["engagements"]
    assert len(view["impacts"]) == len(res["impacts"])
    # 5. the orchestrator sees everything, names included
    if viewer.role == "orchestrator":
        assert len(view["engagements"]) == len(res["engagements"])
        assert all(m.name in html for m in members)


def test_run_view_end_to_end_writes_only_what_the_member_may_see(tmp_path: Path) -> None:
    from inkless.cli import app

    text = scenario_text()
    path = tmp_path / "s.yaml"
    path.write_text(text)
    runner = CliRunner()
    r = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "ally"), "--view", "MALLYX",
                            "--keys", str(tmp_path / "keys"), "--no-rule-costs", "--seed", "7"])
    assert r.exit_code == 0, r.stderr
    secret = bytes.fromhex((tmp_path / "keys" / "secret.hex").read_text())
    quiet = pseudonym("MQUIETX", secret)
    for name in ("results.json", "events.csv", "report.html"):
        body = (tmp_path / "ally" / name).read_text()
        body = re.sub(r"base64,[A-Za-z0-9+/=]+", "", body)
        assert "MQUIETX" not in body and "Quiet" not in body, name
    res = json.loads((tmp_path / "ally" / "results.json").read_text())
    assert quiet in {m["id"] for m in res["members"]}
    assert res["view"]["member"] == "MALLYX"
    assert "outputs written as MALLYX may see them" in r.stdout
    bad = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "x"), "--view", "NOBODY"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "--view NOBODY: unknown member; known: MHOSTX, MALLYX, " \
        "MQUIETX, MCELLX"
