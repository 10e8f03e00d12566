"""``inkless serve`` (the live service) and ``inkless node`` (a member node): issue 11.

Exit codes: 0 the session ended (or ``--duration`` passed); 1 the service refused the node or
broke off; 2 bad input (one line on stderr).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from inkless.errors import InklessError, InputError

from ._common import fail

if TYPE_CHECKING:
    from inkless.service import Service
    from inkless.service.cot import CotOut

__all__ = ["node_command", "serve_command"]


# the options of `inkless serve`
_Scenario = Annotated[Path, typer.Argument(help="Scenario YAML file (the coalition).")]
_Keys = Annotated[Path, typer.Option("--keys", help="Keys directory: the members' public keys "
                                     "(statements.json) and the coalition secret.")]
_Ledger = Annotated[Path | None, typer.Option(
    "--ledger", help="Legal bases from the documents on this ledger file.")]
_Host = Annotated[str, typer.Option(help="Address to listen on.")]
_Port = Annotated[int, typer.Option(help="Port to listen on (0: any free port).")]
_Simulate = Annotated[bool, typer.Option(
    "--simulate", help="Play the scenario's raid as a live feed: the nodes receive their "
    "sensors' simulated plots.")]
_Speed = Annotated[float, typer.Option(help="Scenario seconds per wall-clock second.")]
_Seed = Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")]
_ReplayWindow = Annotated[float, typer.Option(
    "--replay-window", help="Seconds (wall clock) of each member's stream kept for a node "
    "that reconnects.")]
_NonceTtl = Annotated[float, typer.Option(
    "--nonce-ttl", help="Seconds a node has to answer its challenge.")]
_OrderTimeout = Annotated[float, typer.Option(
    "--order-timeout", help="Wall-clock seconds a node has to answer a fire order before the "
    "service re-plans without it.")]
_WaitNodes = Annotated[int, typer.Option(
    "--wait-nodes", min=0, help="Start the clock when this many nodes have joined.")]
_TlsCert = Annotated[Path | None, typer.Option(
    "--tls-cert", help="TLS certificate (PEM): serve wss:// (with --tls-key).")]
_TlsKey = Annotated[Path | None, typer.Option(
    "--tls-key", help="The TLS certificate's private key (PEM).")]
_Metrics = Annotated[Path | None, typer.Option(
    "--metrics", help="Write each decision cycle's timing here, JSON lines.")]
_Cot = Annotated[str | None, typer.Option(
    "--cot", help="Stream each cycle's coalition picture as CoT to tcp://HOST:PORT, "
    "tls://HOST:PORT or udp://HOST:PORT (as `inkless cot send`).")]
_CotProto = Annotated[bool, typer.Option(
    "--cot-protobuf/--cot-xml", help="--cot: TAK protocol v1 instead of CoT XML.")]
_CotCa = Annotated[Path | None, typer.Option(
    "--cot-ca", help="--cot tls://: the TAK server's CA certificate, PEM.")]
_CotCert = Annotated[Path | None, typer.Option(
    "--cot-cert", help="--cot tls://: this client's certificate and key, one PEM.")]
_CotIn = Annotated[str | None, typer.Option(
    "--cot-in", help="Friendly self-reports from a TAK feed (tcp://HOST:PORT to read, "
    "udp://HOST:PORT to listen on) as friend evidence.")]
_Out = Annotated[Path | None, typer.Option(
    "--out", help="When the session ends (or the service is stopped), write its "
    "results.json, events.csv and report.html here, as `inkless run` does.")]


def serve_command(
    scenario: _Scenario,
    keys: _Keys,
    ledger: _Ledger = None,
    host: _Host = "127.0.0.1",
    port: _Port = 8700,
    simulate: _Simulate = False,
    speed: _Speed = 1.0,
    seed: _Seed = None,
    replay_window: _ReplayWindow = 60.0,
    nonce_ttl: _NonceTtl = 30.0,
    order_timeout: _OrderTimeout = 2.0,
    wait_nodes: _WaitNodes = 0,
    tls_cert: _TlsCert = None,
    tls_key: _TlsKey = None,
    metrics: _Metrics = None,
    cot: _Cot = None,
    cot_proto: _CotProto = False,
    cot_ca: _CotCa = None,
    cot_cert: _CotCert = None,
    cot_in: _CotIn = None,
    out: _Out = None,
) -> None:
    """Run the engine as a live service that member nodes join (docs/service.md)."""
    from inkless.service import serve
    from inkless.service.cot import CotOut

    try:
        if not speed > 0:
            raise InputError(f"--speed {speed:g}: must be above 0")
        if min(replay_window, nonce_ttl, order_timeout) < 0:
            raise InputError("--replay-window, --nonce-ttl, --order-timeout: must be 0 or more "
                             "seconds")
        tls = _tls(tls_cert, tls_key)
        cot_out = CotOut(cot, cot_proto, cot_ca, cot_cert) if cot is not None else None
        if out is not None:
            _writable(out)
        service = _service(scenario, keys, ledger, simulate, speed, seed, replay_window,
                           nonce_ttl, order_timeout, wait_nodes, metrics, cot_out, cot_in,
                           out is not None)
        sock = _bind(host, port)
    except InklessError as e:
        fail(e)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="inkless serve: %(message)s")
    h, p = sock.getsockname()[:2]
    sc = service.session.scenario
    typer.echo(f"serving {sc.name} on {'wss' if tls else 'ws'}://{h}:{p}/node "
               f"({len(sc.members)} members, "
               f"{'simulated feed, ' if simulate else ''}speed {speed:g})")
    sys.stdout.flush()
    stopped: list[int] = []
    if out is not None:  # the web server stops on SIGTERM, then raises it again: note it
        signal.signal(signal.SIGTERM, lambda signum, _: stopped.append(signum))
    try:
        asyncio.run(serve(service, sock, tls=tls))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        if service.metrics is not None:
            service.metrics.close()
        if service.cot is not None:
            service.cot.close()
        if out is not None:
            _after_action(service, out)
    if stopped:
        raise typer.Exit(128 + stopped[0])


def _after_action(service: Service, out: Path) -> None:
    """The session's after-action written in ``out`` (``--out``), said on stderr."""
    try:
        wrote = service.session.after_action(out)
    except OSError as e:
        typer.echo(f"inkless serve: --out {out}: cannot write {e.filename or out} "
                   f"({e.strerror or e})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"inkless serve: wrote {out / 'results.json'}, {out / 'events.csv'}, "
               f"{out / 'report.html'}" if wrote else
               "inkless serve: no cycle was stepped: no after-action written", err=True)


def _writable(out: Path) -> None:
    """``--out`` made (with its parents) and checked writable; :class:`InputError` if not."""
    import os

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--out {out}: cannot make it ({e.strerror or e}); give a directory "
                         "that may be written") from None
    if not os.access(out, os.W_OK):
        raise InputError(f"--out {out}: not writable; give a directory that may be written")


def _service(scenario: Path, keys: Path, ledger: Path | None, simulate: bool, speed: float,
             seed: int | None, replay_window: float, nonce_ttl: float, order_timeout: float,
             wait_nodes: int, metrics: Path | None, cot_out: CotOut | None,
             cot_in: str | None, record: bool = False) -> Service:
    """The service of ``inkless serve`` built from its options (the scenario and its legal
    record, the keys, the ledger, the CoT streams opened; ``record``: keep the after-action's
    record); :class:`InputError` (one line) on bad input."""
    from inkless.coalition import KeyStore
    from inkless.scenario import load_scenario
    from inkless.scenario.load import coalition_members
    from inkless.service import Door, Service, Session, read_public_keys
    from inkless.service.cot import CotIn
    from inkless.service.letters import Letters, on_record_at_start
    from inkless.simulation.civil import with_base_dir
    from inkless.wargame import legal_record

    public = read_public_keys(keys)
    sc = with_base_dir(load_scenario(scenario), scenario.resolve().parent)
    legal = legal_record(sc, ledger, keys)
    secret = KeyStore(keys).secret(create=False) if any(m.anonymous for m in sc.members) else b""
    letters_now = on_record_at_start(
        legal.letters, sc.settings.epoch, sc.settings.duration_s, datetime.now(UTC)
    ) if simulate and ledger is not None else legal.letters
    feed = CotIn(cot_in) if cot_in is not None else None
    session = Session(sc, letters_now, secret, seed, simulate, record)
    session.cot_in = feed
    session.source = legal.source
    letters = Letters(ledger, coalition_members(sc), secret, sc.settings.epoch)
    out = _metrics(metrics) if metrics is not None else None
    if cot_out is not None:
        cot_out.open()
    door = Door(public, [m.id for m in sc.members], nonce_ttl)
    return Service(session, door, letters, speed, replay_window, order_timeout, wait_nodes, out,
                   cot_out)


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket of ``--host`` and ``--port``; :class:`InputError` if it cannot be."""
    from inkless.service import bind

    try:
        return bind(host, port)
    except OSError as e:
        raise InputError(f"--port {port}: cannot listen on {host}:{port} ({e.strerror or e});"
                         " give a free port, or stop what uses it") from None


def _metrics(path: Path) -> TextIO:
    """``--metrics`` opened for writing, line-buffered; :class:`InputError` if it cannot be."""
    try:
        return path.open("w", encoding="utf-8", buffering=1)
    except OSError as e:
        raise InputError(f"--metrics {path}: {e.strerror or e}; give a file that may be "
                         "written") from None


def _tls(cert: Path | None, key: Path | None) -> tuple[str, str] | None:
    """``--tls-cert`` and ``--tls-key`` checked (both or neither; they load as a pair)."""
    import ssl

    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise InputError("--tls-cert and --tls-key: give both, or neither for plain ws://")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as e:
        raise InputError(f"--tls-cert {cert} --tls-key {key}: cannot load them "
                         f"({getattr(e, 'strerror', None) or e}); give a PEM certificate and "
                         "its key") from None
    return str(cert), str(key)


def node_command(
    member: Annotated[str, typer.Argument(help="Member id this node speaks for.")],
    key: Annotated[Path, typer.Option("--key", help="The member's office-holder key file "
                                      "(KEYS/MEMBER/holder-KEYID.pem).")],
    url: Annotated[str, typer.Option("--url", help="The service: ws://HOST:PORT/node.")],
    dump: Annotated[Path | None, typer.Option(
        "--dump", help="Write every message received here, JSON lines; an existing dump is "
        "resumed from its last sequence number.")] = None,
    duration: Annotated[float | None, typer.Option(
        "--duration", help="Stop after this many wall-clock seconds.")] = None,
    cantco: Annotated[str | None, typer.Option(
        "--cantco", help="Decline every fire order with this reason (drills).")] = None,
    ignore_orders: Annotated[bool, typer.Option(
        "--ignore-orders", help="Never answer a fire order (drills of the timeout).")] = False,
    letter: Annotated[Path | None, typer.Option(
        "--letter", help="A document to send as the member's letter (JSON: signed, or type, "
        "author, recipient[, body, in_reply_to] to sign with --key).")] = None,
    letter_at: Annotated[float, typer.Option(
        "--letter-at", help="Send --letter when the stream reaches this scenario time, s.")
    ] = 0.0,
    ca: Annotated[Path | None, typer.Option(
        "--ca", help="Trust this certificate (PEM) for a wss:// service (e.g. self-signed).")
    ] = None,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Keep trying this many seconds while nothing answers at --url "
        "(a service still loading its scenario).")] = 60.0,
) -> None:
    """A member node: join the service with the office-holder key, push the member's plots,
    keep its stream (docs/service.md)."""
    from inkless.service import NodeRefused, load_key, run_node
    from inkless.service.node import signed_letter, simulated

    try:
        if not url.startswith(("ws://", "wss://")):
            raise InputError(f"--url {url}: give ws://HOST:PORT/node")
        k = load_key(key)
        doc = signed_letter(_json_file(letter, "--letter"), k) if letter is not None else None
        trust = _trust(ca) if ca is not None else None
        ended = asyncio.run(run_node(member, k, url, dump, duration,
                                     simulated(cantco, ignore_orders, doc, letter_at), trust,
                                     typer.echo, wait))
    except InklessError as e:
        fail(e)
    except NodeRefused as e:
        typer.echo(f"node {member}: {e.reason}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    typer.echo(f"node {member}: {'session ended' if ended == 'ended' else 'duration reached'}")


def _json_file(path: Path, option: str) -> dict[str, Any]:
    """A JSON object from ``path``; :class:`InputError` (one line) otherwise."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{option} {path}: {e.strerror or e}; check the path") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{option} {path}: not JSON ({' '.join(str(e).split())[:120]})"
                         ) from None
    if not isinstance(raw, dict):
        raise InputError(f"{option} {path}: must be a JSON object")
    return raw


def _trust(ca: Path) -> Any:
    """An SSL context that trusts the certificates in ``ca``."""
    import ssl

    try:
        return ssl.create_default_context(cafile=str(ca))
    except (OSError, ssl.SSLError) as e:
        raise InputError(f"--ca {ca}: cannot load it ({getattr(e, 'strerror', None) or e}); "
                         "give a PEM certificate") from None
