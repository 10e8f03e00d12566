"""Radar detections: what each sensor reports at its scans, with noise, misses and false alarms.

Where it sits: sensing, between the truth (``simulation``) and tracking. The pipeline hands over
a block of decision ticks at a time: the truth positions of every object (threats, civil
aircraft) at those ticks, the sensor platforms, and which sensors scan at which tick; this module
returns every report of those scans as one struct of arrays, :class:`Detections`, sorted by
(tick, sensor). Everything is a pure function of its inputs and the generator it is given.

Model, per scan of sensor ``i`` at time ``t``:

* **coverage**: an object is detectable when it is inside the sensor's range for its class,
  between its elevation limits and above the radar horizon of the 4/3-Earth
  (:func:`inkless.sensing.coverage_grid`, the same geometry as the perfect picture), and when the
  sensor's member acts at ``t`` (its legal basis);
* **detection**: each detectable object is reported with probability ``pd`` (independent draws);
* **noise**: the report is range, azimuth (from north, clockwise) and elevation (from the
  horizontal) in the sensor's own local East-North-Up frame at its geodetic position, each with
  independent Gaussian noise ``sigma_range``, ``sigma_az``, ``sigma_el``; so cross-range accuracy
  falls with range. Converting the polar report to Cartesian is the tracker's measurement model
  (:func:`inkless.tracking.converted_measurement`, which lies above this layer); each detection
  carries what the conversion needs: its sigmas, the sensor's position in the common ENU frame
  and the rotation from the sensor's local frame to it;
* **false alarms**: a Poisson number with mean ``false_alarms_per_scan`` per scan, uniform over
  the sensor's coverage volume (range up to the longest range of any class, uniform in volume;
  azimuth uniform; sine of elevation uniform between the limits; the horizon is ignored).

Scan times are **quantised to decision ticks**: sensor ``i`` scans at tick ``k`` (time ``k dt``)
when one of its scan instants ``j * scan_period`` falls in ``((k - 1) dt, k dt]``, so a sensor
slower than the decision cycle skips ticks and one faster than it scans once per tick (its extra
looks within a tick are dropped). This lets the detections reuse the truth grid the pipeline
already holds; the sensors still report at different times (a 10 s radar every other 5 s tick).

Interceptors are not reported (the picture holds threats, civil traffic and coalition
aircraft). Each detection carries the row of the object that produced it (``truth``, -1 for a
false alarm): the simulation uses it to score the picture and the identities, never the tracker
or a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.physics.geodesy import (
    EARTH_MEAN_RADIUS,
    WGS84_A,
    WGS84_B,
    ecef_from_geodetic,
    enu_rotation,
    up_from_ecef,
)
from inkless.scenario.tables import SensorTable

from .coverage import EFFECTIVE_EARTH_RADIUS, covered_by, in_flight
from .frames import common_from_local

__all__ = [
    "BALLISTIC_SPEED",
    "Detections",
    "EnuFrame",
    "ExpectedPd",
    "clutter_density",
    "detect",
    "expected_pd",
    "scan_ticks",
]


#: Tracks faster than this (m/s) are taken as ballistic for the expected detection probability
#: (and the gravity-aware prediction of the tracking stage): no air-breathing threat or airliner
#: flies this fast, every ballistic missile in the model does (burnout speeds of km/s).
BALLISTIC_SPEED = 600.0
_CLUTTER_FLOOR = 1e-18  # m^-3: one false alarm per million km^3, for sensors that report none


@dataclass(frozen=True, slots=True)
class EnuFrame:
    """A local East-North-Up Cartesian frame at a geodetic origin (radians, m above WGS-84).

    ``origin`` is the origin in ECEF (m); ``rot`` (3, 3) takes ECEF vectors to ENU
    (``enu = rot @ (ecef - origin)``). Positions in the frame are plain Cartesian metres: it is
    exact at any distance (a rotation and a translation of ECEF), only "up" stops meaning
    vertical far from the origin.
    """

    lat: float
    lon: float
    alt: float
    origin: F64
    rot: F64

    @classmethod
    def at(cls, lat: float, lon: float, alt: float = 0.0) -> EnuFrame:
        """The frame with its origin at geodetic ``lat``, ``lon`` (rad) and ``alt`` (m)."""
        origin = np.asarray(ecef_from_geodetic(lat, lon, alt), dtype=float).reshape(3)
        rot = np.asarray(enu_rotation(lat, lon), dtype=float)
        origin.setflags(write=False)
        rot.setflags(write=False)
        return cls(float(lat), float(lon), float(alt), origin, rot)

    def from_ecef(self, ecef: NDArray[np.floating]) -> F64:
        """ENU positions (m, ``(..., 3)``) of ECEF positions."""
        return np.asarray((np.asarray(ecef, dtype=float) - self.origin) @ self.rot.T)

    def to_ecef(self, enu: NDArray[np.floating]) -> F64:
        """ECEF positions (m, ``(..., 3)``) of ENU positions."""
        return np.asarray(np.asarray(enu, dtype=float) @ self.rot + self.origin)


@dataclass(frozen=True, slots=True, eq=False)
class Detections:
    """Radar reports, one row each (struct of arrays), sorted by (time, sensor).

    Attributes:
        t: ``(m,)`` time of the scan, s since the epoch.
        sensor: ``(m,)`` sensor row (``Tables.sensors``); ``member`` its member row.
        range_m, az, el: ``(m,)`` measured slant range (m), azimuth from north clockwise and
            elevation from the horizontal (rad), in the sensor's local ENU frame at ``t``.
        sigma: ``(m, 3)`` noise standard deviations of range (m), azimuth and elevation (rad).
        sensor_pos: ``(m, 3)`` the sensor's position in the common ENU frame, m.
        to_common: ``(m, 3, 3)`` rotation from the sensor's local ENU frame to the common one.
        truth: ``(m,)`` object row that produced the report (threat rows, then civil rows after
            them), -1 for a false alarm. For scoring only.
    """

    t: F64
    sensor: I64
    member: I64
    range_m: F64
    az: F64
    el: F64
    sigma: F64
    sensor_pos: F64
    to_common: F64
    truth: I64

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @classmethod
    def empty(cls) -> Detections:
        """No detections."""
        e, i = np.empty(0), np.empty(0, np.int64)
        return cls(e, i, i, e, e, e, np.empty((0, 3)), np.empty((0, 3)), np.empty((0, 3, 3)), i)

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_] | slice) -> Detections:
        """The detections at ``rows`` (indices, a mask or a slice)."""
        return Detections(
            self.t[rows], self.sensor[rows], self.member[rows], self.range_m[rows],
            self.az[rows], self.el[rows], self.sigma[rows], self.sensor_pos[rows],
            self.to_common[rows], self.truth[rows],
        )

    @classmethod
    def concatenate(cls, parts: list[Detections]) -> Detections:
        """One table from several (in the given order)."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


def scan_ticks(scan_period: F64, dt: float, ticks: int) -> NDArray[np.bool_]:
    """``(ticks, s)``: sensor ``i`` scans at tick ``k`` (time ``k dt``), see the module docstring.

    Every sensor scans at tick 0; then at tick ``k`` when ``floor(k dt / P) > floor((k-1) dt / P)``
    for its scan period ``P`` (s).
    """
    k = np.arange(ticks, dtype=float)[:, None]
    period = np.asarray(scan_period, dtype=float)[None, :]
    now = np.floor(k * dt / period + 1e-9)
    before = np.floor((k - 1.0) * dt / period + 1e-9)
    out = now > before
    out[0] = True
    return np.asarray(out)


def _local_rotation(pos: F64, up: F64) -> F64:
    """``(..., 3, 3)`` ECEF -> local ENU rotations of sensors at ECEF ``pos`` with geodetic ``up``
    unit vectors (rows: east, north, up)."""
    lon = np.arctan2(pos[..., 1], pos[..., 0])
    east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], axis=-1)
    north = np.cross(up, east)
    return np.stack([east, north, up], axis=-2)


def _coverage_limit(sensors: SensorTable) -> F64:
    """Longest range of any class per sensor, m: the extent of its coverage volume."""
    return np.asarray(sensors.range.max(axis=1), dtype=float)


def clutter_density(sensors: SensorTable) -> F64:
    """False alarms per m^3 per scan of each sensor ``(s,)``: the mean count spread over its
    coverage volume ``(2 pi / 3) R^3 (sin el_max - sin el_min)`` (``R`` its longest range);
    at least 1e-18 per m^3 (a tracker needs a positive density)."""
    r = _coverage_limit(sensors)
    vol = 2.0 * np.pi / 3.0 * r**3 * (np.sin(sensors.max_el) - np.sin(sensors.min_el))
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(vol > 0.0, sensors.false_alarms / vol, 0.0)
    return np.asarray(np.maximum(lam, _CLUTTER_FLOOR))


def detect(
    scanning: NDArray[np.bool_],
    times: F64,
    platform: tuple[F64, F64, F64],
    sensors: SensorTable,
    objects: NDArray[np.floating],
    objects_alt: NDArray[np.floating],
    object_col: I64,
    frame: EnuFrame,
    rng: np.random.Generator,
    covered: Callable[[int], tuple[NDArray[np.intp], NDArray[np.intp]]] | None = None,
) -> Detections:
    """Every report of the scans in one block of ``B`` ticks (see the module docstring).

    Args:
        scanning: ``(B, s)`` which sensor scans at which tick of the block (:func:`scan_ticks`,
            masked to the ticks its member's forces act).
        times: ``(B,)`` the ticks' times, s, equally spaced.
        platform: the sensors at the ticks: ECEF positions ``(B, s, 3)`` m, geodetic up unit
            vectors ``(B, s, 3)``, heights ``(B, s)`` m (from
            :meth:`inkless.simulation.SensorPlatforms.grid`; broadcast views for fixed sensors).
        sensors: the sensor table (ranges, elevation limits, noise, ``pd``, false alarms).
        objects: ``(B, n, 3)`` ECEF positions of every object, m; NaN where not in flight.
        objects_alt: ``(B, n)`` heights above the ellipsoid, m (NaN where not in flight).
        object_col: ``(n,)`` column of each object in the sensors' range table (threat class
            index, 3 for civil aircraft).
        frame: the common ENU frame the tracker works in.
        rng: the generator; the draws depend only on the inputs, in sensor order.
        covered: when given, ``covered(i)`` is what sensor ``i`` covers in the block whether
            it scans or not (block ticks, objects; in :func:`in_flight`'s order), known
            already (:func:`inkless.sensing.coverage.covered_samples` of the whole grid); else
            it is computed here (:func:`covered_by`).

    Returns the detections sorted by (time, sensor), object order within a scan.
    """
    flying = None
    parts: list[Detections] = []
    for i in range(scanning.shape[1]):
        rows = scanning[:, i].nonzero()[0]
        if rows.size == 0:
            continue
        if covered is None:
            flying = in_flight(objects, objects_alt) if flying is None else flying
            bb, jj = covered_by(i, platform, sensors.range, sensors.min_el, sensors.max_el,
                                flying, object_col, sensor_on=scanning)
        else:
            bb, jj = covered(i)
            on = scanning[bb, i]  # the scans (covered_by's sensor_on)
            bb, jj = bb[on], jj[on]
        part = _reports(i, rows, bb, jj, times, platform[0], platform[1], sensors, objects,
                        frame, rng)
        if part is not None:
            parts.append(part)
    out = Detections.concatenate(parts)
    order = np.lexsort((out.sensor, out.t))
    return out.take(order)


def _reports(i: int, rows: I64, bb: NDArray[np.intp], jj: NDArray[np.intp], times: F64,
             pos: F64, up: F64, sensors: SensorTable, objects: NDArray[np.floating],
             frame: EnuFrame, rng: np.random.Generator) -> Detections | None:
    """The reports of sensor ``i`` at its scans (block ticks ``rows``) of the objects it covers
    (samples ``bb`` ticks, ``jj`` objects): detection draws, noisy polar measurements in its
    local frame, then its false alarms (None: no report)."""
    seen = rng.random(bb.size) < sensors.pd[i]
    bb, jj = bb[seen], jj[seen]
    fixed = pos.strides[0] == 0
    # the sensor's local ENU rotation at each tick (one matrix when it does not move)
    rot_all = _local_rotation(pos[:1, i] if fixed else pos[:, i], up[:1, i] if fixed else
                              up[:, i])
    at = np.zeros_like(bb) if fixed else bb
    # True polar coordinates in the sensor's local ENU frame, then noise on each.
    d = objects[bb, jj].astype(np.float64) - pos[bb, i].astype(np.float64)
    local = np.einsum("kij,kj->ki", rot_all[at], d)
    rng_true = np.linalg.norm(local, axis=1)
    az_true = np.arctan2(local[:, 0], local[:, 1])
    el_true = np.arcsin(np.clip(local[:, 2] / np.maximum(rng_true, 1e-9), -1.0, 1.0))
    sig = np.array([sensors.sigma_range[i], sensors.sigma_az[i], sensors.sigma_el[i]])
    noise = rng.standard_normal((bb.size, 3)) * sig
    polar = (np.abs(rng_true + noise[:, 0]), az_true + noise[:, 1], el_true + noise[:, 2])
    (r_m, az_m, el_m), bb, truth = _false_alarms(i, rows, sensors, polar, bb,
                                                 jj.astype(np.int64), rng)
    m = bb.size
    if m == 0:
        return None
    rot = rot_all[np.zeros(m, np.int64) if fixed else bb]
    to_common = common_from_local(frame, rot)
    spos = frame.from_ecef(pos[bb, i].astype(np.float64))
    return Detections(
        t=times[bb].astype(float), sensor=np.full(m, i, np.int64),
        member=np.full(m, sensors.owner[i], np.int64), range_m=r_m, az=az_m, el=el_m,
        sigma=np.broadcast_to(sig, (m, 3)).copy(), sensor_pos=spos, to_common=to_common,
        truth=truth,
    )


def _false_alarms(i: int, rows: I64, sensors: SensorTable, polar: tuple[F64, F64, F64],
                  bb: NDArray[np.intp], truth: I64, rng: np.random.Generator
                  ) -> tuple[tuple[F64, F64, F64], NDArray[np.intp], I64]:
    """Sensor ``i``'s reports ``polar`` (range m, azimuth, elevation rad; block ticks ``bb``,
    objects ``truth``) followed by its false alarms at its scans ``rows``: a Poisson number per
    scan, uniform over the coverage volume (truth -1)."""
    if sensors.false_alarms[i] <= 0:
        return polar, bb, truth
    fa = rng.poisson(sensors.false_alarms[i], rows.size)
    if not fa.sum():
        return polar, bb, truth
    fb = np.repeat(rows, fa)
    k = fb.size
    u = rng.random((k, 3))
    s_lo, s_hi = np.sin(sensors.min_el[i]), np.sin(sensors.max_el[i])
    r_m, az_m, el_m = polar
    limit = _coverage_limit(sensors)[i]
    return ((np.r_[r_m, limit * np.cbrt(u[:, 0])], np.r_[az_m, 2.0 * np.pi * u[:, 1]],
             np.r_[el_m, np.arcsin(s_lo + (s_hi - s_lo) * u[:, 2])]),
            np.r_[bb, fb], np.r_[truth, np.full(k, -1, np.int64)])


class ExpectedPd:
    """The detection probability a tracker should expect of each of ``s`` sensors.

    ``ExpectedPd(...)(pos, vel, rows)`` gives ``(len(rows), n)``: for track states ``pos``,
    ``vel`` ``(n, 3)`` in ``frame`` (m, m/s), the sensor's ``pd`` inside its coverage (range,
    elevation limits, 4/3-Earth radar horizon, as :func:`coverage`), 0 outside. The class of a
    track is not known to the tracker, so its range is guessed from kinematics: a track faster
    than :data:`BALLISTIC_SPEED` gets the ballistic range, any other the shorter of the cruise
    and drone ranges (the conservative choice: a slow track is never charged a miss by a sensor
    that may not see it). A track's height is its geocentric radius less the ellipsoid's radius
    at its geocentric latitude (metres off at most, for a coverage test).

    Args:
        frame: the tracker's frame.
        sensor_ecef: ``(s, 3)`` sensor positions, ECEF m.
        sensor_range: ``(s, 4)`` range table rows (m; ballistic, cruise, drone, civil).
        min_el, max_el: ``(s,)`` elevation limits, rad.
        pd: ``(s,)`` detection probability inside the coverage.
    """

    def __init__(self, frame: EnuFrame, sensor_ecef: F64, sensor_range: F64, min_el: F64,
                 max_el: F64, pd: F64) -> None:
        s_ecef = np.asarray(sensor_ecef, dtype=float).reshape(-1, 3)
        self.frame = frame
        self.ecef = s_ecef
        self.enu = frame.from_ecef(s_ecef)
        self.norm = np.linalg.norm(s_ecef, axis=1)
        self.up = up_from_ecef(s_ecef) @ frame.rot.T if len(s_ecef) else (
            np.zeros((0, 3)))
        self.enu_t = np.ascontiguousarray(self.enu.T)  # (3, s): east, north, up rows
        self.up_t = np.ascontiguousarray(self.up.T)
        rng = np.asarray(sensor_range, dtype=float).reshape(-1, 4)
        self.r_fast, self.r_slow = rng[:, 0], np.minimum(rng[:, 1], rng[:, 2])
        self.r2_fast, self.r2_slow = self.r_fast * self.r_fast, self.r_slow * self.r_slow
        self.sin_lo, self.sin_hi = np.sin(min_el), np.sin(max_el)
        self.horizon_s = np.sqrt(2.0 * EFFECTIVE_EARTH_RADIUS
                                 * np.maximum(_height(s_ecef), 0.0)) if len(s_ecef) else (
            np.zeros(0))
        self.pd = np.asarray(pd, dtype=float)

    def __call__(self, pos: F64, vel: F64, rows: I64 | None = None) -> F64:
        """``(len(rows), n)`` expected detection probabilities (all sensors if ``rows`` is
        None). The range test runs on every (sensor, track) pair, elevation and horizon only on
        the pairs in range."""
        rows = np.arange(self.ecef.shape[0]) if rows is None else rows
        out = np.zeros((rows.size, pos.shape[0]))
        if pos.shape[0] == 0:
            return out
        # (3, s, n): east, north, up (the positions' columns made contiguous first: a strided
        # operand costs the broadcast subtraction twice as much)
        d = np.ascontiguousarray(pos.T)[:, None, :] - self.enu_t[:, rows, None]
        sq = d * d
        r2 = sq[0] + sq[1] + sq[2]
        fast = np.einsum("ni,ni->n", vel, vel) > BALLISTIC_SPEED**2
        si, ti = (r2 <= np.where(fast[None, :], self.r2_fast[rows, None],
                                 self.r2_slow[rows, None])).nonzero()
        if not si.size:
            return out
        s = rows[si]
        ecef = self.frame.to_ecef(pos)
        rn = np.sqrt(np.einsum("ni,ni->n", ecef, ecef))
        along = d[:, si, ti] * self.up_t.take(s, axis=1)  # (3, k): the pairs' offsets along up
        with np.errstate(invalid="ignore", divide="ignore"):
            sin_el = (along[0] + along[1] + along[2]) / np.sqrt(r2[si, ti])
            cos_angle = (np.einsum("ki,ki->k", self.ecef.take(s, axis=0), ecef.take(ti, axis=0))
                         / (self.norm[s] * rn[ti]))
        h_t = np.maximum(_height(ecef, rn), 0.0)
        horizon = self.horizon_s[s] + np.sqrt(2.0 * EFFECTIVE_EARTH_RADIUS * h_t)[ti]
        seen = ((sin_el >= self.sin_lo[s]) & (sin_el <= self.sin_hi[s])
                & (cos_angle >= np.cos(np.minimum(horizon / EARTH_MEAN_RADIUS, np.pi))))
        out[si[seen], ti[seen]] = self.pd[s[seen]]
        return out


def expected_pd(
    frame: EnuFrame,
    sensor_ecef: F64,
    sensor_range: F64,
    min_el: float,
    max_el: float,
    pd: float,
) -> Callable[[F64, F64], F64]:
    """:class:`ExpectedPd` of one sensor as a function ``f(pos, vel) -> (n,)``."""
    one = ExpectedPd(frame, np.reshape(sensor_ecef, (1, 3)), np.reshape(sensor_range, (1, 4)),
                     np.array([min_el]), np.array([max_el]), np.array([pd]))

    def pd_of(pos: F64, vel: F64) -> F64:
        return one(pos, vel)[0]

    return pd_of


def _height(ecef: F64, rn: F64 | None = None) -> F64:
    """Geocentric radius less the WGS-84 radius at the geocentric latitude, m."""
    rn = np.sqrt(np.einsum("ni,ni->n", ecef, ecef)) if rn is None else rn
    s2 = (ecef[:, 2] / rn) ** 2
    radius = WGS84_A * WGS84_B / np.sqrt(WGS84_B**2 * (1.0 - s2) + WGS84_A**2 * s2)
    return np.asarray(rn - radius)
