"""Identification quality measures against hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inkless.identification import (
    ASSUMED_FRIEND,
    FRIEND,
    HOSTILE,
    NEUTRAL,
    PENDING,
    SUSPECT,
    TRUTH_CIVIL,
    TRUTH_COALITION,
    TRUTH_THREAT,
    UNKNOWN,
    Identities,
    IdentityLog,
    correct_fraction,
    correct_fraction_held,
    declaration_delays,
    declared_too_late,
    identification_results,
    identity_timeline,
    leaked_due_to_late_declaration,
)
from inkless.identification.measures import MISDECLARED_KEYS, misdeclared

KIND = np.array([TRUTH_THREAT, TRUTH_THREAT, TRUTH_CIVIL, TRUTH_COALITION], dtype=np.int8)


def ids(t: float, track: list[int], cat: list[int]) -> Identities:
    e = Identities.empty(t)
    n = len(track)
    f = np.zeros(n)
    i = np.zeros(n, np.int64)
    return Identities(
        np.array(track, np.int64), np.array(cat, np.int8), np.zeros(n, np.uint32),
        np.zeros(n, np.uint32), f, f, i, i, i, f, np.zeros(n, bool), f, f, f, i, e.t,
    )


def log() -> IdentityLog:
    lg = IdentityLog()
    # member 0: threat 0 pending then hostile; civil neutral; a false track hostile
    lg.append(0, ids(0.0, [10, 11, 99], [PENDING, NEUTRAL, HOSTILE]), [0, 2, -1], 5.0)
    lg.append(0, ids(5.0, [10, 11, 99], [HOSTILE, NEUTRAL, HOSTILE]), [0, 2, -1], 5.0)
    lg.append(0, ids(10.0, [10, 11], [HOSTILE, SUSPECT]), [0, 2], 5.0)
    # member 1: threat 1 unknown then hostile at 15 s; coalition aircraft assumed friend
    lg.append(1, ids(10.0, [3, 4], [UNKNOWN, ASSUMED_FRIEND]), [1, 3], 10.0)
    lg.append(1, ids(20.0, [3, 4], [HOSTILE, FRIEND]), [1, 3], 10.0)
    return lg


def test_correct_fraction() -> None:
    h = log().history()
    overall, per = correct_fraction(h, KIND, 2)
    # member 0: 8 real samples of 5 s... rows: (0 pend x)(2 neu ok)(0 hos ok)(2 neu ok)
    # (0 hos ok)(2 sus x) -> 4 of 6 correct, 30 s total, 20 s correct
    # member 1: (1 unk x)(3 af ok)(1 hos ok)(3 fr ok) -> 30 of 40 s
    assert per == [20 / 30, 30 / 40]
    assert overall == (20 + 30) / (30 + 40)


def test_declaration_delays_and_results() -> None:
    h = log().history()
    detect = np.array([0.0, 8.0])
    d = declaration_delays(h, detect)
    np.testing.assert_array_equal(d, [5.0, 12.0])
    late = leaked_due_to_late_declaration([True, True], [False, True], [True, True])
    assert late.tolist() == [True, False]
    out = identification_results(h, KIND, detect, late, ("A", "B"))
    assert out["mean_declaration_delay_s"] == 8.5
    assert out["leaked_due_to_late_declaration"] == 1
    assert out["correct_fraction_by_member"] == {"A": round(2 / 3, 6), "B": 0.75}
    assert out["declared"] == 2 and out["detected"] == 2


def test_never_declared_threat_has_no_delay() -> None:
    lg = IdentityLog()
    lg.append(0, ids(0.0, [1], [SUSPECT]), [0], 5.0)
    d = declaration_delays(lg.history(), np.array([0.0, np.nan]))
    assert np.isnan(d).all()
    out = identification_results(lg.history(), KIND, [0.0, np.nan], [False, False], ("A",))
    assert out["mean_declaration_delay_s"] is None and out["correct_fraction"] == 0.0


def test_timeline_counts() -> None:
    times, counts = identity_timeline(log().history(), KIND)
    np.testing.assert_array_equal(times, [0.0, 5.0, 10.0, 20.0])
    np.testing.assert_array_equal(counts["threat"]["hostile"], [0, 1, 1, 1])
    np.testing.assert_array_equal(counts["threat"]["unknown"], [0, 0, 1, 0])
    np.testing.assert_array_equal(counts["false"]["hostile"], [1, 1, 0, 0])
    np.testing.assert_array_equal(counts["coalition"]["friend"], [0, 0, 0, 1])
    assert counts["civil"]["neutral"].sum() == 2 and FRIEND != NEUTRAL


def test_declared_too_late_from_times() -> None:
    nan = np.nan
    landed = [True, True, True, True, True, False]
    engaged = [False, False, False, True, False, False]
    detect = [10.0, 10.0, 10.0, 10.0, 200.0, 10.0]
    declared = [150.0, 50.0, nan, 150.0, 250.0, 150.0]
    last_fire = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    got = declared_too_late(landed, engaged, detect, declared, last_fire)
    # late; in time; never declared; engaged anyway; detected too late to matter; intercepted
    assert got.tolist() == [True, False, True, False, False, False]
    assert not declared_too_late([True], [False], [0.0], [nan], [nan]).any()


def test_correct_fraction_held_by_hand() -> None:
    """Rows of one picture held by members through bits: member A (bit 0) holds the threat and
    the civil track, B (bit 1) only the civil track, C (bit 2) nothing."""
    lg = IdentityLog()
    lg.append(0, ids(0.0, [10, 11], [PENDING, NEUTRAL]), [0, 2], 5.0)
    lg.append(0, ids(5.0, [10, 11], [HOSTILE, NEUTRAL]), [0, 2], 5.0)
    held = np.array([0b001, 0b011, 0b001, 0b011], np.uint64)
    # A: pend x, neu ok, hos ok, neu ok -> 15 of 20 s; B: neu ok, neu ok -> 1
    assert correct_fraction_held(lg.history(), KIND, held, 3) == [0.75, 1.0, None]


def test_misdeclared_track_seconds_by_hand() -> None:
    """log(): the civil track suspect for 5 s; nothing else misdeclared (pending, unknown and
    hostile false tracks are not in any pair)."""
    out = misdeclared(log().history(), KIND)
    assert out == {"threat_as_neutral_s": 0.0, "threat_as_friend_s": 0.0,
                   "civil_as_suspect_s": 5.0, "civil_as_hostile_s": 0.0,
                   "friend_as_suspect_s": 0.0, "friend_as_hostile_s": 0.0}
    res = identification_results(log().history(), KIND, [0.0, 8.0], [False, False], ("A", "B"))
    assert res["misdeclared"] == out


@given(st.lists(st.tuples(st.integers(-1, 3), st.integers(PENDING, HOSTILE),
                          st.sampled_from([1.0, 2.5, 5.0, 10.0])), max_size=40))
def test_misdeclared_is_the_sum_over_rows(rows: list[tuple[int, int, float]]) -> None:
    """Against a row-by-row count: each pair's track-seconds are the weights of the rows whose
    truth kind and category are that pair's (friend: friend or assumed friend)."""
    lg = IdentityLog()
    for k, (truth, cat, w) in enumerate(rows):
        lg.append(0, ids(float(k), [k], [cat]), [truth], w)
    want = dict.fromkeys(MISDECLARED_KEYS, 0.0)
    names = {TRUTH_THREAT: "threat", TRUTH_CIVIL: "civil", TRUTH_COALITION: "friend"}
    declared = {NEUTRAL: "neutral", FRIEND: "friend", ASSUMED_FRIEND: "friend",
                SUSPECT: "suspect", HOSTILE: "hostile"}
    for truth, cat, w in rows:
        if truth < 0 or cat not in declared:
            continue
        key = f"{names[int(KIND[truth])]}_as_{declared[cat]}_s"
        if key in want:
            want[key] += w
    got = misdeclared(lg.history(), KIND)
    assert list(got) == list(MISDECLARED_KEYS)
    assert got == pytest.approx(want)
