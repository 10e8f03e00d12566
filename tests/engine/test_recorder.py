"""The after-action recorder of the tracked picture: each member's quality log is the log of
the picture that member holds (members holding the same picture share it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from inkless.engine import run
from inkless.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_each_member_is_scored_on_the_picture_it_holds() -> None:
    """HOST feeds the coalition picture with its detections and holds it; ALLY shares nothing
    and holds its own tracks with what is released to it: its log is not the coalition's."""
    data = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] == "cruise"]
    for m in data["members"]:
        m["shares"] = {"HOST": "detections", "ALLY": "none"}[m["id"]]
    rec = run(parse_scenario(yaml.safe_dump(data), "small.yaml"), 3, picture="tracked")
    pic = rec.tracked
    assert pic is not None
    host, ally, coalition = pic.by_member["HOST"], pic.by_member["ALLY"], pic.coalition
    assert coalition.times.size > 20
    assert np.array_equal(host.times, coalition.times)
    assert np.array_equal(host.total, coalition.total)
    assert host.summary() == coalition.summary()
    assert not (np.array_equal(ally.times, coalition.times)
                and np.array_equal(ally.total, coalition.total))
