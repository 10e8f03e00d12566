"""Fighter patrols flown on their schedule: every aircraft's sortie, where it is, what fuel it
holds, and how well its station is covered across hand-overs.

Where it sits: the simulation plans the sorties of a scenario's ``patrols`` once
(:meth:`Sorties.plan`); the engine asks where the aircraft are at a tick
(:meth:`Sorties.positions`, for sensing, IFF and intercept feasibility) and what fuel they hold
(:meth:`Sorties.fuel`, for :func:`inkless.physics.sortie.vector_cost`); the after-action report
reads :func:`station_coverage`; :func:`vectors` says which aircraft can reach a threat at dash
speed and still get home. Pure functions of the scenario: no randomness.

The schedule (see docs/patrols.md): flight ``k`` of a patrol takes off at ``launch_k``, flies at
cruise speed along the great circle to the pattern's point nearest its base, flies the pattern
clockwise (:func:`inkless.physics.sortie.stadium_point`) until bingo, the time on station that
the fuel allows (:meth:`inkless.scenario.Patrol.on_station_s`: home from the pattern's farthest
point with the reserve left), then flies home along the great circle from where it is. The
next flight takes off so as to arrive ``relief`` seconds before that bingo (``launch_{k+1} =
launch_k + on_station - relief``), or every ``launch_interval_s``. The aircraft of a flight fly
in trail: each wingman on the same path :data:`TRAIL_M` behind the one ahead (it takes off that
much later). Height changes linearly with time on the way out and home. A vector
(:meth:`Sorties.vector`, :class:`Dashes`) is a straight line at dash speed toward the lead
intercept point (:func:`vectors`), open while the aircraft is committed and cut where it fires
or breaks off (:meth:`Sorties.cut`), then back at cruise to where it left the pattern, which
it flies on from there (or home from there, out of missiles).
Arrays: one row per aircraft (struct of arrays), SI units, radians, ECEF metres.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from inkless.arrays import F64, IP, B
from inkless.physics.geodesy import (
    destination,
    ecef_from_geodetic,
    geodetic_from_ecef,
    initial_bearing,
    surface_distance,
)
from inkless.physics.sortie import (
    lead_intercept,
    station_entry,
    station_point,
    vector_cost,
)
from inkless.scenario.model import Patrol
from inkless.units import DEG, KM

__all__ = ["BROKE_OFF", "FIRED", "OPEN", "OUTCOMES", "TRAIL_M", "Coverage", "Dashes", "Sorties",
           "Vectors", "coverage", "station_coverage", "vectors"]

TRAIL_M = 3000.0
"""How far each wingman flies behind the aircraft ahead of it in its flight, m (along the
flight's path: it takes off ``TRAIL_M / cruise`` later and flies the same path that much later).
Notional: about 1.6 nmi, the order of the mile or two at which tactical formations fly; it keeps
the aircraft of a flight apart for the sensors and the tracker (one point for all of them
merged their reports)."""


OUTCOMES = ("open", "fired", "target lost", "target taken", "too late")
"""How a dash ended (:attr:`Dashes.outcome` indexes this): ``open`` still flown (the aircraft
is committed to its target), ``fired`` its missile is away (the dash ends at the fire time),
or it broke off because its target was lost (killed, landed or out of the picture), taken
(another unit has an interceptor in the air at it) or it flew its planned dash and a cycle or
two more without the target coming within its missile's reach (``too late``)."""
OPEN, FIRED = 0, 1
BROKE_OFF = (2, 3, 4)
"""The outcomes of a dash broken off (:data:`OUTCOMES`)."""


def _flight_launches(p: Patrol) -> F64:
    """Take-off times of a patrol's flights, s."""
    k = np.arange(p.flights, dtype=np.float64)
    relief = p.relief_s()
    step = p.launch_interval_s if relief is None else p.on_station_s() - relief
    launches: F64 = p.first_launch_s + k * float(step or 0.0)
    return launches


@dataclass(frozen=True)
class Dashes:
    """The vectors to an intercept that aircraft flew, arrays ``(k,)`` in the order flown:
    aircraft ``row``, ``start`` (s: it leaves the pattern, the fire time), ``dash_s`` (s: the
    straight leg at dash speed to the intercept ``point``), ``back_s`` (s: the straight leg at
    cruise back to where it left, ``leave``; 0 when it went home from the intercept);
    ``leave`` and ``point`` ``(k, 3)`` ECEF m. The legs are straight lines in ECEF flown at
    constant speed, as the lead (collision-course) geometry has them. ``outcome`` how each
    ended (:data:`OUTCOMES`; an open dash is a commitment still flown)."""

    row: IP
    start: F64
    dash_s: F64
    back_s: F64
    leave: F64
    point: F64
    outcome: IP

    @classmethod
    def none(cls) -> Dashes:
        """No vector flown."""
        z = np.zeros(0)
        return cls(np.zeros(0, np.intp), z, z, z, np.zeros((0, 3)), np.zeros((0, 3)),
                   np.zeros(0, np.intp))

    def __len__(self) -> int:
        return len(self.row)

    def add(self, row: IP, start: float, dash_s: F64, back_s: F64, leave: F64,
            point: F64, outcome: int = FIRED) -> Dashes:
        """These dashes and the new ones (one per ``row``) starting at ``start`` (s)."""
        return Dashes(np.r_[self.row, row].astype(np.intp),
                      np.r_[self.start, np.full(len(row), float(start))],
                      np.r_[self.dash_s, dash_s], np.r_[self.back_s, back_s],
                      np.r_[self.leave, leave].reshape(-1, 3),
                      np.r_[self.point, point].reshape(-1, 3),
                      np.r_[self.outcome, np.full(len(row), outcome)].astype(np.intp))

    def last(self, rows: IP) -> IP:
        """The index of each aircraft's (``rows``) last dash."""
        out: IP = np.array([np.flatnonzero(self.row == r)[-1] for r in rows.tolist()], np.intp)
        return out

    def away(self, tt: F64) -> F64:
        """``(K, n)``: seconds each aircraft has spent off its pattern on its dashes by the
        times ``tt (K, n)`` (s) (the pattern's clock stops while it is away)."""
        return self._spent(tt, self.dash_s + self.back_s)

    def dashing(self, tt: F64) -> F64:
        """``(K, n)``: seconds each aircraft has flown at dash speed by the times ``tt``."""
        return self._spent(tt, self.dash_s)

    def _spent(self, tt: F64, legs_s: F64) -> F64:
        """``(K, n)``: each aircraft's seconds by the times ``tt (K, n)`` within the first
        ``legs_s (k,)`` seconds of each of its dashes, summed over its dashes."""
        per_dash = np.clip(tt[:, self.row] - self.start, 0.0, legs_s)  # (K, k)
        out = np.zeros((tt.shape[1], len(tt)))
        np.add.at(out, self.row, per_dash.T)
        return out.T

    def where(self, tt: F64) -> tuple[B, F64]:
        """At the times ``tt (K, n)`` (s): whether each aircraft is on a dash's legs, and where
        (``(K, n, 3)`` ECEF m; 0 where not): out to the point at dash speed, then back."""
        K, n = tt.shape
        inside, at = np.zeros((K, n), bool), np.zeros((K, n, 3))
        t, met = tt[:, self.row], self.start + self.dash_s  # (K, k); bingo is this same sum
        # a dash home (no way back) holds its point at its end, where the way home starts
        on = (t >= self.start) & ((t < met + self.back_s) | ((self.back_s == 0.0) & (t <= met)))
        kk, e = np.nonzero(on)  # an aircraft is on one dash at a time
        if not kk.size:
            return inside, at
        s = t[kk, e] - self.start[e]  # time since the dash began
        with np.errstate(divide="ignore", invalid="ignore"):
            f_out = np.where(self.dash_s[e] > 0.0, np.clip(s / self.dash_s[e], 0.0, 1.0), 1.0)
            f_back = np.where(self.back_s[e] > 0.0,
                              np.clip((s - self.dash_s[e]) / self.back_s[e], 0.0, 1.0), 0.0)
        leg = self.point[e] - self.leave[e]
        at[kk, self.row[e]] = self.leave[e] + (f_out - f_back)[:, None] * leg
        inside[kk, self.row[e]] = True
        return inside, at


@dataclass(frozen=True)
class Sorties:
    """Every patrol aircraft's sortie, arrays ``(n,)`` (one row per aircraft).

    ``patrol`` row in the scenario's ``patrols``; ``ids`` ``PATROL.F.A`` (1-based flight and
    aircraft, :meth:`inkless.scenario.model.Patrol.aircraft_ids`); ``flight`` F - 1. Times in s:
    ``launch`` (take-off), ``on_station`` (joins the pattern), ``bingo`` (leaves it),
    ``landed``. Geometry: ``base`` and ``centre`` (lat, lon, alt: radians, m; ``(n, 3)``), the
    pattern's ``axis`` (rad), ``length`` and ``radius`` (m), ``entry`` (arc length where it
    joins, m); ``cruise`` and ``dash`` (m/s); fuel: ``fuel0`` at take-off, ``cruise_burn`` and
    ``dash_burn`` (per s), ``reserve`` (kg, or full loads when the patrol gives its endurance);
    ``dashes`` the vectors to an intercept flown (:meth:`vector`). ``bingo`` is when it turns
    for home: its fuel's bingo, or the end of the vector on which it fired its last missile.
    """

    patrol: IP
    ids: tuple[str, ...]
    flight: IP
    launch: F64
    on_station: F64
    bingo: F64
    landed: F64
    base: F64
    centre: F64
    axis: F64
    length: F64
    radius: F64
    entry: F64
    cruise: F64
    dash: F64
    fuel0: F64
    cruise_burn: F64
    dash_burn: F64
    reserve: F64
    dashes: Dashes = dataclasses.field(default_factory=Dashes.none)
    _last: dict[float, tuple[F64, B]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def plan(cls, patrols: Sequence[Patrol]) -> Sorties:
        """The sorties of ``patrols`` as scheduled (no intercepts flown); a flight's wingmen
        in trail (:data:`TRAIL_M`)."""
        rows: list[tuple[int, float, int]] = [  # each wingman TRAIL_M behind the one ahead
            (i, float(t) + k * TRAIL_M / p.cruise_speed_mps, f)
            for i, p in enumerate(patrols)
            for f, t in enumerate(_flight_launches(p))
            for k in range(p.aircraft_per_flight)
        ]
        idx = np.array([r[0] for r in rows], dtype=np.intp)
        col = {
            "base": np.array([[p.base.lat_deg * DEG, p.base.lon_deg * DEG, p.base.alt_m]
                              for p in patrols]).reshape(-1, 3),
            "centre": np.array([[p.station.centre.lat_deg * DEG, p.station.centre.lon_deg * DEG,
                                 p.station.centre.alt_m] for p in patrols]).reshape(-1, 3),
            "axis": np.array([p.station.axis_deg * DEG for p in patrols]),
            "length": np.array([p.station.length_km * KM for p in patrols]),
            "radius": np.array([p.station.radius_km * KM for p in patrols]),
            "cruise": np.array([p.cruise_speed_mps for p in patrols]),
            "dash": np.array([p.dash_speed_mps for p in patrols]),
            "on": np.array([p.on_station_s() for p in patrols]),
            "fuel": np.array([p.fuel() for p in patrols]).reshape(-1, 4),
        }
        c = {k: v[idx] for k, v in col.items()}
        base, centre = c["base"], c["centre"]
        entry, e_lat, e_lon = station_entry(centre[:, 0], centre[:, 1], c["axis"], c["length"],
                                            c["radius"], base[:, 0], base[:, 1])
        launch = np.array([r[1] for r in rows], dtype=np.float64)
        on_station = launch + surface_distance(base[:, 0], base[:, 1], e_lat, e_lon) / c["cruise"]
        bingo = on_station + c["on"]
        sorties = cls(
            patrol=idx,
            ids=tuple(aid for p in patrols for aid in p.aircraft_ids()),
            flight=np.array([r[2] for r in rows], dtype=np.intp),
            launch=launch,
            on_station=on_station,
            bingo=bingo,
            landed=bingo,  # replaced below, once the exit points are known
            base=base,
            centre=centre,
            axis=c["axis"],
            length=c["length"],
            radius=c["radius"],
            entry=entry,
            cruise=c["cruise"],
            dash=c["dash"],
            fuel0=c["fuel"][:, 0],
            cruise_burn=c["fuel"][:, 1],
            dash_burn=c["fuel"][:, 2],
            reserve=c["fuel"][:, 3],
        )
        return sorties._landing()

    def __len__(self) -> int:
        return len(self.ids)

    def _pattern(self, t: F64) -> tuple[F64, F64]:
        """Latitude and longitude (rad) on the pattern at times ``t`` (s) of each aircraft, the
        pattern's clock stopped while it was away on its dashes."""
        tt = np.broadcast_to(np.asarray(t, np.float64), np.broadcast_shapes(np.shape(t),
                                                                           (len(self),)))
        away = self.dashes.away(tt.reshape(-1, len(self))).reshape(tt.shape)
        s = self.entry + self.cruise * (tt - away - self.on_station)
        return station_point(self.centre[:, 0], self.centre[:, 1], self.axis, self.length,
                             self.radius, s)

    def _station(self, tt: F64) -> F64:
        """``(K, n, 3)``: ECEF positions (m) at times ``tt (K, n)`` (s) between joining the
        pattern and bingo: on the pattern, or on a dash's legs."""
        lat, lon = self._pattern(np.maximum(tt, self.on_station))
        pos = ecef_from_geodetic(lat, lon, self.centre[:, 2] + 0.0 * lat)
        inside, at = self.dashes.where(tt)
        out: F64 = np.where(inside[..., None], at, pos)
        return out

    @cached_property
    def _entry(self) -> tuple[F64, F64]:
        """Latitude and longitude (rad) where each aircraft joins its pattern."""
        return self._pattern(self.on_station)

    @cached_property
    def _exit(self) -> tuple[F64, F64, F64]:
        """Latitude, longitude (rad) and height (m) where each aircraft is at ``bingo``."""
        x_lat, x_lon, x_alt = geodetic_from_ecef(self._station(self.bingo[None])[0])
        return x_lat, x_lon, x_alt

    def _landing(self) -> Sorties:
        """These sorties with ``landed`` from where each aircraft is at ``bingo``: the way
        home to its base at cruise (great circle)."""
        x_lat, x_lon, _ = self._exit
        home = surface_distance(x_lat, x_lon, self.base[:, 0], self.base[:, 1])
        return dataclasses.replace(self, landed=self.bingo + home / self.cruise)

    def positions(self, t: float) -> tuple[F64, B]:
        """ECEF positions ``(n, 3)`` (m) of every aircraft at time ``t`` (s), and whether it is
        airborne (``launch <= t < landed``; on the ground it is at its base). Read-only: the
        last answer is kept, as the engine asks several times at a decision's time."""
        if float(t) not in self._last:
            pos, airborne = (a[0] for a in self.track(np.array([float(t)])))
            pos.flags.writeable = airborne.flags.writeable = False
            self._last.clear()
            self._last[float(t)] = pos, airborne
        return self._last[float(t)]

    def track(self, times: F64) -> tuple[F64, B]:
        """:meth:`positions` at every time of ``times (k,)`` (s) at once: ``(k, n, 3)`` and
        ``(k, n)``."""
        tt = np.asarray(times, dtype=np.float64)[:, None] + np.zeros(len(self))
        base, centre = self.base, self.centre
        # out: from base to the entry point, by fraction of the leg flown
        e_lat, e_lon = self._entry
        f_out = np.clip((tt - self.launch) / (self.on_station - self.launch), 0.0, 1.0)
        o_lat, o_lon = _along(base[:, 0], base[:, 1], e_lat, e_lon, f_out)
        out = ecef_from_geodetic(o_lat, o_lon, base[:, 2] + f_out * (centre[:, 2] - base[:, 2]))
        # home: from where it is at bingo (on the pattern or a dash) to the base
        x_lat, x_lon, x_alt = self._exit
        f_home = np.clip((tt - self.bingo) / (self.landed - self.bingo), 0.0, 1.0)
        h_lat, h_lon = _along(x_lat, x_lon, base[:, 0], base[:, 1], f_home)
        home = ecef_from_geodetic(h_lat, h_lon, x_alt + f_home * (base[:, 2] - x_alt))
        station = self._station(np.clip(tt, self.on_station, self.bingo))
        phase = np.select([tt < self.on_station, tt < self.bingo], [0, 1], 2)[..., None]
        # 0 out (or on the ground before), 1 on station (or a dash), 2 home (or landed)
        pos: F64 = np.where(phase == 0, out, np.where(phase == 1, station, home))
        airborne: B = (tt >= self.launch) & (tt < self.landed)
        return pos, airborne

    def vector(self, rows: IP, t: float, dash_s: F64, point: F64, home: B,
               relief_at: float | None = None, outcome: int = FIRED) -> Sorties:
        """The sorties after aircraft ``rows`` (distinct), on station, leave their pattern at
        ``t`` (s) on their vectors: ``dash_s`` (s) in a straight line at dash speed to ``point
        (k, 3)`` (ECEF m; where the missile is away), then in a straight line at cruise back
        to where they left the pattern, which they fly on from there; or home from the point
        where ``home`` (out of missiles: bingo is the end of the dash). ``outcome``
        (:data:`OUTCOMES`): ``open`` for a commitment still flown (:meth:`cut` ends it). The
        dash burns ``dash_burn - cruise_burn`` per s more than the schedule, so the fuel's
        bingo comes that fuel's worth of cruise earlier (not before ``t``; not during the
        dash, which the vector's cost allowed for:
        :func:`inkless.physics.sortie.vector_cost`); the landing follows from where it turns
        home. A station so left empty launches the patrol's next flight at ``relief_at`` (s;
        default ``t``: :meth:`_relieve`)."""
        leave = self.positions(t)[0][rows]
        back_s = np.where(home, 0.0, np.linalg.norm(point - leave, axis=-1) / self.cruise[rows])
        out = dataclasses.replace(self, dashes=self.dashes.add(rows, t, dash_s, back_s, leave,
                                                               point, outcome))
        return out._turned(rows, t, self.bingo[rows], home, relief_at)

    def cut(self, rows: IP, t: float, before: F64, home: B, outcome: int,
            relief_at: float | None = None) -> Sorties:
        """The sorties after aircraft ``rows`` (distinct) end their last (open) dash at ``t``
        (s), having fired (``outcome`` :data:`FIRED`) or broken off: the dash is cut where
        the aircraft is at ``t`` on its straight leg, the way back starts from there (none
        where ``home``: out of missiles, it turns home), and the bingo is taken again from
        ``before`` (s, each one's bingo before the dash) with the shorter dash's burn
        (:meth:`vector`)."""
        d = self.dashes
        e = d.last(rows)
        dash_s = np.clip(t - d.start[e], 0.0, d.dash_s[e])
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(d.dash_s[e] > 0.0, dash_s / d.dash_s[e], 0.0)
        point = d.leave[e] + f[:, None] * (d.point[e] - d.leave[e])
        back_s = np.where(home, 0.0, np.linalg.norm(point - d.leave[e], axis=-1)
                          / self.cruise[rows])
        cols = {k: getattr(d, k).copy() for k in ("dash_s", "back_s", "point", "outcome")}
        cols["dash_s"][e], cols["back_s"][e], cols["point"][e] = dash_s, back_s, point
        cols["outcome"][e] = outcome
        out = dataclasses.replace(self, dashes=dataclasses.replace(d, **cols))
        return out._turned(rows, t, before, home, relief_at)

    def _turned(self, rows: IP, t: float, before: F64, home: B,
                relief_at: float | None) -> Sorties:
        """These sorties, whose aircraft ``rows`` last dashes were just set at ``t`` (s), with
        their bingo from ``before`` (s) less the dash's extra burn (or the end of the dash
        where ``home``), the relief of a station so left empty and the landings
        (:meth:`vector`)."""
        d = self.dashes
        e = d.last(rows)
        end = d.start[e] + d.dash_s[e]
        extra = (self.dash_burn[rows] - self.cruise_burn[rows]) * d.dash_s[e]
        bingo = self.bingo.copy()
        bingo[rows] = np.where(home, end,
                               np.maximum(before - extra / self.cruise_burn[rows], d.start[e]))
        # a bingo that falls during a dash waits for its end
        during = (bingo[d.row] >= d.start) & (bingo[d.row] < d.start + d.dash_s)
        bingo[d.row[during]] = (d.start + d.dash_s)[during]
        out = dataclasses.replace(self, bingo=bingo)
        for p in np.unique(self.patrol[rows[home]]).tolist():
            out = out._relieve(p, t, rows[home], t if relief_at is None else relief_at)
        return out._landing()

    def _relieve(self, patrol: int, t: float, leaving: IP, at: float) -> Sorties:
        """These sorties with ``patrol``'s next flight launched at ``at`` (s) when its station
        is left empty at ``t``: aircraft ``leaving`` go home out of missiles and no other of its
        aircraft holds the station or is on its way out to it. Only that flight moves: the
        flights after it keep their scheduled launches (a gap opens when its early bingo comes
        before the next one's arrival, reported by :func:`station_coverage`), so a patrol
        emptied early does not run out of flights before its schedule ends; with no flight
        left to launch, the gap stays."""
        mine = self.patrol == patrol
        holding = mine & (self.launch <= t) & (t < self.bingo)
        holding[leaving] = False
        waiting = mine & (self.launch > at)
        if holding.any() or not waiting.any():
            return self
        nxt = self.flight[waiting][np.argmin(self.launch[waiting])]
        shift = float(self.launch[mine & (self.flight == nxt)].min()) - at
        move = mine & (self.flight == nxt)
        return dataclasses.replace(self, **{
            k: np.where(move, getattr(self, k) - shift, getattr(self, k))
            for k in ("launch", "on_station", "bingo")})

    def fuel(self, t: float) -> F64:
        """Fuel of every aircraft at time ``t`` (s) as flown: full before take-off, then burnt
        at the cruise rate until it lands, and at the dash rate on its dashes (the unit of
        ``fuel0``)."""
        aloft = np.clip(float(t), self.launch, self.landed) - self.launch
        dashing = self.dashes.dashing(np.full((1, len(self)), float(t)))[0]
        left: F64 = (self.fuel0 - self.cruise_burn * aloft
                     - (self.dash_burn - self.cruise_burn) * dashing)
        return left


@dataclass(frozen=True)
class Vectors:
    """Vectors of aircraft (rows) to targets (columns) at dash speed, arrays ``(n, m)``:
    ``t_s`` the dash until the missile is away (s), ``point (n, m, 3)`` where it is then, the
    launch point (ECEF m), ``fuel_home`` fuel left on landing after flying home from there,
    ``feasible`` the aircraft is on station and gets home with its reserve; ``lead (n, m, 3)``
    the lead intercept point (ECEF m, NaN: none) and ``heading (n, m, 3)`` the unit vector
    toward it; ``committable`` a dash is needed (``t_s > 0``) and the aircraft still gets home
    with its reserve after flying ``slack_s`` more on the same heading (:func:`vectors`)."""

    t_s: F64
    point: F64
    fuel_home: F64
    feasible: B
    lead: F64
    heading: F64
    committable: B


def vectors(sorties: Sorties, t: float, target: F64, velocity: F64, reach_m: F64,
            slack_s: float = 0.0, missile_mps: F64 | None = None) -> Vectors:
    """Every aircraft's vector at ``t`` (s) to every target at ``target (m, 3)`` (ECEF m) flying
    straight at ``velocity (m, 3)`` (m/s), its missile reaching ``reach_m (n,)`` (m): it flies
    the lead (collision course, :func:`inkless.physics.sortie.lead_intercept`) at the patrol's
    dash speed only until the lead intercept point is within its missile's reach, where it
    launches and turns back (stand off): a dash of ``max(0, T - reach / dash)`` for a lead
    time ``T`` (0 when the target is already within reach, or when the aircraft cannot catch
    it: the missile's own envelope decides), at the dash burn, then home at cruise from the
    launch point (:func:`inkless.physics.sortie.vector_cost`). Only aircraft on station may be
    vectored (not on the way out or home). With the missiles' speed ``missile_mps (n,)``
    (m/s) the dash ends instead where a missile fired then meets the target ``reach`` away
    (:func:`_launch_to_go`). ``committable``: the same with the dash ``slack_s`` (s) longer on
    the same heading (a commitment waits that long for the target to come within reach,
    :meth:`inkless.engine.patrols.Patrols.follow`)."""
    pos, _ = sorties.positions(t)
    lead_s, lead, heading = lead_intercept(pos[:, None, :], target[None, :, :],
                                           velocity[None, :, :], sorties.dash[:, None])
    to_go = ((reach_m / sorties.dash)[:, None] if missile_mps is None else _launch_to_go(
        sorties.dash, np.nan_to_num(heading), velocity, reach_m, missile_mps))
    dash_s = np.nan_to_num(np.maximum(lead_s - to_go, 0.0), nan=0.0, posinf=0.0)
    base = ecef_from_geodetic(sorties.base[:, 0], sorties.base[:, 1], sorties.base[:, 2])
    on = ((t >= sorties.on_station) & (t < sorties.bingo))[:, None]
    out = []
    for extra in (0.0, slack_s):
        s = np.where(dash_s > 0.0, dash_s + extra, 0.0)
        launch = pos[:, None, :] + (s * sorties.dash[:, None])[..., None] * np.nan_to_num(heading)
        cost = vector_cost(s, launch, sorties.fuel(t)[:, None], sorties.dash_burn[:, None],
                           base[:, None, :], sorties.cruise[:, None],
                           sorties.cruise_burn[:, None], sorties.reserve[:, None])
        out.append((launch, cost))
    (launch, cost), (_, slack) = out
    return Vectors(dash_s, launch, cost.fuel_home, cost.feasible & on, lead, heading,
                   slack.feasible & on & (dash_s > 0.0))


def _launch_to_go(dash: F64, heading: F64, velocity: F64, reach_m: F64,
                  missile_mps: F64) -> F64:
    """``(n, m)``: how long before the lead intercept (s) an aircraft flying its collision
    course at ``dash (n,)`` m/s along ``heading (n, m, 3)`` launches a missile flying
    ``missile_mps (n,)`` that meets the target (``velocity (m, 3)`` m/s, straight) at its
    reach ``reach_m (n,)`` (m).

    Closed form: both fly to the lead point P, met at the lead time; ``u`` before it the
    aircraft is at ``P - s h u`` and the target at ``P - v u``; a missile fired then flies
    ``sigma = R / m`` and meets the target at ``P - v (u - sigma)``, ``R`` from the launch
    point: ``|w u + v R / m| = R`` with ``w = s h - v``, a quadratic in ``u`` whose larger
    root is the earliest launch (the meeting is within reach between the roots). Head on
    (``v = -v_t h``) it gives ``u = R (1 + v_t / m) / (s + v_t)``."""
    w = dash[:, None, None] * heading - velocity[None, :, :]
    c = velocity[None, :, :] * (reach_m / missile_mps)[:, None, None]
    a = np.einsum("nmi,nmi->nm", w, w)
    b = 2.0 * np.einsum("nmi,nmi->nm", w, c)
    cc = np.einsum("nmi,nmi->nm", c, c) - (reach_m**2)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        u: F64 = (-b + np.sqrt(b * b - 4.0 * a * cc)) / (2.0 * a)
    return u


def _along(lat1: F64, lon1: F64, lat2: F64, lon2: F64, f: F64) -> tuple[F64, F64]:
    """The point a fraction ``f`` of the way along the great circle from point 1 to point 2."""
    d = surface_distance(lat1, lon1, lat2, lon2)
    return destination(lat1, lon1, initial_bearing(lat1, lon1, lat2, lon2), f * d)


@dataclass(frozen=True)
class Coverage:
    """How well a station is held over a window: ``covered_s`` (s with at least one aircraft on
    station), ``gaps`` ``(k, 2)`` (from, until) in s, in time order."""

    covered_s: float
    gaps: F64

    @property
    def gap_s(self) -> float:
        """Total uncovered time, s."""
        return float(np.sum(self.gaps[:, 1] - self.gaps[:, 0]))


def coverage(on: F64, off: F64, start: float, end: float) -> Coverage:
    """Coverage of the window ``[start, end]`` (s) by the union of intervals ``[on_i, off_i)``.

    Method: sort by ``on``, carry the running maximum of ``off``; a gap opens where the next
    interval starts after every earlier one has ended (a sweep over the sorted intervals)."""
    order = np.argsort(on, kind="stable")
    a = np.clip(np.asarray(on, dtype=np.float64)[order], start, end)
    b = np.clip(np.asarray(off, dtype=np.float64)[order], start, end)
    keep = b > a
    a, b = a[keep], b[keep]
    reach = np.maximum.accumulate(b) if len(b) else b
    # gap candidates: before the first interval, between, after the last
    g_from = np.concatenate([[start], reach])
    g_until = np.concatenate([a, [end]])
    open_ = g_until > g_from
    gaps = np.stack([g_from[open_], g_until[open_]], axis=-1).reshape(-1, 2)
    covered = (end - start) - float(np.sum(gaps[:, 1] - gaps[:, 0]))
    return Coverage(covered_s=covered, gaps=gaps)


def station_coverage(sorties: Sorties, patrol: int, start: float, end: float) -> Coverage:
    """Coverage of one patrol's station over ``[start, end]`` (s) by its aircraft on station:
    from joining the pattern to bingo, less the time away on each vector (from the shot until
    back on the pattern; a vector home ends its time there)."""
    d, on, off = sorties.dashes, [], []
    for a in np.flatnonzero(sorties.patrol == patrol).tolist():
        joined = float(sorties.on_station[a])
        for e in np.flatnonzero(d.row == a).tolist():  # in the order flown
            on.append(joined)
            off.append(float(d.start[e]))
            joined = float(d.start[e] + d.dash_s[e] + d.back_s[e])
        on.append(joined)
        off.append(float(sorties.bingo[a]))
    return coverage(np.array(on), np.array(off), start, end)
