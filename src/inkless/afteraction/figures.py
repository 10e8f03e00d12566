"""Figures of the after-action report: the map, the timeline and the outcome bars, as PNG bytes.

Where it sits: after-action reporting, called by :func:`inkless.afteraction.write_report`.

Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas (no pyplot, no global
backend switch) inside an ``rc_context``, and saved without PNG metadata, so the same inputs give
the same bytes. The map is equirectangular with the aspect scaled by 1/cos(mid-latitude), good
for regional maps away from the poles; range rings are small circles on a sphere of radius
6 371 km (destination-point formula, e.g. Williams, *Aviation Formulary*).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from inkless.afteraction.basemap import BBox, borders, coastlines, land_polygons
from inkless.afteraction.findings import Engagement, ThreatCounts, UnitLoadRow
from inkless.afteraction.mapdata import MapData

__all__ = [
    "MEMBER_COLOURS",
    "THREAT_COLOURS",
    "colour_map",
    "gospa_png",
    "identity_png",
    "map_png",
    "outcome_png",
    "saturation_png",
    "timeline_png",
]

FloatArray = npt.NDArray[np.float64]
EARTH_RADIUS_M = 6_371_000.0

# Threats in warm colours, defenders in cool ones (both colour-blind tolerant in sequence).
THREAT_COLOURS = (
    "#d1495b", "#f08a24", "#8e3b8f", "#a0522d", "#e377c2", "#b8860b", "#6d2e46", "#ff5d8f",
)
MEMBER_COLOURS = (
    "#1f5fa8", "#2a9d8f", "#5e60ce", "#264653", "#4ea8de", "#588157", "#7b2cbf", "#3a86ff",
)
_LAND = "#f3efe6"
_WATER = "#d9e6f2"
_COAST = "#7d8b99"
_BORDER = "#9aa5b1"
_INK = "#1f2933"
_MUTED = "#52606d"
_GRID = "#c5ced8"
_KILL = "#2b9348"
_MISS = "#9aa5b1"
_HIT = "#c1121f"
_FALSE = "#e85d04"

_RC: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.edgecolor": _MUTED,
    "axes.labelcolor": _INK,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.titlecolor": _INK,
    "xtick.color": _MUTED,
    "ytick.color": _MUTED,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "path.simplify": True,
    "svg.hashsalt": "inkless",
}


def colour_map(keys: Sequence[str], palette: Sequence[str], ordered: bool = False
               ) -> dict[str, str]:
    """A colour per distinct key, cycling through ``palette``: in sorted order, or in the
    given order (first occurrence) when ``ordered``. Pass the same map to every figure so a
    class or member keeps its colour across the report."""
    distinct = list(dict.fromkeys(keys)) if ordered else sorted(set(keys))
    return {k: palette[i % len(palette)] for i, k in enumerate(distinct)}


def _extend(colours: Mapping[str, str] | None, keys: Sequence[str], palette: Sequence[str]
            ) -> dict[str, str]:
    """``colours`` plus a colour for every key it lacks (taken after the ones it uses)."""
    out = dict(colours or {})
    for k in sorted(set(keys) - set(out)):
        out[k] = palette[len(out) % len(palette)]
    return out


def _png(fig: Figure, dpi: int) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight",
                pad_inches=0.08, facecolor="white")
    return buf.getvalue()


def _circles(lat_deg: FloatArray, lon_deg: FloatArray, radius_m: FloatArray, n: int = 121
             ) -> tuple[FloatArray, FloatArray]:
    """Small circles of ``radius_m`` around each centre on a sphere; returns (m, n) lat, lon deg."""
    phi1 = np.radians(lat_deg)[:, None]
    lam1 = np.radians(lon_deg)[:, None]
    delta = (np.asarray(radius_m, dtype=np.float64) / EARTH_RADIUS_M)[:, None]
    theta = np.linspace(0.0, 2.0 * np.pi, n)[None, :]
    sin_phi2 = np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(theta)
    phi2 = np.arcsin(np.clip(sin_phi2, -1.0, 1.0))
    lam2 = lam1 + np.arctan2(np.sin(theta) * np.sin(delta) * np.cos(phi1),
                             np.cos(delta) - np.sin(phi1) * sin_phi2)
    return np.degrees(phi2), np.degrees(lam2)


def _degree_formatter(hemis: str) -> FuncFormatter:
    def fmt(v: float, _pos: int | None) -> str:
        if abs(v) < 1e-9:
            return "0°"
        h = hemis[0] if v > 0 else hemis[1]
        return f"{abs(v):g}°{h}"

    return FuncFormatter(fmt)


def _basemap(ax: Axes, box: BBox) -> None:
    span = max(box.lon_max - box.lon_min, box.lat_max - box.lat_min)
    res = "i" if span < 6.0 else "l" if span < 60.0 else "c"
    ax.set_facecolor(_WATER)
    rings = land_polygons(box, res)
    polys = [np.column_stack([lon, lat]) for _lvl, lon, lat in rings]
    colours = [_WATER if lvl in (2, 4) else _LAND for lvl, _lon, _lat in rings]
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="none", zorder=0.5))
    ax.add_collection(LineCollection(
        [np.column_stack(p) for p in coastlines(box, res)],
        colors=_COAST, linewidths=0.6, zorder=0.7))
    ax.add_collection(LineCollection(
        [np.column_stack(p) for p in borders(box, res)],
        colors=_BORDER, linewidths=0.6, linestyles=(0, (4, 2)), zorder=0.7))


def _scale_bar(ax: Axes, box: BBox) -> None:
    """A 1-2-5 km scale bar, about a fifth of the map width, at the lower left (mid-latitude
    scale; equirectangular maps are true to scale along the parallels only at that latitude)."""
    mid = 0.5 * (box.lat_min + box.lat_max)
    km_per_deg = EARTH_RADIUS_M / 1000.0 * math.pi / 180.0 * math.cos(math.radians(mid))
    target_km = 0.2 * (box.lon_max - box.lon_min) * km_per_deg
    base = 10.0 ** math.floor(math.log10(max(target_km, 1e-3)))
    length_km = max(m * base for m in (1.0, 2.0, 5.0) if m * base <= target_km) \
        if target_km >= base else base
    x0 = box.lon_min + 0.04 * (box.lon_max - box.lon_min)
    y0 = box.lat_min + 0.04 * (box.lat_max - box.lat_min)
    x1 = x0 + length_km / km_per_deg
    halo = [patheffects.withStroke(linewidth=3.0, foreground="white")]
    ax.plot([x0, x1], [y0, y0], color=_INK, linewidth=2.0, solid_capstyle="butt",
            path_effects=halo, zorder=8.0)
    for x in (x0, x1):
        ax.plot([x, x], [y0, y0 + 0.008 * (box.lat_max - box.lat_min)], color=_INK,
                linewidth=1.0, zorder=8.0)
    ax.annotate(f"{length_km:g} km", ((x0 + x1) / 2, y0), xytext=(0, 4),
                textcoords="offset points", ha="center", va="bottom", fontsize=7.5, color=_INK,
                path_effects=halo, zorder=8.0)


def map_png(
    geometry: MapData,
    title: str = "",
    dpi: int = 150,
    threat_colours: Mapping[str, str] | None = None,
    member_colours: Mapping[str, str] | None = None,
) -> bytes:
    """The situation map as PNG bytes.

    Draws, over land, sea, coastlines and borders (``basemap``): sensor ranges and fire-unit
    maximum ranges (dashed rings), defended assets (radius filled), civil tracks, threat tracks by
    class, interceptor lines by coalition member, intercept points and impacts (red when inside a
    defended asset). Legend on the right; degree grid; scale bar.
    """
    g = geometry
    box = g.extent()
    mid = 0.5 * (box.lat_min + box.lat_max)
    aspect = 1.0 / max(math.cos(math.radians(mid)), 0.2)
    ground_ratio = (box.lon_max - box.lon_min) / ((box.lat_max - box.lat_min) * aspect)
    width_in = 9.0
    height_in = min(max(width_in / ground_ratio, 3.5), 11.0)
    classes = sorted({t.threat_class for t in g.threat_paths})
    threat_col = _extend(threat_colours, classes, THREAT_COLOURS)
    members = [p.member for p in g.interceptor_paths] + [f.member for f in g.fire_units] + [
        s.member for s in g.sensors]
    member_col = _extend(member_colours, members, MEMBER_COLOURS)

    with mpl.rc_context(_RC):
        fig = Figure(figsize=(width_in, height_in))
        ax = _map_axes(fig, box, aspect)
        handles: list[Any] = [
            *_draw_ranges(ax, g, member_col),
            *_draw_assets(ax, g, box, aspect),
            *_draw_civil(ax, g),
            *_draw_threats(ax, g, classes, threat_col),
            *_draw_tracks(ax, g),
            *_draw_interceptors(ax, g, [m for m in member_col if m in set(members)], member_col),
            *_draw_outcomes(ax, g),
        ]
        _scale_bar(ax, box)
        if title:
            ax.set_title(title, loc="left")
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      borderaxespad=0.0, handlelength=2.2)
        return _png(fig, dpi)


def _map_axes(fig: Figure, box: BBox, aspect: float) -> Axes:
    """The map's axes over ``box``: basemap, degree grid and ticks, ``aspect`` (1/cos of the
    mid-latitude)."""
    ax = fig.add_subplot()
    _basemap(ax, box)
    ax.set_xlim(box.lon_min, box.lon_max)
    ax.set_ylim(box.lat_min, box.lat_max)
    ax.set_aspect(aspect)
    ax.grid(True, color=_GRID, linewidth=0.4, alpha=0.7, zorder=0.8)
    ax.set_axisbelow(False)
    ax.xaxis.set_major_formatter(_degree_formatter("EW"))
    ax.yaxis.set_major_formatter(_degree_formatter("NS"))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.tick_params(labelsize=7.5, length=2)
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    return ax


def _draw_ranges(ax: Axes, g: MapData, member_col: Mapping[str, str]) -> list[Any]:
    """Sensors (dotted rings: range) and fire units (dashed rings: maximum range) in their
    member's colour; returns their legend handles."""
    handles: list[Any] = []
    if g.sensors:
        _draw_sites(ax, [(s.lat, s.lon, s.range_m, member_col[s.member]) for s in g.sensors],
                    ring=((1, 2), 0.6, 0.7), marker=("^", 22))
        handles.append(Line2D([], [], marker="^", ls="none", color=_MUTED, markersize=5,
                              label="Sensor (dotted: range)"))
    if g.fire_units:
        _draw_sites(ax, [(f.lat, f.lon, f.max_range_m, member_col[f.member])
                         for f in g.fire_units], ring=((5, 3), 0.7, 0.8), marker=("s", 18))
        handles.append(Line2D([], [], marker="s", ls="none", color=_MUTED, markersize=4.5,
                              label="Fire unit (dashed: max range)"))
    return handles


def _draw_sites(ax: Axes, sites: Sequence[tuple[float, float, float, str]],
                ring: tuple[tuple[int, int], float, float], marker: tuple[str, float]) -> None:
    """Sites ``(lat deg, lon deg, range m, colour)``: a ring at each range (``ring``: dash
    pattern, line width, alpha) and a marker at each site (``marker``: shape, size)."""
    lat, lon, range_m, colours = (list(c) for c in zip(*sites, strict=True))
    dashes, width, alpha = ring
    la, lo = _circles(np.array(lat), np.array(lon), np.array(range_m))
    ax.add_collection(LineCollection(
        [np.column_stack([lo[i], la[i]]) for i in range(len(sites))], colors=colours,
        linewidths=width, linestyles=(0, dashes), alpha=alpha, zorder=1.0))
    ax.scatter(lon, lat, marker=marker[0], s=marker[1], c=colours, edgecolors="white",
               linewidths=0.5, zorder=5.0)


def _draw_assets(ax: Axes, g: MapData, box: BBox, aspect: float) -> list[Any]:
    """Defended assets: filled radius, diamond, and the names of the most valuable (greedy
    declutter: most valuable first, none closer than 4 % of the map height, at most 14)."""
    if not g.assets:
        return []
    la, lo = _circles(np.array([a.lat for a in g.assets]),
                      np.array([a.lon for a in g.assets]),
                      np.array([max(a.radius_m, 1.0) for a in g.assets]), n=61)
    ax.add_collection(PolyCollection(
        [np.column_stack([lo[i], la[i]]) for i in range(len(g.assets))],
        facecolors="#ffd16633", edgecolors="#b08900", linewidths=0.6, zorder=1.2))
    ax.scatter([a.lon for a in g.assets], [a.lat for a in g.assets], marker="D", s=16,
               c="#e9c46a", edgecolors="#7a5c00", linewidths=0.6, zorder=5.5)
    ranked = sorted(g.assets, key=lambda a: (-a.value, a.name))
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    placed: list[tuple[float, float]] = []
    min_sep = 0.04 * (box.lat_max - box.lat_min)
    for a in ranked:
        inside = box.lon_min <= a.lon <= box.lon_max and box.lat_min <= a.lat <= box.lat_max
        near = any(abs(a.lat - y) < min_sep and abs(a.lon - x) / aspect < 3 * min_sep
                   for x, y in placed)
        if inside and not near and len(placed) < 14:
            placed.append((a.lon, a.lat))
            ax.annotate(a.name, (a.lon, a.lat), xytext=(4, 3), textcoords="offset points",
                        fontsize=6.5, color=_INK, path_effects=halo, zorder=7.0,
                        annotation_clip=True)
    return [Line2D([], [], marker="D", ls="none", color="#e9c46a", markeredgecolor="#7a5c00",
                   markersize=4.5, label="Defended asset")]


def _draw_civil(ax: Axes, g: MapData) -> list[Any]:
    """Civil aircraft tracks, grey dashed."""
    if not g.civil_paths:
        return []
    ax.add_collection(LineCollection(
        [np.column_stack([p.lon, p.lat]) for p in g.civil_paths if len(p.lat) > 1],
        colors="#6b7b8c", linewidths=0.5, linestyles=(0, (2, 2)), alpha=0.6, zorder=1.5))
    return [Line2D([], [], color="#6b7b8c", lw=0.8, ls=(0, (2, 2)), label="Civil traffic")]


def _draw_threats(
    ax: Axes, g: MapData, classes: Sequence[str], threat_col: Mapping[str, str]
) -> list[Any]:
    """Threat tracks by class (more transparent the more there are) and launch points."""
    handles: list[Any] = []
    n_threats = max(len(g.threat_paths), 1)
    alpha = float(np.clip(12.0 / math.sqrt(n_threats), 0.25, 0.9))
    for cls in classes:
        col = threat_col[cls]
        paths = [np.column_stack([p.lon, p.lat]) for p in g.threat_paths
                 if p.threat_class == cls and len(p.lat) > 1]
        ax.add_collection(LineCollection(paths, colors=col, linewidths=0.9, alpha=alpha,
                                         zorder=2.0))
        starts = [(p.lon[0], p.lat[0]) for p in g.threat_paths if p.threat_class == cls]
        if starts:
            ax.scatter([x for x, _ in starts], [y for _, y in starts], marker="o", s=9,
                       c=col, edgecolors="white", linewidths=0.4, zorder=3.0)
        handles.append(Line2D([], [], color=col, lw=1.6, label=f"Threat: {cls}"))
    if g.threat_paths:
        handles.append(Line2D([], [], marker="o", ls="none", color=_MUTED, markersize=3.5,
                              markeredgecolor="white", label="Threat launch point"))
    return handles


def _draw_tracks(ax: Axes, g: MapData) -> list[Any]:
    """The tracked picture over the truth: tracks in ink, false tracks dotted."""
    if not g.track_paths:
        return []
    real = [np.column_stack([p.lon, p.lat]) for p in g.track_paths
            if p.identity != "false" and len(p.lat) > 1]
    false = [np.column_stack([p.lon, p.lat]) for p in g.track_paths
             if p.identity == "false" and len(p.lat) > 1]
    ax.add_collection(LineCollection(real, colors=_INK, linewidths=0.45, alpha=0.7, zorder=2.2))
    handles: list[Any] = [Line2D([], [], color=_INK, lw=0.8, label="Track (coalition picture)")]
    if false:
        ax.add_collection(LineCollection(false, colors=_FALSE, linewidths=0.6,
                                         linestyles=(0, (1, 1)), zorder=2.2))
        handles.append(Line2D([], [], color=_FALSE, lw=0.8, ls=(0, (1, 1)),
                              label="False track"))
    return handles


def _draw_interceptors(
    ax: Axes, g: MapData, members: Sequence[str], member_col: Mapping[str, str]
) -> list[Any]:
    """Interceptor lines in their member's colour; a legend entry per member."""
    handles: list[Any] = []
    for member in members:
        col = member_col[member]
        paths = [np.column_stack([p.lon, p.lat]) for p in g.interceptor_paths
                 if p.member == member]
        if paths:
            ax.add_collection(LineCollection(paths, colors=col, linewidths=0.7, alpha=0.75,
                                             zorder=2.5))
        handles.append(Line2D([], [], color=col, lw=1.6, label=f"Member: {member}"))
    return handles


def _draw_outcomes(ax: Axes, g: MapData) -> list[Any]:
    """Intercept points (green crosses) and impacts (open circles; red stars inside a
    defended asset)."""
    handles: list[Any] = []
    if g.intercepts:
        ax.scatter([p.lon for p in g.intercepts], [p.lat for p in g.intercepts], marker="x",
                   s=14, c=_KILL, linewidths=0.9, zorder=6.0)
        handles.append(Line2D([], [], marker="x", ls="none", color=_KILL, markersize=5,
                              label="Intercept"))
    if g.impacts:
        hit = [p for p in g.impacts if p.hit_asset]
        miss = [p for p in g.impacts if not p.hit_asset]
        if miss:
            ax.scatter([p.lon for p in miss], [p.lat for p in miss], marker="o", s=14,
                       facecolors="none", edgecolors="#343a40", linewidths=0.8, zorder=6.0)
        if hit:
            ax.scatter([p.lon for p in hit], [p.lat for p in hit], marker="*", s=70,
                       c=_HIT, edgecolors="white", linewidths=0.5, zorder=6.5)
        handles.append(Line2D([], [], marker="o", ls="none", markerfacecolor="none",
                              markeredgecolor="#343a40", markersize=5,
                              label="Impact, no asset"))
        handles.append(Line2D([], [], marker="*", ls="none", color=_HIT, markersize=8,
                              label="Impact on asset"))
    return handles


def epoch_utc(epoch: Any) -> dt.datetime | None:
    """The results' ``epoch`` (ISO 8601, any UTC offset; none: UTC) as a UTC date-time, None
    when absent or unreadable (the report's clock times and every figure's time axis)."""
    if not epoch:
        return None
    try:
        t = dt.datetime.fromisoformat(str(epoch))
    except ValueError:
        return None
    return t.astimezone(dt.UTC) if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _hours_label(epoch: str | None) -> str:
    t0 = epoch_utc(epoch)
    return "hours after the epoch" + (f" ({t0:%Y-%m-%dT%H:%M}Z)" if t0 else "")


def _clock_axis(ax: Axes, span_s: float, t0: dt.datetime | None) -> None:
    """``ax``'s x axis (minutes) as h:mm after the epoch, about ten ticks over ``span_s``."""
    ax.xaxis.set_major_locator(MultipleLocator(_clock_step(span_s, 10) / 60.0))
    ax.xaxis.set_major_formatter(FuncFormatter(_elapsed))
    ax.set_xlabel("time after the epoch, h:mm" + (
        f" (epoch {t0.strftime('%Y-%m-%d %H:%M:%S')} UTC)" if t0 else ""))


_CLOCK_STEPS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200,
                  10800, 21600, 43200, 86400)


def _clock_step(span_s: float, target: int) -> float:
    """The smallest clock-friendly step (s) giving at most ``target`` steps over ``span_s``."""
    for step in _CLOCK_STEPS_S:
        if span_s / step <= target:
            return float(step)
    return float(86400 * math.ceil(span_s / target / 86400))


def _elapsed(v: float, _pos: int | None) -> str:
    """Minutes on the axis as ``h:mm``."""
    m = round(v)
    return f"{m // 60}:{m % 60:02d}"


def _fmt_step(step_s: float) -> str:
    if step_s < 60:
        return f"{step_s:g} s"
    if step_s < 3600:
        return f"{step_s / 60:g} min"
    return f"{step_s / 3600:g} h"


def timeline_png(
    geometry: MapData,
    engagements: Sequence[Engagement],
    epoch: str | None = None,
    duration_s: float | None = None,
    dpi: int = 150,
    threat_colours: Mapping[str, str] | None = None,
    member_colours: Mapping[str, str] | None = None,
) -> bytes:
    """Timeline as PNG bytes: threats in the air by class (stacked) over interceptors fired.

    The lower panel bins the engagements' ``fire_time_s`` (stacked by member; bin width a
    clock-friendly step, at most 48 bins) with the cumulative count on the right axis. Time runs
    as h:mm after the epoch; a top axis gives UTC clock time when ``epoch`` is an ISO date-time.
    """
    g = geometry
    fire = [(e.fire_time_s, e.member) for e in engagements]
    t_end = max([float(duration_s or 0.0)]
                + ([float(g.times_s[-1])] if len(g.times_s) else [])
                + [t for t, _ in fire])
    t_end = max(t_end, 60.0)
    threat_col = _extend(threat_colours, list(g.in_air), THREAT_COLOURS)
    fired_by = {m for _, m in fire}
    all_members = _extend(member_colours, sorted(fired_by), MEMBER_COLOURS)
    member_col = {m: c for m, c in all_members.items() if m in fired_by}
    t0 = epoch_utc(epoch)

    with mpl.rc_context(_RC):
        fig = Figure(figsize=(10.0, 4.8))
        ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2],
                                                                "hspace": 0.08})
        for ax in (ax1, ax2):
            ax.grid(True, axis="y", color=_GRID, linewidth=0.5)
            ax.spines[["top", "right"]].set_visible(False)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        _draw_in_air(ax1, g, threat_col)
        _draw_fired(ax2, fire, member_col, t_end, t0)
        if t0 is not None:
            _utc_axis(ax1, t0, t_end)
        return _png(fig, dpi)


def _draw_in_air(ax: Axes, g: MapData, threat_col: Mapping[str, str]) -> None:
    """Threats in the air over time, stacked by class (minutes on the x axis)."""
    if len(g.times_s) and g.in_air:
        classes = sorted(g.in_air)
        ax.stackplot(g.times_s / 60.0, *[g.in_air[c] for c in classes], labels=classes,
                     colors=[threat_col[c] for c in classes], alpha=0.85, step=None,
                     linewidth=0.0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.1, 1.0), borderaxespad=0.0,
                  title="Threats in the air", title_fontsize=8, alignment="left")
    else:
        ax.text(0.5, 0.5, "no timeline samples", transform=ax.transAxes, ha="center",
                color=_MUTED)
    ax.set_ylabel("threats in the air")
    ax.set_ylim(bottom=0)


def _draw_fired(
    ax: Axes, fire: Sequence[tuple[float, str]], member_col: Mapping[str, str], t_end: float,
    t0: dt.datetime | None,
) -> None:
    """Interceptors fired (``(time s, member)``), binned (a clock-friendly width, at most 48
    bins) and stacked by member, with the cumulative count on a right axis; the clock axis."""
    width = _clock_step(t_end, 48)
    edges = np.arange(0.0, t_end + width, width)
    bottom = np.zeros(len(edges) - 1)
    for member, col in member_col.items():
        times = np.array([t for t, m in fire if m == member])
        counts, _ = np.histogram(times, bins=edges)
        ax.bar(edges[:-1] / 60.0, counts, width=width / 60.0, bottom=bottom, align="edge",
               color=col, edgecolor="white", linewidth=0.3, label=member)
        bottom += counts
    ax.set_ylabel(f"fired per {_fmt_step(width)}")
    _clock_axis(ax, t_end, t0)
    if fire:
        ax.legend(loc="upper left", bbox_to_anchor=(1.1, 1.0), borderaxespad=0.0,
                  title="Interceptors fired", title_fontsize=8, alignment="left")
        cum = ax.twinx()
        ts = np.sort(np.array([t for t, _ in fire]))
        cum.step(np.concatenate([[0.0], ts, [t_end]]) / 60.0,
                 np.concatenate([[0], np.arange(1, len(ts) + 1), [len(ts)]]),
                 where="post", color=_INK, linewidth=1.0)
        cum.set_ylabel("cumulative", color=_INK)
        cum.set_ylim(bottom=0)
        cum.spines[["top"]].set_visible(False)
        cum.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    else:
        ax.text(0.5, 0.5, "no interceptors fired", transform=ax.transAxes, ha="center",
                color=_MUTED)
    ax.set_xlim(0.0, t_end / 60.0)
    ax.set_ylim(bottom=0)


def _utc_axis(ax: Axes, t0: dt.datetime, t_end: float) -> None:
    """A top axis of ``ax`` (minutes after the epoch ``t0``) in UTC clock time."""

    def clock(v: float, _pos: int | None) -> str:
        return (t0 + dt.timedelta(minutes=float(v))).strftime("%H:%M")

    top = ax.secondary_xaxis("top")
    top.xaxis.set_major_locator(MultipleLocator(_clock_step(t_end, 10) / 60.0))
    top.xaxis.set_major_formatter(FuncFormatter(clock))
    top.set_xlabel("UTC", color=_MUTED, fontsize=8)
    top.tick_params(labelsize=7.5)


def outcome_png(by_class: Mapping[str, ThreatCounts], dpi: int = 150) -> bytes:
    """Horizontal bars per threat class: intercepted, leaked and neither (e.g. fell short)."""
    classes = sorted(by_class)
    launched = np.array([by_class[c].launched for c in classes], dtype=np.float64)
    killed = np.array([by_class[c].intercepted for c in classes], dtype=np.float64)
    leaked = np.array([by_class[c].leaked for c in classes], dtype=np.float64)
    other = np.maximum(launched - killed - leaked, 0.0)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(9.0, 0.5 + 0.42 * max(len(classes), 1)))
        ax = fig.add_subplot()
        y = np.arange(len(classes))[::-1]
        left = np.zeros(len(classes))
        for values, col, label in ((killed, _KILL, "intercepted"), (leaked, _HIT, "leaked"),
                                   (other, _MISS, "neither")):
            if not np.any(values > 0) and label == "neither":
                continue
            bars = ax.barh(y, values, left=left, color=col, height=0.62, label=label,
                           edgecolor="white", linewidth=0.5)
            labels = [f"{v:g}" if v > 0 else "" for v in values]
            ax.bar_label(bars, labels=labels, label_type="center", color="white", fontsize=7.5,
                         fontweight="bold")
            left += values
        ax.set_yticks(y, classes)
        ax.set_xlim(0, max(float(left.max()) if len(left) else 1.0, 1.0) * 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(True, axis="x", color=_GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3)
        ax.set_xlabel("threats")
        return _png(fig, dpi)


def gospa_png(
    times_s: FloatArray,
    series: Mapping[str, FloatArray],
    c_m: float,
    epoch: str | None = None,
    member_colours: Mapping[str, str] | None = None,
    dpi: int = 150,
) -> bytes:
    """GOSPA of the tracked picture over time as PNG bytes: the coalition's picture (bold) and
    the picture members hold where it differs (thin, one line per distinct picture, in the first
    holder's colour); time in hours after the epoch; ``c_m`` the cut-off, m (each missed object
    or false track adds ``c/2``)."""
    t = np.asarray(times_s, dtype=np.float64)
    colours = _extend(member_colours, [k for k in series if k != "coalition"], MEMBER_COLOURS)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(9.0, 3.2))
        ax = fig.add_subplot()
        base = series.get("coalition")
        groups: dict[bytes, list[str]] = {}  # members holding the same picture: one line
        for name, values in series.items():
            v = np.asarray(values, dtype=np.float64)
            if name == "coalition" or (base is not None and np.array_equal(v, base)):
                continue  # the coalition's picture: its line
            groups.setdefault(v.tobytes(), []).append(name)
        for names in groups.values():
            v = np.asarray(series[names[0]], dtype=np.float64)
            ax.plot(t / 3600.0, v / 1000.0, lw=0.8, color=colours[names[0]], alpha=0.85,
                    label=f"picture held by {', '.join(names)}")
        if base is not None:
            ax.plot(t / 3600.0, np.asarray(base) / 1000.0, lw=1.2, color=_INK,
                    label="Coalition picture")
        ax.set_xlabel(_hours_label(epoch))
        ax.set_ylabel("GOSPA (km)")
        ax.grid(True, color=_GRID, linewidth=0.4)
        ax.set_ylim(bottom=0.0)
        ax.set_title(f"Picture quality: GOSPA (c = {c_m / 1000.0:g} km, p = 1, alpha = 2)",
                     loc="left")
        if t.size:
            ax.set_xlim(t.min() / 3600.0, t.max() / 3600.0)
        ax.legend(loc="upper left", ncols=2)
        return _png(fig, dpi)


#: Identity colours: hostile red, suspect orange, neutral grey-green, friends blue, undecided
#: greys (the affiliation colours of APP-6 / MIL-STD-2525, muted).
_IDENTITY_COLOURS = {
    "pending": "#d9dee4", "unknown": "#f2e394", "assumed_friend": "#9ecae1",
    "friend": "#3182bd", "neutral": "#74a57f", "suspect": "#f4a259", "hostile": "#c1121f",
}
_KIND_TITLES = {"threat": "Tracks of threats", "civil": "Tracks of civil aircraft",
                "coalition": "Tracks of coalition aircraft", "false": "False tracks"}


def identity_png(
    times_s: FloatArray,
    identities: Mapping[str, Mapping[str, FloatArray]],
    epoch: str | None = None,
    dpi: int = 150,
) -> bytes:
    """Identities over time as PNG bytes: one panel per kind of truth object behind the tracks
    (threats, civil aircraft, coalition aircraft, false tracks), the number of coalition tracks
    holding each identity at each decision time, stacked; time in hours after the epoch."""
    t = np.asarray(times_s, dtype=np.float64) / 3600.0
    kinds = [k for k in _KIND_TITLES if k in identities] + [
        k for k in identities if k not in _KIND_TITLES]
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(9.0, 1.0 + 1.7 * max(len(kinds), 1)))
        axes = fig.subplots(max(len(kinds), 1), 1, sharex=True, squeeze=False)[:, 0]
        for ax, kind in zip(axes, kinds, strict=False):
            counts = identities[kind]
            names = [c for c in _IDENTITY_COLOURS if c in counts and np.any(counts[c] > 0)]
            if names and t.size:
                ax.stackplot(t, *[np.asarray(counts[c], dtype=np.float64) for c in names],
                             labels=[c.replace("_", " ") for c in names],
                             colors=[_IDENTITY_COLOURS[c] for c in names], linewidth=0.0,
                             step=None)
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                          fontsize=7.5)
            ax.set_title(_KIND_TITLES.get(kind, kind), loc="left", fontsize=9.5)
            ax.set_ylabel("tracks")
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.grid(True, axis="y", color=_GRID, linewidth=0.4)
            ax.spines[["top", "right"]].set_visible(False)
        if not kinds:
            axes[0].text(0.5, 0.5, "no tracks identified", transform=axes[0].transAxes,
                         ha="center", color=_MUTED)
        axes[-1].set_xlabel(_hours_label(epoch))
        if t.size:
            axes[-1].set_xlim(t.min(), t.max())
        return _png(fig, dpi)


def saturation_png(
    units: Sequence[UnitLoadRow],
    engagements: Sequence[Engagement],
    epoch: str | None = None,
    dpi: int = 150,
    max_units: int = 16,
) -> bytes:
    """Saturation as PNG bytes: for each unit of ``units`` (the results' ``fire_units``
    entries), its fire channels over time (a bar shaded by the share busy, red while every
    channel is busy, a cross when its last round went) over its rounds left (one step line per
    unit, from its ``engagements``' ``fire_time_s``). Time runs as h:mm after the epoch."""
    rows = list(units)[:max_units]
    fires: dict[str, list[float]] = {}
    for e in engagements:
        fires.setdefault(e.unit_id, []).append(e.fire_time_s)
    ends = [u.channels_busy[-1][0] for u in rows if u.channels_busy]
    starts = [u.channels_busy[0][0] for u in rows if u.channels_busy]
    t_lo = min(starts, default=0.0)
    t_hi = max(ends, default=60.0)
    pad = max(0.05 * (t_hi - t_lo), 30.0)
    t_lo, t_hi = max(t_lo - pad, 0.0), t_hi + pad
    t0 = epoch_utc(epoch)
    shade = mpl.colormaps["Blues"]
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(10.0, 1.6 + 0.32 * len(rows) + 2.4))
        ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={
            "height_ratios": [max(len(rows), 1) * 0.32 + 0.4, 2.4], "hspace": 0.1})
        for k, u in enumerate(rows):
            y = len(rows) - 1 - k
            steps = u.channels_busy
            channels = max(u.channels, 1)
            for (a, b), (c, _) in zip(steps, [*steps[1:], (t_hi, 0)], strict=True):
                if b <= 0:
                    continue
                colour = _HIT if b >= channels else shade(0.25 + 0.5 * b / channels)
                ax1.broken_barh([(a / 60.0, (c - a) / 60.0)], (y - 0.35, 0.7), color=colour,
                                linewidth=0)
            if u.out_of_rounds_s is not None:
                ax1.plot([u.out_of_rounds_s / 60.0], [y], marker="x", color=_INK, markersize=6)
            times = np.sort(np.array(fires.get(u.unit_id, []), dtype=np.float64))
            left = u.rounds - np.arange(times.size + 1)
            ax2.step(np.r_[t_lo, times, t_hi] / 60.0, np.r_[left, left[-1]], where="post",
                     linewidth=1.0, label=u.unit_id)
        ax1.set_yticks(range(len(rows)), [u.unit_id for u in reversed(rows)], fontsize=7.5)
        ax1.set_ylim(-0.6, max(len(rows), 1) - 0.4)
        ax1.set_title("Fire channels busy (red: every channel busy; x: last round fired)",
                      loc="left")
        ax2.set_ylabel("rounds left")
        ax2.set_ylim(bottom=0)
        ax2.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax2.grid(True, axis="y", color=_GRID, linewidth=0.5)
        if rows:
            ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                       fontsize=7)
        for ax in (ax1, ax2):
            ax.spines[["top", "right"]].set_visible(False)
        ax2.set_xlim(t_lo / 60.0, t_hi / 60.0)
        _clock_axis(ax2, t_hi - t_lo, t0)
        return _png(fig, dpi)
