"""A letter sent by a node mid-run (issue 11): verified and appended to the ledger, applied at
once, so a legal basis that comes to hold brings that member's forces in from that time. The
partner here acts only with the host's consent on record; the ledger holds none at the start;
the host's node sends its consent at scenario time 100 s."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from inkless.coalition import KeyStore, Ledger, pseudonym

from .conftest import SCENARIO, inkless, read_dump
from .test_streams import _finish, _node

CONSENT_AT_S = 100.0


def _consent_scenario(tmp: Path) -> Path:
    data = yaml.safe_load(SCENARIO.read_text())
    anon = next(m for m in data["members"] if m["id"] == "ANON")
    anon["rules"]["preconditions"] = [
        {"document": "consent", "from_role": "host", "reason": "acts only with the host's consent"}]
    path = tmp / "consent.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_letter_mid_run_brings_the_partner_in(server_factory: Any, keys: Path,
                                                 tmp_path: Path) -> None:
    k = tmp_path / "keys"
    shutil.copytree(keys, k)
    scenario, ledger = _consent_scenario(tmp_path), tmp_path / "ledger.db"
    r = inkless("coalition", "plan", SCENARIO, "--ledger", ledger, "--keys", k)  # roster, keys
    assert r.returncode == 0, r.stderr
    with Ledger(ledger) as book:
        before = len(book.entries())
    consent = tmp_path / "consent.json"
    alias = pseudonym("ANON", KeyStore(k).secret(create=False))
    consent.write_text(json.dumps({"type": "consent", "author": "HOST", "recipient": alias}))

    s = server_factory("--simulate", "--speed", "8", "--wait-nodes", "2", "--ledger",
                       str(ledger), scenario=scenario)
    host, anon = tmp_path / "host.jsonl", tmp_path / "anon.jsonl"
    nodes = [_node("HOST", k, s.url, host, "--letter", str(consent),
                   "--letter-at", str(CONSENT_AT_S)),
             _node("ANON", k, s.url, anon)]
    for p in nodes:
        _finish(p)
    h, a = read_dump(host), read_dump(anon)
    recorded = [m for m in h if m["type"] == "letter"]
    assert len(recorded) == 1 and recorded[0]["from_t"] >= CONSENT_AT_S
    start = recorded[0]["from_t"]
    orders = [m for m in a if m["type"] == "order"]
    assert orders and min(o["t"] for o in orders) >= start, "the partner acted before consent"
    assert [m for m in h if m["type"] == "order" and m["t"] < start], "nobody engaged before"
    with Ledger(ledger) as book:
        added = book.entries()[before:]
    assert [e.kind for e in added] == ["document"]
    assert added[0].fields()["type"] == "consent"
