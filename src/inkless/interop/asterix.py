"""EUROCONTROL ASTERIX in and out: radar plots as CAT048, the coalition picture as CAT062.

Where it sits: an adapter at the edge of the flow. ``inkless run --asterix-out`` writes what the
run made; ``inkless track --asterix`` reads plots back in. Records are packed here with numpy,
a block at a time (fixed layouts, checked byte for byte against ``libasterix``'s encoder in
the tests: MIT, editions CAT048 1.32 and CAT062 1.20); ``libasterix`` decodes. A value that does
not fit an item would wrap silently: every value is therefore checked against the item's range
first, and a plot or track outside it is left out, counted and logged, never written wrongly
(docs/interop.md, "ASTERIX").

Units: SI and radians in the arrays; the wire units (NM, ft, degrees, ft/min, 1/128 s) only
inside this module. Time of day is seconds since midnight UTC and wraps at 86 400 s
(:func:`unwrap_time_of_day` undoes it on the way in).

Sources: EUROCONTROL ASTERIX Part 4 CAT048 edition 1.32 (I048/010, 020, 040, 110, 140) and
Part 9 CAT062 edition 1.20 (I062/010, 015, 040, 070, 080, 105, 130, 185, 220).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asterix.generated as gen
import numpy as np
from asterix.base import Bits
from numpy.typing import NDArray

from inkless.errors import InputError
from inkless.tracking.replay import CartesianSensor
from inkless.units import FT, NMI

__all__ = [
    "CAT048_MAX_HEIGHT_M", "CAT048_MAX_RHO_M", "CAT062_MAX_ALT_M", "CAT062_MAX_CLIMB_MPS",
    "DAY_S", "Encoded", "Plots", "cat048_fits", "decode_cat048", "encode_cat048", "encode_cat062",
    "enu_from_polar", "polar_from_enu", "read_detections", "read_files", "receive_udp",
    "split_blocks", "unwrap_time_of_day",
    "write_detections",
]

log = logging.getLogger("inkless.interop")

F64 = NDArray[np.float64]
Cat048 = gen.Cat_048_1_32
Cat062 = gen.Cat_062_1_20

DAY_S = 86_400.0
#: I048/040 RHO: 16 bits, LSB 1/256 NM: the slant range must stay below 256 NM.
CAT048_MAX_RHO_M = (65535 / 256) * NMI
#: I048/110 3DH: 14-bit two's complement, LSB 25 ft: -204 800 .. +204 775 ft (about 62.4 km).
CAT048_MAX_HEIGHT_M = 8191 * 25 * FT
CAT048_MIN_HEIGHT_M = -8192 * 25 * FT
#: I062/130: -1 500 ft .. 150 000 ft (about 45.7 km), LSB 6.25 ft.
CAT062_MAX_ALT_M = 150_000 * FT
CAT062_MIN_ALT_M = -1_500 * FT
#: I062/220: 16-bit two's complement, LSB 6.25 ft/min: +-204 794 ft/min (about 1 040 m/s).
CAT062_MAX_CLIMB_MPS = 32767 * 6.25 * FT / 60.0
#: I062/185: 16-bit two's complement, LSB 0.25 m/s: +-8 191.75 m/s per axis.
CAT062_MAX_V_MPS = 32767 * 0.25
#: I048/140, I062/070: 24 bits, LSB 1/128 s (the item wraps at midnight, 86 400 s).
TOD_LSB_S = 1.0 / 128.0


@dataclass(frozen=True, slots=True)
class Encoded:
    """One data block and which input rows went into it (``kept``); the rest were out of range."""

    block: bytes
    kept: NDArray[np.bool_]

    @property
    def dropped(self) -> int:
        return int((~self.kept).sum())


@dataclass(frozen=True, slots=True)
class Plots:
    """CAT048 plots read back: one row per target report (SI units, radians)."""

    sac: NDArray[np.int64]
    sic: NDArray[np.int64]
    time_of_day_s: F64
    rho_m: F64
    theta_rad: F64
    height_m: F64  # NaN: no I048/110 in the record


def time_of_day(t_utc_s: float) -> float:
    """Seconds since midnight UTC of ``t_utc_s`` (seconds since any midnight), wrapped at 86 400."""
    return float(np.mod(t_utc_s, DAY_S))


#: Records per data block: the block's LEN is 16 bits (65 535 bytes); a CAT048 record here is
#: 15 bytes and a CAT062 record 28, so 1 000 records always fit.
MAX_RECORDS = 1000


def _be(values: NDArray[np.integer], nbytes: int) -> NDArray[np.uint8]:
    """``(n, nbytes)`` big-endian bytes of integers (two's complement for negatives)."""
    v = np.asarray(values, dtype=np.int64) & ((1 << (8 * nbytes)) - 1)
    shifts = np.arange(8 * (nbytes - 1), -1, -8, dtype=np.int64)
    return ((v[:, None] >> shifts) & 0xFF).astype(np.uint8)


def _q(values: F64, lsb: float) -> NDArray[np.int64]:
    """Values quantised to their item's LSB (nearest)."""
    return np.rint(np.asarray(values, dtype=np.float64) / lsb).astype(np.int64)


def _blocks(cat: int, records: NDArray[np.uint8]) -> bytes:
    """Data blocks (CAT, LEN, records) of at most :data:`MAX_RECORDS` records of equal length
    ``records (n, L)``; one empty block when there are none."""
    out = []
    for i in range(0, max(len(records), 1), MAX_RECORDS):
        body = records[i:i + MAX_RECORDS].tobytes()
        out.append(bytes([cat]) + (3 + len(body)).to_bytes(2, "big") + body)
    return b"".join(out)


def cat048_fits(rho_m: F64, height_m: F64) -> NDArray[np.bool_]:
    """Plots that CAT048 can carry: slant range 0 .. 256 NM (I048/040 RHO) and height within
    -62.4 .. +62.4 km (I048/110 3DH)."""
    rho, h = np.asarray(rho_m, dtype=np.float64), np.asarray(height_m, dtype=np.float64)
    out: NDArray[np.bool_] = ((rho >= 0.0) & (rho < CAT048_MAX_RHO_M)
                              & (h >= CAT048_MIN_HEIGHT_M) & (h <= CAT048_MAX_HEIGHT_M))
    return out


def encode_cat048(sac: int, sic: int, t_utc_s: float, rho_m: F64, theta_rad: F64,
                  height_m: F64, where: str = "CAT048") -> Encoded:
    """One CAT048 data block: the plots of one scan of one radar (primary 3-D radar plots;
    one block per 1 000 plots when there are more).

    ``rho_m`` slant range, ``theta_rad`` azimuth clockwise from true north, ``height_m`` height
    above mean sea level (I048/110); ``t_utc_s`` the scan's time (seconds since a midnight UTC;
    written modulo a day). Plots whose range or height fall outside the items' ranges are left
    out and logged (one line, with ``where``).
    """
    rho, th, h = (np.asarray(a, dtype=np.float64) for a in (rho_m, theta_rad, height_m))
    kept = cat048_fits(rho, h) & np.isfinite(th)
    if not kept.all():
        log.warning("%s: %d plot(s) left out: slant range >= 256 NM or height outside "
                    "-62.4..62.4 km (I048/040, I048/110); they still go out as CoT",
                    where, int((~kept).sum()))
    n = int(kept.sum())
    # FSPEC F1 01 08: I048/010, 140, 020, 040 (FRN 1-4), I048/110 (FRN 19); UAP of edition 1.32
    records = np.hstack([
        np.tile(np.array([0xF1, 0x01, 0x08, sac, sic], np.uint8), (n, 1)),
        _be(np.full(n, round(time_of_day(t_utc_s) * 128) % (1 << 24)), 3),  # I048/140
        np.full((n, 1), 0x20, np.uint8),  # I048/020: TYP 1, single PSR detection
        _be(_q(rho[kept] / NMI, 1 / 256), 2),  # I048/040 RHO
        _be(_q(np.degrees(th[kept]) % 360.0, 360 / 65536) % 65536, 2),  # THETA
        _be(_q(h[kept] / FT, 25.0) & 0x3FFF, 2),  # I048/110 3DH, 14 bits
    ]) if n else np.zeros((0, 15), np.uint8)
    return Encoded(_blocks(48, records), kept)


def encode_cat062(sac: int, sic: int, t_utc_s: float, track_number: NDArray[np.int64],
                  lat_rad: F64, lon_rad: F64, alt_m: F64, v_enu_mps: F64,
                  where: str | None = "CAT062") -> Encoded:
    """One CAT062 data block: the system tracks of one picture update (one per 1 000 tracks).

    ``lat_rad``/``lon_rad`` WGS-84 (I062/105), ``alt_m`` geometric altitude (I062/130),
    ``v_enu_mps (n, 3)`` east, north, up velocity (I062/185 x = east, y = north; I062/220 the
    up component). Track numbers are written modulo 65 536 (16 bits). Tracks outside the
    items' ranges (altitude above ~45.7 km, climb faster than ~1 040 m/s) are left out, logged;
    tracks without a velocity (NaN: a track's first sample) are left out, not logged.
    ``where=None``: nothing is logged (the caller counts ``dropped``).
    """
    lat, lon, alt = (np.asarray(a, dtype=np.float64) for a in (lat_rad, lon_rad, alt_m))
    v = np.asarray(v_enu_mps, dtype=np.float64).reshape(-1, 3)
    known = np.isfinite(v).all(axis=1)
    fits = ((alt >= CAT062_MIN_ALT_M) & (alt <= CAT062_MAX_ALT_M)
            & np.isfinite(lat) & np.isfinite(lon)
            & ~(known & (np.abs(v[:, 2]) > CAT062_MAX_CLIMB_MPS))
            & ~(known & (np.abs(v[:, :2]) > CAT062_MAX_V_MPS).any(axis=1)))
    kept = fits & known
    if where is not None and not fits.all():
        log.warning("%s: %d track(s) left out: altitude outside -457 m..45.7 km (I062/130) or "
                    "climb rate beyond 1 040 m/s (I062/220); they still go out as CoT",
                    where, int((~fits).sum()))
    k = np.flatnonzero(kept)
    n = len(k)
    # FSPEC BB 0D 14: I062/010, 015, 070, 105, 185 (FRN 1, 3, 4, 5, 7), 040, 080 (FRN 12, 13),
    # 130, 220 (FRN 18, 20); UAP of edition 1.20
    records = np.hstack([
        np.tile(np.array([0xBB, 0x0D, 0x14, sac, sic, 0], np.uint8), (n, 1)),  # 010, 015
        _be(np.full(n, round(time_of_day(t_utc_s) * 128) % (1 << 24)), 3),  # I062/070
        _be(_q(np.degrees(lat[k]), 180 / 2**25), 4),  # I062/105 LAT
        _be(_q(np.degrees(lon[k]), 180 / 2**25), 4),  # LON
        _be(_q(v[k, 0], 0.25), 2), _be(_q(v[k, 1], 0.25), 2),  # I062/185 VX, VY
        _be(np.asarray(track_number, dtype=np.int64)[k] % 65536, 2),  # I062/040
        np.full((n, 1), 0x04, np.uint8),  # I062/080: SRC 1 (geometric altitude), confirmed
        _be(_q(alt[k] / FT, 6.25), 2),  # I062/130
        _be(_q(v[k, 2] / FT * 60.0, 6.25), 2),  # I062/220, ft/min
    ]) if n else np.zeros((0, 28), np.uint8)
    return Encoded(_blocks(62, records), kept)


def split_blocks(data: bytes, where: str) -> Iterator[tuple[int, bytes]]:
    """The ``(category, records)`` of each data block in ``data``; a truncated or malformed
    block is logged (one line) and the rest of ``data`` is skipped (its length cannot be
    trusted)."""
    i = 0
    while i < len(data):
        if len(data) - i < 3:
            log.warning("%s: byte %d: truncated data block (%d bytes, header needs 3); skipped",
                        where, i, len(data) - i)
            return
        cat, n = data[i], int.from_bytes(data[i + 1:i + 3], "big")
        if n < 3 or i + n > len(data):
            log.warning("%s: byte %d: data block length %d does not fit the %d bytes left; "
                        "skipped the rest", where, i, n, len(data) - i)
            return
        yield cat, data[i + 3:i + n]
        i += n


def _fixed048(body: bytes) -> F64 | None:
    """The rows (SAC, SIC, time of day s, RHO m, THETA rad, height m) of a block body whose
    records all have the layout :func:`encode_cat048` writes (FSPEC F1 01 08, I048/020 without
    extension: the UAP makes each exactly 15 bytes), read all at once; ``None`` otherwise."""
    if not body or len(body) % 15:
        return None
    r = np.frombuffer(body, np.uint8).reshape(-1, 15).astype(np.int64)
    if not ((r[:, 0] == 0xF1) & (r[:, 1] == 0x01) & (r[:, 2] == 0x08)
            & (r[:, 8] & 1 == 0)).all():
        return None
    tod = (r[:, 5] << 16 | r[:, 6] << 8 | r[:, 7]) * TOD_LSB_S
    rho = (r[:, 9] << 8 | r[:, 10]) / 256 * NMI
    theta = np.radians((r[:, 11] << 8 | r[:, 12]) * 360 / 65536)
    h14 = (r[:, 13] << 8 | r[:, 14]) & 0x3FFF
    h = np.where(h14 >= 1 << 13, h14 - (1 << 14), h14) * 25 * FT
    return np.column_stack([r[:, 3], r[:, 4], tod, rho, theta, h]).astype(np.float64)


def _parsed048(body: bytes, where: str, k: int) -> F64:
    """The rows (as :func:`_fixed048`) of any CAT048 block body, record by record with
    ``libasterix``; a body that does not parse, or a record without I048/010, 140 or 040, is
    one logged line and skipped."""
    recs = Cat048.cv_uap.parse(Bits.from_bytes(body))
    if isinstance(recs, ValueError):
        log.warning("%s: block %d: corrupt CAT048 records (%s); block skipped", where, k, recs)
        return np.zeros((0, 6))
    rows: list[tuple[int, int, float, float, float, float]] = []
    for r in recs:
        i010, i140, i040 = r.get_item("010"), r.get_item("140"), r.get_item("040")
        if i010 is None or i140 is None or i040 is None:
            log.warning("%s: block %d: a record lacks I048/010, 140 or 040; skipped", where, k)
            continue
        i110 = r.get_item("110")
        h = (i110.variation.get_item("3DH").variation.content.as_quantity("ft") * FT
             if i110 is not None else np.nan)
        rows.append((
            i010.variation.get_item("SAC").variation.content.as_uint(),
            i010.variation.get_item("SIC").variation.content.as_uint(),
            i140.variation.content.as_quantity("s"),
            i040.variation.get_item("RHO").variation.content.as_quantity("NM") * NMI,
            np.radians(i040.variation.get_item("THETA").variation.content.as_quantity("°")),
            h,
        ))
    return np.array(rows, dtype=np.float64).reshape(-1, 6)


def decode_cat048(data: bytes, where: str) -> Plots:
    """Read every CAT048 target report in ``data`` (files or UDP datagrams of data blocks).

    Blocks of another category, blocks whose records do not parse, and records without
    I048/010, I048/140 or I048/040 are logged (one line each) and skipped; the rest is read.
    Blocks of the records :func:`encode_cat048` writes are read at once (:func:`_fixed048`),
    any other by ``libasterix``, record by record (:func:`_parsed048`).
    """
    parts: list[F64] = [np.zeros((0, 6))]  # per block, in arrival order
    other: dict[int, int] = {}  # blocks of other categories: one line for all of them
    for k, (cat, body) in enumerate(split_blocks(data, where)):
        if cat != 48:
            other[cat] = other.get(cat, 0) + 1
            continue
        got = _fixed048(body)
        parts.append(got if got is not None else _parsed048(body, where, k))
    if other:
        log.warning("%s: %s skipped (only CAT048 is read here)", where, ", ".join(
            f"{n} block(s) of category {c}" for c, n in sorted(other.items())))
    a = np.concatenate(parts)
    return Plots(a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2], a[:, 3], a[:, 4],
                 a[:, 5])


def unwrap_time_of_day(tod_s: F64) -> F64:
    """Times of day in arrival order made monotonic across midnight: each fall of more than
    half a day adds 86 400 s (a stream is assumed never to jump back more than 12 h)."""
    tod = np.asarray(tod_s, dtype=np.float64)
    falls = np.concatenate([[0.0], np.diff(tod)]) < -DAY_S / 2
    return tod + DAY_S * np.cumsum(falls)


def polar_from_enu(sensor_enu: F64, xyz_enu: F64) -> tuple[F64, F64, F64]:
    """Slant range (m), azimuth clockwise from north (rad, [0, 2 pi)) and height (m, the up
    coordinate) of ``xyz_enu (n, 3)`` seen from ``sensor_enu (3,)``: local flat frame, as in
    the tracking benchmark format (no refraction, no earth curvature)."""
    d = np.asarray(xyz_enu, dtype=np.float64).reshape(-1, 3) - np.asarray(sensor_enu)
    rho = np.linalg.norm(d, axis=1)
    theta = np.mod(np.arctan2(d[:, 0], d[:, 1]), 2 * np.pi)
    return rho, theta, np.asarray(xyz_enu, dtype=np.float64).reshape(-1, 3)[:, 2]


def enu_from_polar(sensor_enu: F64, rho_m: F64, theta_rad: F64, height_m: F64) -> F64:
    """Inverse of :func:`polar_from_enu`: ENU positions ``(n, 3)`` from slant range, azimuth and
    height (the horizontal range is ``sqrt(rho^2 - dz^2)``, 0 when quantisation makes it
    imaginary)."""
    s = np.asarray(sensor_enu, dtype=np.float64)
    dz = np.asarray(height_m) - s[2]
    r_h = np.sqrt(np.maximum(np.asarray(rho_m) ** 2 - dz**2, 0.0))
    return np.column_stack([s[0] + r_h * np.sin(theta_rad), s[1] + r_h * np.cos(theta_rad),
                            np.asarray(height_m, dtype=np.float64)])


#: SAC written for the sensors of a recording (tracking benchmark directory) and of a run:
#: 0 is no real system area (docs/interop.md, "SAC/SIC"); SIC is the sensor's id (0..255).
RECORDING_SAC = 0


def write_detections(det: F64, sensors: Sequence[CartesianSensor], out_dir: Path) -> dict[int, int]:
    """Write recorded detections ``(m, 5)`` (time s, sensor id, ENU x, y, z m) as CAT048: one
    file ``sensor-<id>.ast`` per sensor, one data block per scan (a scan with no plot still
    gets an empty block so that readers see the look). SAC 0, SIC = sensor id, time of day =
    the recording's time (from midnight). Returns the plots left out of range per sensor."""
    by_id = {s.id: s for s in sensors}
    bad = [i for i in by_id if not 0 <= i <= 255]
    if bad:
        raise InputError(f"sensor id {bad[0]}: SIC is one byte (0..255); renumber the sensors")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{out_dir}: cannot create ({e.strerror}); check --asterix-out") from None
    dropped: dict[int, int] = {}
    scans = np.unique(det[:, 0])
    for sid, sensor in sorted(by_id.items()):
        mine = det[det[:, 1].astype(np.int64) == sid]
        blocks, dropped[sid] = [], 0
        for t in scans:
            rows = mine[mine[:, 0] == t]
            rho, theta, h = polar_from_enu(np.asarray(sensor.pos), rows[:, 2:5])
            enc = encode_cat048(RECORDING_SAC, sid, float(t), rho, theta, h,
                                where=f"sensor {sid} t={t:g}s")
            blocks.append(enc.block)
            dropped[sid] += enc.dropped
        path = out_dir / f"sensor-{sid}.ast"
        try:
            path.write_bytes(b"".join(blocks))
        except OSError as e:
            raise InputError(f"{path}: cannot write ({e.strerror}); check --asterix-out") from None
    return dropped


def read_files(paths: Sequence[Path]) -> list[tuple[str, list[bytes]]]:
    """Each CAT048 file as one stream ``(name, [bytes])`` for :func:`read_detections`."""
    out = []
    for path in paths:
        try:
            out.append((str(path), [path.read_bytes()]))
        except OSError as e:
            raise InputError(f"{path}: cannot read ({e.strerror}); check --asterix") from None
    return out


def receive_udp(url: str, idle_s: float = 5.0) -> tuple[str, list[bytes]]:
    """Datagrams received on ``udp://HOST:PORT`` until none came for ``idle_s`` seconds (one
    stream for :func:`read_detections`; each datagram is decoded on its own)."""
    u = urlsplit(url)
    if u.scheme != "udp" or not u.hostname or u.port is None:
        raise InputError(f"--asterix {url}: give a file, a directory or udp://HOST:PORT")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((u.hostname, u.port))
    except OSError as e:
        sock.close()
        raise InputError(f"--asterix {url}: cannot listen ({e.strerror}); is the port "
                         "free?") from None
    sock.settimeout(idle_s)
    got: list[bytes] = []
    try:
        while True:
            got.append(sock.recv(65535))
    except TimeoutError:
        pass
    finally:
        sock.close()
    return url, got


def read_detections(streams: Sequence[tuple[str, Sequence[bytes]]],
                    sensors: Sequence[CartesianSensor]) -> F64:
    """Detections ``(m, 5)`` (time s, sensor id, ENU x, y, z m) from CAT048 streams (a file,
    or a UDP port's datagrams, :func:`read_files`, :func:`receive_udp`): each stream's times
    are unwrapped across midnight, plots are placed from their sensor (SIC = sensor id) with
    :func:`enu_from_polar`, and rows are ordered by time then sensor (arrival order kept inside
    a scan). Plots from an unknown SAC/SIC are logged and skipped."""
    by_id = {s.id: s for s in sensors}
    parts = []
    for name, chunks in streams:
        ps = [decode_cat048(c, name if len(chunks) == 1 else f"{name}: datagram {k}")
              for k, c in enumerate(chunks)]
        p = Plots(*(np.concatenate([getattr(q, f) for q in ps]) if ps else np.empty(0)
                    for f in Plots.__slots__))  # type: ignore[arg-type]
        sac, sic = p.sac.astype(np.int64), p.sic.astype(np.int64)
        known = (sac == RECORDING_SAC) & np.isin(sic, list(by_id))
        if not known.all():
            log.warning("%s: %d plot(s) from SAC/SIC not in the scenario's sensors (SAC %d, SIC "
                        "= sensor id); skipped", name, int((~known).sum()), RECORDING_SAC)
        t = unwrap_time_of_day(p.time_of_day_s)
        for sid in np.unique(sic[known]).tolist():
            m = known & (sic == sid)
            s = by_id[int(sid)]
            h = np.where(np.isnan(p.height_m[m]), s.pos[2], p.height_m[m])
            xyz = enu_from_polar(np.asarray(s.pos), p.rho_m[m], p.theta_rad[m], h)
            parts.append(np.column_stack([t[m], np.full(int(m.sum()), sid), xyz]))
    det = np.concatenate(parts) if parts else np.empty((0, 5))
    return det[np.lexsort((det[:, 1], det[:, 0]))] if len(det) else det
