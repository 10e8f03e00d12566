"""Benchmark: the basics sweep (examples/sweeps/basics-variants.yaml) on a Dask LocalCluster of
1 and of 2 worker processes: the time per replication and the speed-up of 2 workers over 1.

Goal (issue 13): a speed-up of at least 1.6 on a quiet 2-core machine, the scheduler sharing the
cores. Each cluster is started and its workers warmed (inkless imported, one task run) before
the clock starts, so the time is the sweep's tasks alone; the two runs must give the same rows.

    python benchmarks/bench_wargame.py [--sweep FILE]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

from inkless.wargame.runner import connect, run_tasks
from inkless.wargame.sweep import load_sweep, sweep_row

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.6


def _warm() -> None:
    import inkless.afteraction.results
    import inkless.engine  # noqa: F401


def timed(sweep: Path, workers: int) -> tuple[float, list[Any]]:
    plan = load_sweep(sweep)
    with connect(workers) as client:
        client.run(_warm)
        client.gather(client.map(sweep_row, [plan.arms[0]] * workers, [plan.seed] * workers,
                                 range(workers), pure=False))
        t0 = time.perf_counter()
        rows = run_tasks(client, sweep_row, plan.arms, plan.tasks())
        return time.perf_counter() - t0, rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep", type=Path, default=ROOT / "examples/sweeps/basics-variants.yaml")
    args = ap.parse_args()
    n = len(load_sweep(args.sweep).tasks())
    t1, rows1 = timed(args.sweep, 1)
    t2, rows2 = timed(args.sweep, 2)

    def key(rows: list[Any]) -> list[Any]:
        return [{k: ("nan" if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in r.items()} for r in rows]

    same = key(rows1) == key(rows2)
    speedup = t1 / t2
    print(f"sweep {args.sweep.name}: {n} tasks")
    print(f"1 worker:  {t1:6.1f} s, {t1 / n:.3f} s per replication")
    print(f"2 workers: {t2:6.1f} s, {t2 / n:.3f} s per replication")
    print(f"speed-up of 2 workers over 1: {speedup:.2f} (goal >= {GOAL}); same rows: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
