"""The tracked picture in a run: decisions on fused tracks, kills only inside the seeker basket,
picture quality, determinism, ``--compare-perfect``.

The truth the checks use is the raid's own trajectory (``Raid.ahead``), independent of the
picture; the figures of the perfect picture come from a separate perfect run.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from typer.testing import CliRunner

from inkless.afteraction.results import results
from inkless.cli import app
from inkless.engagement import KILL, MISS
from inkless.engine import Record, run
from inkless.scenario import Scenario, load_scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def basics() -> Scenario:
    return load_scenario(EXAMPLES / "basics.yaml")


@cache
def tracked() -> Record:
    return run(basics(), 7, picture="tracked")


def small(**member_shares: str) -> Scenario:
    """basics with only its cruise wave (a 3-minute raid), members sharing as given."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    for m in data["members"]:
        if m["id"] in member_shares:
            m["shares"] = member_shares[m["id"]]
    return parse_scenario(yaml.safe_dump(data), "small.yaml")


def test_the_tracked_picture_defends_basics() -> None:
    rec = tracked()
    r = results(rec).model_dump(mode="json")
    th = r["threats"]
    assert r["settings"]["picture"] == "tracked"
    assert th["intercepted"] >= 0.7 * th["launched"]
    assert th["launched"] == th["intercepted"] + th["leaked"] + th["in_flight_at_end"]
    assert r["civil_engagements"] == 0
    pic = r["picture"]
    assert 0.0 < pic["mean_gospa_m"] < 1000.0  # finite, below the cut-off c
    assert pic["scored_times"] > 100
    assert set(pic["by_member"]) == {"HOST", "ALLY"}


def test_kills_only_inside_the_seeker_basket() -> None:
    """The distance from the true threat to the aim point at the intercept, from the raid's
    trajectory: a kill is never farther than the basket (2 km here)."""
    rec = tracked()
    fl = rec.flight
    assert rec.miss_distance is not None
    settled = np.flatnonzero(np.isin(fl.result[: fl.n], [KILL, MISS]))
    assert settled.size > 10
    for k in settled.tolist():
        j = int(fl.threat[k])
        truth = rec.raid.ahead(np.array([j]), np.array([fl.intercept_time[k]]))[0, 0]
        d = float(np.linalg.norm(truth - fl.point[k]))
        assert abs(d - rec.miss_distance[k]) < 2.0  # the truth grid is float32
        if fl.result[k] == KILL:
            assert d <= rec.tables.units.basket[fl.unit[k]]


def test_fire_only_at_held_threats_before_impact() -> None:
    rec = tracked()
    fl = rec.flight
    units, raid = rec.tables.units, rec.raid
    for k in range(fl.n):
        j, u = int(fl.threat[k]), int(fl.unit[k])
        assert rec.detect_time[j] <= fl.fire_time[k]
        assert fl.intercept_time[k] < raid.impact_time[j]
        assert units.pk[u, raid.cls[j]] > 0  # declared as its true class here


def test_same_seed_same_results() -> None:
    sc = small(ALLY="tracks")
    a = json.dumps(results(run(sc, 3, picture="tracked")).model_dump(mode="json"), sort_keys=True)
    b = json.dumps(results(run(sc, 3, picture="tracked")).model_dump(mode="json"), sort_keys=True)
    assert a == b


def test_track_sharing_member_is_fused_in() -> None:
    sc = small(ALLY="tracks")
    rec = run(sc, 3, picture="tracked")
    r = results(rec).model_dump(mode="json")
    assert r["picture"]["shares"] == {"HOST": "detections", "ALLY": "tracks"}
    assert r["threats"]["intercepted"] >= 3
    # the ship's radar sees the cruise missiles only late: both members' tracks are in the map
    assert rec.tracked is not None and rec.tracked.samples_id.size > 0


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_compare_perfect(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    path.write_text(yaml.safe_dump(data))
    code, stdout, stderr = invoke("run", str(path), "--out", str(tmp_path / "o"), "--seed", "5",
                                  "--compare-perfect", "--no-rule-costs")
    assert code == 0, stderr
    assert "tracked against perfect picture" in stdout and "air picture" in stdout
    res: dict[str, Any] = json.loads((tmp_path / "o" / "results.json").read_text())
    cmp = res["comparison"]
    perfect = results(run(load_scenario(path), 5, picture="perfect")).model_dump(mode="json")
    assert cmp["perfect"]["leaked"] == perfect["threats"]["leaked"]
    assert cmp["perfect"]["interceptor_cost"] == perfect["interceptors"]["cost"]
    assert cmp["tracked"]["leaked"] == res["threats"]["leaked"]
    assert cmp["difference"]["leaked"] == res["threats"]["leaked"] - perfect["threats"]["leaked"]
    html = (tmp_path / "o" / "report.html").read_text()
    assert 'id="comparison"' in html and 'id="picture"' in html


def test_the_coverage_computed_once_gives_the_same_run(monkeypatch: Any) -> None:
    """On a grid no patrol flies, what each sensor covers is computed once for the whole run
    (``World.covered``: the recorder's coverage and every block of detections read it); the
    run is the one in which each computes it again (``World.still`` false: covered_by)."""
    from inkless.engine.tracked import World

    once = results(tracked()).model_dump(mode="json")
    monkeypatch.setattr(World, "still", property(lambda self: False))
    again = results(run(basics(), 7, picture="tracked")).model_dump(mode="json")
    assert once == again
    assert once["threats"]["launched"] > 0
