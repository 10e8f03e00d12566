"""CoT out and in: events judged by takproto's parser (XML and TAK protocol v1), UDP over a
loopback socket, bad input refused with one logged line."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import takproto
from hypothesis import given
from hypothesis import strategies as st

from inkless.identification import FRIEND, HOSTILE, NEUTRAL, UNKNOWN
from inkless.interop.cot import CotEvent, ce_le, cot_type, frame, open_sender, parse_event

T0 = datetime(2026, 4, 13, 23, 59, 30, 250000, tzinfo=UTC)


def _event(lat: float = 31.5, lon: float = 35.25, hae: float = 9144.0) -> CotEvent:
    return CotEvent("inkless.track.17", "a-h-A-W-M-C-M", T0, T0 + timedelta(seconds=30),
                    lat, lon, hae, 120.5, 80.25, course_deg=271.5, speed_mps=240.75)


def test_type_codes_of_the_issue() -> None:
    assert cot_type(int(HOSTILE), "ballistic") == "a-h-A-W-M-B"
    assert cot_type(int(HOSTILE), "cruise") == "a-h-A-W-M-C-M"
    assert cot_type(int(HOSTILE), "drone") == "a-h-A-M-F-Q"
    assert cot_type(int(NEUTRAL), "civil") == "a-n-A-C-F"
    assert cot_type(int(FRIEND), "") == "a-f-A"
    assert cot_type(int(UNKNOWN), "") == "a-u-A"


def test_ce_le_closed_form() -> None:
    ce, le = ce_le(np.diag([30.0**2, 40.0**2, 50.0**2]))
    assert ce == pytest.approx(np.sqrt((900 + 1600) / 2)) and le == pytest.approx(50.0)
    assert ce_le(np.full((3, 3), np.nan)) == (9999999.0, 9999999.0)
    # many at once: each covariance on its own, an unknown one among them
    covs = np.stack([np.diag([4.0, 16.0, 9.0]), np.full((3, 3), np.nan),
                     np.diag([30.0**2, 40.0**2, 50.0**2])])
    ce, le = ce_le(covs)
    assert ce.tolist() == pytest.approx([np.sqrt(10.0), 9999999.0, np.sqrt(1250.0)])
    assert le.tolist() == pytest.approx([3.0, 9999999.0, 50.0])


def _same(msg: takproto.proto.TakMessage, ev: CotEvent) -> None:
    e = msg.cotEvent
    assert (e.uid, e.type, e.how) == (ev.uid, ev.type, ev.how)
    assert e.lat == pytest.approx(ev.lat_deg, abs=1e-7)
    assert e.lon == pytest.approx(ev.lon_deg, abs=1e-7)
    half = 0.05 + 1e-9  # written to 0.1 m: a value half-way (0.75) may round either way
    assert e.hae == pytest.approx(ev.hae_m, abs=half)
    assert (e.ce, e.le) == (pytest.approx(ev.ce_m, abs=half), pytest.approx(ev.le_m, abs=half))
    assert e.sendTime == int(ev.time.timestamp() * 1000)
    assert e.staleTime == int(ev.stale.timestamp() * 1000)
    assert e.detail.track.course == pytest.approx(ev.course_deg, abs=0.05)
    assert e.detail.track.speed == pytest.approx(ev.speed_mps, abs=0.005)


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180), hae=st.floats(-500, 1e6))
def test_xml_as_takproto_reads_it(lat: float, lon: float, hae: float) -> None:
    ev = _event(lat, lon, hae)
    _same(takproto.parse_proto(bytearray(frame(ev, proto=False, stream=True))), ev)
    back = parse_event(frame(ev, proto=False, stream=True), "test")
    assert back is not None and back.uid == ev.uid and back.stale == ev.stale


@pytest.mark.parametrize("stream", [True, False])
def test_tak_protocol_v1_as_takproto_reads_it(stream: bool) -> None:
    ev = _event()
    data = frame(ev, proto=True, stream=stream)
    assert data[:3] == b"\xbf\x01\xbf" if not stream else data[0] == 0xBF
    _same(takproto.parse_proto(bytearray(data)), ev)


@pytest.mark.parametrize("proto", [False, True])
def test_udp_loopback(proto: bool) -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5.0)
    port = rx.getsockname()[1]
    ev = _event()
    tx = open_sender(f"udp://127.0.0.1:{port}", proto=proto)
    tx.send(ev)
    tx.close()
    data, _ = rx.recvfrom(65535)
    rx.close()
    _same(takproto.parse_proto(bytearray(data)), ev)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<event uid="x" type="a-f-A" time="2026-04-13T00:00:00Z" stale="2026-04-13T00:01:00Z">
<point lat="1" lon="2" hae="3" ce="1" le="1"/><detail>&lol3;</detail></event>"""


@pytest.mark.parametrize(("data", "reason"), [
    (frame(_event(), False, True).replace(b'lat="31.5000000"', b'lat="131.5"'), "off the globe"),
    (frame(_event(), False, True).replace(b'lon="35.2500000"', b'lon="abc"'), "not a number"),
    (BOMB, "unsafe XML"),
    (b"<event uid='x'", "not well-formed"),
    (b"<event uid='x' type='a-f-A'/>", "needs uid, type and <point>"),
])
def test_bad_events_are_one_logged_line(data: bytes, reason: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="inkless.interop"):
        assert parse_event(data, "feed") is None
        assert parse_event(frame(_event(), False, True), "feed") is not None  # stream goes on
    (rec,) = caplog.records
    assert reason in rec.getMessage() and "\n" not in rec.getMessage()
