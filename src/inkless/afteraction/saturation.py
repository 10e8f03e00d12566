"""Saturation of the fire units: channels busy and rounds left over time, after the run.

Where it sits: after-action, beside ``results``. Nothing here changes the run: it reconstructs,
from each unit's shots, what the engine's ledger held at every decision (the engine keeps only
the current count, :class:`inkless.engine.state.DefenceState` ``busy``, and the record no
history of it; tests/afteraction/test_saturation.py reads that ledger decision by decision).
A unit guides a shot on one of its ``channels`` from the decision that fires it until the first
decision at or after its intercept time (when the engine settles it,
:func:`inkless.engagement.resolve`), and each shot spends one of its ``rounds``. A unit is
*saturated* while every channel is busy (it cannot take another threat however urgent) and
*dry* from the shot that spends its last round.

Method: a sweep over the shots' fire (+1) and free (-1) times, frees first at equal times (the
engine settles interceptors before it decides), so ``busy`` is a right-continuous step function:
from ``times[k]`` until ``times[k+1]`` exactly ``busy[k]`` channels are busy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.engine import Record

from .findings import UnitLoadRow

__all__ = ["UnitLoad", "busy_steps", "fire_units", "unit_load"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def busy_steps(fire_s: F64, free_s: F64) -> tuple[F64, I64]:
    """Channels busy over time from shots fired at ``fire_s`` whose channel frees at ``free_s``
    (s since the epoch, one pair per shot, ``free_s > fire_s``): the increasing times at which the
    count changes and the count from each on (0 before the first)."""
    fire = np.asarray(fire_s, dtype=np.float64)
    free = np.asarray(free_s, dtype=np.float64)
    t = np.r_[fire, free]
    d = np.r_[np.ones(fire.size, np.int64), -np.ones(free.size, np.int64)]
    order = np.lexsort((d, t))  # by time; at one time, frees (-1) before fires (+1)
    times, busy = t[order], np.cumsum(d[order])
    last = np.r_[times[1:] != times[:-1], True] if times.size else np.zeros(0, bool)
    times, busy = times[last], busy[last]
    change = np.r_[True, busy[1:] != busy[:-1]] if busy.size else last[:0]
    return times[change], busy[change]


@dataclass(frozen=True)
class UnitLoad:
    """One unit's load over the run (times in s since the epoch; ``None``: never)."""

    times: F64
    """When the number of busy channels changes."""
    busy: I64
    """Channels busy from each of ``times`` on."""
    peak_busy: int
    """Most channels busy at once."""
    full_s: float
    """Total time with every channel busy, s."""
    first_full_s: float | None
    """When every channel was first busy."""
    fired: int
    rounds_left: int
    out_of_rounds_s: float | None
    """When it fired its last round (0 for a unit that never had one)."""


def unit_load(fire_s: F64, free_s: F64, channels: int, rounds: int) -> UnitLoad:
    """The load of a unit with ``channels`` channels and ``rounds`` rounds from its shots (see
    :func:`busy_steps`)."""
    fire = np.asarray(fire_s, dtype=np.float64)
    times, busy = busy_steps(fire, free_s)
    full = busy >= channels
    span = np.diff(times, append=times[-1]) if times.size else times
    first = np.flatnonzero(full)
    out: float | None = None
    if rounds == 0:
        out = 0.0
    elif fire.size >= rounds:
        out = float(np.sort(fire)[rounds - 1])
    return UnitLoad(
        times=times,
        busy=busy,
        peak_busy=int(busy.max(initial=0)),
        full_s=float(span[full].sum()),
        first_full_s=float(times[first[0]]) if first.size else None,
        fired=int(fire.size),
        rounds_left=int(rounds - fire.size),
        out_of_rounds_s=out,
    )


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def fire_units(record: Record) -> list[UnitLoadRow]:
    """The ``fire_units`` section of the results: per unit its capacity, what it fired, when it
    was saturated or ran dry, and its ``channels_busy`` step function as ``[[time_s, busy], ...]``
    (docs/results.md)."""
    units, members, flight = record.tables.units, record.tables.members, record.flight
    dt = float(record.scenario.settings.scan_period_s)
    shooter = flight.unit[: flight.n]
    fire_t = flight.fire_time[: flight.n]
    # settled at the first decision at or after the intercept (1e-9: a time on the grid stays)
    free_t = np.ceil(flight.intercept_time[: flight.n] / dt - 1e-9) * dt
    out = []
    for u in range(len(units.id)):
        mine = shooter == u
        load = unit_load(fire_t[mine], free_t[mine], int(units.channels[u]), int(units.rounds[u]))
        out.append(UnitLoadRow(
            unit_id=units.id[u],
            member=members[units.owner[u]],
            interceptor=units.interceptor[u],
            rounds=int(units.rounds[u]),
            channels=int(units.channels[u]),
            fired=load.fired,
            rounds_left=load.rounds_left,
            peak_channels_busy=load.peak_busy,
            channels_full_s=round(load.full_s, 3),
            first_full_s=_r(load.first_full_s),
            out_of_rounds_s=_r(load.out_of_rounds_s),
            channels_busy=tuple((round(t, 3), int(b)) for t, b in
                                zip(load.times.tolist(), load.busy.tolist(), strict=True)),
        ))
    return out
