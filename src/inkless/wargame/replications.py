"""Monte Carlo replications of a scenario on the war-game runner (:mod:`.runner`, Dask).

Replication ``r`` of seed ``s`` uses ``SeedSequence(s, spawn_key=(r,))`` (see
:func:`inkless.engine.run`), so results do not depend on the number of workers or on the order
in which replications finish.
"""

from __future__ import annotations

from collections.abc import Callable

from inkless.afteraction.findings import Findings
from inkless.afteraction.results import results
from inkless.assignment import Solver
from inkless.coalition import Gates
from inkless.engine import PictureName as Picture
from inkless.engine import Record, run
from inkless.scenario.model import Scenario

from .counterfactual import scenario_gates
from .runner import Arm, Cluster, run_on, run_results

__all__ = ["run_replications"]


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: int,
    solver: Solver = "fast",
    workers: int | None = None,
    progress: Callable[[], None] | None = None,
    gates: Gates | None = None,
    picture: Picture = "perfect",
    scheduler: str | None = None,
    cluster: Cluster | None = None,
) -> tuple[Record, list[Findings]]:
    """Run replication 0 here (its record feeds the report) and the rest on the runner.

    ``gates``: what the coalition allows (default: the scenario's own rules and letters on
    record, :func:`~inkless.wargame.counterfactual.scenario_gates`); ``picture``: the picture the
    defence decides on (:func:`inkless.engine.run`); ``cluster``: where the rest run (default
    a :class:`~.runner.Cluster` of ``workers`` or at ``scheduler``, for this call). Returns the
    record of replication 0 and every replication's results, in order.
    """
    gates = gates if gates is not None else scenario_gates(scenario)
    first = run(scenario, seed, 0, solver=solver, picture=picture, gates=gates)
    out = [results(first, solver=solver)]
    if progress:
        progress()
    arm = Arm(scenario, gates, solver, picture)
    tasks = [(0, seed, r) for r in range(1, replications)]
    out += run_on(cluster, workers, scheduler, run_results, [arm], tasks,
                  (lambda i, v, e: progress()) if progress else None)
    return first, out
