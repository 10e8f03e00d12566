"""Intercept geometry: where and when an interceptor fired from a unit can meet a threat.

Where it sits: assignment uses :func:`pairwise_engagement` on each threat's predicted track to
decide which fire units can engage which threats now and where, until when a shot can still
leave and how many shoot-look-shoot cycles fit (:func:`pairwise_intercept`: the shot now only);
:func:`intercept_straight` is the closed form for a target flying a straight line at constant
velocity.

Interceptor model: it flies a straight line from the fire unit at a constant *mean* flyout speed
(no kinematics, no curvature of the Earth, no minimum flight time) and meets the threat where
it first can; it cannot loiter, so the meeting point must lie in the envelope. The envelope is a
slant-range band ``[r_min, r_max]`` from the unit and an altitude band ``[alt_min, alt_max]``
(height above the WGS-84 ellipsoid) at the intercept point. Positions are ECEF metres, speeds m/s,
times seconds since the scenario epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64, I64
from inkless.errors import InputError
from inkless.physics.geodesy import altitude

__all__ = [
    "DEFAULT_LOOK_S",
    "DEFAULT_MAX_SHOTS",
    "Engagements",
    "intercept_straight",
    "pairwise_engagement",
    "pairwise_intercept",
]


DEFAULT_LOOK_S = 10.0
"""Default look (kill assessment) time of a shoot-look-shoot cycle, s: about two radar scans of
5 s after an intercept before the next shot may leave. NOTIONAL (doctrine and sensors set it in
practice); pass ``look_s`` to change it."""

_BLOCK = 1 << 16  # pair x sample elements per block: a block's temporaries stay in cache
DEFAULT_MAX_SHOTS = 4
"""Shoot-look-shoot shots counted at most: enough for doctrine (one to three shots a threat);
a count equal to it means "at least that many"."""


def intercept_straight(unit: ArrayLike, speed: ArrayLike, p0: ArrayLike, v: ArrayLike) -> F64:
    """Earliest time ``t >= 0`` (s) at which an interceptor leaving ``unit`` (ECEF m) at time 0
    with constant ``speed`` (m/s) can meet a target at ``p0`` (m) at time 0 moving at constant
    velocity ``v`` (m/s); NaN when it never can. Broadcasts over leading dimensions.

    Closed form: the smallest non-negative root of ``|p0 + v t - unit| = speed t``, i.e. of
    ``(|v|^2 - speed^2) t^2 + 2 (d . v) t + |d|^2 = 0`` with ``d = p0 - unit``, written as
    ``t = 2 |d|^2 / (-b + sqrt(b^2 - 4 a c))`` to avoid cancellation (the classic
    pursuit/collision-course quadratic; e.g. Isaacs, *Differential Games*, 1965, ch. 1).
    """
    u, p, vv = (np.asarray(x, dtype=np.float64) for x in (unit, p0, v))
    s = np.asarray(speed, dtype=np.float64)
    d = p - u
    a = np.einsum("...i,...i->...", vv, vv) - s * s
    b = 2.0 * np.einsum("...i,...i->...", d, vv)
    c = np.einsum("...i,...i->...", d, d)
    disc = b * b - 4.0 * a * c
    sq = np.sqrt(np.maximum(disc, 0.0))
    den = -b + sq
    ok = (disc >= 0.0) & (den > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(ok, 2.0 * c / np.where(ok, den, 1.0), np.nan)
    result: F64 = np.where(c == 0.0, 0.0, t)
    return result


@dataclass(frozen=True)
class Engagements:
    """Shots of ``P`` (unit, threat) pairs, arrays ``(P,)``.

    ``t_intercept`` (s; NaN: infeasible now) and ``sample`` (index into ``times``; -1) of a shot
    fired now; ``t_latest_launch`` (s; NaN: no shot fired now or later meets the threat inside
    the envelope before its track ends); ``shots`` (int) of a shoot-look-shoot sequence that fit.
    """

    t_intercept: F64
    sample: I64
    t_latest_launch: F64
    shots: I64


def pairwise_engagement(
    unit: NDArray[np.floating],
    speed: NDArray[np.floating],
    r_min: NDArray[np.floating],
    r_max: NDArray[np.floating],
    alt_min: NDArray[np.floating],
    alt_max: NDArray[np.floating],
    t_now: float,
    times: NDArray[np.floating],
    path: NDArray[np.floating],
    path_alt: NDArray[np.floating] | None,
    pair_unit: I64,
    pair_threat: I64,
    look_s: float = DEFAULT_LOOK_S,
    max_shots: int = DEFAULT_MAX_SHOTS,
    detail: bool = True,
) -> Engagements:
    """Intercept now, latest launch time and shoot-look-shoot shots for ``P`` (unit, threat)
    pairs: unit ``pair_unit[p]`` (a row of ``unit (m,3)`` ECEF m and of the envelope and speed
    arrays ``(m,)``) against threat ``pair_threat[p]`` (a column of ``path (k,n,3)`` ECEF m and
    ``path_alt (k,n)`` m: its predicted track at ``times (k,)``, increasing, the first at or
    after ``t_now``; NaN where not in flight; ``path_alt`` None: the heights of ``path``
    (:func:`inkless.physics.geodesy.altitude`) where needed).

    Method, exact on the sample grid. An interceptor fired at time ``s`` flies straight at the
    unit's mean speed, so it can be at sample ``i`` by then iff ``s <= g_i``, with
    ``g_i = times[i] - |path_i - unit| / speed`` the latest launch to meet the threat there; it
    meets the threat at the first sample it can reach, ``i(s) = min{i : g_i >= s}`` (no
    loitering), and the shot is feasible iff that sample lies in the range and altitude
    envelope. Hence:

    * a shot now meets the threat at ``i(t_now)`` (:func:`pairwise_intercept`);
    * a launch at ``s`` meets it at sample ``i`` only if ``g_i`` exceeds every earlier ``g_j``
      (a record of ``g``), and then every launch in ``(max_{j<i} g_j, g_i]`` does, so the latest
      launch time is the largest ``g_i`` over the records inside the envelope, kept when
      ``>= t_now``. When the interceptor outpaces the threat, ``g`` increases along the track
      and every sample is a record: the latest launch is the largest in-envelope ``g_i`` (checked
      per pair; the running maximum of ``g`` is computed only where that fails);
    * shoot-look-shoot: shot 1 leaves now; shot ``n+1`` leaves ``look_s`` seconds after shot
      ``n``'s intercept while that is no later than the latest launch time; the sequence ends at
      the first shot that would meet the threat outside the envelope (a conservative count when
      the track leaves the envelope and comes back), or at ``max_shots`` (the count then means
      "at least that many"). ``shots`` is 0 when a shot now is infeasible.

    With ``detail=False`` only the shot now is computed (``t_intercept``, ``sample``; the
    latest launch stays NaN and ``shots`` 0): the cheap form for screening many pairs, the
    detail being wanted only for the few pairs that fire.

    Both look no further than the last sample: a threat still in the envelope then may allow
    later launches than ``t_latest_launch`` says; sample far enough ahead (the pipeline looks
    the longest flyout ahead, at most 900 s).

    Work: a few passes over the ``P x k`` (pair, sample) table, in blocks that stay in cache.
    """
    if not look_s > 0:
        raise InputError(f"pairwise_engagement: look_s = {look_s}; use a positive time (s)")
    if int(max_shots) != max_shots or max_shots < 1:
        raise InputError(f"pairwise_engagement: max_shots = {max_shots}; use a whole number >= 1")
    k, n_pairs = int(times.shape[0]), int(pair_unit.shape[0])
    envelope = (r_min, r_max, alt_min, alt_max)
    if n_pairs == 0 or k == 0:
        return _no_shots(n_pairs)
    if not detail and n_pairs * k <= _BLOCK:  # one small table: the direct form is cheaper
        return _shot_now(unit, speed, envelope, t_now, times, path, path_alt, pair_unit,
                         pair_threat)
    return _engagements_by_block(unit, speed, envelope, t_now, times, path, path_alt, pair_unit,
                                 pair_threat, float(look_s), int(max_shots), detail)


def _no_shots(n_pairs: int) -> Engagements:
    """``n_pairs`` pairs with no shot: NaN times, sample -1, no shots."""
    return Engagements(
        t_intercept=np.full(n_pairs, np.nan),
        sample=np.full(n_pairs, -1, dtype=np.int64),
        t_latest_launch=np.full(n_pairs, np.nan),
        shots=np.zeros(n_pairs, dtype=np.int64),
    )


def _engagements_by_block(
    unit: NDArray[np.floating], speed: NDArray[np.floating],
    envelope: tuple[NDArray[np.floating], ...], t_now: float, times: NDArray[np.floating],
    path: NDArray[np.floating], path_alt: NDArray[np.floating] | None, pair_unit: I64,
    pair_threat: I64, look_s: float, max_shots: int, detail: bool,
) -> Engagements:
    """:func:`pairwise_engagement` over blocks of pairs whose ``(pair, sample)`` tables stay in
    cache (arguments as there; ``envelope`` is ``(r_min, r_max, alt_min, alt_max)``)."""
    n_pairs, k = int(pair_unit.shape[0]), int(times.shape[0])
    # float64 copies, one row per threat: exact (float32 widens exactly), gathered by rows
    planes = np.transpose(path, (2, 1, 0)).astype(np.float64)  # (3, n, k)
    if path_alt is None:
        path_alt = altitude(path)
    heights = np.ascontiguousarray(path_alt.T, dtype=np.float64)  # (n, k)
    unit_t = np.ascontiguousarray(np.asarray(unit, dtype=np.float64).T)  # (3, m)
    tt = np.asarray(times, dtype=np.float64)
    bounds = [np.asarray(a, dtype=np.float64) for a in (*envelope, speed)]
    # Samples after a track's last one in flight never count: pairs are taken by decreasing
    # track length and each block computes only the samples its longest track has.
    alive = np.isfinite(heights) & np.isfinite(planes[0])
    length = np.where(alive.any(axis=1), k - np.argmax(alive[:, ::-1], axis=1), 0)[pair_threat]
    order = np.argsort(-length, kind="stable")
    pu, pj, length = pair_unit[order], pair_threat[order], length[order]
    res = _no_shots(n_pairs)
    work = np.empty((3, _BLOCK))
    flags = np.empty((2, _BLOCK), dtype=bool)
    lo = 0
    while lo < n_pairs and length[lo] > 0:
        kb = int(length[lo])
        hi = min(lo + max(1, _BLOCK // kb), n_pairs)
        size = (hi - lo) * kb
        g, tmp, h = (w[:size].reshape(hi - lo, kb) for w in work)
        env, flag = (f[:size].reshape(hi - lo, kb) for f in flags)
        _launch_deadlines(g, env, planes, heights, unit_t, tt[:kb], bounds, pu[lo:hi],
                          pj[lo:hi], tmp, h, flag)
        _block_shots(res, slice(lo, hi), g, env, tmp, flag, float(t_now), tt[:kb],
                     look_s, max_shots, detail)
        lo = hi
    out = _no_shots(n_pairs)
    for name in ("t_intercept", "sample", "t_latest_launch", "shots"):
        getattr(out, name)[order] = getattr(res, name)
    return out


def _launch_deadlines(
    g: F64, env: NDArray[np.bool_], planes: F64, heights: F64, unit_t: F64, times: F64,
    bounds: list[F64], u: I64, j: I64, tmp: F64, h: F64, flag: NDArray[np.bool_],
) -> None:
    """The latest launch ``g (b,k)`` (s) to meet each threat at each sample and whether that
    sample lies in the unit's envelope, ``env (b,k)``, for a block of pairs (units ``u``,
    threats ``j``), written in place; ``tmp``, ``h`` and ``flag`` are scratch."""
    kb = g.shape[1]
    np.take(planes[0, :, :kb], j, axis=0, out=tmp, mode="clip")
    tmp -= unit_t[0, u][:, None]
    np.multiply(tmp, tmp, out=g)
    for c in (1, 2):
        np.take(planes[c, :, :kb], j, axis=0, out=tmp, mode="clip")
        tmp -= unit_t[c, u][:, None]
        tmp *= tmp
        g += tmp
    dist = np.sqrt(g, out=g)
    np.take(heights[:, :kb], j, axis=0, out=h, mode="clip")
    with np.errstate(invalid="ignore"):
        np.greater_equal(dist, bounds[0][u][:, None], out=env)
        env &= np.less_equal(dist, bounds[1][u][:, None], out=flag)
        env &= np.greater_equal(h, bounds[2][u][:, None], out=flag)
        env &= np.less_equal(h, bounds[3][u][:, None], out=flag)
        np.divide(dist, bounds[4][u][:, None], out=g)
        np.subtract(times, g, out=g)  # g: latest launch to meet the threat at a sample


def _shot_now(
    unit: NDArray[np.floating], speed: NDArray[np.floating],
    envelope: tuple[NDArray[np.floating], ...], t_now: float, times: NDArray[np.floating],
    path: NDArray[np.floating], path_alt: NDArray[np.floating] | None, pair_unit: I64,
    pair_threat: I64,
) -> Engagements:
    """The shot now of every pair at once over its ``(P, k)`` table (the method of
    :func:`pairwise_engagement`; the latest launch NaN and the shots 0, not computed)."""
    d = np.swapaxes(path[:, pair_threat], 0, 1) - np.asarray(unit)[pair_unit][:, None, :]
    dist = np.sqrt(np.einsum("pki,pki->pk", d, d))
    with np.errstate(invalid="ignore"):
        reach = (times[None, :] - dist / np.asarray(speed)[pair_unit][:, None]) >= t_now
    first = np.argmax(reach, axis=1)
    rows = np.arange(len(first))
    # the envelope only where the shot meets the threat
    r_min, r_max, alt_min, alt_max = (np.asarray(a)[pair_unit] for a in envelope)
    at = dist[rows, first]
    alt = altitude(path[first, pair_threat]) if path_alt is None else path_alt[first, pair_threat]
    with np.errstate(invalid="ignore"):
        hit = (reach[rows, first] & (at >= r_min) & (at <= r_max) & (alt >= alt_min)
               & (alt <= alt_max))
    return Engagements(
        t_intercept=np.where(hit, times[first], np.nan).astype(np.float64, copy=False),
        sample=np.where(hit, first, -1).astype(np.int64, copy=False),
        t_latest_launch=np.full(len(first), np.nan),
        shots=np.zeros(len(first), dtype=np.int64),
    )


def _block_shots(
    out: Engagements, rows: slice, g: F64, env: NDArray[np.bool_], tmp: F64,
    flag: NDArray[np.bool_], t_now: float, times: F64, look_s: float, max_shots: int,
    detail: bool,
) -> None:
    """The shot now and (``detail``) the latest launch time and the shoot-look-shoot count of
    one block of pairs (``(b, k)`` arrays; ``tmp`` and ``flag`` are scratch) into
    ``out[rows]``."""
    idx = np.arange(g.shape[0])
    with np.errstate(invalid="ignore"):
        reach = np.greater_equal(g, t_now, out=flag)  # False where not in flight (NaN)
    first = np.argmax(reach, axis=1)
    hit = reach[idx, first] & env[idx, first]
    out.t_intercept[rows] = np.where(hit, times[first], np.nan)
    out.sample[rows] = np.where(hit, first, -1)
    if not detail:
        return

    tmp.fill(-np.inf)
    np.copyto(tmp, g, where=env)
    best = np.argmax(tmp, axis=1)
    latest = tmp[idx, best]
    # the best in-envelope sample must be a record of g: no earlier sample as late or later
    earlier = np.less(np.arange(g.shape[1])[None, :], best[:, None], out=flag)
    with np.errstate(invalid="ignore"):
        earlier &= g >= latest[:, None]
    fix = np.flatnonzero((latest >= t_now) & earlier.any(axis=1))
    if fix.size:
        gf = np.where(np.isnan(g[fix]), -np.inf, g[fix])
        top = np.maximum.accumulate(gf, axis=1)
        record = gf > np.concatenate([np.full((fix.size, 1), -np.inf), top[:, :-1]], axis=1)
        latest[fix] = np.where(env[fix] & record, gf, -np.inf).max(axis=1)
    out.t_latest_launch[rows] = np.where(latest >= t_now, latest, np.nan)

    # Shoot-look-shoot: the next shot leaves a look time after an intercept and meets the
    # threat at the first sample it can reach (some can: it leaves before the latest launch).
    shots = hit.astype(np.int64)
    live, at = np.flatnonzero(hit), first[hit]
    for _ in range(max_shots - 1):
        launch = times[at] + look_s
        keep = launch <= latest[live]
        live, launch = live[keep], launch[keep]
        if live.size == 0:
            break
        gl = np.take(g, live, axis=0, out=tmp[: live.size], mode="clip")
        with np.errstate(invalid="ignore"):
            can = np.greater_equal(gl, launch[:, None], out=flag[: live.size])
        at = np.argmax(can, axis=1)
        good = env[live, at]
        live, at = live[good], at[good]
        shots[live] += 1
    out.shots[rows] = shots


def pairwise_intercept(
    unit: F64,
    speed: F64,
    r_min: F64,
    r_max: F64,
    alt_min: F64,
    alt_max: F64,
    t_now: float,
    times: NDArray[np.floating],
    target: NDArray[np.floating],
    target_alt: NDArray[np.floating],
) -> tuple[F64, I64]:
    """When and where an interceptor fired now meets its threat, for ``P`` (unit, threat) pairs.

    ``unit (P,3)`` and the envelope arrays ``(P,)`` describe the shooter of each pair,
    ``target (P,k,3)`` and ``target_alt (P,k)`` its threat at ``times (k,)`` (increasing, the first
    at or after ``t_now``). Returns ``(t_int (P,), j (P,))``: the meeting sample (the first at
    which ``|target - unit| / speed <= times[j] - t_now``, the threat alive) if it lies inside the
    unit's range and altitude envelope, else NaN and -1. An interceptor flies at its mean speed
    and cannot loiter, so a threat that enters the envelope only later is not engageable now.
    Exact on the sample grid: the true meeting lies at most one sample before ``t_int``.
    (:func:`pairwise_engagement` on one pair per row.)
    """
    p = np.arange(unit.shape[0])
    e = pairwise_engagement(unit, speed, r_min, r_max, alt_min, alt_max, t_now, times,
                            np.swapaxes(target, 0, 1), target_alt.T, p, p, detail=False)
    return e.t_intercept, e.sample
