"""A process killed (SIGKILL) during an append loses no committed entry and leaves no half entry:
the ledger verifies afterwards and takes further appends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inkless.coalition import Ledger, append_document, verify_ledger

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

T0 = datetime(2024, 4, 10, 8, 0, 0, tzinfo=UTC)  # the `book` fixture's time

CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime, timedelta
    from inkless.coalition import KeyStore, Ledger, append_document

    path, keys, mode = sys.argv[1], KeyStore(sys.argv[2]), sys.argv[3]
    at = datetime(2024, 4, 10, 9, 0, 0, tzinfo=UTC)

    def stall():
        print("inside", flush=True)
        time.sleep(120)

    with Ledger(path) as led:
        for n in range(100000):
            doc = {"type": "notification", "author": "H", "recipient": "P", "body": {"n": n}}
            hook = stall if mode == "stall" else None
            (entry,) = append_document(led, doc, keys, at, before_commit=hook)
            print(entry.seq, flush=True)
    """
)


def spawn(tmp_path: Path, book: Any, mode: str) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), str(book.path), str(book.keys.path), mode],
        stdout=subprocess.PIPE,
        text=True,
    )


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_kill_inside_the_append_transaction_leaves_the_ledger_as_it_was(
    book: Any, tmp_path: Path
) -> None:
    before = verify_ledger(book.path)
    proc = spawn(tmp_path, book, "stall")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "inside"  # the row is inserted, not committed
    kill(proc)
    after = verify_ledger(book.path)
    assert after.ok, after.problems
    assert (after.entries, after.head) == (before.entries, before.head)
    with Ledger(book.path) as led:  # and the ledger takes the next append
        doc = {"type": "notification", "author": "H", "recipient": "P", "body": {"n": 0}}
        (entry,) = append_document(led, doc, book.keys, T0 + timedelta(hours=1))
    assert entry.seq == before.entries + 1 and verify_ledger(book.path).ok


@pytest.mark.parametrize("committed_before_kill", [1, 7, 20])
def test_kill_at_an_arbitrary_moment_loses_nothing_committed(
    book: Any, tmp_path: Path, committed_before_kill: int
) -> None:
    proc = spawn(tmp_path, book, "loop")
    assert proc.stdout is not None
    last = 0
    for _ in range(committed_before_kill):
        last = int(proc.stdout.readline())
    kill(proc)  # somewhere in a later append: before, inside or after its transaction
    report = verify_ledger(book.path)
    assert report.ok, report.problems
    assert report.entries >= last  # everything reported committed is there ...
    with Ledger(book.path) as led:
        entries = led.entries()
    bodies = [e.fields()["body"]["n"] for e in entries[9:]]
    assert bodies == list(range(len(bodies)))  # ... in order, each whole, no gap
