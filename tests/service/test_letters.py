"""A letter sent by a node mid-run (issue 11): verified and appended to the ledger, applied at
once, so a legal basis that comes to hold brings that member's forces in from that time. The
partner here acts only with the host's consent on record; the ledger holds none at the start;
the host's node sends its consent at scenario time 100 s."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import yaml

from inkless.coalition import KeyStore, Ledger, pseudonym

from .conftest import SCENARIO, cut, inkless, read_dump, wait_for
from .test_streams import _finish, _node

CONSENT_AT_S = 100.0


def _consent_scenario(tmp: Path, duration_s: float) -> Path:
    data = yaml.safe_load(cut(tmp, duration_s).read_text())
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
    # to 180 s: the second wave (orders from 135 s) comes after the consent
    scenario, ledger = _consent_scenario(tmp_path, 180), tmp_path / "ledger.db"
    r = inkless("coalition", "plan", SCENARIO, "--ledger", ledger, "--keys", k)  # roster, keys
    assert r.returncode == 0, r.stderr
    with Ledger(ledger) as book:
        before = len(book.entries())
    consent = tmp_path / "consent.json"
    alias = pseudonym("ANON", KeyStore(k).secret(create=False))
    consent.write_text(json.dumps({"type": "consent", "author": "HOST", "recipient": alias}))

    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2", "--ledger",
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


def test_a_kill_of_the_service_loses_no_letter(server_factory: Any, keys: Path,
                                               tmp_path: Path) -> None:
    """The service is killed (SIGKILL) once the consent is recorded: the ledger verifies and
    holds it; restarted on the same ledger, the service has the partner acting from the
    start (its unit, the better round, takes the first wave: orders before 100 s)."""
    # to 100 s: the first wave's first orders (40 s) come before the time of the consent
    scenario, ledger = _consent_scenario(tmp_path, 100), tmp_path / "ledger.db"
    assert inkless("coalition", "plan", SCENARIO, "--ledger", ledger, "--keys", keys
                   ).returncode == 0
    consent = tmp_path / "consent.json"
    alias = pseudonym("ANON", KeyStore(keys).secret(create=False))
    consent.write_text(json.dumps({"type": "consent", "author": "HOST", "recipient": alias}))
    args = ("--simulate", "--speed", "16", "--wait-nodes", "2", "--ledger", str(ledger))
    first = server_factory(*args, scenario=scenario)
    host = tmp_path / "host1.jsonl"
    nodes = [_node("HOST", keys, first.url, host, "--letter", str(consent), "--letter-at", "0"),
             _node("ANON", keys, first.url, tmp_path / "anon1.jsonl")]
    wait_for(lambda: host.exists() and '"type":"letter"' in host.read_text(), 120)
    os.kill(first.proc.pid, signal.SIGKILL)
    for p in nodes:
        p.communicate(timeout=60)
    assert inkless("ledger", "verify", ledger).returncode == 0
    with Ledger(ledger) as book:
        assert [e.fields()["type"] for e in book.entries() if e.kind == "document"] == [
            "consent"]

    again = server_factory(*args, scenario=scenario)
    anon = tmp_path / "anon2.jsonl"
    for p in (_node("HOST", keys, again.url, tmp_path / "host2.jsonl"),
              _node("ANON", keys, again.url, anon)):
        _finish(p)
    orders = [m for m in read_dump(anon) if m["type"] == "order"]
    assert orders and min(o["t"] for o in orders) < CONSENT_AT_S
