"""One member's stream: numbered messages, a replay log for a stated window, the connection's
bounded queue.

Where it sits: between the service's session (which publishes what a member may receive) and
the member's node connection (:mod:`inkless.service.app`). Every message published gets the
next sequence number ``seq`` (1, 2, ...). The log keeps the messages of the last ``window_s``
wall-clock seconds. A node that (re)connects says the last number it holds:

- within the window (every later message still logged): the missed messages are sent again, in
  order, then the live ones: no loss, no duplicate;
- beyond it: a ``gap`` message (``from``, ``to``: the numbers it will never get) and a
  ``snapshot`` of the member's current state (its last ``picture``, the ``end`` once the
  session has ended, and every ``grant`` and ``closure`` sent to it, ``airspace``), both
  with ``seq`` = the last number published, so the node continues from ``seq + 1``.

A connection's queue is bounded (``queue_size``): a node that does not keep up is dropped
(it may resume) and never slows the decision cycle or the other nodes. Web maps watching the
stream (``watchers``, :mod:`inkless.service.webmap`) get every message too, from
:meth:`Stream.history` on, and are dropped the same way.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REPLACED", "SLOW", "Stream"]

#: Why a node is detached (the close reason it gets).
SLOW = "too slow: resume from your last seq"
REPLACED = "another node of this member joined"


@dataclass
class Stream:
    """The stream of member ``member`` (module docstring); ``state`` is the latest message of
    each kind that makes up a snapshot (``picture``, ``end``), ``airspace`` every ``grant`` and
    ``closure`` published, with its number (a snapshot holds them all)."""

    member: str
    window_s: float
    queue_size: int = 1000
    seq: int = 0
    log: deque[tuple[float, int, str]] = field(default_factory=deque)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    airspace: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # seq, message
    queue: asyncio.Queue[str | None] | None = None
    dropped: str = SLOW  # why the last node was detached
    drops: int = 0  # nodes detached for being too slow
    watchers: list[asyncio.Queue[str | None]] = field(default_factory=list)  # open web maps

    def _prune(self, now: float) -> None:
        while self.log and self.log[0][0] <= now - self.window_s:
            self.log.popleft()

    def publish(self, msg: dict[str, Any], now: float | None = None) -> None:
        """Number ``msg``, log it and queue it for the connected node, if any; a node whose
        queue is full is dropped (its queue gets ``None``)."""
        now = time.monotonic() if now is None else now
        self.seq += 1
        text = json.dumps({**msg, "seq": self.seq}, separators=(",", ":"))
        self.log.append((now, self.seq, text))
        self._prune(now)
        if msg.get("type") in ("picture", "end"):
            self.state[msg["type"]] = msg
        elif msg.get("type") in ("grant", "closure"):
            self.airspace.append((self.seq, msg))
        if self.queue is not None:
            try:
                self.queue.put_nowait(text)
            except asyncio.QueueFull:
                self.drop()
        self.watch(text)

    def watch(self, text: str) -> None:
        """``text`` to every web map watching the stream (:mod:`inkless.service.webmap`); a
        map whose queue is full is dropped (its queue gets ``None``; it may sign in again)."""
        for q in list(self.watchers):
            try:
                q.put_nowait(text)
            except asyncio.QueueFull:
                self.watchers.remove(q)
                _close(q)

    def drop(self, why: str = SLOW) -> None:
        """Detach the connected node: its sender gets ``None`` and closes the connection with
        the reason ``why`` (:data:`SLOW`, :data:`REPLACED`, or it left)."""
        q, self.queue = self.queue, None
        if q is not None:
            self.dropped = why
            self.drops += why == SLOW
            _close(q)

    def attach(self, last_seq: int | None, now: float | None = None
               ) -> tuple[list[str], asyncio.Queue[str | None]]:
        """A node connects holding messages up to ``last_seq`` (None: none): what to send it
        first (module docstring) and its queue for the live messages. A node already attached
        is dropped."""
        now = time.monotonic() if now is None else now
        self.drop(REPLACED)
        self._prune(now)
        held = 0 if last_seq is None else last_seq
        first = self.log[0][1] if self.log else self.seq + 1
        if held == self.seq:
            backlog: list[str] = []
        elif 0 <= held < self.seq and first <= held + 1:
            backlog = [text for _, s, text in self.log if s > held]
        else:
            backlog = self._catch_up(last_seq)
        self.queue = asyncio.Queue(self.queue_size)
        return backlog, self.queue

    def _catch_up(self, last_seq: int | None) -> list[str]:
        """The ``gap`` (for a node that held messages) and the ``snapshot`` messages."""
        out = []
        if last_seq is not None:
            out.append(json.dumps({"type": "gap", "seq": self.seq, "from": last_seq + 1,
                                   "to": self.seq}, separators=(",", ":")))
        state = {k: {f: v for f, v in m.items() if f not in ("type", "seq")}
                 for k, m in self.state.items()}
        out.append(json.dumps({"type": "snapshot", "seq": self.seq, **state,
                               "airspace": [m for _, m in self.airspace]},
                              separators=(",", ":")))
        return out

    def history(self) -> list[str]:
        """What a web map opening now is sent first (:mod:`inkless.service.webmap`): every
        ``grant`` and ``closure`` published before the replay window (what a snapshot's
        ``airspace`` holds), then the window's messages, each numbered as it was sent."""
        first = self.log[0][1] if self.log else self.seq + 1
        return [json.dumps({**m, "seq": n}, separators=(",", ":"))
                for n, m in self.airspace if n < first] + [text for _, _, text in self.log]


def _close(q: asyncio.Queue[str | None]) -> None:
    """Empty ``q`` and leave ``None`` in it: its sender closes the connection."""
    while not q.empty():
        q.get_nowait()
    q.put_nowait(None)
