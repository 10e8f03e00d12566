"""The command line: `coalition keys|plan` and `ledger append|show|verify`, with exit codes 0/1/2,
one-line errors on stderr, and the ledger unchanged after bad input."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import LATER, SCENARIO, head, run


def test_plan_prints_the_two_letter_exchange(scenario: Path) -> None:
    r = run("coalition", "plan", str(scenario), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [(s["author"], s["recipient"], s["type"], s["in_reply_to"]) for s in out["steps"]] == [
        ("P", "H", "request_to_be_invited", None),
        ("H", "P", "acknowledgement_of_legal_process", 1),
        ("H", "Q", "consent", None),
    ]
    text = run("coalition", "plan", str(scenario))
    assert "1. P -> H: request_to_be_invited" in text.stdout


def test_plan_names_conflicts_and_exits_1(tmp_path: Path) -> None:
    f = tmp_path / "conflict.yaml"
    f.write_text(
        SCENARIO.replace(
            """      equivalences:
        - counts_as: request_for_support
          document: acknowledgement_of_legal_process
          in_reply_to: request_to_be_invited
""",
            "",
        )
    )
    r = run("coalition", "plan", str(f), "--json")
    assert r.exit_code == 1
    (conflict,) = json.loads(r.stdout)["conflicts"]
    assert conflict.startswith("P requires request_for_support from H")
    assert "H prohibits issuing request_for_support" in conflict


def test_plan_reports_bad_rules_with_their_location(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(SCENARIO.replace("from_member: H,", "from_member: Nobody,"))
    r = run("coalition", "plan", str(f))
    assert r.exit_code == 2
    assert "members[1].rules.preconditions[0].from_member: unknown member 'Nobody'" in r.stderr


def test_plan_on_a_ledger_signs_appends_and_verifies(ledger: Path, tmp_path: Path) -> None:
    r = run("ledger", "verify", str(ledger))
    assert r.exit_code == 0 and "entries verify" in r.stdout
    shown = json.loads(run("ledger", "show", str(ledger), "--json").stdout)
    docs = [e["statement"] for e in shown if e["kind"] == "document"]
    assert [(d["author"], d["type"]) for d in docs][:2] == [
        ("P", "request_to_be_invited"),
        ("H", "acknowledgement_of_legal_process"),
    ]
    anon = docs[2]["recipient"]
    assert anon.startswith("anon-")  # the anonymous member acts under its pseudonym
    raw = ledger.read_bytes()
    assert b"Quiet Friend" not in raw and b'"Q"' not in raw
    # P's view withholds the letter to the anonymous member
    view = json.loads(run("ledger", "show", str(ledger), "--json", "--view", "P").stdout)
    assert sum(1 for e in view if e.get("withheld")) == 2  # the roster and H -> anon consent
    again = run(
        "coalition", "plan", str(tmp_path / "scenario.yaml"), "--ledger", str(ledger), "--at", LATER
    )
    assert again.exit_code == 0 and "already hold" in again.stdout


def bad_append(ledger: Path, doc: dict[str, Any], keys: Path, tmp_path: Path) -> Any:
    f = tmp_path / "doc.json"
    f.write_text(json.dumps(doc))
    before = head(ledger)
    r = run("ledger", "append", str(ledger), str(f), "--keys", str(keys), "--at", LATER)
    assert head(ledger) == before  # unchanged
    return r


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ({"type": "consent", "author": "H", "recipient": "Q"}, "'Q' is not a member"),
        ({"type": "request_for_support", "author": "H", "recipient": "P"},
         "breaks its author's own rule: H prohibits issuing request_for_support"),
        ({"type": "airspace_grant", "author": "H", "recipient": "P",
          "body": {"grants": [{"grantor_state": "H", "grantee_member": "P", "region_id": "R1",
                               "what": "engage", "valid_until": "2024-04-13T12:30:00Z"}]}},
         "expired at 2024-04-13T12:30:00Z"),
    ],
)  # fmt: skip
def test_bad_documents_exit_2_with_one_line(
    ledger: Path, tmp_path: Path, doc: dict[str, Any], why: str
) -> None:
    r = bad_append(ledger, doc, ledger.with_name("ledger.db.keys"), tmp_path)
    assert r.exit_code == 2
    assert why in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_wrong_and_revoked_keys_exit_2(ledger: Path, tmp_path: Path) -> None:
    keys = ledger.with_name("ledger.db.keys")
    stale = tmp_path / "stale"
    shutil.copytree(keys, stale)
    r = run(
        "coalition",
        "keys",
        "--keys",
        str(keys),
        "--member",
        "P",
        "--rotate",
        "--at",
        LATER,
        "--json",
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["action"] == "rotated"
    doc = {"type": "notification", "author": "P", "recipient": "H", "body": {"n": 1}}
    f = tmp_path / "ok.json"
    f.write_text(json.dumps(doc))  # puts the rotation on record
    assert (
        run("ledger", "append", str(ledger), str(f), "--keys", str(keys), "--at", LATER).exit_code
        == 0
    )
    doc["body"] = {"n": 2}
    r = bad_append(ledger, doc, stale, tmp_path)
    assert r.exit_code == 2 and "was ended at 2024-04-13T13:00:00Z" in r.stderr
    other = tmp_path / "other"
    assert run("coalition", "keys", "--keys", str(other), "--member", "P").exit_code == 0
    r = bad_append(ledger, doc, other, tmp_path)
    assert r.exit_code == 2 and "wrong key" in r.stderr


def test_rotation_then_plan_lists_renewals(ledger: Path, scenario: Path) -> None:
    keys = ledger.with_name("ledger.db.keys")
    run("coalition", "keys", "--keys", str(keys), "--member", "P", "--rotate", "--at", LATER)
    r = run(
        "coalition",
        "plan",
        str(scenario),
        "--ledger",
        str(ledger),
        "--at",
        "2024-04-13T14:00:00Z",
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {(x["type"], x["author"]) for x in out["renew"]} == {
        ("request_to_be_invited", "P"),
        ("acknowledgement_of_legal_process", "H"),
    }
    assert [s["renews"] is not None for s in out["steps"]] == [True, True]
    assert run("ledger", "verify", str(ledger)).exit_code == 0


def test_verify_names_the_tampered_entry_and_exits_1(ledger: Path) -> None:
    con = sqlite3.connect(ledger)
    con.execute("UPDATE entries SET signature = replace(signature, 'a', 'b') WHERE seq = 6")
    con.commit()
    con.close()
    r = run("ledger", "verify", str(ledger))
    assert r.exit_code == 1 and "entry 6:" in r.stderr
    data = json.loads(run("ledger", "verify", str(ledger), "--json").stdout)
    assert data["ok"] is False and 6 in {p["entry"] for p in data["problems"]}


def test_missing_files_exit_2(tmp_path: Path) -> None:
    r = run("ledger", "verify", str(tmp_path / "none.db"))
    assert r.exit_code == 2 and "no such ledger" in r.stderr
    r = run("ledger", "show", str(tmp_path / "none.db"))
    assert r.exit_code == 2
    r = run("coalition", "plan", str(tmp_path / "none.yaml"))
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_runnable_as_a_module(ledger: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "inkless.commands.coalition", "ledger", "verify", str(ledger)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and "entries verify" in r.stdout
