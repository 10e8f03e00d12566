"""A member node: connects to the service, proves its member identity, keeps its member's
stream and pushes what its sensors see.

Where it sits: the other end of :mod:`inkless.service.app` (``inkless node``). With
``--simulate`` on the service, the ``detections`` it receives are its member's sensors' plots
from the service's simulation, and it pushes them back as its ``report`` at once: that is the
member's contribution to the picture (a member with no node contributes nothing). A member
that shares only tracks receives its own tracker's tracks (``own_tracks``) instead and pushes
them back as its ``tracks``.

Every message received is written to the dump (JSON lines). A node started on an existing
dump resumes: it tells the service the last sequence number the dump holds, and the service
replays what it missed (within the replay window) or sends ``gap`` and ``snapshot``. The node
checks the numbers: each stream message is the next one, or a ``gap``/``snapshot`` that says
where the stream continues; anything else is a protocol error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from ssl import SSLContext
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from inkless.coalition.documents import document_fields, sign_statement
from inkless.errors import InputError

from .auth import hello_message

__all__ = ["NodeRefused", "last_seq", "load_key", "map_url", "run_node", "signed_letter",
           "simulated"]


class NodeRefused(Exception):
    """The service refused the node (or broke the protocol); ``reason`` is one line."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def load_key(path: Path) -> Ed25519PrivateKey:
    """The office-holder key in ``path`` (PEM, PKCS#8, as ``inkless coalition keys`` writes
    it); :class:`InputError` if it is missing or not an Ed25519 private key."""
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except OSError as e:
        raise InputError(f"--key {path}: {e.strerror or e}; give the office-holder key file "
                         "(KEYS/MEMBER/holder-KEYID.pem)") from None
    except (ValueError, TypeError):
        raise InputError(f"--key {path}: not an unencrypted PEM private key; give the "
                         "office-holder key file (KEYS/MEMBER/holder-KEYID.pem)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"--key {path}: not an Ed25519 key; give the office-holder key file")
    return key


def _append(dump: Path) -> TextIO:
    """``dump`` opened for appending; a last line cut by a kill is ended first, so that it
    stays one broken line (skipped) and the next message starts a line of its own (the
    message it held is sent again: the node resumes from the last whole one)."""
    cut = dump.exists() and dump.stat().st_size > 0 and not dump.read_bytes().endswith(b"\n")
    out = dump.open("a", encoding="utf-8")
    if cut:
        out.write("\n")
    return out


def last_seq(dump: Path | None) -> int | None:
    """The last sequence number of a stream message in ``dump`` (None: none, or no file)."""
    if dump is None or not dump.exists():
        return None
    last = None
    for line in dump.read_text(encoding="utf-8").splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a kill
        if isinstance(msg, dict) and isinstance(msg.get("seq"), int) and msg.get(
                "type") != "welcome":
            last = msg["seq"]
    return last


@dataclass
class _Node:
    member: str
    key: Ed25519PrivateKey
    out: TextIO | None
    seq: int | None
    report: Answer
    tell: Callable[[str], None] | None = None
    url: str = ""

    def keep(self, text: str, msg: dict[str, Any]) -> None:
        if self.out is not None:
            self.out.write(text.rstrip("\n") + "\n")
            self.out.flush()
        kind, seq = msg.get("type"), msg.get("seq")
        if kind == "welcome" and self.tell is not None and isinstance(msg.get("map_token"), str):
            self.tell(f"map: {map_url(self.url, msg['map_token'])}")
        if kind in ("welcome", "error", "refused") or not isinstance(seq, int):
            return
        if kind in ("gap", "snapshot"):
            self.seq = seq
            return
        expected = 1 if self.seq is None else self.seq + 1
        if seq != expected:
            raise NodeRefused(f"stream out of order: got seq {seq}, expected {expected}")
        self.seq = seq


Answer = Callable[[dict[str, Any]], list[dict[str, Any]]]


def map_url(url: str, token: str) -> str:
    """The web map's address for the service at ``url`` (``ws://HOST:PORT/node``) with the map
    ``token`` in its fragment (``http://HOST:PORT/#token=...``: a fragment is never sent to a
    server, so the token stays out of logs and referrers)."""
    u = urlsplit(url)
    return urlunsplit(("https" if u.scheme == "wss" else "http", u.netloc, "/", "",
                       f"token={token}"))


def signed_letter(doc: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """A document to send as a letter: as given if signed (``statement``, ``signature``),
    else (``type``, ``author``, ``recipient``, optional ``body``, ``in_reply_to``; authors and
    recipients are ledger identities) signed now with the office-holder ``key``."""
    if set(doc) == {"statement", "signature"}:
        return doc
    try:
        fields = document_fields(doc["type"], doc["author"], doc["recipient"],
                                 datetime.now(UTC).replace(microsecond=0), doc.get("body"),
                                 doc.get("in_reply_to"))
    except (KeyError, ValueError) as e:
        raise InputError(f"--letter: not a document ({e}); give type, author, recipient and "
                         "optionally body, in_reply_to, or a signed document") from None
    return sign_statement(fields, key).to_json()


def simulated(cantco: str | None = None, ignore_orders: bool = False,
              letter: dict[str, Any] | None = None, letter_at: float = 0.0) -> Answer:
    """The simulated node's answers: its ``detections`` pushed back as its ``report`` (its
    ``own_tracks`` as its ``tracks``, for a member that shares only tracks); a fire
    ``order`` answered ``wilco`` (or ``cantco`` with the reason ``cantco``; or never, with
    ``ignore_orders``: drills of the service's re-planning); the signed document ``letter``
    sent once the stream reaches scenario time ``letter_at`` (s)."""
    sent = letter is None

    def answer(msg: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal sent
        out: list[dict[str, Any]] = []
        kind = msg.get("type")
        if not sent and isinstance(msg.get("t"), int | float) and msg["t"] >= letter_at:
            out.append({"type": "letter", "document": letter})
            sent = True
        if kind == "detections":
            out.append({"type": "report", "t": msg["t"], "plots": msg["plots"]})
        elif kind == "own_tracks":  # a member that shares only tracks
            out.append({"type": "tracks", "t": msg["t"], "tracks": msg["tracks"]})
        elif kind == "order" and not ignore_orders:
            out.append({"type": "cantco", "order": msg["order"], "reason": cantco}
                       if cantco is not None else {"type": "wilco", "order": msg["order"]})
        return out

    return answer


async def run_node(member: str, key: Ed25519PrivateKey, url: str, dump: Path | None = None,
                   duration_s: float | None = None,
                   answer: Answer | None = None, ssl: SSLContext | None = None,
                   tell: Callable[[str], None] | None = None, wait_s: float = 0.0) -> str:
    """Run a node until the session ends (``"ended"``) or ``duration_s`` wall-clock seconds
    pass (``"duration"``); :class:`NodeRefused` if the service refuses it. ``answer``: what
    the node sends back for a message (default :func:`simulated`); ``ssl``: the context for a
    ``wss://`` service (None: the system's trust); ``tell``: where the line ``map: URL`` goes
    when the service admits the node (the web map's address with the member's map token,
    :func:`map_url`; None: nowhere); ``wait_s``: how long to keep trying while nothing answers
    at ``url`` (:func:`_patient`)."""
    out = _append(dump) if dump is not None else None
    node = _Node(member, key, out, last_seq(dump), answer or simulated(), tell, url)
    try:
        return await asyncio.wait_for(_patient(node, url, ssl, wait_s), duration_s)
    except TimeoutError:
        return "duration"
    finally:
        if out is not None:
            out.close()


class _Unreachable(NodeRefused):
    """Nothing answers at the service's address (yet)."""


async def _patient(node: _Node, url: str, ssl: SSLContext | None, wait_s: float) -> str:
    """:func:`_session`, tried again every half second while nothing answers at ``url``, for
    up to ``wait_s`` seconds (a service still loading its scenario); a node cut off that way
    mid-session comes back from its last number, as a restarted one would."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return await _session(node, url, ssl)
        except _Unreachable as e:
            if time.monotonic() >= deadline:
                raise NodeRefused(f"{e.reason} after {wait_s:g} s; is the service running?"
                                  ) from None
            await asyncio.sleep(0.5)


async def _session(node: _Node, url: str, ssl: SSLContext | None) -> str:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    try:
        # wss:// takes ssl=True for the system's trust (None is refused for it)
        trust: SSLContext | bool | None = ssl or (True if url.startswith("wss://") else None)
        async with connect(url, max_size=None, ssl=trust) as ws:
            challenge = json.loads(await ws.recv())
            await ws.send(json.dumps(hello_message(node.member, node.key,
                                                   str(challenge.get("nonce")), node.seq)))
            async for text in ws:
                msg = json.loads(text)
                node.keep(str(text), msg)
                if msg.get("type") == "refused":
                    raise NodeRefused(f"refused by the service: {msg.get('reason')}")
                if msg.get("type") == "end" or (msg.get("type") == "snapshot" and "end" in msg):
                    return "ended"  # a snapshot taken after the end carries it
                for answer in node.report(msg):
                    await ws.send(json.dumps(answer))
    except ConnectionClosed as e:
        raise NodeRefused(f"connection closed by the service ({e.rcvd.code if e.rcvd else '?'}"
                          f"{': ' + e.rcvd.reason if e.rcvd and e.rcvd.reason else ''})"
                          ) from None
    except ConnectionRefusedError as e:  # nothing listens (yet): tried again by _patient
        raise _Unreachable(f"cannot reach {url}: {e.strerror or e}") from None
    except OSError as e:  # a name that does not resolve, a certificate refused, ...: at once
        raise NodeRefused(f"cannot reach {url}: {e.strerror or e}") from None
    raise NodeRefused("connection closed by the service before the end")
