"""``inkless wargame SWEEP.yaml --out DIR``: a sweep of variants on Dask, its table and report.

Where it sits: a command over :mod:`inkless.wargame` (``docs/wargame.md``). Bad input is one
line per problem with exit code 2; failed tasks are named on stderr after the others have run,
with exit code 1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from inkless.errors import InklessError, InputError

__all__ = ["SchedulerOpt", "WorkersOpt", "check_cluster", "wargame"]

WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Local Dask workers, one process each (default: CPUs)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Run on the Dask cluster at this address (tcp://HOST:PORT)."),
]

out = Console()
err = Console(stderr=True)


def check_cluster(workers: int | None, scheduler: str | None) -> None:
    """``--workers`` and ``--scheduler`` exclude each other; raises :class:`InputError`."""
    if workers is not None and scheduler is not None:
        raise InputError("--workers and --scheduler: give one; the cluster at --scheduler has "
                         "its own workers")
    if scheduler is not None and "://" not in scheduler:
        raise InputError(f"--scheduler {scheduler}: give an address like tcp://HOST:8786")


def wargame(
    sweep: Annotated[Path, typer.Argument(help="Sweep file (YAML; `inkless schema --sweep`).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "out/sweep"
    ),
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Run every variant of a sweep over the same seeds on Dask; write results.parquet (one row
    per variant and seed) and report.html (means, paired differences with the baseline). A rerun
    skips the tasks already done."""
    from inkless.wargame.compare import write_report
    from inkless.wargame.runner import Cluster
    from inkless.wargame.sweep import load_sweep, run_sweep

    try:
        check_cluster(workers, scheduler)
        plan = load_sweep(sweep)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"--out {out_dir}: cannot create it ({e.strerror})") from None
        t0 = time.perf_counter()
        with (
            Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                TimeRemainingColumn(), TextColumn("left"), console=err, transient=True,
            ) as bar,
            Cluster(workers, scheduler) as cluster,
        ):
            task = bar.add_task(f"{plan.scenario.name}: {len(plan.names)} arms", total=None,
                                failed=0)
            failed = 0

            def start(total: int, done_before: int) -> None:
                bar.reset(task, total=total, completed=done_before, failed=0)

            def ended(ok: bool) -> None:
                nonlocal failed
                failed += not ok
                bar.update(task, advance=1, failed=failed)

            outcome = run_sweep(plan, out_dir, cluster, start, ended)
        wall = time.perf_counter() - t0
        table = write_report(out_dir / "report.html", plan, outcome.rows, outcome.failed)
    except InklessError as e:
        for line in e.problems:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    except OSError as e:
        err.print(f"--out {out_dir}: cannot write {e.filename or out_dir} ({e.strerror or e})",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    t = Table(title=f"{plan.scenario.name}: {plan.sweep.seeds} seeds per arm "
              "(mean; change against the baseline ± its 95 % CI)")
    for col in ("variant", "leakers", "Δ leakers", "Δ value damaged", "Δ cost (M$)"):
        t.add_column(col, justify="left" if col == "variant" else "right",
                     no_wrap=col == "variant")
    for v in table["variants"]:
        cells = [v["name"], f"{v['figures']['leaked']['mean']:.2f}"]
        for m in ("leaked", "value_damaged", "interceptor_cost"):
            p = v.get("paired", {}).get(m)
            cells.append("" if not p or p["mean"] is None else f"{p['mean']:+.2f}" + (
                f" ± {(p['ci95'][1] - p['ci95'][0]) / 2:.2f}" if p["ci95"] else ""))
        t.add_row(*cells)
    out.print(t)
    out.print(f"{len(outcome.ran)} tasks run, {outcome.skipped} already done, "
              f"{len(outcome.failed)} failed in {wall:.1f} s; wrote {out_dir / 'results.parquet'} "
              f"and {out_dir / 'report.html'}")
    for name, r, msg in outcome.failed:
        err.print(f"{sweep}: variant {name} seed {r} failed: {msg}", markup=False,
                  highlight=False, soft_wrap=True)
    if outcome.failed:
        raise typer.Exit(1)
