"""The tracked picture: simulated sensors -> member trackers -> fusion -> identification.

Where it sits: one of the engine's pictures (:class:`inkless.engine.picture.Picture`). Every
radar reports at its own scan period (noise, misses, false alarms; an airborne sensor never
reports its own aircraft), each member's trackers take them and the coalition picture is fused
(:mod:`inkless.tracking.picture`) and scored against the truth (GOSPA); identification
(:func:`inkless.identification.identify`) declares every track from its kinematics and the
cooperative information received (ADS-B of the civil traffic, IFF of the coalition's aircraft,
filed plans) under the coalition's rules of engagement.

The hard interlock: the only candidates are the tracks declared hostile
(:func:`inkless.identification.engageable`); nothing the simulation knows about a track (the
truth object behind its detections) enters a decision. The truth is used only for scoring,
the seeker basket (:func:`inkless.engagement.basket_check`) and the after-action: the object
each interceptor was fired at, and the counterfactual behind the leak causes "declared too
late" and "assessed killed" (a threat whose track the defence withheld while some unit had a
feasible, available shot at it, evaluated for its true class).

Kill assessment follows the object: a killed track is not engaged again unless a detection
updates it after the kill (it then follows another object) and it is re-examined.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.assignment import may_reach, within_reach
from inkless.coalition import Gates, Member
from inkless.engagement import PENDING, InFlight, basket_check, midcourse
from inkless.identification import (
    TRUTH_CIVIL,
    TRUTH_COALITION,
    TRUTH_THREAT,
    Evidence,
    Identities,
    IdentityLog,
    compile_rules,
    engageable,
    identify,
)
from inkless.scenario.model import Scenario
from inkless.scenario.tables import Tables
from inkless.sensing import Detections, EnuFrame, clutter_density, coverage_grid, detect, scan_ticks
from inkless.simulation import Raid, SensorPlatforms
from inkless.simulation.adsb import (
    AdsbReports,
    IffReplies,
    coalition_aircraft,
    simulate_adsb,
    simulate_iff,
)
from inkless.simulation.civil import CivilTraffic
from inkless.threat import class_lethality, evaluate_tracks, predicted_path
from inkless.tracking.picture import (
    KIND_CIVIL,
    KIND_FALSE,
    CoalitionPicture,
    CoalitionTracker,
    can_release,
    measurements,
)
from inkless.tracking.quality import PictureLog, Scored

from .record import (
    BLOCKED_ASSESSED_KILLED,
    BLOCKED_NOT_HOSTILE,
    GOSPA_C_M,
    GOSPA_P,
    IdentityRecord,
    PictureRecord,
    ScanRecord,
)
from .state import NEVER, Candidates, DefenceState, Options, ThreatState

__all__ = ["FedPicture", "Reports", "TrackedPicture"]

_BLOCK = 64  # ticks of detections simulated at once
_SAMPLE_S = 20.0  # the tracked picture is kept for the map every this many seconds


@dataclass(frozen=True)
class Reports:
    """What the coalition receives at one decision time ``t`` (s): the sensors' reports
    ``det`` (sorted by sensor; their Cartesian form ``z (m, 3)``, ``R (m, 3, 3)`` in the
    common ENU frame, :func:`inkless.tracking.picture.measurements`; ``kind (m,)`` the kind of
    object behind each, simulation only), the sensors that scanned (``sensors (k,)`` rows,
    increasing) and their ECEF positions ``sensor_ecef (k, 3)`` m, and the cooperative
    evidence (ADS-B, IFF, filed plans)."""

    t: float
    det: Detections
    z: F64
    R: F64
    kind: I64
    sensors: I64
    sensor_ecef: F64
    evidence: Evidence


class TrackedPicture:
    """The tracked picture (module docstring): detections, trackers, picture, scores,
    identities, shots.

    Holds the sensing, tracking and identification state between ticks; every computation is an
    array function of the modules it calls (sensing.radar, tracking.picture, identification,
    threat, assignment.reach). The truth objects are the raid's threats, then the civil
    traffic, then the coalition's aircraft (:class:`IdentityRecord`).
    """

    def __init__(
        self,
        scenario: Scenario,
        tables: Tables,
        raid: Raid,
        traffic: CivilTraffic,
        platforms: SensorPlatforms,
        gates: Gates,
        truth: NDArray[np.float32],
        truth_alt: NDArray[np.float32],
        dt: float,
        rng: np.random.Generator,
        coop_rng: np.random.Generator,
        flyout: F64,
        max_shots: I64,
        blocked: I64,
    ) -> None:
        self.scenario, self.tables, self.raid, self.dt, self.rng = scenario, tables, raid, dt, rng
        self.flyout, self.max_shots, self.blocked = flyout, max_shots, blocked
        self.active_lo = np.full(len(raid), NEVER)  # no engagement windows: it senses always
        self.traffic, self.coop_rng = traffic, coop_rng
        ticks, n = truth.shape[:2]
        sensors, assets = tables.sensors, tables.assets
        self.n = n
        self.frame = EnuFrame.at(float(assets.lat.mean()), float(assets.lon.mean()), 0.0)
        self.units_enu = self.frame.from_ecef(tables.units.ecef)
        self.air = air = coalition_aircraft(scenario, tables)
        cpos, calt = traffic.grid(dt, ticks)
        apos, aalt = air.grid(dt, ticks)
        self.objects = objects = np.concatenate([truth, cpos, apos], axis=1)
        self.objects_alt = np.concatenate([truth_alt, calt, aalt], axis=1)
        n_obj = objects.shape[1]
        first_air = n + len(traffic)
        self.civil, self.aircraft = slice(n, first_air), slice(first_air, n_obj)
        self.civil_vel = traffic.velocity_grid(dt, ticks)
        # radars see civil and coalition aircraft with their civil range column
        self.object_col = np.r_[raid.cls, np.full(n_obj - n, 3)].astype(np.int64)
        self.kind_of = np.r_[raid.cls, np.full(n_obj - n, KIND_CIVIL)].astype(np.int64)
        self.truth_kind = np.r_[np.full(n, TRUTH_THREAT), np.full(len(traffic), TRUTH_CIVIL),
                                np.full(len(air), TRUTH_COALITION)].astype(np.int8)
        self.truth_name = (*raid.id, *traffic.callsign, *air.id)
        # an airborne sensor does not report the aircraft carrying it
        self.own_object = np.full(len(sensors.id), -2, np.int64)
        carried = np.flatnonzero(air.sensor >= 0)
        self.own_object[air.sensor[carried]] = first_air + carried
        self.platform = platforms.grid(dt, ticks)
        self._scan_due = scan_ticks(sensors.scan_period, dt, ticks)
        members = scenario.members
        self.shares = tuple(m.shares for m in members)
        coalition_members = [Member(id=m.id, role=m.role, anonymous=m.anonymous, rules=m.rules,
                                     name=m.name) for m in members]
        self.tracker = CoalitionTracker(
            self.frame, sensors.owner, sensors.range, sensors.min_el, sensors.max_el, sensors.pd,
            clutter_density(sensors), self.shares, can_release(coalition_members),
        )
        self.regate(gates)
        self.log = PictureLog(n_obj, GOSPA_C_M, GOSPA_P)
        self.member_logs = {m.id: PictureLog(n_obj, GOSPA_C_M, GOSPA_P) for m in members}
        self.first_held = np.full(n, np.nan)
        # kill assessment: track id -> time of the kill seen on it (the track is not engaged
        # again unless a detection updates it after that time: then it follows another object)
        self.killed_at: dict[int, float] = {}
        cap = int(tables.units.rounds.sum())
        self.shot_track = np.full(cap, -1, np.int64)
        self.shot_truth = np.full(cap, -1, np.int64)
        self.shot_class = np.full(cap, -1, np.int64)
        self.miss_distance = np.full(cap, np.nan)
        # identification: the coalition's rules, each picture's last identities and their logs
        self.rules = compile_rules(scenario, (self.frame.lat, self.frame.lon, self.frame.alt))
        self.lethality = class_lethality(scenario)
        self._ids: Identities | None = None
        self._member_ids: dict[int, Identities | None] = {}
        self._views: dict[int, CoalitionPicture] = {}
        self.id_log, self.member_id_log = IdentityLog(), IdentityLog()
        self._release: list[NDArray[np.uint64]] = []
        self._block: tuple[int, tuple[Detections, F64, F64, I64]] | None = None
        self._samples: list[tuple[F64, I64, F64, I64]] = []
        self._scans: list[tuple[NDArray[Any], ...]] = []  # ScanRecord.part per time
        self._every = max(1, round(_SAMPLE_S / dt))

    def regate(self, gates: Gates) -> None:
        """A member's sensors report only while its forces act (a lapsed basis stops them, a
        letter that brings a basis starts them): the scans due and which objects each member's
        sensors cover at each tick (the truth a picture is scored against; the coalition's is
        what the sharing members cover). A block of detections already simulated is drawn
        again."""
        sensors, ticks = self.tables.sensors, self._scan_due.shape[0]
        self.acting = gates.acting_grid(self.dt * np.arange(ticks))[:, sensors.owner]
        self.scans = self._scan_due & self.acting
        self._block = None
        self.cover = [self._coverage(np.flatnonzero(sensors.owner == m), ticks)
                      for m in range(len(self.shares))]
        self.coalition_cover = np.zeros((ticks, self.objects.shape[1]), bool)
        for m in range(len(self.shares)):
            if self.shares[m] != "none":
                self.coalition_cover |= self.cover[m]

    def _coverage(self, cols: I64, ticks: int) -> NDArray[np.bool_]:
        """``(ticks, N)``: the objects the sensors ``cols`` cover at each tick while their
        members' forces act; an airborne sensor does not cover its own aircraft."""
        n_obj = self.objects.shape[1]
        if cols.size == 0:
            return np.zeros((ticks, n_obj), bool)
        sensors = self.tables.sensors

        def grid(c: I64, objects: NDArray[np.float32], alt: NDArray[np.float32],
                 col: I64) -> NDArray[np.bool_]:
            sub = tuple(a[:, c] for a in self.platform)
            out: NDArray[np.bool_] = coverage_grid(
                (sub[0], sub[1], sub[2]), sensors.range[c], sensors.min_el[c], sensors.max_el[c],
                objects, alt, col, sensor_on=self.acting[:, c])
            return out

        cover = grid(cols, self.objects, self.objects_alt, self.object_col)
        for c in cols[self.own_object[cols] >= 0].tolist():
            o = int(self.own_object[c])
            others = cols[cols != c]
            cover[:, o] = grid(others, self.objects[:, o : o + 1], self.objects_alt[:, o : o + 1],
                               self.object_col[o : o + 1])[:, 0] if others.size else False
        return cover

    # --- 4. sensing, tracking, scoring ----------------------------------------------------
    def _detections(self, tick: int) -> tuple[Detections, F64, F64, I64]:
        """The block of detections that holds ``tick`` (simulated once per block), their
        Cartesian form ``z``, ``R`` in the common frame and the kind of object behind each."""
        k0 = tick - tick % _BLOCK
        if self._block is None or self._block[0] != k0:
            k1 = min(k0 + _BLOCK, self.scans.shape[0])
            plat = tuple(a[k0:k1] for a in self.platform)
            det = detect(self.scans[k0:k1], self.dt * np.arange(k0, k1),
                         (plat[0], plat[1], plat[2]), self.tables.sensors,
                         self.objects[k0:k1], self.objects_alt[k0:k1], self.object_col,
                         self.frame, self.rng)
            own = det.truth == self.own_object[det.sensor]
            if own.any():
                det = det.take(~own)
            z, R = measurements(det)
            kind = np.where(det.truth < 0, KIND_FALSE, self.kind_of[np.maximum(det.truth, 0)])
            self._block = (k0, (det, z, R, kind))
        return self._block[1]

    def reports(self, tick: int, t: float, alive: NDArray[np.bool_]) -> Reports:
        """What the coalition receives at ``t`` (tick ``tick``), simulated: the reports of the
        scans due now (a threat destroyed by now is no longer seen: it is alive until its
        kill), the scanning sensors and where they are, the cooperative evidence."""
        block, z, R, kind = self._detections(tick)
        lo, hi = np.searchsorted(block.t, [t - 1e-6, t + 1e-6])
        rows = slice(int(lo), int(hi))
        det, z, R, kind = block.take(rows), z[rows], R[rows], kind[rows]
        if len(det):
            row = det.truth
            gone = (row >= 0) & (row < self.n) & ~alive[np.clip(row, 0, self.n - 1)]
            if gone.any():
                det, z, R, kind = det.take(~gone), z[~gone], R[~gone], kind[~gone]
        sensors = np.flatnonzero(self.scans[tick])
        return Reports(t, det, z, R, kind, sensors, self.platform[0][tick, sensors],
                       self._evidence(tick, t))

    def _sense(self, tick: int, t: float, alive: NDArray[np.bool_], got: Reports
               ) -> CoalitionPicture:
        """The reports into the trackers; the picture at ``t``, scored."""
        if got.sensors.size:
            self.tracker.scan(t, got.det, got.kind, got.sensors, got.sensor_ecef, got.z, got.R)
        pic = self.tracker.picture(t)
        self._score(tick, t, pic, alive)
        objs = pic.obj[(pic.obj >= 0) & (pic.obj < self.n)]
        new = objs[np.isnan(self.first_held[objs])]
        self.first_held[new] = t
        if tick % self._every == 0 and len(pic):
            self._samples.append((np.full(len(pic), t), pic.id.copy(),
                                  self.frame.to_ecef(pic.x[:, :3]), pic.kind.copy()))
        return pic

    def _score(self, tick: int, t: float, pic: CoalitionPicture, alive: NDArray[np.bool_]) -> None:
        """GOSPA of the coalition picture and of what each member holds, against the objects in
        flight (threats alive, civil aircraft) that the sensors feeding each picture cover.
        Members that hold the same tracks against the same objects share one computation."""
        obj_ok = np.isfinite(self.objects_alt[tick])
        obj_ok[: self.n] &= alive
        truth_rows = np.flatnonzero(obj_ok & self.coalition_cover[tick])
        truth_pos = self.frame.from_ecef(self.objects[tick, truth_rows].astype(np.float64))
        scored = self.log.add(t, pic.id, pic.x[:, :3], truth_rows, truth_pos)
        done: dict[int, Scored | None] = {}
        for m, mid in enumerate(self.member_logs):
            # the track built from what the member may see (one object per distinct view)
            view = self._views[m] = self.tracker.view(pic, m)
            if self.shares[m] != "none":
                if view is pic:
                    self.member_logs[mid].add_scored(t, scored)  # the coalition picture
                elif id(view) in done:
                    self.member_logs[mid].add_scored(t, done[id(view)])
                else:
                    done[id(view)] = self.member_logs[mid].add(t, view.id, view.x[:, :3],
                                                               truth_rows, truth_pos)
                continue
            rows = np.flatnonzero(obj_ok & (self.coalition_cover[tick] | self.cover[m][tick]))
            pos = self.frame.from_ecef(self.objects[tick, rows].astype(np.float64))
            self.member_logs[mid].add(t, view.id, view.x[:, :3], rows, pos)

    # --- 5. identification ------------------------------------------------------------------
    def _evidence(self, tick: int, t: float) -> Evidence:
        """The cooperative information received at ``t`` (tick ``tick``): ADS-B reports of the
        civil traffic, IFF replies of the coalition's aircraft (drawn from the run's cooperative
        generator) and the civil flights' filed plans (the scenario flights fly their filed,
        amended plans). Truth positions come from the run's grids."""
        s = self.scenario.identification
        traffic, air = self.traffic, self.air
        adsb, filed = AdsbReports.empty(t), (np.empty((0, 3)), np.empty((0, 3)))
        pos = self.objects[tick, self.civil].astype(np.float64)
        active = np.isfinite(pos[:, 0])
        if active.any():
            vel = self.civil_vel[tick].astype(np.float64)
            adsb = simulate_adsb(pos, vel, active, traffic.cooperative, traffic.icao24, t,
                                 self.coop_rng, sigma_m=s.adsb_sigma_m,
                                 sigma_alt_m=s.adsb_sigma_alt_m, sigma_mps=s.adsb_sigma_mps,
                                 dropout=s.adsb_dropout)
            nf = traffic.n_flights
            filed = (pos[:nf][active[:nf]], vel[:nf][active[:nf]])
        iff = IffReplies.empty(t)
        if len(air):
            pos = self.objects[tick, self.aircraft].astype(np.float64)
            iff = simulate_iff(pos, np.isfinite(pos[:, 0]), t, self.coop_rng,
                               p_reply=s.iff_reply_probability, sigma_m=s.iff_sigma_m)
        return Evidence(adsb, iff, *filed)

    def identify(self, pic: CoalitionPicture, tick: int, t: float, ev: Evidence) -> Identities:
        """Every track's identity at ``t`` (tick ``tick``) under the coalition's rules and the
        cooperative evidence ``ev``; logged
        with the truth behind each track (after-action), for the coalition picture and for the
        picture each member holds. Identification is row-wise (a track's identity depends only
        on its own row and the evidence), so a member that holds a subset of the coalition
        picture holds the same identities; a member sharing nothing identifies its own view."""
        ids = self._ids = identify(pic, t, ev, self.rules, self._ids)
        self.id_log.append(0, ids, pic.obj, self.dt)
        self._release.append(pic.release)
        for m in range(len(self.shares)):
            if self.shares[m] == "none":
                view = self._views[m]
                mine = self._member_ids[m] = identify(view, t, ev, self.rules,
                                                      self._member_ids.get(m))
                self.member_id_log.append(m, mine, view.obj, self.dt)
        return ids

    # --- 6. threat evaluation ------------------------------------------------------------
    def _hostile(self, pic: CoalitionPicture, ids: Identities, flight: InFlight,
                 hostile: NDArray[np.bool_], killed: NDArray[np.bool_]) -> tuple[I64, I64]:
        """Rows of the picture that may be engaged and how many more interceptors each may get:
        declared ``hostile`` (the interlock, :func:`inkless.identification.engageable`), the
        track not assessed ``killed``, fewer interceptors in the air at it than its declared
        class allows."""
        ok = hostile & (ids.threat_class >= 0) & ~killed
        rows = np.flatnonzero(ok)
        pending = flight.result[: flight.n] == PENDING
        aimed = np.sort(self.shot_track[: flight.n][pending])
        ids_ = pic.id[rows]
        inair = np.searchsorted(aimed, ids_, "right") - np.searchsorted(aimed, ids_, "left")
        room = self.max_shots[ids.threat_class[rows]] - inair
        return rows[room > 0], room[room > 0]

    def assessed_killed(self, pic: CoalitionPicture) -> NDArray[np.bool_]:
        """``(len(pic),)``: the track was seen killed and no detection has updated it since
        the kill. A killed track that a later detection updates follows another object (the
        one it was fired at is gone): it is re-examined, i.e. dropped from the killed ones."""
        if not self.killed_at:
            return np.zeros(len(pic), bool)
        killed = np.fromiter(self.killed_at, np.int64)
        rows = np.flatnonzero(np.isin(pic.id, killed))
        if rows.size:
            t_kill = np.array([self.killed_at[int(i)] for i in pic.id[rows].tolist()])
            updated = self.tracker.last_update(pic.id[rows]) > t_kill
            for i in pic.id[rows[updated]].tolist():
                del self.killed_at[int(i)]
        return np.isin(pic.id, np.fromiter(self.killed_at, np.int64))

    def _withheld(self, pic: CoalitionPicture, open_: NDArray[np.bool_], bit: int,
                  hostile: NDArray[np.bool_], killed: NDArray[np.bool_]) -> tuple[I64, I64]:
        """After-action only: rows of the picture whose truth is a threat still open (in
        flight, never engaged: ``open_``) and not yet marked ``bit`` that the defence withholds
        for that reason: ``BLOCKED_NOT_HOSTILE``, the track is not declared hostile;
        ``BLOCKED_ASSESSED_KILLED``, it is hostile but still taken for the threat killed on it.
        With the threat's true class (the counterfactual "had it been engaged")."""
        obj = pic.obj
        why = ~hostile if bit == BLOCKED_NOT_HOSTILE else hostile & killed
        real = (obj >= 0) & (obj < self.n) & why
        j = np.where(real, obj, 0)
        real &= open_[j] & ((self.blocked[j] & bit) == 0)
        rows = np.flatnonzero(real)
        return rows, self.raid.cls[obj[rows]]

    def threat_row(self, obj: I64) -> I64:
        """The threat row of truth objects (-1 for a civil or coalition aircraft or none):
        the bookkeeping of what an interceptor was fired at."""
        out: I64 = np.where((obj >= 0) & (obj < self.n), obj, -1)
        return out

    def fired(self, rows: slice, c: Candidates, cols: I64) -> None:
        """Interceptor rows ``rows`` were fired at the candidates' columns ``cols``: their
        tracks, the classes they were declared (for midcourse guidance) and the object behind
        each track (kept for the after-action)."""
        assert c.track is not None
        self.shot_track[rows], self.shot_truth[rows] = c.track[0][cols], c.track[1][cols]
        self.shot_class[rows] = c.options.cls[cols]

    def killed(self, row: int, t: float) -> None:
        """Interceptor ``row`` killed its threat at ``t`` (s): kill assessment on its track."""
        self.killed_at[int(self.shot_track[row])] = t

    def check(self, flight: InFlight, t: float, alive: NDArray[np.bool_]) -> None:
        """Interceptors due by ``t``: what their seekers find in the basket of the aim point
        among the objects (``alive``: the threats still in the air)."""
        units = self.tables.units
        basket_check(flight, t, self.dt, self.objects, self.shot_truth, units.basket,
                     self.miss_distance, alive, self.raid.cls, units.pk)

    def idle(self, tick: int, threats: ThreatState) -> bool:
        """Sensors scan at every tick while anything can fly: idle only past the truth grid."""
        return tick >= self.objects.shape[0]

    def detections(self, end_time: F64, duration_s: float) -> F64:
        """Per threat, the first time a confirmed coalition track of it was held (NaN: never)."""
        return self.first_held

    def observe(self, tick: int, t: float, threats: ThreatState,
                defence: DefenceState) -> Iterator[Candidates]:
        """Sensing and tracking (the fused picture, scored), identification, midcourse updates
        on the picture; then the tracks declared hostile (the interlock) as candidates, and,
        for the after-action only, the threats' tracks the defence withholds (not declared
        hostile yet, or assessed killed) that could have been engaged."""
        flight = defence.flight
        got = self.reports(tick, t, threats.alive)
        pic = self._sense(tick, t, threats.alive, got)
        ids = self.identify(pic, tick, t, got.evidence)
        d = got.det
        self._scans.append(ScanRecord.part(pic.x, pic.P, ids.threat_class, d.t, d.sensor,
                                           np.column_stack([d.range_m, d.az, d.el]), t,
                                           got.sensors))
        midcourse(flight, self.shot_track, self.shot_class, t, pic.id,
                  self.frame.to_ecef(pic.x[:, :3]), pic.x[:, 3:] @ self.frame.rot)
        hostile, killed = engageable(ids), self.assessed_killed(pic)
        rows, room = self._hostile(pic, ids, flight, hostile, killed)
        yield from self._candidates(t, tick, pic, rows, ids.threat_class[rows], room,
                                    threats.remaining, 0)
        for bit in (BLOCKED_NOT_HOSTILE, BLOCKED_ASSESSED_KILLED):
            held, true_cls = self._withheld(pic, threats.alive & ~defence.engaged[:-1], bit,
                                            hostile, killed)
            yield from self._candidates(t, tick, pic, held, true_cls, np.ones_like(held),
                                        threats.remaining, bit)

    def _candidates(self, t: float, tick: int, pic: CoalitionPicture, rows: I64, cls: I64,
                    room: I64, remaining: F64, withheld: int) -> Iterator[Candidates]:
        """The picture's rows ``rows`` taken as threats of classes ``cls`` with room for
        ``room`` more interceptors: reach screen, threat evaluation on the tracks, predicted
        paths and the units that might reach them (``withheld``: 0 to engage, else the
        ``BLOCKED_*`` bit of why the defence withholds them)."""
        if not rows.size:
            return
        units, flyout, dt = self.tables.units, self.flyout, self.dt
        reachable = may_reach(units, self.units_enu, pic.x[rows, :3], pic.x[rows, 3:], cls,
                              flyout, dt)
        rows, cls, room = rows[reachable], cls[reachable], room[reachable]
        if not rows.size:
            return
        threat = evaluate_tracks(t, self.frame.to_ecef(pic.x[rows, :3]),
                                 pic.x[rows, 3:] @ self.frame.rot, pic.P[rows], cls,
                                 self.tables.assets, remaining, self.lethality,
                                 self.scenario.settings.engage_undefended, self.frame.rot)
        keep = np.flatnonzero(threat.value > 0)
        kinds = cls[keep]
        usable = units.pk[:, kinds] > 0
        near_u = usable.any(axis=1)
        if not (keep.size and near_u.any()):
            return
        us = np.flatnonzero(near_u)
        look = int(np.ceil(min(float(flyout[us].max()), 900.0) / dt)) + 2
        times = dt * np.arange(tick, min(tick + look, self.objects.shape[0]))
        ecef, alt = predicted_path(t, times, threat.pos[keep], threat.vel[keep],
                                   threat.ballistic[keep], threat.t_end[keep])
        pairs = usable[near_u] & within_reach(units, us, ecef)
        idx = np.flatnonzero(pairs.any(axis=0))
        if not idx.size:
            return
        sel = rows[keep[idx]]
        keys = self.threat_row(pic.obj[sel])  # bookkeeping only: -1 if not a threat
        o = Options(us, idx, kinds[idx], threat.asset[keep[idx]], pairs[:, idx], times, ecef, alt)
        yield Candidates(keys, threat.value[keep[idx]], room[keep[idx]], o,
                         (pic.id[sel], pic.obj[sel]), withheld)

    # --- 8. engagement ---------------------------------------------------------------------
    def record(self) -> PictureRecord:
        """The picture's record for the after-action."""
        if self._samples:
            t, i, e, k = (np.concatenate(x) for x in zip(*self._samples, strict=True))
        else:
            t, i, e, k = np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0, np.int64)
        return PictureRecord(self.log, self.member_logs, t, i, e, k, self.shares, self.frame,
                             ScanRecord.join(self._scans))

    def identity(self, flight: InFlight) -> IdentityRecord:
        """Identification's record for the after-action."""
        fired = flight.n
        held = np.concatenate(self._release) if self._release else np.zeros(0, np.uint64)
        return IdentityRecord(self.truth_kind, self.truth_name, self.shot_truth[:fired].copy(),
                              self.id_log.history(), held, self.member_id_log.history())


class FedPicture(TrackedPicture):
    """The tracked picture fed from outside: reports pushed in (member nodes' plots with their
    sensor, ASTERIX, ...) go through the same trackers, fusion and identification, in place of
    the simulated sensors and cooperative reports. A decision time with nothing pushed has no
    scan and no evidence (tracks coast). Fed the reports a simulated run received, it decides
    as that run did."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox: dict[float, Reports] = {}

    def push(self, reports: Reports) -> None:
        """Reports for the decision time ``reports.t`` (s); one set per time."""
        self._inbox[reports.t] = reports

    def reports(self, tick: int, t: float, alive: NDArray[np.bool_]) -> Reports:
        """What was pushed for ``t``, or nothing."""
        got = self._inbox.pop(t, None)
        if got is not None:
            return got
        empty = Detections.empty()
        z, R = measurements(empty)
        return Reports(t, empty, z, R, np.zeros(0, np.int64), np.zeros(0, np.int64),
                       np.zeros((0, 3)), Evidence(AdsbReports.empty(t), IffReplies.empty(t),
                                                  np.empty((0, 3)), np.empty((0, 3))))
