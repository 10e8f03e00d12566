"""Member authentication: a node proves its member identity by signing a fresh server nonce
with its office-holder key (Ed25519, the keys of ``inkless coalition keys``).

Where it sits: the service's door (:mod:`inkless.service.app` asks :meth:`Door.admit` for every
node that connects). The service reads only public keys: each member's ``statements.json`` in
the keys directory (the root's self-signed registration and its endorsements of holder keys,
:mod:`inkless.coalition.keys`); it never opens a private key file.

The exchange::

    service -> node   {"type": "challenge", "nonce": HEX, "expires_s": S}
    node -> service   {"type": "hello", "member": ID, "public_key": HEX, "nonce": HEX,
                       "signature": HEX, "last_seq": N | null}

The signature is over ``b"inkless-node-hello\\x00" + member + b"\\x00" + nonce`` (UTF-8), so a
signature binds the member claimed and the nonce. A nonce is good once, on the connection it was
issued to, within ``expires_s`` seconds. Refusals (one line each, :class:`Refused`): a nonce
never issued, issued to another connection or already used (replayed), or too old (expired); an
unknown key; a bad signature; a key endorsed for another member; a member the scenario does not
list; a key whose endorsement has ended (rotated, revoked) or not begun.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from inkless.coalition.documents import (
    SignedStatement,
    key_id,
    parse_utc,
    public_from_hex,
    public_hex,
    signature_valid,
)
from inkless.errors import InputError

__all__ = ["Door", "HolderKey", "Refused", "hello_message", "read_public_keys"]

_CONTEXT = b"inkless-node-hello\x00"


class Refused(Exception):
    """A node refused; ``reason`` is the one line sent to it and logged."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class HolderKey:
    """An office-holder public key endorsed by its member's root for ``[valid_from,
    valid_until)`` (UTC; ``valid_until`` None: open-ended), per the latest endorsement."""

    member: str
    key_id: str
    public: Ed25519PublicKey
    valid_from: datetime
    valid_until: datetime | None


def _signed(raw: Any, where: Path) -> list[SignedStatement]:
    if not isinstance(raw, list):
        raise ValueError("not a list of statements")
    return [SignedStatement(s["kind"], s["text"], s["signature"], s["signer_key_id"])
            for s in raw]


def _member_keys(d: Path) -> list[HolderKey]:
    """The holder keys of one member directory, each endorsement checked against the root's
    self-signed registration. Raises ``ValueError``/``KeyError`` on a damaged file."""
    statements = _signed(json.loads((d / "statements.json").read_text(encoding="utf-8")), d)
    root = statements[0].fields() if statements else {}
    if root.get("kind") != "key_root":
        raise ValueError("the first statement is not the root's registration")
    root_key = public_from_hex(root["public_key"])
    if not signature_valid(statements[0], root_key) or key_id(root_key) != root["key_id"]:
        raise ValueError("the root's registration does not verify")
    member = str(root["member"])
    latest: dict[str, dict[str, Any]] = {}
    for s in statements[1:]:
        f = s.fields()
        if f.get("kind") != "key_endorsement":
            continue
        if f.get("member") != member or not signature_valid(s, root_key):
            raise ValueError(f"endorsement of key {f.get('key_id')} does not verify")
        latest[str(f["key_id"])] = f
    out = []
    for kid, f in latest.items():
        pub = public_from_hex(f["public_key"])
        if key_id(pub) != kid:
            raise ValueError(f"key {kid}: its id does not match its public key")
        until = f.get("valid_until")
        out.append(HolderKey(member, kid, pub, parse_utc(f["valid_from"]),
                             None if until is None else parse_utc(until)))
    return out


def read_public_keys(keys_dir: Path) -> dict[str, HolderKey]:
    """Every member's holder public keys in ``keys_dir`` by key id (only ``statements.json``
    files are read). Raises :class:`InputError` for a missing, empty or damaged directory."""
    if not keys_dir.is_dir():
        raise InputError(f"--keys {keys_dir}: not a directory; give the keys directory made by "
                         "`inkless coalition keys`")
    out: dict[str, HolderKey] = {}
    for f in sorted(keys_dir.glob("*/statements.json")):
        try:
            for k in _member_keys(f.parent):
                out[k.key_id] = k
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            why = " ".join(str(e).split())[:160]
            raise InputError(f"--keys {keys_dir}: {f} is damaged ({why}); restore it from a "
                             "backup") from None
    if not out:
        raise InputError(f"--keys {keys_dir}: no member keys there; make them with `inkless "
                         f"coalition keys --keys {keys_dir} --member ID`")
    return out


def _message(member: str, nonce: str) -> bytes:
    return _CONTEXT + member.encode("utf-8") + b"\x00" + nonce.encode("ascii")


def hello_message(member: str, key: Ed25519PrivateKey, nonce: str,
                  last_seq: int | None = None) -> dict[str, Any]:
    """The node's answer to a challenge: ``member`` claimed, ``nonce`` signed with ``key``."""
    return {"type": "hello", "member": member, "public_key": public_hex(key.public_key()),
            "nonce": nonce, "signature": key.sign(_message(member, nonce)).hex(),
            "last_seq": last_seq}


@dataclass
class Door:
    """Issues nonces and admits nodes (module docstring). ``keys``: holder keys by id;
    ``members``: the scenario's member ids; ``ttl_s``: how long a nonce is good, s;
    ``clock``: monotonic seconds."""

    keys: dict[str, HolderKey]
    members: Collection[str]
    ttl_s: float = 30.0
    issued: dict[str, tuple[int, float]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def challenge(self, connection: int) -> dict[str, Any]:
        """A fresh nonce for ``connection`` (any id unique to a connection)."""
        nonce = secrets.token_hex(16)
        self.issued[nonce] = (connection, time.monotonic())
        return {"type": "challenge", "nonce": nonce, "expires_s": self.ttl_s}

    def _nonce(self, connection: int, nonce: str) -> None:
        if nonce in self.used:
            raise Refused(f"replayed nonce {nonce[:8]}...: it was used before; answer the "
                          "challenge of this connection")
        got = self.issued.get(nonce)
        if got is None or got[0] != connection:
            raise Refused(f"replayed nonce {nonce[:8]}...: not issued to this connection; "
                          "answer the challenge of this connection")
        del self.issued[nonce]
        self.used.add(nonce)
        if time.monotonic() - got[1] >= self.ttl_s:
            raise Refused(f"expired nonce: answered after {self.ttl_s:g} s; reconnect and "
                          "answer at once")

    def admit(self, connection: int, hello: dict[str, Any], now: datetime | None = None) -> str:
        """The member a node's ``hello`` proves, or :class:`Refused` with the reason."""
        try:
            member, nonce = str(hello["member"]), str(hello["nonce"])
            pub_hex, sig = str(hello["public_key"]), bytes.fromhex(str(hello["signature"]))
            public = public_from_hex(pub_hex)
        except (KeyError, ValueError, TypeError):
            raise Refused("malformed hello: give member, public_key, nonce and signature "
                          "(hex)") from None
        self._nonce(connection, nonce)
        kid = key_id(public)
        k = self.keys.get(kid)
        if k is None:
            raise Refused(f"unknown key {kid}: not endorsed in the service's keys directory")
        try:
            public.verify(sig, _message(member, nonce))
        except InvalidSignature:
            raise Refused(f"bad signature by key {kid} for {member}") from None
        if k.member != member:
            raise Refused(f"key {kid} is {k.member}'s office-holder key, not {member}'s")
        if member not in self.members:
            raise Refused(f"member {member} is not in the scenario")
        t = now or datetime.now(UTC)
        if k.valid_until is not None and t >= k.valid_until:
            raise Refused(f"rotated key {kid}: {member}'s office holder changed at "
                          f"{k.valid_until.isoformat()}; sign with the current holder's key")
        if t < k.valid_from:
            raise Refused(f"key {kid} is valid only from {k.valid_from.isoformat()}")
        return member
