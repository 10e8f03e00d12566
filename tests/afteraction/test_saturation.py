"""Saturation: how many fire channels each unit had busy over time and how many rounds it had
left, reconstructed after the run from its shots; checked against a brute-force count and
against the engine's own ledger (``DefenceState.busy`` and ``rounds``, read at every decision of
a stepped run), end to end on a salvo that saturates a one-channel battery."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from inkless.afteraction.saturation import busy_steps, fire_units, unit_load
from inkless.cli import app
from inkless.engine import Engine
from inkless.scenario import parse_scenario

# -- the step function against a brute-force count ----------------------------------------------

intervals = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 20)), min_size=0, max_size=25
).map(lambda xs: (np.array([5.0 * a for a, _ in xs]), np.array([5.0 * (a + b) for a, b in xs])))


def brute_busy(fire: np.ndarray, free: np.ndarray, t: float) -> int:
    """Channels busy at ``t``: shots fired at or before ``t`` and not yet freed (a channel freed
    at ``t`` serves a shot fired at ``t``)."""
    return int(((fire <= t) & (t < free)).sum())


@given(intervals)
@settings(max_examples=200, deadline=None)
def test_busy_steps_match_a_brute_force_count(iv: tuple[np.ndarray, np.ndarray]) -> None:
    fire, free = iv
    times, busy = busy_steps(fire, free)
    assert np.all(np.diff(times) > 0)
    for t in np.r_[fire, free, fire + 2.5, free - 2.5, -1.0, 1e6]:
        k = np.searchsorted(times, t, side="right") - 1
        assert (busy[k] if k >= 0 else 0) == brute_busy(fire, free, t)


@given(intervals, st.integers(1, 6), st.integers(0, 30))
@settings(max_examples=200, deadline=None)
def test_unit_load_against_brute_force(
    iv: tuple[np.ndarray, np.ndarray], channels: int, rounds: int
) -> None:
    fire, free = iv
    fire, free = fire[:rounds], free[:rounds]  # a unit never fires more than it holds
    load = unit_load(fire, free, channels, rounds)
    # every elementary interval between event times, judged at its midpoint
    edges = np.unique(np.r_[fire, free])
    full = [(a, b) for a, b in itertools.pairwise(edges)
            if brute_busy(fire, free, (a + b) / 2) >= channels]
    assert load.full_s == sum(b - a for a, b in full)
    assert load.first_full_s == (full[0][0] if full else None)
    assert load.peak_busy == max((brute_busy(fire, free, t) for t in edges), default=0)
    assert load.fired == len(fire) and load.rounds_left == rounds - len(fire)
    last = np.sort(fire)[rounds - 1] if 0 < rounds <= len(fire) else None
    assert load.out_of_rounds_s == (0.0 if rounds == 0 else last)


# -- end to end: a salvo against one battery with one channel -----------------------------------

SALVO = """
name: salvo
settings:
  epoch: 2025-01-01T00:00:00Z
  duration_s: 1800
  scan_period_s: 5
  seed: 3
members:
  - {id: HOST, name: Hostland, role: host}
assets:
  - {name: base, owner: HOST, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 100, radius_m: 4000}
interceptors:
  - {id: upper, min_range_km: 20, max_range_km: 800, min_altitude_km: 50, max_altitude_km: 500,
     speed_mps: 2500, pk: {ballistic: 0.8}, unit_cost_musd: 3.0}
sensors:
  - {id: lrr, owner: HOST, kind: ground, position: {lat_deg: 31.5, lon_deg: 34.9, alt_m: 100},
     range_km: {ballistic: 1200}, scan_period_s: 5}
fire_units:
  - {id: one-channel, owner: HOST, position: {lat_deg: 31.3, lon_deg: 34.9}, interceptor: upper,
     rounds: 4, channels: 1, reload_s: 0}
  - {id: spare, owner: HOST, position: {lat_deg: 31.1, lon_deg: 35.1}, interceptor: upper,
     rounds: 10, channels: 3, reload_s: 0}
raid:
  waves:
    - {id: salvo, threat_class: ballistic, count: 10, launch_window_s: [0, 30],
       launch_points: [{lat_deg: 33.5, lon_deg: 44.0}], aim_assets: [base], cep_m: 100}
"""


def test_channels_busy_is_the_engines_ledger_at_every_decision() -> None:
    """Stepping the engine one decision at a time, each unit's ``busy`` channels and ``rounds``
    after the decision at ``t`` are what ``fire_units`` reconstructs from the shots at ``t``."""
    engine = Engine(parse_scenario(SALVO, "salvo.yaml"), seed=3)
    ledger: list[tuple[float, list[int], list[int]]] = []
    tick: int | None = 0
    while tick is not None and tick <= engine.last_tick:
        t = tick * engine.dt
        tick = engine.step(tick).next_tick
        ledger.append((t, engine.defence.busy.tolist(), engine.defence.rounds.tolist()))
    units = [u.model_dump() for u in fire_units(engine.record(engine.last_tick))]
    assert any(u["channels_full_s"] for u in units)  # the salvo saturates a unit
    for k, u in enumerate(units):
        for t, busy, _ in ledger:
            steps = [s for s in u["channels_busy"] if s[0] <= t]
            assert (steps[-1][1] if steps else 0) == busy[k], (u["unit_id"], t)
        assert u["rounds_left"] == ledger[-1][2][k]
        dry = [t for t, _, rounds in ledger if rounds[k] == 0]
        assert u["out_of_rounds_s"] == (dry[0] if dry else None), u["unit_id"]


def test_a_saturating_salvo_in_the_results_and_the_report(tmp_path: Path) -> None:
    scenario = tmp_path / "salvo.yaml"
    scenario.write_text(SALVO)
    r = CliRunner().invoke(app, ["run", str(scenario), "--out", str(tmp_path / "out"),
                                 "--picture", "perfect", "--no-rule-costs"])
    assert r.exit_code == 0, r.stderr
    res: dict[str, Any] = json.loads((tmp_path / "out" / "results.json").read_text())
    units = {u["unit_id"]: u for u in res["fire_units"]}
    assert set(units) == {"one-channel", "spare"}
    shots: dict[str, list[dict[str, Any]]] = {}
    for e in res["engagements"]:
        shots.setdefault(e["unit_id"], []).append(e)
    for uid, u in units.items():  # the shots of the results, and the channels of the scenario
        fired = shots.get(uid, [])
        assert u["fired"] == len(fired) and u["rounds_left"] == u["rounds"] - len(fired) >= 0
    assert (units["one-channel"]["channels"], units["one-channel"]["rounds"]) == (1, 4)
    # ten missiles at once against four channels in all: the report marks the unit saturated
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="saturation"' in html
    assert '<span class="pill hit">one-channel</span>' in html
