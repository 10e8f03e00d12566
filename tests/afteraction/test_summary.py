"""Replication statistics checked against scipy.stats and by hand."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy import stats

from inkless.afteraction import confidence_interval, summarise
from inkless.errors import InputError


def _rep(seed: int, launched: int, intercepted: int, cost: float, classes: dict[str, int],
         members: dict[str, int]) -> dict[str, Any]:
    return {
        "scenario": "s", "seed": seed, "replications": 1,
        "threats": {
            "launched": launched, "intercepted": intercepted, "leaked": launched - intercepted,
            "by_class": {c: {"launched": n, "intercepted": n, "leaked": 0}
                         for c, n in classes.items()},
        },
        "interceptors": {
            "fired": sum(members.values()), "cost": cost,
            "by_member": {m: {"fired": n, "cost": 10.0 * n} for m, n in members.items()},
            "by_type": {"SM-3": {"fired": sum(members.values()), "cost": cost}},
        },
        "engagements": [{"threat_id": f"T{seed}", "result": "kill"}],
        "impacts": [],
        "value_damaged": 0.5 * seed,
        "civil_engagements": 0,
        "caveats": {"note": seed},
    }


REPS = [
    _rep(1, 100, 91, 1.0e6, {"drone": 60, "ballistic": 40}, {"ISR": 5, "USA": 3}),
    _rep(2, 100, 95, 1.3e6, {"drone": 60, "ballistic": 40}, {"ISR": 7}),
    _rep(3, 100, 88, 0.9e6, {"drone": 60, "ballistic": 40, "cruise": 3}, {"ISR": 6, "USA": 1}),
    _rep(4, 100, 97, 1.1e6, {"drone": 60, "ballistic": 40}, {"ISR": 4, "USA": 2}),
]


@pytest.mark.parametrize("values", [[91, 95, 88, 97], [1.5, 2.5], np.arange(30) ** 1.5])
def test_ci_matches_scipy_t_interval(values: Any) -> None:
    x = np.asarray(values, dtype=float)
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    out = confidence_interval(list(x))
    assert out["mean"] == pytest.approx(x.mean())
    assert out["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    assert out["values"] == pytest.approx(list(x))


def test_ci_of_one_value_is_undefined_and_of_constants_is_a_point() -> None:
    assert confidence_interval([3.0]) == {"mean": 3.0, "ci95": None, "values": [3.0]}
    assert confidence_interval([2.0, 2.0, 2.0])["ci95"] == [2.0, 2.0]


def test_summarise_headline_figures() -> None:
    reps = copy.deepcopy(REPS)
    out = summarise(reps)
    s = out["replications_summary"]
    x = np.array([91, 95, 88, 97], dtype=float)
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert s["threats"]["intercepted"]["mean"] == pytest.approx(92.75)
    assert s["threats"]["intercepted"]["ci95"] == pytest.approx([lo, hi])
    assert s["threats"]["leaked"]["values"] == [9.0, 5.0, 12.0, 3.0]
    assert s["interceptors"]["cost"]["mean"] == pytest.approx(1.075e6)
    assert s["value_damaged"]["values"] == [0.5, 1.0, 1.5, 2.0]
    assert s["civil_engagements"]["ci95"] == [0.0, 0.0]
    # a class or member missing from a replication counts as zero there
    assert s["threats"]["by_class"]["cruise"]["launched"]["values"] == [0.0, 0.0, 3.0, 0.0]
    assert s["interceptors"]["by_member"]["USA"]["fired"]["values"] == [3.0, 0.0, 1.0, 2.0]
    assert s["interceptors"]["by_member"]["ISR"]["cost"]["mean"] == pytest.approx(55.0)
    assert s["interceptors"]["by_type"]["SM-3"]["fired"]["values"] == [8.0, 7.0, 7.0, 6.0]


def test_summarise_keeps_the_first_replication_and_does_not_touch_inputs() -> None:
    reps = copy.deepcopy(REPS)
    out = summarise(reps)
    assert out["replications"] == 4
    assert out["seeds"] == [1, 2, 3, 4]
    assert out["engagements"] == [{"threat_id": "T1", "result": "kill"}]
    assert out["threats"]["intercepted"] == 91
    assert out["caveats"] == {"note": 1}
    assert reps == REPS
    out["engagements"].append({})
    assert reps[0]["engagements"] == [{"threat_id": "T1", "result": "kill"}]


def test_summarise_errors_are_input_errors() -> None:
    with pytest.raises(InputError, match="no replications"):
        summarise([])
    bad = copy.deepcopy(REPS[:2])
    bad[1]["threats"]["launched"] = "many"
    with pytest.raises(InputError, match=r"replications\[1\]\.threats\.launched"):
        summarise(bad)


def test_summarise_misdeclared_track_seconds() -> None:
    """``identification.misdeclared`` is summarised like the headline figures (each pair's
    mean, CI and values), and only when the replications carry it."""
    reps = copy.deepcopy(REPS)
    seconds = [[0.0, 30.0], [10.0, 0.0], [25.0, 5.0], [5.0, 5.0]]
    for rep, (neutral, suspect) in zip(reps, seconds, strict=True):
        rep["identification"] = {"misdeclared": {
            "threat_as_neutral_s": neutral, "threat_as_friend_s": 0.0,
            "civil_as_suspect_s": suspect, "civil_as_hostile_s": 0.0,
            "friend_as_suspect_s": 0.0, "friend_as_hostile_s": 0.0}}
    s = summarise(reps)["replications_summary"]["identification"]["misdeclared"]
    assert list(s) == list(reps[0]["identification"]["misdeclared"])
    x = np.array([0.0, 10.0, 25.0, 5.0])
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert s["threat_as_neutral_s"]["mean"] == pytest.approx(10.0)
    assert s["threat_as_neutral_s"]["ci95"] == pytest.approx([lo, hi])
    assert s["civil_as_suspect_s"]["values"] == [30.0, 0.0, 5.0, 5.0]
    assert "identification" not in summarise(copy.deepcopy(REPS))["replications_summary"]
