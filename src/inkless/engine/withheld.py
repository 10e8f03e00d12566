"""The counterfactual of the shots withheld, after the run: behind the leak causes "declared
too late" and "assessed killed".

Where it sits: after the loop (:meth:`inkless.engine.Engine.record`), on what the after-action
recorder kept (:class:`Withheld`, one per cycle with withheld tracks). A threat whose track the
defence withheld (not declared hostile yet: ``BLOCKED_NOT_HOSTILE``; hostile but still taken
for the threat killed on it: ``BLOCKED_ASSESSED_KILLED``) while some available unit had a
feasible shot at it that the gates allow, evaluated for its true class ("had it been engaged"),
gets that bit. The screen, the feasibility and the availability are the decision path's own
(:mod:`inkless.engine.screen`), on the state of the defence at that cycle; patrol aircraft are
where their sorties as flown had them then, available only on station and within their fuel,
and batteries hold fire where a fighter engages (:meth:`inkless.engine.patrols.Patrols.fly`,
:meth:`~inkless.engine.patrols.Patrols.allow`, the decision's own).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from inkless.arrays import F64, I64, B
from inkless.coalition import Gates
from inkless.scenario.tables import FireUnitTable
from inkless.threat import AssetRisk

from .patrols import Patrols
from .record import BLOCKED_ASSESSED_KILLED, BLOCKED_NOT_HOSTILE
from .screen import Screen, shootable

__all__ = ["Withheld", "withheld_shots"]


@dataclass(frozen=True)
class Withheld:
    """The tracks of open threats the defence withheld at ``t`` (s, tick ``tick``): per row
    the ``bit`` of why, the state ``x (k, 6)`` and covariance ``P (k, 6, 6)`` in the common
    frame, the track id, the threat behind it (``obj``) and its true class ``cls``; the
    assets' values ``remaining``, the units' ``rounds``, ``busy`` channels and ``ready`` times
    (s) after the cycle's decisions, and the ``gates`` then."""

    tick: int
    t: float
    bit: I64
    x: F64
    P: F64
    track: I64
    obj: I64
    cls: I64
    remaining: F64
    rounds: I64
    busy: I64
    ready: F64
    gates: Gates


def withheld_shots(kept: Sequence[Withheld], screen: Screen, units: FireUnitTable,
                   blocked: I64, feasible_ever: B, patrols: Patrols | None) -> None:
    """In cycle order, the bits ``BLOCKED_NOT_HOSTILE`` and ``BLOCKED_ASSESSED_KILLED`` of
    ``blocked`` (per threat, with the extra row -1) for the threats some available unit could
    have shot at as withheld (module docstring), and ``feasible_ever`` where a shot was
    geometrically feasible; in place. A threat already marked with a bit is not screened for it
    again. ``patrols`` (the run's, after it): its aircraft are
    put where they were at each cycle (in ``units``, the run's moving copy, and ``screen``).

    The asset probabilities of every kept track (the costly part of the threat evaluation:
    impact ellipses, routes) are computed in batches of cycles (:meth:`Screen.risks`; each row
    is its track's alone), then each cycle is screened in order."""
    for w, risk in zip(kept, _risks(kept, screen), strict=True):
        if patrols is not None:
            patrols.fly(w.t, units)
            screen.moved(patrols.rows)
        for bit in (BLOCKED_NOT_HOSTILE, BLOCKED_ASSESSED_KILLED):
            rows = np.flatnonzero((w.bit == bit) & ((blocked[w.obj] & bit) == 0))
            if not rows.size:
                continue
            c = screen.candidates(w.t, w.tick, w.x[rows], w.P[rows], w.cls[rows],
                                  np.ones_like(rows), w.remaining, w.track[rows], w.obj[rows],
                                  risk.take(rows))
            if c is None:
                continue
            fz, codes, _, _, avail = shootable(units, w.gates, w.rounds, w.busy, w.ready, w.t,
                                               c.options)
            geo, keys = fz.feasible, c.keys
            feasible_ever[keys[geo.any(axis=0)]] = True
            if patrols is not None:  # as in the decision
                on, allowed = patrols.allow(w.t, c.options.us, c.options, fz.point)
                avail, geo = avail & on, geo & allowed
            ok = geo & (codes == 0) & avail[:, None]
            blocked[keys[ok.any(axis=0)]] |= bit


_BATCH = 4096  # tracks evaluated at once (memory: the route terms are (tracks, assets, 3, 3))


def _risks(kept: Sequence[Withheld], screen: Screen) -> Iterator[AssetRisk]:
    """The asset probabilities of each kept cycle's tracks (:meth:`Screen.risks`), cycles
    gathered into batches of about ``_BATCH`` tracks."""
    sizes = np.array([len(w.x) for w in kept], np.int64)
    batch = np.cumsum(sizes) // _BATCH  # the batch of each cycle
    for b in np.unique(batch).tolist():
        part = [kept[i] for i in np.flatnonzero(batch == b).tolist()]
        n = [len(w.x) for w in part]
        risk = screen.risks(np.repeat([w.t for w in part], n), np.concatenate([w.x for w in part]),
                            np.concatenate([w.P for w in part]),
                            np.concatenate([w.cls for w in part]))
        yield from (risk.take(slice(a, b)) for a, b in pairwise(np.cumsum([0, *n]).tolist()))
