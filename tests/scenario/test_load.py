"""Scenario files: every problem reported at once, one line each, with its line and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inkless.cli import app
from inkless.errors import ScenarioError
from inkless.scenario import load_scenario, parse_scenario

from .conftest import HEAD, RAID, problems

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

GOOD = HEAD + """\
interceptors:
  - {id: i1, max_range_km: 100, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
fire_units:
  - {id: u1, owner: A, position: {lat_deg: 31, lon_deg: 35}, interceptor: i1, rounds: 4}
""" + RAID


def test_good_file_loads() -> None:
    sc = parse_scenario(GOOD)
    assert sc.raid.waves[0].count == 2
    assert sc.fire_units[0].interceptor == "i1"


# (replace this, with that) -> the exact message expected
BAD = [
    ("count: 2", "count: 0", "s.yaml:15: raid.waves[0].count: must be at least 1, got 0"),
    ("speed_mps: 50", "speed_mps: -5",
     "s.yaml:16: raid.waves[0].speed_mps: must be at least 1, got -5"),
    ("lat_deg: 31, lon_deg: 35}, value", "lat_deg: 95, lon_deg: 35}, value",
     "s.yaml:6: assets[0].position.lat_deg: must be at most 90, got 95"),
    ("max_range_km: 100", "min_range_km: 200, max_range_km: 100",
     "s.yaml:8: interceptors[0]: min_range_km (200.0) must be below max_range_km (100.0)"),
    ("interceptor: i1", "interceptor: nope",
     "s.yaml:10: fire_units[0].interceptor: unknown interceptor type 'nope'; known: i1"),
    ("owner: A, position: {lat_deg: 31, lon_deg: 35}, value",
     "owner: B, position: {lat_deg: 31, lon_deg: 35}, value",
     "s.yaml:6: assets[0].owner: unknown member 'B'; known: A"),
    ("launch_window_s: [0, 10]", "launch_window_s: [10, 0]",
     "s.yaml:18: raid.waves[0].launch_window_s: ends (0 s) before it starts (10 s)"),
    ("threat_class: drone", "threat_class: rocket",
     "s.yaml:14: raid.waves[0].threat_class: must be 'ballistic', 'cruise' or 'drone', "
     "got 'rocket'"),
    ("pk: {drone: 0.9}", "pk: {drone: 1.5}",
     "s.yaml:8: interceptors[0].pk: drone must be between 0 and 1, got 1.5"),
    ("epoch: 2024-04-13T20:00:00Z", "epoch: 2024-04-13T20:00:00",
     "s.yaml:2: settings.epoch: must carry a UTC offset, e.g. 2024-04-13T20:00:00Z"),
    ("      count: 2\n", "      count: 2\n      colour: red\n",
     "s.yaml:16: raid.waves[0].colour: is not a known field; remove it or fix its spelling "
     "(see `inkless schema`)"),
    ("role: host", "role: king",
     "s.yaml:4: members[0].role: must be 'host', 'orchestrator' or 'partner', got 'king'"),
    ("launch_window_s: [0, 10]", "launch_window_s: [700, 800]",
     "s.yaml:18: raid.waves[0].launch_window_s: starts at 700 s, after the run ends "
     "(settings.duration_s = 600)"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_file_message(old: str, new: str, message: str) -> None:
    assert old in GOOD
    assert problems(GOOD.replace(old, new, 1)) == [message]


def test_every_problem_at_once() -> None:
    text = GOOD
    for i in (0, 1, 3, 4, 6, 9, 11):  # independent edits
        old, new, _ = BAD[i]
        text = text.replace(old, new, 1)
    got = problems(text)
    assert len(got) == 7, got
    assert got == sorted(got, key=lambda p: int(p.split(":")[1]))


def test_duplicate_ids() -> None:
    alpha = "  - {id: A, name: Alpha, role: host}\n"
    text = GOOD.replace(alpha, alpha + "  - {id: A, name: B, role: partner}\n")
    assert problems(text) == [
        "s.yaml:5: members[1].id: 'A' is used twice; ids must be unique"
    ]


def test_a_caveat_names_only_known_threat_classes() -> None:
    """A misspelt class in a caveat is an error at its line, with the classes a wave may have
    (it used to be accepted and left the member unable to engage anything)."""
    text = GOOD.replace("role: host}", "role: host, rules: {caveats: {threat_classes: [drones]}}}")
    assert problems(text) == [
        "s.yaml:4: members[0].rules.caveats.threat_classes[0]: must be 'ballistic', 'cruise' or "
        "'drone', got 'drones'"
    ]
    fixed = parse_scenario(text.replace("[drones]", "[drone, cruise]"))
    assert fixed.members[0].rules.caveats.threat_classes == ("drone", "cruise")


def test_yaml_syntax_error_names_line() -> None:
    text = GOOD.replace("count: 2", "count: [2")
    (msg,) = problems(text)
    assert msg.startswith("s.yaml:16: YAML syntax error:"), msg


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario("/nonexistent/x.yaml")


def test_cli_validate_exit_code_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("count: 2", "count: 0"))
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "raid.waves[0].count: must be at least 1, got 0" in result.output
    assert "Traceback" not in result.output


def test_cli_schema_is_json_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["required"]) >= {"settings", "members", "assets", "raid"}
    assert "Wave" in schema["$defs"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_validate(path: Path) -> None:
    load_scenario(path)
