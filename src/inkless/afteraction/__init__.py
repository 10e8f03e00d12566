"""After-action: replication statistics and the self-contained HTML report of a run.

Where it sits: the last stage. It reads a run's :class:`Findings` (``results.json``, built by
``results.py``) and its geometry (:class:`MapData`, degrees) and writes a report. Only
``results.py`` (with ``saturation``, ``replay`` and ``views.provenance``) reads lower layers (the
engine's record); the report, map and statistics read the findings.

Public API::

    write_report(path, results, geometry)   one HTML file, figures embedded, no external refs
    render_report(results, geometry) -> str the same page as a string
    write_outputs(out_dir, record, findings, audience=None)
                                            results.json, events.csv, report.html of a run
    Findings, read_findings(path)           the typed results.json (findings.py)
    summarise(replications) -> Findings     results of R replications with mean and 95 % CI
    confidence_interval(values) -> dict     {"mean", "ci95", "values"} (Student t)
    MapData (+ ThreatPath, InterceptorPath, CivilPath, Asset, Sensor, FireUnit, Point, Impact)
    BBox, coastlines(bbox), borders(bbox), land_polygons(bbox)   offline GSHHG map data
"""

from __future__ import annotations

from inkless.afteraction.basemap import BBox, borders, coastlines, land_polygons
from inkless.afteraction.findings import Findings, read_findings
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
from inkless.afteraction.outputs import write_outputs
from inkless.afteraction.report import render_report, write_report
from inkless.afteraction.summary import confidence_interval, summarise

__all__ = [
    "Asset",
    "BBox",
    "CivilPath",
    "Findings",
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
    "read_findings",
    "render_report",
    "summarise",
    "write_outputs",
    "write_report",
]
