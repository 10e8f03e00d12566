"""Simulated ADS-B reports and IFF replies: who reports, dropout rate and noise statistics
(binomial and chi-square bounds), determinism; the coalition's aircraft of the April example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from inkless.physics.geodesy import ecef_from_geodetic
from inkless.scenario import load_scenario
from inkless.scenario.model import Patrol
from inkless.scenario.tables import compile_tables
from inkless.simulation.adsb import (
    CoalitionAircraft,
    _cross,
    coalition_aircraft,
    forged_reports,
    simulate_adsb,
    simulate_iff,
)
from inkless.simulation.patrol import FIRED, OPEN, Sorties

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def aircraft(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lat = np.radians(rng.uniform(20, 40, n))
    lon = np.radians(rng.uniform(30, 50, n))
    pos = ecef_from_geodetic(lat, lon, rng.uniform(1000, 12000, n)).reshape(-1, 3)
    return pos, rng.normal(scale=150.0, size=(n, 3))


def test_who_reports_and_how_often() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    pos, vel = aircraft(n, rng)
    active = rng.random(n) < 0.8
    coop = rng.random(n) < 0.9
    r = simulate_adsb(pos, vel, active, coop, np.arange(n), 12.0, np.random.default_rng(1),
                      dropout=0.2)
    assert set(r.source.tolist()) <= set(np.flatnonzero(active & coop).tolist())
    eligible = int((active & coop).sum())
    lo, hi = stats.binom.interval(1 - 1e-6, eligible, 0.8)
    assert lo <= len(r) <= hi
    np.testing.assert_array_equal(r.icao24, r.source)
    assert r.t == 12.0


def test_noise_statistics() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    pos, vel = aircraft(n, rng)
    on = np.ones(n, dtype=bool)
    r = simulate_adsb(pos, vel, on, on, np.arange(n), 0.0, np.random.default_rng(4),
                      sigma_m=30.0, sigma_alt_m=15.0, sigma_mps=2.0, dropout=0.0)
    d = r.pos - pos
    up = pos / np.linalg.norm(pos, axis=1, keepdims=True)
    v = (d * up).sum(axis=1)
    h = d - v[:, None] * up
    # sums of squares against chi-square bounds with 2n and n degrees of freedom
    q = 1e-6
    assert stats.chi2.ppf(q, 2 * n) <= (h**2).sum() / 30.0**2 <= stats.chi2.ppf(1 - q, 2 * n)
    assert stats.chi2.ppf(q, n) <= (v**2).sum() / 15.0**2 <= stats.chi2.ppf(1 - q, n)
    dv = (r.vel - vel).ravel()
    assert stats.chi2.ppf(q, 3 * n) <= (dv**2).sum() / 2.0**2 <= stats.chi2.ppf(1 - q, 3 * n)


def test_same_seed_same_reports() -> None:
    pos, vel = aircraft(100, np.random.default_rng(5))
    on = np.ones(100, dtype=bool)
    a = simulate_adsb(pos, vel, on, on, np.arange(100), 0.0, np.random.default_rng(9))
    b = simulate_adsb(pos, vel, on, on, np.arange(100), 0.0, np.random.default_rng(9))
    np.testing.assert_array_equal(a.pos, b.pos)
    np.testing.assert_array_equal(a.source, b.source)


def test_forged_reports_concat() -> None:
    f = forged_reports(5.0, np.zeros((2, 3)), np.ones((2, 3)), [1, 2])
    e = simulate_adsb(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0, bool), np.zeros(0, bool),
                      np.zeros(0, np.int64), 5.0, np.random.default_rng(0))
    both = e.concat(f)
    assert len(both) == 2 and (both.source == -1).all() and both.sigma_h.tolist() == [30.0] * 2


def test_iff_reply_rate() -> None:
    pos, _ = aircraft(3000, np.random.default_rng(6))
    r = simulate_iff(pos, np.ones(3000, dtype=bool), 0.0, np.random.default_rng(7), p_reply=0.9)
    lo, hi = stats.binom.interval(1 - 1e-6, 3000, 0.9)
    assert lo <= len(r) <= hi
    assert np.abs(r.pos - pos[r.source]).max() < 100.0 * 6


def test_coalition_aircraft_of_the_april_example() -> None:
    sc = load_scenario(EXAMPLES / "april-2024.yaml")
    ca = coalition_aircraft(sc, compile_tables(sc))
    # the AWACS, three patrols carrying their radar, four patrols without one
    assert len(ca) == 8
    assert "usa-cap-1-radar+usa-cap-1" in ca.id and "usa-awacs" in ca.id
    pos, vel, active = ca.state(100.0)
    assert active.all() and np.isfinite(pos).all() and (vel == 0).all()
    grid, alt = ca.grid(10.0, 3)
    assert grid.shape == (3, 8, 3) and np.allclose(alt.min(), 6000.0, atol=1.0)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(0, 6), st.just(3)),
              elements=st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-300, 6.4e6, -3.3e-7])
              | st.floats(-1e7, 1e7)),
       arrays(np.float64, (3,), elements=st.floats(-1e7, 1e7)))
def test_local_cross_is_numpys_bit_for_bit(b: np.ndarray, a: np.ndarray) -> None:
    """The local axes' cross product is ``numpy.cross`` to the last bit and sign of zero
    (authority: numpy), broadcast like it."""
    np.testing.assert_array_equal(_cross(a, b), np.cross(a, b))
    np.testing.assert_array_equal(np.signbit(_cross(b, b[::-1])), np.signbit(np.cross(b, b[::-1])))
    np.testing.assert_array_equal(_cross(np.array([0.0, 0.0, 1.0]), b),
                                  np.cross(np.array([0.0, 0.0, 1.0]), b))


def _patrol(name: str) -> Patrol:
    """Three flights of two from (31 N, 35 E) to a 20 km orbit 1.8 degrees north at 8 km."""
    return Patrol.model_validate({
        "id": name, "owner": "A", "base": {"lat_deg": 31.0, "lon_deg": 35.0},
        "station": {"centre": {"lat_deg": 32.8, "lon_deg": 35.0, "alt_m": 8000.0},
                    "radius_km": 20.0},
        "interceptor": "aam", "missiles_per_aircraft": 4, "cruise_speed_mps": 230.0,
        "dash_speed_mps": 400.0, "endurance_s": 10800.0, "reserve_s": 1200.0, "flights": 3})


def _patrol_aircraft(sorties: Sorties) -> CoalitionAircraft:
    """Every aircraft of ``sorties`` as a coalition aircraft of its own (no radar, no unit)."""
    n = len(sorties)
    none = np.full(n, -1, np.int64)
    return CoalitionAircraft(sorties.ids, np.zeros(n, np.int64), none, none,
                             np.full((n, 3), np.nan), none, None, np.arange(n), sorties)


def test_flying_rewrites_exactly_the_aircraft_whose_path_changed() -> None:
    """Two patrols of three flights of two; both aircraft of the first patrol's first flight
    fire their last missile 30 min after take-off and go home, so its next flight launches
    early (its third keeps its schedule). Flying that from the shot's tick rewrites the
    columns of the first patrol's first four aircraft, bit for bit as a grid built from
    scratch with the sorties as flown (the authority: :meth:`CoalitionAircraft.grid`), and
    leaves the other columns, whose paths did not change, untouched (a sentinel there
    survives); so does a dash cut where it fired (changed in place, not added): only its
    aircraft is rewritten. Before: every patrol aircraft's column was rewritten to the end of
    the run at every change of any sortie (and, at a dash changed in place, still was)."""
    planned = Sorties.plan([_patrol("cap1"), _patrol("cap2")])
    dt, ticks, shot = 20.0, 1200, 90  # 6 h 40 min; the shot at 30 min
    t = shot * dt
    home = np.array([0, 1])
    flown = planned.vector(home, t, np.zeros(2), planned.positions(t)[0][home],
                           np.ones(2, bool))
    pos, alt = _patrol_aircraft(planned).grid(dt, ticks)
    want, want_alt = _patrol_aircraft(flown).grid(dt, ticks)
    moved = ~np.all((pos == want) | (np.isnan(pos) & np.isnan(want)), axis=(0, 2))
    assert moved.tolist() == [True] * 4 + [False] * 8
    pos[:, ~moved], alt[:, ~moved] = -1.0, -1.0
    cols = _patrol_aircraft(planned).fly(flown, dt, shot, pos, alt, before=planned)
    assert cols.tolist() == list(range(4))
    np.testing.assert_array_equal(pos[shot:, moved], want[shot:, moved])
    np.testing.assert_array_equal(alt[shot:, moved], want_alt[shot:, moved])
    assert (pos[:, ~moved] == -1.0).all() and (alt[:, ~moved] == -1.0).all()
    # aircraft 6 (cap2) flies out at the shot and fires 60 s later: its dash is cut in place
    a = np.array([6])
    out = flown.vector(a, t, np.array([120.0]), flown.positions(t)[0][a] + 30e3, np.zeros(1, bool),
                       outcome=OPEN)
    cut = out.cut(a, t + 60.0, flown.bingo[a], np.zeros(1, bool), FIRED)
    pos, alt = _patrol_aircraft(out).grid(dt, ticks)
    want, want_alt = _patrol_aircraft(cut).grid(dt, ticks)
    pos[:, :6], alt[:, :6] = -1.0, -1.0
    cols = _patrol_aircraft(out).fly(cut, dt, shot + 3, pos, alt, before=out)
    assert cols.tolist() == [6]
    np.testing.assert_array_equal(pos[shot + 3:, 6], want[shot + 3:, 6])
    assert (pos[:, :6] == -1.0).all()
