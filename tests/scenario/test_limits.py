"""Limits at the boundary (issue 16, docs/limits.md): each hostile input found by fuzzing the
examples is refused by validation with one located line, instead of a traceback at validation, a
crash or a hang in the run; a file that validates runs."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import cast

import annotated_types
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from inkless.cli import MAX_REPLICATIONS, app
from inkless.errors import ScenarioError
from inkless.scenario import limits, load_scenario, parse_scenario
from inkless.scenario.limits import MAX_RUN_BYTES, MAX_SAMPLES, Size
from inkless.scenario.model import CivilFlight, Route, Wave

BASICS_PATH = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"
BASICS = BASICS_PATH.read_text()
ONE_LINE = re.compile(r"^b\.yaml:\d+: [^\n\r\x00\x85\u2028\u2029]+$")


def refused(text: str) -> list[str]:
    """The problems of ``text`` (must be refused), each checked to be one located line."""
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "b.yaml")
    for p in e.value.problems:
        assert ONE_LINE.match(p), repr(p)
    return list(e.value.problems)


def edit(old: str, new: str) -> str:
    assert old in BASICS, old
    return BASICS.replace(old, new, 1)


# (the smallest change to basics.yaml, where the problem is reported, what it says)
CAUSES = [
    ("count: 8", "count: !!float abc", "b.yaml:90: cannot read 'abc' as a float"),
    ("count: 8", "count: !!int 1e3", "b.yaml:90: cannot read '1e3' as a int"),
    ("launch_points: [{lat_deg: 31.0, lon_deg: 37.8}]", "launch_points: []",
     "b.yaml:91: raid.waves[0].launch_points: needs at least 1 item(s), got 0"),
    ("launch_window_s: [0, 600]", "launch_window_s: [0, .inf]",
     "b.yaml:92: raid.waves[0].launch_window_s[1]: must be a finite number"),
    ("launch_window_s: [0, 600]", "launch_window_s: [.nan, 5]",
     "b.yaml:92: raid.waves[0].launch_window_s[0]: must be a finite number"),
    ("launch_window_s: [0, 600]", "launch_window_s: [0, 1.0e300]",
     "b.yaml:92: raid.waves[0].launch_window_s: ends after 8.64e+06 s"),
    ("epoch: 2025-01-01T00:00:00Z", "epoch: 9999-12-31T23:00:00Z",
     "b.yaml:6: settings.epoch: must be from 1970-01-01 to before 2100-01-01 (UTC)"),
    ("epoch: 2025-01-01T00:00:00Z", "epoch: 0001-01-01T00:00:00+01:00",
     "b.yaml:6: settings.epoch: must be from 1970-01-01"),
    ("epoch: 2025-01-01T00:00:00Z", "epoch: 2099-12-31T23:00:00Z",
     "b.yaml:6: settings: the run ends after 2100-01-01"),
    ("rounds: 8", "rounds: 100000000000000000000",
     "b.yaml:81: fire_units[0].rounds: must be at most 10000"),
    ("channels: 4", "channels: 100000000000000000000",
     "b.yaml:81: fire_units[0].channels: must be at most 1000"),
    ("scan_period_s: 5\n", "scan_period_s: 1.0e-9\n",
     "b.yaml:8: settings.scan_period_s: must be at least 0.1"),
    ("speed_mps: 50", "speed_mps: 1.0e-308",
     "b.yaml:93: raid.waves[0].speed_mps: must be at least 1"),
    ("count: 8", "count: 100000", "b.yaml:90: raid.waves[0].count: must be at most 5000"),
    ("{ballistic: 2}", "{ballistic: 100000000000000000000}",
     "b.yaml:10: settings.max_shots_per_threat: ballistic must be from 1 to 100"),
    ("seed: 7", "seed: 100000000000000000000", "b.yaml:9: settings.seed: must be less than"),
    ("cep_m: 300", "cep_m: 300\n      apogee_km: 1.0e-9",
     "b.yaml:110: raid.waves[2].apogee_km: must be at least 25 km"),
]


@pytest.mark.parametrize(("old", "new", "message"), CAUSES, ids=[c[1][:40] for c in CAUSES])
def test_cause_is_refused_with_one_located_line(old: str, new: str, message: str) -> None:
    problems = refused(edit(old, new))
    assert any(p.startswith(message) for p in problems), problems


def test_nesting_deeper_than_the_limit_is_refused_not_a_recursion_error() -> None:
    for depth in (100, 600, 5000, 200_000):
        (msg,) = refused(BASICS + "description: " + "[" * depth + "]" * depth + "\n")
        assert msg.startswith("b.yaml:115: "), msg


def test_a_region_id_of_the_wrong_type_is_a_problem_not_a_traceback() -> None:
    """Found by ``make fuzz`` (a region id replaced by a mapping: unhashable in the
    cross-reference check)."""
    text = BASICS + ("regions:\n  - {id: {a: 1}, owner: HOST,"
                     " polygon_deg: [[0, 0], [0, 1], [1, 1]]}\n")
    problems = refused(text)
    assert any(p.startswith("b.yaml:116: regions[0].id: ") for p in problems), problems


@pytest.mark.parametrize("aims", ["3", "true", "{a: 1}"])
def test_aim_assets_of_the_wrong_type_is_a_problem_not_a_traceback(aims: str) -> None:
    problems = refused(edit("      cep_m: 30\n", f"      cep_m: 30\n      aim_assets: {aims}\n"))
    assert any(p.startswith("b.yaml:96: raid.waves[0].aim_assets: ") for p in problems), problems


def test_nul_byte_gives_one_line_with_its_line_number() -> None:
    i = BASICS.index("assets:")
    (msg,) = refused("é" * 3 + BASICS[:i] + "\x00" + BASICS[i:])  # after multibyte characters
    assert msg == "b.yaml:16: character U+0000 is not allowed in a YAML file; remove it"


def test_an_id_with_a_line_break_is_escaped_in_the_message() -> None:
    for bad in ("HO\\nST", "HO\\u2028ST", "HO\\x85ST"):
        problems = refused(edit("{id: HOST,", f'{{id: "{bad}",'))
        assert any(p.startswith("b.yaml:13: members[0].id: must be letters") for p in problems)
    # a key (echoed as a location) with a line break too
    (msg,) = refused(BASICS + '"bad\\nkey": 1\n')
    assert msg.startswith("b.yaml:115: bad\\nkey: is not a known field")


def test_many_unknown_keys_list_at_most_the_limit() -> None:
    """Locating each of n problems in a mapping of n keys walked the mapping each time
    (5k, 10k and 20k keys took 2.6, 4.8 and 15.9 s); it is indexed once now, and at most 50
    problems are listed."""
    problems = refused(BASICS + "".join(f"k{j}: {j}\n" for j in range(900)))
    assert len(problems) == 51
    assert problems[-1] == "b.yaml:165: and 850 more problems; fix these first"
    assert problems[0] == "b.yaml:115: k0: is not a known field; remove it or fix its spelling " \
        "(see `inkless schema`)"


def test_a_mapping_with_more_keys_than_the_limit_is_refused_at_once() -> None:
    """50 000 unknown keys took over a minute; a mapping with more than 1 000 keys is refused
    while it is read."""
    (msg,) = refused(BASICS + "".join(f"k{j}: {j}\n" for j in range(50_000)))
    assert msg == "b.yaml:3: a mapping with 50010 keys, more than 1000; remove the keys that " \
        "are not fields"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/", "/proc/self/mem"])
def test_a_recording_that_is_not_a_regular_file_is_refused(device: str) -> None:
    text = BASICS + f"  recording: {{path: {device}}}\n"
    (msg,) = refused(text)
    assert msg.startswith("b.yaml:115: civil.recording.path: "), msg


def test_a_missing_recording_is_refused_at_validation(tmp_path: Path) -> None:
    text = BASICS + "  recording: {path: nowhere.json}\n"
    with pytest.raises(ScenarioError, match=r"s\.yaml:115: civil\.recording\.path: no such"):
        parse_scenario(text, "s.yaml", base_dir=tmp_path)


def test_a_run_too_big_for_memory_is_refused_naming_the_field() -> None:
    # 3 000 threats in each of two waves over 1 441 decision ticks: 8.7e6 samples
    text = BASICS.replace("count: 8", "count: 3000")
    (msg,) = refused(text)
    assert msg.startswith("b.yaml:90: raid.waves[0].count: a run needs 1441 decision ticks"), msg
    assert "settings.scan_period_s" in msg and "settings.duration_s" in msg
    # many decision ticks for a few threats: the scan period is named
    text = edit("duration_s: 7200", "duration_s: 604800").replace("scan_period_s: 5\n",
                                                                    "scan_period_s: 0.1\n")
    (msg,) = refused(text)
    assert msg.startswith("b.yaml:8: settings.scan_period_s: a run needs 6048001"), msg


def test_size_estimate_orders() -> None:
    """The term that dominates names the driver (the examples are inside the limits:
    :func:`test_the_examples_still_validate`)."""
    assert Size(1441, 20, 4, 10**7, 1).driver() == "rounds"
    assert Size(1, 5_000_000, 1000, 48, 1).driver() == "units"
    assert Size(1441, 20_000, 4, 48, 1).driver() == "threats"
    assert Size(1441, 20, 4, 48, 10**6).driver() == "civil"


def test_validate_refuses_devices_and_fifos_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    for path, why in ((str(fifo), "not a regular file"), ("/dev/zero", "not a regular file"),
                      (str(tmp_path), "Is a directory")):
        r = CliRunner().invoke(app, ["validate", path])
        assert r.exit_code == 2, r.output
        (line,) = r.stderr.strip().splitlines()
        assert line.startswith(f"{path}:1: cannot be read ({why}"), line


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(BASICS + "#" * (8 << 20))
    with pytest.raises(ScenarioError, match=r"big\.yaml:1: cannot be read \(.*more than the limit"):
        load_scenario(big)


def test_the_examples_still_validate() -> None:
    for path in sorted(BASICS_PATH.parent.glob("*.yaml")):
        load_scenario(path)


def _grouped(n: float) -> str:
    """``n`` as docs/limits.md writes it: digits in groups of three, a space between."""
    return f"{n:,.0f}".replace(",", " ") if n >= 1000 else f"{n:g}"


def _speeds(model: type[BaseModel]) -> str:
    """The range of ``model.speed_mps`` as docs/limits.md writes it: 'LOW to HIGH m/s'."""
    meta = model.model_fields["speed_mps"].metadata
    low = next(m.ge for m in meta if isinstance(m, annotated_types.Ge))
    high = next(m.le for m in meta if isinstance(m, annotated_types.Le))
    return f"{_grouped(cast(float, low))} to {_grouped(cast(float, high))} m/s"


def test_the_limits_page_gives_the_figures_of_the_code() -> None:
    """docs/limits.md repeats the limits for readers: each figure there is the code's."""
    doc = (BASICS_PATH.parents[1] / "docs" / "limits.md").read_text()
    day = 86400.0
    stated = [
        f"| Size | {limits.MAX_FILE_BYTES >> 20} MiB of text |",
        f"| Nesting depth | {limits.MAX_DEPTH} mappings/lists |",
        f"| Keys of one mapping | {_grouped(limits.MAX_KEYS)} |",
        f"| Problems listed | {limits.MAX_PROBLEMS}, then",
        f"from {limits.EPOCH_FIRST:%Y-%m-%d} to before {limits.EPOCH_LAST:%Y-%m-%d} (UTC",
        f"ends before {limits.EPOCH_LAST:%Y}",
        f"`settings.duration_s` at most {limits.MAX_DURATION_S / day:g} days",
        f"at most {limits.MAX_TIME_S / day:g} days",
        f"scan periods: {limits.MIN_PERIOD_S:g} to {limits.MAX_PERIOD_S:g} s",
        f"Speeds: waves {_speeds(Wave)}, civil flights {_speeds(CivilFlight)}, sensor routes "
        f"{_speeds(Route)}.",
        f"1 to {limits.MAX_SHOTS} per class; `settings.seed` below "
        f"2^{limits.MAX_SEED.bit_length() - 1}.",
        f"at least {limits.APOGEE_MARGIN_M / 1000:g} km above its highest launch or aim point",
        f"| `raid.waves[].count` | 1 to {_grouped(limits.MAX_WAVE_COUNT)} |",
        f"| `raid.waves` | 1 to {_grouped(limits.MAX_ITEMS)} |",
        f"| `fire_units[].rounds` | 0 to {_grouped(limits.MAX_ROUNDS)} |",
        f"| `fire_units[].channels` | 1 to {_grouped(limits.MAX_CHANNELS)} |",
        f"| members | 1 to {limits.MAX_MEMBERS} |",
        f"regions, waves | at most {_grouped(limits.MAX_ITEMS)} each |",
        f"| civil flights, recorded flights kept | at most {_grouped(limits.MAX_FLIGHTS)} |",
        f"| launch points, aim points | 1 to {_grouped(limits.MAX_POINTS)} (",
        f"| aim assets | 1 to {_grouped(limits.MAX_ITEMS)} |",
        f"civil flight's `route` points | at most {_grouped(limits.MAX_ITEMS)} |",
        f"`polygon_deg` vertices | at most {_grouped(limits.MAX_POINTS)} |",
        f"at most **{_grouped(MAX_SAMPLES)}**",
        # the bytes per unit of each term: a size of one of everything
        "memory = {threats} B x samples + {units} B x fire units x threats + {rounds} B x rounds"
        "\n  + {civil} B x ticks x civil flights, at most **".format(**Size(1, 1, 1, 1, 1).terms())
        + f"{MAX_RUN_BYTES >> 30} GiB**",
        f"non-empty file of at most {limits.MAX_RECORDING_BYTES >> 20} MiB",
        f"`inkless run --replications R`: 1 to {_grouped(MAX_REPLICATIONS)};",
    ]
    missing = [s for s in stated if s not in doc]
    assert not missing, missing
