"""Intercept geometry: where and when an interceptor fired from a unit can meet a threat.

Where it sits: assignment uses :func:`earliest_intercept` to decide which fire units can engage
which threats (and until when), engagement uses it to time a shot; :func:`intercept_straight` is
the closed form for a target flying a straight line at constant velocity.

Interceptor model: it flies a straight line from the fire unit at a constant *mean* flyout speed
(no kinematics, no curvature of the Earth, no minimum flight time), and it can meet the threat at
any point it reaches by then (it may loiter or fly a longer path). The engagement envelope is a
slant-range band ``[r_min, r_max]`` from the unit and an altitude band ``[alt_min, alt_max]``
(height above the WGS-84 ellipsoid) at the intercept point. Positions are ECEF metres, speeds m/s,
times seconds since the scenario epoch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.errors import InputError

__all__ = [
    "earliest_intercept",
    "intercept_straight",
    "pairwise_intercept",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

_BYTES_PER_CELL = 48  # working memory per (unit, threat, sample) cell in earliest_intercept


def intercept_straight(unit: ArrayLike, speed: ArrayLike, p0: ArrayLike, v: ArrayLike) -> Array:
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
    result: Array = np.where(c == 0.0, 0.0, t)
    return result


def earliest_intercept(
    unit: ArrayLike,
    speed: ArrayLike,
    r_min: ArrayLike,
    r_max: ArrayLike,
    alt_min: ArrayLike,
    alt_max: ArrayLike,
    t_now: float,
    times: ArrayLike,
    target: ArrayLike,
    target_alt: ArrayLike,
    *,
    max_bytes: int = 100_000_000,
) -> tuple[Array, IntArray, Array]:
    """Earliest sampled intercept of every threat by every fire unit, and the last fire time.

    Args:
        unit: fire-unit positions, ECEF metres, ``(m, 3)``.
        speed: mean interceptor flyout speed, m/s, ``(m,)``.
        r_min, r_max: slant-range envelope from the unit, metres, ``(m,)``.
        alt_min, alt_max: altitude envelope at the intercept point, metres above the ellipsoid,
            ``(m,)``.
        t_now: the time a shot would be fired, seconds since the scenario epoch.
        times: look-ahead sample times, s, ``(k,)``, increasing.
        target: threat positions at ``times``, ECEF metres, ``(n, k, 3)``; NaN where the threat
            is not alive (not launched yet, or already impacted).
        target_alt: threat heights above the ellipsoid at ``times``, metres, ``(n, k)`` (NaN where
            not alive).
        max_bytes: working-memory budget; the ``(m, n, k)`` problem is processed in chunks of
            units and threats that fit it.

    Returns:
        ``(t_int, j, t_last_fire)``, each ``(m, n)``:

        * ``t_int``: the meeting time of an interceptor fired at ``t_now``: the first sample
          ``times[j] >= t_now`` at which the threat is alive and reachable
          (``|target[:, j] - unit| / speed <= times[j] - t_now``), provided that sample is inside
          the envelope; NaN otherwise (an interceptor flies at its mean speed and cannot loiter,
          so a threat that will enter the envelope later is not engageable *now*);
        * ``j``: that sample's index, -1 when there is none;
        * ``t_last_fire``: the latest fire time that still meets the threat inside the envelope,
          ``max_j (times[j] - |target[:, j] - unit| / speed)`` over alive, in-envelope samples
          with ``times[j] >= t_now``; NaN when there is no such sample. A value below ``t_now``
          means the window has closed (then ``t_int`` is NaN); otherwise ``t_int`` is finite.

    The answer is exact on the sample grid: the true earliest intercept lies at most one sample
    interval before ``t_int``. Pure numpy; loops run only over chunks, never over pairs.
    """
    u = np.asarray(unit, dtype=np.float64).reshape(-1, 3)
    m = u.shape[0]
    spd, rlo, rhi, alo, ahi = (
        np.broadcast_to(np.asarray(x, dtype=np.float64), (m,))
        for x in (speed, r_min, r_max, alt_min, alt_max)
    )
    tk = np.asarray(times, dtype=np.float64).reshape(-1)
    k = tk.size
    tgt = np.asarray(target, dtype=np.float64).reshape(-1, k, 3)
    n = tgt.shape[0]
    talt = np.asarray(target_alt, dtype=np.float64).reshape(n, k)
    t_int = np.full((m, n), np.nan)
    j_int = np.full((m, n), -1, dtype=np.int64)
    t_last = np.full((m, n), np.nan)
    if np.any(np.diff(tk) < 0.0):
        raise InputError("earliest_intercept: sample times must be increasing; sort times")
    future = np.flatnonzero(tk >= t_now)
    if m == 0 or n == 0 or future.size == 0:
        return t_int, j_int, t_last
    j0 = int(future[0])  # times are increasing: the future samples are a suffix of the grid
    tk = tk[j0:]
    tgt = tgt[:, j0:]
    talt = talt[:, j0:]
    kf = tk.size
    cells = max(1, max_bytes // (_BYTES_PER_CELL * kf))
    mc = min(m, cells)
    nc = max(1, min(n, cells // mc))
    inv_speed = 1.0 / spd
    for i0 in range(0, m, mc):
        i1 = min(m, i0 + mc)
        ui = u[i0:i1, None, None, :]
        for n0 in range(0, n, nc):
            n1 = min(n, n0 + nc)
            tg = tgt[None, n0:n1]
            d2 = (tg[..., 0] - ui[..., 0]) ** 2
            d2 += (tg[..., 1] - ui[..., 1]) ** 2
            d2 += (tg[..., 2] - ui[..., 2]) ** 2
            dist = np.sqrt(d2, out=d2)  # (mc, nc, kf); NaN where not alive
            alt = talt[None, n0:n1]
            env = (
                (dist >= rlo[i0:i1, None, None])
                & (dist <= rhi[i0:i1, None, None])
                & (alt >= alo[i0:i1, None, None])
                & (alt <= ahi[i0:i1, None, None])
            )
            fire = np.subtract(tk, dist * inv_speed[i0:i1, None, None], out=dist)
            # The interceptor fired now meets the threat at the first sample it can reach (the
            # crossing); the shot is feasible only if that meeting point is in the envelope.
            reach = fire >= t_now  # False where not alive (NaN)
            first = np.argmax(reach, axis=-1)
            has = np.take_along_axis(reach & env, first[..., None], axis=-1)[..., 0]
            fire[~env] = -np.inf
            last = fire.max(axis=-1)
            t_last[i0:i1, n0:n1] = np.where(np.isfinite(last), last, np.nan)
            t_int[i0:i1, n0:n1] = np.where(has, tk[first], np.nan)
            j_int[i0:i1, n0:n1] = np.where(has, first + j0, -1)
    return t_int, j_int, t_last


def pairwise_intercept(
    unit: Array,
    speed: Array,
    r_min: Array,
    r_max: Array,
    alt_min: Array,
    alt_max: Array,
    t_now: float,
    times: NDArray[np.floating],
    target: NDArray[np.floating],
    target_alt: NDArray[np.floating],
) -> tuple[Array, IntArray]:
    """:func:`earliest_intercept` for ``P`` given (unit, threat) pairs instead of all of them.

    ``unit (P,3)`` and the envelope arrays ``(P,)`` describe the shooter of each pair,
    ``target (P,k,3)`` and ``target_alt (P,k)`` its threat at ``times (k,)`` (increasing, the first
    at or after ``t_now``). Returns ``(t_int (P,), j (P,))`` with the same meaning: the meeting
    sample of an interceptor fired at ``t_now`` if it lies in the envelope, else NaN and -1.
    """
    d = target - unit[:, None, :]
    dist = np.sqrt(np.einsum("pki,pki->pk", d, d))
    with np.errstate(invalid="ignore"):
        reach = (times[None, :] - dist / speed[:, None]) >= t_now  # False where not alive
        env = (
            (dist >= r_min[:, None]) & (dist <= r_max[:, None])
            & (target_alt >= alt_min[:, None]) & (target_alt <= alt_max[:, None])
        )
    first = np.argmax(reach, axis=1)
    rows = np.arange(len(first))
    ok = reach[rows, first] & env[rows, first]
    return np.where(ok, times[first], np.nan), np.where(ok, first, -1)
