"""The ledger and the coalition secret under hostile input (issue 16, items 3 and 4): the signing
time is taken under the ledger's lock; times are bounded (1970..2100 always, and no later than a
small skew past the wall clock when appended); a statement has a size, nesting and integer
limit; every file-system and key-file failure is one line on stderr with exit 2 and the ledger
unchanged; a coalition secret shorter than 32 random bytes is refused and never makes a
pseudonym."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inkless.coalition import (
    KeyStore,
    Ledger,
    append_document,
    document_fields,
    sign_statement,
    verify_ledger,
)
from inkless.errors import InputError

from .conftest import AT, T0, Book, head, run


def one_line_exit_2(r: Any) -> None:
    assert r.exit_code == 2, r.output
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


def append_is_refused(ledger: Path, document: str, why: str) -> None:
    """``ledger append`` of the JSON text ``document`` (signed with the ledger's keys) fails in
    one line naming ``why``, and the ledger is unchanged."""
    f = ledger.with_name("document.json")
    f.write_text(document)
    before = head(ledger)
    keys = ledger.with_name("ledger.db.keys")
    r = run("ledger", "append", str(ledger), str(f), "--keys", str(keys), "--at", AT)
    one_line_exit_2(r)
    assert why in r.stderr
    assert head(ledger) == before


# -- time under the lock ------------------------------------------------------------------------


def test_the_signing_time_is_taken_under_the_lock(book: Book) -> None:
    seen: list[bool] = []
    led: Ledger

    def clock() -> datetime:
        seen.append(led._con.in_transaction)
        return T0 + timedelta(days=30)

    led = Ledger(book.path, clock=clock)
    with led:
        (entry,) = append_document(
            led, {"type": "notification", "author": "H", "recipient": "P"}, book.keys, None
        )
    assert seen and all(seen)  # every reading of the clock held the lock
    assert entry.fields()["issued_at"] == "2024-05-10T08:00:00Z"


# -- dates --------------------------------------------------------------------------------------


def _signed(book: Book, issued_at: str, **extra: Any) -> dict[str, Any]:
    office = book.keys.load("H")
    fields = document_fields("notification", "H", "P", T0, extra.get("body"))
    fields["issued_at"] = issued_at
    fields.pop("id")
    from inkless.coalition.documents import document_id

    fields["id"] = document_id(fields)
    return sign_statement(fields, office.holder).to_json()


@pytest.mark.parametrize(
    ("issued_at", "why"),
    [
        ("9999-12-31T23:59:59Z", "after 2100"),
        ("0001-01-01T00:00:00Z", "before 1970"),
        ("2099-12-31T00:00:00Z", "past the wall clock"),
    ],
)
def test_dates_out_of_bounds_are_refused_and_block_nothing(
    book: Book, issued_at: str, why: str
) -> None:
    before = verify_ledger(book.path).head
    with book.open() as led, pytest.raises(InputError, match=why):
        append_document(led, _signed(book, issued_at), None, T0)
    assert verify_ledger(book.path).head == before
    with book.open() as led:  # a later, sound append still goes through
        append_document(
            led, {"type": "notification", "author": "H", "recipient": "P"}, book.keys, T0
        )


def test_plan_at_an_impossible_time_is_one_line(ledger: Path, scenario: Path) -> None:
    before = head(ledger)
    for at in ("9999-12-31T23:00:00Z", "0001-01-01T00:00:00Z", "2099-01-01T00:00:00Z"):
        r = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--at", at)
        one_line_exit_2(r)
    assert head(ledger) == before


@pytest.mark.parametrize(
    ("window", "why"),
    [({"valid_until": 10**12}, "after 2100"), ({"valid_from": -(10**12)}, "before 1970")],
)
def test_a_grant_out_of_time_is_refused_in_one_line(
    ledger: Path, window: dict[str, int], why: str
) -> None:
    doc = {"type": "airspace_grant", "author": "H", "recipient": "P",
           "body": {"grants": [{"grantor_state": "H", "grantee_member": "P", "region_id": "R1",
                                "what": "engage", **window}]}}  # fmt: skip
    append_is_refused(ledger, json.dumps(doc), why)


# -- size, integers, nesting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"text": "x" * 10_000_000}, "limit"),
        ({"n": 10**5000}, "integer"),
        ("deep", "nested"),
    ],
)
def test_oversized_documents_are_one_line(
    ledger: Path, body: Any, why: str
) -> None:
    if body == "deep":
        text = '{"type": "notification", "author": "H", "recipient": "P", "body": {"a": '
        text += "[" * 990 + "]" * 990 + "}}"
    else:
        limit = sys.get_int_max_str_digits()  # the interpreter's, restored after
        sys.set_int_max_str_digits(0)
        try:
            doc = {"type": "notification", "author": "H", "recipient": "P", "body": body}
            text = json.dumps(doc)
        finally:
            sys.set_int_max_str_digits(limit)
    append_is_refused(ledger, text, why)


# -- file system and key files ------------------------------------------------------------------


def test_a_ledger_under_a_file_is_one_line(scenario: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    r = run("coalition", "plan", str(scenario), "--ledger", str(tmp_path / "afile" / "l.db"),
            "--at", AT)  # fmt: skip
    one_line_exit_2(r)


def test_keys_that_are_a_file_or_damaged_are_one_line(
    ledger: Path, scenario: Path, tmp_path: Path
) -> None:
    before = head(ledger)
    afile = tmp_path / "keys-file"
    afile.write_text("x")
    r = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--keys", str(afile),
            "--at", AT)  # fmt: skip
    one_line_exit_2(r)
    r = run("coalition", "keys", "--keys", str(afile), "--member", "P")
    one_line_exit_2(r)
    keys = ledger.with_name("ledger.db.keys")
    (keys / "P" / "statements.json").write_text(
        json.dumps([{"kind": "key_root", "text": "not json", "signature": "00",
                     "signer_key_id": "x"}])
    )  # fmt: skip
    r = run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at", AT)
    one_line_exit_2(r)
    assert "damaged" in r.stderr
    r = run("ledger", "verify", str(ledger), "--keys", str(keys))
    one_line_exit_2(r)
    assert head(ledger) == before


def test_a_ledger_file_that_cannot_be_written_is_one_line(
    ledger: Path, scenario: Path, tmp_path: Path
) -> None:
    # a directory where the WAL journal must go makes every write fail, even for root
    before = head(ledger)
    wal = ledger.with_name(ledger.name + "-wal")
    if wal.exists():
        wal.unlink()
    wal.mkdir()
    try:
        r = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--at",
                "2024-04-13T14:00:00Z")  # fmt: skip
        one_line_exit_2(r)
    finally:
        wal.rmdir()
    assert head(ledger) == before


# -- the coalition secret -----------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["", "00", "ab" * 31, "00" * 32])
def test_a_weak_coalition_secret_is_refused_and_makes_no_pseudonym(
    scenario: Path, tmp_path: Path, secret: str
) -> None:
    keys = tmp_path / "k"
    keys.mkdir()
    (keys / "secret.hex").write_text(secret)
    with pytest.raises(InputError, match="32 random bytes"):
        KeyStore(keys).secret()
    path = tmp_path / "l.db"
    r = run("coalition", "plan", str(scenario), "--ledger", str(path), "--keys", str(keys),
            "--at", AT)  # fmt: skip
    one_line_exit_2(r)
    assert "token_hex(32)" in r.stderr  # how to make one
    assert not path.exists() or b"anon-" not in path.read_bytes()
