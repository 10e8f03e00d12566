"""A member's legal basis: which letters are on record, and when its forces act.

Where it sits: coalition, below the scenario, so it takes plain inputs (members with their rules,
the letters with their times, the epoch); :func:`~.gates.build_gates` puts the result in the
:class:`~.gates.Gates` the pipeline reads every tick.

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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inkless.errors import IntegrityError

from .documents import SignedStatement, parse_utc
from .members import DocumentType, EpochTime, Member, seconds_since
from .planner import (
    Letter,
    describe_precondition,
    plan_exchange,
    precondition_met_by,
    prohibition_of,
)
from .state import Entry, Problem, replay

__all__ = [
    "LEGAL_BASIS",
    "MAX_DELAY_S",
    "CoalitionSettings",
    "LetterOnRecord",
    "MemberBasis",
    "OfficeChange",
    "PlannedExchange",
    "TimedLetter",
    "basis_json",
    "ledger_letters",
    "legal_basis",
    "record_letters",
    "record_problems",
]

#: The pseudo-rule ``MEMBER:legal_basis``: lifting it lets the member act from the start.
LEGAL_BASIS = "legal_basis"
#: The longest time between two letters of an exchange, seconds (30 days).
MAX_DELAY_S = 30 * 86400.0

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class TimedLetter:
    """A letter on record over ``[start_s, end_s)`` (seconds since the epoch); ``source`` says
    where it comes from (``documents[2]``, ``exchange step 1``, ``ledger entry 7 doc-...``)."""

    letter: Letter
    start_s: float
    end_s: float = math.inf
    source: str = ""


Interval = tuple[float, float]


@dataclass(frozen=True)
class MemberBasis:
    """When a member's forces act and why: ``acts_from_s``, from when they act for the rest of
    the run (0: from the start, ``inf``: not at the end); ``acts``, every interval ``[from, to)``
    in which they act (s since the epoch, from 0; ``to`` may be ``inf``); ``letters`` that meet
    its ``preconditions`` in those intervals; ``unmet`` preconditions, described, when it does
    not act at the end."""

    member: str
    acts_from_s: float
    preconditions: int = 0
    letters: tuple[TimedLetter, ...] = ()
    unmet: tuple[str, ...] = ()
    acts: tuple[Interval, ...] = ((0.0, math.inf),)


# -- the scenario's ``coalition`` section (boundary models) ------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class LetterOnRecord(_Model):
    """A letter on record: who wrote what to whom, and when it went on record."""

    type: DocumentType
    """The type of document."""
    author: str
    """Member id of the author."""
    recipient: str
    """Member id of the recipient."""
    at: EpochTime
    """When it is on record: ISO 8601 UTC, or seconds since the scenario epoch (may be before)."""
    id: str | None = None
    """A label, so that a later letter can answer this one (``in_reply_to``)."""
    in_reply_to: str | None = None
    """The ``id`` of an earlier letter in the list that this one answers."""


class PlannedExchange(_Model):
    """The planner's shortest exchange, executed: letter ``k`` (1-based) on record at
    ``start + k * delay_s``."""

    start: EpochTime = 0.0
    """When the exchange begins: ISO 8601 UTC, or seconds since the epoch."""
    delay_s: float = Field(0.0, ge=0.0, le=MAX_DELAY_S)
    """Time each letter takes to be written and put on record, seconds."""


class OfficeChange(_Model):
    """A member's office holder changes (a new minister takes office): the letters its former
    holder signed, and the replies to them, lapse then (unless the precondition they meet
    ``survives_office_change``)."""

    member: str
    """Member id whose office changes hands."""
    at: EpochTime
    """When: ISO 8601 UTC, or seconds since the scenario epoch."""
    holder: str = ""
    """Who takes office (for the record)."""


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
                elif seconds_since(d.at, epoch) < seconds_since(first.at, epoch):
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
    changes = [(c.member, seconds_since(c.at, epoch)) for c in settings.office_changes]

    def lapse(author: str, start: float, parent: TimedLetter | None) -> float:
        own = min((t for who, t in changes if who == author and t > start), default=math.inf)
        return own if parent is None else min(own, parent.end_s)

    out: list[TimedLetter] = []
    if settings.documents is not None:
        by_label: dict[str, TimedLetter] = {}
        for i, d in enumerate(settings.documents):
            parent = by_label.get(d.in_reply_to) if d.in_reply_to is not None else None
            letter = Letter(d.type, d.author, d.recipient, parent.letter if parent else None)
            start = seconds_since(d.at, epoch)
            x = TimedLetter(letter, start, lapse(d.author, start, parent), f"documents[{i}]")
            if d.id is not None:
                by_label[d.id] = x
            out.append(x)
        return out
    ex = settings.exchange or PlannedExchange()
    plan = plan_exchange(members)
    if not plan.ok:
        return []
    first = seconds_since(ex.start, epoch)
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
    id (see ``recording.ledger_members``); documents between others are left out. ``extra``: key
    statements not yet on the ledger (a rotation in the keys directory, see
    ``recording.unrecorded_key_statements``), applied after the entries. Raises
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
        start = seconds_since(parse_utc(f["issued_at"]), epoch)
        end = seconds_since(parse_utc(lapses[d.id][0]), epoch) if d.id in lapses else math.inf
        letter = Letter(
            DocumentType(f["type"]), author, recipient, parent.letter if parent else None
        )
        t = TimedLetter(letter, start, end, f"ledger entry {d.seq} {d.id}")
        by_doc[d.id] = t
        out.append(t)
    return out


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
                chain = hit.thread() if hit is not None else ()
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
