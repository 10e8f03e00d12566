"""SI struct-of-arrays tables compiled once from a validated :class:`Scenario`.

Where it sits: right after loading. Every later stage reads these tables; positions are ECEF
metres, angles radians, times seconds since the epoch, costs millions of USD, ranges metres.
Threat classes are indexed by :data:`CLASS_INDEX` (ballistic 0, cruise 1, drone 2); sensor
ranges add civil aircraft as column 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.units import DEG, KM

from .model import TARGET_CLASSES, THREAT_CLASSES, PatrolRadar, Point, Scenario, Sensor

__all__ = [
    "CLASS_INDEX",
    "RCS_DEFAULT_M2",
    "SEEKER_BASKET_DEFAULT_M",
    "AssetTable",
    "FireUnitTable",
    "SensorTable",
    "Tables",
    "class_ranges",
    "compile_tables",
]


CLASS_INDEX = {name: i for i, name in enumerate(THREAT_CLASSES)}
#: Radar cross-section used with a sensor's reference range when a class has no range_km
#: (illustrative orders of magnitude: re-entry vehicle, cruise missile, small drone, airliner).
RCS_DEFAULT_M2 = np.array([0.1, 0.1, 0.5, 20.0])
#: Seeker basket of an interceptor type that gives none, m: on a tracked picture a shot can kill
#: only a threat this close to the predicted intercept point (notional, of the order of the
#: acquisition range of an active terminal seeker against a small target).
SEEKER_BASKET_DEFAULT_M = 2000.0


@dataclass(frozen=True)
class AssetTable:
    """Defended assets: ``ecef (n,3)`` m, ``value (n,)``, ``radius (n,)`` m, ``owner (n,)``."""

    name: tuple[str, ...]
    owner: I64
    lat: F64
    lon: F64
    alt: F64
    ecef: F64
    value: F64
    radius: F64


@dataclass(frozen=True)
class FireUnitTable:
    """Fire units with their interceptor type's envelope: SI, one row per unit."""

    id: tuple[str, ...]
    interceptor: tuple[str, ...]
    owner: I64
    lat: F64
    lon: F64
    alt: F64
    ecef: F64
    r_min: F64
    r_max: F64
    alt_min: F64
    alt_max: F64
    speed: F64  # mean flyout speed, m/s
    pk: F64  # (n, 3) single-shot kill probability per threat class
    cost: F64  # per round, millions of USD
    rounds: I64
    channels: I64
    reload: F64  # least time between two launches, s
    basket: F64  # seeker basket radius, m (tracked picture: kill only this close to the aim point)


@dataclass(frozen=True)
class SensorTable:
    """Radars: fixed position (``ecef``) or a route (``route_index`` into ``routes``)."""

    id: tuple[str, ...]
    owner: I64
    kind: tuple[str, ...]
    ecef: F64  # (n,3) fixed position, NaN for moving sensors
    route: tuple[
        tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float, float] | None,
        ...,
    ]  # (lat, lon, alt, speed, depart) per moving sensor
    range: F64  # (n, 4) detection range per class (ballistic, cruise, drone, civil), m
    min_el: F64
    max_el: F64
    scan_period: F64
    sigma_range: F64
    sigma_az: F64
    sigma_el: F64
    pd: F64
    false_alarms: F64


@dataclass(frozen=True)
class Tables:
    members: tuple[str, ...]
    assets: AssetTable
    units: FireUnitTable
    sensors: SensorTable


def _geo(points: list[Point]) -> tuple[F64, F64, F64]:
    lat = np.array([p.lat_deg for p in points], dtype=float) * DEG
    lon = np.array([p.lon_deg for p in points], dtype=float) * DEG
    alt = np.array([p.alt_m for p in points], dtype=float)
    return lat, lon, alt


def _min_elevation(sensor: Sensor) -> float:
    """Degrees; a radar on an aircraft looks down, one on the ground or a ship does not."""
    if sensor.min_elevation_deg is not None:
        return sensor.min_elevation_deg
    return -90.0 if sensor.kind == "airborne" else 0.0


def compile_tables(scenario: Scenario) -> Tables:
    """Convert the file's units to SI once and lay entities out as arrays."""
    members = tuple(m.id for m in scenario.members)
    member_index = {m: i for i, m in enumerate(members)}
    return Tables(
        members=members,
        assets=_asset_table(scenario, member_index),
        units=_fire_unit_table(scenario, member_index),
        sensors=_sensor_table(scenario, member_index),
    )


def _asset_table(scenario: Scenario, member_index: dict[str, int]) -> AssetTable:
    """The defended assets in SI (positions ECEF m, radius m)."""
    a = scenario.assets
    lat, lon, alt = _geo([x.position for x in a])
    return AssetTable(
        name=tuple(x.name for x in a),
        owner=np.array([member_index[x.owner] for x in a], dtype=np.int64),
        lat=lat,
        lon=lon,
        alt=alt,
        ecef=ecef_from_geodetic(lat, lon, alt).reshape(-1, 3),
        value=np.array([x.value for x in a], dtype=float),
        radius=np.array([x.radius_m for x in a], dtype=float),
    )


def _fire_unit_table(scenario: Scenario, member_index: dict[str, int]) -> FireUnitTable:
    """The fire units with their interceptor type's envelope, speed, kill probabilities by
    threat class, cost and seeker basket, in SI; then one row per patrol aircraft
    (``PATROL.F.A``, the order of :meth:`inkless.simulation.patrol.Sorties.plan`) with its
    missiles and one channel, placed at its base: the engine moves these rows each decision
    cycle (:mod:`inkless.engine.patrols`)."""
    types = {t.id: t for t in scenario.interceptors}
    u: list[Any] = list(scenario.fire_units)
    u += [_Aircraft(aid, p.interceptor, p.owner, p.base, p.missiles_per_aircraft)
          for p in scenario.patrols for aid in p.aircraft_ids()]
    kinds = [types[x.interceptor] for x in u]
    lat, lon, alt = _geo([x.position for x in u])
    return FireUnitTable(
        id=tuple(x.id for x in u),
        interceptor=tuple(x.interceptor for x in u),
        owner=np.array([member_index[x.owner] for x in u], dtype=np.int64),
        lat=lat,
        lon=lon,
        alt=alt,
        ecef=ecef_from_geodetic(lat, lon, alt).reshape(-1, 3),
        r_min=np.array([k.min_range_km * KM for k in kinds], dtype=float),
        r_max=np.array([k.max_range_km * KM for k in kinds], dtype=float),
        alt_min=np.array([k.min_altitude_km * KM for k in kinds], dtype=float),
        alt_max=np.array([k.max_altitude_km * KM for k in kinds], dtype=float),
        speed=np.array([k.speed_mps for k in kinds], dtype=float),
        pk=np.array(
            [[k.pk.get(c, 0.0) for c in THREAT_CLASSES] for k in kinds], dtype=np.float64
        ).reshape(-1, len(THREAT_CLASSES)),
        cost=np.array([k.unit_cost_musd for k in kinds], dtype=float),
        rounds=np.array([x.rounds for x in u], dtype=np.int64),
        channels=np.array([x.channels for x in u], dtype=np.int64),
        reload=np.array([x.reload_s for x in u], dtype=float),
        basket=np.array(
            [k.seeker_basket_m or SEEKER_BASKET_DEFAULT_M for k in kinds], dtype=float
        ),
    )


@dataclass(frozen=True)
class _Aircraft:
    """A patrol aircraft as a fire unit: its missiles, one channel, no reload."""

    id: str
    interceptor: str
    owner: str
    position: Point
    rounds: int
    channels: int = 1
    reload_s: float = 0.0


def class_ranges(x: Sensor | PatrolRadar) -> F64:
    """A radar's detection range per target class (ballistic, cruise, drone, civil), m: given,
    or scaled from the reference range by the radar range equation (0: neither)."""
    out = np.zeros(len(TARGET_CLASSES))
    for c, name in enumerate(TARGET_CLASSES):
        given = (x.range_km or {}).get(name)
        if given is not None:
            out[c] = given * KM
        elif x.reference_range_km is not None and x.reference_rcs_m2 is not None:
            # Radar range equation: detection range scales with RCS to the power 1/4.
            out[c] = x.reference_range_km * KM * (RCS_DEFAULT_M2[c] / x.reference_rcs_m2) ** 0.25
    return out


def _sensor_table(scenario: Scenario, member_index: dict[str, int]) -> SensorTable:
    """The sensors in SI: fixed positions (ECEF m) or routes, detection range per target class
    (given, or scaled from the reference range by the radar range equation), accuracies."""
    s = scenario.sensors
    ecef = np.full((len(s), 3), np.nan)
    routes: list[tuple[F64, F64, F64, float, float] | None] = []
    ranges = np.zeros((len(s), 4))
    for i, x in enumerate(s):
        if x.position is not None:
            p = x.position
            ecef[i] = ecef_from_geodetic(p.lat_deg * DEG, p.lon_deg * DEG, p.alt_m)
            routes.append(None)
        else:
            assert x.route is not None  # the model guarantees one of the two
            la, lo, al = _geo(x.route.waypoints)
            routes.append((la, lo, al, x.route.speed_mps, x.route.depart_s))
        ranges[i] = class_ranges(x)
    return SensorTable(
        id=tuple(x.id for x in s),
        owner=np.array([member_index[x.owner] for x in s], dtype=np.int64),
        kind=tuple(x.kind for x in s),
        ecef=ecef,
        route=tuple(routes),
        range=ranges,
        min_el=np.array([_min_elevation(x) * DEG for x in s], dtype=float),
        max_el=np.array([x.max_elevation_deg * DEG for x in s], dtype=float),
        scan_period=np.array([x.scan_period_s for x in s], dtype=float),
        sigma_range=np.array([x.sigma_range_m for x in s], dtype=float),
        sigma_az=np.array([x.sigma_azimuth_deg * DEG for x in s], dtype=float),
        sigma_el=np.array([x.sigma_elevation_deg * DEG for x in s], dtype=float),
        pd=np.array([x.pd for x in s], dtype=float),
        false_alarms=np.array([x.false_alarms_per_scan for x in s], dtype=float),
    )
