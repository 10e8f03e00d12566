"""Physics shared by every stage: geodesy frames, ballistic arcs, waypoint routes, intercept
geometry.

Where it sits: the lowest layer above :mod:`inkless.errors` and :mod:`inkless.units`; the
scenario, simulation, threat, assignment and engagement stages call it. Everything is a pure,
vectorised function over numpy arrays (struct of arrays; vectors on the last axis), in the
Earth-centred Earth-fixed (ECEF) frame on WGS-84, metres, radians and seconds since the scenario
epoch.

Modules: :mod:`~inkless.physics.geodesy` (frames, distances), :mod:`~inkless.physics.ballistic`
(Keplerian arcs), :mod:`~inkless.physics.route` (waypoint movers), :mod:`~inkless.physics.intercept`
(where and when an interceptor can meet a threat).
"""

from inkless.physics.ballistic import (
    MU_EARTH,
    apogee_radius,
    arc_for_apogee,
    lambert_arc,
    minimum_energy_arc,
    propagate,
)
from inkless.physics.geodesy import (
    EARTH_MEAN_RADIUS,
    WGS84_A,
    WGS84_B,
    WGS84_E2,
    WGS84_F,
    altitude,
    destination,
    ecef_from_enu,
    ecef_from_geodetic,
    enu_from_ecef,
    enu_rotation,
    geodetic_from_ecef,
    geodetic_from_ecef_bowring,
    geodetic_up_from_ecef,
    initial_bearing,
    surface_distance,
    up_from_ecef,
)
from inkless.physics.intercept import intercept_straight, pairwise_intercept
from inkless.physics.route import RouteTable

__all__ = [
    "EARTH_MEAN_RADIUS",
    "MU_EARTH",
    "WGS84_A",
    "WGS84_B",
    "WGS84_E2",
    "WGS84_F",
    "RouteTable",
    "altitude",
    "apogee_radius",
    "arc_for_apogee",
    "destination",
    "ecef_from_enu",
    "ecef_from_geodetic",
    "enu_from_ecef",
    "enu_rotation",
    "geodetic_from_ecef",
    "geodetic_from_ecef_bowring",
    "geodetic_up_from_ecef",
    "initial_bearing",
    "intercept_straight",
    "lambert_arc",
    "minimum_energy_arc",
    "pairwise_intercept",
    "propagate",
    "surface_distance",
    "up_from_ecef",
]
