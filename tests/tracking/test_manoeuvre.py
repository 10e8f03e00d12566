"""Manoeuvring targets: the coalition picture's tracker follows a fighter's turn with one track
and keeps its q = 0.1 m^2/s^3 accuracy on targets flying straight (IMM of two NCV models,
Bar-Shalom, Li & Kirubarajan 2001, sec. 11.6)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from inkless.tracking import TrackerConfig, Tracks, step
from inkless.tracking.coalition_tracker import PICTURE_CONFIG
from inkless.tracking.kalman import ncv_process_noise, ncv_transition
from inkless.tracking.measurement import converted_measurement

from .test_tracker import stepped_alone_and_together

Truth = Callable[[float], tuple[np.ndarray, np.ndarray]]
SCAN_S = 5.0
SIGMA = (50.0, np.radians(0.2), np.radians(0.2))  # the scenario's default radar: m, rad, rad


def orbit(radius: float = 10e3, speed: float = 230.0,
          centre: tuple[float, float, float] = (60e3, 0.0, 8000.0)) -> Truth:
    """A fighter's CAP orbit: ``speed`` m/s on a circle of ``radius`` m (0.54 g for the
    defaults, v^2 / r = 5.3 m/s^2), 60 km from a radar at the origin."""
    w = speed / radius

    def at(t: float) -> tuple[np.ndarray, np.ndarray]:
        pos = np.array([centre[0] + radius * np.cos(w * t), centre[1] + radius * np.sin(w * t),
                        centre[2]])
        return pos, np.array([-speed * np.sin(w * t), speed * np.cos(w * t), 0.0])

    return at


def straight(speed: float = 250.0) -> Truth:
    """A cruise missile flying straight and level at ``speed`` m/s across the radar's view."""

    def at(t: float) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([80e3 - speed * t * 0.6, 20e3 + speed * t * 0.8, 100.0]),
                np.array([-0.6 * speed, 0.8 * speed, 0.0]))

    return at


def track(cfg: TrackerConfig, truth: Truth, seed: int, span_s: float = 1800.0,
          pd: float = 0.9) -> tuple[set[int], float]:
    """One radar at the origin scanning every 5 s with ``pd``: the confirmed track numbers
    nearest the target over the span and their position RMS error (m)."""
    rng = np.random.default_rng(seed)
    tracks, ids, err2 = Tracks.empty(), set(), []
    for t in np.arange(0.0, span_s, SCAN_S):
        p, _ = truth(float(t))
        z, R = np.zeros((0, 3)), np.zeros((0, 3, 3))
        if rng.random() < pd:
            r = float(np.linalg.norm(p))
            meas = (r, np.arctan2(p[0], p[1]), np.arcsin(p[2] / r))
            noisy = (m + s * rng.normal() for m, s in zip(meas, SIGMA, strict=True))
            z, R = converted_measurement(*noisy, *SIGMA, np.zeros(3))
        tracks = step(tracks, float(t), z, R, config=cfg, pd=pd)
        if tracks.confirmed.any():
            d = np.linalg.norm(tracks.x[tracks.confirmed, :3] - p, axis=1)
            ids.add(int(tracks.id[tracks.confirmed][d.argmin()]))
            err2.append(float(d.min()) ** 2)
    return ids, float(np.sqrt(np.mean(err2)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_track_for_a_whole_fighter_orbit(seed: int) -> None:
    """Thirty minutes (6.6 laps) of a 0.54 g orbit: one track number (with q = 0.1 alone about
    60), and a position RMS error below 2 x the radar's cross-range sigma at 60 km (210 m)."""
    ids, rms = track(PICTURE_CONFIG, orbit(), seed)
    assert len(ids) == 1
    assert rms < 2.0 * 60e3 * SIGMA[1]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_straight_target_as_accurate_as_with_q_low_alone(seed: int) -> None:
    """A straight-flying cruise missile: the position RMS error is within 10 % of the plain
    near-constant-velocity filter with q = 0.1 (the textbook CV filter, no manoeuvre
    detection), and it is tracked under one number by both."""
    plain = dataclasses.replace(PICTURE_CONFIG, q_manoeuvre=None)
    ids, rms = track(PICTURE_CONFIG, straight(), seed, span_s=400.0)
    ids0, rms0 = track(plain, straight(), seed, span_s=400.0)
    assert len(ids) == len(ids0) == 1
    assert rms < 1.1 * rms0




def _detections(truth: Truth, scans: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One detection per scan: positions with Gaussian noise of covariance ``R``."""
    rng = np.random.default_rng(seed)
    R = np.diag([60.0, 80.0, 100.0]) ** 2
    zs = np.array([truth(k * SCAN_S)[0] for k in range(scans)])
    return zs + rng.normal(size=zs.shape) * np.sqrt(np.diag(R)), R


def _stepped(cfg: TrackerConfig, zs: np.ndarray, R: np.ndarray) -> Tracks:
    tracks = Tracks.empty()
    for k, z in enumerate(zs):
        tracks = step(tracks, k * SCAN_S, z[None], R[None], config=cfg)
    assert tracks.id.tolist() == [0]  # one track throughout
    return tracks


@pytest.mark.parametrize("model", [0, 1])
def test_imm_held_in_one_model_is_that_models_kalman_filter(model: int) -> None:
    """With the mode chain unable to leave the model a track is born in (a sojourn of
    infinity there, so it is born with probability 1 in it), the IMM is that model's Kalman
    filter, the plain tracker with its process noise (q = 0.1, or 50 on the level axes).
    Confirmed at birth (a tentative track is held in the quiet model)."""
    q_level = (PICTURE_CONFIG.q, PICTURE_CONFIG.q_manoeuvre)[model]
    tau = (np.inf, 60.0) if model == 0 else (60.0, np.inf)
    cfg = dataclasses.replace(PICTURE_CONFIG, manoeuvre_tau=tau, clutter_density=1e-200,
                              gate_d2=1e6, confirm_m=1)  # every detection is the target's
    zs, R = _detections(orbit(radius=40e3), 40, seed=3)
    imm = _stepped(cfg, zs, R)
    assert imm.mu.tolist() == [float(model)]
    # the plain filter with the model's process noise: q on the vertical axis, q_level on
    # the level ones (Q is diagonal per axis, so one axis of each run is taken)
    for q, axes in ((PICTURE_CONFIG.q, [2, 5]), (q_level, [0, 1, 3, 4])):
        ref = _stepped(dataclasses.replace(cfg, q=q, q_manoeuvre=None), zs, R)
        np.testing.assert_allclose(imm.x[0, axes], ref.x[0, axes], rtol=1e-12)
        np.testing.assert_allclose(imm.P[0][np.ix_(axes, axes)], ref.P[0][np.ix_(axes, axes)],
                                   rtol=1e-9)


def _scalar_imm(zs: np.ndarray, R: np.ndarray, cfg: TrackerConfig
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """The IMM written out for one target (Bar-Shalom et al. 2001, sec. 11.6.6: mixing,
    model-matched filtering, mode probability update, combination), one model at a time,
    with ``numpy.linalg``; started as the tracker starts a track."""
    assert cfg.q_manoeuvre is not None
    tau0, tau1 = cfg.manoeuvre_tau
    x0 = np.r_[zs[0], 0.0, 0.0, 0.0]
    P0 = np.zeros((6, 6))
    P0[:3, :3], P0[3:, 3:] = R, np.diag(np.square(cfg.init_vel_std))
    xs, Ps = [x0.copy(), x0.copy()], [P0.copy(), P0.copy()]
    mu = np.array([tau0, tau1]) / (tau0 + tau1)
    H = np.hstack([np.eye(3), np.zeros((3, 3))])
    F = ncv_transition(SCAN_S)
    Q = [ncv_process_noise(SCAN_S, cfg.q), ncv_process_noise(SCAN_S, cfg.q)]
    level = np.ix_([0, 1, 3, 4], [0, 1, 3, 4])
    Q[1][level] = ncv_process_noise(SCAN_S, cfg.q_manoeuvre)[level]
    p = 1.0 - np.exp(-SCAN_S / np.array([tau0, tau1]))
    Pi = np.array([[1 - p[0], p[0]], [p[1], 1 - p[1]]])
    for z in zs[1:]:
        c = Pi.T @ mu
        w = Pi * mu[:, None] / c[None, :]
        lik, new_x, new_P = np.zeros(2), [], []
        for j in range(2):
            xj = sum(w[i, j] * xs[i] for i in range(2))
            Pj = sum(w[i, j] * (Ps[i] + np.outer(xs[i] - xj, xs[i] - xj)) for i in range(2))
            xj, Pj = F @ xj, F @ Pj @ F.T + Q[j]
            S = H @ Pj @ H.T + R
            nu = z - H @ xj
            K = Pj @ H.T @ np.linalg.inv(S)
            new_x.append(xj + K @ nu)
            new_P.append(Pj - K @ S @ K.T)
            lik[j] = stats.multivariate_normal(np.zeros(3), S).pdf(nu)
        xs, Ps = new_x, new_P
        mu = lik * c / (lik * c).sum()
    x = mu[0] * xs[0] + mu[1] * xs[1]
    P = sum(mu[j] * (Ps[j] + np.outer(xs[j] - x, xs[j] - x)) for j in range(2))
    return x, P, float(mu[1])


@pytest.mark.parametrize("path", ["orbit", "wide", "straight"])
def test_imm_matches_the_written_out_filter(path: str) -> None:
    """The tracker's batched IMM against the IMM written out per model (its scalar twin):
    same state, covariance and probability of the manoeuvre model, on an orbit of 0.54 g,
    one of 0.13 g and a straight line (confirmed at birth: a tentative track is held in the
    quiet model)."""
    cfg = dataclasses.replace(PICTURE_CONFIG, clutter_density=1e-200, gate_d2=1e6, confirm_m=1)
    truth = {"orbit": orbit(), "wide": orbit(radius=40e3), "straight": straight()}[path]
    zs, R = _detections(truth, 40, seed=5)
    tracks = _stepped(cfg, zs, R)
    x, P, mu = _scalar_imm(zs, R, cfg)
    np.testing.assert_allclose(tracks.x[0], x, rtol=1e-8, atol=1e-6)
    np.testing.assert_allclose(tracks.P[0], P, rtol=1e-7, atol=1e-6)
    assert tracks.mu[0] == pytest.approx(mu, rel=1e-7, abs=1e-12)
    if path == "orbit":
        assert mu > 0.9  # turning: the manoeuvre model
    if path == "straight":
        assert mu < 0.1  # straight: the quiet one


def test_ballistic_tracks_are_held_in_the_quiet_model() -> None:
    """A track faster than ``manoeuvre_speed_max`` (a ballistic missile, 2 km/s) is the
    plain q = 0.1 filter's bit for bit (held from birth: tentative, then fast); without the
    speed limit it is not (once confirmed, it is the IMM's)."""
    cfg = dataclasses.replace(PICTURE_CONFIG, clutter_density=1e-200, gate_d2=1e6)
    zs, R = _detections(straight(speed=2000.0), 30, seed=7)
    ref = _stepped(dataclasses.replace(cfg, q_manoeuvre=None), zs, R)
    held = _stepped(cfg, zs, R)
    free = _stepped(dataclasses.replace(cfg, manoeuvre_speed_max=None), zs, R)
    assert held.mu.tolist() == [0.0]
    np.testing.assert_array_equal(held.x, ref.x)
    np.testing.assert_array_equal(held.P, ref.P)
    assert not np.allclose(free.P, ref.P, rtol=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_imm_trackers_stepped_together_are_each_as_stepped_alone(seed: int) -> None:
    """step_many with IMM trackers (their own clutter densities and Pd, one of them now and
    then left a step behind, so the tables' time steps differ) keeps the tables and sources
    that step_sources gives each alone (to rounding: the trackers with one time step are
    predicted in one call)."""
    rng = np.random.default_rng(seed)
    centre = rng.uniform(-50e3, 50e3, (20, 3))
    radius, speed = rng.uniform(5e3, 30e3, 20), rng.uniform(50.0, 300.0, 20)
    cfgs = [dataclasses.replace(PICTURE_CONFIG, clutter_density=c) for c in (1e-13, 3e-13, 2e-12)]

    def truth_at(t: float) -> np.ndarray:
        w = speed / radius * t
        return centre + np.stack([radius * np.cos(w), radius * np.sin(w), 0.0 * w], axis=1)

    alone, together = stepped_alone_and_together(cfgs, truth_at, rng)
    for a, b in zip(alone, together, strict=True):
        assert len(a) > 10 and a.has_models
        np.testing.assert_array_equal(b.id, a.id)
        for f in ("x", "P", "mu", "xm", "Pm", "quality"):
            np.testing.assert_allclose(getattr(b, f), getattr(a, f), rtol=1e-9, atol=1e-9)
    assert max(float(a.mu.max()) for a in alone) > 0.5  # some track manoeuvres
