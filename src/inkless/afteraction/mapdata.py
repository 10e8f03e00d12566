"""Geometry of one run for the after-action map and timeline, in degrees (an output boundary).

Where it sits: after-action reporting. Whoever assembles a run's results (``results.py``) fills a
:class:`MapData` from the truth and engagement tables; :func:`inkless.afteraction.write_report`
draws it. Latitudes and longitudes are geodetic WGS 84 degrees, ranges in metres, times in
seconds since the scenario epoch.

Each collection is a list of small named tuples (so plain tuples in the documented field order
work too); arrays are converted to read-only ``float64`` on construction.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from inkless.afteraction.basemap import BBox
from inkless.errors import InputError

__all__ = [
    "Asset",
    "CivilPath",
    "FireUnit",
    "Impact",
    "InterceptorPath",
    "MapData",
    "Point",
    "Sensor",
    "ThreatPath",
    "TrackPath",
]

FloatArray = npt.NDArray[np.float64]


class ThreatPath(NamedTuple):
    """A threat's ground track: ``lat``/``lon`` (k,) degrees, launch first."""

    threat_id: str
    threat_class: str
    lat: FloatArray
    lon: FloatArray


class TrackPath(NamedTuple):
    """A track of the coalition's air picture: ``lat``/``lon`` (k,) degrees over its life; its
    identity (a threat class, ``civil`` or ``false``)."""

    track_id: str
    identity: str
    lat: FloatArray
    lon: FloatArray


class InterceptorPath(NamedTuple):
    """An interceptor's flight as a straight line: ``lat``/``lon`` (2,) launch, then intercept."""

    unit_id: str
    member: str
    lat: FloatArray
    lon: FloatArray


class CivilPath(NamedTuple):
    """A civil aircraft's ground track, ``lat``/``lon`` (k,) degrees."""

    callsign: str
    lat: FloatArray
    lon: FloatArray


class Asset(NamedTuple):
    """A defended asset: centre in degrees, radius in metres, value in the scenario's units."""

    name: str
    lat: float
    lon: float
    radius_m: float
    value: float


class Sensor(NamedTuple):
    """A sensor site and its instrumented range in metres."""

    id: str
    member: str
    lat: float
    lon: float
    range_m: float


class FireUnit(NamedTuple):
    """A fire unit and its maximum intercept range in metres."""

    id: str
    member: str
    lat: float
    lon: float
    max_range_m: float


class Point(NamedTuple):
    """An intercept point in degrees."""

    lat: float
    lon: float


class Impact(NamedTuple):
    """Where a threat came down; ``hit_asset`` if inside a defended asset's radius."""

    lat: float
    lon: float
    hit_asset: bool


def _arr(value: Any, where: str) -> FloatArray:
    out = np.array(value, dtype=np.float64, copy=True).reshape(-1)
    out.setflags(write=False)
    if not np.all(np.isfinite(out)):
        raise InputError(f"{where}: contains NaN or infinite values; drop the bad samples")
    return out


def _path_arrays(lat: Any, lon: Any, where: str, k: int | None = None) -> tuple[FloatArray, ...]:
    la, lo = _arr(lat, f"{where}.lat"), _arr(lon, f"{where}.lon")
    if la.shape != lo.shape or len(la) < 1 or (k is not None and len(la) != k):
        need = f"{k}" if k is not None else "the same number of (>= 1)"
        raise InputError(
            f"{where}: lat has {len(la)} and lon {len(lo)} points; give {need} points in each"
        )
    return la, lo


_P = TypeVar("_P")


def _named_paths(
    kind: Callable[..., _P], items: Iterable[tuple[Any, ...]], where: str, k: int | None = None
) -> tuple[_P, ...]:
    """Paths given as ``(names..., lat, lon)`` tuples as ``kind`` records (names as strings,
    arrays checked by :func:`_path_arrays`; ``k`` points each when given)."""
    out = []
    for i, item in enumerate(items):
        la, lo = _path_arrays(item[-2], item[-1], f"{where}[{i}]", k)
        out.append(kind(*(str(x) for x in item[:-2]), la, lo))
    return tuple(out)


def _series(
    by_name: Mapping[Any, ArrayLike] | None, times: FloatArray, where: str, what: str
) -> dict[str, FloatArray]:
    """Named series checked to hold one finite ``what`` (e.g. ``count``) per time."""
    out = {}
    for name, values in (by_name or {}).items():
        v = _arr(values, f"{where}[{name!r}]")
        if v.shape != times.shape:
            raise InputError(
                f"{where}[{name!r}]: {len(v)} {what}s for {len(times)} times; "
                f"give one {what} per time"
            )
        out[str(name)] = v
    return out


@dataclasses.dataclass(frozen=True, init=False)
class MapData:
    """What the after-action map and timeline draw; degrees, metres, seconds since the epoch.

    Every argument accepts plain tuples in the documented field order (or the named tuples of
    this module) and any array-like; they are stored as tuples of the named records with
    read-only ``float64`` arrays. Bad shapes or non-finite values raise :class:`InputError`.

    Attributes:
        threat_paths: ground track of every threat.
        interceptor_paths: launch-to-intercept line of every interceptor fired.
        civil_paths: ground tracks of civil traffic.
        assets: defended assets (drawn with their radius).
        sensors: sensor sites (drawn with their range).
        fire_units: fire units (drawn with their maximum range).
        intercepts: intercept points.
        impacts: where leaking threats came down.
        times_s: (k,) sample times of the timeline, seconds since the scenario epoch, increasing.
        in_air: threat class -> (k,) number of threats of that class in flight at ``times_s``.
        bbox: map box; ``None`` fits the box to everything above (see :meth:`extent`).
        track_paths: the tracked picture's tracks (drawn over the threat paths); none on the
            perfect picture.
        gospa_times_s: (j,) times at which the tracked picture was scored, s since the epoch.
        gospa_m: picture name (``coalition``, member ids) -> (j,) GOSPA at those times, m.
        identity_times_s: (i,) decision times at which the tracked picture was identified.
        identities: truth kind (``threat``, ``civil``, ``coalition``, ``false``) -> identity
            (``pending`` ... ``hostile``) -> (i,) number of coalition tracks of that kind holding
            that identity at those times.
    """

    threat_paths: tuple[ThreatPath, ...]
    interceptor_paths: tuple[InterceptorPath, ...]
    civil_paths: tuple[CivilPath, ...]
    assets: tuple[Asset, ...]
    sensors: tuple[Sensor, ...]
    fire_units: tuple[FireUnit, ...]
    intercepts: tuple[Point, ...]
    impacts: tuple[Impact, ...]
    times_s: FloatArray
    in_air: Mapping[str, FloatArray]
    bbox: BBox | None
    track_paths: tuple[TrackPath, ...]
    gospa_times_s: FloatArray
    gospa_m: Mapping[str, FloatArray]
    identity_times_s: FloatArray
    identities: Mapping[str, Mapping[str, FloatArray]]

    def __init__(
        self,
        threat_paths: Iterable[tuple[str, str, ArrayLike, ArrayLike]] = (),
        interceptor_paths: Iterable[tuple[str, str, ArrayLike, ArrayLike]] = (),
        civil_paths: Iterable[tuple[str, ArrayLike, ArrayLike]] = (),
        assets: Iterable[tuple[str, float, float, float, float]] = (),
        sensors: Iterable[tuple[str, str, float, float, float]] = (),
        fire_units: Iterable[tuple[str, str, float, float, float]] = (),
        intercepts: Iterable[tuple[float, float]] = (),
        impacts: Iterable[tuple[float, float, bool]] = (),
        times_s: ArrayLike = (),
        in_air: Mapping[str, ArrayLike] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        track_paths: Iterable[tuple[str, str, ArrayLike, ArrayLike]] = (),
        gospa_times_s: ArrayLike = (),
        gospa_m: Mapping[str, ArrayLike] | None = None,
        identity_times_s: ArrayLike = (),
        identities: Mapping[str, Mapping[str, ArrayLike]] | None = None,
    ) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        put("threat_paths", _named_paths(ThreatPath, threat_paths, "threat_paths"))
        put("interceptor_paths",
            _named_paths(InterceptorPath, interceptor_paths, "interceptor_paths", 2))
        put("civil_paths", _named_paths(CivilPath, civil_paths, "civil_paths"))
        put("assets", tuple(Asset(str(n), float(a), float(o), float(r), float(v))
                            for n, a, o, r, v in assets))
        put("sensors", tuple(Sensor(str(i), str(m), float(a), float(o), float(r))
                             for i, m, a, o, r in sensors))
        put("fire_units", tuple(FireUnit(str(i), str(m), float(a), float(o), float(r))
                                for i, m, a, o, r in fire_units))
        put("intercepts", tuple(Point(float(a), float(o)) for a, o in intercepts))
        put("impacts", tuple(Impact(float(a), float(o), bool(h)) for a, o, h in impacts))
        times = _arr(times_s, "timeline.times_s")
        if len(times) > 1 and np.any(np.diff(times) < 0.0):
            raise InputError("timeline.times_s: not increasing; sort the samples by time")
        put("times_s", times)
        put("in_air", _series(in_air, times, "timeline.in_air", "count"))
        put("bbox", BBox(*bbox).checked() if bbox is not None else None)
        put("track_paths", _named_paths(TrackPath, track_paths, "track_paths"))
        g_times = _arr(gospa_times_s, "picture.gospa_times_s")
        put("gospa_times_s", g_times)
        put("gospa_m", _series(gospa_m, g_times, "picture.gospa_m", "value"))
        i_times = _arr(identity_times_s, "identification.identity_times_s")
        put("identity_times_s", i_times)
        put("identities", {
            str(kind): _series(by_identity, i_times, f"identification.identities[{kind!r}]",
                               "count")
            for kind, by_identity in (identities or {}).items()
        })

    def extent(self, margin: float = 0.08, min_span_deg: float = 1.0) -> BBox:
        """The map box: :attr:`bbox` if given, else everything drawn plus a margin.

        Sensor and fire-unit ranges count only through their sites (ranges are drawn, clipped,
        but do not widen the map); the box is widened to a width/height ratio between 1 and 1.8
        on the ground (equirectangular, scaled by cos(mid-latitude)) so the figure keeps a sane
        shape. Falls back to the whole world when there is nothing to draw.
        """
        if self.bbox is not None:
            return self.bbox
        lats: list[FloatArray] = []
        lons: list[FloatArray] = []
        paths: list[ThreatPath | InterceptorPath | CivilPath] = [
            *self.threat_paths, *self.interceptor_paths, *self.civil_paths]
        for path in paths:
            lats.append(path.lat)
            lons.append(path.lon)
        points: list[tuple[float, float]] = [
            *((a.lat, a.lon) for a in self.assets),
            *((s.lat, s.lon) for s in self.sensors),
            *((f.lat, f.lon) for f in self.fire_units),
            *((p.lat, p.lon) for p in self.intercepts),
            *((p.lat, p.lon) for p in self.impacts),
        ]
        if points:
            arr = np.array(points, dtype=np.float64)
            lats.append(arr[:, 0])
            lons.append(arr[:, 1])
        return _fit_box(lats, lons, margin, min_span_deg)

    def defended_extent(self, margin: float = 0.25, min_span_deg: float = 1.0) -> BBox | None:
        """A box around the defended assets (centres and radii) plus a margin, for a detail map;
        ``None`` without assets. Same shape rules as :meth:`extent`."""
        if not self.assets:
            return None
        lat = np.array([a.lat for a in self.assets])
        lon = np.array([a.lon for a in self.assets])
        r_deg = np.array([a.radius_m for a in self.assets]) / 111_195.0
        coslat = np.maximum(np.cos(np.radians(lat)), 0.2)
        lats = [lat - r_deg, lat + r_deg]
        lons = [lon - r_deg / coslat, lon + r_deg / coslat]
        return _fit_box(lats, lons, margin, min_span_deg)


def _fit_box(lats: list[FloatArray], lons: list[FloatArray], margin: float,
             min_span_deg: float) -> BBox:
    """The box around all points plus ``margin`` (fraction of the span on each side), at least
    ``min_span_deg`` on the ground, widened to a ground width/height ratio in [1, 1.8]."""
    if not lats:
        return BBox(-180.0, 180.0, -80.0, 80.0)
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    lat_lo, lat_hi = float(lat.min()), float(lat.max())
    lon_lo, lon_hi = float(lon.min()), float(lon.max())
    mid = 0.5 * (lat_lo + lat_hi)
    coslat = max(math.cos(math.radians(mid)), 0.2)
    w = max(lon_hi - lon_lo, min_span_deg / coslat)
    h = max(lat_hi - lat_lo, min_span_deg)
    w, h = w * (1.0 + 2.0 * margin), h * (1.0 + 2.0 * margin)
    ground_ratio = w * coslat / h
    if ground_ratio < 1.0:
        w = h / coslat
    elif ground_ratio > 1.8:
        h = w * coslat / 1.8
    cx = 0.5 * (lon_lo + lon_hi)
    lat_min, lat_max = max(mid - h / 2, -89.0), min(mid + h / 2, 89.0)
    return BBox(cx - w / 2, cx + w / 2, lat_min, lat_max)
