"""A few hundred mutated examples validated in-process and a few dozen that validate run on the
perfect picture (``fuzzer.py`` says how the cases are made): no traceback, no hang, every
problem one line with its location, and a file that validates runs to the end. ``make fuzz``
runs thousands and prints the counts."""

from __future__ import annotations

import functools
import importlib
import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
fuzzer = importlib.import_module("fuzzer")

SEED = 2026
VALIDATIONS = 200
RUNS = 20


def test_mutated_examples_validate_or_are_refused_in_one_located_line() -> None:
    bad = []
    for i in range(VALIDATIONS):
        case = fuzzer.make_case(SEED, i, fuzzer.VALIDATE_BASES)
        outcome, detail = fuzzer.validate(case)
        if outcome not in ("ok", "refused"):
            bad.append((i, case.ops, outcome, detail))
    assert not bad, bad


@functools.cache
def valid_cases() -> list[object]:
    return list(itertools.islice(fuzzer.valid_cases(SEED + 1), RUNS))


@pytest.mark.parametrize("i", range(RUNS))
def test_a_mutated_example_that_validates_runs(i: int) -> None:
    case = valid_cases()[i]
    outcome, detail = fuzzer.run(case)
    assert outcome == "ok", (case.ops, detail)
