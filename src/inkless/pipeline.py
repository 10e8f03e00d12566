"""One run of the defence: the loop of stages, read top to bottom.

Each tick (every ``settings.scan_period_s``):

1. engagement     - interceptors due by now are settled (kill draws: common random numbers);
2. simulation     - threats whose impact time has come land and damage what they hit;
3. simulation     - truth positions of the threats in flight (and, on the tracked picture, of
                    the civil traffic and the coalition's aircraft);
4. sensing        - on the **perfect** picture: which threats some coalition sensor covers (it
                    holds exactly those, with true positions and identities); on the **tracked**
                    picture: the scans due at this tick report (noise, misses, false alarms;
                    an airborne sensor never reports its own aircraft), each member's trackers
                    take them and the coalition picture is fused (:mod:`inkless.tracking.picture`)
                    and scored against the truth (GOSPA);
5. identification - tracked picture: every track's identity
                    (:func:`inkless.identification.identify`) from its kinematics and the
                    cooperative information received at this tick:
                    ADS-B reports of the civil traffic, IFF replies of the coalition's aircraft
                    (:mod:`inkless.simulation.adsb`) and the civil flights' filed (amended) plans,
                    under the coalition's rules of engagement (``roe``), the same for every member;
6. threat         - value at risk of each candidate (perfect: from its true impact point; tracked:
                    predicted from the track, :mod:`inkless.threat.predicted`, for the class the
                    identification declared and that class's lethality in the scenario's order of
                    battle);
7. assignment     - feasibility of every (available unit, threat) pair on the true (perfect) or
                    predicted (tracked) trajectory, the coalition's gates and a solver's assignment;
8. engagement     - interceptors fired.

The hard interlock: on the tracked picture the only candidates are the tracks declared hostile
(:func:`inkless.identification.engageable`); nothing the simulation knows about a track (the
truth object behind its detections) enters a decision. The truth is used only for scoring and
the after-action: the picture's GOSPA, the identities' correctness, the object each interceptor
was fired at (``IdentityRecord.shot_truth``: a civil or coalition aircraft, or nothing for a
false track, is counted and named by the after-action; such an interceptor finds no threat and
is ``lost``), and the counterfactual behind the leak cause "declared too late": a threat whose
track was not (yet) hostile while some unit had a feasible, available shot at it (evaluated for
its true class) gets ``BLOCKED_NOT_HOSTILE``.

Interceptors receive midcourse updates: at every tick until the intercept the aim point is the
track's predicted position at the intercept time (with the motion model of the class it was
fired at). The kill draw counts only if the true threat is within the interceptor type's seeker
basket of the aim point at the intercept time (``seeker_basket_m``, default 2 km): a poor picture
costs misses. A kill is seen (kill assessment): the killed track is not engaged again unless a
detection updates it after the kill (it then follows another object, e.g. the next missile in
trail) and it is re-examined like any other track.

Feedback (a kill removes a threat) is wired here, never by a stage importing a later one. A run
is a pure function of (scenario, seed): the generator is made here from the seed and passed down
(the tracked picture's sensor draws and its cooperative reports come from two child generators
spawned from it). Kill draws are common random numbers (:class:`inkless.engagement.KillDraws`,
drawn once after the raid): the k-th interceptor fired at a threat has the same luck in every
run of the same seed, on either picture and whatever rules apply, so counterfactual reruns
(rule costs, what-ifs, the perfect-picture comparison) differ by their cause, not by the order
in which draws were consumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from inkless.assignment import COST_EXCEEDS_VALUE, explain, may_reach, solve, within_reach
from inkless.assignment.feasibility import Feasibility, envelope_windows, feasibility
from inkless.assignment.problem import WTAProblem
from inkless.coalition import Gates, Member, PairQuery
from inkless.engagement import (
    KILL,
    LOST,
    MISS,
    PENDING,
    InFlight,
    KillDraws,
    basket_check,
    midcourse,
    resolve,
)
from inkless.errors import InputError
from inkless.identification import (
    TRUTH_CIVIL,
    TRUTH_COALITION,
    TRUTH_THREAT,
    Evidence,
    Identities,
    IdentityHistory,
    IdentityLog,
    compile_rules,
    correct_fraction,
    correct_fraction_held,
    engageable,
    identify,
)
from inkless.scenario.model import THREAT_CLASSES, Scenario
from inkless.scenario.tables import SensorTable, Tables, compile_tables
from inkless.sensing import (
    Detections,
    EnuFrame,
    clutter_density,
    coverage_grid,
    detect,
    scan_ticks,
)
from inkless.simulation import Raid, SensorPlatforms, generate_raid
from inkless.simulation.adsb import (
    AdsbReports,
    IffReplies,
    coalition_aircraft,
    simulate_adsb,
    simulate_iff,
)
from inkless.simulation.civil import CivilTraffic, civil_traffic
from inkless.threat import class_lethality, evaluate_tracks, predicted_path, value_at_risk
from inkless.tracking.picture import (
    KIND_CIVIL,
    KIND_FALSE,
    CoalitionPicture,
    CoalitionTracker,
    can_release,
    measurements,
)
from inkless.tracking.quality import PictureLog, Scored

__all__ = [
    "BLOCKED_ASSESSED_KILLED",
    "BLOCKED_CAVEAT",
    "BLOCKED_CHANNELS",
    "BLOCKED_COST",
    "BLOCKED_INACTIVE",
    "BLOCKED_NOT_HOSTILE",
    "BLOCKED_RELOAD",
    "BLOCKED_ROUNDS",
    "BLOCKED_UNASSIGNED",
    "GOSPA_C_M",
    "IN_FLIGHT",
    "KILLED",
    "LANDED",
    "NOT_LAUNCHED",
    "PICTURES",
    "Event",
    "IdentityRecord",
    "PictureRecord",
    "Reasons",
    "Record",
    "run",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
NOT_LAUNCHED, IN_FLIGHT, KILLED, LANDED = 0, 1, 2, 3
#: Why a geometrically feasible shot was not taken (bits of ``Record.blocked``).
BLOCKED_ROUNDS, BLOCKED_CHANNELS, BLOCKED_RELOAD, BLOCKED_UNASSIGNED = 1, 2, 4, 8
BLOCKED_CAVEAT, BLOCKED_INACTIVE = 16, 32
#: Tracked picture: a feasible, available shot was withheld because the track was not declared
#: hostile (yet); the after-action's leak cause "declared too late".
BLOCKED_NOT_HOSTILE = 64
#: Every available shot at it would have cost more (exchange rate x interceptor cost) than the
#: value it saves: the coalition's exchange rate chose not to spend the round.
BLOCKED_COST = 128
#: Tracked picture: a hostile track was withheld as the threat already killed on it (kill
#: assessment) while its detections came from another threat that a unit could have engaged.
BLOCKED_ASSESSED_KILLED = 256
Event = tuple[float, str, int, int]  # (time s, kind, threat row or -1, unit row or -1)
Solver = Literal["greedy", "fast", "exact"]
Picture = Literal["perfect", "tracked"]
PICTURES: tuple[str, ...] = ("perfect", "tracked")
#: GOSPA parameters of the picture quality: cut-off c (m), order p, alpha = 2.
GOSPA_C_M, GOSPA_P = 1000.0, 1.0
_BLOCK = 64  # ticks of detections simulated at once
_NEVER = np.iinfo(np.int64).max  # the first tick of a threat no unit can ever engage
_SAMPLE_S = 20.0  # the tracked picture is kept for the map every this many seconds


@dataclass
class PictureRecord:
    """What the tracked picture was over the run (for the after-action).

    ``coalition`` and ``by_member`` (member id -> log of the picture that member holds: the
    tracks releasable to it) score the picture at every tick against the objects in flight that
    the sensors feeding it cover (threats alive, civil and coalition aircraft); ``samples_*`` are
    the coalition picture's tracks every ``_SAMPLE_S`` seconds: time (s), track id, ECEF position
    (m), the kind of truth object behind the track's detections (threat class, 3 civil or
    coalition aircraft, 4 false alarm: after-action only). ``shares`` is each member's sharing
    setting; ``frame`` the common ENU frame.
    """

    coalition: PictureLog
    by_member: dict[str, PictureLog]
    samples_t: F64
    samples_id: I64
    samples_ecef: F64
    samples_kind: I64
    shares: tuple[str, ...]
    frame: EnuFrame


@dataclass
class IdentityRecord:
    """Identification over the run and what each interceptor was fired at (after-action).

    Truth objects are the rows of the tracked picture's world: the raid's threats (rows
    ``0..n-1``, as in ``raid``), then the civil traffic (:class:`CivilTraffic` rows), then the
    coalition's aircraft (:func:`inkless.simulation.adsb.coalition_aircraft` rows).
    ``truth_kind (N,)`` is TRUTH_THREAT / TRUTH_CIVIL / TRUTH_COALITION and ``truth_name`` the
    threat id, callsign or aircraft id of each; ``shot_truth (e,)`` the truth row of the object
    behind the track each interceptor was fired at (-1: a false track; on the perfect picture,
    the threat row). ``coalition`` is the coalition picture's identities at every tick (member
    0), ``held (rows,) uint64`` which members hold each of its rows (bit ``m``: member row
    ``m``, a track released to it), ``own`` the identities of the views of members that share
    nothing (member column: the member row); None on the perfect picture, where identities are
    the truth.
    """

    truth_kind: NDArray[np.int8]
    truth_name: tuple[str, ...]
    shot_truth: I64
    coalition: IdentityHistory | None = None
    held: NDArray[np.uint64] | None = None
    own: IdentityHistory | None = None

    def by_member(self, members: int) -> list[float | None]:
        """Fraction of track-time with the correct identity in each member's picture."""
        if self.coalition is None or self.held is None:
            return [None] * members
        out = correct_fraction_held(self.coalition, self.truth_kind, self.held, members)
        if self.own is not None and len(self.own):  # members sharing nothing: their views
            own = correct_fraction(self.own, self.truth_kind, members)[1]
            for m in np.unique(self.own.member).tolist():
                out[m] = own[m]
        return out


@dataclass
class Reasons:
    """Why each interceptor was fired (rows of ``InFlight``), from the assignment's explanation
    (:func:`inkless.assignment.explain`) and the pair's feasibility, in the value units of the
    scenario's assets.

    ``value_at_risk`` the threat's value at risk at the decision; ``value_saved`` the expected
    value this round saves given the other rounds at the threat; ``cost`` the exchange rate times
    the interceptor's cost; ``alternatives`` how many other available units could have fired at
    it; ``alt_unit`` the best of them (unit row, -1: none) and ``alt_value_saved`` what it would
    have saved (NaN: none); ``latest_launch_s`` the last time a shot from this unit could still
    meet the threat (s since the epoch) and ``shots_fit`` how many shoot-look-shoot cycles fit
    before then (capped at 4).
    """

    value_at_risk: F64
    value_saved: F64
    cost: F64
    alternatives: I64
    alt_unit: I64
    alt_value_saved: F64
    latest_launch_s: F64
    shots_fit: I64

    @classmethod
    def empty(cls, capacity: int) -> Reasons:
        nan, neg = np.full(capacity, np.nan), np.full(capacity, -1, np.int64)
        return cls(nan.copy(), nan.copy(), nan.copy(), neg.copy(), neg.copy(), nan.copy(),
                   nan.copy(), neg.copy())

    def take(self, n: int) -> Reasons:
        """The first ``n`` rows (the interceptors fired)."""
        return Reasons(*(getattr(self, f)[:n].copy() for f in self.__dataclass_fields__))


@dataclass
class Record:
    """Everything a run produced, for the after-action (rows index ``raid``, ``tables.units``).

    ``flight.threat`` is the threat row each interceptor was fired at, -1 when the track fired
    at had no threat behind it (tracked picture; ``identity.shot_truth`` says what it was).
    ``traffic`` is the civil traffic as flown (closures applied); ``identity`` the
    identification record.
    """

    scenario: Scenario
    tables: Tables
    raid: Raid
    seed: int
    replication: int
    flight: InFlight
    fate: I64  # NOT_LAUNCHED / IN_FLIGHT (at the end) / KILLED / LANDED per threat
    end_time: F64  # kill or impact time per threat (NaN if neither)
    detect_time: F64  # first time a coalition sensor held it (NaN: never)
    damage: F64  # value destroyed by each threat's impact
    feasible_ever: NDArray[np.bool_]  # some unit had a feasible shot at some tick
    blocked: I64  # BLOCKED_* bits: why a feasible shot was not taken at some tick
    caveat_blocks: dict[tuple[int, int], tuple[float, int]]  # (unit, threat): (first t, rule+1)
    gates: Gates
    events: list[Event] = field(default_factory=list)
    reasons: Reasons | None = None
    traffic: CivilTraffic | None = None
    identity: IdentityRecord | None = None
    t_end: float = 0.0
    picture: str = "perfect"
    # Tracked picture only: per interceptor row, the track it was fired at and the distance
    # (m) from the true threat to its aim point at the intercept (NaN: not settled that way).
    shot_track: I64 | None = None
    miss_distance: F64 | None = None
    tracked: PictureRecord | None = None


def _held_while_acting(platform: tuple[F64, F64, F64], sensors: SensorTable,
                       truth: NDArray[np.floating], truth_alt: NDArray[np.floating], cls: I64,
                       gates: Gates, dt: float) -> NDArray[np.bool_]:
    """``(ticks, n)`` the perfect picture's coverage: :func:`coverage_grid` over the sensors
    while their member's forces act (from its first time; a member whose legal basis lapses
    and resumes is masked tick by tick)."""
    stop = gates.interrupted[sensors.owner]
    held: NDArray[np.bool_] = coverage_grid(
        tuple(a[:, ~stop] for a in platform) if stop.any() else platform,  # type: ignore[arg-type]
        sensors.range[~stop], sensors.min_el[~stop], sensors.max_el[~stop], truth, truth_alt, cls,
        sensor_active_from=gates.first_active[sensors.owner[~stop]], dt=dt)
    if stop.any():
        acting = gates.acting_grid(dt * np.arange(truth.shape[0]))
        for m in np.unique(sensors.owner[stop]).tolist():
            c = np.flatnonzero(sensors.owner == m)
            held |= coverage_grid(
                (platform[0][:, c], platform[1][:, c], platform[2][:, c]), sensors.range[c],
                sensors.min_el[c], sensors.max_el[c], truth, truth_alt, cls, dt=dt,
            ) & acting[:, m, None]
    return held


def run(
    scenario: Scenario,
    seed: int,
    replication: int = 0,
    solver: Solver = "fast",
    picture: Picture = "perfect",
    gates: Gates | None = None,
) -> Record:
    """Simulate the scenario once; return the record.

    The generator is PCG64 seeded by ``SeedSequence(seed, spawn_key=(replication,))``, which is
    what ``SeedSequence(seed).spawn(R)[replication]`` gives: replication r of a Monte Carlo run
    is the same whatever R is. ``picture``: ``perfect`` (the defence holds every covered threat
    exactly) or ``tracked`` (it decides on the fused tracks; module docstring). ``gates``
    (default: no rules) says from when each member's forces act and which shots its rules allow.
    """
    if picture not in PICTURES:
        raise InputError(f"run: unknown picture {picture!r}; use one of {', '.join(PICTURES)}")
    tracked = picture == "tracked"
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication,)))
    settings = scenario.settings
    tables = compile_tables(scenario)
    gates = gates or Gates.open(len(tables.members))
    raid = generate_raid(scenario, tables, rng)
    kill_draws = KillDraws.draw(rng, len(raid) + 1)  # the last row: shots at no threat
    units, sensors = tables.units, tables.sensors
    n = len(raid)
    platforms = SensorPlatforms(sensors)
    max_shots = np.array([settings.max_shots_per_threat.get(c, 1) for c in THREAT_CLASSES])

    # Per-threat arrays hold one more row, -1 (a shot at a track with no threat behind it):
    # never alive, never landing; ``alive`` is the view of the threats' rows.
    alive_x = np.r_[np.ones(n, dtype=bool), False]
    alive = alive_x[:n]  # neither killed nor landed (maybe not launched yet)
    impact_x = np.r_[raid.impact_time, np.inf]
    fate = np.zeros(n, dtype=np.int64)
    end_time = np.full(n, np.nan)
    detect = np.full(n, np.nan)
    damage = np.zeros(n)
    feasible_ever = np.zeros(n + 1, dtype=bool)
    engaged = np.zeros(n + 1, dtype=bool)  # some interceptor was fired at it
    blocked = np.zeros(n + 1, dtype=np.int64)
    caveat_blocks: dict[tuple[int, int], tuple[float, int]] = {}
    remaining = tables.assets.value.copy()
    rounds = units.rounds.copy()
    busy = np.zeros(len(units.id), dtype=np.int64)
    ready = np.zeros(len(units.id))
    flight = InFlight(capacity=int(rounds.sum()))
    reasons = Reasons.empty(flight.capacity)
    events: list[Event] = []
    for j in np.argsort(raid.launch_time, kind="stable").tolist():
        if raid.launch_time[j] <= settings.duration_s:
            events.append((float(raid.launch_time[j]), "launch", j, -1))

    dt = settings.scan_period_s
    last_tick = int(np.floor(settings.duration_s / dt))
    ticks = min(last_tick, int(np.ceil(np.nanmax(raid.impact_time, initial=0.0) / dt))) + 1
    truth, truth_alt = raid.grid(dt, ticks)
    flyout = units.r_max / units.speed
    all_units = np.arange(len(units.id))
    traffic = civil_traffic(scenario)
    if tracked:
        sense_rng, coop_rng = rng.spawn(2)
        world = _TrackedWorld(scenario, tables, raid, traffic, platforms, gates, truth, truth_alt,
                              dt, sense_rng, coop_rng)
        held_grid = np.zeros((ticks, n), dtype=bool)
        active_lo = np.full(n, _NEVER)
        active_hi = np.full(n, -1)
    else:
        held_grid = _held_while_acting(platforms.grid(dt, ticks), sensors, truth, truth_alt,
                                       raid.cls, gates, dt)
        first, window_last = envelope_windows(units, truth, truth_alt, raid.cls)
        # a shot fired at tick k meets the threat no later than flyout seconds after k
        window_open = first - np.ceil(flyout / dt).astype(np.int64)[:, None] - 1
        # A threat can matter to a decision only between the first opening and the last
        # closing of its windows over all units; ticks when no live threat is in such a span and
        # no interceptor is due are skipped.
        has_window = window_last >= 0
        active_lo = np.where(has_window, window_open, _NEVER).min(axis=0, initial=_NEVER)
        active_hi = window_last.max(axis=0, initial=-1)

    def shootable(
        t: float, o: _Options
    ) -> tuple[Feasibility, I64, I64, NDArray[np.bool_], NDArray[np.bool_]]:
        """Feasibility of the options' pairs, the gates' codes, the units' free rounds and
        channels, and whether each unit is available (rounds, a channel, reloaded, its member
        acting)."""
        us = o.us
        fz = feasibility(units, us, o.idx, o.cls, o.pairs, t, o.times, o.ecef, o.alt,
                         detail=False)
        codes = gates.blocking(PairQuery(t, us, units.owner[us], o.cls, o.asset, fz.point))
        free = np.minimum(rounds[us], units.channels[us] - busy[us])
        active = gates.active(units.owner[us], t)
        avail = (free > 0) & (ready[us] <= t) & active
        return fz, codes, free, active, avail

    def withhold(t: float, keys: I64, o: _Options, bit: int) -> None:
        """Tracked picture, after-action only: the threats ``keys`` whose tracks the defence
        withholds (not declared hostile, or assessed killed) get ``bit`` where some available
        unit had a feasible shot that the gates allow (arguments as for :func:`decide`).
        Decides nothing."""
        fz, codes, _, _, avail = shootable(t, o)
        geo = fz.feasible
        feasible_ever[keys[geo.any(axis=0)]] = True
        ok = geo & (codes == 0) & avail[:, None]
        blocked[keys[ok.any(axis=0)]] |= bit

    def decide(t: float, keys: I64, value: F64, room: I64, o: _Options,
               track: tuple[I64, I64] | None) -> None:
        """Steps 7-8 for candidates ``keys`` (threat rows, -1 for none) with values at risk
        ``value`` and room for ``room`` more interceptors, on the options ``o``: feasibility,
        gates, availability, assignment, fire. ``track`` (tracked picture): the candidates'
        track ids and the truth object behind each (after-action only)."""
        us, cls = o.us, o.cls
        fz, codes, free, active, avail = shootable(t, o)
        geo = fz.feasible
        for uu, jj in zip(*np.nonzero(geo & (codes > 0)), strict=True):
            if keys[jj] >= 0:
                caveat_blocks.setdefault((int(us[uu]), int(keys[jj])), (t, int(codes[uu, jj])))
        feasible_ever[keys[geo.any(axis=0)]] = True
        blocked[keys[geo.any(axis=0) & ~(geo & (codes == 0)).any(axis=0)]] |= BLOCKED_CAVEAT
        geo &= codes == 0
        ok = geo & avail[:, None]
        some_geo, some_ok = geo.any(axis=0), ok.any(axis=0)
        stuck = some_geo & ~some_ok
        if stuck.any():  # every unit that could shoot fails on something: record what
            g = geo[:, stuck]
            for bit, bad in (
                (BLOCKED_ROUNDS, rounds[us] == 0),
                (BLOCKED_CHANNELS, busy[us] >= units.channels[us]),
                (BLOCKED_RELOAD, ready[us] > t),
                (BLOCKED_INACTIVE, ~active),
            ):
                blocked[keys[stuck]] |= np.where((g & bad[:, None]).any(axis=0), bit, 0)
        if not some_ok.any():
            return
        counts = np.where(units.reload[us] > 0, np.minimum(free, 1), free)
        problem = WTAProblem.make(
            values=value,
            p=np.where(ok, fz.pk, 0.0),
            counts=np.maximum(counts, 0),
            eligible=ok,
            cost=units.cost[us],
            exchange_rate=settings.exchange_rate,
            max_per_target=room,
        )
        # exact is for planning: bounded to one decision period per cycle in the loop
        x = solve(problem, solver, time_limit=dt if solver == "exact" else None).x
        why = explain(problem, x)
        left = some_ok & (x.sum(axis=0) == 0)
        blocked[keys[left & (why.reason == COST_EXCEEDS_VALUE)]] |= BLOCKED_COST
        blocked[keys[left & (why.reason != COST_EXCEEDS_VALUE)]] |= BLOCKED_UNASSIGNED
        e = np.repeat(np.arange(len(why.weapon)), why.rounds)  # engagement of each round
        wi, tj = why.weapon[e], why.target[e]
        # 8. Fire, with the reasons.
        u = us[wi]
        first_row = flight.n
        flight.fire(u, keys[tj], t, fz.t_intercept[wi, tj], fz.point[wi, tj], fz.pk[wi, tj],
                    kill_draws.take(keys[tj]))
        fired = slice(first_row, flight.n)
        best = why.best_alternative[e]
        chosen = np.zeros_like(o.pairs)
        chosen[wi, tj] = True
        late = feasibility(units, us, o.idx, cls, chosen, t, o.times, o.ecef, o.alt)
        reasons.value_at_risk[fired] = value[tj]
        reasons.value_saved[fired] = why.saved[e] / why.rounds[e]
        reasons.cost[fired] = why.cost[e] / why.rounds[e]
        reasons.alternatives[fired] = why.alternatives[e]
        reasons.alt_unit[fired] = np.where(best >= 0, us[np.maximum(best, 0)], -1)
        reasons.alt_value_saved[fired] = why.alternative_saved[e]
        reasons.latest_launch_s[fired] = late.t_latest_launch[wi, tj]
        reasons.shots_fit[fired] = late.shots_fit[wi, tj]
        engaged[keys[tj]] = True
        if track is not None:
            world.fired(slice(first_row, flight.n), track[0][tj], track[1][tj], cls[tj])
        np.add.at(rounds, u, -1)
        np.add.at(busy, u, 1)
        ready[u] = t + units.reload[u]
        for uu, jj in zip(u.tolist(), keys[tj].tolist(), strict=True):
            events.append((t, "assign", jj, uu))
            events.append((t, "fire", jj, uu))

    def on_tracks(t: float, tick: int, pic: CoalitionPicture, rows: I64, cls: I64, room: I64,
                  withheld: int = 0) -> None:
        """Steps 6-8 on the tracked picture for its rows ``rows`` taken as threats of classes
        ``cls`` with room for ``room`` more interceptors: threat evaluation on the tracks, then
        feasibility on the predicted tracks and either the assignment or, for tracks the
        defence withholds (``withheld``: the ``BLOCKED_*`` bit saying why), the after-action's
        record of shots withheld."""
        reachable = may_reach(units, world.units_enu, pic.x[rows, :3], pic.x[rows, 3:], cls,
                              flyout, dt)
        rows, cls, room = rows[reachable], cls[reachable], room[reachable]
        if not rows.size:
            return
        threat = evaluate_tracks(t, world.frame.to_ecef(pic.x[rows, :3]),
                                 pic.x[rows, 3:] @ world.frame.rot, pic.P[rows], cls,
                                 tables.assets, remaining, world.lethality,
                                 settings.engage_undefended, world.frame.rot)
        keep = np.flatnonzero(threat.value > 0)
        kinds = cls[keep]
        usable = units.pk[:, kinds] > 0
        near_u = usable.any(axis=1)
        if not (keep.size and near_u.any()):
            return
        us = all_units[near_u]
        look = int(np.ceil(min(float(flyout[us].max()), 900.0) / dt)) + 2
        times = dt * np.arange(tick, min(tick + look, ticks))
        ecef, alt = predicted_path(t, times, threat.pos[keep], threat.vel[keep],
                                   threat.ballistic[keep], threat.t_end[keep])
        pairs = usable[near_u] & within_reach(units, us, ecef)
        idx = np.flatnonzero(pairs.any(axis=0))
        if not idx.size:
            return
        sel = rows[keep[idx]]
        keys = world.threat_row(pic.obj[sel])  # bookkeeping only: -1 if not a threat
        o = _Options(us, idx, kinds[idx], threat.asset[keep[idx]], pairs[:, idx], times, ecef,
                     alt)
        if withheld:
            withhold(t, keys, o, withheld)
        else:
            decide(t, keys, threat.value[keep[idx]], room[keep[idx]], o,
                   (pic.id[sel], pic.obj[sel]))

    tick = 0
    while tick <= last_tick:
        t = tick * dt
        # 1. Interceptors due by now (tracked: only a threat inside the seeker basket can die).
        if tracked:
            basket_check(flight, t, dt, world.objects, world.shot_truth, units.basket,
                         world.miss_distance)
        for row in resolve(flight, t, alive_x, impact_x).tolist():
            shooter, j = int(flight.unit[row]), int(flight.threat[row])
            busy[shooter] -= 1
            kind = {KILL: "intercept", MISS: "miss", LOST: "lost"}[int(flight.result[row])]
            events.append((float(flight.intercept_time[row]), kind, j, shooter))
            if flight.result[row] == KILL:
                fate[j], end_time[j] = KILLED, flight.intercept_time[row]
                if tracked:
                    world.killed[int(world.shot_track[row])] = float(flight.intercept_time[row])

        # 2. Impacts.
        landing = np.flatnonzero(alive & (raid.impact_time <= t))
        for j in landing[np.argsort(raid.impact_time[landing], kind="stable")].tolist():
            a = raid.hit_asset[j]
            if a >= 0:
                damage[j] = remaining[a] * raid.lethality[j]
                remaining[a] -= damage[j]
            alive[j], fate[j], end_time[j] = False, LANDED, raid.impact_time[j]
            events.append((float(raid.impact_time[j]), "impact", j, -1))

        # 3. Skip ahead while nothing can be decided, sensed or settled.
        pending = flight.result[: flight.n] == PENDING
        active = alive & (active_lo <= tick) & (tick <= active_hi)
        if not (tracked and tick < ticks) and (not active.any() or tick >= ticks):
            # the next tick something happens: a window opens (a threat with none never opens
            # one), an interceptor is due, a threat lands
            later = np.concatenate([
                active_lo[alive & (active_lo < _NEVER)],
                np.ceil(flight.intercept_time[: flight.n][pending] / dt),
                np.ceil(raid.impact_time[alive] / dt),
            ])
            later = later[later > tick]
            if not later.size:
                break
            tick = int(later.min())
            continue

        if tracked:
            # 4. Sensing and tracking: the fused picture, scored.
            pic = world.observe(tick, t, alive)
            # 5. Identification; midcourse updates on the picture.
            ids = world.identify(pic, tick, t)
            midcourse(flight, world.shot_track, world.shot_class, t, pic.id,
                      world.frame.to_ecef(pic.x[:, :3]), pic.x[:, 3:] @ world.frame.rot)
            # 6-8. The tracks declared hostile (the interlock), then, for the after-action only,
            #      the threats' tracks not declared hostile (yet) that could have been engaged.
            cand, room = world.candidates(pic, ids, flight, max_shots)
            on_tracks(t, tick, pic, cand, ids.threat_class[cand], room)
            for bit in (BLOCKED_NOT_HOSTILE, BLOCKED_ASSESSED_KILLED):
                held, true_cls = world.withheld(pic, ids, alive & ~engaged[:n], blocked, bit)
                on_tracks(t, tick, pic, held, true_cls, np.ones_like(held), bit)
            tick += 1
            continue
        rows = np.flatnonzero(active)

        # 4. Sensing: the perfect picture holds what some sensor covers.
        held = rows[held_grid[tick, rows]]

        # 5. Threat evaluation.
        inair = np.bincount(flight.threat[: flight.n][pending], minlength=n)
        room = max_shots[raid.cls[held]] - inair[held]
        value = value_at_risk(
            raid.hit_asset[held], raid.lethality[held], remaining, settings.engage_undefended
        )
        keep = (room > 0) & (value > 0)
        cand, value, room = held[keep], value[keep], room[keep]

        # 6. Assignment: feasibility of every unit within reach, then the solver on the
        #    available ones (rounds left, a free channel, reloaded).
        if len(cand):
            reach = (window_open[:, cand] <= tick) & (tick <= window_last[:, cand])
            near_u, near_t = reach.any(axis=1), reach.any(axis=0)
            if near_t.any():
                us, cand = all_units[near_u], cand[near_t]
                value, room, pairs = value[near_t], room[near_t], reach[near_u][:, near_t]
                look = int(np.ceil(min(float(flyout[us].max()), 900.0) / dt)) + 2
                stop = min(tick + look, ticks)
                o = _Options(us, cand, raid.cls[cand], raid.hit_asset[cand], pairs,
                             dt * np.arange(tick, stop), truth[tick:stop], truth_alt[tick:stop])
                decide(t, cand, value, room, o, None)
        tick += 1

    if tracked:
        # Detection: the first tick a confirmed coalition track of the threat was held.
        detect = world.first_held
        detected = np.isfinite(detect)
    else:
        # Detection: the first tick some sensor held the threat, while it was still in flight.
        seen = held_grid.any(axis=0)
        first_held = np.where(seen, held_grid.argmax(axis=0) * dt, np.nan)
        end = np.where(np.isnan(end_time), np.inf, end_time)
        detected = seen & (first_held <= np.minimum(end, settings.duration_s))
        detect[detected] = first_held[detected]
    events += [(float(detect[j]), "detect", j, -1) for j in np.flatnonzero(detected).tolist()]
    launched = raid.launch_time <= min(tick * dt, settings.duration_s)
    fate[launched & (fate == NOT_LAUNCHED)] = IN_FLIGHT
    events.sort(key=lambda e: e[0])
    return Record(
        scenario=scenario,
        tables=tables,
        raid=raid,
        seed=seed,
        replication=replication,
        flight=flight,
        fate=fate,
        end_time=end_time,
        detect_time=detect,
        damage=damage,
        feasible_ever=feasible_ever[:n].copy(),
        blocked=blocked[:n].copy(),
        caveat_blocks=caveat_blocks,
        gates=gates,
        events=events,
        reasons=reasons.take(flight.n),
        traffic=traffic,
        identity=world.identity(flight.n) if tracked else IdentityRecord(
            np.full(n, TRUTH_THREAT, np.int8), raid.id, flight.threat[: flight.n].copy()),
        t_end=min(tick * dt, settings.duration_s),
        picture=picture,
        shot_track=world.shot_track[: flight.n].copy() if tracked else None,
        miss_distance=world.miss_distance[: flight.n].copy() if tracked else None,
        tracked=world.record() if tracked else None,
    )


@dataclass(frozen=True)
class _Options:
    """The shots a decision weighs: units ``us`` (rows) x candidates (columns ``idx`` of the
    predicted paths; threat classes ``cls``, assets at risk ``asset``), ``pairs (us, k)`` those
    worth computing; ``times`` (s) the look-ahead, ``ecef (times, paths, 3)`` m and
    ``alt (times, paths)`` m the predicted paths (NaN where not in flight)."""

    us: I64
    idx: I64
    cls: I64
    asset: I64
    pairs: NDArray[np.bool_]
    times: NDArray[np.floating]
    ecef: NDArray[np.floating]
    alt: NDArray[np.floating]


class _TrackedWorld:
    """The tracked picture's side of a run: detections, trackers, picture, scores,
    identities, shots.

    Holds the sensing, tracking and identification state between ticks; every computation is an
    array function of the modules it calls (sensing.radar, tracking.picture, identification,
    threat.predicted). The truth objects are the raid's threats, then the civil traffic, then
    the coalition's aircraft (:class:`IdentityRecord`).
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
    ) -> None:
        self.scenario, self.tables, self.raid, self.dt, self.rng = scenario, tables, raid, dt, rng
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
        self.scans = scan_ticks(sensors.scan_period, dt, ticks)
        # a member's sensors report only while its forces act (a lapsed basis stops them)
        self.active_from = gates.first_active[sensors.owner]
        self.scans &= gates.acting_grid(dt * np.arange(ticks))[:, sensors.owner]
        members = scenario.members
        self.shares = tuple(m.shares for m in members)
        coalition_members = [Member(id=m.id, role=m.role, anonymous=m.anonymous, rules=m.rules,
                                     name=m.name) for m in members]
        self.tracker = CoalitionTracker(
            self.frame, sensors.owner, sensors.range, sensors.min_el, sensors.max_el, sensors.pd,
            clutter_density(sensors), self.shares, can_release(coalition_members),
        )
        # Which objects each member's sensors cover at each tick (the truth a picture is scored
        # against): the coalition's is what the sharing members cover.
        acting = gates.acting_grid(dt * np.arange(ticks))
        self.cover = [self._coverage(np.flatnonzero(sensors.owner == m), ticks) & acting[:, m, None]
                      for m in range(len(members))]
        sharing = [m for m in range(len(members)) if self.shares[m] != "none"]
        self.coalition_cover = np.zeros((ticks, n_obj), bool)
        for m in sharing:
            self.coalition_cover |= self.cover[m]
        self.log = PictureLog(n_obj, GOSPA_C_M, GOSPA_P)
        self.member_logs = {m.id: PictureLog(n_obj, GOSPA_C_M, GOSPA_P) for m in members}
        self.first_held = np.full(n, np.nan)
        # kill assessment: track id -> time of the kill seen on it (the track is not engaged
        # again unless a detection updates it after that time: then it follows another object)
        self.killed: dict[int, float] = {}
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
        self._every = max(1, round(_SAMPLE_S / dt))

    def _coverage(self, cols: I64, ticks: int) -> NDArray[np.bool_]:
        """``(ticks, N)``: the objects the sensors ``cols`` cover at each tick; an airborne
        sensor does not cover its own aircraft."""
        n_obj = self.objects.shape[1]
        if cols.size == 0:
            return np.zeros((ticks, n_obj), bool)
        sensors = self.tables.sensors

        def grid(c: I64, objects: NDArray[np.float32], alt: NDArray[np.float32],
                 col: I64) -> NDArray[np.bool_]:
            sub = tuple(a[:, c] for a in self.platform)
            out: NDArray[np.bool_] = coverage_grid(
                (sub[0], sub[1], sub[2]), sensors.range[c], sensors.min_el[c], sensors.max_el[c],
                objects, alt, col, sensor_active_from=self.active_from[c], dt=self.dt)
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
                         (plat[0], plat[1], plat[2]), self.tables.sensors, self.active_from,
                         self.objects[k0:k1], self.objects_alt[k0:k1], self.object_col,
                         self.frame, self.rng)
            own = det.truth == self.own_object[det.sensor]
            if own.any():
                det = det.take(~own)
            z, R = measurements(det)
            kind = np.where(det.truth < 0, KIND_FALSE, self.kind_of[np.maximum(det.truth, 0)])
            self._block = (k0, (det, z, R, kind))
        return self._block[1]

    def observe(self, tick: int, t: float, alive: NDArray[np.bool_]) -> CoalitionPicture:
        """Scans due at this tick into the trackers; the picture at ``t``, scored."""
        block, z, R, kind = self._detections(tick)
        lo, hi = np.searchsorted(block.t, [t - 1e-6, t + 1e-6])
        rows = slice(int(lo), int(hi))
        det, z, R, kind = block.take(rows), z[rows], R[rows], kind[rows]
        if len(det):
            # a threat destroyed by now is no longer seen (it is alive until its kill)
            row = det.truth
            gone = (row >= 0) & (row < self.n) & ~alive[np.clip(row, 0, self.n - 1)]
            if gone.any():
                det, z, R, kind = det.take(~gone), z[~gone], R[~gone], kind[~gone]
        sensors = np.flatnonzero(self.scans[tick] & (t >= self.active_from))
        if sensors.size:
            self.tracker.scan(t, det, kind, sensors, self.platform[0][tick, sensors], z, R)
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

    def identify(self, pic: CoalitionPicture, tick: int, t: float) -> Identities:
        """Every track's identity at ``t`` (tick ``tick``) under the coalition's rules; logged
        with the truth behind each track (after-action), for the coalition picture and for the
        picture each member holds. Identification is row-wise (a track's identity depends only
        on its own row and the evidence), so a member that holds a subset of the coalition
        picture holds the same identities; a member sharing nothing identifies its own view."""
        ev = self._evidence(tick, t)
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
    def candidates(self, pic: CoalitionPicture, ids: Identities, flight: InFlight,
                   max_shots: I64) -> tuple[I64, I64]:
        """Rows of the picture that may be engaged and how many more interceptors each may get:
        declared hostile (the interlock, :func:`inkless.identification.engageable`), the track
        not seen killed, fewer interceptors in the air at it than its declared class allows."""
        ok = engageable(ids) & (ids.threat_class >= 0) & ~self.assessed_killed(pic)
        rows = np.flatnonzero(ok)
        pending = flight.result[: flight.n] == PENDING
        aimed = np.sort(self.shot_track[: flight.n][pending])
        ids_ = pic.id[rows]
        inair = np.searchsorted(aimed, ids_, "right") - np.searchsorted(aimed, ids_, "left")
        room = max_shots[ids.threat_class[rows]] - inair
        return rows[room > 0], room[room > 0]

    def assessed_killed(self, pic: CoalitionPicture) -> NDArray[np.bool_]:
        """``(len(pic),)``: the track was seen killed and no detection has updated it since
        the kill. A killed track that a later detection updates follows another object (the
        one it was fired at is gone): it is re-examined, i.e. dropped from the killed ones."""
        if not self.killed:
            return np.zeros(len(pic), bool)
        killed = np.fromiter(self.killed, np.int64)
        rows = np.flatnonzero(np.isin(pic.id, killed))
        if rows.size:
            t_kill = np.array([self.killed[int(i)] for i in pic.id[rows].tolist()])
            updated = self.tracker.last_update(pic.id[rows]) > t_kill
            for i in pic.id[rows[updated]].tolist():
                del self.killed[int(i)]
        return np.isin(pic.id, np.fromiter(self.killed, np.int64))

    def withheld(self, pic: CoalitionPicture, ids: Identities, open_: NDArray[np.bool_],
                 blocked: I64, bit: int) -> tuple[I64, I64]:
        """After-action only: rows of the picture whose truth is a threat still open (in
        flight, never engaged: ``open_``) and not yet marked ``bit`` that the defence withholds
        for that reason: ``BLOCKED_NOT_HOSTILE``, the track is not declared hostile;
        ``BLOCKED_ASSESSED_KILLED``, it is hostile but still taken for the threat killed on it.
        With the threat's true class (the counterfactual "had it been engaged")."""
        obj = pic.obj
        hostile = engageable(ids)
        why = ~hostile if bit == BLOCKED_NOT_HOSTILE else hostile & self.assessed_killed(pic)
        real = (obj >= 0) & (obj < self.n) & why
        j = np.where(real, obj, 0)
        real &= open_[j] & ((blocked[j] & bit) == 0)
        rows = np.flatnonzero(real)
        return rows, self.raid.cls[obj[rows]]

    def threat_row(self, obj: I64) -> I64:
        """The threat row of truth objects (-1 for a civil or coalition aircraft or none):
        the bookkeeping of what an interceptor was fired at."""
        out: I64 = np.where((obj >= 0) & (obj < self.n), obj, -1)
        return out

    def fired(self, rows: slice, track: I64, truth: I64, cls: I64) -> None:
        """Interceptor rows ``rows`` were fired at tracks ``track`` declared of classes ``cls``;
        ``truth`` is the object behind each track, kept for the after-action."""
        self.shot_track[rows], self.shot_truth[rows], self.shot_class[rows] = track, truth, cls

    # --- 8. engagement ---------------------------------------------------------------------
    def record(self) -> PictureRecord:
        """The picture's record for the after-action."""
        if self._samples:
            t, i, e, k = (np.concatenate(x) for x in zip(*self._samples, strict=True))
        else:
            t, i, e, k = np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0, np.int64)
        return PictureRecord(self.log, self.member_logs, t, i, e, k, self.shares, self.frame)

    def identity(self, fired: int) -> IdentityRecord:
        """Identification's record for the after-action (``fired`` interceptors)."""
        held = np.concatenate(self._release) if self._release else np.zeros(0, np.uint64)
        return IdentityRecord(self.truth_kind, self.truth_name, self.shot_truth[:fired].copy(),
                              self.id_log.history(), held, self.member_id_log.history())
