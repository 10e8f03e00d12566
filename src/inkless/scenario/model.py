"""The scenario file's schema: what a user writes, validated by pydantic v2.

Where it sits: the boundary. ``load.py`` reads YAML into these frozen models and reports every
problem at once; ``tables.py`` converts them once to SI struct-of-arrays tables that the
simulation and every later stage use. Units are in field names here (``altitude_m``, ``range_km``,
``bearing_deg``) and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from inkless.coalition import AirspaceGrant, MemberRules

__all__ = [
    "TARGET_CLASSES",
    "THREAT_CLASSES",
    "Asset",
    "CivilFlight",
    "FireUnit",
    "InterceptorType",
    "LaunchArea",
    "Member",
    "Point",
    "Raid",
    "Region",
    "Route",
    "Scenario",
    "Sensor",
    "Settings",
    "TargetClass",
    "ThreatClass",
    "Wave",
]

ThreatClass = Literal["ballistic", "cruise", "drone"]
THREAT_CLASSES: tuple[ThreatClass, ...] = ("ballistic", "cruise", "drone")
TargetClass = Literal["ballistic", "cruise", "drone", "civil"]
#: Columns of a sensor's range table: the threat classes, then civil aircraft.
TARGET_CLASSES: tuple[TargetClass, ...] = (*THREAT_CLASSES, "civil")
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(_Frozen):
    """A geodetic point on WGS-84."""

    lat_deg: float = Field(ge=-90.0, le=90.0, description="Geodetic latitude, degrees north.")
    lon_deg: float = Field(ge=-180.0, le=180.0, description="Longitude, degrees east.")
    alt_m: float = Field(0.0, ge=-500.0, le=2.0e6, description="Height above the ellipsoid, m.")


class Route(_Frozen):
    """Waypoints flown at constant ground speed along great circles (altitude linear per leg)."""

    waypoints: list[Point] = Field(min_length=2, description="At least two points.")
    speed_mps: float = Field(gt=0.0, le=8000.0, description="Ground speed, m/s.")
    depart_s: float = Field(0.0, ge=0.0, description="Departure, seconds after the epoch.")


class Settings(_Frozen):
    """Run settings."""

    epoch: datetime = Field(description="Scenario time zero, ISO 8601 with a UTC offset.")
    duration_s: float = Field(gt=0.0, le=7 * 86400.0, description="Simulated time, seconds.")
    scan_period_s: float = Field(
        5.0, gt=0.0, le=600.0, description="Decision cycle: the defence re-plans every period, s."
    )
    seed: int = Field(0, ge=0, description="Seed of the run's random generator.")
    max_shots_per_threat: dict[ThreatClass, int] = Field(
        default_factory=dict,
        description="Interceptors in the air at once against one threat, per class (default 1).",
    )
    exchange_rate: float = Field(
        0.0,
        ge=0.0,
        description="Asset value units one is willing to give up to save one million of "
        "interceptor cost; 0 fires whenever a shot lowers expected damage.",
    )
    engage_undefended: bool = Field(
        False, description="Engage threats predicted to fall where no asset is defended."
    )

    @field_validator("epoch")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2024-04-13T20:00:00Z")
        return v

    @field_validator("max_shots_per_threat")
    @classmethod
    def _shots(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if n < 1:
                raise ValueError(f"{k} must be at least 1, got {n}")
        return v


class Member(_Frozen):
    """A coalition member: a state or an organisation that brings forces."""

    id: Id = Field(description="Short identifier used across the file.")
    name: str = Field(min_length=1, description="Display name (hidden from others when anonymous).")
    anonymous: bool = Field(False, description="Appears to other members only under a pseudonym.")
    role: Literal["host", "orchestrator", "partner"] = Field(
        description="host, orchestrator or partner."
    )
    rules: MemberRules = Field(
        default_factory=MemberRules,
        description="Legal preconditions, prohibitions, equivalences and national caveats.",
    )


class Region(_Frozen):
    """An airspace region: a lat/lon polygon owned by a member or a third state."""

    id: Id
    owner: str = Field(min_length=1, description="A member id or the name of a third state.")
    polygon_deg: list[tuple[float, float]] = Field(
        min_length=3, description="Vertices as [lat, lon] pairs, degrees."
    )

    @field_validator("polygon_deg")
    @classmethod
    def _vertices(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for i, (lat, lon) in enumerate(v):
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"vertex {i} [{lat}, {lon}] is not a [lat, lon] pair in degrees")
        return v


class Asset(_Frozen):
    """A defended asset: what the coalition protects."""

    name: str = Field(min_length=1)
    owner: Id
    position: Point
    value: float = Field(gt=0.0, description="Value in the scenario's value units.")
    radius_m: float = Field(gt=0.0, le=1.0e5, description="A warhead landing within it damages it.")


class InterceptorType(_Frozen):
    """An interceptor missile type: its envelope, flyout and kill probability."""

    id: Id
    min_range_km: float = Field(0.0, ge=0.0)
    max_range_km: float = Field(gt=0.0, le=5000.0)
    min_altitude_km: float = Field(0.0, ge=0.0, description="Lowest intercept altitude, km.")
    max_altitude_km: float = Field(gt=0.0, le=2000.0, description="Highest intercept altitude, km.")
    speed_mps: float = Field(gt=0.0, le=10000.0, description="Mean flyout speed, m/s.")
    pk: dict[ThreatClass, float] = Field(
        description="Single-shot kill probability per threat class (absent class: 0)."
    )
    unit_cost_musd: float = Field(0.0, ge=0.0, description="Cost of one round, millions of USD.")

    @field_validator("pk")
    @classmethod
    def _pk(cls, v: dict[str, float]) -> dict[str, float]:
        for k, p in v.items():
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{k} must be between 0 and 1, got {p}")
        return v

    @model_validator(mode="after")
    def _envelope(self) -> InterceptorType:
        if self.min_range_km >= self.max_range_km:
            raise ValueError(
                f"min_range_km ({self.min_range_km}) must be below "
                f"max_range_km ({self.max_range_km})"
            )
        if self.min_altitude_km >= self.max_altitude_km:
            raise ValueError(
                f"min_altitude_km ({self.min_altitude_km}) must be below max_altitude_km "
                f"({self.max_altitude_km})"
            )
        return self


class Sensor(_Frozen):
    """A radar: fixed (ground, ship at anchor) or flying a route (airborne, ship under way)."""

    id: Id
    owner: Id
    kind: Literal["ground", "ship", "airborne"]
    position: Point | None = Field(None, description="Fixed position; or give a route.")
    route: Route | None = Field(None, description="Moving sensor; holds at its last waypoint.")
    range_km: dict[TargetClass, float] | None = Field(
        None, description="Detection range per target class, km."
    )
    reference_range_km: float | None = Field(
        None, gt=0.0, description="Range at which reference_rcs_m2 is detected (R ~ RCS^(1/4))."
    )
    reference_rcs_m2: float | None = Field(None, gt=0.0)
    min_elevation_deg: float | None = Field(
        None,
        ge=-90.0,
        le=90.0,
        description="Lowest elevation seen, degrees; default 0 (ground, ship), -90 (airborne).",
    )
    max_elevation_deg: float = Field(90.0, ge=-90.0, le=90.0)
    scan_period_s: float = Field(10.0, gt=0.0, le=600.0)
    sigma_range_m: float = Field(50.0, ge=0.0)
    sigma_azimuth_deg: float = Field(0.2, ge=0.0, le=10.0)
    sigma_elevation_deg: float = Field(0.2, ge=0.0, le=10.0)
    pd: float = Field(0.9, ge=0.0, le=1.0, description="Detection probability per scan.")
    false_alarms_per_scan: float = Field(
        0.0, ge=0.0, description="Mean false alarms per scan, uniform over the coverage."
    )

    @model_validator(mode="after")
    def _where_and_how_far(self) -> Sensor:
        if (self.position is None) == (self.route is None):
            raise ValueError("give exactly one of position or route")
        if self.range_km is None and (
            self.reference_range_km is None or self.reference_rcs_m2 is None
        ):
            raise ValueError("give range_km per class, or reference_range_km and reference_rcs_m2")
        if self.min_elevation_deg is not None and self.min_elevation_deg >= self.max_elevation_deg:
            raise ValueError("min_elevation_deg must be below max_elevation_deg")
        for k, r in (self.range_km or {}).items():
            if r <= 0:
                raise ValueError(f"range_km.{k} must be greater than 0, got {r}")
        return self


class FireUnit(_Frozen):
    """A fire unit (battery, ship, fighter patrol): interceptors, channels and rate of fire."""

    id: Id
    owner: Id
    position: Point
    interceptor: Id = Field(description="An interceptor type id from `interceptors`.")
    rounds: int = Field(ge=0, description="Ready rounds.")
    channels: int = Field(1, ge=1, description="Engagements it can guide at once.")
    reload_s: float = Field(0.0, ge=0.0, description="Least time between two launches, s.")


class LaunchArea(_Frozen):
    """Launches spread uniformly over a disc."""

    lat_deg: float = Field(ge=-90.0, le=90.0)
    lon_deg: float = Field(ge=-180.0, le=180.0)
    radius_km: float = Field(ge=0.0, le=1000.0)


class Wave(_Frozen):
    """A raid wave: a number of threats of one class launched over a window."""

    id: Id
    threat_class: ThreatClass
    count: int = Field(ge=1, le=100000)
    launch_points: list[Point] | None = Field(None, description="Launch sites (round robin).")
    launch_area: LaunchArea | None = Field(None, description="Or a launch area.")
    launch_window_s: tuple[float, float] = Field(
        description="[start, end] of launches, seconds after the epoch."
    )
    aim_assets: list[str] | None = Field(
        None, description="Asset names aimed at, drawn by value; absent: all assets."
    )
    aim_points: list[Point] | None = Field(None, description="Or fixed aim points.")
    cep_m: float = Field(0.0, ge=0.0, le=1.0e5, description="Circular error probable, m.")
    speed_mps: float | None = Field(None, gt=0.0, le=8000.0, description="Cruise and drone speed.")
    altitude_m: float | None = Field(None, gt=0.0, le=30000.0, description="Cruise altitude.")
    apogee_km: float | None = Field(
        None, gt=0.0, le=3000.0, description="Ballistic apogee; absent: minimum-energy arc."
    )
    via: list[Point] = Field(default_factory=list, description="Route points before the target.")
    lethality: float = Field(
        0.5, ge=0.0, le=1.0, description="Fraction of an asset's remaining value one hit destroys."
    )

    @field_validator("launch_window_s")
    @classmethod
    def _window(cls, v: tuple[float, float]) -> tuple[float, float]:
        start, end = v
        if start < 0:
            raise ValueError(f"starts before the epoch ({start:g} s); use seconds after the epoch")
        if end < start:
            raise ValueError(f"ends ({end:g} s) before it starts ({start:g} s)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Wave:
        if (self.launch_points is None) == (self.launch_area is None):
            raise ValueError("give exactly one of launch_points or launch_area")
        if self.aim_assets is not None and self.aim_points is not None:
            raise ValueError("give at most one of aim_assets or aim_points")
        if self.threat_class != "ballistic" and self.speed_mps is None:
            raise ValueError(f"speed_mps is required for a {self.threat_class} wave")
        if self.threat_class == "ballistic" and (self.speed_mps or self.altitude_m or self.via):
            raise ValueError("a ballistic wave takes apogee_km, not speed_mps/altitude_m/via")
        if self.threat_class != "ballistic" and self.apogee_km is not None:
            raise ValueError("apogee_km applies to ballistic waves only")
        return self


class Raid(_Frozen):
    waves: list[Wave] = Field(min_length=1)


class CivilFlight(_Frozen):
    """A civil flight along a filed route at a cruise altitude."""

    callsign: str = Field(min_length=1, max_length=12)
    route: list[Point] = Field(min_length=2)
    altitude_m: float = Field(gt=0.0, le=20000.0)
    speed_mps: float = Field(gt=0.0, le=350.0)
    departure_s: float = Field(0.0, ge=0.0)


class Civil(_Frozen):
    flights: list[CivilFlight] = Field(default_factory=list)


class Scenario(_Frozen):
    """One scenario file: coalition, what it defends, its sensors and fire units, the raid."""

    name: str = Field(min_length=1)
    description: str = ""
    settings: Settings
    members: list[Member] = Field(min_length=1)
    regions: list[Region] = Field(default_factory=list)
    grants: list[AirspaceGrant] = Field(
        default_factory=list, description="Airspace grants between states (transit or engage)."
    )
    assets: list[Asset] = Field(min_length=1)
    interceptors: list[InterceptorType] = Field(default_factory=list)
    sensors: list[Sensor] = Field(default_factory=list)
    fire_units: list[FireUnit] = Field(default_factory=list)
    raid: Raid
    civil: Civil = Field(default_factory=Civil)
