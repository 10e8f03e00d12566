"""The after-action watches the engine from outside the decision path (issue 10 item 2): the
recorder is an observer notified after each cycle's decisions; without it the decisions are
the same; the counterfactual of the shots withheld runs after the run, from what it kept."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import yaml

from inkless.coalition import DocumentType, Gates, Letter, TimedLetter
from inkless.engine import (
    BLOCKED_ASSESSED_KILLED,
    BLOCKED_NOT_HOSTILE,
    Authority,
    DefenceState,
    Engine,
    Inputs,
    Record,
    Seen,
    ThreatState,
)
from inkless.scenario import Scenario, parse_scenario

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"
WITHHELD = BLOCKED_NOT_HOSTILE | BLOCKED_ASSESSED_KILLED


@cache
def cruise(ally_needs_a_request: bool = False) -> Scenario:
    """Basics cut to its drones and cruise missiles (tracked: a few seconds). With
    ``ally_needs_a_request`` ALLY acts only on HOST's request, none on record."""
    data = yaml.safe_load(BASICS.read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] != "ballistic"]
    if ally_needs_a_request:
        data["members"][1]["rules"] = {"preconditions": [
            {"document": "request_for_support", "from_member": "HOST"}]}
        data["coalition"] = {"documents": []}
    return parse_scenario(yaml.safe_dump(data), "cruise.yaml")


class Watcher:
    """An observer that keeps what it is told, and checks that the blocked bits of the
    withheld shots are never set during the run."""

    def __init__(self, eng: Engine | None = None) -> None:
        self.seen: list[Seen | None] = []
        self.gates: list[Gates] = []
        self.eng = eng
        self.withheld_bits_in_loop = 0

    def regate(self, gates: Gates) -> None:
        self.gates.append(gates)

    def cycle(self, seen: Seen | None, threats: ThreatState, defence: DefenceState) -> None:
        self.seen.append(seen)
        if self.eng is not None:
            self.withheld_bits_in_loop |= int(np.bitwise_or.reduce(self.eng.notes.blocked))


def run_watched(sc: Scenario, **kw: object) -> tuple[Record, Watcher]:
    w = Watcher()
    eng = Engine(sc, 5, picture="tracked", observers=[w], **kw)  # type: ignore[arg-type]
    w.eng = eng
    return eng.run(), w


def test_the_decisions_are_the_same_without_the_after_action() -> None:
    full, _ = run_watched(cruise())
    bare, _ = run_watched(cruise(), record=False)
    n = full.flight.n
    assert n > 5 and bare.flight.n == n
    for f in ("unit", "threat", "fire_time", "intercept_time", "result"):
        np.testing.assert_array_equal(getattr(bare.flight, f)[:n], getattr(full.flight, f)[:n])
    np.testing.assert_array_equal(bare.fate, full.fate)
    assert full.tracked is not None and len(full.tracked.coalition.times) > 0
    assert full.identity.coalition is not None and full.identity.coalition.t.size > 0
    assert bare.tracked is None and bare.identity.coalition is None
    assert np.isnan(bare.detect_time).all() and np.isfinite(full.detect_time).any()


def test_the_withheld_shots_are_found_after_the_run() -> None:
    """Some threat is marked withheld in the record; no such bit is set while the run goes."""
    rec, w = run_watched(cruise())
    assert (rec.blocked & WITHHELD).any()
    assert w.withheld_bits_in_loop & WITHHELD == 0
    assert rec.feasible_ever[(rec.blocked & WITHHELD) > 0].all()


def test_the_record_taken_mid_run_and_again_keeps_every_scan() -> None:
    """The recorder frees its per-scan parts when the record is taken (memory): taken again,
    mid-run or at the end, the record still holds one scan row per identity row."""
    eng = Engine(cruise(), 5, picture="tracked")
    tick: int | None = 0
    records = []
    while tick is not None and tick <= eng.last_tick:
        if tick >= eng.last_tick // 2 and len(records) < 2:
            records += [eng.record(tick), eng.record(tick)]
        tick = eng.step(tick).next_tick
    records.append(eng.record(eng.last_tick))
    rows = []
    for rec in records:
        assert rec.tracked is not None and rec.tracked.scans is not None
        assert rec.identity.coalition is not None
        rows.append(len(rec.tracked.scans.x))
        assert rows[-1] == rec.identity.coalition.t.size
    assert 0 < rows[0] == rows[1] < rows[2]


def test_observers_see_every_cycle_and_every_change_of_gates() -> None:
    sc = cruise(ally_needs_a_request=True)
    w = Watcher()
    eng = Engine(sc, 5, picture="tracked", authority=Authority.of(sc), observers=[w])
    k = 200
    request = TimedLetter(Letter(DocumentType.REQUEST_FOR_SUPPORT, "HOST", "ALLY"), k * eng.dt)
    ticks = []
    tick: int | None = 0
    while tick is not None and tick <= eng.last_tick:
        d = eng.step(tick, Inputs(letters=(request,)) if tick == k else None)
        ticks.append(tick)
        tick = d.next_tick
    assert len(w.seen) == len(ticks)  # every cycle, idle ones with nothing seen
    seen = [s for s in w.seen if s is not None]
    assert [s.tick for s in seen] == [k for k in ticks if k < eng.picture.world.ticks]  # type: ignore[attr-defined]
    assert all(s.t == s.tick * eng.dt and len(s.hostile) == len(s.picture) for s in seen)
    assert len(w.gates) == 1 and w.gates[0] is eng.gates
    assert w.gates[0].acting(k * eng.dt).all() and not w.gates[0].acting(k * eng.dt - 1).all()
