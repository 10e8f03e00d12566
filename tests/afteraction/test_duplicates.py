"""``interceptors.lost_to_duplicates`` against a scalar twin that follows its definition in
docs/results.md shot by shot, on random shot tables (threats, tracks, flights and results)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.afteraction.results import lost_to_duplicates
from inkless.engagement import KILL, LOST, MISS
from inkless.engagement.flyout import InFlight
from inkless.engine import Record


def twin(fl: InFlight, track: np.ndarray) -> int:
    """A shot that did not kill, whose threat another shot at a different track was in the air
    with, or had killed before it was fired."""
    count = 0
    for k in range(fl.n):
        if fl.threat[k] < 0 or fl.result[k] == KILL:
            continue
        for o in range(fl.n):
            if o == k or fl.threat[o] != fl.threat[k] or track[o] == track[k]:
                continue
            overlap = (fl.fire_time[o] <= fl.intercept_time[k]
                       and fl.fire_time[k] <= fl.intercept_time[o])
            killed_before = fl.result[o] == KILL and fl.intercept_time[o] <= fl.fire_time[k]
            if overlap or killed_before:
                count += 1
                break
    return count


shot = st.tuples(
    st.integers(-1, 4),  # threat (-1: no threat behind the track)
    st.integers(0, 5),  # track
    st.integers(0, 20),  # fire time, 5 s steps
    st.integers(1, 8),  # flight, 5 s steps
    st.sampled_from([KILL, MISS, LOST]),
)


@given(st.lists(shot, max_size=30))
@settings(max_examples=300, deadline=None)
def test_lost_to_duplicates_equals_its_definition(shots: list[tuple[int, ...]]) -> None:
    fl = InFlight(capacity=max(len(shots), 1))
    for j, _, a, d, result in shots:
        fl.fire(np.array([0]), np.array([j]), 5.0 * a, np.array([5.0 * (a + d)]),
                np.zeros((1, 3)), np.ones(1), np.zeros(1))
        fl.result[fl.n - 1] = result
    track = np.array([s[1] for s in shots], dtype=np.int64)
    record = cast(Record, SimpleNamespace(flight=fl, shot_track=track))
    assert lost_to_duplicates(record) == twin(fl, track)


def test_perfect_picture_has_no_duplicates() -> None:
    fl = InFlight(capacity=2)
    fl.fire(np.array([0, 0]), np.array([0, 0]), 0.0, np.array([10.0, 10.0]), np.zeros((2, 3)),
            np.ones(2), np.zeros(2))
    assert lost_to_duplicates(cast(Record, SimpleNamespace(flight=fl, shot_track=None))) == 0
