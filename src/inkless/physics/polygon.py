"""Point in polygon: the one implementation of the code base.

Where it sits: physics, beside geodesy. Callers choose the plane: the caveat masks test geodetic
(latitude, longitude) with edges straight in those angles (:mod:`inkless.coalition.caveats`);
civil airspace closures test gnomonic coordinates, where great-circle edges are straight
(:func:`inkless.simulation.civil.inside_region`), which also handles regions across the
antimeridian. This module is planar: a polygon across the antimeridian must be given in
continuous coordinates (or projected first).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from inkless.arrays import F64, I64, B

__all__ = ["crossings", "edge_one_hot", "inside_polygon", "inside_polygons"]


def crossings(x: F64, y: F64, x0: F64, y0: F64, x1: F64, y1: F64) -> B:
    """``(E, P)`` whether the ray from each point (``x``, ``y``, ``(P,)``) towards +x crosses
    each edge from (``x0``, ``y0``) to (``x1``, ``y1``) (``(E,)`` each): the edge straddles the
    point's ``y`` (its lower end counted, its upper end not) and meets the ray right of the
    point. The core of the even-odd rule (see :func:`inside_polygon`); NaN points cross nothing.
    """
    xe, ye, xf, yf = x0[:, None], y0[:, None], x1[:, None], y1[:, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        straddle = (yf > y) != (ye > y)
        x_at = (xe - xf) * (y - yf) / (ye - yf) + xf
    out: B = straddle & (x < x_at)
    return out


def inside_polygon(x: ArrayLike, y: ArrayLike, poly_x: ArrayLike, poly_y: ArrayLike) -> B:
    """Whether each point (``x``, ``y``, any shape, the polygon's units) is inside the polygon
    with vertices ``poly_x``, ``poly_y`` (closed implicitly; may cross itself).

    Method: even-odd ray crossing (W. R. Franklin, *PNPOLY*; after M. Shimrat, "Algorithm 112:
    Position of point relative to polygon", CACM 5(8), 1962), all edges at once
    (:func:`crossings`). The boundary is half-open: an edge's lower end counts, its upper end
    does not, and a point on an edge is inside when the polygon lies to its right (for a
    square: the lower and left edges and the lower-left vertex are in, the upper and right ones
    out), so polygons that tile the plane hold each boundary point exactly once. NaN points are
    outside. Points outside the polygon's bounding box are decided without the edges.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape != ys.shape:
        xs, ys = np.broadcast_arrays(xs, ys)
    px, py = np.asarray(poly_x, dtype=float), np.asarray(poly_y, dtype=float)
    inside = np.zeros(xs.shape, dtype=bool)
    box = (ys >= py.min()) & (ys <= py.max()) & (xs >= px.min()) & (xs <= px.max())
    if not box.any():
        return inside
    x0, y0 = np.concatenate((px[-1:], px[:-1])), np.concatenate((py[-1:], py[:-1]))
    hits = crossings(xs[box], ys[box], x0, y0, px, py)
    inside[box] = np.count_nonzero(hits, axis=0) % 2 == 1
    return inside


def edge_one_hot(polygon: I64, n: int) -> F64:
    """``(n, E)``: 1.0 where edge ``e`` belongs to polygon ``i`` (``polygon (E,)``, 0..n-1),
    the table :func:`inside_polygons` counts each polygon's crossings with (fixed for a run's
    polygons: built once)."""
    out: F64 = (polygon[None, :] == np.arange(n)[:, None]).astype(np.float64)
    return out


def inside_polygons(x: F64, y: F64, x0: F64, y0: F64, x1: F64, y1: F64, one_hot: F64) -> B:
    """``(n, P)`` whether each point (``(P,)``) is inside each of ``n`` polygons given as one
    list of edges (``(E,)`` each, as in :func:`crossings`) with the polygon of each edge as
    ``one_hot (n, E)`` (:func:`edge_one_hot`): :func:`inside_polygon`'s rule for many
    polygons in one pass (no bounding boxes), for hot paths with few points and several
    polygons."""
    hits = crossings(x, y, x0, y0, x1, y1).astype(np.float64)
    out: B = np.rint(one_hot @ hits).astype(np.int64) % 2 == 1
    return out
