"""The reach screens never drop a pair a shot could join (brute force over sampled motion)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.assignment import may_reach, within_reach
from inkless.scenario import load_scenario
from inkless.scenario.tables import FireUnitTable, compile_tables
from inkless.sensing import EnuFrame
from inkless.simulation import BALLISTIC

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


@cache
def units() -> tuple[FireUnitTable, EnuFrame]:
    tables = compile_tables(load_scenario(BASICS))
    frame = EnuFrame.at(float(tables.assets.lat.mean()), float(tables.assets.lon.mean()), 0.0)
    return tables.units, frame


coord = st.floats(-400e3, 400e3)


@settings(max_examples=200, deadline=None)
@given(pos=st.tuples(coord, coord, st.floats(0.0, 200e3)),
       vel=st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000), st.floats(-3000, 3000)),
       cls=st.integers(0, 2))
def test_may_reach_keeps_every_threat_that_comes_within_range(
        pos: tuple[float, float, float], vel: tuple[float, float, float], cls: int) -> None:
    """A threat flown on from its state (straight line; ballistic: falling at g) that comes
    within a capable unit's maximum range inside the unit's look-ahead is kept."""
    table, frame = units()
    enu = frame.from_ecef(table.ecef)
    flyout = table.r_max / table.speed
    dt = 5.0
    p, v = np.array([pos]), np.array([vel])
    kept = may_reach(table, enu, p, v, np.array([cls]), flyout, dt)[0]
    for u in np.flatnonzero(table.pk[:, cls] > 0).tolist():
        t = np.linspace(0.0, min(flyout[u], 900.0) + 2 * dt, 200)[:, None]
        g = np.array([0.0, 0.0, -9.81]) if cls == BALLISTIC else np.zeros(3)
        path = p + v * t + 0.5 * g * t**2
        if (np.linalg.norm(path - enu[u], axis=1) <= table.r_max[u]).any():
            assert kept


@settings(max_examples=200, deadline=None)
@given(data=st.data(), k=st.integers(1, 4))
def test_within_reach_keeps_every_path_with_a_sample_in_range(data: st.DataObject,
                                                              k: int) -> None:
    table, _ = units()
    us = np.arange(len(table.id))
    centre = table.ecef.mean(axis=0)
    pts = np.array(data.draw(st.lists(st.tuples(coord, coord, coord), min_size=6 * k,
                                      max_size=6 * k)), dtype=float).reshape(6, k, 3)
    ecef = centre + pts
    ecef[data.draw(st.integers(0, 5)):, data.draw(st.integers(0, k - 1))] = np.nan  # ended
    out = within_reach(table, us, ecef)
    d = np.linalg.norm(ecef[:, None, :, :] - table.ecef[None, :, None, :], axis=3)  # (t, u, k)
    truly = np.nan_to_num(d, nan=np.inf).min(axis=0) <= table.r_max[:, None]
    assert not (truly & ~out).any()


def test_within_reach_a_path_never_in_flight_reaches_no_unit() -> None:
    """A path that is NaN at every sample (the track's flight ended before the look-ahead, or
    no sample at all) is within no unit's reach, even beside a unit; the paths in flight beside
    it are screened as alone."""
    table, _ = units()
    us = np.arange(len(table.id))
    ecef = np.repeat(table.ecef[:1][None], 4, axis=0).repeat(3, axis=1)  # (4, 3, 3): at unit 0
    ecef[:, 1] = np.nan  # never in flight
    ecef[2:, 2] = np.nan  # ends half-way
    out = within_reach(table, us, ecef)
    assert not out[:, 1].any()
    assert out[0, 0] and out[0, 2]
    np.testing.assert_array_equal(out[:, 0], within_reach(table, us, ecef[:, :1])[:, 0])
    assert within_reach(table, us, np.zeros((0, 2, 3))).shape == (len(us), 2)
    assert not within_reach(table, us, np.zeros((0, 2, 3))).any()
