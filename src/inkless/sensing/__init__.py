"""Sensing: what the coalition's sensors can see (coverage) and what they report (detections).

``coverage_grid``: the geometry (range per class, elevation limits, radar horizon);
``radar``: noisy reports per scan with misses and false alarms (:func:`detect`), the common ENU
frame (:class:`EnuFrame`) and what a tracker should expect of each sensor (:func:`expected_pd`).
"""

from .coverage import EFFECTIVE_EARTH_RADIUS, coverage_grid
from .radar import (
    BALLISTIC_SPEED,
    Detections,
    EnuFrame,
    ExpectedPd,
    clutter_density,
    detect,
    expected_pd,
    scan_ticks,
)

__all__ = [
    "BALLISTIC_SPEED",
    "EFFECTIVE_EARTH_RADIUS",
    "Detections",
    "EnuFrame",
    "ExpectedPd",
    "clutter_density",
    "coverage_grid",
    "detect",
    "expected_pd",
    "scan_ticks",
]
