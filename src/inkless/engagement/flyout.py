"""Interceptors in flight and their outcomes.

Where it sits: engagement, the last stage of a tick. Fired interceptors are rows of a
preallocated struct-of-arrays table (at most the total number of rounds in the scenario);
``resolve`` settles every interceptor whose intercept time has come: a kill is a Bernoulli draw
with the pair's single-shot kill probability, and an interceptor whose threat is already
destroyed or has already landed finds nothing ("lost").

The draws are common random numbers (Law & Kelton, *Simulation Modeling and Analysis*, ch. 11):
the uniform of the k-th interceptor fired at threat j is ``KillDraws.u[j, k]``, drawn once per
run before the first shot. Two runs with the same seed that differ in a rule (a caveat lifted,
a member removed) then give the same luck to the same shot at the same threat, whichever unit
fires it and whenever, so the difference in outcomes measures the rule, not the order in which
draws happened to be consumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64

__all__ = ["KILL", "LOST", "MISS", "PENDING", "InFlight", "KillDraws", "resolve"]

PENDING, KILL, MISS, LOST = 0, 1, 2, 3
RESULT_NAMES = {KILL: "kill", MISS: "miss", LOST: "lost", PENDING: "pending"}


@dataclass
class InFlight:
    """Every interceptor fired in a run; rows ``[0, n)`` are used."""

    capacity: int
    n: int = 0
    unit: I64 = field(init=False)
    threat: I64 = field(init=False)
    fire_time: F64 = field(init=False)
    intercept_time: F64 = field(init=False)
    point: F64 = field(init=False)
    pk: F64 = field(init=False)
    draw: F64 = field(init=False)
    result: I64 = field(init=False)

    def __post_init__(self) -> None:
        c = self.capacity
        self.unit, self.threat = np.zeros(c, np.int64), np.zeros(c, np.int64)
        self.fire_time, self.intercept_time = np.zeros(c), np.zeros(c)
        self.point, self.pk, self.draw = np.zeros((c, 3)), np.zeros(c), np.zeros(c)
        self.result = np.zeros(c, np.int64)

    def fire(self, unit: I64, threat: I64, t: float, t_intercept: F64, point: F64, pk: F64,
             draw: F64) -> None:
        """Append interceptors fired at time ``t`` (s) with their kill uniforms ``draw``."""
        k = len(unit)
        s = slice(self.n, self.n + k)
        self.unit[s], self.threat[s], self.fire_time[s] = unit, threat, t
        self.intercept_time[s], self.point[s], self.pk[s] = t_intercept, point, pk
        self.draw[s] = draw
        self.result[s] = PENDING
        self.n += k


@dataclass
class KillDraws:
    """The run's kill uniforms: ``u (threats, width)``, column k for the k-th interceptor fired
    at a threat (k beyond the width wraps around: more than ``width`` shots at one threat reuse
    its draws); ``fired (threats,)`` how many have been fired at each so far."""

    u: F64
    fired: I64

    @classmethod
    def draw(cls, rng: np.random.Generator, threats: int, width: int = 32) -> KillDraws:
        return cls(rng.random((threats, width)), np.zeros(threats, np.int64))

    def take(self, threats: I64) -> F64:
        """The uniforms of interceptors fired now at ``threats`` (rows, repeats allowed, in
        firing order), counting them as fired."""
        order = np.argsort(threats, kind="stable")
        s = threats[order]
        starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]]) if len(s) else np.zeros(0, int)
        rank = np.empty(len(s), np.int64)
        rank[order] = np.arange(len(s)) - np.repeat(starts, np.diff(np.r_[starts, len(s)]))
        k = self.fired[threats] + rank
        np.add.at(self.fired, threats, 1)
        return self.u[threats, k % self.u.shape[1]]


def resolve(flight: InFlight, t: float, alive: NDArray[np.bool_], impact_time: F64) -> I64:
    """Settle interceptors due by ``t``, in intercept-time order; returns their rows.

    ``alive`` (threats) is updated in place: a kill clears it. A threat killed earlier, or whose
    impact time is before the intercept, makes the interceptor ``LOST``.
    """
    used = slice(0, flight.n)
    due = np.flatnonzero((flight.result[used] == PENDING) & (flight.intercept_time[used] <= t))
    if len(due) == 0:
        return due
    due = due[np.lexsort((due, flight.intercept_time[due]))]
    hits = flight.draw[due] < flight.pk[due]
    for row, hit in zip(due.tolist(), hits.tolist(), strict=True):
        j = flight.threat[row]
        if not alive[j] or flight.intercept_time[row] >= impact_time[j]:
            flight.result[row] = LOST
        elif hit:
            flight.result[row] = KILL
            alive[j] = False
        else:
            flight.result[row] = MISS
    return due
