"""Engagement feasibility for every (fire unit, threat) pair, as arrays over all pairs at once.

Where it sits: assignment, before a solver. For each unit and candidate threat, the intercept
point and time of an interceptor fired now at the unit's mean flyout speed, inside its range
and altitude envelope and before impact (on the threat's predicted track sampled over a
look-ahead window), the latest time a shot can still leave, how many shoot-look-shoot cycles fit
before then, and the kill probability of the pair
(:func:`inkless.physics.intercept.pairwise_engagement`). ``envelope_windows`` bounds, once per
run, the ticks at which a pair can be feasible at all, so each tick computes few pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.physics.intercept import DEFAULT_LOOK_S, DEFAULT_MAX_SHOTS, pairwise_engagement
from inkless.scenario.tables import FireUnitTable

__all__ = ["Feasibility", "envelope_windows", "feasibility"]



@dataclass(frozen=True)
class Feasibility:
    """Pairs (units ``u`` x threats ``k``): ``t_intercept (u,k)`` s (NaN: infeasible now),
    ``point (u,k,3)`` ECEF m of the intercept, ``pk (u,k)`` single-shot kill probability,
    ``t_latest_launch (u,k)`` s the last time a shot fired could still meet the threat inside the
    envelope before its predicted track ends (NaN: none at or after now), ``shots_fit (u,k)``
    int the shoot-look-shoot cycles (time of flight + look time each) that fit from now to the
    latest launch, counted up to ``max_shots`` (0: infeasible now)."""

    t_intercept: F64
    point: F64
    pk: F64
    t_latest_launch: F64
    shots_fit: I64

    @property
    def feasible(self) -> NDArray[np.bool_]:
        return np.isfinite(self.t_intercept) & (self.pk > 0.0)


def feasibility(
    units: FireUnitTable,
    us: I64,
    cand: I64,
    threat_cls: I64,
    pairs: NDArray[np.bool_],
    t: float,
    times: NDArray[np.floating],
    predicted: NDArray[np.floating],
    predicted_alt: NDArray[np.floating] | None,
    look_s: float = DEFAULT_LOOK_S,
    max_shots: int = DEFAULT_MAX_SHOTS,
    detail: bool = True,
) -> Feasibility:
    """Feasibility now (time ``t``, s) of units ``us`` against threats ``cand`` for the pairs
    marked in ``pairs (len(us), len(cand))``; the others are infeasible.

    ``predicted (len(times), n, 3)`` ECEF m and ``predicted_alt (len(times), n)`` m are every
    threat's predicted track at the look-ahead ``times`` (NaN where not in flight), indexed by
    ``cand`` (``predicted_alt`` None: the heights of ``predicted`` where needed); ``times[0]``
    is ``t``. ``look_s`` (s) is the look (kill assessment) time of a shoot-look-shoot cycle
    (default ``DEFAULT_LOOK_S``, notional); shots are counted up to ``max_shots``. Computed
    over the marked pairs only (:func:`inkless.physics.intercept.pairwise_engagement`); with
    ``detail=False`` the latest launch (NaN) and the shots (0) are not computed: screen many
    pairs cheaply, then ask the detail for the pairs that fire.
    """
    ui, ci = np.nonzero(pairs)
    j = cand[ci]
    e = pairwise_engagement(
        units.ecef, units.speed, units.r_min, units.r_max, units.alt_min, units.alt_max, t,
        times, predicted, predicted_alt, us[ui], j, look_s, max_shots, detail,
    )
    shape = (len(us), len(cand))
    t_full = np.full(shape, np.nan)
    t_full[ui, ci] = e.t_intercept
    latest = np.full(shape, np.nan)
    shots = np.zeros(shape, dtype=np.int64)
    if detail:  # (else NaN and 0 already)
        latest[ui, ci] = e.t_latest_launch
        shots[ui, ci] = e.shots
    point = np.full((*shape, 3), np.nan)
    point[ui, ci] = predicted[np.maximum(e.sample, 0), j]
    return Feasibility(t_intercept=t_full, point=point, pk=units.pk[us][:, threat_cls],
                       t_latest_launch=latest, shots_fit=shots)


def envelope_windows(
    units: FireUnitTable,
    truth: NDArray[np.floating],
    truth_alt: NDArray[np.floating],
    threat_cls: I64,
) -> tuple[I64, I64]:
    """First and last tick at which each threat is inside each unit's range and altitude
    envelope, ``(m, n)`` each (-1 when never); pairs with no kill probability count as never.

    ``truth (ticks, n, 3)`` ECEF m and ``truth_alt (ticks, n)`` m, NaN where not in flight. A
    shot can only be feasible at tick ``k`` if the window ``[first - flyout, last]`` contains
    ``k``, which lets the per-tick feasibility skip most pairs.
    """
    m, n = len(units.id), truth.shape[1]
    first = np.full((m, n), -1)
    last = np.full((m, n), -1)
    jj, kk = np.nonzero(np.isfinite(truth_alt.T))  # threat-major: each threat's ticks in order
    tgt, alt = truth[kk, jj], truth_alt[kk, jj]
    axis = [np.ascontiguousarray(tgt[:, i]) for i in range(3)]
    for u in range(m):
        unit = units.ecef[u].astype(tgt.dtype)
        # Box pre-test on each ECEF offset, exact: a sample beyond the range on one axis has
        # r2 at least that offset's square (a sum of non-negative float32 squares), which the
        # 1e-5 margin keeps above r_max^2 whatever the rounding; the tests below as before.
        box = float(units.r_max[u]) * (1.0 + 1e-5)
        take = np.flatnonzero(np.abs(axis[0] - unit[0]) <= box)
        for i in (1, 2):
            take = take[np.abs(axis[i][take] - unit[i]) <= box]
        take = take[units.pk[u, threat_cls[jj[take]]] > 0]
        d = tgt[take] - unit
        r2 = np.einsum("nk,nk->n", d, d)
        h = alt[take]
        inside = take[
            (r2 >= units.r_min[u] ** 2) & (r2 <= units.r_max[u] ** 2)
            & (h >= units.alt_min[u]) & (h <= units.alt_max[u])
        ]
        if len(inside) == 0:
            continue
        k, j = kk[inside], jj[inside]
        starts = np.flatnonzero(np.r_[True, j[1:] != j[:-1]])
        ends = np.r_[starts[1:] - 1, len(j) - 1]
        first[u, j[starts]] = k[starts]
        last[u, j[ends]] = k[ends]
    return first, last
