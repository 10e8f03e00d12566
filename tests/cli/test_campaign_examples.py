"""The two campaign examples as told (issue 14): April 2024's British exchange and October 2024's
ballistic salvo, end to end through the command line.

The runs are cut-down copies of the example files, so that the suite stays fast: April with a
handful of threats (its legal story does not depend on the raid), October at the full salvo's
launch rate (about 190 in 720 s, so about 95 in 360 s: every missile of the cut is in flight at
once, the tempo the tracker, identification and assignment must keep up with). Everything else,
members, rules, letters, sensors and fire units, is the example's own.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from inkless.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APRIL = EXAMPLES / "april-2024.yaml"
OCTOBER = EXAMPLES / "october-2024.yaml"
THAAD = EXAMPLES / "october-2024-thaad.yaml"
PATROLS = EXAMPLES / "april-2024-patrols.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def seconds_since_epoch(data: dict[str, Any], at: Any) -> float:
    """A letter's ``at`` (a datetime as YAML reads it, or seconds) in seconds since the epoch."""
    epoch = data["settings"]["epoch"]
    if isinstance(at, (int, float)):
        return float(at)
    return (at - epoch).total_seconds() if isinstance(epoch, dt.datetime) else float("nan")


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def basis(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["member"]: b for b in res["coalition"]["legal_basis"]}


def letters(b: dict[str, Any]) -> list[tuple[str, str, str, float]]:
    return [(x["author"], x["recipient"], x["type"], x["on_record_s"]) for x in b["letters"]]


# -- April: the British exchange ----------------------------------------------------------------


def test_april_plan_prints_the_british_exchange() -> None:
    code, stdout, stderr = invoke("coalition", "plan", str(APRIL))
    assert code == 0, stderr
    assert "1. GBR -> ISR: request_to_be_invited" in stdout
    assert "2. ISR -> GBR: acknowledgement_of_legal_process, in reply to 1" in stdout
    code, stdout, stderr = invoke("coalition", "plan", str(APRIL), "--json")
    assert code == 0, stderr
    steps = [(s["author"], s["recipient"], s["type"], s["in_reply_to"])
             for s in json.loads(stdout)["steps"]]
    assert steps[:2] == [
        ("GBR", "ISR", "request_to_be_invited", None),
        ("ISR", "GBR", "acknowledgement_of_legal_process", 1),
    ]
    # France acts at Jordan's request, not through the host; the host never asks
    assert ("JOR", "FRA", "request_for_support", None) in steps
    assert not [s for s in steps if s[0] == "FRA" or s[:3] == ("ISR", "GBR", "request_for_support")]


def test_april_rules_as_the_account_tells_them() -> None:
    members = {m["id"]: m for m in load(APRIL)["members"]}
    (pre,) = members["GBR"]["rules"]["preconditions"]
    assert (pre["document"], pre.get("from_role")) == ("request_for_support", "host")
    (no,) = members["ISR"]["rules"]["prohibitions"]
    assert no["document"] == "request_for_support" and "1956" in no["reason"]


def april_cut(tmp_path: Path, without_reply: bool = False) -> Path:
    """April with three threats of each class, drawn in the first hour, over two hours."""
    data = load(APRIL)
    data["settings"]["duration_s"] = 7200
    for w in data["raid"]["waves"]:
        w["count"] = 3
        w["launch_window_s"] = [0, 600]
        w.pop("via", None)
    if without_reply:
        data["coalition"]["documents"] = [
            d for d in data["coalition"]["documents"] if d.get("in_reply_to") != "gbr-asks"
        ]
    return write(data, tmp_path / ("april-no-reply.yaml" if without_reply else "april-cut.yaml"))


@pytest.fixture(scope="module")
def april(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    d = tmp_path_factory.mktemp("april")
    code, _, stderr = invoke("run", str(april_cut(d)), "--out", str(d / "out"),
                             "--picture", "perfect", "--no-rule-costs")
    assert code == 0, stderr
    res = json.loads((d / "out" / "results.json").read_text())
    return res, (d / "out" / "report.html").read_text()


def test_april_run_reports_the_british_letters_with_their_times(
    april: tuple[dict[str, Any], str],
) -> None:
    res, html = april
    data = load(APRIL)
    docs = data["coalition"]["documents"]
    asks = next(d for d in docs if d.get("id") == "gbr-asks")
    reply = next(d for d in docs if d.get("in_reply_to") == "gbr-asks")
    gbr = basis(res)["GBR"]
    assert gbr["preconditions"] == 1 and gbr["unmet"] == []
    assert letters(gbr) == [
        ("GBR", "ISR", "request_to_be_invited", seconds_since_epoch(data, asks["at"])),
        ("ISR", "GBR", "acknowledgement_of_legal_process", seconds_since_epoch(data, reply["at"])),
    ]
    # on record before the first launch: the UK's forces act from the start
    assert seconds_since_epoch(data, reply["at"]) < 0 and gbr["acts_from_s"] == 0.0
    assert [(a, r, t) for a, r, t, _ in letters(basis(res)["FRA"])] == [
        ("JOR", "FRA", "request_for_support")
    ]
    assert "United Kingdom → Israel: request_to_be_invited" in html
    assert "Israel → United Kingdom: acknowledgement_of_legal_process" in html


def test_without_the_hosts_reply_the_uk_never_acts(tmp_path: Path) -> None:
    code, _, stderr = invoke("run", str(april_cut(tmp_path, without_reply=True)), "--out",
                             str(tmp_path / "out"), "--picture", "perfect", "--no-rule-costs")
    assert code == 0, stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    gbr = basis(res)["GBR"]
    assert gbr["acts_from_s"] is None and gbr["unmet"]
    assert res["interceptors"]["by_member"]["GBR"]["fired"] == 0


# -- October: the salvo ------------------------------------------------------------------------


def october_cut(path: Path, tmp_path: Path) -> Path:
    """The October salvo at its launch rate, over half the window: each wave halved."""
    data = load(path)
    data["settings"]["duration_s"] = 1200
    for w in data["raid"]["waves"]:
        w["count"] = (w["count"] + 1) // 2
        w["launch_window_s"] = [0, 360]
    return write(data, tmp_path / path.name)


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, str]:
    d = tmp_path_factory.mktemp("october")
    code, stdout, stderr = invoke("run", str(october_cut(OCTOBER, d)), "--out", str(d / "out"),
                                  "--no-rule-costs")
    assert code == 0, stderr
    res = json.loads((d / "out" / "results.json").read_text())
    return res, (d / "out" / "report.html").read_text(), stdout


def in_flight_at_once(res: dict[str, Any]) -> int:
    """Most threats in flight at the same time: launched and not yet intercepted or landed."""
    end = {e["threat_id"]: e["intercept_time_s"] for e in res["engagements"]
           if e["result"] == "kill"}
    end.update({i["threat_id"]: i["time_s"] for i in res["impacts"]})
    # every threat of the cut is launched within 360 s; count those still up at 360 s
    return sum(t > 360.0 for t in end.values())


def test_october_salvo_runs_on_the_tracked_picture(
    october: tuple[dict[str, Any], str, str],
) -> None:
    res, _, stdout = october
    assert res["settings"]["picture"] == "tracked"
    th = res["threats"]
    assert th["launched"] == 95 and th["in_flight_at_end"] == 0
    assert in_flight_at_once(res) >= 80  # the tempo: most of the salvo up at once
    assert th["intercepted"] >= 0.8 * th["launched"]  # most intercepted
    assert res["civil_engagements"] == 0 and res["friendly_engagements"] == 0
    assert "civil engagements 0" in stdout
    # tracker and identification keep up: every threat declared hostile, none too late
    idn = res["identification"]
    assert idn["detected"] == idn["declared"] == th["launched"]
    assert idn["leaked_due_to_late_declaration"] == 0
    causes = {i["cause"] for i in res["impacts"]}
    assert not causes & {"never detected", "declared too late: not declared hostile while a "
                         "shot was possible"}
    # every interceptor went at a raid missile, and the US destroyers fired in the upper tier
    assert all(e["threat_class"] == "ballistic" for e in res["engagements"])
    sm3 = [e for e in res["engagements"] if e["unit_id"].endswith("-sm3")]
    assert sm3 and all(e["intercept_alt_m"] >= 70_000 for e in sm3)


def test_october_coalition_letters_and_anonymous_members(
    october: tuple[dict[str, Any], str, str],
) -> None:
    res, html, _ = october
    b = basis(res)
    assert set(b) == {"ISR", "USA", "GBR", "FRA", "JOR", "GLF", "EUR", "GLS"}
    assert [(a, r, t) for a, r, t, _ in letters(b["GBR"])] == [
        ("GBR", "ISR", "request_to_be_invited"),
        ("ISR", "GBR", "acknowledgement_of_legal_process"),
    ]
    anonymous = {m["id"] for m in res["members"] if m["anonymous"]}
    assert {"EUR", "GLS", "GLF"} == anonymous
    for mid in ("EUR", "GLS"):
        assert b[mid]["acts_from_s"] == 0.0 and letters(b[mid])[0][:3] == ("USA", mid, "consent")
    assert res["picture"]["shares"]["EUR"] == "tracks"
    assert "United Kingdom → Israel: request_to_be_invited" in html


def test_thaad_variant_is_october_plus_one_battery() -> None:
    """The what-if file differs from October only by the THAAD battery it adds (and its name):
    the two cannot drift apart."""
    base, variant = load(OCTOBER), load(THAAD)
    assert variant["settings"] == base["settings"]
    added_types = [i for i in variant["interceptors"] if i not in base["interceptors"]]
    assert [i["id"] for i in added_types] == ["thaad"]
    assert [i for i in base["interceptors"] if i not in variant["interceptors"]] == []
    added = [u for u in variant["fire_units"] if u not in base["fire_units"]]
    assert added and {u["interceptor"] for u in added} == {"thaad"}
    assert {u["owner"] for u in added} == {"USA"}
    assert [u for u in base["fire_units"] if u not in variant["fire_units"]] == []
    rest = copy.deepcopy(variant)
    rest["interceptors"] = [i for i in rest["interceptors"] if i["id"] != "thaad"]
    rest["fire_units"] = [u for u in rest["fire_units"] if u["interceptor"] != "thaad"]
    rest["sensors"] = [s for s in rest["sensors"] if not s["id"].startswith("usa-thaad")]
    for key in ("name", "description"):
        rest[key] = base[key]
    assert rest == base


def test_patrols_variant_is_april_with_its_fighters_flying() -> None:
    """The patrols file differs from April only by its fighters: each fixed CAP fire unit (an
    air-to-air interceptor at a point) becomes a patrol of the same id, owner and missile, and
    the CAP radars ride on those patrols' aircraft with the same ranges. The two cannot drift
    apart."""
    base, variant = load(APRIL), load(PATROLS)
    cap = [u for u in base["fire_units"] if u["interceptor"] == "air-to-air"]
    patrols = {p["id"]: p for p in variant["patrols"]}
    assert {u["id"]: (u["owner"], u["interceptor"]) for u in cap} == {
        k: (p["owner"], p["interceptor"]) for k, p in patrols.items()}
    radars = {s["id"]: s for s in base["sensors"] if s["id"].endswith("-cap-radar")
              or s["id"].startswith("usa-cap-")}
    assert radars and all(patrols[r.removesuffix("-radar")]["radar"]["range_km"] == s["range_km"]
                          for r, s in radars.items())
    rest = copy.deepcopy(base)
    rest["fire_units"] = [u for u in base["fire_units"] if u not in cap]
    rest["sensors"] = [s for s in base["sensors"] if s["id"] not in radars]
    rest["patrols"] = variant["patrols"]
    for key in ("name", "description"):
        rest[key] = variant[key]
    assert rest == variant
