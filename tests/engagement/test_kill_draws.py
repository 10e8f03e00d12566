"""Kill draws are common random numbers: a shot's luck depends only on (threat, how many shots
at that threat came before it), never on the shots at other threats."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.engagement import KILL, MISS, InFlight, KillDraws, resolve


@given(st.lists(st.lists(st.integers(0, 4), max_size=6), max_size=8))
@settings(max_examples=60, deadline=None)
def test_take_counts_shots_per_threat(batches: list[list[int]]) -> None:
    draws = KillDraws.draw(np.random.default_rng(3), 5, width=4)
    seen = [0] * 5
    for batch in batches:
        got = draws.take(np.array(batch, dtype=np.int64))
        expected = []
        for j in batch:  # the brute-force count, one shot at a time
            expected.append(draws.u[j, seen[j] % 4])
            seen[j] += 1
        np.testing.assert_array_equal(got, np.array(expected, dtype=float).reshape(-1))


def _shots(extra_at_a: int) -> np.ndarray:
    """Threat B (row 1) gets the same three shots in both runs; threat A (row 0) gets
    ``extra_at_a`` more shots fired before each of B's. Returns B's results."""
    draws = KillDraws.draw(np.random.default_rng(42), 2)
    flight = InFlight(capacity=64)
    alive = np.array([True, True])
    impact = np.array([1e9, 1e9])
    out = []
    for k in range(3):
        t = 10.0 * k
        threats = np.r_[np.zeros(extra_at_a, np.int64), 1]
        m = len(threats)
        flight.fire(np.zeros(m, np.int64), threats, t, np.full(m, t + 5.0), np.zeros((m, 3)),
                    np.full(m, 0.5), draws.take(threats))
        alive[0] = True  # A is revived so every shot at it draws
        rows = resolve(flight, t + 5.0, alive, impact)
        out.append(flight.result[rows[flight.threat[rows] == 1]])
        if not alive[1]:
            break
    return np.concatenate(out)


def test_shots_at_one_threat_do_not_change_the_luck_of_another() -> None:
    base = _shots(0)
    assert set(base.tolist()) <= {KILL, MISS}
    for extra in (1, 2, 5):
        np.testing.assert_array_equal(_shots(extra), base)


def test_kill_frequency_matches_pk() -> None:
    """Over many threats the kill share of first shots at pk 0.3 is binomial (4 sigma)."""
    n, pk = 20000, 0.3
    draws = KillDraws.draw(np.random.default_rng(5), n)
    flight = InFlight(capacity=n)
    flight.fire(np.zeros(n, np.int64), np.arange(n), 0.0, np.ones(n), np.zeros((n, 3)),
                np.full(n, pk), draws.take(np.arange(n)))
    resolve(flight, 1.0, np.ones(n, bool), np.full(n, 10.0))
    kills = int((flight.result == KILL).sum())
    assert abs(kills - n * pk) <= 4 * np.sqrt(n * pk * (1 - pk))
