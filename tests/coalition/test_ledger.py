"""The hash-chained ledger: it verifies as written, and ``verify`` names the entry for every kind
of change — a changed byte in any stored field of any row, an entry dropped, reordered or
inserted, a forged signature, a document signed by a key not valid at its time."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from inkless.coalition import (
    AirspaceGrant,
    KeyStore,
    Ledger,
    Member,
    MemberRules,
    Precondition,
    append_document,
    document_fields,
    plan_on_ledger,
    sign_statement,
    verify_ledger,
)
from inkless.errors import InputError, IntegrityError

T0 = datetime(2024, 4, 10, 8, 0, 0, tzinfo=UTC)  # the `book` fixture's time
Book = Any

COLUMNS = (
    "seq",
    "kind",
    "statement",
    "signature",
    "signer_key_id",
    "recorded_at",
    "prev_hash",
    "entry_hash",
)


def problem_entries(path: Path, head: str | None = None) -> set[int | None]:
    report = verify_ledger(path, head)
    assert not report.ok
    return {p.seq for p in report.problems}


def messages(path: Path) -> str:
    return "\n".join(str(p) for p in verify_ledger(path).problems)


def test_the_exchange_verifies_and_the_chain_is_as_documented(book: Book, tamper: Any) -> None:
    report = verify_ledger(book.path)
    assert report.ok, report.problems
    rows = tamper["rows"](book.path)
    assert [r["kind"] for r in rows] == [
        "key_root", "key_endorsement", "roster",  # the orchestrator keeps the roster
        "key_root", "key_endorsement", "document",  # P's keys, P -> H request_to_be_invited
        "key_root", "key_endorsement", "document",  # H's keys, H -> P acknowledgement
    ]  # fmt: skip
    prev = "0" * 64
    for r in rows:
        assert r["prev_hash"] == prev
        assert r["entry_hash"] == tamper["hash"](r)  # recomputed from the definition
        prev = r["entry_hash"]
    assert report.head == prev and report.entries == 9
    con = sqlite3.connect(book.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_a_change_to_any_stored_field_of_any_row_is_named(book: Book, tamper: Any) -> None:
    original = tamper["rows"](book.path)
    for i, row in enumerate(original):
        for column in COLUMNS:
            changed = [dict(r) for r in original]
            if column == "seq":
                changed[i]["seq"] = row["seq"] + 100
            else:
                changed[i][column] = tamper["flip"](row[column])
            tamper["write_rows"](book.path, changed)
            named = problem_entries(book.path)
            assert changed[i]["seq"] in named, (row["seq"], column, messages(book.path))
    tamper["write_rows"](book.path, original)
    assert verify_ledger(book.path).ok


def test_a_flipped_byte_in_the_file_itself_is_detected(book: Book) -> None:
    data = bytearray(book.path.read_bytes())
    at = data.find(b"request_to_be_invited")
    assert at > 0, "the statement text is stored in the main file after a checkpoint"
    data[at + 3] ^= 0x01
    book.path.write_bytes(bytes(data))
    assert 6 in problem_entries(book.path)


def test_a_dropped_entry_is_named(book: Book, tamper: Any) -> None:
    rows = tamper["rows"](book.path)
    tamper["write_rows"](book.path, rows[:5] + rows[6:])
    assert 7 in problem_entries(book.path)  # the entry after the gap
    # rewriting the chain does not hide it: H's reply now answers a letter not on record
    tamper["write_rows"](book.path, tamper["rechain"](rows[:5] + rows[6:]))
    assert "in_reply_to" in messages(book.path)


def test_dropping_the_tail_is_caught_against_a_head_held_elsewhere(book: Book, tamper: Any) -> None:
    head = verify_ledger(book.path).head
    rows = tamper["rows"](book.path)
    tamper["write_rows"](book.path, rows[:-1])
    assert verify_ledger(book.path).ok  # a shorter chain is still a chain ...
    assert None in problem_entries(book.path, head)  # ... but not the one whose head we hold


def test_a_reordering_is_named(book: Book, tamper: Any) -> None:
    rows = tamper["rows"](book.path)
    # entries 2 and 3 trade places: each keeps its position's seq, takes the other's content
    swapped = [*rows[:1], dict(rows[2], seq=2), dict(rows[1], seq=3), *rows[3:]]
    tamper["write_rows"](book.path, swapped)
    assert problem_entries(book.path) & {2, 3}
    tamper["write_rows"](book.path, tamper["rechain"](swapped))
    # even re-chained, the roster now comes before the key that signs it is endorsed
    assert "not endorsed" in messages(book.path)


def test_an_inserted_entry_is_named(book: Book, tamper: Any) -> None:
    rows = tamper["rows"](book.path)
    copy = dict(rows[5])
    # the table cannot hold one seq twice; renumbered, the chain breaks after the copy
    inserted = [*rows[:6], copy, *rows[6:]]
    renumbered = [dict(r, seq=i + 1) for i, r in enumerate(inserted)]
    tamper["write_rows"](book.path, renumbered)
    assert problem_entries(book.path) & {7, 8}
    tamper["write_rows"](book.path, tamper["rechain"](inserted))
    assert "already on the ledger" in messages(book.path)


def test_a_forged_signature_is_named(book: Book, tamper: Any) -> None:
    rows = tamper["rows"](book.path)
    # the attacker rewrites P's letter and signs it with its own key, keeping P's key id
    forged = dict(rows[5])
    forged["statement"] = forged["statement"].replace("asks for the reply", "demands the reply")
    forged["signature"] = Ed25519PrivateKey.generate().sign(forged["statement"].encode()).hex()
    tamper["write_rows"](book.path, tamper["rechain"]([*rows[:5], forged, *rows[6:]]))
    text = messages(book.path)
    assert "entry 6: " in text and "signature does not verify" in text


def test_an_unendorsed_key_is_named(book: Book, tamper: Any) -> None:
    rows = tamper["rows"](book.path)
    stranger = Ed25519PrivateKey.generate()
    fields = document_fields("consent", "H", "P", T0, {"text": "forged consent"})
    st = sign_statement(fields, stranger)
    row = {
        "seq": 10,
        "kind": st.kind,
        "statement": st.text,
        "signature": st.signature,
        "signer_key_id": st.signer_key_id,
        "recorded_at": "2024-04-10T09:00:00Z",
    }
    tamper["write_rows"](book.path, tamper["rechain"]([*rows, row]))
    assert "entry 10: signer key" in messages(book.path)
    assert "not endorsed" in messages(book.path)


def test_a_document_signed_by_a_key_not_valid_at_its_time_is_named(
    book: Book, tamper: Any, tmp_path: Path
) -> None:
    old_keys = tmp_path / "old-keys"
    shutil.copytree(book.keys.path, old_keys)
    old_p = KeyStore(old_keys).load("P").holder
    book.keys.rotate("P", T0 + timedelta(days=1))
    with book.open() as led, led.transaction() as tx:  # record the rotation
        from inkless.coalition.recording import sync_keys

        sync_keys(tx, book.keys, "P", T0 + timedelta(days=1), create=False)
    assert verify_ledger(book.path).ok
    rows = tamper["rows"](book.path)
    late = document_fields("notification", "P", "H", T0 + timedelta(days=2), {"text": "late"})
    st = sign_statement(late, old_p)
    row = {
        "seq": 0,
        "kind": st.kind,
        "statement": st.text,
        "signature": st.signature,
        "signer_key_id": st.signer_key_id,
        "recorded_at": "2024-04-12T09:00:00Z",
    }
    tamper["write_rows"](book.path, tamper["rechain"]([*rows, row]))
    text = messages(book.path)
    assert f"entry {len(rows) + 1}: " in text and "was ended at 2024-04-11T08:00:00Z" in text
    early = document_fields("notification", "P", "H", T0 - timedelta(days=1), {"text": "early"})
    st = sign_statement(early, old_p)
    row = dict(row, statement=st.text, signature=st.signature)
    tamper["write_rows"](book.path, tamper["rechain"]([*rows, row]))
    assert "is valid only from 2024-04-10T08:00:00Z" in messages(book.path)


def test_extra_tables_and_foreign_files_are_reported(book: Book, tmp_path: Path) -> None:
    con = sqlite3.connect(book.path)
    con.execute("CREATE TABLE notes (x TEXT)")
    con.commit()
    con.close()
    assert "not exactly the entries table" in messages(book.path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert not verify_ledger(junk).ok
    with pytest.raises(InputError, match="not an inkless ledger"):
        Ledger(junk)
    with pytest.raises(InputError, match="no such ledger"):
        verify_ledger(tmp_path / "missing.db")


def test_appends_refuse_bad_input_and_leave_the_ledger_unchanged(book: Book) -> None:
    before = verify_ledger(book.path)
    at = T0 + timedelta(hours=1)
    bad = [
        ({"type": "consent", "author": "H", "recipient": "X"}, "not a member"),
        ({"type": "request_for_support", "author": "H", "recipient": "P"}, "prohibits issuing"),
        ({"type": "treaty", "author": "H", "recipient": "P"}, "not one of"),
        ({"type": "consent", "author": "H", "recipient": "P", "in_reply_to": "doc-0"},
         "not a document on the ledger"),
        ({"type": "consent", "author": "H", "recipient": "P", "body": {"x": 0.5}},
         "floating-point"),
        ({"type": "consent", "author": "H", "recipient": "P",
          "issued_at": "2024-04-09T00:00:00Z"}, "valid only from"),
        (
            {
                "type": "airspace_grant", "author": "H", "recipient": "P",
                "body": {"grants": [{"grantor_state": "H", "grantee_member": "P",
                                     "region_id": "R", "what": "engage",
                                     "valid_until": "2024-04-10T08:30:00Z"}]},
            },
            "expired",
        ),
    ]  # fmt: skip
    for raw, why in bad:
        with book.open() as led, pytest.raises(InputError, match=why):
            append_document(led, raw, book.keys, at)
        assert verify_ledger(book.path).head == before.head, raw
    good = {"type": "consent", "author": "H", "recipient": "P", "body": {"text": "ok"}}
    with book.open() as led:
        added = append_document(led, good, book.keys, at)
    assert [e.seq for e in added] == [10]
    assert verify_ledger(book.path).ok


def test_a_ledger_that_does_not_verify_refuses_appends(book: Book, tamper: Any) -> None:
    rows = tamper["rows"](book.path)
    rows[3]["recorded_at"] = tamper["flip"](rows[3]["recorded_at"], 0)
    tamper["write_rows"](book.path, rows)
    with book.open() as led, pytest.raises(IntegrityError, match="entry 4"):
        append_document(
            led,
            {"type": "consent", "author": "H", "recipient": "P"},
            book.keys,
            T0 + timedelta(hours=1),
        )


def test_documents_are_recorded_in_time_order(book: Book) -> None:
    doc = {"type": "consent", "author": "H", "recipient": "P"}
    with book.open() as led:
        append_document(led, doc, book.keys, T0 + timedelta(hours=2))
    with book.open() as led, pytest.raises(InputError, match="time order"):
        append_document(led, doc, book.keys, T0 + timedelta(hours=1))


def test_replanning_on_an_unchanged_ledger_appends_nothing(book: Book, members: list) -> None:
    with book.open() as led:
        rec = plan_on_ledger(led, book.keys, members, T0, T0 + timedelta(hours=2))
    assert rec.plan.ok and rec.plan.steps == () and rec.appended == () and rec.renew == ()


def test_airspace_grants_go_on_record_with_their_window(tmp_path: Path) -> None:
    host = Member("H", "host")
    guest = Member(
        "P",
        "partner",
        rules=MemberRules(
            preconditions=(Precondition(document="airspace_grant", from_member="H"),)
        ),
    )
    grant = AirspaceGrant(
        grantor_state="H",
        grantee_member="P",
        region_id="R1",
        what="engage",
        valid_from=0.0,
        valid_until=7200.0,
    )
    path, keys = tmp_path / "g.db", KeyStore(tmp_path / "k")
    late = T0 + timedelta(hours=3)  # the grant ended at T0 + 2 h
    with Ledger(path, create=True) as led, pytest.raises(InputError, match="expired at"):
        plan_on_ledger(led, keys, [host, guest], T0, late, grants=[grant])
    assert verify_ledger(path).entries == 0
    with Ledger(path) as led, pytest.raises(InputError, match="no grant from H to P"):
        plan_on_ledger(led, keys, [host, guest], T0, T0)
    with Ledger(path) as led:
        rec = plan_on_ledger(led, keys, [host, guest], T0, T0, grants=[grant])
    body = rec.appended[-1].fields()["body"]
    assert body["grants"] == [
        {
            "grantor_state": "H",
            "grantee_member": "P",
            "region_id": "R1",
            "what": "engage",
            "valid_from": "2024-04-10T08:00:00Z",
            "valid_until": "2024-04-10T10:00:00Z",
        }
    ]
    assert verify_ledger(path).ok
