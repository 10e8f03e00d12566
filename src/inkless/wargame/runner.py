"""The one runner of war-game reruns: every (arm, replication) a task on Dask distributed.

Where it sits: war-game, above the pipeline and the after-action. ``inkless wargame`` (sweeps),
``inkless run --replications``, the rule costs and ``coalition whatif`` all hand their runs to
a :class:`Cluster`: :func:`run_tasks` on a ``LocalCluster`` of ``workers`` processes (default:
one per CPU) or on an existing cluster at ``scheduler`` (``tcp://HOST:PORT``), or here in order
when one task or one worker makes a cluster pointless; either way a failed task does not stop
the others, so they all scale and fail the same way.

Determinism: a task is the pure function :func:`run_results` (or :func:`run_figures`) of
(scenario, gates, seed, replication, solver, picture): replication ``r`` draws from
``SeedSequence(seed, spawn_key=(r,))`` inside :func:`inkless.engine.run`, never from the worker
that runs it; results are returned in task order whatever the order they finish in (Dask:
https://distributed.dask.org/en/stable/client.html, ``Client.submit`` and ``as_completed``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from inkless.afteraction.findings import Findings
from inkless.afteraction.results import results
from inkless.assignment import Solver
from inkless.coalition import Gates
from inkless.engine import PictureName as Picture
from inkless.engine import run
from inkless.errors import InputError
from inkless.scenario.model import Scenario

__all__ = [
    "Arm",
    "Cluster",
    "Done",
    "connect",
    "run_figures",
    "run_on",
    "run_results",
    "run_tasks",
]

#: Called as each task ends: (task index, its value or None, its exception or None).
Done = Callable[[int, Any, BaseException | None], None]


@dataclass(frozen=True)
class Arm:
    """What one arm of a comparison runs: a scenario, what the coalition allows, the solver and
    the picture; its replications differ only by their index."""

    scenario: Scenario
    gates: Gates | None = None
    solver: Solver = "fast"
    picture: Picture = "perfect"


def run_results(arm: Arm, seed: int, replication: int, record: bool = True) -> Findings:
    """One replication's results (``docs/results.md``; ``record=False``: the engine runs
    without the after-action's recorder, :func:`inkless.engine.run`)."""
    rec = run(arm.scenario, seed, replication, solver=arm.solver, picture=arm.picture,
              gates=arm.gates, record=record)
    return results(rec, solver=arm.solver)


def run_figures(arm: Arm, seed: int, replication: int) -> dict[str, float]:
    """One replication's compared figures (:data:`~.counterfactual.FIGURES`): outcomes of the
    decisions, so the engine runs without the after-action's recorder (on the tracked picture
    its scoring and identity logging cost time and memory; the decisions are the same)."""
    from .counterfactual import figures

    return figures(run_results(arm, seed, replication, record=False))


@contextmanager
def connect(
    workers: int | None = None, scheduler: str | None = None, processes: bool = True
) -> Iterator[Any]:
    """A Dask ``Client``: of the cluster at ``scheduler``, or of a ``LocalCluster`` of
    ``workers`` single-threaded workers (default one per CPU; ``processes=False``: threads of
    this process, for tests) closed on exit. Raises :class:`InputError` when the scheduler
    cannot be reached."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(
                f"--scheduler {scheduler}: cannot connect ({str(e).splitlines()[0]}); start "
                "one with `dask scheduler` and `dask worker ADDRESS`, or leave --scheduler out "
                "for a local cluster"
            ) from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                     dashboard_address=":0", silence_logs=logging.ERROR) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_tasks(
    client: Any,
    fn: Callable[..., Any],
    arms: Sequence[Any],
    tasks: Sequence[tuple[int, int, int]],
    done: Done | None = None,
) -> list[Any]:
    """``fn(arms[a], seed, r)`` for each task ``(a, seed, r)`` on ``client``'s cluster.

    Each arm is sent to the cluster once. Returns, in task order, each task's value or the
    exception it raised (a failed task does not stop the others); ``done`` is called as each
    task ends, in the order they end."""
    from distributed import as_completed

    if not tasks:
        return []
    used = sorted({a for a, _, _ in tasks})
    shared = dict(zip(used, client.scatter([arms[a] for a in used], hash=False), strict=True))
    futures = [client.submit(fn, shared[a], seed, r, pure=False) for a, seed, r in tasks]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(tasks)
    for fut in as_completed(futures):
        i = index[fut.key]
        if fut.status == "error":
            exc = fut.exception()
            out[i] = exc
            if done:
                done(i, None, exc)
        else:
            out[i] = fut.result()
            if done:
                done(i, out[i], None)
        fut.release()
    return out


class Cluster:
    """Where a command's reruns go, shared by all its steps (replications, the perfect picture,
    the rule costs, a sweep's tasks): the cluster at ``scheduler``, or a ``LocalCluster`` of
    ``workers`` processes started on first use; nothing is started when a batch has one task,
    or when ``workers`` is 1 and there is no ``scheduler`` (the tasks run here, in order);
    ``processes=False``: a local cluster of threads (for tests). Use it as a context manager;
    the local cluster is closed on exit."""

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, processes: bool = True
    ) -> None:
        self.workers, self.scheduler, self.processes = workers, scheduler, processes
        self._stack = ExitStack()
        self._client: Any = None

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self._client = None

    def outcomes(
        self,
        fn: Callable[..., Any],
        arms: Sequence[Any],
        tasks: Sequence[tuple[int, int, int]],
        done: Done | None = None,
    ) -> list[Any]:
        """:func:`run_tasks`, here or on the cluster: in task order, each task's value or the
        exception it raised (a failed task does not stop the others, wherever they run);
        ``done`` is called as each task ends."""
        if self.scheduler is None and (len(tasks) <= 1 or self.workers == 1):
            out: list[Any] = []
            for i, (a, seed, r) in enumerate(tasks):
                v, e = None, None
                try:
                    v = fn(arms[a], seed, r)
                except Exception as exc:  # returned, as run_tasks returns a failed task's
                    e = exc
                out.append(v if e is None else e)
                if done:
                    done(i, v, e)
            return out
        if self._client is None:
            self._client = self._stack.enter_context(
                connect(self.workers, self.scheduler, self.processes))
        return run_tasks(self._client, fn, arms, tasks, done)

    def run(
        self,
        fn: Callable[..., Any],
        arms: Sequence[Any],
        tasks: Sequence[tuple[int, int, int]],
        done: Done | None = None,
    ) -> list[Any]:
        """:meth:`outcomes`; the first failure (in task order) is raised once every task has
        ended."""
        out = self.outcomes(fn, arms, tasks, done)
        for v in out:
            if isinstance(v, BaseException):
                raise v
        return out


def run_on(
    cluster: Cluster | None,
    workers: int | None,
    scheduler: str | None,
    fn: Callable[..., Any],
    arms: Sequence[Any],
    tasks: Sequence[tuple[int, int, int]],
    done: Done | None = None,
) -> list[Any]:
    """:meth:`Cluster.run` on ``cluster`` (left open for the caller's other batches), or, when
    it is None, on a :class:`Cluster` of ``workers`` or at ``scheduler`` for this call alone
    (closed on return)."""
    with nullcontext(cluster) if cluster is not None else Cluster(workers, scheduler) as c:
        return c.run(fn, arms, tasks, done)
