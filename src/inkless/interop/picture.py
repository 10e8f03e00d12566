"""The coalition picture a run wrote, as a table: ``tracks.csv`` out and in, CAT062 and CoT from it.

Where it sits: after the run (``inkless run`` writes ``tracks.csv`` and, with ``--asterix-out``,
``picture.ast``); ``inkless cot send`` reads ``tracks.csv`` back and replays it.

What the run keeps of its picture (``Record.tracked``) is the coalition picture's tracks every
20 s (``pipeline._SAMPLE_S``): time, track id and ECEF position. So ``tracks.csv`` holds that
sampled picture, not every scan: the velocity is the finite difference between a track's
consecutive samples (m/s, ENU at the later sample; empty for a track's only sample), the
covariance columns are empty (the run does not keep it), identity is the coalition's (member
0's) latest decision at or before the sample, class is ``civil`` for a neutral track and empty
otherwise (the run keeps no class per track), and ``releasable_to`` lists the members that
held the track then. docs/interop.md lists the columns.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from inkless.errors import InputError
from inkless.identification.categories import CATEGORY_NAMES, NEUTRAL
from inkless.physics.geodesy import enu_rotation, geodetic_from_ecef

from .asterix import encode_cat062
from .cot import CotEvent, ce_le, cot_type

if TYPE_CHECKING:
    from inkless.engine import Record

__all__ = ["COLUMNS", "PictureTable", "cat062_blocks", "cot_events", "picture_table",
           "read_tracks_csv", "run_events", "write_run_picture", "write_tracks_csv"]

F64 = NDArray[np.float64]
COV = ("cov_ee", "cov_en", "cov_eu", "cov_nn", "cov_nu", "cov_uu")
COLUMNS = ("time_s", "time_utc", "track_id", "lat_deg", "lon_deg", "hae_m", "ve_mps", "vn_mps",
           "vu_mps", *COV, "identity", "class", "provenance", "releasable_to")
_IU = np.triu_indices(3)
#: SAC/SIC of the coalition picture as a CAT062 system (docs/interop.md, "SAC/SIC").
PICTURE_SAC, PICTURE_SIC = 0, 255


@dataclass(frozen=True, slots=True)
class PictureTable:
    """One row per (sample time, track): struct of arrays. ``t_s`` s after ``epoch``; geodetic
    radians and m above WGS-84; ``v_enu (n, 3)`` m/s and ``cov_enu (n, 3, 3)`` m^2 (NaN:
    unknown); ``identity`` category index; ``releasable_to`` member ids joined by ``;``."""

    epoch: datetime
    t_s: F64
    track_id: NDArray[np.int64]
    lat: F64
    lon: F64
    hae: F64
    v_enu: F64
    cov_enu: F64
    identity: NDArray[np.int8]
    cls: tuple[str, ...]
    provenance: tuple[str, ...]
    releasable_to: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


def picture_table(record: Record) -> PictureTable | None:
    """The sampled coalition picture of a tracked run (``None`` for the perfect picture)."""
    tr, idr = record.tracked, record.identity
    if tr is None:
        return None
    order = np.lexsort((tr.samples_t, tr.samples_id))
    t, tid, ecef = tr.samples_t[order], tr.samples_id[order], tr.samples_ecef[order]
    n = len(t)
    lat, lon, hae = geodetic_from_ecef(ecef)
    v = np.full((n, 3), np.nan)
    same = (tid[1:] == tid[:-1]) & (t[1:] > t[:-1])
    k = np.flatnonzero(same) + 1
    if len(k):
        d = (ecef[k] - ecef[k - 1]) / (t[k] - t[k - 1])[:, None]
        v[k] = np.einsum("nij,nj->ni", enu_rotation(lat[k], lon[k]), d)
    ident = np.full(n, 0, np.int8)
    held = np.zeros(n, np.uint64)
    h = idr.coalition
    if h is not None and len(h):
        rows = np.flatnonzero(h.member == 0)
        j = _latest_at(h.track_id[rows], h.t[rows], tid, t)
        ok = j >= 0
        ident[ok] = h.category[rows[j[ok]]]
        if idr.held is not None:
            held[ok] = idr.held[rows[j[ok]]]
    members = [m.id for m in record.scenario.members]
    sets, which = np.unique(held, return_inverse=True)
    names = [";".join(m for b, m in enumerate(members) if x >> b & 1) for x in sets.tolist()]
    rel = tuple(names[k] for k in which.tolist())
    return PictureTable(
        record.scenario.settings.epoch, t, tid, lat, lon, hae, v, np.full((n, 3, 3), np.nan),
        ident, tuple("civil" if i == NEUTRAL else "" for i in ident.tolist()),
        ("coalition fused",) * n, rel)


def _latest_at(key: NDArray[np.int64], t: F64, at_key: NDArray[np.int64], at_t: F64,
              ) -> NDArray[np.int64]:
    """For each query ``(at_key[i], at_t[i])`` the row of ``(key, t)`` with the same key and the
    latest ``t <= at_t[i]`` (of equal times, the last in row order); -1 where there is none.

    One stable sort of rows and queries together (by key, then time, rows before queries at
    a tie) and a running maximum of the row positions: O((m + n) log(m + n)), no loop.
    """
    m = len(key)
    k = np.concatenate([key, at_key])
    is_q = np.r_[np.zeros(m, bool), np.ones(len(at_key), bool)]
    order = np.lexsort((is_q, np.concatenate([t, at_t]), k))
    q = np.flatnonzero(is_q[order])
    if not len(q):
        return np.zeros(0, np.int64)
    last = np.maximum.accumulate(np.where(is_q[order], -1, np.arange(len(order))))[q]
    row = order[np.maximum(last, 0)]
    found = (last >= 0) & (k[row] == k[order[q]])
    out = np.full(len(at_key), -1, np.int64)
    out[order[q] - m] = np.where(found, row, -1)
    return out


def _num(x: float, fmt: str) -> str:
    return "" if not math.isfinite(x) else format(x, fmt)


def write_tracks_csv(path: Path, tab: PictureTable) -> None:
    """Write ``tab`` as ``tracks.csv`` (header :data:`COLUMNS`; empty cell: unknown)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i in range(len(tab)):
            utc = tab.epoch + timedelta(seconds=float(tab.t_s[i]))
            w.writerow([
                f"{tab.t_s[i]:.3f}", utc.isoformat().replace("+00:00", "Z"), int(tab.track_id[i]),
                f"{math.degrees(tab.lat[i]):.7f}", f"{math.degrees(tab.lon[i]):.7f}",
                f"{tab.hae[i]:.1f}", *(_num(x, ".2f") for x in tab.v_enu[i]),
                *(_num(x, ".1f") for x in tab.cov_enu[i][_IU]),
                CATEGORY_NAMES[int(tab.identity[i])], tab.cls[i], tab.provenance[i],
                tab.releasable_to[i]])


def read_tracks_csv(path: Path) -> PictureTable:
    """Read a ``tracks.csv`` written by :func:`write_tracks_csv`; bad rows are one-line errors."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror}); run `inkless run` first") from None
    if not rows or tuple(rows[0]) != COLUMNS:
        raise InputError(f"{path}: line 1: header is not {','.join(COLUMNS)}; "
                         "give the tracks.csv that `inkless run` wrote")
    body = rows[1:]
    try:
        num = np.array([[float(c) if c else np.nan for c in (r[0], *r[2:15])] for r in body],
                       dtype=np.float64).reshape(-1, 14)
        ident = [CATEGORY_NAMES.index(r[15]) for r in body]
        epoch = (datetime.fromisoformat(body[0][1].replace("Z", "+00:00"))
                 - timedelta(seconds=float(body[0][0]))) if body else datetime.now().astimezone()
    except (ValueError, IndexError) as e:
        bad = next((k for k, r in enumerate(body) if len(r) != len(COLUMNS)), 0)
        raise InputError(f"{path}: line {bad + 2}: {e}; the file is not a tracks.csv of "
                         "`inkless run`") from None
    cov = np.full((len(body), 3, 3), np.nan)
    cov[:, _IU[0], _IU[1]] = num[:, 8:14]
    cov[:, _IU[1], _IU[0]] = num[:, 8:14]
    return PictureTable(epoch, num[:, 0], num[:, 1].astype(np.int64), np.radians(num[:, 2]),
                        np.radians(num[:, 3]), num[:, 4], num[:, 5:8], cov,
                        np.array(ident, np.int8), tuple(r[16] for r in body),
                        tuple(r[17] for r in body), tuple(r[18] for r in body))


def cat062_blocks(tab: PictureTable) -> tuple[bytes, int]:
    """The picture as CAT062: one data block per sample time; returns the bytes and the number
    of track reports left out (outside CAT062's ranges, logged, or without a velocity)."""
    out, left = [], 0
    midnight = tab.epoch.replace(hour=0, minute=0, second=0, microsecond=0)
    base = (tab.epoch - midnight).total_seconds()
    for t in np.unique(tab.t_s):
        m = tab.t_s == t
        enc = encode_cat062(PICTURE_SAC, PICTURE_SIC, base + float(t), tab.track_id[m],
                            tab.lat[m], tab.lon[m], tab.hae[m], tab.v_enu[m],
                            where=f"picture t={t:g}s")
        out.append(enc.block)
        left += enc.dropped
    return b"".join(out), left


def cot_events(tab: PictureTable, shift: timedelta, member: str | None = None,
               stale_periods: float = 3.0) -> list[tuple[float, CotEvent]]:
    """CoT events of the picture, ``(t_s, event)`` in time order, times moved by ``shift``.

    ``stale`` is ``stale_periods`` update periods after the report (the period: the median
    gap between the table's sample times); after a track's last report one
    more event at the next expected update is sent already stale (its end). ``member``: only
    the rows releasable to that member.
    """
    if member is None:
        rows = np.arange(len(tab))
    else:
        to = {r: member in r.split(";") for r in set(tab.releasable_to)}
        rows = np.flatnonzero(np.fromiter((to[r] for r in tab.releasable_to), bool, len(tab)))
    gaps = np.diff(np.unique(tab.t_s))
    period = float(np.median(gaps)) if len(gaps) else 20.0
    t_s, tid = tab.t_s[rows], tab.track_id[rows]
    last = np.zeros(len(rows), bool)  # each track's last kept report
    if len(rows):
        by_track = np.lexsort((t_s, tid))
        last[by_track[np.r_[tid[by_track][1:] != tid[by_track][:-1], True]]] = True
    v = tab.v_enu[rows]
    ve, vn = v[:, 0].tolist(), v[:, 1].tolist()
    has_v = (np.isfinite(v[:, 0]) & np.isfinite(v[:, 1])).tolist()
    ce, le = (x.tolist() for x in ce_le(tab.cov_enu[rows]))
    lat, lon = np.degrees(tab.lat[rows]).tolist(), np.degrees(tab.lon[rows]).tolist()
    hae = tab.hae[rows].tolist()
    start = tab.epoch + shift
    stale, end = timedelta(seconds=stale_periods * period), timedelta(seconds=period)
    out: list[tuple[float, CotEvent]] = []
    ident, ids, ends = tab.identity[rows].tolist(), tid.tolist(), last.tolist()
    for k, (ts, i) in enumerate(zip(t_s.tolist(), rows.tolist(), strict=True)):
        t = start + timedelta(seconds=ts)
        ev = CotEvent(f"inkless.track.{ids[k]}", cot_type(ident[k], tab.cls[i]), t, t + stale,
                      lat[k], lon[k], hae[k], ce[k], le[k],
                      course_deg=math.degrees(math.atan2(ve[k], vn[k])) % 360.0
                      if has_v[k] else None,
                      speed_mps=math.hypot(ve[k], vn[k]) if has_v[k] else None)
        out.append((ts, ev))
        if ends[k]:  # the track ends: one more report, already stale
            out.append((ts + period, CotEvent(ev.uid, ev.type, t + end, t + end, lat[k], lon[k],
                                              hae[k], ce[k], le[k])))
    out.sort(key=lambda p: p[0])
    return out


def write_run_picture(out_dir: Path, record: Record, asterix_out: Path | None) -> list[str]:
    """``inkless run``'s picture outputs: ``out_dir/tracks.csv`` (tracked picture only) and,
    with ``asterix_out``, ``asterix_out/picture.ast`` (CAT062). Returns notes for the terminal.
    Raises ``OSError`` on a write failure (the caller names the path)."""
    tab = picture_table(record)
    notes: list[str] = []
    if tab is None:
        if asterix_out is not None:
            notes.append("--asterix-out: the perfect picture has no tracks; nothing written "
                         "(use --picture tracked)")
        return notes
    write_tracks_csv(out_dir / "tracks.csv", tab)
    notes.append(f"wrote {out_dir / 'tracks.csv'} ({len(tab)} track reports, sampled every "
                 "20 s)")
    if asterix_out is not None:
        asterix_out.mkdir(parents=True, exist_ok=True)
        data, left = cat062_blocks(tab)
        (asterix_out / "picture.ast").write_bytes(data)
        notes.append(f"wrote {asterix_out / 'picture.ast'} (CAT062; {left} track reports left "
                     "out: outside its ranges or without a velocity)")
    return notes


#: CoT types of the run's other objects (docs/interop.md): a friendly air-defence missile unit
#: on the ground (MIL-STD-2525B S*GPUCDM--), a friendly military fixed-wing aircraft (a combat
#: air patrol: a unit that fired from above 500 m), and a spot-map marker for intercept and
#: impact points.
UNIT_GROUND, UNIT_AIR, MARKER = "a-f-G-U-C-D-M", "a-f-A-M-F", "b-m-p-s-m"
MARKER_STALE_S = 600.0


def run_events(path: Path, epoch: datetime, shift: timedelta) -> list[tuple[float, CotEvent]]:
    """CoT events of ``events.csv``: each fire unit where it first fired (it stays until the
    run's end), and every intercept and impact point as a marker (stale after 10 min)."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror}); run `inkless run` first") from None
    out: list[tuple[float, CotEvent]] = []
    seen: set[str] = set()
    try:
        end = max((float(r["time_s"]) for r in rows), default=0.0)
        for k, r in enumerate(rows):
            t_s, kind = float(r["time_s"]), r["event"]
            if kind not in ("fire", "intercept", "impact") or not r["lat"]:
                continue
            t = epoch + shift + timedelta(seconds=t_s)
            lat, lon, alt = float(r["lat"]), float(r["lon"]), float(r["alt_m"])
            if kind == "fire":
                if r["unit_id"] in seen:
                    continue
                seen.add(r["unit_id"])
                out.append((t_s, CotEvent(
                    f"inkless.unit.{r['unit_id']}", UNIT_AIR if alt > 500.0 else UNIT_GROUND, t,
                    t + timedelta(seconds=end - t_s + 60.0), lat, lon, alt, how="h-e",
                    callsign=f"{r['unit_id']} ({r['member']})")))
            else:
                out.append((t_s, CotEvent(
                    f"inkless.{kind}.{k}", MARKER, t, t + timedelta(seconds=MARKER_STALE_S),
                    lat, lon, alt, how="m-f", callsign=f"{kind} {r['threat_id']}")))
    except (KeyError, ValueError) as e:
        raise InputError(f"{path}: {e}; the file is not an events.csv of `inkless run`") from None
    return out
