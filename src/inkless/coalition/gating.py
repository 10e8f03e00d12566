"""From the coalition's rules to the gates the simulation obeys: legal-basis times, caveat masks.

Where it sits: coalition, below the scenario, so it takes plain inputs (members with their rules,
regions as polygons, grants, asset names, the epoch) and returns a :class:`~.gates.Gates`. The
war-game layer adapts a scenario to these inputs; the pipeline reads the gates every tick.

**Legal basis.** A member's forces act while every one of its preconditions is met (directly or
through an accepted equivalence, exactly as the planner judges it:
:func:`~.planner.precondition_met_by`) by the letters on record: in the intervals ``acts``, and
for the rest of the run from ``acts_from_s``. A letter is on record from when it was written (or
recorded) until it lapses: when the office holder who signed it leaves office (a rotated key on
the ledger, an ``office_changes`` entry in the scenario), and a reply when the letter it answers
lapses (see ``LedgerState.lapses``). By default a lapsed letter no longer counts, so the
member's forces stop until the new holder renews it; a precondition that
``survives_office_change`` keeps counting it. A member without preconditions acts from the
start; one whose preconditions never hold never acts. Times are seconds since the epoch; a
basis that holds before the epoch holds from 0.

Where the letters come from (:class:`CoalitionSettings`, the scenario's ``coalition`` section):
``documents``, an explicit list of letters with the time each went on record; or ``exchange``,
the planner's shortest exchange executed from ``start``, letter ``k`` (1-based) on record at
``start + k * delay_s``; or, when neither is given, the planner's exchange on record at the epoch
(every member whose rules can be satisfied acts from the start). :func:`ledger_letters` reads
them from a ledger file instead.

**Caveats.** Each caveat a member has is one rule, named ``MEMBER:threat_classes``,
``MEMBER:protect_assets`` or ``MEMBER:engage_only_in``; a shot by one of its units is blocked by
the first of its rules that fails (in that order), and :class:`CaveatMask` evaluates all of them
on the arrays of a :class:`~.gates.PairQuery` at once. ``engage_only_in`` is judged at the
intercept point: its geodetic latitude and longitude are tested against every region polygon
(even-odd ray crossing: W. R. Franklin, *PNPOLY*, 1970s, after M. Shimrat, "Algorithm 112:
Position of point relative to polygon", CACM 5(8), 1962), with the polygon's edges straight in
(latitude, longitude) degrees -- adequate for regions of a few hundred kilometres that do not
cross the antimeridian or a pole. The point must lie, in every region containing it, where the
member may engage: regions it owns (``own_airspace``), regions listed, regions it holds an
``engage`` grant for at the time of the shot (``where_granted``, grants' windows ``[from,
until)``); or, outside every region, only if ``outside_regions``. ``transit`` grants do not gate
shots (interceptor fly-out through airspace is not modelled).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from inkless.errors import InputError, IntegrityError
from inkless.physics.geodesy import WGS84_A, WGS84_B, WGS84_E2
from inkless.units import DEG

from .documents import SignedStatement
from .gates import Gates, MemberBasis, PairQuery, TimedLetter
from .ledger import Entry, Problem, replay
from .planner import (
    Letter,
    describe_precondition,
    plan_exchange,
    precondition_met_by,
    prohibition_of,
)
from .rules import AirspaceGrant, DocumentType, Member, grant_window_s

__all__ = [
    "CAVEAT_KINDS",
    "LEGAL_BASIS",
    "THREAT_CLASS_NAMES",
    "CaveatMask",
    "CoalitionSettings",
    "LetterOnRecord",
    "MemberBasis",
    "OfficeChange",
    "PlannedExchange",
    "RegionShape",
    "TimedLetter",
    "basis_json",
    "build_gates",
    "caveat_rules",
    "inside_polygon",
    "latlon_from_ecef",
    "ledger_letters",
    "legal_basis",
    "record_letters",
    "record_problems",
    "rule_member",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

#: Threat classes by index, as in :class:`~.gates.PairQuery` (ballistic 0, cruise 1, drone 2).
THREAT_CLASS_NAMES: tuple[str, ...] = ("ballistic", "cruise", "drone")
#: The caveats that gate shots, in the order they are checked.
CAVEAT_KINDS: tuple[str, ...] = ("threat_classes", "protect_assets", "engage_only_in")
#: The pseudo-rule ``MEMBER:legal_basis``: lifting it lets the member act from the start.
LEGAL_BASIS = "legal_basis"

Loc = tuple[str | int, ...]


# -- the scenario's ``coalition`` section (boundary models) ------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _iso_or_seconds(v: object) -> object:
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(
                f"{v!r} is not an ISO 8601 time; write e.g. 2024-04-13T20:00:00Z, or a number of "
                "seconds since the scenario epoch"
            ) from None
    return v


def _utc(v: datetime | float) -> datetime | float:
    if isinstance(v, datetime) and v.tzinfo is None:
        raise ValueError("must carry a UTC offset, e.g. 2024-04-13T20:00:00Z")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("must be a finite number of seconds")
    return v


class LetterOnRecord(_Model):
    """A letter on record: who wrote what to whom, and when it went on record."""

    type: DocumentType
    """The type of document."""
    author: str
    """Member id of the author."""
    recipient: str
    """Member id of the recipient."""
    at: datetime | float
    """When it is on record: ISO 8601 UTC, or seconds since the scenario epoch (may be before)."""
    id: str | None = None
    """A label, so that a later letter can answer this one (``in_reply_to``)."""
    in_reply_to: str | None = None
    """The ``id`` of an earlier letter in the list that this one answers."""

    @field_validator("at", mode="before")
    @classmethod
    def _iso(cls, v: object) -> object:
        return _iso_or_seconds(v)

    @field_validator("at")
    @classmethod
    def _tz(cls, v: datetime | float) -> datetime | float:
        return _utc(v)


class PlannedExchange(_Model):
    """The planner's shortest exchange, executed: letter ``k`` (1-based) on record at
    ``start + k * delay_s``."""

    start: datetime | float = 0.0
    """When the exchange begins: ISO 8601 UTC, or seconds since the epoch."""
    delay_s: float = Field(0.0, ge=0.0, le=30 * 86400.0)
    """Time each letter takes to be written and put on record, seconds."""

    @field_validator("start", mode="before")
    @classmethod
    def _iso(cls, v: object) -> object:
        return _iso_or_seconds(v)

    @field_validator("start")
    @classmethod
    def _tz(cls, v: datetime | float) -> datetime | float:
        return _utc(v)


class OfficeChange(_Model):
    """A member's office holder changes (a new minister takes office): the letters its former
    holder signed, and the replies to them, lapse then (unless the precondition they meet
    ``survives_office_change``)."""

    member: str
    """Member id whose office changes hands."""
    at: datetime | float
    """When: ISO 8601 UTC, or seconds since the scenario epoch."""
    holder: str = ""
    """Who takes office (for the record)."""

    @field_validator("at", mode="before")
    @classmethod
    def _iso(cls, v: object) -> object:
        return _iso_or_seconds(v)

    @field_validator("at")
    @classmethod
    def _tz(cls, v: datetime | float) -> datetime | float:
        return _utc(v)


class CoalitionSettings(_Model):
    """Which letters are on record, and when: the source of each member's legal basis.

    Give ``documents`` (the letters, with times) or ``exchange`` (the planner's exchange run
    from a time); with neither, the planner's exchange is taken as on record at the epoch.
    """

    documents: tuple[LetterOnRecord, ...] | None = None
    """The letters on record; members whose preconditions they do not meet never act."""
    exchange: PlannedExchange | None = None
    """Or: the planner's exchange, from ``start``, one letter every ``delay_s``."""
    office_changes: tuple[OfficeChange, ...] = ()
    """Changes of office holder: a letter signed before one by the same member lapses at it."""

    @model_validator(mode="after")
    def _one_source(self) -> CoalitionSettings:
        if self.documents is not None and self.exchange is not None:
            raise ValueError("give documents or exchange, not both")
        return self

    def source(self) -> str:
        """``documents``, ``exchange`` or ``planned at the epoch`` (the default)."""
        if self.documents is not None:
            return "documents"
        return "exchange" if self.exchange is not None else "planned at the epoch"


# -- letters with times -------------------------------------------------------------------------


def _seconds(v: datetime | float, epoch: datetime) -> float:
    if isinstance(v, datetime):
        return (v - epoch).total_seconds()
    return float(v)


def record_problems(
    members: Sequence[Member], settings: CoalitionSettings, epoch: datetime
) -> list[tuple[Loc, str]]:
    """Cross-references of the ``coalition`` section against the members, as ``(location,
    message)`` pairs (location from ``coalition``); empty if sound."""
    problems: list[tuple[Loc, str]] = []
    by_id = {m.id: m for m in members}
    known = ", ".join(sorted(by_id)) or "none"
    for i, c in enumerate(settings.office_changes):
        if c.member not in by_id:
            problems.append(
                (("coalition", "office_changes", i, "member"), f"unknown member {c.member!r}; "
                 f"known: {known}")
            )  # fmt: skip
    if settings.documents is None:
        return problems
    labels: dict[str, int] = {}
    for i, d in enumerate(settings.documents):
        loc: Loc = ("coalition", "documents", i)
        bad = False
        for name in ("author", "recipient"):
            who = getattr(d, name)
            if who not in by_id:
                problems.append(((*loc, name), f"unknown member {who!r}; known: {known}"))
                bad = True
        if not bad and d.author == d.recipient:
            problems.append(((*loc, "recipient"), "is the author; a letter goes to another member"))
            bad = True
        if d.in_reply_to is not None:
            j = labels.get(d.in_reply_to)
            if j is None:
                problems.append(
                    (
                        (*loc, "in_reply_to"),
                        f"no earlier letter has id {d.in_reply_to!r}; give the id of a letter "
                        "listed before this one",
                    )
                )
            else:
                first = settings.documents[j]
                if (first.author, first.recipient) != (d.recipient, d.author):
                    problems.append(
                        (
                            (*loc, "in_reply_to"),
                            f"{d.in_reply_to!r} is from {first.author} to {first.recipient}; a "
                            "reply goes back the other way",
                        )
                    )
                elif _seconds(d.at, epoch) < _seconds(first.at, epoch):
                    problems.append(
                        ((*loc, "at"), f"is before the letter it answers ({d.in_reply_to!r})")
                    )
        if d.id is not None:
            if d.id in labels:
                problems.append(((*loc, "id"), f"{d.id!r} is used twice; ids must be unique"))
            labels[d.id] = i
        if not bad:
            why = prohibition_of(by_id[d.author], d.type, by_id[d.recipient])
            if why is not None:
                problems.append(((*loc, "type"), f"breaks its author's own rule: {why}"))
    return problems


def record_letters(
    members: Sequence[Member], settings: CoalitionSettings, epoch: datetime
) -> list[TimedLetter]:
    """The letters on record according to the scenario's ``coalition`` section (see the module
    docstring); assumes :func:`record_problems` found nothing. With a planned exchange that does
    not exist (conflicting rules), no letters. A letter lapses at the first change of its
    author's office holder after it was written (``office_changes``), a reply also when the
    letter it answers lapses."""
    changes = [(c.member, _seconds(c.at, epoch)) for c in settings.office_changes]

    def lapse(author: str, start: float, parent: TimedLetter | None) -> float:
        own = min((t for who, t in changes if who == author and t > start), default=math.inf)
        return own if parent is None else min(own, parent.end_s)

    out: list[TimedLetter] = []
    if settings.documents is not None:
        by_label: dict[str, TimedLetter] = {}
        for i, d in enumerate(settings.documents):
            parent = by_label.get(d.in_reply_to) if d.in_reply_to is not None else None
            letter = Letter(d.type, d.author, d.recipient, parent.letter if parent else None)
            start = _seconds(d.at, epoch)
            x = TimedLetter(letter, start, lapse(d.author, start, parent), f"documents[{i}]")
            if d.id is not None:
                by_label[d.id] = x
            out.append(x)
        return out
    ex = settings.exchange or PlannedExchange()
    plan = plan_exchange(members)
    if not plan.ok:
        return []
    first = _seconds(ex.start, epoch)
    steps: dict[int, TimedLetter] = {}
    for s in plan.steps:
        parent = steps.get(s.in_reply_to) if s.in_reply_to is not None else None
        letter = Letter(s.type, s.author, s.recipient, parent.letter if parent else None)
        at = first + s.step * ex.delay_s
        steps[s.step] = TimedLetter(
            letter, at, lapse(s.author, at, parent), f"exchange step {s.step}"
        )
        out.append(steps[s.step])
    return out


def ledger_letters(
    entries: Sequence[Entry],
    ids: Mapping[str, str],
    epoch: datetime,
    extra: Sequence[SignedStatement] = (),
) -> list[TimedLetter]:
    """The documents of a ledger as letters between scenario members, each on record from its
    ``issued_at`` until it lapses (``LedgerState.lapses``: the validity of the key that signed
    it ended, or the letter it answers lapsed). ``ids`` maps ledger identity -> scenario member
    id (see ``record.ledger_members``); documents between others are left out. ``extra``: key
    statements not yet on the ledger (a rotation in the keys directory, see
    ``record.unrecorded_key_statements``), applied after the entries. Raises
    :class:`IntegrityError` if the ledger does not verify."""
    state, problems = replay(entries)
    for s in extra:
        found = state.check(s)
        problems += [Problem(None, f"key statement not on the ledger: {p}") for p in found]
        if not found:
            state.apply(s, 0)
    if problems:
        raise IntegrityError(
            f"ledger: does not verify ({problems[0]}); legal bases are read only from a ledger "
            "that verifies (see `inkless ledger verify`)"
        )
    lapses = state.lapses()
    by_doc: dict[str, TimedLetter] = {}
    out: list[TimedLetter] = []
    for d in sorted(state.documents.values(), key=lambda d: d.seq):
        f = d.fields
        author, recipient = ids.get(f["author"]), ids.get(f["recipient"])
        if author is None or recipient is None:
            continue
        parent = by_doc.get(f["in_reply_to"]) if f["in_reply_to"] is not None else None
        if f["in_reply_to"] is not None and parent is None:
            continue
        start = _seconds(_utc_time(f["issued_at"]), epoch)
        end = _seconds(_utc_time(lapses[d.id][0]), epoch) if d.id in lapses else math.inf
        letter = Letter(
            DocumentType(f["type"]), author, recipient, parent.letter if parent else None
        )
        t = TimedLetter(letter, start, end, f"ledger entry {d.seq} {d.id}")
        by_doc[d.id] = t
        out.append(t)
    return out


def _utc_time(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# -- legal basis ----------------------------------------------------------------------------------


def legal_basis(members: Sequence[Member], letters: Sequence[TimedLetter]) -> list[MemberBasis]:
    """Each member's legal basis from the letters on record (see the module docstring): the
    intervals in which its forces act, and from when they act for the rest of the run.

    A letter counts for a precondition over ``[start_s, end_s)``, or from ``start_s`` on if the
    precondition ``survives_office_change`` (``end_s`` is when the letter lapsed with its
    signer's office). The letters that count are constant between consecutive start/end times,
    so the basis is evaluated once at each of them; consecutive times where it holds make one
    interval, clipped to start at 0.
    """
    times = sorted({t for x in letters for t in (x.start_s, x.end_s) if math.isfinite(t)})

    def counting(t: float, survives: bool) -> list[Letter]:
        return [x.letter for x in letters if x.start_s <= t and (survives or t < x.end_s)]

    out = []
    for m in members:
        pres = m.rules.preconditions
        n = len(pres)
        if n == 0:
            out.append(MemberBasis(m.id, 0.0))
            continue

        def met(t: float, m: Member = m) -> list[Letter | None]:
            return [
                precondition_met_by(members, m, j, counting(t, p.survives_office_change))
                for j, p in enumerate(m.rules.preconditions)
            ]

        acts: list[tuple[float, float]] = []
        used: list[TimedLetter] = []
        for i, t in enumerate(times):
            hits = met(t)
            if any(h is None for h in hits):
                continue
            end = times[i + 1] if i + 1 < len(times) else math.inf
            if end <= 0.0:
                continue
            if acts and acts[-1][1] == t:
                acts[-1] = (acts[-1][0], end)
            else:
                acts.append((max(t, 0.0), end))
            for p, hit in zip(pres, hits, strict=True):  # what meets it, and what that answers
                chain = []
                while hit is not None:
                    chain.append(hit)
                    hit = hit.in_reply_to
                for x in letters:
                    if (
                        x.letter in chain
                        and x.start_s <= t
                        and (p.survives_office_change or t < x.end_s)
                        and x not in used
                    ):
                        used.append(x)
        since = acts[-1][0] if acts and math.isinf(acts[-1][1]) else math.inf
        unmet: tuple[str, ...] = ()
        if math.isinf(since):
            last = met(times[-1]) if times else [None] * n
            unmet = tuple(
                describe_precondition(m, p) for p, h in zip(pres, last, strict=True) if h is None
            )
        used.sort(key=lambda x: (x.start_s, x.source))
        out.append(MemberBasis(m.id, since, n, tuple(used), unmet, tuple(acts)))
    return out


# -- caveats as masks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionShape:
    """A region: its id, its owner (member id or third state) and its polygon's vertices in
    degrees (``lat_deg``, ``lon_deg``, same length, at least 3, closed implicitly)."""

    id: str
    owner: str
    lat_deg: tuple[float, ...]
    lon_deg: tuple[float, ...]


def inside_polygon(lat: F64, lon: F64, poly_lat: F64, poly_lon: F64) -> B:
    """Whether each point (``lat``, ``lon``, any shape, same units as the polygon) is inside the
    polygon, by the even-odd rule (PNPOLY ray crossing; see the module docstring). NaN: outside.
    Points outside the polygon's bounding box are decided without the edge loop."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    inside = np.zeros(lat.shape, dtype=bool)
    box = (
        (lat >= poly_lat.min()) & (lat <= poly_lat.max())
        & (lon >= poly_lon.min()) & (lon <= poly_lon.max())
    )
    if not box.any():
        return inside
    y, x = lat[box], lon[box]
    hit = np.zeros(y.shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(len(poly_lat)):
            y1, x1 = poly_lat[i], poly_lon[i]
            y0, x0 = poly_lat[i - 1], poly_lon[i - 1]
            crosses = (y1 > y) != (y0 > y)
            x_at = (x0 - x1) * (y - y1) / (y0 - y1) + x1
            hit ^= crosses & (x < x_at)
    inside[box] = hit
    return inside


def latlon_from_ecef(xyz: F64) -> tuple[F64, F64]:
    """Geodetic latitude and longitude (radians) of ECEF points (m, ``(..., 3)``) by Bowring's
    closed form with one step (B. R. Bowring, "Transformation from spatial to geographical
    coordinates", Survey Review 23(181), 1976): well under a metre on the ground up to a few
    thousand kilometres of height, far finer than any region's outline."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    theta = np.arctan2(z * WGS84_A, p * WGS84_B)
    ep2 = (WGS84_A**2 - WGS84_B**2) / WGS84_B**2
    lat = np.arctan2(
        z + ep2 * WGS84_B * np.sin(theta) ** 3, p - WGS84_E2 * WGS84_A * np.cos(theta) ** 3
    )
    return lat, np.arctan2(y, x)


def rule_member(rule: str) -> str:
    """The member id of a rule name ``MEMBER:kind``."""
    return rule.split(":", 1)[0]


def caveat_rules(members: Sequence[Member]) -> list[str]:
    """The caveat rules of the coalition, ``MEMBER:kind``, in checking order."""
    out = []
    for m in members:
        cav = m.rules.caveats
        for kind in CAVEAT_KINDS:
            if getattr(cav, kind) is not None:
                out.append(f"{m.id}:{kind}")
    return out


@dataclass(frozen=True)
class CaveatMask:
    """The coalition's caveats as arrays; called with a :class:`~.gates.PairQuery`, returns the
    ``(m, k)`` rule codes (0 allowed, ``1 + r`` blocked first by rule ``r``), all pairs at once.

    ``code (members, 3)``: ``1 + r`` of each member's threat-class, asset and area rule (0: none).
    Per member: ``class_ok (members, 3)``, ``asset_ok (members, assets)``, ``area_ok (members,
    regions)`` (regions owned or listed), ``where_granted``, ``outside_ok (members,)``. Engage
    grants: ``grant_member``, ``grant_region``, ``grant_from``, ``grant_until`` (seconds since
    the epoch). Region outlines as edges in radians: ``edges (E, 4)`` rows ``(lat0, lon0, lat1,
    lon1)``, ``edge_region (E,)``. A plain frozen record of arrays, so gates can be sent to
    worker processes.
    """

    code: I64
    class_ok: B
    asset_ok: B
    area_ok: B
    where_granted: B
    outside_ok: B
    grant_member: I64
    grant_region: I64
    grant_from: F64
    grant_until: F64
    edges: F64
    edge_region: I64

    def allowed_regions(self, t: float) -> B:
        """``(members, regions)`` where each member may engage at time ``t`` (s)."""
        ok = self.area_ok.copy()
        g = (self.grant_from <= t) & (t < self.grant_until)
        g &= self.where_granted[self.grant_member]
        ok[self.grant_member[g], self.grant_region[g]] = True
        return ok

    def inside(self, lat: F64, lon: F64) -> B:
        """``(regions, P)`` whether each point (radians, ``(P,)``) is inside each region (even-odd
        rule over all edges at once)."""
        y0, x0, y1, x1 = (self.edges[:, c, None] for c in range(4))
        with np.errstate(invalid="ignore", divide="ignore"):
            crosses = (y1 > lat) != (y0 > lat)
            x_at = (x0 - x1) * (lat - y1) / (y0 - y1) + x1
            hits = (crosses & (lon < x_at)).astype(np.float64)
        one_hot = self.edge_region[None, :] == np.arange(self.area_ok.shape[1])[:, None]
        return np.asarray(np.rint(one_hot.astype(np.float64) @ hits).astype(np.int64) % 2 == 1)

    def __call__(self, q: PairQuery) -> I64:
        m, k = len(q.member), len(q.threat_cls)
        out = np.zeros((m, k), dtype=np.int64)
        point = np.asarray(q.point, dtype=float)
        code_m = self.code[np.asarray(q.member, dtype=np.int64)]  # (m, 3)
        # only pairs with an intercept (finite point) of units whose member has a rule matter
        ui, tj = np.nonzero(np.isfinite(point[..., 0]) & (code_m.max(axis=1) > 0)[:, None])
        if len(ui) == 0:
            return out
        mem = np.asarray(q.member, dtype=np.int64)[ui]
        code = code_m[ui]  # (P, 3)
        fail_class = ~self.class_ok[mem, np.asarray(q.threat_cls, dtype=np.int64)[tj]]
        asset = np.asarray(q.asset, dtype=np.int64)[tj]
        fail_asset = np.zeros(len(ui), dtype=bool)
        if self.asset_ok.shape[1]:
            fail_asset = ~self.asset_ok[mem, np.maximum(asset, 0)] & (asset >= 0)
        fail_area = np.zeros(len(ui), dtype=bool)
        judged = code[:, 2] > 0
        if judged.any():
            lat, lon = latlon_from_ecef(point[ui[judged], tj[judged]])
            who = mem[judged]
            if len(self.edges):
                inside = self.inside(lat, lon)  # (regions, P')
                allowed = self.allowed_regions(q.t)[who].T
                violate = (inside & ~allowed).any(axis=0)
                fail_area[judged] = np.where(inside.any(axis=0), violate, ~self.outside_ok[who])
            else:  # no regions at all: every point is outside
                fail_area[judged] = ~self.outside_ok[who]
        c = np.where(fail_area & (code[:, 2] > 0), code[:, 2], 0)
        c = np.where(fail_asset & (code[:, 1] > 0), code[:, 1], c)
        c = np.where(fail_class & (code[:, 0] > 0), code[:, 0], c)
        out[ui, tj] = c
        return out


def build_gates(
    members: Sequence[Member],
    letters: Sequence[TimedLetter] = (),
    *,
    regions: Sequence[RegionShape] = (),
    grants: Sequence[AirspaceGrant] = (),
    asset_names: Sequence[str] = (),
    epoch: datetime,
    without: Collection[str] = (),
    lift: Collection[str] = (),
) -> Gates:
    """The gates of a coalition: each member's legal-basis time (:func:`legal_basis`) and its
    caveats as a :class:`CaveatMask` (see the module docstring).

    ``members`` in the order of the simulation's member index (the scenario's order); ``letters``
    on record; ``regions`` with polygons; ``grants`` (windows converted with ``epoch``);
    ``asset_names`` in the order of the asset index. What-ifs: members in ``without`` never act;
    rules named in ``lift`` (``MEMBER:kind``, including ``MEMBER:legal_basis``) are left out.
    Raises :class:`InputError` for an unknown member or rule.
    """
    ids = [m.id for m in members]
    index = {mid: i for i, mid in enumerate(ids)}
    rules_all = caveat_rules(members)
    _check_names(ids, rules_all, without, lift)
    basis = legal_basis(members, letters)
    active = np.array([b.acts_from_s for b in basis], dtype=float)
    acts = [b.acts for b in basis]
    for mid in lift:
        owner, kind = mid.split(":", 1)
        if kind == LEGAL_BASIS:
            active[index[owner]] = 0.0
            acts[index[owner]] = ((0.0, math.inf),)
    for mid in without:
        active[index[mid]] = math.inf
        acts[index[mid]] = ()
    rules = [r for r in rules_all if r not in set(lift)]
    mask = _mask(members, rules, regions, grants, asset_names, epoch) if rules else None
    return Gates(
        member_active_from=active,
        rules=tuple(rules),
        allow=mask,
        basis=tuple(basis),
        member_acts=tuple(acts),
    )


def _check_names(
    ids: Sequence[str], rules: Sequence[str], without: Iterable[str], lift: Iterable[str]
) -> None:
    known = ", ".join(ids)
    problems = [
        f"--without {mid}: unknown member; known: {known}" for mid in without if mid not in ids
    ]
    liftable = [*rules, *(f"{mid}:{LEGAL_BASIS}" for mid in ids)]
    for r in lift:
        if r not in liftable:
            problems.append(
                f"--lift-caveat {r}: no such rule; rules: {', '.join(rules) or 'none'} (or "
                "MEMBER:legal_basis)"
            )
    if problems:
        raise InputError(*problems)


def _mask(
    members: Sequence[Member],
    rules: Sequence[str],
    regions: Sequence[RegionShape],
    grants: Sequence[AirspaceGrant],
    asset_names: Sequence[str],
    epoch: datetime,
) -> CaveatMask:
    index = {m.id: i for i, m in enumerate(members)}
    region_index = {r.id: i for i, r in enumerate(regions)}
    nm, nr, na = len(members), len(regions), len(asset_names)
    code = np.zeros((nm, len(CAVEAT_KINDS)), dtype=np.int64)
    for r, rule in enumerate(rules):
        code[index[rule_member(rule)], CAVEAT_KINDS.index(rule.split(":", 1)[1])] = r + 1
    class_ok = np.ones((nm, len(THREAT_CLASS_NAMES)), dtype=bool)
    asset_ok = np.ones((nm, na), dtype=bool)
    area_ok = np.zeros((nm, nr), dtype=bool)
    where_granted = np.zeros(nm, dtype=bool)
    outside_ok = np.ones(nm, dtype=bool)
    for i, m in enumerate(members):
        cav = m.rules.caveats
        if cav.threat_classes is not None:
            class_ok[i] = [c in cav.threat_classes for c in THREAT_CLASS_NAMES]
        if cav.protect_assets is not None:
            asset_ok[i] = [a in cav.protect_assets for a in asset_names]
        area = cav.engage_only_in
        if area is not None:
            for j, reg in enumerate(regions):
                area_ok[i, j] = (area.own_airspace and reg.owner == m.id) or reg.id in area.regions
            where_granted[i] = area.where_granted
            outside_ok[i] = area.outside_regions
    engage = [
        (g, grant_window_s(g, epoch))
        for g in grants
        if g.what == "engage" and g.grantee_member in index and g.region_id in region_index
    ]
    edges, edge_region = [], []
    for j, reg in enumerate(regions):
        la = np.asarray(reg.lat_deg, dtype=float) * DEG
        lo = np.asarray(reg.lon_deg, dtype=float) * DEG
        for e in range(len(la)):
            edges.append((la[e - 1], lo[e - 1], la[e], lo[e]))
            edge_region.append(j)
    return CaveatMask(
        code=code,
        class_ok=class_ok,
        asset_ok=asset_ok,
        area_ok=area_ok,
        where_granted=where_granted,
        outside_ok=outside_ok,
        grant_member=np.array([index[g.grantee_member] for g, _ in engage], dtype=np.int64),
        grant_region=np.array([region_index[g.region_id] for g, _ in engage], dtype=np.int64),
        grant_from=np.array([w[0] for _, w in engage], dtype=float),
        grant_until=np.array([w[1] for _, w in engage], dtype=float),
        edges=np.array(edges, dtype=float).reshape(-1, 4),
        edge_region=np.array(edge_region, dtype=np.int64),
    )


def basis_json(b: MemberBasis) -> dict[str, Any]:
    """A member's legal basis as JSON (``acts_from_s`` null: not at the end of the run; ``acts``:
    the ``[from, to]`` intervals in which its forces act, ``to`` null: to the end)."""
    return {
        "member": b.member,
        "acts_from_s": None if math.isinf(b.acts_from_s) else round(b.acts_from_s, 3),
        "acts": [[round(a, 3), None if math.isinf(z) else round(z, 3)] for a, z in b.acts],
        "preconditions": b.preconditions,
        "letters": [
            {
                "type": x.letter.type.value,
                "author": x.letter.author,
                "recipient": x.letter.recipient,
                "on_record_s": round(x.start_s, 3),
                "lapsed_s": None if math.isinf(x.end_s) else round(x.end_s, 3),
                "source": x.source,
            }
            for x in b.letters
        ],
        "unmet": list(b.unmet),
    }
