"""What may be shot at: tracks taken as threats through the reach screen, threat evaluation and
the predicted paths (:class:`Screen`), and which of the resulting shots are feasible, allowed
by the gates and available to the units (:func:`shootable`).

Where it sits: between a picture and a decision. The tracked picture screens its hostile
tracks with it (the decision path); the after-action's counterfactual of the shots withheld
(:mod:`inkless.engine.withheld`) screens the withheld tracks with the same code after the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inkless.arrays import F64, I64, B
from inkless.assignment import may_reach, within_reach
from inkless.assignment.feasibility import Feasibility, feasibility
from inkless.coalition import Gates, PairQuery
from inkless.scenario.tables import AssetTable, FireUnitTable
from inkless.sensing import EnuFrame
from inkless.simulation import BALLISTIC
from inkless.threat import (
    AssetRisk,
    asset_probabilities,
    evaluate_tracks,
    predicted_path,
)

from .state import Candidates, Options

__all__ = ["Screen", "allowed", "availability", "shootable"]


@dataclass(frozen=True)
class Screen:
    """The fixed inputs of screening tracks: the ``units`` (and their positions ``units_enu``
    (u, 3) m in the common ENU ``frame``), the ``assets``, each class's ``lethality``, whether
    undefended assets count (``engage_undefended``), each unit's longest ``flyout`` (s), the
    decision period ``dt`` (s), the truth grid's ``ticks`` (the look-ahead ends there) and the
    number of threats ``n`` (truth rows ``0..n-1`` are threats); ``reach_m (u,)`` how far from
    each unit a threat may be for it to matter (m; None: ``units.r_max``; a patrol aircraft
    reaches farther by its vectors, :meth:`inkless.engine.patrols.Patrols.screen_reach`)."""

    units: FireUnitTable
    units_enu: F64
    frame: EnuFrame
    assets: AssetTable
    lethality: F64
    engage_undefended: bool
    flyout: F64
    dt: float
    ticks: int
    n: int
    reach_m: F64 | None = None

    def moved(self, rows: I64) -> None:
        """Units ``rows`` moved (patrol aircraft): their ENU positions from ``units.ecef``."""
        self.units_enu[rows] = self.frame.from_ecef(self.units.ecef[rows])

    def risks(self, t: F64, x: F64, P: F64, cls: I64) -> AssetRisk:
        """The asset probabilities of tracks ``x (k, 6)``, ``P (k, 6, 6)`` (common frame)
        taken as threats of classes ``cls``, each at its own time ``t (k,)`` (s), in one batch
        (:func:`inkless.threat.asset_probabilities`): what :meth:`candidates` computes of each
        track, for many cycles at once (the counterfactual of the shots withheld)."""
        frame, assets = self.frame, self.assets
        return asset_probabilities(t, frame.to_ecef(x[:, :3]), x[:, 3:] @ frame.rot, P,
                                   cls == BALLISTIC, assets.ecef, assets.alt, assets.radius,
                                   rot=frame.rot)

    def candidates(self, t: float, tick: int, x: F64, P: F64, cls: I64, room: I64,
                   remaining: F64, track: I64, obj: I64,
                   risk: AssetRisk | None = None) -> Candidates | None:
        """Tracks with states ``x (k, 6)`` and covariances ``P (k, 6, 6)`` in the common frame
        taken as threats of classes ``cls`` with room for ``room`` more interceptors, at ``t``
        (s, tick ``tick``), the assets' values ``remaining``: reach screen, threat evaluation on
        the tracks, predicted paths and the units that might reach them; None if no unit may.
        ``track`` are their ids, ``obj`` the truth behind each (bookkeeping only). ``risk``:
        their asset probabilities if already computed (:meth:`risks`)."""
        if not len(x):
            return None
        units, flyout, dt, frame = self.units, self.flyout, self.dt, self.frame
        reachable = may_reach(units, self.units_enu, x[:, :3], x[:, 3:], cls, flyout, dt,
                              self.reach_m)
        if not reachable.any():
            return None
        x, P, cls, room = x[reachable], P[reachable], cls[reachable], room[reachable]
        track, obj = track[reachable], obj[reachable]
        threat = evaluate_tracks(t, frame.to_ecef(x[:, :3]), x[:, 3:] @ frame.rot, P, cls,
                                 self.assets, remaining, self.lethality, self.engage_undefended,
                                 frame.rot, None if risk is None else risk.take(reachable))
        keep = np.flatnonzero(threat.value > 0)
        kinds = cls[keep]
        usable = units.pk[:, kinds] > 0
        near_u = usable.any(axis=1)
        if not (keep.size and near_u.any()):
            return None
        us = np.flatnonzero(near_u)
        look = int(np.ceil(min(float(flyout[us].max()), 900.0) / dt)) + 2
        times = dt * np.arange(tick, min(tick + look, self.ticks))
        ecef = predicted_path(t, times, threat.pos[keep], threat.vel[keep],
                              threat.ballistic[keep], threat.t_end[keep])
        pairs = usable[near_u] & within_reach(units, us, ecef, self.reach_m)
        idx = np.flatnonzero(pairs.any(axis=0))
        if not idx.size:
            return None
        sel, ecef = keep[idx], ecef[:, idx]  # the paths of the tracks some unit might reach
        keys = np.where((obj[sel] >= 0) & (obj[sel] < self.n), obj[sel], -1)  # -1: no threat
        o = Options(us, np.arange(idx.size), kinds[idx], threat.asset[sel], pairs[:, idx], times,
                    ecef, None)  # heights where the feasibility needs them
        return Candidates(keys, threat.value[sel], room[sel], o, (track[sel], obj[sel]))


def shootable(units: FireUnitTable, gates: Gates, rounds: I64, busy: I64, ready: F64, t: float,
              o: Options) -> tuple[Feasibility, I64, I64, B, B]:
    """At ``t`` (s): the feasibility of the options' pairs and the gates' codes
    (:func:`allowed`), the units' free rounds, whether each unit's member acts and whether each
    unit is available (:func:`availability`)."""
    free, active, avail = availability(units, gates, rounds, busy, ready, t, o.us)
    return (*allowed(units, gates, t, o), free, active, avail)


def availability(units: FireUnitTable, gates: Gates, rounds: I64, busy: I64, ready: F64,
                 t: float, us: I64) -> tuple[I64, B, B]:
    """At ``t`` (s), for units ``us``: their free rounds (``rounds`` left within the channels
    not ``busy``), whether their member's forces act, and whether each is available (a free
    round, reloaded by ``ready``, its member acting)."""
    free: I64 = np.minimum(rounds[us], units.channels[us] - busy[us])
    active = gates.active(units.owner[us], t)
    avail = (free > 0) & (ready[us] <= t) & active
    return free, active, avail


def allowed(units: FireUnitTable, gates: Gates, t: float, o: Options,
            pairs: B | None = None) -> tuple[Feasibility, I64]:
    """At ``t`` (s): the feasibility of the options' pairs, or of ``pairs (us, k)`` if given
    (the others infeasible; the shot now only), and the gates' rule codes of every pair (0:
    allowed)."""
    us = o.us
    fz = feasibility(units, us, o.idx, o.cls, o.pairs if pairs is None else pairs, t, o.times,
                     o.ecef, o.alt, detail=False)
    codes = gates.blocking(PairQuery(t, us, units.owner[us], o.cls, o.asset, fz.point))
    return fz, codes
