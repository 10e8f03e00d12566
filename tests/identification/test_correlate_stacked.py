"""The cooperative items of all three kinds (ADS-B, IFF, filed plans) gated against the tracks in
one batch give, bit for bit, what gating each kind alone gave (the per-kind code of session 8,
kept here as the slower twin, with ``numpy.linalg.solve``): same correlations, same ADS-B
addresses, same inconsistencies; with no items of a kind, no tracks, and items outside every
gate."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from inkless.arrays import F64, I64, B
from inkless.identification.departures import Departures
from inkless.identification.evidence import (
    Evidence,
    _frame,
    item_cov,
    nearest,
    to_enu,
)
from inkless.identification.identify import _Carry, _correlate
from inkless.identification.rules import Rules
from inkless.scenario.model import Identification
from inkless.simulation.adsb import AdsbReports, IffReplies
from inkless.tracking.kalman import spread
from inkless.units import DEG

ORIGIN = (32.0 * DEG, 35.0 * DEG, 0.0)


def _rules() -> Rules:
    gate = 16.26623619623813  # chi2.ppf(0.999, 3)
    e = np.empty(0)
    return Rules(Identification(), np.empty(0, np.uint32), np.empty(0, np.int64), (), (), e, e,
                 gate, gate, ORIGIN, Departures.of([]))


def gated_pairs(track_pos: F64, track_cov: F64, item_pos: F64, item_covs: F64, gate: float,
                track_spread: F64 | None = None) -> tuple[I64, I64, F64]:
    """The session-8 :func:`inkless.identification.evidence.gated_pairs`."""
    empty = np.empty(0, np.int64)
    if len(track_pos) == 0 or len(item_pos) == 0:
        return empty, empty, np.empty(0)
    e2 = cdist(track_pos, item_pos, "sqeuclidean")
    spread_t = spread(track_cov) if track_spread is None else track_spread
    bound = gate * (spread_t[:, None] + spread(item_covs))
    ti, mj = (e2 <= bound).nonzero()
    if len(ti) == 0:
        return empty, empty, np.empty(0)
    S = track_cov[ti] + item_covs[mj]
    d = item_pos[mj] - track_pos[ti]
    d2 = np.einsum("ki,ki->k", d, np.linalg.solve(S, d[..., None])[..., 0])
    ok = d2 <= gate
    return ti[ok].astype(np.int64), mj[ok].astype(np.int64), d2[ok]


def _velocity_d2(dv: F64, pvv: F64, var: F64) -> F64:
    sv = pvv + var[:, None, None] * np.eye(3)[None]
    out: F64 = np.einsum("ki,ki->k", dv, np.linalg.solve(sv, dv[..., None])[..., 0])
    return out


def _adsb(x: F64, P: F64, a: AdsbReports, t: float, rules: Rules, sp: F64) -> tuple[I64, B]:
    n = len(x)
    vel, pvv = x[:, 3:6], P[:, 3:6, 3:6]
    a_pos, r0 = to_enu(a.pos, rules.origin)
    a_vel = a.vel @ r0.T
    a_pos = a_pos + (t - a.t) * a_vel
    ti, mj, d2 = gated_pairs(x[:, :3], P[:, :3, :3], a_pos,
                             item_cov(a.pos, a.sigma_h, a.sigma_v, r0), rules.gate_pos, sp)
    d2v = _velocity_d2(a_vel[mj] - vel[ti], pvv[ti],
                       a.sigma_vel[mj] ** 2 + rules.settings.velocity_tolerance_mps**2)
    ok = d2v <= rules.gate_vel
    best, _ = nearest(ti[ok], mj[ok], d2[ok], n)
    inconsistent = np.zeros(n, dtype=bool)
    inconsistent[ti[~ok]] = True
    return best, inconsistent & (best < 0)


def _iff(x: F64, P: F64, f: IffReplies, rules: Rules, sp: F64) -> I64:
    f_pos, _ = to_enu(f.pos, rules.origin)
    cov = (f.sigma**2)[:, None, None] * np.eye(3)[None]
    ti, _, _ = gated_pairs(x[:, :3], P[:, :3, :3], f_pos, cov, rules.gate_pos, sp)
    return ti


def _filed(x: F64, P: F64, evidence: Evidence, rules: Rules, sp: F64) -> I64:
    s = rules.settings
    vel, pvv = x[:, 3:6], P[:, 3:6, 3:6]
    r_pos, r0 = to_enu(evidence.filed_pos, rules.origin)
    r_vel = evidence.filed_vel @ r0.T
    m = len(r_pos)
    cov = item_cov(evidence.filed_pos, np.full(m, s.filed_cross_sigma_m),
                   np.full(m, s.filed_sigma_alt_m), r0, vel_ecef=evidence.filed_vel,
                   sigma_along=np.full(m, s.filed_sigma_m))
    ti, mj, _ = gated_pairs(x[:, :3], P[:, :3, :3], r_pos, cov, rules.gate_pos, sp)
    tol = 0.15 * np.linalg.norm(r_vel[mj], axis=1) + s.velocity_tolerance_mps
    d2v = _velocity_d2(r_vel[mj] - vel[ti], pvv[ti], tol**2)
    return ti[d2v <= rules.gate_vel]


def _per_kind(x: F64, P: F64, t: float, evidence: Evidence, rules: Rules,
              last: _Carry) -> tuple[F64, F64, F64, I64, B]:
    """The session-8 ``_correlate``: each kind gated alone."""
    n = last.n
    a = evidence.adsb
    t_adsb = last.times("t_adsb")
    icao = last.carry("icao24", -1)
    inconsistent = np.zeros(n, dtype=bool)
    sp = spread(P[:, :3, :3])
    if len(a) and n:
        best, inconsistent = _adsb(x, P, a, t, rules, sp)
        hit = best >= 0
        t_adsb = np.where(hit, float(t), t_adsb)
        icao = np.where(hit, a.icao24[np.maximum(best, 0)], icao)
    t_iff = last.times("t_iff")
    if len(evidence.iff) and n:
        t_iff[_iff(x, P, evidence.iff, rules, sp)] = float(t)
    t_filed = last.times("t_filed")
    if len(evidence.filed_pos) and n:
        t_filed[_filed(x, P, evidence, rules, sp)] = float(t)
    return t_adsb, t_iff, t_filed, icao, inconsistent


def _cov(rng: np.random.Generator, k: int, scale: float) -> F64:
    """``(k, 6, 6)`` random symmetric positive definite covariances (m, m/s)."""
    a = rng.normal(size=(k, 6, 6)) * np.r_[scale, scale, scale, 3.0, 3.0, 3.0][:, None]
    out: F64 = a @ np.swapaxes(a, 1, 2) / 6.0 + np.diag([1.0, 1.0, 1.0, 0.1, 0.1, 0.1])
    return out


def _evidence(rng: np.random.Generator, x: F64, na: int, ni: int, nf: int, near: float,
              t: float) -> Evidence:
    """Items of each kind: near a random track (``near``: the share) or anywhere within 300 km,
    flying at a random velocity or at the track's own; ECEF."""
    r0, p0 = _frame(*ORIGIN)

    def items(m: int) -> tuple[F64, F64]:
        pos = rng.uniform(-3e5, 3e5, (m, 3)) * [1.0, 1.0, 0.05] + [0.0, 0.0, 1e4]
        vel = rng.normal(0.0, 150.0, (m, 3)) * [1.0, 1.0, 0.1]
        if len(x):
            which = rng.integers(0, len(x), m)
            close = rng.uniform(size=m) < near
            pos[close] = x[which[close], :3] + rng.normal(0.0, 300.0, (int(close.sum()), 3))
            same = close & (rng.uniform(size=m) < 0.7)
            vel[same] = x[which[same], 3:] + rng.normal(0.0, 10.0, (int(same.sum()), 3))
        return pos @ r0 + p0, vel @ r0

    a_pos, a_vel = items(na)
    adsb = AdsbReports(t - 0.5, a_pos, a_vel, rng.integers(0, 2**24, na), rng.uniform(10, 200, na),
                       rng.uniform(10, 200, na), rng.uniform(0.5, 20, na), np.full(na, -1))
    f_pos, _ = items(ni)
    iff = IffReplies(t, f_pos, rng.uniform(30, 500, ni), np.full(ni, -1))
    p_pos, p_vel = items(nf)
    return Evidence(adsb, iff, p_pos, p_vel)


@settings(deadline=None, max_examples=300)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 25), na=st.integers(0, 6),
       ni=st.integers(0, 6), nf=st.integers(0, 6), near=st.sampled_from([0.0, 0.6, 1.0]))
def test_one_batch_of_items_gives_what_each_kind_alone_gave(
    seed: int, n: int, na: int, ni: int, nf: int, near: float
) -> None:
    rng = np.random.default_rng(seed)
    t = 100.0
    x = np.column_stack([rng.uniform(-3e5, 3e5, (n, 2)), rng.uniform(0.0, 1.2e4, n),
                         rng.normal(0.0, 150.0, (n, 2)), rng.normal(0.0, 10.0, n)])
    P = _cov(rng, n, float(rng.choice([30.0, 300.0, 3000.0])))
    ev = _evidence(rng, x, na, ni, nf, near, t)
    rules = _rules()
    last = _Carry(np.arange(n, dtype=np.int64), None)
    want = _per_kind(x, P, t, ev, rules, last)
    got = _correlate(x, P, t, ev, rules, last)
    names = ("t_adsb", "t_iff", "t_filed", "icao", "inconsistent")
    for name, w in zip(names, want, strict=True):
        g = getattr(got, name)
        assert g.dtype == w.dtype, name
        assert np.array_equal(g, w), name
