"""`inkless run` end to end: the three outputs, determinism, replications, bad input."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inkless.cli import app

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("run")
    code, stdout, stderr = invoke("run", str(BASICS), "--out", str(d), "--seed", "3")
    assert code == 0, stderr
    assert "intercepted" in stdout
    return d


def test_three_outputs(out: Path) -> None:
    res = json.loads((out / "results.json").read_text())
    for key in ("scenario", "seed", "replications", "threats", "interceptors", "engagements",
                "impacts", "value_damaged", "civil_engagements"):
        assert key in res
    assert res["seed"] == 3 and res["replications"] == 1
    rows = list(csv.DictReader((out / "events.csv").open()))
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times)
    kinds = {r["event"] for r in rows}
    assert {"launch", "detect", "assign", "fire", "intercept"} <= kinds
    assert sum(r["event"] == "fire" for r in rows) == res["interceptors"]["fired"]
    assert sum(r["event"] == "impact" for r in rows) == res["threats"]["leaked"]
    html = (out / "report.html").read_text()
    assert "<html" in html
    # self-contained: nothing is loaded from elsewhere (the inlined libraries name URLs in links,
    # comments and XML namespaces, which load nothing)
    far = r"""\s*["']?(?:https?:)?//"""
    loads = rf"src\s*={far}|<link[^>]*href\s*={far}|url\({far}|@import"
    assert not re.search(loads, html)


def test_same_seed_byte_identical(out: Path, tmp_path: Path) -> None:
    code, _, _ = invoke("run", str(BASICS), "--out", str(tmp_path), "--seed", "3")
    assert code == 0
    assert (tmp_path / "results.json").read_bytes() == (out / "results.json").read_bytes()
    assert (tmp_path / "events.csv").read_bytes() == (out / "events.csv").read_bytes()


def test_replications_summary(tmp_path: Path) -> None:
    code, stdout, stderr = invoke("run", str(BASICS), "--out", str(tmp_path), "--seed", "3",
                                  "--replications", "3")
    assert code == 0, stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["replications"] == 3
    leaked = res["replications_summary"]["threats"]["leaked"]
    assert len(leaked["values"]) == 3
    assert min(leaked["values"]) <= leaked["mean"] <= max(leaked["values"])
    lo, hi = leaked["ci95"]
    assert lo <= leaked["mean"] <= hi
    assert "95 % CI" in stdout


def test_bad_scenario_exit_2_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASICS.read_text().replace("count: 8", "count: 0", 1))
    code, stdout, stderr = invoke("run", str(bad), "--out", str(tmp_path / "o"))
    assert code == 2
    assert stderr.strip().endswith("raid.waves[0].count: must be at least 1, got 0")
    assert "Traceback" not in stderr + stdout
    assert not (tmp_path / "o" / "results.json").exists()
