"""Sensor platforms: fixed radars and radars on a route (aircraft, ships under way).

A moving sensor waits at its first waypoint until it departs and holds at its last waypoint
after it arrives (:meth:`RouteTable.state`); an orbit is written as a long route.
"""

from __future__ import annotations

import numpy as np

from inkless.arrays import F64
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.physics.route import RouteTable
from inkless.scenario.tables import SensorTable

__all__ = ["SensorPlatforms"]



class SensorPlatforms:
    """ECEF positions of every sensor at a time."""

    def __init__(self, sensors: SensorTable) -> None:
        self._fixed = sensors.ecef.copy()
        routes = [(i, r) for i, r in enumerate(sensors.route) if r is not None]
        self._rows = np.array([i for i, _ in routes], dtype=np.int64)
        self._table = (
            RouteTable.build(
                [r[0] for _, r in routes],
                [r[1] for _, r in routes],
                [r[2] for _, r in routes],
                np.array([r[3] for _, r in routes]),
                np.array([r[4] for _, r in routes]),
            )
            if routes
            else None
        )

    def grid(self, dt: float, ticks: int) -> tuple[F64, F64, F64]:
        """Positions ``(ticks, s, 3)`` ECEF m, geodetic up unit vectors ``(ticks, s, 3)`` and
        heights ``(ticks, s)`` m at the tick times ``k * dt`` (read-only broadcast views when
        every sensor is fixed)."""
        pos = np.broadcast_to(self._fixed, (ticks, *self._fixed.shape))
        if self._table is not None:
            pos = pos.copy()
            times = np.broadcast_to(dt * np.arange(ticks), (len(self._rows), ticks))
            moving, _ = self._table.sample(np.arange(len(self._rows)), times)
            pos[:, self._rows] = np.swapaxes(moving, 0, 1)
            lat, lon, alt = geodetic_from_ecef(pos)
        else:
            lat, lon, alt = (
                np.broadcast_to(x, (ticks, *x.shape)) for x in geodetic_from_ecef(self._fixed)
            )
        up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
        return pos, up, alt
