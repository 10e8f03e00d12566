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

A vector is a commitment (:meth:`Patrols.follow`, after each decision): a free aircraft on
station may be committed to a threat that no unit is shooting at and that it must fly out to
(its dash of :func:`inkless.simulation.patrol.vectors` is positive and within its fuel), one
target, one shooter. It then flies the lead-intercept course at dash speed
(:meth:`inkless.simulation.patrol.Sorties.vector`, an open dash), takes no other target, and
the normal decision fires it when its target comes within its missile's envelope from where it
is (:meth:`Patrols.committed`); the dash ends there (:meth:`Patrols.shot`,
:meth:`~inkless.simulation.patrol.Sorties.cut`) and the missile flies from that point. It
breaks off when the target is lost or another unit engages it, or when it has flown its
planned dash and :data:`_SLACK` cycles more. Either way it flies back at cruise to where it
left its pattern (or home out of missiles), unavailable meanwhile, its fuel burnt at the dash
rate on the dash (bingo earlier). A shot at a target already within reach is fired from the
pattern (a dash of 0). On the tracked picture a commitment is made only to a track that the
reach screen puts before the decision: an aircraft's reach there is its missile's and its
patrol's commit range (:meth:`Patrols.screen_reach`).

A patrol's radar rides on each of its aircraft (:meth:`Patrols.radars`: an airborne sensor on
the sortie's route as scheduled, for the tables; the tracked picture's world flies it with its
aircraft as flown). Every aircraft, with or without a radar, is a coalition aircraft of the
tracked picture's world while airborne, where its sortie as flown has it
(:meth:`inkless.engine.tracked.TrackedPicture.fly`), answering IFF as a friend.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from inkless.arrays import F64, I64, IP, B
from inkless.coalition import Gates, PairQuery
from inkless.engagement import PENDING
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario.model import Scenario
from inkless.scenario.tables import FireUnitTable, SensorTable, Tables, class_ranges
from inkless.simulation.patrol import BROKE_OFF, FIRED, OPEN, Sorties, Vectors, vectors
from inkless.units import DEG, KM

from .state import Candidates, DefenceState, Options

__all__ = ["Patrols"]

_SLACK = 2
"""Decision periods a committed aircraft flies on past its planned dash, waiting for its
target to come within its missile's reach, before it breaks off (the lead is planned on the
target's velocity at the commitment; a turn or a slower fuse shifts the moment by a cycle or
two)."""

_MISSED = 2
"""Decision periods a committed aircraft's target may be missing from the decisions before the
aircraft breaks off (a track may drop out of the candidates for a cycle or two: its value at
risk or its room flickers)."""


@dataclass
class Patrols:
    """The sorties of a run's patrols (``sorties``: as flown so far, bingo and landing moved
    by the dashes), the unit rows of their aircraft (``rows``), per unit row whether it may be
    assigned by its schedule at the last :meth:`fly` (``on (units,)``; fixed units always),
    their missiles' reach (``reach_m (aircraft,)``, m) and speed (``missile_mps``, m/s), the
    decision period ``dt`` (s), until when each dash's missile flies (``engaged (dashes,)``,
    s: its intercept time; 0 before it fires), the vectors of the last :meth:`reach` (at
    ``_at``, s), and per aircraft the candidate id it is committed to (``target``, -1: none)
    its bingo before that commitment (``before``, s) and when its target was last among the
    decision's candidates (``seen``, s); per aircraft its patrol's commit range
    (``commit_m``, m: the longest dash it is committed to; inf: fuel alone limits it)."""

    sorties: Sorties
    rows: I64
    on: B
    reach_m: F64
    missile_mps: F64
    dt: float
    commit_m: F64 = dataclasses.field(default_factory=lambda: np.zeros(0))
    engaged: F64 = dataclasses.field(default_factory=lambda: np.zeros(0))
    vectors: Vectors | None = None
    target: I64 = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    before: F64 = dataclasses.field(default_factory=lambda: np.zeros(0))
    seen: F64 = dataclasses.field(default_factory=lambda: np.zeros(0))
    _at: float = np.nan

    @classmethod
    def of(cls, scenario: Scenario, units: FireUnitTable) -> Patrols | None:
        """The run's patrols, their aircraft the last rows of ``units`` (None: no patrols)."""
        if not scenario.patrols:
            return None
        sorties = Sorties.plan(scenario.patrols)
        n, k = len(units.id), len(sorties)
        rows = np.arange(n - k, n)
        return cls(sorties, rows, np.ones(n, bool), units.r_max[rows].astype(np.float64),
                   units.speed[rows].astype(np.float64), scenario.settings.scan_period_s,
                   target=np.full(k, -1, np.int64), before=np.full(k, np.nan),
                   seen=np.full(k, np.nan), commit_m=_commit_m(scenario, sorties))

    @staticmethod
    def screen_reach(scenario: Scenario, units: FireUnitTable) -> F64:
        """Per unit row, how far from it a threat may be and still matter to a decision (m,
        for the tracked picture's reach screens, :class:`inkless.engine.screen.Screen`): its
        missile's ``r_max``; for a patrol aircraft (the last rows, :meth:`of`) that plus its
        patrol's commit range, the longest vector it may fly out to fire (inf without one:
        its fuel alone bounds a vector)."""
        reach = units.r_max.astype(np.float64)
        if scenario.patrols:
            extra = _commit_m(scenario, Sorties.plan(scenario.patrols))
            reach[len(reach) - len(extra):] += extra
        return reach

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

    def reach(self, t: float, us: I64, o: Options) -> B:
        """``(us, k)``: whether each unit may take each candidate of ``o`` at ``t`` (s) as far
        as its fuel goes: a patrol aircraft only if its vector at dash speed (toward the lead
        intercept until the lead point is within its missile's reach,
        :func:`inkless.simulation.patrol.vectors`, the candidate flying straight at the
        velocity of its predicted path over the first decision period) brings it home
        with its reserve; other units always. Keeps the vectors for :meth:`follow` (the dash
        to the launch point from which the missile meets the target at its reach,
        :data:`_SLACK` periods more for a commitment's fuel)."""
        out = np.ones((len(us), len(o.idx)), bool)
        mine = np.flatnonzero(us >= self.rows[0])
        if mine.size and len(o.idx):
            q = np.asarray(o.ecef[0][o.idx], np.float64)
            v = (np.asarray(o.ecef[1][o.idx], np.float64) - q) / self.dt if len(o.ecef) > 1 else (
                np.zeros_like(q))
            self.vectors = vectors(self.sorties, t, q, v, self.reach_m, _SLACK * self.dt,
                                   self.missile_mps)
            self._at = t
            out[mine] = self.vectors.feasible[us[mine] - self.rows[0]]
        return out

    def allow(self, t: float, us: I64, o: Options, point: F64,
              commit: tuple[I64, B] | None = None) -> tuple[B, B]:
        """What the patrols allow units ``us`` at ``t`` (s), in the decision and in the
        withheld-shot counterfactual alike: ``(us,)`` whether each may act (a patrol aircraft
        only on station at the last :meth:`fly`) and ``(us, k)`` which candidates of ``o`` it
        may take (a patrol aircraft only within its fuel, :meth:`reach`; no battery into a
        fighter's sector, :meth:`hold`, ``point (us, k, 3)``
        the intercept points, ECEF m). With ``commit``, the decision's candidate ids
        (:attr:`Candidates.ids`) and ``(us, k)`` which shots are feasible and allowed by the
        rules, the commitments too (:meth:`committed`; not in the counterfactual)."""
        fits = self.reach(t, us, o) & ~self.hold(t, us, point)
        if commit is not None:
            fits &= self.committed(us, *commit)
        return self.on[us], fits

    def committed(self, us: I64, ids: I64, can: B) -> B:
        """``(us, k)``: the pairs the commitments allow (:meth:`follow`): an aircraft committed
        to a target takes only that target (candidate ``ids``), and no other unit takes it while
        the aircraft can (``can (us, k)``: the target is within its missile's envelope from
        where it is now and the rules allow the shot): it flew out for that shot."""
        out = np.ones(can.shape, bool)
        mine = np.flatnonzero(us >= self.rows[0])
        target = self.target[us[mine] - self.rows[0]]
        for i, a in zip(mine[target >= 0].tolist(), target[target >= 0].tolist(), strict=True):
            out[i] = ids == a
            col = np.flatnonzero(ids == a)
            if col.size and can[i, col[0]]:
                out[:, col[0]] = False
                out[i, col[0]] = True
        return out

    def hold(self, t: float, us: I64, point: F64) -> B:
        """``(us, k)``: the pairs of units ``us`` and candidates whose intercept ``point (us, k,
        3)`` (ECEF m) a surface unit must not take at ``t`` (s) because a coalition fighter is
        engaging there: the point lies within the missile reach of a patrol aircraft
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
        out[surface] = self._in_reach(t, point[surface], engaging).any(axis=-1)
        return out

    def clash(self, t: float, us: I64, point: F64, x: I64) -> I64:
        """The assignment ``x (us, k)`` (rounds) at ``t`` (s) without the surface units' shots
        whose intercept ``point (us, k, 3)`` (ECEF m) lies within the missile reach of a patrol
        aircraft assigned in it: :meth:`hold` for the fighters that fire in this very cycle
        (the hold starts with the next)."""
        fighters = (us >= self.rows[0]) & (x.sum(axis=1) > 0)
        surface = (us < self.rows[0]) & (x.sum(axis=1) > 0)
        if not (fighters.any() and surface.any()):
            return x
        near = self._in_reach(t, point[surface], us[fighters] - self.rows[0]).any(axis=-1)
        out = x.copy()
        out[surface] = np.where(near, 0, x[surface])
        return out

    def shot(self, t: float, u: I64, col: I64, rounds: I64, ready: F64, meets: F64) -> None:
        """Units ``u`` fired at candidates ``col`` at ``t`` (s), their missiles meeting their
        targets at ``meets`` (s). A patrol aircraft among them committed to its target
        (:meth:`follow`) ends its dash here (:meth:`Sorties.cut`): it fired from where it is;
        any other fired from its pattern (a dash of 0). Then it flies back to where it left
        the pattern at cruise (unavailable until it is back: ``ready``), its bingo comes
        earlier by the dash's extra burn, and out of missiles (``rounds``) it goes home from
        its launch point; it engages until its missile's intercept. A station so left empty
        launches its patrol's next flight at the next decision."""
        sel = u >= self.rows[0]
        if not sel.any():
            return
        a, first = np.unique(u[sel] - self.rows[0], return_index=True)  # one channel each
        home, meet = rounds[a + self.rows[0]] == 0, meets[sel][first]
        was = self.target[a] >= 0
        if was.any():
            self.sorties = self.sorties.cut(a[was], t, self.before[a[was]], home[was], FIRED,
                                            t + self.dt)
            self.engaged[self.sorties.dashes.last(a[was])] = meet[was]
            self.target[a[was]] = -1
        new = a[~was]
        if new.size:
            at = self.sorties.positions(t)[0][new]
            self.sorties = self.sorties.vector(new, t, np.zeros(len(new)), at, home[~was],
                                               t + self.dt)
            self.engaged = np.r_[self.engaged, meet[~was]]
        d = self.sorties.dashes
        e = d.last(a)
        np.maximum.at(ready, a + self.rows[0], d.start[e] + d.dash_s[e] + d.back_s[e])

    def follow(self, t: float, c: Candidates | None, units: FireUnitTable, gates: Gates,
               defence: DefenceState, aimed: I64) -> None:
        """The commitments after the decision at ``t`` (s) on candidates ``c`` (None: the
        picture put none before it): each aircraft committed to a target breaks off
        (:meth:`_break_off`), then free aircraft are committed to targets they must fly out
        to (:meth:`_commit`). ``aimed`` (interceptor rows, as ``defence.flight``): the
        candidate id each interceptor was fired at."""
        f = defence.flight
        busy = aimed[: f.n][f.result[: f.n] == PENDING]
        ids = c.ids if c is not None else np.zeros(0, np.int64)
        self._break_off(t, ids, busy, defence.ready)
        if c is not None and self.vectors is not None and self._at == t:
            self._commit(t, c, busy, units, gates, defence)

    def _break_off(self, t: float, ids: I64, busy: I64, ready: F64) -> None:
        """Committed aircraft break off at ``t`` (s) when their target has not been among the
        candidates ``ids`` for more than :data:`_MISSED` decision periods (killed, landed, out
        of the picture or of value; a track may miss a cycle or two), another unit has
        an interceptor in the air at it (``busy``: the ids aimed at), or the next decision
        would come after the end of their whole dash, the planned one and :data:`_SLACK`
        decision periods more (``too late``): the dash is cut
        there (:meth:`Sorties.cut`, its outcome says why) and they fly back to where they left
        the pattern at cruise, unavailable until back (``ready``). Fuel needs no check on the
        way: the commitment was made only if the whole dash gets the aircraft home with its
        reserve (:attr:`Vectors.committable`)."""
        a = np.flatnonzero(self.target >= 0)
        if not a.size:
            return
        d = self.sorties.dashes
        e = d.last(a)
        there = np.isin(self.target[a], ids)
        self.seen[a[there]] = t
        why = np.select([t - self.seen[a] > _MISSED * self.dt, np.isin(self.target[a], busy),
                         t + self.dt > d.start[e] + d.dash_s[e]], list(BROKE_OFF), OPEN)
        for code in np.unique(why[why != OPEN]).tolist():
            rows = a[why == code]
            self.sorties = self.sorties.cut(rows, t, self.before[rows],
                                            np.zeros(len(rows), bool), code)
            self.target[rows] = -1
            d = self.sorties.dashes
            e = d.last(rows)
            np.maximum.at(ready, rows + self.rows[0], t + d.back_s[e])

    def _commit(self, t: float, c: Candidates, busy: I64, units: FireUnitTable, gates: Gates,
                defence: DefenceState) -> None:
        """Free aircraft committed at ``t`` (s) to candidates ``c`` that they must fly out to.

        An aircraft is free when it is on station, not committed, with a round, a channel and
        its member's forces acting, and no surface unit fired this cycle into its sector (the
        :meth:`hold` the other way round: the hold starts with the next cycle, so a battery
        may have fired just now within its missile's reach). A candidate may be taken when no
        unit has an interceptor in the air at it (``busy``: this cycle's shots included, so a
        threat a battery engages now is none) and fewer aircraft are committed to it than its
        room (the doctrine's ``max_shots_per_threat`` less the interceptors in the air: one
        target, one shooter by default, of any nation). A pair needs a dash
        (:attr:`Vectors.t_s` > 0) no longer than the patrol's commit range (``commit_m``: dash
        speed x dash time), fuel for it and :data:`_SLACK` periods more
        (:attr:`Vectors.committable`), a kill probability and the member's rules' leave at
        the lead intercept point.

        Greedy (:func:`_greedy`): candidates by value at risk, highest first, each to the free
        aircraft with the shortest dash. Not the WTA: a commitment is not yet a shot (the
        decision weighs its kill probability and cost at the fire time); what counts now is
        that the most valuable threats get an aircraft and that it spends the least time and
        fuel off station. Not optimal in general (a short dash taken for one threat may leave
        another unreachable), but over a handful of aircraft and targets a cycle it is
        cheap and easy to follow in the after-action. A committed aircraft flies the lead at
        dash speed (:meth:`Sorties.vector`, an open dash ``_SLACK`` periods longer than
        planned, cut when it fires or breaks off)."""
        vec, rows = self.vectors, self.rows
        assert vec is not None
        ids, o = c.ids, c.options
        free = ((self.target < 0) & self.on[rows] & (defence.rounds[rows] > 0)
                & (defence.busy[rows] < units.channels[rows]) & (defence.ready[rows] <= t)
                & gates.active(units.owner[rows], t) & ~self._near_shots(t, defence))
        room = c.room - (ids[:, None] == self.target[None, :]).sum(axis=1)
        ok = (vec.committable & free[:, None] & ~np.isin(ids, busy)[None, :]
              & (room > 0)[None, :] & (units.pk[rows][:, o.cls] > 0)
              & (vec.t_s * self.sorties.dash[:, None] <= self.commit_m[:, None]))
        if not ok.any():
            return
        ok &= gates.blocking(PairQuery(t, rows, units.owner[rows], o.cls, o.asset,
                                       vec.lead)) == 0
        a, j = _greedy(ok, c.value, vec.t_s, room)
        if not a.size:
            return
        dash_s = vec.t_s[a, j] + _SLACK * self.dt
        point = vec.point[a, j] + (_SLACK * self.dt * self.sorties.dash[a])[:, None] * (
            vec.heading[a, j])
        self.before[a] = self.sorties.bingo[a]
        self.sorties = self.sorties.vector(a, t, dash_s, point, np.zeros(len(a), np.bool_),
                                           outcome=OPEN)
        self.engaged = np.r_[self.engaged, np.zeros(len(a))]
        self.target[a] = ids[j]
        self.seen[a] = t

    def _near_shots(self, t: float, defence: DefenceState) -> B:
        """``(aircraft,)``: a surface unit's interceptor fired at ``t`` (s) meets its target
        within the aircraft's missile reach of where the aircraft is."""
        f = defence.flight
        now = np.flatnonzero((f.fire_time[: f.n] == t) & (f.unit[: f.n] < self.rows[0]))
        if not now.size:
            return np.zeros(len(self.rows), bool)
        return np.asarray(self._in_reach(t, f.point[now], np.arange(len(self.rows))).any(axis=0))

    def _in_reach(self, t: float, point: F64, a: IP) -> B:
        """``(..., len(a))``: whether each ``point (..., 3)`` (ECEF m) lies within the missile
        reach of each of aircraft ``a`` from where it is at ``t`` (s): the sector a fighter
        engages, which :meth:`hold`, :meth:`clash` and :meth:`_commit` keep batteries and
        fighters apart by."""
        at = self.sorties.positions(t)[0][a]  # (a, 3)
        gap = np.linalg.norm(point[..., None, :] - at, axis=-1)
        return np.asarray(gap < self.reach_m[a])


def _greedy(ok: B, value: F64, t_s: F64, room: I64) -> tuple[IP, IP]:
    """The pairs (aircraft, candidate) of ``ok (n, k)`` taken greedily: candidates by
    ``value (k,)``, highest first, each taking up to ``room (k,)`` aircraft, each time the one
    with the shortest dash ``t_s (n, k)`` (s) not yet taken."""
    ok, room, pick = ok.copy(), room.copy(), []
    for j in np.argsort(-value, kind="stable").tolist():
        while room[j] > 0 and ok[:, j].any():
            a = int(np.argmin(np.where(ok[:, j], t_s[:, j], np.inf)))
            pick.append((a, j))
            ok[a] = False
            room[j] -= 1
    out = np.array(pick, np.intp).reshape(-1, 2)
    return out[:, 0], out[:, 1]


def _commit_m(scenario: Scenario, sorties: Sorties) -> F64:
    """Per aircraft of ``sorties``, its patrol's commit range (m; inf without one)."""
    return np.array([scenario.patrols[p].commit_range_km or np.inf
                     for p in sorties.patrol.tolist()], np.float64) * KM
