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

from inkless.arrays import F64, B

__all__ = ["inside_polygon"]


def inside_polygon(x: ArrayLike, y: ArrayLike, poly_x: ArrayLike, poly_y: ArrayLike) -> B:
    """Whether each point (``x``, ``y``, any shape, the polygon's units) is inside the polygon
    with vertices ``poly_x``, ``poly_y`` (closed implicitly; may cross itself).

    Method: even-odd ray crossing (W. R. Franklin, *PNPOLY*; after M. Shimrat, "Algorithm 112:
    Position of point relative to polygon", CACM 5(8), 1962), all edges at once. The boundary is
    half-open: an edge's lower end counts, its upper end does not, and a point on an edge is
    inside when the polygon lies to its right (for a square: the lower and left edges and the
    lower-left vertex are in, the upper and right ones out), so polygons that tile the plane
    hold each boundary point exactly once. NaN points are outside. Points outside the polygon's
    bounding box are decided without the edges.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    px, py = np.asarray(poly_x, dtype=float), np.asarray(poly_y, dtype=float)
    inside = np.zeros(np.broadcast_shapes(xs.shape, ys.shape), dtype=bool)
    xs, ys = np.broadcast_to(xs, inside.shape), np.broadcast_to(ys, inside.shape)
    box = (ys >= py.min()) & (ys <= py.max()) & (xs >= px.min()) & (xs <= px.max())
    if not box.any():
        return inside
    xb, yb = xs[box][None, :], ys[box][None, :]
    x1, y1 = px[:, None], py[:, None]  # edge from vertex i-1 (x0, y0) to vertex i (x1, y1)
    x0, y0 = np.roll(px, 1)[:, None], np.roll(py, 1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        crosses = (y1 > yb) != (y0 > yb)
        x_at: F64 = (x0 - x1) * (yb - y1) / (y0 - y1) + x1
    inside[box] = np.count_nonzero(crosses & (xb < x_at), axis=0) % 2 == 1
    return inside
