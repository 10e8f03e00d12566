"""A run's record as the documented outputs: the :class:`~.findings.Findings` that
``results.json`` holds, ``events.csv``, map data.

Where it sits: after-action; reads a :class:`inkless.engine.Record` (the only after-action module
that does, with ``saturation`` and ``views.provenance``). Output units are in key names
(``time_s``, ``alt_m``, degrees for ``lat``/``lon``, costs in millions of USD). Keys are stable
and documented in ``docs/results.md``; their types in :mod:`.findings`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from inkless.arrays import F64
from inkless.assignment import Solver
from inkless.coalition import basis_json
from inkless.engagement import KILL, MISS, RESULT_NAMES
from inkless.engine import (
    BLOCKED_ASSESSED_KILLED,
    BLOCKED_CAVEAT,
    BLOCKED_CHANNELS,
    BLOCKED_COST,
    BLOCKED_INACTIVE,
    BLOCKED_NOT_HOSTILE,
    BLOCKED_RELOAD,
    BLOCKED_ROUNDS,
    BLOCKED_UNASSIGNED,
    GOSPA_C_M,
    GOSPA_P,
    KILLED,
    LANDED,
    Record,
)
from inkless.identification import (
    MISDECLARED_KEYS,
    TRUTH_KIND_NAMES,
    identification_results,
    identity_timeline,
    leaked_due_to_late_declaration,
    non_hostile_engagements,
)
from inkless.physics.geodesy import ecef_from_geodetic, geodetic_from_ecef
from inkless.scenario.model import THREAT_CLASSES, PictureName
from inkless.simulation.civil import closure_report
from inkless.simulation.patrol import BROKE_OFF, station_coverage
from inkless.units import deg_from_rad

from .findings import (
    RESULTS_VERSION,
    Closure,
    Coalition,
    Comparison,
    ComparisonFigures,
    Engagement,
    Findings,
    Gospa,
    Identification,
    Impact,
    Interceptors,
    LegalBasis,
    MemberRow,
    Misdeclared,
    PatrolRow,
    PictureFigures,
    PictureQuality,
    Settings,
    ShotBlocked,
    Tally,
    ThreatCounts,
    Threats,
    Why,
)
from .mapdata import MapData
from .saturation import fire_units

__all__ = [
    "RESULTS_VERSION",
    "coalition_section",
    "comparison_section",
    "first_aircraft",
    "identification_section",
    "leak_causes",
    "lost_to_duplicates",
    "map_data",
    "picture_section",
    "results",
    "shot_origins",
    "write_events_csv",
]

_EVENT_COLUMNS = (
    "time_s",
    "event",
    "threat_id",
    "threat_class",
    "unit_id",
    "member",
    "lat",
    "lon",
    "alt_m",
)


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _r_or_none(x: float, nd: int = 3) -> float | None:
    """``x`` rounded, None when not a finite number (JSON has no NaN)."""
    return round(float(x), nd) if np.isfinite(x) else None


def _latlonalt(ecef: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat, lon, alt = geodetic_from_ecef(np.asarray(ecef, dtype=float).reshape(-1, 3))
    return deg_from_rad(lat), deg_from_rad(lon), alt


def _engaged(record: Record) -> np.ndarray:
    """``(n,) bool``: some interceptor was fired at the threat (a shot at a track with no
    threat behind it, row -1, engages none)."""
    flight = record.flight
    engaged = np.zeros(len(record.raid) + 1, dtype=bool)
    engaged[flight.threat[: flight.n]] = True
    return engaged[:-1]


def lost_to_duplicates(record: Record) -> int:
    """Interceptors wasted on a duplicate track (tracked picture; 0 on the perfect one): fired
    at a track whose truth object is a threat, they did not kill it, and another interceptor
    fired at a *different* track of the same threat was in the air at the same time or had
    already killed it when they were fired (the duplicate track made the defence engage one
    threat twice). Truth is used here for scoring only."""
    fl, track = record.flight, record.shot_track
    if track is None or fl.n == 0:
        return 0
    j = fl.threat[: fl.n]
    rows = np.flatnonzero(j >= 0)
    rows = rows[np.argsort(j[rows], kind="stable")]
    _, start, size = np.unique(j[rows], return_index=True, return_counts=True)
    # every ordered pair (k, k') of shots at one threat: sum of the squared group sizes
    g = np.repeat(size, size)
    k = np.repeat(np.arange(rows.size), g)
    k2 = np.repeat(np.repeat(start, size), g) + np.arange(k.size) - np.repeat(np.cumsum(g) - g, g)
    k, k2 = rows[k], rows[k2]
    fire, end = fl.fire_time[: fl.n], fl.intercept_time[: fl.n]
    kill = fl.result[: fl.n] == KILL
    # k's flight [fire, end] overlaps k''s, or k' killed the threat before k was fired
    with_it = (fire[k2] <= end[k]) & (fire[k] <= end[k2])
    before = kill[k2] & (end[k2] <= fire[k])
    wasted = np.zeros(fl.n, bool)
    wasted[k[(track[k] != track[k2]) & (with_it | before)]] = True
    return int((wasted & ~kill).sum())


def leak_causes(record: Record) -> list[str]:
    """Why each threat was not intercepted (empty string for the intercepted ones)."""
    raid = record.raid
    engaged = _engaged(record)
    undefended_ok = record.scenario.settings.engage_undefended
    unseen = ("never detected: the coalition has no sensor" if len(record.tables.sensors.id) == 0
              else "never detected")
    out = []
    for j in range(len(raid)):
        if record.fate[j] == KILLED:
            out.append("")
        elif engaged[j]:
            out.append("missed")
        elif raid.hit_asset[j] < 0 and not undefended_ok:
            out.append("not engaged: falls where nothing is defended")
        elif np.isnan(record.detect_time[j]):
            out.append(unseen)
        elif record.blocked[j] & BLOCKED_ASSESSED_KILLED:
            out.append("assessed killed: its hostile track was taken for a threat already "
                       "killed while a shot was possible")
        elif record.blocked[j] & BLOCKED_NOT_HOSTILE:
            out.append("declared too late: not declared hostile while a shot was possible")
        elif record.blocked[j] & BLOCKED_CAVEAT:
            rules = sorted(
                {
                    record.gates.rules[code - 1]
                    for (_, jj), (_, code) in record.caveat_blocks.items()
                    if jj == j and code <= len(record.gates.rules)
                }
            )
            out.append("blocked by a caveat" + (f": {', '.join(rules)}" if rules else ""))
        elif record.blocked[j] & BLOCKED_INACTIVE:
            out.append("shooters' member not yet allowed to act (legal basis)")
        elif record.blocked[j] & BLOCKED_ROUNDS:
            out.append("out of rounds")
        elif record.blocked[j] & BLOCKED_CHANNELS:
            out.append("fire channels saturated")
        elif record.blocked[j] & BLOCKED_RELOAD:
            out.append("shooters reloading")
        elif record.blocked[j] & BLOCKED_UNASSIGNED:
            out.append("not assigned: rounds went to higher-value threats")
        elif record.blocked[j] & BLOCKED_COST:
            out.append("not engaged: a shot would cost more than the value it saves")
        else:
            out.append("no feasible shooter")
    return out


def results(
    record: Record, solver: Solver = "fast", picture: PictureName = "perfect"
) -> Findings:
    """The documented results of one replication (``results.json``, docs/results.md)."""
    sc, tables = record.scenario, record.tables
    return Findings(
        results_version=RESULTS_VERSION,
        scenario=sc.name,
        seed=record.seed,
        replication=record.replication,
        replications=1,
        cost_unit="MUSD",
        epoch=sc.settings.epoch.isoformat().replace("+00:00", "Z"),
        duration_s=_r(record.t_end),
        settings=Settings(
            picture=record.picture if record.tracked is not None else picture,
            assignment=solver,
        ),
        members=tuple(MemberRow(id=m.id, name=m.name, role=m.role, anonymous=m.anonymous)
                      for m in sc.members),
        threats=_threats(record),
        interceptors=_interceptors(record),
        value_damaged=_r(record.damage.sum(), 6),
        value_defended=_r(tables.assets.value.sum(), 6),
        **_non_hostile(record),
        identification=identification_section(record),
        closures=tuple(Closure.model_validate(c) for c in closure_report(record.traffic)),
        engagements=_engagements(record),
        impacts=_impacts(record),
        fire_units=tuple(fire_units(record)),
        patrols=_patrols(record),
        coalition=coalition_section(record),
        picture=picture_section(record) if record.tracked is not None else None,
    )


def _patrols(record: Record) -> tuple[PatrolRow, ...] | None:
    """Per patrol, its sorties as flown up to the end of the run (docs/patrols.md): aircraft
    launched, shots, the station's coverage and gaps, returns at bingo and out of missiles,
    vectors flown out to a threat and those broken off (None: no patrols)."""
    s, sc = record.patrols, record.scenario
    if s is None:
        return None
    units, f, end = record.tables.units, record.flight, record.t_end
    first = first_aircraft(record)
    fired = np.bincount(f.unit[: f.n], minlength=len(units.id))[first:]
    empty = fired >= units.rounds[first:]
    left = s.bingo <= end
    d = s.dashes
    dashed = s.patrol[d.row[(d.start <= end) & (d.dash_s > 0)]]
    broke = s.patrol[d.row[(d.start <= end) & np.isin(d.outcome, BROKE_OFF)]]
    out = []
    for i, p in enumerate(sc.patrols):
        mine = s.patrol == i
        cov = station_coverage(s, i, 0.0, end)
        out.append(PatrolRow(
            patrol_id=p.id, member=p.owner, sorties=int((mine & (s.launch <= end)).sum()),
            shots=int(fired[mine].sum()), station_covered_s=_r(cov.covered_s),
            station_gaps=tuple((_r(a), _r(b)) for a, b in cov.gaps.tolist()),
            returns_at_bingo=int((mine & left & ~empty).sum()),
            returns_out_of_missiles=int((mine & left & empty).sum()),
            vectors=int((dashed == i).sum()), broke_off=int((broke == i).sum())))
    return tuple(out)


def _threats(record: Record) -> Threats:
    """Threats launched, intercepted, leaked and still in flight at the end, and per class."""
    raid, fate = record.raid, record.fate
    launched = raid.launch_time <= record.t_end
    killed, landed = fate == KILLED, fate == LANDED
    classes = {
        name: ThreatCounts(launched=int((launched & mine).sum()),
                           intercepted=int((killed & mine).sum()),
                           leaked=int((landed & mine).sum()))
        for c, name in enumerate(THREAT_CLASSES) if (mine := raid.cls == c).any()
    }
    return Threats(
        launched=int(launched.sum()),
        intercepted=int(killed.sum()),
        leaked=int(landed.sum()),
        in_flight_at_end=int((launched & ~killed & ~landed).sum()),
        by_class=classes,
    )


def _interceptors(record: Record) -> Interceptors:
    """Interceptors fired and their cost (MUSD), per member and per interceptor type."""
    units, members, flight = record.tables.units, record.tables.members, record.flight
    fired_units = flight.unit[: flight.n]
    owner = units.owner[fired_units]
    by_member = {
        members[m]: Tally(fired=int((owner == m).sum()),
                          cost=_r(units.cost[fired_units][owner == m].sum(), 6))
        for m in range(len(members))
    }
    fired: dict[str, int] = {}
    cost: dict[str, float] = {}
    for u in fired_units.tolist():  # a running sum rounded at each step, as documented
        kind = units.interceptor[u]
        fired[kind] = fired.get(kind, 0) + 1
        cost[kind] = _r(cost.get(kind, 0.0) + units.cost[u], 6)
    return Interceptors(
        fired=int(flight.n),
        cost=_r(units.cost[fired_units].sum(), 6),
        by_member=by_member,
        by_type={k: Tally(fired=n, cost=cost[k]) for k, n in fired.items()},
        lost_to_duplicates=lost_to_duplicates(record),
    )


def _engagements(record: Record) -> tuple[Engagement, ...]:
    """One row per interceptor: what it was fired at, by whom, when, the result at the aim
    point, why (:func:`_why`) and, on the tracked picture, the track and the miss distance."""
    units, members, flight = record.tables.units, record.tables.members, record.flight
    lat, lon, alt = _latlonalt(flight.point[: flight.n])
    target_id, target_class = _targets(record)
    why = _why(record)
    tracked = _tracked_engagements(record) if record.tracked is not None else None
    return tuple(
        Engagement(
            threat_id=target_id[k],
            threat_class=target_class[k],
            unit_id=units.id[u],
            member=members[units.owner[u]],
            fire_time_s=_r(flight.fire_time[k]),
            intercept_time_s=_r(flight.intercept_time[k]),
            result=RESULT_NAMES[int(flight.result[k])],
            intercept_lat=_r(lat[k], 5),
            intercept_lon=_r(lon[k], 5),
            intercept_alt_m=_r(alt[k], 1),
            why=why[k],
            **(tracked[k] if tracked is not None else {}),
        )
        for k, u in enumerate(flight.unit[: flight.n].tolist())
    )


def _impacts(record: Record) -> tuple[Impact, ...]:
    """One row per leaker, in impact order, with the asset it hit and why it leaked."""
    raid, assets = record.raid, record.tables.assets
    causes = leak_causes(record)
    landed = np.flatnonzero(record.fate == LANDED)
    landed = landed[np.argsort(raid.impact_time[landed], kind="stable")]
    return tuple(
        Impact(
            threat_id=raid.id[j],
            threat_class=THREAT_CLASSES[raid.cls[j]],
            time_s=_r(raid.impact_time[j]),
            lat=_r(deg_from_rad(raid.impact_lat[j]), 5),
            lon=_r(deg_from_rad(raid.impact_lon[j]), 5),
            asset=assets.name[raid.hit_asset[j]] if raid.hit_asset[j] >= 0 else None,
            value_damaged=_r(record.damage[j], 6),
            cause=causes[j],
        )
        for j in landed.tolist()
    )


def _targets(record: Record) -> tuple[list[str], list[str]]:
    """What each interceptor was fired at: the threat's id and class; for a shot at a track
    with no threat behind it (tracked picture; never by design), the civil callsign or the
    coalition aircraft's id and ``civil`` / ``coalition``, or ``false track`` and ``none``."""
    raid, flight, ident = record.raid, record.flight, record.identity
    ids, classes = [], []
    for k, j in enumerate(flight.threat[: flight.n].tolist()):
        if j >= 0:
            ids.append(raid.id[j])
            classes.append(THREAT_CLASSES[raid.cls[j]])
            continue
        obj = int(ident.shot_truth[k])
        if obj < 0:
            ids.append("false track")
            classes.append("none")
        else:
            ids.append(ident.truth_name[obj])
            classes.append(TRUTH_KIND_NAMES[int(ident.truth_kind[obj])])
    return ids, classes


def _non_hostile(record: Record) -> dict[str, Any]:
    """``civil_engagements`` and ``friendly_engagements`` (interceptors fired at a track whose
    truth is a civil or a coalition aircraft: 0 by design, the interlock) and the names of the
    aircraft engaged (``civil_engaged``, ``friendly_engaged``), from the truth behind each
    track fired at (:func:`inkless.identification.non_hostile_engagements`)."""
    ident = record.identity
    return non_hostile_engagements(ident.shot_truth, ident.truth_kind, ident.truth_name)


def _late_leakers(record: Record) -> np.ndarray:
    """``(n,) bool``: threats that leaked because they were declared hostile too late (landed,
    never engaged, a feasible and available shot withheld while not declared hostile)."""
    return leaked_due_to_late_declaration(record.fate == LANDED, _engaged(record),
                                          (record.blocked & BLOCKED_NOT_HOSTILE) > 0)


def identification_section(record: Record) -> Identification:
    """Identification quality (``results.json`` key ``identification``): fraction of track-time
    with the correct identity (coalition picture, and the picture each member holds), mean time
    from first detection to hostile declaration over the threats declared, threats detected and
    declared, leakers declared too late, misdeclared track-seconds per (truth, declared) pair.
    On the perfect picture identities are the truth: every held threat is known hostile when
    first held (fraction 1, delay 0, nothing misdeclared)."""
    ident = record.identity
    detect = record.detect_time
    late = _late_leakers(record)
    members = record.tables.members
    if record.tracked is None or ident.coalition is None:
        detected = int(np.isfinite(detect).sum())
        return Identification(
            correct_fraction=1.0 if detected else None,
            correct_fraction_by_member={},
            mean_declaration_delay_s=0.0 if detected else None,
            detected=detected,
            declared=detected,
            leaked_due_to_late_declaration=int(late.sum()),
            misdeclared=Misdeclared.model_validate(dict.fromkeys(MISDECLARED_KEYS, 0.0)),
        )
    return Identification.model_validate(identification_results(
        ident.coalition, ident.truth_kind, detect, late, tuple(members),
        by_member=ident.by_member(len(members))))


def _why(record: Record) -> list[Why]:
    """Each engagement's ``why`` (docs/results.md): the value at risk, the expected value the
    round saves given the others at the threat, its exchange-rate cost, the alternatives the
    assignment had and the best of them, the latest launch time and the shots that fitted."""
    why, ids = record.reasons, record.tables.units.id
    out = []
    for k in range(record.flight.n):
        alt = int(why.alt_unit[k])
        out.append(Why(
            value_at_risk=_r(why.value_at_risk[k], 4),
            value_saved=_r(why.value_saved[k], 4),
            cost=_r(why.cost[k], 4),
            alternatives=int(why.alternatives[k]),
            best_alternative_unit=ids[alt] if alt >= 0 else None,
            best_alternative_value_saved=_r_or_none(why.alt_value_saved[k], 4),
            latest_launch_s=_r_or_none(why.latest_launch_s[k]),
            shots_fit=int(why.shots_fit[k]),
        ))
    return out


def _tracked_engagements(record: Record) -> list[dict[str, Any]]:
    """On the tracked picture, per shot: the track it was fired at (``track_id``), the miss
    distance (``miss_distance_m``) and why a shot that found its threat missed it (``reason``:
    the threat outside the seeker basket of the aim point)."""
    basket = record.tables.units.basket
    flight = record.flight
    miss = record.miss_distance if record.miss_distance is not None else np.full(flight.n, np.nan)
    track = record.shot_track if record.shot_track is not None else np.full(flight.n, -1)
    out: list[dict[str, Any]] = []
    for k in range(flight.n):
        row: dict[str, Any] = {"track_id": int(track[k])}
        d = float(miss[k])
        if np.isfinite(d):
            row["miss_distance_m"] = _r(d, 1)
            if flight.result[k] == MISS and d > basket[flight.unit[k]]:
                row["reason"] = (f"outside the seeker basket: the threat was {d / 1000.0:.1f} km "
                                 "from the aim point")
        out.append(row)
    return out


def picture_section(record: Record) -> PictureQuality:
    """The tracked picture's quality (``results.json`` key ``picture``): GOSPA per decision time
    against the objects in flight that the coalition's sensors cover (threats alive, civil
    aircraft; c = 1000 m, p = 1, alpha = 2), averaged over the times scored; the mean number of
    missed objects and false tracks per time; track breaks and swaps (CLEAR MOT fragmentations
    and identity switches) over the run; the same per member for the picture it holds (the
    tracks releasable to it); each member's sharing setting; shots that missed because the
    threat was outside the seeker basket."""
    tr = record.tracked
    assert tr is not None

    def figures(summary: dict[str, Any]) -> PictureFigures:
        return PictureFigures(
            mean_gospa_m=_r(summary["mean_gospa_m"], 3),
            mean_localisation_m=_r(summary["mean_localisation_m"], 3),
            missed=_r(summary["missed"], 4),
            false=_r(summary["false"], 4),
            track_breaks=int(summary["track_breaks"]),
            track_swaps=int(summary["track_swaps"]),
        )

    flight, basket = record.flight, record.tables.units.basket
    miss = record.miss_distance if record.miss_distance is not None else np.zeros(0)
    used = slice(0, flight.n)
    outside = (flight.result[used] == MISS) & (miss[used] > basket[flight.unit[used]])
    coalition = tr.coalition.summary()
    return PictureQuality(
        gospa=Gospa(c_m=GOSPA_C_M, p=GOSPA_P, alpha=2),
        **figures(coalition).model_dump(),
        scored_times=int(coalition["scored_times"]),
        shares=dict(zip(record.tables.members, tr.shares, strict=True)),
        by_member={m: figures(log.summary()) for m, log in tr.by_member.items()},
        shots_outside_basket=int(outside.sum()),
    )


def coalition_section(record: Record) -> Coalition:
    """What the coalition's rules did in the run: each member's ``legal_basis`` (when its forces
    acted, from which letters; ``acts_from_s``: from when for the rest of the run, null: not at
    the end; ``acts``: every ``[from, to]`` interval in which they acted, ``to`` null: to the
    end), the caveat ``rules`` in force, the
    shots that were possible but ``blocked`` by a caveat (first time per unit and threat) and
    their count per rule, and how many threats a not-yet-active shooter could have engaged."""
    g, raid, units, members = record.gates, record.raid, record.tables.units, record.tables.members
    if g.basis:
        basis = [LegalBasis.model_validate(basis_json(b)) for b in g.basis]
    else:
        basis = [
            LegalBasis(member=m, acts_from_s=None if np.isinf(t) else _r(t),
                       acts=() if np.isinf(t) else ((_r(t), None),))
            for m, t in zip(members, g.member_active_from.tolist(), strict=True)
        ]
    blocked = []
    by_rule: dict[str, int] = {}
    for (u, j), (t, code) in sorted(record.caveat_blocks.items(), key=lambda kv: (kv[1], kv[0])):
        rule = g.rules[code - 1] if 0 < code <= len(g.rules) else f"rule {code}"
        by_rule[rule] = by_rule.get(rule, 0) + 1
        blocked.append(ShotBlocked(
            time_s=_r(t),
            unit_id=units.id[u],
            member=members[units.owner[u]],
            threat_id=raid.id[j],
            threat_class=THREAT_CLASSES[raid.cls[j]],
            rule=rule,
        ))
    return Coalition(
        legal_basis=tuple(basis),
        rules=tuple(g.rules),
        blocked=tuple(blocked),
        blocked_by_rule=by_rule,
        threats_blocked_by_legal_basis=int(((record.blocked & BLOCKED_INACTIVE) > 0).sum()),
    )


def write_events_csv(path: Path, record: Record) -> None:
    """The time-ordered event log, one row per event, positions in degrees and metres."""
    raid, units, flight = record.raid, record.tables.units, record.flight
    members = record.tables.members
    interceptor_of: dict[tuple[int, int, float], int] = {}
    for k in range(flight.n):
        interceptor_of.setdefault(
            (int(flight.unit[k]), int(flight.threat[k]), float(flight.intercept_time[k])), k
        )
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(_EVENT_COLUMNS)
        for t, kind, j, u in record.events:
            if kind == "launch":
                where = raid.launch_ecef[j]
            elif kind == "impact":
                where = raid.impact_ecef[j]
            elif kind in ("assign", "fire"):
                where = _unit_ecef(record, u, t)
            elif kind in ("intercept", "miss", "lost"):
                where = flight.point[interceptor_of[(u, j, t)]]
            else:
                where = raid.state(t, np.array([j]))[0][0]
            lat, lon, alt = _latlonalt(where)
            w.writerow(
                [
                    f"{t:.3f}",
                    kind,
                    raid.id[j] if j >= 0 else "",
                    THREAT_CLASSES[raid.cls[j]] if j >= 0 else "",
                    units.id[u] if u >= 0 else "",
                    members[units.owner[u]] if u >= 0 else "",
                    f"{lat[0]:.5f}",
                    f"{lon[0]:.5f}",
                    f"{alt[0]:.1f}",
                ]
            )


def first_aircraft(record: Record) -> int:
    """Fire-unit row of the first patrol aircraft (the aircraft are the last rows,
    ``Record.patrols`` order); the number of units when there is none."""
    return len(record.tables.units.id) - (len(record.patrols) if record.patrols else 0)


def _unit_ecef(record: Record, u: int, t: float) -> F64:
    """Where fire unit row ``u`` is at ``t`` (s), ECEF m: a patrol aircraft (the last unit
    rows) where its sortie as flown has it (docs/patrols.md), any other unit at its site."""
    s, a = record.patrols, u - first_aircraft(record)
    pos: F64 = s.positions(t)[0][a] if s is not None and a >= 0 else record.tables.units.ecef[u]
    return pos


def shot_origins(record: Record) -> tuple[F64, F64]:
    """``(n,)`` latitude and longitude (degrees) each interceptor of ``record.flight`` was
    fired from: its unit's site, or for a patrol aircraft where its sortie as flown had it at
    the fire time (:func:`_unit_ecef`, as in ``events.csv``)."""
    units, flight = record.tables.units, record.flight
    shooter = flight.unit[: flight.n]
    lat, lon = deg_from_rad(units.lat[shooter]), deg_from_rad(units.lon[shooter])
    moving = shooter >= first_aircraft(record)
    for k in np.flatnonzero(moving).tolist():
        plat, plon, _ = _latlonalt(_unit_ecef(record, int(shooter[k]), flight.fire_time[k]))
        lat[k], lon[k] = plat[0], plon[0]
    return lat, lon


def map_data(record: Record, samples: int = 48) -> MapData:
    """Geometry of the run for the report's map and timeline (degrees)."""
    raid, tables, flight = record.raid, record.tables, record.flight
    units, assets = tables.units, tables.assets
    end = np.where(np.isnan(record.end_time), record.t_end, record.end_time)
    ilat, ilon, _ = _latlonalt(flight.point[: flight.n])
    ulat, ulon = shot_origins(record)
    kills = flight.result[: flight.n] == 1
    landed = np.flatnonzero(record.fate == LANDED)
    times = np.linspace(0.0, max(record.t_end, 1.0), 400)
    return MapData(
        threat_paths=_threat_paths(record, end, samples),
        interceptor_paths=[
            (
                units.id[u],
                tables.members[units.owner[u]],
                np.array([ulat[k], ilat[k]]),
                np.array([ulon[k], ilon[k]]),
            )
            for k, u in enumerate(flight.unit[: flight.n].tolist())
        ],
        civil_paths=_civil_paths(record, samples),
        assets=[
            (assets.name[i], deg_from_rad(assets.lat[i]), deg_from_rad(assets.lon[i]),
             assets.radius[i], assets.value[i])
            for i in range(len(assets.name))
        ],
        sensors=_sensor_sites(record),
        fire_units=[
            (units.id[i], tables.members[units.owner[i]], deg_from_rad(units.lat[i]),
             deg_from_rad(units.lon[i]), units.r_max[i])
            for i in range(len(units.id))
        ],
        intercepts=[(ilat[k], ilon[k]) for k in np.flatnonzero(kills).tolist()],
        impacts=[
            (deg_from_rad(raid.impact_lat[j]), deg_from_rad(raid.impact_lon[j]),
             bool(raid.hit_asset[j] >= 0))
            for j in landed.tolist()
        ],
        times_s=times,
        in_air={
            name: ((raid.launch_time[raid.cls == c, None] <= times)
                   & (times < end[raid.cls == c, None])).sum(axis=0).astype(float)
            for c, name in enumerate(THREAT_CLASSES) if (raid.cls == c).any()
        },
        **_picture_geometry(record),
        **_identity_geometry(record),
    )


def _threat_paths(record: Record, end: np.ndarray, samples: int
                  ) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """Each launched threat's path until it ended (``end``, s) or landed, ``samples`` points
    (degrees)."""
    raid = record.raid
    paths = []
    for j in np.flatnonzero(raid.launch_time <= record.t_end).tolist():
        times = np.linspace(raid.launch_time[j], min(end[j], raid.impact_time[j]) - 1e-3, samples)
        pos = raid.ahead(np.array([j]), times)[0]
        pos = pos[np.isfinite(pos[:, 0])]
        if len(pos) >= 2:
            lat, lon, _ = _latlonalt(pos)
            paths.append((raid.id[j], THREAT_CLASSES[raid.cls[j]], lat, lon))
    return paths


def _sensor_sites(record: Record) -> list[tuple[str, str, float, float, float]]:
    """Each sensor's site (an airborne one's first waypoint; degrees) and longest range, m."""
    sensors, members = record.tables.sensors, record.tables.members
    pos = np.where(np.isnan(sensors.ecef), 0.0, sensors.ecef)
    for i, route in enumerate(sensors.route):
        if route is not None:
            pos[i] = ecef_from_geodetic(route[0][0], route[1][0], route[2][0])
    lat, lon, _ = _latlonalt(pos)
    return [(sensors.id[i], members[sensors.owner[i]], lat[i], lon[i],
             float(sensors.range[i, :3].max())) for i in range(len(sensors.id))]


def _civil_paths(record: Record, samples: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Ground tracks of the civil traffic as flown (degrees): a scenario flight's waypoints
    (amended by closures; none for a cancelled flight), a recorded flight's samples (at most
    ``samples`` of them)."""
    tr = record.traffic
    if tr is None:
        return []
    out = []
    if tr.routes is not None:
        rt = tr.routes
        for i in range(tr.n_flights):
            if tr.flown[i]:
                k = rt.n_wp[i]
                out.append((tr.callsign[i], deg_from_rad(rt.lat[i, :k]),
                            deg_from_rad(rt.lon[i, :k])))
    if tr.recorded is not None:
        rec = tr.recorded.rec
        for f in range(len(rec.callsign)):
            a, b = int(rec.start[f]), int(rec.start[f + 1])
            if b - a < 2:
                continue
            take = np.unique(np.linspace(a, b - 1, min(samples, b - a)).round().astype(int))
            out.append((tr.callsign[tr.n_flights + f], deg_from_rad(rec.lat[take]),
                        deg_from_rad(rec.lon[take])))
    return out


def _identity_geometry(record: Record) -> dict[str, Any]:
    """Identities over time for the report (tracked picture): at each decision time, how many
    coalition tracks of each truth kind (threat, civil, coalition, false) held each identity
    (:func:`inkless.identification.identity_timeline`)."""
    ident = record.identity
    if record.tracked is None or ident.coalition is None:
        return {}
    times, counts = identity_timeline(ident.coalition, ident.truth_kind)
    return {"identity_times_s": times, "identities": counts}


_IDENTITIES = (*THREAT_CLASSES, "civil", "false")


def _picture_geometry(record: Record, points: int = 60) -> dict[str, Any]:
    """The tracked picture for the map (each track's samples, at most ``points`` per track)
    and the GOSPA series (coalition and members, 0 where a picture had nothing to score)."""
    tr = record.tracked
    if tr is None:
        return {}
    order = np.lexsort((tr.samples_t, tr.samples_id))
    ids, ecef, kind = tr.samples_id[order], tr.samples_ecef[order], tr.samples_kind[order]
    lat, lon, _ = _latlonalt(ecef) if len(ids) else (np.zeros(0), np.zeros(0), np.zeros(0))
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(ids)] if len(ids) else starts  # no track: no path
    paths = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if b - a < 2:
            continue
        take = np.unique(np.linspace(a, b - 1, min(points, b - a)).round().astype(int))
        identity = _IDENTITIES[int(np.bincount(kind[a:b]).argmax())]
        paths.append((str(ids[a]), identity, lat[take], lon[take]))
    logs = {"coalition": tr.coalition, **tr.by_member}
    scored = np.unique(np.concatenate([log.times for log in logs.values()]))
    dt = record.scenario.settings.scan_period_s
    # every decision time between the first and the last scored one: GOSPA 0 where a picture
    # had nothing to score (no track, no object)
    ticks = np.rint(scored / dt).astype(np.int64)
    times = dt * np.arange(ticks.min(), ticks.max() + 1) if ticks.size else np.zeros(0)
    series = {}
    for name, log in logs.items():
        v = np.zeros(times.size)
        v[np.rint(log.times / dt).astype(np.int64) - (ticks.min() if ticks.size else 0)] = (
            log.total)
        series[name] = v
    return {"track_paths": paths, "gospa_times_s": times, "gospa_m": series}


def comparison_section(tracked: Findings, perfect: Findings) -> Comparison:
    """What the picture changed (``results.json`` key ``comparison``): the headline figures of
    the same seed(s) decided on the tracked and on the perfect picture, and the difference
    (tracked - perfect). With replications, each figure is the mean over them."""
    a, b = _headline(tracked), _headline(perfect)
    return Comparison(
        replications=tracked.replications,
        tracked=a,
        perfect=b,
        difference=ComparisonFigures(**{
            k: _r(v - getattr(b, k), 6) for k, v in a.model_dump().items()}),
    )


def _headline(res: Findings) -> ComparisonFigures:
    """The compared figures of a run: its replications' means when it has them."""
    s = res.replications_summary
    if s is not None and s.threats.intercepted is not None and s.interceptors.fired is not None \
            and s.interceptors.cost is not None:
        vals = (s.threats.intercepted.mean, s.threats.leaked.mean, s.interceptors.fired.mean,
                s.interceptors.cost.mean, s.value_damaged.mean)
    else:
        th, it = res.threats, res.interceptors
        vals = (th.intercepted, th.leaked, it.fired, it.cost, res.value_damaged)
    names = ("intercepted", "leaked", "interceptors_fired", "interceptor_cost", "value_damaged")
    return ComparisonFigures(**{k: _r(v, 6) for k, v in zip(names, vals, strict=True)})
