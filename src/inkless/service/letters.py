"""Letters sent by member nodes: verified, appended to the ledger, applied at once.

Where it sits: the service's side of the coalition's legal record. A node sends a signed
document (``{"statement": {...}, "signature": HEX}``, the form ``inkless ledger append``
takes); the ledger verifies it (the signature by its author's office-holder key on record, the
author and recipient on the roster, ...: :func:`inkless.coalition.recording.append_document`)
and appends it in one transaction, so a kill -9 of the service loses no entry. The letter then
counts from the current scenario time under ``--simulate`` (the document's ``issued_at`` is
wall-clock time, not scenario time), else from its ``issued_at``; the engine recomputes the
legal bases at once (:class:`inkless.engine.Inputs` ``letters``), so a basis that comes to hold
brings that member's sensors and units in from then.

A node may send only its own member's letters (the author must be its member's ledger
identity, :func:`inkless.coalition.ledger_identity`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from inkless.coalition import AirspaceGrant, Ledger, Member, TimedLetter
from inkless.coalition.basis import ledger_letters
from inkless.coalition.recording import append_document, ledger_members
from inkless.errors import InklessError

__all__ = ["Letters", "on_record_at_start"]


class Letters:
    """The service's ledger (``None``: letters are refused) for the coalition ``members``
    (scenario order) under the coalition ``secret``; ``epoch``: the scenario epoch."""

    def __init__(self, ledger: Path | None, members: Sequence[Member], secret: bytes,
                 epoch: datetime) -> None:
        self.ledger, self.epoch = ledger, epoch
        on_ledger = ledger_members(members, secret) if ledger is not None else {}
        self.identity = {sid: m.id for sid, m in on_ledger.items()}  # scenario -> ledger id
        self.scenario_id = {lid: sid for sid, lid in self.identity.items()}

    def take(self, member: str, msg: Mapping[str, Any], t: float | None
             ) -> tuple[TimedLetter, int] | str:
        """``member``'s node sent ``msg`` (``{"type": "letter", "document": {...}}``): the
        letter as it now counts (from scenario time ``t``; None: from its ``issued_at``) and
        the ledger entry it got; or the one-line reason it is refused (nothing appended)."""
        if self.ledger is None:
            return "letter: this service keeps no ledger (start it with --ledger FILE)"
        doc = msg.get("document")
        st = doc.get("statement") if isinstance(doc, dict) else None
        if not isinstance(st, dict) or set(doc) != {"statement", "signature"}:  # type: ignore[arg-type]
            return "letter: give document = {statement: {...}, signature: HEX}, a signed document"
        if st.get("author") != self.identity.get(member):
            return f"letter: its author is not {member}; a node sends only its member's letters"
        try:
            with Ledger(self.ledger) as book:
                added = append_document(book, doc, None, None)  # type: ignore[arg-type]
                entries = book.entries()
        except InklessError as e:
            return " ".join(e.problems)[:300]
        entry = added[-1]
        doc_id = str(entry.fields().get("id"))
        for letter in ledger_letters(entries, self.scenario_id, self.epoch):
            if letter.source.endswith(doc_id):
                if t is not None:
                    letter = dataclasses.replace(letter, start_s=t)
                return letter, entry.seq
        return f"letter {doc_id}: appended (entry {entry.seq}) but between no scenario members"

    def grants(self, msg: Mapping[str, Any]) -> tuple[AirspaceGrant, ...]:
        """The airspace grants of a letter ``msg`` that :meth:`take` accepted (an
        ``airspace_grant``'s body, which the ledger checked; none for another type), grantor
        and grantee by their scenario ids (a third state keeps its name)."""
        st = msg["document"]["statement"]
        if st.get("type") != "airspace_grant":
            return ()
        ids = self.scenario_id
        return tuple(AirspaceGrant.model_validate(
            {**g, "grantor_state": ids.get(g["grantor_state"], g["grantor_state"]),
             "grantee_member": ids.get(g["grantee_member"], g["grantee_member"])})
            for g in st["body"]["grants"])


def on_record_at_start(letters: Sequence[TimedLetter], epoch: datetime, duration_s: float,
                       now: datetime) -> tuple[TimedLetter, ...]:
    """The letters on the ledger when a simulated session starts at wall-clock ``now``. A
    letter dated within the scenario's time (``[0, duration_s]`` after ``epoch``: a ledger
    written for the scenario, ``--at``) counts then, as in ``inkless run``. A letter dated
    after it was written live, in wall-clock time (a node's letter to an earlier session): it
    counts from the start (scenario time 0), or not at all if it lapsed before ``now``. So a
    service restarted on the same ledger (after a kill -9) starts with the legal state the
    letters sent to it built."""
    offset = (now - epoch).total_seconds()
    out = []
    for x in letters:
        if x.start_s <= duration_s:
            out.append(x)
        elif x.end_s > offset:
            out.append(dataclasses.replace(x, start_s=0.0, end_s=x.end_s - offset))
    return tuple(out)
