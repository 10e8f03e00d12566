"""Counterfactual reruns and what-ifs: lifting a blocking rule equals running the scenario written
without it; leaving a member out equals running the scenario without its forces; the legal
basis holds a member's fire until its letters are on record."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from inkless.afteraction.results import results
from inkless.engine import run
from inkless.errors import InputError
from inkless.scenario import parse_scenario
from inkless.scenario.model import PictureName as Picture
from inkless.scenario.model import Scenario
from inkless.wargame import run_replications
from inkless.wargame.counterfactual import (
    AddedCaveat,
    Composition,
    figures,
    legal_record,
    parse_added_caveat,
    rule_costs,
    scenario_gates,
    whatif,
)
from inkless.wargame.runner import Arm, run_figures

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"
BASE: dict[str, Any] = yaml.safe_load(BASICS.read_text())
SEED = 7


def scenario(edit: Any = None) -> Scenario:
    """basics.yaml without HOST's northern battery and with ALLY's ship radar seeing drones and
    cruise missiles far enough for the ship to defend the port, and a coordination cell
    (orchestrator, no forces); then ``edit``."""
    d = copy.deepcopy(BASE)
    d["fire_units"] = [u for u in d["fire_units"] if u["id"] != "mid-1"]
    for s in d["sensors"]:
        if s["owner"] == "ALLY":
            s["range_km"].update(drone=200, cruise=200)
    d["members"].append({"id": "CELL", "name": "Coordination Cell", "role": "orchestrator"})
    if edit is not None:
        edit(d)
    return parse_scenario(yaml.safe_dump(d))


def member(d: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for m in d["members"] if m["id"] == mid)


def host_only_ballistic(d: dict[str, Any]) -> None:
    member(d, "HOST")["rules"] = {"caveats": {"threat_classes": ["ballistic"]}}


def test_lifting_a_blocking_caveat_equals_the_scenario_without_it_and_saves_leakers() -> None:
    sc = scenario(host_only_ballistic)
    record, reps = run_replications(sc, SEED, 2, workers=1)
    assert reps[0].coalition.blocked_by_rule["HOST:threat_classes"] > 0
    told: list[tuple[int, int]] = []
    costs = rule_costs(sc, SEED, record, reps, legal_record(sc), workers=1,
                       progress=lambda done, total: told.append((done, total)))
    (row,) = costs
    assert (row["rule"], row["member"], row["kind"]) == ("HOST:threat_classes", "HOST",
                                                           "threat_classes")
    assert told == [(0, 2), (1, 2), (2, 2)]  # one rule, two replications: two reruns
    free = scenario()  # the same scenario written without the caveat
    lifted = [figures(results(run(free, SEED, r, gates=scenario_gates(free)))) for r in (0, 1)]
    kept = [figures(r) for r in reps]
    for name in ("leaked", "value_damaged", "interceptor_cost"):
        mean_lifted = sum(x[name] for x in lifted) / 2
        mean_kept = sum(x[name] for x in kept) / 2
        assert row[name]["rule_lifted"] == pytest.approx(mean_lifted)
        assert row[name]["with_rule"] == pytest.approx(mean_kept)
        assert row[name]["cost"] == pytest.approx(mean_kept - mean_lifted)
    assert row["leaked"]["cost"] > 0  # the caveat let drones and cruise missiles through
    assert "ci95" in row["leaked"]


def test_no_blocking_rule_means_no_rerun() -> None:
    sc = scenario()
    record, reps = run_replications(sc, SEED, 1, workers=1)
    assert reps[0].coalition.blocked == ()
    assert rule_costs(sc, SEED, record, reps, legal_record(sc), workers=1) == []


def test_without_a_member_equals_the_scenario_without_its_forces() -> None:
    sc = scenario()
    out = whatif(sc, SEED, 1, [Composition(without=("ALLY",))], workers=1)

    def no_ally_forces(d: dict[str, Any]) -> None:
        d["fire_units"] = [u for u in d["fire_units"] if u["owner"] != "ALLY"]
        d["sensors"] = [s for s in d["sensors"] if s["owner"] != "ALLY"]

    bare = scenario(no_ally_forces)
    expected = figures(results(run(bare, SEED, 0, gates=scenario_gates(bare))))
    base = figures(results(run(sc, SEED, 0, gates=scenario_gates(sc))))
    (variant,) = out["variants"]
    for name in ("leaked", "value_damaged", "interceptor_cost"):
        assert variant["figures"][name]["variant"] == pytest.approx(expected[name])
        assert out["baseline"][name] == pytest.approx(base[name])
        assert variant["figures"][name]["change"] == pytest.approx(expected[name] - base[name])
    assert base["interceptor_cost"] != expected["interceptor_cost"]  # the ship did fire


def test_added_caveats_are_parsed_and_checked() -> None:
    assert parse_added_caveat("ALLY:engage_only_in=own,granted,R1") == AddedCaveat(
        "ALLY", "engage_only_in", ("own", "granted", "R1")
    )
    sc = scenario()
    for bad, message in (
        ("ALLY:threat_classes", "write MEMBER:KIND=V1,V2"),
        ("ALLY:colour=red", "write MEMBER:KIND=V1,V2"),
        ("NOBODY:threat_classes=drone", "unknown member"),
        ("ALLY:threat_classes=tank", "'tank' is not ballistic, cruise or drone"),
        ("ALLY:protect_assets=moon", "unknown asset 'moon'"),
    ):
        with pytest.raises(InputError, match=message):
            scenario_gates(sc, composition=Composition(add=(parse_added_caveat(bad),)))
    added = scenario_gates(
        sc, composition=Composition(add=(parse_added_caveat("HOST:threat_classes=ballistic"),))
    )
    assert added.rules == ("HOST:threat_classes",)


def test_the_legal_basis_holds_fire_until_the_letters_are_on_record() -> None:
    def consent_needed(d: dict[str, Any]) -> None:
        member(d, "HOST")["rules"] = {
            "preconditions": [{"document": "consent", "from_role": "orchestrator"}]
        }
        d["coalition"] = {
            "documents": [{"type": "consent", "author": "CELL", "recipient": "HOST", "at": 4000}]
        }

    sc = scenario(consent_needed)
    record, reps = run_replications(sc, SEED, 1, workers=1)
    res = reps[0].model_dump(mode="json")
    host = [e for e in res["engagements"] if e["member"] == "HOST"]
    assert host and min(e["fire_time_s"] for e in host) >= 4000.0
    (basis,) = [b for b in res["coalition"]["legal_basis"] if b["member"] == "HOST"]
    assert basis["acts_from_s"] == 4000.0
    assert [(x["type"], x["author"], x["on_record_s"]) for x in basis["letters"]] == [
        ("consent", "CELL", 4000.0)
    ]
    assert res["coalition"]["threats_blocked_by_legal_basis"] > 0
    costs = rule_costs(sc, SEED, record, reps, legal_record(sc), workers=1)
    (row,) = costs
    assert row["rule"] == "HOST:legal_basis"
    free = scenario()  # letters on record from the start: the planned exchange at the epoch
    early = figures(results(run(free, SEED, 0, gates=scenario_gates(free))))
    assert row["leaked"]["rule_lifted"] == early["leaked"]
    assert row["leaked"]["cost"] > 0


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_a_rerun_figures_the_full_run(picture: Picture) -> None:
    """A rerun's figures (:func:`inkless.wargame.runner.run_figures`: the engine without the
    after-action's recorder) are those of the full run's results, on both pictures."""
    sc = scenario(host_only_ballistic)
    gates = scenario_gates(sc)
    full = figures(results(run(sc, SEED, 1, picture=picture, gates=gates), picture=picture))
    assert run_figures(Arm(sc, gates, "fast", picture), SEED, 1) == full
    assert full["leaked"] > 0 and full["interceptor_cost"] > 0
