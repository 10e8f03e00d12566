"""The statements a ledger holds: the fields of each kind, and whether one is well formed.

Where it sits: coalition, below :mod:`~.state` (which checks a statement against what the ledger
already establishes) and :mod:`~.ledger` (which stores them). A statement is the canonical JSON
object signed by its author (:mod:`~.documents`); its ``kind`` is one of ``key_root``,
``key_endorsement``, ``roster``, ``document``, each with exactly the fields below.
"""

from __future__ import annotations

from typing import Any

from inkless.errors import InputError

from .documents import (
    MAX_STATEMENT_BYTES,
    SignedStatement,
    canonical_json,
    is_canonical_utc,
    time_problem,
)

__all__ = ["FIELDS", "MEMBER_FIELDS", "statement_problems"]

FIELDS = {
    "key_root": {"kind", "member", "key_id", "public_key", "issued_at", "signer_key_id"},
    "key_endorsement": {
        "kind",
        "member",
        "key_id",
        "public_key",
        "valid_from",
        "valid_until",
        "issued_at",
        "signer_key_id",
    },
    "roster": {"kind", "author", "epoch", "members", "issued_at", "signer_key_id"},
    "document": {
        "kind",
        "id",
        "type",
        "author",
        "recipient",
        "in_reply_to",
        "body",
        "issued_at",
        "signer_key_id",
    },
}
MEMBER_FIELDS = {"id", "role", "anonymous", "rules"}
_OPT_STR = (str, type(None))
_TYPES: dict[str, dict[str, Any]] = {
    "key_root": {"member": str, "key_id": str, "public_key": str},
    "key_endorsement": {
        "member": str,
        "key_id": str,
        "public_key": str,
        "valid_from": str,
        "valid_until": _OPT_STR,
    },
    "roster": {"author": str, "epoch": _OPT_STR, "members": list},
    "document": {
        "id": str,
        "type": str,
        "author": str,
        "recipient": str,
        "in_reply_to": _OPT_STR,
        "body": dict,
    },
}


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
    wrong = [
        name
        for name, t in {"issued_at": str, "signer_key_id": str, **_TYPES[kind]}.items()
        if not isinstance(f[name], t)
    ]
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
