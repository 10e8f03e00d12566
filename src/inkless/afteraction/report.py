"""The after-action report: one self-contained HTML file per run (or per set of replications).

Where it sits: last stage of the flow. Input is the documented results dict of a run (see
``results.py``; :func:`inkless.afteraction.summarise` for R replications) and the run's
:class:`~inkless.afteraction.MapData`; output is an HTML file with every figure embedded as a
base64 PNG and all styling inline, so it opens offline and can be mailed as one file.

The page is rendered from the Jinja2 template ``templates/report.html.j2`` (autoescaped) from a
plain view model built here; figures come from :mod:`inkless.afteraction.figures`. Top-level
sections of the results that this module does not know (``picture``, ``identification``,
``caveats``, ...) are rendered generically: mappings as key/value tables (nested keys dotted),
lists of mappings as tables. Output depends only on the inputs (no clock, no random ids), so the
same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import importlib.resources
import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from inkless.afteraction.basemap import BBox
from inkless.afteraction.mapdata import MapData
from inkless.errors import InputError

__all__ = ["render_report", "write_report"]

MAX_TABLE_ROWS = 5000
"""Longest engagements/impacts/generic table printed in full; longer ones are cut with a note."""

_KNOWN = frozenset({
    "scenario", "seed", "seeds", "replications", "threats", "interceptors", "engagements",
    "impacts", "value_damaged", "civil_engagements", "members", "epoch", "duration_s",
    "replications_summary", "coalition", "view", "picture", "comparison", "identification",
    "fire_units",
})
#: ``identification.misdeclared`` pairs and their labels (identification section, statistics).
_MISDECLARED = (
    ("threat_as_neutral_s", "Threats held neutral (track-s)"),
    ("threat_as_friend_s", "Threats held friend (track-s)"),
    ("civil_as_suspect_s", "Civil aircraft held suspect (track-s)"),
    ("civil_as_hostile_s", "Civil aircraft held hostile (track-s)"),
    ("friend_as_suspect_s", "Coalition aircraft held suspect (track-s)"),
    ("friend_as_hostile_s", "Coalition aircraft held hostile (track-s)"),
)
#: Shown in the identification section when the results have one.
_IDENTIFICATION_KEYS = frozenset({
    "friendly_engagements", "civil_engaged", "friendly_engaged", "closures"})


# ----------------------------------------------------------------------------- formatting
def fmt_num(value: Any, digits: int = 2) -> str:
    """A number for a table: thousands separators, rounded to ``digits`` decimals (half to
    even), trailing zeros of the decimals dropped; whole numbers exactly."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, numbers.Real):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    text = f"{v:,.{max(digits, 0)}f}"
    if "." in text:  # only decimals lose their trailing zeros
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_pct(num: Any, den: Any) -> str:
    """``num / den`` as a percentage with one decimal, or a dash when undefined."""
    try:
        n, d = float(num), float(den)
    except (TypeError, ValueError):
        return "—"
    return f"{100.0 * n / d:.1f} %" if d > 0 else "—"


def fmt_time(seconds: Any, epoch: dt.datetime | None) -> str:
    """Seconds since the epoch as ``T+hh:mm:ss`` and, with an epoch, ``(HH:MM:SS Z)``."""
    if not isinstance(seconds, numbers.Real) or isinstance(seconds, bool):
        return "—"
    s = float(seconds)
    if not math.isfinite(s):
        return "—"
    sign = "-" if s < 0 else "+"
    whole = round(abs(s))
    text = f"T{sign}{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if epoch is not None:  # the same instant rounded the same way
        clock = epoch + dt.timedelta(seconds=whole if s >= 0 else -whole)
        text += f" ({clock.strftime('%H:%M:%S')}Z)"
    return text


def fmt_duration(seconds: Any) -> str:
    """A duration in seconds as ``1 h 05 min`` (to the nearest minute) / ``12 min 30 s``
    (to the nearest second), with a minus sign (U+2212) when negative."""
    if not isinstance(seconds, numbers.Real) or isinstance(seconds, bool):
        return "—"
    v = float(seconds)
    if not math.isfinite(v):
        return "—"
    s = round(abs(v))
    sign = "−" if v < 0 and s else ""
    if s >= 3600:
        h, m = divmod(round(abs(v) / 60), 60)  # from the value: no double rounding
        return f"{sign}{h} h {m:02d} min"
    m, sec = divmod(s, 60)
    return f"{sign}{m} min {sec:02d} s" if m else f"{sign}{sec} s"


def _title(key: str) -> str:
    return key.replace("_", " ").strip().capitalize() or key


def _cell(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "—"
    return fmt_num(value)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested mappings as ``(dotted key, text)`` rows; lists of scalars joined by commas."""
    rows: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        if not value:
            rows.append((prefix or "—", "—"))
        for k, v in value.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, Mapping):
                rows.extend(_flatten(v, key))
            else:
                rows.append((key, _cell(v)))
    else:
        rows.append((prefix or "value", _cell(value)))
    return rows


def _generic_table(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    columns: dict[str, None] = {}
    for item in items:
        for k in item:
            columns.setdefault(str(k), None)
    cols = list(columns)
    rows = [[_cell(item.get(c)) for c in cols] for item in items[:MAX_TABLE_ROWS]]
    return {"columns": [_title(c) for c in cols], "rows": rows, "total": len(items)}


# ----------------------------------------------------------------------------- view model
def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list | tuple) else []


def _digits(value: Any) -> int:
    """Decimals worth showing for a mean: none from 1,000 up, one from 10, else two."""
    v = abs(float(value)) if isinstance(value, numbers.Real) else 0.0
    return 0 if v >= 1000.0 else 1 if v >= 10.0 else 2


def _stat_text(stat: Any) -> dict[str, str] | None:
    """``{"mean", "ci", "half", "range"}`` texts of a ``summarise`` leaf, or None."""
    if not isinstance(stat, Mapping) or "mean" not in stat:
        return None
    digits = _digits(stat["mean"])
    ci = stat.get("ci95")
    values = [float(v) for v in stat.get("values") or [] if isinstance(v, numbers.Real)]
    return {
        "mean": fmt_num(stat["mean"], digits),
        "ci": (f"{fmt_num(ci[0], digits)} – {fmt_num(ci[1], digits)}"
               if isinstance(ci, list | tuple) and len(ci) == 2 else "—"),
        "half": (fmt_num((float(ci[1]) - float(ci[0])) / 2.0, digits)
                 if isinstance(ci, list | tuple) and len(ci) == 2 else ""),
        "range": (f"{fmt_num(min(values), digits)} – {fmt_num(max(values), digits)}"
                  if values else "—"),
    }


def _replication_rows(summary: Mapping[str, Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    threats = _mapping(summary.get("threats"))
    inter = _mapping(summary.get("interceptors"))
    spec: list[tuple[str, Any, bool]] = [
        ("Threats launched", threats.get("launched"), False),
        ("Threats intercepted", threats.get("intercepted"), False),
        ("Threats leaked", threats.get("leaked"), False),
        ("Interceptors fired", inter.get("fired"), False),
        ("Interceptor cost", inter.get("cost"), False),
        ("Value damaged", summary.get("value_damaged"), False),
        ("Civil engagements", summary.get("civil_engagements"), False),
    ]
    for cls, d in sorted(_mapping(threats.get("by_class")).items()):
        for key in ("launched", "intercepted", "leaked"):
            spec.append((f"{cls}: {key}", _mapping(d).get(key), True))
    order = {mid: i for i, mid in enumerate(names)}
    by_member = sorted(_mapping(inter.get("by_member")).items(),
                       key=lambda kv: order.get(str(kv[0]), len(order)))
    for member, d in by_member:
        label = names.get(str(member), str(member))
        for key in ("fired", "cost"):
            spec.append((f"{label}: {key}", _mapping(d).get(key), True))
    misdeclared = _mapping(_mapping(summary.get("identification")).get("misdeclared"))
    spec += [(label, misdeclared.get(key), False) for key, label in _MISDECLARED]
    rows = []
    for label, stat, sub in spec:
        text = _stat_text(stat)
        if text is not None:
            rows.append({"label": label, "sub": sub, **text})
    return rows


def _view(results: Mapping[str, Any], geometry: MapData) -> dict[str, Any]:
    from inkless.afteraction import figures  # matplotlib only when a report is drawn

    epoch = figures.epoch_utc(results.get("epoch"))
    threats = _mapping(results.get("threats"))
    inter = _mapping(results.get("interceptors"))
    members = _records(results.get("members"))
    names = {str(m.get("id")): str(m.get("name") or m.get("id")) for m in members}
    reps_raw = results.get("replications")
    reps = max(int(reps_raw), 1) if isinstance(reps_raw, int | float) else 1
    summary = _mapping(results.get("replications_summary"))
    multi = reps > 1 and bool(summary)

    launched = threats.get("launched")
    intercepted = threats.get("intercepted")
    s_threats = _mapping(summary.get("threats"))
    s_inter = _mapping(summary.get("interceptors"))

    def card(label: str, value: Any, stat: Any = None, note: str = "", tone: str = "",
             digits: int = 0) -> dict[str, str]:
        text = _stat_text(stat) if multi else None
        if text is not None:
            return {"label": label, "value": text["mean"], "note": f"95 % CI {text['ci']}",
                    "tone": tone}
        return {"label": label, "value": fmt_num(value, digits), "note": note, "tone": tone}

    cards = [
        card("Threats launched", launched, s_threats.get("launched")),
        card("Intercepted", intercepted, s_threats.get("intercepted"),
             note=f"{fmt_pct(intercepted, launched)} of launched", tone="good"),
        card("Leaked", threats.get("leaked"), s_threats.get("leaked"),
             note=f"{fmt_pct(threats.get('leaked'), launched)} of launched", tone="bad"),
        card("Interceptors fired", inter.get("fired"), s_inter.get("fired"),
             note=f"{fmt_num(_ratio(inter.get('fired'), intercepted), 2)} per intercept"),
        card("Interceptor cost", inter.get("cost"), s_inter.get("cost")),
        card("Value damaged", results.get("value_damaged"), summary.get("value_damaged"),
             note=(f"of {fmt_num(results.get('value_defended'))} defended "
                   f"({fmt_pct(results.get('value_damaged'), results.get('value_defended'))})"
                   if _positive(results.get("value_defended")) else ""),
             tone="bad", digits=2),
        card("Civil engagements", results.get("civil_engagements"),
             summary.get("civil_engagements"),
             tone="bad" if _positive(results.get("civil_engagements")) else "good"),
    ]

    by_class = _mapping(threats.get("by_class"))
    class_rows = []
    for cls in sorted(by_class):
        d = _mapping(by_class[cls])
        class_rows.append({
            "name": cls,
            "launched": fmt_num(d.get("launched")),
            "intercepted": fmt_num(d.get("intercepted")),
            "leaked": fmt_num(d.get("leaked")),
            "rate": fmt_pct(d.get("intercepted"), d.get("launched")),
        })
    class_total = {
        "launched": fmt_num(launched), "intercepted": fmt_num(intercepted),
        "leaked": fmt_num(threats.get("leaked")), "rate": fmt_pct(intercepted, launched),
    }

    total_cost = inter.get("cost")
    member_rows = []
    by_member = _mapping(inter.get("by_member"))
    order = {mid: i for i, mid in enumerate(names)}
    for mid, d in sorted(by_member.items(), key=lambda kv: order.get(str(kv[0]), len(order))):
        d = _mapping(d)
        member_rows.append({
            "id": str(mid), "name": names.get(str(mid), str(mid)),
            "fired": fmt_num(d.get("fired")), "cost": fmt_num(d.get("cost")),
            "share": fmt_pct(d.get("cost"), total_cost),
        })
    type_rows = []
    for typ, d in sorted(_mapping(inter.get("by_type")).items()):
        d = _mapping(d)
        type_rows.append({
            "name": str(typ), "fired": fmt_num(d.get("fired")), "cost": fmt_num(d.get("cost")),
            "unit_cost": fmt_num(_ratio(d.get("cost"), d.get("fired")), 0),
        })

    engagements = sorted(
        _records(results.get("engagements")),
        key=lambda e: (_sort_time(e.get("fire_time_s")), str(e.get("threat_id", ""))),
    )
    eng_rows = [{
        "threat_id": str(e.get("threat_id", "—")), "threat_class": str(e.get("threat_class", "—")),
        "unit_id": str(e.get("unit_id", "—")),
        "member": names.get(str(e.get("member")), str(e.get("member", "—"))),
        "fire": fmt_time(e.get("fire_time_s"), epoch),
        "intercept": fmt_time(e.get("intercept_time_s"), epoch),
        "result": str(e.get("result", "—")), "reason": str(e.get("reason") or ""),
        "why": _why_text(e.get("why"), e.get("fire_time_s")),
    } for e in engagements[:MAX_TABLE_ROWS]]
    kills = sum(1 for e in engagements if e.get("result") == "kill")

    impacts = sorted(
        _records(results.get("impacts")),
        key=lambda i: (_sort_time(i.get("time_s")), str(i.get("threat_id", ""))),
    )
    imp_rows = [{
        "threat_id": str(i.get("threat_id", "—")), "threat_class": str(i.get("threat_class", "—")),
        "time": fmt_time(i.get("time_s"), epoch),
        "lat": _coord(i.get("lat"), "NS"), "lon": _coord(i.get("lon"), "EW"),
        "asset": str(i.get("asset")) if i.get("asset") else "—",
        "value": fmt_num(i.get("value_damaged")), "cause": str(i.get("cause") or "—"),
        "hit": bool(i.get("asset")),
    } for i in impacts[:MAX_TABLE_ROWS]]

    extra: list[dict[str, Any]] = []
    other: list[tuple[str, str]] = []  # scalars and plain lists, one table at the end
    known = _KNOWN | (_IDENTIFICATION_KEYS if isinstance(results.get("identification"), Mapping)
                      else frozenset())
    for key, value in results.items():
        if key in known:
            continue
        if isinstance(value, Mapping):
            extra.append({"id": f"sec-{_slug(key)}", "title": _title(str(key)), "kind": "kv",
                          "rows": _flatten(value)})
        elif isinstance(value, list | tuple) and value and all(
            isinstance(v, Mapping) for v in value
        ):
            extra.append({"id": f"sec-{_slug(key)}", "title": _title(str(key)), "kind": "table",
                          **_generic_table(list(value))})
        else:
            other.append((str(key), _cell(value)))
    if other:
        extra.append({"id": "sec-other", "title": "Other figures", "kind": "kv", "rows": other})

    detail = _detail_box(geometry)
    # one colour per class and per member across all figures; members in coalition order
    threat_colours = figures.colour_map(
        sorted({*map(str, by_class), *geometry.in_air,
                *(p.threat_class for p in geometry.threat_paths)}),
        figures.THREAT_COLOURS)
    member_colours = figures.colour_map(list(names), figures.MEMBER_COLOURS, ordered=True)
    scenario = str(results.get("scenario") or "unnamed scenario")
    return {
        "scenario": scenario,
        "epoch": epoch.strftime("%Y-%m-%d %H:%M:%S UTC") if epoch else "—",
        "duration": fmt_duration(results.get("duration_s")),
        "seed": _seed_text(results),
        "replications": reps,
        "multi": multi,
        "members": [{"id": str(m.get("id")), "name": str(m.get("name") or m.get("id"))}
                    for m in members],
        "cards": cards,
        "replication_rows": _replication_rows(summary, names) if multi else [],
        "class_rows": class_rows, "class_total": class_total,
        "member_rows": member_rows, "member_total": {
            "fired": fmt_num(inter.get("fired")), "cost": fmt_num(total_cost)},
        "type_rows": type_rows,
        "engagements": eng_rows, "engagement_total": len(engagements), "kills": kills,
        "impacts": imp_rows, "impact_total": len(impacts),
        "max_rows": MAX_TABLE_ROWS,
        "extra": extra,
        "coalition": _coalition(results.get("coalition"), names, epoch),
        "saturation": _saturation(results, names, epoch),
        "picture": _picture(results.get("picture"), names),
        "gospa_png": _b64(figures.gospa_png(
            geometry.gospa_times_s, geometry.gospa_m,
            float(_mapping(_mapping(results.get("picture")).get("gospa")).get("c_m") or 1000.0),
            epoch=results.get("epoch"), member_colours=member_colours))
        if geometry.gospa_m else "",
        "comparison": _comparison(results.get("comparison")),
        "identification": _identification(results, names, epoch),
        "identity_png": _b64(figures.identity_png(
            geometry.identity_times_s, geometry.identities, epoch=results.get("epoch")))
        if geometry.identities else "",
        "view": str(_mapping(results.get("view")).get("member") or ""),
        "map_png": _b64(figures.map_png(geometry, threat_colours=threat_colours,
                                            member_colours=member_colours)),
        "detail_png": _b64(figures.map_png(
            dataclasses.replace(geometry, bbox=detail), threat_colours=threat_colours,
            member_colours=member_colours))
        if detail is not None else "",
        "detail_extent": _box_text(detail) if detail is not None else "",
        "timeline_png": _b64(figures.timeline_png(
            geometry, engagements, epoch=results.get("epoch"),
            duration_s=_float_or_none(results.get("duration_s")), threat_colours=threat_colours,
            member_colours=member_colours)),
        "outcome_png": _b64(figures.outcome_png(by_class)) if by_class else "",
        "map_extent": _box_text(geometry.extent()),
    }


def _saturation(results: Mapping[str, Any], names: Mapping[str, str],
                epoch: dt.datetime | None) -> dict[str, Any] | None:
    """The units that fired, saturated first (every channel busy, or out of rounds), with the
    figure of channels busy and rounds left over time; ``None`` without ``fire_units``."""
    from inkless.afteraction import figures

    units = [u for u in _records(results.get("fire_units")) if u.get("fired")]
    if not units:
        return None

    def saturated(u: Mapping[str, Any]) -> bool:
        return bool(u.get("channels_full_s")) or u.get("out_of_rounds_s") is not None

    units.sort(key=lambda u: (not saturated(u), _sort_time(u.get("first_full_s")),
                              -float(u.get("fired") or 0)))
    rows = [{
        "unit": str(u.get("unit_id")), "member": names.get(str(u.get("member")),
                                                           str(u.get("member"))),
        "channels": fmt_num(u.get("channels")), "peak": fmt_num(u.get("peak_channels_busy")),
        "full": fmt_duration(u.get("channels_full_s")) if u.get("channels_full_s") else "—",
        "first_full": fmt_time(u.get("first_full_s"), epoch),
        "rounds": fmt_num(u.get("rounds")), "fired": fmt_num(u.get("fired")),
        "left": fmt_num(u.get("rounds_left")), "dry": fmt_time(u.get("out_of_rounds_s"), epoch),
        "saturated": saturated(u),
    } for u in units]
    return {"rows": rows, "saturated": sum(r["saturated"] for r in rows),
            "png": _b64(figures.saturation_png(units, _records(results.get("engagements")),
                                               epoch=results.get("epoch")))}


def _coalition(sec: Any, names: Mapping[str, str], epoch: dt.datetime | None
               ) -> dict[str, Any] | None:
    """The coalition section's view model: legal bases, caveat blocks per rule, rule costs."""
    if not isinstance(sec, Mapping):
        return None

    def who(mid: Any) -> str:
        return names.get(str(mid), str(mid))

    basis = []
    for b in _records(sec.get("legal_basis")):
        t = b.get("acts_from_s")
        acts = "never" if t is None else "from the start" if t == 0 else fmt_time(t, epoch)
        spans = b.get("acts") or []
        if len(spans) > 1 or (spans and spans[-1][1] is not None):  # stopped and resumed
            acts = ", ".join(f"{fmt_time(a, epoch)} – "
                             f"{'end' if z is None else fmt_time(z, epoch)}" for a, z in spans)
        letters = "; ".join(
            f"{who(x.get('author'))} → {who(x.get('recipient'))}: {x.get('type')} "
            f"({fmt_time(x.get('on_record_s'), epoch)})"
            for x in _records(b.get("letters"))
        )
        unmet = "; ".join(str(u) for u in b.get("unmet") or [])
        basis.append({"member": who(b.get("member")), "acts": acts, "never": t is None,
                      "letters": letters or ("no preconditions" if not b.get("preconditions")
                                             else "—"),
                      "unmet": unmet})
    blocked = [{"rule": str(r), "pairs": fmt_num(n)}
               for r, n in _mapping(sec.get("blocked_by_rule")).items()]
    costs = []
    for c in _records(sec.get("costs")):
        row: dict[str, Any] = {"rule": str(c.get("rule")), "pairs": fmt_num(c.get("blocked_pairs"))}
        for key, digits in (("leaked", 2), ("value_damaged", 2), ("interceptor_cost", 1)):
            f = _mapping(c.get(key))
            row[key] = {
                "with": fmt_num(f.get("with_rule"), digits),
                "without": fmt_num(f.get("rule_lifted"), digits),
                "cost": fmt_num(f.get("cost"), digits),
                "bad": _positive(f.get("cost")),
            }
        costs.append(row)
    shots = [{
        "time": fmt_time(b.get("time_s"), epoch), "unit": str(b.get("unit_id", "—")),
        "member": who(b.get("member")), "threat": str(b.get("threat_id", "—")),
        "threat_class": str(b.get("threat_class", "—")), "rule": str(b.get("rule", "—")),
    } for b in _records(sec.get("blocked"))[:MAX_TABLE_ROWS]]
    return {
        "record": str(sec.get("record") or ""),
        "basis": basis,
        "blocked": blocked,
        "shots": shots,
        "blocked_total": len(_records(sec.get("blocked"))),
        "costs": costs,
        "costs_given": "costs" in sec,
    }


_PICTURE_FIGURES = (
    ("mean_gospa_m", "Mean GOSPA (m)", 0),
    ("mean_localisation_m", "of which localisation (m)", 0),
    ("missed", "Objects missed per time", 2),
    ("false", "False tracks per time", 2),
    ("track_breaks", "Track breaks", 0),
    ("track_swaps", "Track swaps", 0),
)


def _picture(sec: Any, names: Mapping[str, str]) -> dict[str, Any] | None:
    """The tracked picture's quality: the coalition's and each member's figures, side by side."""
    if not isinstance(sec, Mapping):
        return None
    by_member = _mapping(sec.get("by_member"))
    shares = _mapping(sec.get("shares"))
    columns = [{"name": "Coalition", "share": ""}] + [
        {"name": names.get(str(m), str(m)), "share": str(shares.get(m, ""))} for m in by_member]
    rows = []
    for key, label, digits in _PICTURE_FIGURES:
        values = [sec.get(key)] + [_mapping(v).get(key) for v in by_member.values()]
        rows.append({"label": label, "values": [fmt_num(v, digits) for v in values]})
    g = _mapping(sec.get("gospa"))
    return {
        "columns": columns,
        "rows": rows,
        "times": fmt_num(sec.get("scored_times")),
        "c_m": fmt_num(g.get("c_m")),
        "basket": fmt_num(sec.get("shots_outside_basket")),
    }


def _identification(results: Mapping[str, Any], names: Mapping[str, str],
                    epoch: dt.datetime | None) -> dict[str, Any] | None:
    """Identification quality (coalition and each member), non-hostile engagements and the
    flights the closures affected."""
    sec = results.get("identification")
    if not isinstance(sec, Mapping):
        return None
    by_member = _mapping(sec.get("correct_fraction_by_member"))
    columns = ["Coalition"] + [names.get(str(m), str(m)) for m in by_member]

    def pct(v: Any) -> str:
        return fmt_pct(v, 1.0) if isinstance(v, numbers.Real) else "—"

    def one(v: Any, digits: int = 0) -> list[str]:
        return [fmt_num(v, digits)] + [""] * len(by_member)

    rows = [
        {"label": "Track-time with the correct identity",
         "values": [pct(sec.get("correct_fraction"))] + [pct(v) for v in by_member.values()]},
        {"label": "Threats detected", "values": one(sec.get("detected"))},
        {"label": "Threats declared hostile", "values": one(sec.get("declared"))},
        {"label": "Mean declaration delay (s)",
         "values": one(sec.get("mean_declaration_delay_s"), 1)},
        {"label": "Leaked: declared too late",
         "values": one(sec.get("leaked_due_to_late_declaration"))},
        {"label": "Civil engagements", "values": one(results.get("civil_engagements"))},
        {"label": "Friendly engagements", "values": one(results.get("friendly_engagements"))},
    ]
    misdeclared = _mapping(sec.get("misdeclared"))
    rows += [{"label": label, "values": one(misdeclared[key])}
             for key, label in _MISDECLARED if key in misdeclared]
    engaged = [str(x) for x in [*(results.get("civil_engaged") or []),
                                *(results.get("friendly_engaged") or [])]]
    civil = results.get("civil_engagements")
    friendly = results.get("friendly_engagements")
    closures = [{
        "callsign": str(c.get("callsign", "—")), "action": str(c.get("action", "—")),
        "region": str(c.get("region") or "—"), "decided": fmt_time(c.get("decided_s"), epoch),
        "delay": fmt_duration(c.get("delay_s")),  # negative: earlier
    } for c in _records(results.get("closures"))]
    return {
        "columns": columns,
        "rows": rows,
        "engaged": ", ".join(engaged),
        "engaged_text": f"{fmt_num(civil)} civil and {fmt_num(friendly)} friendly engagements",
        "perfect": _mapping(results.get("settings")).get("picture") == "perfect",
        "closures": closures,
    }


def _comparison(sec: Any) -> dict[str, Any] | None:
    """Tracked against perfect picture, same seeds."""
    if not isinstance(sec, Mapping):
        return None
    tracked, perfect, diff = (_mapping(sec.get(k)) for k in ("tracked", "perfect", "difference"))
    rows = []
    for key, label, digits, worse_if_up in (
        ("intercepted", "Threats intercepted", 2, False),
        ("leaked", "Threats leaked", 2, True),
        ("value_damaged", "Value damaged", 2, True),
        ("interceptors_fired", "Interceptors fired", 2, True),
        ("interceptor_cost", "Interceptor cost", 2, True),
    ):
        d = _float_or_none(diff.get(key))
        rows.append({
            "label": label, "tracked": fmt_num(tracked.get(key), digits),
            "perfect": fmt_num(perfect.get(key), digits),
            "diff": ("+" if d is not None and d > 0 else "") + fmt_num(d, digits),
            "bad": d is not None and (d > 0 if worse_if_up else d < 0),
        })
    reps = sec.get("replications")
    return {"rows": rows, "replications": int(reps) if isinstance(reps, int | float) else 1}


def _seed_text(results: Mapping[str, Any]) -> str:
    """The seed, or the replications' seeds when they differ; identifiers, so no separators."""
    seeds = results.get("seeds")
    if isinstance(seeds, list | tuple) and len({str(x) for x in seeds}) > 1:
        return ", ".join(str(x) for x in seeds)
    seed = results.get("seed")
    return "—" if seed is None else str(seed)


def _ratio(num: Any, den: Any) -> float | None:
    try:
        n, d = float(num), float(den)
    except (TypeError, ValueError):
        return None
    return n / d if d > 0 else None


def _positive(value: Any) -> bool:
    return isinstance(value, numbers.Real) and float(value) > 0


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else None


def _why_text(why: Any, fired: Any) -> str:
    """One line for an engagement's ``why`` (results.json): what the round saves against what
    it costs, the alternatives and the time left to fire."""
    if not isinstance(why, dict):
        return ""
    text = (f"saves {fmt_num(why.get('value_saved'), 1)} of {fmt_num(why.get('value_at_risk'), 1)}"
            f" at risk for {fmt_num(why.get('cost'), 1)}")
    n_alt = why.get("alternatives") or 0
    if n_alt and why.get("best_alternative_unit"):
        text += (f"; {n_alt} other shooter{'s' if n_alt != 1 else ''}, best "
                 f"{why['best_alternative_unit']} would save "
                 f"{fmt_num(why.get('best_alternative_value_saved'), 1)}")
    else:
        text += "; no other shooter"
    latest = why.get("latest_launch_s")
    if isinstance(latest, int | float) and isinstance(fired, int | float):
        text += f"; {latest - fired:.0f} s to spare, {why.get('shots_fit')} shot(s) fit"
    return text


def _sort_time(value: Any) -> float:
    t = _float_or_none(value)
    return t if t is not None and math.isfinite(t) else math.inf


def _coord(value: Any, hemis: str) -> str:
    v = _float_or_none(value)
    if v is None:
        return "—"
    return f"{abs(v):.3f}°{hemis[0] if v >= 0 else hemis[1]}"


def _slug(key: Any) -> str:
    return "".join(c if c.isalnum() else "-" for c in str(key).lower()).strip("-") or "section"


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def _detail_box(geometry: MapData) -> BBox | None:
    """The defended area when it is under a third of the main map's span, else None."""
    main, detail = geometry.extent(), geometry.defended_extent()
    if detail is None:
        return None
    ratio = max((detail.lon_max - detail.lon_min) / (main.lon_max - main.lon_min),
                (detail.lat_max - detail.lat_min) / (main.lat_max - main.lat_min))
    return detail if ratio < 1.0 / 3.0 else None


def _box_text(b: BBox) -> str:
    return (f"{_coord(b.lat_min, 'NS')} to {_coord(b.lat_max, 'NS')}, "
            f"{_coord(b.lon_min, 'EW')} to {_coord(b.lon_max, 'EW')}")


# ----------------------------------------------------------------------------- rendering
def _template() -> jinja2.Template:
    source = (importlib.resources.files("inkless.afteraction") / "templates" / "report.html.j2"
              ).read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.from_string(source)


def render_report(results: Mapping[str, Any], geometry: MapData,
                  replay: Mapping[str, Any] | None = None) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    from inkless.afteraction.replay import replay_html  # the replay map, its libraries inlined

    if not isinstance(results, Mapping):
        raise InputError(
            f"report: results is a {type(results).__name__}, not a mapping; "
            "pass the results dict (results.json)"
        )
    if not isinstance(geometry, MapData):
        raise InputError(
            f"report: geometry is a {type(geometry).__name__}; pass an afteraction.MapData"
        )
    return _template().render(**_view(results, geometry), replay_html=replay_html(replay))


def write_report(path: Path, results: dict[str, Any], geometry: MapData,
                 replay: Mapping[str, Any] | None = None) -> None:
    """Write the after-action report of a run as one self-contained HTML file.

    Contents: headline figures (mean and 95 % CI when ``results["replications"] > 1`` and a
    ``replications_summary`` is present, see :func:`inkless.afteraction.summarise`); a map of
    threat, interceptor and civil tracks, intercepts and impacts over coastlines and borders; a
    timeline of threats in the air by class and interceptors fired; tables by threat class, by
    member, by interceptor type, of engagements and of impacts; any further top-level section
    of ``results`` as a generic table. Times are shown as T+ from the scenario epoch and UTC.

    Args:
        path: the HTML file to write (parent directory must exist); overwritten.
        results: the results dict of the run (results.json), see ``results.py``.
        geometry: what the map and timeline draw, in degrees.
        replay: the run's replay (:func:`inkless.afteraction.replay.replay`): a map with a time
            control after the situation map; None: no replay section.

    Raises:
        InputError: ``results`` is not a mapping, ``geometry`` not a MapData, or the file cannot
            be written.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"report {path}: directory {path.parent} does not exist; create it first")
    html = render_report(results, geometry, replay)
    try:
        path.write_text(html, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"report {path}: cannot write ({exc.strerror}); choose another path") \
            from exc
