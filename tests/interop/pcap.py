"""Write UDP datagrams as a classic pcap file (LINKTYPE_IPV4) for ``tshark -r``: a small,
independent framing so that Wireshark's dissector judges the payload inkless wrote."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path


def _ip_checksum(header: bytes) -> int:
    s = sum(struct.unpack("!10H", header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def write_pcap(path: Path, payloads: list[bytes], port: int) -> None:
    """One IPv4/UDP frame per payload, 127.0.0.1:port -> 127.0.0.1:port, one second apart."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 228))
    for k, p in enumerate(payloads):
        udp = struct.pack("!HHHH", port, port, 8 + len(p), 0) + p
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k & 0xFFFF, 0, 64,
                                   17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])))
        ip[10:12] = struct.pack("!H", _ip_checksum(bytes(ip)))
        frame = bytes(ip) + udp
        out += struct.pack("<IIII", k, 0, len(frame), len(frame)) + frame
    path.write_bytes(bytes(out))


def tshark_fields(pcap: Path, port: int, fields: list[str]) -> list[list[list[str]]]:
    """Per packet, per field, the list of values Wireshark's ASTERIX dissector decoded."""
    exe = shutil.which("tshark")
    if exe is None:
        raise AssertionError("tshark is missing: `make test` installs it (apt-get install tshark)")
    cmd = [exe, "-r", str(pcap), "-d", f"udp.port=={port},asterix", "-T", "fields",
           "-E", "aggregator=;", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    rows = []
    for line in res.stdout.splitlines():
        cols = line.split("\t")
        rows.append([c.split(";") if c else [] for c in cols])
    return rows
