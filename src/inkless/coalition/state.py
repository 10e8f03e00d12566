"""What a ledger's statements establish, replayed in order: the chain of entries, the roster,
the office keys and their windows, the documents, when each letter lapses.

Where it sits: coalition, between the statements (:mod:`~.statements`: is one well formed) and
the store (:mod:`~.ledger`: SQLite). :func:`replay` checks a sequence of entries -- the hash chain
(Haber & Stornetta 1991), every signature, which key was valid for whom and when, the members'
rules -- and builds the :class:`LedgerState`; the store calls it to verify and before every
append, and the legal basis reads the letters from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from .documents import (
    SignedStatement,
    canonical_json,
    document_id,
    is_canonical_utc,
    key_id,
    parse_utc,
    public_from_hex,
    signature_valid,
    time_problem,
    utc_iso,
)
from .members import ROLES, AirspaceGrant, DocumentType, Member, MemberRules, coalition_problems
from .planner import prohibition_of
from .statements import MEMBER_FIELDS, statement_problems

__all__ = [
    "GENESIS",
    "Entry",
    "HolderKey",
    "LedgerState",
    "Problem",
    "RecordedDocument",
    "coordinator_of",
    "entry_hash",
    "replay",
]

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


def entry_hash(
    seq: int,
    kind: str,
    statement: str,
    signature: str,
    signer_key_id: str,
    recorded_at: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) over the canonical JSON of every other stored field of an entry."""
    text = canonical_json(
        {
            "seq": seq,
            "kind": kind,
            "statement": statement,
            "signature": signature,
            "signer_key_id": signer_key_id,
            "recorded_at": recorded_at,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One stored row of the ledger."""

    seq: int
    kind: str
    statement: str
    signature: str
    signer_key_id: str
    recorded_at: str
    prev_hash: str
    entry_hash: str

    def signed(self) -> SignedStatement:
        """The signed statement this entry stores."""
        return SignedStatement(self.kind, self.statement, self.signature, self.signer_key_id)

    def fields(self) -> dict[str, Any]:
        """The statement parsed (raises ``ValueError`` if it is not a JSON object)."""
        return self.signed().fields()


@dataclass(frozen=True)
class HolderKey:
    """An office-holder key as endorsed on the ledger; times are canonical UTC strings."""

    member: str
    key_id: str
    public: Ed25519PublicKey
    valid_from: str
    valid_until: str | None


@dataclass(frozen=True)
class RecordedDocument:
    """A document on the ledger: its entry number and its statement fields."""

    seq: int
    fields: dict[str, Any]

    @property
    def id(self) -> str:
        """The document id."""
        return str(self.fields["id"])


@dataclass(frozen=True)
class Problem:
    """A verification problem; ``seq`` names the entry (``None``: the file as a whole)."""

    seq: int | None
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}" if self.seq is not None else self.message


@dataclass
class LedgerState:
    """What the statements so far establish: the roster, the keys and their windows, the
    documents. Built by replaying entries in order; :meth:`check` says what is wrong with the next
    statement, :meth:`apply` records it."""

    roster: dict[str, Member] = field(default_factory=dict)
    roster_members: list[dict[str, Any]] | None = None
    epoch: str | None = None
    coordinator: str | None = None
    roots: dict[str, tuple[str, Ed25519PublicKey]] = field(default_factory=dict)
    keys: dict[str, HolderKey] = field(default_factory=dict)
    documents: dict[str, RecordedDocument] = field(default_factory=dict)
    statements: set[str] = field(default_factory=set)
    last_time: str | None = None

    def copy(self) -> LedgerState:
        """A copy that can be applied to without changing this one (records are shared)."""
        return replace(
            self,
            roster=dict(self.roster),
            roots=dict(self.roots),
            keys=dict(self.keys),
            documents=dict(self.documents),
            statements=set(self.statements),
        )

    # -- checks ---------------------------------------------------------------------------------

    def check(self, s: SignedStatement) -> list[str]:
        """Problems with appending ``s`` now (empty: it may be appended)."""
        f, problems = statement_problems(s)
        if f is None or problems:
            return problems
        kind = f["kind"]
        if s.text in self.statements:
            return ["the same statement is already on the ledger"]
        check = {
            "key_root": self._check_root,
            "key_endorsement": self._check_endorsement,
            "roster": self._check_roster,
            "document": self._check_document,
        }[kind]
        return check(f, s)

    def _signed_by(self, s: SignedStatement, public: Ed25519PublicKey, whose: str) -> list[str]:
        if key_id(public) != s.signer_key_id:
            return [f"signer key {s.signer_key_id} is not {whose}"]
        if not signature_valid(s, public):
            return [f"signature does not verify against {whose} (forged or altered)"]
        return []

    def _check_root(self, f: dict[str, Any], s: SignedStatement) -> list[str]:
        member = f["member"]
        try:
            public = public_from_hex(f["public_key"])
        except (ValueError, TypeError):
            return [f"root key of {member!r} is not an Ed25519 public key"]
        if f["key_id"] != key_id(public):
            return [f"key_id {f['key_id']!r} is not the id of the public key"]
        problems = self._signed_by(s, public, f"{member}'s root key (self-signed)")
        if member in self.roots:
            problems.append(
                f"{member} already has root key {self.roots[member][0]}; a root key is registered "
                "once"
            )
        if f["key_id"] in self.keys or any(r[0] == f["key_id"] for r in self.roots.values()):
            problems.append(f"key {f['key_id']} is already registered")
        return problems

    def _check_endorsement(self, f: dict[str, Any], s: SignedStatement) -> list[str]:
        member = f["member"]
        if member not in self.roots:
            return [f"endorses a key for {member!r}, which has no root key on the ledger"]
        root_id, root = self.roots[member]
        problems = self._signed_by(s, root, f"{member}'s root key {root_id}")
        try:
            public = public_from_hex(f["public_key"])
        except (ValueError, TypeError):
            return [*problems, "endorsed key is not an Ed25519 public key"]
        kid = f["key_id"]
        if kid != key_id(public):
            problems.append(f"key_id {kid!r} is not the id of the endorsed public key")
        frm, until = f["valid_from"], f["valid_until"]
        if not is_canonical_utc(frm) or (until is not None and not is_canonical_utc(until)):
            return [*problems, "valid_from/valid_until are not UTC times YYYY-MM-DDTHH:MM:SSZ"]
        if until is not None and until <= frm:
            problems.append(f"validity ends ({until}) before it starts ({frm})")
        if any(r[0] == kid for r in self.roots.values()):
            problems.append(f"key {kid} is a root key; a root key signs endorsements only")
        old = self.keys.get(kid)
        if old is not None:
            if old.member != member or old.valid_from != frm:
                problems.append(f"key {kid} was endorsed for {old.member} from {old.valid_from}")
            elif old.valid_until is not None and (until is None or until > old.valid_until):
                problems.append(
                    f"key {kid} ended at {old.valid_until}; an ended key cannot be extended"
                )
        if until is not None:  # no end before what the key has already signed
            late = self.signed_since(kid, until)
            if late:
                problems.append(
                    f"key {kid} signed document {late[-1].id} at {late[-1].fields['issued_at']}, "
                    f"not before its end {until}; end it later"
                )
        return problems

    def signed_since(self, kid: str, at: str) -> list[RecordedDocument]:
        """The documents key ``kid`` signed at or after ``at``, in ledger order."""
        return [
            d for d in self.documents.values()
            if d.fields["signer_key_id"] == kid and d.fields["issued_at"] >= at
        ]  # fmt: skip

    def holder_problem(self, kid: str, member: str, at: str) -> str | None:
        """Why holder key ``kid`` may not sign for ``member`` at ``at`` (``None``: it may)."""
        k = self.keys.get(kid)
        if k is None:
            return f"signer key {kid} is not endorsed on the ledger (wrong key)"
        if k.member != member:
            return f"signer key {kid} belongs to {k.member}, not {member} (wrong key)"
        if at < k.valid_from:
            return f"signer key {kid} of {member} is valid only from {k.valid_from}, not at {at}"
        if k.valid_until is not None and at >= k.valid_until:
            return (
                f"signer key {kid} of {member} was ended at {k.valid_until} (rotated or revoked); "
                f"it cannot sign at {at}; sign with {member}'s current key"
            )
        return None

    def _check_holder_signed(self, f: dict[str, Any], s: SignedStatement, who: str) -> list[str]:
        why = self.holder_problem(s.signer_key_id, who, f["issued_at"])
        if why is not None and s.signer_key_id not in self.keys:
            return [why]
        k = self.keys[s.signer_key_id]
        problems = self._signed_by(s, k.public, f"{k.member}'s key {k.key_id}")
        if why is not None:
            problems.append(why)
        if self.last_time is not None and f["issued_at"] < self.last_time:
            problems.append(
                f"issued_at {f['issued_at']} is earlier than the ledger's latest "
                f"({self.last_time}); documents are recorded in time order"
            )
        return problems

    def _check_roster(self, f: dict[str, Any], s: SignedStatement) -> list[str]:
        members, problems = _roster_members(f["members"])
        if f["epoch"] is not None and not is_canonical_utc(f["epoch"]):
            problems.append("epoch is not a UTC time YYYY-MM-DDTHH:MM:SSZ")
        author = f["author"]
        expected = self.coordinator or coordinator_of(members)
        if expected is None:
            problems.append("the roster has no orchestrator or host to keep it")
        elif author != expected:
            problems.append(f"the roster is kept by {expected}, not {author}")
        return problems + self._check_holder_signed(f, s, author)

    def _check_document(self, f: dict[str, Any], s: SignedStatement) -> list[str]:
        if not self.roster:
            return ["no roster on the ledger yet; record the members first (coalition plan)"]
        problems: list[str] = []
        known = ", ".join(sorted(self.roster))
        for role in ("author", "recipient"):
            who = f[role]
            if who not in self.roster:
                problems.append(f"{role} {who!r} is not a member on the roster (known: {known})")
        if f["author"] == f["recipient"]:
            problems.append("author and recipient are the same member")
        try:
            doc_type = DocumentType(f["type"])
        except ValueError:
            kinds = ", ".join(t.value for t in DocumentType)
            return [*problems, f"type {f['type']!r} is not a document type ({kinds})"]
        if problems:
            return problems
        if f["id"] != document_id(f):
            problems.append(f"id {f['id']!r} is not derived from the content (altered)")
        elif f["id"] in self.documents:
            problems.append(f"document {f['id']} is already on the ledger")
        reply = f["in_reply_to"]
        if reply is not None:
            prior = self.documents.get(reply) if isinstance(reply, str) else None
            if prior is None:
                problems.append(f"in_reply_to {reply!r} is not a document on the ledger")
            elif (prior.fields["author"], prior.fields["recipient"]) != (
                f["recipient"],
                f["author"],
            ):
                problems.append(
                    f"in_reply_to {reply}: that letter is from {prior.fields['author']} to "
                    f"{prior.fields['recipient']}; a reply goes back the other way"
                )
        author, recipient = self.roster[f["author"]], self.roster[f["recipient"]]
        why = prohibition_of(author, doc_type, recipient)
        if why is not None:
            problems.append(f"breaks its author's own rule: {why}")
        if doc_type == DocumentType.AIRSPACE_GRANT:
            problems += self._check_grant(f)
        return problems + self._check_holder_signed(f, s, f["author"])

    def _check_grant(self, f: dict[str, Any]) -> list[str]:
        raw = f["body"].get("grants")
        if not isinstance(raw, list) or not raw:
            return [
                "an airspace_grant's body needs grants: a list of {grantor_state, grantee_member, "
                "region_id, what, valid_from, valid_until}"
            ]
        problems: list[str] = []
        for i, item in enumerate(raw):
            where = f"body.grants[{i}]"
            try:
                g = AirspaceGrant.model_validate(item)
            except ValidationError as e:
                err = e.errors()[0]
                problems.append(f"{where}.{'.'.join(map(str, err['loc']))}: {err['msg']}")
                continue
            if g.grantee_member != f["recipient"]:
                problems.append(
                    f"{where} is for {g.grantee_member}, but the letter goes to {f['recipient']}"
                )
            if g.grantor_state != f["author"] and f["author"] != self.coordinator:
                problems.append(
                    f"{where} is by {g.grantor_state}; only it or the roster's keeper "
                    f"({self.coordinator}) may record it"
                )
            times: dict[str, str] = {}
            for name in ("valid_from", "valid_until"):
                v = getattr(g, name)
                if v is None:
                    continue
                if isinstance(v, datetime):
                    t = v
                elif self.epoch is None:
                    problems.append(f"{where} gives seconds but the roster has no epoch; use UTC")
                    continue
                else:
                    epoch = parse_utc(self.epoch)
                    try:
                        t = epoch + timedelta(seconds=v)
                    except OverflowError:
                        t = (datetime.max if v > 0 else datetime.min).replace(tzinfo=UTC)
                why = time_problem(utc_iso(t), f"{where}.{name}")
                if why is not None:
                    problems.append(why)
                else:
                    times[name] = utc_iso(t)
            until = times.get("valid_until")
            if until is not None and until <= f["issued_at"]:
                problems.append(
                    f"{where} expired at {until}, before the letter "
                    f"({f['issued_at']}); give a window that is still open"
                )
        return problems

    # -- applying -------------------------------------------------------------------------------

    def apply(self, s: SignedStatement, seq: int) -> None:
        """Record ``s`` (entry ``seq``); call only after :meth:`check` found nothing, or while
        replaying a ledger whose problems are being reported."""
        f = s.fields()
        self.statements.add(s.text)
        kind = f["kind"]
        if kind == "key_root":
            self.roots.setdefault(f["member"], (f["key_id"], public_from_hex(f["public_key"])))
        elif kind == "key_endorsement":
            self.keys[f["key_id"]] = HolderKey(
                f["member"],
                f["key_id"],
                public_from_hex(f["public_key"]),
                f["valid_from"],
                f["valid_until"],
            )
        elif kind == "roster":
            members, _ = _roster_members(f["members"])
            self.roster = {m.id: m for m in members}
            self.roster_members = f["members"]
            self.epoch = f["epoch"]
            self.coordinator = self.coordinator or coordinator_of(members)
            self.last_time = max(self.last_time or "", f["issued_at"])
        elif kind == "document":
            self.documents[f["id"]] = RecordedDocument(seq, f)
            self.last_time = max(self.last_time or "", f["issued_at"])

    # -- renewal --------------------------------------------------------------------------------

    def lapses(self) -> dict[str, tuple[str, str]]:
        """Document id -> ``(time, reason)`` for every document that lapses: one signed by an
        office-holder key whose validity ended (a new office holder; it lapses at the key's
        ``valid_until``), and a reply to a lapsing letter (it lapses with that letter, or at its
        own signer's end if earlier). Documents are replayed in ledger order, so a reply's
        letter is always seen first."""
        out: dict[str, tuple[str, str]] = {}
        for d in self.documents.values():
            f = d.fields
            k = self.keys.get(f["signer_key_id"])
            own = None
            if k is not None and k.valid_until is not None:
                own = (
                    k.valid_until,
                    f"signed by {k.member}'s office-holder key {k.key_id}, whose validity ended "
                    f"at {k.valid_until} (a new office holder)",
                )
            parent = out.get(f["in_reply_to"]) if f["in_reply_to"] is not None else None
            if parent is not None and (own is None or parent[0] < own[0]):
                own = (
                    parent[0],
                    f"answers {f['in_reply_to']}, which lapsed then and must be renewed",
                )
            if own is not None:
                out[d.id] = own
        return out

    def stale_documents(self, at: str) -> list[tuple[RecordedDocument, str]]:
        """Documents that no longer carry a legal basis at ``at`` and have not been renewed:
        those lapsed by then (see :meth:`lapses`). A document is renewed once a current one of
        the same type, author and recipient is on record."""
        lapsed = {i: why for i, (t, why) in self.lapses().items() if t <= at}
        current = {
            (d.fields["type"], d.fields["author"], d.fields["recipient"])
            for d in self.documents.values()
            if d.id not in lapsed
        }
        return [
            (d, lapsed[d.id])
            for d in self.documents.values()
            if d.id in lapsed
            and (d.fields["type"], d.fields["author"], d.fields["recipient"]) not in current
        ]

    def current_documents(self, at: str) -> list[RecordedDocument]:
        """Documents on record whose legal basis still holds at ``at`` (see :meth:`lapses`)."""
        lapses = self.lapses()
        return [d for d in self.documents.values() if d.id not in lapses or at < lapses[d.id][0]]


def coordinator_of(members: Sequence[Member]) -> str | None:
    """Who keeps the roster: the first orchestrator, else the first host (``None``: neither)."""
    for role in ("orchestrator", "host"):
        for m in members:
            if m.role == role:
                return m.id
    return None


def _roster_members(raw: Any) -> tuple[list[Member], list[str]]:
    if not isinstance(raw, list) or not raw:
        return [], ["members must be a non-empty list"]
    members: list[Member] = []
    problems: list[str] = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict) or set(m) != MEMBER_FIELDS:
            problems.append(f"members[{i}] must have exactly {sorted(MEMBER_FIELDS)}")
            continue
        if not isinstance(m["id"], str) or m["role"] not in ROLES:
            problems.append(f"members[{i}]: bad id or role")
            continue
        try:
            rules = MemberRules.model_validate(m["rules"])
        except ValidationError as e:
            problems.append(f"members[{i}].rules: {e.errors()[0]['msg']}")
            continue
        members.append(Member(m["id"], m["role"], bool(m["anonymous"]), rules))
    ids = [m.id for m in members]
    if len(set(ids)) != len(ids):
        problems.append("member ids are not unique")
    problems += [f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in coalition_problems(members)]
    return members, problems


def replay(entries: Sequence[Entry], head: str | None = None) -> tuple[LedgerState, list[Problem]]:
    """Check ``entries`` in order (chain, hashes, signatures, keys, rules) and build the state.

    ``head``: an entry hash held elsewhere; if it is not in the ledger, entries were dropped from
    the end or rewritten.
    """
    state = LedgerState()
    problems: list[Problem] = []
    prev = GENESIS
    for i, e in enumerate(entries):
        n = i + 1
        if e.seq != n:
            problems.append(
                Problem(e.seq, f"is at position {n}: an entry was dropped, inserted or reordered")
            )
        if e.prev_hash != prev:
            problems.append(
                Problem(
                    e.seq,
                    "prev_hash does not match the previous entry's hash: an entry "
                    "before it was dropped, inserted, reordered or altered",
                )
            )
        want = entry_hash(
            e.seq, e.kind, e.statement, e.signature, e.signer_key_id, e.recorded_at, e.prev_hash
        )
        if e.entry_hash != want:
            problems.append(Problem(e.seq, "entry_hash does not match its fields: altered"))
        if not is_canonical_utc(e.recorded_at):
            problems.append(Problem(e.seq, "recorded_at is not a UTC time"))
        found = state.check(e.signed())
        problems += [Problem(e.seq, p) for p in found]
        if not found:
            state.apply(e.signed(), e.seq)
        prev = e.entry_hash
    if head is not None and all(e.entry_hash != head for e in entries):
        problems.append(
            Problem(
                None,
                f"the head {head[:16]}... held elsewhere is not in the ledger: entries "
                "were dropped from the end or the ledger was rewritten",
            )
        )
    return state, problems
