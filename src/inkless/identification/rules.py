"""The identification rules of a run: kinematic bands, correlation gates and the hostile
declaration table (rules of engagement), compiled once from the scenario to SI arrays.

Where it sits: identification, built at the start of a run (:func:`compile_rules`) and passed to
every :func:`~inkless.identification.identify` call. The same :class:`Rules` serve every member's
picture: the coalition's rules of engagement are applied the same way for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from inkless.arrays import F64, I64, U32
from inkless.scenario.model import THREAT_CLASSES, HostileRule, Identification, Scenario
from inkless.units import DEG

from .categories import EVIDENCE_NAMES
from .departures import Departures

__all__ = ["Rules", "compile_rules", "rule_table"]


@dataclass(frozen=True)
class Rules:
    """Identification rules in SI units (m, m/s, s, radians).

    Attributes:
        settings: the scenario's identification settings (bands and noise, SI as named).
        hostile_requires: ``(r,) uint32`` evidence bits each hostile rule requires (all of them).
        hostile_class: ``(r,) int64`` threat class index each rule declares (ballistic 0,
            cruise 1, drone 2).
        corridor_lat, corridor_lon: per launch corridor, polygon vertices (radians).
        corridor_from, corridor_until: ``(c,)`` s, when each corridor is open.
        gate_pos, gate_vel: chi-square gates (3 degrees of freedom) at ``gate_probability``.
        origin: ``(lat0, lon0, alt0)`` (rad, rad, m) of the tracks' ENU frame.
        departures: the coalition's filed departures (its patrols' bases and scheduled
            take-offs: :mod:`~inkless.identification.departures`).
    """

    settings: Identification
    hostile_requires: U32
    hostile_class: I64
    corridor_lat: tuple[F64, ...]
    corridor_lon: tuple[F64, ...]
    corridor_from: F64
    corridor_until: F64
    gate_pos: float
    gate_vel: float
    origin: tuple[float, float, float]
    departures: Departures


def rule_table(rules: list[HostileRule]) -> tuple[U32, I64]:
    """``(requires (r,) uint32, threat class (r,) int64)`` of a hostile declaration table."""
    req = np.array(
        [np.bitwise_or.reduce([int(EVIDENCE_NAMES[n]) for n in r.requires]) for r in rules],
        dtype=np.uint32,
    )
    cls = np.array([THREAT_CLASSES.index(r.threat_class) for r in rules], dtype=np.int64)
    return req, cls


def compile_rules(
    scenario: Scenario, origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
) -> Rules:
    """The scenario's ``identification`` settings and ``roe`` table as :class:`Rules`;
    ``origin`` is the geodetic origin (rad, rad, m) of the ENU frame the tracks are in."""
    settings = scenario.identification
    req, cls = rule_table(scenario.roe.hostile)
    regions = {r.id: r for r in scenario.regions}
    lat, lon, t0, t1 = [], [], [], []
    for c in scenario.roe.corridors:
        poly = np.asarray(regions[c.region].polygon_deg, dtype=float) * DEG
        lat.append(poly[:, 0])
        lon.append(poly[:, 1])
        t0.append(c.from_s)
        t1.append(np.inf if c.until_s is None else c.until_s)
    return Rules(
        settings=settings,
        hostile_requires=req,
        hostile_class=cls,
        corridor_lat=tuple(lat),
        corridor_lon=tuple(lon),
        corridor_from=np.array(t0, dtype=float),
        corridor_until=np.array(t1, dtype=float),
        gate_pos=float(chi2.ppf(settings.gate_probability, 3)),
        gate_vel=float(chi2.ppf(settings.gate_probability, 3)),
        origin=tuple(float(v) for v in origin),  # type: ignore[arg-type]
        departures=Departures.of(scenario.patrols),
    )
