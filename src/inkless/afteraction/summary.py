"""Replication statistics: the results dict of R replications, with mean and 95 % CI.

Where it sits: after-action reporting, after a war-game has run R replications of one scenario
(each a results dict, see ``results.py``) and before :func:`inkless.afteraction.write_report`.

Method. For each headline figure with values x_1..x_R the mean and the two-sided 95 % Student-t
confidence interval for the mean, ``mean ± t_{0.975, R-1} · s / sqrt(R)`` with ``s`` the sample
standard deviation (ddof = 1) (e.g. Law, *Simulation Modeling and Analysis*, 5th ed., §9.4.1).
A class, member or interceptor type missing from a replication counts as zero there.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from inkless.errors import InputError

__all__ = ["confidence_interval", "summarise"]

_THREAT_KEYS = ("launched", "intercepted", "leaked")
_INTERCEPTOR_KEYS = ("fired", "cost")


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


def _number(value: Any, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{where}: {value!r} is not a number; fix the results file")
    if not math.isfinite(float(value)):
        raise InputError(f"{where}: {value!r} is not finite; fix the results file")
    return float(value)


def _get(d: Any, key: str, where: str) -> Any:
    if not isinstance(d, Mapping):
        raise InputError(f"{where}: expected a mapping, got {type(d).__name__}; fix the results")
    return d.get(key)


def _stat(reps: Sequence[Mapping[str, Any]], path: tuple[str, ...]) -> dict[str, Any]:
    values = []
    for r, rep in enumerate(reps):
        node: Any = rep
        where = f"replications[{r}]"
        for key in path:
            node = _get(node, key, where) if node is not None else None
            where += f".{key}"
        values.append(_number(node, where))
    return confidence_interval(values)


def _keys(reps: Iterable[Mapping[str, Any]], section: str, table: str) -> list[str]:
    seen: dict[str, None] = {}
    for rep in reps:
        for key in (rep.get(section) or {}).get(table) or {}:
            seen.setdefault(str(key), None)
    return list(seen)


def summarise(replications: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The results dict of R replications of one scenario.

    Args:
        replications: one results dict per replication (see ``results.py``), in run order.

    Returns:
        A deep copy of the first replication (its detail lists: engagements, impacts, ...) with
        ``replications`` set to R, ``seeds`` the list of each replication's ``seed`` and a
        ``replications_summary`` mirroring the results' headline structure, each leaf
        ``{"mean", "ci95", "values"}`` (see :func:`confidence_interval`)::

            threats: {launched, intercepted, leaked, by_class: {CLASS: {launched, ...}}}
            interceptors: {fired, cost, by_member: {ID: {fired, cost}}, by_type: {TYPE: {...}}}
            value_damaged, civil_engagements, friendly_engagements
            identification: {misdeclared: {PAIR: ...}}  (when the replications carry it)

        The top-level counts stay those of the first replication, so they agree with its lists.

    Raises:
        InputError: no replications, or a headline figure that is not a number.
    """
    reps = list(replications)
    if not reps:
        raise InputError("summarise: no replications; run at least one")
    for r, rep in enumerate(reps):
        if not isinstance(rep, Mapping):
            raise InputError(f"replications[{r}]: not a results mapping; pass the results dicts")

    threats: dict[str, Any] = {k: _stat(reps, ("threats", k)) for k in _THREAT_KEYS}
    threats["by_class"] = {
        cls: {k: _stat(reps, ("threats", "by_class", cls, k)) for k in _THREAT_KEYS}
        for cls in sorted(_keys(reps, "threats", "by_class"))
    }
    interceptors: dict[str, Any] = {k: _stat(reps, ("interceptors", k)) for k in _INTERCEPTOR_KEYS}
    for table in ("by_member", "by_type"):
        interceptors[table] = {
            key: {k: _stat(reps, ("interceptors", table, key, k)) for k in _INTERCEPTOR_KEYS}
            for key in _keys(reps, "interceptors", table)
        }
    out = copy.deepcopy(dict(reps[0]))
    out["replications"] = len(reps)
    out["seeds"] = [rep.get("seed") for rep in reps]
    out["replications_summary"] = {
        "threats": threats,
        "interceptors": interceptors,
        "value_damaged": _stat(reps, ("value_damaged",)),
        "civil_engagements": _stat(reps, ("civil_engagements",)),
        "friendly_engagements": _stat(reps, ("friendly_engagements",)),
    }
    pairs = _keys(reps, "identification", "misdeclared")
    if pairs:
        out["replications_summary"]["identification"] = {"misdeclared": {
            k: _stat(reps, ("identification", "misdeclared", k)) for k in pairs}}
    return out
