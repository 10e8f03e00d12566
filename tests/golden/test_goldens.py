"""Golden regression: every example, through ``inkless run``, reproduces its recorded results.

The goldens (``<name>.json`` beside this file) were recorded by ``record.py`` with correct
figures (after issue 15's fixes), before the engine refactor moved code; a change that moves a
figure must re-record them and say why. Tolerances: ``cases.RTOL``/``cases.ATOL``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES, HERE, differences, run_case


@pytest.mark.parametrize(("name", "example", "picture", "seed"), CASES, ids=[c[0] for c in CASES])
def test_example_reproduces_its_golden(name: str, example: str, picture: str, seed: int,
                                       tmp_path: Path) -> None:
    want = json.loads((HERE / f"{name}.json").read_text())
    got = run_case(example, picture, seed, tmp_path)
    diff = differences(got, want)
    assert not diff, f"{len(diff)} figures differ from the golden {name}.json:\n" + "\n".join(
        diff[:40])


def test_differences_sees_a_changed_count_and_a_moved_float() -> None:
    want = {"a": 1, "b": [1.0, 2.0], "c": {"d": "x"}}
    assert differences(want, want) == []
    assert differences({"a": 2, "b": [1.0, 2.0], "c": {"d": "x"}}, want) == ["$.a: 2, golden 1"]
    assert differences({"a": 1, "b": [1.0, 2.0 * (1 + 1e-9)], "c": {"d": "x"}}, want) == []
    assert differences({"a": 1, "b": [1.0, 2.1], "c": {"d": "x"}}, want) == [
        "$.b[1]: 2.1, golden 2.0"]
    assert differences({"a": 1, "b": [1.0], "c": {}}, want) == [
        "$.b: 1 items, golden 2", "$.c.d: missing"]
