"""Unit conversions at the boundary (files, JSON, reports). Inside, everything is SI and radians.

Names say the unit on the outside (``altitude_ft``) and the conversion is done once on the way in
and once on the way out; no unit objects travel through the code.
"""

from __future__ import annotations

import math

__all__ = [
    "DEG",
    "FT",
    "KM",
    "KT",
    "MIN",
    "NMI",
    "deg_from_rad",
    "rad_from_deg",
]

DEG = math.pi / 180.0  # radians per degree
KM = 1000.0  # metres per kilometre
FT = 0.3048  # metres per international foot
NMI = 1852.0  # metres per international nautical mile
KT = NMI / 3600.0  # metres per second per knot
MIN = 60.0  # seconds per minute


def rad_from_deg(x):  # type: ignore[no-untyped-def]
    """Degrees to radians; works on floats and numpy arrays."""
    return x * DEG


def deg_from_rad(x):  # type: ignore[no-untyped-def]
    """Radians to degrees; works on floats and numpy arrays."""
    return x / DEG
