"""Pseudonyms and per-member views: what an output meant for one member may show.

Where it sits: the last step before anything leaves the coalition package for a member (a plan, a
ledger, later a picture or a report). An anonymous member appears to every other member only under
a pseudonym; only the orchestrator's view maps pseudonyms to names.

Pseudonyms are keyed and stable: ``anon-`` and the first 12 hex digits of HMAC-SHA-256 (RFC 2104)
of the member id under the coalition secret. The same secret and id always give the same
pseudonym; without the secret a pseudonym cannot be linked to an id (short of guessing the id
and the 256-bit secret). On the ledger an anonymous member *acts* under its pseudonym (its keys,
letters and roster entry all carry it), so its signatures verify for every reader without
revealing who it is.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from .members import Member
from .planner import Plan, describe_step
from .state import Entry, LedgerState

__all__ = [
    "directory_view",
    "ledger_identity",
    "ledger_view",
    "plan_view",
    "pseudonym",
    "sees_identity",
]


def pseudonym(member_id: str, secret: bytes) -> str:
    """The stable pseudonym of ``member_id`` under the coalition ``secret``: ``anon-`` + 12 hex."""
    mac = hmac.new(secret, b"inkless-pseudonym\x00" + member_id.encode("utf-8"), hashlib.sha256)
    return "anon-" + mac.hexdigest()[:12]


def ledger_identity(member: Member, secret: bytes) -> str:
    """The identity ``member`` acts under on the ledger: its pseudonym if anonymous, else its id."""
    return pseudonym(member.id, secret) if member.anonymous else member.id


def sees_identity(subject: Member, viewer: Member) -> bool:
    """Whether ``viewer`` may see ``subject``'s id and name: always, unless ``subject`` is
    anonymous and ``viewer`` is neither ``subject`` itself nor the orchestrator."""
    return not subject.anonymous or viewer.id == subject.id or viewer.role == "orchestrator"


def _viewer(members: Sequence[Member], viewer_id: str) -> Member:
    for m in members:
        if m.id == viewer_id:
            return m
    raise KeyError(f"unknown viewer {viewer_id!r}")


def directory_view(
    members: Sequence[Member], viewer_id: str, secret: bytes
) -> list[dict[str, Any]]:
    """The coalition's members as ``viewer_id`` may see them: ``member`` (id, or pseudonym),
    ``role``, ``name`` (``None`` if hidden) and, for the orchestrator only, each anonymous
    member's ``pseudonym`` beside its id and name."""
    viewer = _viewer(members, viewer_id)
    rows = []
    for m in members:
        if sees_identity(m, viewer):
            row: dict[str, Any] = {"member": m.id, "role": m.role, "name": m.name or None}
            if m.anonymous and viewer.role == "orchestrator":
                row["pseudonym"] = pseudonym(m.id, secret)
        else:
            row = {"member": pseudonym(m.id, secret), "role": m.role, "name": None}
        rows.append(row)
    return rows


def plan_view(
    plan: Plan, members: Sequence[Member], viewer_id: str, secret: bytes
) -> dict[str, Any]:
    """A plan as ``viewer_id`` may see it: the letters it writes or receives (all of them for the
    orchestrator), members labelled per :func:`directory_view`, legal reasons only of members
    whose identity it may see, the count of letters withheld; conflicts for the orchestrator only.
    """
    viewer = _viewer(members, viewer_id)
    by_id = {m.id: m for m in members}

    def label(mid: str) -> str:
        m = by_id[mid]
        return m.id if sees_identity(m, viewer) else pseudonym(m.id, secret)

    def reasons(mid: str) -> bool:
        return sees_identity(by_id[mid], viewer)

    everything = viewer.role == "orchestrator"
    steps = []
    for s in plan.steps:
        if not (everything or viewer.id in (s.author, s.recipient)):
            continue
        steps.append(
            {
                "step": s.step,
                "type": s.type.value,
                "author": label(s.author),
                "recipient": label(s.recipient),
                "in_reply_to": s.in_reply_to,
                "purpose": describe_step(s, members, label, reasons),
            }
        )
    return {
        "viewer": viewer.id,
        "members": directory_view(members, viewer_id, secret),
        "ok": plan.ok,
        "steps": steps,
        "withheld_steps": len(plan.steps) - len(steps),
        "conflicts": list(plan.conflicts) if everything else [],
    }


def ledger_view(entries: Sequence[Entry], state: LedgerState, viewer: str) -> list[dict[str, Any]]:
    """The ledger as the member acting as ``viewer`` (its ledger identity) may see it.

    Key registrations and endorsements are public (they carry only ledger identities and public
    keys). A document is shown to its author, its recipient, the orchestrator and the roster's
    keeper; the roster to the orchestrator and the keeper. Anything else is withheld: only its
    ``seq``, ``prev_hash`` and ``entry_hash`` remain, so the chain can still be followed.
    """
    roster = state.roster
    privileged = viewer == state.coordinator or (
        viewer in roster and roster[viewer].role == "orchestrator"
    )
    out = []
    for e in entries:
        f = e.fields()
        visible = (
            e.kind in ("key_root", "key_endorsement")
            or privileged
            or (e.kind == "document" and viewer in (f.get("author"), f.get("recipient")))
        )
        if visible:
            out.append(
                {
                    "seq": e.seq,
                    "kind": e.kind,
                    "statement": f,
                    "signature": e.signature,
                    "signer_key_id": e.signer_key_id,
                    "recorded_at": e.recorded_at,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                }
            )
        else:
            out.append(
                {
                    "seq": e.seq,
                    "withheld": True,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                }
            )
    return out
