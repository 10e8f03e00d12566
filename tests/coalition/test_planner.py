"""The letter-exchange planner, checked against hand-derived optima, an independent checker of
the rules' meaning, and a brute-force search over every small set of letters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from inkless.coalition import (
    DocumentType,
    Equivalence,
    Letter,
    Member,
    MemberRules,
    Plan,
    Precondition,
    Prohibition,
    plan_exchange,
)
from inkless.errors import InputError

RFS = DocumentType.REQUEST_FOR_SUPPORT
RTBI = DocumentType.REQUEST_TO_BE_INVITED
ACK = DocumentType.ACKNOWLEDGEMENT_OF_LEGAL_PROCESS
CONSENT = DocumentType.CONSENT
NOTE = DocumentType.NOTIFICATION


# -- an independent reading of the rules (from the issue text, not from the planner) ----------


def author_fits(p: Precondition, author: Member) -> bool:
    return (p.from_member in (None, author.id)) and (p.from_role in (None, author.role))


def precondition_met(m: Member, p: Precondition, by_id: dict[str, Member], docs: Iterable) -> bool:
    for d in docs:
        if d.recipient != m.id or d.author == m.id or not author_fits(p, by_id[d.author]):
            continue
        if d.type == p.document:
            return True
        for e in m.rules.equivalences:
            if e.counts_as != p.document or e.document != d.type:
                continue
            if e.in_reply_to is None:
                return True
            r = d.in_reply_to
            if r is not None and (r.type, r.author, r.recipient) == (
                e.in_reply_to,
                m.id,
                d.author,
            ):
                return True
    return False


def prohibited(author: Member, doc_type: DocumentType, recipient: Member) -> bool:
    return any(
        q.document == doc_type
        and q.to_member in (None, recipient.id)
        and q.to_role in (None, recipient.role)
        for q in author.rules.prohibitions
    )


def exchange_valid(members: Sequence[Member], docs: Sequence[Letter]) -> bool:
    by_id = {m.id: m for m in members}
    seen: set[Letter] = set()
    for d in docs:  # order: a reply only after the letter it answers
        if d.in_reply_to is not None and d.in_reply_to not in seen:
            return False
        if prohibited(by_id[d.author], d.type, by_id[d.recipient]):
            return False
        seen.add(d)
    return all(precondition_met(m, p, by_id, docs) for m in members for p in m.rules.preconditions)


def all_met(members: Sequence[Member], docs: Iterable[Letter]) -> bool:
    by_id = {m.id: m for m in members}
    docs = list(docs)
    return all(precondition_met(m, p, by_id, docs) for m in members for p in m.rules.preconditions)


def brute_force_minimum(
    members: Sequence[Member],
    types: Sequence[DocumentType],
    max_len: int,
    on_record: Iterable[Letter] = (),
) -> int | None:
    """The fewest letters (at most ``max_len``) that, added to ``on_record``, meet every
    precondition without any author breaking a prohibition; ``None`` if none that short.

    Breadth-first over sets of written letters: a step adds any plain letter of ``types`` between
    two members, or a reply of any of ``types`` to any letter on record or written so far."""
    by_id = {m.id: m for m in members}
    start = frozenset(on_record)
    plain = [
        Letter(t, a.id, b.id)
        for t in types
        for a in members
        for b in members
        if a.id != b.id and not prohibited(a, t, b)
    ]
    level: set[frozenset[Letter]] = {frozenset()}
    for k in range(max_len + 1):
        if any(all_met(members, start | added) for added in level):
            return k
        nxt: set[frozenset[Letter]] = set()
        for added in level:
            have = start | added
            replies = [
                Letter(t, r.recipient, r.author, r)
                for r in have
                for t in types
                if not prohibited(by_id[r.recipient], t, by_id[r.author])
            ]
            nxt.update(added | {d} for d in (*plain, *replies) if d not in have)
        level = nxt
    return None


def plan_letters(plan: Plan) -> list[Letter]:
    """The plan's letters, in order, with their replies resolved (to steps or to the record)."""
    out: list[Letter] = []
    for s in plan.steps:
        reply = out[s.in_reply_to - 1] if s.in_reply_to is not None else s.answers_record
        out.append(Letter(s.type, s.author, s.recipient, reply))
    return out



# -- the cases the issue names ------------------------------------------------------------------

HOST = Member("H", "host", rules=MemberRules(prohibitions=(Prohibition(document=RFS),)))
PARTNER = Member(
    "P",
    "partner",
    rules=MemberRules(
        preconditions=(Precondition(document=RFS, from_member="H", reason="its law"),),
        equivalences=(Equivalence(counts_as=RFS, document=ACK, in_reply_to=RTBI),),
    ),
)


def test_two_letter_exchange() -> None:
    plan = plan_exchange([HOST, PARTNER])
    assert plan.ok
    steps = [(s.step, s.author, s.recipient, s.type, s.in_reply_to) for s in plan.steps]
    assert steps == [(1, "P", "H", RTBI, None), (2, "H", "P", ACK, 1)]
    assert plan.steps[1].meets == (("P", 0),) and plan.steps[0].prepares == (("P", 0),)
    assert exchange_valid([HOST, PARTNER], plan_letters(plan))
    assert brute_force_minimum([HOST, PARTNER], [RFS, RTBI, ACK], 2) == 2


def test_five_members_mixed_rules() -> None:
    members = [
        HOST,
        PARTNER,
        Member(  # needs the host's consent: one letter
            "Q",
            "partner",
            anonymous=True,
            rules=MemberRules(preconditions=(Precondition(document=CONSENT, from_role="host"),)),
        ),
        Member(  # its law takes a plain notification from the host as an invitation
            "R",
            "partner",
            rules=MemberRules(
                preconditions=(Precondition(document=RFS, from_role="host"),),
                prohibitions=(Prohibition(document=RTBI),),
                equivalences=(Equivalence(counts_as=RFS, document=NOTE),),
            ),
        ),
        Member(  # wants a notification from some partner; P, Q and R all may send it
            "O",
            "orchestrator",
            rules=MemberRules(preconditions=(Precondition(document=NOTE, from_role="partner"),)),
        ),
    ]
    plan = plan_exchange(members)
    assert plan.ok
    letters = plan_letters(plan)
    assert exchange_valid(members, letters)
    # Lower bound by hand: each precondition is met only by a letter to its holder, and P, Q, R
    # and O each hold one (4 letters); P's only route is a reply, which needs P's own letter
    # first (the host never issues request_for_support): 5. The plan reaches it.
    assert len(letters) == 5
    by_pair = {(d.author, d.recipient, d.type) for d in letters}
    assert ("H", "R", NOTE) in by_pair and ("H", "Q", CONSENT) in by_pair
    assert sum(1 for d in letters if d.recipient == "O") == 1
    # dropping any one letter breaks it (minimal, not just valid)
    for i in range(len(letters)):
        rest = [d for j, d in enumerate(letters) if j != i]
        assert not exchange_valid(members, rest)


def test_unsatisfiable_names_the_conflicting_rules() -> None:
    strict = Member(
        "P",
        "partner",
        rules=MemberRules(
            preconditions=(Precondition(document=RFS, from_member="H", reason="art. 24"),)
        ),
    )
    host = Member(
        "H",
        "host",
        rules=MemberRules(prohibitions=(Prohibition(document=RFS, reason="on principle"),)),
    )
    plan = plan_exchange([host, strict])
    assert not plan.ok and plan.steps == ()
    assert plan.conflicts == (
        "P requires request_for_support from H (art. 24); H prohibits issuing "
        "request_for_support (on principle); no equivalence of P's accepts another document",
    )


def test_unsatisfiable_when_the_equivalence_is_blocked_too() -> None:
    shy = Member(
        "P",
        "partner",
        rules=PARTNER.rules.model_copy(
            update={"prohibitions": (Prohibition(document=RTBI, to_role="host"),)}
        ),
    )
    plan = plan_exchange([HOST, shy])
    assert not plan.ok
    (line,) = plan.conflicts
    assert "H prohibits issuing request_for_support" in line
    assert "P prohibits issuing request_to_be_invited to the host" in line
    assert brute_force_minimum([HOST, shy], [RFS, RTBI, ACK], 3) is None


def test_letters_on_record_shorten_the_plan() -> None:
    first = Letter(RTBI, "P", "H")
    plan = plan_exchange([HOST, PARTNER], on_record=[first])
    assert [(s.author, s.type, s.in_reply_to, s.answers_record) for s in plan.steps] == [
        ("H", ACK, None, first)
    ]
    done = plan_exchange([HOST, PARTNER], on_record=[first, Letter(ACK, "H", "P", first)])
    assert done.ok and done.steps == ()


def test_rules_naming_unknown_members_are_bad_input() -> None:
    lost = Member(
        "P",
        "partner",
        rules=MemberRules(preconditions=(Precondition(document=RFS, from_member="X"),)),
    )
    with pytest.raises(InputError, match="unknown member 'X'"):
        plan_exchange([HOST, lost])
