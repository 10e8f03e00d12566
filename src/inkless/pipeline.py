"""One run of the defence: the loop of stages, read top to bottom.

Each tick (every ``settings.scan_period_s``):

1. engagement  - interceptors due by now are settled (kill draws from the run's generator);
2. simulation  - threats whose impact time has come land and damage what they hit;
3. simulation  - truth positions of the threats in flight;
4. sensing     - which of them some coalition sensor covers (the perfect picture holds exactly
                 those, with true positions and identities);
5. threat      - value at risk of each held threat;
6. assignment  - feasibility of every (available unit, threat) pair and a solver's assignment;
7. engagement  - interceptors fired.

Feedback (a kill removes a threat) is wired here, never by a stage importing a later one. A run
is a pure function of (scenario, seed): the generator is made here from the seed and passed down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from inkless.assignment.feasibility import envelope_windows, feasibility
from inkless.assignment.greedy import solve_greedy
from inkless.assignment.problem import WTAProblem
from inkless.coalition import Gates, PairQuery
from inkless.engagement import KILL, LOST, MISS, PENDING, InFlight, resolve
from inkless.physics.route import RouteTable
from inkless.scenario.model import THREAT_CLASSES, Scenario
from inkless.scenario.tables import Tables, compile_tables
from inkless.sensing import coverage_grid
from inkless.simulation import Raid, SensorPlatforms, civil_routes, generate_raid
from inkless.threat import value_at_risk

__all__ = [
    "BLOCKED_CAVEAT",
    "BLOCKED_CHANNELS",
    "BLOCKED_INACTIVE",
    "BLOCKED_RELOAD",
    "BLOCKED_ROUNDS",
    "BLOCKED_UNASSIGNED",
    "IN_FLIGHT",
    "KILLED",
    "LANDED",
    "NOT_LAUNCHED",
    "Event",
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


def run(
    scenario: Scenario,
    seed: int,
    replication: int = 0,
    solver: Solver = "greedy",
    picture: Literal["perfect"] = "perfect",
    gates: Gates | None = None,
) -> Record:
    """Simulate the scenario once; return the record.

    The generator is PCG64 seeded by ``SeedSequence(seed, spawn_key=(replication,))``, which is
    what ``SeedSequence(seed).spawn(R)[replication]`` gives: replication r of a Monte Carlo run
    is the same whatever R is. ``gates`` (default: no rules) says from when each member's
    forces act and which shots its rules allow.
    """
    if picture != "perfect":
        raise ValueError(f"unknown picture {picture!r}")
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
    flyout = units.r_max / units.speed
    first, window_last = envelope_windows(units, truth, truth_alt, raid.cls)
    # a shot fired at tick k meets the threat no later than flyout seconds after k
    window_open = first - np.ceil(flyout / dt).astype(np.int64)[:, None] - 1
    # A threat can matter to a decision only between the first opening and the last closing of
    # its windows over all units; ticks when no live threat is in such a span and no
    # interceptor is due are skipped.
    has_window = window_last >= 0
    active_lo = np.where(has_window, window_open, np.iinfo(np.int64).max).min(
        axis=0, initial=np.iinfo(np.int64).max
    )
    active_hi = window_last.max(axis=0, initial=-1)
    all_units = np.arange(len(units.id))
    tick = 0
    while tick <= last_tick:
        t = tick * dt
        # 1. Interceptors due by now.
        for row in resolve(flight, t, alive, raid.impact_time, rng).tolist():
            shooter, j = int(flight.unit[row]), int(flight.threat[row])
            busy[shooter] -= 1
            kind = {KILL: "intercept", MISS: "miss", LOST: "lost"}[int(flight.result[row])]
            events.append((float(flight.intercept_time[row]), kind, j, shooter))
            if flight.result[row] == KILL:
                fate[j], end_time[j] = KILLED, flight.intercept_time[row]

        # 2. Impacts.
        landing = np.flatnonzero(alive & (raid.impact_time <= t))
        for j in landing[np.argsort(raid.impact_time[landing], kind="stable")].tolist():
            a = raid.hit_asset[j]
            if a >= 0:
                damage[j] = remaining[a] * raid.lethality[j]
                remaining[a] -= damage[j]
            alive[j], fate[j], end_time[j] = False, LANDED, raid.impact_time[j]
            events.append((float(raid.impact_time[j]), "impact", j, -1))

        # 3. Skip ahead while nothing can be decided or settled.
        pending = flight.result[: flight.n] == PENDING
        active = alive & (active_lo <= tick) & (tick <= active_hi)
        if not active.any() or tick >= ticks:
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
                fz = feasibility(
                    units,
                    us,
                    cand,
                    raid.cls[cand],
                    pairs,
                    t,
                    dt * np.arange(tick, stop),
                    truth[tick:stop],
                    truth_alt[tick:stop],
                )
                geo = fz.feasible
                codes = gates.blocking(
                    PairQuery(
                        t, us, units.owner[us], raid.cls[cand], raid.hit_asset[cand], fz.point
                    )
                )
                for uu, jj in zip(*np.nonzero(geo & (codes > 0)), strict=True):
                    caveat_blocks.setdefault((int(us[uu]), int(cand[jj])), (t, int(codes[uu, jj])))
                feasible_ever[cand[geo.any(axis=0)]] = True
                blocked[cand[geo.any(axis=0) & ~(geo & (codes == 0)).any(axis=0)]] |= BLOCKED_CAVEAT
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
                        blocked[cand[stuck]] |= np.where((g & bad[:, None]).any(axis=0), bit, 0)
                if some_ok.any():
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
                    x = solve_greedy(problem).x  # TODO: solve(problem, solver)
                    blocked[cand[some_ok & (x.sum(axis=0) == 0)]] |= BLOCKED_UNASSIGNED
                    wi, tj = np.nonzero(x)
                    shots = x[wi, tj]
                    wi, tj = np.repeat(wi, shots), np.repeat(tj, shots)
                    # 7. Fire.
                    u = us[wi]
                    flight.fire(
                        u, cand[tj], t, fz.t_intercept[wi, tj], fz.point[wi, tj], fz.pk[wi, tj]
                    )
                    np.add.at(rounds, u, -1)
                    np.add.at(busy, u, 1)
                    ready[u] = t + units.reload[u]
                    for uu, jj in zip(u.tolist(), cand[tj].tolist(), strict=True):
                        events.append((t, "assign", jj, uu))
                        events.append((t, "fire", jj, uu))
        tick += 1

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
    )
