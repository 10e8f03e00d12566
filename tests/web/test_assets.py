"""The web map's assets: the basemap cut to a region keeps its countries' outlines exactly."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from inkless.web import assets


def _rings(topo: dict[str, Any], geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every ring of a (Multi)Polygon as absolute quantised points, each arc decoded from its
    deltas and reversed for a negative index (the TopoJSON specification, section 2.1)."""
    def arc(i: int) -> list[tuple[float, float]]:
        xy = np.cumsum(np.asarray(topo["arcs"][i if i >= 0 else ~i]), axis=0)
        pts = [(float(x), float(y)) for x, y in xy]
        return pts if i >= 0 else pts[::-1]

    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return [[p for i in ring for p in arc(i)] for polygon in polygons for ring in polygon]


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    if assets.missing_assets():
        pytest.fail(f"web assets missing: {assets.missing_assets()}; run `make web`")
    return json.loads((assets.static_dir() / "vendor" / "countries-50m.json").read_text())


def test_cut_keeps_the_region_and_its_outlines(world: dict[str, Any]) -> None:
    box = (34.0, 40.0, 29.0, 34.0)  # the Levant
    cut = assets._cut(world, box)
    names = [g["properties"]["name"] for g in cut["objects"]["countries"]["geometries"]]
    assert {"Israel", "Jordan", "Lebanon", "Syria", "Egypt"} <= set(names)
    assert not {"Brazil", "Japan", "Australia"} & set(names)
    assert len(cut["arcs"]) < len(world["arcs"]) / 4
    whole = {g["properties"]["name"]: g for g in world["objects"]["countries"]["geometries"]}
    for g in cut["objects"]["countries"]["geometries"]:
        assert _rings(cut, g) == _rings(world, whole[g["properties"]["name"]])


def test_inlined_page_files(world: dict[str, Any]) -> None:
    page = assets.inline_assets((34.0, 40.0, 29.0, 34.0))
    assert page is not None
    assert "images/" not in page.styles[0]  # no image the page would have to fetch
    assert set(json.loads(page.symbols_json)) == {
        "pending", "unknown", "assumed_friend", "friend", "neutral", "suspect", "hostile"}
    assert "InklessMap" in page.scripts[-1]
