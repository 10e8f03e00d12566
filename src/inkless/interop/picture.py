"""The coalition picture a run wrote, as a table: ``tracks.csv`` out and in, CAT062 and CoT from it.

Where it sits: after the run (``inkless run`` writes ``tracks.csv`` and, with ``--asterix-out``,
``picture.ast``); ``inkless cot send`` reads ``tracks.csv`` back and replays it.

``tracks.csv`` holds the coalition picture at every decision cycle (``settings.scan_period_s``):
one row per track per cycle, from the run's record (``PictureRecord.scans``, one row per row of
the coalition identity history): WGS-84 position, the velocity turned into the track's local
ENU frame, the upper triangle of its ENU position covariance, the coalition's (member 0's)
identity, the class (the declared threat class of a hostile track, ``civil`` for a neutral one)
and the members that held the track then. docs/interop.md lists the columns and the size.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from inkless.errors import InputError
from inkless.identification.categories import CATEGORY_NAMES, NEUTRAL
from inkless.physics.geodesy import enu_rotation, geodetic_from_ecef
from inkless.scenario.model import THREAT_CLASSES

from .asterix import encode_cat062
from .cot import CotEvent, ce_le, cot_type

if TYPE_CHECKING:
    from inkless.afteraction.views import Audience
    from inkless.engine import Record
    from inkless.scenario.model import Scenario
    from inkless.sensing.radar import EnuFrame

__all__ = ["COLUMNS", "PictureTable", "asset_events", "cat062_blocks", "cot_events",
           "picture_rows", "picture_table", "read_tracks_csv", "run_events", "write_run_picture",
           "write_tracks_csv"]

F64 = NDArray[np.float64]
_CsvWriter = Any  # csv.writer's object (its type is private to typeshed)
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


def picture_table(record: Record, rows: slice = slice(None)) -> PictureTable | None:
    """The per-scan coalition picture of a tracked run (``None`` for the perfect picture), or
    its ``rows`` only.

    Rows are those of ``record.identity.coalition`` (one per decision time and track, member
    0) with the states of ``record.tracked.scans`` (:func:`picture_rows`).
    """
    tr, h = record.tracked, record.identity.coalition
    if tr is None or tr.scans is None or h is None:
        return None
    sc = tr.scans
    cov = sc.cov[rows]
    n = len(cov)
    p = np.zeros((n, 3, 3))
    p[:, _IU[0], _IU[1]] = cov
    p[:, _IU[1], _IU[0]] = cov
    held = (record.identity.held[rows] if record.identity.held is not None
            else np.zeros(n, np.uint64))
    return picture_rows(record.scenario.settings.epoch, h.t[rows].copy(),
                        h.track_id[rows].copy(), sc.x[rows], p, tr.frame, h.category[rows],
                        sc.threat_class[rows], held, [mb.id for mb in record.scenario.members])


def picture_rows(epoch: datetime, t_s: F64, track_id: NDArray[np.int64],
                 x: NDArray[np.floating], p_pos: F64, frame: EnuFrame,
                 category: NDArray[np.integer], threat_class: NDArray[np.integer],
                 held: NDArray[np.uint64], members: Sequence[str]) -> PictureTable:
    """Picture rows of tracks with states ``x (n, 6)`` (m, m/s) and position covariances
    ``p_pos (n, 3, 3)`` (m^2) in the common ENU ``frame``, at ``t_s`` s after ``epoch``.
    Position: the state to ECEF to geodetic; velocity and position covariance rotated from the
    common frame to the track's local ENU (``M = R_local R_frame^T``, ``P_local = M P M^T``);
    ``category`` the identity, ``threat_class`` the declared class of each row; ``held`` the
    release bits (bit ``b``: ``members[b]`` holds the track) as ``releasable_to``."""
    n = len(t_s)
    x = x.astype(np.float64)
    lat, lon, hae = geodetic_from_ecef(frame.to_ecef(x[:, :3]))
    m = enu_rotation(lat, lon) @ frame.rot.T
    v = np.einsum("nij,nj->ni", m, x[:, 3:])
    cov = m @ p_pos @ np.swapaxes(m, 1, 2)
    sets, which = np.unique(held, return_inverse=True)
    names = [";".join(mb for b, mb in enumerate(members) if s >> b & 1) for s in sets.tolist()]
    ident = category.astype(np.int8)
    cls = tuple("civil" if i == NEUTRAL else THREAT_CLASSES[c] if c >= 0 else ""
                for i, c in zip(ident.tolist(), threat_class.tolist(), strict=True))
    return PictureTable(epoch, t_s, track_id, lat, lon, hae, v,
                        0.5 * (cov + np.swapaxes(cov, 1, 2)), ident, cls,
                        ("coalition fused",) * n, tuple(names[k] for k in which.tolist()))


def _col(a: NDArray[np.floating] | NDArray[np.integer], fmt: str) -> NDArray[np.str_]:
    """A numeric column as text, ``fmt`` per value (printf style), empty where not finite."""
    a = np.asarray(a)
    out: NDArray[np.str_] = np.where(np.isfinite(a), np.char.mod(fmt, a), "")
    return out


def write_tracks_csv(path: Path, tab: PictureTable, chunk: int = 20_000) -> None:
    """Write ``tab`` as ``tracks.csv`` (header :data:`COLUMNS`; empty cell: unknown). Columns
    are formatted whole (numpy), not row by row, ``chunk`` rows at a time: an April picture is
    321 000 rows, whose cells as Python strings at once took 0.9 GB more at the peak."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for a in range(0, len(tab), chunk):
            _write_rows(w, tab, slice(a, a + chunk))


def _write_rows(w: _CsvWriter, tab: PictureTable, r: slice) -> None:
    """Rows ``r`` of ``tab`` as ``tracks.csv`` rows, to the CSV writer ``w``."""
    times, at = np.unique(tab.t_s[r], return_inverse=True)
    utc = np.array([(tab.epoch + timedelta(seconds=float(t))).isoformat().replace("+00:00", "Z")
                    for t in times.tolist()] or [""])[at]
    cov = tab.cov_enu[r][:, _IU[0], _IU[1]]
    cols: list[NDArray[np.str_] | tuple[str, ...]] = [
        _col(tab.t_s[r], "%.3f"), utc, _col(tab.track_id[r], "%d"),
        _col(np.degrees(tab.lat[r]), "%.7f"), _col(np.degrees(tab.lon[r]), "%.7f"),
        _col(tab.hae[r], "%.1f"), *(_col(tab.v_enu[r, k], "%.2f") for k in range(3)),
        *(_col(cov[:, k], "%.4g") for k in range(6)),
        np.array(CATEGORY_NAMES)[tab.identity[r].astype(np.int64)], tab.cls[r],
        tab.provenance[r], tab.releasable_to[r]]
    w.writerows(zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in cols),
                    strict=True))


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
    """The picture as CAT062: one data block per scan; returns the bytes and the number of
    track reports left out (outside CAT062's ranges, or without a velocity), not logged one
    block at a time: the caller says the count in one line."""
    out, left = [], 0
    midnight = tab.epoch.replace(hour=0, minute=0, second=0, microsecond=0)
    base = (tab.epoch - midnight).total_seconds()
    order = np.argsort(tab.t_s, kind="stable")
    times, first = np.unique(tab.t_s[order], return_index=True)
    for t, m in zip(times.tolist(), np.split(order, first[1:]), strict=True):
        enc = encode_cat062(PICTURE_SAC, PICTURE_SIC, base + t, tab.track_id[m],
                            tab.lat[m], tab.lon[m], tab.hae[m], tab.v_enu[m], where=None)
        out.append(enc.block)
        left += enc.dropped
    return b"".join(out), left


def cot_events(tab: PictureTable, shift: timedelta, member: str | None = None,
               stale_periods: float = 3.0, period_s: float | None = None,
               ) -> list[tuple[float, CotEvent]]:
    """CoT events of the picture, ``(t_s, event)`` in time order, times moved by ``shift``.

    ``stale`` is ``stale_periods`` update periods after the report (the period: the median
    gap between the table's sample times); after a track's last report one
    more event at the next expected update is sent already stale (its end). ``member``: only
    the rows releasable to that member. ``period_s``: the update period (s) when the table
    cannot tell it (one sample time: the live service's cycle).
    """
    if member is None:
        rows = np.arange(len(tab))
    else:
        to = {r: member in r.split(";") for r in set(tab.releasable_to)}
        rows = np.flatnonzero(np.fromiter((to[r] for r in tab.releasable_to), bool, len(tab)))
    gaps = np.diff(np.unique(tab.t_s))
    period = period_s if period_s is not None else float(np.median(gaps)) if len(gaps) else 20.0
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
    """``inkless run``'s picture outputs: ``out_dir/tracks.csv`` and ``scenario.json`` (the
    scenario as run, for ``cot send``; tracked picture only) and,
    with ``asterix_out``, ``asterix_out/picture.ast`` (CAT062) and each radar's plots
    (CAT048, :func:`inkless.interop.radar.write_run_plots`). Returns notes for the terminal.
    Raises ``OSError`` on a write failure (the caller names the path)."""
    notes: list[str] = []
    if picture_table(record, slice(0)) is None:
        if asterix_out is not None:
            notes.append("--asterix-out: the perfect picture has no tracks or plots; nothing "
                         "written (use --picture tracked)")
        return notes
    n = _write_record_tracks(out_dir / "tracks.csv", record)
    # the scenario as run: `cot send` takes the assets and, for --member, the rules from it
    (out_dir / "scenario.json").write_text(record.scenario.model_dump_json(), encoding="utf-8")
    notes.append(f"wrote {out_dir / 'tracks.csv'} ({n} track reports: every track at "
                 "every decision cycle)")
    if asterix_out is not None:
        tab = picture_table(record)
        assert tab is not None  # a tracked run's, as above
        from inkless.simulation import SensorPlatforms

        from .radar import write_run_plots

        asterix_out.mkdir(parents=True, exist_ok=True)
        data, left = cat062_blocks(tab)
        (asterix_out / "picture.ast").write_bytes(data)
        notes.append(f"wrote {asterix_out / 'picture.ast'} (CAT062; {left} track reports left "
                     "out: outside its ranges)")
        sc = record.tracked.scans if record.tracked is not None else None
        ticks = int(np.rint(sc.plot_t.max() / record.scenario.settings.scan_period_s)) + 1 if (
            sc is not None and len(sc.plot_t)) else 1
        pos = SensorPlatforms(record.tables.sensors).grid(
            record.scenario.settings.scan_period_s, ticks)[0]
        kept, dropped = write_run_plots(record, pos, asterix_out)
        notes.append(f"wrote {asterix_out}/radar-*.ast (CAT048, one file per radar: {kept} "
                     f"plots; {dropped} left out: slant range >= 256 NM or height beyond "
                     "62.4 km)")
    return notes


def _write_record_tracks(path: Path, record: Record, chunk: int = 20_000) -> int:
    """A tracked run's ``tracks.csv`` (:func:`write_tracks_csv`), its picture table built and
    written ``chunk`` rows at a time (April's whole table and its transients took ~150 MB more
    at the peak of ``inkless run``); the number of rows."""
    h = record.identity.coalition
    n = 0 if h is None else len(h)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for a in range(0, n, chunk):
            tab = picture_table(record, slice(a, a + chunk))
            assert tab is not None  # a tracked run's (the caller checked)
            _write_rows(w, tab, slice(None))
    return n


#: CoT types of the run's other objects (docs/interop.md): a friendly air-defence missile unit
#: on the ground (MIL-STD-2525B S*GPUCDM--), a friendly military fixed-wing aircraft (a combat
#: air patrol: a unit that fired from above 500 m), a friendly ground installation (a defended
#: asset, S*GPI-----) and a spot-map marker for intercept and impact points.
UNIT_GROUND, UNIT_AIR, ASSET, MARKER = "a-f-G-U-C-D-M", "a-f-A-M-F", "a-f-G-I", "b-m-p-s-m"
MARKER_STALE_S = 600.0


def asset_events(scenario: Scenario, epoch: datetime, shift: timedelta, t0_s: float,
                 end_s: float) -> list[tuple[float, CotEvent]]:
    """One event per defended asset at its position, sent at ``t0_s`` (s after the epoch) and
    stale a minute after ``end_s`` (public in every view: the defended state reports them)."""
    t = epoch + shift + timedelta(seconds=t0_s)
    stale = epoch + shift + timedelta(seconds=end_s + 60.0)
    return [(t0_s, CotEvent(f"inkless.asset.{k}", ASSET, t, stale, a.position.lat_deg,
                            a.position.lon_deg, a.position.alt_m, how="h-e", callsign=a.name))
            for k, a in enumerate(scenario.assets)]


def run_events(path: Path, epoch: datetime, shift: timedelta, aud: Audience | None = None,
               units: dict[str, str] | None = None) -> list[tuple[float, CotEvent]]:
    """CoT events of ``events.csv``: each fire unit where it first fired (it stays until the
    run's end), and every intercept and impact point as a marker (stale after 10 min).

    ``aud``: only what that member may see, as ``inkless run --view`` shows it: a unit's site
    if its member releases ``sensor_positions`` to the viewer, an intercept point if it
    releases ``engagements``, every impact; ``units`` the units' labels (pseudonymous for a
    hidden member, as ``inkless.afteraction.views.site_labels`` makes them) in uids and
    callsigns."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror}); run `inkless run` first") from None
    out: list[tuple[float, CotEvent]] = []
    seen: set[str] = set()
    need = {"fire": "sensor_positions", "intercept": "engagements"}
    try:
        end = max((float(r["time_s"]) for r in rows), default=0.0)
        for k, r in enumerate(rows):
            t_s, kind, member = float(r["time_s"]), r["event"], r["member"]
            if kind not in ("fire", "intercept", "impact") or not r["lat"] or (
                    aud is not None and kind in need and not aud.sees(member, need[kind])):
                continue
            t = epoch + shift + timedelta(seconds=t_s)
            lat, lon, alt = float(r["lat"]), float(r["lon"]), float(r["alt_m"])
            if kind == "fire":
                if r["unit_id"] in seen:
                    continue
                seen.add(r["unit_id"])
                unit = (units or {}).get(r["unit_id"], r["unit_id"])
                who = aud.label(member) if aud is not None else member
                out.append((t_s, CotEvent(
                    f"inkless.unit.{unit}", UNIT_AIR if alt > 500.0 else UNIT_GROUND, t,
                    t + timedelta(seconds=end - t_s + 60.0), lat, lon, alt, how="h-e",
                    callsign=f"{unit} ({who})")))
            else:
                out.append((t_s, CotEvent(
                    f"inkless.{kind}.{k}", MARKER, t, t + timedelta(seconds=MARKER_STALE_S),
                    lat, lon, alt, how="m-f", callsign=f"{kind} {r['threat_id']}")))
    except (KeyError, ValueError) as e:
        raise InputError(f"{path}: {e}; the file is not an events.csv of `inkless run`") from None
    return out
