"""What a run produced, for the after-action: the record and its parts, and the codes of why a
shot was not taken.

Where it sits: the engine's output (:class:`inkless.engine.Engine` builds a :class:`Record`);
the after-action reads it. Rows index the raid's threats and ``tables.units``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64, B
from inkless.assignment import Solver
from inkless.coalition import Gates
from inkless.engagement import InFlight
from inkless.identification import (
    IdentityHistory,
    correct_fraction,
    correct_fraction_held,
)
from inkless.scenario.model import PICTURES, PictureName, Scenario
from inkless.scenario.tables import Tables
from inkless.sensing import EnuFrame
from inkless.simulation import Raid
from inkless.simulation.civil import CivilTraffic
from inkless.simulation.patrol import Sorties
from inkless.tracking.quality import PictureLog

__all__ = [
    "BLOCKED_ASSESSED_KILLED",
    "BLOCKED_CAVEAT",
    "BLOCKED_CHANNELS",
    "BLOCKED_COST",
    "BLOCKED_INACTIVE",
    "BLOCKED_NOT_HOSTILE",
    "BLOCKED_RELOAD",
    "BLOCKED_ROUNDS",
    "BLOCKED_UNASSIGNED",
    "GOSPA_C_M",
    "GOSPA_P",
    "IN_FLIGHT",
    "KILLED",
    "LANDED",
    "NOT_LAUNCHED",
    "PICTURES",
    "Event",
    "Held",
    "IdentityRecord",
    "PictureName",
    "PictureRecord",
    "Reasons",
    "Record",
    "ScanRecord",
    "Solver",
]

NOT_LAUNCHED, IN_FLIGHT, KILLED, LANDED = 0, 1, 2, 3
#: Why a geometrically feasible shot was not taken (bits of ``Record.blocked``).
BLOCKED_ROUNDS, BLOCKED_CHANNELS, BLOCKED_RELOAD, BLOCKED_UNASSIGNED = 1, 2, 4, 8
BLOCKED_CAVEAT, BLOCKED_INACTIVE = 16, 32
#: Tracked picture: a feasible, available shot was withheld because the track was not declared
#: hostile (yet); the after-action's leak cause "declared too late".
BLOCKED_NOT_HOSTILE = 64
#: Every available shot at it would have cost more (exchange rate x interceptor cost) than the
#: value it saves: the coalition's exchange rate chose not to spend the round.
BLOCKED_COST = 128
#: Tracked picture: a hostile track was withheld as the threat already killed on it (kill
#: assessment) while its detections came from another threat that a unit could have engaged.
BLOCKED_ASSESSED_KILLED = 256
Event = tuple[float, str, int, int]  # (time s, kind, threat row or -1, unit row or -1)
#: GOSPA parameters of the picture quality: cut-off c (m), order p, alpha = 2.
GOSPA_C_M, GOSPA_P = 1000.0, 1.0


@dataclass
class PictureRecord:
    """What the tracked picture was over the run (for the after-action).

    ``coalition`` and ``by_member`` (member id -> log of the picture that member holds: the
    tracks releasable to it) score the picture at every tick against the objects in flight that
    the sensors feeding it cover (threats alive, civil and coalition aircraft); ``samples_*`` are
    the coalition picture's tracks every ``_SAMPLE_S`` seconds: time (s), track id, ECEF position
    (m), the kind of truth object behind the track's detections (threat class, 3 civil or
    coalition aircraft, 4 false alarm: after-action only). ``shares`` is each member's sharing
    setting; ``frame`` the common ENU frame.
    """

    coalition: PictureLog
    by_member: dict[str, PictureLog]
    samples_t: F64
    samples_id: I64
    samples_ecef: F64
    samples_kind: I64
    shares: tuple[str, ...]
    frame: EnuFrame
    scans: ScanRecord | None = None


#: Upper triangle of a 3x3 matrix flattened row-major: ee, en, eu, nn, nu, uu.
_UPPER = np.array([0, 1, 2, 4, 5, 8])


@dataclass
class ScanRecord:
    """The coalition picture's states and the radar plots at every decision time (for
    ``tracks.csv`` and CAT048, :mod:`inkless.interop`).

    Tracks: one row per row of ``IdentityRecord.coalition`` (the same (time, track) rows, in
    the same order): ``x (r, 6)`` the state in ``PictureRecord.frame`` (m, m/s), ``cov (r, 6)``
    the upper triangle (ee, en, eu, nn, nu, uu) of its position covariance (m^2), both float32,
    ``threat_class (r,)`` the class the identification declared (-1: none). Plots, one row per
    radar report received: ``plot_t`` s, ``plot_sensor`` sensor row, ``plot_rae (m, 3)``
    float32 slant range (m), azimuth from north and elevation (rad) in the sensor's local ENU
    frame at ``plot_t``.
    """

    x: NDArray[np.float32]
    cov: NDArray[np.float32]
    threat_class: NDArray[np.int8]
    plot_t: F64
    plot_sensor: I64
    plot_rae: NDArray[np.float32]

    @staticmethod
    def part(x: F64, P: F64, threat_class: I64, t: F64, sensor: I64, rae: F64
             ) -> tuple[NDArray[Any], ...]:
        """One decision time's rows: the picture's ``x (n, 6)``, ``P (n, 6, 6)``, declared
        classes, the plots' times, sensor rows and ``(m, 3)`` range, azimuth, elevation."""
        return (x.astype(np.float32), P[:, :3, :3].reshape(-1, 9)[:, _UPPER].astype(np.float32),
                threat_class.astype(np.int8), t.copy(), sensor.astype(np.int64),
                rae.astype(np.float32))


@dataclass
class IdentityRecord:
    """Identification over the run and what each interceptor was fired at (after-action).

    Truth objects are the rows of the tracked picture's world: the raid's threats (rows
    ``0..n-1``, as in ``raid``), then the civil traffic (:class:`CivilTraffic` rows), then the
    coalition's aircraft (:func:`inkless.simulation.adsb.coalition_aircraft` rows).
    ``truth_kind (N,)`` is TRUTH_THREAT / TRUTH_CIVIL / TRUTH_COALITION and ``truth_name`` the
    threat id, callsign or aircraft id of each; ``shot_truth (e,)`` the truth row of the object
    behind the track each interceptor was fired at (-1: a false track; on the perfect picture,
    the threat row). ``coalition`` is the coalition picture's identities at every tick (member
    0), ``held (rows,) uint64`` which members hold each of its rows (bit ``m``: member row
    ``m``, a track released to it), ``own`` the identities of the views of members that share
    nothing (member column: the member row); None on the perfect picture, where identities are
    the truth.
    """

    truth_kind: NDArray[np.int8]
    truth_name: tuple[str, ...]
    shot_truth: I64
    coalition: IdentityHistory | None = None
    held: NDArray[np.uint64] | None = None
    own: IdentityHistory | None = None

    def by_member(self, members: int) -> list[float | None]:
        """Fraction of track-time with the correct identity in each member's picture."""
        if self.coalition is None or self.held is None:
            return [None] * members
        out = correct_fraction_held(self.coalition, self.truth_kind, self.held, members)
        if self.own is not None and len(self.own):  # members sharing nothing: their views
            own = correct_fraction(self.own, self.truth_kind, members)[1]
            for m in np.unique(self.own.member).tolist():
                out[m] = own[m]
        return out


@dataclass
class Held:
    """When each member's sensors held each threat while it flew: the truth of what they
    cover on the decision grid while their member's forces act, whatever the picture (who owns
    a threat's track in a member's view, :func:`inkless.afteraction.views.provenance`).

    ``first (members, n)``: the first decision time (s) at which some sensor of the member
    covered the threat, if no later than the threat's end (kill or impact) nor the run's
    duration (``inf``: never); ``last (members, n)``: the last such time up to the first tick
    at or after the threat's end, capped at the end (``-inf``: never held).
    """

    first: F64
    last: F64

    @classmethod
    def of(cls, cover: Iterable[B], dt: float, end_time: F64, duration_s: float) -> Held:
        """From each member's ``cover (ticks, n)`` on the decision grid (every ``dt`` s), the
        threats' ``end_time`` (s; NaN: neither killed nor landed) and the run's duration (s)."""
        end = np.where(np.isnan(end_time), np.inf, end_time)
        first, last = [], []
        for held in cover:
            ticks = held.shape[0]
            held = held & (np.arange(ticks)[:, None] <= np.ceil(end / dt))  # while it flew
            seen = held.any(axis=0)
            f = np.where(seen, held.argmax(axis=0) * dt, np.inf)
            f = np.where(f <= np.minimum(end, duration_s), f, np.inf)
            last_tick = (ticks - 1 - held[::-1].argmax(axis=0)) * dt
            first.append(f)
            last.append(np.where(np.isfinite(f), np.minimum(last_tick, end), -np.inf))
        n = len(end)
        return cls(np.array(first).reshape(-1, n), np.array(last).reshape(-1, n))


@dataclass
class Reasons:
    """Why each interceptor was fired (rows of ``InFlight``), from the assignment's explanation
    (:func:`inkless.assignment.explain`) and the pair's feasibility, in the value units of the
    scenario's assets.

    ``value_at_risk`` the threat's value at risk at the decision; ``value_saved`` the expected
    value this round saves given the other rounds at the threat; ``cost`` the exchange rate times
    the interceptor's cost; ``alternatives`` how many other available units could have fired at
    it; ``alt_unit`` the best of them (unit row, -1: none) and ``alt_value_saved`` what it would
    have saved (NaN: none); ``latest_launch_s`` the last time a shot from this unit could still
    meet the threat (s since the epoch) and ``shots_fit`` how many shoot-look-shoot cycles fit
    before then (capped at 4).
    """

    value_at_risk: F64
    value_saved: F64
    cost: F64
    alternatives: I64
    alt_unit: I64
    alt_value_saved: F64
    latest_launch_s: F64
    shots_fit: I64

    @classmethod
    def empty(cls, capacity: int) -> Reasons:
        nan, neg = np.full(capacity, np.nan), np.full(capacity, -1, np.int64)
        return cls(nan.copy(), nan.copy(), nan.copy(), neg.copy(), neg.copy(), nan.copy(),
                   nan.copy(), neg.copy())

    def take(self, n: int) -> Reasons:
        """The first ``n`` rows (the interceptors fired)."""
        return self.rows(np.arange(n))

    def rows(self, rows: I64) -> Reasons:
        """The rows ``rows``, copied."""
        return Reasons(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


@dataclass
class Record:
    """Everything a run produced, for the after-action (rows index ``raid``, ``tables.units``).

    ``flight.threat`` is the threat row each interceptor was fired at, -1 when the track fired
    at had no threat behind it (tracked picture; ``identity.shot_truth`` says what it was).
    ``traffic`` is the civil traffic as flown (closures applied); ``identity`` the
    identification record; ``held`` when each member's sensors held each threat (None on a
    tracked picture run without its recorder, ``Engine(record=False)``).
    """

    scenario: Scenario
    tables: Tables
    raid: Raid
    seed: int
    replication: int
    flight: InFlight
    fate: I64  # NOT_LAUNCHED / IN_FLIGHT (at the end) / KILLED / LANDED per threat
    end_time: F64  # kill or impact time per threat (NaN if neither)
    detect_time: F64  # first time a coalition sensor held it (NaN: never)
    damage: F64  # value destroyed by each threat's impact
    feasible_ever: NDArray[np.bool_]  # some unit had a feasible shot at some tick
    blocked: I64  # BLOCKED_* bits: why a feasible shot was not taken at some tick
    caveat_blocks: dict[tuple[int, int], tuple[float, int]]  # (unit, threat): (first t, rule+1)
    gates: Gates
    reasons: Reasons
    traffic: CivilTraffic
    identity: IdentityRecord
    held: Held | None  # when each member's sensors held each threat (None: not recorded)
    events: list[Event] = field(default_factory=list)
    t_end: float = 0.0
    picture: PictureName = "perfect"
    # Tracked picture only: per interceptor row, the track it was fired at and the distance
    # (m) from the true threat to its aim point at the intercept (NaN: not settled that way).
    shot_track: I64 | None = None
    miss_distance: F64 | None = None
    tracked: PictureRecord | None = None
    # The patrols' sorties as flown (bingo and landing moved by the dashes; None: no patrols);
    # their aircraft are the last rows of ``tables.units`` (:mod:`inkless.engine.patrols`).
    patrols: Sorties | None = None


