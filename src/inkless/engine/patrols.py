"""Fighter patrols flown in a run: each aircraft is a fire unit row that moves.

Where it sits: the engine's (:class:`inkless.engine.Engine`). The scenario's tables end with one
fire unit row per patrol aircraft (:func:`inkless.scenario.tables.compile_tables`, in the order
of :meth:`inkless.simulation.patrol.Sorties.plan`). Each decision cycle, :meth:`Patrols.fly`
puts those rows where the schedule has the aircraft at the decision time (ECEF m), in the
engine's own copy of the unit table (the record's tables keep them at their bases), and the
picture follows (:meth:`inkless.engine.picture.Picture.fly`); feasibility and the reach
screen then read the positions at the decision time. An aircraft may be assigned only while
on station (``on_station <= t < bingo``); out of missiles it has no free round and is never
assigned again.

A shot sends its aircraft along the lead-intercept course at dash speed only until its missile
is away (:meth:`Patrols.reach`: until the lead point is within its missile's reach, and only
within its fuel, home with the reserve), then back at cruise to where it left its pattern
(:meth:`inkless.simulation.patrol.Sorties.vector`); it never flies onto its target. It is
unavailable meanwhile, its fuel is burnt at the dash rate on the dash (bingo earlier) and, out
of missiles, it goes home from its launch point. The missile flies from where the aircraft is
at the decision time (docs/patrols.md): the decision fires only at a target already within the
missile's envelope, so the dash is mostly none (stand off). A patrol's radar rides on each of its
aircraft
(:meth:`Patrols.radars`: an airborne sensor on the sortie's route as scheduled, for the tables;
the tracked picture's world flies it with its aircraft as flown). Every aircraft, with or without
a radar, is a coalition aircraft of the tracked picture's world while airborne, where its sortie
as flown has it (:meth:`inkless.engine.tracked.TrackedPicture.fly`), answering IFF as a friend.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from inkless.arrays import F64, I64, B
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario.model import Scenario
from inkless.scenario.tables import FireUnitTable, SensorTable, Tables, class_ranges
from inkless.simulation.patrol import Sorties, Vectors, vectors
from inkless.units import DEG

from .state import Options

__all__ = ["Patrols"]


@dataclass
class Patrols:
    """The sorties of a run's patrols (``sorties``: as flown so far, bingo and landing moved
    by the dashes), the unit rows of their aircraft (``rows``), per unit row whether it may be
    assigned by its schedule at the last :meth:`fly` (``on (units,)``; fixed units always),
    their missiles' reach (``reach (aircraft,)``, m), until when each dash's missile flies
    (``engaged (dashes,)``, s: its intercept time) and the vectors of the last :meth:`reach`."""

    sorties: Sorties
    rows: I64
    on: B
    reach_m: F64
    engaged: F64 = dataclasses.field(default_factory=lambda: np.zeros(0))
    vectors: Vectors | None = None

    @classmethod
    def of(cls, scenario: Scenario, units: FireUnitTable) -> Patrols | None:
        """The run's patrols, their aircraft the last rows of ``units`` (None: no patrols)."""
        if not scenario.patrols:
            return None
        sorties = Sorties.plan(scenario.patrols)
        n = len(units.id)
        rows = np.arange(n - len(sorties), n)
        return cls(sorties, rows, np.ones(n, bool), units.r_max[rows].astype(np.float64))

    def radars(self, scenario: Scenario, tables: Tables, step_s: float = 5.0) -> Tables:
        """``tables`` with one airborne sensor (``PATROL.F.A.radar``) per aircraft of a patrol
        that carries a ``radar``, flying the aircraft's sortie as scheduled: a route of its
        positions every ``step_s`` seconds from take-off to landing at cruise speed (a route
        is flown at constant speed, as the sortie is; its chords are a little shorter than the
        sortie's path, so the route runs slightly ahead: measured on the 10 km orbit at 200 m/s
        of tests/interop/patrols.py, 211 m on joining, 294 m 1000 s later). Airborne sensors
        are coalition aircraft (:func:`inkless.simulation.adsb.coalition_aircraft`): it answers
        IFF as a friend."""
        s, members = self.sorties, {m: i for i, m in enumerate(tables.members)}
        rows = [a for a in range(len(s)) if scenario.patrols[s.patrol[a]].radar is not None]
        if not rows:
            return tables
        grid = np.arange(s.launch[rows].min(), s.landed[rows].max() + step_s, step_s)
        at, _ = s.track(grid)  # (times, aircraft, 3)
        ends, _ = s.track(np.r_[s.launch[rows], s.landed[rows]])  # take-offs, then landings
        routes = []
        for i, a in enumerate(rows):
            keep = (grid > s.launch[a]) & (grid < s.landed[a])
            ecef = np.r_[ends[i, a][None], at[keep, a], ends[len(rows) + i, a][None]]
            lat, lon, alt = geodetic_from_ecef(ecef)
            routes.append((lat, lon, alt, float(s.cruise[a]), float(s.launch[a])))
        radar = [scenario.patrols[s.patrol[a]].radar for a in rows]
        owner = [members[scenario.patrols[s.patrol[a]].owner] for a in rows]
        old, k = tables.sensors, len(rows)
        new = SensorTable(
            id=(*old.id, *(f"{s.ids[a]}.radar" for a in rows)),
            owner=np.r_[old.owner, owner].astype(np.int64),
            kind=(*old.kind, *("airborne",) * k),
            ecef=np.r_[old.ecef, np.full((k, 3), np.nan)],
            route=(*old.route, *routes),
            range=np.r_[old.range, [class_ranges(r) for r in radar if r is not None]],
            min_el=np.r_[old.min_el, np.full(k, -np.pi / 2)],
            max_el=np.r_[old.max_el, np.full(k, np.pi / 2)],
            scan_period=np.r_[old.scan_period, [r.scan_period_s for r in radar if r]],
            sigma_range=np.r_[old.sigma_range, [r.sigma_range_m for r in radar if r]],
            sigma_az=np.r_[old.sigma_az, [r.sigma_azimuth_deg * DEG for r in radar if r]],
            sigma_el=np.r_[old.sigma_el, [r.sigma_elevation_deg * DEG for r in radar if r]],
            pd=np.r_[old.pd, [r.pd for r in radar if r]],
            false_alarms=np.r_[old.false_alarms, np.zeros(k)],
        )
        return dataclasses.replace(tables, sensors=new)

    @staticmethod
    def radar_positions(sorties: Sorties, sensor_ids: tuple[str, ...], times: F64,
                        pos: F64) -> F64:
        """``pos (k, s, 3)`` (ECEF m, the sensors at ``times (k,)`` s, e.g. from their routes)
        with the columns of the patrols' radars (``PATROL.F.A.radar``, :meth:`radars`) where
        their aircraft's ``sorties`` as flown have them (vectors included; at the base on the
        ground): the route :meth:`radars` adds is the schedule, flown at cruise."""
        col = {sid: i for i, sid in enumerate(sensor_ids)}
        a = [k for k, aid in enumerate(sorties.ids) if f"{aid}.radar" in col]
        if not a:
            return pos
        out = np.array(pos, dtype=np.float64)
        at, _ = sorties.track(np.asarray(times, np.float64))
        out[:, [col[f"{sorties.ids[k]}.radar"] for k in a]] = at[:, a]
        return out

    @staticmethod
    def moving(units: FireUnitTable) -> FireUnitTable:
        """A copy of ``units`` whose positions :meth:`fly` may change."""
        return dataclasses.replace(units, ecef=units.ecef.copy())

    def fly(self, t: float, units: FireUnitTable) -> None:
        """Put the aircraft where their schedule has them at ``t`` (s), in ``units.ecef`` (the
        engine's moving copy; the picture follows, :meth:`inkless.engine.picture.Picture.fly`);
        note which are on station."""
        s = self.sorties
        units.ecef[self.rows] = s.positions(t)[0]
        self.on[self.rows] = (s.on_station <= t) & (t < s.bingo)

    def reach(self, t: float, us: I64, o: Options, dt: float) -> B:
        """``(us, k)``: whether each unit may take each candidate of ``o`` at ``t`` (s) as far
        as its fuel goes: a patrol aircraft only if its vector at dash speed (toward the lead
        intercept until the lead point is within its missile's reach,
        :func:`inkless.simulation.patrol.vectors`, the candidate flying straight at the
        velocity of its predicted path over the first decision period ``dt``) brings it home
        with its reserve; other units always. Keeps the vectors for :meth:`shot`."""
        out = np.ones((len(us), len(o.idx)), bool)
        mine = np.flatnonzero(us >= self.rows[0])
        if mine.size and len(o.idx):
            q = np.asarray(o.ecef[0][o.idx], np.float64)
            v = (np.asarray(o.ecef[1][o.idx], np.float64) - q) / dt if len(o.ecef) > 1 else (
                np.zeros_like(q))
            self.vectors = vectors(self.sorties, t, q, v, self.reach_m)
            out[mine] = self.vectors.feasible[us[mine] - self.rows[0]]
        return out

    def allow(self, t: float, us: I64, o: Options, point: F64, units: FireUnitTable,
              dt: float) -> tuple[B, B]:
        """What the patrols allow units ``us`` at ``t`` (s), in the decision and in the
        withheld-shot counterfactual alike: ``(us,)`` whether each may act (a patrol aircraft
        only on station at the last :meth:`fly`) and ``(us, k)`` which candidates of ``o`` it
        may take (a patrol aircraft only within its fuel, :meth:`reach` with the decision
        period ``dt`` s; no battery into a fighter's sector, :meth:`hold`, ``point (us, k, 3)``
        the intercept points, ECEF m)."""
        return self.on[us], self.reach(t, us, o, dt) & ~self.hold(t, us, point, units)

    def hold(self, t: float, us: I64, point: F64, units: FireUnitTable) -> B:
        """``(us, k)``: the pairs of units ``us`` and candidates whose intercept ``point (us, k,
        3)`` (ECEF m) a surface unit must not take at ``t`` (s) because a coalition fighter is
        engaging there: the point lies within the reach (``units.r_max``) of a patrol aircraft
        that is engaging (from its shot until its missile's intercept, or the end of its dash
        if later), from where it is. Batteries hold fire on that sector while it engages; the
        aircraft themselves are not held (one target, one shooter keeps them apart)."""
        out = np.zeros(point.shape[:2], bool)
        d = self.sorties.dashes
        until = np.maximum(d.start + d.dash_s, self.engaged)
        engaging = np.unique(d.row[(d.start <= t) & (t < until)])
        surface = us < self.rows[0]
        if not (engaging.size and surface.any()):
            return out
        at = self.sorties.positions(t)[0][engaging]  # (e, 3)
        reach = units.r_max[self.rows[engaging]]
        gap = np.linalg.norm(point[surface][:, :, None, :] - at, axis=-1)  # (s, k, e)
        out[surface] = (gap < reach).any(axis=-1)
        return out

    def shot(self, t: float, u: I64, col: I64, rounds: I64, ready: F64, meets: F64,
             dt: float) -> None:
        """Units ``u`` fired at candidates ``col`` of the last :meth:`reach` at ``t`` (s), their
        missiles meeting their targets at ``meets`` (s): each patrol aircraft among them flies
        its vector at dash speed until its missile is away and back to where it left the
        pattern at cruise (:meth:`Sorties.vector`; unavailable until it is back: ``ready``),
        its bingo comes earlier by the dash's extra burn, and out of missiles (``rounds``) it
        goes home from its launch point; it engages until its missile's intercept. A station
        so left empty launches its patrol's next flight at the next decision (``t + dt``)."""
        sel, vec = u >= self.rows[0], self.vectors
        if vec is None or not sel.any():
            return
        a, first = np.unique(u[sel] - self.rows[0], return_index=True)  # one channel each
        j = col[sel][first]
        dash_s = vec.t_s[a, j]
        self.sorties = s = self.sorties.vector(a, t, dash_s, vec.point[a, j],
                                               rounds[a + self.rows[0]] == 0, t + dt)
        self.engaged = np.r_[self.engaged, meets[sel][first]]
        np.maximum.at(ready, a + self.rows[0], t + dash_s + s.dashes.back_s[-len(a):])
