"""The engine: one decision cycle at a time on any air picture (``Engine.step``), with the
defence's state in the open and a record for the after-action.

Modules: :mod:`~inkless.engine.engine` (the loop and the decisions),
:mod:`~inkless.engine.picture` (the picture protocol), :mod:`~inkless.engine.perfect` and
:mod:`~inkless.engine.tracked` (its two simulated implementations),
:mod:`~inkless.engine.state` (the state carried between cycles), :mod:`~inkless.engine.record`
(what a run produced).
"""

from .engine import Engine, run
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
    "Candidates",
    "DefenceState",
    "Engine",
    "Event",
    "FedPicture",
    "IdentityRecord",
    "Notes",
    "Options",
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
