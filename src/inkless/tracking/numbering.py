"""Track numbering: the coalition picture assembled from its trackers' pictures, each row under
a system track number that persists across fusion and across a tracker's break.

Where it sits: tracking, called by the coalition tracker
(:class:`inkless.tracking.coalition_tracker.CoalitionTracker`) at each decision time; its
numbers are what the engine's shots and kills refer to. Frame: the common ENU frame, metres and
m/s; time in s since the epoch.

* **track-to-track fusion** (:func:`assemble`): a member that shares only tracks runs its own
  tracker on its own sensors; at each decision time its confirmed tracks are associated with the
  picture (chi-square gate on position, global nearest neighbour by ``linear_sum_assignment``)
  and fused by covariance intersection (:func:`inkless.tracking.covariance_intersection`: the
  cross-correlation between the two trackers' errors is unknown); the others are added.
* **track numbers** (:class:`TrackNumbers`) persist across fusion: a member's track joined to a
  coalition track keeps that number when it is alone again, so that shots and kills stay with
  the object and a duplicate is never engaged as a new threat;
* **reacquisition** (:func:`reacquire`, :class:`EndedTracks`): a new track of an object whose
  track ended a moment ago takes its number back.

A track-sharing member's own track ``id`` is numbered ``(member + 1) << 40 | id``: its ids must
not exceed :data:`MAX_TRACK_ID`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.sensing import EnuFrame

from .association import min_cost_pairs
from .fusion import covariance_intersection
from .gravity import predict_rows
from .ids import isin_ids, lookup
from .picture import CoalitionPicture
from .releasability import release_bits

__all__ = [
    "MAX_TRACK_ID",
    "EndedTracks",
    "TrackNumbers",
    "assemble",
    "latest_per_number",
    "own_numbers",
    "reacquire",
    "renumber",
]

_FUSION_GATE = 21.11  # chi-square 99.99 % point, 3 dof, on the position difference

_LOCAL_ID = 40  # ids of tracks added by a track-sharing member: (member + 1) << 40 | local id

#: The largest track id a track-sharing member's tracker may use (its own numbers' space).
MAX_TRACK_ID = (1 << _LOCAL_ID) - 1


def own_numbers(member: int, ids: I64) -> I64:
    """A source track's own number: the centralised tracker's id (``member`` -1), or
    ``(member + 1) << 40 | id`` for a track-sharing member's."""
    return (np.int64(member + 1) << np.int64(_LOCAL_ID)) | ids


def _associate(a: CoalitionPicture, b: CoalitionPicture, prior: I64, gate_d2: float,
               hold_d2: float) -> tuple[I64, I64]:
    """One-to-one pairs ``(ia, ib)`` of rows of ``a`` and ``b`` (same time) that are one object:
    global nearest neighbour on the squared Mahalanobis distance of the position difference
    (covariance ``Pa + Pb``), inside the chi-square gate ``gate_d2``; a pair already joined
    before (``prior[j] == a.id[i]``, ``prior`` the number ``b``'s row ``j`` was last shown
    under, -1 none) stays inside the wider ``hold_d2`` and is preferred to any new pair (track
    continuity; its cost is lowered by ``hold_d2``)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    d = a.x[:, None, :3] - b.x[None, :, :3]
    S = a.P[:, None, :3, :3] + b.P[None, :, :3, :3]
    d2 = np.einsum("abi,abi->ab", d, np.linalg.solve(S, d[..., None])[..., 0])
    held = (prior[None, :] == a.id[:, None]) & (prior[None, :] >= 0) & (d2 < hold_d2)
    cost = np.where(held, d2, np.where(d2 < gate_d2, d2 + hold_d2, np.inf))
    return min_cost_pairs(cost)


def _join(a: CoalitionPicture, b: CoalitionPicture, ia: I64, ib: I64,
          iterations: int) -> CoalitionPicture:
    """``a`` with its rows ``ia`` fused with ``b``'s rows ``ib`` by covariance intersection
    (trace criterion): ``a``'s ids, the union of the provenance, the better score, the sum of
    the votes and the majority object of the side with more detections."""
    if ia.size == 0:
        return a
    x, P, _ = covariance_intersection(a.x[ia], a.P[ia], b.x[ib], b.P[ib], iterations=iterations)
    na, nb = a.votes[ia].sum(axis=1), b.votes[ib].sum(axis=1)
    xs, Ps = a.x.copy(), a.P.copy()
    xs[ia], Ps[ia] = x, P
    members, votes, obj, quality = a.members.copy(), a.votes.copy(), a.obj.copy(), a.quality.copy()
    members[ia] |= b.members[ib]
    votes[ia] += b.votes[ib]
    obj[ia] = np.where(nb > na, b.obj[ib], a.obj[ia])
    quality[ia] = np.maximum(a.quality[ia], b.quality[ib])
    return CoalitionPicture(a.t, a.id, xs, Ps, quality, members, a.release, votes, obj)


def _concat(a: CoalitionPicture, b: CoalitionPicture) -> CoalitionPicture:
    return CoalitionPicture(
        a.t, *(np.concatenate([getattr(a, f), getattr(b, f)])
               for f in ("id", "x", "P", "quality", "members", "release", "votes", "obj")))


@dataclass(frozen=True, slots=True, eq=False)
class TrackNumbers:
    """System track numbers: the number each source track is shown under in a picture.

    A picture joins the tracks of several trackers (sources): the centralised tracker's and
    each track-sharing member's. ``key (k,)``, sorted, is a source track's own number (the
    centralised tracker's id, ``(member + 1) << 40 | id`` for a member's), ``number (k,)`` the
    number it is shown under and ``born (k,)`` the time (s) that number was first shown;
    ``fresh`` counts the numbers issued when a track's own number is taken. A track keeps its
    number while it lives, joined to other tracks or alone, so that what was done on that
    number (shots in the air at it, a kill seen on it) stays with the object; when two tracks
    shown under different numbers are joined, the older number stays and the younger is merged
    into it (every source track shown under it moves to the older one).
    """

    key: I64
    number: I64
    born: F64
    fresh: int = 0

    @classmethod
    def empty(cls) -> TrackNumbers:
        """No track numbered yet."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def __len__(self) -> int:
        return int(self.key.shape[0])

    def of(self, keys: I64) -> tuple[I64, F64]:
        """Number (-1: none yet) and its birth time (s; NaN) of each source track ``keys``."""
        if len(self) == 0:
            return np.full(keys.shape, -1, np.int64), np.full(keys.shape, np.nan)
        at, found = lookup(self.key, keys)
        return np.where(found, self.number[at], -1), np.where(found, self.born[at], np.nan)

    def first_shown(self, number: I64) -> F64:
        """Birth time (s) of each of ``number`` (infinite for a number no entry holds)."""
        return _first_shown(*self.by_number(), number)

    def by_number(self) -> tuple[I64, F64]:
        """The entries' numbers in ascending order (a stable sort: among equal numbers, by
        key) and each one's birth time (s)."""
        order = self.number.argsort(kind="stable")
        return self.number.take(order), self.born.take(order)

    def keep(self, keys: I64) -> TrackNumbers:
        """Only the source tracks ``keys`` (those still held by their trackers)."""
        ok = isin_ids(self.key, keys)
        return TrackNumbers(self.key[ok], self.number[ok], self.born[ok], self.fresh)


_FRESH = np.int64(((1 << 22) - 1) << _LOCAL_ID)  # numbers issued when a track's own is taken
_HOLD_GATE = 44.8  # chi-square 1 - 1e-9 point, 3 dof: a pair joined before stays joined inside


def assemble(
    central: CoalitionPicture,
    shared_tracks: Sequence[tuple[int, CoalitionPicture]],
    allowed: NDArray[np.bool_],
    numbers: TrackNumbers | None = None,
    gate_d2: float = _FUSION_GATE,
    hold_d2: float = _HOLD_GATE,
    iterations: int = 30,
) -> tuple[CoalitionPicture, TrackNumbers]:
    """The coalition picture: the centralised tracker's picture with every track-sharing
    member's picture fused in (member order: pairs inside the chi-square gate ``gate_d2`` on
    the position difference, covariance ``Pa + Pb``, chosen by global nearest neighbour and
    fused by covariance intersection, trace criterion; the member's other tracks added),
    labelled with its releasability, and the track numbers after it.

    Track numbers (``numbers``: those of the last picture, :class:`TrackNumbers`): every row
    is shown under the number its source tracks were shown under before, so that a member's
    track that was joined to a centralised track keeps that track's number once it is alone
    (its centralised twin lost or killed), and a centralised track that joins a member's track
    shown alone before takes the older of the two numbers. A pair joined before is kept inside
    the wider gate ``hold_d2`` and preferred to new pairs; new pairs need ``gate_d2``.
    Numbers in one picture are distinct: a row whose number another row holds gets its own
    number, or a fresh one if that is taken too. Source tracks not in this picture keep
    their entries (the caller drops those no tracker holds, :meth:`TrackNumbers.keep`).
    """
    t = central.t
    numbers = TrackNumbers.empty() if numbers is None else numbers  # an empty one keeps `fresh`
    fresh = numbers.fresh
    keys = [central.id]  # the centralised tracker's tracks' own numbers are their ids
    prior, born = numbers.of(central.id)
    ids = np.where(prior >= 0, prior, central.id)
    row_born = np.where(prior >= 0, born, t)
    pic = central.numbered(ids)
    losers, winners = np.zeros(0, np.int64), np.zeros(0, np.int64)
    # picture row of each key in ``keys`` (none: the centralised tracker's alone, row by row)
    row_keys: list[I64] = [np.arange(len(central))] if shared_tracks else []
    for member, b in shared_tracks:
        own = own_numbers(member, b.id)
        prior, pborn = numbers.of(own)
        prior = _follow(prior, losers, winners)
        ia, ib = _associate(pic, b, prior, gate_d2, hold_d2)
        pic = _join(pic, b, ia, ib, iterations)
        # a joined pair shown under two numbers: the older stays, the younger merges into it
        p, cur = prior[ib], pic.id[ia]
        merge = (p >= 0) & (p != cur) & ~isin_ids(p, pic.id)
        older = merge & ((pborn[ib] < row_born[ia]) | ((pborn[ib] == row_born[ia]) & (p < cur)))
        ids = pic.id.copy()
        ids[ia] = np.where(older, p, cur)
        row_born[ia] = np.where(older, pborn[ib], row_born[ia])
        losers = np.concatenate([losers, np.where(older, cur, p)[merge]])
        winners = np.concatenate([winners, ids[ia][merge]])
        # the member's other tracks: under their number when no row holds it, else their own
        rest = np.setdiff1d(np.arange(len(b)), ib)
        p = prior[rest]
        free = (p >= 0) & ~isin_ids(p, ids)
        free &= _first_of_each(np.where(free, p, -1 - np.arange(rest.size)))
        extra = dataclasses.replace(b.take(rest), id=np.where(free, p, own[rest]))
        n_before = len(pic)
        pic = _concat(pic.numbered(ids), extra)
        row_born = np.concatenate([row_born, np.where(free, pborn[rest], t)])
        at = np.empty(len(b), np.int64)
        at[ib], at[rest] = ia, n_before + np.arange(rest.size)
        keys.append(own)
        row_keys.append(at)
    key, row_of = keys[0], None
    if row_keys:
        key, row_of = np.concatenate(keys), np.concatenate(row_keys)
    ids, fresh = _distinct(pic.id, key, row_of, fresh)
    if ids is not pic.id:
        row_born = np.where(ids == pic.id, row_born, t)
    pic = pic.numbered(ids, release_bits(pic.members, allowed))
    # the new entries: every source track shown now; the others keep theirs, merges applied
    old = ~isin_ids(numbers.key, key)
    key = np.concatenate([key, numbers.key[old]])
    number = np.concatenate([ids if row_of is None else ids[row_of],
                             _follow(numbers.number[old], losers, winners)])
    born = np.concatenate([row_born if row_of is None else row_born[row_of], numbers.born[old]])
    order = key.argsort(kind="stable")
    return pic, TrackNumbers(key[order], number[order], born[order], fresh)


def renumber(central: CoalitionPicture, held: I64, allowed: NDArray[np.bool_],
             numbers: TrackNumbers) -> tuple[CoalitionPicture, TrackNumbers]:
    """The picture of one tracker with nothing fused in, numbered: what
    ``assemble(central, (), allowed, numbers)`` and then ``.keep(held)`` give, bit for bit,
    for ``held`` the ids of every track the tracker holds (ascending; ``central.id``, also
    ascending, among them). A track's own number is its id, so the entries after it are those
    of ``held`` in its order: one look-up of ``held`` in ``numbers`` replaces the
    concatenation, the sort and the membership tests of the general path."""
    t = central.t
    rows = held.searchsorted(central.id)  # each shown track's row of held
    if len(numbers):
        at, found = lookup(numbers.key, held)
        number = np.where(found, numbers.number.take(at), -1)  # TrackNumbers.of
        born = numbers.born.take(at)  # (read only where found)
    else:
        found, number = np.zeros(held.size, bool), np.full(held.size, -1, np.int64)
        born = np.zeros(held.size)
    prior = number.take(rows)
    before = prior >= 0
    ids = np.where(before, prior, central.id)
    row_born = np.where(before, born.take(rows), t)
    distinct, fresh = _distinct(ids, central.id, None, numbers.fresh)
    if distinct is not ids:
        row_born = np.where(distinct == ids, row_born, t)
    pic = central.numbered(distinct, release_bits(central.members, allowed))
    number[rows], born[rows] = distinct, row_born
    found[rows] = True  # an entry for every track shown now and every one held before
    keep = found.nonzero()[0]
    return pic, TrackNumbers(held.take(keep), number.take(keep), born.take(keep), fresh)


def latest_per_number(number: I64, t: F64) -> tuple[I64, F64]:
    """The distinct values of ``number`` (ascending) and the latest of ``t`` over each
    (``np.maximum`` of them: NaN when one is NaN), by one sort on (number, t)."""
    order = np.lexsort((t, number))
    s = number.take(order)
    last = np.empty(s.size, bool)  # the last row of each number, which has its latest t
    last[-1:] = True
    np.not_equal(s[1:], s[:-1], out=last[:-1])
    return s[last], t.take(order)[last]  # (NaN sorts last: a number with one ends on it)


def _first_shown(number: I64, born: F64, q: I64) -> F64:
    """:meth:`TrackNumbers.first_shown` of ``q`` from :meth:`TrackNumbers.by_number`'s
    ``number``, ``born``: the birth of the first entry under each (infinite: none)."""
    if not number.size:
        return np.full(q.shape, np.inf)
    at, found = lookup(number, q)
    return np.where(found, born.take(at), np.inf)


def _follow(number: I64, losers: I64, winners: I64) -> I64:
    """``number`` with every merged number replaced by the one it was merged into, merges
    applied in the order they were made (so a chain is followed: a winner may itself be merged
    later in the same picture)."""
    out = number.copy()
    for lose, win in zip(losers.tolist(), winners.tolist(), strict=True):
        out[out == lose] = win
    return out


def _first_of_each(values: I64) -> NDArray[np.bool_]:
    """``(n,)``: the first occurrence of each value."""
    _, first = np.unique(values, return_index=True)
    out = np.zeros(values.size, bool)
    out[first] = True
    return out


def _distinct(ids: I64, keys: I64, rows: I64 | None, fresh: int) -> tuple[I64, int]:
    """The picture's numbers made distinct: a row whose number an earlier row holds takes the
    own number of its first source track (``keys``, on picture rows ``rows``; None: key ``i``
    on row ``i``), or a fresh number if that is taken too. Returns the numbers (``ids``
    itself when distinct already) and the fresh-number counter."""
    s = ids.copy()
    s.sort()
    if not np.count_nonzero(s[1:] == s[:-1]):  # distinct already (the usual case)
        return ids, fresh
    dup = ~_first_of_each(ids)
    out = ids.copy()
    first_key = np.full(ids.size, -1, np.int64)
    if rows is None:
        first_key[:] = keys
    else:
        first_key[rows[::-1]] = keys[::-1]
    for r in np.flatnonzero(dup).tolist():
        want = int(first_key[r])
        if want < 0 or np.any(out == want):
            want = int(_FRESH | np.int64(fresh))
            fresh += 1
        out[r] = want
    return out, fresh


@dataclass(frozen=True, slots=True, eq=False)
class EndedTracks:
    """Numbers whose every source track has ended (deleted by its tracker), with the last state
    shown under each: ``number (g,)``, ``born (g,)`` (s), ``x (g, 6)``, ``P (g, 6, 6)`` at
    ``t (g,)`` (s), kept :data:`_REACQUIRE_S` so that a new track of the same object takes the
    number back (:func:`reacquire`)."""

    number: I64
    born: F64
    x: F64
    P: F64
    t: F64

    @classmethod
    def empty(cls) -> EndedTracks:
        """None."""
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 6)), np.zeros((0, 6, 6)),
                   np.zeros(0))

    def __len__(self) -> int:
        return int(self.number.shape[0])

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> EndedTracks:
        """Only ``rows`` (indices or a boolean mask)."""
        at = rows.nonzero()[0] if rows.dtype == bool else rows  # take: faster row gathers
        return EndedTracks(self.number.take(at), self.born.take(at), self.x.take(at, axis=0),
                           self.P.take(at, axis=0), self.t.take(at))


_REACQUIRE_S = 60.0  # how long the number of a track that ended waits for a new track


def reacquire(pic: CoalitionPicture, numbers: TrackNumbers, shown: EndedTracks,
              ended: EndedTracks, q: float, frame: EnuFrame, gate_d2: float = _FUSION_GATE,
              ) -> tuple[CoalitionPicture, TrackNumbers, EndedTracks, EndedTracks]:
    """Track continuity across a tracker's break: a track first shown at ``pic.t`` that is,
    inside the chi-square gate ``gate_d2`` on position (covariance the sum of both, the ended
    track predicted to ``pic.t`` with gravity for fast ones and process noise ``q``), a track
    whose number ended in the last :data:`_REACQUIRE_S` seconds (global nearest neighbour, one
    to one) is shown under that number, which keeps its birth time.

    ``shown`` holds the last state shown under every number still held; a number no source
    track holds any more (``numbers``, already cleared of ended source tracks) moves from it to
    ``ended``. Returns the picture, numbers, last shown states and ended tracks after it."""
    t = pic.t
    by_number, born_by = numbers.by_number()  # (sorted once for both look-ups)
    held = lookup(by_number, shown.number)[1]
    if np.count_nonzero(held) < held.size:
        gone = ~held
        ended = EndedTracks(*(np.concatenate([getattr(ended, f), getattr(shown, f)[gone]])
                              for f in ("number", "born", "x", "P", "t")))
        shown = shown.take(held)
    if len(ended):
        recent = t - ended.t <= _REACQUIRE_S
        if np.count_nonzero(recent) < recent.size:
            ended = ended.take(recent)
    born_now = _first_shown(by_number, born_by, pic.id)
    if len(ended) and len(pic):
        new = (born_now >= t).nonzero()[0]
        if new.size:
            x, P = predict_rows(ended.x, ended.P, t - ended.t, q, frame)
            d = pic.x[new, None, :3] - x[None, :, :3]
            S = pic.P[new, None, :3, :3] + P[None, :, :3, :3]
            d2 = np.einsum("abi,abi->ab", d, np.linalg.solve(S, d[..., None])[..., 0])
            i, j = min_cost_pairs(np.where(d2 < gate_d2, d2, np.inf))
            if i.size:
                rows, back = new[i], ended.number[j]
                ids = pic.id.copy()
                ids[rows] = back
                # every source track shown under a reacquired row's number takes the old one
                order = pic.id[rows].argsort()
                at, was = lookup(pic.id[rows][order], numbers.number)
                num = np.where(was, back[order][at], numbers.number)
                born = np.where(was, ended.born[j][order][at], numbers.born)
                keep = np.ones(len(ended), bool)
                keep[j] = False
                pic, ended = pic.numbered(ids), ended.take(keep)
                numbers = TrackNumbers(numbers.key, num, born, numbers.fresh)
                born_now = numbers.first_shown(pic.id)
    # the last state shown under each number: this picture's rows replace theirs
    now = isin_ids(shown.number, pic.id)
    if np.count_nonzero(now) == now.size:  # every number shown before is shown now (usual)
        shown = EndedTracks(pic.id.copy(), born_now, pic.x.copy(), pic.P.copy(),
                            np.full(len(pic), t))
        return pic, numbers, shown, ended
    old = shown.take(~now)
    cat = np.concatenate
    shown = EndedTracks(cat([old.number, pic.id]), cat([old.born, born_now]),
                        cat([old.x, pic.x]), cat([old.P, pic.P]),
                        cat([old.t, np.full(len(pic), t)]))
    return pic, numbers, shown, ended
