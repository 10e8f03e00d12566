"""The pipeline obeys the coalition's gates: legal-basis times and caveats."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inkless.afteraction.results import results
from inkless.coalition import Gates, PairQuery
from inkless.engine import run
from inkless.scenario import load_scenario

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


def test_member_acts_only_from_its_legal_basis() -> None:
    sc = load_scenario(BASICS)
    open_ = results(run(sc, 5)).model_dump(mode="json")
    start = 2600.0  # HOST may act only from then on: without gates it fires earlier
    assert any(e["member"] == "HOST" and e["fire_time_s"] < start for e in open_["engagements"])
    gated = results(run(sc, 5, gates=Gates.from_times([start, 0.0]))).model_dump(mode="json")
    host = [e for e in gated["engagements"] if e["member"] == "HOST"]
    assert host and min(e["fire_time_s"] for e in host) >= start
    nobody = results(run(sc, 5, gates=Gates.from_times([np.inf, np.inf]))).model_dump(mode="json")
    assert nobody["interceptors"]["fired"] == 0
    assert nobody["threats"]["leaked"] == nobody["threats"]["launched"]
    assert {i["cause"] for i in nobody["impacts"]} == {"never detected"}


def test_caveat_blocks_and_is_named() -> None:
    sc = load_scenario(BASICS)
    seen: list[PairQuery] = []

    def no_drones(q: PairQuery) -> np.ndarray:
        seen.append(q)
        return np.where(q.threat_cls[None, :] == 2, 1, 0).repeat(len(q.unit), axis=0)

    gates = Gates.from_times([0.0, 0.0], rules=("no drones",), allow=no_drones)
    res = results(run(sc, 5, gates=gates)).model_dump(mode="json")
    assert seen and all(q.point.shape == (len(q.unit), len(q.threat_cls), 3) for q in seen)
    assert not any(e["threat_class"] == "drone" for e in res["engagements"])
    drones = [i for i in res["impacts"] if i["threat_class"] == "drone"]
    assert len(drones) == res["threats"]["by_class"]["drone"]["launched"]
    assert {i["cause"] for i in drones} == {"blocked by a caveat: no drones"}
    assert any(e["threat_class"] != "drone" for e in res["engagements"])


def test_an_absent_member_does_not_act_until_present_again() -> None:
    """``Engine.absent``: a member absent (a live member whose node is not connected) fires
    nothing while absent, whatever its bases, and acts again once present."""
    from inkless.engine import Engine

    sc = load_scenario(BASICS)
    host = [m.id for m in sc.members].index("HOST")
    eng = Engine(sc, 5)
    back = 2600.0
    orders, tick = [], 0
    while tick <= eng.last_tick:
        eng.absent([host] if tick * eng.dt < back else [])
        d = eng.step(tick)
        orders += d.orders
        if d.next_tick is None:
            break
        tick = d.next_tick
    by_host = [o.t for o in orders if o.member_id == "HOST"]
    assert by_host and min(by_host) >= back
    free = results(run(sc, 5)).model_dump(mode="json")["engagements"]
    assert any(e["member"] == "HOST" and e["fire_time_s"] < back for e in free)
