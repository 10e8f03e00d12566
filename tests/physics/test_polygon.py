"""The one point-in-polygon kernel against matplotlib's ``Path.contains_points`` (an outside
even-odd implementation), on random polygons, simple or self-crossing; and what it does on the
boundary: half-open, so that polygons tiling the plane hold each boundary point exactly once."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.path import Path as MplPath

from inkless.physics.polygon import edge_one_hot, inside_polygon, inside_polygons

coord = st.floats(-50.0, 50.0, allow_nan=False, allow_infinity=False)


def _edge_distance(px: np.ndarray, py: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance of each point to the nearest edge of the closed polygon (brute force)."""
    ax, ay = px[:, None], py[:, None]
    bx, by = np.roll(px, -1)[:, None], np.roll(py, -1)[:, None]
    dx, dy = bx - ax, by - ay
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    s = np.nan_to_num(s)
    d: np.ndarray = np.hypot(ax + s * dx - x, ay + s * dy - y).min(axis=0)
    return d


@settings(max_examples=200, deadline=None)
@given(
    poly=st.lists(st.tuples(coord, coord), min_size=3, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_agrees_with_matplotlib_away_from_the_boundary(
    poly: list[tuple[float, float]], seed: int
) -> None:
    px, py = (np.array(c, dtype=float) for c in zip(*poly, strict=True))
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-60.0, 60.0, 500), rng.uniform(-60.0, 60.0, 500)
    far = _edge_distance(px, py, x, y) > 1e-6  # on (or within rounding of) an edge: see below
    reference = MplPath(np.column_stack([px, py])).contains_points(np.column_stack([x, y]))
    mine = inside_polygon(x, y, px, py)
    np.testing.assert_array_equal(mine[far], reference[far])


def test_any_shape_and_nan_points_are_outside() -> None:
    px, py = np.array([0.0, 2.0, 2.0, 0.0]), np.array([0.0, 0.0, 2.0, 2.0])
    x = np.array([[1.0, np.nan, 3.0], [0.5, 1.5, 1.0]])
    y = np.array([[1.0, 1.0, 1.0], [np.nan, 1.5, -1.0]])
    out = inside_polygon(x, y, px, py)
    assert out.shape == (2, 3)
    assert out.tolist() == [[True, False, False], [False, True, False]]


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_tiling_polygons_hold_every_boundary_point_once(n: int, m: int, seed: int) -> None:
    """Unit squares tile an ``n`` x ``m`` block (vertex order varies): every grid point and
    every point on a shared edge inside the block is in exactly one square (the PNPOLY
    convention: a square holds its lower and left edges, not its upper and right ones)."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(1, n, 0.5), np.arange(1, m, 0.5))  # interior grid and midpoints
    x, y = gx.ravel(), gy.ravel()
    count = np.zeros(x.shape, dtype=int)
    for i in range(n):
        for j in range(m):
            sq = np.array([(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)], dtype=float)
            sq = np.roll(sq, int(rng.integers(4)), axis=0)
            if rng.integers(2):
                sq = sq[::-1]
            count += inside_polygon(x, y, sq[:, 0], sq[:, 1])
    assert (count == 1).all()
    corner = np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    # on a lone square: the lower-left vertex is in, the upper-right one out
    assert inside_polygon(np.array([0.0, 1.0]), np.array([0.0, 1.0]), *corner).tolist() == [
        True,
        False,
    ]


@settings(max_examples=100, deadline=None)
@given(
    polys=st.lists(st.lists(st.tuples(coord, coord), min_size=3, max_size=8), min_size=1,
                   max_size=4),
    seed=st.integers(0, 2**32 - 1),
)  # fmt: skip
def test_many_polygons_in_one_pass_agree_with_one_at_a_time(
    polys: list[list[tuple[float, float]]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-60.0, 60.0, 300), rng.uniform(-60.0, 60.0, 300)
    x[:3], y[:3] = polys[0][0]  # a vertex, on purpose: the same half-open rule
    edges = [
        (p[i - 1][0], p[i - 1][1], p[i][0], p[i][1], k)
        for k, p in enumerate(polys)
        for i in range(len(p))
    ]
    x0, y0, x1, y1, which = (np.array(c) for c in zip(*edges, strict=True))
    many = inside_polygons(x, y, x0, y0, x1, y1, edge_one_hot(which.astype(np.int64), len(polys)))
    assert many.shape == (len(polys), 300)
    for k, p in enumerate(polys):
        px, py = (np.array(c, dtype=float) for c in zip(*p, strict=True))
        np.testing.assert_array_equal(many[k], inside_polygon(x, y, px, py))
