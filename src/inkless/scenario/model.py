"""The scenario file's schema: what a user writes, validated by pydantic v2.

Where it sits: the boundary. ``load.py`` reads YAML into these frozen models and reports every
problem at once; ``tables.py`` converts them once to SI struct-of-arrays tables that the
simulation and every later stage use. Units are in field names here (``altitude_m``, ``range_km``,
``bearing_deg``) and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from inkless.coalition import (
    THREAT_CLASSES,
    AirspaceGrant,
    CoalitionSettings,
    MemberRules,
    ThreatClass,
)
from inkless.errors import InputError
from inkless.physics.geodesy import surface_distance
from inkless.physics.sortie import station_entry, time_on_station
from inkless.units import DEG, KM

from .limits import (
    EPOCH_FIRST,
    EPOCH_LAST,
    MAX_CHANNELS,
    MAX_DURATION_S,
    MAX_FLIGHTS,
    MAX_ITEMS,
    MAX_MEMBERS,
    MAX_PERIOD_S,
    MAX_POINTS,
    MAX_ROUNDS,
    MAX_SEED,
    MAX_SHOTS,
    MAX_TIME_S,
    MAX_WAVE_COUNT,
    MIN_PERIOD_S,
)

__all__ = [
    "PICTURES",
    "TARGET_CLASSES",
    "THREAT_CLASSES",
    "Asset",
    "CivilFlight",
    "CivilRecording",
    "Closure",
    "Corridor",
    "FireUnit",
    "HostileRule",
    "Identification",
    "InterceptorType",
    "LaunchArea",
    "Member",
    "Patrol",
    "PatrolRadar",
    "PatrolStation",
    "PictureName",
    "Point",
    "Raid",
    "Region",
    "Roe",
    "Route",
    "Scenario",
    "Sensor",
    "Settings",
    "TargetClass",
    "ThreatClass",
    "Wave",
]

#: ThreatClass and THREAT_CLASSES come from the coalition (the lowest layer that names them).
TargetClass = Literal[ThreatClass, "civil"]
PictureName = Literal["tracked", "perfect"]
"""The pictures the defence may decide on (:mod:`inkless.engine.picture`), as sweep files,
results and ``inkless run --picture`` name them: defined here, below the engine, so that the
command line takes its choices from it without importing the engine."""
PICTURES: tuple[PictureName, ...] = get_args(PictureName)
#: Columns of a sensor's range table: the threat classes, then civil aircraft.
TARGET_CLASSES: tuple[TargetClass, ...] = (*THREAT_CLASSES, "civil")
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64)]


#: Seconds after the epoch (launches, departures, closures): finite and at most MAX_TIME_S.
Seconds = Annotated[float, Field(ge=0.0, le=MAX_TIME_S)]


class _Frozen(BaseModel):
    """Frozen, no unknown field, every float finite (``.inf`` and ``.nan`` are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Point(_Frozen):
    """A geodetic point on WGS-84."""

    lat_deg: float = Field(ge=-90.0, le=90.0, description="Geodetic latitude, degrees north.")
    lon_deg: float = Field(ge=-180.0, le=180.0, description="Longitude, degrees east.")
    alt_m: float = Field(0.0, ge=-500.0, le=2.0e6, description="Height above the ellipsoid, m.")


class Route(_Frozen):
    """Waypoints flown at constant ground speed along great circles (altitude linear per leg)."""

    waypoints: list[Point] = Field(
        min_length=2, max_length=MAX_POINTS, description="At least two points."
    )
    speed_mps: float = Field(ge=0.1, le=8000.0, description="Ground speed, m/s.")
    depart_s: Seconds = Field(0.0, description="Departure, seconds after the epoch.")


class Settings(_Frozen):
    """Run settings."""

    epoch: datetime = Field(description="Scenario time zero, ISO 8601 with a UTC offset.")
    duration_s: float = Field(gt=0.0, le=MAX_DURATION_S, description="Simulated time, seconds.")
    scan_period_s: float = Field(
        5.0,
        ge=MIN_PERIOD_S,
        le=MAX_PERIOD_S,
        description="Decision cycle: the defence re-plans every period, s.",
    )
    seed: int = Field(0, ge=0, lt=MAX_SEED, description="Seed of the run's random generator.")
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
        if not EPOCH_FIRST <= v < EPOCH_LAST:
            raise ValueError(
                f"must be from {EPOCH_FIRST:%Y-%m-%d} to before {EPOCH_LAST:%Y-%m-%d} (UTC), "
                f"got {v.isoformat()}"
            )
        return v

    @model_validator(mode="after")
    def _ends_in_range(self) -> Settings:
        end = self.epoch.timestamp() + self.duration_s
        if end >= EPOCH_LAST.timestamp():
            raise ValueError(
                f"the run ends after {EPOCH_LAST:%Y-%m-%d} (epoch + duration_s); "
                "move the epoch earlier or shorten duration_s"
            )
        return self

    @field_validator("max_shots_per_threat")
    @classmethod
    def _shots(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if not 1 <= n <= MAX_SHOTS:
                raise ValueError(f"{k} must be from 1 to {MAX_SHOTS}, got {n}")
        return v


class Member(_Frozen):
    """A coalition member: a state or an organisation that brings forces."""

    id: Id = Field(description="Short identifier used across the file.")
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Display name (hidden from others when anonymous).",
    )
    anonymous: bool = Field(False, description="Appears to other members only under a pseudonym.")
    role: Literal["host", "orchestrator", "partner"] = Field(
        description="host, orchestrator or partner."
    )
    rules: MemberRules = Field(
        default_factory=MemberRules,
        description="Legal preconditions, prohibitions, equivalences and national caveats.",
    )
    shares: Literal["detections", "tracks", "none"] = Field(
        "detections",
        description="What its sensors give the coalition picture: every detection (centralised "
        "measurement fusion), only its own tracks (track-to-track fusion by covariance "
        "intersection), or nothing.",
    )


class Region(_Frozen):
    """An airspace region: a lat/lon polygon owned by a member or a third state."""

    id: Id
    owner: str = Field(
        min_length=1, max_length=200, description="A member id or the name of a third state."
    )
    polygon_deg: list[tuple[float, float]] = Field(
        min_length=3, max_length=MAX_POINTS, description="Vertices as [lat, lon] pairs, degrees."
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

    name: str = Field(min_length=1, max_length=200)
    owner: Id
    position: Point
    value: float = Field(gt=0.0, le=1.0e12, description="Value in the scenario's value units.")
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
    unit_cost_musd: float = Field(
        0.0, ge=0.0, le=1.0e6, description="Cost of one round, millions of USD."
    )
    seeker_basket_m: float | None = Field(
        None,
        gt=0.0,
        le=1.0e5,
        description="On a tracked picture, the kill draw counts only if the threat is this close "
        "to the predicted intercept point at the intercept time, m; absent: 2000.",
    )

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
    scan_period_s: float = Field(10.0, ge=MIN_PERIOD_S, le=MAX_PERIOD_S)
    sigma_range_m: float = Field(50.0, ge=0.0, le=1.0e5)
    sigma_azimuth_deg: float = Field(0.2, ge=0.0, le=10.0)
    sigma_elevation_deg: float = Field(0.2, ge=0.0, le=10.0)
    pd: float = Field(0.9, ge=0.0, le=1.0, description="Detection probability per scan.")
    false_alarms_per_scan: float = Field(
        0.0, ge=0.0, le=1000.0, description="Mean false alarms per scan, uniform over the coverage."
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
    rounds: int = Field(ge=0, le=MAX_ROUNDS, description="Ready rounds.")
    channels: int = Field(1, ge=1, le=MAX_CHANNELS, description="Engagements it can guide at once.")
    reload_s: float = Field(
        0.0, ge=0.0, le=86400.0, description="Least time between two launches, s."
    )


PATROL_MIN_ALT_M, PATROL_MAX_ALT_M = 100.0, 20000.0
"""Bounds of a CAP station's altitude, m: above the ground, below a fighter's service ceiling
(about 15-20 km for the F-15 and Typhoon, public figures)."""


class PatrolStation(_Frozen):
    """A combat air patrol (CAP) station flown at cruise speed: an orbit (a circle of
    ``radius_km`` about ``centre``) or a racetrack (two straight legs of ``length_km`` along
    ``axis_deg`` joined by turns of ``radius_km``, centred on ``centre``)."""

    centre: Point = Field(description="Centre of the pattern; its alt_m is the patrol altitude.")
    pattern: Literal["orbit", "racetrack"] = Field("orbit", description="orbit or racetrack.")
    radius_km: float = Field(
        gt=0.0, le=200.0, description="Orbit radius, or a racetrack's turn radius, km."
    )
    length_km: float = Field(
        0.0, ge=0.0, le=500.0, description="A racetrack's straight legs, km (an orbit: 0)."
    )
    axis_deg: float = Field(
        0.0, ge=0.0, lt=360.0, description="Bearing of a racetrack's legs, degrees from north."
    )

    @model_validator(mode="after")
    def _shape(self) -> PatrolStation:
        if self.pattern == "racetrack" and self.length_km == 0.0:
            raise ValueError("a racetrack needs length_km > 0; or make it an orbit")
        if self.pattern == "orbit" and self.length_km > 0.0:
            raise ValueError("an orbit takes no length_km; make it a racetrack or remove it")
        if not PATROL_MIN_ALT_M <= self.centre.alt_m <= PATROL_MAX_ALT_M:
            raise ValueError(
                f"the patrol altitude (centre alt_m {self.centre.alt_m:g} m) must be between "
                f"{PATROL_MIN_ALT_M:g} and {PATROL_MAX_ALT_M:g} m (a fighter's ceiling)")
        return self

    def transit_m(self, base: Point) -> tuple[float, float]:
        """From ``base``: the great-circle distance to the pattern's nearest point (where a
        flight joins it) and a bound on the way home from any point of it (the distance to the
        centre plus the radius and half the legs), m."""
        lat0, lon0 = self.centre.lat_deg * DEG, self.centre.lon_deg * DEG
        lat, lon = base.lat_deg * DEG, base.lon_deg * DEG
        L, r, axis = self.length_km * KM, self.radius_km * KM, self.axis_deg * DEG
        _, e_lat, e_lon = station_entry(lat0, lon0, axis, L, r, lat, lon)
        out = float(surface_distance(lat, lon, e_lat, e_lon))
        return out, float(surface_distance(lat0, lon0, lat, lon)) + r + 0.5 * L


class PatrolRadar(_Frozen):
    """An airborne radar carried by every aircraft of a patrol (fields as a sensor's)."""

    range_km: dict[TargetClass, float] | None = Field(
        None, description="Detection range per target class, km."
    )
    reference_range_km: float | None = Field(
        None, gt=0.0, description="Range at which reference_rcs_m2 is detected (R ~ RCS^(1/4))."
    )
    reference_rcs_m2: float | None = Field(None, gt=0.0, description="Reference target, m².")
    scan_period_s: float = Field(
        10.0, ge=MIN_PERIOD_S, le=MAX_PERIOD_S, description="Time between scans, s."
    )
    sigma_range_m: float = Field(50.0, ge=0.0, le=1.0e5, description="Range noise (1σ), m.")
    sigma_azimuth_deg: float = Field(
        0.2, ge=0.0, le=10.0, description="Azimuth noise (1σ), degrees."
    )
    sigma_elevation_deg: float = Field(
        0.2, ge=0.0, le=10.0, description="Elevation noise (1σ), degrees."
    )
    pd: float = Field(0.9, ge=0.0, le=1.0, description="Detection probability per scan.")

    @model_validator(mode="after")
    def _how_far(self) -> PatrolRadar:
        if self.range_km is None and (
            self.reference_range_km is None or self.reference_rcs_m2 is None
        ):
            raise ValueError("give range_km per class, or reference_range_km and reference_rcs_m2")
        for k, r in (self.range_km or {}).items():
            if r <= 0:
                raise ValueError(f"range_km.{k} must be greater than 0, got {r}")
        return self


DEFAULT_RELIEF_S = 300.0
"""Default relief overlap of a patrol, s: the next flight arrives five minutes before the one on
station must leave. NOTIONAL ("missions minutes apart")."""


class Patrol(_Frozen):
    """Fighter patrols: ``flights`` flights of ``aircraft_per_flight`` aircraft from ``base``,
    each flying out to ``station`` at cruise speed, holding it until bingo fuel (enough to fly
    home at cruise from the pattern's farthest point with ``reserve_s`` of cruise fuel left),
    then home. The next flight launches so as to arrive ``relief_overlap_s`` before the one on
    station reaches bingo, or every ``launch_interval_s`` (then gaps may open). ``inkless run``
    flies them as moving fire units (docs/patrols.md, "In a run")."""

    id: Id = Field(description="Short identifier; its aircraft are ID.F.A (flight, aircraft).")
    owner: Id = Field(description="The member whose aircraft these are.")
    base: Point = Field(description="Where the flights take off and land.")
    station: PatrolStation = Field(description="The CAP station: an orbit or a racetrack.")
    interceptor: Id = Field(description="The air-to-air missile: an id from `interceptors`.")
    missiles_per_aircraft: int = Field(ge=1, le=16, description="Missiles each aircraft carries.")
    aircraft_per_flight: int = Field(2, ge=1, le=8, description="Aircraft flying together.")
    flights: int = Field(1, ge=1, le=100, description="Flights launched one after the other.")
    first_launch_s: Seconds = Field(0.0, description="The first flight's take-off, s.")
    cruise_speed_mps: float = Field(gt=50.0, le=700.0, description="Transit and station, m/s.")
    dash_speed_mps: float = Field(gt=50.0, le=1500.0, description="Speed to an intercept, m/s.")
    endurance_s: float | None = Field(
        None, gt=0.0, le=86400.0, description="Time aloft at cruise on a full load, s; or fuel_kg."
    )
    dash_burn_factor: float = Field(
        3.0,
        ge=1.0,
        le=20.0,
        description="With endurance_s: fuel burnt per second at dash over that at cruise.",
    )
    fuel_kg: float | None = Field(None, gt=0.0, le=1.0e5, description="Usable fuel at take-off.")
    cruise_burn_kg_per_s: float | None = Field(
        None, gt=0.0, le=100.0, description="With fuel_kg: fuel flow at cruise, kg/s."
    )
    dash_burn_kg_per_s: float | None = Field(
        None, gt=0.0, le=500.0, description="With fuel_kg: fuel flow at dash speed, kg/s."
    )
    reserve_s: float = Field(
        0.0, ge=0.0, le=86400.0, description="Fuel left on landing, as seconds of cruise."
    )
    relief_overlap_s: float | None = Field(
        None,
        ge=0.0,
        le=86400.0,
        description="The next flight arrives this long before bingo of the one on station, s "
        "(default 300 when launch_interval_s is not given).",
    )
    launch_interval_s: float | None = Field(
        None, gt=0.0, le=MAX_TIME_S, description="Or: flights take off this often, s."
    )
    commit_range_km: float | None = Field(
        None, gt=0.0, le=2000.0,
        description="The longest vector an aircraft flies out to an intercept, km: from where "
        "it leaves its pattern to where its missile is away (its commit criterion; default: as "
        "far as its fuel goes).")
    radar: PatrolRadar | None = Field(None, description="An airborne radar on every aircraft.")

    @model_validator(mode="after")
    def _consistent(self) -> Patrol:
        if self.dash_speed_mps <= self.cruise_speed_mps:
            raise ValueError(
                f"dash_speed_mps ({self.dash_speed_mps:g}) must exceed cruise_speed_mps "
                f"({self.cruise_speed_mps:g})"
            )
        burns = (self.cruise_burn_kg_per_s, self.dash_burn_kg_per_s)
        if (self.endurance_s is None) == (self.fuel_kg is None):
            raise ValueError("give exactly one of endurance_s or fuel_kg")
        if self.fuel_kg is not None and None in burns:
            raise ValueError("fuel_kg needs cruise_burn_kg_per_s and dash_burn_kg_per_s")
        if self.endurance_s is not None and burns != (None, None):
            raise ValueError("burn rates go with fuel_kg; with endurance_s give dash_burn_factor")
        if burns[0] is not None and burns[1] is not None and burns[1] < burns[0]:
            raise ValueError("dash_burn_kg_per_s must be at least cruise_burn_kg_per_s")
        if self.relief_overlap_s is not None and self.launch_interval_s is not None:
            raise ValueError("give at most one of relief_overlap_s or launch_interval_s")
        on = self.on_station_s()
        if on <= 0.0:
            raise ValueError(
                f"the fuel does not reach the station and back ({on:.0f} s on station); "
                "move the station closer, add fuel or lower reserve_s"
            )
        overlap = self.relief_s()
        if overlap is not None and overlap >= on:
            default = " by default" if self.relief_overlap_s is None else ""
            raise ValueError(
                f"relief_overlap_s ({overlap:g}{default}) must be below the time on "
                f"station ({on:.0f} s)"
            )
        return self

    def aircraft_ids(self) -> list[str]:
        """Its aircraft ``ID.F.A`` (1-based flight and aircraft), flight by flight: the order of
        their fire unit rows (:func:`inkless.scenario.tables.compile_tables`) and of
        :meth:`inkless.simulation.patrol.Sorties.plan`."""
        return [f"{self.id}.{k + 1}.{a + 1}"
                for k in range(self.flights) for a in range(self.aircraft_per_flight)]

    def relief_s(self) -> float | None:
        """How long before bingo of the flight on station the next one arrives, s (default
        :data:`DEFAULT_RELIEF_S`); None when flights launch every ``launch_interval_s``."""
        if self.launch_interval_s is not None:
            return None
        return DEFAULT_RELIEF_S if self.relief_overlap_s is None else self.relief_overlap_s

    def fuel(self) -> tuple[float, float, float, float]:
        """``(fuel, cruise burn, dash burn, reserve)`` in kg and kg/s; with ``endurance_s``, in
        full loads (fuel 1, cruise burn ``1 / endurance_s``)."""
        if self.fuel_kg is not None:
            cruise = self.cruise_burn_kg_per_s or 0.0
            return self.fuel_kg, cruise, self.dash_burn_kg_per_s or 0.0, cruise * self.reserve_s
        cruise = 1.0 / (self.endurance_s or 1.0)
        return 1.0, cruise, self.dash_burn_factor * cruise, cruise * self.reserve_s

    def on_station_s(self) -> float:
        """Time on station of every flight, s (:func:`inkless.physics.sortie.time_on_station`):
        out to the pattern's nearest point, home from (a bound on) its farthest."""
        fuel, cruise, _, reserve = self.fuel()
        out, home = self.station.transit_m(self.base)
        return float(time_on_station(fuel, cruise, reserve, out, home, self.cruise_speed_mps))


class LaunchArea(_Frozen):
    """Launches spread uniformly over a disc."""

    lat_deg: float = Field(ge=-90.0, le=90.0)
    lon_deg: float = Field(ge=-180.0, le=180.0)
    radius_km: float = Field(ge=0.0, le=1000.0)


class Wave(_Frozen):
    """A raid wave: a number of threats of one class launched over a window."""

    id: Id
    threat_class: ThreatClass
    count: int = Field(ge=1, le=MAX_WAVE_COUNT)
    launch_points: list[Point] | None = Field(
        None, min_length=1, max_length=MAX_POINTS, description="Launch sites (round robin)."
    )
    launch_area: LaunchArea | None = Field(None, description="Or a launch area.")
    launch_window_s: tuple[float, float] = Field(
        description="[start, end] of launches, seconds after the epoch."
    )
    aim_assets: list[str] | None = Field(
        None,
        min_length=1,
        max_length=MAX_ITEMS,
        description="Asset names aimed at, drawn by value; absent: all assets.",
    )
    aim_points: list[Point] | None = Field(
        None, min_length=1, max_length=MAX_POINTS, description="Or fixed aim points."
    )
    cep_m: float = Field(0.0, ge=0.0, le=1.0e5, description="Circular error probable, m.")
    speed_mps: float | None = Field(
        None, ge=1.0, le=8000.0, description="Cruise and drone speed, m/s."
    )
    altitude_m: float | None = Field(None, gt=0.0, le=30000.0, description="Cruise altitude.")
    apogee_km: float | None = Field(
        None, gt=0.0, le=3000.0, description="Ballistic apogee; absent: minimum-energy arc."
    )
    via: list[Point] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Route points before the target."
    )
    lethality: float = Field(
        0.5, ge=0.0, le=1.0, description="Fraction of an asset's remaining value one hit destroys."
    )

    @field_validator("launch_window_s")
    @classmethod
    def _window(cls, v: tuple[float, float]) -> tuple[float, float]:
        start, end = v
        if start < 0:
            raise ValueError(f"starts before the epoch ({start:g} s); use seconds after the epoch")
        if end > MAX_TIME_S:
            raise ValueError(f"ends after {MAX_TIME_S:g} s ({end:g} s); shorten it")
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
    waves: list[Wave] = Field(min_length=1, max_length=MAX_ITEMS)


class CivilFlight(_Frozen):
    """A civil flight along a filed route at a cruise altitude."""

    callsign: str = Field(min_length=1, max_length=12)
    route: list[Point] = Field(min_length=2, max_length=MAX_ITEMS)
    altitude_m: float = Field(gt=0.0, le=20000.0)
    speed_mps: float = Field(ge=1.0, le=350.0)
    departure_s: Seconds = 0.0
    # Identification and airspace (issue 6); see docs/identification.md.
    icao24: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F]{6}$",
        description="24-bit ICAO address, 6 hex digits; default: derived from the callsign.",
    )
    cooperative: bool = Field(True, description="Broadcasts ADS-B position reports.")
    departs: bool = Field(
        False,
        description="Takes off at the first waypoint (its alt_m is the runway height) and climbs "
        "to altitude_m below 250 kt; otherwise it is at altitude_m from the first waypoint.",
    )


class CivilRecording(_Frozen):
    """Civil traffic replayed from recorded ADS-B trajectories (JSON, as the ``traffic``
    package's samples: timestamp ms, icao24, callsign, latitude, longitude, altitude ft,
    groundspeed kt, track deg, vertical_rate ft/min; optionally gzip-compressed)."""

    path: str = Field(min_length=1, description="File; relative to `package` when given.")
    package: str | None = Field(
        None, description="Read `path` inside this installed Python distribution (e.g. traffic)."
    )
    time_offset_s: float = Field(
        0.0,
        ge=-MAX_TIME_S,
        le=MAX_TIME_S,
        description="Scenario time of the recording's first sample, s (negative: skip).",
    )
    callsigns: list[str] | None = Field(
        None, max_length=MAX_FLIGHTS, description="Keep only these callsigns."
    )
    max_flights: int | None = Field(
        None, ge=1, le=MAX_FLIGHTS, description="Keep the first N aircraft."
    )
    cooperative: bool = Field(True, description="The recorded aircraft broadcast ADS-B.")

    def file(self, base_dir: str | PathLike[str] | None = None) -> Path:
        """The recording's file: ``path`` inside the installed distribution ``package`` (under
        its top-level module, else its root), else ``path``, relative to ``base_dir`` (the
        scenario file's folder) when not absolute. Raises :class:`InputError` when ``package``
        is not installed."""
        if self.package is None:
            p = Path(self.path)
            return p if p.is_absolute() or base_dir is None else Path(base_dir) / p
        from importlib import metadata

        try:
            dist = metadata.distribution(self.package)
        except (metadata.PackageNotFoundError, ValueError):
            raise InputError(f"civil.recording.package: {self.package!r} is not installed; "
                             f"install it (pip install {self.package}) or give a file "
                             "path") from None
        inside = Path(str(dist.locate_file(self.package.replace("-", "_")))) / self.path
        return inside if inside.exists() else Path(str(dist.locate_file(self.path)))


class Closure(_Frozen):
    """A NOTAM-like airspace closure: civil flights avoid `region` from `from_s` (to `until_s`)."""

    region: Id = Field(description="A region id from `regions`.")
    from_s: Seconds = Field(0.0, description="In force from, s after the epoch.")
    until_s: float | None = Field(
        None, gt=0.0, le=MAX_TIME_S, description="Until, s; absent: to the end."
    )
    margin_km: float = Field(10.0, ge=0.0, le=200.0, description="Distance kept from it, km.")


class Civil(_Frozen):
    flights: list[CivilFlight] = Field(default_factory=list, max_length=MAX_FLIGHTS)
    recording: CivilRecording | None = Field(None, description="Recorded civil traffic.")
    closures: list[Closure] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Airspace closures."
    )


#: Evidence names the rules of engagement may require (see docs/identification.md).
EvidenceName = Literal[
    "ballistic_profile",
    "cruise_profile",
    "drone_profile",
    "origin_in_corridor",
    "no_cooperative",
    "civil_contradicted",
]


class Corridor(_Frozen):
    """A launch corridor: a track that first appears inside `region` from `from_s` on has its
    point of origin in the corridor."""

    region: Id = Field(description="A region id from `regions`.")
    from_s: Seconds = 0.0
    until_s: float | None = Field(None, gt=0.0, le=MAX_TIME_S)


class HostileRule(_Frozen):
    """One row of the hostile declaration table: all of `requires` declares a track hostile as
    a `threat_class`. Every rule needs a kinematic threat profile, so cooperative reports alone
    can never declare a track hostile."""

    threat_class: ThreatClass
    requires: list[EvidenceName] = Field(min_length=1)

    @model_validator(mode="after")
    def _kinematic(self) -> HostileRule:
        if not {"ballistic_profile", "cruise_profile", "drone_profile"} & set(self.requires):
            raise ValueError(
                "requires at least one of ballistic_profile, cruise_profile, drone_profile"
            )
        return self


def _default_hostile_rules() -> list[HostileRule]:
    return [
        HostileRule(threat_class="ballistic", requires=["ballistic_profile"]),
        HostileRule(threat_class="cruise", requires=["cruise_profile", "no_cooperative"]),
        HostileRule(threat_class="drone", requires=["drone_profile", "no_cooperative"]),
    ]


class Roe(_Frozen):
    """Rules of engagement set by the coalition, the same for every member: which evidence
    declares a track hostile (rows tried in order; the first that holds gives the class)."""

    hostile: list[HostileRule] = Field(default_factory=_default_hostile_rules)
    corridors: list[Corridor] = Field(default_factory=list, description="Launch corridors.")


class Identification(_Frozen):
    """Identification settings: kinematic bands, correlation gates, cooperative reports."""

    ballistic_min_speed_mps: float = Field(700.0, gt=0.0)
    ballistic_min_altitude_m: float = Field(25000.0, gt=0.0)
    ballistic_min_climb_mps: float = Field(150.0, gt=0.0)
    low_altitude_m: float = Field(
        3000.0, gt=0.0, description="Below it civil aircraft fly under 250 kt (FL100 rule)."
    )
    low_speed_limit_mps: float = Field(
        165.0, gt=0.0, description="Civil ground speed limit below low_altitude_m, with margin."
    )
    cruise_max_altitude_m: float = Field(1500.0, gt=0.0)
    drone_min_speed_mps: float = Field(15.0, ge=0.0, description="Slower tracks are not drones.")
    drone_max_speed_mps: float = Field(65.0, gt=0.0, description="Faster tracks are not drones.")
    drone_max_altitude_m: float = Field(5000.0, gt=0.0)
    civil_min_speed_mps: float = Field(
        30.0, ge=0.0, description="Slower tracks are not civil aircraft in flight."
    )
    civil_max_speed_mps: float = Field(320.0, gt=0.0)
    civil_max_altitude_m: float = Field(15600.0, gt=0.0, description="FL510: business jets.")
    civil_max_climb_mps: float = Field(40.0, gt=0.0)
    max_velocity_sigma_mps: float = Field(
        30.0, gt=0.0, description="A track is assessed once its velocity is known this well."
    )
    confidence_sigmas: float = Field(2.5, ge=0.0, description="Margin of the threat profiles.")
    hostile_confirm_scans: int = Field(
        2, ge=1, le=20, description="Consecutive identifications a rule must hold to declare."
    )
    gate_probability: float = Field(0.999, gt=0.5, lt=1.0)
    report_memory_s: float = Field(30.0, ge=0.0, description="Correlation outlives dropouts.")
    adsb_sigma_m: float = Field(30.0, gt=0.0, description="ADS-B horizontal position noise.")
    adsb_sigma_alt_m: float = Field(15.0, gt=0.0)
    adsb_sigma_mps: float = Field(2.0, gt=0.0)
    velocity_tolerance_mps: float = Field(
        15.0, ge=0.0, description="Added to velocity gates: a tracker lags a turning aircraft."
    )
    adsb_dropout: float = Field(0.1, ge=0.0, le=1.0, description="Chance a report is missed.")
    filed_sigma_m: float = Field(8000.0, gt=0.0, description="Along-route timing tolerance.")
    filed_cross_sigma_m: float = Field(
        1500.0, gt=0.0, description="Across-route navigation tolerance (RNAV 2: 95 % in 2 NM)."
    )
    filed_sigma_alt_m: float = Field(300.0, gt=0.0)
    iff_reply_probability: float = Field(0.95, ge=0.0, le=1.0)
    iff_sigma_m: float = Field(100.0, gt=0.0)
    airborne_unit_min_alt_m: float = Field(
        3000.0, gt=0.0, description="Fire units placed this high are aircraft (answer IFF)."
    )

    @model_validator(mode="after")
    def _disjoint(self) -> Identification:
        if self.cruise_max_altitude_m > self.low_altitude_m:
            raise ValueError("cruise_max_altitude_m must not exceed low_altitude_m")
        if self.low_speed_limit_mps > self.civil_max_speed_mps:
            raise ValueError("low_speed_limit_mps must not exceed civil_max_speed_mps")
        if self.drone_max_speed_mps >= self.low_speed_limit_mps:
            raise ValueError("drone_max_speed_mps must be below low_speed_limit_mps")
        if self.drone_min_speed_mps >= self.drone_max_speed_mps:
            raise ValueError("drone_min_speed_mps must be below drone_max_speed_mps")
        if self.civil_min_speed_mps >= self.low_speed_limit_mps:
            raise ValueError("civil_min_speed_mps must be below low_speed_limit_mps")
        if self.civil_max_speed_mps >= self.ballistic_min_speed_mps:
            raise ValueError("civil_max_speed_mps must be below ballistic_min_speed_mps")
        if self.civil_max_altitude_m >= self.ballistic_min_altitude_m:
            raise ValueError("civil_max_altitude_m must be below ballistic_min_altitude_m")
        if self.civil_max_climb_mps >= self.ballistic_min_climb_mps:
            raise ValueError("civil_max_climb_mps must be below ballistic_min_climb_mps")
        return self


class Scenario(_Frozen):
    """One scenario file: coalition, what it defends, its sensors and fire units, the raid."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=100_000)
    settings: Settings
    members: list[Member] = Field(min_length=1, max_length=MAX_MEMBERS)
    regions: list[Region] = Field(default_factory=list, max_length=MAX_ITEMS)
    grants: list[AirspaceGrant] = Field(
        default_factory=list, description="Airspace grants between states (transit or engage)."
    )
    coalition: CoalitionSettings = Field(
        default_factory=CoalitionSettings,
        description="The letters on record and when (documents, or the planner's exchange from a "
        "time): from when each member's legal basis holds. Default: the planned exchange, on "
        "record at the epoch.",
    )
    assets: list[Asset] = Field(min_length=1, max_length=MAX_ITEMS)
    interceptors: list[InterceptorType] = Field(default_factory=list, max_length=MAX_ITEMS)
    sensors: list[Sensor] = Field(default_factory=list, max_length=MAX_ITEMS)
    fire_units: list[FireUnit] = Field(default_factory=list, max_length=MAX_ITEMS)
    patrols: list[Patrol] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Fighter patrols (CAP)."
    )
    raid: Raid
    civil: Civil = Field(default_factory=Civil)
    roe: Roe = Field(default_factory=Roe, description="Hostile declaration rules (coalition).")
    identification: Identification = Field(default_factory=Identification)
