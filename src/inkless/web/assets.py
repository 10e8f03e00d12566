"""The web map's files: where they are, whether they are installed, their text for inlining.

The vendor files (``static/vendor/``) are copied from npm packages at set-up by ``make web``
(``web/vendor.mjs``): Leaflet 1.9 (BSD-2-Clause), topojson-client 3 (ISC), world-atlas 2
(countries at 1:50 million from Natural Earth, public domain; ISC) and the air-track symbols
pre-drawn with milsymbol 3 (MIT). Nothing is fetched here or when a page opens.

The basemap inlined into a report is world-atlas's ``countries-50m`` cut down to the countries
whose extent meets the map's box widened by its own span on every side (the arcs of the other
countries are dropped and the rest re-indexed), so that a regional report carries some hundred
kilobytes of coastline rather than the whole world's.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

import numpy as np

__all__ = ["MISSING_HINT", "MapAssets", "inline_assets", "missing_assets", "static_dir"]

MISSING_HINT = ("the map's libraries are not installed (src/inkless/web/static/vendor): run "
                "`make web` in the repository (`make run` and `make test` do it), then run again")
_VENDOR = ("leaflet.js", "leaflet.css", "topojson-client.min.js", "countries-50m.json",
           "symbols.json")
_OWN = ("replaymap.js", "replaymap.css")


def static_dir() -> Traversable:
    """The directory of the map's files (``replaymap.js``, ``vendor/...``) that a page loads."""
    return importlib.resources.files("inkless.web") / "static"


def missing_assets() -> list[str]:
    """The vendor files that are not installed (empty when the map can be drawn)."""
    vendor = static_dir() / "vendor"
    return [name for name in _VENDOR if not (vendor / name).is_file()]


@dataclass(frozen=True)
class MapAssets:
    """Every file one self-contained page needs, as text (scripts, styles, JSON)."""

    scripts: tuple[str, ...]
    """Leaflet, topojson-client, replaymap.js, in load order."""
    styles: tuple[str, ...]
    """leaflet.css (its image references removed: no marker images are used), replaymap.css."""
    basemap_json: str
    """world-atlas countries TopoJSON, cut to the box (module docstring)."""
    symbols_json: str
    """identity -> ``{sidc, svg, anchor, size}`` (milsymbol, web/vendor.mjs)."""


def _text(*parts: str) -> str:
    path = static_dir().joinpath(*parts)
    return path.read_text(encoding="utf-8")


def inline_assets(bbox: tuple[float, float, float, float]) -> MapAssets | None:
    """The page's files, the basemap cut to ``bbox`` (``lon_min, lon_max, lat_min, lat_max``,
    degrees); None when some vendor file is missing (:func:`missing_assets`)."""
    if missing_assets():
        return None
    css = _text("vendor", "leaflet.css")
    for image in ("images/layers.png", "images/layers-2x.png", "images/marker-icon.png"):
        css = css.replace(f"url({image})", "none")
    return MapAssets(
        scripts=(_text("vendor", "leaflet.js"), _text("vendor", "topojson-client.min.js"),
                 _text("replaymap.js")),
        styles=(css, _text("replaymap.css")),
        basemap_json=json.dumps(_cut(_countries(), bbox), separators=(",", ":")),
        symbols_json=_text("vendor", "symbols.json"),
    )


@functools.cache
def _countries() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_text("vendor", "countries-50m.json"))
    return data


def _arc_boxes(topo: dict[str, Any]) -> np.ndarray:
    """``(a, 4)`` lon_min, lon_max, lat_min, lat_max of every arc (quantised TopoJSON arcs are
    delta-encoded: positions are cumulative sums, then scaled and translated)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    boxes = np.empty((len(topo["arcs"]), 4))
    for i, arc in enumerate(topo["arcs"]):
        xy = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        lon, lat = xy[:, 0] * sx + tx, xy[:, 1] * sy + ty
        boxes[i] = lon.min(), lon.max(), lat.min(), lat.max()
    return boxes


def _arc_ids(arcs: Any) -> list[int]:
    """Every arc index in a geometry's nested ``arcs`` (``~i`` is arc ``i`` reversed)."""
    if isinstance(arcs, int):
        return [arcs if arcs >= 0 else ~arcs]
    return [i for a in arcs for i in _arc_ids(a)]


def _renumber(arcs: Any, new: dict[int, int]) -> Any:
    if isinstance(arcs, int):
        return new[arcs] if arcs >= 0 else ~new[~arcs]
    return [_renumber(a, new) for a in arcs]


def _cut(topo: dict[str, Any], bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """The countries object with only the countries whose extent meets ``bbox`` widened by its
    span on each side, and only their arcs (module docstring)."""
    lon0, lon1, lat0, lat1 = bbox
    w, h = lon1 - lon0, lat1 - lat0
    lon0, lon1, lat0, lat1 = lon0 - w, lon1 + w, lat0 - h, lat1 + h
    boxes = _arc_boxes(topo)
    kept, used = [], set()
    for g in topo["objects"]["countries"]["geometries"]:
        ids = _arc_ids(g.get("arcs", []))
        if not ids:
            continue
        b = boxes[ids]
        if b[:, 0].min() <= lon1 and b[:, 1].max() >= lon0 and \
                b[:, 2].min() <= lat1 and b[:, 3].max() >= lat0:
            kept.append(g)
            used.update(ids)
    order = sorted(used)
    new = {old: k for k, old in enumerate(order)}
    return {
        "type": "Topology", "transform": topo["transform"],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": [
            {**g, "arcs": _renumber(g["arcs"], new)} for g in kept]}},
        "arcs": [topo["arcs"][i] for i in order],
    }
