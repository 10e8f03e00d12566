"""CLI limits (issue 16 item 6): every misuse ends in one line on stderr and exit 2, before any
run and without writing outputs; none hangs or ends in a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inkless.cli import MAX_REPLICATIONS, app

TINY = """\
name: tiny
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 300, seed: 1}
members:
  - {id: A, name: Alpha, role: host}
  - {id: B, name: Bravo, role: partner, anonymous: true}
assets:
  - {name: base, owner: A, position: {lat_deg: 31, lon_deg: 35}, value: 10, radius_m: 100}
interceptors:
  - {id: i1, max_range_km: 100, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
sensors:
  - {id: s1, owner: A, kind: ground, position: {lat_deg: 31, lon_deg: 35},
     range_km: {drone: 100, cruise: 100, ballistic: 100, civil: 100}}
fire_units:
  - {id: u1, owner: A, position: {lat_deg: 31, lon_deg: 35}, interceptor: i1, rounds: 4}
raid:
  waves:
    - {id: w1, threat_class: drone, count: 2, speed_mps: 50,
       launch_points: [{lat_deg: 31, lon_deg: 35.3}], launch_window_s: [0, 10]}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY)
    return p


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout, r.stderr


def one_line_error(code: int, stderr: str, start: str) -> None:
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), stderr


FAST = ("--picture", "perfect", "--no-rule-costs")


def test_the_tiny_scenario_runs(tiny: Path, tmp_path: Path) -> None:
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "o"), *FAST)
    assert code == 0, stderr


@pytest.mark.parametrize("n", [0, MAX_REPLICATIONS + 1, 100_000])
def test_replications_out_of_bounds(tiny: Path, tmp_path: Path, n: int) -> None:
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "o"), "--replications",
                          str(n), *FAST)
    one_line_error(code, stderr, f"--replications: must be from 1 to {MAX_REPLICATIONS}, got {n}")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("view", ["", "  "])
def test_an_empty_view_is_an_error_not_the_full_outputs(tiny: Path, tmp_path: Path,
                                                        view: str) -> None:
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "o"), "--view", view, *FAST)
    one_line_error(code, stderr, "--view: empty; give a member id")
    assert not (tmp_path / "o" / "results.json").exists()


def test_an_unknown_view_is_an_error(tiny: Path, tmp_path: Path) -> None:
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "o"), "--view", "C", *FAST)
    one_line_error(code, stderr, "--view C: unknown member; known: A, B")


def test_keys_that_is_a_file(tiny: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("not a directory")
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "o"), "--view", "A",
                          "--keys", str(keys), *FAST)
    one_line_error(code, stderr, f"--keys {keys}: not a directory")


def test_out_under_a_file(tiny: Path, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "f" / "o"), *FAST)
    one_line_error(code, stderr, f"--out {tmp_path / 'f' / 'o'}: cannot create the directory")


def test_out_where_an_output_cannot_be_written(tiny: Path, tmp_path: Path) -> None:
    (tmp_path / "o" / "results.json").mkdir(parents=True)  # root may write anywhere, not this
    code, _, stderr = run("run", str(tiny), "--out", str(tmp_path / "o"), *FAST)
    one_line_error(code, stderr, f"--out {tmp_path / 'o'}: cannot write")


def test_run_and_validate_refuse_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    for args in (["validate", str(fifo)], ["run", str(fifo), "--out", str(tmp_path / "o")]):
        code, _, stderr = run(*args)
        one_line_error(code, stderr, f"{fifo}:1: cannot be read (not a regular file")
