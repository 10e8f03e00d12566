"""Impact ellipse: against the flat-earth projectile's closed form and a Monte Carlo of the arc."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from inkless.physics.ballistic import MU_EARTH, minimum_energy_arc, propagate
from inkless.physics.geodesy import WGS84_A, ecef_from_geodetic, enu_rotation
from inkless.threat import ImpactEllipse, ballistic_impact, covariance_to_ecef, impact_ellipse
from inkless.threat.ellipse import east_north

# Flat-earth frame: ENU at latitude 0, longitude 0, where the ellipsoid normal points at the
# Earth's centre, so the point-mass gravity of the Kepler model is "down" at the origin.
ROT = enu_rotation(0.0, 0.0)
ORIGIN = ecef_from_geodetic(0.0, 0.0, 0.0)
G = MU_EARTH / WGS84_A**2  # point-mass gravity on the ground there, m/s^2


def flat_earth(x: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Impact (east, north), time and Jacobian d(east, north, t)/d(x0, y0, z0, vx, vy, vz) of
    z(t) = z0 + vz t - g t^2 / 2 with constant horizontal velocity (closed form)."""
    x0, y0, z0, vx, vy, vz = x
    d = np.sqrt(vz * vz + 2.0 * G * z0)
    t = (vz + d) / G
    j = np.zeros((3, 6))
    j[0, [0, 2, 3, 5]] = [1.0, vx / d, t, vx * t / d]
    j[1, [1, 2, 4, 5]] = [1.0, vy / d, t, vy * t / d]
    j[2, [2, 5]] = [1.0 / d, t / d]
    return np.array([x0 + vx * t, y0 + vy * t]), float(t), j


def random_cov(rng: np.random.Generator, sig: list[float]) -> np.ndarray:
    s = np.diag(sig)
    return s @ np.corrcoef(rng.normal(size=(6, 30))) @ s


@pytest.mark.parametrize(
    "x",
    [
        [0.0, 0.0, 1000.0, 150.0, 100.0, 50.0],
        [200.0, -300.0, 600.0, -120.0, 40.0, -30.0],
        [0.0, 0.0, 300.0, 0.0, 180.0, 90.0],
    ],
)
def test_flat_earth_projectile(x: list[float]) -> None:
    """A short, low arc of the Kepler model is the constant-gravity parabola, to a tolerance set
    by what the flat earth leaves out over ranges L < 4 km and heights h < 1.3 km: gravity
    falls by 2h/R < 4e-4 and turns by L/R < 6e-4 rad, the ground drops L^2/2R < 1.3 m. So
    times agree to 0.03 s, impact points to 3 m and covariance entries to 0.5 % of their
    scale (ENU at launch vs ENU at impact: turned by L/R, inside that)."""
    state = np.array(x)
    mean, t_imp, j = flat_earth(state)
    P = random_cov(np.random.default_rng(3), [30.0, 30.0, 30.0, 3.0, 3.0, 3.0])
    pos = (ORIGIN + state[:3] @ ROT)[None]
    vel = (state[3:] @ ROT)[None]

    ell = impact_ellipse(5.0, pos, vel, P[None], rot=ROT)

    assert ell.t_impact[0] == pytest.approx(5.0 + t_imp, abs=0.03)
    enu = (ell.point[0] - ORIGIN) @ ROT.T
    np.testing.assert_allclose(enu[:2], mean, atol=3.0)
    t_go, r_imp, _ = ballistic_impact(pos, vel)  # the mean is the existing prediction
    assert t_go[0] == pytest.approx(t_imp, abs=0.03)
    np.testing.assert_allclose(r_imp[0], ell.point[0], atol=1e-6)
    ref = j @ P @ j.T
    scale = np.sqrt(np.outer(np.diag(ref[:2, :2]), np.diag(ref[:2, :2])))
    np.testing.assert_allclose(ell.cov[0] / scale, ref[:2, :2] / scale, atol=5e-3)
    assert ell.var_t[0] == pytest.approx(ref[2, 2], rel=5e-3)


def test_impact_covariance_matches_monte_carlo() -> None:
    """A 300 km minimum-energy arc, 40 % into its flight, with a tracker-like uncertainty
    (100 m, 10 m/s, correlated): the linearised ellipse against 20,000 arcs drawn from
    N(x, P) through the exact impact map. The sample variance's relative standard error is
    sqrt(2/N) = 1 % (the cross term's, relative to the axes' scale, about the same); 5 %
    leaves room for the map's curvature over ~100 m and ~10 m/s, which is second order."""
    r0 = ecef_from_geodetic(np.radians(32.0), np.radians(35.0), 0.0)[None]
    r1 = ecef_from_geodetic(np.radians(34.5), np.radians(36.0), 0.0)[None]
    v0, tof = minimum_energy_arc(r0, r1)
    pos, vel = propagate(r0, v0, 0.4 * tof)
    rng = np.random.default_rng(1)
    P = random_cov(rng, [100.0, 100.0, 100.0, 10.0, 10.0, 10.0])

    ell = impact_ellipse(0.0, pos, vel, P[None])

    draws = rng.multivariate_normal(np.r_[pos[0], vel[0]], P, size=20_000)
    t_go, r_imp, _ = ballistic_impact(draws[:, :3], draws[:, 3:])
    assert np.isfinite(t_go).all()
    en = (r_imp - ell.point[0]) @ east_north(ell.point[0]).T
    mc = np.cov(en.T)
    scale = np.sqrt(np.outer(np.diag(mc), np.diag(mc)))
    np.testing.assert_allclose(ell.cov[0] / scale, mc / scale, atol=0.05)
    assert ell.var_t[0] == pytest.approx(np.var(t_go), rel=0.05)
    # and the mean impact is that of the mean state, within the Monte Carlo's error
    assert np.all(np.abs(en.mean(axis=0)) <= 4.0 * np.sqrt(np.diag(mc) / 20_000))


def test_covariance_to_ecef_rotates_both_blocks() -> None:
    """Variance only "up" in ENU at (lat, lon) is variance along the ellipsoid normal
    (cos lat cos lon, cos lat sin lon, sin lat) in ECEF, in both the position and velocity."""
    lat, lon = 0.6, -1.1
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    P = np.zeros((1, 6, 6))
    P[0, 2, 2], P[0, 5, 5], P[0, 2, 5] = 4.0, 9.0, 1.0
    P[0, 5, 2] = 1.0
    Pe = covariance_to_ecef(P, enu_rotation(lat, lon))[0]
    np.testing.assert_allclose(Pe[:3, :3], 4.0 * np.outer(up, up), atol=1e-12)
    np.testing.assert_allclose(Pe[3:, 3:], 9.0 * np.outer(up, up), atol=1e-12)
    np.testing.assert_allclose(Pe[:3, 3:], np.outer(up, up), atol=1e-12)


def test_ellipse_axes_are_the_chi_square_quantile() -> None:
    """Axes of the 95 % ellipse: sqrt(chi2_2 quantile x eigenvalue), major axis along the
    eigenvector (here turned 30 degrees from east)."""
    ang = np.radians(30.0)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    cov = rot @ np.diag([400.0**2, 100.0**2]) @ rot.T
    ell = ImpactEllipse(np.zeros(1), np.zeros((1, 3)), np.zeros((1, 3)), cov[None], np.zeros(1))
    major, minor, angle = ell.axes(0.95)
    k = np.sqrt(chi2.ppf(0.95, 2))
    assert major[0] == pytest.approx(400.0 * k)
    assert minor[0] == pytest.approx(100.0 * k)
    assert angle[0] == pytest.approx(ang)
