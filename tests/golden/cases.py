"""The golden runs: each example on a picture at a fixed seed, through ``inkless run``.

Shared by ``test_goldens.py`` (compares) and ``record.py`` (writes ``<name>.json``). A golden is
the whole ``results.json`` of the run, made with the numeric stack pinned in
``constraints.txt``. Counts, strings and flags must match exactly; floats to ``RTOL`` relative
(or ``ATOL`` absolute, for figures near zero): the same code on the same pins reproduces them
bit for bit, the tolerance only absorbs a last-digit difference of a BLAS kernel on another CPU.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from inkless.cli import app

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RTOL, ATOL = 1e-6, 1e-9

#: (golden name, example file, picture, seed)
CASES: tuple[tuple[str, str, str, int], ...] = (
    ("basics-perfect", "basics.yaml", "perfect", 7),
    ("basics-tracked", "basics.yaml", "tracked", 7),
    ("airliner-tracked", "airliner-in-the-raid.yaml", "tracked", 7),
    ("april-perfect", "april-2024.yaml", "perfect", 1),
    ("april-tracked", "april-2024.yaml", "tracked", 1),
    ("october-perfect", "october-2024.yaml", "perfect", 1),
    ("october-tracked", "october-2024.yaml", "tracked", 1),
)


def run_case(example: str, picture: str, seed: int, out: Path) -> dict[str, Any]:
    """``inkless run examples/EXAMPLE --picture P --seed S --no-rule-costs`` from the repository
    root (so that the scenario path in the results is the same on every machine)."""
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        r = CliRunner().invoke(app, ["run", f"examples/{example}", "--out", str(out),
                                     "--picture", picture, "--seed", str(seed),
                                     "--no-rule-costs"])
    finally:
        os.chdir(cwd)
    if r.exit_code != 0:
        raise RuntimeError(f"inkless run examples/{example} exited {r.exit_code}: {r.stderr}")
    result: dict[str, Any] = json.loads((out / "results.json").read_text())
    return result


def differences(got: Any, want: Any, where: str = "$") -> list[str]:
    """Every place where ``got`` differs from ``want`` beyond the tolerances, as one line each."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{where}.{k}: missing" for k in want if k not in got]
        out += [f"{where}.{k}: not in the golden" for k in got if k not in want]
        for k in want:
            if k in got:
                out += differences(got[k], want[k], f"{where}.{k}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items, golden {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True))
                for d in differences(g, w, f"{where}[{i}]")]
    if isinstance(want, float) or isinstance(got, float):
        if isinstance(got, bool) or isinstance(want, bool) or not isinstance(got, (int, float)) \
                or not isinstance(want, (int, float)):
            return [f"{where}: {got!r}, golden {want!r}"]
        if abs(got - want) <= ATOL + RTOL * abs(want):
            return []
        return [f"{where}: {got!r}, golden {want!r}"]
    return [] if got == want else [f"{where}: {got!r}, golden {want!r}"]
