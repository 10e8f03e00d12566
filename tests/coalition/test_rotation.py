"""A change of office holder is on the record when it happens (issue 15, defect 8).

A rotation made with ``coalition keys --rotate --ledger L`` is appended at once; one made in the
keys directory only is found by ``ledger verify``/``ledger show``/``inkless run`` given ``--keys``,
applied (the former holder's letters lapse from its time) and reported in one line. ``ledger
show`` marks lapsed documents; ``coalition plan --dry-run`` lists the renewals and writes
nothing; ``--delay-s`` gives each renewed letter its own time.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inkless.coalition import (
    KeyStore,
    Ledger,
    append_document,
    ledger_letters,
    plan_on_ledger,
    replay,
    verify_ledger,
)
from inkless.coalition.recording import record_keys, unrecorded_key_statements

from .conftest import HOST, LATER, ORCH, PARTNER, T0, head, run

LAPSE = "2024-04-13T13:00:00Z"  # == LATER: the partner's new minister takes office


@pytest.fixture
def keys(ledger: Path) -> Path:
    return ledger.with_name("ledger.db.keys")


def lapsed(ledger: Path, *extra: str) -> dict[tuple[str, str], Any]:
    out = json.loads(run("ledger", "show", str(ledger), "--json", *extra).stdout)
    return {
        (e["statement"]["author"], e["statement"]["type"]): e.get("lapsed")
        for e in out
        if e["kind"] == "document"
    }


def test_rotate_with_ledger_appends_the_rotation_and_the_letters_lapse(
    ledger: Path, keys: Path
) -> None:
    n0, _ = head(ledger)
    assert all(v is None for v in lapsed(ledger).values())
    r = run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at", LATER,
            "--ledger", str(ledger))  # fmt: skip
    assert r.exit_code == 0, r.output
    n1, _ = head(ledger)
    assert n1 == n0 + 2  # the old key's end and the new key's endorsement
    marks = lapsed(ledger)
    assert marks[("P", "request_to_be_invited")]["at"] == LAPSE
    assert marks[("H", "acknowledgement_of_legal_process")]["at"] == LAPSE  # answers it
    assert marks[("H", "consent")] is None  # the host's own letter to Q stands
    text = run("ledger", "show", str(ledger)).stdout
    assert text.count(f"lapsed at {LAPSE}") == 2
    assert run("ledger", "verify", str(ledger)).exit_code == 0


def test_an_unrecorded_rotation_is_found_applied_and_named_in_one_line(
    ledger: Path, keys: Path
) -> None:
    run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at", LATER)
    before = head(ledger)
    # without the keys the ledger cannot know
    assert all(v is None for v in lapsed(ledger).values())
    r = run("ledger", "verify", str(ledger), "--keys", str(keys))
    assert r.exit_code == 0, r.output
    (note,) = [ln for ln in r.stderr.splitlines() if "rotation" in ln]
    assert "P" in note and LATER in note and "--ledger" in note
    assert lapsed(ledger, "--keys", str(keys))[("P", "request_to_be_invited")]["at"] == LAPSE
    assert head(ledger) == before  # verify and show write nothing
    # the legal basis read for a run applies it too
    with Ledger(ledger) as book:
        entries = book.entries()
    state, _ = replay(entries)
    extra, notes = unrecorded_key_statements(state, KeyStore(keys))
    assert len(extra) == 2 and len(notes) == 1
    ids = {m: m for m in ("H", "P", "O")}
    ends = {x.letter.type.value: x.end_s for x in ledger_letters(entries, ids, _epoch())}
    assert ends == {"request_to_be_invited": math.inf, "acknowledgement_of_legal_process": math.inf}
    ends = {x.letter.type.value: x.end_s for x in ledger_letters(entries, ids, _epoch(), extra)}
    assert ends == {"request_to_be_invited": 3600.0, "acknowledgement_of_legal_process": 3600.0}
    # recording it later (keys --ledger without --rotate) puts the same statements on record
    r = run("coalition", "keys", "--keys", str(keys), "--member", "P", "--ledger", str(ledger))
    assert r.exit_code == 0, r.output
    assert head(ledger)[0] == before[0] + 2
    r = run("ledger", "verify", str(ledger), "--keys", str(keys))
    assert r.exit_code == 0 and "rotation" not in r.stderr


def _epoch() -> Any:
    from inkless.coalition.documents import parse_utc

    return parse_utc("2024-04-13T12:00:00Z")


def test_a_rotation_from_another_office_is_refused(ledger: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    run("coalition", "keys", "--keys", str(other), "--member", "P")
    run("coalition", "keys", "--keys", str(other), "--member", "P", "--rotate", "--at", LATER)
    before = head(ledger)
    r = run("ledger", "verify", str(ledger), "--keys", str(other))
    assert r.exit_code == 2 and "wrong key" in r.stderr and r.stderr.count("\n") == 1
    r = run("coalition", "keys", "--keys", str(other), "--member", "P", "--ledger", str(ledger))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert head(ledger) == before


def test_plan_dry_run_lists_renewals_and_writes_nothing(
    ledger: Path, keys: Path, scenario: Path
) -> None:
    run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at", LATER)
    before = head(ledger)
    r = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--at",
            "2024-04-13T14:00:00Z", "--dry-run", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {(x["type"], x["author"]) for x in out["renew"]} == {
        ("request_to_be_invited", "P"),
        ("acknowledgement_of_legal_process", "H"),
    }
    assert len(out["steps"]) == 2 and out["appended"] == []
    assert head(ledger) == before
    text = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--at",
               "2024-04-13T14:00:00Z", "--dry-run").stdout  # fmt: skip
    assert "renew: " in text and "dry run" in text


def test_renewed_letters_carry_their_own_times(ledger: Path, keys: Path, scenario: Path) -> None:
    run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at", LATER,
        "--ledger", str(ledger))  # fmt: skip
    r = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--at",
            "2024-04-13T14:00:00Z", "--delay-s", "1800", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    steps = json.loads(r.stdout)["steps"]
    assert [s["issued_at"] for s in steps] == ["2024-04-13T14:00:00Z", "2024-04-13T14:30:00Z"]
    shown = json.loads(run("ledger", "show", str(ledger), "--json").stdout)
    docs = [e["statement"] for e in shown if e["kind"] == "document"]
    assert [d["issued_at"] for d in docs[-2:]] == ["2024-04-13T14:00:00Z", "2024-04-13T14:30:00Z"]
    assert all(e.get("lapsed") is None for e in shown[-2:])
    old = [e for e in shown if e.get("lapsed")]  # the former minister's letter and its reply
    assert [e["lapsed"]["renewed_by"] for e in old] == [d["id"] for d in docs[-2:]]
    assert run("ledger", "verify", str(ledger)).exit_code == 0


def test_a_rotation_dated_before_what_the_holder_signed_is_refused(
    ledger: Path, keys: Path, scenario: Path
) -> None:
    # P notifies at 12:30; a rotation dated 12:15 would lapse that retroactively
    f = ledger.with_name("note.json")
    f.write_text(json.dumps({"type": "notification", "author": "P", "recipient": "H"}))
    r = run("ledger", "append", str(ledger), str(f), "--keys", str(keys), "--at",
            "2024-04-13T12:30:00Z")  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at",
            "2024-04-13T12:15:00Z", "--ledger", str(ledger))  # fmt: skip
    assert r.exit_code == 2 and "rotate at a later time" in r.stderr  # refused before rotating
    run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at",
        "2024-04-13T12:15:00Z")  # fmt: skip
    before = head(ledger)
    r = run("ledger", "verify", str(ledger), "--keys", str(keys))
    assert r.exit_code == 2 and "not before its end" in r.stderr, r.output
    r = run("coalition", "plan", str(scenario), "--ledger", str(ledger), "--at", LATER)
    assert r.exit_code == 2 and "not before its end" in r.stderr and r.stderr.count("\n") == 1
    assert head(ledger) == before


# -- property: any sequence of plans, notifications and rotations -------------------------------

_OP = st.one_of(
    st.tuples(st.just("rotate"), st.sampled_from(["H", "P"]), st.booleans()),
    st.tuples(st.just("notify"), st.sampled_from(["H", "P"]), st.just(False)),
    st.tuples(st.just("plan"), st.just(""), st.just(False)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(st.tuples(_OP, st.integers(1, 600)), min_size=1, max_size=7))
def test_the_ledger_verifies_and_lapses_follow_the_keys_after_any_sequence(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[tuple[str, str, bool], int]]
) -> None:
    d = tmp_path_factory.mktemp("seq")
    keys, path = KeyStore(d / "k"), d / "l.db"
    members = [HOST, PARTNER, ORCH]
    t = T0
    with Ledger(path, create=True) as led:
        plan_on_ledger(led, keys, members, T0, t)
        for (op, who, record), minutes in ops:
            t += timedelta(minutes=minutes)
            if op == "rotate" and record:
                record_keys(led, keys, who, t, rotate=True)
            elif op == "rotate":
                keys.rotate(who, t)
            elif op == "notify":
                append_document(led, {"type": "notification", "author": who, "recipient": "O",
                                      "body": {"m": minutes}}, keys, t)  # fmt: skip
            else:
                plan_on_ledger(led, keys, members, T0, t)
            assert verify_ledger(path).ok
        entries = led.entries()
    # brute force: each holder key's end from the keys directory's own statements
    end: dict[str, str | None] = {}
    for member in ("H", "P", "O"):
        if keys.has(member):
            for s in keys.load(member).statements:
                f = s.fields()
                if f["kind"] == "key_endorsement":
                    end[f["key_id"]] = f["valid_until"]
    state, problems = replay(entries)
    assert not problems
    extra, _ = unrecorded_key_statements(state, keys)
    for s in extra:
        state.apply(s, 0)
    want: dict[str, str] = {}
    for doc in state.documents.values():
        f = doc.fields
        ends = [e for e in (end.get(f["signer_key_id"]), want.get(f["in_reply_to"] or "")) if e]
        if ends:
            want[doc.id] = min(ends)
    assert {i: at for i, (at, _) in state.lapses().items()} == want


@pytest.mark.parametrize("delay", ["-5", str(31 * 86400)])
@pytest.mark.parametrize("on_ledger", [False, True])
def test_a_delay_between_letters_out_of_range_is_refused_with_or_without_a_ledger(
    ledger: Path, scenario: Path, delay: str, on_ledger: bool
) -> None:
    where = ["--ledger", str(ledger)] if on_ledger else []
    r = run("coalition", "plan", str(scenario), *where, "--at", "2024-04-13T14:00:00Z",
            "--delay-s", delay)  # fmt: skip
    assert r.exit_code == 2, r.output
    assert "--delay-s" in r.stderr and r.stderr.count("\n") == 1, r.stderr
