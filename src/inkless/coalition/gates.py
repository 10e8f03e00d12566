"""What the coalition allows the defence to do: the record the pipeline obeys.

Where it sits: coalition, read by the pipeline every tick. A member's sensors and fire units act
while its legal basis holds (``member_acts``: intervals; it may lapse when an office changes
hands and resume when the letters are renewed; ``member_active_from``: from when it holds for
the rest of the run); a shot of a unit at a
threat is allowed unless a rule blocks it (``allow``, evaluated on arrays of pairs: which member
shoots, at what class of threat, where the intercept happens, which asset the threat endangers).
``Gates.open(members)`` allows everything from time zero: the coalition without rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .planner import Letter

__all__ = ["Gates", "MemberBasis", "PairQuery", "TimedLetter"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class PairQuery:
    """Candidate shots at time ``t`` (s): ``m`` units x ``k`` threats.

    ``member (m,)`` index of each unit's member; ``threat_cls (k,)`` class index (ballistic 0,
    cruise 1, drone 2); ``asset (k,)`` the asset each threat endangers (-1: none);
    ``point (m, k, 3)`` ECEF metres of each intercept (NaN where infeasible).
    """

    t: float
    unit: I64
    member: I64
    threat_cls: I64
    asset: I64
    point: F64


@dataclass(frozen=True)
class TimedLetter:
    """A letter on record over ``[start_s, end_s)`` (seconds since the epoch); ``source`` says
    where it comes from (``documents[2]``, ``exchange step 1``, ``ledger entry 7 doc-...``)."""

    letter: Letter
    start_s: float
    end_s: float = math.inf
    source: str = ""


Interval = tuple[float, float]


@dataclass(frozen=True)
class MemberBasis:
    """When a member's forces act and why: ``acts_from_s``, from when they act for the rest of
    the run (0: from the start, ``inf``: not at the end); ``acts``, every interval ``[from, to)``
    in which they act (s since the epoch, from 0; ``to`` may be ``inf``); ``letters`` that meet
    its ``preconditions`` in those intervals; ``unmet`` preconditions, described, when it does
    not act at the end."""

    member: str
    acts_from_s: float
    preconditions: int = 0
    letters: tuple[TimedLetter, ...] = ()
    unmet: tuple[str, ...] = ()
    acts: tuple[Interval, ...] = ((0.0, math.inf),)


@dataclass(frozen=True)
class Gates:
    """``member_active_from (members,)``: seconds after the epoch from which each member's forces
    act for the rest of the run (0: from the start, ``inf``: not at the end); ``member_acts``:
    per member, the intervals ``[from, to)`` in which they act (empty: from
    ``member_active_from`` on); ``allow(query) -> (m, k) int``: 0 where the shot is allowed,
    else ``1 + r`` for the first rule ``rules[r]`` that blocks it. ``basis``: why each member
    acts when it does (for the after-action; empty for hand-made gates)."""

    member_active_from: F64
    rules: tuple[str, ...] = ()
    allow: Callable[[PairQuery], I64] | None = field(default=None, compare=False)
    basis: tuple[MemberBasis, ...] = field(default=(), compare=False)
    member_acts: tuple[tuple[Interval, ...], ...] = ()

    @classmethod
    def open(cls, members: int) -> Gates:
        """No rule: every member acts from time zero and every shot is allowed."""
        return cls(member_active_from=np.zeros(members))

    def acting(self, t: float) -> NDArray[np.bool_]:
        """``(members,)`` whether each member's forces act at time ``t`` (s)."""
        if not self.member_acts:
            return np.asarray(self.member_active_from <= t)
        return np.array([any(a <= t < b for a, b in iv) for iv in self.member_acts], dtype=bool)

    def active(self, member: I64, t: float) -> NDArray[np.bool_]:
        """Whether each of the given members' forces act at time ``t``."""
        return self.acting(t)[member]

    @property
    def first_active(self) -> F64:
        """``(members,)`` the first time each member's forces act (``inf``: never)."""
        if not self.member_acts:
            return self.member_active_from
        return np.array([iv[0][0] if iv else math.inf for iv in self.member_acts], dtype=float)

    @property
    def interrupted(self) -> NDArray[np.bool_]:
        """``(members,)`` whose forces stop at some time (a lapsed legal basis): acting is not
        just "from ``first_active`` on"."""
        out = np.zeros(len(self.member_active_from), dtype=bool)
        for m, iv in enumerate(self.member_acts):
            out[m] = len(iv) > 1 or (len(iv) == 1 and math.isfinite(iv[0][1]))
        return out

    def acting_grid(self, times: NDArray[np.floating]) -> NDArray[np.bool_]:
        """``(len(times), members)`` whether each member's forces act at each time (s)."""
        times = np.asarray(times, dtype=float)
        if not self.member_acts:
            return np.asarray(times[:, None] >= self.member_active_from[None, :])
        out = np.zeros((len(times), len(self.member_acts)), dtype=bool)
        for m, iv in enumerate(self.member_acts):
            for a, b in iv:
                out[:, m] |= (times >= a) & (times < b)
        return out

    def blocking(self, query: PairQuery) -> I64:
        """``(m, k)`` rule codes (0: allowed)."""
        if self.allow is None:
            return np.zeros((len(query.unit), len(query.threat_cls)), dtype=np.int64)
        return np.asarray(self.allow(query), dtype=np.int64)
