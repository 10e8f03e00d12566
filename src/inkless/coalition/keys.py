"""Member office keys on disk: a root key per member office, office-holder keys endorsed by it.

Where it sits: the command line makes and rotates keys here; the ledger receives the public half
as statements (``key_root``, ``key_endorsement``) and checks every signature against them.

Layout of a keys directory (private keys unencrypted PKCS#8 PEM, mode 0600; keep the directory
private)::

    DIR/secret.hex                    the coalition secret that keys pseudonyms (32 random bytes)
    DIR/<member>/root.pem             the office's root key (signs endorsements only)
    DIR/<member>/holder-<keyid>.pem   office-holder keys (sign documents), one per holder
    DIR/<member>/statements.json      the signed public statements, in order: the root's
                                      self-signed registration, then every endorsement

Rotation (a new office holder, e.g. a new minister): a new holder key is endorsed by the root from
time ``t``, and the previous holder's endorsement is re-issued ending at ``t``. Documents signed by
the previous holder stay valid for their own time, but a legal basis that rests on them must be
renewed (the planner lists them). Keys come from the operating system's randomness, not from a
seeded generator: they are secrets, not simulation draws.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from inkless.errors import InputError

from .documents import SignedStatement, key_id, public_hex, sign_statement, utc_iso

__all__ = [
    "SECRET_BYTES",
    "KeyStore",
    "OfficeKeys",
    "check_secret",
    "endorsement_fields",
    "root_fields",
]

#: Length of the coalition secret, bytes.
SECRET_BYTES = 32


def check_secret(value: bytes, where: str = "the coalition secret") -> None:
    """Raise :class:`InputError` unless ``value`` is at least ``SECRET_BYTES`` bytes with at least
    16 distinct byte values (see :meth:`KeyStore.secret`); says how to make one."""
    if len(value) < SECRET_BYTES or len(set(value)) < 16:
        raise InputError(
            f"{where}: the coalition secret must be {SECRET_BYTES} random bytes (this one is "
            f"{len(value)} bytes, {len(set(value))} distinct); make one with `python3 -c "
            f"'import secrets; print(secrets.token_hex(32))' > secret.hex` in the keys folder "
            "(every pseudonym changes with it)"
        )


def _os_error(e: OSError, where: Path) -> InputError:
    return InputError(
        f"keys: {e.filename or where}: {e.strerror or e}; --keys must be a folder that may be "
        "written"
    )

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def root_fields(member: str, root: Ed25519PrivateKey, at: datetime) -> dict[str, Any]:
    """The self-signed registration of ``member``'s root key (kind ``key_root``)."""
    pub = root.public_key()
    return {
        "kind": "key_root",
        "member": member,
        "key_id": key_id(pub),
        "public_key": public_hex(pub),
        "issued_at": utc_iso(at),
    }


def endorsement_fields(
    member: str,
    holder_public_hex: str,
    holder_key_id: str,
    valid_from: str,
    valid_until: str | None,
    at: datetime,
) -> dict[str, Any]:
    """The root's endorsement of a holder key for ``[valid_from, valid_until)`` (UTC ISO strings,
    ``None``: open-ended), kind ``key_endorsement``."""
    return {
        "kind": "key_endorsement",
        "member": member,
        "key_id": holder_key_id,
        "public_key": holder_public_hex,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "issued_at": utc_iso(at),
    }


@dataclass(frozen=True)
class OfficeKeys:
    """One member office's keys: root, current holder, every holder key ever made (by key id),
    and the signed public statements in order."""

    member: str
    root: Ed25519PrivateKey
    holder: Ed25519PrivateKey
    holders: dict[str, Ed25519PrivateKey]
    statements: tuple[SignedStatement, ...]

    @property
    def root_key_id(self) -> str:
        """Id of the root key."""
        return key_id(self.root.public_key())

    @property
    def holder_key_id(self) -> str:
        """Id of the current holder key."""
        return key_id(self.holder.public_key())

    def window(self, kid: str) -> tuple[str, str | None]:
        """``(valid_from, valid_until)`` of holder ``kid`` per the latest endorsement here."""
        out: tuple[str, str | None] | None = None
        for s in self.statements:
            fields = s.fields()
            if fields["kind"] == "key_endorsement" and fields["key_id"] == kid:
                out = (fields["valid_from"], fields["valid_until"])
        if out is None:
            raise InputError(f"keys of {self.member}: holder key {kid} has no endorsement")
        return out


class KeyStore:
    """A keys directory (see the module docstring for its layout)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def beside(cls, file: Path) -> KeyStore:
        """The keys directory kept next to ``file`` (a ledger, a scenario) by default:
        ``FILE.keys``."""
        return cls(file.with_name(file.name + ".keys"))

    def secret(self, create: bool = True) -> bytes:
        """The coalition secret that keys pseudonyms; made (32 random bytes) on first use.
        Raises :class:`InputError` for one that is shorter or does not look random (fewer than
        16 distinct byte values, which 32 random bytes have with a probability below 1e-9):
        every pseudonym made from it could be computed by anyone."""
        f = self.path / "secret.hex"
        try:
            if f.exists():
                try:
                    value = bytes.fromhex(f.read_text(encoding="ascii").strip())
                except (ValueError, UnicodeDecodeError):
                    raise InputError(f"{f}: not a hex secret; restore it from a backup") from None
                check_secret(value, str(f))
                return value
            if not create:
                raise InputError(
                    f"{f}: missing; the coalition secret is made by `coalition plan`"
                )
            self.path.mkdir(parents=True, exist_ok=True)
            value = secrets.token_bytes(SECRET_BYTES)
            _write_private(f, value.hex().encode("ascii"))
        except OSError as e:
            raise _os_error(e, self.path) from None
        return value

    def _dir(self, member: str) -> Path:
        if not _ID_RE.match(member):
            raise InputError(
                f"member {member!r}: not a valid id; use letters, digits, '_', '.' or '-' "
                "starting with a letter or digit"
            )
        return self.path / member

    def members(self) -> list[str]:
        """The member offices that have keys here, sorted."""
        if not self.path.is_dir():
            return []
        return sorted(
            d.name for d in self.path.iterdir() if _ID_RE.match(d.name) and self.has(d.name)
        )

    def has(self, member: str) -> bool:
        """Whether keys for ``member`` exist here."""
        return (self._dir(member) / "statements.json").exists()

    def load(self, member: str) -> OfficeKeys:
        """Read ``member``'s keys; raises :class:`InputError` if missing or damaged."""
        d = self._dir(member)
        try:
            raw = json.loads((d / "statements.json").read_text(encoding="utf-8"))
            root = _read_key(d / "root.pem")
            holders = {}
            for f in sorted(d.glob("holder-*.pem")):
                k = _read_key(f)
                holders[key_id(k.public_key())] = k
            statements = tuple(
                SignedStatement(s["kind"], s["text"], s["signature"], s["signer_key_id"])
                for s in raw
            )
            current = None
            for s in statements:
                fields = s.fields()
                if fields["kind"] == "key_endorsement" and fields["valid_until"] is None:
                    current = fields["key_id"]
        except FileNotFoundError:
            raise InputError(
                f"keys: no keys for {member} in {self.path}; make them with "
                f"`inkless coalition keys --keys {self.path} --member {member}`"
            ) from None
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as e:
            why = " ".join(str(e).split())[:200]
            raise InputError(f"keys: {d} is damaged ({why}); restore it from a backup") from None
        if current is None or current not in holders:
            raise InputError(f"keys: {d} has no current holder key; rotate to make one")
        return OfficeKeys(member, root, holders[current], holders, statements)

    def create(self, member: str, at: datetime) -> OfficeKeys:
        """Make ``member``'s root key and first holder key, valid from ``at``."""
        d = self._dir(member)
        if self.has(member):
            raise InputError(f"keys: {member} already has keys in {self.path}; use --rotate")
        d.mkdir(parents=True, exist_ok=True)
        root = Ed25519PrivateKey.generate()
        holder = Ed25519PrivateKey.generate()
        hid = key_id(holder.public_key())
        statements = (
            sign_statement(root_fields(member, root, at), root),
            sign_statement(
                endorsement_fields(
                    member, public_hex(holder.public_key()), hid, utc_iso(at), None, at
                ),
                root,
            ),
        )
        _write_private(d / "root.pem", _pem(root))
        _write_private(d / f"holder-{hid}.pem", _pem(holder))
        self._write_statements(d, statements)
        return OfficeKeys(member, root, holder, {hid: holder}, statements)

    def ensure(self, member: str, at: datetime) -> tuple[OfficeKeys, bool]:
        """``member``'s keys, made at ``at`` if missing; the flag says whether they were made."""
        if self.has(member):
            return self.load(member), False
        return self.create(member, at), True

    def discard_new(self, member: str) -> None:
        """Delete ``member``'s keys; only for keys made moments ago that never reached a ledger
        (the append that made them failed)."""
        d = self._dir(member)
        if d.is_dir():
            shutil.rmtree(d)

    def rotate(self, member: str, at: datetime) -> OfficeKeys:
        """A new office holder from ``at``: endorse a new holder key and end the previous one."""
        keys = self.load(member)
        old = keys.holder
        old_id = keys.holder_key_id
        valid_from, _ = keys.window(old_id)
        t = utc_iso(at)
        if t <= valid_from:
            raise InputError(
                f"keys: cannot rotate {member} at {t}: its holder key is valid only from "
                f"{valid_from}; rotate at a later time"
            )
        new = Ed25519PrivateKey.generate()
        nid = key_id(new.public_key())
        end_old = sign_statement(
            endorsement_fields(member, public_hex(old.public_key()), old_id, valid_from, t, at),
            keys.root,
        )
        endorse_new = sign_statement(
            endorsement_fields(member, public_hex(new.public_key()), nid, t, None, at), keys.root
        )
        d = self._dir(member)
        _write_private(d / f"holder-{nid}.pem", _pem(new))
        statements = (*keys.statements, end_old, endorse_new)
        self._write_statements(d, statements)
        return OfficeKeys(member, keys.root, new, {**keys.holders, nid: new}, statements)

    @staticmethod
    def _write_statements(d: Path, statements: tuple[SignedStatement, ...]) -> None:
        data = [
            {
                "kind": s.kind,
                "text": s.text,
                "signature": s.signature,
                "signer_key_id": s.signer_key_id,
            }
            for s in statements
        ]
        tmp = d / "statements.json.tmp"
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, d / "statements.json")


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _read_key(f: Path) -> Ed25519PrivateKey:
    k = load_pem_private_key(f.read_bytes(), password=None)
    if not isinstance(k, Ed25519PrivateKey):
        raise ValueError(f"{f.name} is not an Ed25519 key")
    return k


def _write_private(f: Path, data: bytes) -> None:
    tmp = f.with_name(f.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, f)
