"""Run the tracker over recorded detections from synchronously scanning Cartesian sensors.

Where it sits: the loop that ``inkless track`` and the tracking benchmark time. Detections arrive
as flat arrays (``time, sensor_id, x, y, z``); every scan time, each sensor's batch is fed to
``step`` in sensor order at the same time (centralised measurement fusion), and the confirmed
tracks after the last batch form that scan's online air picture.

Frame: ENU, metres; time in s since the scenario epoch.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64
from inkless.errors import InputError
from inkless.tracking.measurement import cartesian_noise
from inkless.tracking.tracker import TrackerConfig, coverage_pd, in_picture, step
from inkless.tracking.tracks import Tracks

__all__ = ["CartesianSensor", "Picture", "replay"]



@dataclass(frozen=True, slots=True)
class CartesianSensor:
    """A sensor as the tracker sees it: position (ENU, m), coverage radius (m), axis noise (m)."""

    id: int
    pos: tuple[float, float, float]
    max_range_m: float
    noise_std_m: tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Picture:
    """Online air picture: one row per confirmed track per scan.

    ``time (k,)`` s, ``track_id (k,)``, ``x (k, 6)`` ENU state; plus the tracking loop's wall and
    CPU time (s), the wall time of every scan (s), the detections processed, the final table.
    """

    time: F64
    track_id: NDArray[np.int64]
    x: F64
    seconds: float
    cpu_seconds: float
    scan_seconds: F64
    detections: int
    final: Tracks


def replay(
    t: ArrayLike,
    sensor_id: ArrayLike,
    z: ArrayLike,
    sensors: Sequence[CartesianSensor],
    *,
    config: TrackerConfig | None = None,
    scan_times: ArrayLike | None = None,
) -> Picture:
    """Track recorded detections; returns the online picture after every scan.

    Args:
        t: ``(m,)`` detection times, s (all sensors of a scan share one time).
        sensor_id: ``(m,)`` sensor of each detection; every id must be in ``sensors``.
        z: ``(m, 3)`` detection positions, ENU m.
        sensors: the sensors, processed in the given order within a scan; a sensor without
            detections at a scan time still counts as a look (its targets were all missed).
        config: tracker parameters.
        scan_times: extra scan times (s) to process even if nothing was detected then.

    Detection order inside a (time, sensor) batch is kept, so results are reproducible.
    """
    tt = np.asarray(t, dtype=float).ravel()
    sid = np.asarray(sensor_id).astype(np.int64).ravel()
    zz = np.asarray(z, dtype=float).reshape(-1, 3)
    cfg = config if config is not None else TrackerConfig()
    ids = np.array([s.id for s in sensors], np.int64)
    unknown = ~np.isin(sid, ids)
    if unknown.any() or not ids.size:
        raise InputError(f"replay: sensor id {sid[unknown][:1].tolist()} is not among the sensors "
                         f"{ids.tolist()}; describe every sensor that reports")
    col = np.searchsorted(ids, sid, sorter=np.argsort(ids))
    col = np.argsort(ids)[col] if col.size else col
    order = np.lexsort((col, tt))  # stable: within a batch the file order is kept
    tt, col, zz = tt[order], col[order], zz[order]
    times = np.unique(tt if scan_times is None else np.r_[tt, np.asarray(scan_times, float)])
    pds = [coverage_pd(s.pos, s.max_range_m, cfg.pd) for s in sensors]
    R1 = [cartesian_noise(s.noise_std_m, 1)[0] for s in sensors]
    # batch boundaries: rows of (scan k, sensor s) are [start[k, s], start[k, s + 1])
    key = np.searchsorted(times, tt) * len(sensors) + col
    start = np.searchsorted(key, np.arange(times.size * len(sensors) + 1))

    tracks = Tracks.empty(t=float(times[0]) if times.size else 0.0)
    out_t, out_id, out_x = [], [], []
    scan_s = np.zeros(times.size)
    c0 = time.process_time()
    for k, tk in enumerate(times):
        t0 = time.perf_counter()
        for s in range(len(sensors)):
            a, b = start[k * len(sensors) + s], start[k * len(sensors) + s + 1]
            R = np.broadcast_to(R1[s], (b - a, 3, 3))
            tracks = step(tracks, float(tk), zz[a:b], R, config=cfg, pd=pds[s])
        scan_s[k] = time.perf_counter() - t0
        c = in_picture(tracks, cfg)
        out_t.append(np.full(int(c.sum()), tk))
        out_id.append(tracks.id[c])
        out_x.append(tracks.x[c])
    cpu = time.process_time() - c0
    if not out_t:
        return Picture(np.empty(0), np.empty(0, np.int64), np.empty((0, 6)), 0.0, cpu, scan_s, 0,
                       tracks)
    return Picture(
        time=np.concatenate(out_t),
        track_id=np.concatenate(out_id),
        x=np.concatenate(out_x),
        seconds=float(scan_s.sum()),
        cpu_seconds=cpu,
        scan_seconds=scan_s,
        detections=int(tt.size),
        final=tracks,
    )
