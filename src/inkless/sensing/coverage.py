"""Which sensor sees which object: range per class, elevation limits and the radar horizon.

Where it sits: sensing, the first stage after the truth. The radar horizon is that of a smooth
spherical Earth with the standard 4/3 effective radius for refraction (Skolnik, *Introduction to
Radar Systems*, 3rd ed., sec. 8.2): an object at height ``h_t`` is above the horizon of a radar
at height ``h_s`` when the ground range is below ``sqrt(2 k R h_s) + sqrt(2 k R h_t)``.
Elevation is measured from the sensor's geodetic horizontal plane.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64
from inkless.physics.geodesy import EARTH_MEAN_RADIUS

__all__ = ["EFFECTIVE_EARTH_RADIUS", "InFlight", "coverage_grid", "covered_by", "covered_samples",
           "in_flight"]

EFFECTIVE_EARTH_RADIUS = 4.0 / 3.0 * EARTH_MEAN_RADIUS
_CHUNK = 1 << 16  # in-range tests on this many samples at a time (memory)


def _visible(
    d: F64,
    ps: F64,
    up: F64,
    h_s: F64,
    tgt: F64,
    h_t: NDArray[np.floating],
    min_el: float,
    max_el: float,
) -> NDArray[np.bool_]:
    """Elevation limits and the radar horizon for objects already within range.

    ``d (N,3)`` sensor-to-object vectors, ``ps``/``up`` sensor positions and up vectors
    (``(3,)`` or ``(N,3)``), ``h_s``/``h_t`` heights, all SI; the ground range is compared with
    the horizon on the cosine of the central angle (no arccos).
    """
    r = np.sqrt(np.einsum("nk,nk->n", d, d))
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_el = np.einsum("nk,nk->n", d, np.broadcast_to(up, d.shape)) / r
        cos_angle = np.einsum("nk,nk->n", np.broadcast_to(ps, tgt.shape), tgt) / (
            np.linalg.norm(ps, axis=-1) * np.linalg.norm(tgt, axis=-1)
        )
    horizon = np.sqrt(2.0 * EFFECTIVE_EARTH_RADIUS * np.maximum(h_s, 0.0)) + np.sqrt(
        2.0 * EFFECTIVE_EARTH_RADIUS * np.maximum(h_t, 0.0)
    )
    return np.asarray(
        (sin_el >= np.sin(min_el))
        & (sin_el <= np.sin(max_el))
        & (cos_angle >= np.cos(np.minimum(horizon / EARTH_MEAN_RADIUS, np.pi)))
    )


def coverage_grid(
    sensor: tuple[F64, F64, F64],
    sensor_range: F64,
    min_el: F64,
    max_el: F64,
    target: NDArray[np.floating],
    target_alt: NDArray[np.floating],
    target_cls: NDArray[np.int64],
    sensor_on: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """``held (ticks, n)``: some sensor covers object ``j`` at tick ``k``.

    Range per class, elevation limits and the radar horizon, over a whole truth grid at once:
    ``sensor`` is (positions ``(ticks, s, 3)`` ECEF m, geodetic up unit vectors ``(ticks, s, 3)``,
    heights ``(ticks, s)`` m), broadcast views for fixed sensors; ``target (ticks, n, 3)`` and
    ``target_alt (ticks, n)`` with NaN where an object is not in flight. One sensor at a time:
    the range test runs on every in-flight sample, elevation and horizon only on those in range.
    Sensor ``i`` contributes only at the ticks where ``sensor_on (ticks, s)`` is true (its
    member's forces act, it scans; default: always).
    """
    ticks, n = target.shape[:2]
    held = np.zeros((ticks, n), dtype=bool)
    flying = in_flight(target, target_alt)
    for i in range(sensor[0].shape[1]):
        kk, jj = covered_by(i, sensor, sensor_range, min_el, max_el, flying, target_cls,
                            sensor_on)
        held[kk, jj] = True
    return held


InFlight = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.floating], NDArray[np.floating],
                 dict[bytes, NDArray[np.int64]]]
"""The in-flight samples of a truth grid: tick ``kk``, object ``jj``, ECEF position and height,
and the range-table column of each sample by the objects' columns (filled on first use)."""


def in_flight(target: NDArray[np.floating], target_alt: NDArray[np.floating]) -> InFlight:
    """The samples of ``target (ticks, n, 3)``, ``target_alt (ticks, n)`` in flight (not NaN),
    in row-major order: computed once for every sensor (:func:`covered_by`)."""
    kk, jj = np.nonzero(np.isfinite(target_alt))
    return kk, jj, target[kk, jj], target_alt[kk, jj], {}


def _classes(flying: InFlight, target_cls: NDArray[np.int64]) -> NDArray[np.int64]:
    """The range-table column of every in-flight sample (gathered once per grid)."""
    key = np.ascontiguousarray(target_cls).tobytes()
    cls = flying[4].get(key)
    if cls is None:
        cls = flying[4][key] = target_cls[flying[1]]
    return cls


def covered_by(
    i: int,
    sensor: tuple[F64, F64, F64],
    sensor_range: F64,
    min_el: F64,
    max_el: F64,
    flying: InFlight,
    target_cls: NDArray[np.int64],
    sensor_on: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The in-flight samples (:func:`in_flight`) that sensor column ``i`` covers
    (:func:`coverage_grid`'s test): their ticks and objects, in the samples' order."""
    near = covered_samples(i, sensor, sensor_range, min_el, max_el, flying, target_cls,
                           sensor_on)
    return flying[0][near], flying[1][near]


def covered_samples(
    i: int,
    sensor: tuple[F64, F64, F64],
    sensor_range: F64,
    min_el: F64,
    max_el: F64,
    flying: InFlight,
    target_cls: NDArray[np.int64],
    sensor_on: NDArray[np.bool_] | None = None,
) -> NDArray[np.intp]:
    """:func:`covered_by`'s samples as rows of ``flying`` (increasing). Each sample is tested
    alone: the samples covered among any subset of ``flying`` are the subset of these."""
    kk, _, tgt_all, _, _ = flying
    fixed = sensor[0].strides[0] == 0  # a broadcast view: the sensor does not move
    pos_t = (sensor[0][0, i] if fixed else sensor[0][kk, i]).astype(tgt_all.dtype)
    # Box pre-test on east-west and north-south ECEF offsets, with each sample's range (its
    # class's): exact, a sample beyond its range on one axis has r2 >= that axis' square, which
    # rounding cannot bring back inside the 1e-6 margin (a NaN range keeps none, as the range
    # test would); the range test below on the samples left, as on every sample.
    box = (sensor_range[i] * (1.0 + 1e-6)).astype(tgt_all.dtype)[_classes(flying, target_cls)]
    cand = ((np.abs(tgt_all[:, 0] - pos_t[..., 0]) <= box)
            & (np.abs(tgt_all[:, 1] - pos_t[..., 1]) <= box)).nonzero()[0]
    # the tests are per sample: in blocks, so that the temporaries stay small
    seen = [_covered(i, sensor, sensor_range, min_el, max_el, flying, target_cls, sensor_on,
                     cand[lo : lo + _CHUNK]) for lo in range(0, max(cand.size, 1), _CHUNK)]
    return np.concatenate(seen)


def _covered(
    i: int,
    sensor: tuple[F64, F64, F64],
    sensor_range: F64,
    min_el: F64,
    max_el: F64,
    flying: InFlight,
    target_cls: NDArray[np.int64],
    sensor_on: NDArray[np.bool_] | None,
    cand: NDArray[np.intp],
) -> NDArray[np.intp]:
    """The samples among ``cand`` (increasing) that sensor column ``i`` covers
    (:func:`covered_by`)."""
    sen_pos, sen_up, sen_alt = sensor
    kk, _, tgt_all, h_t_all, _ = flying
    fixed = sen_pos.strides[0] == 0
    pos = sen_pos[0, i] if fixed else sen_pos[kk[cand], i]
    pos_t = pos.astype(tgt_all.dtype)
    d = tgt_all[cand] - pos_t
    r2 = np.einsum("nk,nk->n", d, d)
    lim2 = (sensor_range[i] * sensor_range[i])[_classes(flying, target_cls)[cand]]
    local = (r2 <= lim2).nonzero()[0]
    near = cand[local]
    if sensor_on is not None:
        on = sensor_on[kk[near], i]
        near, local = near[on], local[on]
    if len(near) == 0:
        return near
    up = sen_up[0, i] if fixed else sen_up[kk[near], i]
    h_s = sen_alt[0, i] if fixed else sen_alt[kk[near], i]
    seen = _visible(
        d[local].astype(np.float64),
        pos if fixed else pos[local],
        up,
        h_s,
        tgt_all[near].astype(np.float64),
        h_t_all[near],
        min_el[i],
        max_el[i],
    )
    return near[seen]
