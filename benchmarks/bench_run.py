"""Benchmark: the main job on the april-2024 example, perfect picture, one replication.

Goal (issue "raid simulator"): under 5 s on one core with peak memory under 500 MB. Each
measurement runs in a fresh child process pinned to one core with single-threaded BLAS; the
time covers loading the scenario, the simulation and the results (not Python's start-up or
imports, which are reported apart), and peak memory is the child's maximum resident set size.
Prints the figures and their ratios to the goals.

    python benchmarks/bench_run.py [--repeat 3] [--scenario examples/april-2024.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S, GOAL_MB = 5.0, 500.0

CHILD = r"""
import json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
t0 = time.perf_counter()
from inkless.afteraction.results import results
from inkless.pipeline import run
from inkless.scenario import load_scenario
t1 = time.perf_counter()
sc = load_scenario(sys.argv[1])
rec = run(sc, sc.settings.seed, solver=sys.argv[2])
res = results(rec, solver=sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "threats": res["threats"],
                  "fired": res["interceptors"]["fired"]}))
"""


def measure(scenario: str, solver: str) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", CHILD, scenario, solver], env=env, check=True,
                         capture_output=True, text=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["peak_mb"] = max(peak_kb, before) / 1024.0
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "april-2024.yaml"))
    ap.add_argument("--solver", default="greedy")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs = [measure(args.scenario, args.solver) for _ in range(args.repeat)]
    run_s = statistics.median(r["run_s"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    th = runs[0]["threats"]
    print(f"main job: {Path(args.scenario).name}, perfect picture, {args.solver}, one core, "
          f"median of {args.repeat}")
    print(f"  threats {th['launched']} launched, {th['intercepted']} intercepted, "
          f"{th['leaked']} leaked; {runs[0]['fired']} interceptors fired")
    print(f"  time   {run_s:6.2f} s  (goal {GOAL_S:.0f} s, ratio {run_s / GOAL_S:.2f}; "
          f"imports {statistics.median(r['import_s'] for r in runs):.2f} s apart)")
    print(f"  memory {peak:6.0f} MB (goal {GOAL_MB:.0f} MB, ratio {peak / GOAL_MB:.2f})")
    print(f"  goals {'met' if run_s < GOAL_S and peak < GOAL_MB else 'NOT met'}")


if __name__ == "__main__":
    main()
