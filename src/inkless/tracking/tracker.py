"""One tracker step: predict, gate, associate (GNN), update, confirm, delete, initiate.

Where it sits: the sensing stage hands over one batch of detections per sensor look (Cartesian
``z (m, 3)`` with ``R (m, 3, 3)``, see ``converted_measurement`` for radar data); ``step`` returns
the new track table. Several sensors scanning at the same time are fused centrally by calling
``step`` once per sensor batch with the same ``t`` (sequential measurement fusion); prediction over
``dt = 0`` is the identity.

Track management:

* initiation: every detection left unassigned starts a tentative track at the detection with a
  zero-mean velocity prior of standard deviation ``init_vel_std`` (m/s per axis). The first
  detection at a later time then performs the two-point velocity initialisation inside the Kalman
  update (the prior regularises it, so one wild pairing cannot produce a 10 km/s track);
* confirmation, M-of-N: a tentative track with ``confirm_m`` detections within its first
  ``confirm_n`` sensor looks is confirmed (or earlier, once its score reaches ``confirm_score``:
  two close detections from two sensors in the same scan); one that cannot make it is deleted;
* deletion after misses: a confirmed track is deleted after ``delete_misses`` consecutive looks
  without a detection (or once its score falls below ``delete_score``), a tentative one after
  ``tentative_misses``. A "look" is a batch from a sensor whose detection probability for the
  track is > 0 (``pd`` may be a function of position, see ``coverage_pd``), so a target outside a
  sensor's coverage is not charged for that sensor's batches;
* quality: the track score, the log odds that the track is a real target (the sequential
  likelihood ratio of Blackman & Popoli, *Design and Analysis of Modern Tracking Systems*, 1999,
  sec. 6.2): ``+ln(Pd N(nu; 0, S) / lambda)`` on a detection, ``+ln(1 - Pd)`` on a miss, and the
  probability of existence multiplied by ``exp(-death_rate dt)`` over a prediction. ``in_picture``
  shows the confirmed tracks more likely present than not, which is what minimises GOSPA when a
  missed target and a false track cost the same (c/2 each).

Everything is batched over tracks and detections (numpy), so a scan of 300 targets with clutter
costs a few milliseconds; see ``benchmarks/bench_tracking.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64, IP
from inkless.errors import InputError
from inkless.tracking.association import gate, gnn
from inkless.tracking.imm import imm_predict, imm_update
from inkless.tracking.kalman import predict, update
from inkless.tracking.tracks import CONFIRMED, TENTATIVE, Tracks

__all__ = ["Batch", "PdFunction", "TrackerConfig", "coverage_pd", "in_picture", "step",
           "step_many", "step_sources"]

PdFunction = Callable[[F64], F64]
"""Detection probability of each track given its predicted ENU positions ``(n, 3)`` -> ``(n,)``."""


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Tracker parameters (SI units).

    Attributes:
        q: white-noise acceleration power spectral density of the NCV model, m^2/s^3 per axis.
        gate_d2: chi-square gate on the squared Mahalanobis distance (3 dof); 21.11 is the 99.99 %
            point.
        pd: detection probability of a target by one sensor look, when ``step`` gets no ``pd``.
        clutter_density: false alarms per m^3 per sensor look (lambda).
        death_rate: rate at which a target ends (lands, leaves, is destroyed), 1/s; the track's
            existence probability decays by ``exp(-death_rate dt)`` over a prediction.
        init_vel_std: velocity prior of a new track, m/s per axis (east, north, up).
        confirm_m, confirm_n: M-of-N confirmation over sensor looks since birth.
        confirm_score: a tentative track whose score reaches this is confirmed before M hits
            (two close detections from two sensors in one scan are enough).
        tentative_misses: consecutive missed looks that delete a tentative track.
        delete_misses: consecutive missed looks that delete a confirmed track.
        delete_score: a confirmed track whose score falls below this is deleted (-4.6: 1 %).
        show_score: confirmed tracks with a score at least this are in the air picture
            (0: existence probability >= 1/2, the GOSPA-optimal choice when a miss and a false
            track cost the same).
        init_score: score of a track born from one unassociated detection (prior log odds).
        score_cap: upper bound of the score (numerical guard).
        q_manoeuvre: process noise of the manoeuvre model, m^2/s^3 per axis; None for the
            single NCV model with ``q``, else the IMM of two NCV models, ``q`` and
            ``q_manoeuvre`` (:mod:`inkless.tracking.imm`).
        manoeuvre_tau: mean time (s) a target stays in each model (flying straight,
            manoeuvring), the IMM's Markov chain; a new track starts with the chain's
            stationary chance of manoeuvring, ``tau_1 / (tau_0 + tau_1)``. A long ``tau_0``
            keeps a straight flyer's covariance near the quiet model's (the mixture's velocity
            sd is 13 % above q = 0.1's in steady state with 2,400 s, 43 % with 600 s; the
            identification's kinematic evidence reads it); a turn is picked up by the manoeuvre
            model's second gate and its likelihood, hardly by the chain (one track number for
            a 0.54 g orbit with either).
        manoeuvre_speed_max: tracks faster than this (m/s) are held in the quiet model
            (ballistic ones, which fly an arc under gravity and do not turn), None: none.
    """

    q: float = 0.5
    gate_d2: float = 21.11
    pd: float = 0.9
    clutter_density: float = 1e-13
    death_rate: float = 0.01
    init_vel_std: tuple[float, float, float] = (1000.0, 1000.0, 1000.0)
    confirm_m: int = 3
    confirm_n: int = 6
    confirm_score: float = 6.0
    tentative_misses: int = 2
    delete_misses: int = 9
    delete_score: float = -4.6
    show_score: float = 0.0
    init_score: float = -3.0
    score_cap: float = 50.0
    q_manoeuvre: float | None = None
    manoeuvre_tau: tuple[float, float] = (2400.0, 60.0)
    manoeuvre_speed_max: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.q >= 0.0:
            problems.append("TrackerConfig.q: must be >= 0 m^2/s^3")
        if not self.gate_d2 > 0.0:
            problems.append("TrackerConfig.gate_d2: must be > 0")
        if not 0.0 < self.pd < 1.0:
            problems.append("TrackerConfig.pd: must be in (0, 1)")
        if not self.clutter_density > 0.0:
            problems.append("TrackerConfig.clutter_density: must be > 0 per m^3")
        if len(self.init_vel_std) != 3 or min(self.init_vel_std) <= 0.0:
            problems.append("TrackerConfig.init_vel_std: give three positive m/s values")
        if not 1 <= self.confirm_m <= self.confirm_n:
            problems.append("TrackerConfig.confirm_m/confirm_n: need 1 <= M <= N")
        if self.delete_misses < 1 or self.tentative_misses < 1:
            problems.append("TrackerConfig.delete_misses/tentative_misses: must be >= 1")
        if self.q_manoeuvre is not None and not self.q_manoeuvre >= self.q:
            problems.append("TrackerConfig.q_manoeuvre: must be >= q m^2/s^3, or None")
        if len(self.manoeuvre_tau) != 2 or not min(self.manoeuvre_tau) > 0.0:
            problems.append("TrackerConfig.manoeuvre_tau: give two positive times, s")
        if problems:
            raise InputError(*problems)


def coverage_pd(sensor_pos: ArrayLike, max_range: float, pd: float) -> PdFunction:
    """Detection probability ``pd`` inside ``max_range`` (m) of ``sensor_pos`` (ENU, m), else 0."""
    centre = np.asarray(sensor_pos, dtype=float).reshape(1, 3)
    r2 = float(max_range) ** 2

    def pd_of(pos: F64) -> F64:
        d2 = np.einsum("ni,ni->n", pos - centre, pos - centre)
        return np.where(d2 <= r2, pd, 0.0)

    return pd_of


def step(
    tracks: Tracks,
    t: float,
    z: F64,
    R: F64,
    *,
    config: TrackerConfig | None = None,
    pd: float | PdFunction | None = None,
) -> Tracks:
    """Process one sensor batch at time ``t`` (s): returns the new track table (pure function).

    The arguments are those of :func:`step_sources`, which also says which detection updated or
    started each track.
    """
    return step_sources(tracks, t, z, R, config=config, pd=pd)[0]


def step_sources(
    tracks: Tracks,
    t: float,
    z: F64,
    R: F64,
    *,
    config: TrackerConfig | None = None,
    pd: float | PdFunction | None = None,
) -> tuple[Tracks, NDArray[np.int64]]:
    """One sensor batch at time ``t`` (s), as :func:`step`: the new track table and, per row of
    it, the row of ``z`` that updated or started the track (-1: none).

    Args:
        tracks: the table after the previous batch (``Tracks.empty()`` to start).
        t: time of the batch, s since the scenario epoch; not earlier than ``tracks.t``.
        z: ``(m, 3)`` detection positions, ENU m.
        R: ``(m, 3, 3)`` detection covariances, m^2 (may be a broadcast view).
        config: tracker parameters (defaults if None).
        pd: detection probability of each track by this sensor: a number, a ``PdFunction`` of the
            predicted positions (e.g. ``coverage_pd``), or None for ``config.pd``.
    """
    cfg = config if config is not None else TrackerConfig()
    dt = float(t) - tracks.t
    if dt < 0.0:
        raise InputError(f"tracking.step: batch time {t} s is before the tracks' time "
                         f"{tracks.t} s; feed batches in time order")
    z = np.asarray(z, dtype=float).reshape(-1, 3)
    m = z.shape[0]
    if R.shape != (m, 3, 3):
        raise InputError(f"tracking.step: R has shape {R.shape}, expected ({m}, 3, 3)")
    n = len(tracks)
    x, P, models = _predicted(tracks, dt, cfg)
    if pd is None:
        p = np.full(n, cfg.pd)
    elif callable(pd):
        p = np.asarray(pd(x[:, :3]), dtype=float)
    else:
        p = np.full(n, float(pd))
    if x is tracks.x:  # dt = 0: copies, the arrays are shared between tables
        x, P = x.copy(), P.copy()
    ta, db, cost = _associated(x, P, models, z, R, cfg.gate_d2,
                               float(np.log(cfg.clutter_density)), p, None)
    hit = np.zeros(n, bool)
    hit[ta] = True
    quality = _scores(tracks.quality, dt, hit, p, ta, cost, cfg)
    return _managed(tracks, t, x, P, models, hit, p > 0.0, quality, z, R, ta, db, cfg)


#: One tracker's batch for :func:`step_many`: its table, reports ``z``, ``R``, parameters and the
#: detection probability of each of its tracks.
Batch = tuple[Tracks, F64, F64, TrackerConfig, F64]


def step_many(batches: Sequence[Batch], t: float) -> list[tuple[Tracks, NDArray[np.int64]]]:
    """:func:`step_sources` of several trackers' batches at one time ``t`` (s), each with its
    own table, reports, parameters (the same gate) and detection probabilities: what each
    alone gives, with one gate, one association and one update over all of them (a track
    pairs only with its own tracker's reports; every row's arithmetic is its own, so the
    tables are the same bit for bit, up to the choice among equally good assignments). The
    fixed cost of those array calls, which dominates on a few dozen tracks, is paid once: the
    8579 calls of a tracked April run (seed 1, two trackers each) replayed take 6.1-6.4 s CPU
    against 6.6-7.3 s for step_sources per batch (same tables; least and median of 5 rounds,
    loaded 2-core machine), ~2 % of the run's 36 s."""
    if len(batches) == 1:
        tracks, z, R, cfg, p = batches[0]
        return [step_sources(tracks, t, z, R, config=cfg, pd=lambda _: p)]
    if len({b[3].gate_d2 for b in batches}) > 1:  # one gate; all else is per tracker
        raise InputError("tracking.step_many: the batches' trackers differ in gate_d2")
    if len({b[3].q_manoeuvre is None for b in batches}) > 1:
        raise InputError("tracking.step_many: give every batch's tracker an IMM "
                         "(q_manoeuvre) or none")
    ns, ms = [len(b[0]) for b in batches], [b[1].shape[0] for b in batches]
    n, m = np.array(ns), np.array(ms)
    cat = np.concatenate
    x, P, models = _predicted_many(batches, float(t))
    z, R = cat([b[1] for b in batches]), cat([b[2] for b in batches])
    lcd = np.repeat([float(np.log(b[3].clutter_density)) for b in batches], n)
    ta, db, cost = _associated(
        x, P, models, z, R, batches[0][3].gate_d2, lcd, cat([b[4] for b in batches]),
        (np.repeat(np.arange(n.size), n), np.repeat(np.arange(m.size), m)))
    out = []
    r0 = d0 = 0  # the batch's first track and report rows
    for (tracks, zk, Rk, cfg, p), nk, mk in zip(batches, ns, ms, strict=True):
        mine = (ta >= r0) & (ta < r0 + nk)
        tk, dk = ta[mine] - r0, db[mine] - d0
        hit = np.zeros(nk, bool)
        hit[tk] = True
        quality = _scores(tracks.quality, float(t) - tracks.t, hit, p, tk, cost[mine], cfg)
        rk = slice(r0, r0 + nk)
        mods = None if models is None else _Models(models.mu[rk], models.xm[rk],
                                                   models.Pm[rk], models.hold[rk])
        out.append(_managed(tracks, t, x[rk], P[rk], mods, hit, p > 0.0,
                            quality, zk, Rk, tk, dk, cfg))
        r0, d0 = r0 + nk, d0 + mk
    return out


class _Models(NamedTuple):
    """The IMM's columns of a table in a step (:mod:`inkless.tracking.imm`): ``mu (n,)``
    the probability of the manoeuvre model (predicted, then updated), the models' ``xm``,
    ``Pm``."""

    mu: F64
    xm: F64
    Pm: F64
    hold: NDArray[np.bool_]
    """Tracks held in the quiet model: the plain NCV filter with ``q``."""


def _predicted(tracks: Tracks, dt: float, cfg: TrackerConfig) -> tuple[F64, F64, _Models | None]:
    """Every track predicted ``dt`` s ahead: ``x``, ``P`` (the NCV model with ``cfg.q``, or
    the IMM's combined prediction) and the IMM's predicted models (None without one)."""
    if cfg.q_manoeuvre is None:
        x, P = predict(tracks.x, tracks.P, dt, cfg.q)
        return x, P, None
    return _imm_predicted(tracks.x, tracks.P, tracks.status, tracks.mu, tracks.xm, tracks.Pm,
                          dt, cfg)


def _imm_predicted(x: F64, P: F64, status: NDArray[np.int8], mu: F64, xm: F64, Pm: F64,
                   dt: float, cfg: TrackerConfig) -> tuple[F64, F64, _Models]:
    """:func:`_predicted` of the IMM's columns (``x``, ``P`` the tracks' combined states).

    Tentative tracks and those faster than ``cfg.manoeuvre_speed_max`` are held in the quiet
    model: predicted (and updated) by the plain NCV filter with ``cfg.q``, bit for bit, their
    models both that filter's state. A ballistic track is born slow (no velocity yet), so it
    is held from birth; a track's manoeuvres are modelled once it is confirmed."""
    assert cfg.q_manoeuvre is not None
    hold = status == TENTATIVE
    vmax = cfg.manoeuvre_speed_max
    if vmax is not None:
        hold |= np.einsum("ni,ni->n", x[:, 3:], x[:, 3:]) > vmax * vmax
    if not hold.any():
        c1, xm, Pm, xp, Pp = imm_predict(mu, xm, Pm, dt, (cfg.q, cfg.q_manoeuvre),
                                         cfg.manoeuvre_tau)
        return xp, Pp, _Models(c1, xm, Pm, hold)
    n, h, free = hold.size, hold.nonzero()[0], (~hold).nonzero()[0]
    xp, Pp = np.empty((n, 6)), np.empty((n, 6, 6))
    c1, xmp, Pmp = np.zeros(n), np.empty((n, 2, 6)), np.empty((n, 2, 6, 6))
    xh, Ph = predict(x.take(h, axis=0), P.take(h, axis=0), dt, cfg.q)
    xp[h], Pp[h], xmp[h], Pmp[h] = xh, Ph, xh[:, None], Ph[:, None]
    if free.size:
        c1[free], xmp[free], Pmp[free], xp[free], Pp[free] = imm_predict(
            mu.take(free), xm.take(free, axis=0), Pm.take(free, axis=0), dt,
            (cfg.q, cfg.q_manoeuvre), cfg.manoeuvre_tau)
    return xp, Pp, _Models(c1, xmp, Pmp, hold)


def _predicted_many(batches: Sequence[Batch], t: float) -> tuple[F64, F64, _Models | None]:
    """:func:`_predicted` of every batch's table to ``t`` (s), concatenated. Without an IMM
    per tracker (a matrix product's rounding may depend on its number of rows); with one,
    the tables with the same time step and models in one call (its arithmetic is per row, or
    a product whose rounding does not depend on the rows: one call's fixed cost, not one per
    tracker)."""
    cat = np.concatenate
    cfg = batches[0][3]
    same = len({(t - b[0].t, b[3].q, b[3].q_manoeuvre, b[3].manoeuvre_tau,
                 b[3].manoeuvre_speed_max) for b in batches}) == 1
    if cfg.q_manoeuvre is None or not same:
        pred = [_predicted(tr, t - tr.t, c) for tr, _, _, c, _ in batches]
        x, P = cat([a[0] for a in pred]), cat([a[1] for a in pred])
        if pred[0][2] is None:
            return x, P, None
        return x, P, _Models(*(cat([a[2][i] for a in pred]) for i in range(4)))  # type: ignore[index]
    tables = [b[0] for b in batches]
    x, P, status, mu, xm, Pm = (cat([getattr(tr, f) for tr in tables])
                                for f in ("x", "P", "status", "mu", "xm", "Pm"))
    return _imm_predicted(x, P, status, mu, xm, Pm, t - tables[0].t, cfg)


def _associated(x: F64, P: F64, models: _Models | None, z: F64, R: F64, gate_d2: float,
                lcd: float | F64, pd: F64, tag: tuple[IP, IP] | None) -> tuple[IP, IP, F64]:
    """Gate, associate (GNN) and update, in place, the predicted tracks ``x``, ``P`` (and the
    IMM's ``models``) with detections ``z``, ``R`` (the arguments of :func:`gate`). Returns the
    chosen pairs' track rows, detection rows and costs.

    With an IMM, a track left without a detection has a second chance: its manoeuvre model's
    prediction is gated with the detections left. The combined prediction, one Gaussian for a
    mixture, has thin tails where the mixture has the wide ones of the manoeuvre model when it
    is unlikely (a turn's first scans): without it a fighter's track broke at every turn of a
    racetrack."""
    n, m = x.shape[0], z.shape[0]
    pairs = gate(x, P, z, R, gate_d2=gate_d2, log_clutter_density=lcd, pd=pd, tag=tag)
    sel = gnn(pairs, n, m)
    ta, db, cost = pairs.ti[sel], pairs.dj[sel], pairs.cost[sel]
    Sinv = pairs.Sinv.take(sel, axis=0)
    if models is not None and ta.size < min(n, m):
        free = np.ones(n, bool)
        free[ta] = False
        rows = (free & (pd > 0.0) & ~models.hold).nonzero()[0]
        left = np.ones(m, bool)
        left[db] = False
        dets = left.nonzero()[0]
        if rows.size and dets.size:
            again = gate(models.xm[:, 1].take(rows, axis=0), models.Pm[:, 1].take(rows, axis=0),
                         z.take(dets, axis=0), R.take(dets, axis=0),
                         gate_d2=gate_d2,
                         log_clutter_density=lcd if isinstance(lcd, float) else lcd[rows],
                         pd=pd[rows], tag=None if tag is None else (tag[0][rows], tag[1][dets]))
            sel2 = gnn(again, rows.size, dets.size)
            ta, db = np.r_[ta, rows[again.ti[sel2]]], np.r_[db, dets[again.dj[sel2]]]
            cost = np.r_[cost, again.cost[sel2]]
    if ta.size:
        _update(x, P, models, ta, z.take(db, axis=0), R.take(db, axis=0), Sinv)
    return ta, db, cost


def _update(x: F64, P: F64, models: _Models | None, ta: NDArray[np.intp], z: F64, R: F64,
            Sinv: F64) -> None:
    """Update tracks ``ta`` of the predicted ``x``, ``P`` (and the IMM's ``models``), in place,
    with their detections ``z (k, 3)``, ``R (k, 3, 3)`` (``Sinv`` the inverse innovation
    covariances of the combined prediction, from gating)."""
    if models is None:
        x[ta], P[ta] = update(x.take(ta, axis=0), P.take(ta, axis=0), z, R, Sinv)
        return
    mu, xm, Pm, hold = models
    held = hold[ta]
    if held.any():  # the plain filter (pairs of the first gate only: Sinv is theirs)
        at, rest = held.nonzero()[0], (~held).nonzero()[0]  # (take: faster row gathers)
        h = ta[at]
        xh, Ph = update(x.take(h, axis=0), P.take(h, axis=0), z.take(at, axis=0),
                        R.take(at, axis=0), Sinv.take(at[at < Sinv.shape[0]], axis=0))
        x[h], P[h], xm[h], Pm[h], mu[h] = xh, Ph, xh[:, None], Ph[:, None], 0.0
        ta, z, R = ta[rest], z.take(rest, axis=0), R.take(rest, axis=0)
    mu[ta], xm[ta], Pm[ta], x[ta], P[ta] = imm_update(
        mu.take(ta), xm.take(ta, axis=0), Pm.take(ta, axis=0), z, R)


def _scores(quality: F64, dt: float, hit: NDArray[np.bool_], p: F64, ta: NDArray[np.intp],
            cost: F64, cfg: TrackerConfig) -> F64:
    """Track scores after a batch (log odds that the track is a real target): decayed with the
    target's chance of ending over ``dt`` s, ``+ln(1 - Pd)`` on a miss (a look without a hit),
    ``+ln(1 - Pd) - cost`` on a hit (``cost`` of the chosen pair, :func:`gate`), i.e.
    ``ln(Pd N(nu; 0, S) / lambda)``.

    Pd is taken at most 0.99 both ways: a batch of several sensors expects ~1, but a look with
    nothing in the gate is as often the track's own error (common to every sensor) as missed
    detections, and ln(1e-6) would delete a track at its best score after one such look."""
    if dt > 0.0:
        r = np.exp(-cfg.death_rate * dt) / (1.0 + np.exp(-quality))
        quality = np.log(r) - np.log1p(-r)
    miss = (p > 0.0) & ~hit
    quality = quality + np.where(miss, np.log1p(-np.minimum(p, 0.99)), 0.0)
    pc = np.minimum(np.maximum(p[ta], 0.01), 0.99)  # np.clip, without its fixed cost
    quality[ta] += np.log1p(-pc) - cost
    out: F64 = np.minimum(np.maximum(quality, -50.0), cfg.score_cap)
    return out


def _managed(tracks: Tracks, t: float, x: F64, P: F64, models: _Models | None,
             hit: NDArray[np.bool_],
             seen: NDArray[np.bool_], quality: F64, z: F64, R: F64, ta: NDArray[np.intp],
             db: NDArray[np.intp], cfg: TrackerConfig) -> tuple[Tracks, NDArray[np.int64]]:
    """Track management after a batch at ``t``: confirmation (M-of-N or score), deletion (misses,
    a low score, or M-of-N out of reach) and initiation from the detections left unassigned
    (``seen``: the tracks this batch looked at, ``Pd > 0``; ``ta``, ``db`` the assigned pairs).
    ``models``: the IMM's columns after the batch (None: no IMM). Returns the new table and,
    per row, the detection that updated or started it (-1: none)."""
    n, m = len(tracks), z.shape[0]
    look = hit | seen
    hits = (tracks.hits + hit).astype(np.int32, copy=False)
    looks = (tracks.looks + look).astype(np.int32, copy=False)
    misses = np.where(hit, 0, tracks.misses + (look & ~hit)).astype(np.int32, copy=False)
    t_update = np.where(hit, float(t), tracks.t_update)
    tentative = tracks.status == TENTATIVE
    ready = ((hits >= cfg.confirm_m) & (looks <= cfg.confirm_n)) | (quality >= cfg.confirm_score)
    status = np.where(tentative & ready, CONFIRMED, tracks.status).astype(np.int8, copy=False)
    tentative = status == TENTATIVE
    drop = np.where(tentative, (misses >= cfg.tentative_misses) | (looks >= cfg.confirm_n),
                    (misses >= cfg.delete_misses) | (quality < cfg.delete_score))
    taken = np.zeros(m, bool)
    taken[db] = True
    born = (~taken).nonzero()[0]
    source = np.full(n, -1, np.int64)  # the row's detection: -1 none, its born one
    source[ta] = db
    cols: dict[str, NDArray[Any]] = {
        "id": tracks.id, "x": x, "P": P, "hits": hits, "misses": misses, "looks": looks,
        "status": status, "quality": quality, "t_update": t_update, "source": source}
    if models is not None:
        cols |= {"mu": models.mu, "xm": models.xm, "Pm": models.Pm}
    keep = (~drop).nonzero()[0] if drop.any() else None  # None: every track
    k = born.size
    if k:
        tau0, tau1 = cfg.manoeuvre_tau
        cols = _born(cols, keep, born, z, R, cfg, tracks.next_id, float(t),
                     1.0 / (1.0 + tau0 / tau1))
    elif keep is not None:  # the kept rows (else every column as it is: none changes rows)
        cols = {name: c.take(keep, axis=0) for name, c in cols.items()}
    source = cols.pop("source")  # (no IMM: Tracks makes its columns views of the new x, P)
    return Tracks(**cols, t=float(t), next_id=tracks.next_id + k), source


def _born(cols: dict[str, NDArray[Any]], keep: NDArray[np.intp] | None,
          born: NDArray[np.intp], z: F64, R: F64, cfg: TrackerConfig, next_id: int, t: float,
          mu0: float) -> dict[str, NDArray[Any]]:
    """:func:`_managed`'s columns (the table's, ``source``, and the IMM's ``mu, xm, Pm`` if
    any) of the kept tracks (rows ``keep``, None: all) followed by the tracks born from the
    reports ``born`` of ``z``, ``R`` at ``t``: the first numbers from ``next_id``, at the
    report with the velocity prior, one hit and look, tentative (confirmed if one hit
    confirms), the initial score; each model the new state, ``mu0`` the chance of the
    manoeuvre model."""
    k = born.size
    fills = {"id": next_id + np.arange(k, dtype=np.int64), "x": 0.0, "P": 0.0, "hits": 1,
             "misses": 0, "looks": 1, "status": CONFIRMED if cfg.confirm_m <= 1 else TENTATIVE,
             "quality": cfg.init_score, "t_update": t, "source": born, "mu": mu0, "xm": 0.0,
             "Pm": 0.0}
    out = {name: _grown(c, keep, k, fills[name]) for name, c in cols.items()}
    x, P = out["x"], out["P"]
    n_kept = x.shape[0] - k
    x[n_kept:, :3] = z[born]
    P[n_kept:, :3, :3] = R[born]
    P[n_kept:, 3:, 3:] = _velocity_prior(tuple(cfg.init_vel_std))
    if "xm" in out:
        out["xm"][n_kept:] = x[n_kept:, None]
        out["Pm"][n_kept:] = P[n_kept:, None]
    return out


def _grown(c: NDArray[Any], keep: NDArray[np.intp] | None, k: int, value: Any = 0
           ) -> NDArray[Any]:
    """The rows ``keep`` of ``c`` (None: all) followed by ``k`` rows of ``value``, gathered
    straight into one new array (``np.concatenate`` of the two without the gather's copy)."""
    n = c.shape[0] if keep is None else keep.size
    out = np.empty((n + k, *c.shape[1:]), c.dtype)
    if keep is None:
        out[:n] = c
    else:  # mode "clip" (``keep`` is in range): unbuffered, straight into ``out``
        c.take(keep, axis=0, out=out[:n], mode="clip")
    out[n:] = value
    return out


@lru_cache(maxsize=8)
def _velocity_prior(std: tuple[float, float, float]) -> F64:
    """The ``(3, 3)`` velocity covariance of a new track, m^2/s^2: ``diag(std^2)``."""
    out = np.diag(np.square(std))
    out.flags.writeable = False
    return out


def in_picture(tracks: Tracks, config: TrackerConfig | None = None) -> NDArray[np.bool_]:
    """``(n,) bool``: confirmed tracks whose score is at least ``config.show_score``.

    A confirmed track that has just missed a few looks stays in the table (so it can pick its
    target up again) but leaves the air picture while it is more likely gone than present.
    """
    cfg = config if config is not None else TrackerConfig()
    return tracks.confirmed & (tracks.quality >= cfg.show_score)
