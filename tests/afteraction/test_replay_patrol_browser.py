"""The report's map shows the patrol aircraft moving and each vector to an intercept (issue 14,
"Done when"), in a real browser (Debian's chromium driven by playwright). A screenshot is saved
to ``out/test-artifacts/replay-patrols.png`` (looked at by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from inkless.cli import app
from inkless.engine import run
from inkless.scenario import parse_scenario

from ..conftest import ARTIFACTS, Browsed, move_replay
from ..interop.patrols import cap

CAP = cap(1500, aircraft_per_flight=2)


def test_the_report_map_flies_the_patrols_and_draws_each_vector(tmp_path: Path,
                                                                 browsed: Browsed) -> None:
    """``inkless run`` (perfect picture, seed 1), the report opened offline: at the middle of
    each vector's dash the map draws as many vectors (dashed lines from where the aircraft
    fired to its intercept point) as the run's aircraft are flying then, the aircraft's
    arrowheads move between two times, and once every aircraft is back or home no vector is
    drawn. Before: no vector was ever drawn (none was flown)."""
    (tmp_path / "cap.yaml").write_text(CAP)
    res = CliRunner().invoke(app, ["run", str(tmp_path / "cap.yaml"), "--out",
                                   str(tmp_path / "out"), "--picture", "perfect", "--seed", "1",
                                   "--no-rule-costs"])
    assert res.exit_code == 0, res.output
    s = run(parse_scenario(CAP, "cap.yaml"), 1, picture="perfect").patrols
    assert s is not None and len(s.dashes) >= 2
    d = s.dashes
    until = [round(min(a + b + c, float(s.bingo[r])), 1) for a, b, c, r in  # as replayed
             zip(d.start, d.dash_s, d.back_s, d.row, strict=True)]
    page = browsed.page
    page.goto((tmp_path / "out" / "report.html").as_uri())
    page.wait_for_selector("#ink-replay .leaflet-container")
    assert "a vector to an intercept" in page.locator("#replay").inner_text()  # legend

    for e in np.flatnonzero(d.dash_s > 0).tolist():  # fired standing off: no dash to draw
        move_replay(page, round(float(d.start[e] + d.dash_s[e] / 2)))
        t = page.eval_on_selector("#replay-time", "s => Number(s.value)")  # on its step
        want = sum(1 for a, u in zip(d.start, until, strict=True) if a <= t <= u)
        assert page.locator("path.ink-vector").count() == want, t
        assert page.locator("path.ink-vector-point").count() == want, t
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.eval_on_selector("#replay", "s => s.scrollIntoView({block: 'center'})")
    page.locator("#replay").screenshot(path=str(ARTIFACTS / "replay-patrols.png"))
    move_replay(page, float(d.start[0]) - 20.0)
    before = page.locator(".ink-aircraft").first.bounding_box()
    move_replay(page, float(d.start[0]) - 5.0)
    after = page.locator(".ink-aircraft").first.bounding_box()
    assert before is not None and after is not None and before != after
    move_replay(page, max(until) + 5.0)
    assert page.locator("path.ink-vector").count() == 0
    assert browsed.problems == []
