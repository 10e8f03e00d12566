"""Cursor-on-Target: the coalition picture as CoT events for TAK clients, and CoT read back in.

Where it sits: an adapter at the edge of the flow (``inkless cot send`` replays a run's
``tracks.csv``; the live service will stream the same events). One event per track and update:

- ``type`` from identity and class (MIL-STD-2525 letter codes, :func:`cot_type`; the table is
  in docs/interop.md);
- ``point`` WGS-84 lat/lon (degrees) and height above the ellipsoid (m), ``ce`` (circular
  1-sigma, m) and ``le`` (vertical 1-sigma, m) from the track covariance (:func:`ce_le`);
- ``how="m-f"`` (machine, fused), ``stale`` = time + a multiple of the update period, and
  ``<track course speed>`` (degrees true, m/s) in ``<detail>``.

Framing (:func:`frame`): CoT XML (MITRE CoT event schema 2.0), or TAK protocol version 1:
the TakMessage protobuf with the "mesh" header ``0xbf 0x01 0xbf`` for UDP and the "stream"
header ``0xbf`` + varint length for TCP/TLS (takproto's ``protocol.txt``, TAK Product Center).

Incoming XML is parsed with ``defusedxml`` (no entity expansion: an XML bomb is refused);
a malformed event or a point off the globe is one logged line and ``None``, never an exception.
"""

from __future__ import annotations

import logging
import math
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as DET
import numpy as np
from defusedxml import DefusedXmlException
from numpy.typing import NDArray

from inkless.errors import InputError

if TYPE_CHECKING:
    from inkless.simulation.adsb import IffReplies

__all__ = ["UNKNOWN_ERROR_M", "CotEvent", "Sender", "ce_le", "cot_type", "frame",
           "friendly_replies", "open_sender", "parse_event", "split_stream", "tls_context",
           "to_proto", "to_xml"]

log = logging.getLogger("inkless.interop")

#: Affiliation letter of each identity category (inkless.identification.categories order:
#: pending, unknown, assumed friend, friend, neutral, suspect, hostile). MIL-STD-2525B
#: standard identity; CoT spells it in the second atom of ``type``.
AFFILIATION = ("p", "u", "a", "f", "n", "s", "h")
#: Battle dimension and function after ``a-X-A`` per class (MIL-STD-2525B air tracks, as the
#: CoT type tree spells them): ballistic and cruise missiles in flight, a fixed-wing drone
#: (one-way attack drone), a civil fixed-wing aircraft.
CLASS_FUNCTION = {"ballistic": "W-M-B", "cruise": "W-M-C-M", "drone": "M-F-Q", "civil": "C-F"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def cot_type(identity: int, cls: str) -> str:
    """CoT ``type`` of an air track: ``a-<affiliation>-A[-<function>]``.

    A friend or assumed friend is ``a-f-A``/``a-a-A`` whatever its class; a neutral track of
    class "civil" is ``a-n-A-C-F``; any other identity keeps its class's function when the
    class is known (``a-h-A-W-M-B``), else the bare air dimension (``a-u-A``).
    """
    aff = AFFILIATION[identity] if 0 <= identity < len(AFFILIATION) else "u"
    fn = CLASS_FUNCTION.get(cls)
    if aff in ("f", "a") or fn is None or (cls == "civil") != (aff == "n"):
        return f"a-{aff}-A"
    return f"a-{aff}-A-{fn}"


#: CoT's "unknown" for ``ce`` and ``le`` (m).
UNKNOWN_ERROR_M = 9999999.0


def ce_le(cov_enu: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """CoT ``ce`` and ``le`` (m) of ENU position covariances ``(..., 3, 3)`` (m^2), each of
    shape ``(...)``.

    ``ce`` is the circular 1-sigma of the horizontal error, ``sqrt((var_e + var_n) / 2)`` (the
    radius whose circular normal has the same mean squared error), ``le`` the vertical 1-sigma
    ``sqrt(var_u)`` (CoT event schema: "ce: circular 1-sigma error", "le: linear 1-sigma
    error"). A covariance with a non-finite entry gives :data:`UNKNOWN_ERROR_M`, the schema's
    "unknown".
    """
    c = np.asarray(cov_enu, dtype=np.float64)
    known = np.isfinite(c).all(axis=(-2, -1))
    ce = np.sqrt(np.maximum(0.5 * (c[..., 0, 0] + c[..., 1, 1]), 0.0))
    le = np.sqrt(np.maximum(c[..., 2, 2], 0.0))
    return np.where(known, ce, UNKNOWN_ERROR_M), np.where(known, le, UNKNOWN_ERROR_M)


@dataclass(frozen=True, slots=True)
class CotEvent:
    """One CoT event (degrees, m, m/s; UTC times)."""

    uid: str
    type: str
    time: datetime
    stale: datetime
    lat_deg: float
    lon_deg: float
    hae_m: float
    ce_m: float = UNKNOWN_ERROR_M
    le_m: float = UNKNOWN_ERROR_M
    how: str = "m-f"
    course_deg: float | None = None
    speed_mps: float | None = None
    callsign: str | None = None


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime(TIME_FORMAT)[:-4] + "Z"  # milliseconds


def to_xml(ev: CotEvent) -> bytes:
    """The event as CoT XML (one ``<event>`` element, UTF-8, with the XML declaration)."""
    detail = ""
    if ev.course_deg is not None and ev.speed_mps is not None:
        detail += f'<track course="{ev.course_deg:.1f}" speed="{ev.speed_mps:.2f}"/>'
    if ev.callsign:
        detail += f"<contact callsign={quoteattr(ev.callsign)}/>"
    t = _ts(ev.time)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
        f"<event version=\"2.0\" uid={quoteattr(ev.uid)} type={quoteattr(ev.type)} "
        f'how={quoteattr(ev.how)} time="{t}" start="{t}" stale="{_ts(ev.stale)}">'
        f'<point lat="{ev.lat_deg:.7f}" lon="{ev.lon_deg:.7f}" hae="{ev.hae_m:.1f}" '
        f'ce="{ev.ce_m:.1f}" le="{ev.le_m:.1f}"/>'
        f"<detail>{detail}</detail></event>"
    ).encode()


def to_proto(ev: CotEvent) -> bytes:
    """The event as a serialised TAK protocol v1 ``TakMessage`` (no header)."""
    from takproto.proto import TakMessage

    msg = TakMessage()
    e = msg.cotEvent
    e.type, e.uid, e.how = ev.type, ev.uid, ev.how
    ms = int(ev.time.timestamp() * 1000)
    e.sendTime, e.startTime, e.staleTime = ms, ms, int(ev.stale.timestamp() * 1000)
    e.lat, e.lon, e.hae, e.ce, e.le = ev.lat_deg, ev.lon_deg, ev.hae_m, ev.ce_m, ev.le_m
    if ev.course_deg is not None and ev.speed_mps is not None:
        e.detail.track.course, e.detail.track.speed = ev.course_deg, ev.speed_mps
    if ev.callsign:
        e.detail.contact.callsign = ev.callsign
    return bytes(msg.SerializeToString())


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def frame(ev: CotEvent, proto: bool, stream: bool) -> bytes:
    """Bytes on the wire: XML, or TAK protocol v1 (``stream``: TCP/TLS, else UDP mesh)."""
    if not proto:
        return to_xml(ev)
    body = to_proto(ev)
    return (b"\xbf" + _varint(len(body)) + body) if stream else (b"\xbf\x01\xbf" + body)


def _point(where: str, p: object) -> tuple[float, float, float, float, float] | None:
    try:
        vals = [float(p.get(k, "9999999.0")) for k in ("lat", "lon", "hae", "ce", "le")]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        log.warning("%s: <point> has a value that is not a number; event skipped", where)
        return None
    lat, lon, hae, ce, le = vals
    if not all(math.isfinite(v) for v in vals) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        log.warning("%s: <point lat=%s lon=%s> is off the globe (lat -90..90, lon -180..180); "
                    "event skipped", where, lat, lon)
        return None
    return lat, lon, hae, ce, le


def _time(s: str | None) -> datetime:
    if not s:
        raise ValueError("missing time")
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def parse_event(data: bytes, where: str) -> CotEvent | None:
    """Parse one CoT XML event safely; ``None`` (and one logged line) when it is not usable."""
    try:
        root = DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        log.warning("%s: refused unsafe XML (%s); event skipped", where, type(e).__name__)
        return None
    except DET.ParseError as e:
        log.warning("%s: not well-formed XML (%s); event skipped", where, e)
        return None
    if root.tag != "event":
        log.warning("%s: root element <%s> is not <event>; skipped", where, root.tag)
        return None
    uid, typ = root.get("uid"), root.get("type")
    p = root.find("point")
    if not uid or not typ or p is None:
        log.warning("%s: <event> needs uid, type and <point>; event skipped", where)
        return None
    pt = _point(f"{where}: uid {uid}", p)
    if pt is None:
        return None
    try:
        t, stale = _time(root.get("time")), _time(root.get("stale"))
    except ValueError:
        log.warning("%s: uid %s: time or stale is not an ISO 8601 time; event skipped", where, uid)
        return None
    tr = root.find("detail/track")
    contact = root.find("detail/contact")
    course = speed = None
    if tr is not None:
        try:
            course, speed = float(tr.get("course", "")), float(tr.get("speed", ""))
        except ValueError:
            course = speed = None
    return CotEvent(uid, typ, t, stale, *pt, how=root.get("how") or "",
                    course_deg=course, speed_mps=speed,
                    callsign=contact.get("callsign") if contact is not None else None)


def split_stream(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Split a TCP byte stream of concatenated XML events into whole events and the rest."""
    out: list[bytes] = []
    while True:
        end = buffer.find(b"</event>")
        if end < 0:
            return out, buffer
        cut = end + len(b"</event>")
        out.append(buffer[:cut].strip())
        buffer = buffer[cut:]


class Sender:
    """Sends framed events to a ``tcp://``, ``tls://`` or ``udp://HOST:PORT`` URL (pytak's
    spelling); ``close()`` when done."""

    def __init__(self, url: str, proto: bool, tls_context: ssl.SSLContext | None = None):
        u = urlsplit(url)
        if u.scheme not in ("tcp", "tls", "udp") or not u.hostname or not u.port:
            raise InputError(f"--to {url}: give tcp://HOST:PORT, tls://HOST:PORT or "
                             "udp://HOST:PORT")
        self.url, self.proto, self.stream = url, proto, u.scheme != "udp"
        self._addr = (u.hostname, u.port)
        try:
            if u.scheme == "udp":
                self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            else:
                raw = socket.create_connection(self._addr, timeout=10.0)
                if u.scheme == "tls":
                    ctx = tls_context or ssl.create_default_context()
                    self._sock = ctx.wrap_socket(raw, server_hostname=u.hostname)
                else:
                    self._sock = raw
        except ssl.SSLError as e:
            raise InputError(f"--to {url}: TLS failed ({e.reason or e}); check --ca and "
                             "--cert") from None
        except OSError as e:
            raise InputError(f"--to {url}: cannot connect ({e.strerror or e}); is the TAK "
                             "server listening there?") from None

    def send(self, ev: CotEvent) -> None:
        data = frame(ev, self.proto, self.stream)
        try:
            if self.stream:
                self._sock.sendall(data)
            else:
                self._sock.sendto(data, self._addr)
        except OSError as e:
            raise InputError(f"--to {self.url}: send failed ({e.strerror or e}); the server "
                             "closed the connection?") from None

    def close(self) -> None:
        self._sock.close()


def tls_context(ca: Path | None = None, cert: Path | None = None) -> ssl.SSLContext:
    """Client TLS context: the server checked against ``ca`` (PEM; default: the system store),
    and ``cert`` (PEM holding the client certificate and its key) offered when given, as TAK
    servers ask of their clients."""
    try:
        ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
        if cert is not None:
            ctx.load_cert_chain(str(cert))
    except (OSError, ssl.SSLError) as e:
        where = cert if cert is not None and ca is None else (ca or cert)
        raise InputError(f"{where}: cannot load ({getattr(e, 'strerror', None) or e}); give "
                         "PEM files (--ca: the server's CA; --cert: certificate and key)") from None
    return ctx


def open_sender(url: str, proto: bool = False, ca: Path | None = None,
                cert: Path | None = None) -> Sender:
    """A :class:`Sender` for ``url`` (raises ``InputError`` with a one-line reason)."""
    ctx = tls_context(ca, cert) if url.startswith("tls://") else None
    return Sender(url, proto, ctx)


#: Floor of a self-report's position sigma (m): a TAK device's GPS fix with its latency.
MIN_REPORT_SIGMA_M = 30.0


def friendly_replies(events: Iterable[CotEvent], at: datetime, max_age_s: float = 30.0,
                     ) -> IffReplies:
    """Friendly self-reports from a TAK feed as cooperative "friend" evidence, like
    authenticated IFF replies (:class:`inkless.simulation.adsb.IffReplies`) at ``at``.

    Kept: events whose type is a friendly air atom (``a-f-A...``), not stale at ``at`` and at
    most ``max_age_s`` old. Position ECEF from the WGS-84 point; sigma the larger of ``ce`` and
    ``le`` (at least :data:`MIN_REPORT_SIGMA_M`; an unknown :data:`UNKNOWN_ERROR_M` drops the
    report).
    ``source`` is -1: no truth row stands behind a report from outside.
    """
    from inkless.physics.geodesy import ecef_from_geodetic
    from inkless.simulation.adsb import IffReplies

    keep = [e for e in events
            if e.type.startswith("a-f-A") and e.stale > at
            and 0.0 <= (at - e.time).total_seconds() <= max_age_s
            and max(e.ce_m, e.le_m) < UNKNOWN_ERROR_M]
    t = at.timestamp()
    if not keep:
        return IffReplies.empty(t)
    lat = np.radians([e.lat_deg for e in keep])
    lon = np.radians([e.lon_deg for e in keep])
    pos = ecef_from_geodetic(lat, lon, np.array([e.hae_m for e in keep])).reshape(-1, 3)
    sigma = np.maximum([max(e.ce_m, e.le_m) for e in keep], MIN_REPORT_SIGMA_M)
    return IffReplies(t, pos, sigma, np.full(len(keep), -1, np.int64))
