"""The wta-static-v1 loader, WTAProblem validation, and the ``wta solve`` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from inkless.assignment import UNLIMITED, WTAProblem, load_instance, objective_value
from inkless.commands.wta import app
from inkless.errors import InputError


def _instance(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "tiny",
        "format": "wta-static-v1",
        "weapons": 2,
        "targets": 3,
        "values": [50.0, 30.0, 20.0],
        "p": [[0.8, 0.6, 0.7], [0.5, 0.9, 0.65]],
        "generator": {"seed": 1},
    }
    data.update(changes)
    return data


def _write(tmp_path: Path, data: Any, name: str = "inst.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_loads_untyped_instance(tmp_path: Path) -> None:
    problem = load_instance(_write(tmp_path, _instance()))
    assert problem.p.shape == (2, 3)
    assert problem.counts.tolist() == [1, 1]
    assert problem.eligible.all()
    assert problem.exchange_rate == 0.0
    assert problem.max_per_target.tolist() == [UNLIMITED] * 3
    assert not problem.p.flags.writeable  # frozen past the boundary


def test_loads_typed_instance_with_eligibility(tmp_path: Path) -> None:
    data = _instance(counts=[3, 0], eligible=[[True, False, True], [True, True, True]])
    problem = load_instance(_write(tmp_path, data))
    assert problem.counts.tolist() == [3, 0]
    assert problem.eligible.tolist() == [[True, False, True], [True, True, True]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"p": None}, "key 'p'"),
        ({"values": [1.0, 2.0]}, "key 'values': has 2 entries, expected 3"),
        ({"p": [[0.8, 0.6, 0.7]]}, "key 'p': has 1 rows, expected 2"),
        ({"p": [[0.8, 0.6], [0.5, 0.9, 0.65]]}, "key 'p': row [0] has 2 entries, expected 3"),
        ({"p": [[0.8, 1.2, 0.7], [0.5, 0.9, 0.65]]}, "key 'p': entry [0][1] = 1.2 is outside"),
        ({"p": [[0.8, -0.1, 0.7], [0.5, 0.9, 0.65]]}, "key 'p': entry [0][1] = -0.1 is outside"),
        ({"p": [[0.8, "x", 0.7], [0.5, 0.9, 0.65]]}, "key 'p': entry [0][1] = 'x' is not a number"),
        ({"counts": [1, -2]}, "key 'counts': has a negative entry"),
        ({"counts": [1, 2.5]}, "key 'counts': entry [1] = 2.5 is not a integer"),
        ({"eligible": [[1, 0, 1], [1, 1, 1]]}, "key 'eligible': entry [0][0] = 1 is not a boolean"),
        ({"format": "wta-dynamic"}, "key 'format'"),
        ({"weapons": "two"}, "key 'weapons'"),
        ({"values": [1.0, -2.0, 3.0]}, "key 'values': has a negative entry"),
    ],
)
def test_bad_files_name_the_key(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    data = _instance(**change)
    if change.get("p", 0) is None:
        del data["p"]
        message = "key 'p': missing"
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_instance(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(path))
    assert message in text


def test_bad_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        load_instance(_write(tmp_path, '{"format": '))
    with pytest.raises(InputError, match="no such file"):
        load_instance(tmp_path / "absent.json")
    with pytest.raises(InputError, match="must be a JSON object"):
        load_instance(_write(tmp_path, "[1, 2]"))


def test_make_validates_shapes_and_ranges() -> None:
    with pytest.raises(InputError, match="p has shape"):
        WTAProblem.make([1.0, 2.0], [[0.5, 0.5, 0.5]])
    with pytest.raises(InputError, match=r"p\[0\]\[1\] = 1.5 is outside"):
        WTAProblem.make([1.0, 2.0], [[0.5, 1.5]])
    with pytest.raises(InputError, match="counts has a negative"):
        WTAProblem.make([1.0], [[0.5]], counts=[-1])
    with pytest.raises(InputError, match="counts must hold whole numbers"):
        WTAProblem.make([1.0], [[0.5]], counts=[1.5])
    with pytest.raises(InputError, match="eligible has shape"):
        WTAProblem.make([1.0], [[0.5]], eligible=[[True, False]])
    with pytest.raises(InputError, match="exchange_rate"):
        WTAProblem.make([1.0], [[0.5]], exchange_rate=-1.0)
    with pytest.raises(InputError, match="NaN"):
        WTAProblem.make([float("nan")], [[0.5]])


def test_objective_by_hand() -> None:
    problem = WTAProblem.make(
        [10.0, 4.0], [[0.5, 1.0], [0.2, 0.0]], counts=[2, 1], cost=[1.0, 2.0], exchange_rate=0.5
    )
    x = np.array([[1, 1], [1, 0]])
    # target 0: 10 * 0.5 * 0.8 = 4; target 1: 4 * 0 = 0; cost 0.5 * (1*2 + 2*1) = 2
    assert objective_value(problem, x) == pytest.approx(6.0)
    assert problem.objective(np.zeros((2, 2), dtype=int)) == pytest.approx(14.0)
    assert problem.violations(np.array([[3, 0], [0, 1]])) == [
        "weapon row 0 fires more than its 2 rounds"
    ]
    capped = WTAProblem.make([1.0], [[0.5]], counts=[3], eligible=[[False]], max_per_target=[1])
    assert capped.violations(np.array([[2]])) == [
        "target 0 gets more than 1 rounds",
        "weapon row 0 fires at ineligible target 0",
    ]


runner = CliRunner()


def test_cli_json_prints_one_object(tmp_path: Path) -> None:
    path = _write(tmp_path, _instance())
    for solver in ("greedy", "fast", "exact"):
        result = runner.invoke(app, ["solve", str(path), "--solver", solver, "--json"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert out["solver"] == solver
        assert {"objective", "seconds", "assignment"} <= set(out)
        x = np.zeros((2, 3), dtype=int)
        for i, j, r in out["assignment"]:
            x[i, j] += r
        problem = load_instance(path)
        assert out["objective"] == pytest.approx(objective_value(problem, x))
        assert ("bound" in out and "gap" in out) == (solver == "exact")


def test_cli_table_and_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, _instance())
    result = runner.invoke(app, ["solve", str(path), "--solver", "exact", "--time-limit", "10"])
    assert result.exit_code == 0
    assert "objective" in result.stdout and "proven lower bound" in result.stdout
    bad = _write(tmp_path, _instance(values=[1.0]), "bad.json")
    result = runner.invoke(app, ["solve", str(bad)])
    assert result.exit_code == 2
    assert "key 'values'" in result.output
    assert "Traceback" not in result.output
