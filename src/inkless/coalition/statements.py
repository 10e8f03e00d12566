"""The statements a ledger holds: the fields of each kind, and whether one is well formed.

Where it sits: coalition, below :mod:`~.state` (which checks a statement against what the ledger
already establishes) and :mod:`~.ledger` (which stores them). A statement is the canonical JSON
object signed by its author (:mod:`~.documents`); its ``kind`` is one of ``key_root``,
``key_endorsement``, ``roster``, ``document``, each with exactly the fields of its model
(pydantic, strict: the JSON types as written).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from inkless.errors import InputError

from .documents import (
    MAX_STATEMENT_BYTES,
    SignedStatement,
    canonical_json,
    is_canonical_utc,
    time_problem,
)

__all__ = [
    "FIELDS",
    "MEMBER_FIELDS",
    "STATEMENTS",
    "DocumentStatement",
    "KeyEndorsementStatement",
    "KeyRootStatement",
    "RosterStatement",
    "statement_problems",
]


class _Statement(BaseModel):
    """What every statement carries besides its kind. Strict: JSON types exactly as written."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True
    )

    issued_at: str
    """When its author signed it: UTC, ``YYYY-MM-DDTHH:MM:SSZ``."""
    signer_key_id: str
    """The id of the key that signed it (as in the entry)."""


class KeyRootStatement(_Statement):
    """A member registers its root key (self-signed)."""

    kind: Literal["key_root"]
    member: str
    """The member's ledger identity."""
    key_id: str
    """The root key's id."""
    public_key: str
    """The root public key, hex."""


class KeyEndorsementStatement(_Statement):
    """A member's root key endorses an office holder's key over ``[valid_from, valid_until)``."""

    kind: Literal["key_endorsement"]
    member: str
    """The member's ledger identity."""
    key_id: str
    """The office holder's key id."""
    public_key: str
    """The office holder's public key, hex."""
    valid_from: str
    """Start of validity, UTC."""
    valid_until: str | None
    """End of validity, UTC (``None``: open)."""


class RosterStatement(_Statement):
    """The coalition's members and their rules, as the coordinator records them."""

    kind: Literal["roster"]
    author: str
    """The coordinator's ledger identity."""
    epoch: str | None
    """The scenario epoch, UTC, if any."""
    members: list[Any]
    """The members: objects with exactly :data:`MEMBER_FIELDS` (checked on replay)."""


class DocumentStatement(_Statement):
    """A letter between members."""

    kind: Literal["document"]
    id: str
    """The document id (see :func:`~.documents.document_id`)."""
    type: str
    """The type of document (:class:`~.members.DocumentType`)."""
    author: str
    """The author's ledger identity."""
    recipient: str
    """The recipient's ledger identity."""
    in_reply_to: str | None
    """The id of the document it answers, if any."""
    body: dict[str, Any]
    """Free content (e.g. ``renews``: the id of the letter it renews)."""


#: The model of each kind of statement.
STATEMENTS: dict[str, type[_Statement]] = {
    "key_root": KeyRootStatement,
    "key_endorsement": KeyEndorsementStatement,
    "roster": RosterStatement,
    "document": DocumentStatement,
}
#: The fields of each kind of statement (exactly these).
FIELDS = {kind: set(model.model_fields) for kind, model in STATEMENTS.items()}
#: The fields of each member of a roster.
MEMBER_FIELDS = {"id", "role", "anonymous", "rules"}


def statement_problems(s: SignedStatement) -> tuple[dict[str, Any] | None, list[str]]:
    """The statement's fields and what is wrong with it on its own (size, canonical JSON, kind,
    fields and their JSON types, signer, times), before any ledger is consulted: ``(fields,
    [])`` when it is well formed, ``(None, problems)`` otherwise."""
    size = len(s.text.encode("utf-8"))
    if size > MAX_STATEMENT_BYTES:
        return None, [
            f"statement is {size} bytes; the limit is {MAX_STATEMENT_BYTES} bytes: put large "
            "attachments elsewhere and sign their SHA-256"
        ]
    try:
        f = s.fields()
    except (ValueError, RecursionError):
        return None, ["statement is not a JSON object (or an integer or nesting beyond the limits)"]
    try:
        if canonical_json(f) != s.text:
            return None, ["statement is not in canonical form (altered or re-serialised)"]
    except InputError as e:
        return None, [str(e)]
    kind = f.get("kind")
    if kind != s.kind or kind not in FIELDS:
        return None, [f"statement kind {kind!r} does not match the entry kind {s.kind!r}"]
    if set(f) != FIELDS[kind]:
        return None, [f"{kind} has fields {sorted(f)}; expected {sorted(FIELDS[kind])}"]
    try:
        STATEMENTS[kind].model_validate(f)
        wrong: list[str] = []
    except ValidationError as e:
        wrong = list(dict.fromkeys(str(err["loc"][0]) for err in e.errors()))
    if wrong:
        return None, [f"{kind} fields {wrong} have the wrong JSON type"]
    if f["signer_key_id"] != s.signer_key_id:
        return None, ["statement's signer_key_id differs from the entry's"]
    if not is_canonical_utc(f["issued_at"]):
        return None, [f"issued_at {f['issued_at']!r} is not a UTC time YYYY-MM-DDTHH:MM:SSZ"]
    times = [("issued_at", f["issued_at"])]
    times += [(k, f[k]) for k in ("valid_from", "valid_until", "epoch") if f.get(k)]
    bad = [why for k, t in times if is_canonical_utc(t) and (why := time_problem(t, k))]
    if bad:
        return None, bad
    return f, []
