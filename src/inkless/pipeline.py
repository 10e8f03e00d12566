"""The names the after-action, the war-gaming runner and the tests import from the run of the
defence, now :mod:`inkless.engine`: kept here until their callers import the engine directly.
``Picture`` here is the picture's *name* (``"perfect"`` or ``"tracked"``); the protocol is
:class:`inkless.engine.Picture`.
"""

from inkless.engine import (
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
    PictureRecord,
    Reasons,
    Record,
    Solver,
    run,
)
from inkless.engine import PictureName as Picture

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
    "Event",
    "IdentityRecord",
    "Picture",
    "PictureRecord",
    "Reasons",
    "Record",
    "Solver",
    "run",
]
