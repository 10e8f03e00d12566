"""Fire orders as proposals: each nation keeps its fire authority.

Where it sits: between the engine's decisions (:class:`inkless.engine.Decisions`) and the
member nodes. Every order of a cycle goes to its unit's member as an ``order`` message; the
node answers ``wilco`` or ``cantco`` (with a reason). An order declined, not answered within
``timeout_s`` wall-clock seconds, or whose member's node is lost becomes a
:class:`inkless.engine.Decline` of the next cycle: the engine withdraws the interceptor (never
launched) and re-plans that threat at once without that unit (the pair is never proposed
again), so the other members' units take it. An order answered ``wilco`` stands; the unit may
report its ``status`` (``fired``, ``kill``, ``miss``, rounds left: an
:class:`inkless.engine.Outcome` of the next cycle, a kill or a miss replacing the engine's
draw). Its result (kill, miss, lost) goes to the members that may see the shooter's engagements
(:meth:`inkless.afteraction.views.Audience.sees`, kind ``engagements``).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inkless.afteraction.views import Audience
from inkless.engagement import PENDING, RESULT_NAMES, InFlight
from inkless.engine import Decisions, Decline, Order, Outcome
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.units import deg_from_rad

__all__ = ["Orders"]


@dataclass
class _Pending:
    member: str
    deadline: float  # monotonic s
    answered: bool = False


@dataclass
class Orders:
    """The orders awaiting an answer and the interceptors awaiting a result (module
    docstring)."""

    timeout_s: float = 2.0
    pending: dict[int, _Pending] = field(default_factory=dict)
    flying: dict[int, str] = field(default_factory=dict)  # order id -> member
    declines: list[Decline] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def issue(self, decided: Decisions, now: float | None = None
              ) -> dict[str, list[dict[str, Any]]]:
        """The ``order`` messages of a cycle's decisions, per member; withdrawn orders are
        forgotten."""
        now = time.monotonic() if now is None else now
        for w in decided.withdrawn:
            self.pending.pop(w, None)
            self.flying.pop(w, None)
        out: dict[str, list[dict[str, Any]]] = {}
        for o in decided.orders:
            self.pending[o.id] = _Pending(o.member_id, now + self.timeout_s)
            self.flying[o.id] = o.member_id
            out.setdefault(o.member_id, []).append(_message(o))
        return out

    def answer(self, member: str, msg: Mapping[str, Any]) -> str | None:
        """A node's ``wilco`` or ``cantco``; the reason it is refused, or None."""
        try:
            order = int(msg["order"])
        except (KeyError, TypeError, ValueError):
            return f"{msg.get('type')}: give the order's number (order)"
        p = self.pending.get(order)
        if p is None or p.member != member or p.answered:
            return f"{msg.get('type')} for order {order}: no such order awaits {member}'s answer"
        p.answered = True
        if msg.get("type") == "cantco":
            reason = str(msg.get("reason") or "no reason given")[:200]
            self.declines.append(Decline(order, f"CANTCO: {reason}"))
        return None

    def status(self, member: str, msg: Mapping[str, Any]) -> str | None:
        """A unit's ``status`` on an order it took: ``fired``, ``kill`` or ``miss``, with its
        ``rounds_left`` (optional); an outcome of the next cycle (a kill or a miss settles the
        interceptor with that result instead of the engine's draw). The reason it is refused,
        or None."""
        try:
            order, result = int(msg["order"]), str(msg["result"])
            left = msg.get("rounds_left")
            rounds = None if left is None else int(left)
        except (KeyError, TypeError, ValueError):
            return "status: give order, result (fired, kill, miss) and optionally rounds_left"
        if result not in ("fired", "kill", "miss"):
            return f"status for order {order}: result {result!r} is not fired, kill or miss"
        if self.flying.get(order) != member:
            return f"status for order {order}: not an interceptor of {member}'s in the air"
        if rounds is not None and rounds < 0:
            return f"status for order {order}: rounds_left {rounds} is below 0"
        self.outcomes.append(Outcome(order, result, rounds))  # type: ignore[arg-type]
        return None

    def due(self, connected: Collection[str], now: float | None = None) -> tuple[Decline, ...]:
        """The declines for the next cycle: the CANTCOs received, the orders unanswered by
        their deadline, the orders of members whose node is gone."""
        now = time.monotonic() if now is None else now
        out, self.declines = self.declines, []
        for order, p in list(self.pending.items()):
            if p.answered:
                del self.pending[order]
            elif p.member not in connected:
                out.append(Decline(order, f"{p.member}'s node lost"))
            elif now >= p.deadline:
                out.append(Decline(order, f"no answer from {p.member} in {self.timeout_s:g} s"))
        for d in out:
            self.pending.pop(d.order, None)
        return tuple(out)

    def results(self, flight: InFlight, audience: Mapping[str, Audience],
                unit_id: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
        """The ``result`` messages of the interceptors settled since the last call, to every
        member that may see the shooter's engagements (the shooter always)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for order, member in list(self.flying.items()):
            r = int(flight.result[order])
            if r == PENDING or order in self.pending:
                continue
            del self.flying[order]
            if r not in RESULT_NAMES:
                continue  # declined: never launched
            lat, lon, _ = geodetic_from_ecef(flight.point[order])
            for viewer, aud in audience.items():
                if aud.sees(member, "engagements"):
                    out.setdefault(viewer, []).append({
                        "type": "result", "order": order, "member": aud.label(member),
                        "unit": unit_id[int(flight.unit[order])] if viewer == member else None,
                        "result": RESULT_NAMES[r],
                        "t": float(flight.intercept_time[order]),
                        "lat_deg": float(deg_from_rad(lat)), "lon_deg": float(deg_from_rad(lon))})
        return out


def _message(o: Order) -> dict[str, Any]:
    lat, lon, alt = geodetic_from_ecef(np.array(o.aim_ecef_m))
    return {"type": "order", "order": o.id, "unit": o.unit_id, "target": o.target, "t": o.t,
            "intercept_time_s": o.intercept_time_s, "aim_lat_deg": float(deg_from_rad(lat)),
            "aim_lon_deg": float(deg_from_rad(lon)), "aim_alt_m": float(alt), "pk": o.pk}
