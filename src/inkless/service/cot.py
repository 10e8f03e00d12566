"""Cursor-on-Target in the live service: ``inkless serve --cot URL`` streams each decision
cycle's coalition picture to a TAK server or client, ``--cot-in URL`` reads a TAK feed's
friendly self-reports as friend evidence (issue 12 items 1-2; docs/interop.md).

Where it sits: inside the service (:mod:`inkless.service.app` drives it), an adapter over
:mod:`inkless.interop`: the events are those ``inkless cot send`` sends
(:func:`inkless.interop.picture.cot_events` on the cycle's picture as one time of a
:class:`~inkless.interop.picture.PictureTable`, :func:`~inkless.interop.picture.picture_rows`
as for a run's ``tracks.csv``; times moved to now, ``stale`` three decision
periods on), through the same :class:`~inkless.interop.cot.Sender` (``tcp://``, ``tls://``,
``udp://``; XML or TAK protocol v1). A track that leaves the picture gets its end event
(already stale) in the next cycle.

The feed in: ``tcp://HOST:PORT`` connects to a TAK server (or any CoT stream) and reads its
XML events; ``udp://HOST:PORT`` listens there, one XML event per datagram. Each event is parsed
safely (:func:`inkless.interop.cot.parse_event`: defusedxml, no DTD); a malformed one is one
logged line and skipped. A cycle's inputs get the latest self-report of each uid that is
neither stale nor older than 30 s (wall clock), counted at the cycle's time, as the IFF replies
of :func:`inkless.interop.cotin.self_reports` (``Inputs.evidence``): a coalition aircraft's own
position.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from inkless.errors import InputError
from inkless.interop.cot import CotEvent, Sender, open_sender, parse_event, split_stream
from inkless.interop.cotin import MAX_AGE_S, self_reports
from inkless.interop.picture import cot_events, picture_rows

if TYPE_CHECKING:
    from inkless.engine import Seen
    from inkless.identification import Evidence
    from inkless.sensing.radar import EnuFrame

__all__ = ["CotIn", "CotOut"]

log = logging.getLogger("inkless.service")


def _url(url: str, option: str, schemes: tuple[str, ...]) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``; :class:`InputError` (one line) if it is not one."""
    u = urlsplit(url)
    try:
        port = u.port
    except ValueError:
        port = None
    if u.scheme not in schemes or not u.hostname or not port:
        raise InputError(f"{option} {url}: give " + ", ".join(f"{s}://HOST:PORT"
                                                               for s in schemes))
    return u.scheme, u.hostname, port


class CotOut:
    """Each cycle's picture as CoT events to ``url`` (module docstring); ``period_s``: the
    decision period (s), the update rate ``stale`` is reckoned from."""

    def __init__(self, url: str, proto: bool = False, ca: Path | None = None,
                 cert: Path | None = None) -> None:
        _url(url, "--cot", ("tcp", "tls", "udp"))
        self.url, self.proto, self.ca, self.cert = url, proto, ca, cert
        self.sender: Sender | None = None
        self.ends: dict[str, CotEvent] = {}  # uid -> its end event, while the track lives

    def open(self) -> None:
        """Connect (``InputError``, one line, if the server is not there)."""
        try:
            self.sender = open_sender(self.url, self.proto, self.ca, self.cert)
        except InputError as e:
            raise InputError(str(e).replace("--to ", "--cot ", 1)) from None

    def events(self, seen: Seen, frame: EnuFrame, epoch: datetime,
               members: tuple[str, ...], period_s: float) -> list[CotEvent]:
        """The cycle's events: one per track (its time now), then the end event of each
        track of the last cycle that is gone."""
        pic = seen.picture
        tab = picture_rows(epoch, np.full(len(pic.id), seen.t), pic.id.astype(np.int64), pic.x,
                           pic.P[:, :3, :3], frame, seen.ids.category, seen.ids.threat_class,
                           pic.release, members)
        shift = datetime.now(UTC) - (epoch + timedelta(seconds=seen.t))
        now, ends = [], {}
        for t, ev in cot_events(tab, shift, period_s=period_s):
            if t > seen.t:
                ends[ev.uid] = ev
            else:
                now.append(ev)
        gone = [ev for uid, ev in self.ends.items() if uid not in ends]
        self.ends = ends
        return now + gone

    def send(self, events: list[CotEvent]) -> None:
        """Send ``events`` (blocking); a broken connection is logged once and the stream
        stops (the session goes on)."""
        if self.sender is None:
            return
        try:
            for ev in events:
                self.sender.send(ev)
        except InputError as e:
            log.warning("%s; the CoT stream stops", str(e).replace("--to", "--cot"))
            self.sender.close()
            self.sender = None

    def close(self) -> None:
        if self.sender is not None:
            self.sender.close()


class CotIn:
    """The latest self-report of each uid from the TAK feed at ``url`` (module docstring)."""

    def __init__(self, url: str) -> None:
        self.scheme, self.host, self.port = _url(url, "--cot-in", ("tcp", "udp"))
        self.url = url
        self.latest: dict[str, CotEvent] = {}  # replaced, never changed: read from a thread
        self._count = 0

    def take(self, data: bytes) -> None:
        """One XML event received: kept if it parses (else one logged line)."""
        self._count += 1
        ev = parse_event(data, f"--cot-in {self.url}: event {self._count}")
        if ev is not None:
            self.latest = {**self.latest, ev.uid: ev}

    def evidence(self, t: float, epoch: datetime) -> Evidence | None:
        """The fresh self-reports as IFF replies at ``t`` (s since the ``epoch``; a cycle's
        :attr:`inkless.engine.Inputs.evidence`), None if there are none."""
        now = datetime.now(UTC)
        at = epoch + timedelta(seconds=t)
        fresh = [dataclasses.replace(e, time=at, stale=at + timedelta(seconds=1))
                 for e in self.latest.values()
                 if e.stale > now and (now - e.time).total_seconds() <= MAX_AGE_S]
        return self_reports(fresh, [at] * len(fresh), at, t) if fresh else None

    async def run(self) -> None:
        """Read the feed until cancelled; a TCP feed that closes or is not there is one
        logged line and tried again every 5 s."""
        if self.scheme == "udp":
            loop = asyncio.get_running_loop()
            take = self.take

            class Datagrams(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr: object) -> None:
                    take(data)

            try:
                transport, _ = await loop.create_datagram_endpoint(
                    Datagrams, local_addr=(self.host, self.port))
            except OSError as e:
                log.warning("--cot-in %s: cannot listen there (%s); no feed", self.url,
                            e.strerror or e)
                return
            try:
                await asyncio.Event().wait()
            finally:
                transport.close()
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError as e:
                log.warning("--cot-in %s: cannot connect (%s); trying again in 5 s", self.url,
                            e.strerror or e)
                await asyncio.sleep(5.0)
                continue
            buf = b""
            while chunk := await reader.read(65536):
                events, buf = split_stream(buf + chunk)
                for data in events:
                    self.take(data)
            writer.close()
            log.warning("--cot-in %s: the feed closed; trying again in 5 s", self.url)
            await asyncio.sleep(5.0)
