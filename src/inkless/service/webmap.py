"""The live web map at ``/``: a member signs in with a session token its node printed and sees
its member's stream drawn on the shared map (``inkless/web/static/replaymap.js``).

Where it sits: beside the node connections in :mod:`inkless.service.app`, which asks
:meth:`WebMap.issue` for a token for every node it admits (the token goes to the node in its
``welcome``; the node prints the map's address with it) and calls :meth:`WebMap.cycle` after
each decision cycle. No private key ever reaches a page: the token is a random 192-bit string
bound to the member whose node proved its key, good while the service runs and for at most
:data:`TOKEN_TTL_S` after it was issued.

The page (``static/live.html``, ``live.js``) opens the WebSocket ``/view`` and sends
``{"type": "token", "token": T}`` first. An unknown or expired token gets
``{"type": "refused", "reason": ONE_LINE}`` and the socket closes (code 4003). A good one gets
``{"type": "map", ...}`` (:func:`map_message`: what does not move, as the member may see it),
then the member's stream exactly as its node gets it (the grants and closures sent before the
replay window, the messages of the window, then the live ones, numbered as on the node's
connection: :meth:`~inkless.service.streams.Stream.history`) with the last ``units`` message
carrying every impact so far (:meth:`WebMap.opening`), and after every decision cycle a
``units`` message (:func:`units_message`: the member's own units' rounds left and the impacts
since the last cycle, which are public: each impact is sent once). Nothing else: a token of
member A never yields what A's node would not get, save the public impacts and A's own rounds.

Units: degrees, metres, seconds since the scenario epoch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from inkless.afteraction.views import site_labels
from inkless.engine.record import LANDED
from inkless.units import deg_from_rad
from inkless.web import MISSING_HINT, inline_assets, missing_assets, static_dir

from .live import Session
from .streams import Stream

__all__ = ["TOKEN_TTL_S", "Tokens", "WebMap", "landed_impacts", "map_message",
           "units_message"]

log = logging.getLogger("inkless.service")

#: How long a map token is good after it was issued, s (and never past the service's end).
TOKEN_TTL_S = 12 * 3600.0
#: Messages a page may fall behind before it is dropped (it may sign in again).
VIEW_QUEUE = 2000
#: Content-Security-Policy of the page: its own files and its own WebSocket, nothing else.
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'")


@dataclass
class Tokens:
    """Map tokens: ``issue(member)`` a fresh one; ``member(token)`` whom it is bound to, or the
    one-line reason it is refused. ``ttl_s``: lifetime, s; ``clock``: monotonic seconds."""

    ttl_s: float = TOKEN_TTL_S
    clock: Callable[[], float] = time.monotonic
    issued: dict[str, tuple[str, float]] = field(default_factory=dict)

    def issue(self, member: str) -> str:
        token = secrets.token_urlsafe(24)
        self.issued[token] = (member, self.clock())
        return token

    def member(self, token: Any) -> str:
        """The member ``token`` is bound to; :class:`ValueError` with the reason if none."""
        got = self.issued.get(token) if isinstance(token, str) else None
        if got is None:
            raise ValueError("unknown token: copy the map address your node printed (a token "
                             "is good only while the service that issued it runs)")
        if self.clock() - got[1] >= self.ttl_s:
            del self.issued[token]
            raise ValueError(f"expired token: issued more than {self.ttl_s / 3600:g} h ago; "
                             "restart your node for a new one")
        return got[0]


def map_message(s: Session, member: str, speed: float) -> dict[str, Any]:
    """What the page of ``member`` draws that does not move, as the member may see it: the
    defended assets and the airspace regions (public: the scenario's; their closures come on
    the stream, :meth:`~inkless.service.streams.Stream.history`), the fire units whose sites
    the member may see (``sensor_positions``, labelled as in ``inkless run --view``) with its
    own units' rounds, the map's box and the session's clock."""
    sc, aud, t = s.scenario, s.audience[member], s.engine.tables
    u = t.units
    aircraft = set(s.engine.patrols.rows.tolist()) if s.engine.patrols is not None else set()
    owners = [t.members[o] for o in u.owner]
    labels = site_labels(u.id, owners, aud, "unit")
    shown = [i for i in range(len(u.id))
             if i not in aircraft and aud.sees(owners[i], "sensor_positions")]
    seen = [(float(deg_from_rad(u.lat[i])), float(deg_from_rad(u.lon[i]))) for i in shown]
    units = [{"id": labels[u.id[i]], "member": aud.label(owners[i]), "lat": lat, "lon": lon,
              "rounds": int(s.engine.defence.rounds[i]) if owners[i] == member else None}
             for i, (lat, lon) in zip(shown, seen, strict=True)]
    a = t.assets
    assets = [{"name": a.name[i], "lat": float(deg_from_rad(a.lat[i])),
               "lon": float(deg_from_rad(a.lon[i])), "radius_m": float(a.radius[i])}
              for i in range(len(a.name))]
    regions = [{"id": r.id, "owner": aud.label(r.owner), "polygon": [list(p) for p in
                                                                     r.polygon_deg]}
               for r in sc.regions]
    return {"type": "map", "member": member, "members": [aud.label(m) for m in s.members],
            "epoch": sc.settings.epoch.isoformat().replace("+00:00", "Z"), "dt_s": s.dt,
            "speed": speed, "end_t": s.engine.last_tick * s.dt,
            "bounds": _bounds(_public_points(s) + seen),
            "assets": assets, "units": units, "regions": regions}


def _public_points(s: Session) -> list[tuple[float, float]]:
    """(lat, lon) degrees of what every member may see placed: the defended assets and the
    airspace regions' vertices."""
    a = s.engine.tables.assets
    return [(float(deg_from_rad(a.lat[i])), float(deg_from_rad(a.lon[i])))
            for i in range(len(a.name))] + [
        (lat, lon) for r in s.scenario.regions for lat, lon in r.polygon_deg]


def _bounds(points: list[tuple[float, float]]) -> list[list[float]]:
    """``[[lat_min, lon_min], [lat_max, lon_max]]`` of ``points`` widened by half their span
    and at least 1 degree on each side (the raid comes from outside what is defended)."""
    if not points:
        return [[-60.0, -180.0], [75.0, 180.0]]
    p = np.array(points, dtype=float)
    lo, hi = p.min(axis=0), p.max(axis=0)
    pad = np.maximum((hi - lo) / 2, 1.0)
    return [(lo - pad).round(4).tolist(), (hi + pad).round(4).tolist()]


def landed_impacts(s: Session, rows: Iterable[int]) -> list[dict[str, Any]]:
    """The impacts of the threats ``rows`` (come down): ``{id, lat, lon, t, asset}`` (deg,
    s) with the asset hit (null: none)."""
    eng, raid = s.engine, s.engine.raid
    return [{"id": raid.id[j], "lat": float(deg_from_rad(raid.impact_lat[j])),
             "lon": float(deg_from_rad(raid.impact_lon[j])), "t": float(eng.threats.end_time[j]),
             "asset": eng.tables.assets.name[raid.hit_asset[j]] if raid.hit_asset[j] >= 0
             else None} for j in rows]


def units_message(s: Session, member: str, t: float, flying: Mapping[int, str],
                  impacts: list[dict[str, Any]]) -> dict[str, Any]:
    """After a cycle at ``t`` (s): ``rounds`` left of ``member``'s own units (by unit id), its
    orders whose interceptors are still ``flying`` (an order that leaves without a ``result``
    was declined or withdrawn) and the ``impacts`` given (public: the defended state reports
    them; :func:`landed_impacts`). ``flying``: order number -> member
    (:attr:`inkless.service.orders.Orders.flying`)."""
    eng, tables = s.engine, s.engine.tables
    own = np.flatnonzero(tables.units.owner == tables.members.index(member))
    return {"type": "units", "t": t,
            "rounds": {tables.units.id[i]: int(eng.defence.rounds[i]) for i in own.tolist()},
            "flying": sorted(o for o, m in flying.items() if m == member), "impacts": impacts}


class WebMap:
    """The map's routes on ``app`` (module docstring) for the session ``s`` and its members'
    ``streams``; ``speed``: scenario seconds per wall-clock second."""

    def __init__(self, app: FastAPI, s: Session, streams: dict[str, Stream],
                 speed: float) -> None:
        self.session, self.streams, self.speed = s, streams, speed
        self.tokens = Tokens()
        self.static = Path(str(static_dir()))
        app.add_api_route("/", self.page, methods=["GET"], include_in_schema=False)
        app.add_api_route("/map/basemap.json", self.basemap, methods=["GET"],
                          include_in_schema=False)
        app.mount("/static", StaticFiles(directory=self.static), name="static")
        app.add_api_websocket_route("/view", self.view)
        self._basemap: str | None = None
        self.impacts: list[dict[str, Any]] = []  # every impact sent so far (public)
        self._told = np.zeros(len(s.engine.raid.id), bool)  # threats whose impact was sent
        self._units: dict[str, dict[str, Any]] = {}  # each member's last units message

    def issue(self, member: str) -> str:
        return self.tokens.issue(member)

    def sign_in(self, text: str) -> str:
        """The member a page's first message signs in as; :class:`ValueError` with the
        one-line reason if none (:meth:`Tokens.member`)."""
        try:
            first = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError('not a sign-in: send {"type": "token", "token": TOKEN} first'
                             ) from None
        return self.tokens.member(first.get("token") if isinstance(first, dict) else None)

    async def page(self) -> Response:
        if missing_assets():
            return HTMLResponse(f"<p>{MISSING_HINT}</p>", status_code=503)
        html = (self.static / "live.html").read_text(encoding="utf-8")
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP,
                                           "Cache-Control": "no-store"})

    async def basemap(self) -> Response:
        """The countries around the scenario (world-atlas, cut as for a report)."""
        if self._basemap is None:
            box = _bounds(_public_points(self.session))
            cut = inline_assets((box[0][1], box[1][1], box[0][0], box[1][0]))
            self._basemap = cut.basemap_json if cut is not None else "{}"
        return Response(self._basemap, media_type="application/json")

    async def view(self, ws: WebSocket) -> None:
        """One page: its token, then the map and its member's stream (module docstring)."""
        await ws.accept()
        try:
            member = self.sign_in(await asyncio.wait_for(ws.receive_text(), 30.0))
        except ValueError as e:
            await ws.send_json({"type": "refused", "reason": str(e)})
            await ws.close(4003, str(e)[:120])
            log.warning("map refused: %s", str(e).split(":")[0])
            return
        except (TimeoutError, WebSocketDisconnect):
            return
        stream = self.streams[member]
        queue: asyncio.Queue[str | None] = asyncio.Queue(VIEW_QUEUE)
        backlog = self.opening(member)
        stream.watchers.append(queue)  # with no await since the backlog: nothing missed
        log.info("map of %s opened", member)
        try:
            await ws.send_json(map_message(self.session, member, self.speed))
            for text in backlog:
                await ws.send_text(text)
            while (live := await queue.get()) is not None:
                await ws.send_text(live)
            await ws.close(1013, "too slow: sign in again")
        except WebSocketDisconnect:
            pass
        finally:
            if queue in stream.watchers:
                stream.watchers.remove(queue)

    def opening(self, member: str) -> list[str]:
        """What a page of ``member`` opening now is sent after the map: its stream's history
        (:meth:`~inkless.service.streams.Stream.history`), then the last ``units`` message
        with every impact so far (the later ones carry only the new impacts)."""
        last = self._units.get(member)
        units = [] if last is None else [json.dumps({**last, "impacts": self.impacts},
                                                    separators=(",", ":"))]
        return self.streams[member].history() + units

    def cycle(self, tick: int, flying: Mapping[int, str]) -> None:
        """After a decision cycle: the ``units`` message to every open page (``flying``: the
        orders in the air by member, :func:`units_message`) with the impacts since the last
        cycle, each sent once."""
        s = self.session
        new = (s.engine.threats.fate == LANDED) & ~self._told
        self._told |= new
        impacts = landed_impacts(s, np.flatnonzero(new).tolist())
        self.impacts += impacts
        for member, stream in self.streams.items():
            msg = self._units[member] = units_message(s, member, tick * s.dt, flying, impacts)
            if stream.watchers:
                stream.watch(json.dumps(msg, separators=(",", ":")))
