"""The engine: one decision cycle after another, on any picture.

Each cycle (every ``settings.scan_period_s``), :meth:`Engine.step` takes what came in from
outside (:class:`inkless.engine.inputs.Inputs`) and returns what it decided
(:class:`inkless.engine.inputs.Decisions`):

0. take     - letters and grants (the gates change at once), declined orders withdrawn (their
              pairs barred), units' outcomes (instead of the kill draws), reports to a fed
              picture;
1. settle   - interceptors due by now (the picture's seeker check first; kill draws are common
              random numbers, :class:`inkless.engagement.KillDraws`);
2. land     - threats whose impact time has come land and damage what they hit;
3. skip     - if the picture is idle (nothing can be observed or decided), jump to the next
              tick when something happens: a window opens, an interceptor is due, a threat
              lands;
4. observe  - the picture's candidates (:class:`inkless.engine.picture.Picture`): sensing,
              tracking, identification and threat evaluation live behind it;
5. decide   - per candidate set: feasibility of the shots, the coalition's gates, the units'
              availability, the solver's assignment;
6. fire     - interceptors launched, with why each was fired; each is a fire order of the
              step's decisions;
7. notify   - the observers (:class:`inkless.engine.observer.Observer`) are told what the
              picture saw and the state the cycle left; the after-action's recorder
              (:class:`inkless.engine.recorder.Recorder`, on the tracked picture) scores the
              picture and logs identities there, off the decision path. The counterfactual of
              the shots withheld runs once, after the run (:mod:`inkless.engine.withheld`).

Feedback (a kill removes a threat) is wired here, never by a stage importing a later one. A run
is a pure function of (scenario, seed): the generator is made here from the seed and passed
down (the tracked picture's sensor draws and its cooperative reports come from two child
generators spawned from it). Kill draws are common random numbers: the k-th interceptor fired
at a threat has the same luck in every run of the same seed, on either picture and whatever
rules apply, so counterfactual reruns differ by their cause, not by the order of the draws.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
from collections.abc import Callable, Collection, Sequence

import numpy as np

from inkless.arrays import I64, B
from inkless.assignment import COST_EXCEEDS_VALUE, Explanation, explain, solve
from inkless.assignment.feasibility import Feasibility, feasibility
from inkless.assignment.problem import WTAProblem
from inkless.coalition import CaveatMask, Gates
from inkless.engagement import KILL, LOST, MISS, PENDING, InFlight, KillDraws, resolve
from inkless.errors import InputError
from inkless.scenario.model import THREAT_CLASSES, Scenario
from inkless.scenario.tables import compile_tables
from inkless.simulation import SensorPlatforms, generate_raid
from inkless.simulation.civil import civil_traffic

from .inputs import Authority, Decisions, Decline, Inputs, Order, Outcome
from .observer import Observer
from .patrols import Patrols
from .perfect import PerfectPicture
from .picture import Picture
from .record import (
    BLOCKED_CAVEAT,
    BLOCKED_CHANNELS,
    BLOCKED_COST,
    BLOCKED_INACTIVE,
    BLOCKED_RELOAD,
    BLOCKED_ROUNDS,
    BLOCKED_UNASSIGNED,
    IN_FLIGHT,
    KILLED,
    NOT_LAUNCHED,
    PICTURES,
    PictureName,
    Record,
    Solver,
)
from .recorder import Recorder
from .screen import allowed, availability
from .state import DECLINED, NEVER, Candidates, DefenceState, Notes, ThreatState
from .tracked import FedPicture, TrackedPicture
from .withheld import withheld_shots

__all__ = ["Engine", "run"]

_RESULT_EVENT = {KILL: "intercept", MISS: "miss", LOST: "lost"}


class Engine:
    """One run of the defence on a scenario (module docstring). ``picture``: ``perfect`` (the
    defence holds every covered threat exactly) or ``tracked`` (it decides on the fused,
    identified tracks); ``gates`` (default: no rules) say when each member's forces act and
    which shots its rules allow. ``fed``: the tracked picture takes the reports given to
    :meth:`step` (:class:`inkless.engine.tracked.FedPicture`) instead of simulating sensors.
    ``authority`` (instead of ``gates``): what the gates are built from, so that letters and
    grants given to :meth:`step` change them. ``record``: keep the after-action's record of a
    tracked picture (:class:`inkless.engine.recorder.Recorder`; without it the record has no
    picture scores, identity histories, detection times, who held what or withheld-shot
    causes, and a cycle costs only its decisions). ``observers``: more observers to notify
    after each cycle.

    The generator is PCG64 seeded by ``SeedSequence(seed, spawn_key=(replication,))``, which is
    what ``SeedSequence(seed).spawn(R)[replication]`` gives: replication r of a Monte Carlo run
    is the same whatever R is.
    """

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0,
                 solver: Solver = "fast", picture: PictureName = "perfect",
                 gates: Gates | None = None, fed: bool = False,
                 authority: Authority | None = None, record: bool = True,
                 observers: Sequence[Observer] = ()) -> None:
        if picture not in PICTURES:
            raise InputError(
                f"run: unknown picture {picture!r}; use one of {', '.join(PICTURES)}")
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication,)))
        self.scenario, self.seed, self.replication = scenario, seed, replication
        self.solver, self.picture_name = solver, picture
        self.settings = s = scenario.settings
        self.tables = tables = compile_tables(scenario)
        self.authority = authority
        #: the gates of the members' bases and rules; ``gates``: with the absent members masked
        self.bases = gates or (authority.gates() if authority else Gates.open(len(tables.members)))
        self.gates, self._absent = self.bases, frozenset[int]()
        self.raid = raid = generate_raid(scenario, tables, rng)
        self.kill_draws = KillDraws.draw(rng, len(raid) + 1)  # the last row: shots at no threat
        self.patrols = Patrols.of(scenario, tables.units)
        if self.patrols is not None:  # their radars ride on the aircraft
            self.tables = tables = self.patrols.radars(scenario, tables)
        # the engine's units: the patrol aircraft's rows move (the record's tables do not)
        self.units = units = Patrols.moving(tables.units) if self.patrols else tables.units
        flown = dataclasses.replace(tables, units=units)
        n = len(raid)
        self.threats = ThreatState.start(raid, tables.assets.value)
        self.defence = DefenceState.start(units, n)
        self.notes = Notes.start(n, self.defence.flight.capacity)
        #: ``(units, n + 1)`` the (unit, threat) pairs in ``notes.caveat_blocks`` (the last
        #: column, no threat, counts as noted: such a pair is never noted)
        self.caveat_noted = np.zeros((len(units.id), n + 1), bool)
        self.caveat_noted[:, n] = True
        # what each interceptor was fired at (track id, or threat row on the perfect picture)
        # and the units each target's declined orders came from (never proposed again)
        self.target = np.full(self.defence.flight.capacity, -1, np.int64)
        self.declined: dict[int, set[int]] = {}
        for j in np.argsort(raid.launch_time, kind="stable").tolist():
            if raid.launch_time[j] <= s.duration_s:
                self.notes.events.append((float(raid.launch_time[j]), "launch", j, -1))
        self.dt = dt = s.scan_period_s
        self.last_tick = int(np.floor(s.duration_s / dt))
        ticks = min(self.last_tick, int(np.ceil(np.nanmax(raid.impact_time, initial=0.0) / dt))) + 1
        truth, truth_alt = raid.grid(dt, ticks)
        flyout = units.r_max / units.speed
        max_shots = np.array([s.max_shots_per_threat.get(c, 1) for c in THREAT_CLASSES])
        platforms = SensorPlatforms(tables.sensors)
        self.traffic = civil_traffic(scenario)
        self.picture: Picture
        self.recorder: Recorder | None = None
        if picture == "tracked":
            sense_rng, coop_rng = rng.spawn(2)
            kind = FedPicture if fed else TrackedPicture
            self.picture = tp = kind(scenario, flown, raid, self.traffic, platforms, self.gates,
                                     truth, truth_alt, dt, sense_rng, coop_rng, flyout, max_shots)
            self.recorder = Recorder(tp, self.gates) if record else None
        else:
            self.picture = PerfectPicture(flown, raid, platforms, self.gates, truth, truth_alt,
                                          dt, flyout, max_shots, s.engage_undefended,
                                          self.patrols.rows if self.patrols else None)
        self.observers: tuple[Observer, ...] = (*filter(None, [self.recorder]), *observers)

    def run(self, inputs: Callable[[int, float], Inputs | None] | None = None) -> Record:
        """Every decision cycle from the epoch to the end (or until nothing is left to
        happen), each stepped with ``inputs(tick, t)`` if given (what came in from outside
        then: a recorded feed); the record."""
        tick = 0
        while tick <= self.last_tick:
            nxt = self.step(tick, inputs and inputs(tick, tick * self.dt)).next_tick
            if nxt is None:
                break
            tick = nxt
        return self.record(tick)

    def step(self, tick: int, inputs: Inputs | None = None) -> Decisions:
        """One decision cycle at tick ``tick`` (module docstring) with what came in from
        outside since the last (:class:`Inputs`); what it decided (:class:`Decisions`: the fire
        orders and the next tick to step)."""
        t, first = tick * self.dt, self.defence.flight.n
        withdrawn, refused = self.take(t, inputs) if inputs is not None else ((), ())
        self.settle(t)
        self.threats.land(self.raid, t, self.notes.events)
        if self.patrols is not None:
            self.patrols.fly(t, self.units)
            self.picture.fly(tick, self.patrols)
        seen, cands = None, None
        if self.picture.idle(tick, self.threats):
            decisions = Decisions(tick, t, self.next_tick(tick), (), withdrawn, refused)
        else:
            for c in self.picture.observe(tick, t, self.threats, self.defence):
                self.decide(t, c)
                cands = c
            decisions = Decisions(tick, t, tick + 1, self.orders(first), withdrawn, refused)
            seen = self.picture.seen
        if self.patrols is not None:  # fighters fly out to threats beyond their reach
            self.patrols.follow(t, cands, self.units, self.gates, self.defence, self.target)
        for o in self.observers:
            o.cycle(seen, self.threats, self.defence)
        return decisions

    # --- 0. inputs --------------------------------------------------------------------------
    def take(self, t: float, inputs: Inputs) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """Apply what came in at ``t`` (s), before the cycle: letters and grants (the gates
        change at once), declined orders withdrawn, units' outcomes, reports to the fed picture,
        cooperative evidence to the tracked or fed picture. Returns the ids of the orders
        withdrawn and one line per input refused."""
        if inputs.letters or inputs.grants:
            if self.authority is None:
                raise InputError("step: letters or grants given to an engine built without an "
                                 "Authority; pass Engine(..., authority=Authority.of(scenario))")
            self.authority = self.authority.amend(inputs.letters, inputs.grants)
            self.bases = self.authority.gates()
            self.absent(self._absent)
            self.picture.regate(self.bases)
            for o in self.observers:
                o.regate(self.bases)
        withdrawn, refused = self.withdraw(inputs.declined)
        refused += self.report(t, inputs.outcomes)
        if inputs.reports is not None:
            if not isinstance(self.picture, FedPicture):
                raise InputError("step: reports given to an engine whose picture is not fed")
            self.picture.push(inputs.reports)
        if inputs.evidence is not None:
            if not isinstance(self.picture, TrackedPicture):
                raise InputError("step: evidence given to an engine whose picture identifies "
                                 "nothing (perfect); build it with picture='tracked'")
            self.picture.hear(t, inputs.evidence)
        return withdrawn, tuple(refused)

    def absent(self, members: Collection[int]) -> None:
        """From now on (until the next call), the forces of ``members`` (rows) do not act,
        whatever their bases (a live member whose node is not connected); the others act as
        their bases say. Decisions only: the sensors and the observers keep the bases' gates
        (an absent member's node sends no plots)."""
        self._absent = frozenset(members)
        self.gates = dataclasses.replace(self.bases, member_acts=tuple(
            () if m in self._absent else iv for m, iv in enumerate(self.bases.member_acts))
        ) if self._absent else self.bases

    def _pending(self, order: int, what: str) -> str | None:
        """Why ``order`` cannot take ``what`` (None: it is an interceptor in the air)."""
        f = self.defence.flight
        if not 0 <= order < f.n:
            return f"{what} for order {order}: no such order ({f.n} given, ids from 0)"
        if f.result[order] != PENDING:
            return f"{what} for order {order}: already settled; ignored"
        return None

    def withdraw(self, declined: tuple[Decline, ...]) -> tuple[tuple[int, ...], list[str]]:
        """Declined orders: their interceptors withdrawn, their (unit, target) pairs barred."""
        done, refused = [], []
        for d in declined:
            why = self._pending(d.order, "decline")
            if why is not None:
                refused.append(why)
                continue
            self.defence.withdraw(self.units, d.order)
            u, j = int(self.defence.flight.unit[d.order]), int(self.defence.flight.threat[d.order])
            self.declined.setdefault(int(self.target[d.order]), set()).add(u)
            t = float(self.defence.flight.fire_time[d.order])
            for kind in ("assign", "fire"):
                self.notes.events.remove((t, kind, j, u))
            done.append(d.order)
        return tuple(done), refused

    def report(self, t: float, outcomes: tuple[Outcome, ...]) -> list[str]:
        """Units' outcomes at ``t`` (s): a kill or a miss settles its interceptor now (or at
        its intercept time if earlier) with that result instead of the kill draw; rounds left
        replace the unit's count."""
        f, refused = self.defence.flight, []
        for o in outcomes:
            why = self._pending(o.order, o.result)
            if why is not None and o.result != "fired":
                refused.append(why)
                continue
            if o.rounds_left is not None and 0 <= o.order < f.n:
                self.defence.rounds[f.unit[o.order]] = o.rounds_left
            if o.result != "fired":
                f.draw[o.order] = -np.inf if o.result == "kill" else np.inf
                f.intercept_time[o.order] = min(float(f.intercept_time[o.order]), t)
        return refused

    # --- 1. settle --------------------------------------------------------------------------
    def settle(self, t: float) -> None:
        """Interceptors due by ``t`` (s): the picture's seeker check, the kill draws, the
        channels freed, kills seen (kill assessment)."""
        flight, threats = self.defence.flight, self.threats
        self.picture.check(flight, t, threats.alive)
        for row in resolve(flight, t, threats.alive_x, threats.impact_x).tolist():
            shooter, j = int(flight.unit[row]), int(flight.threat[row])
            self.defence.busy[shooter] -= 1
            result = int(flight.result[row])
            self.notes.events.append((float(flight.intercept_time[row]), _RESULT_EVENT[result],
                                      j, shooter))
            if result == KILL:
                threats.fate[j], threats.end_time[j] = KILLED, flight.intercept_time[row]
                self.picture.killed(row, float(flight.intercept_time[row]))

    # --- 3. skip ----------------------------------------------------------------------------
    def next_tick(self, tick: int) -> int | None:
        """The next tick something happens after ``tick``: a window opens (a threat with none
        never opens one), an interceptor is due, a threat lands; None if nothing will."""
        flight, alive, lo = self.defence.flight, self.threats.alive, self.picture.active_lo
        pending = flight.result[: flight.n] == PENDING
        later = np.concatenate([
            lo[alive & (lo < NEVER)],
            np.ceil(flight.intercept_time[: flight.n][pending] / self.dt),
            np.ceil(self.raid.impact_time[alive] / self.dt),
        ])
        later = later[later > tick]
        return int(later.min()) if later.size else None

    # --- 5. decide --------------------------------------------------------------------------
    def decide(self, t: float, c: Candidates) -> None:
        """Feasibility, gates, availability, assignment; then fire (with why), noting for the
        after-action why a feasible shot was not taken."""
        o, keys, units, d, notes = c.options, c.keys, self.units, self.defence, self.notes
        us = o.us
        free, active, avail = availability(units, self.gates, d.rounds, d.busy, d.ready, t, us)
        if self.patrols is None:  # (an aircraft's availability changes below)
            skip = self.noted(t, c, active)
            if not (o.pairs & ~skip).any():  # nothing to decide, nothing new to note
                return
            fz, codes = self.allowed_unskipped(t, c, skip)
        else:
            fz, codes = allowed(units, self.gates, t, o)
        geo = fz.feasible
        new = geo & (codes > 0) & ~self.caveat_noted[us][:, keys]
        for uu, jj in zip(*np.nonzero(new), strict=True):
            notes.caveat_blocks[int(us[uu]), int(keys[jj])] = (t, int(codes[uu, jj]))
            self.caveat_noted[us[uu], keys[jj]] = True
        some_feasible = geo.any(axis=0)
        notes.feasible_ever[keys[some_feasible]] = True
        geo &= codes == 0
        some_geo = geo.any(axis=0)
        notes.blocked[keys[some_feasible & ~some_geo]] |= BLOCKED_CAVEAT
        if self.patrols is not None:  # off station, beyond its fuel, into a fighter's sector
            on, fits = self.patrols.allow(t, us, o, fz.point, (c.ids, geo))
            active = active & on
            avail = avail & active
            geo &= fits
            some_geo = geo.any(axis=0)
        ok = geo & avail[:, None]
        if self.declined:
            ok &= ~self.barred(us, c)
        some_ok = ok.any(axis=0)
        stuck = some_geo & ~some_ok
        if stuck.any():  # every unit that could shoot fails on something: record what
            g = geo[:, stuck]
            for bit, bad in (
                (BLOCKED_ROUNDS, d.rounds[us] == 0),
                (BLOCKED_CHANNELS, d.busy[us] >= units.channels[us]),
                (BLOCKED_RELOAD, d.ready[us] > t),
                (BLOCKED_INACTIVE, ~active),
            ):
                notes.blocked[keys[stuck]] |= np.where((g & bad[:, None]).any(axis=0), bit, 0)
        if not some_ok.any():
            return
        counts = np.where(units.reload[us] > 0, np.minimum(free, 1), free)
        problem = WTAProblem.make(values=c.value, p=np.where(ok, fz.pk, 0.0),
                                  counts=np.maximum(counts, 0), eligible=ok, cost=units.cost[us],
                                  exchange_rate=self.settings.exchange_rate,
                                  max_per_target=c.room)
        # exact is for planning: bounded to one decision period per cycle in the loop
        x = solve(problem, self.solver, time_limit=self.dt if self.solver == "exact" else None).x
        if self.patrols is not None:  # no battery into the sector of a fighter firing now
            x = self.patrols.clash(t, us, fz.point, x)
        why = explain(problem, x)
        left = some_ok & (x.sum(axis=0) == 0)
        notes.blocked[keys[left & (why.reason == COST_EXCEEDS_VALUE)]] |= BLOCKED_COST
        notes.blocked[keys[left & (why.reason != COST_EXCEEDS_VALUE)]] |= BLOCKED_UNASSIGNED
        u, tj = self.fire(t, c, fz, why)
        if self.patrols is not None:
            self.patrols.shot(t, u, tj, d.rounds, d.ready,
                              d.flight.intercept_time[d.flight.n - len(u): d.flight.n])

    def noted(self, t: float, c: Candidates, active: B) -> B:
        """``(us, k)``: the pairs whose shot now cannot change this cycle, which
        :meth:`decide` need not compute (most pairs of a long raid: units out of rounds with
        threats in range). Such a unit cannot shoot now (short of a round or a channel,
        reloading, or its member not acting: ``active``), so its pair can only add notes, and
        the notes already hold them: the reasons the unit cannot shoot are among the
        candidate's blocked reasons (set only with a feasible shot: ``feasible_ever`` is set
        too), and no caveat can be noted anew: no rule can block the shot now (none of its
        member's rules applies to the threat, or, on the perfect picture, its area rule allows
        every point where the shot may meet the threat: :meth:`area_clear`), or the candidate
        is already blocked by a caveat and the pair's first caveat block already noted. A
        skipped shot that no rule blocks may still keep its candidate from being blocked by a
        caveat: :meth:`allowed_unskipped` computes it where that matters. Whether no rule can
        block a shot is asked only when it could spare the whole cycle: where some pair is
        computed anyway, the pairs it would clear are computed with it (computing a pair the
        notes hold changes nothing, as skipping it does not; only fewer calls save time)."""
        us, keys, d, units, notes = c.options.us, c.keys, self.defence, self.units, self.notes
        bits = (np.where(d.rounds[us] == 0, BLOCKED_ROUNDS, 0)
                | np.where(d.busy[us] >= units.channels[us], BLOCKED_CHANNELS, 0)
                | np.where(d.ready[us] > t, BLOCKED_RELOAD, 0)
                | np.where(active, 0, BLOCKED_INACTIVE))[:, None]
        held = notes.blocked[keys]
        out: B = (bits != 0) & (held & bits == bits) & c.options.pairs
        if self.gates.allow is None or not out.any():
            return out
        sure = (held & BLOCKED_CAVEAT != 0) & self.caveat_noted[us][:, keys]
        if (c.options.pairs & ~out).any():  # computed anyway: the doubtful pairs with them
            return out & sure
        doubt = out & ~sure  # skipped only if no rule can block them now
        if doubt.any():
            o = c.options
            rows, cols = np.flatnonzero(doubt.any(axis=1)), np.flatnonzero(doubt.any(axis=0))
            sub = np.ix_(rows, cols)
            out[sub] &= sure[sub] | self.gates.never_blocked(
                units.owner[us[rows]], o.cls[cols], o.asset[cols], self.area_clear(t, c, cols))
        return out

    def area_clear(self, t: float, c: Candidates, cols: I64) -> B | None:
        """``(members, cols)`` on the perfect picture, whether each member's area rule allows
        a shot now wherever on its look-ahead it may meet each candidate of the columns
        ``cols`` (:meth:`PerfectPicture.area_clear`); None on the other pictures (their
        predicted paths change every cycle) and beyond 62 regions."""
        mask = self.gates.allow
        if not (isinstance(self.picture, PerfectPicture) and isinstance(mask, CaveatMask)
                and mask.area_ok.shape[1] <= 62):
            return None
        return self.picture.area_clear(mask, t, c.options, cols)

    def allowed_unskipped(self, t: float, c: Candidates, skip: B) -> tuple[Feasibility, I64]:
        """The feasibility and the gates' codes (:func:`allowed`) of the options' pairs but
        ``skip`` (:meth:`noted`), as if every pair were computed for the notes: a skipped pair
        that no rule can block (not yet blocked by a caveat) would, were it feasible, keep its
        candidate from being blocked by a caveat, so where the computed pairs say it is (a
        feasible shot, none allowed) the skipped pairs of that candidate are computed too."""
        o, keys = c.options, c.keys
        fz, codes = allowed(self.units, self.gates, t, o, o.pairs & ~skip)
        geo = fz.feasible
        doubt = (geo.any(axis=0) & ~(geo & (codes == 0)).any(axis=0) & (skip & o.pairs).any(axis=0)
                 & (self.notes.blocked[keys] & BLOCKED_CAVEAT == 0))
        if not doubt.any():
            return fz, codes
        more = skip & o.pairs & doubt[None, :]
        fz2, codes2 = allowed(self.units, self.gates, t, o, more)
        fz = dataclasses.replace(fz, t_intercept=np.where(more, fz2.t_intercept, fz.t_intercept),
                                 point=np.where(more[..., None], fz2.point, fz.point))
        return fz, np.where(more, codes2, codes)

    def barred(self, us: I64, c: Candidates) -> B:
        """``(us, k)``: the pairs of units ``us`` and candidates ``c`` whose order was declined
        (never proposed again)."""
        targets = c.track[0] if c.track is not None else c.keys
        out = np.zeros((len(us), len(targets)), bool)
        for k, j in enumerate(targets.tolist()):
            if j in self.declined:
                out[:, k] = np.isin(us, list(self.declined[j]))
        return out

    # --- 6. fire ----------------------------------------------------------------------------
    def fire(self, t: float, c: Candidates, fz: Feasibility,
             why: Explanation) -> tuple[I64, I64]:
        """Launch the rounds of the explained assignment ``why``, with the reasons; the unit
        and the candidate column of each round."""
        o, keys, flight, notes = c.options, c.keys, self.defence.flight, self.notes
        us = o.us
        e = np.repeat(np.arange(len(why.weapon)), why.rounds)  # engagement of each round
        wi, tj = why.weapon[e], why.target[e]
        u = us[wi]
        first_row = flight.n
        flight.fire(u, keys[tj], t, fz.t_intercept[wi, tj], fz.point[wi, tj], fz.pk[wi, tj],
                    self.kill_draws.take(keys[tj]))
        fired = slice(first_row, flight.n)
        self.target[fired] = c.track[0][tj] if c.track is not None else keys[tj]
        best = why.best_alternative[e]
        chosen = np.zeros_like(o.pairs)
        chosen[wi, tj] = True
        late = feasibility(self.units, us, o.idx, o.cls, chosen, t, o.times, o.ecef, o.alt)
        r = notes.reasons
        r.value_at_risk[fired] = c.value[tj]
        r.value_saved[fired] = why.saved[e] / why.rounds[e]
        r.cost[fired] = why.cost[e] / why.rounds[e]
        r.alternatives[fired] = why.alternatives[e]
        r.alt_unit[fired] = np.where(best >= 0, us[np.maximum(best, 0)], -1)
        r.alt_value_saved[fired] = why.alternative_saved[e]
        r.latest_launch_s[fired] = late.t_latest_launch[wi, tj]
        r.shots_fit[fired] = late.shots_fit[wi, tj]
        self.defence.engaged[keys[tj]] = True
        if c.track is not None:
            self.picture.fired(fired, c, tj)
        self.defence.launch(self.units, u, t)
        for uu, jj in zip(u.tolist(), keys[tj].tolist(), strict=True):
            notes.events.append((t, "assign", jj, uu))
            notes.events.append((t, "fire", jj, uu))
        return u, tj

    def orders(self, first: int) -> tuple[Order, ...]:
        """The fire orders of the interceptors fired from row ``first`` on."""
        f, units, members = self.defence.flight, self.units, self.tables.members
        out = []
        for r in range(first, f.n):
            u = int(f.unit[r])
            m = int(units.owner[u])
            p = f.point[r]
            out.append(Order(r, u, units.id[u], m, members[m], int(self.target[r]),
                             int(f.threat[r]), float(f.fire_time[r]),
                             float(f.intercept_time[r]), (float(p[0]), float(p[1]), float(p[2])),
                             float(f.pk[r])))
        return tuple(out)

    # --- the record -------------------------------------------------------------------------
    def record(self, tick: int) -> Record:
        """The run's record for the after-action, the run having stopped at ``tick``."""
        raid, s, flight, notes, threats = (self.raid, self.settings, self.defence.flight,
                                           self.notes, self.threats)
        n, rec = len(raid), self.recorder
        detect = (rec.first_held if rec is not None
                  else self.picture.detections(threats.end_time, s.duration_s))
        held = (rec or self.picture).held_by_members(threats.end_time, s.duration_s)
        detected = np.isfinite(detect)
        notes.events += [(float(detect[j]), "detect", j, -1)
                         for j in np.flatnonzero(detected).tolist()]
        launched = raid.launch_time <= min(tick * self.dt, s.duration_s)
        threats.fate[launched & (threats.fate == NOT_LAUNCHED)] = IN_FLIGHT
        notes.events.sort(key=lambda e: e[0])
        blocked, feasible = notes.blocked.copy(), notes.feasible_ever.copy()
        if rec is not None:  # the counterfactual of the shots withheld, after the run
            withheld_shots(rec.withheld, rec.picture.screen, self.units, blocked, feasible,
                           self.patrols)
        identity = self.picture.identity(flight)
        tracked = self.picture if isinstance(self.picture, TrackedPicture) else None
        return _launched(Record(
            scenario=self.scenario, tables=self.tables, raid=raid, seed=self.seed,
            replication=self.replication, flight=flight, fate=threats.fate,
            end_time=threats.end_time, detect_time=detect, damage=threats.damage,
            feasible_ever=feasible[:n], blocked=blocked[:n],
            caveat_blocks=notes.caveat_blocks, gates=self.gates, events=notes.events,
            reasons=notes.reasons.take(flight.n), traffic=self.traffic,
            identity=rec.identity(identity) if rec is not None else identity, held=held,
            t_end=min(tick * self.dt, s.duration_s),
            picture=self.picture_name,
            shot_track=tracked.shot_track[: flight.n].copy() if tracked else None,
            miss_distance=tracked.miss_distance[: flight.n].copy() if tracked else None,
            tracked=rec.record() if rec is not None else None,
            patrols=self.patrols.sorties if self.patrols is not None else None,
        ))


def _launched(rec: Record) -> Record:
    """The record without the interceptors whose orders were declined (never launched)."""
    f = rec.flight
    keep = f.result[: f.n] != DECLINED
    if keep.all():
        return rec
    rows = np.flatnonzero(keep)
    flight = InFlight(capacity=len(rows), n=len(rows))
    for name in ("unit", "threat", "fire_time", "intercept_time", "point", "pk", "draw",
                 "result"):
        getattr(flight, name)[:] = getattr(f, name)[rows]
    return dataclasses.replace(
        rec, flight=flight, reasons=rec.reasons.take(f.n).rows(rows),
        identity=dataclasses.replace(rec.identity, shot_truth=rec.identity.shot_truth[rows]),
        shot_track=None if rec.shot_track is None else rec.shot_track[rows],
        miss_distance=None if rec.miss_distance is None else rec.miss_distance[rows])


def run(scenario: Scenario, seed: int, replication: int = 0, solver: Solver = "fast",
        picture: PictureName = "perfect", gates: Gates | None = None,
        record: bool = True) -> Record:
    """Simulate the scenario once (:class:`Engine`; ``record=False``: without the
    after-action's recorder); return the record. The engine's memory, freed, is given back to
    the system before the after-action (:func:`_give_back_freed`)."""
    out = Engine(scenario, seed, replication, solver, picture, gates, record=record).run()
    _give_back_freed()
    return out


def _give_back_freed() -> None:
    """Return the heap pages freed to the system (glibc's ``malloc_trim``; elsewhere nothing).

    A run frees many arrays of a few MB per cycle; glibc keeps the freed heap (RSS 314 -> 227
    MB by the trim after a tracked April run) and the after-action's large arrays, mapped
    apart, do not reuse it: without this the peak memory of ``inkless run`` is that much
    higher. The trim takes ~0.5 ms. No ``gc.collect``: the engine is freed by reference
    counting (a collection then finds 9 objects and gives back nothing more) and it took ~50
    ms, as long as half a perfect basics run (0.07-0.14 s), in every Monte Carlo replication."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)

