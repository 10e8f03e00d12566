"""MapData: conversion, validation at the boundary, map extents."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inkless.afteraction import Asset, BBox, Impact, MapData, ThreatPath
from inkless.errors import InputError


def test_plain_tuples_become_read_only_records() -> None:
    g = MapData(threat_paths=[("T1", "drone", [31.0, 32.0], [35.0, 36.0])],
                impacts=[(31.5, 35.5, 1)], times_s=[0, 60], in_air={"drone": [1, 0]})
    assert g.threat_paths[0] == ThreatPath("T1", "drone", g.threat_paths[0].lat,
                                           g.threat_paths[0].lon)
    assert g.threat_paths[0].lat.dtype == np.float64 and not g.threat_paths[0].lat.flags.writeable
    assert g.impacts[0] == Impact(31.5, 35.5, True)
    assert list(g.in_air["drone"]) == [1.0, 0.0]


@pytest.mark.parametrize("kwargs, match", [
    ({"threat_paths": [("T1", "drone", [31.0, 32.0], [35.0])]}, "threat_paths"),
    ({"interceptor_paths": [("u", "ISR", [31.0, 32.0, 33.0], [35.0, 36.0, 37.0])]}, "give 2"),
    ({"times_s": [0.0, 60.0], "in_air": {"drone": [1.0]}}, "one count per time"),
    ({"times_s": [60.0, 0.0]}, "not increasing"),
    ({"threat_paths": [("T1", "drone", [31.0, math.nan], [35.0, 36.0])]}, "NaN"),
    ({"bbox": (40.0, 30.0, 10.0, 20.0)}, "lon_min < lon_max"),
])
def test_bad_geometry_is_an_input_error(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        MapData(**kwargs)


def test_extent_contains_everything_with_a_sane_shape() -> None:
    g = MapData(threat_paths=[("T1", "ballistic", [33.0, 31.0], [48.0, 35.0])],
                assets=[Asset("A", 31.2, 35.0, 3000.0, 1.0)])
    b = g.extent()
    assert b.lon_min < 35.0 and b.lon_max > 48.0 and b.lat_min < 31.0 and b.lat_max > 33.0
    mid = math.radians(0.5 * (b.lat_min + b.lat_max))
    ratio = (b.lon_max - b.lon_min) * math.cos(mid) / (b.lat_max - b.lat_min)
    assert 1.0 - 1e-9 <= ratio <= 1.8 + 1e-9
    assert MapData(bbox=BBox(30, 40, 25, 35)).extent() == BBox(30.0, 40.0, 25.0, 35.0)


def test_defended_extent_covers_asset_radii() -> None:
    g = MapData(assets=[Asset("A", 31.0, 35.0, 50_000.0, 1.0)])
    b = g.defended_extent()
    assert b is not None
    r_deg = 50_000.0 / 111_195.0
    assert b.lat_min < 31.0 - r_deg and b.lat_max > 31.0 + r_deg
    assert MapData().defended_extent() is None
