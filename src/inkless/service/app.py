"""The service: FastAPI + uvicorn, one WebSocket per member node at ``/node``, the clock that
steps the live session, and the web map at ``/`` (:mod:`inkless.service.webmap`; every node
admitted gets a map token in its ``welcome``).

Where it sits: the outermost adapter (``inkless serve``). A node connects, answers the
challenge (:mod:`inkless.service.auth`; a refusal is one line sent to the node and written to
the service log, then the socket closes with code 4003), gets ``welcome`` and then its member's
stream (:mod:`inkless.service.streams`). The clock (:meth:`Service.clock`) runs one decision
cycle every ``dt / speed`` wall-clock seconds: the simulated plots of the cycle go out
(``--simulate``), the nodes have half a period to push them back, the engine steps in a worker
thread (the event loop keeps serving the sockets) with the plots, declines (:mod:`.orders`),
units' statuses and letters (:mod:`.letters`) received; the fire orders go out first, then each
member's picture and the results it may see. At the end of the scenario every stream gets
``end`` and the service stops.

The message schema is in ``docs/service.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import logging
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from inkless.coalition import AirspaceGrant, TimedLetter
from inkless.engine import Decisions, Inputs

from .auth import Door, Refused
from .cot import CotOut
from .letters import Letters
from .live import Pushed, Session
from .orders import Orders
from .streams import SLOW, Stream
from .webmap import TOKEN_TTL_S, WebMap

__all__ = ["MAX_MESSAGE_BYTES", "REFUSED_CODE", "Service", "bind", "serve"]

log = logging.getLogger("inkless.service")

#: WebSocket close code of a refused node.
REFUSED_CODE = 4003
#: Largest message a node may send, bytes; a larger one gets an error reply.
MAX_MESSAGE_BYTES = 4_000_000


class Service:
    """One live session behind its door (module docstring); ``speed``: scenario seconds per
    wall-clock second; ``window_s``: the replay window, wall-clock s; ``order_timeout_s``: how
    long a node has to answer a fire order, wall-clock s (:mod:`inkless.service.orders`);
    ``letters``: the ledger letters go to (:class:`~inkless.service.letters.Letters`, which
    refuses them if it keeps none); ``wait_nodes``: the clock starts
    when this many nodes have joined (0: at once); ``metrics``: where each cycle's timing goes,
    one JSON object per line (tick, scenario time ``t`` s, nodes connected, plots received,
    orders, ``step_ms`` the engine's step and ``to_orders_ms`` from the start of the cycle,
    the plots in, to its fire orders handed to the nodes' connections, wall-clock ms);
    ``cot``: where each cycle's picture goes as CoT (:mod:`inkless.service.cot`)."""

    def __init__(self, session: Session, door: Door, letters: Letters, speed: float = 1.0,
                 window_s: float = 60.0, order_timeout_s: float = 2.0, wait_nodes: int = 0,
                 metrics: TextIO | None = None, cot: CotOut | None = None) -> None:
        self.session, self.door, self.speed = session, door, speed
        self.cot = cot
        self.metrics = metrics
        self.wait_nodes, self.joined = wait_nodes, asyncio.Event()
        self.orders = Orders(order_timeout_s)
        self.letters = letters
        self.new_letters: list[TimedLetter] = []
        self.new_grants: list[AirspaceGrant] = []  # the grants of those letters
        self.tick = 0  # the cycle under way or next
        self.streams = {m: Stream(m, window_s) for m in session.members}
        self.connected: dict[str, int] = {}  # member -> connection id
        self.pushed: dict[int, dict[str, Pushed]] = {}  # plots or tracks, per tick
        self.awaited: tuple[int, asyncio.Event] = (-1, asyncio.Event())  # plots of this tick
        self._ids = itertools.count(1)
        self.done = asyncio.Event()
        self.app = FastAPI(title="inkless service")
        self.app.add_api_websocket_route("/node", self.node)
        self.web = WebMap(self.app, session, self.streams, speed)  # the map at /

    # --- the nodes -------------------------------------------------------------------------------
    async def node(self, ws: WebSocket) -> None:
        """One node's connection: challenge, admission, stream out, reports in."""
        await ws.accept()
        conn = next(self._ids)
        peer = f"{ws.client.host}:{ws.client.port}" if ws.client else "?"
        try:
            await ws.send_json(self.door.challenge(conn))
            hello = json.loads(await asyncio.wait_for(ws.receive_text(),
                                                      max(self.door.ttl_s, 1.0) + 5.0))
            member = self.door.admit(conn, hello if isinstance(hello, dict) else {})
        except Refused as e:
            log.warning("refused %s: %s", peer, e.reason)
            await ws.send_json({"type": "refused", "reason": e.reason})
            await ws.close(REFUSED_CODE, e.reason[:120])
            return
        except (TimeoutError, json.JSONDecodeError, WebSocketDisconnect) as e:
            log.warning("refused %s: no valid hello (%s)", peer, type(e).__name__)
            return
        last = hello.get("last_seq")
        stream = self.streams[member]
        backlog, queue = stream.attach(last if isinstance(last, int) else None)
        self.connected[member] = conn
        if len(self.connected) >= self.wait_nodes:
            self.joined.set()
        log.info("%s joined from %s (holds up to seq %s)", member, peer, last)
        await ws.send_json({"type": "welcome", "member": member, "seq": stream.seq,
                            "window_s": stream.window_s, "dt_s": self.session.dt,
                            "map_token": self.web.issue(member), "map_token_s": TOKEN_TTL_S})
        sender = asyncio.create_task(self._send(ws, backlog, queue, stream))
        try:
            await self._receive(ws, member)
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            if self.connected.get(member) == conn:
                del self.connected[member]
                stream.drop("left")
                log.info("%s left", member)

    async def _send(self, ws: WebSocket, backlog: list[str],
                    queue: asyncio.Queue[str | None], stream: Stream) -> None:
        for text in backlog:
            await ws.send_text(text)
        while (live := await queue.get()) is not None:
            await ws.send_text(live)
        await ws.close(1013 if stream.dropped == SLOW else 4009, stream.dropped)

    async def _receive(self, ws: WebSocket, member: str) -> None:
        while True:
            text = await ws.receive_text()
            reason = self.take(member, text)
            if reason is not None:
                if not reason.startswith("late"):
                    log.warning("%s: %s", member, reason)
                await ws.send_json({"type": "error", "reason": reason})

    def take(self, member: str, text: str) -> str | None:
        """A message from ``member``'s node; the reason it is refused, or None."""
        if len(text) > MAX_MESSAGE_BYTES:
            return f"message of {len(text)} bytes: over {MAX_MESSAGE_BYTES}"
        try:
            msg = json.loads(text)
        except json.JSONDecodeError as e:
            return f"not JSON ({e.msg} at {e.pos})"
        kind = msg.get("type") if isinstance(msg, dict) else None
        if kind in ("wilco", "cantco"):
            return self.orders.answer(member, msg)
        if kind == "letter":
            return self.letter(member, msg)
        if kind == "status":
            return self.orders.status(member, msg)
        if kind not in ("report", "tracks"):
            return (f"unknown message type {kind!r}; nodes send: report, tracks, wilco, "
                    "cantco, status, letter")
        checked: tuple[int, Pushed] | str = (self.session.plots(member, msg) if kind == "report"
                                             else self.session.tracks(member, msg))
        if isinstance(checked, str):
            return checked
        tick, plots = checked
        got = self.pushed.setdefault(tick, {})
        got[member] = plots
        if self.awaited[0] == tick and set(self.connected) <= set(got):
            self.awaited[1].set()
        return None

    def letter(self, member: str, msg: dict[str, Any]) -> str | None:
        """A letter from ``member``'s node (:mod:`inkless.service.letters`): on the ledger and
        into the next cycle; the reason it is refused, or None."""
        s = self.session
        got = self.letters.take(member, msg, self.tick * s.dt if s.simulate else None)
        if isinstance(got, str):
            return got
        letter, entry = got
        self.new_letters.append(letter)
        self.new_grants += self.letters.grants(msg)
        log.info("letter from %s: ledger entry %d, %s, counts from t=%g s", member, entry,
                 letter.letter.type.value, letter.start_s)
        self.streams[member].publish({"type": "letter", "entry": entry,
                                      "from_t": letter.start_s})
        return None

    # --- the clock -------------------------------------------------------------------------------
    def publish(self, messages: Mapping[str, dict[str, Any]]) -> None:
        for member, msg in messages.items():
            self.streams[member].publish(msg)

    def publish_lists(self, messages: Mapping[str, list[dict[str, Any]]]) -> None:
        for member, msgs in messages.items():
            for msg in msgs:
                self.streams[member].publish(msg)

    async def clock(self) -> None:
        """Step the session on scaled wall-clock time until the scenario ends."""
        try:
            await self._run()
        finally:
            self.done.set()

    async def _run(self) -> None:
        s, period = self.session, self.session.dt / self.speed
        if self.wait_nodes > 0:
            log.info("waiting for %d node(s) to join before the clock starts", self.wait_nodes)
            await self.joined.wait()
        start = time.monotonic()
        tick: int | None = 0
        while tick is not None and tick <= s.engine.last_tick:
            self.tick = tick
            await asyncio.sleep(max(0.0, start + tick * period - time.monotonic()))
            self.late_s = time.monotonic() - start - tick * period  # behind the clock
            tick = await self._cycle(tick, period)
        self.publish({m: {"type": "end", "t": s.engine.last_tick * s.dt} for m in s.members})
        if self.metrics is not None:  # the service's own count of each stream's messages
            self.metrics.write(json.dumps({"end": True, "published": {
                m: st.seq for m, st in self.streams.items()}, "dropped": {
                m: st.drops for m, st in self.streams.items()}}) + "\n")
        log.info("session ended")
        if self.cot is not None:  # the tracks held at the end end with the session
            await asyncio.to_thread(self.cot.send, list(self.cot.ends.values()))

    async def _cycle(self, tick: int, period: float) -> int | None:
        """One decision cycle (module docstring): the plots out and back, the engine's step,
        the orders out first, then the pictures and the results; the next tick."""
        s, tc = self.session, time.monotonic()
        if s.simulate and not s.idle(tick):
            self.awaited = (tick, asyncio.Event())
            self.publish(s.simulated(tick))
            with contextlib.suppress(TimeoutError):  # a slow node does not hold the cycle
                await asyncio.wait_for(self.awaited[1].wait(), period / 2)
        t0 = time.monotonic()  # the decision cycle starts with what came in
        pushed = self.pushed.pop(tick, {})
        for old in [k for k in self.pushed if k < tick]:
            del self.pushed[old]
        connected = set(self.connected)
        declined = self.orders.due(connected)
        for d in declined:
            log.info("order %d declined: %s; re-planned without that unit", d.order, d.reason)
        letters, self.new_letters = tuple(self.new_letters), []
        grants, self.new_grants = tuple(self.new_grants), []
        outcomes, self.orders.outcomes = tuple(self.orders.outcomes), []
        decided, cpu_s = await asyncio.to_thread(_cpu_timed, s.step, tick, pushed, connected,
                                                 Inputs(declined=declined, letters=letters,
                                                        grants=grants, outcomes=outcomes))
        t1 = time.monotonic()
        self.publish_lists(self.orders.issue(decided))
        await asyncio.sleep(0)  # the senders write the orders before the pictures are built
        t2 = time.monotonic()
        self.publish_lists(s.airspace(tick))
        for line in decided.refused:
            log.warning("%s", line)
        self.publish(s.pictures(tick))
        seen = s.picture.seen  # the picture's last cycle
        if self.cot is not None and seen is not None and seen.tick == tick:
            events = self.cot.events(seen, s.picture.frame, s.scenario.settings.epoch,
                                     s.members, s.dt)
            await asyncio.to_thread(self.cot.send, events)
        self.publish_lists(self.orders.results(s.engine.defence.flight, s.audience, s.unit_ids))
        self.web.cycle(tick, self.orders.flying)
        if self.metrics is not None:
            self.metrics.write(json.dumps({
                "tick": tick, "t": tick * s.dt, "nodes": len(connected),
                "plots": sum(len(p) for p in pushed.values()), "orders": len(decided.orders),
                "step_ms": round(1e3 * (t1 - t0), 3), "to_orders_ms": round(1e3 * (t2 - t0), 3),
                "step_cpu_ms": round(1e3 * cpu_s, 3), "late_ms": round(1e3 * self.late_s, 3),
                "feed_ms": round(1e3 * (t0 - tc), 3),
            }) + "\n")
        return decided.next_tick


def _cpu_timed(step: Callable[..., Decisions], *args: Any) -> tuple[Decisions, float]:
    """``step(*args)`` and the CPU seconds its thread spent in it (``time.thread_time``: what
    the step costs, apart from the waits for a core on a busy machine)."""
    c0 = time.thread_time()
    return step(*args), time.thread_time() - c0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: any free port); ``OSError`` if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


async def serve(service: Service, sock: socket.socket, linger_s: float = 2.0,
                tls: tuple[str, str] | None = None) -> None:
    """Serve ``service`` on the bound ``sock`` and run its clock; stop ``linger_s`` after the
    session ends (the last messages drain). ``tls``: (certificate, key) PEM files: wss://."""
    import uvicorn

    # the session's long-lived objects (scenario, engine, keys) moved out of the cyclic
    # collector's way: it no longer walks them every few thousand messages' objects made,
    # which took ~60 % of building a cycle's pictures (10 members, 300 tracks)
    gc.freeze()
    cert, key = tls if tls is not None else (None, None)
    config = uvicorn.Config(service.app, log_level="warning", lifespan="off",
                            ws_max_size=MAX_MESSAGE_BYTES + 1024, ws_per_message_deflate=False,
                            ssl_certfile=cert,
                            ssl_keyfile=key, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    clock = asyncio.create_task(service.clock())
    feed = service.session.cot_in
    reading = asyncio.create_task(feed.run()) if feed is not None else None
    # the session's end, or the server's (SIGTERM or SIGINT: uvicorn stops serving)
    await asyncio.wait({task, clock}, return_when=asyncio.FIRST_COMPLETED)
    if clock.done():
        await asyncio.sleep(linger_s)
        server.should_exit = True
        await task
        clock.result()
    else:
        clock.cancel()
    if reading is not None:
        reading.cancel()
