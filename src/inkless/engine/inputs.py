"""What comes into a decision cycle from outside the defence, and what leaves it.

Where it sits: the engine's boundary (:meth:`inkless.engine.Engine.step`). In a simulated run
nothing comes in (the simulation plays the world); in the live service (issue 11) the member
nodes' messages are gathered between two cycles into one :class:`Inputs`, and the cycle's
:class:`Decisions` go back out as fire orders, each to its unit's member. Records are frozen;
rows and ids are the engine's (``tables.units`` rows, interceptor rows as order ids).

Order ids: an :class:`Order`'s ``id`` is the row of its interceptor in the run's ``InFlight``
table (the run's n-th fire order has id n-1); outcomes and declines name it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from inkless.coalition import AirspaceGrant, Gates, Member, RegionShape, TimedLetter, build_gates
from inkless.identification import Evidence
from inkless.scenario.load import coalition_members, region_shapes
from inkless.scenario.model import Scenario

from .tracked import Reports

__all__ = ["Authority", "Decisions", "Decline", "Inputs", "Order", "Outcome"]


@dataclass(frozen=True)
class Outcome:
    """A unit's report on the interceptor of order ``order``: ``fired`` (launched; nothing
    changes but ``rounds_left``), ``kill`` or ``miss`` (the engagement ended so: it settles at
    the step's time, or at its intercept time if that is earlier, with this result instead of
    the run's kill draw). ``rounds_left``: the unit's rounds after it (None: not said)."""

    order: int
    result: Literal["fired", "kill", "miss"]
    rounds_left: int | None = None


@dataclass(frozen=True)
class Decline:
    """A member's node declines order ``order`` (CANTCO, with ``reason``): its interceptor is
    withdrawn (round, channel and readiness back to the unit) and the threat is re-planned in the
    same step without that unit; the pair (unit, target) is never proposed again."""

    order: int
    reason: str = ""


@dataclass(frozen=True)
class Inputs:
    """Everything that comes into one decision cycle from outside the defence.

    ``reports``: what the sensors and member trackers sent for a fed picture (plots with their
    sensor, member tracks with covariance, ADS-B and IFF: :class:`inkless.engine.Reports`);
    ``evidence``: cooperative reports from outside the picture's own sources (ADS-B, IFF: a
    TAK feed's self-reports, :mod:`inkless.interop.cotin`), added to what the tracked or fed
    picture receives in this cycle (:meth:`inkless.engine.TrackedPicture.hear`);
    ``outcomes``: units' reports on orders (:class:`Outcome`); ``letters``: letters now on
    record (verified ledger documents as :class:`inkless.coalition.TimedLetter`, each counting
    from its ``start_s``): the legal bases are recomputed at once, so a basis that comes to hold
    brings that member's sensors and units in from then; ``grants``: airspace grants given or
    changed (one with the same grantor, grantee, region and kind replaces the earlier one: a
    closure is a grant whose ``valid_until`` has come); ``declined``: orders declined
    (:class:`Decline`). Letters and grants need an engine built with an :class:`Authority`.
    """

    reports: Reports | None = None
    evidence: Evidence | None = None
    outcomes: tuple[Outcome, ...] = ()
    letters: tuple[TimedLetter, ...] = ()
    grants: tuple[AirspaceGrant, ...] = ()
    declined: tuple[Decline, ...] = ()


@dataclass(frozen=True)
class Order:
    """A fire order: unit ``unit`` (row; ``unit_id``) of member ``member`` (row; ``member_id``)
    to fire one interceptor at ``t`` (s since the epoch) at ``target`` (the track id on a
    tracked or fed picture, the threat row on the perfect one), to meet it at
    ``intercept_time_s`` at the aim point ``aim_ecef_m``, with single-shot kill probability
    ``pk``. ``id`` names it in outcomes and declines; ``threat`` is the simulation's threat row
    behind the target (bookkeeping, -1: none known)."""

    id: int
    unit: int
    unit_id: str
    member: int
    member_id: str
    target: int
    threat: int
    t: float
    intercept_time_s: float
    aim_ecef_m: tuple[float, float, float]
    pk: float


@dataclass(frozen=True)
class Decisions:
    """What a decision cycle decided: the ``orders`` given at ``t`` (s; tick ``tick``), the
    orders ``withdrawn`` (declined ones, their ids), the inputs ``refused`` (one line each: an
    outcome or decline on an order that is not in the air), and ``next_tick`` (the next tick
    to step; None: nothing is left to happen)."""

    tick: int
    t: float
    next_tick: int | None
    orders: tuple[Order, ...] = ()
    withdrawn: tuple[int, ...] = ()
    refused: tuple[str, ...] = ()

    def by_member(self) -> dict[str, tuple[Order, ...]]:
        """The orders grouped by member id (only members with orders)."""
        out: dict[str, list[Order]] = {}
        for o in self.orders:
            out.setdefault(o.member_id, []).append(o)
        return {m: tuple(v) for m, v in out.items()}


@dataclass(frozen=True)
class Authority:
    """What the coalition's gates are built from, so that letters and grants arriving during a
    run can change them: the members (scenario order), the regions, the asset names, the
    epoch, the ``letters`` on record and the airspace ``grants``
    (:func:`inkless.coalition.build_gates`)."""

    members: tuple[Member, ...]
    regions: tuple[RegionShape, ...]
    asset_names: tuple[str, ...]
    epoch: datetime
    letters: tuple[TimedLetter, ...] = ()
    grants: tuple[AirspaceGrant, ...] = field(default=())

    @classmethod
    def of(cls, scenario: Scenario, letters: Sequence[TimedLetter] = ()) -> Authority:
        """The scenario's coalition with the ``letters`` on record and the scenario's grants."""
        return cls(tuple(coalition_members(scenario)), tuple(region_shapes(scenario)),
                   tuple(a.name for a in scenario.assets), scenario.settings.epoch,
                   tuple(letters), tuple(scenario.grants))

    def amend(self, letters: Sequence[TimedLetter], grants: Sequence[AirspaceGrant]) -> Authority:
        """With ``letters`` added and ``grants`` given or replacing the earlier grant of the
        same grantor, grantee, region and kind."""
        def key(g: AirspaceGrant) -> tuple[str, str, str, str]:
            return g.grantor_state, g.grantee_member, g.region_id, g.what

        new = {key(g): g for g in grants}
        kept = tuple(g for g in self.grants if key(g) not in new)
        return replace(self, letters=(*self.letters, *letters), grants=(*kept, *new.values()))

    def gates(self, without: Collection[str] = (), lift: Collection[str] = ()) -> Gates:
        """The gates: legal bases from the letters, caveats with the grants; members in
        ``without`` never act and rules in ``lift`` are left out (what-ifs,
        :func:`inkless.coalition.build_gates`)."""
        return build_gates(self.members, self.letters, regions=self.regions, grants=self.grants,
                           asset_names=self.asset_names, epoch=self.epoch, without=without,
                           lift=lift)
