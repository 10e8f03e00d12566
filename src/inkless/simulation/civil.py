"""Civil traffic: scenario flights as waypoint routes at their cruise altitude."""

from __future__ import annotations

import numpy as np

from inkless.physics.route import RouteTable
from inkless.scenario.model import Scenario
from inkless.units import DEG

__all__ = ["civil_routes"]


def civil_routes(scenario: Scenario) -> RouteTable | None:
    """One route per civil flight (climb and descent are not modelled), or None without any."""
    flights = scenario.civil.flights
    if not flights:
        return None
    return RouteTable.build(
        [np.array([p.lat_deg for p in f.route]) * DEG for f in flights],
        [np.array([p.lon_deg for p in f.route]) * DEG for f in flights],
        [np.full(len(f.route), f.altitude_m) for f in flights],
        np.array([f.speed_mps for f in flights]),
        np.array([f.departure_s for f in flights]),
    )
