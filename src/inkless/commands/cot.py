"""``inkless cot send RUN_DIR --to URL``: replay a run's coalition picture to a TAK server.

Reads ``RUN_DIR/tracks.csv`` (written by ``inkless run``), turns every row into a CoT event
(:mod:`inkless.interop.cot`), moves the times so that the first report is now (clients do not
show a replay stale) and sends the events in time order, ``--speed`` times faster than the run
(0: as fast as the link takes them). Exit codes: 0 sent; 2 bad input or no connection.

Mount: ``cli_app.add_typer(inkless.commands.cot.app, name="cot")``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from inkless.errors import InklessError, InputError

__all__ = ["app", "send"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Cursor-on-Target: send a run's picture to TAK clients.")


@app.command("send")
def send(
    run_dir: Annotated[Path, typer.Argument(help="Output directory of `inkless run` "
                                            "(holds tracks.csv).")],
    to: Annotated[str, typer.Option("--to", help="tcp://HOST:PORT, tls://HOST:PORT or "
                                    "udp://HOST:PORT (pytak's spelling).")],
    member: Annotated[str | None, typer.Option(
        "--member", help="Send only the tracks releasable to this member.")] = None,
    speed: Annotated[float, typer.Option(
        "--speed", help="Replay speed: 1 real time, 10 ten times faster, 0 no pause.")] = 1.0,
    proto: Annotated[bool, typer.Option(
        "--protobuf/--xml", help="TAK protocol v1 protobuf instead of CoT XML.")] = False,
    ca: Annotated[Path | None, typer.Option(
        "--ca", help="tls://: the server's CA certificate, PEM (default: the system's).")] = None,
    cert: Annotated[Path | None, typer.Option(
        "--cert", help="tls://: this client's certificate and key, one PEM file.")] = None,
) -> None:
    """Send every track of the run's picture as a CoT event (a track that ends goes stale),
    the fire units, and the intercept and impact points of events.csv."""
    from inkless.interop.cot import open_sender
    from inkless.interop.picture import cot_events, read_tracks_csv, run_events

    try:
        if not speed >= 0.0:
            raise InputError(f"--speed {speed}: must be >= 0 (0: no pause)")
        tab = read_tracks_csv(run_dir / "tracks.csv")
        if member is not None and not any(member in r.split(";") for r in tab.releasable_to):
            raise InputError(f"--member {member}: no track of {run_dir / 'tracks.csv'} is "
                             "releasable to it; check the member id")
        t0 = float(tab.t_s.min()) if len(tab) else 0.0
        shift = datetime.now(UTC) - (tab.epoch + timedelta(seconds=t0))
        events = cot_events(tab, shift, member)
        # fire units, intercept and impact points: not for a member (releasability unknown)
        if member is None and (run_dir / "events.csv").exists():
            events = sorted(events + run_events(run_dir / "events.csv", tab.epoch, shift),
                            key=lambda p: p[0])
        tx = open_sender(to, proto=proto, ca=ca, cert=cert)
        start = time.monotonic()
        try:
            for t, ev in events:
                if speed > 0.0:
                    wait = (t - t0) / speed - (time.monotonic() - start)
                    if wait > 0:
                        time.sleep(wait)
                tx.send(ev)
        finally:
            tx.close()
    except InklessError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(e.exit_code) from None
    tracks = len({e.uid for _, e in events if e.uid.startswith("inkless.track.")})
    typer.echo(f"sent {len(events)} CoT events ({tracks} tracks) to {to}")
