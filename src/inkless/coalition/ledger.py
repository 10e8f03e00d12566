"""The hash-chained ledger of signed statements: the SQLite store, its verification and appends.

Where it sits: the coalition's record. The planner's letters, the roster of members and their
rules, and every key registration and endorsement are appended here as signed statements
(:mod:`inkless.coalition.documents`); ``verify`` re-checks all of it; a run can read from it
when each member's legal basis holds (:func:`~.basis.ledger_letters`).

Storage: one SQLite file (stdlib ``sqlite3``), WAL journal, ``synchronous=FULL``, one ``STRICT``
table and nothing else::

    entries(seq, kind, statement, signature, signer_key_id, recorded_at, prev_hash, entry_hash)

``entry_hash`` is SHA-256 over the canonical JSON of all the other seven fields, and ``prev_hash``
is the previous entry's ``entry_hash`` (64 zeros for the first) — a hash chain in the manner of
Haber & Stornetta (1991), "How to time-stamp a digital document", J. Cryptology 3(2). So a change
to any stored field of any row, or a dropped, reordered or inserted row, breaks the chain at a
named entry; a forged or altered statement fails its Ed25519 signature; and replaying the
statements in order re-derives which key was valid for whom and when, so a document signed by a
key not valid at its ``issued_at`` is named too. Dropping entries from the *end* leaves a shorter
chain that verifies: hold the head hash elsewhere and pass it to :func:`verify_ledger` to detect
that.
The statements' form is checked by :mod:`~.statements`, the chain and what the statements
establish by :func:`~.state.replay`.

Appends are one SQLite transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a process killed during an
append leaves the ledger as it was before the append began. The same checks run on append (bad
input: :class:`InputError`, nothing written) and on verify (:class:`IntegrityError`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from inkless.errors import InputError, IntegrityError

from .documents import SKEW_S, SignedStatement, utc_iso
from .state import GENESIS, Entry, LedgerState, Problem, entry_hash, replay

__all__ = ["Appender", "Ledger", "VerifyReport", "verify_ledger"]

APPLICATION_ID = 0x494E4B4C  # "INKL" in the SQLite header
FORMAT_VERSION = 1
SCHEMA = (
    "CREATE TABLE entries (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, statement TEXT NOT NULL, "
    "signature TEXT NOT NULL, signer_key_id TEXT NOT NULL, recorded_at TEXT NOT NULL, "
    "prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL) STRICT"
)
_COLUMNS = "seq, kind, statement, signature, signer_key_id, recorded_at, prev_hash, entry_hash"


@dataclass(frozen=True)
class VerifyReport:
    """Result of :func:`verify_ledger`: entry count, head hash (``GENESIS`` if empty), problems."""

    path: str
    entries: int
    head: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """As plain JSON data."""
        return {
            "ledger": self.path,
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "problems": [{"entry": p.seq, "problem": p.message} for p in self.problems],
        }


def _rollback(con: sqlite3.Connection) -> None:
    """Roll back the open transaction, if any (a failed write may have ended it already)."""
    try:
        if con.in_transaction:
            con.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    else:
        con = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    return con


def _read_entries(con: sqlite3.Connection) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []
    out: list[Entry] = []
    for row in con.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY seq"):
        if not isinstance(row[0], int) or not all(isinstance(v, str) for v in row[1:]):
            problems.append(
                Problem(
                    row[0] if isinstance(row[0], int) else None,
                    "a stored field has the wrong type: altered",
                )
            )
            continue
        out.append(Entry(*row))
    return out, problems


def _schema_problems(con: sqlite3.Connection) -> list[Problem]:
    problems = []
    app = con.execute("PRAGMA application_id").fetchone()[0]
    if app != APPLICATION_ID:
        return [Problem(None, "not an inkless ledger (wrong application id in the file header)")]
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version != FORMAT_VERSION:
        problems.append(
            Problem(None, f"ledger format {version}; this inkless reads format {FORMAT_VERSION}")
        )
    objects = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    if objects != [("table", "entries", "entries", SCHEMA)]:
        names = ", ".join(f"{t} {n}" for t, n, _, _ in objects)
        problems.append(
            Problem(
                None,
                f"the file holds [{names}], not exactly the entries table "
                "as inkless creates it: altered",
            )
        )
    return problems


def verify_ledger(path: str | Path, head: str | None = None) -> VerifyReport:
    """Check every stored field of every row of the ledger at ``path`` (see the module docstring).

    Does not modify the file. Raises :class:`InputError` if ``path`` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such ledger file; check the path")
    try:
        con = _connect(path, readonly=True)
        try:
            problems = _schema_problems(con)
            entries: list[Entry] = []
            if not problems:
                check = con.execute("PRAGMA integrity_check").fetchall()
                if check != [("ok",)]:
                    problems.append(Problem(None, f"the SQLite file is damaged: {check[0][0]}"))
                entries, bad = _read_entries(con)
                problems += bad
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return VerifyReport(str(path), 0, GENESIS, (Problem(None, f"unreadable ledger file: {e}"),))
    _, found = replay(entries, head)
    problems += found
    last = entries[-1].entry_hash if entries else GENESIS
    return VerifyReport(str(path), len(entries), last, tuple(problems))


class Appender:
    """Appends inside one open transaction (see :meth:`Ledger.transaction`)."""

    def __init__(
        self,
        con: sqlite3.Connection,
        state: LedgerState,
        entries: list[Entry],
        clock: Callable[[], datetime],
    ) -> None:
        self._con = con
        self.state = state
        self.entries = entries
        self._clock = clock

    @property
    def head(self) -> str:
        """Hash of the last entry (``GENESIS`` when empty)."""
        return self.entries[-1].entry_hash if self.entries else GENESIS

    def now(self) -> datetime:
        """The ledger's clock, read under the lock (whole seconds): the signing time of
        statements made without an explicit time, so that concurrent appenders stay in order."""
        return self._clock().replace(microsecond=0)

    def append(self, s: SignedStatement) -> Entry:
        """Check ``s`` against the ledger so far and add it; raises :class:`InputError` (one
        line) when it may not be appended, leaving the transaction to be rolled back."""
        problems = self.state.check(s)
        now = self._clock()
        if not problems and s.fields()["issued_at"] > utc_iso(now + timedelta(seconds=SKEW_S)):
            problems = [
                f"issued_at {s.fields()['issued_at']} is past the wall clock ({utc_iso(now)}); "
                "a statement may be dated up to now (give an earlier --at)"
            ]
        if problems:
            raise InputError(f"ledger append: {s.kind}: " + "; ".join(problems))
        seq = len(self.entries) + 1
        recorded_at = utc_iso(now)
        prev = self.head
        h = entry_hash(seq, s.kind, s.text, s.signature, s.signer_key_id, recorded_at, prev)
        e = Entry(seq, s.kind, s.text, s.signature, s.signer_key_id, recorded_at, prev, h)
        self._con.execute(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.seq,
                e.kind,
                e.statement,
                e.signature,
                e.signer_key_id,
                e.recorded_at,
                e.prev_hash,
                e.entry_hash,
            ),
        )
        self.state.apply(s, seq)
        self.entries.append(e)
        return e


class Ledger:
    """A ledger file, open for reading and appending.

    ``create``: make the file if it does not exist. ``clock`` gives ``recorded_at`` (default: the
    wall clock, UTC).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        try:
            new = not self.path.exists() or self.path.stat().st_size == 0
            if self.path.is_dir():
                raise InputError(f"{self.path}: is a directory, not a ledger; check the path")
            if new and not create:
                raise InputError(
                    f"{self.path}: no such ledger; create one with "
                    f"`inkless coalition plan SCENARIO --ledger {self.path}`"
                )
            if new:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = _connect(self.path, readonly=False)
        except (OSError, sqlite3.Error) as e:
            why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise InputError(
                f"{self.path}: cannot open the ledger ({why}); check the path and its folders"
            ) from None
        try:
            self._con.execute("PRAGMA synchronous=FULL")
            if new:
                self._con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                self._con.execute(f"PRAGMA user_version={FORMAT_VERSION}")
                self._con.execute("PRAGMA journal_mode=WAL")
                self._con.execute("BEGIN IMMEDIATE")
                self._con.execute(SCHEMA)
                self._con.execute("COMMIT")
            problems = _schema_problems(self._con)
        except sqlite3.OperationalError as e:
            self._con.close()
            raise InputError(
                f"{self.path}: cannot use the ledger ({e}); check that it and its folder may be "
                "written"
            ) from None
        except sqlite3.Error as e:
            self._con.close()
            raise InputError(f"{self.path}: not an inkless ledger ({e})") from None
        if problems:
            self._con.close()
            raise IntegrityError(f"ledger {self.path}: {problems[0]}")
        try:
            self._con.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as e:
            self._con.close()
            raise InputError(
                f"{self.path}: cannot use it as a ledger ({e}); check that it and its folder may "
                "be written"
            ) from None

    def close(self) -> None:
        """Close the file."""
        self._con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def entries(self) -> list[Entry]:
        """All entries, in order (not verified; see :func:`verify_ledger`)."""
        entries, problems = _read_entries(self._con)
        if problems:
            raise IntegrityError(f"ledger {self.path}: {problems[0]}")
        return entries

    @contextmanager
    def transaction(
        self, before_commit: Callable[[], None] | None = None, *, commit: bool = True
    ) -> Iterator[Appender]:
        """One atomic append: lock the ledger, verify what is there, yield an :class:`Appender`,
        commit on success and roll back on any exception (nothing is written then). With
        ``commit=False`` (a dry run) everything is checked and appended, then rolled back.

        ``before_commit`` is called after the last insert and before ``COMMIT`` (a seam for
        fault-injection tests). Raises :class:`IntegrityError` if the ledger does not verify.
        """
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise InputError(
                f"ledger {self.path}: cannot lock it for writing ({e}); nothing appended; check "
                "that it and its folder may be written"
            ) from None
        try:
            entries, bad = _read_entries(con)
            state, problems = replay(entries)
            problems = bad + problems
            if problems:
                raise IntegrityError(
                    f"ledger {self.path}: does not verify ({problems[0]}); nothing appended; "
                    f"see `inkless ledger verify {self.path}`"
                )
            yield Appender(con, state, entries, self._clock)
            if before_commit is not None:
                before_commit()
            con.execute("COMMIT" if commit else "ROLLBACK")
        except sqlite3.Error as e:
            _rollback(con)
            raise InputError(
                f"ledger {self.path}: cannot write ({e}); nothing appended; check that it and its "
                "folder may be written"
            ) from None
        except BaseException:
            _rollback(con)
            raise
