"""The perfect picture: the defence holds exactly the threats some coalition sensor covers, with
their true positions, impact points and classes (the best picture; not an upper bound of the
outcome, the assignment having no look-ahead: docs/pictures.md).

Where it sits: one of the engine's pictures (:class:`inkless.engine.picture.Picture`). Its
candidates are the covered threats whose engagement window is open (some unit can still meet
them), with their true values at risk and their true paths for the feasibility of shots.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from inkless.arrays import F32, F64, I64, B
from inkless.assignment.feasibility import envelope_windows
from inkless.coalition import CaveatMask, Gates
from inkless.engagement import PENDING, InFlight
from inkless.identification import TRUTH_THREAT
from inkless.scenario.tables import Tables
from inkless.sensing.coverage import covered_by, in_flight
from inkless.simulation import Raid, SensorPlatforms
from inkless.threat import value_at_risk

from .patrols import Patrols
from .record import Held, IdentityRecord
from .state import NEVER, Candidates, DefenceState, Options, ThreatState

__all__ = ["PerfectPicture"]


class PerfectPicture:
    """Truth of the threats the coalition's sensors cover (module docstring). ``moving``: the
    unit rows whose positions change (patrol aircraft): their windows are every tick, the
    feasibility at each decision time says the rest."""

    def __init__(self, tables: Tables, raid: Raid, platforms: SensorPlatforms, gates: Gates,
                 truth: F32, truth_alt: F32, dt: float, flyout: F64, max_shots: I64,
                 engage_undefended: bool, moving: I64 | None = None) -> None:
        units = tables.units
        self.raid, self.units, self.dt, self.flyout = raid, units, dt, flyout
        self.truth, self.truth_alt, self.ticks = truth, truth_alt, truth.shape[0]
        self.max_shots, self.engage_undefended = max_shots, engage_undefended
        self.sensors, self.platform = tables.sensors, platforms.grid(dt, self.ticks)
        self.members = len(tables.members)
        self.regate(gates)
        first, self.window_last = envelope_windows(units, truth, truth_alt, raid.cls)
        self.window_first = first  # (moving units: every tick, below)
        if moving is not None:  # units that move (patrol aircraft): every tick, if it may kill
            may = units.pk[moving][:, raid.cls] > 0
            first[moving] = np.where(may, 0, -1)
            self.window_last[moving] = np.where(may, self.ticks - 1, -1)
        # a shot fired at tick k meets the threat no later than flyout seconds after k
        self.window_open = first - np.ceil(flyout / dt).astype(np.int64)[:, None] - 1
        # A threat can matter to a decision only between the first opening and the last closing
        # of its windows over all units; ticks when no live threat is in such a span are idle.
        has_window = self.window_last >= 0
        self.active_lo = np.where(has_window, self.window_open, NEVER).min(axis=0, initial=NEVER)
        self.active_hi = self.window_last.max(axis=0, initial=-1)
        self._regions: tuple[CaveatMask, I64] | None = None  # a mask and its region grid
        self._blocks: tuple[CaveatMask, bytes, B] | None = None  # mask, grants, area_blocks

    def regate(self, gates: Gates) -> None:
        """``holders (ticks, n)``: the members whose sensors cover each threat at each tick
        while their forces act (bit ``m``: member row ``m``), sensor by sensor as
        :func:`inkless.sensing.coverage_grid` tests it; ``held``: some member's do."""
        sensors = self.sensors
        acting = gates.acting_grid(self.dt * np.arange(self.ticks))[:, sensors.owner]
        flying = in_flight(self.truth, self.truth_alt)
        bit = np.min_scalar_type((1 << max(self.members, 1)) - 1).type
        self.holders = np.zeros(self.truth_alt.shape, bit)
        for i in range(len(sensors.id)):
            kk, jj = covered_by(i, self.platform, sensors.range, sensors.min_el, sensors.max_el,
                                flying, self.raid.cls, acting)
            self.holders[kk, jj] |= bit(1 << int(sensors.owner[i]))
        self.held = self.holders != 0

    def region_grid(self, mask: CaveatMask, rows: B) -> I64:
        """``(n, ticks)`` the regions (:meth:`CaveatMask.region_bits`) of each threat's true
        position at each tick where a unit of ``rows`` may meet it (inside the unit's envelope
        window, widened by a tick each side against rounding; in flight); -1 elsewhere (in
        the smallest signed integer type that holds the bits).
        Computed once for the run instead of at every intercept point of every cycle."""
        first, last = self.window_first[rows], self.window_last[rows]
        u, j = np.nonzero(last >= 0)
        edge = np.zeros((len(self.raid), self.ticks + 1), np.int32)
        np.add.at(edge, (j, np.maximum(first[u, j] - 1, 0)), 1)
        np.add.at(edge, (j, np.minimum(last[u, j] + 2, self.ticks)), -1)
        jj, kk = np.nonzero(np.cumsum(edge[:, :-1], axis=1) > 0)
        keep = np.isfinite(self.truth_alt[kk, jj])
        jj, kk = jj[keep], kk[keep]
        small = np.min_scalar_type(-(1 << mask.area_ok.shape[1]))  # -1 and every region bit
        out: I64 = np.full((len(self.raid), self.ticks), -1, small)
        out[jj, kk] = mask.region_bits(self.truth[kk, jj].astype(np.float64))
        return out

    def area_clear(self, mask: CaveatMask, t: float, o: Options, cols: I64) -> B:
        """``(members, cols)`` whether each member's area rule in ``mask`` allows a shot at
        ``t`` (s) wherever on the look-ahead of ``o`` (:meth:`observe`'s: every tick from
        ``t``) it may meet each candidate of the columns ``cols``: :meth:`CaveatMask.area_blocks`
        of :meth:`region_grid` (of the units under an area rule), computed once per mask and
        set of grants in force."""
        key = mask.allowed_regions(t).tobytes()  # the grants in force
        if self._blocks is None or self._blocks[0] is not mask or self._blocks[1] != key:
            if self._regions is None or self._regions[0] is not mask:
                rows = mask.code[self.units.owner, 2] > 0
                self._regions = (mask, self.region_grid(mask, rows))
            self._blocks = (mask, key, mask.area_blocks(self._regions[1], t))
        tick = round(t / self.dt)
        blocks = self._blocks[2][:, o.idx[cols], tick: tick + len(o.times)]
        out: B = ~np.any(blocks, axis=2)
        return out

    def _active(self, tick: int, threats: ThreatState) -> B:
        out: B = threats.alive & (self.active_lo <= tick) & (tick <= self.active_hi)
        return out

    def idle(self, tick: int, threats: ThreatState) -> bool:
        """Nothing can be decided at ``tick``: no live threat in its engagement span."""
        return tick >= self.ticks or not self._active(tick, threats).any()

    def observe(self, tick: int, t: float, threats: ThreatState,
                defence: DefenceState) -> Iterator[Candidates]:
        """The covered threats in their engagement span with room for another interceptor and
        value at risk, with the units whose window is open on them."""
        raid, flight = self.raid, defence.flight
        rows = np.flatnonzero(self._active(tick, threats))
        held = rows[self.held[tick, rows]]
        pending = flight.result[: flight.n] == PENDING
        inair = np.bincount(flight.threat[: flight.n][pending], minlength=len(raid))
        room = self.max_shots[raid.cls[held]] - inair[held]
        value = value_at_risk(raid.hit_asset[held], raid.lethality[held], threats.remaining,
                              self.engage_undefended)
        keep = (room > 0) & (value > 0)
        cand, value, room = held[keep], value[keep], room[keep]
        if not len(cand):
            return
        reach = (self.window_open[:, cand] <= tick) & (tick <= self.window_last[:, cand])
        near_u, near_t = reach.any(axis=1), reach.any(axis=0)
        if not near_t.any():
            return
        us, cand = np.flatnonzero(near_u), cand[near_t]
        look = int(np.ceil(min(float(self.flyout[us].max()), 900.0) / self.dt)) + 2
        stop = min(tick + look, self.ticks)
        o = Options(us, cand, raid.cls[cand], raid.hit_asset[cand], reach[near_u][:, near_t],
                    self.dt * np.arange(tick, stop), self.truth[tick:stop],
                    self.truth_alt[tick:stop])
        yield Candidates(cand, value[near_t], room[near_t], o)

    # --- hooks the tracked picture needs; the truth needs none --------------------------------
    seen = None  # nothing to show the observers: the truth is the record's own

    def fly(self, tick: int, patrols: Patrols) -> None:
        """The patrol aircraft moved: their windows are every tick (the feasibility at each
        decision time reads their unit rows)."""

    def check(self, flight: InFlight, t: float, alive: B) -> None:
        """Interceptors due by ``t``: on the truth every aim point is the threat itself."""

    def killed(self, row: int, t: float) -> None:
        """A kill is seen at once: the threat is gone from the truth."""

    def fired(self, rows: slice, c: Candidates, cols: I64) -> None:
        """Nothing to remember of what was fired at: the threat rows say it."""

    def detections(self, end_time: F64, duration_s: float) -> F64:
        """Per threat, the first time some sensor held it while still in flight (NaN: never)."""
        first = Held.of([self.held], self.dt, end_time, duration_s).first[0]
        return np.where(np.isfinite(first), first, np.nan)

    def held_by_members(self, end_time: F64, duration_s: float) -> Held:
        """When each member's sensors held each threat (:class:`Held`)."""
        bit = self.holders.dtype.type
        return Held.of(((self.holders & bit(1 << m)) != 0 for m in range(self.members)),
                       self.dt, end_time, duration_s)

    def identity(self, flight: InFlight) -> IdentityRecord:
        """Identities are the truth: every object a threat, every shot at its threat."""
        n = len(self.raid)
        return IdentityRecord(np.full(n, TRUTH_THREAT, np.int8), self.raid.id,
                              flight.threat[: flight.n].copy())
