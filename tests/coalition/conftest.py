"""Shared fixtures for the coalition tests: the two-letter coalition, a ledger holding its
exchange, and a tamper kit that rewrites rows the way an attacker with file access would."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from inkless.coalition import (
    Equivalence,
    KeyStore,
    Ledger,
    Member,
    MemberRules,
    Precondition,
    Prohibition,
    plan_on_ledger,
)
from inkless.commands.coalition import coalition_app, ledger_app

T0 = datetime(2024, 4, 10, 8, 0, 0, tzinfo=UTC)

HOST = Member(
    "H",
    "host",
    rules=MemberRules(
        prohibitions=(
            Prohibition(document="request_for_support", reason="never asks for foreign forces"),
        )
    ),
    name="Host State",
)
PARTNER = Member(
    "P",
    "partner",
    rules=MemberRules(
        preconditions=(
            Precondition(
                document="request_for_support", from_member="H", reason="acts only when invited"
            ),
        ),
        equivalences=(
            Equivalence(
                counts_as="request_for_support",
                document="acknowledgement_of_legal_process",
                in_reply_to="request_to_be_invited",
            ),
        ),
    ),
    name="Partner State",
)
ORCH = Member("O", "orchestrator", name="Coordination Cell")


class Clock:
    """A clock that advances one second per call (recorded_at is then deterministic)."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


@dataclass
class Book:
    """A ledger file with the two-letter exchange on it, and its keys."""

    path: Path
    keys: KeyStore

    def open(self) -> Ledger:
        return Ledger(self.path, clock=Clock(T0 + timedelta(days=30)))


@pytest.fixture
def members() -> list[Member]:
    return [HOST, PARTNER, ORCH]


@pytest.fixture
def book(tmp_path: Path, members: list[Member]) -> Iterator[Book]:
    keys = KeyStore(tmp_path / "keys")
    path = tmp_path / "ledger.db"
    with Ledger(path, create=True, clock=Clock(T0)) as led:
        plan_on_ledger(led, keys, members, T0, T0)
    yield Book(path, keys)


# -- tamper kit -------------------------------------------------------------------------------

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


def rows(path: Path) -> list[dict[str, Any]]:
    con = sqlite3.connect(path)
    try:
        out = [
            dict(zip(COLUMNS, r, strict=True))
            for r in con.execute(f"SELECT {', '.join(COLUMNS)} FROM entries ORDER BY seq")
        ]
    finally:
        con.close()
    return out


def write_rows(path: Path, new: list[dict[str, Any]]) -> None:
    """Replace the whole table with ``new`` (as an attacker with write access would)."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN")
        con.execute("DELETE FROM entries")
        for r in new:
            con.execute(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tuple(r[c] for c in COLUMNS)
            )
        con.execute("COMMIT")
    finally:
        con.close()


def independent_entry_hash(r: dict[str, Any]) -> str:
    """The entry hash recomputed from the documented definition (not the library's helper)."""
    fields = {c: r[c] for c in COLUMNS if c != "entry_hash"}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rechain(new: list[dict[str, Any]], renumber: bool = True) -> list[dict[str, Any]]:
    """Renumber and recompute every prev_hash/entry_hash: hides any change from the chain, so
    only the signature and key checks can catch it."""
    prev = "0" * 64
    out = []
    for i, r in enumerate(new):
        r = dict(r)
        if renumber:
            r["seq"] = i + 1
        r["prev_hash"] = prev
        r["entry_hash"] = independent_entry_hash(r)
        prev = r["entry_hash"]
        out.append(r)
    return out


def flip(text: str, at: int | None = None) -> str:
    """``text`` with one character changed (in the middle by default)."""
    i = len(text) // 2 if at is None else at
    c = text[i]
    repl = "0" if c != "0" else "1"
    if not c.isalnum():
        repl = "x"
    return text[:i] + repl + text[i + 1 :]


@pytest.fixture
def tamper() -> dict[str, Callable[..., Any]]:
    return {
        "rows": rows,
        "write_rows": write_rows,
        "rechain": rechain,
        "flip": flip,
        "hash": independent_entry_hash,
    }


# -- the command line: a scenario with two letters and a secret friend, and its ledger ---------

SCENARIO = """
name: two letters and a secret friend
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 3600}
members:
  - id: H
    name: Host State
    role: host
    rules:
      prohibitions: [{document: request_for_support, reason: never asks for foreign forces}]
  - id: P
    name: Partner State
    role: partner
    rules:
      preconditions:
        - {document: request_for_support, from_member: H, reason: acts only when invited}
      equivalences:
        - counts_as: request_for_support
          document: acknowledgement_of_legal_process
          in_reply_to: request_to_be_invited
  - id: O
    name: Coordination Cell
    role: orchestrator
  - id: Q
    name: Quiet Friend
    role: partner
    anonymous: true
    rules:
      preconditions: [{document: consent, from_role: host}]
assets:
  - {name: City, owner: H, position: {lat_deg: 31.7, lon_deg: 35.2}, value: 10, radius_m: 5000}
raid:
  waves:
    - id: w1
      threat_class: drone
      count: 1
      launch_points: [{lat_deg: 33.0, lon_deg: 44.0}]
      launch_window_s: [0, 10]
      speed_mps: 50
"""

AT = "2024-04-13T12:00:00Z"
LATER = "2024-04-13T13:00:00Z"


def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(coalition_app, name="coalition")
    app.add_typer(ledger_app, name="ledger")
    return app


def run(*args: str) -> Any:
    return CliRunner().invoke(cli(), list(args))


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    f = tmp_path / "scenario.yaml"
    f.write_text(SCENARIO)
    return f


@pytest.fixture
def ledger(tmp_path: Path, scenario: Path) -> Path:
    path = tmp_path / "ledger.db"
    r = run("coalition", "plan", str(scenario), "--ledger", str(path), "--at", AT)
    assert r.exit_code == 0, r.output
    return path


def head(path: Path) -> tuple[int, str]:
    r = run("ledger", "verify", str(path), "--json")
    data = json.loads(r.stdout)
    return data["entries"], data["head"]
