"""The solver and picture choices of ``inkless run``, ``inkless wta solve`` and sweep files are the
one list of each (:data:`inkless.assignment.SOLVERS`, :data:`inkless.scenario.model.PICTURES`):
every spelling on the list is accepted, any other refused (issue 10: one enum each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from inkless.assignment import SOLVERS
from inkless.cli import app
from inkless.scenario.model import PICTURES
from inkless.wargame.sweep import Sweep

runner = CliRunner()


@pytest.mark.parametrize(
    ("command", "option", "choices"),
    [
        (["run"], "--picture", PICTURES),
        (["run"], "--assignment", SOLVERS),
        (["wta", "solve"], "--solver", SOLVERS),
    ],
)
def test_the_command_line_takes_its_choices_from_the_one_list(
    tmp_path: Path, command: list[str], option: str, choices: tuple[str, ...]
) -> None:
    absent = tmp_path / "absent.file"  # the option is parsed first, then the file is missed

    def invoke(value: str) -> Any:
        return runner.invoke(app, [*command, str(absent), option, value])

    for value in choices:
        res = invoke(value)
        assert res.exit_code == 2 and "Invalid value" not in res.output, res.output
        assert "absent.file" in res.output
    res = invoke("bogus")
    assert res.exit_code == 2 and "Invalid value" in res.output and "bogus" in res.output


def test_a_sweep_file_takes_the_same_lists() -> None:
    def sweep(**settings: str) -> Sweep:
        return Sweep.model_validate(
            {"scenario": "s.yaml", **settings, "variants": [{"name": "v", **settings}]}
        )

    for solver in SOLVERS:
        assert sweep(solver=solver).variants[0].solver == solver
    for picture in PICTURES:
        assert sweep(picture=picture).variants[0].picture == picture
    for bad in ({"solver": "bogus"}, {"picture": "fed"}):
        with pytest.raises(ValidationError):
            sweep(**bad)
