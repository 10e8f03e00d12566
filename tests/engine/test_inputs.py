"""What comes into ``Engine.step`` from outside the defence (issue 10 item 1, for the live
service of issue 11): letters that bring a member's forces in mid-raid, orders a member's node
declines (re-planned with another unit in the same step), and outcomes units report (instead of
the run's kill draws)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from inkless.coalition import AirspaceGrant, DocumentType, Letter, TimedLetter
from inkless.engagement import KILL, MISS
from inkless.engine import (
    KILLED,
    Authority,
    Decisions,
    Decline,
    Engine,
    Inputs,
    Order,
    Outcome,
)
from inkless.errors import InputError
from inkless.scenario import Scenario, parse_scenario

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


@cache
def drones(ally_needs_a_request: bool, ships: int = 1) -> Scenario:
    """Basics cut to its eight drones; only ALLY's ``ships`` (the same ship, copied) may shoot
    (HOST's radars see). With ``ally_needs_a_request``, ALLY acts only on HOST's request for
    support, and none is on record at the start."""
    data = yaml.safe_load(BASICS.read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "drones"]
    ship = next(u for u in data["fire_units"] if u["owner"] == "ALLY")
    data["fire_units"] = [{**ship, "id": f"ship-{i + 1}"} for i in range(ships)]
    data["civil"] = {"flights": []}
    if ally_needs_a_request:
        data["members"][1]["rules"] = {"preconditions": [
            {"document": "request_for_support", "from_member": "HOST"}]}
        data["coalition"] = {"documents": []}
    return parse_scenario(yaml.safe_dump(data), "drones.yaml")


def steps(eng: Engine, inputs: dict[int, Inputs] | None = None) -> list[Decisions]:
    """Every cycle of the run, with ``inputs`` pushed at their ticks."""
    out: list[Decisions] = []
    tick: int | None = 0
    while tick is not None and tick <= eng.last_tick:
        out.append(eng.step(tick, (inputs or {}).get(tick)))
        tick = out[-1].next_tick
    return out


def orders(decisions: list[Decisions]) -> list[Order]:
    return [o for d in decisions for o in d.orders]


def test_a_letter_pushed_mid_run_brings_a_members_unit_in_from_that_tick() -> None:
    open_run = orders(steps(Engine(drones(False), 5)))
    assert open_run and {o.unit_id for o in open_run} == {"ship-1"}
    gated = drones(True)
    never = orders(steps(Engine(gated, 5, authority=Authority.of(gated))))
    assert never == []  # no request on record: ALLY's ship never fires
    dt = gated.settings.scan_period_s
    k = round(open_run[0].t / dt) + 30  # later than the ship could have fired
    request = TimedLetter(Letter(DocumentType.REQUEST_FOR_SUPPORT, "HOST", "ALLY"), k * dt)
    eng = Engine(gated, 5, authority=Authority.of(gated))
    got = orders(steps(eng, {k: Inputs(letters=(request,))}))
    assert got and got[0].t == k * dt
    assert {(o.unit_id, o.member_id) for o in got} == {("ship-1", "ALLY")}
    assert eng.gates.acting(k * dt - 1.0).tolist() == [True, False]
    assert eng.gates.acting(k * dt).tolist() == [True, True]


def test_a_grant_pushed_mid_run_lets_a_member_engage_and_its_end_stops_it() -> None:
    """ALLY may engage only where granted; HOST's airspace covers the raid. A grant pushed at
    tick k brings its ship's shots from k; the grant ended (a closure) at tick m stops them."""
    data = yaml.safe_load(drones(False).model_dump_json())
    data["members"][1]["rules"] = {"caveats": {"engage_only_in": {
        "own_airspace": False, "where_granted": True}}}
    data["regions"] = [{"id": "HOSTLAND", "owner": "HOST", "polygon_deg": [
        [29.0, 33.0], [35.0, 33.0], [35.0, 39.0], [29.0, 39.0]]}]
    sc = parse_scenario(yaml.safe_dump(data), "granted.yaml")
    assert orders(steps(Engine(sc, 5, authority=Authority.of(sc)))) == []
    open_run = orders(steps(Engine(drones(False), 5)))
    dt = sc.settings.scan_period_s
    k = round(open_run[0].t / dt) + 30
    grant = AirspaceGrant(grantor_state="HOST", grantee_member="ALLY", region_id="HOSTLAND",
                          what="engage")
    got = orders(steps(Engine(sc, 5, authority=Authority.of(sc)),
                       {k: Inputs(grants=(grant,))}))
    assert got and got[0].t == k * dt
    m = round(got[0].t / dt) + 1  # closed right after the first shots
    closed = grant.model_copy(update={"valid_until": m * dt})
    cut = orders(steps(Engine(sc, 5, authority=Authority.of(sc)),
                       {k: Inputs(grants=(grant,)), m: Inputs(grants=(closed,))}))
    assert cut and max(o.t for o in cut) < m * dt < max(o.t for o in got)


def test_letters_need_an_authority() -> None:
    eng = Engine(drones(True), 5)
    letter = TimedLetter(Letter(DocumentType.REQUEST_FOR_SUPPORT, "HOST", "ALLY"), 0.0)
    with pytest.raises(InputError, match="Authority"):
        eng.step(0, Inputs(letters=(letter,)))


def first_order(eng: Engine) -> Decisions:
    """Step until a cycle gives an order; that cycle's decisions."""
    tick: int | None = 0
    while tick is not None:
        d = eng.step(tick)
        if d.orders:
            return d
        tick = d.next_tick
    raise AssertionError("no order in the run")


def test_a_declined_order_is_replanned_with_another_unit_in_the_same_step() -> None:
    """Two ships side by side: the one that declines is replaced by the other at once."""
    eng = Engine(drones(False, ships=2), 5)
    d = first_order(eng)
    o = d.orders[0]
    rounds = int(eng.defence.rounds[o.unit])
    again = eng.step(d.tick + 1, Inputs(declined=(Decline(o.id, "CANTCO: no crew"),)))
    assert again.withdrawn == (o.id,)
    refired = sum(x.unit == o.unit for x in again.orders)  # at other targets
    assert eng.defence.rounds[o.unit] == rounds + 1 - refired
    assert any(x.target == o.target and x.unit != o.unit for x in again.orders)
    rest = orders(steps_from(eng, again.next_tick))
    assert not any((x.target, x.unit) == (o.target, o.unit) for x in (*again.orders, *rest))
    rec = eng.record(eng.last_tick)
    assert rec.flight.n == len(rest) + len(again.orders) + len(d.orders) - 1


def steps_from(eng: Engine, tick: int | None) -> list[Decisions]:
    out: list[Decisions] = []
    while tick is not None and tick <= eng.last_tick:
        out.append(eng.step(tick))
        tick = out[-1].next_tick
    return out


@pytest.mark.parametrize("result", ["kill", "miss"])
def test_an_outcome_reported_from_outside_settles_the_interceptor(result: str) -> None:
    """The reported result, whatever the kill draw: the row's draw is set to say the
    opposite first, and the engagement ends at the report's time, before its intercept."""
    eng = Engine(parse_scenario(BASICS.read_text(), "basics.yaml"), 5)
    d = first_order(eng)
    o = d.orders[0]
    f = eng.defence.flight
    f.draw[o.id] = 1.0 if result == "kill" else 0.0  # the draw alone would say the opposite
    t = (d.tick + 1) * eng.dt
    assert t < o.intercept_time_s
    report = Outcome(o.id, result, rounds_left=3)  # type: ignore[arg-type]
    after = eng.step(d.tick + 1, Inputs(outcomes=(report,)))
    assert after.refused == ()
    assert f.result[o.id] == (KILL if result == "kill" else MISS)
    assert eng.defence.rounds[o.unit] == 3 - sum(x.unit == o.unit for x in after.orders)
    if result == "kill":
        assert eng.threats.fate[o.threat] == KILLED and eng.threats.end_time[o.threat] == t
    else:
        assert np.isnan(eng.threats.end_time[o.threat])


def test_an_outcome_on_an_order_not_in_the_air_is_refused() -> None:
    eng = Engine(parse_scenario(BASICS.read_text(), "basics.yaml"), 5)
    d = eng.step(0, Inputs(outcomes=(Outcome(7, "kill"),), declined=(Decline(3),)))
    assert d.refused == ("decline for order 3: no such order (0 given, ids from 0)",
                         "kill for order 7: no such order (0 given, ids from 0)")
