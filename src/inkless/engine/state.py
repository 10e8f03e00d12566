"""The state a run carries from one decision cycle to the next, in the open: the threats and
assets of the simulated world, the defence's rounds, channels and interceptors in the air, and
what the after-action notes on the way. Arrays in dataclasses, changed only by the named
functions here and in :mod:`inkless.engine.engine`.

Where it sits: the engine (:class:`inkless.engine.Engine`) holds one of each; pictures read
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64, B
from inkless.engagement import InFlight
from inkless.scenario.tables import FireUnitTable
from inkless.simulation import Raid

from .record import LANDED, Event, Reasons

__all__ = ["DECLINED", "NEVER", "Candidates", "DefenceState", "Notes", "Options", "ThreatState"]

NEVER = np.iinfo(np.int64).max  # the first tick of a threat no unit can ever engage
#: An interceptor's result (``InFlight.result``, beside the engagement's codes): its order was
#: declined by the unit's member and never launched; the record leaves such rows out.
DECLINED = 4


@dataclass(frozen=True)
class Options:
    """The shots a decision weighs: units ``us`` (rows) x candidates (columns ``idx`` of the
    predicted paths; threat classes ``cls``, assets at risk ``asset``), ``pairs (us, k)`` those
    worth computing; ``times`` (s) the look-ahead, ``ecef (times, paths, 3)`` m and
    ``alt (times, paths)`` m the predicted paths (NaN where not in flight; ``alt`` None: the
    heights of ``ecef`` where the feasibility needs them, :func:`inkless.physics.altitude`)."""

    us: I64
    idx: I64
    cls: I64
    asset: I64
    pairs: B
    times: NDArray[np.floating]
    ecef: NDArray[np.floating]
    alt: NDArray[np.floating] | None


@dataclass(frozen=True)
class Candidates:
    """What a picture puts before a decision: candidates ``keys`` (threat rows for the
    bookkeeping, -1 for a track with no threat behind it) with values at risk ``value`` and
    room for ``room`` more interceptors, on the options ``options``; ``track`` (tracked
    picture) the candidates' track ids and the truth object behind each (after-action only)."""

    keys: I64
    value: F64
    room: I64
    options: Options
    track: tuple[I64, I64] | None = None

    @property
    def ids(self) -> I64:
        """What each candidate is to the decisions that follow it: its track id (tracked
        picture) or threat row (perfect)."""
        return self.track[0] if self.track is not None else self.keys


@dataclass
class ThreatState:
    """The simulated world's threats and assets. Per-threat arrays of the raid's rows with one
    more row, -1 (a shot at a track with no threat behind it): never alive, never landing.
    ``fate`` NOT_LAUNCHED / IN_FLIGHT / KILLED / LANDED; ``end_time`` kill or impact time (s,
    NaN: neither); ``damage`` value destroyed by each impact; ``remaining`` each asset's value
    left."""

    alive_x: B
    impact_x: F64
    fate: I64
    end_time: F64
    damage: F64
    remaining: F64

    @classmethod
    def start(cls, raid: Raid, asset_value: F64) -> ThreatState:
        n = len(raid)
        return cls(np.r_[np.ones(n, dtype=bool), False], np.r_[raid.impact_time, np.inf],
                   np.zeros(n, np.int64), np.full(n, np.nan), np.zeros(n), asset_value.copy())

    @property
    def alive(self) -> B:
        """``(n,)`` neither killed nor landed (maybe not launched yet): a view."""
        return self.alive_x[:-1]

    def land(self, raid: Raid, t: float, events: list[Event]) -> None:
        """Threats whose impact time has come by ``t`` (s) land, in impact order, and destroy
        their lethality of the remaining value of the asset they hit."""
        landing = np.flatnonzero(self.alive & (raid.impact_time <= t))
        for j in landing[np.argsort(raid.impact_time[landing], kind="stable")].tolist():
            a = raid.hit_asset[j]
            if a >= 0:
                self.damage[j] = self.remaining[a] * raid.lethality[j]
                self.remaining[a] -= self.damage[j]
            self.alive_x[j], self.fate[j], self.end_time[j] = False, LANDED, raid.impact_time[j]
            events.append((float(raid.impact_time[j]), "impact", j, -1))


@dataclass
class DefenceState:
    """The defence's means: ``rounds`` left and ``busy`` fire channels per unit, ``ready`` the
    time each unit may launch again (s), the interceptors fired (``flight``) and which threats
    some interceptor was fired at (``engaged``, with the extra row -1)."""

    rounds: I64
    busy: I64
    ready: F64
    flight: InFlight
    engaged: B

    @classmethod
    def start(cls, units: FireUnitTable, threats: int) -> DefenceState:
        k = len(units.id)
        return cls(units.rounds.copy(), np.zeros(k, np.int64), np.zeros(k),
                   InFlight(capacity=int(units.rounds.sum())), np.zeros(threats + 1, bool))

    def launch(self, units: FireUnitTable, u: I64, t: float) -> None:
        """Units ``u`` (one entry per round) launched at ``t`` (s): a round and a channel each,
        and the reload time."""
        np.add.at(self.rounds, u, -1)
        np.add.at(self.busy, u, 1)
        self.ready[u] = t + units.reload[u]

    def withdraw(self, units: FireUnitTable, row: int) -> None:
        """The order of interceptor ``row`` (pending) was declined: it was never launched. Its
        round and channel go back to the unit, and its readiness if this launch set it; the
        threat stays engaged only if another interceptor is at it."""
        f = self.flight
        u, j = int(f.unit[row]), int(f.threat[row])
        f.result[row] = DECLINED
        self.rounds[u] += 1
        self.busy[u] -= 1
        if self.ready[u] == f.fire_time[row] + units.reload[u]:
            self.ready[u] = f.fire_time[row]
        at = f.threat[: f.n] == j
        self.engaged[j] = bool((f.result[: f.n][at] != DECLINED).any())


@dataclass
class Notes:
    """What the after-action notes during a run (nothing here feeds a decision): per threat
    (with the extra row -1) whether some unit had a feasible shot at some tick and the
    ``BLOCKED_*`` bits of why a feasible shot was not taken; the first (time, rule + 1) each
    caveat blocked a (unit, threat) pair; the events; why each interceptor was fired."""

    feasible_ever: B
    blocked: I64
    reasons: Reasons
    caveat_blocks: dict[tuple[int, int], tuple[float, int]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    @classmethod
    def start(cls, threats: int, capacity: int) -> Notes:
        return cls(np.zeros(threats + 1, bool), np.zeros(threats + 1, np.int64),
                   Reasons.empty(capacity))
