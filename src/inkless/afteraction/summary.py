"""Replication statistics: the results of R replications, with mean and 95 % CI.

Where it sits: after-action reporting, after a war-game has run R replications of one scenario
(each an :class:`~.findings.Findings`, see ``results.py``) and before
:func:`inkless.afteraction.write_report`.

Method. For each headline figure with values x_1..x_R the mean and the two-sided 95 % Student-t
confidence interval for the mean, ``mean ± t_{0.975, R-1} · s / sqrt(R)`` with ``s`` the sample
standard deviation (ddof = 1) (e.g. Law, *Simulation Modeling and Analysis*, 5th ed., §9.4.1).
A class, member or interceptor type missing from a replication counts as zero there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from inkless.errors import InputError

from .findings import (
    Estimate,
    EstimateCounts,
    Findings,
    InterceptorEstimates,
    MisdeclaredEstimates,
    ReplicationsSummary,
    Tally,
    TallyEstimate,
    ThreatCounts,
    ThreatEstimates,
)

__all__ = ["confidence_interval", "summarise"]

_THREAT_KEYS = ("launched", "intercepted", "leaked")


def confidence_interval(values: Sequence[float], level: float = 0.95) -> dict[str, Any]:
    """Mean and two-sided Student-t confidence interval of ``values``.

    Returns:
        ``{"mean": float, "ci95": [lo, hi] or None, "values": [float, ...]}``; ``ci95`` is
        ``None`` for fewer than two values (the interval is undefined) and ``[mean, mean]`` when
        all values are equal. The key stays ``ci95`` whatever ``level`` is.
    """
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if n == 0:
        raise InputError("confidence_interval: no values; give at least one")
    mean = float(x.mean())
    ci: list[float] | None = None
    if n >= 2:
        half = float(stats.t.ppf(0.5 + level / 2.0, n - 1) * x.std(ddof=1) / math.sqrt(n))
        ci = [mean - half, mean + half]
    return {"mean": mean, "ci95": ci, "values": [float(v) for v in x]}


def _estimate(values: Iterable[float]) -> Estimate:
    return Estimate.model_validate(confidence_interval([float(v) for v in values]))


def _tallies(tables: Sequence[Mapping[str, Tally]]) -> dict[str, TallyEstimate]:
    """Per key (member, interceptor type) over the replications; a key missing from one
    counts as zero there."""
    keys = list(dict.fromkeys(k for t in tables for k in t))
    none = Tally(fired=0, cost=0.0)
    return {k: TallyEstimate(fired=_estimate(t.get(k, none).fired for t in tables),
                             cost=_estimate(t.get(k, none).cost for t in tables))
            for k in keys}


def summarise(replications: Sequence[Findings]) -> Findings:
    """The results of R replications of one scenario.

    Args:
        replications: one :class:`~.findings.Findings` per replication, in run order.

    Returns:
        The first replication (its detail lists: engagements, impacts, ...) with
        ``replications`` set to R, ``seeds`` each replication's ``seed`` and a
        ``replications_summary`` mirroring the results' headline structure, each leaf an
        :class:`~.findings.Estimate` (see :func:`confidence_interval`)::

            threats: {launched, intercepted, leaked, by_class: {CLASS: {launched, ...}}}
            interceptors: {fired, cost, by_member: {ID: {fired, cost}}, by_type: {TYPE: {...}}}
            value_damaged, civil_engagements, friendly_engagements
            identification: {misdeclared: {PAIR: ...}}  (when the replications carry it)

        The top-level counts stay those of the first replication, so they agree with its lists.

    Raises:
        InputError: no replications.
    """
    reps = list(replications)
    if not reps:
        raise InputError("summarise: no replications; run at least one")
    th = [r.threats for r in reps]
    it = [r.interceptors for r in reps]
    classes = sorted({c for t in th for c in t.by_class})
    none = ThreatCounts(launched=0, intercepted=0, leaked=0)
    threats = ThreatEstimates(
        **{k: _estimate(getattr(t, k) for t in th) for k in _THREAT_KEYS},
        by_class={c: EstimateCounts(**{k: _estimate(getattr(t.by_class.get(c, none), k)
                                                    for t in th) for k in _THREAT_KEYS})
                  for c in classes},
    )
    interceptors = InterceptorEstimates(
        fired=_estimate(i.fired for i in it), cost=_estimate(i.cost for i in it),
        by_member=_tallies([i.by_member for i in it]), by_type=_tallies([i.by_type for i in it]),
    )
    found = [r.identification.misdeclared.model_dump() if r.identification is not None else {}
             for r in reps]
    pairs = list(dict.fromkeys(k for m in found for k in m))
    summary = ReplicationsSummary(
        threats=threats,
        interceptors=interceptors,
        value_damaged=_estimate(r.value_damaged for r in reps),
        civil_engagements=_estimate(r.civil_engagements for r in reps),
        friendly_engagements=_estimate(r.friendly_engagements for r in reps),
        identification=MisdeclaredEstimates(misdeclared={
            k: _estimate(m.get(k, 0.0) for m in found) for k in pairs}) if pairs else None,
    )
    return reps[0].model_copy(update={"replications": len(reps),
                                      "seeds": tuple(r.seed for r in reps),
                                      "replications_summary": summary})
