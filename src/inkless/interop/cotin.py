"""CoT in, file form: a recorded TAK feed's friendly self-reports as friend evidence in a run
(``inkless run --cot-in FILE``).

Where it sits: at the tracked picture's boundary. What the coalition receives at each decision
time is :meth:`inkless.engine.TrackedPicture.reports` (the sensors' plots and the cooperative
reports: the same seam the fed picture takes from outside); the run's tracked picture gets its
simulated reports (with the threats alive after that cycle's kills) with the self-reports of
the file that hold then added to the IFF replies (:func:`inkless.interop.cot.friendly_replies`:
a coalition aircraft's own position, like an authenticated IFF reply). Without a feed the run
is the tracked run, decision for decision (tests/interop/test_cot_in.py).

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

import numpy as np

from inkless.errors import InputError

from .cot import CotEvent, friendly_replies, parse_event, split_stream

if TYPE_CHECKING:
    from inkless.arrays import B
    from inkless.coalition import Gates
    from inkless.engine import Record, Reports
    from inkless.engine.record import Solver
    from inkless.scenario.model import Scenario
    from inkless.simulation.adsb import IffReplies

__all__ = ["read_cot_file", "replicate_with_cot", "run_with_cot", "with_self_reports"]

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


def _merge(a: IffReplies, b: IffReplies) -> IffReplies:
    from inkless.simulation.adsb import IffReplies

    return IffReplies(a.t, np.concatenate([a.pos, b.pos]), np.concatenate([a.sigma, b.sigma]),
                      np.concatenate([a.source, b.source]))


def with_self_reports(reports: Reports, events: list[CotEvent], times: list[datetime],
                      epoch: datetime) -> Reports:
    """``reports`` with the self-reports among ``events`` (sorted by time, ``times`` their
    times) that hold at ``reports.t`` added to the IFF replies."""
    import bisect

    at = epoch + timedelta(seconds=reports.t)
    lo = bisect.bisect_left(times, at - timedelta(seconds=MAX_AGE_S))
    hi = bisect.bisect_right(times, at)
    if lo == hi:
        return reports
    iff = friendly_replies(events[lo:hi], at, max_age_s=MAX_AGE_S)
    if not len(iff):
        return reports
    ev = reports.evidence
    return replace(reports, evidence=replace(ev, iff=_merge(ev.iff, replace(iff, t=reports.t))))


def _fed_by(source: Callable[[int, float, B], Reports], events: list[CotEvent],
            times: list[datetime], epoch: datetime, tick: int, t: float, alive: B) -> Reports:
    """What the tracked picture receives at ``t``: its simulated reports (``source``, with the
    threats ``alive`` after this cycle's kills) and the self-reports that hold then."""
    return with_self_reports(source(tick, t, alive), events, times, epoch)


def run_with_cot(scenario: Scenario, seed: int, gates: Gates, solver: Solver,
                 events: list[CotEvent]) -> Record:
    """Replication 0 of ``scenario`` on the tracked picture with the self-reports ``events``
    as IFF evidence (module docstring); the record."""
    from inkless.engine import Engine

    eng = Engine(scenario, seed, solver=solver, picture="tracked", gates=gates)
    pic = eng.picture
    pic.reports = partial(_fed_by, pic.reports, events,  # type: ignore[attr-defined]
                          [e.time for e in events], scenario.settings.epoch)
    return eng.run()


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
