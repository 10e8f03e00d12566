"""What the coalition and ledger commands share: error reporting, ``--json`` and ``--at``.

Exit codes: 0 done; 1 verification failed or no exchange exists; 2 bad input (one line on
stderr, ledger unchanged).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from inkless.coalition.documents import SKEW_S, parse_utc, time_problem, utc_iso
from inkless.errors import InklessError, InputError

__all__ = ["AtOpt", "JsonOpt", "dump", "fail", "guard", "signing_now", "signing_time"]

T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="Signing time, ISO 8601 UTC (default: now)."),
]


def fail(e: InklessError) -> NoReturn:
    """Report ``e`` as lines on stderr and exit with its code."""
    typer.echo(str(e), err=True)
    raise typer.Exit(e.exit_code)


def guard(fn: Callable[[], T]) -> T:
    """Run ``fn``; report an :class:`InklessError` as lines on stderr and exit with its code; a
    file-system or SQLite failure not caught closer to its cause as one line, exit 2 (a ledger
    append is one transaction: nothing was appended)."""
    try:
        return fn()
    except InklessError as e:
        fail(e)
    except (OSError, sqlite3.Error) as e:
        where = getattr(e, "filename", None)
        why = getattr(e, "strerror", None) or " ".join(str(e).split())
        prefix = f"{where}: " if where else ""
        fail(InputError(f"{prefix}{why}; check the path and its permissions"))


def signing_time(at: str | None) -> datetime | None:
    """``--at`` parsed and bounded (1970..2100; see ``documents.time_problem``), or ``None``:
    the time is taken when the ledger is locked."""
    if not at:
        return None
    t = parse_utc(at, "--at")
    why = time_problem(utc_iso(t), "--at")
    if why is not None:
        raise InputError(why)
    now = datetime.now(UTC)
    if t > now + timedelta(seconds=SKEW_S):
        raise InputError(
            f"--at {utc_iso(t)} is past the wall clock ({utc_iso(now)}); a ledger records what "
            "has happened: give a time up to now"
        )
    return t


def signing_now(at: str | None) -> datetime:
    """``--at`` parsed (see :func:`signing_time`), or now (whole seconds)."""
    return signing_time(at) or datetime.now(UTC).replace(microsecond=0)


def dump(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
