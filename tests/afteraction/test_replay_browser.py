"""The report's replay map in a real browser (Debian's chromium driven by playwright).

A small tracked run (the airliner example with few rounds, so that threats are both killed and
leak) is written by ``inkless run``; the page is opened offline, the time control is moved, and
what the map shows is counted against the run's own files: threats in flight from events.csv,
interceptors in flight and intercepts from results.json, tracks and their identities from
tracks.csv. A screenshot is saved to ``out/test-artifacts/replay.png`` (looked at by hand).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from inkless.cli import app

from ..conftest import ARTIFACTS, Browsed, move_replay

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("replay")
    data = yaml.safe_load((ROOT / "examples" / "airliner-in-the-raid.yaml").read_text())
    for unit in data["fire_units"]:  # too few rounds for the raid: some threats come down
        unit["rounds"] = 3
    (tmp / "small.yaml").write_text(yaml.safe_dump(data))
    res = CliRunner().invoke(app, ["run", str(tmp / "small.yaml"), "--out", str(tmp / "out"),
                                   "--seed", "11", "--no-rule-costs"])
    assert res.exit_code == 0, res.output
    return tmp / "out"


def _events(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "events.csv").open() as f:
        return list(csv.DictReader(f))


def _threats_in_flight(events: list[dict[str, str]], t: float) -> int:
    """Launched by t, minus killed or come down by t (events.csv)."""
    def n(kind: str) -> int:
        return sum(1 for e in events if e["event"] == kind and float(e["time_s"]) <= t)
    return n("launch") - n("intercept") - n("impact")


def _tracks_at(run_dir: Path, t: float) -> dict[str, int]:
    """Identity -> number of tracks in the coalition picture at t (tracks.csv)."""
    count: dict[str, int] = defaultdict(int)
    with (run_dir / "tracks.csv").open() as f:
        for row in csv.DictReader(f):
            if abs(float(row["time_s"]) - t) < 1e-6:
                count[row["identity"]] += 1
    return dict(count)


def test_replay_map_follows_the_time_control(run_dir: Path, browsed: Browsed) -> None:
    results: dict[str, Any] = json.loads((run_dir / "results.json").read_text())
    events = _events(run_dir)
    shots = results["engagements"]
    kills = sorted(e["intercept_time_s"] for e in shots if e["result"] == "kill")
    assert kills and results["impacts"], "the run must both kill and leak for this test"
    times = sorted({float(e["time_s"]) for e in events})
    # times between events, across the raid (the slider snaps each to its step: the counts
    # are taken at the time it shows)
    probes = [0.5 * (a + b) for a, b in itertools.pairwise(times) if b - a > 1.0]
    probes = probes[:: max(1, len(probes) // 12)]
    first_kill = kills[0]

    page, problems, fetched = browsed.page, browsed.problems, browsed.fetched
    page.goto((run_dir / "report.html").as_uri())
    page.wait_for_selector("#ink-replay .leaflet-container")

    for probe in probes:
        move_replay(page, probe)
        t = page.eval_on_selector("#replay-time", "s => Number(s.value)")  # on its step
        threats = page.locator("path.ink-threat").count()
        assert threats == _threats_in_flight(events, t), f"threats at t={t}"
        flying = sum(1 for e in shots if e["fire_time_s"] <= t < e["intercept_time_s"])
        assert page.locator("path.ink-interceptor").count() == flying, f"interceptors at {t}"
        done = sum(1 for k in kills if k <= t)
        assert page.locator(".ink-intercept").count() == done, f"intercepts at t={t}"
        landed = sum(1 for i in results["impacts"] if i["time_s"] <= t)
        assert page.locator(".ink-impact").count() == landed, f"impacts at t={t}"

    # an intercept marker appears at its time, not before
    move_replay(page, first_kill - 2.0)
    assert page.locator(".ink-intercept").count() == 0
    move_replay(page, first_kill + 2.0)
    assert page.locator(".ink-intercept").count() == sum(k <= first_kill + 2.0 for k in kills)

    # the tracks and their identities at a sample time of the picture
    sample = 20.0 * round(first_kill / 20.0)
    move_replay(page, sample)
    want = _tracks_at(run_dir, sample)
    assert want.get("hostile"), "hostile tracks expected while the raid is engaged"
    for identity, n in want.items():
        assert page.locator(f".ink-track-{identity}").count() == n, identity
    assert page.locator(".ink-track").count() == sum(want.values())
    assert "closed: central" in page.locator(".ink-airspace").inner_text()  # from 1200 s

    # play moves the time forward (and the clock with it) until paused
    move_replay(page, 0.0)
    clock = page.locator(".ink-clock").inner_text()
    page.click(".ink-play")
    page.wait_for_function("Number(document.querySelector('#replay-time').value) >= 600")
    page.click(".ink-play")
    assert page.locator(".ink-clock").inner_text() != clock

    # the picture after the first impact: intercepts, misses and an impact on the map
    move_replay(page, min(i["time_s"] for i in results["impacts"]) + 30.0)
    assert page.locator(".ink-impact").count() >= 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # no tooltip; the section below the sticky navigation bar
    page.eval_on_selector("#replay", "s => s.scrollIntoView({block: 'center'})")
    page.locator("#replay").screenshot(path=str(ARTIFACTS / "replay.png"))

    assert not problems, problems
    assert [u for u in fetched if not u.startswith(("file:", "data:"))] == []
