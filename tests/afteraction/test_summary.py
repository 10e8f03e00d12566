"""Replication statistics checked against scipy.stats and by hand."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy import stats

from inkless.afteraction import confidence_interval, summarise
from inkless.afteraction.findings import Findings
from inkless.errors import InputError

WHY = {"value_at_risk": 10.0, "value_saved": 8.5, "cost": 1.2, "alternatives": 0,
       "best_alternative_unit": None, "best_alternative_value_saved": None,
       "latest_launch_s": None, "shots_fit": 1}


def _rep(minimal: dict[str, Any], seed: int, launched: int, intercepted: int, cost: float,
         classes: dict[str, int], members: dict[str, int]) -> dict[str, Any]:
    return {
        **minimal, "seed": seed,
        "threats": {
            "launched": launched, "intercepted": intercepted, "leaked": launched - intercepted,
            "in_flight_at_end": 0,
            "by_class": {c: {"launched": n, "intercepted": n, "leaked": 0}
                         for c, n in classes.items()},
        },
        "interceptors": {
            "fired": sum(members.values()), "cost": cost,
            "by_member": {m: {"fired": n, "cost": 10.0 * n} for m, n in members.items()},
            "by_type": {"SM-3": {"fired": sum(members.values()), "cost": cost}},
        },
        "engagements": [{"threat_id": f"T{seed}", "threat_class": "drone", "unit_id": "u",
                         "member": "ISR", "fire_time_s": 1.0, "intercept_time_s": 2.0,
                         "result": "kill", "intercept_lat": 0.0, "intercept_lon": 0.0,
                         "intercept_alt_m": 0.0, "why": WHY}],
        "value_damaged": 0.5 * seed,
    }


#: An identification section but its misdeclared pairs.
IDENTIFICATION = {"correct_fraction": None, "correct_fraction_by_member": {},
                  "mean_declaration_delay_s": None, "detected": 0, "declared": 0,
                  "leaked_due_to_late_declaration": 0}

@pytest.fixture
def REPS(minimal: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _rep(minimal, 1, 100, 91, 1.0e6, {"drone": 60, "ballistic": 40}, {"ISR": 5, "USA": 3}),
        _rep(minimal, 2, 100, 95, 1.3e6, {"drone": 60, "ballistic": 40}, {"ISR": 7}),
        _rep(minimal, 3, 100, 88, 0.9e6, {"drone": 60, "ballistic": 40, "cruise": 3},
             {"ISR": 6, "USA": 1}),
        _rep(minimal, 4, 100, 97, 1.1e6, {"drone": 60, "ballistic": 40}, {"ISR": 4, "USA": 2}),
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


def _findings(reps: list[dict[str, Any]]) -> list[Findings]:
    return [Findings.model_validate(r) for r in reps]


def test_summarise_headline_figures(REPS: list[dict[str, Any]]) -> None:
    out = summarise(_findings(REPS)).model_dump(mode="json")
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


def test_summarise_keeps_the_first_replication_and_does_not_touch_inputs(
        REPS: list[dict[str, Any]]) -> None:
    reps = _findings(REPS)
    before = [r.to_json() for r in reps]
    out = summarise(reps)
    assert out.replications == 4
    assert out.seeds == (1, 2, 3, 4)
    assert out.engagements == reps[0].engagements
    assert out.threats.intercepted == 91
    assert [r.to_json() for r in reps] == before


def test_summarise_of_nothing_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no replications"):
        summarise([])


def test_summarise_misdeclared_track_seconds(REPS: list[dict[str, Any]]) -> None:
    """``identification.misdeclared`` is summarised like the headline figures (each pair's
    mean, CI and values), and only when the replications carry it."""
    reps = copy.deepcopy(REPS)
    seconds = [[0.0, 30.0], [10.0, 0.0], [25.0, 5.0], [5.0, 5.0]]
    for rep, (neutral, suspect) in zip(reps, seconds, strict=True):
        rep["identification"] = {**IDENTIFICATION, "misdeclared": {
            "threat_as_neutral_s": neutral, "threat_as_friend_s": 0.0,
            "civil_as_suspect_s": suspect, "civil_as_hostile_s": 0.0,
            "friend_as_suspect_s": 0.0, "friend_as_hostile_s": 0.0}}
    out = summarise(_findings(reps)).model_dump(mode="json")
    s = out["replications_summary"]["identification"]["misdeclared"]
    assert list(s) == list(reps[0]["identification"]["misdeclared"])
    x = np.array([0.0, 10.0, 25.0, 5.0])
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert s["threat_as_neutral_s"]["mean"] == pytest.approx(10.0)
    assert s["threat_as_neutral_s"]["ci95"] == pytest.approx([lo, hi])
    assert s["civil_as_suspect_s"]["values"] == [30.0, 0.0, 5.0, 5.0]
    assert summarise(_findings(REPS)).replications_summary.identification is None  # type: ignore[union-attr]
