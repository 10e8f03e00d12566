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

**Who watches.** After each cycle's decisions the engine notifies its observers
(:class:`Observer`: what the picture saw, :class:`Seen`, and the state the cycle left). The
after-action's :class:`Recorder` is one (picture scores, identity logs, samples for the map,
the withheld tracks); the counterfactual of the shots withheld runs after the run, from what it
kept. ``Engine(..., record=False)`` leaves it out; ``observers=`` adds others.

Modules: :mod:`~inkless.engine.engine` (the loop and the decisions),
:mod:`~inkless.engine.inputs` (what comes in and goes out of a cycle),
:mod:`~inkless.engine.picture` (the picture protocol), :mod:`~inkless.engine.perfect` and
:mod:`~inkless.engine.tracked` (its two simulated implementations),
:mod:`~inkless.engine.screen` (tracks screened as threats; which shots may be taken),
:mod:`~inkless.engine.state` (the state carried between cycles),
:mod:`~inkless.engine.observer` (the observer protocol), :mod:`~inkless.engine.recorder` (the
after-action's observer), :mod:`~inkless.engine.withheld` (the counterfactual of the shots
withheld, after the run), :mod:`~inkless.engine.record` (what a run produced).
"""

from . import record
from .engine import Engine, run
from .inputs import Authority, Decisions, Decline, Inputs, Order, Outcome
from .observer import Observer
from .perfect import PerfectPicture
from .picture import Picture
from .record import *  # noqa: F403  (record.__all__: the record, its parts, the reason codes)
from .recorder import Recorder
from .state import Candidates, DefenceState, Notes, Options, ThreatState
from .tracked import FedPicture, Reports, Seen, TrackedPicture

__all__ = [
    "Authority",
    "Candidates",
    "Decisions",
    "Decline",
    "DefenceState",
    "Engine",
    "FedPicture",
    "Inputs",
    "Notes",
    "Observer",
    "Options",
    "Order",
    "Outcome",
    "PerfectPicture",
    "Picture",
    "Recorder",
    "Reports",
    "Seen",
    "ThreatState",
    "TrackedPicture",
    "run",
]
__all__ += record.__all__  # the record's names, listed once, there
