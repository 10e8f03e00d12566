"""The static weapon-target assignment (WTA) problem and its solution, as one struct of arrays.

Where it sits: threat evaluation hands a table of threats (value at risk) and the engagement
feasibility stage a table of kill probabilities; this module holds both as a ``WTAProblem`` that
every solver in :mod:`inkless.assignment` reads, and the ``Solution`` they all return.

The problem (Manne 1958, generalised to weapon rows with several rounds, a cost per round and a cap
on rounds per target)::

    minimise   sum_j V_j prod_i (1 - p_ij) ** x_ij  +  r * sum_ij cost_i x_ij
    subject to sum_j x_ij <= counts_i               (rounds available on weapon row i)
               sum_i x_ij <= max_per_target_j
               x_ij = 0 where not eligible_ij         (caveats, geometry, fire channels)
               x_ij integer >= 0

``V_j`` is the value at risk of threat j (any value unit), ``p_ij`` the single-shot kill
probability of a round of row i on threat j, ``cost_i`` the cost of a round (any cost unit) and
``r = exchange_rate`` converts cost units into value units. The first term is the expected value
that survives (leaks); with ``V_j = 1`` it is the expected number of leakers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64, I64, B
from inkless.errors import InputError

__all__ = ["SOLVERS", "UNLIMITED", "Solution", "Solver", "WTAProblem", "objective_value"]

UNLIMITED = 2**31 - 1
"""``max_per_target`` entry meaning "no cap on rounds at this target"."""

Solver = Literal["greedy", "fast", "exact"]
"""The assignment solvers, by increasing effort (see :func:`inkless.assignment.solve`): the one
list that the engine, the war-game sweep and the command line take their choices from."""
SOLVERS: tuple[Solver, ...] = get_args(Solver)



def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def _as_float(where: str, name: str, a: ArrayLike, shape: tuple[int, ...]) -> F64:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f"{where}: {name} must be numbers ({e}); pass a numeric array") from None
    if arr.shape != shape:
        raise InputError(
            f"{where}: {name} has shape {arr.shape}, expected {shape}; fix its dimensions"
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{where}: {name} has a NaN or infinite entry; use finite numbers")
    return arr


def _as_int(where: str, name: str, a: ArrayLike, shape: tuple[int, ...]) -> I64:
    arr = _as_float(where, name, a, shape)
    if np.any(arr != np.round(arr)):
        raise InputError(f"{where}: {name} must hold whole numbers; round them")
    if np.any(arr < 0):
        raise InputError(f"{where}: {name} has a negative entry; use counts >= 0")
    if np.any(arr > UNLIMITED):
        raise InputError(f"{where}: {name} has an entry above {UNLIMITED}; use a smaller count")
    return arr.astype(np.int64)


@dataclass(frozen=True, slots=True)
class WTAProblem:
    """One static WTA instance: W weapon rows, T targets (threats). Build it with :meth:`make`.

    Attributes (arrays are read-only):
        values: (T,) value at risk of each target, >= 0 (value units).
        p: (W, T) single-shot kill probability of one round of row i on target j, in [0, 1].
        counts: (W,) int, rounds available on row i this cycle (1 for a single weapon).
        eligible: (W, T) bool, False where row i may not fire at target j.
        cost: (W,) cost of one round of row i, >= 0 (cost units).
        exchange_rate: value units per cost unit, >= 0 (0: rounds are free).
        max_per_target: (T,) int, cap on rounds at target j (``UNLIMITED``: none).
    """

    values: F64
    p: F64
    counts: I64
    eligible: B
    cost: F64
    exchange_rate: float
    max_per_target: I64

    @classmethod
    def make(
        cls,
        values: ArrayLike,
        p: ArrayLike,
        counts: ArrayLike | None = None,
        eligible: ArrayLike | None = None,
        cost: ArrayLike | None = None,
        exchange_rate: float = 0.0,
        max_per_target: ArrayLike | None = None,
    ) -> WTAProblem:
        """Validate and freeze an instance; raises ``InputError`` naming the faulty argument.

        Defaults: one round per row, every pair eligible, rounds free, no cap per target.
        """
        where = "WTAProblem"
        v = np.asarray(values, dtype=object)
        if v.ndim != 1:
            raise InputError(f"{where}: values must be a 1-D array (T,), got {v.ndim}-D")
        n_t = v.shape[0]
        pa = np.asarray(p, dtype=object)
        if pa.ndim != 2 or pa.shape[1] != n_t:
            raise InputError(
                f"{where}: p has shape {pa.shape}, expected (W, {n_t}) to match values; "
                "give one row of T probabilities per weapon row"
            )
        n_w = pa.shape[0]
        vals = _as_float(where, "values", values, (n_t,))
        if np.any(vals < 0):
            raise InputError(f"{where}: values has a negative entry; values must be >= 0")
        pp = _as_float(where, "p", p, (n_w, n_t))
        if np.any((pp < 0) | (pp > 1)):
            i, j = np.argwhere((pp < 0) | (pp > 1))[0]
            raise InputError(
                f"{where}: p[{i}][{j}] = {pp[i, j]} is outside [0, 1]; use a probability"
            )
        cnt = (
            np.ones(n_w, dtype=np.int64)
            if counts is None
            else _as_int(where, "counts", counts, (n_w,))
        )
        if eligible is None:
            el = np.ones((n_w, n_t), dtype=bool)
        else:
            ea = np.asarray(eligible)
            if ea.shape != (n_w, n_t):
                raise InputError(
                    f"{where}: eligible has shape {ea.shape}, expected {(n_w, n_t)}; "
                    "give one row of T booleans per weapon row"
                )
            if ea.dtype != np.bool_ and not np.all(np.isin(ea, (0, 1))):
                raise InputError(f"{where}: eligible must hold booleans; use true/false")
            el = ea.astype(bool)
        cst = np.zeros(n_w) if cost is None else _as_float(where, "cost", cost, (n_w,))
        if np.any(cst < 0):
            raise InputError(f"{where}: cost has a negative entry; costs must be >= 0")
        try:
            rate = float(exchange_rate)
        except (TypeError, ValueError):
            raise InputError(f"{where}: exchange_rate must be a number") from None
        if not np.isfinite(rate) or rate < 0:
            raise InputError(f"{where}: exchange_rate = {rate}; use a finite number >= 0")
        cap = (
            np.full(n_t, UNLIMITED, dtype=np.int64)
            if max_per_target is None
            else _as_int(where, "max_per_target", max_per_target, (n_t,))
        )
        return cls(
            values=_frozen(vals),
            p=_frozen(pp),
            counts=_frozen(cnt),
            eligible=_frozen(el),
            cost=_frozen(cst),
            exchange_rate=rate,
            max_per_target=_frozen(cap),
        )

    @property
    def n_weapons(self) -> int:
        """W, the number of weapon rows."""
        return int(self.p.shape[0])

    @property
    def n_targets(self) -> int:
        """T, the number of targets."""
        return int(self.p.shape[1])

    @property
    def shot_cost(self) -> F64:
        """(W,) cost of one round of each row in value units: ``exchange_rate * cost``."""
        return self.exchange_rate * self.cost

    def objective(self, x: ArrayLike) -> float:
        """Objective of assignment ``x`` (W, T) rounds: surviving value plus weighted cost."""
        return objective_value(self, np.asarray(x))

    def violations(self, x: ArrayLike) -> list[str]:
        """Constraints that ``x`` (W, T) breaks, one line each; empty when feasible."""
        xa = np.asarray(x)
        if xa.shape != self.p.shape:
            return [f"x has shape {xa.shape}, expected {self.p.shape}"]
        out: list[str] = []
        if np.any(xa < 0) or np.any(xa != np.round(xa)):
            out.append("x has a negative or fractional entry")
        over = np.flatnonzero(xa.sum(axis=1) > self.counts)
        out += [f"weapon row {i} fires more than its {self.counts[i]} rounds" for i in over]
        over_t = np.flatnonzero(xa.sum(axis=0) > self.max_per_target)
        out += [f"target {j} gets more than {self.max_per_target[j]} rounds" for j in over_t]
        bad = np.argwhere((xa > 0) & ~self.eligible)
        out += [f"weapon row {i} fires at ineligible target {j}" for i, j in bad]
        return out


def objective_value(problem: WTAProblem, x: NDArray[Any]) -> float:
    """``sum_j V_j prod_i (1 - p_ij)^x_ij + exchange_rate * sum_ij cost_i x_ij`` for x (W, T).

    Exact for p = 1 (0**0 = 1): no logarithms are taken.
    """
    xi = np.asarray(x, dtype=np.int64)
    survive = np.prod(np.power(1.0 - problem.p, xi), axis=0)
    return float(problem.values @ survive + problem.shot_cost @ xi.sum(axis=1))


@dataclass(frozen=True, slots=True)
class Solution:
    """An assignment and how it was found.

    Attributes:
        x: (W, T) int rounds of row i at target j.
        objective: its objective value (value units), computed exactly from ``x``.
        seconds: wall-clock time of the solve (s).
        solver: ``"greedy"``, ``"fast"`` or ``"exact"``.
        bound: a proven lower bound on the optimum (exact solver), else None.
        gap: ``(objective - bound) / max(|objective|, tiny)`` when a bound is known, else None.
        status: ``"heuristic"`` (no proof), ``"optimal"`` (gap within the solver's tolerance)
            or ``"time_limit"`` (stopped by the time limit with the gap above tolerance).
    """

    x: I64
    objective: float
    seconds: float
    solver: Solver
    bound: float | None = None
    gap: float | None = None
    status: str = "heuristic"

    def assignment(self) -> list[tuple[int, int, int]]:
        """The non-zero entries of ``x`` as ``(weapon row, target, rounds)``, row-major."""
        return [(int(i), int(j), int(self.x[i, j])) for i, j in np.argwhere(self.x > 0)]
