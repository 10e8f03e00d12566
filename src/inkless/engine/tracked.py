"""The tracked picture: simulated sensors -> member trackers -> fusion -> identification.

Where it sits: one of the engine's pictures (:class:`inkless.engine.picture.Picture`). Every
radar reports at its own scan period (noise, misses, false alarms; an airborne sensor never
reports its own aircraft), each member's trackers take them and the coalition picture is fused
(:mod:`inkless.tracking.coalition_tracker`); identification
(:func:`inkless.identification.identify`)
declares every track from its kinematics and the cooperative information received (ADS-B of
the civil traffic, IFF of the coalition's aircraft, filed plans) under the coalition's rules of
engagement. The hostile tracks are screened as threats (:class:`inkless.engine.screen.Screen`).

The hard interlock: the only candidates are the tracks declared hostile
(:func:`inkless.identification.engageable`); nothing the simulation knows about a track (the
truth object behind its detections) enters a decision. The truth (:class:`World`) is used only
by the simulated sensors and cooperative reports, the seeker basket
(:func:`inkless.engagement.basket_check`) and the after-action, which is not done here: what
the picture saw in a cycle (:class:`Seen`) goes to the engine's observers
(:class:`inkless.engine.recorder.Recorder` scores it against the truth and logs identities;
the counterfactual of the shots withheld runs after the run, :mod:`inkless.engine.withheld`).

Kill assessment follows the object: a killed track is not engaged again unless a detection
updates it after the kill (it then follows another object) and it is re-examined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.coalition import Gates
from inkless.engagement import PENDING, InFlight, basket_check, midcourse
from inkless.identification import (
    TRUTH_CIVIL,
    TRUTH_COALITION,
    TRUTH_THREAT,
    Evidence,
    Identities,
    compile_rules,
    engageable,
    identify,
)
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario.load import coalition_members
from inkless.scenario.model import Scenario
from inkless.scenario.tables import SensorTable, Tables
from inkless.sensing import Detections, EnuFrame, clutter_density, detect, scan_ticks
from inkless.sensing.coverage import covered_by, covered_samples, in_flight
from inkless.simulation import Raid, SensorPlatforms
from inkless.simulation.adsb import (
    AdsbReports,
    CoalitionAircraft,
    IffReplies,
    coalition_aircraft,
    simulate_adsb,
    simulate_iff,
)
from inkless.simulation.civil import CivilTraffic
from inkless.simulation.patrol import Sorties
from inkless.threat import class_lethality
from inkless.tracking.coalition_tracker import CoalitionTracker, ReportBlock
from inkless.tracking.ids import isin_ids
from inkless.tracking.measurement import measurements
from inkless.tracking.picture import KIND_CIVIL, KIND_FALSE, CoalitionPicture
from inkless.tracking.releasability import can_release

from .patrols import Patrols
from .record import IdentityRecord
from .screen import Screen
from .state import NEVER, Candidates, DefenceState, ThreatState

__all__ = ["FedPicture", "Reports", "Seen", "TrackedPicture", "World"]

_BLOCK = 64  # ticks of detections simulated at once
_CHUNK = 8  # ticks of reports merged at once (:meth:`TrackedPicture.simulated`; a kill
# merges the rest of a chunk again: 8 costs least on tracked April, 4 to 32 measured)


@dataclass(frozen=True)
class Reports:
    """What the coalition receives at one decision time ``t`` (s): the sensors' reports
    ``det`` (sorted by sensor; their Cartesian form ``z (m, 3)``, ``R (m, 3, 3)`` in the
    common ENU frame, :func:`inkless.tracking.measurement.measurements`; ``kind (m,)`` the kind of
    object behind each, simulation only), the sensors that scanned (``sensors (k,)`` rows,
    increasing) and their ECEF positions ``sensor_ecef (k, 3)`` m, and the cooperative
    evidence (ADS-B, IFF, filed plans). ``block = (reports, lo, hi)``: the reports are rows
    ``lo:hi`` of a block of reports of several times (the simulation's; the tracker merges a
    block once, :meth:`CoalitionTracker.scan`), None for reports from outside."""

    t: float
    det: Detections
    z: F64
    R: F64
    kind: I64
    sensors: I64
    sensor_ecef: F64
    evidence: Evidence
    block: tuple[ReportBlock, int, int] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Seen:
    """What the tracked picture saw in one decision cycle at ``t`` (s, tick ``tick``), for the
    observers (:class:`inkless.engine.observer.Observer`): the reports received, the fused
    picture, its identities, which tracks are declared ``hostile`` and which are assessed
    ``killed`` (both ``(len(picture),)``)."""

    tick: int
    t: float
    reports: Reports
    picture: CoalitionPicture
    ids: Identities
    hostile: NDArray[np.bool_]
    killed: NDArray[np.bool_]


@dataclass(frozen=True)
class World:
    """The simulated truth behind the tracked picture, on the decision grid (``ticks`` rows):
    the objects ``N`` = the raid's ``n`` threats, then the civil traffic (``civil``), then the
    coalition's aircraft (``aircraft``, ``air``). ``objects (ticks, N, 3)`` ECEF m and
    ``objects_alt (ticks, N)`` m (NaN: not in flight); ``civil_vel`` the civil traffic's
    velocities; ``object_col (N,)`` the sensors' range column of each (civil and coalition
    aircraft: the civil column); ``kind_of (N,)`` the kind a radar report of it carries;
    ``truth_kind`` and ``truth_name`` for the after-action (:class:`IdentityRecord`);
    ``own_object`` per sensor the aircraft carrying it (-2: none; an airborne sensor does not
    report it); ``platform`` the sensors' positions (:meth:`SensorPlatforms.grid`; a patrol's
    radar is where its aircraft is, NaN on the ground). Patrol aircraft are objects only while
    airborne, where their sorties as flown have them (:meth:`fly`)."""

    n: int
    objects: NDArray[np.float32]
    objects_alt: NDArray[np.float32]
    civil: slice
    aircraft: slice
    civil_vel: NDArray[np.float32]
    air: CoalitionAircraft
    object_col: I64
    kind_of: I64
    truth_kind: NDArray[np.int8]
    truth_name: tuple[str, ...]
    own_object: I64
    platform: tuple[F64, F64, F64]
    # what each sensor covers, once (a grid no patrol changes): :meth:`covered`
    _cover: list[tuple[I64, I64, list[NDArray[np.bool_]]]] = field(
        default_factory=list, repr=False, compare=False)

    @classmethod
    def build(cls, scenario: Scenario, tables: Tables, raid: Raid, traffic: CivilTraffic,
              platforms: SensorPlatforms, truth: NDArray[np.float32],
              truth_alt: NDArray[np.float32], dt: float) -> World:
        """The raid's truth grid ``truth``, ``truth_alt`` with the civil traffic and the
        coalition's aircraft flown on the same grid (every ``dt`` s)."""
        ticks, n = truth.shape[:2]
        air = coalition_aircraft(scenario, tables)
        cpos, calt = traffic.grid(dt, ticks)
        apos, aalt = air.grid(dt, ticks)
        objects = np.concatenate([truth, cpos, apos], axis=1)
        platform = platforms.grid(dt, ticks)
        if air.sorties is not None:  # a patrol's radar is where its aircraft is, airborne only
            platform = tuple(np.array(a) for a in platform)  # type: ignore[assignment]
        n_obj = objects.shape[1]
        first_air = n + len(traffic)
        own_object = np.full(len(tables.sensors.id), -2, np.int64)
        carried = np.flatnonzero(air.sensor >= 0)
        own_object[air.sensor[carried]] = first_air + carried
        world = cls(
            n, objects, np.concatenate([truth_alt, calt, aalt], axis=1), slice(n, first_air),
            slice(first_air, n_obj), traffic.velocity_grid(dt, ticks), air,
            np.r_[raid.cls, np.full(n_obj - n, 3)].astype(np.int64),
            np.r_[raid.cls, np.full(n_obj - n, KIND_CIVIL)].astype(np.int64),
            np.r_[np.full(n, TRUTH_THREAT), np.full(len(traffic), TRUTH_CIVIL),
                  np.full(len(air), TRUTH_COALITION)].astype(np.int8),
            (*raid.id, *traffic.callsign, *air.id), own_object, platform)
        if air.sorties is not None:  # the aircraft fly their plan (air.grid): their radars
            world.carry(np.flatnonzero(air.sortie >= 0), 0)
        return world

    def fly(self, sorties: Sorties, dt: float, start: int, before: Sorties | None = None
            ) -> I64:
        """The patrol aircraft (and the radars they carry) where their ``sorties`` as flown
        have them from tick ``start`` on (ticks every ``dt`` s), airborne only: on the ground
        an aircraft is no object of the world and its radar does not scan (:attr:`aloft`).
        Only the aircraft whose sortie differs from ``before`` (the sorties the world flies
        until now; None: all) are flown again (:meth:`CoalitionAircraft.fly`); the rows of
        the sensors they carry, whose :attr:`aloft` may have changed from ``start`` on."""
        pos = self.objects[:, self.aircraft]
        alt = self.objects_alt[:, self.aircraft]
        cols = self.air.fly(sorties, dt, start, pos, alt, before)  # views: written in place
        return self.carry(cols, start)

    def carry(self, cols: I64, start: int) -> I64:
        """The radars that the coalition aircraft ``cols`` carry where those aircraft are from
        tick ``start`` on (NaN on the ground); their sensor rows."""
        carried = cols[self.air.sensor[cols] >= 0]
        s = self.air.sensor[carried]
        at = self.objects[start:, self.aircraft][:, carried].astype(np.float64)
        lat, lon, height = geodetic_from_ecef(at)
        up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], -1)
        self.platform[0][start:, s], self.platform[1][start:, s] = at, up
        self.platform[2][start:, s] = height
        return s

    @property
    def still(self) -> bool:
        """The truth grid and the sensors' positions never change during the run: no patrol
        flies (:meth:`fly` is called only for the sorties of patrols)."""
        return self.air.sorties is None

    def covered(self, sensors: SensorTable) -> tuple[I64, I64, list[NDArray[np.bool_]]]:
        """On a :attr:`still` grid: its in-flight samples (ticks, objects; in the order of
        :func:`inkless.sensing.coverage.in_flight`) and, per sensor row, which of them it
        covers, its member acting or not (:func:`inkless.sensing.coverage.covered_samples`);
        computed once for every sensor, for the recorder's coverage and the detections alike
        (each sample is tested alone: a block's, or the acting ticks', are a subset)."""
        if not self._cover:
            flying = in_flight(self.objects, self.objects_alt)  # positions: only for this
            masks = []
            for i in range(len(sensors.id)):
                mask = np.zeros(flying[0].size, bool)
                mask[covered_samples(i, self.platform, sensors.range, sensors.min_el,
                                     sensors.max_el, flying, self.object_col)] = True
                masks.append(mask)
            self._cover.append((flying[0], flying[1], masks))
        return self._cover[0]

    def covered_in(self, k0: int, k1: int, sensors: SensorTable
                   ) -> Callable[[int], tuple[I64, I64]]:
        """For the ticks ``k0 <= k < k1`` of a :attr:`still` grid: per sensor row, the
        samples it covers (ticks from ``k0``, objects; in the samples' order), as
        :func:`inkless.sensing.detect` takes them."""
        kk, jj, masks = self.covered(sensors)
        lo, hi = (int(v) for v in np.searchsorted(kk, [k0, k1]))

        def of(i: int) -> tuple[I64, I64]:
            rows = lo + np.flatnonzero(masks[i][lo:hi])
            return kk[rows] - k0, jj[rows]

        return of

    @property
    def aloft(self) -> NDArray[np.bool_]:
        """``(ticks, sensors)``: the sensor is somewhere (a patrol's radar only while its
        aircraft is airborne)."""
        out: NDArray[np.bool_] = np.isfinite(self.platform[2])
        return out

    @property
    def ticks(self) -> int:
        return int(self.objects.shape[0])

    def coverage(self, sensors: SensorTable, members: int, acting: NDArray[np.bool_]
                 ) -> list[NDArray[np.bool_]]:
        """Per member row ``(ticks, N)``: the objects its sensors cover at each tick while
        they act (``acting (ticks, sensors)``), sensor by sensor as
        :func:`inkless.sensing.coverage_grid` tests it (the in-flight samples gathered once);
        an airborne sensor does not cover its own aircraft."""
        cover = [np.zeros(self.objects_alt.shape, bool) for _ in range(members)]
        if self.still:
            k_all, j_all, masks = self.covered(sensors)
        else:
            flying = in_flight(self.objects, self.objects_alt)
        for i in range(len(sensors.id)):
            if self.still:  # what it covers at any tick, at the ticks it acts
                near = np.flatnonzero(masks[i])
                near = near[acting[k_all[near], i]]
                kk, jj = k_all[near], j_all[near]
            else:
                kk, jj = covered_by(i, self.platform, sensors.range, sensors.min_el,
                                    sensors.max_el, flying, self.object_col, acting)
            if self.own_object[i] >= 0:
                kk, jj = kk[jj != self.own_object[i]], jj[jj != self.own_object[i]]
            cover[int(sensors.owner[i])][kk, jj] = True
        return cover


class TrackedPicture:
    """The tracked picture (module docstring): detections, trackers, identities, shots.

    Holds the sensing, tracking and identification state between ticks; every computation is an
    array function of the modules it calls (sensing.radar, tracking.picture, identification,
    threat, assignment.reach). The truth is its :class:`World`. What it saw in the last cycle
    is :attr:`seen` (for the after-action's observers; nothing there feeds a decision).
    """

    #: the live reports (:meth:`_live`): of block, from tick, to tick, while alive
    _held: tuple[tuple[Detections, F64, F64, I64], int, int, NDArray[np.bool_], ReportBlock
                 ] | None = None

    def __init__(self, scenario: Scenario, tables: Tables, raid: Raid, traffic: CivilTraffic,
                 platforms: SensorPlatforms, gates: Gates, truth: NDArray[np.float32],
                 truth_alt: NDArray[np.float32], dt: float, rng: np.random.Generator,
                 coop_rng: np.random.Generator, flyout: F64, max_shots: I64) -> None:
        self.scenario, self.tables, self.raid, self.dt, self.rng = scenario, tables, raid, dt, rng
        self.traffic, self.coop_rng, self.max_shots = traffic, coop_rng, max_shots
        self.active_lo = np.full(len(raid), NEVER)  # no engagement windows: it senses always
        self.n = len(raid)
        assets = tables.assets
        self.frame = EnuFrame.at(float(assets.lat.mean()), float(assets.lon.mean()), 0.0)
        self.world = World.build(scenario, tables, raid, traffic, platforms, truth, truth_alt, dt)
        self._sorties = self.world.air.sorties
        self.screen = Screen(tables.units, self.frame.from_ecef(tables.units.ecef), self.frame,
                             assets, class_lethality(scenario),
                             scenario.settings.engage_undefended, flyout, dt, self.world.ticks,
                             self.n, Patrols.screen_reach(scenario, tables.units))
        self.shares = tuple(m.shares for m in scenario.members)
        self.tracker = self.new_tracker()
        self._scan_due = scan_ticks(tables.sensors.scan_period, dt, self.world.ticks)
        self.regate(gates)
        # kill assessment: track id -> time of the kill seen on it (the track is not engaged
        # again unless a detection updates it after that time: then it follows another object)
        self.killed_at: dict[int, float] = {}
        cap = int(tables.units.rounds.sum())
        self.shot_track = np.full(cap, -1, np.int64)
        self.shot_truth = np.full(cap, -1, np.int64)
        self.shot_class = np.full(cap, -1, np.int64)
        self.miss_distance = np.full(cap, np.nan)
        # identification: the coalition's rules and the picture's last identities
        self.rules = compile_rules(scenario, (self.frame.lat, self.frame.lon, self.frame.alt))
        self._ids: Identities | None = None
        self._heard: tuple[float, Evidence] | None = None  # evidence from outside, for its t
        self.seen: Seen | None = None

    def new_tracker(self) -> CoalitionTracker:
        """A new coalition tracker (the members' trackers and the coalition picture's fusion,
        with the members' sharing and release rules), as the picture's own: the live service
        runs one more for the members that share only tracks (:mod:`inkless.service.tracks`)."""
        sensors = self.tables.sensors
        members = coalition_members(self.scenario)
        return CoalitionTracker(
            self.frame, sensors.owner, sensors.range, sensors.min_el, sensors.max_el, sensors.pd,
            clutter_density(sensors), self.shares, can_release(members),
        )

    def regate(self, gates: Gates) -> None:
        """A member's sensors report only while its forces act (a lapsed basis stops them, a
        letter that brings a basis starts them): the scans due. A block of detections already
        simulated is drawn again."""
        sensors, self._gates = self.tables.sensors, gates
        times = self.dt * np.arange(self._scan_due.shape[0])
        self._acts = gates.acting_grid(times)[:, sensors.owner]
        self.acting = self._acts & self.world.aloft
        self.scans = self._scan_due & self.acting
        self._block: tuple[int, tuple[Detections, F64, F64, I64]] | None = None

    def fly(self, tick: int, patrols: Patrols) -> None:
        """The patrol aircraft where ``patrols`` has them at tick ``tick``: their unit rows
        for the screen; when a dash or the last missile changed the sorties as flown, the
        aircraft whose sortie changed and their radars fly them from now on (the world's
        truth, the scans of those radars as :meth:`regate` has them; a block of detections
        already simulated is drawn again); a flight launched early (a relief of a station
        emptied) has its departure filed at its take-off as flown (the identification's
        procedural point of origin, :mod:`inkless.identification.departures`)."""
        self.screen.moved(patrols.rows)
        if (sorties := patrols.sorties) is not self._sorties:
            s = self.world.fly(sorties, self.dt, tick, self._sorties)
            self._sorties = sorties
            d = self.rules.departures  # an early relief is filed when it is ordered
            if len(d) == len(sorties) and not np.array_equal(d.launch, sorties.launch):
                filed = replace(d, launch=sorties.launch.copy())
                self.rules = replace(self.rules, departures=filed)
            aloft = np.isfinite(self.world.platform[2][tick:, s])
            self.acting[tick:, s] = self._acts[tick:, s] & aloft
            self.scans[tick:, s] = self._scan_due[tick:, s] & self.acting[tick:, s]
            self._block = None

    # --- 4. sensing, tracking ---------------------------------------------------------------
    def _detections(self, tick: int) -> tuple[Detections, F64, F64, I64]:
        """The block of detections that holds ``tick`` (simulated once per block), their
        Cartesian form ``z``, ``R`` in the common frame and the kind of object behind each."""
        k0 = tick - tick % _BLOCK
        if self._block is None or self._block[0] != k0:
            w = self.world
            k1 = min(k0 + _BLOCK, self.scans.shape[0])
            plat = tuple(a[k0:k1] for a in w.platform)
            det = detect(self.scans[k0:k1], self.dt * np.arange(k0, k1),
                         (plat[0], plat[1], plat[2]), self.tables.sensors,
                         w.objects[k0:k1], w.objects_alt[k0:k1], w.object_col,
                         self.frame, self.rng,
                         w.covered_in(k0, k1, self.tables.sensors) if w.still else None)
            own = det.truth == w.own_object[det.sensor]
            if own.any():
                det = det.take(~own)
            z, R = measurements(det)
            kind = np.where(det.truth < 0, KIND_FALSE, w.kind_of[np.maximum(det.truth, 0)])
            self._block = (k0, (det, z, R, kind))
        return self._block[1]

    def reports(self, tick: int, t: float, alive: NDArray[np.bool_]) -> Reports:
        """What the coalition receives at ``t`` (tick ``tick``): here, the simulation's
        (:meth:`simulated`); the fed picture's are pushed in."""
        return self.simulated(tick, t, alive)

    def simulated(self, tick: int, t: float, alive: NDArray[np.bool_]) -> Reports:
        """The simulated reports at ``t`` (tick ``tick``), on either picture (a live service
        sends them to the member nodes): the reports of the scans due now (a threat destroyed
        by now, ``~alive``, is no longer seen: it is alive until its kill), the scanning
        sensors and where they are, the cooperative evidence. The reports are a slice of the
        live reports of the next ticks (:meth:`_live`), which they name as their ``block``."""
        live = self._live(tick, t, alive)
        det = live[0]
        lo, hi = (int(v) for v in det.t.searchsorted([t - 1e-6, t + 1e-6]))
        rows = slice(lo, hi)
        sensors = np.flatnonzero(self.scans[tick])
        return Reports(t, det.take(rows), live[1][rows], live[2][rows], live[3][rows], sensors,
                       self.world.platform[0][tick, sensors], self._evidence(tick, t),
                       (live, lo, hi))

    def _live(self, tick: int, t: float, alive: NDArray[np.bool_]) -> ReportBlock:
        """The reports of the ticks from ``tick`` (at ``t`` s) to the next multiple of
        :data:`_CHUNK` within the block (:meth:`_detections`) that no threat destroyed by now
        (``~alive``) made; kept while nothing more is destroyed (one block to merge for those
        ticks, :meth:`CoalitionTracker.scan`)."""
        block = self._detections(tick)
        held = self._held
        if (held is not None and held[0] is block and held[1] <= tick < held[2]
                and np.array_equal(held[3], alive)):
            return held[4]
        det, z, R, kind = block
        end = min(tick - tick % _CHUNK + _CHUNK, self.scans.shape[0])
        lo, hi = (int(v) for v in det.t.searchsorted([t - 1e-6, self.dt * end - 1e-6]))
        row = det.truth[lo:hi]
        gone = (row >= 0) & (row < self.n)  # a threat's report, and it is destroyed:
        gone[gone] = ~alive[row[gone]]
        keep: slice | I64 = slice(lo, hi) if not gone.any() else lo + (~gone).nonzero()[0]
        live = (det.take(keep), z[keep], R[keep], kind[keep])
        self._held = (block, tick, end, alive.copy(), live)
        return live

    # --- 5. identification ------------------------------------------------------------------
    def _evidence(self, tick: int, t: float) -> Evidence:
        """The cooperative information received at ``t`` (tick ``tick``): ADS-B reports of the
        civil traffic, IFF replies of the coalition's aircraft (drawn from the run's cooperative
        generator) and the civil flights' filed plans (the scenario flights fly their filed,
        amended plans). Truth positions come from the run's grids."""
        s, w = self.scenario.identification, self.world
        traffic, air = self.traffic, w.air
        adsb, filed = AdsbReports.empty(t), (np.empty((0, 3)), np.empty((0, 3)))
        pos = w.objects[tick, w.civil].astype(np.float64)
        active = np.isfinite(pos[:, 0])
        if active.any():
            vel = w.civil_vel[tick].astype(np.float64)
            adsb = simulate_adsb(pos, vel, active, traffic.cooperative, traffic.icao24, t,
                                 self.coop_rng, sigma_m=s.adsb_sigma_m,
                                 sigma_alt_m=s.adsb_sigma_alt_m, sigma_mps=s.adsb_sigma_mps,
                                 dropout=s.adsb_dropout)
            nf = traffic.n_flights
            filed = (pos[:nf][active[:nf]], vel[:nf][active[:nf]])
        iff = IffReplies.empty(t)
        if len(air):
            pos = w.objects[tick, w.aircraft].astype(np.float64)
            iff = simulate_iff(pos, np.isfinite(pos[:, 0]), t, self.coop_rng,
                               p_reply=s.iff_reply_probability, sigma_m=s.iff_sigma_m)
        return Evidence(adsb, iff, *filed)

    def hear(self, t: float, evidence: Evidence) -> None:
        """Cooperative ``evidence`` from outside (an engine input: ADS-B, IFF, filed plans;
        a TAK feed's self-reports) received for the cycle at ``t`` (s): added to the picture's
        own reports' evidence then (:func:`_joined`), at their time."""
        self._heard = (t, evidence)

    def identify(self, pic: CoalitionPicture, t: float, ev: Evidence, updated: F64
                 ) -> Identities:
        """Every track's identity at ``t`` (s) under the coalition's rules and the cooperative
        evidence ``ev`` (:func:`inkless.identification.identify`; IFF held from each track's
        last update, ``updated (len(pic),)`` s)."""
        ids = self._ids = identify(pic, t, ev, self.rules, self._ids, updated)
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

    def assessed_killed(self, pic: CoalitionPicture, updated: F64) -> NDArray[np.bool_]:
        """``(len(pic),)``: the track was seen killed and no detection has updated it since
        the kill (``updated (len(pic),)``: each track's last update, s). A killed track that a
        later detection updates follows another object (the one it was fired at is gone): it is
        re-examined, i.e. dropped from the killed ones."""
        if not self.killed_at:
            return np.zeros(len(pic), bool)
        killed = isin_ids(pic.id, np.fromiter(self.killed_at, np.int64))
        rows = killed.nonzero()[0]
        if rows.size:
            t_kill = np.array([self.killed_at[int(i)] for i in pic.id[rows].tolist()])
            since = updated[rows] > t_kill
            for i in pic.id[rows[since]].tolist():
                del self.killed_at[int(i)]
            killed[rows[since]] = False
        return killed

    def fired(self, rows: slice, c: Candidates, cols: I64) -> None:
        """Interceptor rows ``rows`` were fired at the candidates' columns ``cols``: their
        tracks, the classes they were declared (for midcourse guidance) and the object behind
        each track (the seeker's truth, and the after-action's)."""
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
        basket_check(flight, t, self.dt, self.world.objects, self.shot_truth, units.basket,
                     self.miss_distance, alive, self.raid.cls, units.pk)

    def idle(self, tick: int, threats: ThreatState) -> bool:
        """Sensors scan at every tick while anything can fly: idle only past the truth grid."""
        return tick >= self.world.ticks

    def detections(self, end_time: F64, duration_s: float) -> F64:
        """Per threat, the first time it was held: the after-action's recorder keeps it
        (:class:`inkless.engine.recorder.Recorder`); here, never (NaN)."""
        return np.full(self.n, np.nan)

    def held_by_members(self, end_time: F64, duration_s: float) -> None:
        """When each member's sensors held each threat: the recorder keeps it."""

    def observe(self, tick: int, t: float, threats: ThreatState,
                defence: DefenceState) -> Iterator[Candidates]:
        """Sensing and tracking (the fused picture), identification, midcourse updates on the
        picture; then the tracks declared hostile (the interlock) as candidates. What was seen
        is kept in :attr:`seen`."""
        flight = defence.flight
        got = self.reports(tick, t, threats.alive)
        if self._heard is not None and self._heard[0] == t:
            got = replace(got, evidence=_joined(got.evidence, self._heard[1]))
        self._heard = None
        if got.sensors.size:
            self.tracker.scan(t, got.det, got.kind, got.sensors, got.sensor_ecef, got.z, got.R,
                              got.block)
        pic = self.tracker.picture(t)
        updated = self.tracker.last_update(pic.id)  # when each track was last updated, s
        ids = self.identify(pic, t, got.evidence, updated)
        if (flight.result[: flight.n] == PENDING).any():  # interceptors in the air
            midcourse(flight, self.shot_track, self.shot_class, t, pic.id,
                      self.frame.to_ecef(pic.x[:, :3]), pic.x[:, 3:] @ self.frame.rot)
        hostile, killed = engageable(ids), self.assessed_killed(pic, updated)
        self.seen = Seen(tick, t, got, pic, ids, hostile, killed)
        rows, room = self._hostile(pic, ids, flight, hostile, killed)
        c = self.screen.candidates(t, tick, pic.x[rows], pic.P[rows], ids.threat_class[rows],
                                   room, threats.remaining, pic.id[rows], pic.obj[rows])
        if c is not None:
            yield c

    def identity(self, flight: InFlight) -> IdentityRecord:
        """What each interceptor was fired at (the object behind its track); the identities'
        histories are the after-action recorder's."""
        w = self.world
        return IdentityRecord(w.truth_kind, w.truth_name, self.shot_truth[: flight.n].copy())


def _joined(ev: Evidence, more: Evidence) -> Evidence:
    """The cooperative evidence ``ev`` with the reports of ``more`` after its own, all at
    ``ev``'s times."""
    def cat(a: Any, b: Any) -> Any:
        return replace(a, **{f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
                             for f in fields(a) if f.name != "t"})

    return Evidence(cat(ev.adsb, more.adsb), cat(ev.iff, more.iff),
                    np.concatenate([ev.filed_pos, more.filed_pos]),
                    np.concatenate([ev.filed_vel, more.filed_vel]))


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
