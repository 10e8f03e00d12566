"""One identification step: every track's identity from its evidence, vectorised.

Where it sits: ``tracking`` -> **identification** -> ``threat``. :func:`identify` takes the track
table at time ``t`` (ENU, see :mod:`inkless.tracking.tracks`), the cooperative information
received then (:class:`~inkless.identification.evidence.Evidence`), the run's
:class:`~inkless.identification.rules.Rules` and the previous :class:`Identities` (matched by
track id), and returns the new table. No Python loop runs over tracks.

Decision, per track, in this order (categories of APP-6 / STANAG 1241):

1. **friend** — an authenticated IFF reply correlates (within ``report_memory_s`` of the
   track's last update: a track that only coasts keeps it);
2. **hostile** — some row of the rules of engagement has held (all its evidence present, no
   civil identification, no IFF) in ``hostile_confirm_scans`` consecutive identifications; or
   the track was hostile and neither a civil identification nor IFF holds now (a declaration
   stands until contrary evidence);
3. **assumed friend** — was friend or assumed friend (an authenticated IFF reply once
   correlated), IFF lost since, no threat profile; or, assessed, it correlates with a filed
   departure of the coalition's own aircraft (first seen at a patrol's base in its take-off
   window, flying as a departure may: :mod:`~inkless.identification.departures`) within
   ``report_memory_s`` of its first appearance: IFF has that long to answer, after which the
   usual rules apply (the departure is cooperative evidence: no ``no_cooperative``, and no
   hostile rule holds while it does);
4. not yet assessed (velocity not known to ``max_velocity_sigma_mps``) — keeps its previous
   category, **pending** for a new track;
5. **neutral** — correlated with a consistent ADS-B report or a filed civil route, its
   kinematics civil and no threat profile;
6. **suspect** — a threat profile short of a declaration, or a civil correlation that its
   kinematics contradict (a spoofed or faulty report);
7. **unknown** — otherwise.

A correlated civil report therefore makes a track neutral only when the track also flies like a
civil aircraft and like no threat; the settings keep civil kinematics disjoint from the missile
profiles (see :mod:`~inkless.identification.evidence`): a report riding on a missile leaves it
hostile, and a jet's faulty report cannot give it a threat profile, which every rule requires.
The evidence ``no_cooperative`` means no civil report with civil kinematics and no IFF, so a slow
low flier with a consistent civil report (an airliner at rotation, or a drone with a forged
report) is not declared hostile under the default rules: it stays suspect.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I8, I64, U32, B
from inkless.simulation.civil import inside_region

from .categories import (
    ADSB,
    ASSESSED,
    ASSUMED_FRIEND,
    CIVIL_CONTRADICTED,
    CIVIL_KINEMATICS,
    FILED_DEPARTURE,
    FILED_ROUTE,
    FRIEND,
    HOSTILE,
    IFF,
    NEUTRAL,
    NO_COOPERATIVE,
    NON_CIVIL_KINEMATICS,
    ORIGIN_IN_CORRIDOR,
    PENDING,
    REPORT_INCONSISTENT,
    SUSPECT,
    THREAT_PROFILES,
    UNKNOWN,
)
from .departures import contradicts, origin_at_departure
from .evidence import (
    Evidence,
    Kinematics,
    gated_pairs,
    item_cov,
    kinematics,
    nearest,
    profile_bits,
    solve,
    to_enu,
)
from .rules import Rules

__all__ = ["Identities", "TrackArrays", "identify"]


class TrackArrays(Protocol):
    """What identification reads of a track table (``inkless.tracking.Tracks`` has it):
    ``id (n,)``, ENU state ``x (n,6)`` m and m/s, covariance ``P (n,6,6)``."""

    @property
    def id(self) -> I64: ...

    @property
    def x(self) -> F64: ...

    @property
    def P(self) -> F64: ...


@dataclass(frozen=True)
class Identities:
    """Identity of every track at time ``t``, one row per track (struct of arrays), rows in the
    order of the track table given to :func:`identify`.

    Attributes:
        track_id: ``(n,) int64`` track numbers.
        category: ``(n,) int8`` PENDING ... HOSTILE (:mod:`~inkless.identification.categories`).
        evidence: ``(n,) uint32`` evidence bits observed at ``t``.
        basis: ``(n,) uint32`` evidence bits when the current category was set.
        t_set: ``(n,)`` s, when the current category was set.
        t_hostile: ``(n,)`` s, when the current hostile declaration was made (NaN if not hostile).
        threat_class: ``(n,) int64`` class the declaring rule names (ballistic 0, cruise 1,
            drone 2), -1 unless hostile.
        rule: ``(n,) int64`` row of the rules of engagement that declared it, -1 unless hostile.
        icao24: ``(n,) int64`` address of the correlated ADS-B report, -1 for none.
        first_t: ``(n,)`` s, when the track was first identified (its first appearance).
        in_corridor: ``(n,) bool`` it first appeared inside an open launch corridor.
        t_adsb, t_filed, t_iff: ``(n,)`` s, last correlation with each source (-inf: never).
        streak: ``(n,) int64`` consecutive identifications in which a hostile rule held.
        t: time of the table, s since the scenario epoch.
    """

    track_id: I64
    category: I8
    evidence: U32
    basis: U32
    t_set: F64
    t_hostile: F64
    threat_class: I64
    rule: I64
    icao24: I64
    first_t: F64
    in_corridor: B
    t_adsb: F64
    t_filed: F64
    t_iff: F64
    streak: I64
    t: float = 0.0

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @classmethod
    def empty(cls, t: float = 0.0) -> Identities:
        """No track."""
        f, i = np.empty(0), np.empty(0, np.int64)
        return cls(i, np.empty(0, np.int8), np.empty(0, np.uint32), np.empty(0, np.uint32), f,
                   f, i, i, i, f, np.empty(0, bool), f, f, f, i, float(t))

    def take(self, rows: NDArray[np.intp] | B) -> Identities:
        """The rows ``rows`` (indices or mask)."""
        cols = {
            f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name != "t"
        }
        return Identities(**cols, t=self.t)


def _align(track_id: I64, previous: Identities | None) -> I64:
    """Row of each track in ``previous`` (-1 for a new track)."""
    if previous is None or len(previous) == 0:
        return np.full(len(track_id), -1, dtype=np.int64)
    order = np.argsort(previous.track_id, kind="stable")
    ids = previous.track_id[order]
    k = np.minimum(np.searchsorted(ids, track_id), len(ids) - 1)
    return np.where(ids[k] == track_id, order[k], -1).astype(np.int64, copy=False)


def _in_corridor(lat: F64, lon: F64, t: float, rules: Rules) -> B:
    """Which of the points ``lat``, ``lon`` (rad) lie inside a launch corridor open at ``t``."""
    out = np.zeros(lat.shape, dtype=bool)
    for c in range(len(rules.corridor_lat)):
        if rules.corridor_from[c] <= t < rules.corridor_until[c]:
            out |= inside_region(lat, lon, rules.corridor_lat[c], rules.corridor_lon[c])
    return out


def _velocity_d2(dv: F64, pvv: F64, var: F64) -> F64:
    """``(k,)`` squared Mahalanobis distances of velocity differences ``dv (k,3)`` (m/s), with
    covariance the track's ``pvv (k,3,3)`` plus ``var (k,)`` (m^2/s^2) on every axis."""
    sv = pvv + var[:, None, None] * np.eye(3)[None]
    out: F64 = np.einsum("ki,ki->k", dv, solve(sv, dv[..., None])[..., 0])
    return out


def _items(evidence: Evidence, t: float, rules: Rules) -> tuple[F64, F64, F64, F64]:
    """The cooperative items of ``evidence`` in the tracks' frame, ADS-B reports, then IFF
    replies, then filed-plan positions: positions ``(m,3)`` m (ADS-B reports moved to ``t`` at
    their velocity), covariances ``(m,3,3)`` m^2, velocities ``(m,3)`` m/s and the variance
    ``(m,)`` m^2/s^2 added to a track's velocity covariance in the velocity gate (ADS-B: the
    report's noise and the tolerance; filed plans: wind and speed changes along the plan, 15 %
    of the speed, and the tracker's lag in turns; IFF replies have no velocity: NaN). Each kind
    is rotated alone (a matrix product's rounding may depend on its number of rows)."""
    s, a, f, m = rules.settings, evidence.adsb, evidence.iff, len(evidence.filed_pos)
    parts: list[tuple[F64, F64, F64, F64]] = []
    if len(a):
        a_pos, r0 = to_enu(a.pos, rules.origin)
        a_vel = a.vel @ r0.T
        parts.append((a_pos + (t - a.t) * a_vel, item_cov(a.pos, a.sigma_h, a.sigma_v, r0),
                      a_vel, a.sigma_vel**2 + s.velocity_tolerance_mps**2))
    if len(f):
        f_pos, _ = to_enu(f.pos, rules.origin)
        parts.append((f_pos, (f.sigma**2)[:, None, None] * np.eye(3)[None],
                      np.full((len(f), 3), np.nan), np.full(len(f), np.nan)))
    if m:
        r_pos, r0 = to_enu(evidence.filed_pos, rules.origin)
        r_vel = evidence.filed_vel @ r0.T
        cov = item_cov(evidence.filed_pos, np.full(m, s.filed_cross_sigma_m),
                       np.full(m, s.filed_sigma_alt_m), r0, vel_ecef=evidence.filed_vel,
                       sigma_along=np.full(m, s.filed_sigma_m))
        tol = 0.15 * np.linalg.norm(r_vel, axis=1) + s.velocity_tolerance_mps
        parts.append((r_pos, cov, r_vel, tol**2))
    if len(parts) == 1:
        return parts[0]
    pos, cov, vel, var = (np.concatenate(c) for c in zip(*parts, strict=True))
    return pos, cov, vel, var


def identify(
    tracks: TrackArrays,
    t: float,
    evidence: Evidence,
    rules: Rules,
    previous: Identities | None = None,
    updated: F64 | None = None,
) -> Identities:
    """Identities of ``tracks`` (ENU frame at ``rules.origin``) at time ``t`` (s).

    ``updated (n,)``: when each track was last updated by a detection (s; NaN or None: now).
    An IFF correlation is held ``report_memory_s`` from the track's last update, not from
    ``t``: a track that only coasts (its aircraft landed, or turned out of its gate) has
    observed nothing new, so the lapse of its IFF is no evidence; a friend's coasting track
    stays a friend until the tracker drops it (a fighter low and fast has a threat profile,
    which an IFF lapse would otherwise turn into a declaration).

    Pure function: the result depends only on the arguments (no generator is drawn from).
    """
    track_id = np.asarray(tracks.id, dtype=np.int64)
    x = np.asarray(tracks.x, dtype=float).reshape(-1, 6)
    P = np.asarray(tracks.P, dtype=float).reshape(-1, 6, 6)
    last = _Carry(track_id, previous)
    kin = kinematics(x, P, rules.origin)
    bits = profile_bits(kin, rules.settings)
    # Region and time of first appearance.
    corridor = np.zeros(last.n, dtype=bool)
    if last.new.any():
        corridor[last.new] = _in_corridor(kin.lat[last.new], kin.lon[last.new], t, rules)
    seen = _correlate(x, P, t, evidence, rules, last)
    now = np.full(last.n, float(t)) if updated is None else np.fmin(
        np.asarray(updated, dtype=float), float(t))
    departing = _departing(x, kin, bits, t, rules, last)
    return _decide(track_id, t, bits, last.carry("in_corridor", corridor), seen, rules, last,
                   now, departing)


def _departing(x: F64, kin: Kinematics, bits: U32, t: float, rules: Rules, last: _Carry) -> B:
    """``(n,)``: the tracks held as a filed departure at ``t``
    (:mod:`~inkless.identification.departures`): a new track whose point of origin is a
    departure, or one held at the previous identification; within ``report_memory_s`` of its
    first appearance; dropped on an assessed identification that its kinematics refute."""
    d, s = rules.departures, rules.settings
    out = np.zeros(last.n, dtype=bool)
    if not len(d) or not last.n:
        return out
    if last.new.any():
        new = last.new
        out[new] = origin_at_departure(kin.lat[new], kin.lon[new], kin.alt[new], t, d, s)
    held = last.carry("evidence", 0) & FILED_DEPARTURE
    out |= last.had & (held > 0)
    out &= t - last.carry("first_t", float(t)) <= s.report_memory_s
    rows = np.flatnonzero(out & ((bits & ASSESSED) > 0))
    if rows.size:
        sub = Kinematics(**{f.name: getattr(kin, f.name)[rows] for f in fields(kin)})
        out[rows] = ~contradicts(x[rows], sub, bits[rows], d, s, rules.origin)
    return out


#: The dtype of each column of :class:`Identities`.
_DTYPES = {f.name: getattr(Identities.empty(), f.name).dtype for f in fields(Identities)
           if f.name != "t"}


class _Carry:
    """The previous identities of the tracks ``track_id`` (matched by id): ``carry(name,
    fresh)`` is the previous value of a column where the track existed, else ``fresh`` (a
    scalar or an ``(n,)`` array, of the column's dtype), always a new array. The same tracks in
    the same order as before (every other identification of tracked April) are matched
    without a search, their columns copied whole."""

    def __init__(self, track_id: I64, previous: Identities | None) -> None:
        self.n = len(track_id)
        self.p = previous if previous is not None and len(previous) else None
        self.at: I64 | None = None  # row of each track in ``p`` (None: the same rows)
        if (self.p is not None and len(self.p) == self.n
                and bool((self.p.track_id == track_id).all())):
            self.new = np.zeros(self.n, dtype=bool)
        else:
            row = _align(track_id, previous)
            self.new, self.at = row < 0, np.maximum(row, 0)
        self.some_new = bool(self.new.any())
        self.had = ~self.new

    def carry(self, name: str, fresh: Any) -> NDArray[Any]:
        if self.p is None:
            return np.array(np.broadcast_to(fresh, self.n), dtype=_DTYPES[name])
        col = getattr(self.p, name)
        out: NDArray[Any] = col.copy() if self.at is None else col[self.at]
        if self.some_new:
            np.copyto(out, fresh, where=self.new)
        return out

    def times(self, name: str) -> F64:
        """A time column carried over (-inf for a new track)."""
        return self.carry(name, -np.inf)


@dataclass(frozen=True)
class _Seen:
    """Correlations with the cooperative sources: the time (s) of the last one with each
    (-inf: never), the ADS-B address correlated last (-1: none) and whether the track has
    ADS-B reports in its position gate but none whose velocity agrees now."""

    t_adsb: F64
    t_iff: F64
    t_filed: F64
    icao: I64
    inconsistent: B


def _correlate(x: F64, P: F64, t: float, evidence: Evidence, rules: Rules,
               last: _Carry) -> _Seen:
    """The tracks ``x``, ``P`` against the cooperative evidence received at ``t``: the items of
    all kinds (:func:`_items`) in one position gate (:func:`gated_pairs`); an ADS-B report or a
    filed plan must also agree in velocity. A track's ADS-B report is the nearest in both gates;
    reports in the position gate of which none agrees in velocity are ``report_inconsistent``."""
    n, t = last.n, float(t)
    t_adsb, icao = last.times("t_adsb"), last.carry("icao24", -1)
    t_iff, t_filed = last.times("t_iff"), last.times("t_filed")
    inconsistent = np.zeros(n, dtype=bool)
    seen = _Seen(t_adsb, t_iff, t_filed, icao, inconsistent)
    na, ni, nf = len(evidence.adsb), len(evidence.iff), len(evidence.filed_pos)
    if not (n and na + ni + nf):
        return seen
    pos, cov, vel, var = _items(evidence, t, rules)
    ti, mj, d2 = gated_pairs(x[:, :3], P[:, :3, :3], pos, cov, rules.gate_pos)
    if not na + nf:  # IFF replies only (the common case)
        t_iff[ti] = t
        return seen
    iff = (mj >= na) & (mj < na + ni)
    t_iff[ti[iff]] = t
    moving = np.flatnonzero(~iff)  # the pairs with a velocity gate
    tm, mm = ti[moving], mj[moving]
    ok = np.ones(len(ti), dtype=bool)
    ok[moving] = _velocity_d2(vel[mm] - x[tm, 3:6], P[tm, 3:6, 3:6], var[mm]) <= rules.gate_vel
    t_filed[ti[(mj >= na + ni) & ok]] = t
    adsb = mj < na
    if not adsb.any():
        return seen
    best, _ = nearest(ti[adsb & ok], mj[adsb & ok], d2[adsb & ok], n)
    inconsistent[ti[adsb & ~ok]] = True
    hit = best >= 0
    return _Seen(np.where(hit, t, t_adsb), t_iff, t_filed,
                 np.where(hit, evidence.adsb.icao24[np.maximum(best, 0)], icao),
                 inconsistent & ~hit)


def _decide(track_id: I64, t: float, bits: U32, in_corridor: B, seen: _Seen, rules: Rules,
            last: _Carry, observed: F64, departing: B) -> Identities:
    """The decision (module docstring) from the profile ``bits``, the first appearance and the
    correlations (IFF held from each track's last update ``observed``, s; ``departing``: held
    as a filed departure); what it carries over from the previous identities."""
    n, carry, s = last.n, last.carry, rules.settings
    memory = s.report_memory_s
    adsb_b = (t - seen.t_adsb) <= memory
    filed_b = (t - seen.t_filed) <= memory
    iff_b = (observed - seen.t_iff) <= memory
    icao = np.where(adsb_b, seen.icao, -1)
    assessed = (bits & ASSESSED) > 0
    profile = (bits & THREAT_PROFILES) > 0
    civil_corr = (adsb_b | filed_b) & assessed  # a civil report or plan, on an assessed track
    civil_like = civil_corr & ((bits & CIVIL_KINEMATICS) > 0)  # report and kinematics
    civil_ok = civil_like & ~profile  # ... and nothing of a threat: neutral
    contradicted = civil_corr & ((bits & NON_CIVIL_KINEMATICS) > 0)
    no_coop = ~(civil_like | iff_b | departing)
    bits = (bits | in_corridor * ORIGIN_IN_CORRIDOR | adsb_b * ADSB | filed_b * FILED_ROUTE
            | iff_b * IFF | no_coop * NO_COOPERATIVE | contradicted * CIVIL_CONTRADICTED
            | seen.inconsistent * REPORT_INCONSISTENT | departing * FILED_DEPARTURE)
    # Rules of engagement: the first row whose evidence is all present.
    req = rules.hostile_requires
    holds = (bits[:, None] & req[None, :]) == req[None, :]
    any_rule = holds.any(axis=1) if len(req) else np.zeros(n, dtype=bool)
    first_rule = np.where(any_rule, holds.argmax(axis=1) if len(req) else 0, -1)
    prev_cat = carry("category", PENDING)
    holding = assessed & any_rule & ~(civil_ok | iff_b | departing)
    streak = np.where(holding, carry("streak", 0) + 1, 0)
    declare = holding & (streak >= s.hostile_confirm_scans)
    hostile = (declare | (prev_cat == HOSTILE)) & ~(civil_ok | iff_b)
    # a friend once by IFF (a departure never confirmed by IFF is not, once its hold ends)
    was_friend = ((prev_cat == FRIEND) | (prev_cat == ASSUMED_FRIEND)) & np.isfinite(seen.t_iff)
    # the first condition that holds, in this order (nested from the last)
    cat = np.where(contradicted | profile, SUSPECT, UNKNOWN)
    cat = np.where(civil_ok, NEUTRAL, cat)
    cat = np.where(~assessed, prev_cat, cat)
    cat = np.where((was_friend & ~profile) | (departing & assessed), ASSUMED_FRIEND, cat)
    cat = np.where(hostile, HOSTILE, cat)
    cat = np.where(iff_b, FRIEND, cat)
    changed = last.new | (cat != prev_cat)
    is_h = cat == HOSTILE
    rule_now = np.where(holding, first_rule, carry("rule", -1))
    rule_now = np.where(is_h, rule_now, -1).astype(np.int64, copy=False)
    t = float(t)
    # every column a new array of its dtype (astype copies only where the dtype differs)
    return Identities(
        track_id=track_id,
        category=cat.astype(np.int8, copy=False),
        evidence=bits,
        basis=np.where(changed, bits, carry("basis", bits)).astype(np.uint32, copy=False),
        t_set=np.where(changed, t, carry("t_set", t)),
        t_hostile=np.where(is_h, np.where(prev_cat == HOSTILE, carry("t_hostile", t), t),
                           np.nan),
        threat_class=(np.where(rule_now >= 0, rules.hostile_class[np.maximum(rule_now, 0)], -1)
                      if len(req) else np.full(n, -1, dtype=np.int64)).astype(np.int64,
                                                                               copy=False),
        rule=rule_now,
        icao24=icao.astype(np.int64, copy=False),
        first_t=carry("first_t", t),
        in_corridor=in_corridor,
        t_adsb=seen.t_adsb.astype(float, copy=False),
        t_filed=seen.t_filed.astype(float, copy=False),
        t_iff=seen.t_iff.astype(float, copy=False),
        streak=streak,
        t=float(t),
    )
