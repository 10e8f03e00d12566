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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64
from inkless.errors import InputError
from inkless.tracking.association import gate, gnn
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
    x, P = predict(tracks.x, tracks.P, dt, cfg.q)
    if pd is None:
        p = np.full(n, cfg.pd)
    elif callable(pd):
        p = np.asarray(pd(x[:, :3]), dtype=float)
    else:
        p = np.full(n, float(pd))
    pairs = gate(x, P, z, R, gate_d2=cfg.gate_d2,
                 log_clutter_density=float(np.log(cfg.clutter_density)), pd=p)
    sel = gnn(pairs, n, m)
    ta, db = pairs.ti[sel], pairs.dj[sel]
    if ta.size:  # update the assigned tracks (copies: the arrays are shared between tables)
        x = x.copy() if x is tracks.x else x
        P = P.copy() if P is tracks.P else P
        x[ta], P[ta] = update(x.take(ta, axis=0), P.take(ta, axis=0),
                              z.take(db, axis=0), R.take(db, axis=0),
                              pairs.Sinv.take(sel, axis=0))
    hit = np.zeros(n, bool)
    hit[ta] = True
    quality = _scores(tracks.quality, dt, hit, p, ta, pairs.cost[sel], cfg)
    return _managed(tracks, t, x, P, hit, p > 0.0, quality, z, R, ta, db, cfg)


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
    n = np.array([len(b[0]) for b in batches])
    m = np.array([b[1].shape[0] for b in batches])
    cat = np.concatenate
    # predicted per tracker: a matrix product's rounding may depend on its number of rows
    pred = [predict(tr.x, tr.P, float(t) - tr.t, cfg.q) for tr, _, _, cfg, _ in batches]
    x, P = cat([a for a, _ in pred]), cat([b for _, b in pred])
    z, R = cat([b[1] for b in batches]), cat([b[2] for b in batches])
    lcd = np.repeat([float(np.log(b[3].clutter_density)) for b in batches], n)
    pairs = gate(x, P, z, R, gate_d2=batches[0][3].gate_d2, log_clutter_density=lcd,
                 pd=cat([b[4] for b in batches]),
                 tag=(np.repeat(np.arange(n.size), n), np.repeat(np.arange(m.size), m)))
    sel = gnn(pairs, int(n.sum()), int(m.sum()))
    ta, db = pairs.ti[sel], pairs.dj[sel]
    if ta.size:
        x[ta], P[ta] = update(x.take(ta, axis=0), P.take(ta, axis=0),
                              z.take(db, axis=0), R.take(db, axis=0),
                              pairs.Sinv.take(sel, axis=0))
    cost = pairs.cost[sel]
    out = []
    for k, (tracks, zk, Rk, cfg, p) in enumerate(batches):
        r0, d0 = int(n[:k].sum()), int(m[:k].sum())
        mine = (ta >= r0) & (ta < r0 + n[k])
        tk, dk = ta[mine] - r0, db[mine] - d0
        hit = np.zeros(n[k], bool)
        hit[tk] = True
        quality = _scores(tracks.quality, float(t) - tracks.t, hit, p, tk, cost[mine], cfg)
        out.append(_managed(tracks, t, x[r0:r0 + n[k]], P[r0:r0 + n[k]], hit, p > 0.0,
                            quality, zk, Rk, tk, dk, cfg))
    return out


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


def _managed(tracks: Tracks, t: float, x: F64, P: F64, hit: NDArray[np.bool_],
             seen: NDArray[np.bool_], quality: F64, z: F64, R: F64, ta: NDArray[np.intp],
             db: NDArray[np.intp], cfg: TrackerConfig) -> tuple[Tracks, NDArray[np.int64]]:
    """Track management after a batch at ``t``: confirmation (M-of-N or score), deletion (misses,
    a low score, or M-of-N out of reach) and initiation from the detections left unassigned
    (``seen``: the tracks this batch looked at, ``Pd > 0``; ``ta``, ``db`` the assigned pairs).
    Returns the new table and, per row, the detection that updated or started it (-1: none)."""
    n, m = len(tracks), z.shape[0]
    look = hit | seen
    hits = tracks.hits + hit
    looks = tracks.looks + look
    misses = np.where(hit, 0, tracks.misses + (look & ~hit)).astype(np.int32)
    t_update = np.where(hit, float(t), tracks.t_update)
    tentative = tracks.status == TENTATIVE
    ready = ((hits >= cfg.confirm_m) & (looks <= cfg.confirm_n)) | (quality >= cfg.confirm_score)
    status = np.where(tentative & ready, CONFIRMED, tracks.status).astype(np.int8)
    tentative = status == TENTATIVE
    drop = np.where(tentative, (misses >= cfg.tentative_misses) | (looks >= cfg.confirm_n),
                    (misses >= cfg.delete_misses) | (quality < cfg.delete_score))
    keep = (~drop).nonzero()[0]
    taken = np.zeros(m, bool)
    taken[db] = True
    born = (~taken).nonzero()[0]
    k, n_kept = born.size, keep.size
    source = np.empty(n_kept + k, np.int64)  # the row's detection: -1 none, its born one
    whose = np.empty(n, np.int64)
    whose.fill(-1)
    whose[ta] = db
    source[:n_kept] = whose[keep]
    source[n_kept:] = born
    x = _grown(x[keep], k)
    x[n_kept:, :3] = z[born]
    P = _grown(P[keep], k)
    P[n_kept:, :3, :3] = R[born]
    P[n_kept:, 3:, 3:] = _velocity_prior(tuple(cfg.init_vel_std))
    new_status = CONFIRMED if cfg.confirm_m <= 1 else TENTATIVE
    return Tracks(
        id=_grown(tracks.id[keep], k, tracks.next_id + np.arange(k, dtype=np.int64)),
        x=x,
        P=P,
        hits=_grown(hits[keep].astype(np.int32, copy=False), k, 1),
        misses=_grown(misses[keep], k, 0),
        looks=_grown(looks[keep].astype(np.int32, copy=False), k, 1),
        status=_grown(status[keep], k, new_status),
        quality=_grown(quality[keep], k, cfg.init_score),
        t_update=_grown(t_update[keep], k, float(t)),
        t=float(t),
        next_id=tracks.next_id + k,
    ), source


def _grown(kept: NDArray[Any], k: int, value: Any = 0) -> NDArray[Any]:
    """``kept`` followed by ``k`` rows of ``value`` (a new array: ``np.concatenate`` of the two,
    at the cost of one ``empty``)."""
    out = np.empty((kept.shape[0] + k, *kept.shape[1:]), kept.dtype)
    out[:kept.shape[0]] = kept
    out[kept.shape[0]:] = value
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
