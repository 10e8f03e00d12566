"""Sensing: what the coalition's sensors can see (coverage now; noisy detections come next)."""

from .coverage import EFFECTIVE_EARTH_RADIUS, coverage, coverage_grid

__all__ = ["EFFECTIVE_EARTH_RADIUS", "coverage", "coverage_grid"]
