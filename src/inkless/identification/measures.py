"""Identification quality: correct identity over track-time, declaration delays, leakers due to
late declaration, and identities over time for the report.

Where it sits: identification, used by the after-action. The pipeline appends each member's
identities and the truth row of each track (which it knows from the simulation; identification
itself never sees it) to an :class:`IdentityLog` at every decision time.

Correct identity of a track at a time: a threat's track is hostile; a civil aircraft's track is
neutral; a coalition aircraft's track is friend or assumed friend. Pending, unknown and suspect
are never correct. False tracks (no truth object) are left out of the fraction.

Misdeclared track-time (:func:`misdeclared`): the track-seconds of the dangerous errors, per
(truth, declared) pair: a threat held neutral or friend (it would not be engaged), a civil or a
coalition aircraft held suspect or hostile (one step from, or open to, engagement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64, I64, B

from .categories import (
    ASSUMED_FRIEND,
    CATEGORY_NAMES,
    FRIEND,
    HOSTILE,
    NEUTRAL,
    SUSPECT,
    TRUTH_CIVIL,
    TRUTH_COALITION,
    TRUTH_KIND_NAMES,
    TRUTH_THREAT,
)
from .identify import Identities

__all__ = [
    "IdentityHistory",
    "IdentityLog",
    "correct_fraction",
    "correct_fraction_held",
    "correct_identity",
    "declaration_delays",
    "declared_too_late",
    "first_hostile_time",
    "identification_results",
    "identity_timeline",
    "leaked_due_to_late_declaration",
    "misdeclared",
]


@dataclass(frozen=True)
class IdentityHistory:
    """Flat columns, one row per (decision time, member, track): ``t`` s, ``member`` index,
    ``track_id``, ``truth`` row (-1: false track), ``category``, ``weight`` s (the track-time the
    row stands for: the decision period)."""

    t: F64
    member: I64
    track_id: I64
    truth: I64
    category: NDArray[np.int8]
    weight: F64

    def __len__(self) -> int:
        return int(self.t.shape[0])


@dataclass
class IdentityLog:
    """Accumulates identities during a run; :meth:`history` gives the frozen columns."""

    _parts: list[tuple[F64, I64, I64, I64, NDArray[np.int8], F64]] = field(default_factory=list)

    def append(
        self, member: int, identities: Identities, truth_rows: ArrayLike, weight_s: float
    ) -> None:
        """Log one member's identities at ``identities.t``; ``truth_rows (n,)`` the truth row of
        each track (-1 for a false track); ``weight_s`` the time this sample stands for (s)."""
        n = len(identities)
        self._parts.append(
            (
                np.full(n, identities.t),
                np.full(n, member, dtype=np.int64),
                identities.track_id.astype(np.int64),
                np.asarray(truth_rows, dtype=np.int64).reshape(n),
                identities.category.astype(np.int8),
                np.full(n, float(weight_s)),
            )
        )

    def history(self) -> IdentityHistory:
        if not self._parts:
            e = np.empty(0)
            i = np.empty(0, np.int64)
            return IdentityHistory(e, i, i, i, np.empty(0, np.int8), e)
        cols = [np.concatenate(c) for c in zip(*self._parts, strict=True)]
        return IdentityHistory(*cols)


def correct_identity(category: ArrayLike, truth_kind: ArrayLike) -> B:
    """Whether each identity is the right one for its truth kind (module docstring)."""
    c = np.asarray(category)
    k = np.asarray(truth_kind)
    out: B = (
        ((k == TRUTH_THREAT) & (c == HOSTILE))
        | ((k == TRUTH_CIVIL) & (c == NEUTRAL))
        | ((k == TRUTH_COALITION) & ((c == FRIEND) | (c == ASSUMED_FRIEND)))
    )
    return out


def correct_fraction(
    history: IdentityHistory, truth_kind: ArrayLike, members: int
) -> tuple[float | None, list[float | None]]:
    """Fraction of track-time with the correct identity: over the coalition (all members'
    pictures together) and per member; None where there is no track-time."""
    kind = np.asarray(truth_kind)
    real = history.truth >= 0
    w = history.weight[real]
    ok = correct_identity(history.category[real], kind[history.truth[real]])
    m = history.member[real]

    def frac(mask: B) -> float | None:
        total = float(w[mask].sum())
        return float((w[mask] * ok[mask]).sum() / total) if total > 0 else None

    return frac(np.ones(len(w), dtype=bool)), [frac(m == i) for i in range(members)]


def correct_fraction_held(
    history: IdentityHistory, truth_kind: ArrayLike, held: ArrayLike, members: int
) -> list[float | None]:
    """Per member, the fraction of track-time with the correct identity over the rows of
    ``history`` the member holds: ``held (rows,) uint64``, bit ``m`` set when member ``m``
    holds that row's track (the coalition picture's tracks released to it: identification is
    row-wise, so it holds the same identity); None where a member holds no track-time."""
    kind = np.asarray(truth_kind)
    real = history.truth >= 0
    w = history.weight[real]
    ok = correct_identity(history.category[real], kind[history.truth[real]])
    bits = np.asarray(held, dtype=np.uint64)[real]
    out: list[float | None] = []
    for m in range(members):
        mine = ((bits >> np.uint64(m)) & np.uint64(1)).astype(bool)
        total = float(w[mine].sum())
        out.append(float((w[mine] * ok[mine]).sum() / total) if total > 0 else None)
    return out


#: The keys of :func:`misdeclared`, in order: (truth kind, declared categories) of each.
MISDECLARED_KEYS = (
    "threat_as_neutral_s",
    "threat_as_friend_s",
    "civil_as_suspect_s",
    "civil_as_hostile_s",
    "friend_as_suspect_s",
    "friend_as_hostile_s",
)
_MISDECLARED = (
    (TRUTH_THREAT, (NEUTRAL,)),
    (TRUTH_THREAT, (FRIEND, ASSUMED_FRIEND)),
    (TRUTH_CIVIL, (SUSPECT,)),
    (TRUTH_CIVIL, (HOSTILE,)),
    (TRUTH_COALITION, (SUSPECT,)),
    (TRUTH_COALITION, (HOSTILE,)),
)


def misdeclared(history: IdentityHistory, truth_kind: ArrayLike) -> dict[str, float]:
    """Track-seconds (s) of ``history`` per misdeclaration, keys :data:`MISDECLARED_KEYS`: the
    summed ``weight`` of the rows whose truth is a threat declared neutral, or friend / assumed
    friend; a civil aircraft declared suspect, or hostile; a coalition aircraft declared
    suspect, or hostile. False tracks are in no pair. Rounded to the millisecond."""
    kind = np.asarray(truth_kind)
    real = history.truth >= 0
    k = kind[history.truth[real]]
    c, w = history.category[real], history.weight[real]
    return {
        key: round(float(w[(k == truth) & np.isin(c, cats)].sum()), 3)
        for key, (truth, cats) in zip(MISDECLARED_KEYS, _MISDECLARED, strict=True)
    }


def first_hostile_time(history: IdentityHistory, n_truth: int, member: int | None = None) -> F64:
    """``(n_truth,)`` first time any track of each truth row was hostile (NaN: never), in any
    member's picture or in ``member``'s."""
    sel = (history.truth >= 0) & (history.truth < n_truth) & (history.category == HOSTILE)
    if member is not None:
        sel &= history.member == member
    out = np.full(n_truth, np.inf)
    np.minimum.at(out, history.truth[sel], history.t[sel])
    return np.where(np.isfinite(out), out, np.nan)


def declaration_delays(history: IdentityHistory, detect_time: ArrayLike) -> F64:
    """``(n,)`` time from first detection to hostile declaration of each threat (truth rows
    ``0..n-1`` are the threats, ``detect_time (n,)`` s, NaN if never detected); NaN for a threat
    never declared or never detected. Never negative (a declaration is made on a detection)."""
    det = np.asarray(detect_time, dtype=float)
    first = first_hostile_time(history, len(det))
    out: F64 = np.maximum(first - det, 0.0)
    return out


def leaked_due_to_late_declaration(landed: ArrayLike, engaged: ArrayLike,
                                   withheld: ArrayLike) -> B:
    """``(n,) bool`` per threat: it landed, was never engaged, and at some decision time a
    feasible, available shot at it was withheld only because it was not yet declared hostile
    (the pipeline's ``BLOCKED_NOT_HOSTILE`` bit)."""
    out: B = (
        np.asarray(landed, bool) & ~np.asarray(engaged, bool) & np.asarray(withheld, bool)
    )
    return out


def declared_too_late(
    landed: ArrayLike,
    engaged: ArrayLike,
    detect_time: ArrayLike,
    declared_time: ArrayLike,
    last_fire_time: ArrayLike,
) -> B:
    """``(n,) bool`` per threat, from times alone: it landed, was never engaged, was detected
    while a shot could still be fired (``detect_time <= last_fire_time``), but was declared
    hostile only after the last moment a shot could be fired (or never). ``last_fire_time``
    (s) is the latest fire time of any unit that still meets the threat in its envelope (e.g.
    the last envelope tick minus the unit's flyout time; NaN or -inf: never engageable)."""
    det = np.asarray(detect_time, float)
    dec = np.asarray(declared_time, float)
    last = np.nan_to_num(np.asarray(last_fire_time, float), nan=-np.inf)
    late = ~(dec <= last)  # NaN (never declared) is late
    out: B = (
        np.asarray(landed, bool) & ~np.asarray(engaged, bool) & (det <= last) & late
    )
    return out


def identification_results(
    history: IdentityHistory,
    truth_kind: ArrayLike,
    detect_time: ArrayLike,
    late_leakers: ArrayLike,
    members: tuple[str, ...],
    by_member: list[float | None] | None = None,
) -> dict[str, Any]:
    """The ``identification`` block of ``results.json``: ``correct_fraction`` (coalition),
    ``correct_fraction_by_member`` {member: fraction}, ``mean_declaration_delay_s`` (over threats
    declared), ``declared`` and ``detected`` threat counts, ``leaked_due_to_late_declaration``
    (count), ``misdeclared`` {pair: track-seconds} (:func:`misdeclared` of ``history``).
    Fractions and means are None when undefined.

    ``history`` holds the identities the declarations are taken from; the fractions per member
    are ``by_member`` when given (e.g. :func:`correct_fraction_held` of each member's own
    picture; the coalition fraction stays that of ``history``), else from ``history``'s member
    column."""
    overall, per = correct_fraction(history, truth_kind, len(members))
    if by_member is not None:
        per = by_member
    delays = declaration_delays(history, detect_time)
    ok = np.isfinite(delays)
    return {
        "correct_fraction": None if overall is None else round(overall, 6),
        "correct_fraction_by_member": {
            m: None if f is None else round(f, 6) for m, f in zip(members, per, strict=True)
        },
        "mean_declaration_delay_s": round(float(delays[ok].mean()), 3) if ok.any() else None,
        "detected": int(np.isfinite(np.asarray(detect_time, float)).sum()),
        "declared": int(ok.sum()),
        "leaked_due_to_late_declaration": int(np.asarray(late_leakers, bool).sum()),
        "misdeclared": misdeclared(history, truth_kind),
    }


def identity_timeline(
    history: IdentityHistory, truth_kind: ArrayLike
) -> tuple[F64, dict[str, dict[str, F64]]]:
    """For the report: at each logged time, how many tracks of each truth kind (threat, civil,
    coalition, false) were in each category, over all members. Returns ``(times (T,),
    {kind: {category: counts (T,)}})``."""
    kind = np.asarray(truth_kind)
    times, ti = np.unique(history.t, return_inverse=True)
    k = np.where(history.truth >= 0, kind[np.maximum(history.truth, 0)], -1)
    out: dict[str, dict[str, F64]] = {}
    for kv, kname in [*enumerate(TRUTH_KIND_NAMES), (-1, "false")]:
        sel = k == kv
        if not sel.any():
            continue
        out[kname] = {}
        for c, cname in enumerate(CATEGORY_NAMES):
            m = sel & (history.category == c)
            out[kname][cname] = np.bincount(ti[m], minlength=len(times)).astype(float)
    return times, out
