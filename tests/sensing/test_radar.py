"""Radar reports: noise against the configured sigmas, detection probability, false-alarm rate,
scan quantisation, and the tracker's expected detection probability.

Truth polar coordinates come from pymap3d's ``ecef2aer`` (an outside geodesy: azimuth from north
clockwise, elevation from the geodetic horizontal), never from the module under test.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pymap3d
import pytest
from scipy import stats

from inkless.physics.geodesy import altitude, ecef_from_geodetic, geodetic_from_ecef, up_from_ecef
from inkless.scenario.tables import SensorTable
from inkless.sensing import Detections, EnuFrame, ExpectedPd, coverage_grid, detect, scan_ticks

D = np.pi / 180.0
SENSOR = (32.0, 35.0, 100.0)  # lat, lon deg, alt m


def table(n: int = 1, **over: object) -> SensorTable:
    """A sensor table of ``n`` identical fixed ground radars at SENSOR."""
    lat, lon, alt = SENSOR
    ecef = np.tile(ecef_from_geodetic(lat * D, lon * D, alt).reshape(1, 3), (n, 1))
    base = SensorTable(
        id=tuple(f"s{i}" for i in range(n)), owner=np.zeros(n, np.int64), kind=("ground",) * n,
        ecef=ecef, route=(None,) * n, range=np.full((n, 4), 400e3), min_el=np.zeros(n),
        max_el=np.full(n, np.pi / 2), scan_period=np.full(n, 5.0),
        sigma_range=np.full(n, 50.0), sigma_az=np.full(n, 0.2 * D),
        sigma_el=np.full(n, 0.3 * D), pd=np.full(n, 1.0), false_alarms=np.zeros(n),
    )
    return replace(base, **over)  # type: ignore[arg-type]


def platform(sensors: SensorTable, ticks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat, lon, alt = geodetic_from_ecef(sensors.ecef)
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    s = len(sensors.id)
    return (np.broadcast_to(sensors.ecef, (ticks, s, 3)), np.broadcast_to(up, (ticks, s, 3)),
            np.broadcast_to(alt, (ticks, s)))


def targets(ticks: int) -> tuple[np.ndarray, np.ndarray]:
    """Four fixed objects at 60-250 km, 1-12 km high, all inside the coverage."""
    pts = [(32.5, 35.5, 5000.0), (31.0, 34.0, 12000.0), (33.5, 36.5, 9000.0), (32.0, 35.6, 1000.0)]
    ecef = np.array([ecef_from_geodetic(a * D, b * D, h) for a, b, h in pts]).reshape(-1, 3)
    alt = np.array([h for _, _, h in pts])
    return np.broadcast_to(ecef, (ticks, 4, 3)).copy(), np.broadcast_to(alt, (ticks, 4)).copy()


def run_detect(sensors: SensorTable, ticks: int, seed: int = 1,
               objects: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[Detections, np.ndarray, EnuFrame]:
    obj, alt = targets(ticks) if objects is None else objects
    frame = EnuFrame.at(32.0 * D, 35.0 * D)
    scanning = np.ones((ticks, len(sensors.id)), bool)
    return detect(scanning, 5.0 * np.arange(ticks), platform(sensors, ticks), sensors,
                  obj, alt, np.full(obj.shape[1], 1), frame,
                  np.random.default_rng(seed)), obj, frame


def test_polar_noise_matches_the_sigmas() -> None:
    sensors = table()
    det, obj, _ = run_detect(sensors, 3000)
    assert len(det) == 4 * 3000  # pd = 1: every object every scan
    lat, lon, alt = SENSOR
    az, el, rng = pymap3d.ecef2aer(obj[0, :, 0], obj[0, :, 1], obj[0, :, 2], lat, lon, alt)
    j = det.truth
    e = np.stack([det.range_m - rng[j], (det.az - np.radians(az[j]) + np.pi) % (2 * np.pi) - np.pi,
                  det.el - np.radians(el[j])], axis=1)
    sig = np.array([50.0, 0.2 * D, 0.3 * D])
    n = e.shape[0]
    # means within 4 standard errors; variances within the chi-square 99.99 % bounds
    assert np.all(np.abs(e.mean(axis=0)) < 4 * sig / np.sqrt(n))
    ratio = (e**2).mean(axis=0) / sig**2
    lo, hi = stats.chi2.ppf([5e-5, 1 - 5e-5], n) / n
    assert np.all((lo < ratio) & (ratio < hi)), ratio
    # the reports carry the sigmas and the sensor, as the tracker needs them
    assert np.allclose(det.sigma, sig)
    assert np.all(det.sensor == 0)


def test_detection_probability() -> None:
    pd = 0.7
    det, _, _ = run_detect(table(pd=np.array([pd])), 2000)
    n = 4 * 2000
    assert abs(len(det) - pd * n) < 4 * np.sqrt(n * pd * (1 - pd))


def test_false_alarm_rate_and_their_spread() -> None:
    lam, ticks = 3.0, 4000
    sensors = table(false_alarms=np.array([lam]), pd=np.array([0.0]))
    det, _, _ = run_detect(sensors, ticks)
    fa = det.truth < 0
    assert fa.all()
    counts = np.bincount(np.rint(det.t / 5.0).astype(int), minlength=ticks)
    # Poisson: mean and variance both lam (4 standard errors)
    assert abs(counts.mean() - lam) < 4 * np.sqrt(lam / ticks)
    assert abs(counts.var() - lam) < 4 * lam * np.sqrt(2.0 / ticks) + 0.05
    # uniform in the coverage volume: (r / R)^3, azimuth and sin(el) uniform on [0, 1]
    u = [(det.range_m / 400e3) ** 3, det.az / (2 * np.pi), np.sin(det.el)]
    for x in u:
        assert stats.kstest(x, "uniform").pvalue > 1e-4


def test_nothing_is_seen_outside_the_coverage() -> None:
    ticks = 200
    # 500 km north at 10 km (beyond the 400 km range); 220 km north at 50 m (below the horizon,
    # about 70 km for a 100 m radar and a 50 m target on the 4/3 Earth)
    obj = ecef_from_geodetic(np.array([36.5, 34.0]) * D, np.array([35.0, 35.0]) * D,
                             np.array([10000.0, 50.0])).reshape(-1, 3)
    alt_ = np.array([10000.0, 50.0])
    det, _, _ = run_detect(table(), ticks, objects=(np.broadcast_to(obj, (ticks, 2, 3)).copy(),
                                                    np.broadcast_to(alt_, (ticks, 2)).copy()))
    assert len(det) == 0


def test_scan_ticks_quantise_scan_instants_up_to_the_next_tick() -> None:
    dt, ticks = 5.0, 400
    periods = np.array([4.0, 5.0, 10.0, 12.0, 7.5])
    got = scan_ticks(periods, dt, ticks)
    for i, period in enumerate(periods):
        instants = period * np.arange(int(ticks * dt / period) + 2)
        want = np.zeros(ticks, bool)
        k = np.ceil(instants / dt - 1e-9).astype(int)  # the tick at or after each instant
        want[k[k < ticks]] = True
        assert np.array_equal(got[:, i], want), period
    assert got[:, 2].sum() == ticks // 2  # a 10 s radar every other 5 s tick


def test_expected_pd_agrees_with_the_coverage_geometry() -> None:
    rng = np.random.default_rng(3)
    frame = EnuFrame.at(32.0 * D, 35.0 * D)
    s = ecef_from_geodetic(31.9 * D, 34.9 * D, 100.0).reshape(1, 3)
    ranges = np.array([[900e3, 200e3, 150e3, 400e3]])
    f = ExpectedPd(frame, s, ranges, np.array([0.0]), np.array([np.pi / 2]), np.array([0.9]))
    n = 20000
    ecef = ecef_from_geodetic(rng.uniform(28, 36, n) * D, rng.uniform(30, 42, n) * D,
                              rng.choice([50.0, 1500.0, 10000.0, 100e3], n))
    fast = rng.random(n) < 0.5
    vel = np.where(fast[:, None], [[2000.0, 0.0, 0.0]], [[100.0, 0.0, 0.0]])
    p = f(frame.from_ecef(ecef), vel)[0]
    # fast tracks get the ballistic range, slow ones the shorter of cruise and drone
    frame_s = (s[None], up_from_ecef(s)[None], altitude(s)[None])
    ref = coverage_grid(frame_s, np.array([[900e3, 150e3]]), np.array([0.0]),
                        np.array([np.pi / 2]), ecef[None], altitude(ecef)[None],
                        np.where(fast, 0, 1))[0]  # fmt: skip
    assert 500 < ref.sum() < n - 500
    assert np.array_equal(p > 0, ref)
    assert set(np.unique(p)) <= {0.0, 0.9}


def test_expected_pd_of_some_sensors_is_each_sensors_own() -> None:
    """Asked for a subset of sensors in any order, each row is what that sensor alone gives
    (its own range, elevation limits, horizon and pd), bit for bit."""
    rng = np.random.default_rng(4)
    frame = EnuFrame.at(32.0 * D, 35.0 * D)
    s = ecef_from_geodetic(rng.uniform(31, 33, 4) * D, rng.uniform(34, 36, 4) * D,
                           np.array([100.0, 3000.0, 20.0, 800.0]))
    ranges = np.array([[900e3, 200e3, 150e3, 400e3], [300e3, 250e3, 100e3, 300e3],
                       [600e3, 80e3, 90e3, 200e3], [500e3, 400e3, 300e3, 400e3]])
    lo, hi = np.array([0.0, 0.05, -0.02, 0.1]), np.array([1.5, 0.6, 1.2, 0.9])
    pd = np.array([0.9, 0.7, 0.8, 0.6])
    f = ExpectedPd(frame, s, ranges, lo, hi, pd)
    n = 3000
    ecef = ecef_from_geodetic(rng.uniform(29, 35, n) * D, rng.uniform(32, 38, n) * D,
                              rng.choice([50.0, 1500.0, 10000.0, 100e3], n))
    vel = np.where((rng.random(n) < 0.5)[:, None], [[2000.0, 0.0, 0.0]], [[100.0, 0.0, 0.0]])
    pos = frame.from_ecef(ecef)
    rows = np.array([3, 0, 2])
    got = f(pos, vel, rows)
    for i, k in enumerate(rows):
        one = ExpectedPd(frame, s[k:k + 1], ranges[k:k + 1], lo[k:k + 1], hi[k:k + 1], pd[k:k + 1])
        want = one(pos, vel)[0]
        assert 100 < np.count_nonzero(want) < n - 100, k
        assert got[i].tobytes() == want.tobytes(), k
    assert f(pos[:0], vel[:0], rows).shape == (3, 0)


def test_expected_pd_of_stacked_tracks_is_each_tracks_own() -> None:
    """The tracks of several trackers stacked in one call (what the coalition tracker does at
    each scan) get, column by column, what each block alone gets, bit for bit: the arithmetic,
    the ENU->ECEF product included, is per track."""
    rng = np.random.default_rng(5)
    frame = EnuFrame.at(32.0 * D, 35.0 * D)
    s = ecef_from_geodetic(rng.uniform(31, 33, 3) * D, rng.uniform(34, 36, 3) * D,
                           np.array([100.0, 3000.0, 20.0]))
    ranges = np.array([[900e3, 200e3, 150e3, 400e3], [300e3, 250e3, 100e3, 300e3],
                       [600e3, 80e3, 90e3, 200e3]])
    f = ExpectedPd(frame, s, ranges, np.array([0.0, 0.05, -0.02]), np.array([1.5, 0.6, 1.2]),
                   np.array([0.9, 0.7, 0.8]))
    rows = np.array([0, 2])
    for n in (1, 7, 64, 301):
        ecef = ecef_from_geodetic(rng.uniform(29, 35, n) * D, rng.uniform(32, 38, n) * D,
                                  rng.uniform(0.0, 150e3, n))
        pos = frame.from_ecef(ecef) + rng.normal(0.0, 1e-3, (n, 3))  # not on a grid
        vel = rng.normal(0.0, 600.0, (n, 3))
        both = f(pos, vel, rows)
        cut = [0, *sorted(rng.integers(0, n + 1, 2).tolist()), n]
        for a, b in itertools.pairwise(cut):
            assert both[:, a:b].tobytes() == f(pos[a:b], vel[a:b], rows).tobytes(), (n, a, b)
        assert np.count_nonzero(both) > 0 or n < 64


@pytest.mark.parametrize("seed", [1, 2])
def test_same_generator_same_reports(seed: int) -> None:
    a, _, _ = run_detect(table(pd=np.array([0.8]), false_alarms=np.array([1.0])), 50, seed)
    b, _, _ = run_detect(table(pd=np.array([0.8]), false_alarms=np.array([1.0])), 50, seed)
    assert np.array_equal(a.range_m, b.range_m) and np.array_equal(a.truth, b.truth)


def test_detect_with_the_coverage_known_reports_as_it_computes_it() -> None:
    """``detect(..., covered=...)`` with what each sensor covers taken from the whole grid
    (:func:`covered_samples`, whether it scans or not) reports, block by block, exactly what it
    reports computing the coverage itself: same draws, same reports."""
    from inkless.sensing.coverage import covered_samples, in_flight

    sensors = table(3, range=np.array([[400e3] * 4, [150e3] * 4, [90e3] * 4]),
                    pd=np.array([0.9, 0.7, 1.0]), false_alarms=np.array([0.0, 2.0, 0.5]))
    ticks, block = 40, 16
    gen = np.random.default_rng(3)
    lat = 32.0 + gen.uniform(-3.0, 3.0, (ticks, 12))
    lon = 35.0 + gen.uniform(-3.0, 3.0, (ticks, 12))
    h = gen.uniform(-500.0, 20e3, (ticks, 12))
    obj = ecef_from_geodetic(lat * D, lon * D, h).astype(np.float32)
    alt = h.astype(np.float32)
    alt[gen.random((ticks, 12)) < 0.2] = np.nan  # not in flight
    obj[np.isnan(alt)] = np.nan
    plat = platform(sensors, ticks)
    scanning = gen.random((ticks, 3)) < 0.7
    col = gen.integers(0, 4, 12)
    frame = EnuFrame.at(32.0 * D, 35.0 * D)
    flying = in_flight(obj, alt)
    cover = [covered_samples(i, plat, sensors.range, sensors.min_el, sensors.max_el, flying,
                             col) for i in range(3)]
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    for k0 in range(0, ticks, block):
        k1 = min(k0 + block, ticks)
        sl = slice(k0, k1)
        args = (scanning[sl], 5.0 * np.arange(k0, k1), tuple(a[sl] for a in plat), sensors,
                obj[sl], alt[sl], col, frame)

        def of(i: int, k0: int = k0, k1: int = k1) -> tuple[np.ndarray, np.ndarray]:
            s = cover[i][(flying[0][cover[i]] >= k0) & (flying[0][cover[i]] < k1)]
            return flying[0][s] - k0, flying[1][s]

        a = detect(*args, rng_a)  # type: ignore[arg-type]
        b = detect(*args, rng_b, covered=of)  # type: ignore[arg-type]
        assert len(a) > 0
        for name in Detections.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
