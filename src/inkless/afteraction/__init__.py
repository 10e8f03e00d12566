"""After-action: replication statistics and the self-contained HTML report of a run.

Where it sits: the last stage. It reads a run's results dict (``results.py``) and its geometry
(:class:`MapData`, degrees) and writes a report. Only ``results.py`` reads lower layers (the
pipeline's records); the report, map and statistics depend on nothing but ``errors``.

Public API::

    write_report(path, results, geometry)   one HTML file, figures embedded, no external refs
    render_report(results, geometry) -> str the same page as a string
    summarise(replications) -> dict         results of R replications with mean and 95 % CI
    confidence_interval(values) -> dict     {"mean", "ci95", "values"} (Student t)
    MapData (+ ThreatPath, InterceptorPath, CivilPath, Asset, Sensor, FireUnit, Point, Impact)
    BBox, coastlines(bbox), borders(bbox), land_polygons(bbox)   offline GSHHG map data
"""

from __future__ import annotations

from inkless.afteraction.basemap import BBox, borders, coastlines, land_polygons
from inkless.afteraction.mapdata import (
    Asset,
    CivilPath,
    FireUnit,
    Impact,
    InterceptorPath,
    MapData,
    Point,
    Sensor,
    ThreatPath,
    TrackPath,
)
from inkless.afteraction.report import render_report, write_report
from inkless.afteraction.summary import confidence_interval, summarise

__all__ = [
    "Asset",
    "BBox",
    "CivilPath",
    "FireUnit",
    "Impact",
    "InterceptorPath",
    "MapData",
    "Point",
    "Sensor",
    "ThreatPath",
    "TrackPath",
    "borders",
    "coastlines",
    "confidence_interval",
    "land_polygons",
    "render_report",
    "summarise",
    "write_report",
]
