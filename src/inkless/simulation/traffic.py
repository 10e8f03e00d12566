"""Recorded civil traffic: ADS-B trajectories read from JSON and replayed as truth.

Where it sits: simulation, beside :mod:`inkless.simulation.civil`. A scenario's
``civil.recording`` names a file in the JSON layout of the ``traffic`` package's sample files
(Olive, "traffic, a toolbox for processing and analysing air traffic data", JOSS 4(39), 2019):
one sample per row with ``timestamp`` (ms since the Unix epoch, or an ISO 8601 string),
``icao24`` (hex), ``callsign``, ``latitude``/``longitude`` (degrees), ``altitude`` (ft),
``groundspeed`` (kt), ``track`` (degrees from true north), ``vertical_rate`` (ft/min). Both
layouts pandas writes are read: a list of records, and a mapping of columns (``{column: {row:
value}}`` or ``{column: [values]}``); ``.gz`` files are decompressed.

Units are converted once here: SI and radians inside. The recorded (barometric) altitude is used
as the height above the WGS-84 ellipsoid (the difference, tens of metres, is far below radar
height errors). An aircraft's samples are split into separate flights at gaps longer than
``max_gap_s`` so that a replay never flies a straight line through a gap in coverage.

Replay (:class:`RecordedFlights`): between two samples a flight's position is interpolated
linearly in latitude, longitude and altitude; its velocity is the recorded ground speed, track and
vertical rate, interpolated the same way. A flight is active from its first to its last sample.
Longitudes are not unwrapped across the antimeridian.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.errors import InputError
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.units import DEG, FT, KT, MIN

__all__ = ["RecordedFlights", "Recording", "read_recording", "recording_from_rows"]


_COLUMNS = (
    "timestamp",
    "icao24",
    "callsign",
    "latitude",
    "longitude",
    "altitude",
    "groundspeed",
    "track",
    "vertical_rate",
)
_REQUIRED = ("timestamp", "icao24", "latitude", "longitude", "altitude")


@dataclass(frozen=True)
class Recording:
    """Recorded samples, one row each, sorted by flight then time (struct of arrays).

    ``flight (k,)`` indexes the per-flight columns ``icao24``/``callsign``/``start``; samples of
    flight ``f`` are rows ``start[f]:start[f + 1]``. ``t`` s since the scenario epoch; ``lat``,
    ``lon``, ``track`` radians; ``alt`` m; ``ground_speed``, ``vertical_rate`` m/s.
    """

    icao24: I64  # (f,) 24-bit address
    callsign: tuple[str, ...]  # (f,)
    start: I64  # (f + 1,)
    flight: I64  # (k,)
    t: F64
    lat: F64
    lon: F64
    alt: F64
    ground_speed: F64
    track: F64
    vertical_rate: F64

    def __len__(self) -> int:
        """Number of flights."""
        return len(self.callsign)


def _number(v: Any) -> float:
    if v is None:
        return np.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def _millis(v: Any) -> float:
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000.0
        except ValueError:
            return np.nan
    return _number(v)


def _columns(data: Any, source: str) -> dict[str, list[Any]]:
    """Column lists from a list of records or a mapping of columns."""
    if isinstance(data, list):
        return {c: [r.get(c) if isinstance(r, dict) else None for r in data] for c in _COLUMNS}
    if isinstance(data, dict):
        out: dict[str, list[Any]] = {}
        rows: list[str] | None = None
        for c in _COLUMNS:
            col = data.get(c)
            if isinstance(col, dict):
                if rows is None:  # pandas' "columns" layout: {column: {row label: value}}
                    rows = list(col)
                out[c] = [col.get(r) for r in rows]
            elif isinstance(col, list):
                out[c] = col
            else:
                out[c] = []
        n = max(len(v) for v in out.values())
        return {c: (v if len(v) == n else [None] * n) for c, v in out.items()}
    raise InputError(
        f"{source}: not a recording: expected a JSON list of samples or a mapping of columns "
        f"({', '.join(_REQUIRED)}, ...)"
    )


def recording_from_rows(
    columns: Mapping[str, Sequence[Any]],
    time_offset_s: float = 0.0,
    *,
    callsigns: Sequence[str] | None = None,
    max_flights: int | None = None,
    max_gap_s: float = 120.0,
    source: str = "<recording>",
) -> Recording:
    """Build a :class:`Recording` from raw columns in the file's units (see module docstring).

    Samples without a time, address, position or altitude are dropped; a missing ground speed,
    track or vertical rate is taken from the neighbouring positions. ``time_offset_s`` is the
    scenario time (s) of the earliest sample kept. ``callsigns`` keeps only those (stripped,
    case-insensitive); ``max_flights`` keeps the first flights by start time.
    """
    missing = [c for c in _REQUIRED if not any(v is not None for v in columns.get(c, []))]
    if missing:
        raise InputError(
            f"{source}: no {', '.join(missing)} column; a recording needs "
            f"{', '.join(_REQUIRED)} per sample"
        )
    smp = _parse_samples(columns)
    ok = np.isfinite(smp.ms) & (smp.icao >= 0) & np.isfinite(smp.lat) & np.isfinite(smp.lon)
    ok &= np.isfinite(smp.alt) & (np.abs(smp.lat) <= 90.0) & (np.abs(smp.lon) <= 180.0)
    if callsigns is not None:
        wanted = {c.strip().upper() for c in callsigns}
        ok &= np.array([c.upper() in wanted for c in smp.calls], dtype=bool)
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        raise InputError(f"{source}: no usable sample (time, icao24, position and altitude)")
    order, t_s, flight, start = _split_flights(
        smp.ms, smp.icao, rows, max_gap_s, max_flights, source
    )
    icao = smp.icao[order]
    lat_r, lon_r = smp.lat[order] * DEG, smp.lon[order] * DEG
    alt_m = smp.alt[order] * FT
    gs_mps, trk_r = smp.gs[order] * KT, smp.trk[order] * DEG
    vr_mps = smp.vr[order] * (FT / MIN)
    _fill_velocity(start, t_s, lat_r, lon_r, alt_m, gs_mps, trk_r, vr_mps)
    return Recording(
        icao24=icao[start[:-1]],
        callsign=_flight_callsigns(smp.calls, order, start, icao),
        start=start,
        flight=flight,
        t=t_s - t_s.min() + float(time_offset_s),
        lat=lat_r,
        lon=lon_r,
        alt=alt_m,
        ground_speed=gs_mps,
        track=trk_r,
        vertical_rate=vr_mps,
    )


@dataclass(frozen=True)
class _Samples:
    """A recording's raw columns as arrays in the file's units (NaN or -1 where unreadable):
    time ms, ICAO address, callsign, lat/lon deg, altitude ft, ground speed kt, track deg,
    vertical rate ft/min."""

    ms: F64
    icao: I64
    calls: list[str]
    lat: F64
    lon: F64
    alt: F64
    gs: F64
    trk: F64
    vr: F64


def _parse_samples(columns: Mapping[str, Sequence[Any]]) -> _Samples:
    """The columns of a recording parsed to arrays (numbers, ISO times, hex addresses)."""
    try:
        ms = np.array(columns["timestamp"], dtype=float)
    except (TypeError, ValueError):
        ms = np.array([_millis(v) for v in columns["timestamp"]], dtype=float)
    n = len(ms)

    def num(c: str) -> F64:
        col = columns.get(c) or [None] * n
        try:  # fast path: numbers and nulls (None becomes NaN)
            return np.array(col, dtype=float)
        except (TypeError, ValueError):
            return np.array([_number(v) for v in col], dtype=float)

    calls = [str(v).strip() if v is not None else "" for v in columns.get("callsign") or [""] * n]
    codes: dict[Any, int] = {}  # parse each distinct address once
    for v in set(columns["icao24"]):
        x = str(v).strip().lower() if v is not None else ""
        codes[v] = int(x, 16) if _is_hex(x) else -1
    icao = np.array([codes[v] for v in columns["icao24"]], dtype=np.int64)
    return _Samples(ms, icao, calls, num("latitude"), num("longitude"), num("altitude"),
                    num("groundspeed"), num("track"), num("vertical_rate"))


def _split_flights(
    ms: F64, icao: I64, rows: I64, max_gap_s: float, max_flights: int | None, source: str
) -> tuple[I64, F64, I64, I64]:
    """The usable ``rows`` ordered by aircraft and time and cut into flights: ``(order, t_s,
    flight, start)`` (sample indices, times s, flight of each, each flight's first position in
    ``order`` with the end appended). A repeated timestamp of one aircraft is dropped (the first
    kept); a new flight starts at every change of aircraft or gap longer than ``max_gap_s``;
    single-sample flights are dropped (they cannot be replayed); ``max_flights`` keeps the first
    flights by start time."""
    order = rows[np.lexsort((ms[rows], icao[rows]))]
    ms, icao = ms[order], icao[order]
    dup = np.r_[False, (np.diff(ms) == 0) & (np.diff(icao) == 0)]
    order, ms, icao = order[~dup], ms[~dup], icao[~dup]
    t_s = ms / 1000.0
    new = np.r_[True, (np.diff(icao) != 0) | (np.diff(t_s) > max_gap_s)]
    flight = np.cumsum(new) - 1
    start = np.r_[np.flatnonzero(new), len(order)].astype(np.int64)
    size = np.diff(start)
    keep_f = size >= 2
    if max_flights is not None:
        first_t = t_s[start[:-1]]
        ranked = np.flatnonzero(keep_f)[np.argsort(first_t[keep_f], kind="stable")]
        keep_f = np.zeros_like(keep_f)
        keep_f[ranked[:max_flights]] = True
    keep = keep_f[flight]
    if not keep.any():
        raise InputError(f"{source}: no aircraft with two samples or more to replay")
    order, t_s, flight = order[keep], t_s[keep], flight[keep]
    kept_flights = np.flatnonzero(keep_f)
    flight = np.searchsorted(kept_flights, flight).astype(np.int64)
    start = np.r_[np.flatnonzero(np.r_[True, np.diff(flight) != 0]), len(order)].astype(np.int64)
    return order, t_s, flight, start


def _flight_callsigns(calls: list[str], order: I64, start: I64, icao: I64) -> tuple[str, ...]:
    """Each flight's first non-empty callsign, else its address in hex (``icao`` per sample in
    ``order``)."""
    call_of = [calls[order[start[f]]] for f in range(len(start) - 1)]
    for f in range(len(start) - 1):
        if not call_of[f]:
            named = [calls[i] for i in order[start[f] : start[f + 1]] if calls[i]]
            call_of[f] = named[0] if named else f"{icao[start[f]]:06x}"
    return tuple(call_of)


def _is_hex(x: str) -> bool:
    if not 1 <= len(x) <= 6:
        return False
    try:
        int(x, 16)
    except ValueError:
        return False
    return True


def _fill_velocity(
    start: I64, t: F64, lat: F64, lon: F64, alt: F64, gs: F64, trk: F64, vr: F64
) -> None:
    """Fill missing ground speed, track and vertical rate from neighbouring positions (in place)
    with a flat-Earth difference to the next sample of the same flight (the previous one for a
    flight's last sample)."""
    bad = ~(np.isfinite(gs) & np.isfinite(trk) & np.isfinite(vr))
    if not bad.any():
        return
    nxt = np.arange(len(t)) + 1
    last = np.zeros(len(t), dtype=bool)
    last[start[1:] - 1] = True
    nxt[last] -= 2
    a, b = np.where(last, nxt, np.arange(len(t))), np.where(last, np.arange(len(t)), nxt)
    dt = np.maximum(t[b] - t[a], 1e-3)
    r = 6371008.8
    de = (lon[b] - lon[a]) * np.cos(0.5 * (lat[a] + lat[b])) * r
    dn = (lat[b] - lat[a]) * r
    gs[:] = np.where(np.isfinite(gs), gs, np.hypot(de, dn) / dt)
    trk[:] = np.where(np.isfinite(trk), trk, np.arctan2(de, dn))
    vr[:] = np.where(np.isfinite(vr), vr, (alt[b] - alt[a]) / dt)


def read_recording(
    path: str | Path,
    time_offset_s: float = 0.0,
    *,
    callsigns: Sequence[str] | None = None,
    max_flights: int | None = None,
    max_gap_s: float = 120.0,
) -> Recording:
    """Read a recorded-trajectory JSON file (``.json`` or ``.json.gz``); see the module docstring.

    Raises:
        InputError: the file is missing, unreadable, not JSON, or has no usable sample.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        data = json.loads(raw)
    except FileNotFoundError:
        raise InputError(f"{p}: no such recording; check civil.recording.path") from None
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(
            f"{p}: cannot read the recording ({e.__class__.__name__}: {e}); give a JSON or "
            "gzip-compressed JSON file of ADS-B samples"
        ) from None
    return recording_from_rows(
        _columns(data, str(p)),
        time_offset_s,
        callsigns=callsigns,
        max_flights=max_flights,
        max_gap_s=max_gap_s,
        source=str(p),
    )


class RecordedFlights:
    """Replay of a :class:`Recording`: positions and velocities of every flight at any time."""

    def __init__(self, rec: Recording) -> None:
        self.rec = rec
        nf = len(rec)
        self.t0 = rec.t[rec.start[:-1]]
        self.t1 = rec.t[rec.start[1:] - 1]
        self._span = float(rec.t.max() - rec.t.min()) + 10.0
        self._tmin = float(rec.t.min())
        self._key = rec.flight * self._span + (rec.t - self._tmin)
        self._lo = rec.start[:-1]
        self._hi = rec.start[1:] - 2  # last index that starts an interpolation interval
        self.n = nf

    def _at(self, times: F64) -> tuple[F64, F64, F64, F64, F64, F64, NDArray[np.bool_]]:
        """Interpolated lat, lon, alt, east, north, up velocity and activity, ``(n, k)``."""
        f = np.arange(self.n)[:, None]
        q = f * self._span + (np.clip(times, self._tmin, None) - self._tmin)
        i = np.searchsorted(self._key, q, side="right") - 1
        i = np.clip(i, self._lo[:, None], self._hi[:, None])
        r = self.rec
        ta, tb = r.t[i], r.t[i + 1]
        s = np.clip((times - ta) / np.maximum(tb - ta, 1e-9), 0.0, 1.0)

        def lerp(x: F64) -> F64:
            return x[i] + s * (x[i + 1] - x[i])

        gs, vr = lerp(r.ground_speed), lerp(r.vertical_rate)
        # Interpolate the track along the shorter turn.
        dtrk = np.angle(np.exp(1j * (r.track[i + 1] - r.track[i])))
        trk = r.track[i] + s * dtrk
        active = (times >= self.t0[:, None]) & (times <= self.t1[:, None])
        return (
            lerp(r.lat),
            lerp(r.lon),
            lerp(r.alt),
            gs * np.sin(trk),
            gs * np.cos(trk),
            vr,
            active,
        )

    def state(self, t: float) -> tuple[F64, F64, NDArray[np.bool_]]:
        """``(ecef (n,3), vel (n,3), active (n,))`` at time ``t`` (s); ECEF m and m/s. Inactive
        flights are NaN."""
        lat, lon, alt, ve, vn, vu, active = self._at(np.full((self.n, 1), float(t)))
        pos = ecef_from_geodetic(lat[:, 0], lon[:, 0], alt[:, 0]).reshape(-1, 3)
        vel = _ecef_velocity(lat[:, 0], lon[:, 0], ve[:, 0], vn[:, 0], vu[:, 0])
        a = active[:, 0]
        pos[~a] = np.nan
        vel[~a] = np.nan
        return pos, vel, a

    def grid(self, dt: float, ticks: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Positions ``(ticks, n, 3)`` ECEF m and heights ``(ticks, n)`` m at ``k * dt``; NaN
        where a flight is not active (float32, as :meth:`inkless.simulation.Raid.grid`)."""
        times = np.broadcast_to(dt * np.arange(ticks, dtype=float), (self.n, ticks))
        lat, lon, alt, _, _, _, active = self._at(times)
        pos = ecef_from_geodetic(lat, lon, alt)
        pos[~active] = np.nan
        alt = np.where(active, alt, np.nan)
        return (
            np.swapaxes(pos, 0, 1).astype(np.float32),
            alt.T.astype(np.float32),
        )


    def velocity_grid(self, dt: float, ticks: int) -> NDArray[np.float32]:
        """ECEF velocities ``(ticks, n, 3)`` m/s at ``k * dt``; NaN where a flight is not
        active (float32)."""
        times = np.broadcast_to(dt * np.arange(ticks, dtype=float), (self.n, ticks))
        lat, lon, _, ve, vn, vu, active = self._at(times)
        vel = _ecef_velocity(lat, lon, ve, vn, vu)
        vel[~active] = np.nan
        return np.swapaxes(vel, 0, 1).astype(np.float32)


def _ecef_velocity(lat: F64, lon: F64, ve: F64, vn: F64, vu: F64) -> F64:
    """ECEF velocity of local east/north/up components at geodetic ``lat``, ``lon`` (rad)."""
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    out: F64 = ve[..., None] * east + vn[..., None] * north + vu[..., None] * up
    return out
