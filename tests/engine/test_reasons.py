"""Each engagement's reasons and the exchange-rate leak cause, end to end on the basics example.

The saved value of a lone round is checked against the closed form V p (the scenario's value at
risk and the interceptor type's kill probability, read from the scenario file), not against the
explanation code's own formula.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from inkless.afteraction.results import results
from inkless.engine import run
from inkless.scenario import Scenario, load_scenario
from inkless.scenario.model import THREAT_CLASSES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def basics() -> Scenario:
    return load_scenario(EXAMPLES / "basics.yaml")


@cache
def perfect() -> dict[str, Any]:
    return results(run(basics(), 11, solver="fast")).model_dump(mode="json")


def test_every_engagement_says_why() -> None:
    sc, r = basics(), perfect()
    pk = {u.id: {c: p for c, p in next(i for i in sc.interceptors if i.id == u.interceptor)
                 .pk.items()} for u in sc.fire_units}
    cost = {u.id: next(i for i in sc.interceptors if i.id == u.interceptor).unit_cost_musd
            for u in sc.fire_units}
    rounds_in_cycle = Counter((e["threat_id"], e["fire_time_s"]) for e in r["engagements"])
    lone = 0
    assert r["engagements"]
    for e in r["engagements"]:
        why = e["why"]
        assert 0.0 < why["value_saved"] <= why["value_at_risk"] + 1e-9
        assert why["cost"] == pytest.approx(sc.settings.exchange_rate * cost[e["unit_id"]],
                                            abs=1e-4)
        assert why["alternatives"] >= 0
        assert (why["best_alternative_unit"] is None) == (why["alternatives"] == 0)
        assert why["latest_launch_s"] is None or why["latest_launch_s"] >= e["fire_time_s"] - 1e-6
        assert why["shots_fit"] >= 1
        if rounds_in_cycle[(e["threat_id"], e["fire_time_s"])] == 1:
            lone += 1
            expected = why["value_at_risk"] * pk[e["unit_id"]][e["threat_class"]]
            assert why["value_saved"] == pytest.approx(expected, rel=1e-3, abs=1e-3)
    assert lone > 0


def test_a_prohibitive_exchange_rate_fires_nothing_and_says_so() -> None:
    sc = basics()
    dear = sc.model_copy(update={"settings": sc.settings.model_copy(
        update={"exchange_rate": 1e6})})
    r = results(run(dear, 11, solver="fast")).model_dump(mode="json")
    assert r["engagements"] == []
    causes = Counter(i["cause"] for i in r["impacts"])
    assert causes["not engaged: a shot would cost more than the value it saves"] > 0
    assert not any(c.startswith("not assigned") for c in causes)


def test_replanning_keeps_commitments_and_picks_up_misses() -> None:
    """Re-planning every cycle: interceptors in the air are never re-aimed at another threat nor
    doubled beyond the class's cap (``max_shots_per_threat``), and a threat that survives a miss
    is engaged again after the miss is seen (shoot-look-shoot)."""
    sc = basics()
    cap = sc.settings.max_shots_per_threat
    reengaged = 0
    for rep in range(4):
        rec = run(sc, 11, rep, solver="fast")
        fl, raid = rec.flight, rec.raid
        rows = range(fl.n)
        for j in set(fl.threat[: fl.n].tolist()):
            mine = [k for k in rows if fl.threat[k] == j]
            for k in mine:  # at every launch, the interceptors then in the air at j
                t = fl.fire_time[k]
                in_air = sum(fl.fire_time[i] <= t < fl.intercept_time[i] for i in mine)
                assert in_air <= cap.get(THREAT_CLASSES[raid.cls[j]], 1)
            misses = [fl.intercept_time[k] for k in mine if fl.result[k] == 2]
            if misses and any(fl.fire_time[k] >= min(misses) for k in mine):
                reengaged += 1
    assert reengaged > 0
