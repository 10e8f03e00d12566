"""Gating and global-nearest-neighbour association of one batch of detections to all tracks.

Two stages, both over arrays:

1. ``gate``: a cheap Euclidean pre-gate by a sweep along x over the sorted detections (exact:
   ``d^2 = nu^T S^-1 nu >= |nu|^2 / lambda_max(S)``, with ``lambda_max`` bounded above by
   :func:`inkless.tracking.kalman.spread`, so nothing inside the Mahalanobis gate is lost; no
   ``n x m`` matrix is formed), then the Mahalanobis distance and the association cost on the
   surviving pairs only.
2. ``gnn``: the gate graph is split into connected components (clusters); a cluster with one track
   or one detection is solved by a vectorised minimum, the others each by
   ``scipy.optimize.linear_sum_assignment``. Big problems therefore cost about as much as many
   small ones.

:func:`min_cost_pairs` is the plain global nearest neighbour on a dense cost matrix (infinite:
no pair), for the small problems of merging reports and fusing pictures.

Cost of assigning detection ``j`` to track ``i`` is the negative log-likelihood ratio of "the
track's target made the detection" against "the track was missed and the detection is clutter"
(Blackman & Popoli, *Design and Analysis of Modern Tracking Systems*, 1999, sec. 6.2):

    c_ij = d_ij^2 / 2 + ln sqrt|2 pi S_ij| + ln(lambda) - ln(Pd_i) + ln(1 - Pd_i),

with ``lambda`` the false-alarm density (per m^3 per sensor scan). Only pairs inside the
chi-square gate with ``c_ij < 0`` are candidates; global nearest neighbour then minimises the sum
of costs of the chosen pairs (every pair is optional).

Frame: ENU, metres. ``R`` is per detection.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from inkless.arrays import F64, I64, IP
from inkless.tracking.ids import components, unique_inverse
from inkless.tracking.kalman import inv3, spread

__all__ = ["Pairs", "gate", "gnn", "min_cost_pairs"]


_LOG_2PI_3 = 3.0 * np.log(2.0 * np.pi)
_DENSE_MAX = 10_000  # entries of one dense assignment matrix over all non-trivial clusters
_DENSE_PREGATE = 4096  # track-detection pairs up to which the pre-gate tests every pair


class Pairs(NamedTuple):
    """Gated track-detection pairs as parallel ``(k,)`` arrays."""

    ti: IP
    """Track row of each pair."""
    dj: IP
    """Detection row of each pair."""
    cost: F64
    """Association cost (module docstring), always negative."""
    d2: F64
    """Squared Mahalanobis distance of the innovation."""
    logdet: F64
    """``ln |S|`` of the innovation covariance (S in m^2)."""
    Sinv: F64
    """``(k, 3, 3)`` inverse innovation covariance, 1/m^2."""


def gate(
    x: F64,
    P: F64,
    z: F64,
    R: F64,
    *,
    gate_d2: float,
    log_clutter_density: float | F64,
    pd: F64,
    tag: tuple[IP, IP] | None = None,
) -> Pairs:
    """Candidate pairs of tracks ``(x (n,6), P (n,6,6))`` and detections ``(z (m,3), R (m,3,3))``.

    ``gate_d2`` is the chi-square gate on the squared Mahalanobis distance (3 degrees of freedom);
    ``log_clutter_density`` is ``ln(lambda)`` with lambda in m^-3 (or one per track, ``(n,)``);
    ``pd (n,)`` the detection probability of each track by this sensor (clipped to [0.01, 0.99]
    in the cost). ``tag``: the tracker of each track ``(n,)`` and of each detection ``(m,)``
    when several trackers' batches go through at once; a track pairs only with its tracker's
    detections.
    """
    n, m = x.shape[0], z.shape[0]
    if n == 0 or m == 0:
        return _no_pairs()
    live = _may_pair(P[:, :3, :3], log_clutter_density, pd)
    if live.size == 0:
        return _no_pairs()
    Ppos = P[:, :3, :3]
    ti, dj, nu = _pregate(x[live, :3], z, gate_d2 * spread(Ppos[live]), gate_d2 * spread(R))
    ti = live[ti]
    if tag is not None:
        same = tag[0][ti] == tag[1][dj]
        same = same.nonzero()[0]  # (take: row gathers, several times faster than a mask)
        ti, dj, nu = ti.take(same), dj.take(same), nu.take(same, axis=0)
    if ti.size == 0:
        return _no_pairs()
    if not isinstance(log_clutter_density, float):
        log_clutter_density = log_clutter_density[ti]
    # np.take: row gathers of 2-D/3-D arrays, several times faster than fancy indexing
    Sinv, det = inv3(Ppos.take(ti, axis=0) + R.take(dj, axis=0))
    d2 = np.einsum("ki,ki->k", (Sinv @ nu[:, :, None])[:, :, 0], nu)
    logdet = np.log(det)
    p = np.minimum(np.maximum(pd[ti], 0.01), 0.99)  # np.clip, without its fixed cost
    cost = 0.5 * (d2 + logdet + _LOG_2PI_3) + log_clutter_density - np.log(p) + np.log1p(-p)
    keep = ((d2 < gate_d2) & (cost < 0.0)).nonzero()[0]
    return Pairs(ti.take(keep), dj.take(keep), cost.take(keep), d2.take(keep),
                 logdet.take(keep), Sinv.take(keep, axis=0))


_TINY = np.finfo(np.float64).tiny
_COST_SLACK = 1e-3  # nats: a track is passed over only when its cost bound exceeds 0 by this


def _may_pair(Ppos: F64, log_clutter_density: float | F64, pd: F64) -> IP:
    """Rows of the tracks that some detection could pair with at a negative cost.

    Exact screen before the pre-gate: ``|S| = |P + R| >= |P|`` for ``R`` positive
    semi-definite (Minkowski's determinant inequality) and ``d^2 >= 0``, so every pair of track
    ``i`` costs at least ``(ln|P_i| + 3 ln 2 pi) / 2 + ln(lambda) - ln(Pd_i) + ln(1 - Pd_i)``;
    a track whose bound exceeds ``_COST_SLACK`` (far more than the rounding of either side) has
    no candidate pair. These are mostly young tracks, whose velocity prior spreads their
    predicted position over kilometres: without the screen they gathered ~97 % of the
    pre-gate's pairs (tracked April), each dropped only after its inverse and cost. A
    non-finite bound (a degenerate covariance) keeps the track.
    """
    s = Ppos.reshape(-1, 9).T  # (9, n): entry e of every matrix in one row
    det = (s[0] * (s[4] * s[8] - s[5] * s[7]) - s[1] * (s[3] * s[8] - s[5] * s[6])
           + s[2] * (s[3] * s[7] - s[4] * s[6]))
    p = np.minimum(np.maximum(pd, 0.01), 0.99)
    # a determinant below the smallest normal number (or not positive) keeps the track either
    # way: floored, its log needs no np.errstate (whose context costs more than the screen)
    bound = (0.5 * (np.log(np.maximum(det, _TINY)) + _LOG_2PI_3) + log_clutter_density
             - np.log(p) + np.log1p(-p))
    out: IP = (~(bound > _COST_SLACK)).nonzero()[0]
    return out


def _pregate(
    pos: F64, z: F64, g_t: F64, g_d: F64
) -> tuple[IP, IP, F64]:
    """Pairs with ``|z_j - pos_i|^2 <= g_t[i] + g_d[j]`` and their ``z_j - pos_i``, by a sweep
    along x (no n x m matrix).

    With ``g = gate * spread`` (:func:`inkless.tracking.kalman.spread`, an upper bound of
    ``lambda_max``), this keeps every pair inside the Mahalanobis gate, since
    ``nu^T S^-1 nu >= |nu|^2 / lambda_max(S) >= |nu|^2 / (spread(P) + spread(R))``.
    Detections are sorted by x; each track takes the window ``|dx| <= sqrt(g_t[i] + max g_d)``
    by binary search, and the windows are expanded and tested in 3-D. Cost ~ (n + m) log m +
    the window sizes. Up to ``_DENSE_PREGATE`` track-detection pairs, the dozen calls of the
    sweep cost more than the 3-D test of every pair, which is done instead (same pairs, same
    order).
    """
    order = z[:, 0].argsort(kind="stable")
    if pos.shape[0] * z.shape[0] <= _DENSE_PREGATE:
        zs = z.take(order, axis=0)
        # |nu|^2 by cdist: a rounding apart from nu's own, which the bound's slack covers
        near = cdist(pos, zs, "sqeuclidean") <= g_t[:, None] + g_d[order][None, :]
        ti, jj = near.nonzero()
        return ti, order[jj], zs.take(jj, axis=0) - pos.take(ti, axis=0)
    zx = z[order, 0]
    r = np.sqrt(g_t + g_d.max())
    lo = zx.searchsorted(pos[:, 0] - r, "left")
    cnt = zx.searchsorted(pos[:, 0] + r, "right") - lo
    total = int(cnt.sum())
    ti = np.repeat(np.arange(pos.shape[0]), cnt)
    start = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    dj = order[start + np.arange(total)]
    d = z.take(dj, axis=0) - pos.take(ti, axis=0)
    keep = (np.einsum("ki,ki->k", d, d) <= g_t[ti] + g_d[dj]).nonzero()[0]
    return ti.take(keep), dj.take(keep), d.take(keep, axis=0)


def _no_pairs() -> Pairs:
    e = np.empty(0, np.intp)
    return Pairs(e, e, np.empty(0), np.empty(0), np.empty(0), np.empty((0, 3, 3)))


def gnn(pairs: Pairs, n: int, m: int) -> IP:
    """Global nearest neighbour: indices into ``pairs`` of the chosen pairs.

    Minimises the total cost of a one-to-one choice among the candidate pairs (all costs are
    negative, so leaving a pair out is always allowed and never better than a feasible gain).
    ``n`` tracks and ``m`` detections index the graph. Ties resolve deterministically.
    """
    k = pairs.ti.size
    if k == 0:
        return np.empty(0, np.intp)
    ti, dj, cost = pairs.ti, pairs.dj, pairs.cost
    per_t, per_d = np.bincount(ti, minlength=n), np.bincount(dj, minlength=m)
    if per_t.max() == 1 and per_d.max() == 1:  # no conflict (the usual case): every pair
        return np.arange(k)
    lab = components(ti, dj + n, n + m)  # detections numbered from n
    lab_t, lab_d = lab[:n], lab[n:]
    comp = lab_t[ti]
    # tracks and detections per component (only those in some pair: their labels, each
    # component's smallest member, are track rows < n)
    nt = np.bincount(lab_t[per_t > 0], minlength=n)
    nd = np.bincount(lab_d[per_d > 0], minlength=n)
    simple = (nt[comp] == 1) | (nd[comp] == 1)

    chosen: list[IP] = []
    sidx = simple.nonzero()[0]
    if sidx.size:
        # One track (or one detection) per component: its best pair is the optimum.
        order = sidx[np.lexsort((sidx, cost[sidx], comp[sidx]))]
        first = np.ones(order.size, bool)
        first[1:] = comp[order[1:]] != comp[order[:-1]]
        chosen.append(order[first])
    hidx = (~simple).nonzero()[0]
    if hidx.size:
        tr, ti_loc = unique_inverse(ti[hidx])
        de, dj_loc = unique_inverse(dj[hidx])
        if tr.size * de.size <= _DENSE_MAX:
            # All remaining clusters in one matrix: entries between clusters are 0 (= "not
            # assigned"), so the optimum of the whole is the sum of the clusters' optima.
            chosen.append(_assign(hidx, ti_loc, dj_loc, tr.size, de.size, cost))
        else:
            hc = comp[hidx]
            order = hc.argsort(kind="stable")
            bounds = np.flatnonzero(np.r_[True, hc[order][1:] != hc[order][:-1], True])
            for a, b in itertools.pairwise(bounds):
                sub = order[a:b]
                _, tl = unique_inverse(ti_loc[sub])
                _, dl = unique_inverse(dj_loc[sub])
                chosen.append(_assign(hidx[sub], tl, dl, int(tl.max()) + 1, int(dl.max()) + 1,
                                      cost))
    out = np.concatenate(chosen) if len(chosen) > 1 else chosen[0]
    return np.sort(out)


def _assign(idx: IP, tl: IP, dl: IP, nt: int, nd: int,
            cost: F64) -> IP:
    """Optimal choice among pairs ``idx`` (local track ``tl``, detection ``dl``) by LSA."""
    C = np.zeros((nt, nd))
    C[tl, dl] = cost[idx]
    pair_of = np.full((nt, nd), -1, np.intp)
    pair_of[tl, dl] = idx
    rr, cc = linear_sum_assignment(C)
    sel = pair_of[rr, cc]
    return sel[sel >= 0]


def min_cost_pairs(cost: F64) -> tuple[I64, I64]:
    """Minimum-cost one-to-one pairs among the finite entries of ``cost``."""
    ra, rb = np.nonzero(np.isfinite(cost))
    if ra.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ua, la = unique_inverse(ra)
    ub, lb = unique_inverse(rb)
    big = float(cost[ra, rb].max()) + 1.0
    dense = np.full((ua.size, ub.size), 2.0 * big)
    dense[la, lb] = cost[ra, rb]
    ii, jj = linear_sum_assignment(dense)
    keep = dense[ii, jj] < 2.0 * big
    return ua[ii[keep]].astype(np.int64), ub[jj[keep]].astype(np.int64)
