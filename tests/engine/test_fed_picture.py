"""A fed picture decides as the tracked picture does when fed what the tracked run received
(issue 10): the reports of a simulated tracked run (radar plots with their sensors, ADS-B, IFF,
filed plans), pushed into an engine whose picture is fed, through ``Engine.step``, give the
same interceptors, at the same times, from the same units, at the same aim points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from inkless.engine import Engine, Inputs, Reports
from inkless.errors import InputError
from inkless.scenario import Scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def airliner() -> Scenario:
    """The airliner example cut to its first 40 minutes: cruise missiles, drones, civil traffic
    and coalition aircraft answering IFF."""
    data = yaml.safe_load((EXAMPLES / "airliner-in-the-raid.yaml").read_text())
    data["settings"]["duration_s"] = min(2400, data["settings"]["duration_s"])
    return parse_scenario(yaml.safe_dump(data), "airliner-cut.yaml")


def test_fed_reports_give_the_tracked_decisions() -> None:
    sc = airliner()
    tracked = Engine(sc, 5, picture="tracked")
    received: dict[int, Reports] = {}
    simulate = tracked.picture.reports  # type: ignore[attr-defined]

    def keep(tick: int, t: float, alive: np.ndarray) -> Reports:
        received[tick] = simulate(tick, t, alive)
        return received[tick]

    tracked.picture.reports = keep  # type: ignore[attr-defined]
    want = tracked.run()
    assert want.flight.n > 5 and sum(len(r.det) for r in received.values()) > 1000

    fed = Engine(sc, 5, picture="tracked", fed=True)
    tick: int | None = 0
    last = 0
    while tick is not None and tick <= fed.last_tick:
        last = tick
        got_in = received.get(tick)
        tick = fed.step(tick, None if got_in is None else Inputs(reports=got_in)).next_tick
    got = fed.record(last if tick is None else tick)

    n = want.flight.n
    assert got.flight.n == n
    for f in ("unit", "threat", "fire_time", "intercept_time", "result"):
        np.testing.assert_array_equal(getattr(got.flight, f)[:n], getattr(want.flight, f)[:n])
    np.testing.assert_allclose(got.flight.point[:n], want.flight.point[:n], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got.fate, want.fate)


def test_a_fed_picture_with_nothing_pushed_engages_nothing() -> None:
    """No reports, no tracks: nothing is fired and every threat that lands in time lands."""
    eng = Engine(airliner(), 5, picture="tracked", fed=True)
    rec = eng.run()
    assert rec.flight.n == 0
    assert np.isnan(rec.detect_time).all()


def test_reports_only_to_a_fed_picture() -> None:
    eng = Engine(airliner(), 5, picture="tracked")
    some = Engine(airliner(), 5, picture="tracked", fed=True)
    got = some.picture.reports(0, 0.0, some.threats.alive)  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="not fed"):
        eng.step(0, Inputs(reports=got))


def test_a_fed_picture_gives_the_simulated_reports_of_the_tracked_one() -> None:
    """``simulated`` (what a live service sends to the member nodes) is the tracked picture's
    own simulation on either picture; the fed picture's ``reports`` are only what was pushed."""
    sc = airliner()
    tracked = Engine(sc, 5, picture="tracked")
    fed = Engine(sc, 5, picture="tracked", fed=True)
    plots = 0
    for tick in range(40):
        t = tick * tracked.dt
        want = tracked.picture.reports(tick, t, tracked.threats.alive)  # type: ignore[attr-defined]
        got = fed.picture.simulated(tick, t, fed.threats.alive)  # type: ignore[attr-defined]
        assert len(fed.picture.reports(tick, t, fed.threats.alive).det) == 0  # type: ignore[attr-defined]
        np.testing.assert_array_equal(got.z, want.z)
        np.testing.assert_array_equal(got.det.sensor, want.det.sensor)
        np.testing.assert_array_equal(got.sensors, want.sensors)
        np.testing.assert_array_equal(got.evidence.iff.pos, want.evidence.iff.pos)
        plots += len(got.det)
    assert plots > 0
