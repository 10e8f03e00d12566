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
from typing import TYPE_CHECKING, Annotated

import typer

from inkless.errors import InklessError, InputError

if TYPE_CHECKING:
    from inkless.afteraction.views import Audience
    from inkless.interop.cot import CotEvent
    from inkless.scenario.model import Scenario

__all__ = ["app", "send"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Cursor-on-Target: send a run's picture to TAK clients.")


def _audience(run_dir: Path, member: str, keys: Path | None) -> tuple[Scenario, Audience,
                                                                     dict[str, str]]:
    """The run's scenario (``RUN_DIR/scenario.json``), ``member``'s audience (as ``inkless run
    --view``: the coalition secret from ``keys`` keys the pseudonyms) and the fire units'
    labels as that member may see them."""
    from inkless.afteraction.views import Audience, site_labels
    from inkless.coalition import KeyStore
    from inkless.scenario.load import coalition_members

    sc = _scenario(run_dir)
    members = coalition_members(sc)
    if member not in {m.id for m in members}:
        raise InputError(f"--member {member}: not a member of the run; members: "
                         f"{', '.join(m.id for m in members)}")
    secret = b""
    if any(m.anonymous for m in members):
        if keys is None:
            raise InputError("--keys: the run has anonymous members; give the keys directory "
                             "whose coalition secret keys their pseudonyms")
        secret = KeyStore(keys).secret(create=True)
    aud = Audience.of(members, member, secret)
    units = site_labels([u.id for u in sc.fire_units], [u.owner for u in sc.fire_units], aud,
                        "unit")
    return sc, aud, units


def _scenario(run_dir: Path) -> Scenario:
    from pydantic import ValidationError

    from inkless.scenario.model import Scenario

    path = run_dir / "scenario.json"
    try:
        return Scenario.model_validate_json(path.read_bytes())
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror}); rerun `inkless run` (it writes "
                         "the scenario beside tracks.csv)") from None
    except ValidationError as e:
        raise InputError(f"{path}: not the scenario of a run ({e.error_count()} errors); rerun "
                         "`inkless run`") from None


def _events(run_dir: Path, member: str | None, keys: Path | None) -> list[tuple[float, CotEvent]]:
    """Every event to send, in time order, times rebased so that the first report is now."""
    from inkless.interop.picture import asset_events, cot_events, read_tracks_csv, run_events

    tab = read_tracks_csv(run_dir / "tracks.csv")
    sc, aud, units = _audience(run_dir, member, keys) if member is not None else (
        _scenario(run_dir) if (run_dir / "scenario.json").exists() else None, None, None)
    t0 = float(tab.t_s.min()) if len(tab) else 0.0
    shift = datetime.now(UTC) - (tab.epoch + timedelta(seconds=t0))
    events = cot_events(tab, shift, member)
    if sc is not None:
        events += asset_events(sc, tab.epoch, shift, t0, float(tab.t_s.max()) if len(tab) else 0)
    if (run_dir / "events.csv").exists():
        events += run_events(run_dir / "events.csv", tab.epoch, shift, aud, units)
    return sorted(events, key=lambda p: p[0])


@app.command("send")
def send(
    run_dir: Annotated[Path, typer.Argument(help="Output directory of `inkless run` "
                                            "(holds tracks.csv).")],
    to: Annotated[str, typer.Option("--to", help="tcp://HOST:PORT, tls://HOST:PORT or "
                                    "udp://HOST:PORT (pytak's spelling).")],
    member: Annotated[str | None, typer.Option(
        "--member", help="Send only what this member may see (as `inkless run --view`): its "
        "releasable tracks, units and shots; anonymous members under pseudonyms.")] = None,
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="--member: the keys directory whose coalition secret keys the "
        "pseudonyms (as `inkless run --keys`).")] = None,
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
    the defended assets, the fire units, and the intercept and impact points of events.csv."""
    from inkless.interop.cot import open_sender

    try:
        if not speed >= 0.0:
            raise InputError(f"--speed {speed}: must be >= 0 (0: no pause)")
        events = _events(run_dir, member, keys)
        t0 = events[0][0] if events else 0.0
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
