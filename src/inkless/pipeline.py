"""One run of the defence: the loop of stages, read top to bottom.

Each tick (every ``settings.scan_period_s``):

1. engagement  - interceptors due by now are settled (kill draws from the run's generator);
2. simulation  - threats whose impact time has come land and damage what they hit;
3. simulation  - truth positions of the threats in flight;
4. sensing     - on the **perfect** picture: which threats some coalition sensor covers (it
                 holds exactly those, with true positions and identities); on the **tracked**
                 picture: the scans due at this tick report (noise, misses, false alarms), each
                 member's trackers take them and the coalition picture is fused
                 (:mod:`inkless.tracking.picture`) and scored against the truth (GOSPA);
5. threat      - value at risk of each held threat (perfect: from its true impact point; tracked:
                 predicted from the track, :mod:`inkless.threat.predicted`);
6. assignment  - feasibility of every (available unit, threat) pair on the true (perfect) or
                 predicted (tracked) trajectory, the coalition's gates and a solver's assignment;
7. engagement  - interceptors fired.

On the tracked picture the candidates are the confirmed coalition tracks whose identity is a
threat class. Identification is not built yet: the identity STAND-IN is the class of the truth
objects that produced most of the track's detections (civil and false-alarm tracks are never
candidates); the identification stage will replace it. Interceptors receive midcourse updates:
at every tick until the intercept the aim point is the track's predicted position at the
intercept time. The kill draw counts only if the true threat is within the interceptor type's
seeker basket of the aim point at the intercept time (``seeker_basket_m``, default 2 km): a
poor picture costs misses. A kill is seen (kill assessment): the killed track is not engaged
again.

Feedback (a kill removes a threat) is wired here, never by a stage importing a later one. A run
is a pure function of (scenario, seed): the generator is made here from the seed and passed down
(the tracked picture's sensor draws come from a child generator spawned from it, so the kill
draws come in the same order as on the perfect picture).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from inkless.assignment import solve
from inkless.assignment.feasibility import envelope_windows, feasibility
from inkless.assignment.problem import WTAProblem
from inkless.coalition import Gates, Member, PairQuery
from inkless.engagement import KILL, LOST, MISS, PENDING, InFlight, resolve
from inkless.errors import InputError
from inkless.physics.route import RouteTable
from inkless.scenario.model import THREAT_CLASSES, Scenario
from inkless.scenario.tables import Tables, compile_tables
from inkless.sensing import (
    Detections,
    EnuFrame,
    clutter_density,
    coverage_grid,
    detect,
    scan_ticks,
)
from inkless.simulation import BALLISTIC, Raid, SensorPlatforms, civil_routes, generate_raid
from inkless.threat import evaluate_tracks, position_at, predicted_path, value_at_risk
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
    "BLOCKED_CAVEAT",
    "BLOCKED_CHANNELS",
    "BLOCKED_INACTIVE",
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
    "PictureRecord",
    "Record",
    "run",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
NOT_LAUNCHED, IN_FLIGHT, KILLED, LANDED = 0, 1, 2, 3
#: Why a geometrically feasible shot was not taken (bits of ``Record.blocked``).
BLOCKED_ROUNDS, BLOCKED_CHANNELS, BLOCKED_RELOAD, BLOCKED_UNASSIGNED = 1, 2, 4, 8
BLOCKED_CAVEAT, BLOCKED_INACTIVE = 16, 32
Event = tuple[float, str, int, int]  # (time s, kind, threat row or -1, unit row or -1)
Solver = Literal["greedy", "fast", "exact"]
Picture = Literal["perfect", "tracked"]
PICTURES: tuple[str, ...] = ("perfect", "tracked")
#: GOSPA parameters of the picture quality: cut-off c (m), order p, alpha = 2.
GOSPA_C_M, GOSPA_P = 1000.0, 1.0
_BLOCK = 64  # ticks of detections simulated at once
_SAMPLE_S = 20.0  # the tracked picture is kept for the map every this many seconds


@dataclass
class PictureRecord:
    """What the tracked picture was over the run (for the after-action).

    ``coalition`` and ``by_member`` (member id -> log of the picture that member holds: the
    tracks releasable to it) score the picture at every tick against the objects in flight that
    the sensors feeding it cover (threats alive and civil aircraft); ``samples_*`` are the
    coalition picture's tracks every ``_SAMPLE_S`` seconds: time (s), track id, ECEF position
    (m), identity stand-in (threat class, 3 civil, 4 false alarm). ``shares`` is each member's
    sharing setting; ``frame`` the common ENU frame.
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
class Record:
    """Everything a run produced, for the after-action (rows index ``raid``, ``tables.units``)."""

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
    civil: RouteTable | None = None
    t_end: float = 0.0
    picture: str = "perfect"
    # Tracked picture only: per interceptor row, the track it was fired at and the distance
    # (m) from the true threat to its aim point at the intercept (NaN: not settled that way).
    shot_track: I64 | None = None
    miss_distance: F64 | None = None
    tracked: PictureRecord | None = None


def run(
    scenario: Scenario,
    seed: int,
    replication: int = 0,
    solver: Solver = "greedy",
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
    units, sensors = tables.units, tables.sensors
    n = len(raid)
    platforms = SensorPlatforms(sensors)
    max_shots = np.array([settings.max_shots_per_threat.get(c, 1) for c in THREAT_CLASSES])

    alive = np.ones(n, dtype=bool)  # neither killed nor landed (maybe not launched yet)
    fate = np.zeros(n, dtype=np.int64)
    end_time = np.full(n, np.nan)
    detect = np.full(n, np.nan)
    damage = np.zeros(n)
    feasible_ever = np.zeros(n, dtype=bool)
    blocked = np.zeros(n, dtype=np.int64)
    caveat_blocks: dict[tuple[int, int], tuple[float, int]] = {}
    remaining = tables.assets.value.copy()
    rounds = units.rounds.copy()
    busy = np.zeros(len(units.id), dtype=np.int64)
    ready = np.zeros(len(units.id))
    flight = InFlight(capacity=int(rounds.sum()))
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
    if tracked:
        world = _TrackedWorld(scenario, tables, raid, platforms, gates, truth, truth_alt, dt,
                              rng.spawn(1)[0])
        held_grid = np.zeros((ticks, n), dtype=bool)
        active_lo = np.full(n, np.iinfo(np.int64).max)
        active_hi = np.full(n, -1)
    else:
        held_grid = coverage_grid(
            platforms.grid(dt, ticks),
            sensors.range,
            sensors.min_el,
            sensors.max_el,
            truth,
            truth_alt,
            raid.cls,
            sensor_active_from=gates.member_active_from[sensors.owner],
            dt=dt,
        )
        first, window_last = envelope_windows(units, truth, truth_alt, raid.cls)
        # a shot fired at tick k meets the threat no later than flyout seconds after k
        window_open = first - np.ceil(flyout / dt).astype(np.int64)[:, None] - 1
        # A threat can matter to a decision only between the first opening and the last
        # closing of its windows over all units; ticks when no live threat is in such a span and
        # no interceptor is due are skipped.
        has_window = window_last >= 0
        active_lo = np.where(has_window, window_open, np.iinfo(np.int64).max).min(
            axis=0, initial=np.iinfo(np.int64).max
        )
        active_hi = window_last.max(axis=0, initial=-1)

    def decide(
        t: float,
        tick: int,
        us: I64,
        keys: I64,
        idx: I64,
        cls: I64,
        asset: I64,
        value: F64,
        room: I64,
        pairs: NDArray[np.bool_],
        times: NDArray[np.floating],
        predicted: NDArray[np.floating],
        predicted_alt: NDArray[np.floating],
        track: I64 | None,
    ) -> None:
        """Steps 6-7 for candidates ``keys`` (threat rows; ``idx`` their columns of
        ``predicted``) and units ``us``: feasibility, gates, availability, assignment, fire."""
        fz = feasibility(units, us, idx, cls, pairs, t, times, predicted, predicted_alt)
        geo = fz.feasible
        codes = gates.blocking(PairQuery(t, us, units.owner[us], cls, asset, fz.point))
        for uu, jj in zip(*np.nonzero(geo & (codes > 0)), strict=True):
            caveat_blocks.setdefault((int(us[uu]), int(keys[jj])), (t, int(codes[uu, jj])))
        feasible_ever[keys[geo.any(axis=0)]] = True
        blocked[keys[geo.any(axis=0) & ~(geo & (codes == 0)).any(axis=0)]] |= BLOCKED_CAVEAT
        geo &= codes == 0
        free = np.minimum(rounds[us], units.channels[us] - busy[us])
        active = gates.active(units.owner[us], t)
        avail = (free > 0) & (ready[us] <= t) & active
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
        blocked[keys[some_ok & (x.sum(axis=0) == 0)]] |= BLOCKED_UNASSIGNED
        wi, tj = np.nonzero(x)
        shots = x[wi, tj]
        wi, tj = np.repeat(wi, shots), np.repeat(tj, shots)
        # 7. Fire.
        u = us[wi]
        first_row = flight.n
        flight.fire(u, keys[tj], t, fz.t_intercept[wi, tj], fz.point[wi, tj], fz.pk[wi, tj])
        if track is not None:
            world.shot_track[first_row : flight.n] = track[tj]
        np.add.at(rounds, u, -1)
        np.add.at(busy, u, 1)
        ready[u] = t + units.reload[u]
        for uu, jj in zip(u.tolist(), keys[tj].tolist(), strict=True):
            events.append((t, "assign", jj, uu))
            events.append((t, "fire", jj, uu))

    tick = 0
    while tick <= last_tick:
        t = tick * dt
        # 1. Interceptors due by now (tracked: only a threat inside the seeker basket can die).
        if tracked:
            world.basket_check(flight, t, truth)
        for row in resolve(flight, t, alive, raid.impact_time, rng).tolist():
            shooter, j = int(flight.unit[row]), int(flight.threat[row])
            busy[shooter] -= 1
            kind = {KILL: "intercept", MISS: "miss", LOST: "lost"}[int(flight.result[row])]
            events.append((float(flight.intercept_time[row]), kind, j, shooter))
            if flight.result[row] == KILL:
                fate[j], end_time[j] = KILLED, flight.intercept_time[row]
                if tracked:
                    world.killed_tracks.add(int(world.shot_track[row]))

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
            later = [
                active_lo[alive & (active_lo > tick)],
                np.ceil(flight.intercept_time[: flight.n][pending] / dt),
            ]
            if not any(len(x) for x in later):
                landing_ticks = np.ceil(raid.impact_time[alive] / dt)
                later = [landing_ticks[landing_ticks > tick]]
            if not any(len(x) for x in later):
                break
            tick = max(tick + 1, int(min(x.min() for x in later if len(x))))
            continue

        if tracked:
            # 4. Sensing and tracking: the fused picture, scored; midcourse updates from it.
            pic = world.observe(tick, t, alive)
            world.midcourse(flight, pic, t)
            # 5. Threat evaluation on the tracks.
            cand, room = world.candidates(pic, flight, max_shots)
            reachable = world.may_reach(pic, cand, flyout, dt)
            cand, room = cand[reachable], room[reachable]
            if cand.size:
                threat = world.evaluate(pic, cand, t, remaining)
                keep = np.flatnonzero(threat.value > 0)
                kinds = pic.kind[cand[keep]]
                usable = units.pk[:, kinds] > 0
                near_u = usable.any(axis=1)
                # 6. Assignment on the predicted tracks.
                if keep.size and near_u.any():
                    us = all_units[near_u]
                    look = int(np.ceil(min(float(flyout[us].max()), 900.0) / dt)) + 2
                    times = dt * np.arange(tick, min(tick + look, ticks))
                    ecef, alt = predicted_path(t, times, threat.pos[keep], threat.vel[keep],
                                               threat.ballistic[keep], threat.t_end[keep])
                    pairs = usable[near_u] & world.within_reach(us, ecef)
                    idx = np.flatnonzero(pairs.any(axis=0))
                    if idx.size:
                        rows_ = cand[keep[idx]]
                        decide(t, tick, us, pic.obj[rows_], idx, kinds[idx],
                               threat.asset[keep[idx]], threat.value[keep[idx]],
                               room[keep[idx]], pairs[:, idx], times, ecef, alt, pic.id[rows_])
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
                decide(t, tick, us, cand, cand, raid.cls[cand], raid.hit_asset[cand], value,
                       room, pairs, dt * np.arange(tick, stop), truth[tick:stop],
                       truth_alt[tick:stop], None)
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
        feasible_ever=feasible_ever,
        blocked=blocked,
        caveat_blocks=caveat_blocks,
        gates=gates,
        events=events,
        civil=civil_routes(scenario),
        t_end=min(tick * dt, settings.duration_s),
        picture=picture,
        shot_track=world.shot_track[: flight.n].copy() if tracked else None,
        miss_distance=world.miss_distance[: flight.n].copy() if tracked else None,
        tracked=world.record() if tracked else None,
    )


@dataclass
class _Threats:
    """Threat evaluation of candidate tracks: asset at risk, value, predicted end of flight (s),
    whether each flies a ballistic arc, ECEF position (m) and velocity (m/s) at the decision."""

    asset: I64
    value: F64
    t_end: F64
    ballistic: NDArray[np.bool_]
    pos: F64
    vel: F64


class _TrackedWorld:
    """The tracked picture's side of a run: detections, trackers, picture, scores, shots.

    Holds the sensing and tracking state between ticks; every computation is an array function
    of the modules it calls (sensing.radar, tracking.picture, threat.predicted).
    """

    def __init__(
        self,
        scenario: Scenario,
        tables: Tables,
        raid: Raid,
        platforms: SensorPlatforms,
        gates: Gates,
        truth: NDArray[np.float32],
        truth_alt: NDArray[np.float32],
        dt: float,
        rng: np.random.Generator,
    ) -> None:
        self.scenario, self.tables, self.raid, self.dt, self.rng = scenario, tables, raid, dt, rng
        ticks, n = truth.shape[:2]
        sensors, assets = tables.sensors, tables.assets
        self.n = n
        self.frame = EnuFrame.at(float(assets.lat.mean()), float(assets.lon.mean()), 0.0)
        self.units_enu = self.frame.from_ecef(tables.units.ecef)
        civil = civil_routes(scenario)
        if civil is not None:
            cpos, calt = civil.positions(dt * np.arange(ticks))
            objects = np.concatenate([truth, np.swapaxes(cpos, 0, 1).astype(np.float32)], axis=1)
            objects_alt = np.concatenate([truth_alt, calt.T.astype(np.float32)], axis=1)
        else:
            objects, objects_alt = truth, truth_alt
        self.objects, self.objects_alt = objects, objects_alt
        n_obj = objects.shape[1]
        self.object_col = np.r_[raid.cls, np.full(n_obj - n, 3)].astype(np.int64)
        self.kind_of = np.r_[raid.cls, np.full(n_obj - n, KIND_CIVIL)].astype(np.int64)
        self.platform = platforms.grid(dt, ticks)
        self.scans = scan_ticks(sensors.scan_period, dt, ticks)
        self.active_from = gates.member_active_from[sensors.owner]
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
        self.cover = []
        for m in range(len(members)):
            cols = np.flatnonzero(sensors.owner == m)
            if cols.size == 0:
                self.cover.append(np.zeros((ticks, n_obj), bool))
                continue
            sub = tuple(a[:, cols] for a in self.platform)
            self.cover.append(coverage_grid(
                (sub[0], sub[1], sub[2]), sensors.range[cols], sensors.min_el[cols],
                sensors.max_el[cols], objects, objects_alt, self.object_col,
                sensor_active_from=self.active_from[cols], dt=dt,
            ))
        sharing = [m for m in range(len(members)) if self.shares[m] != "none"]
        self.coalition_cover = np.zeros((ticks, n_obj), bool)
        for m in sharing:
            self.coalition_cover |= self.cover[m]
        self.log = PictureLog(n_obj, GOSPA_C_M, GOSPA_P)
        self.member_logs = {m.id: PictureLog(n_obj, GOSPA_C_M, GOSPA_P) for m in members}
        self.first_held = np.full(n, np.nan)
        self.killed_tracks: set[int] = set()
        cap = int(tables.units.rounds.sum())
        self.shot_track = np.full(cap, -1, np.int64)
        self.miss_distance = np.full(cap, np.nan)
        self._block: tuple[int, tuple[Detections, F64, F64, I64]] | None = None
        self._samples: list[tuple[F64, I64, F64, I64]] = []
        self._every = max(1, round(_SAMPLE_S / dt))

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
        threat = (pic.kind < KIND_CIVIL) & (pic.obj >= 0) & (pic.obj < self.n)
        objs = pic.obj[threat]
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
        done: dict[bytes, Scored | None] = {}
        for m, mid in enumerate(self.member_logs):
            shows = ((pic.release >> np.uint64(m)) & np.uint64(1)).astype(bool)
            if self.shares[m] != "none":
                key = shows.tobytes()
                if shows.all():
                    self.member_logs[mid].add_scored(t, scored)  # the coalition picture
                elif key in done:
                    self.member_logs[mid].add_scored(t, done[key])
                else:
                    view = pic.take(shows)
                    done[key] = self.member_logs[mid].add(t, view.id, view.x[:, :3], truth_rows,
                                                          truth_pos)
                continue
            view = self.tracker.view(pic, m)
            rows = np.flatnonzero(obj_ok & (self.coalition_cover[tick] | self.cover[m][tick]))
            pos = self.frame.from_ecef(self.objects[tick, rows].astype(np.float64))
            self.member_logs[mid].add(t, view.id, view.x[:, :3], rows, pos)

    # --- 5. threat evaluation ------------------------------------------------------------
    def candidates(self, pic: CoalitionPicture, flight: InFlight,
                   max_shots: I64) -> tuple[I64, I64]:
        """Rows of the picture that may be engaged and how many more interceptors each may get:
        identity stand-in a threat class, the track not seen killed, fewer interceptors in the
        air at it than its class allows."""
        kind = pic.kind
        ok = (kind < KIND_CIVIL) & (pic.obj >= 0) & (pic.obj < self.n)
        if self.killed_tracks:
            ok &= ~np.isin(pic.id, np.fromiter(self.killed_tracks, np.int64))
        rows = np.flatnonzero(ok)
        pending = flight.result[: flight.n] == PENDING
        aimed = np.sort(self.shot_track[: flight.n][pending])
        ids = pic.id[rows]
        inair = np.searchsorted(aimed, ids, "right") - np.searchsorted(aimed, ids, "left")
        room = max_shots[kind[rows]] - inair
        return rows[room > 0], room[room > 0]

    def evaluate(self, pic: CoalitionPicture, rows: I64, t: float, remaining: F64) -> _Threats:
        """Asset at risk, value and predicted end of flight of each candidate, from its track
        (:func:`inkless.threat.evaluate_tracks`); the value is that of the asset at risk."""
        assets = self.tables.assets
        pos = self.frame.to_ecef(pic.x[rows, :3])
        vel = pic.x[rows, 3:] @ self.frame.rot
        ballistic = pic.kind[rows] == BALLISTIC
        tt = evaluate_tracks(t, pos, vel, ballistic, assets.ecef, assets.alt, assets.radius)
        value = value_at_risk(tt.asset, self.raid.lethality[pic.obj[rows]], remaining,
                              self.scenario.settings.engage_undefended)
        return _Threats(tt.asset, value, tt.t_impact, ballistic, pos, vel)

    def may_reach(self, pic: CoalitionPicture, rows: I64, flyout: F64, dt: float
                  ) -> NDArray[np.bool_]:
        """Candidates some unit able to kill their class might reach within its look-ahead
        (``min(flyout, 900 s)`` and two ticks): a threat moving at speed ``v`` travels at most
        ``v T`` in ``T`` s, a ballistic one ``(v + 10 T) T`` (it gains at most ``g`` per
        second), so a pair farther apart than that plus the unit's maximum range is out of
        reach. A cheap bound before the threat evaluation and the predicted paths."""
        if rows.size == 0:
            return np.zeros(0, bool)
        units = self.tables.units
        horizon = np.minimum(flyout, 900.0) + 2.0 * dt  # (u,)
        pos, vel = pic.x[rows, :3], pic.x[rows, 3:]
        speed = np.sqrt(np.einsum("ci,ci->c", vel, vel))
        d = np.sqrt(((self.units_enu[:, None, :] - pos[None]) ** 2).sum(axis=2))  # (u, c)
        falls = (pic.kind[rows] == BALLISTIC)[None, :]
        travel = (speed[None, :] + np.where(falls, 10.0 * horizon[:, None], 0.0)) * horizon[:, None]
        able = units.pk[:, pic.kind[rows]] > 0
        return np.asarray((able & (d - travel <= units.r_max[:, None])).any(axis=0))

    def within_reach(self, us: I64, ecef: F64) -> NDArray[np.bool_]:
        """``(len(us), k)``: the predicted path comes within a unit's maximum range (a bound
        by the sphere around the path's samples, so no feasible pair is dropped)."""
        units = self.tables.units
        out = np.zeros((len(us), ecef.shape[1]), bool)
        cols = np.flatnonzero(np.isfinite(ecef[..., 0]).any(axis=0))
        if cols.size == 0:
            return out
        path = ecef[:, cols]
        lo, hi = np.nanmin(path, axis=0), np.nanmax(path, axis=0)
        centre, radius = 0.5 * (lo + hi), 0.5 * np.linalg.norm(hi - lo, axis=1)
        d = np.linalg.norm(units.ecef[us][:, None, :] - centre[None], axis=2)
        out[:, cols] = (d - radius[None]) <= units.r_max[us][:, None]
        return out

    # --- 7. engagement ---------------------------------------------------------------------
    def midcourse(self, flight: InFlight, pic: CoalitionPicture, t: float) -> None:
        """Aim every interceptor in the air at its track's predicted position at its intercept
        time, while the track is in the picture (midcourse updates)."""
        rows = np.flatnonzero((flight.result[: flight.n] == PENDING)
                              & (flight.intercept_time[: flight.n] > t))
        if rows.size == 0 or len(pic) == 0:
            return
        order = np.argsort(pic.id)
        at = np.minimum(np.searchsorted(pic.id[order], self.shot_track[rows]), len(pic) - 1)
        found = pic.id[order][at] == self.shot_track[rows]
        rows, at = rows[found], order[at[found]]
        if rows.size == 0:
            return
        pos = self.frame.to_ecef(pic.x[at, :3])
        vel = pic.x[at, 3:] @ self.frame.rot
        flight.point[rows] = position_at(pos, vel, pic.kind[at] == BALLISTIC,
                                         flight.intercept_time[rows] - t)

    def basket_check(self, flight: InFlight, t: float, truth: NDArray[np.float32]) -> None:
        """Interceptors due by ``t``: the distance from the true threat to the aim point at the
        intercept time; outside the seeker basket the kill draw cannot succeed (pk 0)."""
        due = np.flatnonzero((flight.result[: flight.n] == PENDING)
                             & (flight.intercept_time[: flight.n] <= t)
                             & np.isnan(self.miss_distance[: flight.n]))
        if due.size == 0:
            return
        k = np.rint(flight.intercept_time[due] / self.dt).astype(np.int64)
        k = np.minimum(k, truth.shape[0] - 1)
        true = truth[k, flight.threat[due]].astype(np.float64)
        miss = np.linalg.norm(true - flight.point[due], axis=1)
        self.miss_distance[due] = miss
        outside = ~(miss <= self.tables.units.basket[flight.unit[due]])
        flight.pk[due[outside]] = 0.0

    def record(self) -> PictureRecord:
        """The picture's record for the after-action."""
        if self._samples:
            t, i, e, k = (np.concatenate(x) for x in zip(*self._samples, strict=True))
        else:
            t, i, e, k = np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0, np.int64)
        return PictureRecord(self.log, self.member_logs, t, i, e, k, self.shares, self.frame)
