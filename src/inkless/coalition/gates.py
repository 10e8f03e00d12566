"""What the coalition allows the defence to do: the record the pipeline obeys, and how it is
built from the coalition's rules.

Where it sits: coalition, read by the pipeline every tick. A member's sensors and fire units act
while its legal basis holds (``member_acts``: intervals; it may lapse when an office changes
hands and resume when the letters are renewed; :mod:`~.basis`); a shot of a unit at a threat
is allowed unless a caveat blocks it (``allow``, evaluated on arrays of pairs: which member
shoots, at what class of threat, where the intercept happens, which asset the threat
endangers; :mod:`~.caveats`).
``Gates.open(members)`` allows everything from time zero: the coalition without rules.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.errors import InputError

from .basis import LEGAL_BASIS, Interval, MemberBasis, TimedLetter, legal_basis
from .caveats import CaveatMask, PairQuery, RegionShape, caveat_mask, caveat_rules
from .members import AirspaceGrant, Member

__all__ = ["Gates", "build_gates"]


@dataclass(frozen=True)
class Gates:
    """``member_acts``: per member, the intervals ``[from, to)`` (s after the epoch) in which
    its forces act (none: never); ``allow(query) -> (m, k) int``: 0 where the shot is allowed,
    else ``1 + r`` for the first rule ``rules[r]`` that blocks it. ``basis``: why each member
    acts when it does (for the after-action; empty for hand-made gates)."""

    member_acts: tuple[tuple[Interval, ...], ...]
    rules: tuple[str, ...] = ()
    allow: Callable[[PairQuery], I64] | None = field(default=None, compare=False)
    basis: tuple[MemberBasis, ...] = field(default=(), compare=False)

    @classmethod
    def from_times(cls, active_from: Iterable[float], **kw: object) -> Gates:
        """Members acting from ``active_from`` (s; ``inf``: never) to the end."""
        acts = tuple(((float(t), math.inf),) if math.isfinite(t) else () for t in active_from)
        return cls(acts, **kw)  # type: ignore[arg-type]

    @classmethod
    def open(cls, members: int) -> Gates:
        """No rule: every member acts from time zero and every shot is allowed."""
        return cls.from_times([0.0] * members)

    @property
    def member_active_from(self) -> F64:
        """``(members,)`` from when each member's forces act for the rest of the run (the start
        of an interval that runs to the end; ``inf``: not at the end)."""
        return np.array([iv[-1][0] if iv and math.isinf(iv[-1][1]) else math.inf
                         for iv in self.member_acts], dtype=float)

    def acting_grid(self, times: NDArray[np.floating]) -> NDArray[np.bool_]:
        """``(len(times), members)`` whether each member's forces act at each time (s)."""
        times = np.asarray(times, dtype=float)
        out = np.zeros((len(times), len(self.member_acts)), dtype=bool)
        for m, iv in enumerate(self.member_acts):
            for a, b in iv:
                out[:, m] |= (times >= a) & (times < b)
        return out

    @cached_property
    def _acting_between(self) -> tuple[list[float], list[NDArray[np.bool_]]]:
        """The intervals' bounds, sorted (s), and ``(members,)`` whether each member acts
        between each two: at a time ``t`` the state ``bisect_right(bounds, t)`` (built once:
        who acts changes only at a bound)."""
        bounds = sorted({x for iv in self.member_acts for ab in iv for x in ab})
        states = [np.array([any(a <= s < b for a, b in iv) for iv in self.member_acts],
                           dtype=bool) for s in (-math.inf, *bounds)]  # a time in each
        return bounds, states

    def acting(self, t: float) -> NDArray[np.bool_]:
        """``(members,)`` whether each member's forces act at time ``t`` (s)."""
        return self._acting_at(t).copy()

    def _acting_at(self, t: float) -> NDArray[np.bool_]:
        bounds, states = self._acting_between
        return states[bisect.bisect_right(bounds, float(t))]

    def active(self, member: I64, t: float) -> NDArray[np.bool_]:
        """Whether each of the given members' forces act at time ``t`` (s)."""
        return self._acting_at(t)[member]

    def never_blocked(self, member: I64, threat_cls: I64, asset: I64,
                      clear: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
        """``(m, k)`` whether no rule can block a shot of a unit of ``member (m,)`` at a threat
        of class ``threat_cls (k,)`` endangering ``asset (k,)``, wherever, or where ``clear``
        says each member's area rule allows it (:meth:`CaveatMask.never_blocks`; a hand-made
        ``allow`` may block anything)."""
        shape = (len(member), len(threat_cls))
        if self.allow is None:
            return np.ones(shape, dtype=bool)
        if isinstance(self.allow, CaveatMask):
            return self.allow.never_blocks(member, threat_cls, asset, clear)
        return np.zeros(shape, dtype=bool)

    def blocking(self, query: PairQuery) -> I64:
        """``(m, k)`` rule codes (0: allowed)."""
        if self.allow is None:
            return np.zeros((len(query.unit), len(query.threat_cls)), dtype=np.int64)
        return np.asarray(self.allow(query), dtype=np.int64)


def build_gates(
    members: Sequence[Member],
    letters: Sequence[TimedLetter] = (),
    *,
    regions: Sequence[RegionShape] = (),
    grants: Sequence[AirspaceGrant] = (),
    asset_names: Sequence[str] = (),
    epoch: datetime,
    without: Collection[str] = (),
    lift: Collection[str] = (),
) -> Gates:
    """The gates of a coalition: each member's legal-basis time (:func:`legal_basis`) and its
    caveats as a :class:`CaveatMask` (see the module docstring).

    ``members`` in the order of the simulation's member index (the scenario's order); ``letters``
    on record; ``regions`` with polygons; ``grants`` (windows converted with ``epoch``);
    ``asset_names`` in the order of the asset index. What-ifs: members in ``without`` never act;
    rules named in ``lift`` (``MEMBER:kind``, including ``MEMBER:legal_basis``) are left out.
    Raises :class:`InputError` for an unknown member or rule.
    """
    ids = [m.id for m in members]
    index = {mid: i for i, mid in enumerate(ids)}
    rules_all = caveat_rules(members)
    _check_names(ids, rules_all, without, lift)
    basis = legal_basis(members, letters)
    acts = [b.acts for b in basis]
    for mid in lift:
        owner, kind = mid.split(":", 1)
        if kind == LEGAL_BASIS:
            acts[index[owner]] = ((0.0, math.inf),)
    for mid in without:
        acts[index[mid]] = ()
    rules = [r for r in rules_all if r not in set(lift)]
    mask = caveat_mask(members, rules, regions, grants, asset_names, epoch) if rules else None
    return Gates(tuple(acts), rules=tuple(rules), allow=mask, basis=tuple(basis))


def _check_names(
    ids: Sequence[str], rules: Sequence[str], without: Iterable[str], lift: Iterable[str]
) -> None:
    known = ", ".join(ids)
    problems = [
        f"--without {mid}: unknown member; known: {known}" for mid in without if mid not in ids
    ]
    liftable = [*rules, *(f"{mid}:{LEGAL_BASIS}" for mid in ids)]
    for r in lift:
        if r not in liftable:
            problems.append(
                f"--lift-caveat {r}: no such rule; rules: {', '.join(rules) or 'none'} (or "
                "MEMBER:legal_basis)"
            )
    if problems:
        raise InputError(*problems)
