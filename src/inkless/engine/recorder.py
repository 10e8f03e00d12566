"""The after-action recorder of the tracked picture: an observer
(:class:`inkless.engine.observer.Observer`) that the engine notifies after each cycle's
decisions, so that no after-action work runs in the decision path.

Where it sits: beside the engine's loop; it reads what the picture saw (:class:`Seen`) and the
truth (:class:`World`) and keeps, for the record:

- the picture's quality: GOSPA (:class:`inkless.tracking.quality.PictureLog`) of the coalition
  picture and of what each member holds, against the objects in flight that the sensors
  feeding each picture cover, every cycle;
- identification: the coalition picture's identities per tick with the truth behind each
  track, which members hold each track, and the identities of the views of members that share
  nothing (identified here: they are not the coalition's decisions);
- the picture sampled every ``_SAMPLE_S`` seconds for the map, and every cycle's states and
  radar plots (:class:`ScanRecord`, for ``tracks.csv`` and CAT048);
- the first time each threat was held, and when each member's sensors held each threat (what
  they cover: :class:`Held`);
- the tracks of threats the defence withheld (not declared hostile yet, or assessed killed)
  while still open, with the state of the defence then: the counterfactual of the leak causes
  "declared too late" and "assessed killed" runs on them after the run
  (:func:`inkless.engine.withheld.withheld_shots`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.coalition import Gates
from inkless.identification import Identities, IdentityLog, identify
from inkless.tracking.picture import CoalitionPicture
from inkless.tracking.quality import PictureLog

from .record import (
    BLOCKED_ASSESSED_KILLED,
    BLOCKED_NOT_HOSTILE,
    GOSPA_C_M,
    GOSPA_P,
    Held,
    IdentityRecord,
    PictureRecord,
    ScanRecord,
)
from .state import DefenceState, ThreatState
from .tracked import Seen, TrackedPicture
from .withheld import Withheld

__all__ = ["Recorder"]

_SAMPLE_S = 20.0  # the tracked picture is kept for the map every this many seconds
_SCAN_BLOCK = 64  # cycles whose states and plots are converted for ScanRecord at once


def _joined(parts: list[NDArray[Any]]) -> NDArray[Any]:
    """The ``parts`` concatenated, and in their place (memory: the parts are freed; a later
    call, after more parts, gives the same rows)."""
    out = np.concatenate(parts)
    parts[:] = [out]
    return out


class Recorder:
    """The after-action's observer of a tracked picture (module docstring), from the start
    of the run under ``gates``."""

    def __init__(self, picture: TrackedPicture, gates: Gates) -> None:
        self.picture, self.world, self.dt = picture, picture.world, picture.dt
        self.frame, self.shares = picture.frame, picture.shares
        n_obj = self.world.objects.shape[1]
        members = picture.scenario.members
        self.log = PictureLog(n_obj, GOSPA_C_M, GOSPA_P)
        # members who hold the same picture at every time share its log (scored once a cycle)
        logs: dict[object, PictureLog] = {None: self.log}
        self.member_logs = {m.id: logs.setdefault(picture.tracker.sees(k),
                                                  PictureLog(n_obj, GOSPA_C_M, GOSPA_P))
                            for k, m in enumerate(members)}
        # per cycle (_score): the members whose view is taken, with the log it is added to
        # (None: one scored already) and whether their own sensors' cover counts
        self._plan: list[tuple[int, PictureLog | None, bool]] = []
        done = {id(self.log)}
        for m, log in enumerate(self.member_logs.values()):
            own = self.shares[m] == "none"
            if own or id(log) not in done:  # else its view is a picture scored already
                self._plan.append((m, None if id(log) in done else log, own))
                done.add(id(log))
        self._own = [m for m, share in enumerate(self.shares) if share == "none"]
        # per world object, and a last entry for the false tracks (object -1): when the
        # coalition picture first held it (never NaN for the false tracks), and whether it is
        # a threat still open (:meth:`_withheld`'s buffer; never for other objects)
        self._first = np.full(n_obj + 1, np.nan)
        self._first[-1] = 0.0
        self.first_held = self._first[: picture.n]
        self._open = np.zeros(n_obj + 1, bool)
        self.id_log, self.member_id_log = IdentityLog(), IdentityLog()
        self._member_ids: dict[int, Identities | None] = {}
        self._release: list[NDArray[np.uint64]] = []
        self._samples: list[tuple[F64, I64, F64, I64]] = []
        # ScanRecord's columns: the parts of every time (ScanRecord.part), after an empty one
        self._scans: list[list[NDArray[np.generic]]] = [[a] for a in ScanRecord.part(
            np.zeros((0, 6)), np.zeros((0, 6, 6)), np.zeros(0, np.int64), np.zeros(0),
            np.zeros(0, np.int64), np.zeros((0, 3)))]
        # the cycles not converted yet: (x, P, threat class, plot t, sensor, range, az, el)
        self._raw: list[tuple[NDArray[Any], ...]] = []
        self._every = max(1, round(_SAMPLE_S / self.dt))
        self.withheld: list[Withheld] = []
        self.regate(gates)

    def regate(self, gates: Gates) -> None:
        """Which objects each member's sensors cover at each tick while its forces act (the
        truth a picture is scored against; the coalition's is what the sharing members
        cover)."""
        self.gates = gates
        sensors, w = self.picture.tables.sensors, self.world
        acting = gates.acting_grid(self.dt * np.arange(w.ticks))[:, sensors.owner]
        self.cover = w.coverage(sensors, len(self.shares), acting)
        self.coalition_cover = np.zeros(w.objects.shape[:2], bool)
        for m in range(len(self.shares)):
            if self.shares[m] != "none":
                self.coalition_cover |= self.cover[m]

    def cycle(self, seen: Seen | None, threats: ThreatState, defence: DefenceState) -> None:
        """A cycle decided: score and log what the picture saw; keep the withheld tracks."""
        if seen is None:
            return
        pic, t = seen.picture, seen.t
        views = self._score(seen.tick, t, pic, threats.alive)
        self._first[pic.obj[np.isnan(self._first[pic.obj])]] = t
        if seen.tick % self._every == 0 and len(pic):
            self._samples.append((np.full(len(pic), t), pic.id.copy(),
                                  self.frame.to_ecef(pic.x[:, :3]), pic.kind.copy()))
        self._identities(seen, views)
        d = seen.reports.det
        self._raw.append((pic.x, pic.P, seen.ids.threat_class, d.t, d.sensor, d.range_m, d.az,
                          d.el))
        if len(self._raw) >= _SCAN_BLOCK:
            self._convert()
        self._withheld(seen, threats.alive & ~defence.engaged[:-1], threats, defence)

    def _convert(self) -> None:
        """The cycles kept raw (:meth:`cycle`) converted to ScanRecord's columns at once
        (:meth:`ScanRecord.part` is row-wise: a block's rows are those of its cycles)."""
        raw, self._raw = self._raw, []
        if raw:
            x, P, cls, t, sensor, r, az, el = (np.concatenate(c) for c in zip(*raw, strict=True))
            part = ScanRecord.part(x, P, cls, t, sensor, np.column_stack([r, az, el]))
            for column, a in zip(self._scans, part, strict=True):
                column.append(a)

    def _score(self, tick: int, t: float, pic: CoalitionPicture, alive: NDArray[np.bool_]
               ) -> dict[int, CoalitionPicture]:
        """GOSPA of the coalition picture and of what each member holds (its view: the tracks
        built from what it may see, returned), against the objects in flight (threats alive,
        civil aircraft) that the sensors feeding each picture cover. Members that hold the same
        picture share its log (:meth:`__init__`), scored once; the views returned are those of
        the members scored here and of the members that share nothing."""
        w = self.world
        obj_ok = np.isfinite(w.objects_alt[tick])
        obj_ok[: w.n] &= alive
        truth_rows = np.flatnonzero(obj_ok & self.coalition_cover[tick])
        truth_pos = self.frame.from_ecef(w.objects[tick, truth_rows].astype(np.float64))
        self.log.add(t, pic.id, pic.x[:, :3], truth_rows, truth_pos)
        views = {}
        for m, log, own in self._plan:
            view = views[m] = self.picture.tracker.view(pic, m)
            if log is not None and not own:
                log.add(t, view.id, view.x[:, :3], truth_rows, truth_pos)
            elif log is not None:
                rows = np.flatnonzero(obj_ok & (self.coalition_cover[tick] | self.cover[m][tick]))
                pos = self.frame.from_ecef(w.objects[tick, rows].astype(np.float64))
                log.add(t, view.id, view.x[:, :3], rows, pos)
        return views

    def _identities(self, seen: Seen, views: dict[int, CoalitionPicture]) -> None:
        """The coalition picture's identities logged with the truth behind each track and who
        holds each. Identification is row-wise (a track's identity depends only on its own row
        and the evidence), so a member that holds a subset of the coalition picture holds the
        same identities; a member sharing nothing identifies its own view."""
        self.id_log.append(0, seen.ids, seen.picture.obj, self.dt)
        self._release.append(seen.picture.release)
        for m in self._own:
            view = views[m]
            mine = self._member_ids[m] = identify(view, seen.t, seen.reports.evidence,
                                                  self.picture.rules, self._member_ids.get(m),
                                                  self.picture.tracker.last_update(view.id, m))
            self.member_id_log.append(m, mine, view.obj, self.dt)

    def _withheld(self, seen: Seen, open_: NDArray[np.bool_], threats: ThreatState,
                  defence: DefenceState) -> None:
        """The picture's rows whose truth is a threat still open (in flight, never engaged:
        ``open_``) that the defence withholds: not declared hostile (``BLOCKED_NOT_HOSTILE``),
        or hostile but still taken for the threat killed on it (``BLOCKED_ASSESSED_KILLED``);
        kept with the defence's state for the counterfactual after the run."""
        pic = seen.picture
        self._open[: self.world.n] = open_
        real = self._open[pic.obj]
        if not (real & (~seen.hostile | seen.killed)).any():  # the rows of either bit below
            return
        rows = []
        bits = []
        for bit, why in ((BLOCKED_NOT_HOSTILE, ~seen.hostile),
                         (BLOCKED_ASSESSED_KILLED, seen.hostile & seen.killed)):
            r = np.flatnonzero(real & why)
            rows.append(r)
            bits.append(np.full(r.size, bit, np.int64))
        take = np.concatenate(rows)
        if not take.size:
            return
        obj = pic.obj[take]
        self.withheld.append(Withheld(
            seen.tick, seen.t, np.concatenate(bits), pic.x[take], pic.P[take], pic.id[take], obj,
            self.picture.raid.cls[obj], threats.remaining.copy(), defence.rounds.copy(),
            defence.busy.copy(), defence.ready.copy(), self.gates))

    def record(self) -> PictureRecord:
        """The picture's record for the after-action."""
        self._convert()
        if self._samples:
            t, i, e, k = (np.concatenate(x) for x in zip(*self._samples, strict=True))
        else:
            t, i, e, k = np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0, np.int64)
        return PictureRecord(self.log, self.member_logs, t, i, e, k, self.shares, self.frame,
                             ScanRecord(*map(_joined, self._scans)))

    def held_by_members(self, end_time: F64, duration_s: float) -> Held:
        """When each member's sensors held each threat (:class:`Held`): the threats' columns
        of what they cover under the last gates."""
        n = self.world.n
        return Held.of((c[:, :n] for c in self.cover), self.dt, end_time, duration_s)

    def identity(self, shots: IdentityRecord) -> IdentityRecord:
        """The identification's record: what the shots were fired at (``shots``) with the
        histories logged."""
        held = np.concatenate(self._release) if self._release else np.zeros(0, np.uint64)
        return replace(shots, coalition=self.id_log.history(), held=held,
                       own=self.member_id_log.history())
