"""Command line for the ledger: ``ledger append|show|verify``.

Mounted by ``inkless.cli`` as ``app.add_typer(ledger_app, name="ledger")``. Exit codes: 0 done;
1 verification failed; 2 bad input (one line on stderr, ledger unchanged).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from inkless.coalition import (
    Entry,
    KeyStore,
    Ledger,
    LedgerState,
    ledger_view,
    replay,
    verify_ledger,
)
from inkless.coalition.documents import MAX_DEPTH, MAX_STATEMENT_BYTES
from inkless.coalition.recording import append_document, unrecorded_key_statements
from inkless.errors import InputError, IntegrityError

from ._common import AtOpt, JsonOpt, dump, fail, guard, signing_time

__all__ = ["ledger_app"]

ledger_app = typer.Typer(help="The signed, hash-chained ledger.", no_args_is_help=True)

LedgerArg = Annotated[Path, typer.Argument(help="Ledger file.")]


@ledger_app.command("append")
def append_command(
    file: LedgerArg,
    document: Annotated[Path, typer.Argument(help="Document JSON (unsigned, or signed).")],
    keys: Annotated[
        Path | None, typer.Option("--keys", help="Keys directory holding the author's keys.")
    ] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign a document with its author's office key and append it to the ledger."""

    def run() -> list[dict[str, Any]]:
        try:
            if document.stat().st_size > MAX_STATEMENT_BYTES or not document.is_file():
                raise InputError(
                    f"{document}: a regular file of at most {MAX_STATEMENT_BYTES} bytes is the "
                    "limit for a document; put large attachments elsewhere and sign their SHA-256"
                )
            raw = json.loads(document.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{document}: no such file; check the path") from None
        except RecursionError:
            raise InputError(
                f"{document}: nested deeper than {MAX_DEPTH} levels; flatten the document"
            ) from None
        except (OSError, UnicodeDecodeError, ValueError) as e:
            why = " ".join(str(e).split())[:160]
            raise InputError(f"{document}: not a JSON document ({why}); fix the file") from None
        if not isinstance(raw, dict):
            raise InputError(f"{document}: must be a JSON object")
        store = KeyStore(keys) if keys is not None else None
        with Ledger(file) as book:
            added = append_document(book, raw, store, signing_time(at))
        return [
            {"entry": e.seq, "kind": e.kind, "id": e.fields().get("id"), "hash": e.entry_hash}
            for e in added
        ]

    out = guard(run)
    if as_json:
        dump(out)
    else:
        for e in out:
            what = f" {e['id']}" if e["id"] else ""
            typer.echo(f"appended entry {e['entry']}: {e['kind']}{what}; hash {e['hash']}")


def _entry_json(e: Entry) -> dict[str, Any]:
    try:
        statement: Any = e.fields()
    except ValueError:
        statement = e.statement
    return {
        "seq": e.seq,
        "kind": e.kind,
        "statement": statement,
        "signature": e.signature,
        "signer_key_id": e.signer_key_id,
        "recorded_at": e.recorded_at,
        "prev_hash": e.prev_hash,
        "entry_hash": e.entry_hash,
    }


KeysOpt = Annotated[
    Path | None,
    typer.Option(
        "--keys",
        help="Keys directory: apply key changes (a rotation) it holds that the ledger lacks, "
        "and say so.",
    ),
]


def _unrecorded(file: Path, state: LedgerState, keys: Path | None) -> LedgerState:
    """``state`` with the key statements in ``keys`` that the ledger lacks applied; each change
    of office holder found is said in one line on stderr."""
    if keys is None:
        return state
    extra, notes = unrecorded_key_statements(state, KeyStore(keys), str(file))
    for n in notes:
        typer.echo(n, err=True)
    state = state.copy()
    for st in extra:
        state.apply(st, 0)
    return state


@ledger_app.command("show")
def show_command(
    file: LedgerArg,
    as_json: JsonOpt = False,
    view: Annotated[
        str | None,
        typer.Option("--view", help="Show it as this member (ledger identity) may see it."),
    ] = None,
    keys: KeysOpt = None,
) -> None:
    """List the ledger's entries (unverified; see ``ledger verify``); a document that lapsed (its
    signer's office holder changed, or it answers one that lapsed) is marked with the time."""

    def run() -> list[dict[str, Any]]:
        with Ledger(file) as book:
            entries = book.entries()
        state, problems = replay(entries)
        if view is None:
            out = [_entry_json(e) for e in entries]
        else:
            if problems:
                raise IntegrityError(
                    f"ledger {file}: {problems[0]}; a view needs a ledger that verifies"
                )
            if view not in state.roster:
                raise InputError(
                    f"--view: {view!r} is not on the roster; known: "
                    f"{', '.join(sorted(state.roster))}"
                )
            out = ledger_view(entries, state, view)
        if not problems:  # lapses are known only on a ledger that verifies
            lapses = _unrecorded(file, state, keys).lapses()
            renewed = {
                d.fields["body"].get("renews"): d.id
                for d in state.documents.values()
                if isinstance(d.fields["body"].get("renews"), str)
            }
            for e in out:
                st = e.get("statement")
                if e.get("kind") == "document" and isinstance(st, dict) and st.get("id") in lapses:
                    at_, why = lapses[st["id"]]
                    e["lapsed"] = {"at": at_, "reason": why, "renewed_by": renewed.get(st["id"])}
        return out

    out = guard(run)
    if as_json:
        dump(out)
    else:
        _print_entries(out)


def _print_entries(out: list[dict[str, Any]]) -> None:
    for e in out:
        if e.get("withheld"):
            typer.echo(f"{e['seq']:>5}  (withheld)  {e['entry_hash'][:16]}")
            continue
        s = e["statement"]
        if not isinstance(s, dict):
            typer.echo(f"{e['seq']:>5}  {e['kind']:<15} (unreadable statement)")
            continue
        when = s.get("issued_at", "")
        if e["kind"] == "document":
            what = f"{s.get('author')} -> {s.get('recipient')}: {s.get('type')} {s.get('id')}"
            if s.get("in_reply_to"):
                what += f" (reply to {s['in_reply_to']})"
            if e.get("lapsed"):
                lapse = e["lapsed"]
                by = f"; renewed by {lapse['renewed_by']}" if lapse["renewed_by"] else ""
                what += f"  [lapsed at {lapse['at']}: {lapse['reason']}{by}]"
        elif e["kind"] == "roster":
            what = "members " + ", ".join(str(m.get("id")) for m in s.get("members", []))
        elif e["kind"] == "key_endorsement":
            until = s.get("valid_until") or "open"
            what = f"{s.get('member')} holder {s.get('key_id')} [{s.get('valid_from')}, {until})"
        else:
            what = f"{s.get('member')} root {s.get('key_id')}"
        typer.echo(f"{e['seq']:>5}  {when}  {e['kind']:<15}  {what}")


@ledger_app.command("verify")
def verify_command(
    file: LedgerArg,
    as_json: JsonOpt = False,
    head: Annotated[
        str | None,
        typer.Option(
            "--head", help="Head hash held elsewhere: detects entries dropped at the end."
        ),
    ] = None,
    keys: KeysOpt = None,
) -> None:
    """Check every entry: chain, hashes, signatures, keys valid at their time, members, rules;
    with ``--keys``, also the key changes the keys directory holds that the ledger lacks."""
    report = guard(lambda: verify_ledger(file, head))
    if report.ok and keys is not None:

        def pending() -> None:
            with Ledger(file) as book:
                state, _ = replay(book.entries())
            _unrecorded(file, state, keys)

        guard(pending)
    if as_json:
        dump(report.to_json())
        if not report.ok:
            raise typer.Exit(IntegrityError.exit_code)
        return
    if not report.ok:
        fail(IntegrityError(*(f"ledger {file}: {p}" for p in report.problems)))
    typer.echo(f"ledger {file}: {report.entries} entries verify; head {report.head}")
