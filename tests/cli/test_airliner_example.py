"""`inkless run examples/airliner-in-the-raid.yaml` end to end on the tracked picture: the raid
is intercepted, no airliner is engaged, and the outputs carry identification and closures.

The expected closure actions follow from the example's geometry (docs/identification.md): the
departure takes off after the closure and is rerouted, the westbound airliner is inside the
closed region when it closes and flies on, the north-south one enters it later and is rerouted,
the southern one never comes near it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from inkless.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airliner-in-the-raid.yaml"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    d = tmp_path_factory.mktemp("airliner")
    r = CliRunner().invoke(app, ["run", str(EXAMPLE), "--out", str(d)])
    assert r.exit_code == 0, r.stderr
    return d, r.stdout


def test_threats_intercepted_and_no_airliner_engaged(out: tuple[Path, str]) -> None:
    d, stdout = out
    res: dict[str, Any] = json.loads((d / "results.json").read_text())
    assert res["settings"]["picture"] == "tracked"
    th = res["threats"]
    assert th["launched"] == 18
    assert th["intercepted"] >= 16 and th["leaked"] <= 2
    assert res["civil_engagements"] == 0 and res["civil_engaged"] == []
    assert res["friendly_engagements"] == 0 and res["friendly_engaged"] == []
    # every interceptor was fired at one of the raid's threats
    threat_ids = {e["threat_id"] for e in res["engagements"]}
    assert threat_ids and all(t.startswith(("drones", "cruise")) for t in threat_ids)
    assert "civil engagements 0" in stdout


def test_identification_and_closures_in_the_results(out: tuple[Path, str]) -> None:
    res: dict[str, Any] = json.loads((out[0] / "results.json").read_text())
    idn = res["identification"]
    for key in ("correct_fraction", "correct_fraction_by_member", "mean_declaration_delay_s",
                "detected", "declared", "leaked_due_to_late_declaration"):
        assert key in idn
    assert set(idn["correct_fraction_by_member"]) == {"HOST", "ALLY"}
    assert 0.5 < idn["correct_fraction"] <= 1.0
    assert idn["declared"] <= idn["detected"] <= 18 and idn["declared"] >= 16
    assert idn["mean_declaration_delay_s"] >= 0.0
    actions = {c["callsign"]: c["action"] for c in res["closures"]}
    assert actions == {"HLA101": "reroute", "MDA202": "continue", "NRA303": "reroute"}
    delays = {c["callsign"]: c["delay_s"] for c in res["closures"]}
    assert delays["HLA101"] > 0 and delays["NRA303"] > 0 and delays["MDA202"] == 0


def test_report_shows_identities_over_time(out: tuple[Path, str]) -> None:
    html = (out[0] / "report.html").read_text()
    section = html[html.index('<section id="identification">'):]
    section = section[: section.index("</section>")]
    img = '<img alt="Identities of the coalition\'s tracks over time'
    assert img in section
    assert section[section.index(img):].split('src="', 1)[1].startswith("data:image/png;base64,")
    assert "Airspace closures" in html and "HLA101" in html and "reroute" in html
