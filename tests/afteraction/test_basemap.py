"""Offline coastlines and borders: checked against geography; clipping against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path as MplPath

from inkless.afteraction import BBox, borders, coastlines, land_polygons
from inkless.errors import InputError

MIDDLE_EAST = BBox(lon_min=25.0, lon_max=65.0, lat_min=10.0, lat_max=45.0)
WORLD = BBox(-180.0, 180.0, -90.0, 90.0)
HAIFA = (32.8, 35.0)  # lat, lon degrees
R_KM = 6371.0


def _km(lat: np.ndarray, lon: np.ndarray, at: tuple[float, float]) -> np.ndarray:
    """Haversine distance in km from ``at`` to each point."""
    la, lo = np.radians(lat), np.radians(lon)
    la0, lo0 = np.radians(at[0]), np.radians(at[1])
    h = np.sin((la - la0) / 2) ** 2 + np.cos(la) * np.cos(la0) * np.sin((lo - lo0) / 2) ** 2
    return 2 * R_KM * np.arcsin(np.sqrt(h))


def _densified(lines: tuple[tuple[np.ndarray, np.ndarray], ...], step: int = 50):
    """All points of the polylines plus ``step`` points along each segment."""
    t = np.linspace(0.0, 1.0, step)[None, :]
    lats, lons = [], []
    for lon, lat in lines:
        lons.append((lon[:-1, None] + t * np.diff(lon)[:, None]).ravel())
        lats.append((lat[:-1, None] + t * np.diff(lat)[:, None]).ravel())
    return np.concatenate(lats), np.concatenate(lons)


@pytest.mark.parametrize("resolution", ["c", "l"])
def test_middle_east_has_the_levant_coast(resolution: str) -> None:
    lines = coastlines(MIDDLE_EAST, resolution)
    assert len(lines) > 10
    lat, lon = _densified(lines)
    assert _km(lat, lon, HAIFA).min() < 30.0
    # the Caspian (a GSHHG lake) shore is there too: Baku 40.4N 49.9E
    assert _km(lat, lon, (40.4, 49.9)).min() < 40.0


def test_low_resolution_has_a_vertex_near_haifa() -> None:
    lon = np.concatenate([x for x, _ in coastlines(MIDDLE_EAST, "l")])
    lat = np.concatenate([y for _, y in coastlines(MIDDLE_EAST, "l")])
    assert _km(lat, lon, HAIFA).min() < 30.0


def test_lines_are_inside_the_box_and_cached_read_only() -> None:
    lines = coastlines(MIDDLE_EAST, "c")
    for lon, lat in [*lines, *borders(MIDDLE_EAST, "c")]:
        assert len(lon) == len(lat) >= 2
        assert np.all((lon >= 25.0 - 1e-9) & (lon <= 65.0 + 1e-9))
        assert np.all((lat >= 10.0 - 1e-9) & (lat <= 45.0 + 1e-9))
        assert not lon.flags.writeable
    assert coastlines(MIDDLE_EAST, "c") is lines


def test_borders_cross_the_levant() -> None:
    lat, lon = _densified(borders(MIDDLE_EAST, "c"))
    # the Israel-Jordan line passes near the Dead Sea (31.5N 35.5E); Iran-Iraq near 33.5N 46E
    assert _km(lat, lon, (31.5, 35.5)).min() < 50.0
    assert _km(lat, lon, (33.5, 46.0)).min() < 50.0


def _length_inside(box: BBox, lines, samples: int = 400) -> float:
    """Brute force: sample every segment and sum the length of the samples inside the box."""
    total = 0.0
    t = (np.arange(samples) + 0.5) / samples
    for lon, lat in lines:
        dx, dy = np.diff(lon), np.diff(lat)
        x = lon[:-1, None] + t[None, :] * dx[:, None]
        y = lat[:-1, None] + t[None, :] * dy[:, None]
        inside = (x >= box.lon_min) & (x <= box.lon_max) & (y >= box.lat_min) & (y <= box.lat_max)
        total += float((np.hypot(dx, dy)[:, None] / samples * inside).sum())
    return total


def _length(lines) -> float:
    return float(sum(np.hypot(np.diff(x), np.diff(y)).sum() for x, y in lines))


@pytest.mark.parametrize(
    "box", [MIDDLE_EAST, BBox(30.0, 37.0, 29.0, 36.5), BBox(-10.0, 40.0, 30.0, 46.0)]
)
def test_clipped_length_matches_brute_force(box: BBox) -> None:
    world = coastlines(WORLD, "c")
    expected = _length_inside(box, world)
    assert expected > 0
    assert _length(coastlines(box, "c")) == pytest.approx(expected, rel=5e-3)


def _shoelace(x: np.ndarray, y: np.ndarray) -> float:
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def test_land_area_matches_point_in_polygon_count() -> None:
    box = BBox(25.0, 45.0, 25.0, 40.0)  # Eastern Mediterranean, Levant, Red Sea
    rings = land_polygons(box, "c")
    area = sum(_shoelace(x, y) * (1 if lvl in (1, 3, 5) else -1) for lvl, x, y in rings)
    # brute force: fraction of a fine grid inside the *unclipped* world land polygons
    gx, gy = np.meshgrid(np.linspace(25.0, 45.0, 401)[:-1] + 0.025,
                         np.linspace(25.0, 40.0, 301)[:-1] + 0.025)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    depth = np.zeros(len(pts), dtype=int)
    for lvl, x, y in land_polygons(WORLD, "c"):
        overlaps = x.max() >= 25.0 and x.min() <= 45.0 and y.max() >= 25.0 and y.min() <= 40.0
        if lvl in (1, 2, 3, 4) and overlaps:
            depth += MplPath(np.column_stack([x, y])).contains_points(pts)
    on_land = depth % 2 == 1
    expected = on_land.mean() * 20.0 * 15.0
    assert area == pytest.approx(expected, rel=0.01)
    # spot checks: open sea west of Cyprus, Jordanian desert
    sea = (np.abs(pts[:, 0] - 31.025) < 0.03) & (np.abs(pts[:, 1] - 33.525) < 0.03)
    desert = (np.abs(pts[:, 0] - 37.025) < 0.03) & (np.abs(pts[:, 1] - 31.025) < 0.03)
    assert not on_land[sea].any() and on_land[desert].all()


def test_box_across_the_antimeridian() -> None:
    lines = coastlines(BBox(170.0, 200.0, 50.0, 72.0), "c")
    lon = np.concatenate([x for x, _ in lines])
    assert lon.max() > 185.0 and lon.min() < 180.0  # Alaska shifted by +360, Chukotka as is


def test_invalid_box_is_an_input_error() -> None:
    with pytest.raises(InputError, match="lon_min < lon_max"):
        coastlines(BBox(65.0, 25.0, 10.0, 45.0))
    with pytest.raises(InputError, match="resolution"):
        coastlines(MIDDLE_EAST, "x")  # type: ignore[arg-type]
