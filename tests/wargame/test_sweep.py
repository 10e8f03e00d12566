"""Sweeps on a real Dask ``LocalCluster``: the table depends only on the sweep (1 worker or 2),
an interrupted sweep resumes without rerunning what is done, a failed task names itself and the
others go on, the comparison's paired intervals are paired-t (scipy), and a bad sweep file is
one line per problem with its file and line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats

from inkless.errors import InputError
from inkless.wargame.compare import compare, write_report
from inkless.wargame.runner import Cluster
from inkless.wargame.sweep import BASELINE, load_sweep, run_sweep

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"

SWEEP = f"""\
scenario: {BASICS}
seeds: 3
variants:
  - {{name: half-without-ALLY, without: [ALLY], inventory: 0.5}}
  - {{name: inventory-0.5, inventory: 0.5}}
"""


def sweep_file(tmp_path: Path, text: str = SWEEP) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


def table(path: Path) -> list[dict[str, Any]]:
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda r: (r["variant"], r["seed"]))


def same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    def norm(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:  # NaN == NaN here
        return [{k: ("nan" if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in r.items()} for r in rows]
    return norm(a) == norm(b)


def test_one_worker_or_two_give_the_same_table(tmp_path: Path) -> None:
    plan = load_sweep(sweep_file(tmp_path))
    tables = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        out.mkdir()
        with Cluster(workers, processes=False) as cluster:
            outcome = run_sweep(plan, out, cluster)
        assert not outcome.failed and outcome.skipped == 0
        tables.append(table(out / "results.parquet"))
    assert len(tables[0]) == 9
    assert {r["variant"] for r in tables[0]} == {BASELINE, "half-without-ALLY", "inventory-0.5"}
    assert same(tables[0], tables[1])
    cols = list(tables[0][0])
    assert cols[:2] == ["variant", "seed"] and "leaked" in cols and "fired.ALLY" in cols
    # half the rounds: HOST's 8 + 12 + 12 become 4 + 6 + 6 and the ship takes over, unless it
    # stays home
    half = [r for r in tables[0] if r["variant"] == "inventory-0.5"]
    assert all(r["fired.HOST"] <= 16 for r in half) and any(r["fired.ALLY"] > 0 for r in half)
    assert all(r["fired.ALLY"] == 0 for r in tables[0] if r["variant"] == "half-without-ALLY")
    assert len({(r["leaked"], r["interceptor_cost"]) for r in half}) > 1  # the seeds differ


def test_an_interrupted_sweep_resumes_without_rerunning_what_is_done(tmp_path: Path) -> None:
    plan = load_sweep(sweep_file(tmp_path))
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.mkdir()
    cut.mkdir()
    with Cluster(2, processes=False) as cluster:
        run_sweep(plan, whole, cluster)
        ended = []

        def interrupt(ok: bool) -> None:
            ended.append(ok)
            if len(ended) == 4:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_sweep(plan, cut, cluster, on_done=interrupt)
        done_before = {(p.parent.name.split(".")[0], int(p.stem))
                       for p in (cut / "parts").rglob("*.parquet")}
        assert len(done_before) == 4
        outcome = run_sweep(plan, cut, cluster)
    assert outcome.skipped == 4 and len(outcome.ran) == 5
    assert not done_before & set(outcome.ran)
    assert same(table(whole / "results.parquet"), table(cut / "results.parquet"))


def flaky(arm: int, seed: int, r: int) -> int:
    if (arm, r) == (1, 2):
        raise ValueError("no interceptor left")
    return 10 * arm + r


@pytest.mark.parametrize("workers", [1, 2])  # here, in order; on a cluster of two
def test_a_failed_task_is_named_and_the_others_go_on(workers: int) -> None:
    ended: list[tuple[int, bool]] = []
    tasks = [(a, 7, r) for a in range(2) for r in range(3)]
    tasks.insert(4, tasks.pop(5))  # the failing task (1, 7, 2) is not the last one
    with Cluster(workers, processes=False) as cluster:
        out = cluster.outcomes(flaky, [0, 1], tasks,
                               lambda i, v, e: ended.append((i, e is None)))
        ran: list[int] = []
        with pytest.raises(ValueError, match="no interceptor left"):  # once every task ended
            cluster.run(flaky, [0, 1], tasks, lambda i, v, e: ran.append(i))
    assert sorted(ran) == list(range(6))
    assert out[:4] == [0, 1, 2, 10] and out[5] == 11
    assert isinstance(out[4], ValueError)
    assert sorted(ended) == [(0, True), (1, True), (2, True), (3, True), (4, False), (5, True)]


def test_a_failed_sweep_task_is_named_the_others_are_written_and_a_rerun_retries_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inkless.wargame import sweep as sweep_module

    real = sweep_module.sweep_row

    def broken(arm: Any, seed: int, r: int) -> dict[str, float]:
        if arm.scenario.fire_units[0].rounds == 4 and r == 1:  # inventory-0.5: 8 -> 4
            raise ValueError("the magazine jammed")
        return real(arm, seed, r)

    plan = load_sweep(sweep_file(tmp_path))
    monkeypatch.setattr(sweep_module, "sweep_row", broken)
    with Cluster(2, processes=False) as cluster:
        outcome = run_sweep(plan, tmp_path, cluster)
        assert outcome.failed == [("half-without-ALLY", 1, "ValueError: the magazine jammed"),
                                  ("inventory-0.5", 1, "ValueError: the magazine jammed")]
        assert len(table(tmp_path / "results.parquet")) == 7
        monkeypatch.setattr(sweep_module, "sweep_row", real)
        again = run_sweep(plan, tmp_path, cluster)
    assert sorted(again.ran) == [("half-without-ALLY", 1), ("inventory-0.5", 1)]
    assert not again.failed and len(table(tmp_path / "results.parquet")) == 9


def test_paired_differences_are_paired_t_against_scipy() -> None:
    rng = np.random.default_rng(3)
    base = rng.poisson(5, 8).astype(float)
    var = base + rng.normal(1.0, 0.5, 8)
    rows = [{"variant": n, "seed": s, "leaked": x[s], "value_damaged": 2 * x[s],
             "interceptor_cost": 1.0, "cost_per_kill": math.nan if s == 0 else x[s]}
            for n, x in ((BASELINE, base), ("v", var)) for s in range(8)]
    out = compare(rows, [BASELINE, "v"])["variants"][1]
    d = var - base
    lo, hi = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert out["paired"]["leaked"]["mean"] == pytest.approx(d.mean())
    assert out["paired"]["leaked"]["ci95"] == pytest.approx([lo, hi])
    assert out["paired"]["cost_per_kill"]["n"] == 7  # the NaN replication is left out
    assert out["figures"]["interceptor_cost"]["ci95"] == pytest.approx([1.0, 1.0])


def test_the_report_has_the_tables_and_the_inventory_curve(tmp_path: Path) -> None:
    more = "  - {name: inventory-2, inventory: 2}\n  - {name: without-ALLY, without: [ALLY]}\n"
    plan = load_sweep(sweep_file(tmp_path, SWEEP + more))
    rows = [{"variant": n, "seed": s, "leaked": float(a + s), "value_damaged": 1.0,
             "interceptor_cost": 2.0, "cost_per_kill": 0.5}
            for a, n in enumerate(plan.names) for s in range(3)]
    write_report(tmp_path / "report.html", plan, rows, [("inventory-2", 1, "ValueError: x")])
    page = (tmp_path / "report.html").read_text()
    assert "Leakers against inventory (x rounds)" in page
    assert "What each member is worth" in page and "ALLY" in page
    assert "inventory-2, seed 1: ValueError: x" in page
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched when it opens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SWEEP.replace("seeds: 3", "seeds: 0"), ["sweep.yaml:2: seeds: must be at least 1, got 0"]),
        (SWEEP.replace("without: [ALLY]", "without: [NOBODY]"),
         ["sweep.yaml:4: variants[0].without[0]: unknown member 'NOBODY'; known: HOST, ALLY"]),
        (SWEEP.replace("{name: inventory-0.5, inventory: 0.5}",
                       "{name: half-without-ALLY, tempo: 0}"),
         ["sweep.yaml:5: variants[1].name: 'half-without-ALLY' is used twice; give another name",
          "sweep.yaml:5: variants[1].tempo: must be greater than 0, got 0"]),
        (SWEEP + "  - {name: nothing}\n",
         ["sweep.yaml:6: variants[2]: changes nothing; give without, lift, add, inventory, "
          "raid_size, tempo, sensors_off, solver or picture"]),
        (SWEEP.replace(str(BASICS), "nowhere.yaml"),
         ["sweep.yaml:1: scenario: nowhere.yaml: no such file; give the scenario file's path "
          "relative to the sweep file"]),
    ],
)
def test_a_bad_sweep_file_is_one_line_per_problem(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = sweep_file(tmp_path, text)
    with pytest.raises(InputError) as e:
        load_sweep(path)
    assert [p.replace(str(tmp_path) + "/", "") for p in e.value.problems] == expected


def test_a_sweep_file_not_in_utf8_is_one_line_at_the_byte(tmp_path: Path) -> None:
    """Read as the scenario loader reads (one function): the line of the first byte that is
    not UTF-8, and the fix."""
    path = tmp_path / "sweep.yaml"
    path.write_bytes(SWEEP.replace("seeds: 3", "seeds: 3 # \xe9t\xe9").encode("latin-1"))
    with pytest.raises(InputError) as e:
        load_sweep(path)
    assert e.value.problems == (f"{path}:2: not UTF-8 text (byte 0xe9); save it as UTF-8",)
