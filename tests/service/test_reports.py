"""A node's ``report`` is checked where it comes in (:meth:`inkless.service.live.Session.plots`):
a plot without its measurement, with one that is not a finite number, or with a sigma not
> 0 (as a real sensor node's, :meth:`~inkless.service.live.Session.real_plots`), is refused
with one line, and the cycle it was pushed for still steps (in process: no server needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inkless.coalition import KeyStore

from .conftest import SCENARIO


def _session(keys: Path) -> Any:
    from inkless.scenario import load_scenario
    from inkless.service.live import Session
    from inkless.wargame import legal_record

    sc = load_scenario(SCENARIO)
    return Session(sc, legal_record(sc).letters, KeyStore(keys).secret(create=False))


@pytest.mark.parametrize("damage", [
    lambda p: p.pop("range_m"),
    lambda p: p.update(az_deg="north"),
    lambda p: p.update(el_deg=float("nan")),
    lambda p: p.update(sigma=[1.0, 2.0]),
    lambda p: p.update(sigma=None),
    lambda p: p.update(sigma=[0.0, 0.1, 0.1]),  # a perfect plot: a track of no error
])
def test_a_damaged_plot_is_refused_and_the_cycle_steps(keys: Path, damage: Any) -> None:
    s = _session(keys)
    tick, member, msg = next((k, m, x) for k in range(s.engine.last_tick) if not s.idle(k)
                             for m, x in s.simulated(k).items() if x["plots"])
    msg = json.loads(json.dumps(msg))
    damage(msg["plots"][0])
    got = s.plots(member, msg)
    assert isinstance(got, str) and got.startswith("report:") and "\n" not in got, got
    assert s.step(tick, {}, set(s.members)).tick == tick
