"""`inkless wargame` and `inkless schema --sweep` from the command line: the table, the report
and the rerun that skips what is done; bad input one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from inkless.cli import app

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


def test_wargame_writes_the_table_and_the_report_and_a_rerun_skips(tmp_path: Path) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"scenario: {BASICS}\nseeds: 2\nvariants:\n"
                     "  - {name: tempo-2, tempo: 2}\n")
    out = tmp_path / "out"
    first = CliRunner().invoke(app, ["wargame", str(sweep), "--out", str(out), "--workers", "1"])
    assert first.exit_code == 0, first.output
    assert "4 tasks run, 0 already done, 0 failed" in first.output
    rows = pq.read_table(out / "results.parquet").to_pylist()
    assert [(r["variant"], r["seed"]) for r in rows] == [
        ("baseline", 0), ("baseline", 1), ("tempo-2", 0), ("tempo-2", 1)]
    assert "Against the baseline" in (out / "report.html").read_text()
    again = CliRunner().invoke(app, ["wargame", str(sweep), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 0 and "0 tasks run, 4 already done" in again.output
    assert pq.read_table(out / "results.parquet").to_pylist() == rows


def test_wargame_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"scenario: {BASICS}\nseeds: 2\nvariants:\n  - {{name: x, tempo: -1}}\n")
    res = CliRunner().invoke(app, ["wargame", str(sweep), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert res.output.strip() == f"{sweep}:4: variants[0].tempo: must be greater than 0, got -1"
    res = CliRunner().invoke(app, ["wargame", str(sweep), "--workers", "2", "--scheduler",
                                   "tcp://localhost:1"])
    assert res.exit_code == 2 and res.output.count("\n") == 1


def test_schema_sweep_prints_the_sweep_files_schema() -> None:
    res = CliRunner().invoke(app, ["schema", "--sweep"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert set(schema["properties"]) >= {"scenario", "seeds", "variants"}
