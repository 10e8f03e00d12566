"""Cooperative surveillance: ADS-B position reports of civil aircraft and IFF replies of
coalition aircraft, simulated from the truth with the run's generator.

Where it sits: simulation, after :mod:`~inkless.simulation.civil`; ``identification`` correlates
these with tracks. Frames: ECEF metres and m/s; time in seconds since the scenario epoch.

ADS-B (RTCA DO-260B): a cooperative civil aircraft broadcasts its GNSS position, barometric
altitude and velocity about twice a second; the defence receives, at each decision time, the
latest report of each aircraft unless it is lost (``dropout``, independently per aircraft and
time). Position noise is Gaussian, ``sigma_m`` horizontally (NACp 9 is 30 m at 95 %) and
``sigma_alt_m`` vertically (25 ft quantisation and baro-geometric differences); velocity noise
``sigma_mps`` per axis. A report can be forged or faulty: :func:`forged_reports` makes reports
at given positions (spoofing: a transmitter on a threat, or a position shifted by a GNSS fault)
to append with :meth:`AdsbReports.concat`.

Coalition aircraft (:func:`coalition_aircraft`): every airborne sensor (``kind: airborne``,
fixed or on a route) and every fire unit placed at or above
``identification.airborne_unit_min_alt_m`` (a fighter on combat air patrol); an airborne sensor
and a fire unit of the same member at the same fixed position are one aircraft; and every
aircraft of the scenario's ``patrols`` (:class:`~inkless.simulation.patrol.Sorties`), with or
without a radar (its ``PATROL.F.A.radar`` sensor rides on it: one aircraft), flying its sortie
and in the world only while airborne (from take-off until it lands; :meth:`CoalitionAircraft.fly`
puts it where its sortie as flown has it). They are truth objects like civil aircraft
(radars see them with the civil range column) and answer IFF interrogation (Mode 5, NATO STANAG
4193): each aircraft replies with probability ``p_reply`` at each decision time with its
position (Mode 5 level 2), noise ``sigma_m``. Mode 5 replies are cryptographically
authenticated: the adversary cannot forge them, so no forged-reply helper exists.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64, B
from inkless.physics.geodesy import altitude
from inkless.physics.route import RouteTable
from inkless.scenario.model import Scenario
from inkless.scenario.tables import FireUnitTable, SensorTable, Tables
from inkless.simulation.patrol import Dashes, Sorties

__all__ = [
    "AdsbReports",
    "CoalitionAircraft",
    "IffReplies",
    "coalition_aircraft",
    "forged_reports",
    "simulate_adsb",
    "simulate_iff",
]



def _local_axes(ecef: F64) -> tuple[F64, F64, F64]:
    """East, north, up unit vectors ``(m, 3)`` at ECEF points (spherical-normal approximation
    of the geodetic up: within 0.2 degrees, ample for noise directions)."""
    r = np.linalg.norm(ecef, axis=-1, keepdims=True)
    up = ecef / np.where(r > 0, r, 1.0)
    east = _cross(_Z, up)
    en = np.linalg.norm(east, axis=-1, keepdims=True)
    east = np.where(en > 1e-12, east / np.where(en > 1e-12, en, 1.0), np.array([1.0, 0.0, 0.0]))
    north = _cross(up, east)
    return east, north, up


_Z = np.array([0.0, 0.0, 1.0])


def _cross(a: F64, b: F64) -> F64:
    """``numpy.cross`` of 3-vectors (``(..., 3)``, broadcast) by its own formula and rounding
    (each product rounded, then the difference), without its fixed cost."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


@dataclass(frozen=True)
class AdsbReports:
    """ADS-B reports received at one time, one row each (struct of arrays).

    ``pos (m,3)`` ECEF m and ``vel (m,3)`` m/s as reported; ``icao24 (m,)`` address;
    ``sigma_h``, ``sigma_v`` (m,) position noise (horizontal, vertical) m and ``sigma_vel (m,)``
    m/s the receiver assumes; ``source (m,)`` the civil traffic row that sent it (truth, for
    scoring only; -1 for a forged report).
    """

    t: float
    pos: F64
    vel: F64
    icao24: I64
    sigma_h: F64
    sigma_v: F64
    sigma_vel: F64
    source: I64

    def __len__(self) -> int:
        return int(self.icao24.shape[0])

    @classmethod
    def empty(cls, t: float = 0.0) -> AdsbReports:
        z = np.empty(0)
        return cls(t, np.empty((0, 3)), np.empty((0, 3)), np.empty(0, np.int64), z, z, z,
                   np.empty(0, np.int64))

    def concat(self, other: AdsbReports) -> AdsbReports:
        """Both sets of reports (the time of ``self``)."""
        return AdsbReports(
            self.t,
            np.concatenate([self.pos, other.pos]),
            np.concatenate([self.vel, other.vel]),
            np.concatenate([self.icao24, other.icao24]),
            np.concatenate([self.sigma_h, other.sigma_h]),
            np.concatenate([self.sigma_v, other.sigma_v]),
            np.concatenate([self.sigma_vel, other.sigma_vel]),
            np.concatenate([self.source, other.source]),
        )


def simulate_adsb(
    pos: F64,
    vel: F64,
    active: B,
    cooperative: B,
    icao24: I64,
    t: float,
    rng: np.random.Generator,
    *,
    sigma_m: float = 30.0,
    sigma_alt_m: float = 15.0,
    sigma_mps: float = 2.0,
    dropout: float = 0.1,
) -> AdsbReports:
    """Reports received at ``t`` (s) from civil aircraft with true ECEF ``pos``/``vel``
    ``(c, 3)``; only ``active & cooperative`` rows report, each lost with probability
    ``dropout``. Draws from ``rng`` in a fixed order (dropouts, then noise)."""
    rows = (active & cooperative).nonzero()[0]
    keep = rng.random(len(rows)) >= dropout
    rows = rows[keep]
    m = len(rows)
    east, north, up = _local_axes(pos[rows])
    noise = rng.normal(size=(m, 3))
    p = (
        pos[rows]
        + sigma_m * (noise[:, :1] * east + noise[:, 1:2] * north)
        + sigma_alt_m * noise[:, 2:3] * up
    )
    v = vel[rows] + sigma_mps * rng.normal(size=(m, 3))
    return AdsbReports(
        t=float(t),
        pos=p,
        vel=v,
        icao24=np.asarray(icao24, dtype=np.int64)[rows],
        sigma_h=np.full(m, sigma_m),
        sigma_v=np.full(m, sigma_alt_m),
        sigma_vel=np.full(m, sigma_mps),
        source=rows.astype(np.int64),
    )


def forged_reports(
    t: float,
    pos: F64,
    vel: F64,
    icao24: I64,
    *,
    sigma_m: float = 30.0,
    sigma_alt_m: float = 15.0,
    sigma_mps: float = 2.0,
    source: I64 | None = None,
) -> AdsbReports:
    """Reports at exactly the given ECEF positions and velocities: a spoofer's broadcasts (e.g.
    riding on a threat) or a faulty transponder's (a true aircraft's report with a shifted
    position). They claim the usual accuracy, which is what a receiver is told."""
    pos = np.asarray(pos, float).reshape(-1, 3)
    m = len(pos)
    return AdsbReports(
        t=float(t),
        pos=pos,
        vel=np.asarray(vel, float).reshape(-1, 3),
        icao24=np.asarray(icao24, dtype=np.int64).reshape(-1),
        sigma_h=np.full(m, sigma_m),
        sigma_v=np.full(m, sigma_alt_m),
        sigma_vel=np.full(m, sigma_mps),
        source=np.full(m, -1, np.int64) if source is None else np.asarray(source, np.int64),
    )


@dataclass(frozen=True)
class IffReplies:
    """Authenticated IFF replies received at one time: ``pos (k,3)`` ECEF m, ``sigma (k,)`` m,
    ``source (k,)`` the coalition aircraft row that replied (truth, for scoring only)."""

    t: float
    pos: F64
    sigma: F64
    source: I64

    def __len__(self) -> int:
        return int(self.source.shape[0])

    @classmethod
    def empty(cls, t: float = 0.0) -> IffReplies:
        return cls(t, np.empty((0, 3)), np.empty(0), np.empty(0, np.int64))


def simulate_iff(
    pos: F64,
    active: B,
    t: float,
    rng: np.random.Generator,
    *,
    p_reply: float = 0.95,
    sigma_m: float = 100.0,
) -> IffReplies:
    """Mode 5 replies at ``t`` of coalition aircraft at true ECEF ``pos (a,3)``."""
    rows = np.asarray(active).nonzero()[0]
    rows = rows[rng.random(len(rows)) < p_reply]
    noise = rng.normal(scale=sigma_m, size=(len(rows), 3))
    return IffReplies(
        t=float(t),
        pos=pos[rows] + noise,
        sigma=np.full(len(rows), sigma_m),
        source=rows.astype(np.int64),
    )


@dataclass(frozen=True)
class CoalitionAircraft:
    """Coalition aircraft, one row each: ``id`` (the sensor or fire unit ids it carries, joined
    by '+'), ``owner (a,)`` member index, ``sensor (a,)`` / ``unit (a,)`` rows in the tables
    (-1: none); fixed ECEF ``fixed (a,3)`` (NaN for route-flying rows, whose route is row
    ``route_row`` of ``routes``, and for patrol aircraft, row ``sortie`` of ``sorties``)."""

    id: tuple[str, ...]
    owner: I64
    sensor: I64
    unit: I64
    fixed: F64
    route_row: I64
    routes: RouteTable | None
    sortie: I64
    sorties: Sorties | None = None

    def __len__(self) -> int:
        return len(self.id)

    def state(self, t: float) -> tuple[F64, F64, B]:
        """``(ecef (a,3), vel (a,3), active (a,))``: every aircraft is always in the air but a
        patrol aircraft, only while airborne (NaN otherwise; its velocity is not given: 0)."""
        pos = self.fixed.copy()
        vel = np.zeros_like(pos)
        if self.routes is not None:
            r, v, _ = self.routes.state(t)
            flying = self.route_row >= 0
            pos[flying], vel[flying] = r[self.route_row[flying]], v[self.route_row[flying]]
        if self.sorties is not None:
            pos[self.sortie >= 0] = self._sortie_grid(np.array([float(t)]))[0]
        return pos, vel, np.isfinite(pos[:, 0])

    def _sortie_grid(self, times: F64) -> F64:
        """``(k, p, 3)``: the patrol aircraft's ECEF positions (m) at ``times (k,)`` s on their
        sorties, NaN where on the ground (before take-off, from landing on)."""
        assert self.sorties is not None
        return _airborne(self.sorties, times)[:, self.sortie[self.sortie >= 0]]

    def grid(self, dt: float, ticks: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Positions ``(ticks, a, 3)`` ECEF m and heights ``(ticks, a)`` m at ``k * dt``."""
        pos = np.broadcast_to(self.fixed, (ticks, *self.fixed.shape)).copy()
        if self.routes is not None:
            flying = np.flatnonzero(self.route_row >= 0)
            times = np.broadcast_to(dt * np.arange(ticks), (len(flying), ticks))
            r, _ = self.routes.sample(self.route_row[flying], times)
            pos[:, flying] = np.swapaxes(r, 0, 1)
        if self.sorties is not None:
            pos[:, self.sortie >= 0] = self._sortie_grid(dt * np.arange(ticks, dtype=np.float64))
        return pos.astype(np.float32), altitude(pos).astype(np.float32)

    def fly(self, sorties: Sorties, dt: float, start: int, pos: NDArray[np.float32],
            alt: NDArray[np.float32], before: Sorties | None = None) -> I64:
        """Fly the patrols' ``sorties`` as flown from tick ``start`` on (a dash moved bingo,
        or the last missile sent it home): the columns of ``pos (ticks, a, 3)`` and
        ``alt (ticks, a)`` (ECEF m, m) of the patrol aircraft whose sortie differs from
        ``before`` (the sorties these columns hold; None: every patrol aircraft) rewritten in
        place from ``start``, ticks every ``dt`` s; the columns rewritten. Each aircraft's
        path is its own sortie's (:meth:`Sorties.track` is column by column), so the others'
        columns stay as they are."""
        cols = np.flatnonzero(self.sortie >= 0)
        if before is not None:
            cols = cols[_changed(before, sorties)[self.sortie[cols]]]
        if cols.size and start < len(pos):
            at = _airborne(_only(sorties, self.sortie[cols]),
                           dt * np.arange(start, len(pos), dtype=np.float64))
            pos[start:, cols] = at
            alt[start:, cols] = altitude(at)
        return cols


def _airborne(sorties: Sorties, times: F64) -> F64:
    """``(k, n, 3)``: every aircraft of ``sorties`` at ``times (k,)`` s (ECEF m,
    :meth:`Sorties.track`), NaN where on the ground (before take-off, from landing on)."""
    pos, up = sorties.track(times)
    out: F64 = np.where(up[..., None], pos, np.nan)
    return out


def _changed(before: Sorties, after: Sorties) -> B:
    """``(n,)``: the aircraft whose sortie ``after`` differs from ``before`` (a schedule
    column, a dash flown since, or one of its dashes changed: cut where it fired or broke
    off); all when the aircraft differ or dashes were dropped."""
    n = len(after)
    if before.ids != after.ids:
        return np.ones(n, bool)
    out = np.zeros(n, bool)
    for f in dataclasses.fields(Sorties):
        a, b = getattr(after, f.name), getattr(before, f.name)
        if isinstance(a, np.ndarray):
            out |= (a != b).reshape(n, -1).any(axis=1)
    old, new = before.dashes, after.dashes
    k = len(old)
    if len(new) < k:
        return np.ones(n, bool)
    for f in dataclasses.fields(Dashes) if k else ():
        diff = (getattr(old, f.name) != getattr(new, f.name)[:k]).reshape(k, -1).any(axis=1)
        out[old.row[diff]] = out[new.row[:k][diff]] = True
    out[new.row[k:]] = True
    return out


def _only(sorties: Sorties, rows: I64) -> Sorties:
    """The sorties of aircraft ``rows`` alone, in that order, with their dashes (in the order
    flown, renumbered)."""
    at = np.full(len(sorties), -1, np.intp)
    at[rows] = np.arange(len(rows))
    d = sorties.dashes
    keep = at[d.row] >= 0
    dashes = Dashes(**{f.name: getattr(d, f.name)[keep] for f in dataclasses.fields(Dashes)})
    return dataclasses.replace(
        sorties, ids=tuple(sorties.ids[i] for i in rows.tolist()),
        dashes=dataclasses.replace(dashes, row=at[dashes.row]),
        **{f.name: getattr(sorties, f.name)[rows] for f in dataclasses.fields(Sorties)
           if isinstance(getattr(sorties, f.name), np.ndarray)})


@dataclass
class _Rows:
    """The columns of :class:`CoalitionAircraft` while :func:`coalition_aircraft` gathers them,
    one list entry per aircraft; ``routes`` the route tuples of the route-flying rows."""

    ids: list[str] = dataclasses.field(default_factory=list)
    owner: list[int] = dataclasses.field(default_factory=list)
    sensor: list[int] = dataclasses.field(default_factory=list)
    unit: list[int] = dataclasses.field(default_factory=list)
    fixed: list[F64] = dataclasses.field(default_factory=list)
    route_row: list[int] = dataclasses.field(default_factory=list)
    sortie: list[int] = dataclasses.field(default_factory=list)
    routes: list[tuple[F64, F64, F64, float, float]] = dataclasses.field(default_factory=list)

    def add(self, id: str, owner: int, *, sensor: int = -1, unit: int = -1,
            fixed: F64 | None = None, route_row: int = -1, sortie: int = -1) -> int:
        """Append one aircraft (``fixed`` None: NaN, it moves); its row."""
        self.ids.append(id)
        self.owner.append(owner)
        self.sensor.append(sensor)
        self.unit.append(unit)
        self.fixed.append(np.full(3, np.nan) if fixed is None else fixed)
        self.route_row.append(route_row)
        self.sortie.append(sortie)
        return len(self.ids) - 1


def _airborne_sensors(rows: _Rows, sensors: SensorTable, patrol_ids: set[str]
                      ) -> dict[tuple[float, ...], int]:
    """Add every airborne sensor but a patrol's radar (it rides on its patrol aircraft); the
    rows of the fixed ones by ``(owner, x, y, z)`` (ECEF rounded to the metre)."""
    at: dict[tuple[float, ...], int] = {}
    for i, kind in enumerate(sensors.kind):
        if kind != "airborne" or sensors.id[i].removesuffix(".radar") in patrol_ids:
            continue
        route = sensors.route[i]
        if route is None:
            k = rows.add(sensors.id[i], int(sensors.owner[i]), sensor=i, fixed=sensors.ecef[i])
            at[(float(sensors.owner[i]), *np.round(sensors.ecef[i], 0).tolist())] = k
        else:
            rows.add(sensors.id[i], int(sensors.owner[i]), sensor=i, route_row=len(rows.routes))
            rows.routes.append(route)
    return at


def _airborne_units(rows: _Rows, units: FireUnitTable, min_alt: float, patrol_ids: set[str],
                    at: dict[tuple[float, ...], int]) -> None:
    """Add every fire unit at or above ``min_alt`` (m) but a patrol's aircraft; a unit at a fixed
    airborne sensor of its member (``at``, from :func:`_airborne_sensors`) joins its row."""
    for j in np.flatnonzero(units.alt >= min_alt).tolist():
        if units.id[j] in patrol_ids:
            continue
        key = (float(units.owner[j]), *np.round(units.ecef[j], 0).tolist())
        if key in at and rows.unit[at[key]] < 0:
            k = at[key]
            rows.unit[k] = j
            rows.ids[k] = f"{rows.ids[k]}+{units.id[j]}"
            continue
        rows.add(units.id[j], int(units.owner[j]), unit=j, fixed=units.ecef[j])


def _patrol_aircraft(rows: _Rows, sorties: Sorties, scenario: Scenario, tables: Tables) -> None:
    """Add every patrol aircraft, with its ``PATROL.F.A.radar`` sensor and its fire unit rows
    when the tables have them."""
    sensor_row = {sid: i for i, sid in enumerate(tables.sensors.id)}
    unit_row = {uid: j for j, uid in enumerate(tables.units.id)}
    members = {m: i for i, m in enumerate(tables.members)}
    for a, sid in enumerate(sorties.ids):
        radar = sensor_row.get(f"{sid}.radar", -1)
        rows.add(sid if radar < 0 else f"{tables.sensors.id[radar]}+{sid}",
                 members[scenario.patrols[sorties.patrol[a]].owner],
                 sensor=radar, unit=unit_row.get(sid, -1), sortie=a)


def coalition_aircraft(scenario: Scenario, tables: Tables) -> CoalitionAircraft:
    """The coalition's aircraft: airborne sensors and fire units at or above
    ``scenario.identification.airborne_unit_min_alt_m``, then the patrols' aircraft as
    scheduled (:meth:`Sorties.plan`; see the module docstring)."""
    sorties = Sorties.plan(scenario.patrols) if scenario.patrols else None
    patrol_ids = set(sorties.ids) if sorties is not None else set()
    rows = _Rows()
    at = _airborne_sensors(rows, tables.sensors, patrol_ids)
    _airborne_units(rows, tables.units, scenario.identification.airborne_unit_min_alt_m,
                    patrol_ids, at)
    if sorties is not None:
        _patrol_aircraft(rows, sorties, scenario, tables)
    routes = rows.routes
    table = (
        RouteTable.build(
            [r[0] for r in routes],
            [r[1] for r in routes],
            [r[2] for r in routes],
            np.array([r[3] for r in routes]),
            np.array([r[4] for r in routes]),
        )
        if routes
        else None
    )
    return CoalitionAircraft(
        id=tuple(rows.ids),
        owner=np.array(rows.owner, dtype=np.int64),
        sensor=np.array(rows.sensor, dtype=np.int64),
        unit=np.array(rows.unit, dtype=np.int64),
        fixed=np.array(rows.fixed, dtype=float).reshape(-1, 3),
        route_row=np.array(rows.route_row, dtype=np.int64),
        routes=table,
        sortie=np.array(rows.sortie, dtype=np.int64),
        sorties=sorties,
    )
