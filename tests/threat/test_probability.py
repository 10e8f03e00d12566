"""Asset probabilities: the disc integral against closed forms, scipy and brute force; routes
ahead against the 1-D normal law; the whole evaluation against a Monte Carlo of the arc."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import dblquad
from scipy.stats import ncx2, norm

from inkless.physics.ballistic import minimum_energy_arc, propagate
from inkless.physics.geodesy import ecef_from_geodetic, enu_rotation
from inkless.threat import (
    asset_probabilities,
    ballistic_impact,
    disc_probability,
    expected_value_at_risk,
    value_at_risk,
)
from inkless.threat.ellipse import east_north


def disc(offset: list[float], cov: np.ndarray, r: float) -> float:
    return float(disc_probability(np.array([offset]), cov[None], np.array([r]))[0])


def turned(s1: float, s2: float, deg: float) -> np.ndarray:
    a = np.radians(deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return rot @ np.diag([s1 * s1, s2 * s2]) @ rot.T


@pytest.mark.parametrize(("sigma", "r"), [(1.0, 0.1), (100.0, 100.0), (50.0, 400.0), (3.0, 2e3)])
def test_centred_isotropic_is_rayleigh(sigma: float, r: float) -> None:
    """Distance from the mean is Rayleigh: P(d <= r) = 1 - exp(-r^2 / 2 sigma^2); to the
    quadrature's stated accuracy (1e-7, here better)."""
    p = disc([0.0, 0.0], sigma**2 * np.eye(2), r)
    assert p == pytest.approx(-np.expm1(-(r**2) / (2.0 * sigma**2)), abs=1e-8)


@pytest.mark.parametrize(
    ("sigma", "d", "r"),
    [(100.0, 150.0, 100.0), (10.0, 1000.0, 995.0), (500.0, 3000.0, 200.0), (2.0, 2e3, 2e3)],
)
def test_offset_isotropic_is_noncentral_chi_square(sigma: float, d: float, r: float) -> None:
    """|x|^2 / sigma^2 is non-central chi-square with 2 degrees of freedom and
    non-centrality d^2 / sigma^2 (scipy); to the stated accuracy, 4e-6 for sigma/r >= 1e-3
    (the last case: a 2 m sigma on the rim of a 2 km disc)."""
    ref = ncx2.cdf(r**2 / sigma**2, 2, d**2 / sigma**2)
    p = disc([0.6 * d, -0.8 * d], sigma**2 * np.eye(2), r)
    assert p == pytest.approx(ref, abs=4e-6)


def test_elongated_against_dblquad() -> None:
    """A 6:1 ellipse turned 35 degrees, its mean outside the disc: scipy's adaptive 2-D
    quadrature of the density over the disc (tolerances far below the one asserted)."""
    cov, off, r = turned(600.0, 100.0, 35.0), np.array([500.0, 250.0]), 300.0
    ci, det = np.linalg.inv(cov), np.linalg.det(cov)

    def dens(y: float, x: float) -> float:
        q = np.array([x, y]) - off
        return float(np.exp(-0.5 * q @ ci @ q) / (2.0 * np.pi * np.sqrt(det)))

    ref, _ = dblquad(dens, -r, r, lambda x: -np.sqrt(r * r - x * x),
                     lambda x: np.sqrt(r * r - x * x), epsabs=1e-12, epsrel=1e-10)
    assert disc(list(off), cov, r) == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize(
    ("s1", "s2", "deg", "off", "r"),
    [(2000.0, 2.0, 10.0, [300.0, 900.0], 1000.0),  # a line-like ellipse across the disc
     (40.0, 0.5, 70.0, [0.0, 1500.0], 1500.0),  # thin, centred on the rim
     (800.0, 300.0, -20.0, [0.0, 0.0], 250.0)],
)
def test_very_elongated_against_monte_carlo(
    s1: float, s2: float, deg: float, off: list[float], r: float
) -> None:
    """Brute force: the share of 2,000,000 draws (fixed seed) inside the disc; tolerance five
    binomial standard errors (at most 5 x 3.5e-4)."""
    cov = turned(s1, s2, deg)
    draws = np.random.default_rng(7).multivariate_normal(off, cov, size=2_000_000)
    ref = np.mean(np.einsum("ki,ki->k", draws, draws) <= r * r)
    se = np.sqrt(max(ref * (1.0 - ref), 1e-6) / draws.shape[0])
    assert disc(off, cov, r) == pytest.approx(ref, abs=5.0 * se)


def test_point_mass_is_inside_or_outside() -> None:
    zero = np.zeros((2, 2, 2))
    p = disc_probability(np.array([[0.0, 999.0], [0.0, 1001.0]]), zero, np.array([1e3, 1e3]))
    np.testing.assert_array_equal(p, [1.0, 0.0])


@settings(max_examples=150, deadline=None)
@given(
    rel=st.floats(1e-3, 1e2), ratio=st.floats(1e-4, 1.0), deg=st.floats(0.0, 180.0),
    ox=st.floats(-2e4, 2e4), oy=st.floats(-2e4, 2e4), r1=st.floats(1.0, 1e4),
    grow=st.floats(1.0, 3.0),
)
def test_probability_bounded_and_monotone_in_radius(
    rel: float, ratio: float, deg: float, ox: float, oy: float, r1: float, grow: float
) -> None:
    """A probability, growing with the radius, within the stated accuracy (4e-6 for a major
    sigma of at least 1e-3 of the radius)."""
    s1 = rel * r1
    cov = turned(s1, s1 * ratio, deg)
    small, big = disc([ox, oy], cov, r1), disc([ox, oy], cov, r1 * grow)
    assert 0.0 <= small <= big + 1e-5
    assert big <= 1.0


# --- whole evaluations ------------------------------------------------------------------------

LAT, LON = np.radians(31.5), np.radians(34.8)
ROT = enu_rotation(LAT, LON)  # ENU at the asset: rows east, north, up in ECEF
ASSET = ecef_from_geodetic(LAT, LON, 0.0)


def cruise(x_enu: list[float], P_enu: np.ndarray, radius: float, angular: float) -> np.ndarray:
    """Probabilities of one straight-line track given in ENU at the asset."""
    x = np.array(x_enu)
    pos, vel = (ASSET + x[:3] @ ROT)[None], (x[3:] @ ROT)[None]
    risk = asset_probabilities(0.0, pos, vel, P_enu[None], np.array([False]), ASSET[None],
                               np.zeros(1), np.array([radius]), rot=ROT, angular_margin=angular)
    return np.array([risk.prob[0, 0], risk.asset[0], risk.t_impact[0]])


def test_cruise_exact_line_through_the_asset_and_far_away() -> None:
    """No uncertainty at all: a line through the asset is a certain hit at distance / speed; a
    line 20 km aside never is."""
    p, asset, t_hit = cruise([-50e3, 0.0, 800.0, 250.0, 0.0, 0.0], np.zeros((6, 6)), 2e3, 0.0)
    assert (p, asset) == (pytest.approx(1.0), 0)
    assert t_hit == pytest.approx(200.0)
    p, asset, t_hit = cruise([-50e3, 20e3, 800.0, 250.0, 0.0, 0.0], np.zeros((6, 6)), 2e3, 0.0)
    assert (p, asset) == (pytest.approx(0.0, abs=1e-12), -1)
    assert np.isnan(t_hit)


def test_cruise_miss_is_normal_with_the_propagated_sigma() -> None:
    """A track 60 km west flying east at 200 m/s, 1.5 km north of the asset: closest approach
    after tau = 300 s, miss 1.5 km along north. Its sigma is the north position-velocity
    uncertainty carried over tau plus the route allowance (angular margin x 60 km), and the
    probability is scipy's normal law of |miss| <= radius."""
    P = np.diag([400.0, 900.0, 100.0, 4.0, 1.0, 1.0])
    P[1, 4] = P[4, 1] = 12.0  # north position - north velocity covariance
    tau, ang, r = 300.0, 0.02, 2e3
    sigma = np.sqrt(900.0 + 2.0 * tau * 12.0 + tau**2 * 1.0 + (ang * 200.0 * tau) ** 2)
    ref = norm.cdf((r - 1500.0) / sigma) - norm.cdf((-r - 1500.0) / sigma)
    p, asset, t_hit = cruise([-60e3, 1500.0, 1e3, 200.0, 0.0, 0.0], P, r, ang)
    assert p == pytest.approx(ref, rel=1e-9)
    assert asset == 0
    assert t_hit == pytest.approx(tau)


def test_ballistic_probability_matches_monte_carlo_of_the_arc() -> None:
    """Brute force through the exact impact map: states drawn from N(x, P), each arc flown to
    the ground by ballistic_impact, the share landing inside each asset's disc. Assets around
    the predicted impact at 0.5 to 2 sigma; tolerance: five binomial standard errors (20,000
    draws) plus 0.005 for the linearisation of the map."""
    r0 = ecef_from_geodetic(np.radians(30.0), np.radians(33.0), 0.0)[None]
    r1 = ecef_from_geodetic(np.radians(31.5), np.radians(34.8), 0.0)[None]
    v0, tof = minimum_energy_arc(r0, r1)
    pos, vel = propagate(r0, v0, 0.5 * tof)
    rng = np.random.default_rng(11)
    s = np.diag([150.0, 150.0, 150.0, 8.0, 8.0, 8.0])
    P = s @ np.corrcoef(rng.normal(size=(6, 30))) @ s

    t_go, r_imp, _ = ballistic_impact(pos, vel)
    en = east_north(r_imp[0])
    where = np.array([[0.0, 0.0], [900.0, -400.0], [-2000.0, 1500.0], [8e4, 0.0]])
    assets = r_imp[0] + where @ en  # in the tangent plane at the predicted impact
    radius = np.array([800.0, 600.0, 1500.0, 1000.0])
    risk = asset_probabilities(10.0, pos, vel, P[None], np.array([True]), assets,
                               np.zeros(4), radius)

    draws = rng.multivariate_normal(np.r_[pos[0], vel[0]], P, size=20_000)
    _, hits, _ = ballistic_impact(draws[:, :3], draws[:, 3:])
    dist = np.linalg.norm(hits[:, None, :] - assets[None], axis=2)
    ref = np.mean(dist <= radius, axis=0)
    se = np.sqrt(np.maximum(ref * (1.0 - ref), 1e-4) / 20_000)
    np.testing.assert_array_less(np.abs(risk.prob[0] - ref), 5.0 * se + 0.005)
    assert risk.prob[0, 3] < 1e-12
    assert risk.asset[0] == int(np.argmax(ref))
    assert risk.t_impact[0] == pytest.approx(10.0 + t_go[0])
    assert np.all(risk.t_reach[0] == risk.t_impact[0])


def test_expected_value_at_risk() -> None:
    """By hand: 0.5 x (0.5 x 10 + 0.2 x 100) = 12.5; the second threat is below the threshold
    everywhere (value 0, or the undefended value); engaging undefended threats adds the miss
    share 1 - 0.7 = 0.3 of the undefended value."""
    prob = np.array([[0.5, 0.2], [0.005, 0.001]])
    leth, remaining = np.array([0.5, 1.0]), np.array([10.0, 100.0])
    np.testing.assert_allclose(expected_value_at_risk(prob, leth, remaining), [12.5, 0.0])
    np.testing.assert_allclose(
        expected_value_at_risk(prob, leth, remaining, True, 2.0), [12.5 + 0.6, 2.0]
    )


@given(hit=st.lists(st.integers(-1, 3), min_size=1, max_size=8), undefended=st.booleans())
def test_expected_value_of_a_certain_picture_is_the_perfect_one(
    hit: list[int], undefended: bool
) -> None:
    """Probabilities of 0 and 1 (the perfect picture) give :func:`value_at_risk` exactly."""
    hits = np.array(hit, np.int64)
    prob = np.zeros((hits.size, 4))
    prob[hits >= 0, hits[hits >= 0]] = 1.0
    leth, remaining = np.linspace(0.3, 1.0, hits.size), np.array([5.0, 7.0, 11.0, 13.0])
    np.testing.assert_allclose(
        expected_value_at_risk(prob, leth, remaining, undefended, 1.5),
        value_at_risk(hits, leth, remaining, undefended, 1.5),
    )


def test_a_time_per_track_is_each_track_evaluated_at_its_own_time() -> None:
    """``t (n,)``: tracks of different decision times evaluated together (the after-action's
    counterfactual batches every cycle's withheld tracks) give each track what it gets alone at
    its own time: ballistic and straight-line tracks, the impact and closest-approach times
    shifted by each one's ``t``."""
    r0 = ecef_from_geodetic(np.radians(30.0), np.radians(33.0), 0.0)[None]
    r1 = ecef_from_geodetic(np.radians(31.5), np.radians(34.8), 0.0)[None]
    v0, tof = minimum_energy_arc(r0, r1)
    pos_b, vel_b = propagate(np.repeat(r0, 2, 0), np.repeat(v0, 2, 0),
                             np.array([0.4, 0.6]) * tof)
    rot = enu_rotation(np.radians(31.5), np.radians(34.8))  # rows: east, north, up
    pos_c = r1 + np.array([[-60e3, 1e3, 1e3], [2e3, -40e3, 1e3]]) @ rot
    vel_c = np.array([[200.0, 0.0, 0.0], [0.0, 150.0, 0.0]]) @ rot
    pos, vel = np.r_[pos_b, pos_c], np.r_[vel_b, vel_c]
    P = np.broadcast_to(np.diag([300.0, 300.0, 300.0, 5.0, 5.0, 5.0]) ** 2, (4, 6, 6)).copy()
    ballistic = np.array([True, True, False, False])
    assets = r1 + np.array([[0.0, 0.0, 0.0], [3e3, -2e3, 1e3]])
    radius, alt = np.array([5e3, 4e3]), np.zeros(2)
    t = np.array([10.0, 250.0, 40.0, 1234.5])
    together = asset_probabilities(t, pos, vel, P, ballistic, assets, alt, radius)
    for i in range(4):
        alone = asset_probabilities(float(t[i]), pos[i:i + 1], vel[i:i + 1], P[i:i + 1],
                                    ballistic[i:i + 1], assets, alt, radius)
        for name in ("prob", "asset", "t_impact", "point", "t_reach"):
            np.testing.assert_allclose(getattr(together, name)[i], getattr(alone, name)[0],
                                       rtol=1e-12, atol=0, err_msg=name)
    assert (together.asset >= 0).all() and np.isfinite(together.t_impact).all()
