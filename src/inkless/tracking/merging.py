"""Report merging: the reports of several sensors at one time merged into one report per object.

Where it sits: tracking, between ``sensing`` (radar reports per scan, in Cartesian form,
:func:`inkless.tracking.measurement.measurements`) and the tracker step: the coalition tracker
(:class:`inkless.tracking.coalition_tracker.CoalitionTracker`) merges the reports of the sensors
that scan at the same time per object and steps its trackers once with the merged batch
(parallel measurement fusion, which for independent errors gives the same estimate as updating
with each sensor's report in turn), not once per sensor. Frame: the common ENU frame, metres.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

from inkless.arrays import F64, I64

from .association import min_cost_pairs
from .ids import components, isin_ids
from .kalman import inv3, spread

__all__ = ["merge_reports", "merge_scans", "merge_sets", "mutual_pairs", "pairs_among"]

_MERGE_GATE = 21.11  # chi-square 99.99 % point, 3 dof: reports of one object by several sensors


def merge_reports(z: F64, R: F64, group: I64, gate_d2: float = _MERGE_GATE,
                  pairs: tuple[I64, I64] | None = None, call: I64 | None = None
                  ) -> tuple[F64, F64, I64]:
    """Reports of several sensors at one time merged into one report per object.

    Two reports of different sensors (``group``) may be of one object when the squared
    Mahalanobis distance of their difference (covariance ``R_a + R_b``) is inside the chi-square
    gate ``gate_d2`` (3 dof) and each is the other's nearest among its sensor's reports. The
    connected groups of such pairs in which no sensor reports twice are merged in information
    form, ``R = (sum R_i^-1)^-1``, ``z = R sum R_i^-1 z_i``; the rare others are merged sensor
    by sensor by global nearest neighbour (``linear_sum_assignment``) on that distance. For
    independent Gaussian errors the Kalman update with the merged report equals the updates with
    each report in turn
    (parallel and sequential measurement fusion agree; Bar-Shalom, Willett & Tian, *Tracking
    and Data Fusion*, 2011, ch. 8). Returns the merged ``z (k, 3)``, ``R (k, 3, 3)`` and, per
    input report, the merged report it went into ``(m,)``. ``pairs``: the reports' pairs
    (:func:`mutual_pairs`), when already known. ``call``: the reports of several calls
    stacked (the call of each, -1 for none): a call with one clean report or component
    computes it as a call of its own does (:func:`_as_one`).
    """
    m = z.shape[0]
    if m <= 1 or (group == group[0]).all():
        return z, R, np.arange(m, dtype=np.int64)
    ii, jj = mutual_pairs(z, R, group, gate_d2) if pairs is None else pairs
    if ii.size == 0:  # no pair in the gate (else its nearest pair is mutual)
        return z, R, np.arange(m, dtype=np.int64)
    n_groups = int(group.max()) + 1
    comp = components(ii, jj, m)
    # clean components: every sensor at most once (ambiguous: a sensor's key twice)
    key = comp * n_groups + group
    key.sort()
    twice = key[1:][key[1:] == key[:-1]] // n_groups
    clean = ~isin_ids(comp, twice) if twice.size else np.ones(m, bool)
    zc, Rcl = (z, R) if not twice.size else (z[clean], R[clean])
    # each clean component's rank among them, by its smallest member (as np.unique's inverse)
    root = comp == np.arange(m)
    rank = np.cumsum(root & clean if twice.size else root) - 1
    at = rank[comp[clean]] if twice.size else rank[comp]
    k = int(rank[-1]) + 1
    info, _ = inv3(Rcl)
    zi = np.einsum("kij,kj->ki", info, zc)
    if call is not None:
        _as_one(zi, info, zc, call[clean] if twice.size else call)
    # the information matrices and vectors summed per component, in one pass
    sums = _sum_by(at, np.concatenate([info.reshape(-1, 9), zi], axis=1), k)
    Rc, _ = inv3(np.ascontiguousarray(sums[:, :9]).reshape(-1, 3, 3))
    zs = [np.einsum("kij,kj->ki", Rc, sums[:, 9:])]
    if call is not None:  # (each clean component's call: its smallest member's)
        _as_one(zs[0], Rc, sums[:, 9:], call[(root & clean).nonzero()[0]])
    Rs = [0.5 * (Rc + np.swapaxes(Rc, 1, 2))]
    into = np.full(m, -1, np.int64)
    into[clean] = at
    done: dict[bytes, tuple[F64, F64, I64]] = {}  # (stacked sets hold the same ones)
    for c in (np.unique(twice).tolist() if twice.size else ()):  # ambiguous groups: few, small
        idx = np.flatnonzero(comp == c)
        zi, Ri, gi = z[idx], R[idx], group[idx]
        key = zi.tobytes() + Ri.tobytes() + (gi - gi[0]).tobytes()
        got = done.get(key)
        if got is None:
            got = done[key] = _merge_in_turn(zi, Ri, gi, gate_d2)
        zc, Rcc, local = got
        into[idx] = k + local
        zs.append(zc)
        Rs.append(Rcc)
        k += zc.shape[0]
    return np.concatenate(zs), np.concatenate(Rs), into


def merge_sets(z: F64, R: F64, group: I64, sets: list[I64], pairs: tuple[I64, I64],
               gate_d2: float = _MERGE_GATE) -> list[tuple[F64, F64, I64]]:
    """:func:`merge_reports` of the reports ``rows`` of each of ``sets`` (increasing rows of
    the ``m`` reports ``z``, ``R``, ``group``; ``pairs``: those of all ``m``,
    :func:`mutual_pairs`). The sets with pairs are merged in one call, stacked as reports of
    distinct sensors: no pair joins two of them and every merged report's arithmetic is its
    own, so each set gets what it alone gives, bit for bit, merged reports in the same order
    (the fixed cost of the array calls, which dominates on a hundred reports, is paid once)."""
    m = z.shape[0]
    out: list[tuple[F64, F64, I64] | None] = [None] * len(sets)
    todo: list[tuple[int, I64, I64]] = []
    for k, rows in enumerate(sets):
        ii, jj = pairs if rows.size == m else pairs_among(pairs, rows, m)  # all: every pair
        if ii.size == 0:  # as merge_reports: nothing to merge, the reports as they are
            out[k] = (z.take(rows, axis=0), R.take(rows, axis=0),
                      np.arange(rows.size, dtype=np.int64))
        else:
            todo.append((k, ii, jj))
    if len(todo) == 1:
        k, ii, jj = todo[0]
        rows = sets[k]
        out[k] = merge_reports(z.take(rows, axis=0), R.take(rows, axis=0), group[rows], gate_d2,
                               (ii, jj))
    elif todo:
        n_groups = int(group.max()) + 1
        offs = np.cumsum([0] + [sets[k].size for k, _, _ in todo]).tolist()
        idx = np.concatenate([sets[k] for k, _, _ in todo])
        g = np.concatenate([group[sets[k]] + i * n_groups for i, (k, _, _) in enumerate(todo)])
        ii = np.concatenate([p + offs[i] for i, (_, p, _) in enumerate(todo)])
        jj = np.concatenate([p + offs[i] for i, (_, _, p) in enumerate(todo)])
        zf, Rf, into = merge_reports(z.take(idx, axis=0), R.take(idx, axis=0), g, gate_d2,
                                     (ii, jj))
        mark = np.zeros(zf.shape[0], bool)
        for i, (k, _, _) in enumerate(todo):
            mine = into[offs[i]:offs[i + 1]]
            mark[:] = False
            mark[mine] = True
            used = mark.nonzero()[0]  # this set's merged reports, in order
            out[k] = (zf[used], Rf[used], used.searchsorted(mine))
    return [o for o in out if o is not None]


def merge_scans(z: F64, R: F64, sensor: I64, scan: I64, n: int, sets: list[I64],
                gate_d2: float = _MERGE_GATE) -> list[tuple[F64, F64, I64, I64]]:
    """The reports of ``n`` scans at once, each scan merged as :func:`merge_sets` merges
    the ``sets`` (increasing rows) of that scan's reports alone: ``scan (m,)`` the scan of each
    report (increasing, ``< n``), ``sensor (m,)`` its sensor. Per set: the merged ``z``, ``R``
    sorted by scan, per report of the set the merged report it went into, and ``start (n +
    1,)``: scan ``s``'s merged reports are rows ``start[s]:start[s + 1]``, bit for bit and in
    the order of that scan's merge (pairs only within a scan, :func:`mutual_pairs`; one
    :func:`merge_reports` of every set's reports stacked, each set's reports of a scan as those
    of sensors of their own, that scan's sets with pairs as one call: the fixed cost of the
    array calls paid once for all scans)."""
    m, n_sets = z.shape[0], len(sets)
    n_sensors = int(sensor.max(initial=0)) + 1
    pairs = mutual_pairs(z, R, scan * n_sensors + sensor, gate_d2, scan)
    sub = [pairs if rows.size == m else pairs_among(pairs, rows, m) for rows in sets]
    offs = np.cumsum([0] + [rows.size for rows in sets]).tolist()
    none = np.zeros(0, np.int64)
    idx = np.concatenate([none, *sets])
    at = np.concatenate([none] + [scan.take(rows) + i * n for i, rows in enumerate(sets)])
    ii = np.concatenate([none] + [p[0] + offs[i] for i, p in enumerate(sub)])
    jj = np.concatenate([none] + [p[1] + offs[i] for i, p in enumerate(sub)])
    paired = np.zeros(n_sets * n, bool)  # (set, scan) with a pair
    paired[at.take(ii)] = True
    mine = paired.take(at)
    zf, Rf, into = merge_reports(z.take(idx, axis=0), R.take(idx, axis=0),
                                 at * n_sensors + sensor.take(idx), gate_d2, (ii, jj),
                                 np.where(mine, at % n, -1))
    alone = (~mine).nonzero()[0]  # a set's scan without pairs: its reports as they are
    zf[into[alone]] = z.take(idx.take(alone), axis=0)
    Rf[into[alone]] = R.take(idx.take(alone), axis=0)
    of = np.empty(zf.shape[0], np.int64)  # the (set, scan) of each merged report
    of[into] = at
    if (of[1:] < of[:-1]).any():  # (ambiguous groups come after every clean one)
        order = of.argsort(kind="stable")
        zf, Rf, of = zf[order], Rf[order], of[order]
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        into = rank[into]
    start = of.searchsorted(np.arange(n_sets * n + 1))
    out = []
    for i in range(n_sets):
        a, b = int(start[i * n]), int(start[(i + 1) * n])
        out.append((zf[a:b], Rf[a:b], into[offs[i]:offs[i + 1]] - a,
                    start[i * n:(i + 1) * n + 1] - a))
    return out


def mutual_pairs(z: F64, R: F64, group: I64, gate_d2: float = _MERGE_GATE,
                 scan: I64 | None = None) -> tuple[I64, I64]:
    """The pairs ``(i, j)`` of :func:`merge_reports`: reports of different sensors (``group``,
    ``group[i] < group[j]``) inside the chi-square gate, each the other's nearest among its
    sensor's reports; in increasing ``(i, j)``. ``scan``: the reports of several scans (the
    scan of each, increasing; ``group`` then distinct per scan and sensor), paired only
    within a scan: each scan's pairs are those of its reports alone.

    Dropping every report of some sensors drops exactly the pairs with one of them: a report's
    nearest among another sensor's reports does not depend on the others' (what
    :meth:`CoalitionTracker.scan` uses for trackers fed by fewer sensors)."""
    m = z.shape[0]
    if m <= 1:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tr = spread(R)  # exact pre-test (kalman.spread), before any inversion
    if scan is None:
        near = cdist(z, z, "sqeuclidean") <= gate_d2 * (tr[:, None] + tr[None, :])
        ii, jj = np.divmod(np.flatnonzero(near), m)  # np.nonzero's pairs, without its 2-D cost
    else:  # each pair once, by the lower group first
        ii, jj = _near_in_scans(z, tr, scan, gate_d2)
        ii, jj = np.where(group[ii] < group[jj], ii, jj), np.where(group[ii] < group[jj], jj, ii)
    other = (group[ii] < group[jj]).nonzero()[0]  # each pair once, never within a sensor
    if other.size == 0:
        return other, other
    ii, jj = ii.take(other), jj.take(other)
    Sinv, _ = inv3(R.take(ii, axis=0) + R.take(jj, axis=0))
    nu = z.take(ii, axis=0) - z.take(jj, axis=0)
    d2 = np.einsum("ki,kij,kj->k", nu, Sinv, nu)
    ok = d2 < gate_d2
    ii, jj, d2 = ii[ok], jj[ok], d2[ok]
    if scan is not None:  # in increasing (i, j), as np.nonzero gives them
        order = (ii * m + jj).argsort()
        ii, jj, d2 = ii.take(order), jj.take(order), d2.take(order)
    # keep a pair only if each report is the other's nearest among its sensor's reports
    n_groups = int(group.max()) + 1
    k = ii.size  # (both keys in one pass: the second's are offset past the first's)
    first = _first_per_key(np.concatenate([ii * n_groups + group[jj],
                                           (jj + m) * n_groups + group[ii]]),
                           np.concatenate([d2, d2]))
    mutual = (first[:k] & first[k:]).nonzero()[0]
    return ii.take(mutual), jj.take(mutual)


def _near_in_scans(z: F64, tr: F64, scan: I64, gate_d2: float) -> tuple[I64, I64]:
    """Each pair ``{i, j}`` of reports of one scan that passes the pre-test of
    :func:`mutual_pairs` (squared distance at most ``gate_d2 (tr_i + tr_j)``, m^2), once, in
    no particular order: a sweep along east over the reports sorted by (scan, east), each
    searched within its own reach ``sqrt(2 gate_d2 tr_i)`` m on both sides (a pair that passes
    is within the larger of its two reaches), instead of all ``m^2`` pairs."""
    m = z.shape[0]
    reach = np.sqrt(2.0 * gate_d2 * tr) * (1.0 + 1e-6) + 1.0  # (+1 m: the keys' rounding)
    east = z[:, 0]
    span = 2.0 * (float(np.abs(east).max()) + float(reach.max())) + 1.0
    key = east + scan * span  # scans apart by more than any reach
    order = key.argsort(kind="stable")
    ks, rs = key[order], reach[order]
    up = ks.searchsorted(ks + rs, "right")  # ahead: positions p < q < up[p]
    down = ks.searchsorted(ks - rs, "left")  # behind: down[p] <= q < p
    n_up, n_down = up - np.arange(1, m + 1), np.arange(m) - down
    p = np.repeat(np.arange(m), n_up)
    q = p + 1 + np.arange(p.size) - np.repeat(np.cumsum(n_up) - n_up, n_up)
    pb = np.repeat(np.arange(m), n_down)
    qb = np.arange(pb.size) - np.repeat(np.cumsum(n_down) - n_down - down, n_down)
    behind = (ks.take(pb) - ks.take(qb) > rs.take(qb)).nonzero()[0]  # not found ahead
    ii = order.take(np.concatenate([p, qb.take(behind)]))
    jj = order.take(np.concatenate([q, pb.take(behind)]))
    d = z.take(ii, axis=0) - z.take(jj, axis=0)
    near = ((d * d).sum(axis=1) <= gate_d2 * (tr.take(ii) + tr.take(jj))).nonzero()[0]
    return ii.take(near), jj.take(near)


def _as_one(out: F64, A: F64, v: F64, call: I64) -> None:
    """Rows of ``out = einsum("kij,kj->ki", A, v)`` whose ``call`` (-1: none) has no other
    row, computed again as a call of that row alone computes them, in place: on a contiguous
    stack (``A`` from :func:`inv3` is one for a single matrix, a strided view otherwise, and
    einsum rounds the two differently in the last bit)."""
    if call.size < 2:
        return
    some = call >= 0
    count = np.bincount(call[some], minlength=1)
    one = (some & (count.take(np.maximum(call, 0)) == 1)).nonzero()[0]
    if one.size:
        out[one] = np.einsum("kij,kj->ki", np.ascontiguousarray(A[one]),
                             np.ascontiguousarray(v[one]))


def pairs_among(pairs: tuple[I64, I64], rows: I64, m: int) -> tuple[I64, I64]:
    """The ``pairs`` of ``m`` reports with both ends in ``rows`` (increasing), numbered as
    rows of ``rows``."""
    local = np.full(m, -1, np.int64)
    local[rows] = np.arange(rows.size)
    ii, jj = local[pairs[0]], local[pairs[1]]
    both = (ii >= 0) & (jj >= 0)
    return ii[both], jj[both]


def _sum_by(at: I64, values: F64, n: int) -> F64:
    """``(n, ...)``: row ``a`` is the sum of the rows ``values[i]`` with ``at[i] == a``, added in
    order (as ``np.add.at``, at the cost of one ``bincount`` over the flattened entries)."""
    w = math.prod(values.shape[1:])
    flat = values.reshape(values.shape[0], w)  # (not -1: no rows is a shape too)
    key = (at[:, None] * w + np.arange(w)).ravel()
    out = np.bincount(key, weights=flat.ravel(), minlength=n * w)
    return out.reshape((n, *values.shape[1:]))


def _first_per_key(key: I64, value: F64) -> NDArray[np.bool_]:
    """``(k,)``: the entry with the smallest ``value`` among those sharing its ``key`` (the
    first of equal ones): the entries sorted by key (stable), each key's smallest value by one
    ``minimum.reduceat`` (a sort by key alone, several times cheaper than ``np.lexsort`` by
    key and value on the thousands of pairs of a block of scans)."""
    order = key.argsort(kind="stable")
    k, v = key[order], value[order]
    new = np.empty(key.size, bool)
    new[:1] = True
    np.not_equal(k[1:], k[:-1], out=new[1:])
    start = new.nonzero()[0]
    if start.size == 0:
        return new
    low = v == np.minimum.reduceat(v, start)[np.cumsum(new) - 1]
    seen = np.cumsum(low) - low  # the smallest ones before each, since the first entry
    out = np.zeros(key.size, bool)
    out[order[low & (seen == seen[start][np.cumsum(new) - 1])]] = True
    return out


def _merge_in_turn(z: F64, R: F64, group: I64, gate_d2: float) -> tuple[F64, F64, I64]:
    """:func:`merge_reports` sensor by sensor (in ``group`` order): each sensor's
    reports are paired with the merged ones so far by global nearest neighbour in the gate."""
    m = z.shape[0]
    into = np.full(m, -1, np.int64)
    order = group.argsort(kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], m]
    first = order[starts[0]:ends[0]]
    Fz, FR = z[first].copy(), R[first].copy()
    into[first] = np.arange(first.size)
    for a, b in zip(starts[1:].tolist(), ends[1:].tolist(), strict=True):
        rows = order[a:b]
        zg, Rg = z[rows], R[rows]
        k = Fz.shape[0]
        Sinv = inv3((FR[:, None] + Rg[None, :]).reshape(-1, 3, 3))[0].reshape(k, b - a, 3, 3)
        nu = Fz[:, None, :] - zg[None, :, :]
        d2 = np.einsum("fgi,fgij,fgj->fg", nu, Sinv, nu)
        fi, gj = min_cost_pairs(np.where(d2 < gate_d2, d2, np.inf))
        if fi.size:
            Ia, _ = inv3(FR[fi])
            Ib, _ = inv3(Rg[gj])
            Rf, _ = inv3(Ia + Ib)
            Fz[fi] = np.einsum("kij,kj->ki", Rf, np.einsum("kij,kj->ki", Ia, Fz[fi])
                               + np.einsum("kij,kj->ki", Ib, zg[gj]))
            FR[fi] = 0.5 * (Rf + np.swapaxes(Rf, 1, 2))
            into[rows[gj]] = fi
        unpaired = np.ones(rows.size, bool)
        unpaired[gj] = False
        rest = unpaired.nonzero()[0]  # np.setdiff1d(arange, gj), without its fixed cost
        into[rows[rest]] = k + np.arange(rest.size)
        Fz = np.concatenate([Fz, zg[rest]])
        FR = np.concatenate([FR, Rg[rest]])
    return Fz, FR, into
