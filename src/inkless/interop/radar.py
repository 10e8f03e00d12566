"""A run's radar plots as CAT048, and CAT048 plots back into the fed picture.

Where it sits: after the run (``inkless run --asterix-out`` writes each radar's plots, kept in
the record as ``PictureRecord.scans``) and before the engine (``inkless track --asterix DIR
--scenario SCENARIO`` feeds them to :class:`inkless.engine.FedPicture`, which tracks them as
the simulated run did).

Mapping (docs/interop.md, "SAC/SIC"): SAC 0, SIC the radar's row in the scenario's ``sensors``
list (0..254; 255 is the coalition picture's CAT062). Each radar's file holds one data block
per scan that had plots (an empty block carries no time: a look without plots is not written;
the reader takes the looks from the scenario's scan periods, as the run did).

Coordinates: I048/040 RHO is the measured slant range and THETA the measured azimuth (clockwise
from true north in the radar's local ENU frame at the scan). I048/110 is the height of the
measured point above the WGS-84 ellipsoid (the run has no geoid: that height stands for the
height above mean sea level). Back, the elevation is the one whose point at that range and
azimuth has that height: Newton's method on the exact geodesy (converges to well under a
millimetre in a few steps: the height grows with the elevation at ``rho cos(el)`` m/rad).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from inkless.errors import InputError
from inkless.physics.geodesy import enu_rotation, geodetic_from_ecef

from .asterix import DAY_S, cat048_fits, decode_cat048, encode_cat048, unwrap_time_of_day

if TYPE_CHECKING:
    from inkless.engine import Engine, Record, Reports
    from inkless.scenario.tables import Tables

__all__ = ["RUN_SAC", "elevation_from_height", "point_height", "read_run_plots",
           "write_run_plots"]

log = logging.getLogger("inkless.interop")

F64 = NDArray[np.float64]
#: SAC of a run's radars (SIC: the sensor's row in the scenario's sensors).
RUN_SAC = 0
MAX_RADARS = 255


def _midnight_s(epoch: datetime) -> float:
    """Seconds from the midnight UTC before ``epoch`` to ``epoch``."""
    return (epoch - epoch.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()


def _geometry(pos: F64) -> tuple[F64, F64]:
    """Sensors' ECEF positions ``(m, 3)`` -> their ECEF->local ENU rotations ``(m, 3, 3)`` and
    heights above the ellipsoid ``(m,)`` (m)."""
    lat, lon, alt = geodetic_from_ecef(pos)
    return enu_rotation(lat, lon), alt


def _points(pos: F64, rot: F64, rho: F64, az: F64, el: F64) -> F64:
    """ECEF points ``(m, 3)`` at slant range ``rho`` (m), azimuth and elevation (rad) seen from
    sensors at ``pos`` with local frames ``rot``."""
    ce = np.cos(el)
    local = rho[:, None] * np.column_stack([np.sin(az) * ce, np.cos(az) * ce, np.sin(el)])
    return pos + np.einsum("kji,kj->ki", rot, local)


def point_height(pos: F64, rho: F64, az: F64, el: F64) -> F64:
    """Height above the WGS-84 ellipsoid (m) of the point at ``rho``, ``az``, ``el`` from
    sensors at ECEF ``pos (m, 3)`` (what I048/110 carries)."""
    rot, _ = _geometry(pos)
    return geodetic_from_ecef(_points(pos, rot, rho, az, el))[2]


def elevation_from_height(pos: F64, rho: F64, az: F64, height: F64, steps: int = 8) -> F64:
    """The elevation (rad) whose point at ``rho``, ``az`` from ``pos`` has ``height`` (m above
    the ellipsoid): Newton's method with a central-difference slope, from the flat-earth guess
    ``asin((h - h_sensor) / rho)``; inverse of :func:`point_height`."""
    rot, alt = _geometry(pos)
    r = np.maximum(rho, 1.0)
    el = np.arcsin(np.clip((height - alt) / r, -1.0, 1.0))
    d = 1e-6
    for _ in range(steps):
        h0 = geodetic_from_ecef(_points(pos, rot, r, az, el))[2]
        slope = (geodetic_from_ecef(_points(pos, rot, r, az, el + d))[2]
                 - geodetic_from_ecef(_points(pos, rot, r, az, el - d))[2]) / (2 * d)
        el = np.clip(el - (h0 - height) / np.where(np.abs(slope) > 1e-3, slope, 1e-3),
                     -np.pi / 2, np.pi / 2)
    return el


def _sics(tables: Tables) -> None:
    if len(tables.sensors.id) > MAX_RADARS:
        raise InputError(f"sensors: {len(tables.sensors.id)} radars; CAT048's SIC numbers at "
                         f"most {MAX_RADARS} (0..254); split the scenario's sensors")


def write_run_plots(record: Record, sensor_pos: F64, out_dir: Path) -> tuple[int, int]:
    """Write each radar's plots of ``record`` as CAT048, ``out_dir/radar-<SIC>-<id>.ast``, one
    data block per scan with plots. ``sensor_pos (ticks, s, 3)`` the radars' ECEF positions at
    the decision ticks (:meth:`inkless.simulation.SensorPlatforms.grid`); a patrol's radar is
    taken where its aircraft flew (``record.patrols``,
    :meth:`inkless.engine.patrols.Patrols.radar_positions`), not on its scheduled route.
    Returns the plots written and those left out (outside CAT048's ranges: slant range >=
    256 NM, height outside +-62.4 km)."""
    from inkless.engine.patrols import Patrols

    tr, tables = record.tracked, record.tables
    if tr is None or tr.scans is None:
        return 0, 0
    _sics(tables)
    sc, dt = tr.scans, record.scenario.settings.scan_period_s
    if record.patrols is not None:
        sensor_pos = Patrols.radar_positions(record.patrols, tables.sensors.id,
                                             np.arange(len(sensor_pos), dtype=np.float64) * dt,
                                             sensor_pos)
    base = _midnight_s(record.scenario.settings.epoch)
    rae = sc.plot_rae.astype(np.float64)
    tick = np.rint(sc.plot_t / dt).astype(np.int64)
    height = np.full(len(tick), np.nan)
    if len(tick):
        height = point_height(sensor_pos[tick, sc.plot_sensor], rae[:, 0], rae[:, 1], rae[:, 2])
    fits = cat048_fits(rae[:, 0], height)
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, sid in enumerate(tables.sensors.id):
        rows = np.flatnonzero((sc.plot_sensor == i) & fits)  # in time order
        times, first = np.unique(sc.plot_t[rows], return_index=True)
        blocks = []
        for t, k in zip(times.tolist(), np.split(rows, first[1:]), strict=True):
            blocks.append(encode_cat048(RUN_SAC, i, base + t, rae[k, 0], rae[k, 1], height[k],
                                        where=f"{sid} t={t:g}s").block)
        (out_dir / f"radar-{i}-{sid}.ast").write_bytes(b"".join(blocks))
    return int(fits.sum()), int((~fits).sum())


def read_run_plots(streams: Sequence[tuple[str, Sequence[bytes]]], engine: Engine
                   ) -> list[Reports]:
    """The reports of CAT048 streams for ``engine``'s fed picture, one per decision time at
    which a radar looks (the scenario's scan periods, while its member acts): the plots of
    that time (SAC 0, SIC = sensor row; others logged and skipped) as
    :class:`inkless.sensing.Detections` from the radar's position then, with no cooperative
    evidence. Times of day are unwrapped across midnight and taken from the epoch's day."""
    from inkless.engine import Reports
    from inkless.identification import Evidence
    from inkless.sensing import Detections
    from inkless.sensing.frames import common_from_local
    from inkless.simulation import SensorPlatforms
    from inkless.tracking.measurement import measurements
    from inkless.tracking.picture import KIND_FALSE

    pic, tables, dt = engine.picture, engine.tables, engine.dt
    scans, frame = pic.scans, pic.frame  # type: ignore[attr-defined]  # a FedPicture's
    pos = SensorPlatforms(tables.sensors).grid(dt, scans.shape[0])[0]  # the radars, ECEF
    n_s = len(tables.sensors.id)
    base = _midnight_s(engine.scenario.settings.epoch)
    parts = []
    for name, chunks in streams:
        for k, c in enumerate(chunks):
            p = decode_cat048(c, name if len(chunks) == 1 else f"{name}: datagram {k}")
            ok = (p.sac == RUN_SAC) & (p.sic < n_s)
            if not ok.all():
                log.warning("%s: %d plot(s) from a SAC/SIC that is no radar of the scenario "
                            "(SAC %d, SIC = sensor row); skipped", name, int((~ok).sum()), RUN_SAC)
            tod = unwrap_time_of_day(p.time_of_day_s) - base
            tod = tod + DAY_S * float((tod[:1] < -DAY_S / 2).sum())
            parts.append(np.column_stack([np.rint(tod / dt), p.sic, p.rho_m, p.theta_rad,
                                          p.height_m])[ok])
    plots = np.concatenate(parts) if parts else np.zeros((0, 5))
    plots = plots[(plots[:, 0] >= 0) & (plots[:, 0] < len(scans))]
    plots = plots[np.lexsort((plots[:, 1], plots[:, 0]))]
    tick, sensor = plots[:, 0].astype(np.int64), plots[:, 1].astype(np.int64)
    spos = pos[tick, sensor]
    el = elevation_from_height(spos, plots[:, 2], plots[:, 3], plots[:, 4])
    rot, _ = _geometry(spos)
    s = tables.sensors
    det = Detections(
        t=tick.astype(np.float64) * dt, sensor=sensor, member=s.owner[sensor], range_m=plots[:, 2],
        az=plots[:, 3], el=el,
        sigma=np.column_stack([s.sigma_range, s.sigma_az, s.sigma_el])[sensor],
        sensor_pos=frame.from_ecef(spos),
        to_common=common_from_local(frame, rot),
        truth=np.full(len(tick), -1, np.int64))
    z, R = measurements(det)
    out = []
    for k in np.flatnonzero(scans.any(axis=1)).tolist():
        at = k * dt
        lo, hi = np.searchsorted(tick, [k, k + 1])
        rows = slice(int(lo), int(hi))
        looking = np.flatnonzero(scans[k])
        out.append(Reports(at, det.take(rows), z[rows], R[rows],
                           np.full(int(hi - lo), KIND_FALSE, np.int64), looking,
                           pos[k, looking], Evidence.none(at)))
    return out


def track_plots(streams: Sequence[tuple[str, Sequence[bytes]]], scenario: Path) -> Record:
    """Track CAT048 plots of ``scenario``'s radars with the coalition's trackers: an engine
    on the fed picture (the scenario's seed and legal bases, no cooperative evidence) pushed
    :func:`read_run_plots`; its record holds the per-scan picture (``tracks.csv``)."""
    from inkless.engine import Engine, FedPicture
    from inkless.scenario import load_scenario
    from inkless.simulation.civil import with_base_dir
    from inkless.wargame import scenario_gates

    sc = with_base_dir(load_scenario(scenario), scenario.resolve().parent)
    eng = Engine(sc, sc.settings.seed, picture="tracked", gates=scenario_gates(sc), fed=True)
    assert isinstance(eng.picture, FedPicture)  # fed=True builds one
    for r in read_run_plots(streams, eng):
        eng.picture.push(r)
    return eng.run()
