"""Putting the exchange on record: plan against the ledger, sign with office keys, append.

Where it sits: the coalition's front door for the command line (and later the service). It ties
the planner (scenario ids), the keys directory and the ledger (ledger identities: pseudonyms for
anonymous members) together, in one ledger transaction per call, so that either everything is
appended or nothing is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inkless.errors import InputError

from .basis import MAX_DELAY_S
from .documents import (
    SignedStatement,
    canonical_json,
    document_fields,
    parse_utc,
    sign_statement,
    utc_iso,
)
from .keys import KeyStore, OfficeKeys, check_secret
from .ledger import Appender, Ledger
from .members import AirspaceGrant, DocumentType, Member, MemberRules
from .planner import Letter, Plan, describe_step, plan_exchange, precondition_met_by
from .state import Entry, LedgerState, coordinator_of
from .views import ledger_identity

__all__ = [
    "RecordedPlan",
    "Renewal",
    "append_document",
    "ledger_members",
    "plan_on_ledger",
    "record_keys",
    "roster_fields",
    "signing_times",
    "sync_keys",
    "unrecorded_key_statements",
]


@dataclass(frozen=True)
class Renewal:
    """A document on the ledger that must be renewed (ids as in the scenario)."""

    seq: int
    document_id: str
    type: str
    author: str
    recipient: str
    reason: str


@dataclass(frozen=True)
class RecordedPlan:
    """The plan, what must be renewed, and the entries appended (empty when not writing or when
    no exchange exists). ``step_documents`` maps step number to the appended document id."""

    plan: Plan
    renew: tuple[Renewal, ...]
    appended: tuple[Entry, ...]
    step_documents: Mapping[int, str]
    step_renews: Mapping[int, str] = field(default_factory=dict)
    step_times: Mapping[int, str] = field(default_factory=dict)
    """Step number -> when its letter is (or would be) signed, UTC."""
    notes: tuple[str, ...] = ()
    """Key changes from the keys directory that were put on record first (or, in a dry run,
    would be)."""


def _translate_rules(rules: MemberRules, ids: Mapping[str, str], keep_reasons: bool) -> MemberRules:
    data = rules.model_dump(mode="json", exclude_defaults=True)
    for p in data.get("preconditions", []):
        if p.get("from_member") is not None:
            p["from_member"] = ids.get(p["from_member"], p["from_member"])
    for q in data.get("prohibitions", []):
        if q.get("to_member") is not None:
            q["to_member"] = ids.get(q["to_member"], q["to_member"])
    for r in data.get("caveats", {}).get("release", None) or []:
        r["to"] = [ids.get(x, x) for x in r.get("to", [])]
    if not keep_reasons:
        for section in ("preconditions", "prohibitions", "equivalences"):
            for item in data.get(section, []):
                item.pop("reason", None)
    return MemberRules.model_validate(data)


def ledger_members(members: Sequence[Member], secret: bytes) -> dict[str, Member]:
    """Scenario id -> the member as it appears on the ledger: under its ledger identity, with the
    ids in its rules translated, and, for an anonymous member, its legal reasons left out (they
    could reveal it) and no name."""
    if any(m.anonymous for m in members):
        check_secret(secret)  # never a pseudonym anyone could compute
    ids = {m.id: ledger_identity(m, secret) for m in members}
    clash = {m.id for m in members if not m.anonymous} & {ids[m.id] for m in members if m.anonymous}
    if clash:
        raise InputError(f"members: id {sorted(clash)[0]!r} looks like a pseudonym; rename it")
    return {
        m.id: Member(
            ids[m.id], m.role, m.anonymous, _translate_rules(m.rules, ids, not m.anonymous)
        )
        for m in members
    }


def roster_fields(
    members: Sequence[Member], author: str, epoch: datetime | None, at: datetime
) -> dict[str, Any]:
    """The unsigned roster statement: ledger members (no names), the scenario epoch, kept by
    ``author``."""
    return {
        "kind": "roster",
        "author": author,
        "epoch": utc_iso(epoch) if epoch is not None else None,
        "members": _roster_payload(members),
        "issued_at": utc_iso(at),
    }


def _roster_payload(members: Sequence[Member]) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "role": m.role,
            "anonymous": m.anonymous,
            "rules": m.rules.model_dump(mode="json", exclude_defaults=True),
        }
        for m in members
    ]


def sync_keys(
    tx: Appender,
    keys: KeyStore,
    member: str,
    at: datetime,
    create: bool,
    made: list[str] | None = None,
) -> OfficeKeys:
    """Bring ``member``'s public key statements from ``keys`` onto the ledger and return its keys
    (made at ``at`` when missing and ``create``; then its id is added to ``made``). Raises
    :class:`InputError` for a wrong key (a root other than the one on the ledger) or a holder key
    not valid at ``at`` (revoked/rotated).
    """
    if create:
        office, new = keys.ensure(member, at)
        if new and made is not None:
            made.append(member)
    else:
        office = keys.load(member)
    _sync_statements(tx, keys, office)
    why = tx.state.holder_problem(office.holder_key_id, member, utc_iso(at))
    if why is not None:
        raise InputError(f"keys: {member}: {why}")
    return office


def _check_root(
    state: LedgerState, keys: KeyStore, office: OfficeKeys, ledger: str = "the ledger"
) -> None:
    """Raise :class:`InputError` if the ledger holds another root key for ``office``'s member."""
    on = state.roots.get(office.member)
    if on is not None and on[0] != office.root_key_id:
        raise InputError(
            f"keys: {office.member}'s root key in {keys.path} ({office.root_key_id}) is not the "
            f"one on {ledger} ({on[0]}); wrong key: use the keys directory that made the ledger"
        )


def _sync_statements(tx: Appender, keys: KeyStore, office: OfficeKeys) -> None:
    _check_root(tx.state, keys, office)
    for s in office.statements:
        if s.text not in tx.state.statements:
            tx.append(s)


def _holder_changes(statements: Sequence[SignedStatement], state: LedgerState) -> list[str]:
    """``"MEMBER's office holder changed at T"`` for each endorsement among ``statements`` that
    ends a key the ledger ``state`` holds as open."""
    out = []
    for s in statements:
        f = s.fields()
        old = state.keys.get(f["key_id"]) if f["kind"] == "key_endorsement" else None
        if old is not None and old.valid_until is None and f["valid_until"] is not None:
            out.append(f"{f['member']}'s office holder changed at {f['valid_until']}")
    return out


def unrecorded_key_statements(
    state: LedgerState, keys: KeyStore, ledger: str = "the ledger"
) -> tuple[list[SignedStatement], list[str]]:
    """The key statements in ``keys`` of offices on the ledger (``state``) that the ledger lacks
    (a rotation made without ``--ledger``), checked in order against the ledger, and one line
    per office saying so (``ledger`` names the file in it). ``state`` is not changed. Raises
    :class:`InputError` when the keys are not the ledger's (another root) or do not check."""
    work = state.copy()
    extra: list[SignedStatement] = []
    notes: list[str] = []
    for member in keys.members():
        if member not in state.roots:
            continue
        office = keys.load(member)
        _check_root(state, keys, office, ledger)
        new = [s for s in office.statements if s.text not in state.statements]
        for s in new:
            problems = work.check(s)
            if problems:
                raise InputError(f"keys: {member} in {keys.path}: " + "; ".join(problems))
        changes = _holder_changes(new, work)
        for s in new:
            work.apply(s, 0)
        extra += new
        if changes:
            notes.append(
                f"{ledger}: {'; '.join(changes)} (in {keys.path}, not yet on the ledger): "
                f"applied, the former holder's letters lapse from then; record it with "
                f"`inkless coalition keys --keys {keys.path} --member {member} --ledger {ledger}`"
            )
    return extra, notes


def record_keys(
    ledger: Ledger, keys: KeyStore, member: str, at: datetime | None, *, rotate: bool = False
) -> tuple[OfficeKeys, list[Entry], list[str]]:
    """Put ``member``'s key statements on ``ledger`` (made at ``at`` if missing), after rotating
    its office holder at ``at`` if ``rotate``: the keys, the entries appended and one line per
    holder change recorded. One transaction. A rotation is refused if the holder signed
    something on the ledger at or after ``at``; the keys directory is rotated before the append,
    so if the append fails the message says how to record it later."""
    with ledger.transaction() as tx:
        at = at or tx.now()
        first = len(tx.entries)
        if rotate:
            office = keys.load(member)
            _check_root(tx.state, keys, office)
            t = utc_iso(at)
            late = tx.state.signed_since(office.holder_key_id, t)
            if late:
                raise InputError(
                    f"keys: cannot rotate {member} at {t}: its office holder signed entry "
                    f"{late[-1].seq} at {late[-1].fields['issued_at']}; rotate at a later time"
                )
            office = keys.rotate(member, at)
        else:
            office, _ = keys.ensure(member, at)
        before = tx.state.copy()
        try:
            _sync_statements(tx, keys, office)
        except InputError as e:
            if rotate:
                raise InputError(
                    f"{e} (the rotation is made in {keys.path} but not on {ledger.path}; record it "
                    f"with `inkless coalition keys --keys {keys.path} --member {member} --ledger "
                    f"{ledger.path}`)"
                ) from None
            raise
        added = tx.entries[first:]
        return office, added, _holder_changes([e.signed() for e in added], before)


def _on_record(
    state: LedgerState, at: str, reverse: Mapping[str, str], members: Sequence[Member]
) -> tuple[dict[Letter, str], set[str]]:
    """Documents between scenario members that count at ``at``, as letters (scenario ids) ->
    document id: the current ones, and the lapsed ones that meet a precondition which
    ``survives_office_change`` (with the letters they answer); the ids of the latter."""
    every: dict[str, Letter] = {}
    for d in state.documents.values():
        f = d.fields
        if f["author"] not in reverse or f["recipient"] not in reverse:
            continue
        reply = every.get(f["in_reply_to"]) if f["in_reply_to"] is not None else None
        if f["in_reply_to"] is not None and reply is None:
            continue
        every[d.id] = Letter(
            DocumentType(f["type"]), reverse[f["author"]], reverse[f["recipient"]], reply
        )
    now = {d.id for d in state.current_documents(at)}
    current = {i: x for i, x in every.items() if i in now}
    kept: set[str] = set()
    for m in members:
        for j, p in enumerate(m.rules.preconditions):
            hit = precondition_met_by(members, m, j, every.values())
            if not p.survives_office_change or hit is None or hit in current.values():
                continue
            chain = hit.thread()
            kept |= {i for i, x in every.items() if x in chain and i not in current}
    return {x: i for i, x in every.items() if i in current or i in kept}, kept


def plan_on_ledger(
    ledger: Ledger,
    keys: KeyStore,
    members: Sequence[Member],
    epoch: datetime | None,
    at: datetime | None,
    *,
    grants: Sequence[AirspaceGrant] = (),
    write: bool = True,
    delay_s: float = 0.0,
    before_commit: Callable[[], None] | None = None,
) -> RecordedPlan:
    """Plan the exchange from what is on the ledger at ``at`` (``None``: now, read under the
    ledger's lock, so that concurrent appenders stay in time order) and, if ``write``, sign it
    with the members' office keys (made on first use) and append it, with a new roster when the
    members or their rules changed. One transaction: on any error nothing is appended. Key
    changes in the keys directory (a rotation) are put on record first, so the plan renews what
    they lapse; without ``write`` (a dry run) they are applied, the plan is made, and nothing is
    written.
    Letter ``k`` (1-based) is signed at ``at + (k - 1) * delay_s`` (a reply some time after its
    letter).

    An ``airspace_grant`` letter carries the scenario's ``grants`` from its author to its
    recipient (times as UTC); there must be at least one, and none may have expired at ``at``.
    """
    made: list[str] = []
    try:
        return _plan_on_ledger(
            ledger, keys, members, epoch, at, grants, write, delay_s, before_commit, made
        )
    except BaseException:
        for member in made:  # keys made for an append that did not happen
            keys.discard_new(member)
        raise


def _plan_on_ledger(
    ledger: Ledger,
    keys: KeyStore,
    members: Sequence[Member],
    epoch: datetime | None,
    at: datetime | None,
    grants: Sequence[AirspaceGrant],
    write: bool,
    delay_s: float,
    before_commit: Callable[[], None] | None,
    made: list[str],
) -> RecordedPlan:
    _check_delay(delay_s)
    secret = keys.secret(create=write)
    ledger_of = ledger_members(members, secret)
    ids = {sid: m.id for sid, m in ledger_of.items()}
    reverse = {lid: sid for sid, lid in ids.items()}
    with ledger.transaction(before_commit, commit=write) as tx:
        at = at or tx.now()  # the signing time, taken under the lock
        t = utc_iso(at)
        first = len(tx.entries)
        before = tx.state.copy()
        for lid in ids.values():  # key changes made in the directory (a rotation) go first
            if keys.has(lid):
                _sync_statements(tx, keys, keys.load(lid))
        notes = tuple(_holder_changes([e.signed() for e in tx.entries[first:]], before))
        state = tx.state
        on_record, kept = _on_record(state, t, reverse, members)
        renew = _renewals(state, t, reverse, kept)
        plan = plan_exchange(members, on_record)
        times = signing_times(plan, at, delay_s)
        step_times = {k: utc_iso(v) for k, v in times.items()}
        if not plan.ok or not write:
            appended = tuple(tx.entries[first:]) if write else ()
            return RecordedPlan(plan, renew, appended, {}, {}, step_times, notes)
        _append_roster_if_changed(tx, keys, list(ledger_of.values()), epoch, at, made)
        step_docs, step_renews = _append_letters(
            tx, keys, plan, members, ids, on_record, renew, grants, epoch, times, made
        )
        return RecordedPlan(
            plan, renew, tuple(tx.entries[first:]), step_docs, step_renews, step_times, notes
        )


def _renewals(
    state: LedgerState, t: str, reverse: Mapping[str, str], kept: set[str]
) -> tuple[Renewal, ...]:
    """The documents that must be renewed at ``t`` (ids as in the scenario; ``reverse`` maps
    ledger ids back), but for those in ``kept``: a precondition they meet survives the change
    of office."""
    return tuple(
        Renewal(
            d.seq,
            d.id,
            d.fields["type"],
            reverse.get(d.fields["author"], d.fields["author"]),
            reverse.get(d.fields["recipient"], d.fields["recipient"]),
            reason,
        )
        for d, reason in state.stale_documents(t)
        if d.id not in kept
    )


def _append_roster_if_changed(
    tx: Appender, keys: KeyStore, lmembers: list[Member], epoch: datetime | None,
    at: datetime, made: list[str],
) -> None:
    """Append a new roster (signed by the coordinator's office) when the ledger members, their
    rules or the epoch differ from the roster on record."""
    state = tx.state
    payload = _roster_payload(lmembers)
    epoch_text = utc_iso(epoch) if epoch is not None else None
    if canonical_json(payload) != canonical_json(state.roster_members) or (
        state.epoch != epoch_text
    ):
        keeper = state.coordinator or _keeper(lmembers)
        office = sync_keys(tx, keys, keeper, at, create=True, made=made)
        tx.append(sign_statement(roster_fields(lmembers, keeper, epoch, at), office.holder))


def _append_letters(
    tx: Appender, keys: KeyStore, plan: Plan, members: Sequence[Member], ids: Mapping[str, str],
    on_record: Mapping[Letter, str], renew: Sequence[Renewal], grants: Sequence[AirspaceGrant],
    epoch: datetime | None, times: Mapping[int, datetime], made: list[str],
) -> tuple[dict[int, str], dict[int, str]]:
    """Sign and append the plan's letters, each with its author's office keys at its signing
    time, in reply to the letter or record it answers, renewing a stale document of the same
    type, author and recipient. Returns step -> document id and step -> id it renews."""
    by_letter = dict(on_record)
    step_docs: dict[int, str] = {}
    step_renews: dict[int, str] = {}
    renewed = {(r.type, r.author, r.recipient): r.document_id for r in renew}
    anonymous = {m.id for m in members if m.anonymous}
    for step in plan.steps:
        if step.in_reply_to is not None:
            reply: str | None = step_docs[step.in_reply_to]
        elif step.answers_record is not None:
            reply = by_letter[step.answers_record]
        else:
            reply = None
        body: dict[str, Any] = {
            "purpose": describe_step(
                step, members, lambda mid: ids[mid], lambda mid: mid not in anonymous
            )
        }
        if step.type == DocumentType.AIRSPACE_GRANT:
            body["grants"] = _grants_body(step.author, step.recipient, grants, ids, epoch)
        old = renewed.get((step.type.value, step.author, step.recipient))
        if old is not None:
            body["renews"] = old
            step_renews[step.step] = old
        when = times[step.step]
        office = sync_keys(tx, keys, ids[step.author], when, create=True, made=made)
        fields = document_fields(
            step.type, ids[step.author], ids[step.recipient], when, body, reply
        )
        tx.append(sign_statement(fields, office.holder))
        step_docs[step.step] = fields["id"]
    return step_docs, step_renews


def _check_delay(delay_s: float) -> None:
    if not (0.0 <= delay_s <= MAX_DELAY_S):
        raise InputError(
            f"--delay-s: {delay_s} s is not between 0 and 30 days; give the time between letters "
            "in seconds"
        )


def signing_times(plan: Plan, at: datetime, delay_s: float) -> dict[int, datetime]:
    """Step number -> when its letter is signed: letter ``k`` (1-based) at ``at + (k - 1) *
    delay_s``. Raises :class:`InputError` unless ``0 <= delay_s <= MAX_DELAY_S``."""
    _check_delay(delay_s)
    return {s.step: at + timedelta(seconds=(s.step - 1) * delay_s) for s in plan.steps}


def _grants_body(
    author: str,
    recipient: str,
    grants: Sequence[AirspaceGrant],
    ids: Mapping[str, str],
    epoch: datetime | None,
) -> list[dict[str, Any]]:
    out = []
    for g in grants:
        if (g.grantor_state, g.grantee_member) != (author, recipient):
            continue
        times: dict[str, str | None] = {}
        for name in ("valid_from", "valid_until"):
            v = getattr(g, name)
            if v is None or isinstance(v, datetime):
                times[name] = utc_iso(v) if v is not None else None
            elif epoch is None:
                raise InputError(f"grants: {name} is in seconds but the scenario has no epoch")
            else:
                times[name] = utc_iso(epoch + timedelta(seconds=float(v)))
        out.append(
            {
                "grantor_state": ids.get(g.grantor_state, g.grantor_state),
                "grantee_member": ids[g.grantee_member],
                "region_id": g.region_id,
                "what": g.what,
                **times,
            }
        )
    if not out:
        raise InputError(
            f"plan: an airspace_grant from {author} to {recipient} is needed, but the scenario "
            f"has no grant from {author} to {recipient}; add one to grants"
        )
    return out


def _keeper(members: Sequence[Member]) -> str:
    keeper = coordinator_of(members)
    if keeper is not None:
        return keeper
    raise InputError(
        "members: no orchestrator or host to keep the ledger's roster; give one member that role"
    )


def _bad(message: str) -> InputError:
    return InputError(f"ledger append: document: {message}")


_DOC_KEYS = {"type", "author", "recipient", "body", "in_reply_to", "issued_at"}


def append_document(
    ledger: Ledger,
    raw: Mapping[str, Any],
    keys: KeyStore | None,
    at: datetime | None,
    *,
    before_commit: Callable[[], None] | None = None,
) -> list[Entry]:
    """Append one document, given either unsigned (``type``, ``author``, ``recipient``, optional
    ``body``, ``in_reply_to``, ``issued_at``; signed here with the author's current office key
    from ``keys``, issued at ``at`` unless given; ``at`` ``None``: now, under the lock) or
    already signed (``{"statement": {...}, "signature": hex}``). Authors and recipients are
    ledger identities. Returns the entries appended (the author's new key statements, then the
    document). Raises :class:`InputError` (nothing appended) for anything the ledger refuses.
    """
    with ledger.transaction(before_commit) as tx:
        first = len(tx.entries)
        if set(raw) == {"statement", "signature"}:
            st = raw["statement"]
            if not isinstance(st, dict) or not isinstance(raw["signature"], str):
                raise _bad("statement must be an object and signature a string")
            if st.get("kind") != "document":
                raise _bad("the statement's kind must be 'document'")
            tx.append(
                SignedStatement(
                    "document",
                    canonical_json(st, "document.statement"),
                    raw["signature"],
                    str(st.get("signer_key_id")),
                )
            )
            return tx.entries[first:]
        extra = set(raw) - _DOC_KEYS
        missing = {"type", "author", "recipient"} - set(raw)
        if extra or missing:
            raise _bad(
                (f"unknown field(s) {sorted(extra)}; " if extra else "")
                + (f"missing {sorted(missing)}; " if missing else "")
                + "give type, author, recipient and optionally body, in_reply_to, issued_at"
            )
        try:
            doc_type = DocumentType(raw["type"])
        except ValueError:
            kinds = ", ".join(t.value for t in DocumentType)
            raise _bad(f"type {raw['type']!r} is not one of {kinds}") from None
        for name in ("author", "recipient"):
            if not isinstance(raw[name], str):
                raise _bad(f"{name} must be a member id (a string)")
        author, recipient = raw["author"], raw["recipient"]
        known = ", ".join(sorted(tx.state.roster)) or "none yet"
        for name, who in (("author", author), ("recipient", recipient)):
            if who not in tx.state.roster:
                raise _bad(
                    f"{name} {who!r} is not a member on the ledger's roster (known: {known})"
                )
        body = raw.get("body") or {}
        if not isinstance(body, dict):
            raise _bad("body must be a JSON object")
        reply = raw.get("in_reply_to")
        if reply is not None and not isinstance(reply, str):
            raise _bad("in_reply_to must be a document id (a string)")
        when = (
            parse_utc(raw["issued_at"], "document.issued_at")
            if raw.get("issued_at")
            else at or tx.now()  # the signing time, taken under the lock
        )
        if keys is None:
            raise _bad("it is not signed; give --keys DIR to sign it")
        office = sync_keys(tx, keys, author, when, create=False)
        fields = document_fields(doc_type, author, recipient, when, body, reply)
        tx.append(sign_statement(fields, office.holder))
        return tx.entries[first:]
