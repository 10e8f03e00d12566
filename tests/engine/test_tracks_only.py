"""A member that shares only tracks, in a dense ballistic salvo (issue 15, defects 2 and 3).

The raid: the april-2024 coalition (its radars, batteries and rules) against 180 ballistic
missiles launched in 12 minutes, the Gulf early-warning partner (GLF, whose tracks go only to
the orchestrator) sharing ``tracks``, ``detections`` or ``none`` (left out of the picture: its
radar feeds only its own view, so the random draws are the same in every variant). Compared on
the same seeds.

``interceptors.lost_to_duplicates`` itself is checked against a shot-by-shot twin of its
definition in tests/afteraction/test_duplicates.py.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from inkless.afteraction.results import results
from inkless.engagement import LOST
from inkless.engine import Record, run
from inkless.scenario import Scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEEDS = (1, 2, 3)


@cache
def salvo(shares: str) -> Scenario:
    """april-2024's coalition, its ballistic wave only: 180 missiles in 12 minutes, after every
    letter is on record (the epoch moved to 22:00); GLF shares ``shares``."""
    data = yaml.safe_load((EXAMPLES / "april-2024.yaml").read_text())
    data["name"] = f"salvo-{shares}"
    data["settings"].update(epoch="2024-04-13T22:00:00Z", duration_s=2220)
    wave = next(w for w in data["raid"]["waves"] if w["id"] == "ballistic")
    data["raid"]["waves"] = [{**wave, "count": 180, "launch_window_s": [0, 720]}]
    data.pop("civil")
    for m in data["members"]:
        if m["id"] == "GLF":
            m["shares"] = shares
    return parse_scenario(yaml.safe_dump(data), "salvo.yaml")


@cache
def record(shares: str, seed: int) -> Record:
    return run(salvo(shares), seed, picture="tracked")


@cache
def outcome(shares: str, seed: int) -> dict[str, Any]:
    return results(record(shares, seed)).model_dump(mode="json")


def lost(shares: str, seed: int) -> int:
    fl = record(shares, seed).flight
    return int((fl.result[: fl.n] == LOST).sum())


def test_no_interceptor_is_lost_to_a_tracks_only_members_duplicates() -> None:
    for seed in SEEDS:
        assert outcome("tracks", seed)["interceptors"]["lost_to_duplicates"] == 0, seed


def test_sharing_only_tracks_is_never_worse_than_leaving_the_member_out() -> None:
    """Paired seeds: over the seeds, no more leakers, damage or interceptors lost than with
    the member left out of the picture."""
    for key in ("leaked",):
        assert sum(outcome("tracks", s)["threats"][key] for s in SEEDS) <= sum(
            outcome("none", s)["threats"][key] for s in SEEDS)
    assert sum(outcome("tracks", s)["value_damaged"] for s in SEEDS) <= sum(
        outcome("none", s)["value_damaged"] for s in SEEDS) + 1e-9
    assert sum(lost("tracks", s) for s in SEEDS) <= sum(lost("none", s) for s in SEEDS)


def test_the_host_holds_its_own_radars_tracks() -> None:
    """GLF's tracks may go only to the orchestrator: the host's picture still holds what its
    own radars and the other members (who release to it) see, so it misses about as much as
    the picture without GLF, not the many missiles GLF joined in."""
    for shares in ("tracks", "detections"):
        pic = outcome(shares, SEEDS[0])["picture"]
        left_out = outcome("none", SEEDS[0])["picture"]
        assert pic["by_member"]["ISR"]["missed"] <= 1.5 * left_out["by_member"]["ISR"]["missed"], (
            shares)
