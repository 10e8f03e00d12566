"""Fighter patrols flown in a run: each aircraft is a fire unit row that moves.

Where it sits: the engine's (:class:`inkless.engine.Engine`). The scenario's tables end with one
fire unit row per patrol aircraft (:func:`inkless.scenario.tables.compile_tables`, in the order
of :meth:`inkless.simulation.patrol.Sorties.plan`). Each decision cycle, :meth:`Patrols.fly`
puts those rows where the schedule has the aircraft at the decision time (ECEF m), in the
engine's own copy of the unit table (the record's tables keep them at their bases), and in the
tracked picture's screen; feasibility and the reach screen then read the positions at the
decision time. An aircraft may be assigned only while on station (``on_station <= t <
bingo``); out of missiles it has no free round and is never assigned again.

Not modelled yet (docs/patrols.md): the vector to an intercept (the missile flies from where the
aircraft is at the decision time), fuel recounted after a shot, the return when out of missiles
before bingo, the aircraft's own radar and its IFF answer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from inkless.arrays import I64, B
from inkless.scenario.model import Scenario
from inkless.scenario.tables import FireUnitTable
from inkless.simulation.patrol import Sorties

from .screen import Screen

__all__ = ["Patrols"]


@dataclass
class Patrols:
    """The sorties of a run's patrols (``sorties``), the unit rows of their aircraft
    (``rows``), and per unit row whether it may be assigned by its schedule at the last
    :meth:`fly` (``on (units,)``; fixed units always)."""

    sorties: Sorties
    rows: I64
    on: B

    @classmethod
    def of(cls, scenario: Scenario, units: FireUnitTable) -> Patrols | None:
        """The run's patrols, their aircraft the last rows of ``units`` (None: no patrols)."""
        if not scenario.patrols:
            return None
        sorties = Sorties.plan(scenario.patrols)
        n = len(units.id)
        return cls(sorties, np.arange(n - len(sorties), n), np.ones(n, bool))

    @staticmethod
    def moving(units: FireUnitTable) -> FireUnitTable:
        """A copy of ``units`` whose positions :meth:`fly` may change."""
        return dataclasses.replace(units, ecef=units.ecef.copy())

    def fly(self, t: float, units: FireUnitTable, screen: Screen | None) -> None:
        """Put the aircraft where their schedule has them at ``t`` (s): ``units.ecef`` (the
        engine's moving copy) and ``screen.units_enu``; note which are on station."""
        s = self.sorties
        pos, _ = s.positions(t)
        units.ecef[self.rows] = pos
        if screen is not None:
            screen.units_enu[self.rows] = screen.frame.from_ecef(pos)
        self.on[self.rows] = (s.on_station <= t) & (t < s.bingo)
