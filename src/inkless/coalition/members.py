"""What each member's law and principles require: the boundary models of the scenario file.

Where it sits: the scenario schema embeds :class:`MemberRules` (``members[].rules``) and
:class:`AirspaceGrant` (top-level ``grants``); past the boundary the planner, the ledger and (later)
the assignment's eligibility masks read them as frozen records. Every default means "no rule": a
member with empty rules needs nothing, forbids nothing and may engage anywhere.

The vocabulary of documents is :class:`DocumentType`. A *precondition* names a document the
member needs on record, addressed to it, before its forces act; a *prohibition* names a document
the member never issues; an *equivalence* names a document its legal process accepts in place of a
required one (optionally only as a reply to a letter the member itself wrote). Caveats say where
the member may engage, which threat classes, which defended assets it may protect and which data
it releases to whom. :func:`releasable` turns release rules into yes/no answers; the other
caveats are evaluated on arrays of candidate shots by :class:`~.caveats.CaveatMask`.

Times: a grant's window is given as ISO 8601 UTC datetimes or as seconds since the scenario epoch;
:func:`grant_window_s` converts it once to seconds since the epoch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    field_validator,
    model_validator,
)

__all__ = [
    "DATA_KINDS",
    "ROLES",
    "THREAT_CLASSES",
    "AirspaceGrant",
    "Caveats",
    "DocumentType",
    "EngageArea",
    "EpochTime",
    "Equivalence",
    "Member",
    "MemberRules",
    "Precondition",
    "Prohibition",
    "ReleaseRule",
    "Role",
    "ThreatClass",
    "coalition_problems",
    "grant_window_s",
    "releasable",
    "seconds_since",
]

Role = Literal["host", "orchestrator", "partner"]
ROLES: tuple[str, ...] = get_args(Role)

ThreatClass = Literal["ballistic", "cruise", "drone"]
"""The kinds of threat object, named by the scenario's waves and the members' caveats; arrays
index them in this order (ballistic 0, cruise 1, drone 2). Defined here, the lowest layer that
names them (caveats); the scenario re-exports it."""
THREAT_CLASSES: tuple[ThreatClass, ...] = get_args(ThreatClass)

DataKind = Literal["tracks", "identities", "engagements", "sensor_positions", "documents"]
DATA_KINDS: tuple[str, ...] = get_args(DataKind)


class DocumentType(StrEnum):
    """The small vocabulary of letters that members exchange."""

    REQUEST_FOR_SUPPORT = "request_for_support"
    """The host's formal invitation: a request for foreign forces to help defend it."""
    REQUEST_TO_BE_INVITED = "request_to_be_invited"
    """A member asks another to request its support, because its own law requires a request."""
    ACKNOWLEDGEMENT_OF_LEGAL_PROCESS = "acknowledgement_of_legal_process"
    """A reply that acknowledges and respects the addressee's legal process."""
    CONSENT = "consent"
    """Consent to the addressee's forces acting (on, over or for the author's territory)."""
    AIRSPACE_GRANT = "airspace_grant"
    """A state lets the addressee transit or engage in one of its regions for a time window."""
    NOTIFICATION = "notification"
    """A notification of intent or of action, asking for nothing."""


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


def _utc_or_finite(v: datetime | float) -> datetime | float:
    if isinstance(v, datetime) and v.tzinfo is None:
        raise ValueError("must carry a UTC offset, e.g. 2024-04-13T20:00:00Z")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("must be a finite number of seconds")
    return v


#: A time in a scenario file: an ISO 8601 datetime with a UTC offset, or a finite number of
#: seconds since the scenario epoch (:func:`seconds_since` converts it).
EpochTime = Annotated[
    datetime | float, BeforeValidator(_iso_or_seconds), AfterValidator(_utc_or_finite)
]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Precondition(_Rule):
    """A document the member needs on record, addressed to it, before its forces act."""

    document: DocumentType
    """The type of document required."""
    from_member: str | None = None
    """Member id of the required author; absent: any author (subject to ``from_role``)."""
    from_role: Role | None = None
    """Role the author must hold (host, orchestrator or partner); absent: any role."""
    reason: str = ""
    """The legal basis, cited in plans and conflicts (e.g. "constitution, art. 24")."""
    survives_office_change: bool = False
    """Whether a letter that meets it keeps counting after the office holder who signed it (or
    signed the letter it answers) has left office. By default it lapses then, and the member's
    forces stop acting until the letter is renewed by the new holder."""


class Prohibition(_Rule):
    """A document the member never issues (its law or a principle forbids it)."""

    document: DocumentType
    """The type of document the member never issues."""
    to_member: str | None = None
    """Only towards this member id; absent: towards anyone (subject to ``to_role``)."""
    to_role: Role | None = None
    """Only towards members of this role; absent: towards any role."""
    reason: str = ""
    """The principle or law behind it, cited in conflicts."""


class Equivalence(_Rule):
    """A document the member's legal process accepts in place of a required one."""

    counts_as: DocumentType
    """The required document type this one stands for."""
    document: DocumentType
    """The document accepted instead, from the author the precondition names."""
    in_reply_to: DocumentType | None = None
    """If set, it counts only as a reply to a letter of this type that the member itself wrote
    to the same author (e.g. an acknowledgement answering its own request to be invited)."""
    reason: str = ""
    """Where the legal process says so, cited in plans."""

    @model_validator(mode="after")
    def _distinct(self) -> Equivalence:
        if self.document == self.counts_as:
            raise ValueError(
                f"document and counts_as are both {self.document.value!r}; an equivalence names "
                "another document that stands for the required one"
            )
        return self


class EngageArea(_Rule):
    """Where a member may engage, when it may not engage anywhere."""

    own_airspace: bool = True
    """It may engage over regions it owns."""
    regions: tuple[str, ...] = ()
    """Region ids where it may also engage."""
    where_granted: bool = True
    """It may also engage where it holds an active ``engage`` airspace grant."""
    outside_regions: bool = False
    """It may engage where no region of the scenario applies (e.g. international airspace)."""


class ReleaseRule(_Rule):
    """One kind of data and the members it may be released to."""

    what: DataKind
    """tracks, identities, engagements, sensor_positions or documents."""
    to: tuple[str, ...] = ()
    """Member ids or roles (host, orchestrator, partner) that may receive it."""


class Caveats(_Rule):
    """National caveats: where, against what and for whom the member's forces may act."""

    engage_only_in: EngageArea | None = None
    """Where it may engage; absent: anywhere."""
    threat_classes: tuple[ThreatClass, ...] | None = None
    """Threat classes it may engage (ballistic, cruise, drone); absent: all."""
    protect_assets: tuple[str, ...] | None = None
    """Names of the defended assets it may protect; absent: any asset."""
    release: tuple[ReleaseRule, ...] | None = None
    """What it shares with whom; absent: everything with everyone. When given, a kind of data
    not listed goes to no one but the orchestrator."""

    @field_validator("release")
    @classmethod
    def _one_rule_per_kind(
        cls, v: tuple[ReleaseRule, ...] | None
    ) -> tuple[ReleaseRule, ...] | None:
        seen: set[str] = set()
        for r in v or ():
            if r.what in seen:
                raise ValueError(f"{r.what!r} is listed twice; give one rule per kind of data")
            seen.add(r.what)
        return v


class MemberRules(_Rule):
    """A member's legal preconditions, prohibitions, accepted equivalences and caveats."""

    preconditions: tuple[Precondition, ...] = ()
    """Documents it needs on record before its forces act; none: it may act at once."""
    prohibitions: tuple[Prohibition, ...] = ()
    """Documents it never issues."""
    equivalences: tuple[Equivalence, ...] = ()
    """Documents its legal process accepts in place of required ones."""
    caveats: Caveats = Caveats()
    """Where, against what and for whom it may act, and what it shares."""


class AirspaceGrant(_Rule):
    """State X lets member Y transit or engage in region R during a time window.

    Known only to the grantor, the grantee and the orchestrator.
    """

    grantor_state: str
    """The state granting: the owner of the region (a member id or a third state's name)."""
    grantee_member: str
    """The member id allowed in."""
    region_id: str
    """The region the grant covers."""
    what: Literal["transit", "engage"]
    """transit: fly through; engage: also fire within it."""
    valid_from: EpochTime | None = None
    """Start: ISO 8601 UTC datetime, or seconds since the scenario epoch; absent: always."""
    valid_until: EpochTime | None = None
    """End (exclusive): ISO 8601 UTC datetime, or seconds since the epoch; absent: never."""


def seconds_since(v: datetime | float, epoch: datetime) -> float:
    """An :data:`EpochTime` as seconds since ``epoch`` (UTC)."""
    if isinstance(v, datetime):
        return (v - epoch).total_seconds()
    return float(v)


def grant_window_s(grant: AirspaceGrant, epoch: datetime) -> tuple[float, float]:
    """The grant's window ``[start, end)`` in seconds since ``epoch`` (UTC); open ends are ±inf."""
    start, end = grant.valid_from, grant.valid_until
    return (
        -math.inf if start is None else seconds_since(start, epoch),
        math.inf if end is None else seconds_since(end, epoch),
    )


@dataclass(frozen=True)
class Member:
    """A coalition member as the planner and the ledger see it (no scenario attached).

    ``id`` is the identifier used in rules; ``name`` is shown only where it is releasable.
    """

    id: str
    role: Role
    anonymous: bool = False
    rules: MemberRules = field(default_factory=MemberRules)
    name: str = ""


def releasable(owner: Member, what: str, recipient: Member) -> bool:
    """Whether data of kind ``what`` (one of :data:`DATA_KINDS`) owned by ``owner`` may go to
    ``recipient``. A member always sees its own data; the orchestrator receives everything."""
    if recipient.id == owner.id or recipient.role == "orchestrator":
        return True
    rules = owner.rules.caveats.release
    if rules is None:
        return True
    for r in rules:
        if r.what == what:
            return recipient.id in r.to or recipient.role in r.to
    return False


Loc = tuple[str | int, ...]


def coalition_problems(
    members: Sequence[Member],
    grants: Sequence[AirspaceGrant] = (),
    region_owners: Mapping[str, str] | None = None,
    asset_names: Iterable[str] | None = None,
) -> list[tuple[Loc, str]]:
    """Cross-references between members' rules and grants, as ``(location, message)`` pairs
    (location like ``("members", 2, "rules", "preconditions", 0, "from_member")``); empty if sound.

    ``region_owners`` maps region id to owner; ``None`` skips region checks. ``asset_names``:
    ``None`` skips asset checks.
    """
    ids = [m.id for m in members]
    assets = None if asset_names is None else set(asset_names)
    problems: list[tuple[Loc, str]] = []
    for i, m in enumerate(members):
        problems += _rule_problems(("members", i, "rules"), m, members, region_owners, assets)
    for i, g in enumerate(grants):
        problems += _grant_problems(("grants", i), g, ids, region_owners)
    return problems


def _known(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids)) or "none"


def _rule_problems(
    base: Loc,
    m: Member,
    members: Sequence[Member],
    region_owners: Mapping[str, str] | None,
    assets: set[str] | None,
) -> list[tuple[Loc, str]]:
    """What member ``m``'s rules name that does not exist (``base``: the rules' location)."""
    ids = [x.id for x in members]
    roles = {x.role for x in members}
    problems: list[tuple[Loc, str]] = []

    def member_ref(loc: Loc, ref: str | None) -> None:
        if ref is None:
            return
        if ref not in ids:
            problems.append((loc, f"unknown member {ref!r}; known: {_known(ids)}"))
        elif ref == m.id:
            problems.append((loc, f"refers to the member itself ({ref!r}); name another member"))

    for j, p in enumerate(m.rules.preconditions):
        member_ref((*base, "preconditions", j, "from_member"), p.from_member)
        if p.from_role is not None and p.from_role not in roles:
            problems.append(
                (
                    (*base, "preconditions", j, "from_role"),
                    f"no member has role {p.from_role!r}; give a member that role or "
                    "change the precondition",
                )
            )
    for j, q in enumerate(m.rules.prohibitions):
        member_ref((*base, "prohibitions", j, "to_member"), q.to_member)
    cav = m.rules.caveats
    area = cav.engage_only_in
    if area is not None and region_owners is not None:
        for j, r in enumerate(area.regions):
            if r not in region_owners:
                problems.append(
                    (
                        (*base, "caveats", "engage_only_in", "regions", j),
                        f"unknown region {r!r}; known: {', '.join(sorted(region_owners))}",
                    )
                )
    if assets is not None:
        for j, a in enumerate(cav.protect_assets or ()):
            if a not in assets:
                problems.append(
                    (
                        (*base, "caveats", "protect_assets", j),
                        f"unknown asset {a!r}; known: {', '.join(sorted(assets))}",
                    )
                )
    for j, rule in enumerate(cav.release or ()):
        for k, who in enumerate(rule.to):
            if who not in ids and who not in ROLES:
                problems.append(
                    (
                        (*base, "caveats", "release", j, "to", k),
                        f"{who!r} is neither a member id ({_known(ids)}) nor a role "
                        "(host, orchestrator, partner)",
                    )
                )
    return problems


def _grant_problems(
    loc: Loc, g: AirspaceGrant, ids: Sequence[str], region_owners: Mapping[str, str] | None
) -> list[tuple[Loc, str]]:
    """What grant ``g`` (at ``loc``) names that does not exist or cannot be granted."""
    problems: list[tuple[Loc, str]] = []
    if g.grantee_member not in ids:
        problems.append(
            ((*loc, "grantee_member"), f"unknown member {g.grantee_member!r}; known: {_known(ids)}")
        )
    if region_owners is not None:
        owner = region_owners.get(g.region_id)
        if owner is None:
            problems.append(
                (
                    (*loc, "region_id"),
                    f"unknown region {g.region_id!r}; known: {_known(region_owners)}",
                )
            )
        elif owner != g.grantor_state:
            problems.append(
                (
                    (*loc, "grantor_state"),
                    f"{g.grantor_state!r} does not own region {g.region_id!r} (its owner is "
                    f"{owner!r}); only the owner can grant it",
                )
            )
    if g.grantor_state == g.grantee_member:
        problems.append(((*loc, "grantee_member"), "a state needs no grant over its own region"))
    start, end = g.valid_from, g.valid_until
    if isinstance(start, datetime) and isinstance(end, datetime):
        backwards = end <= start
    else:  # comparable only when both are seconds
        backwards = isinstance(start, float | int) and isinstance(end, float | int) and end <= start
    if backwards:
        problems.append(((*loc, "valid_until"), "ends before it starts; swap the times"))
    return problems
