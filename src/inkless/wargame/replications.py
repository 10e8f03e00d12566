"""Monte Carlo replications of a scenario over local processes.

Replication ``r`` of seed ``s`` uses ``SeedSequence(s, spawn_key=(r,))`` (see
:func:`inkless.pipeline.run`), so results do not depend on the number of workers or on the order
in which replications finish. Workers are spawned processes (no fork of the caller's state).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from inkless.afteraction.results import results
from inkless.coalition import Gates
from inkless.pipeline import Picture, Record, Solver, run
from inkless.scenario.model import Scenario

from .counterfactual import scenario_gates

__all__ = ["replicate", "run_replications"]


def replicate(
    scenario: Scenario,
    seed: int,
    replication: int,
    solver: Solver,
    gates: Gates | None = None,
    picture: Picture = "perfect",
) -> dict[str, Any]:
    """One replication's results dict (what a worker returns)."""
    record = run(scenario, seed, replication, solver=solver, picture=picture, gates=gates)
    return results(record, solver=solver)


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: int,
    solver: Solver = "fast",
    workers: int | None = None,
    progress: Callable[[], None] | None = None,
    gates: Gates | None = None,
    picture: Picture = "perfect",
) -> tuple[Record, list[dict[str, Any]]]:
    """Run replication 0 here (its record feeds the report) and the rest on a process pool.

    ``gates``: what the coalition allows (default: the scenario's own rules and letters on
    record, :func:`~inkless.wargame.counterfactual.scenario_gates`); ``picture``: the picture the
    defence decides on (:func:`inkless.pipeline.run`). Returns the record of replication 0 and
    every replication's results, in order.
    """
    gates = gates if gates is not None else scenario_gates(scenario)
    first = run(scenario, seed, 0, solver=solver, picture=picture, gates=gates)
    out = [results(first, solver=solver)]
    if progress:
        progress()
    if replications > 1:
        workers = workers or min(os.cpu_count() or 1, replications - 1)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [
                pool.submit(replicate, scenario, seed, r, solver, gates, picture)
                for r in range(1, replications)
            ]
            for fut in futures:
                out.append(fut.result())
                if progress:
                    progress()
    return first, out
