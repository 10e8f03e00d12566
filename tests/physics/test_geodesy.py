"""Geodesy against outside authorities: GeographicLib's published CartConvert examples, the
WGS-84 defining constants, closed-form spherical distances, and round-trip identities."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.physics import geodesy as g
from inkless.units import DEG, KM

A = 6378137.0  # WGS-84 semi-major axis (NGA TR8350.2)
B = 6356752.314245  # WGS-84 semi-minor axis (NGA TR8350.2, table 3.1)
R_MEAN = 6371008.7714  # IUGG mean radius R1 for WGS-84 (Moritz 1980)


def test_constants_match_published_wgs84() -> None:
    assert abs(g.WGS84_B - B) < 1e-6
    assert abs(g.EARTH_MEAN_RADIUS - R_MEAN) < 1e-3


def test_cartconvert_published_examples() -> None:
    # GeographicLib CartConvert(1), EXAMPLES section (printed to 1 cm).
    xyz = g.ecef_from_geodetic(33.3 * DEG, 44.4 * DEG, 6000.0)
    np.testing.assert_allclose(xyz, [3816209.60, 3737108.55, 3485109.57], atol=0.01)
    enu = g.enu_from_ecef(xyz, 33.0 * DEG, 44.0 * DEG, 20.0)
    np.testing.assert_allclose(enu, [37288.97, 33374.29, 5783.64], atol=0.01)
    lat, lon, alt = g.geodetic_from_ecef(np.array([3816209.60, 3737108.55, 3485109.57]))
    assert lat == pytest.approx(33.3 * DEG, abs=3e-9)  # inputs rounded to 1 cm
    assert lon == pytest.approx(44.4 * DEG, abs=3e-9)
    assert alt == pytest.approx(6000.0, abs=0.01)


def test_defining_points() -> None:
    pts = g.ecef_from_geodetic(
        np.array([0.0, 0.0, 90.0, -90.0]) * DEG, np.array([0.0, 90.0, 0.0, 0.0]) * DEG, 0.0
    )
    np.testing.assert_allclose(pts, [[A, 0, 0], [0, A, 0], [0, 0, B], [0, 0, -B]], atol=1e-6)
    np.testing.assert_allclose(g.altitude(pts * 1.0), 0.0, atol=1e-6)
    np.testing.assert_allclose(
        g.altitude(np.array([[A + 100.0, 0, 0], [0, 0, -B - 5.0]])), [100.0, 5.0], atol=1e-6
    )


def test_shapes_broadcast() -> None:
    lat = np.zeros((4, 5))
    xyz = g.ecef_from_geodetic(lat, 0.1, np.arange(5.0))
    assert xyz.shape == (4, 5, 3)
    la, lo, al = g.geodetic_from_ecef(xyz[:, :1])  # pymap3d squeezes; we must not
    assert la.shape == lo.shape == al.shape == (4, 1)
    assert g.altitude(xyz).shape == (4, 5)
    assert g.enu_rotation(0.1, 0.2).shape == (3, 3)
    assert g.enu_rotation(np.zeros(7), 0.2).shape == (7, 3, 3)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-90.0, 90.0),
    lon=st.floats(-179.999, 180.0),
    alt=st.floats(-1 * KM, 1000 * KM),
)
def test_roundtrip_geodetic_ecef_geodetic(lat: float, lon: float, alt: float) -> None:
    xyz = g.ecef_from_geodetic(lat * DEG, lon * DEG, alt)
    la, lo, al = g.geodetic_from_ecef(xyz)
    # You (2000): sub-centimetre horizontally up to 1,000 km, sub-millimetre in height.
    assert abs(la - lat * DEG) * (A + alt) < 0.02
    assert al == pytest.approx(alt, abs=1e-3)
    assert g.altitude(xyz) == pytest.approx(alt, abs=1e-6)
    if abs(lat) < 89.9999:
        dlon = np.angle(np.exp(1j * (lo - lon * DEG)))
        assert abs(dlon) * np.cos(lat * DEG) * A < 1e-6


@settings(max_examples=100, deadline=None)
@given(
    lat0=st.floats(-89.0, 89.0),
    lon0=st.floats(-180.0, 180.0),
    alt0=st.floats(-100.0, 5000.0),
    e=st.floats(-500 * KM, 500 * KM),
    n=st.floats(-500 * KM, 500 * KM),
    u=st.floats(-10 * KM, 100 * KM),
)
def test_enu_roundtrip_and_rotation(
    lat0: float, lon0: float, alt0: float, e: float, n: float, u: float
) -> None:
    la, lo = lat0 * DEG, lon0 * DEG
    xyz = g.ecef_from_enu(np.array([e, n, u]), la, lo, alt0)
    np.testing.assert_allclose(g.enu_from_ecef(xyz, la, lo, alt0), [e, n, u], atol=1e-6)
    rot = g.enu_rotation(la, lo)
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-14)
    assert np.linalg.det(rot) == pytest.approx(1.0)
    origin = g.ecef_from_geodetic(la, lo, alt0)
    np.testing.assert_allclose(rot @ (xyz - origin), [e, n, u], atol=1e-6)
    # 'Up' is the ellipsoid normal: moving along it changes only the altitude.
    up = g.ecef_from_geodetic(la, lo, alt0 + 1000.0) - origin
    np.testing.assert_allclose(up, 1000.0 * rot[2], atol=1e-6)


def test_surface_distance_closed_forms() -> None:
    # Quarter meridian and quarter equator on the sphere: (pi / 2) R; antipodes: pi R.
    d = g.surface_distance(
        np.array([0.0, 0.0, 45.0, 10.0]) * DEG,
        np.array([0.0, 0.0, 0.0, 20.0]) * DEG,
        np.array([90.0, 0.0, -45.0, 10.0]) * DEG,
        np.array([0.0, 90.0, 180.0, 20.0]) * DEG,
    )
    np.testing.assert_allclose(
        d, [np.pi / 2 * R_MEAN, np.pi / 2 * R_MEAN, np.pi * R_MEAN, 0.0], rtol=1e-9, atol=1e-6
    )
    # Spherical law of cosines (independent formula), away from its small-angle weakness.
    rng = np.random.default_rng(7)
    p1, p2 = rng.uniform(-1.5, 1.5, (2, 500))
    l1, l2 = rng.uniform(-3.1, 3.1, (2, 500))
    cosc = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(l2 - l1)
    np.testing.assert_allclose(
        g.surface_distance(p1, l1, p2, l2),
        R_MEAN * np.arccos(np.clip(cosc, -1, 1)),
        rtol=1e-7,
        atol=1e-3,
    )


def test_surface_distance_close_to_ellipsoidal_geodesic() -> None:
    # Vincenty (1975) inverse on WGS-84, as implemented independently in pymap3d.
    from pymap3d.vincenty import vdist

    lat1, lon1, lat2, lon2 = 51.4775, -0.4614, 40.6413, -73.7781  # LHR -> JFK, degrees
    geo, _ = vdist(lat1, lon1, lat2, lon2)
    sph = g.surface_distance(lat1 * DEG, lon1 * DEG, lat2 * DEG, lon2 * DEG)
    assert sph == pytest.approx(float(geo), rel=0.005)


@settings(max_examples=100, deadline=None)
@given(
    lat=st.floats(-80.0, 80.0),
    lon=st.floats(-180.0, 180.0),
    brg=st.floats(-180.0, 180.0),
    dist=st.floats(1.0, 5000 * KM),
)
def test_destination_inverts_distance_and_bearing(
    lat: float, lon: float, brg: float, dist: float
) -> None:
    la2, lo2 = g.destination(lat * DEG, lon * DEG, brg * DEG, dist)
    assert -np.pi <= lo2 < np.pi
    assert g.surface_distance(lat * DEG, lon * DEG, la2, lo2) == pytest.approx(
        dist, rel=1e-9, abs=1e-6
    )
    b = g.initial_bearing(lat * DEG, lon * DEG, la2, lo2)
    if dist > 1000.0:
        assert abs(np.angle(np.exp(1j * (b - brg * DEG)))) < 1e-7


def test_destination_closed_form_due_north_and_east_on_equator() -> None:
    la, lo = g.destination(
        np.array([0.0, 0.0]), np.array([0.0, 0.0]), np.array([0.0, np.pi / 2]), 1000 * KM
    )
    ang = 1000 * KM / R_MEAN
    np.testing.assert_allclose(la, [ang, 0.0], atol=1e-12)
    np.testing.assert_allclose(lo, [0.0, ang], atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-180.0, 180.0),
    alt=st.sampled_from([0.0, 10.0, 1e4, 1e5]),
)
def test_up_vector_is_pymap3d_enu_up(lat: float, lon: float, alt: float) -> None:
    """The up vector against pymap3d's ENU frame: the ECEF direction of ENU (0, 0, 1) at the
    geodetic point: exact on the ellipsoid; above it, the latitude error of ``atan2(z, p (1 -
    e^2))`` is about ``e^2 h sin(2 lat) / (2 R)``, bounded here by ``e^2 h / (2 b)``."""
    import pymap3d

    x, y, z = pymap3d.geodetic2ecef(lat, lon, alt)
    ref = np.array(pymap3d.enu2uvw(0.0, 0.0, 1.0, lat, lon))
    up = g.up_from_ecef(np.array([x, y, z]))
    assert up.shape == (3,)
    angle = float(np.linalg.norm(up - ref))  # the chord: the angle, for small ones
    # first order in h: 1 % slack for the second-order terms (0.1 % at 44 deg, 10 m)
    assert angle <= 1e-12 + 1.01 * g.WGS84_E2 * alt / (2.0 * g.WGS84_B)
    many = g.up_from_ecef(np.array([[x, y, z]] * 4).reshape(2, 2, 3))
    assert many.shape == (2, 2, 3)
    np.testing.assert_allclose(many[1, 1], up, atol=0.0)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-90.0, 90.0),
    lon=st.floats(-180.0, 180.0),
    alt=st.floats(-1000.0, 1.0e7),
)
def test_bowring_single_step_against_pymap3d(lat: float, lon: float, alt: float) -> None:
    """The fast Bowring conversion inverts pymap3d's (closed-form, exact) geodetic -> ECEF:
    latitude to 1e-9 rad up to 1,000 km (1e-8 rad up to 10,000 km), height to a micrometre,
    from 1 km below the ellipsoid (closer than pymap3d's own inverse, You 2000, above 1,000 km)."""
    xyz = np.asarray(pymap3d.geodetic2ecef(lat, lon, alt), dtype=float)
    la, lo, h = g.geodetic_from_ecef_bowring(np.stack([xyz, xyz]))
    assert la.shape == lo.shape == h.shape == (2,)
    err = abs(la[0] - lat * DEG)
    assert err < (1e-9 if alt <= 1.0e6 else 1e-8)
    if abs(lat) < 90.0 - 1e-6:  # longitude is undefined at the poles
        assert abs(np.angle(np.exp(1j * (lo[0] - lon * DEG)))) < 1e-12
    assert abs(h[0] - alt) < 1e-6
    assert g.altitude(xyz) == pytest.approx(h[0], abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-180.0, 180.0),
    alt=st.floats(-1000.0, 1.0e6),
)
def test_geodetic_up_is_bowring_and_the_normal_at_its_latitude(lat: float, lon: float,
                                                                alt: float) -> None:
    """The position part is geodetic_from_ecef_bowring's, bit for bit; the up vector is the
    unit normal at the true latitude and longitude (pymap3d's geodetic -> ECEF inverted) to
    1e-9 rad."""
    xyz = np.asarray(pymap3d.geodetic2ecef(lat, lon, alt), dtype=float)
    pts = np.stack([xyz, 0.5 * xyz + 1.0])
    la, lo, h, up = g.geodetic_up_from_ecef(pts)
    for a, b in zip((la, lo, h), g.geodetic_from_ecef_bowring(pts), strict=True):
        assert a.tobytes() == b.tobytes()
    assert up.shape == (2, 3)
    want = np.array([np.cos(lat * DEG) * np.cos(lon * DEG), np.cos(lat * DEG) * np.sin(lon * DEG),
                     np.sin(lat * DEG)])
    np.testing.assert_allclose(up[0], want, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(up, axis=1), 1.0, atol=1e-12)
