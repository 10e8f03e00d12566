"""Office keys and rotation: a new office holder's key is endorsed by the root, the previous one
ends, the documents that rested on it must be renewed, and the planner says which."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inkless.coalition import DocumentType, KeyStore, append_document, plan_on_ledger, verify_ledger
from inkless.coalition.documents import signature_valid
from inkless.errors import InputError

T0 = datetime(2024, 4, 10, 8, 0, 0, tzinfo=UTC)  # the `book` fixture's time
DAY = timedelta(days=1)


def test_keys_are_made_once_and_endorsed_by_the_root(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "k")
    office, made = store.ensure("P", T0)
    assert made and not store.ensure("P", T0)[1]
    root_statement, endorsement = office.statements
    assert root_statement.fields()["key_id"] == office.root_key_id
    f = endorsement.fields()
    assert (f["key_id"], f["valid_from"], f["valid_until"]) == (
        office.holder_key_id,
        "2024-04-10T08:00:00Z",
        None,
    )
    assert signature_valid(endorsement, office.root.public_key())
    assert (tmp_path / "k" / "P" / "root.pem").stat().st_mode & 0o077 == 0
    with pytest.raises(InputError, match="already has keys"):
        store.create("P", T0)
    with pytest.raises(InputError, match="not a valid id"):
        store.ensure("../evil", T0)


def test_rotation_endorses_a_new_holder_and_ends_the_old(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "k")
    first = store.create("P", T0)
    second = store.rotate("P", T0 + DAY)
    assert second.root_key_id == first.root_key_id
    assert second.holder_key_id != first.holder_key_id
    assert second.window(first.holder_key_id) == ("2024-04-10T08:00:00Z", "2024-04-11T08:00:00Z")
    assert second.window(second.holder_key_id) == ("2024-04-11T08:00:00Z", None)
    assert store.load("P").holder_key_id == second.holder_key_id
    with pytest.raises(InputError, match="rotate at a later time"):
        store.rotate("P", T0 + DAY)


def test_rotating_the_partner_renews_both_letters(book: Any, members: list) -> None:
    book.keys.rotate("P", T0 + DAY)  # P's minister changes
    with book.open() as led:
        rec = plan_on_ledger(led, book.keys, members, T0, T0 + 2 * DAY)
    renew = {(r.type, r.author, r.recipient): r.reason for r in rec.renew}
    assert set(renew) == {
        ("request_to_be_invited", "P", "H"),
        ("acknowledgement_of_legal_process", "H", "P"),
    }
    assert "validity ended at 2024-04-11T08:00:00Z" in renew[("request_to_be_invited", "P", "H")]
    assert "must be renewed" in renew[("acknowledgement_of_legal_process", "H", "P")]
    assert [(s.author, s.type) for s in rec.plan.steps] == [
        ("P", DocumentType.REQUEST_TO_BE_INVITED),
        ("H", DocumentType.ACKNOWLEDGEMENT_OF_LEGAL_PROCESS),
    ]
    assert set(rec.step_renews) == {1, 2}
    kinds = [e.kind for e in rec.appended]
    assert kinds == ["key_endorsement", "key_endorsement", "document", "document"]
    assert verify_ledger(book.path).ok
    with book.open() as led:  # renewed: nothing more to do
        again = plan_on_ledger(led, book.keys, members, T0, T0 + 3 * DAY)
    assert again.plan.steps == () and again.renew == () and again.appended == ()


def test_rotating_the_host_renews_only_its_reply(book: Any, members: list) -> None:
    book.keys.rotate("H", T0 + DAY)
    with book.open() as led:
        rec = plan_on_ledger(led, book.keys, members, T0, T0 + 2 * DAY)
    assert [(r.type, r.author) for r in rec.renew] == [("acknowledgement_of_legal_process", "H")]
    (step,) = rec.plan.steps
    assert (step.author, step.type, step.answers_record is not None) == (
        "H",
        DocumentType.ACKNOWLEDGEMENT_OF_LEGAL_PROCESS,
        True,
    )
    assert verify_ledger(book.path).ok


def test_a_revoked_or_wrong_key_is_refused(book: Any, tmp_path: Path) -> None:
    stale = tmp_path / "stale-keys"
    shutil.copytree(book.keys.path, stale)  # a copy made before the rotation
    book.keys.rotate("P", T0 + DAY)
    doc = {"type": "notification", "author": "P", "recipient": "H", "body": {"n": 1}}
    with book.open() as led:  # the rotation goes on record with this append
        append_document(led, doc, book.keys, T0 + 2 * DAY)
    head = verify_ledger(book.path).head
    with book.open() as led, pytest.raises(InputError, match="was ended at"):
        append_document(led, dict(doc, body={"n": 2}), KeyStore(stale), T0 + 3 * DAY)
    other = KeyStore(tmp_path / "other")
    other.create("P", T0)
    with book.open() as led, pytest.raises(InputError, match="wrong key"):
        append_document(led, dict(doc, body={"n": 3}), other, T0 + 3 * DAY)
    assert verify_ledger(book.path).head == head
