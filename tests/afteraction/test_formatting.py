"""Printed figures parse back to the value they print, within their rounding: every formatter of
the report (``fmt_num`` at each number of decimals, ``fmt_pct``, ``fmt_time``, ``fmt_duration``
(signed: a delay), coordinates) and the terminal summary's threat and interceptor tables."""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import inkless.cli as cli
from inkless.afteraction import report
from inkless.afteraction.findings import Findings

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


def _number(text: str) -> float:
    """A figure as printed (thousands commas, ASCII or typographic minus) as a float."""
    assert re.fullmatch(r"[−-]?\d{1,3}(,\d{3})*(\.\d+)?", text), text
    return float(text.replace(",", "").replace("−", "-"))


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@given(finite, st.integers(0, 4))
def test_fmt_num_parses_back_within_its_rounding(value: float, digits: int) -> None:
    text = report.fmt_num(value, digits)
    assert _decimals(text) <= digits
    # half a unit of the last decimal printed, and the float error of the value's magnitude
    assert abs(_number(text) - value) <= 0.5 * 10.0**-digits * (1 + 1e-9) + abs(value) * 1e-15


@pytest.mark.parametrize(("value", "digits", "text"), [
    (3719.656, 0, "3,720"), (3150.0, 0, "3,150"), (2500.3, 0, "2,500"), (2500.3, 2, "2,500.3"),
    (-0.004, 2, "0"), (10.0, 2, "10"), (0.5, 0, "0"), (1.25, 1, "1.2"),
])
def test_fmt_num_cases(value: float, digits: int, text: str) -> None:
    """The figures of the issue (April's picture table), and round half to even."""
    assert report.fmt_num(value, digits) == text


@given(st.floats(0.0, 1e9), st.floats(1e-6, 1e9))
def test_fmt_pct_parses_back(num: float, den: float) -> None:
    text = report.fmt_pct(num, den)
    assert text.endswith(" %")
    assert abs(float(text[:-2]) - 100.0 * num / den) <= 0.05 * (1 + 1e-9) + 100 * num / den * 1e-15


def _clock(text: str) -> float:
    h, m, s = (int(x) for x in text.split(":"))
    assert 0 <= m < 60 and 0 <= s < 60, text
    return 3600 * h + 60 * m + s


@given(st.floats(-1e7, 1e7))
def test_fmt_time_parses_back(seconds: float) -> None:
    text = report.fmt_time(seconds, EPOCH)
    m = re.fullmatch(r"T([+-])(\d{2,}:\d{2}:\d{2}) \((\d{2}:\d{2}:\d{2})Z\)", text)
    assert m, text
    since = (-1 if m[1] == "-" else 1) * _clock(m[2])
    assert abs(since - seconds) <= 0.5
    # the clock shows the same instant, rounded the same way (the epoch is midnight)
    assert _clock(m[3]) == since % 86400


@given(st.floats(-1e7, 1e7))
def test_durations_parse_back(seconds: float) -> None:
    text = report.fmt_duration(seconds)
    m = re.fullmatch(r"(−?)(?:(\d+) h (\d{2}) min|(\d+) min (\d{2}) s|(\d+) s)", text)
    assert m, text
    sign = -1 if m[1] else 1
    if m[2] is not None:  # hours and minutes: to the minute
        value, tol = 3600 * int(m[2]) + 60 * int(m[3]), 30.0
        assert int(m[3]) < 60
    elif m[4] is not None:
        value, tol = 60 * int(m[4]) + int(m[5]), 0.5
        assert int(m[5]) < 60
    else:
        value, tol = int(m[6]), 0.5
    assert value == 0 or m[1] == ("−" if seconds < 0 else "")
    assert abs(sign * value - seconds) <= tol + 1e-9


@given(st.floats(-180.0, 180.0))
def test_coordinates_parse_back(deg: float) -> None:
    text = report._coord(deg, "EW")
    m = re.fullmatch(r"(\d+\.\d{3})°([EW])", text)
    assert m, text
    assert abs((1 if m[2] == "E" else -1) * float(m[1]) - deg) <= 0.0005 + 1e-12


def _summary_res(fired: int, cost: float, damaged: float, defended: float) -> Findings:
    return Findings.model_validate({
        "results_version": 1, "scenario": "s", "seed": 0, "replication": 0, "replications": 1,
        "cost_unit": "MUSD", "epoch": "2024-01-01T00:00:00Z", "duration_s": 0.0,
        "settings": {"picture": "perfect", "assignment": "fast"}, "members": [],
        "threats": {"launched": 3, "intercepted": 2, "leaked": 1, "in_flight_at_end": 0,
                    "by_class": {"drone": {"launched": 3, "intercepted": 2, "leaked": 1}}},
        "interceptors": {"fired": fired, "cost": cost,
                         "by_member": {"A": {"fired": fired, "cost": cost}},
                         "by_type": {"mid": {"fired": fired, "cost": cost}}},
        "value_damaged": damaged, "value_defended": defended, "civil_engagements": 0,
        "friendly_engagements": 0, "civil_engaged": [], "closures": [], "engagements": [],
        "impacts": [],
        "coalition": {"legal_basis": [], "rules": [], "blocked": [], "blocked_by_rule": {}},
    })


@settings(deadline=None)
@given(st.integers(1, 10**6), st.floats(0.0, 1e9), st.floats(0.0, 1e9), st.floats(0.0, 1e9))
def test_terminal_summary_parses_back(fired: int, cost: float, damaged: float,
                                      defended: float) -> None:
    """The terminal's tables and value line (``inkless.cli._summary``) print the figures."""
    console = Console(file=io.StringIO(), record=True, width=120, color_system=None)
    saved, cli.out = cli.out, console
    try:
        cli._summary(_summary_res(fired, cost, damaged, defended))
    finally:
        cli.out = saved
    text = console.export_text()
    table = text[text.index("interceptors fired"):]
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in table.splitlines()
             if line.startswith("│")]
    assert [c[0] for c in cells] == ["A", "mid", "all"], text
    for _, n, c in cells:
        assert int(n) == fired
        assert math.isclose(float(c), cost, abs_tol=0.05 + cost * 1e-15)
    m = re.search(r"value damaged (\S+) of (\S+);", text)
    assert m, text
    assert abs(float(m[1]) - damaged) <= 0.05 + damaged * 1e-15
    assert abs(float(m[2]) - defended) <= 0.05 + defended * 1e-15


def test_an_epoch_with_an_offset_is_read_as_utc() -> None:
    """The epoch ``03:00+03:00`` is ``00:00Z``: the report's clock times and the figures' time
    axes (which say UTC and Z) read the epoch of results.json the same way."""
    from inkless.afteraction import figures

    t0 = figures.epoch_utc("2025-01-01T03:00:00+03:00")
    assert report.fmt_time(3600.0, t0) == "T+01:00:00 (01:00:00Z)"
    assert figures._hours_label("2025-01-01T03:00:00+03:00") == (
        "hours after the epoch (2025-01-01T00:00Z)")
    assert figures._hours_label("2025-01-01T00:00:00Z") == (
        "hours after the epoch (2025-01-01T00:00Z)")
    assert figures.epoch_utc("not a time") is None and figures.epoch_utc(None) is None
