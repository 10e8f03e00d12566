"""The coalition tracker: every member tracker of the coalition, fed scan by scan, and the
pictures (the coalition's, each member's view) on demand.

Where it sits: tracking, fed by ``sensing`` (radar reports per scan) and read by the engine's
tracked picture (threat evaluation, assignment) and the after-action. Frame: the common ENU frame
of :class:`inkless.sensing.EnuFrame`, metres and m/s; time in s since the epoch.

How the picture is built (each member's ``shares`` setting in the scenario says which way):

* **centralised measurement fusion**: the reports of every sensor of the members that share
  detections go into ONE tracker (:func:`inkless.tracking.step`). The reports of the sensors
  that scan at the same time are first merged per object
  (:func:`inkless.tracking.merging.merge_reports`: parallel measurement fusion, which for
  independent errors gives the same estimate as updating with each sensor's report in turn) and
  go in as one batch, whose detection probability for a track is that at least one of the
  sensors sees it: one tracker step per decision time, not one per sensor, which is what keeps a
  run with a dozen radars fast;
* **track-to-track fusion**: a member that shares only tracks runs its own tracker on its own
  sensors; its confirmed tracks are fused into the picture at each decision time, under track
  numbers that persist (:mod:`inkless.tracking.numbering`);
* a member that shares nothing contributes nothing (its sensors still feed its own tracker, so
  its own view holds what it sees itself).

Ballistic tracks are predicted with gravity (:mod:`inkless.tracking.gravity`). What a member
holds itself is the track built from what it may see (:meth:`CoalitionTracker.view`): its own
sensors and what the others release to it (:mod:`inkless.tracking.releasability`), never less
than its own sensors alone would give.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.sensing import BALLISTIC_SPEED, Detections, EnuFrame, ExpectedPd

from .gravity import with_gravity
from .ids import lookup
from .measurement import measurements
from .merging import merge_scans, merge_sets, mutual_pairs
from .numbering import (
    EndedTracks,
    TrackNumbers,
    assemble,
    latest_per_number,
    own_numbers,
    reacquire,
    renumber,
)
from .picture import N_KINDS, CoalitionPicture, LabelledTracks, labelled, picture_rows
from .tracker import Batch, TrackerConfig, step_many
from .tracks import Tracks

__all__ = ["PICTURE_CONFIG", "CoalitionTracker", "ReportBlock"]


#: Tracker parameters of the coalition picture: the tracker's defaults (and, per sensor, the
#: sensor's own clutter density) with less process noise, 0.1 m^2/s^3: the threats fly straight
#: legs (ballistic ones with gravity as a control input) and turn only at waypoints, which stay
#: inside the gate. Mean GOSPA (c = 1 km) for q = 0.1 / 0.5 / 2 / 5: april-2024 (seed 2024)
#: 3,702 / 4,246 / 4,821 / 5,355 m; basics (seed 7) 568 / 598 / 726 / 706 m. Fighters on a CAP
#: station turn at 0.3-0.5 g, which q = 0.1 loses at every turn (about 60 track numbers for 30
#: minutes of a 0.54 g orbit, tests/tracking/test_manoeuvre.py): an IMM adds a manoeuvre model,
#: q = 50 m^2/s^3 on the level axes, the least that holds that orbit under one number;
#: tentative tracks and those faster than ``BALLISTIC_SPEED`` (ballistic, under gravity) are
#: held in the q = 0.1 model (the plain filter, bit for bit).
PICTURE_CONFIG = TrackerConfig(q=0.1, q_manoeuvre=50.0, manoeuvre_speed_max=BALLISTIC_SPEED)


_Sources = tuple[int, tuple[int, ...], int]  # a picture's trackers: (base, track sharers, own)
#: Reports of several scan times (:class:`Detections` sorted by time, then sensor; ``z``,
#: ``R``, ``kind``): a block, whose reports at one time :meth:`CoalitionTracker.scan` takes
ReportBlock = tuple[Detections, F64, F64, I64]
_Merged = tuple[F64, F64, I64, I64, I64]  # merged z, R and labels: object, kinds, bits
# a block's merge: the scan of each report, per tracker and scan the tracker whose merge it
# takes, per tracker its merge with where each scan's start (CoalitionTracker._block_merged)
_BlockMerge = tuple[I64, list[list[int]], list[tuple[F64, F64, I64, I64, I64, list[int]]]]


class CoalitionTracker:
    """Every tracker of the coalition, fed scan by scan; the pictures on demand.

    One tracker takes the detections of all members that share detections (the centralised
    tracker); each member that shares only tracks, or nothing, runs its own on its own sensors.
    A member to whom some detection-sharing member does not release its tracks holds the
    track built from what it may see: one more tracker takes the detections of the
    detection-sharing members that release to it (one per distinct such set), and its picture
    is that tracker's with the track-sharing members' pictures released to it fused in
    (:meth:`view`). The reports of a tracker's sensors at one time are merged per object
    (:func:`inkless.tracking.merging.merge_reports`) and processed as one batch. ``clutter``
    is each sensor's false-alarm density per m^3 (:func:`inkless.sensing.clutter_density`);
    ``ranges``, ``min_el``, ``max_el``, ``pd`` its coverage for the expected detection
    probability (:class:`inkless.sensing.ExpectedPd`). The state is a few track tables and the track
    numbers of each picture (:class:`TrackNumbers`); every step is a pure function of them.
    """

    def __init__(
        self,
        frame: EnuFrame,
        owner: I64,
        ranges: F64,
        min_el: F64,
        max_el: F64,
        pd: F64,
        clutter: F64,
        shares: Sequence[str],
        allowed: NDArray[np.bool_],
        config: TrackerConfig = PICTURE_CONFIG,
    ) -> None:
        self.frame, self.owner, self.ranges = frame, owner, ranges
        self.min_el, self.max_el, self.pd = min_el, max_el, pd
        self.shares, self.allowed, self.config = tuple(shares), allowed, config
        self.configs = [dataclasses.replace(config, clutter_density=float(c)) for c in clutter]
        self._configs: dict[tuple[int, ...], TrackerConfig] = {}
        self._sensor_ecef: F64 | None = None
        self._expect: ExpectedPd | None = None
        self._block: tuple[ReportBlock, *_BlockMerge] | None = None  # (:meth:`_sliced`)
        n = len(self.shares)
        central = tuple(m for m in range(n) if self.shares[m] == "detections")
        # the trackers, by the members whose sensors feed them: the centralised one first, then
        # each member's own (sharing tracks or nothing), then the restricted centralised ones
        self.feeds: list[tuple[int, ...]] = [central]
        self.feeds += [(m,) for m in range(n) if self.shares[m] != "detections"]
        # what each member may see: (detection sharers releasing to it, track sharers, own)
        self._sees: list[_Sources] = []
        for v in range(n):
            dets = tuple(o for o in central if allowed[o, v])
            if dets and dets != central and dets not in self.feeds:
                self.feeds.append(dets)
            base = self.feeds.index(dets) if dets else -1
            tracks = tuple(m for m in range(n) if self.shares[m] == "tracks" and allowed[m, v])
            self._sees.append((base, tracks, v if self.shares[v] == "none" else -1))
        self.tables = [LabelledTracks.empty() for _ in self.feeds]
        self._fed = np.zeros((len(self.feeds), n), bool)  # tracker k takes member m's sensors
        for k, feed in enumerate(self.feeds):
            self._fed[k, list(feed)] = True
        # the coalition picture's sources, as a member's view names them
        self._coalition = (0 if central else -1,
                           tuple(m for m in range(n) if self.shares[m] == "tracks"), -1)
        # per picture (the coalition's, each distinct view): its track numbers, the last state
        # shown under each and the numbers ended (:func:`reacquire`)
        self._memory: dict[_Sources, tuple[TrackNumbers, EndedTracks, EndedTracks]] = {}
        self._views: dict[_Sources, CoalitionPicture] = {}
        # per picture of one tracker, as last made: that table, its rows' numbers and tracks
        self._made: dict[_Sources, tuple[LabelledTracks, I64, I64] | None] = {}
        self._rows: dict[int, tuple[LabelledTracks, CoalitionPicture]] = {}  # by tracker

    def own(self, member: int) -> LabelledTracks:
        """The own tracker of a member that shares only tracks, or nothing."""
        return self.tables[self.feeds.index((member,))]

    def take_own(self, member: int, tracks: Tracks, votes: NDArray[np.int32] | None = None,
                 obj: I64 | None = None) -> None:
        """``tracks`` are now the own tracker's table of ``member`` (row; a member that shares
        only tracks, or nothing): its tracks as its node sent them, from a tracker of its own,
        fused into the pictures from the next call as :meth:`own`'s are; every one with the
        member's provenance bit. ``votes (n, N_KINDS)``, ``obj (n,)``: the simulation's labels
        of each (default none: no detections counted, object -1)."""
        k = self.feeds.index((member,))
        self.tables[k] = LabelledTracks.of_member(tracks, member, votes, obj)
        self._rows.pop(k, None)

    def scan(self, t: float, det: Detections, kind: I64, sensors: I64, sensor_ecef: F64,
             z: F64 | None = None, R: F64 | None = None,
             block: tuple[ReportBlock, int, int] | None = None) -> None:
        """Feed the scans at ``t`` (s) of ``sensors (k,)`` (rows, increasing), at ECEF
        ``sensor_ecef (k, 3)``: their reports ``det`` (sorted by sensor), ``kind (m,)`` the kind
        of object behind each report (simulation only), and optionally their Cartesian form
        ``z``, ``R`` (:func:`measurements`, computed here when not given). ``block = (reports,
        lo, hi)``: these reports are rows ``lo:hi``, every report at ``t``, of a block of
        reports of several times, whose merge is computed once for the whole block (the same
        bit for bit, :func:`inkless.tracking.merging.merge_scans`) and sliced.

        Per tracker, the sensors' reports are merged per object
        (:func:`inkless.tracking.merging.merge_reports`; the trackers' distinct sets of reports
        in one pass, :func:`inkless.tracking.merging.merge_sets`) and go in as one batch; a
        track's detection probability is that of being seen by at least one of the sensors
        (:class:`inkless.sensing.ExpectedPd` at its predicted position), the false alarm
        densities add. A time without reports that no track expects to be seen at changes
        nothing but the time of the table, so it is skipped (exact: the track score's decay
        composes, :func:`inkless.tracking.picture.score_at`). Simulation labels: a merged
        report counts every report merged into it by kind, carries their members' bits and its
        first report's object.
        """
        if not sensors.size:
            return
        if z is None or R is None:
            z, R = measurements(det)
        known_ecef = self._sensor_ecef
        if known_ecef is None or sensor_ecef.shape != (sensors.size, 3) or not (
                known_ecef[sensors] == sensor_ecef).all():
            ecef = np.full((len(self.owner), 3), np.nan) if known_ecef is None else (
                known_ecef.copy())
            ecef[sensors] = sensor_ecef
            self._sensor_ecef = ecef
            ok = np.isfinite(ecef[:, 0])
            # sensors not seen yet get a placeholder position (and pd 0) until they scan
            self._expect = ExpectedPd(self.frame, np.where(ok[:, None], ecef, self.frame.origin),
                                      self.ranges, self.min_el, self.max_el,
                                      np.where(ok, self.pd, 0.0))
        owners = self.owner[sensors]
        ks = [k for k in range(len(self.feeds)) if self._fed[k, owners].any()]
        if not ks:
            return
        tables = [self.tables[k].tracks for k in ks]
        dts = [t - tb.t for tb in tables]
        ahead = with_gravity(tables, dts, self.frame)  # every tracker's tracks in one call
        mines = [sensors[self._fed[k, owners]] for k in ks]
        expected = self._expected(ahead, dts, mines, sensors[self._fed[:, owners].any(axis=0)])
        merged = (self._merged(det, z, R, kind, mines) if block is None
                  else self._sliced(*block, ks))
        work: list[tuple[int, Batch, tuple[I64, I64, I64]]] = []  # stepped together below
        for k, mine, shifted, p_each, (zf, Rf, truth, kinds, bits) in zip(
                ks, mines, ahead, expected, merged, strict=True):
            if zf.shape[0] == 0 and not p_each.any():
                continue
            # seen by at least one of the sensors; false alarms from any of them
            p = 1.0 - np.multiply.reduce(1.0 - p_each, axis=0)  # np.prod, without its wrapper
            work.append((k, (shifted, zf, Rf, self._config(mine), p), (truth, kinds, bits)))
        if work:
            stepped = step_many([b for _, b, _ in work], t)
            for (k, _, labels), (after, det_of) in zip(work, stepped, strict=True):
                self.tables[k] = labelled(self.tables[k], after, det_of, *labels)

    def _expected(self, tables: list[Tracks], dts: list[float], mines: list[I64], rows: I64
                  ) -> list[F64]:
        """Per tracker (its ``tables`` shifted for gravity, predicted ``dts`` s ahead, its
        sensors ``mines``), the ``(len(mine), n)`` expected detection probabilities of its
        tracks (:class:`inkless.sensing.ExpectedPd`): one call for all, on the sensors ``rows``
        of any of them (its arithmetic is per sensor and track: each tracker's the same bit for
        bit; the fixed cost is paid once)."""
        assert self._expect is not None
        pos = [tb.x[:, :3] + tb.x[:, 3:] * dt for tb, dt in zip(tables, dts, strict=True)]
        p = self._expect(np.concatenate(pos), np.concatenate([tb.x[:, 3:] for tb in tables]),
                         rows)
        out, start = [], 0
        for tb, mine in zip(tables, mines, strict=True):
            out.append(p.take(rows.searchsorted(mine), axis=0)[:, start:start + len(tb)])
            start += len(tb)
        return out

    def _merged(self, det: Detections, z: F64, R: F64, kind: I64, mines: list[I64]
                ) -> list[_Merged]:
        """Per tracker (its scanning sensors ``mines``), its reports merged per object
        (:func:`merge_sets`; trackers fed the same reports share the merge: those fed by the
        same sensors, or by sensors that differ only by some that report nothing) with their
        simulation labels (:meth:`_labels`)."""
        batch = np.zeros(len(self.owner), bool)
        sets: dict[bytes, I64] = {}  # the distinct sets of reports of the trackers
        keys = []
        for mine in mines:
            batch[:] = False
            batch[mine] = True
            rows = batch[det.sensor].nonzero()[0]
            keys.append(rows.tobytes())
            sets.setdefault(keys[-1], rows)
        pairs = mutual_pairs(z, R, det.sensor)
        merged = {key: self._labels(det, kind, rows, *m) for (key, rows), m in zip(
            sets.items(), merge_sets(z, R, det.sensor, list(sets.values()), pairs),
            strict=True)}
        return [merged[key] for key in keys]

    def _sliced(self, block: ReportBlock, lo: int, hi: int, ks: list[int]) -> list[_Merged]:
        """Per tracker ``ks``, the merge of its reports among rows ``lo:hi`` (all of one
        time) of ``block``: a slice of the block's merge (:meth:`_block_merged`, kept for the
        last block)."""
        held = self._block
        if held is None or held[0] is not block:
            held = self._block = (block, *self._block_merged(*block))
        _, scan, src, merged = held
        s = int(scan[lo]) if hi > lo else -1  # (no report: an empty slice of any)
        out: list[_Merged] = []
        for k in ks:
            zf, Rf, truth, kinds, bits, start = merged[src[k][s] if s >= 0 else 0]
            a, b = (start[s], start[s + 1]) if s >= 0 else (0, 0)
            out.append((zf[a:b], Rf[a:b], truth[a:b], kinds[a:b], bits[a:b]))
        return out

    def _block_merged(self, det: Detections, z: F64, R: F64, kind: I64) -> _BlockMerge:
        """The reports of a block (:data:`ReportBlock`) merged per scan time for every
        tracker (fed by the sensors of the members it takes), by one :func:`merge_scans`:
        the scan of each report; per tracker and scan, the tracker whose merge it takes (the
        first fed the same reports at that time: the same sensors, or sensors that differ only
        by some that report nothing then); per tracker, its merged reports of the scans it
        merges itself with their labels (:meth:`_labels`), sorted by scan, and where each
        scan's start (:func:`merge_scans`)."""
        m = len(det)
        scan = np.zeros(m, np.int64)
        np.cumsum(det.t[1:] != det.t[:-1], out=scan[1:])  # one scan per time
        n = int(scan[-1]) + 1 if m else 0
        fed = self._fed[:, self.owner[det.sensor]]
        src = np.repeat(np.arange(fed.shape[0])[:, None], n, axis=1)
        for k in range(1, fed.shape[0]):
            for j in range(k):
                same = np.ones(n, bool)
                same[scan[fed[k] != fed[j]]] = False
                same &= src[k] == k
                src[k, same] = src[j, same]
        sets = [(fed[k] & (src[k].take(scan) == k)).nonzero()[0] for k in range(fed.shape[0])]
        merged = [(*self._labels(det, kind, rows, zf, Rf, into), start.tolist())
                  for rows, (zf, Rf, into, start) in zip(
                      sets, merge_scans(z, R, det.sensor, scan, n, sets), strict=True)]
        return scan, src.tolist(), merged

    def _labels(self, det: Detections, kind: I64, rows: I64, zf: F64, Rf: F64, into: I64
                ) -> _Merged:
        """The merged reports ``zf``, ``Rf`` of the reports ``rows`` (report ``i`` went into
        ``into[i]``) with their simulation labels: the object of each merged report's first
        report, its reports per kind of object ``(m, N_KINDS)`` and its members' bits."""
        m = zf.shape[0]
        first = np.full(m, rows.size, np.int64)
        np.minimum.at(first, into, np.arange(rows.size))
        kinds = np.bincount(into * N_KINDS + kind[rows], minlength=m * N_KINDS).reshape(
            m, N_KINDS)  # the reports per merged report and kind (np.add.at's counts)
        bits = np.zeros(m, np.int64)
        np.bitwise_or.at(bits, into, np.int64(1) << self.owner[det.sensor[rows]])
        return zf, Rf, det.truth[rows][first], kinds, bits

    def _config(self, sensors: I64) -> TrackerConfig:
        """Tracker parameters for a merged batch of ``sensors``: the false-alarm densities add."""
        key = tuple(sensors.tolist())
        cfg = self._configs.get(key)
        if cfg is None:
            lam = float(sum(self.configs[i].clutter_density for i in key))
            cfg = self._configs[key] = dataclasses.replace(self.config, clutter_density=lam)
        return cfg

    def _picture_rows(self, k: int, t: float) -> CoalitionPicture:
        """Tracker ``k``'s picture at ``t`` (:func:`picture_rows`), once per time and table."""
        table, got = self.tables[k], self._rows.get(k)
        if got is not None and got[0] is table and got[1].t == t:
            return got[1]
        rows = picture_rows(table, t, self.config, self.frame)
        self._rows[k] = (table, rows)
        return rows

    def _held(self, base: int, members: Sequence[int]) -> tuple[I64, F64]:
        """Every track of tracker ``base`` (-1: none) and of the own trackers of ``members``:
        its own number (:class:`TrackNumbers` key) and the time (s) of its last detection."""
        if base >= 0 and not members:  # its ids are its own numbers
            tracks = self.tables[base].tracks
            return tracks.id, tracks.t_update
        tables = [(-1, self.tables[base].tracks)] if base >= 0 else []
        tables += [(m, self.own(m).tracks) for m in members]
        return (np.concatenate([np.zeros(0, np.int64)]
                               + [own_numbers(m, tr.id) for m, tr in tables]),
                np.concatenate([np.zeros(0)] + [tr.t_update for _, tr in tables]))

    def _assemble(self, sources: _Sources, t: float) -> CoalitionPicture:
        """The picture at ``t`` of ``sources = (base, tracks, own)``: tracker ``base``'s (-1:
        none) with the pictures of the members ``tracks`` and ``own`` (-1: none) fused in,
        numbered after its last picture (:func:`assemble`, :func:`reacquire`); the numbers of
        source tracks no tracker holds any more are dropped."""
        base, tracks, own = sources
        members = [*tracks, *([own] if own >= 0 else [])]
        memory = self._memory.get(sources)
        numbers, shown, ended = memory if memory is not None else (
            TrackNumbers.empty(), EndedTracks.empty(), EndedTracks.empty())
        if base >= 0 and not members:  # one tracker, nothing to fuse: its ids, renumbered
            central = self._picture_rows(base, t)
            pic, numbers = renumber(central, self.tables[base].tracks.id, self.allowed, numbers)
        else:
            central = self._picture_rows(base, t) if base >= 0 else CoalitionPicture.empty(t)
            shared = [(m, self._picture_rows(self.feeds.index((m,)), t)) for m in members]
            pic, numbers = assemble(central, shared, self.allowed, numbers)
            numbers = numbers.keep(self._held(base, members)[0])
        pic, numbers, shown, ended = reacquire(pic, numbers, shown, ended, self.config.q,
                                               self.frame)
        self._memory[sources] = (numbers, shown, ended)
        self._made[sources] = (self.tables[base], pic.id, central.id) if (
            base >= 0 and not members) else None
        return pic

    def picture(self, t: float) -> CoalitionPicture:
        """The coalition picture at ``t`` (s) with its releasability labels (:func:`assemble`;
        its track numbers follow from the last call)."""
        return self._assemble(self._coalition, t)

    def sees(self, member: int) -> _Sources | None:
        """The sources of member row ``member``'s view (:meth:`view`), None when it is the
        coalition picture: members with the same sources hold the same view at every time."""
        sources = self._sees[member]
        return None if sources == self._coalition else sources

    def view(self, picture: CoalitionPicture, member: int) -> CoalitionPicture:
        """What member row ``member`` holds at the picture's time: the track built from what
        it may see. That is the coalition ``picture`` itself when every contributor releases to
        it; otherwise the centralised tracker of the detection-sharing members that release to
        it, the pictures of the track-sharing members that do fused in and, for a member that
        shares nothing, its own tracks too (track numbers kept per such picture; the view of
        members who may see the same sources is computed once per time)."""
        sources = self.sees(member)
        if sources is None:
            return picture
        view = self._views.get(sources)
        if view is None or view.t != picture.t:
            view = self._views[sources] = self._assemble(sources, picture.t)
        return view

    @staticmethod
    def _own_update(tracks: Tracks, rows_id: I64, numbers: TrackNumbers) -> F64 | None:
        """:meth:`last_update` of the rows of a picture of one tracker just made (``tracks``
        its table, ``rows_id`` the rows' tracks' ids, ``numbers`` after it) when no two source
        tracks share a number: each row's own track is the only one under its number, so its
        last detection is the row's (None when some number is shared)."""
        s = numbers.number.copy()
        s.sort()
        if np.count_nonzero(s[1:] == s[:-1]):
            return None
        return tracks.t_update.take(tracks.id.searchsorted(rows_id))

    def last_update(self, ids: I64, member: int | None = None) -> F64:
        """Time (s) of the last detection associated with each track ``ids`` of the coalition
        picture (``member`` None) or of member row ``member``'s view (:meth:`view`): the latest
        of its source tracks' (every tracker's track shown under that number,
        :class:`TrackNumbers`), NaN for a number no tracker holds."""
        base, tracks, own = sources = self._coalition if member is None else self._sees[member]
        memory = self._memory.get(sources)
        if memory is None:  # no picture yet: no number held
            return np.full(ids.shape, np.nan)
        nums = memory[0]
        made = self._made.get(sources)
        if made is not None and made[1] is ids and made[0] is self.tables[base]:
            short = self._own_update(made[0].tracks, made[2], nums)
            if short is not None:
                return short
        out = np.full(ids.shape, np.nan)
        members = [*tracks, *([own] if own >= 0 else [])]
        key, t_update = self._held(base, members)
        if members:  # one tracker's ids are ascending already
            order = key.argsort()
            key, t_update = key.take(order), t_update.take(order)
        at, held = lookup(key, nums.key)
        if not held.any():
            return out
        number, latest = latest_per_number(nums.number[held], t_update.take(at[held]))
        at, found = lookup(number, ids)
        out[found] = latest[at[found]]
        return out
