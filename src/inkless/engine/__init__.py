"""The engine: one decision cycle at a time on any air picture (``Engine.step``), with the
defence's state in the open and a record for the after-action.

**The way in and out.** ``Engine.step(tick, inputs) -> Decisions`` is one decision cycle;
``inkless run``, the war-gaming runner and the live service (issue 11) all drive it.

- :class:`Inputs` (frozen) is everything that comes from outside the defence since the last
  cycle: ``reports`` for a fed picture (radar plots with their sensor, member tracks with
  covariance, ADS-B and IFF: :class:`Reports`); ``outcomes`` that units report on their orders
  (:class:`Outcome`: fired, kill or miss, rounds left; a kill or miss settles the interceptor
  at once instead of the run's kill draw); ``letters`` now on record (verified ledger
  documents as ``TimedLetter``: the legal bases are recomputed, so a basis that comes to hold
  mid-raid brings that member's sensors and units in from then); airspace ``grants`` given or
  ended; ``declined`` orders (:class:`Decline`, a member's CANTCO: the interceptor is
  withdrawn and the threat re-planned in the same cycle with the other units; that unit is
  never proposed for that target again). Letters and grants need the engine built with an
  :class:`Authority` (what the gates are built from).
- :class:`Decisions` is what the cycle decided: its fire ``orders`` (:class:`Order`: unit and
  member, by row and id, the target track, when, where and with what kill probability; its
  ``id`` names it in outcomes and declines; ``by_member()`` groups them for the members'
  nodes), the orders ``withdrawn``, the inputs ``refused`` (one line each) and ``next_tick``
  (None: nothing is left to happen). A simulated run's silence is consent: an order stands
  unless declined.

Modules: :mod:`~inkless.engine.engine` (the loop and the decisions),
:mod:`~inkless.engine.inputs` (what comes in and goes out of a cycle),
:mod:`~inkless.engine.picture` (the picture protocol), :mod:`~inkless.engine.perfect` and
:mod:`~inkless.engine.tracked` (its two simulated implementations),
:mod:`~inkless.engine.state` (the state carried between cycles), :mod:`~inkless.engine.record`
(what a run produced).
"""

from .engine import Engine, run
from .inputs import Authority, Decisions, Decline, Inputs, Order, Outcome
from .perfect import PerfectPicture
from .picture import Picture
from .record import (
    BLOCKED_ASSESSED_KILLED,
    BLOCKED_CAVEAT,
    BLOCKED_CHANNELS,
    BLOCKED_COST,
    BLOCKED_INACTIVE,
    BLOCKED_NOT_HOSTILE,
    BLOCKED_RELOAD,
    BLOCKED_ROUNDS,
    BLOCKED_UNASSIGNED,
    GOSPA_C_M,
    GOSPA_P,
    IN_FLIGHT,
    KILLED,
    LANDED,
    NOT_LAUNCHED,
    PICTURES,
    Event,
    IdentityRecord,
    PictureName,
    PictureRecord,
    Reasons,
    Record,
    Solver,
)
from .state import Candidates, DefenceState, Notes, Options, ThreatState
from .tracked import FedPicture, Reports, TrackedPicture

__all__ = [
    "BLOCKED_ASSESSED_KILLED",
    "BLOCKED_CAVEAT",
    "BLOCKED_CHANNELS",
    "BLOCKED_COST",
    "BLOCKED_INACTIVE",
    "BLOCKED_NOT_HOSTILE",
    "BLOCKED_RELOAD",
    "BLOCKED_ROUNDS",
    "BLOCKED_UNASSIGNED",
    "GOSPA_C_M",
    "GOSPA_P",
    "IN_FLIGHT",
    "KILLED",
    "LANDED",
    "NOT_LAUNCHED",
    "PICTURES",
    "Authority",
    "Candidates",
    "Decisions",
    "Decline",
    "DefenceState",
    "Engine",
    "Event",
    "FedPicture",
    "IdentityRecord",
    "Inputs",
    "Notes",
    "Options",
    "Order",
    "Outcome",
    "PerfectPicture",
    "Picture",
    "PictureName",
    "PictureRecord",
    "Reasons",
    "Record",
    "Reports",
    "Solver",
    "ThreatState",
    "TrackedPicture",
    "run",
]
