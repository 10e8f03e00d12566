"""CoT in, file form: a recorded TAK feed's friendly self-reports as friend evidence in a run
(``inkless run --cot-in FILE``).

Where it sits: at the engine's boundary. What comes into a decision cycle from outside the
defence is its :class:`inkless.engine.Inputs`; the self-reports of the file that hold at a
cycle's time are its cooperative ``evidence`` (IFF replies,
:func:`inkless.interop.cot.friendly_replies`: a coalition aircraft's own position, like an
authenticated IFF reply), which the tracked picture adds to its simulated reports' in that
cycle. Without a feed the run is the tracked run, decision for decision
(tests/interop/test_cot_in.py).

The file is a TAK stream as recorded: CoT XML ``<event>`` elements one after another. Each is
parsed safely (:func:`inkless.interop.cot.parse_event`: no DTD, no entity expansion); a
malformed one is one logged line and skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inkless.errors import InputError

from .cot import CotEvent, friendly_replies, parse_event, split_stream

if TYPE_CHECKING:
    from inkless.coalition import Gates
    from inkless.engine import Inputs, Record
    from inkless.engine.record import Solver
    from inkless.identification import Evidence
    from inkless.scenario.model import Scenario

__all__ = ["read_cot_file", "replicate_with_cot", "run_with_cot", "self_reports"]

#: A self-report counts for this long after its time (s), as in :func:`friendly_replies`.
MAX_AGE_S = 30.0


def read_cot_file(path: Path) -> list[CotEvent]:
    """The events of a recorded CoT XML stream, in time order (malformed ones logged and
    skipped); raises :class:`InputError` if the file cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"--cot-in {path}: cannot read ({e.strerror}); give a file of CoT "
                         "XML events") from None
    chunks, rest = split_stream(data)
    if not chunks:
        raise InputError(f"--cot-in {path}: no CoT event in it; give a file of CoT XML <event> "
                         "elements (a TAK feed as recorded)")
    where = str(path)
    events = [parse_event(c, f"{where}: event {k + 1}") for k, c in enumerate(chunks)]
    if rest.strip():
        parse_event(rest, f"{where}: the end")  # logs why the tail is no event
    return sorted((e for e in events if e is not None), key=lambda e: e.time)


def self_reports(events: list[CotEvent], times: list[datetime], at: datetime,
                 t: float) -> Evidence | None:
    """The self-reports among ``events`` (sorted by time, ``times`` their times) that hold at
    ``at`` as IFF replies at ``t`` (s since the epoch; :func:`friendly_replies`), the only
    cooperative evidence in it; None if none holds."""
    import bisect

    from inkless.identification import Evidence

    lo = bisect.bisect_left(times, at - timedelta(seconds=MAX_AGE_S))
    hi = bisect.bisect_right(times, at)
    iff = friendly_replies(events[lo:hi], at, max_age_s=MAX_AGE_S) if lo < hi else None
    if iff is None or not len(iff):
        return None
    return replace(Evidence.none(t), iff=replace(iff, t=t))


def _fed_by(events: list[CotEvent], times: list[datetime], epoch: datetime, tick: int,
            t: float) -> Inputs | None:
    """What comes in at ``t`` besides the simulation: the self-reports that hold then, as
    cooperative evidence (:attr:`inkless.engine.Inputs.evidence`)."""
    from inkless.engine import Inputs

    ev = self_reports(events, times, epoch + timedelta(seconds=t), t)
    return None if ev is None else Inputs(evidence=ev)


def run_with_cot(scenario: Scenario, seed: int, gates: Gates, solver: Solver,
                 events: list[CotEvent]) -> Record:
    """Replication 0 of ``scenario`` on the tracked picture with the self-reports ``events``
    as IFF evidence, each cycle's an input of its step (module docstring); the record."""
    from inkless.engine import Engine

    eng = Engine(scenario, seed, solver=solver, picture="tracked", gates=gates)
    return eng.run(partial(_fed_by, events, [e.time for e in events],
                           scenario.settings.epoch))


def replicate_with_cot(events: list[CotEvent], scenario: Scenario, seed: int,
                       replications: int, solver: Solver = "fast",
                       progress: Callable[[], None] | None = None, gates: Gates | None = None,
                       picture: str = "tracked", **_: object) -> tuple[Record, list[Any]]:
    """:func:`inkless.wargame.run_replications` for ``inkless run --cot-in``: replication 0
    with the self-reports ``events`` (:func:`run_with_cot`) and its results. One replication
    of the tracked picture only (the feed is one recording of one run)."""
    from inkless.afteraction.results import results
    from inkless.wargame import scenario_gates

    if replications != 1:
        raise InputError(f"--cot-in: one replication only (got --replications {replications}); "
                         "the feed is the record of one run")
    if picture != "tracked":
        raise InputError("--cot-in: the perfect picture identifies nothing; use --picture "
                         "tracked")
    record = run_with_cot(scenario, seed, gates if gates is not None else
                          scenario_gates(scenario), solver, events)
    if progress is not None:
        progress()
    return record, [results(record, solver=solver)]
