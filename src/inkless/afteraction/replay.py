"""A run's replay for the report's map: what was where at every moment, thinned to stay light.

Where it sits: after-action, beside ``results.py``; reads a finished
:class:`~inkless.engine.Record` (nothing is re-run) and gives a JSON-ready dict that the report
embeds and the shared map code (``inkless/web/static/replaymap.js``) plays back;
:func:`replay_html` renders the report's section (``templates/_replay.html.j2``) with the map's
libraries inlined (:mod:`inkless.web`).

What it holds (degrees, seconds since the scenario epoch, JSON keys below):

* ``threats``: each launched threat's ground track from launch to its end (kill, impact or the
  end of the run), class, fate; sampled every ``sample_s`` and thinned (below).
* ``tracks``: the coalition picture's tracks at every decision time (tracked picture only; none
  on the perfect one: ``PictureRecord.scans`` and the coalition's identity history), or only
  the rows a member holds (released to it: ``IdentityRecord.held``): each track's path, the
  stretches of time it was held (from a decision time to one period after the last one held)
  and its identity changes.
* ``interceptors``: every round fired, a straight line from its unit (a patrol aircraft: where
  it was at the fire time, as in events.csv) to the intercept point,
  flown at constant speed from ``fire`` to ``end`` (the map's picture, not the flyout model), and
  its result; an intercept (kill) or miss marker stays from ``end`` on.
* ``patrols``: every fighter-patrol aircraft launched by the end of the run (``id``
  ``PATROL.F.A``, ``patrol``, ``member``), its ground track as flown (``Record.patrols``,
  :meth:`~inkless.simulation.patrol.Sorties.positions`) from take-off to ``end`` (landing or the
  end of the run), sampled every ``sample_s`` or more often where its pattern's turns need it
  (below), plus its take-off, joining, bingo and landing times and the corners of its vectors,
  and thinned; and its ``vectors`` to an intercept as flown (``Sorties.dashes``): ``fire`` (it
  leaves its pattern), ``at`` (it reaches the launch point: it fires, or breaks off), ``until``
  (back on its pattern, or it turns home from the point), ``from`` and ``to`` (degrees), the
  ``threat`` fired at (empty if none) and the ``outcome`` (``fired`` or why it broke off,
  :data:`inkless.simulation.patrol.OUTCOMES`).
* ``stations``: each patrol's CAP pattern (``polygon``, its outline every 5 degrees of the
  turns) and its ``base``.
* ``impacts``: where and when each leaking threat came down, and the asset it hit.
* ``assets``, ``units`` (fire units at fixed sites: a patrol's aircraft are in ``patrols``),
  ``regions`` (airspace polygons), ``closures`` (region,
  from, until) and ``grants`` (grantor, grantee, region, what, from, until).
* ``seed`` and ``replication`` (its index, from 0): which run the map replays (with several
  replications, the first: ``SeedSequence(seed).spawn(R)[replication]``).

Thinning: a path sampled every ``sample_s`` keeps only the samples needed so that linear
interpolation in time between kept samples stays within ``tolerance_m`` of every dropped sample
on the ground (Ramer–Douglas–Peucker with the time-synchronised distance, Meratnia & de By 2004,
*Spatiotemporal compression techniques for moving point objects*, EDBT, LNCS 2992). Ground
distances use the local equirectangular approximation (R = 6 371 km), ample at that tolerance.
Coordinates are rounded to 1e-4 degree (about 11 m), times to 0.1 s. A patrol aircraft is
sampled at most every ``2 sqrt(r tolerance_m) / cruise`` s (``r`` its pattern's turn radius):
the chord between two samples on a turn then strays at most ``tolerance_m / 2`` from the arc
(sagitta ``c^2 / 8 r``; a turn of ``r <= tolerance_m / 4`` strays at most ``2 r`` whatever the
step, so ``r`` is taken at least that), and the replayed aircraft stays within about
``tolerance_m`` of its sortie at any time, not only at the samples.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import jinja2
import markupsafe
import numpy as np
import numpy.typing as npt

from inkless.coalition.members import seconds_since
from inkless.engagement import RESULT_NAMES
from inkless.engine import KILLED, LANDED, Record
from inkless.identification import CATEGORY_NAMES
from inkless.physics.geodesy import geodetic_from_ecef
from inkless.physics.sortie import station_point
from inkless.scenario.model import THREAT_CLASSES
from inkless.simulation.patrol import OUTCOMES
from inkless.units import deg_from_rad
from inkless.web import MISSING_HINT, inline_assets

from .results import first_aircraft, shot_origins

__all__ = ["REPLAY_VERSION", "replay", "replay_html", "thin"]

REPLAY_VERSION = 1
_M_PER_DEG = 6_371_000.0 * math.pi / 180.0
_FATES = {KILLED: "killed", LANDED: "landed"}
FloatArray = npt.NDArray[np.float64]


def thin(t: FloatArray, lat: FloatArray, lon: FloatArray, tolerance_m: float) -> npt.NDArray[
        np.int64]:
    """Indices of the samples to keep (first and last always) so that linear interpolation in
    time between kept samples is within ``tolerance_m`` of every sample on the ground.

    Ramer–Douglas–Peucker with the time-synchronised distance (module docstring); ``t`` (k,)
    increasing seconds, ``lat``/``lon`` (k,) degrees. Iterative (a stack of segments), each
    segment's worst sample found with one vectorised pass.
    """
    k = len(t)
    if k <= 2:
        return np.arange(k, dtype=np.int64)
    keep = np.zeros(k, dtype=bool)
    keep[[0, k - 1]] = True
    coslat = np.cos(np.radians(lat))
    stack = [(0, k - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        inner = slice(a + 1, b)
        f = (t[inner] - t[a]) / (t[b] - t[a]) if t[b] > t[a] else np.zeros(b - a - 1)
        dlat = lat[inner] - (lat[a] + f * (lat[b] - lat[a]))
        dlon = (lon[inner] - (lon[a] + f * (lon[b] - lon[a]))) * coslat[inner]
        err = np.hypot(dlat, dlon) * _M_PER_DEG
        worst = int(np.argmax(err))
        if err[worst] > tolerance_m:
            m = a + 1 + worst
            keep[m] = True
            stack += [(a, m), (m, b)]
    return np.flatnonzero(keep)


def _degrees(ecef: FloatArray) -> tuple[FloatArray, FloatArray]:
    lat, lon, _ = geodetic_from_ecef(np.asarray(ecef, dtype=float).reshape(-1, 3))
    return deg_from_rad(lat), deg_from_rad(lon)


def _path(t: FloatArray, lat: FloatArray, lon: FloatArray, tolerance_m: float
          ) -> dict[str, list[float]]:
    """A thinned path as JSON columns ``t`` (s, 0.1), ``lat``/``lon`` (degrees, 1e-4)."""
    lon = np.degrees(np.unwrap(np.radians(lon)))  # no jump at the antimeridian
    k = thin(t, lat, lon, tolerance_m)
    return {"t": np.round(t[k], 1).tolist(), "lat": np.round(lat[k], 4).tolist(),
            "lon": np.round(lon[k], 4).tolist()}


#: threats positioned at once by :func:`_threats` (April: 320 threats x 4 142 samples at once
#: took 200 MB for a moment)
_BLOCK = 32


def _threats(record: Record, sample_s: float, tolerance_m: float) -> list[dict[str, Any]]:
    """Every launched threat's thinned ground track from launch to its end (module docstring)."""
    raid = record.raid
    rows = np.flatnonzero(raid.launch_time <= record.t_end)
    end = np.where(np.isnan(record.end_time), record.t_end, record.end_time)
    end = np.minimum(np.minimum(end, raid.impact_time), record.t_end)
    grid = np.arange(0.0, record.t_end + sample_s, sample_s)
    out = []
    for i, j in enumerate(rows.tolist()):
        if i % _BLOCK == 0:  # positions a block of threats at a time (memory)
            pos = raid.ahead(rows[i: i + _BLOCK], grid)  # (block, k, 3), NaN outside flight
        t0, t1 = float(raid.launch_time[j]), float(end[j])
        p = pos[i % _BLOCK]
        inside = (grid > t0) & (grid < t1) & np.isfinite(p[:, 0])
        last = raid.impact_ecef[j] if record.fate[j] == LANDED else (
            raid.state(np.nextafter(t1, -np.inf), np.array([j]))[0][0])
        ecef = np.vstack([raid.launch_ecef[j], p[inside], last])
        times = np.r_[t0, grid[inside], t1]
        ok = np.isfinite(ecef[:, 0])
        lat, lon = _degrees(ecef[ok])
        out.append({"id": raid.id[j], "cls": THREAT_CLASSES[raid.cls[j]],
                    "fate": _FATES.get(int(record.fate[j]), "flying"),
                    "end": round(t1, 1), **_path(times[ok], lat, lon, tolerance_m)})
    return out


def _tracks(record: Record, tolerance_m: float, member: int | None = None
            ) -> list[dict[str, Any]]:
    """The coalition picture's tracks at every decision time (tracked picture only; only the
    rows released to member row ``member`` if given), one entry per track: its path over its
    whole life (thinned), the stretches of consecutive decision times it was held (``life``:
    flat ``[from, until, from, until, ...]``, until = one decision period after the last time
    held) and its identity changes."""
    tr, hist, held = record.tracked, record.identity.coalition, record.identity.held
    if tr is None or tr.scans is None or hist is None or len(hist) == 0:
        return []
    dt = record.scenario.settings.scan_period_s
    rows = np.flatnonzero(hist.member == 0)  # the coalition's picture
    if member is not None:  # ... the rows released to the member
        mine = np.zeros(len(hist), bool) if held is None else (
            (held >> np.uint64(member)) & np.uint64(1)).astype(bool)
        rows = rows[mine[rows]]
    rows = rows[np.lexsort((hist.t[rows], hist.track_id[rows]))]
    ids, t, cat = hist.track_id[rows], hist.t[rows], hist.category[rows]
    lat, lon = _degrees(tr.frame.to_ecef(tr.scans.x[rows, :3].astype(np.float64)))
    new_track = np.r_[True, ids[1:] != ids[:-1]]
    held_from = new_track | np.r_[True, np.diff(t) > 1.5 * dt]  # a stretch starts
    held_to = np.r_[held_from[1:], True]  # ... and ends
    changed = new_track | np.r_[True, cat[1:] != cat[:-1]]
    starts = np.flatnonzero(new_track)
    out = []
    for a, b in zip(starts.tolist(), np.r_[starts[1:], len(ids)].tolist(), strict=True):
        life = np.c_[t[a:b][held_from[a:b]], t[a:b][held_to[a:b]] + dt].ravel()
        k = a + np.flatnonzero(changed[a:b])
        out.append({"id": int(ids[a]), "life": np.round(life, 1).tolist(),
                    "identity": [[round(float(t[i]), 1), CATEGORY_NAMES[int(cat[i])]]
                                 for i in k.tolist()],
                    **_path(t[a:b], lat[a:b], lon[a:b], tolerance_m)})
    return out


def _patrols(record: Record, sample_s: float, tolerance_m: float
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every patrol aircraft's thinned ground track as flown, and every patrol's station
    (module docstring)."""
    s, sc = record.patrols, record.scenario
    if s is None or len(s) == 0:
        return [], []
    end = np.minimum(s.landed, record.t_end)
    r = np.maximum(s.radius, tolerance_m / 4.0)  # a smaller turn strays at most 2 r anyway
    step = min(sample_s, float((2.0 * np.sqrt(r * tolerance_m) / s.cruise).min()))
    d = s.dashes
    until = np.minimum(d.start + d.dash_s + d.back_s, s.bingo[d.row])
    corners = np.r_[s.launch, s.on_station, s.bingo, end, d.start, d.start + d.dash_s, until]
    times = np.union1d(np.arange(0.0, record.t_end, step), corners[corners <= record.t_end])
    pos = np.swapaxes(s.track(times)[0], 0, 1)  # (n, k, 3)
    aircraft = []
    for i in np.flatnonzero(s.launch <= record.t_end).tolist():
        p = sc.patrols[int(s.patrol[i])]
        inside = (times >= s.launch[i]) & (times <= end[i])
        lat, lon = _degrees(pos[i, inside])
        aircraft.append({"id": s.ids[i], "patrol": p.id, "member": p.owner,
                         "end": round(float(end[i]), 1),
                         **_path(times[inside], lat, lon, tolerance_m),
                         "vectors": _vectors(record, i, until)})
    stations = []
    for i in np.unique(s.patrol, return_index=True)[1].tolist():
        perimeter = 2.0 * s.length[i] + 2.0 * np.pi * s.radius[i]
        lat, lon = station_point(s.centre[i, 0], s.centre[i, 1], s.axis[i], s.length[i],
                                 s.radius[i], np.linspace(0.0, perimeter, 73))
        p = sc.patrols[int(s.patrol[i])]
        stations.append({
            "patrol": p.id, "member": p.owner,
            "base": [round(float(deg_from_rad(s.base[i, 0])), 4),
                     round(float(deg_from_rad(s.base[i, 1])), 4)],
            "polygon": np.round(deg_from_rad(np.c_[lat, lon]), 4).tolist()})
    return aircraft, stations


def _vectors(record: Record, i: int, until: FloatArray) -> list[dict[str, Any]]:
    """Patrol aircraft ``i``'s vectors to an intercept flown by the end of the run (module
    docstring); ``until`` per dash of ``record.patrols.dashes``, s."""
    s, fl, raid = record.patrols, record.flight, record.raid
    assert s is not None
    d, unit = s.dashes, first_aircraft(record) + i
    mine = np.flatnonzero((d.row == i) & (d.start <= record.t_end))
    f_lat, f_lon = _degrees(d.leave[mine])
    t_lat, t_lon = _degrees(d.point[mine])
    out = []
    for k, e in enumerate(mine.tolist()):
        at = d.start[e] + d.dash_s[e]  # the fire time, if it fired
        shot = np.flatnonzero((fl.unit[: fl.n] == unit) & (fl.fire_time[: fl.n] == at))
        j = int(fl.threat[shot[0]]) if shot.size else -1
        out.append({"fire": round(float(d.start[e]), 1),
                    "at": round(float(at), 1),
                    "until": round(float(until[e]), 1),
                    "from": [round(float(f_lat[k]), 4), round(float(f_lon[k]), 4)],
                    "to": [round(float(t_lat[k]), 4), round(float(t_lon[k]), 4)],
                    "threat": raid.id[j] if j >= 0 else "",
                    "outcome": OUTCOMES[int(d.outcome[e])]})
    return out


def _interceptors(record: Record) -> list[dict[str, Any]]:
    """Every round fired: unit, member, threat, fire and end times, from (a patrol aircraft:
    where its sortie as flown has it at the fire time) and to, result."""
    fl, units, raid = record.flight, record.tables.units, record.raid
    lat, lon = _degrees(fl.point[: fl.n]) if fl.n else (np.zeros(0), np.zeros(0))
    ulat, ulon = shot_origins(record)
    out = []
    for k, u in enumerate(fl.unit[: fl.n].tolist()):
        j = int(fl.threat[k])
        out.append({
            "unit": units.id[u], "member": record.tables.members[units.owner[u]],
            "threat": raid.id[j] if j >= 0 else "",
            "fire": round(float(fl.fire_time[k]), 1), "end": round(float(fl.intercept_time[k]), 1),
            "from": [round(float(ulat[k]), 4), round(float(ulon[k]), 4)],
            "to": [round(float(lat[k]), 4), round(float(lon[k]), 4)],
            "result": RESULT_NAMES[int(fl.result[k])],
        })
    return out


def _impacts(record: Record) -> list[dict[str, Any]]:
    raid, assets = record.raid, record.tables.assets
    landed = np.flatnonzero(record.fate == LANDED)
    return [{"id": raid.id[j], "cls": THREAT_CLASSES[raid.cls[j]],
             "t": round(float(raid.impact_time[j]), 1),
             "lat": round(float(deg_from_rad(raid.impact_lat[j])), 4),
             "lon": round(float(deg_from_rad(raid.impact_lon[j])), 4),
             "asset": assets.name[raid.hit_asset[j]] if raid.hit_asset[j] >= 0 else None}
            for j in landed.tolist()]


def _airspace(record: Record) -> dict[str, Any]:
    """Regions, closures and grants of the scenario (times in s since the epoch)."""
    sc = record.scenario
    epoch = sc.settings.epoch

    def when(v: Any) -> float | None:
        return None if v is None else round(seconds_since(v, epoch), 1)

    return {
        "regions": [{"id": r.id, "owner": r.owner, "polygon": [list(p) for p in r.polygon_deg]}
                    for r in sc.regions],
        "closures": [{"region": c.region, "from": round(c.from_s, 1), "until": when(c.until_s)}
                     for c in sc.civil.closures],
        "grants": [{"grantor": g.grantor_state, "grantee": g.grantee_member,
                    "region": g.region_id, "what": g.what, "from": when(g.valid_from),
                    "until": when(g.valid_until)} for g in sc.grants],
    }


def replay(record: Record, sample_s: float = 10.0, tolerance_m: float = 300.0,
           member: int | None = None) -> dict[str, Any]:
    """The run's replay as a JSON-ready dict (module docstring for its keys and the thinning).

    Args:
        record: a finished run.
        sample_s: step at which the threats' flights are sampled before thinning, s.
        tolerance_m: largest ground distance between a threat's or track's replayed position
            (linear interpolation between the kept samples) and any sample dropped, m.
        member: keep only the picture's tracks released to this member row (a member's view,
            :func:`inkless.afteraction.views.replay_view`, filters the rest).
    """
    tables = record.tables
    aircraft, stations = _patrols(record, sample_s, tolerance_m)
    return {
        "version": REPLAY_VERSION,
        "epoch": record.scenario.settings.epoch.isoformat().replace("+00:00", "Z"),
        "duration_s": round(float(record.t_end), 1),
        "sample_s": sample_s,
        "tolerance_m": tolerance_m,
        "picture": record.picture,
        "seed": record.seed,
        "replication": record.replication,
        "members": list(tables.members),
        "threats": _threats(record, sample_s, tolerance_m),
        "tracks": _tracks(record, tolerance_m, member),
        "interceptors": _interceptors(record),
        "patrols": aircraft,
        "stations": stations,
        "impacts": _impacts(record),
        "assets": [{"name": tables.assets.name[i],
                    "lat": round(float(deg_from_rad(tables.assets.lat[i])), 4),
                    "lon": round(float(deg_from_rad(tables.assets.lon[i])), 4),
                    "radius_m": float(tables.assets.radius[i])}
                   for i in range(len(tables.assets.name))],
        "units": [{"id": tables.units.id[i], "member": tables.members[tables.units.owner[i]],
                   "lat": round(float(deg_from_rad(tables.units.lat[i])), 4),
                   "lon": round(float(deg_from_rad(tables.units.lon[i])), 4)}
                  for i in range(first_aircraft(record))],
        **_airspace(record),
    }


# ----------------------------------------------------------------------------- the page
_CLASS_COLOURS = {"ballistic": "#c1121f", "cruise": "#f77f00", "drone": "#7b2cbf"}  # replaymap.js


def _box(rp: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """``lon_min, lon_max, lat_min, lat_max`` of everything the replay draws (degrees)."""
    lat = [v for p in rp["threats"] for v in p["lat"]]
    lon = [v for p in rp["threats"] for v in p["lon"]]
    for a in (*rp["assets"], *rp["units"]):
        lat.append(a["lat"])
        lon.append(a["lon"])
    for st in rp.get("stations", ()):
        for la, lo in (st["base"], *st["polygon"]):
            lat.append(la)
            lon.append(lo)
    if not lat:
        return (-180.0, 180.0, -60.0, 75.0)
    return (min(lon), max(lon), min(lat), max(lat))


def _script_safe(text: str) -> str:
    """Text that cannot close the ``<script>`` element it is inlined in."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def replay_html(rp: Mapping[str, Any] | None, replications: int = 1) -> markupsafe.Markup:
    """The report's replay section (``templates/_replay.html.j2``): the map, its time control,
    the replay data and every library inlined; which replication it replays when the report's
    figures are over ``replications`` (more than one); one line saying how to install the
    libraries when they are missing; nothing without a replay."""
    if rp is None:
        return markupsafe.Markup("")
    data = json.dumps(rp, separators=(",", ":"), allow_nan=False)
    assets = inline_assets(_box(rp))
    if assets is not None:
        assets = dataclasses.replace(
            assets, scripts=tuple(_script_safe(js) for js in assets.scripts),
            styles=tuple(_script_safe(css) for css in assets.styles),
            basemap_json=assets.basemap_json.replace("<", "\\u003c"),
            symbols_json=assets.symbols_json.replace("<", "\\u003c"),
        )
    source = (importlib.resources.files("inkless.afteraction") / "templates" / "_replay.html.j2"
              ).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return markupsafe.Markup(env.from_string(source).render(
        assets=assets, hint=MISSING_HINT, data_json=data.replace("<", "\\u003c"),
        data_kb=f"{len(data) / 1000:,.0f}", sample_s=f"{rp['sample_s']:g}",
        tolerance_m=f"{rp['tolerance_m']:g}", tracks=bool(rp["tracks"]),
        patrols=bool(rp.get("patrols")),
        perfect=rp["picture"] == "perfect",
        classes=sorted(_CLASS_COLOURS.items()), seed=rp["seed"],
        replication=rp["replication"] + 1, replications=replications,
        view=rp.get("view")))
