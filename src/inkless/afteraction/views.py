"""Outputs as one member may see them: ``inkless run ... --view MEMBER``.

Where it sits: after-action, between a run's full outputs (the orchestrator's view: results dict,
event rows, :class:`MapData`) and the files written for one member. Nothing here recomputes the
run; it filters and relabels what the run produced, with the ownership of each datum taken from
the run (:class:`Provenance`) and the release rules from the members' caveats
(:func:`inkless.coalition.releasable`: a member always sees its own data, the orchestrator
everything; a kind of data an owner does not list goes to no one else).

Who owns what (``kind`` is the releasability vocabulary of the caveats):

- a threat's *track* (its map path, its ``launch`` and ``detect`` rows): the members whose
  sensors held it; kind ``tracks``;
- a *shot* (``engagements[]``, the ``assign``/``fire``/``intercept``/``miss``/``lost`` rows,
  the interceptor's path and intercept point, ``interceptors.by_member``/``by_type``, caveat
  blocks): the firing unit's member; kind ``engagements``;
- a *caveat rule* and what it cost (``coalition.costs``): the rule's member; ``engagements``;
- a *legal basis* and its letters (``coalition.legal_basis``): the member; ``documents``;
- *sensor and fire-unit sites* on the map: their member; ``sensor_positions``;
- *impacts*, value damaged, defended assets, civil traffic: public (the defended state reports
  them).

A track is shown if some member whose sensors held the threat releases tracks to the viewer; its
``detect`` row then carries the first time (and the position) at which such a member's sensors
held it, not the coalition's first detection. No event depends on data the viewer may not see:
a shot it may see (always its own) at a threat it has not yet seen detected shows the threat as
detected by ``a partner`` at the time of the shot, so no shot precedes its detection; a released
track that ends before the run does (its threat killed by a shot the viewer may not see, or out
of the releasing sensors' cover) gets a ``track_end`` row at the last time such sensors held it.
Counts are computed on the view's own rows: ``threats.launched`` are the threats the viewer knows
of (a released track, a released shot or an impact), ``intercepted`` the kills among released
shots, ``track_ended`` the released tracks that ended unexplained, and ``in_flight_at_end`` the
rest. A leak ``cause`` names only rules the viewer may see. With replications, the statistics
that mix in data the viewer may not see are left out. The report's replay (:func:`replay_view`)
follows the same rules: the threats whose track the viewer may see, the coalition picture's
tracks released to it (``IdentityRecord.held``), the shots it may see, every impact.

Anonymous members other than the viewer appear only as their stable pseudonym (HMAC of the id
under the coalition secret, :func:`inkless.coalition.pseudonym`), their units and sensors as
``PSEUDONYM.unitK`` / ``PSEUDONYM.sensorK``; their names never. Sections of the results this
module does not know are left out of a view (deny by default), and every string of every output
is finally scrubbed of the ids and names of hidden members.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.coalition import Member, pseudonym, releasable, rule_member, sees_identity
from inkless.engine import Record
from inkless.errors import InputError
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.scenario.model import THREAT_CLASSES
from inkless.simulation import Raid
from inkless.units import deg_from_rad

from .findings import (
    Coalition,
    Engagement,
    EstimateCounts,
    Findings,
    InterceptorEstimates,
    Interceptors,
    LegalBasis,
    MemberRow,
    ReplicationsSummary,
    Tally,
    ThreatCounts,
    ThreatEstimates,
    Threats,
    ViewOf,
)
from .mapdata import MapData
from .replay import replay
from .report import write_report
from .results import map_data, write_events_csv

__all__ = [
    "Audience",
    "Provenance",
    "events_view",
    "map_view",
    "provenance",
    "replay_view",
    "results_view",
    "site_labels",
    "write_view",
]

F64 = NDArray[np.float64]

#: Top-level keys of the results a view keeps as they are (public figures).
_KEEP = frozenset({
    "results_version", "scenario", "seed", "seeds", "replication", "replications", "cost_unit",
    "epoch", "duration_s", "settings", "value_damaged", "value_defended", "civil_engagements",
    "friendly_engagements", "civil_engaged", "closures",
})
_ENGAGEMENT_EVENTS = frozenset({"assign", "fire", "intercept", "miss", "lost"})
#: Who detected a threat first, in a view where that member's track may not be shown.
PARTNER = "a partner"
_CAVEAT_PREFIX = "blocked by a caveat"


@dataclass(frozen=True)
class Audience:
    """Who a view is for: the coalition's ``members`` (rules, roles, anonymity), the ``viewer``
    and the coalition ``secret`` that keys pseudonyms."""

    members: tuple[Member, ...]
    viewer: Member
    secret: bytes

    @classmethod
    def of(cls, members: Sequence[Member], viewer: str, secret: bytes) -> Audience:
        """The audience ``viewer`` (a member id); raises :class:`InputError` if unknown."""
        for m in members:
            if m.id == viewer:
                return cls(tuple(members), m, secret)
        raise InputError(
            f"--view {viewer}: unknown member; known: {', '.join(m.id for m in members)}"
        )

    def member(self, member_id: str) -> Member | None:
        for m in self.members:
            if m.id == member_id:
                return m
        return None

    def hidden(self) -> list[Member]:
        """Members whose identity the viewer may not see."""
        return [m for m in self.members if not sees_identity(m, self.viewer)]

    def label(self, member_id: str) -> str:
        """``member_id`` as the viewer may see it: the id, or the pseudonym."""
        m = self.member(member_id)
        if m is None or sees_identity(m, self.viewer):
            return member_id
        return pseudonym(m.id, self.secret)

    def sees(self, owner_id: str, kind: str) -> bool:
        """Whether data of ``kind`` owned by ``owner_id`` may go to the viewer (unknown owner:
        no, unless the viewer is the orchestrator)."""
        m = self.member(owner_id)
        if m is None:
            return self.viewer.role == "orchestrator"
        return releasable(m, kind, self.viewer)

    def rule_label(self, rule: str) -> str:
        """A rule name ``MEMBER:kind`` with the member relabelled."""
        owner, _, kind = rule.partition(":")
        return f"{self.label(owner)}:{kind}"


@dataclass(frozen=True)
class Provenance:
    """Who owns which datum of one run (replication 0), from its record.

    ``first_held (members, n)``: seconds at which each member's sensors first held each threat
    while it flew (``inf``: never); ``last_held (members, n)``: the last such time (``-inf``:
    never). Units and sensors: ids, member ids, interceptor types, round costs. ``t_end``: the
    end of the run, s; ``dt``: the decision period, s; ``raid``: the threats' trajectories
    (:meth:`position`).
    """

    members: tuple[str, ...]
    threat_id: tuple[str, ...]
    threat_class: tuple[str, ...]
    launch_time: F64
    end_time: F64
    first_held: F64
    last_held: F64
    t_end: float
    dt: float
    raid: Raid
    unit_id: tuple[str, ...]
    unit_member: tuple[str, ...]
    unit_type: tuple[str, ...]
    unit_cost: F64
    sensor_id: tuple[str, ...]
    sensor_member: tuple[str, ...]

    def _released(self, aud: Audience) -> NDArray[np.bool_]:
        """``(members,)`` whose tracks may go to the viewer."""
        return np.array([aud.sees(m, "tracks") for m in self.members], dtype=bool)

    def known(self, aud: Audience) -> NDArray[np.bool_]:
        """``(n,)`` whether the viewer may see each threat's track."""
        return np.isfinite(self.detect(aud))

    def detect(self, aud: Audience) -> F64:
        """``(n,)`` the first time the viewer's releasable sensors held each threat (``inf``:
        never)."""
        ok = self._released(aud)
        return np.where(ok[:, None], self.first_held, np.inf).min(axis=0, initial=np.inf)

    def track_end(self, aud: Audience) -> F64:
        """``(n,)`` the time at which each threat's released track ended before the end of the
        run (the last time the viewer's releasable sensors held it), NaN where it did not (held
        to the end, or never held)."""
        ok = self._released(aud)
        last = np.where(ok[:, None], self.last_held, -np.inf).max(axis=0, initial=-np.inf)
        ended = np.isfinite(last) & (last < self.t_end - self.dt)
        return np.where(ended, last, np.nan)

    def position(self, t: float, j: int) -> tuple[float, float, float]:
        """Threat ``j`` at time ``t`` (s): latitude and longitude (degrees), height (m)."""
        lat, lon, h = geodetic_from_ecef(self.raid.state(t, np.array([j]))[0])
        return float(deg_from_rad(lat[0])), float(deg_from_rad(lon[0])), float(h[0])


def provenance(record: Record) -> Provenance:
    """Ownership of a run's data, from its record: when each member's sensors held each threat
    (:class:`inkless.engine.record.Held`, derived once by the engine), unit and sensor owners.
    Raises :class:`InputError` on a record without it (a tracked run without its recorder)."""
    sc, raid, tables, held = record.scenario, record.raid, record.tables, record.held
    if held is None:
        raise InputError("--view: the run kept no record of who held which threat; run it with "
                         "its after-action recorder (Engine(record=True))")
    members, sensors, units = tables.members, tables.sensors, tables.units
    return Provenance(
        members=members,
        threat_id=tuple(raid.id),
        threat_class=tuple(THREAT_CLASSES[c] for c in raid.cls),
        launch_time=np.asarray(raid.launch_time, dtype=float),
        end_time=np.where(
            np.isnan(record.end_time), record.t_end, np.minimum(record.end_time, raid.impact_time)
        ),
        first_held=held.first,
        last_held=held.last,
        t_end=float(record.t_end),
        dt=float(sc.settings.scan_period_s),
        raid=raid,
        unit_id=tuple(units.id),
        unit_member=tuple(members[o] for o in units.owner),
        unit_type=tuple(units.interceptor),
        unit_cost=np.asarray(units.cost, dtype=float),
        sensor_id=tuple(sensors.id),
        sensor_member=tuple(members[o] for o in sensors.owner),
    )


# -- labels -----------------------------------------------------------------------------------


def site_labels(ids: Sequence[str], owners: Sequence[str], aud: Audience, what: str
                ) -> dict[str, str]:
    """Unit or sensor ids as the viewer may see them (``PSEUDONYM.unitK`` for hidden members)."""
    out: dict[str, str] = {}
    count: dict[str, int] = {}
    for i, o in zip(ids, owners, strict=True):
        label = aud.label(o)
        if label == o:
            out[i] = i
        else:
            count[o] = count.get(o, 0) + 1
            out[i] = f"{label}.{what}{count[o]}"
    return out


class _Scrub:
    """Replaces the ids and names of hidden members in any string by their pseudonyms."""

    def __init__(self, aud: Audience) -> None:
        self.subs: list[tuple[re.Pattern[str], str]] = []
        for m in aud.hidden():
            p = pseudonym(m.id, aud.secret)
            if m.name:
                self.subs.append((re.compile(re.escape(m.name)), p))
            self.subs.append(
                (re.compile(rf"(?<![A-Za-z0-9_.\-]){re.escape(m.id)}(?![A-Za-z0-9_\-])"), p)
            )

    def text(self, s: str) -> str:
        for pat, rep in self.subs:
            s = pat.sub(rep, s)
        return s

    def any(self, v: Any) -> Any:
        if not self.subs:
            return v
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, Mapping):
            return {self.text(str(k)): self.any(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [self.any(x) for x in v]
        return v


def _cause(cause: str, aud: Audience) -> str:
    """A leak cause with only the rules the viewer may see."""
    if not cause.startswith(_CAVEAT_PREFIX):
        return cause
    _, _, tail = cause.partition(": ")
    rules = [r.strip() for r in tail.split(",") if r.strip()]
    shown = [aud.rule_label(r) for r in rules if aud.sees(rule_member(r), "engagements")]
    if shown:
        return f"{_CAVEAT_PREFIX}: {', '.join(shown)}"
    return "not engaged (details withheld)" if rules else _CAVEAT_PREFIX


# -- results ----------------------------------------------------------------------------------


def results_view(res: Findings, prov: Provenance, aud: Audience) -> Findings:
    """The results as ``aud.viewer`` may see them (see the module docstring)."""
    units = site_labels(prov.unit_id, prov.unit_member, aud, "unit")
    shots = [e for e in res.engagements if aud.sees(e.member, "engagements")]
    impacts = tuple(i.model_copy(update={"cause": _cause(i.cause, aud)}) for i in res.impacts)
    view = Findings(
        **{k: getattr(res, k) for k in _KEEP},
        members=tuple(_member_view(m, aud) for m in res.members),
        threats=_threats_view(res, prov, aud, shots),
        interceptors=_interceptors_view(res, prov, aud, shots),
        engagements=tuple(e.model_copy(update={"member": aud.label(e.member),
                                               "unit_id": units.get(e.unit_id, e.unit_id)})
                          for e in shots),
        impacts=impacts,
        coalition=_coalition_view(res.coalition, aud, units),
        replications_summary=(_summary_view(res.replications_summary, aud)
                              if res.replications_summary is not None else None),
        view=ViewOf(member=aud.viewer.id, role=aud.viewer.role),
    )
    # every string of every field, names of hidden members replaced (deny by default)
    return Findings.model_validate(_Scrub(aud).any(view.model_dump()))


def _member_view(m: MemberRow, aud: Audience) -> MemberRow:
    """A member as the viewer may see it: a hidden member by its pseudonym, without its name."""
    label = aud.label(m.id)
    return m.model_copy(update={"id": label, "name": m.name if label == m.id else None})


def _threats_view(res: Findings, prov: Provenance, aud: Audience,
                  shots: Sequence[Engagement]) -> Threats:
    """The threats the viewer knows of (a released track, a released shot or an impact),
    counted from what it may see."""
    known_track = prov.known(aud)
    index = {t: j for j, t in enumerate(prov.threat_id)}
    known = set(np.array(prov.threat_id)[known_track].tolist()) if len(index) else set()
    known |= {e.threat_id for e in shots} | {i.threat_id for i in res.impacts}
    known &= set(index)
    killed = {e.threat_id for e in shots if e.result == "kill"} & known
    leaked = {i.threat_id for i in res.impacts} & known
    ended = _ended(prov, aud, known_track, killed | leaked)
    by_class = {}
    for name in res.threats.by_class:
        mine = {t for t in known if prov.threat_class[index[t]] == name}
        by_class[name] = ThreatCounts(launched=len(mine), intercepted=len(mine & killed),
                                      leaked=len(mine & leaked))
    return Threats(
        launched=len(known),
        intercepted=len(killed),
        leaked=len(leaked),
        track_ended=len(ended),
        in_flight_at_end=len(known - killed - leaked - set(ended)),
        by_class=by_class,
    )


def _interceptors_view(res: Findings, prov: Provenance, aud: Audience,
                       shots: Sequence[Engagement]) -> Interceptors:
    """The interceptors of the shots the viewer may see (their count, cost and types) and the
    members whose shots it may see."""
    cost = dict(zip(prov.unit_id, prov.unit_cost.tolist(), strict=True))
    kind = dict(zip(prov.unit_id, prov.unit_type, strict=True))
    by_member = {aud.label(mid): v for mid, v in res.interceptors.by_member.items()
                 if aud.sees(mid, "engagements")}
    fired: dict[str, int] = {}
    spent: dict[str, float] = {}
    for e in shots:
        k = kind.get(e.unit_id, "?")
        fired[k] = fired.get(k, 0) + 1
        spent[k] = round(spent.get(k, 0.0) + cost.get(e.unit_id, 0.0), 6)
    return Interceptors(
        fired=len(shots),
        cost=round(sum(cost.get(e.unit_id, 0.0) for e in shots), 6),
        by_member=by_member,
        by_type={k: Tally(fired=n, cost=spent[k]) for k, n in fired.items()},
    )


def _ended(prov: Provenance, aud: Audience, known_track: NDArray[np.bool_],
           explained: set[str]) -> dict[str, float]:
    """Threats whose released track ended before the run did, with neither an intercept the
    viewer may see nor an impact to explain it: threat id -> the track's last time, s."""
    end = prov.track_end(aud)
    return {
        t: float(end[j]) for j, t in enumerate(prov.threat_id)
        if known_track[j] and np.isfinite(end[j]) and t not in explained
    }


def _basis_view(b: LegalBasis, aud: Audience) -> LegalBasis:
    """A legal basis with its members relabelled; the unmet preconditions of a member the
    viewer may not name only counted."""
    update: dict[str, Any] = {"member": aud.label(b.member)}
    if b.letters is not None:
        update["letters"] = tuple(x.model_copy(update={"author": aud.label(x.author),
                                                        "recipient": aud.label(x.recipient)})
                                  for x in b.letters)
    if b.unmet is not None:
        m = aud.member(b.member)
        update["unmet"] = b.unmet if m is not None and sees_identity(m, aud.viewer) else (
            f"{len(b.unmet)} precondition(s) (withheld)",)
    return b.model_copy(update=update)


def _coalition_view(sec: Coalition, aud: Audience, units: Mapping[str, str]) -> Coalition:
    """Legal bases, caveat rules, blocked shots and rule costs of the members whose documents
    or shots the viewer may see."""
    everything = all(aud.sees(m.id, "engagements") for m in aud.members)
    return Coalition(
        legal_basis=tuple(_basis_view(b, aud) for b in sec.legal_basis
                          if aud.sees(b.member, "documents")),
        record=sec.record,
        rules=tuple(aud.rule_label(r) for r in sec.rules
                    if aud.sees(rule_member(r), "engagements")),
        blocked=tuple(
            b.model_copy(update={"member": aud.label(b.member),
                                 "unit_id": units.get(b.unit_id, b.unit_id),
                                 "rule": aud.rule_label(b.rule)})
            for b in sec.blocked if aud.sees(b.member, "engagements")),
        blocked_by_rule={aud.rule_label(r): n for r, n in sec.blocked_by_rule.items()
                         if aud.sees(rule_member(r), "engagements")},
        threats_blocked_by_legal_basis=sec.threats_blocked_by_legal_basis if everything else None,
        costs=None if sec.costs is None else tuple(
            c.model_copy(update={"rule": aud.rule_label(c.rule), "member": aud.label(c.member)})
            for c in sec.costs if aud.sees(c.member, "engagements")),
    )


def _summary_view(summary: ReplicationsSummary, aud: Audience) -> ReplicationsSummary:
    """Replication statistics: all of them when the viewer may see every member's shots and
    tracks; otherwise only public figures and the members whose shots it may see."""
    everything = all(
        aud.sees(m.id, "engagements") and aud.sees(m.id, "tracks") for m in aud.members
    )
    inter = summary.interceptors
    by_member = {aud.label(k): v for k, v in inter.by_member.items()
                 if aud.sees(k, "engagements")}
    if everything:
        return summary.model_copy(update={
            "interceptors": inter.model_copy(update={"by_member": by_member})})
    threats = summary.threats
    return ReplicationsSummary(
        threats=ThreatEstimates(
            leaked=threats.leaked,
            by_class={c: EstimateCounts(leaked=v.leaked) for c, v in threats.by_class.items()},
        ),
        interceptors=InterceptorEstimates(by_member=by_member),
        value_damaged=summary.value_damaged,
        civil_engagements=summary.civil_engagements,
    )


# -- events -----------------------------------------------------------------------------------


def _at(prov: Provenance, t: float, j: int) -> dict[str, str]:
    """The ``time_s``, ``lat``, ``lon`` and ``alt_m`` cells of threat ``j`` at ``t`` (s)."""
    lat, lon, alt = prov.position(t, j)
    return {"time_s": f"{t:.3f}", "lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "alt_m": f"{alt:.1f}"}


def events_view(
    rows: Iterable[Mapping[str, str]], prov: Provenance, aud: Audience
) -> list[dict[str, str]]:
    """The rows of ``events.csv`` as the viewer may see them, in time order. Kinds this module
    does not know are left out."""
    units = site_labels(prov.unit_id, prov.unit_member, aud, "unit")
    known = prov.known(aud)
    first = prov.detect(aud)
    index = {t: j for j, t in enumerate(prov.threat_id)}
    rows = list(rows)
    # the first shot the viewer may see at each threat, and the threats it saw end
    shot = np.full(len(index), np.inf)
    explained: set[str] = set()
    for row in rows:
        kind, j = row.get("event", ""), index.get(row.get("threat_id", ""), -1)
        if j < 0:
            continue
        if kind in _ENGAGEMENT_EVENTS and aud.sees(row.get("member", ""), "engagements"):
            shot[j] = min(shot[j], float(row.get("time_s") or 0.0))
            if kind == "intercept":
                explained.add(prov.threat_id[j])
        elif kind == "impact":
            explained.add(prov.threat_id[j])
    out: list[dict[str, str]] = []
    for row in rows:
        kind = row.get("event", "")
        j = index.get(row.get("threat_id", ""), -1)
        if kind == "launch":
            if j >= 0 and known[j]:
                out.append(dict(row))
        elif kind == "detect" and j >= 0:
            if known[j] and first[j] <= shot[j]:
                out.append({**row, **_at(prov, float(first[j]), j)})
            elif np.isfinite(shot[j]):  # a partner's track the viewer may not see
                out.append({**row, "member": PARTNER, **_at(prov, float(shot[j]), j)})
        elif kind in _ENGAGEMENT_EVENTS:
            member = row.get("member", "")
            if aud.sees(member, "engagements"):
                out.append({**row, "member": aud.label(member),
                            "unit_id": units.get(row.get("unit_id", ""), row.get("unit_id", ""))})
        elif kind == "impact":
            out.append(dict(row))
    for tid, t in _ended(prov, aud, known, explained).items():
        j = index[tid]
        out.append({"event": "track_end", "threat_id": tid, "threat_class": prov.threat_class[j],
                    "unit_id": "", "member": "", **_at(prov, t, j)})
    # in time order; at one time a threat's launch and detection before what was done about it
    rank = {"launch": 0, "detect": 1}
    out.sort(key=lambda r: (float(r.get("time_s") or 0.0), rank.get(r.get("event", ""), 2)))
    scrub = _Scrub(aud)
    return [{k: scrub.text(v) for k, v in r.items()} for r in out]


# -- map ----------------------------------------------------------------------------------------


def map_view(md: MapData, view_results: Findings, prov: Provenance, aud: Audience
             ) -> MapData:
    """The map and timeline as the viewer may see them; ``view_results`` is its results view
    (intercept points come from its released shots)."""
    units = site_labels(prov.unit_id, prov.unit_member, aud, "unit")
    sensors = site_labels(prov.sensor_id, prov.sensor_member, aud, "sensor")
    known = prov.known(aud)
    shown = {t for t, k in zip(prov.threat_id, known.tolist(), strict=True) if k}
    in_air = {}
    for name in md.in_air:
        mine = known & (np.array(prov.threat_class) == name)
        t = md.times_s
        in_air[name] = ((prov.launch_time[mine, None] <= t) & (t < prov.end_time[mine, None])
                        ).sum(axis=0).astype(float)
    scrub = _Scrub(aud)
    return MapData(
        threat_paths=[
            (scrub.text(p.threat_id), p.threat_class, p.lat, p.lon)
            for p in md.threat_paths if p.threat_id in shown
        ],
        interceptor_paths=[
            (units.get(p.unit_id, p.unit_id), aud.label(p.member), p.lat, p.lon)
            for p in md.interceptor_paths if aud.sees(p.member, "engagements")
        ],
        civil_paths=[(scrub.text(c.callsign), c.lat, c.lon) for c in md.civil_paths],
        assets=[(scrub.text(a.name), a.lat, a.lon, a.radius_m, a.value) for a in md.assets],
        sensors=[
            (sensors.get(s.id, s.id), aud.label(s.member), s.lat, s.lon, s.range_m)
            for s in md.sensors if aud.sees(s.member, "sensor_positions")
        ],
        fire_units=[
            (units.get(f.id, f.id), aud.label(f.member), f.lat, f.lon, f.max_range_m)
            for f in md.fire_units if aud.sees(f.member, "sensor_positions")
        ],
        intercepts=[
            (e.intercept_lat, e.intercept_lon) for e in view_results.engagements
            if e.result == "kill"
        ],
        impacts=md.impacts,
        times_s=md.times_s,
        in_air=in_air,
        bbox=(md.bbox[0], md.bbox[1], md.bbox[2], md.bbox[3]) if md.bbox is not None else None,
    )


# -- replay -----------------------------------------------------------------------------------


def replay_view(record: Record, prov: Provenance, aud: Audience) -> dict[str, Any]:
    """The run's replay (:func:`inkless.afteraction.replay.replay`) as the viewer may see it:
    the threats whose track it may see (as on its map; a threat killed by a shot it may not
    see ends as ``track_ended``), the coalition picture's tracks released to it with their
    identities, the shots it may see, every impact, the fire units and fighter patrols (aircraft
    and stations) whose sites it may see;
    members and units relabelled, every string scrubbed."""
    rp = replay(record, member=prov.members.index(aud.viewer.id))
    units = site_labels(prov.unit_id, prov.unit_member, aud, "unit")
    known = {t for t, k in zip(prov.threat_id, prov.known(aud).tolist(), strict=True) if k}
    shots = [{**s, "unit": units.get(s["unit"], s["unit"]), "member": aud.label(s["member"])}
             for s in rp["interceptors"] if aud.sees(s["member"], "engagements")]
    killed = {s["threat"] for s in shots if s["result"] == "kill"}
    threats = [{**th, "fate": "track_ended" if th["fate"] == "killed" and th["id"] not in killed
                else th["fate"]} for th in rp["threats"] if th["id"] in known]
    sites = [st for st in rp["stations"] if aud.sees(st["member"], "sensor_positions")]
    patrols = site_labels([st["patrol"] for st in sites], [st["member"] for st in sites], aud,
                          "patrol")
    view = {
        **rp, "view": aud.viewer.id, "members": [aud.label(m) for m in rp["members"]],
        "threats": threats, "interceptors": shots,
        "units": [{**u, "id": units.get(u["id"], u["id"]), "member": aud.label(u["member"])}
                  for u in rp["units"] if aud.sees(u["member"], "sensor_positions")],
        "patrols": [{**a, "id": units.get(a["id"], a["id"]), "patrol": patrols[a["patrol"]],
                     "member": aud.label(a["member"])}
                    for a in rp["patrols"] if a["patrol"] in patrols],
        "stations": [{**st, "patrol": patrols[st["patrol"]], "member": aud.label(st["member"])}
                     for st in sites],
    }
    out: dict[str, Any] = _Scrub(aud).any(view)
    return out


# -- files ------------------------------------------------------------------------------------


def write_view(out_dir: Path, record: Record, res: Findings, aud: Audience) -> Findings:
    """Write ``results.json``, ``events.csv`` and ``report.html`` into ``out_dir`` as
    ``aud.viewer`` may see them; returns the results view. The full event log is written to a
    private temporary directory and filtered from there."""
    prov = provenance(record)
    view = results_view(res, prov, aud)
    with tempfile.TemporaryDirectory(prefix="inkless-view-") as tmp:
        full = Path(tmp) / "events.csv"
        write_events_csv(full, record)
        with full.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            columns = list(reader.fieldnames or [])
            rows = events_view(reader, prov, aud)
    (out_dir / "results.json").write_text(view.to_json(), encoding="utf-8")
    with (out_dir / "events.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    write_report(out_dir / "report.html", view, map_view(map_data(record), view, prov, aud),
                 replay_view(record, prov, aud))
    return view
