"""Signed statements: the canonical serialisation, document ids, Ed25519 signing and checking.

Where it sits: between the planner (abstract letters) and the ledger (stored rows). Everything the
ledger stores is a *statement* — a JSON object with a ``kind`` (``document``, ``roster``,
``key_root``, ``key_endorsement``), an ``issued_at`` time and the ``signer_key_id`` — serialised
canonically and signed by its author's key.

Canonical form (after RFC 8785, JSON Canonicalization Scheme, restricted so that it is trivially
unambiguous): UTF-8 JSON, object keys sorted, no whitespace, no floats at all (integers, strings,
booleans, null, arrays and objects only; write decimals and times as strings), no NaN. Times are
UTC and second-resolution, always written ``YYYY-MM-DDTHH:MM:SSZ``. A statement is stored as exactly
these bytes, so the stored text is the signed text.

Signatures: Ed25519 (RFC 8032) via the ``cryptography`` package; signatures are deterministic, so
the same statement signed by the same key gives the same bytes. Key ids are the first 16 hex digits
of SHA-256 over the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from inkless.errors import InputError

from .members import DocumentType

__all__ = [
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_STATEMENT_BYTES",
    "SKEW_S",
    "TIME_FIRST",
    "TIME_LAST",
    "SignedStatement",
    "canonical_json",
    "document_fields",
    "document_id",
    "is_canonical_utc",
    "key_id",
    "parse_utc",
    "public_from_hex",
    "public_hex",
    "sign_statement",
    "signature_valid",
    "time_problem",
    "utc_iso",
]

#: Limits of what may be signed and stored (see docs/limits.md): a statement's canonical text in
#: bytes, how deep objects and arrays nest, and the largest integer (JSON-safe, 2**53).
MAX_STATEMENT_BYTES = 64 * 1024
MAX_DEPTH = 32
MAX_INT = 2**53
#: Every time on the ledger lies in [TIME_FIRST, TIME_LAST); an appended statement may be dated
#: at most SKEW_S seconds past the wall clock (records of past events and of planned exchanges
#: may carry any earlier time).
TIME_FIRST = "1970-01-01T00:00:00Z"
TIME_LAST = "2100-01-01T00:00:00Z"
SKEW_S = 300.0

_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _check_json(obj: Any, where: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise InputError(
            f"{where}: nested deeper than {MAX_DEPTH} levels; flatten the document"
        )
    if obj is None or isinstance(obj, bool | str):
        return
    if isinstance(obj, int):
        if abs(obj) > MAX_INT:
            raise InputError(
                f"{where}: an integer beyond +-2**53; write large numbers as strings"
            )
        return
    if isinstance(obj, float):
        raise InputError(
            f"{where}: {obj!r} is a floating-point number; signed documents take integers or "
            "strings only (write decimals as strings)"
        )
    if isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            _check_json(v, f"{where}[{i}]", depth + 1)
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise InputError(f"{where}: key {k!r} is not a string; use string keys")
            _check_json(v, f"{where}.{k}", depth + 1)
        return
    raise InputError(f"{where}: {type(obj).__name__} cannot be signed; use JSON values only")


def canonical_json(obj: Any, where: str = "statement") -> str:
    """The canonical text of ``obj`` (see the module docstring); raises :class:`InputError` naming
    ``where`` for a float or any non-JSON value."""
    _check_json(obj, where)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utc_iso(t: datetime) -> str:
    """``t`` as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds, truncated); ``t`` must be aware."""
    if t.tzinfo is None:
        raise InputError(f"time {t.isoformat()}: has no UTC offset; give e.g. 2024-04-13T20:00:00Z")
    u = t.astimezone(UTC)
    return f"{u.year:04d}-" + u.strftime("%m-%dT%H:%M:%SZ")  # %Y does not pad years < 1000


def parse_utc(s: str, where: str = "time") -> datetime:
    """Parse an ISO 8601 time with a UTC offset (any offset, converted to UTC); raises
    :class:`InputError` naming ``where`` otherwise."""
    try:
        t = datetime.fromisoformat(s)
    except (TypeError, ValueError):
        raise InputError(
            f"{where}: {s!r} is not an ISO 8601 time; write e.g. 2024-04-13T20:00:00Z"
        ) from None
    if t.tzinfo is None:
        raise InputError(f"{where}: {s!r} has no UTC offset; append Z (UTC)")
    return t.astimezone(UTC)


def time_problem(s: str, where: str) -> str | None:
    """Why the canonical UTC time ``s`` may not be on the ledger (``None``: it may): outside
    [1970, 2100)."""
    if s < TIME_FIRST:
        return f"{where} {s} is before 1970; give a time from 1970 to 2100"
    if s >= TIME_LAST:
        return f"{where} {s} is after 2100; give a time from 1970 to 2100"
    return None


def is_canonical_utc(s: object) -> bool:
    """Whether ``s`` is a time in the ledger's canonical form ``YYYY-MM-DDTHH:MM:SSZ``."""
    if not isinstance(s, str) or not _UTC_RE.match(s):
        return False
    try:
        datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def public_hex(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key as 64 hex digits."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def public_from_hex(s: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_hex`; raises ``ValueError`` if ``s`` is not a public key."""
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(s))


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


@dataclass(frozen=True)
class SignedStatement:
    """A statement as stored: kind, canonical text, Ed25519 signature (hex), signer key id."""

    kind: str
    text: str
    signature: str
    signer_key_id: str

    def fields(self) -> dict[str, Any]:
        """The statement parsed back into a dict."""
        out = json.loads(self.text)
        if not isinstance(out, dict):
            raise ValueError("statement is not a JSON object")
        return out

    def to_json(self) -> dict[str, Any]:
        """The portable form ``{"statement": {...}, "signature": hex}`` (as in a DOCUMENT.json)."""
        return {"statement": self.fields(), "signature": self.signature}


def sign_statement(fields: dict[str, Any], key: Ed25519PrivateKey) -> SignedStatement:
    """Set ``signer_key_id`` to ``key``'s id, serialise canonically and sign with Ed25519."""
    kid = key_id(key.public_key())
    body = {**fields, "signer_key_id": kid}
    kind = body.get("kind")
    if not isinstance(kind, str):
        raise InputError("statement: has no kind")
    text = canonical_json(body, kind)
    return SignedStatement(kind, text, key.sign(text.encode("utf-8")).hex(), kid)


def signature_valid(statement: SignedStatement, public: Ed25519PublicKey) -> bool:
    """Whether ``statement.signature`` is ``public``'s Ed25519 signature over its text."""
    try:
        public.verify(bytes.fromhex(statement.signature), statement.text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True


def document_id(fields: dict[str, Any]) -> str:
    """A document's id: ``doc-`` and 16 hex digits of SHA-256 over its canonical text without the
    ``id`` and ``signer_key_id`` fields. Derived, so any change to the content changes it."""
    core = {k: v for k, v in fields.items() if k not in ("id", "signer_key_id")}
    digest = hashlib.sha256(canonical_json(core, "document").encode("utf-8")).hexdigest()
    return "doc-" + digest[:16]


def document_fields(
    doc_type: DocumentType | str,
    author: str,
    recipient: str,
    issued_at: datetime,
    body: dict[str, Any] | None = None,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    """The unsigned fields of a document statement (kind ``document``), with its derived id."""
    fields: dict[str, Any] = {
        "kind": "document",
        "type": DocumentType(doc_type).value,
        "author": author,
        "recipient": recipient,
        "in_reply_to": in_reply_to,
        "body": body or {},
        "issued_at": utc_iso(issued_at),
    }
    fields["id"] = document_id(fields)
    return fields
