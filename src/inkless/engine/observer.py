"""The observer protocol: what the engine tells those who watch a run without deciding in it.

Where it sits: beside the loop (:meth:`inkless.engine.Engine.step`). After a cycle's
decisions, the engine notifies each observer with what the picture saw (the tracked picture's
:class:`~inkless.engine.tracked.Seen`; None on the perfect picture) and the state the cycle
left; when the coalition's gates change, with the new gates. Observers keep what they need (the
after-action's :class:`~inkless.engine.recorder.Recorder`: picture scores, identity logs, the
tracks withheld) and never change what they are shown: nothing an observer does feeds a
decision. A live service may add its own (the picture to stream to the member nodes).
"""

from __future__ import annotations

from typing import Protocol

from inkless.coalition import Gates

from .state import DefenceState, ThreatState
from .tracked import Seen

__all__ = ["Observer"]


class Observer(Protocol):
    """Watches a run (module docstring)."""

    def regate(self, gates: Gates) -> None:
        """The coalition's gates are ``gates`` from now on (a letter, a grant)."""
        ...

    def cycle(self, seen: Seen | None, threats: ThreatState, defence: DefenceState) -> None:
        """A cycle decided: what the picture saw (None: a picture with nothing to show, or an
        idle cycle that observed nothing), the threats and the defence as the cycle left them.
        Read only."""
        ...
