"""The picture protocol: what the engine asks of any air picture.

Where it sits: between the simulated world (or, later, reports pushed in from outside) and the
defence's decisions. One verb, :meth:`Picture.observe`: the candidates the defence may engage at
a decision time, with their values at risk and the shots to weigh. The other methods are the
picture's side of engagement (the seeker basket on the tracked picture, kill assessment, what
each interceptor was fired at) and what it gives the after-action itself (the tracked picture
gives little: its after-action is the engine's observers', :mod:`inkless.engine.recorder`).

Implementations: :class:`inkless.engine.perfect.PerfectPicture` (truth of what the sensors
cover) and :class:`inkless.engine.tracked.TrackedPicture` (simulated sensors, trackers, fusion,
identification).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from inkless.arrays import F64, I64, B
from inkless.coalition import Gates
from inkless.engagement import InFlight

from .patrols import Patrols
from .record import Held, IdentityRecord
from .state import Candidates, DefenceState, ThreatState
from .tracked import Seen

__all__ = ["Picture"]


class Picture(Protocol):
    """An air picture the engine decides on (module docstring).

    ``active_lo (n,)``: the first tick each threat can matter to a decision (``NEVER``: none).
    """

    active_lo: I64

    @property
    def seen(self) -> Seen | None:
        """What it saw in the last cycle, for the observers (None: nothing to show)."""
        ...

    def idle(self, tick: int, threats: ThreatState) -> bool:
        """Nothing can be observed or decided at ``tick``: the engine may skip ahead."""
        ...

    def observe(self, tick: int, t: float, threats: ThreatState,
                defence: DefenceState) -> Iterator[Candidates]:
        """The candidates at ``t`` (s), tick ``tick``: lazily, so that each is decided before
        the next is computed (later ones may read what the earlier decisions changed)."""
        ...

    def fly(self, tick: int, patrols: Patrols) -> None:
        """The patrol aircraft's unit rows are where ``patrols`` has them at ``tick`` (its
        sorties as flown so far)."""
        ...

    def regate(self, gates: Gates) -> None:
        """The coalition's gates changed (a letter, a grant): whose sensors act when."""
        ...

    def check(self, flight: InFlight, t: float, alive: B) -> None:
        """Before settling the interceptors due by ``t``: what their seekers find (``alive``:
        the threats still in the air)."""
        ...

    def killed(self, row: int, t: float) -> None:
        """Interceptor ``row`` killed its threat at ``t`` (s)."""
        ...

    def fired(self, rows: slice, c: Candidates, cols: I64) -> None:
        """Interceptor rows ``rows`` were fired at the candidates' columns ``cols``."""
        ...

    def detections(self, end_time: F64, duration_s: float) -> F64:
        """Per threat, the first time the picture held it (NaN: never or not kept)."""
        ...

    def held_by_members(self, end_time: F64, duration_s: float) -> Held | None:
        """When each member's sensors held each threat (None: the picture does not keep it)."""
        ...

    def identity(self, flight: InFlight) -> IdentityRecord:
        """The identification's record for the after-action: at least what each interceptor
        was fired at."""
        ...
