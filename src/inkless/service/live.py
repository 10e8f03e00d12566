"""The live session: the engine on a fed picture, stepped by the service's clock, with what
each member's node reported and what each member may receive.

Where it sits: inside the service (:mod:`inkless.service.app` drives it); it drives
:class:`inkless.engine.Engine` (``picture="tracked"``, ``fed=True``) and never the other way.
One decision cycle (tick ``k``, scenario time ``t = k dt``):

1. ``simulated(k)`` (``--simulate`` only): the scenario's simulated sensors at ``t``
   (the tracked picture's own simulation, :meth:`inkless.engine.TrackedPicture.simulated`), each
   member's plots numbered and sent to that member's node (``detections``);
2. ``receive``: a node pushes back its plots (``report``); only its own member's sensors count;
   without ``--simulate``, a real sensor's node sends its own plots, each naming its sensor
   (:meth:`Session.real_plots`: the geometry is the scenario's sensor's);
3. ``step(k, reports)``: the plots received for ``t`` become the fed picture's reports (a
   member whose node sent nothing for ``t`` has no scan then); the members with no node
   connected have no forces acting (their units do not fire); the engine steps;
4. ``airspace``: the grants that concern each member (it is the grantee, the grantor or the
   orchestrator) when they come on record, a closure when such a grant ends, and the
   scenario's airspace closures (NOTAMs, every member) when they come into force;
5. ``pictures``: each member's picture message: the tracks that member holds
   (:meth:`inkless.tracking.coalition_tracker.CoalitionTracker.view`, the ``release`` caveats), each
   labelled with the members whose sensors contributed as the member may see them
   (:class:`inkless.afteraction.views.Audience`, the labels of ``inkless run --view``:
   anonymous members only under their pseudonyms).

Units on the wire: times in s since the scenario epoch, ranges m, angles deg, positions
geodetic (deg, deg, m), velocities m/s ECEF.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.afteraction.views import Audience
from inkless.coalition import AirspaceGrant, Gates, TimedLetter
from inkless.coalition.members import grant_window_s
from inkless.engagement import PENDING
from inkless.engine import (
    Authority,
    Decisions,
    DefenceState,
    Engine,
    FedPicture,
    Inputs,
    Reports,
    Seen,
    ThreatState,
)
from inkless.identification import CATEGORY_NAMES, Evidence
from inkless.physics.geodesy import enu_rotation, geodetic_from_ecef
from inkless.scenario.load import coalition_members
from inkless.scenario.model import Scenario
from inkless.sensing import Detections
from inkless.sensing.frames import common_from_local
from inkless.tracking.measurement import measurements
from inkless.tracking.picture import KIND_FALSE, CoalitionPicture
from inkless.units import deg_from_rad, rad_from_deg

from .cot import CotIn
from .tracks import MemberTracks, SimulatedTrackers, read_tracks

__all__ = ["AHEAD_S", "Pushed", "RealPlots", "Session"]

#: How far ahead of the service's clock (s of scenario time past the last cycle stepped) a
#: real node's ``report`` may be dated: further is refused (a node's clock gone astray).
AHEAD_S = 60.0


@dataclasses.dataclass(frozen=True)
class RealPlots:
    """A real sensor node's plots for one cycle (no ``--simulate``, :meth:`Session.plots`):
    ``sensor (m,)`` the scenario's sensor rows, ``values (m, 6)`` range m, azimuth deg,
    elevation deg (the sensor's local ENU frame, azimuth from north clockwise) and their
    sigmas (m, deg, deg)."""

    sensor: NDArray[np.int64]
    values: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.sensor)


#: What a node pushed for a cycle: its plots (``{plot: (range_m, az_deg, el_deg, sigma range
#: m, sigma az deg, sigma el deg)}`` under ``--simulate``, :class:`RealPlots` without,
#: :meth:`Session.plots`) or its member's tracks (:meth:`Session.tracks`).
Pushed = dict[int, tuple[float, ...]] | RealPlots | MemberTracks


#: What a malformed ``report`` raises while it is read (a field missing, of the wrong type, a
#: number not finite or out of range).
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def _measured(plots: Sequence[Mapping[str, Any]]) -> NDArray[np.float64]:
    """The measurements of a ``report``'s ``plots`` (either kind of node's), ``(m, 6)``: range
    m, azimuth deg, elevation deg and their sigmas (m, deg, deg). Raises one of
    :data:`_MALFORMED` when a plot lacks one, a sigma is not three numbers, a number is not
    finite or a sigma not > 0 (a plot that claims no error would make a track claim none)."""
    rows = [(float(p["range_m"]), float(p["az_deg"]), float(p["el_deg"]),
             *map(float, p["sigma"])) for p in plots]
    values = np.array(rows, dtype=np.float64) if rows else np.zeros((0, 6))  # ragged: ValueError
    if values.shape[1:] != (6,) or not np.isfinite(values).all() or (values[:, 3:] <= 0).any():
        raise ValueError("plots: not finite numbers, or a sigma not > 0")
    return values


class Session:
    """The engine of one live session (module docstring). ``letters``: the letters on record
    (the scenario's or the ledger's), from which the legal bases are built; ``secret``: the
    coalition secret that keys pseudonyms; ``record``: keep the after-action's record
    (:class:`inkless.engine.recorder.Recorder`) for :meth:`after_action`."""

    def __init__(self, scenario: Scenario, letters: Sequence[TimedLetter], secret: bytes,
                 seed: int | None = None, simulate: bool = True, record: bool = False) -> None:
        self.scenario, self.simulate = scenario, simulate
        self.views: dict[int, CoalitionPicture] = {}  # member row -> the tracks it holds
        self.identity: dict[int, int] = {}  # coalition track number -> identity category
        self.coalition: CoalitionPicture | None = None
        # the after-action's recorder only when asked (``--out``): it scores every cycle and
        # keeps every scan for the whole session; this observer keeps what streams
        self.engine = Engine(scenario, scenario.settings.seed if seed is None else seed,
                             picture="tracked", fed=True, record=record,
                             authority=Authority.of(scenario, letters), observers=(self,))
        picture = self.engine.picture
        assert isinstance(picture, FedPicture)  # built so above
        self.picture = picture
        self.dt = self.engine.dt
        self.members = tuple(m.id for m in scenario.members)
        coalition = coalition_members(scenario)
        self.audience = {m: Audience.of(coalition, m, secret) for m in self.members}
        self.sensor_ids = tuple(self.engine.tables.sensors.id)
        self.unit_ids = tuple(self.engine.tables.units.id)
        self._sent: dict[int, Reports] = {}
        self._told: set[tuple[Any, ...]] = set()  # the grants and closures published
        self.orchestrators = tuple(m.id for m in scenario.members if m.role == "orchestrator")
        self.polygons = {r.id: [list(p) for p in r.polygon_deg] for r in scenario.regions}
        self.cot_in: CotIn | None = None  # a TAK feed's self-reports (``--cot-in``)
        self.stepped: int | None = None  # the last tick stepped
        self.source = "planned at the epoch"  # where the legal bases come from (the record's)
        self.lock = threading.Lock()  # a step (in a worker thread) or the after-action
        # the members that share only tracks: under --simulate, their own trackers run here
        self.shares_tracks = tuple(m for m, x in enumerate(scenario.members)
                                   if x.shares == "tracks")
        self.own_trackers = SimulatedTrackers(picture, self.shares_tracks) if (
            simulate and self.shares_tracks) else None

    # --- 1. the simulated sensors ------------------------------------------------------------
    def idle(self, tick: int) -> bool:
        """Nothing to sense or decide at ``tick`` (the simulated world has ended)."""
        return self.picture.idle(tick, self.engine.threats)

    def simulated(self, tick: int) -> dict[str, dict[str, Any]]:
        """The scenario's simulated reports at ``tick``, kept until the tick is stepped; per
        member, the ``detections`` message of its own sensors' plots."""
        t = tick * self.dt
        got = self.picture.simulated(tick, t, self.engine.threats.alive)
        self._sent[tick] = got
        d = got.det
        sigma = np.column_stack([d.sigma[:, 0], deg_from_rad(d.sigma[:, 1:3])]).tolist()
        sensors = [self.sensor_ids[k] for k in d.sensor.tolist()]
        columns = zip(sensors, d.t.tolist(), d.range_m.tolist(),
                      deg_from_rad(d.az).tolist(), deg_from_rad(d.el).tolist(), sigma,
                      strict=True)  # the rows as Python floats at once, not one by one
        plots = [{"plot": i, "sensor": s, "t": ti, "range_m": r, "az_deg": a, "el_deg": e,
                  "sigma": sg} for i, (s, ti, r, a, e, sg) in enumerate(columns)]
        member = d.member.tolist()
        return self._own_tracks(tick, got, {mid: {
            "type": "detections", "t": t,
            "plots": [p for p, k in zip(plots, member, strict=True) if k == m]}
            for m, mid in enumerate(self.members)})

    def _own_tracks(self, tick: int, got: Reports, out: dict[str, dict[str, Any]]
                    ) -> dict[str, dict[str, Any]]:
        """``out`` with each track-sharing member's ``detections`` replaced by its
        ``own_tracks``: its own tracker's tracks from those plots
        (:class:`~inkless.service.tracks.SimulatedTrackers`)."""
        if self.own_trackers is None:
            return out
        self.own_trackers.scan(got)
        for m in self.shares_tracks:
            out[self.members[m]] = self.own_trackers.message(tick, m, got.t)
        return out

    # --- 2. what the nodes pushed --------------------------------------------------------------
    def plots(self, member: str, msg: Mapping[str, Any]
              ) -> tuple[int, dict[int, tuple[float, ...]] | RealPlots] | str:
        """A node's ``report`` checked: ``(tick, {plot: (range_m, az_deg, el_deg, sigma range
        m, sigma az deg, sigma el deg)})``, or the one-line reason it is refused (a plot without
        finite numbers or with a sigma not > 0, :func:`_measured`; a tick not awaiting reports,
        a plot not issued to the member's sensors). Without ``--simulate``, plots of a cycle
        the service issued none for are a real sensor node's (:meth:`real_plots`)."""
        try:
            tick: int | None = round(float(msg["t"]) / self.dt)
        except _MALFORMED:
            tick = None  # refused below, or by real_plots
        if not self.simulate and tick not in self._sent:
            return self.real_plots(member, msg)
        try:
            given = list(msg["plots"])
            numbers = [int(p["plot"]) for p in given]
            values = _measured(given)
        except _MALFORMED:
            tick = None
        if tick is None:
            return ("report: give t (s) and plots [{plot, range_m, az_deg, el_deg, sigma: "
                    "[range m, az deg, el deg]}], finite numbers, sigmas > 0")
        plots = dict(zip(numbers, map(tuple, values.tolist()), strict=True))
        sent = self._sent.get(tick)
        if sent is None:
            return f"late report for t={msg['t']}: no plots awaited then (stepped already)"
        m = self.members.index(member)
        mine = set(np.flatnonzero(sent.det.member == m).tolist())
        bad = sorted(set(plots) - mine)
        if bad:
            return f"report: plots {bad[:5]} were not issued to {member}'s sensors"
        return tick, plots

    def real_plots(self, member: str, msg: Mapping[str, Any]) -> tuple[int, RealPlots] | str:
        """A real sensor node's ``report`` checked: ``(tick, its plots)``, or the one-line
        reason it is refused: not finite numbers (or a sigma not > 0), a cycle stepped already
        or more than :data:`AHEAD_S` ahead of the service's clock (or past the session's end),
        a plot's own ``t`` outside the report's cycle (half a period either side), a sensor
        that is not one of the member's in the scenario, or not in place then (a patrol's
        radar on the ground)."""
        how = ("report: give t (s) and plots [{sensor, t (s, optional), range_m, az_deg, "
               "el_deg, sigma: [range m, az deg, el deg]}], finite numbers, sigmas > 0")
        try:
            t, plots = float(msg["t"]), list(msg["plots"])
            names = [str(p["sensor"]) for p in plots]
            times = np.array([float(p.get("t", t)) for p in plots], dtype=np.float64)
            values = _measured(plots)
        except _MALFORMED:
            return how
        if not (np.isfinite(times).all() and np.isfinite(t)):
            return how
        tick = self._due(t, "report")
        if isinstance(tick, str):
            return tick
        off = np.flatnonzero(np.abs(times - tick * self.dt) > self.dt / 2)
        if off.size:
            return (f"report: plot {off[0]} at t={times[off[0]]:g} s is not in the report's "
                    f"cycle (t={tick * self.dt:g} s, {self.dt / 2:g} s either side)")
        m, owner = self.members.index(member), self.engine.tables.sensors.owner
        own = [s for s, k in zip(self.sensor_ids, owner.tolist(), strict=True) if k == m]
        stray = sorted(set(names) - set(own))
        if stray:
            return (f"report: sensor {stray[0]!r} is not one of {member}'s sensors in the "
                    f"scenario ({', '.join(own) or 'none'})")
        sensor = np.array([self.sensor_ids.index(n) for n in names], dtype=np.int64)
        away = np.isnan(self.picture.world.platform[0][tick, sensor, 0])
        if away.any():
            return f"report: sensor {names[int(np.argmax(away))]!r} is not in place at t={t:g} s"
        return tick, RealPlots(sensor, values)

    def _due(self, t: float, what: str) -> int | str:
        """The cycle of a node's ``what`` (``report``, ``tracks``) dated ``t`` (s), or the
        one-line reason it is refused: a cycle stepped already, more than :data:`AHEAD_S`
        ahead of the service's clock or past the session's end (held until then, a made-up
        date would hold a message for nothing)."""
        tick, last = round(t / self.dt), -1 if self.stepped is None else self.stepped
        if tick <= last:
            return f"late {what} for t={t:g}: that cycle was stepped already"
        if t > (last + 1) * self.dt + AHEAD_S or tick > self.engine.last_tick:
            return (f"{what}: t={t:g} s is more than {AHEAD_S:g} s ahead of the service's "
                    f"clock (t={(last + 1) * self.dt:g} s) or past the session's end "
                    f"({self.engine.last_tick * self.dt:g} s)")
        return tick

    def tracks(self, member: str, msg: Mapping[str, Any]) -> tuple[int, MemberTracks] | str:
        """A node's ``tracks`` checked (:func:`inkless.service.tracks.read_tracks`): ``(tick,
        its member's tracks)``, or the one-line reason it is refused (not a member that shares
        only tracks or nothing, a malformed track, a cycle stepped already or too far ahead,
        :meth:`_due`)."""
        m = self.members.index(member)
        if self.scenario.members[m].shares == "detections":
            return (f"tracks: {member} shares detections (the scenario's shares); send its "
                    "plots as a report")
        table = read_tracks(msg, self.picture.frame, self.picture.tracker.config.score_cap)
        if isinstance(table, str):
            return table
        tick = self._due(table.t, "tracks")
        if isinstance(tick, str):
            return tick
        if self.own_trackers is None:
            return tick, MemberTracks(table)
        return tick, self.own_trackers.labelled(tick, m, table)

    def reports(self, tick: int, pushed: Mapping[str, dict[int, tuple[float, ...]]]
                ) -> Reports:
        """The fed picture's reports at ``tick`` from the plots each member pushed (values as
        the node sent them, checked by :meth:`plots`; the sensor's geometry as issued); the
        scans of the members who reported."""
        sent = self._sent.pop(tick)
        got = {i: v for p in pushed.values() for i, v in p.items()}
        rows = sorted(got)
        det = sent.det.take(np.array(rows, dtype=np.intp))
        v = np.array([got[i] for i in rows], dtype=np.float64).reshape(-1, 6)
        det.range_m[:], det.az[:], det.el[:] = v[:, 0], rad_from_deg(v[:, 1]), rad_from_deg(
            v[:, 2])
        det.sigma[:] = np.column_stack([v[:, 3], rad_from_deg(v[:, 4:6])])
        z, R = measurements(det)
        owners = self.engine.tables.sensors.owner[sent.sensors]
        reporting = np.isin(owners, [self.members.index(m) for m in pushed])
        return Reports(sent.t, det, z, R, sent.kind[np.array(rows, dtype=np.intp)],
                       sent.sensors[reporting], sent.sensor_ecef[reporting], sent.evidence)

    def real_reports(self, tick: int, pushed: Mapping[str, RealPlots]) -> Reports:
        """The fed picture's reports at ``tick`` from real sensor nodes' plots (checked by
        :meth:`real_plots`): each plot's geometry is its sensor's, where the scenario has it at
        ``tick`` (its local ENU frame at its geodetic position, :func:`enu_rotation`), no
        object behind it known (``truth`` -1, kind ``KIND_FALSE``: labels for scoring only),
        no cooperative evidence (``--cot-in`` gives its own, ``Inputs.evidence``). The sensors
        that scanned: those that sent plots, and the reporting members' others whose scan is
        due then."""
        t, sensors = tick * self.dt, self.engine.tables.sensors
        sensor = np.concatenate([np.zeros(0, np.int64), *(p.sensor for p in pushed.values())])
        v = np.concatenate([np.zeros((0, 6)), *(p.values for p in pushed.values())])
        order = np.argsort(sensor, kind="stable")
        sensor, v = sensor[order], v[order]
        pos = np.asarray(self.picture.world.platform[0][tick], dtype=np.float64)
        due = self.picture.scans[tick] & np.isin(
            sensors.owner, [self.members.index(m) for m in pushed]) & np.isfinite(pos[:, 0])
        scanning = np.union1d(sensor, np.flatnonzero(due)).astype(np.int64)
        lat, lon, _ = geodetic_from_ecef(pos[sensor])
        local = enu_rotation(lat, lon).reshape(-1, 3, 3)  # ECEF -> the sensor's ENU
        frame, n = self.picture.frame, len(sensor)
        det = Detections(
            np.full(n, t), sensor, sensors.owner[sensor], v[:, 0], rad_from_deg(v[:, 1]),
            rad_from_deg(v[:, 2]), np.column_stack([v[:, 3], rad_from_deg(v[:, 4:6])]),
            frame.from_ecef(pos[sensor]).reshape(-1, 3),
            common_from_local(frame, local),
            np.full(n, -1, np.int64))
        z, R = measurements(det)
        return Reports(t, det, z, R, np.full(n, KIND_FALSE, np.int64), scanning,
                       pos[scanning], Evidence.none(t))

    # --- 3. one decision cycle -----------------------------------------------------------------
    def step(self, tick: int, pushed: Mapping[str, Pushed],
             connected: Collection[str], inputs: Inputs | None = None) -> Decisions:
        """One decision cycle at ``tick`` with what the nodes ``pushed`` (member -> plots, or
        tracks: a member's tracks are its own tracker's table from now on), the
        other ``inputs`` (outcomes, letters, declines) and the members whose nodes are
        ``connected``: the others' forces do not act. Letters and grants are taken first, so
        the legal bases they change hold in this cycle already."""
        with self.lock:
            self.stepped = tick
            return self._step(tick, pushed, connected, inputs)

    def _step(self, tick: int, pushed: Mapping[str, Pushed],
              connected: Collection[str], inputs: Inputs | None) -> Decisions:
        eng = self.engine
        eng.absent([m for m, mid in enumerate(self.members) if mid not in connected])
        plots = {m: p for m, p in pushed.items() if isinstance(p, dict)}
        real = {m: p for m, p in pushed.items() if isinstance(p, RealPlots)}
        for mid, p in pushed.items():
            if isinstance(p, MemberTracks):
                self.picture.tracker.take_own(self.members.index(mid), p.tracks, p.votes, p.obj)
        reports = (self.reports(tick, plots) if tick in self._sent
                   else self.real_reports(tick, real) if real else None)
        evidence = None if self.cot_in is None else self.cot_in.evidence(
            tick * self.dt, self.scenario.settings.epoch)
        return eng.step(tick, dataclasses.replace(inputs or Inputs(), reports=reports,
                                                  evidence=evidence))

    # --- the end: the after-action ---------------------------------------------------------------
    def after_action(self, out_dir: Path) -> bool:
        """Write the session's after-action in ``out_dir`` (an existing directory): the files of
        ``inkless run`` (:func:`inkless.afteraction.write_outputs`: results.json, events.csv,
        report.html) from the engine's record up to the last cycle stepped (the interceptors
        still in the air then settled at their intercept times by their kill draws, as the
        engine would have: every shot has its end), the picture ``tracked``, the legal bases'
        :attr:`source` as results.json's ``coalition.record``. False (nothing written) if no
        cycle was stepped. Waits for a step under way. Raises ``OSError`` on a write failure."""
        from inkless.afteraction import write_outputs
        from inkless.afteraction.results import results

        with self.lock:
            if self.stepped is None:
                return False
            f = self.engine.defence.flight
            due = f.intercept_time[: f.n][f.result[: f.n] == PENDING]
            if due.size:  # interceptors still in the air end as their draws say
                self.engine.settle(float(due.max()))
            record = self.engine.record(self.stepped)
        res = results(record, self.engine.solver, "tracked")
        res = res.model_copy(update={"coalition": res.coalition.model_copy(
            update={"record": self.source})})
        write_outputs(out_dir, record, res)
        return True

    # --- 4. what each member receives ----------------------------------------------------------
    def airspace(self, tick: int) -> dict[str, list[dict[str, Any]]]:
        """Per member, the ``grant`` and ``closure`` messages due at ``tick``, each once: a
        grant on record (the scenario's, or a letter's taken by now) to its grantee, its grantor
        and the orchestrators; a ``grant_ended`` closure to them when its window has closed by
        now; a scenario closure (``notam``) to every member once in force."""
        t = tick * self.dt
        out: dict[str, list[dict[str, Any]]] = {m: [] for m in self.members}
        grants = self.engine.authority.grants if self.engine.authority is not None else ()
        for g in grants:
            start, end = grant_window_s(g, self.scenario.settings.epoch)
            was = (g.grantor_state, g.grantee_member, g.region_id, g.what, start, end)
            told = [w for w in ("grant", "grant_ended") if (w, *was) not in self._told
                    and (w == "grant" or end <= t)]
            concerned = {g.grantee_member, g.grantor_state, *self.orchestrators}
            for what in told:
                self._told.add((what, *was))
                for m in self.members:
                    if m in concerned:
                        out[m].append(self._grant(what, g, t, start, end, m))
        for c in self.scenario.civil.closures:
            key = ("notam", c.region, c.from_s, c.until_s)
            if c.from_s <= t and key not in self._told:
                self._told.add(key)
                for m in self.members:
                    out[m].append({"type": "closure", "t": t, "reason": "notam",
                                   "region": c.region, "from_t": c.from_s,
                                   "until_t": c.until_s, "margin_m": 1e3 * c.margin_km,
                                   "polygon_deg": self.polygons.get(c.region)})
        return {m: msgs for m, msgs in out.items() if msgs}

    def _grant(self, what: str, g: AirspaceGrant, t: float, start: float, end: float,
               member: str) -> dict[str, Any]:
        """The ``grant`` message (or the ``grant_ended`` closure) of ``g`` for ``member``,
        the members named as it may see them."""
        label = self.audience[member].label
        return {"type": "grant" if what == "grant" else "closure", "t": t,
                **({} if what == "grant" else {"reason": "grant_ended"}),
                "grantor": label(g.grantor_state), "grantee": label(g.grantee_member),
                "region": g.region_id, "what": g.what,
                "from_t": start if np.isfinite(start) else None,
                "until_t": end if np.isfinite(end) else None,
                "polygon_deg": self.polygons.get(g.region_id)}

    def pictures(self, tick: int) -> dict[str, dict[str, Any]]:
        """Per member, the ``picture`` message at ``tick``: the tracks it holds (module
        docstring)."""
        t = tick * self.dt
        if self.coalition is not None and not self.views:  # taken once the orders are out
            self.views = {m: self.picture.tracker.view(self.coalition, m)
                          for m in range(len(self.members))}
        return {mid: {"type": "picture", "t": t, "tracks": self._tracks(self.views.get(m), mid)}
                for m, mid in enumerate(self.members)}

    # the engine's observer (inkless.engine.observer.Observer): the pictures to stream
    def regate(self, gates: Gates) -> None:
        """The gates changed (a letter): nothing to keep here; the next cycle masks them."""

    def cycle(self, seen: Seen | None, threats: ThreatState, defence: DefenceState) -> None:
        """A cycle decided: the coalition's picture and identities by track number. The
        picture each member holds (the tracks released to it,
        :meth:`inkless.tracking.coalition_tracker.CoalitionTracker.view`) is taken from it when the
        pictures are built (:meth:`pictures`), not here: the step, and so the fire orders, do
        not wait for it."""
        if seen is None:
            return
        pic = self.coalition = seen.picture
        self.views = {}
        self.identity = dict(zip(pic.id.tolist(), seen.ids.category.tolist(), strict=True))

    def _tracks(self, view: CoalitionPicture | None, member: str) -> list[dict[str, Any]]:
        if view is None or not len(view):
            return []
        frame, aud = self.picture.frame, self.audience[member]
        lat, lon, alt = geodetic_from_ecef(frame.to_ecef(view.x[:, :3]))
        # as Python floats at once, rounded to 1e-7 deg (~1 cm), 1 mm, 1 mm/s and 1 cm: half
        # the JSON to write and read, of ~300 tracks to every member every cycle
        geo = np.column_stack([np.round(deg_from_rad(lat), 7), np.round(deg_from_rad(lon), 7),
                               np.round(alt, 3)]).tolist()
        vel = np.round(view.x[:, 3:] @ frame.rot, 3).tolist()
        sd = np.round(np.sqrt(np.trace(view.P[:, :3, :3], axis1=1, axis2=2)), 2).tolist()
        labels = [aud.label(mid) for mid in self.members]
        bits = view.members.tolist()
        sources = {b: [lb for m, lb in enumerate(labels) if b >> m & 1] for b in set(bits)}
        ids = view.id.tolist()
        shared = view is self.coalition  # a view of its own numbers its tracks apart
        cat = [self.identity.get(i) for i in ids] if shared else [None] * len(ids)
        return [{"id": i, "identity": None if c is None else CATEGORY_NAMES[c],
                 "lat_deg": g[0], "lon_deg": g[1], "alt_m": g[2], "vel_ecef_mps": v,
                 "sigma_m": sg, "sources": list(sources[b])}
                for i, c, g, v, sg, b in zip(ids, cat, geo, vel, sd, bits, strict=True)]
