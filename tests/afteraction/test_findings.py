"""The typed results: ``inkless schema --results`` describes what ``inkless run`` writes, and a
``results.json`` read back is validated with one located line per problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from inkless.afteraction.findings import Findings, read_findings
from inkless.cli import app
from inkless.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A small tracked run's results.json (the tracked picture writes every optional section
    but the comparison), with the perfect picture compared."""
    out = tmp_path_factory.mktemp("run")
    r = CliRunner().invoke(app, ["run", str(ROOT / "examples" / "basics.yaml"), "--out",
                                 str(out), "--seed", "7", "--no-rule-costs",
                                 "--compare-perfect", "--replications", "2", "--workers", "1"])
    assert r.exit_code == 0, r.stderr
    return out / "results.json", (out / "results.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    r = CliRunner().invoke(app, ["schema", "--results"])
    assert r.exit_code == 0, r.stderr
    printed: dict[str, Any] = json.loads(r.stdout)
    return printed


def test_a_real_run_validates_against_the_printed_schema(written: tuple[Path, str],
                                                        schema: dict[str, Any]) -> None:
    data = json.loads(written[1])
    for key in ("picture", "identification", "fire_units", "replications_summary",
                "comparison", "seeds"):
        assert key in data  # the sections the schema must describe are exercised
    jsonschema.validate(data, schema)  # raises on any disagreement


def test_the_schema_refuses_a_wrong_type(written: tuple[Path, str],
                                         schema: dict[str, Any]) -> None:
    data = json.loads(written[1])
    data["threats"]["leaked"] = "many"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_the_file_is_the_models_json(written: tuple[Path, str]) -> None:
    """Read back and written again, results.json is the same bytes (keys in the same order,
    absent sections absent, nulls where documented)."""
    path, text = written
    assert read_findings(path).to_json() == text


def test_a_wrong_type_is_refused_in_one_located_line(written: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    text = written[1]
    data = json.loads(text)
    data["threats"]["leaked"] = "many"
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    line = next(n for n, s in enumerate(bad.read_text().splitlines(), 1)
                if '"leaked": "many"' in s)
    with pytest.raises(InputError) as e:
        read_findings(bad)
    assert list(e.value.problems) == [
        f"{bad}:{line}: threats.leaked: must be a valid integer, unable to parse string as an "
        "integer, got 'many'; see `inkless schema --results`"]


def test_an_unknown_key_and_a_missing_one_are_named(tmp_path: Path,
                                                    written: tuple[Path, str]) -> None:
    data = json.loads(written[1])
    data["engagements"][0]["colour"] = "red"
    del data["seed"]
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_findings(bad)
    problems = list(e.value.problems)
    assert len(problems) == 2 and all("\n" not in p for p in problems)
    assert any(":1: seed: is required; add it;" in p for p in problems), problems
    assert any("engagements[0].colour: is not a known field" in p for p in problems), problems


def test_not_json_is_refused_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_findings(bad)
    assert len(e.value.problems) == 1 and e.value.problems[0].startswith(f"{bad}:1: not JSON")


def test_findings_are_frozen(written: tuple[Path, str]) -> None:
    f = Findings.model_validate_json(written[1])
    with pytest.raises(ValueError, match="frozen"):
        f.threats.leaked = 0  # type: ignore[misc]
