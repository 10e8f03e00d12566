"""The after-action report: one self-contained HTML file per run (or per set of replications).

Where it sits: last stage of the flow. Input is a run's :class:`~.findings.Findings` (what
``results.json`` holds, built by ``results.py``; :func:`inkless.afteraction.summarise` for R
replications) and its :class:`~inkless.afteraction.MapData`; output is an HTML file with every
figure embedded as a base64 PNG and all styling inline, so it opens offline and can be mailed as
one file.

The page is rendered from the Jinja2 template ``templates/report.html.j2`` (autoescaped) from a
plain view model built here; figures come from :mod:`inkless.afteraction.figures`. Figures that
no section shows (the settings, the format version, ...) are listed at the end. Output depends
only on the inputs (no clock, no random ids), so the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import importlib.resources
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from inkless.afteraction.basemap import BBox
from inkless.afteraction.findings import (
    Coalition,
    Comparison,
    Engagement,
    Estimate,
    Findings,
    Impact,
    InterceptorEstimates,
    LegalBasis,
    PictureQuality,
    ReplicationsSummary,
    RuleCost,
    RuleCostFigure,
    ThreatEstimates,
    UnitLoadRow,
    Why,
)
from inkless.afteraction.mapdata import MapData
from inkless.errors import InputError

__all__ = ["render_report", "write_report"]

MAX_TABLE_ROWS = 5000
"""Longest engagements/impacts/blocked-shots table printed in full; longer ones are cut with a
note."""

#: ``identification.misdeclared`` pairs and their labels (identification section, statistics).
_MISDECLARED = (
    ("threat_as_neutral_s", "Threats held neutral (track-s)"),
    ("threat_as_friend_s", "Threats held friend (track-s)"),
    ("civil_as_suspect_s", "Civil aircraft held suspect (track-s)"),
    ("civil_as_hostile_s", "Civil aircraft held hostile (track-s)"),
    ("friend_as_suspect_s", "Coalition aircraft held suspect (track-s)"),
    ("friend_as_hostile_s", "Coalition aircraft held hostile (track-s)"),
)
#: Figures that have no section of their own: listed under "Other figures".
_OTHER = ("results_version", "replication", "cost_unit", "value_defended")
_NONE = Estimate(mean=0.0, ci95=None, values=())
#: Stands in for the replications' statistics of a single run (never shown).
_NO_SUMMARY = ReplicationsSummary(
    threats=ThreatEstimates(leaked=_NONE, by_class={}),
    interceptors=InterceptorEstimates(by_member={}),
    value_damaged=_NONE, civil_engagements=_NONE)


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
def _digits(value: float) -> int:
    """Decimals worth showing for a mean: none from 1,000 up, one from 10, else two."""
    v = abs(float(value))
    return 0 if v >= 1000.0 else 1 if v >= 10.0 else 2


def _stat_text(stat: Estimate | None) -> dict[str, str] | None:
    """``{"mean", "ci", "half", "range"}`` texts of a replications' estimate, or None."""
    if stat is None:
        return None
    digits = _digits(stat.mean)
    ci = stat.ci95
    return {
        "mean": fmt_num(stat.mean, digits),
        "ci": f"{fmt_num(ci[0], digits)} – {fmt_num(ci[1], digits)}" if ci else "—",
        "half": fmt_num((ci[1] - ci[0]) / 2.0, digits) if ci else "",
        "range": (f"{fmt_num(min(stat.values), digits)} – {fmt_num(max(stat.values), digits)}"
                  if stat.values else "—"),
    }


def _replication_rows(summary: ReplicationsSummary, names: Mapping[str, str]
                      ) -> list[dict[str, Any]]:
    """One row per headline figure of the replications: mean, 95 % interval, range."""
    threats, inter = summary.threats, summary.interceptors
    spec: list[tuple[str, Estimate | None, bool]] = [
        ("Threats launched", threats.launched, False),
        ("Threats intercepted", threats.intercepted, False),
        ("Threats leaked", threats.leaked, False),
        ("Interceptors fired", inter.fired, False),
        ("Interceptor cost", inter.cost, False),
        ("Value damaged", summary.value_damaged, False),
        ("Civil engagements", summary.civil_engagements, False),
    ]
    for cls, d in sorted(threats.by_class.items()):
        spec += [(f"{cls}: {k}", getattr(d, k), True) for k in ("launched", "intercepted",
                                                                 "leaked")]
    order = {mid: i for i, mid in enumerate(names)}
    for member, t in sorted(inter.by_member.items(), key=lambda kv: order.get(kv[0], len(order))):
        label = names.get(member, member)
        spec += [(f"{label}: fired", t.fired, True), (f"{label}: cost", t.cost, True)]
    if summary.identification is not None:
        mis = summary.identification.misdeclared
        spec += [(label, mis.get(key), False) for key, label in _MISDECLARED]
    rows = []
    for label, stat, sub in spec:
        text = _stat_text(stat)
        if text is not None:
            rows.append({"label": label, "sub": sub, **text})
    return rows


def _cards(results: Findings, multi: bool) -> list[dict[str, str]]:
    """The headline cards: one figure each (the replications' mean and interval with ``multi``)."""
    th, it = results.threats, results.interceptors
    summary = results.replications_summary if multi else None
    s = summary if summary is not None else _NO_SUMMARY

    def card(label: str, value: float, stat: Estimate | None = None, note: str = "",
             tone: str = "", digits: int = 0) -> dict[str, str]:
        text = _stat_text(stat) if summary is not None else None
        if text is not None:
            return {"label": label, "value": text["mean"], "note": f"95 % CI {text['ci']}",
                    "tone": tone}
        return {"label": label, "value": fmt_num(value, digits), "note": note, "tone": tone}

    damaged, defended = results.value_damaged, results.value_defended
    return [
        card("Threats launched", th.launched, s.threats.launched),
        card("Intercepted", th.intercepted, s.threats.intercepted,
             note=f"{fmt_pct(th.intercepted, th.launched)} of launched", tone="good"),
        card("Leaked", th.leaked, s.threats.leaked,
             note=f"{fmt_pct(th.leaked, th.launched)} of launched", tone="bad"),
        card("Interceptors fired", it.fired, s.interceptors.fired,
             note=f"{fmt_num(_ratio(it.fired, th.intercepted), 2)} per intercept"),
        card("Interceptor cost", it.cost, s.interceptors.cost),
        card("Value damaged", damaged, s.value_damaged,
             note=(f"of {fmt_num(defended)} defended ({fmt_pct(damaged, defended)})"
                   if defended > 0 else ""), tone="bad", digits=2),
        card("Civil engagements", results.civil_engagements, s.civil_engagements,
             tone="bad" if results.civil_engagements > 0 else "good"),
    ]


def _count_rows(results: Findings, names: Mapping[str, str]) -> dict[str, Any]:
    """The tables by threat class, by member and by interceptor type."""
    th, it = results.threats, results.interceptors
    class_rows = [{
        "name": cls, "launched": fmt_num(d.launched), "intercepted": fmt_num(d.intercepted),
        "leaked": fmt_num(d.leaked), "rate": fmt_pct(d.intercepted, d.launched),
    } for cls, d in sorted(th.by_class.items())]
    order = {mid: i for i, mid in enumerate(names)}
    member_rows = [{
        "id": mid, "name": names.get(mid, mid), "fired": fmt_num(d.fired),
        "cost": fmt_num(d.cost), "share": fmt_pct(d.cost, it.cost),
    } for mid, d in sorted(it.by_member.items(), key=lambda kv: order.get(kv[0], len(order)))]
    type_rows = [{
        "name": typ, "fired": fmt_num(d.fired), "cost": fmt_num(d.cost),
        "unit_cost": fmt_num(_ratio(d.cost, d.fired), 0),
    } for typ, d in sorted(it.by_type.items())]
    return {
        "class_rows": class_rows,
        "class_total": {"launched": fmt_num(th.launched), "intercepted": fmt_num(th.intercepted),
                        "leaked": fmt_num(th.leaked), "rate": fmt_pct(th.intercepted, th.launched)},
        "member_rows": member_rows,
        "member_total": {"fired": fmt_num(it.fired), "cost": fmt_num(it.cost)},
        "type_rows": type_rows,
    }


def _engagement_rows(engagements: Sequence[Engagement], names: Mapping[str, str],
                     epoch: dt.datetime | None) -> list[dict[str, Any]]:
    """The engagements table (at most :data:`MAX_TABLE_ROWS` rows)."""
    return [{
        "threat_id": e.threat_id, "threat_class": e.threat_class, "unit_id": e.unit_id,
        "member": names.get(e.member, e.member),
        "fire": fmt_time(e.fire_time_s, epoch), "intercept": fmt_time(e.intercept_time_s, epoch),
        "result": e.result, "reason": e.reason or "", "why": _why_text(e.why, e.fire_time_s),
    } for e in engagements[:MAX_TABLE_ROWS]]


def _impact_rows(impacts: Sequence[Impact], epoch: dt.datetime | None) -> list[dict[str, Any]]:
    """The impacts table (at most :data:`MAX_TABLE_ROWS` rows)."""
    return [{
        "threat_id": i.threat_id, "threat_class": i.threat_class,
        "time": fmt_time(i.time_s, epoch), "lat": _coord(i.lat, "NS"), "lon": _coord(i.lon, "EW"),
        "asset": i.asset or "—", "value": fmt_num(i.value_damaged), "cause": i.cause or "—",
        "hit": bool(i.asset),
    } for i in impacts[:MAX_TABLE_ROWS]]


def _extra(results: Findings) -> list[dict[str, Any]]:
    """The figures no section shows: the settings, the format's figures, (a view, which has
    no identification section) the non-hostile engagements and closures, and the fighter
    patrols."""
    out: list[dict[str, Any]] = [{"id": "sec-settings", "title": "Settings", "kind": "kv",
                                  "rows": _flatten(results.settings.model_dump())}]
    other = [(key, _cell(getattr(results, key))) for key in _OTHER]
    if results.identification is None:
        other += [("friendly_engagements", _cell(results.friendly_engagements)),
                  ("civil_engaged", _cell(list(results.civil_engaged)))]
        if results.friendly_engaged is not None:
            other.append(("friendly_engaged", _cell(list(results.friendly_engaged))))
        if results.closures:
            out.append({"id": "sec-closures", "title": "Closures", "kind": "table",
                        **_generic_table([c.model_dump() for c in results.closures])})
        else:
            other.append(("closures", _cell([])))
    if results.patrols:  # docs/patrols.md
        out.append({"id": "sec-patrols", "title": "Fighter patrols", "kind": "table",
                    **_generic_table([p.model_dump() for p in results.patrols])})
    out.append({"id": "sec-other", "title": "Other figures", "kind": "kv", "rows": other})
    return out


def _view(results: Findings, geometry: MapData) -> dict[str, Any]:
    """Everything the template shows, as text and embedded figures."""
    from inkless.afteraction import figures  # matplotlib only when a report is drawn

    epoch = figures.epoch_utc(results.epoch)
    names = {m.id: m.name or m.id for m in results.members}
    multi = results.replications > 1 and results.replications_summary is not None
    engagements = sorted(results.engagements, key=lambda e: (e.fire_time_s, e.threat_id))
    impacts = sorted(results.impacts, key=lambda i: (i.time_s, i.threat_id))
    return {
        "scenario": results.scenario or "unnamed scenario",
        "epoch": epoch.strftime("%Y-%m-%d %H:%M:%S UTC") if epoch else "—",
        "duration": fmt_duration(results.duration_s),
        "seed": _seed_text(results),
        "replications": max(results.replications, 1),
        "multi": multi,
        "members": [{"id": m.id, "name": m.name or m.id} for m in results.members],
        "cards": _cards(results, multi),
        "replication_rows": (_replication_rows(results.replications_summary, names)
                             if multi and results.replications_summary is not None else []),
        **_count_rows(results, names),
        "engagements": _engagement_rows(engagements, names, epoch),
        "engagement_total": len(engagements),
        "kills": sum(1 for e in engagements if e.result == "kill"),
        "impacts": _impact_rows(impacts, epoch), "impact_total": len(impacts),
        "max_rows": MAX_TABLE_ROWS,
        "extra": _extra(results),
        "coalition": _coalition(results.coalition, names, epoch),
        "saturation": _saturation(results, names, epoch),
        "picture": _picture(results.picture, names),
        "comparison": _comparison(results.comparison),
        "identification": _identification(results, names, epoch),
        "view": results.view.member if results.view is not None else "",
        **_figures(results, geometry, names, engagements),
    }


def _figures(results: Findings, geometry: MapData, names: Mapping[str, str],
             engagements: Sequence[Engagement]) -> dict[str, str]:
    """The report's figures as base64 PNG (empty: not drawn): one colour per class and per
    member across all of them, members in coalition order."""
    from inkless.afteraction import figures

    by_class = results.threats.by_class
    detail = _detail_box(geometry)
    threat_colours = figures.colour_map(
        sorted({*by_class, *geometry.in_air, *(p.threat_class for p in geometry.threat_paths)}),
        figures.THREAT_COLOURS)
    member_colours = figures.colour_map(list(names), figures.MEMBER_COLOURS, ordered=True)
    c_m = results.picture.gospa.c_m if results.picture is not None else 1000.0
    return {
        "gospa_png": _b64(figures.gospa_png(
            geometry.gospa_times_s, geometry.gospa_m, c_m, epoch=results.epoch,
            member_colours=member_colours)) if geometry.gospa_m else "",
        "identity_png": _b64(figures.identity_png(
            geometry.identity_times_s, geometry.identities, epoch=results.epoch))
        if geometry.identities else "",
        "map_png": _b64(figures.map_png(geometry, threat_colours=threat_colours,
                                        member_colours=member_colours)),
        "detail_png": _b64(figures.map_png(
            dataclasses.replace(geometry, bbox=detail), threat_colours=threat_colours,
            member_colours=member_colours)) if detail is not None else "",
        "detail_extent": _box_text(detail) if detail is not None else "",
        "timeline_png": _b64(figures.timeline_png(
            geometry, engagements, epoch=results.epoch, duration_s=results.duration_s,
            threat_colours=threat_colours, member_colours=member_colours)),
        "outcome_png": _b64(figures.outcome_png(by_class)) if by_class else "",
        "map_extent": _box_text(geometry.extent()),
    }


def _saturated(u: UnitLoadRow) -> bool:
    """Every channel busy at some time, or out of rounds."""
    return bool(u.channels_full_s) or u.out_of_rounds_s is not None


def _saturation(results: Findings, names: Mapping[str, str],
                epoch: dt.datetime | None) -> dict[str, Any] | None:
    """The units that fired, saturated first (every channel busy, or out of rounds), with the
    figure of channels busy and rounds left over time; ``None`` without ``fire_units``."""
    from inkless.afteraction import figures

    units = sorted((u for u in results.fire_units or () if u.fired),
                   key=lambda u: (not _saturated(u), _sort_time(u.first_full_s), -u.fired))
    if not units:
        return None
    rows = [{
        "unit": u.unit_id, "member": names.get(u.member, u.member),
        "channels": fmt_num(u.channels), "peak": fmt_num(u.peak_channels_busy),
        "full": fmt_duration(u.channels_full_s) if u.channels_full_s else "—",
        "first_full": fmt_time(u.first_full_s, epoch),
        "rounds": fmt_num(u.rounds), "fired": fmt_num(u.fired),
        "left": fmt_num(u.rounds_left), "dry": fmt_time(u.out_of_rounds_s, epoch),
        "saturated": _saturated(u),
    } for u in units]
    return {"rows": rows, "saturated": sum(r["saturated"] for r in rows),
            "png": _b64(figures.saturation_png(units, results.engagements,
                                               epoch=results.epoch))}


def _basis_row(b: LegalBasis, who: Callable[[str], str], epoch: dt.datetime | None
               ) -> dict[str, Any]:
    """A member's legal basis: when its forces acted, by which letters, what is unmet."""
    t = b.acts_from_s
    acts = "never" if t is None else "from the start" if t == 0 else fmt_time(t, epoch)
    spans = b.acts
    if len(spans) > 1 or (spans and spans[-1][1] is not None):  # stopped and resumed
        acts = ", ".join(f"{fmt_time(a, epoch)} – "
                         f"{'end' if z is None else fmt_time(z, epoch)}" for a, z in spans)
    letters = "; ".join(f"{who(x.author)} → {who(x.recipient)}: {x.type} "
                        f"({fmt_time(x.on_record_s, epoch)})" for x in b.letters or ())
    return {"member": who(b.member), "acts": acts, "never": t is None,
            "letters": letters or ("no preconditions" if not b.preconditions else "—"),
            "unmet": "; ".join(b.unmet or ())}


def _cost_row(c: RuleCost) -> dict[str, Any]:
    """What a rule cost: each figure with the rule, with it lifted, and the difference."""
    row: dict[str, Any] = {"rule": c.rule, "pairs": fmt_num(c.blocked_pairs)}
    for key, digits in (("leaked", 2), ("value_damaged", 2), ("interceptor_cost", 1)):
        f: RuleCostFigure = getattr(c, key)
        row[key] = {"with": fmt_num(f.with_rule, digits), "without": fmt_num(f.rule_lifted, digits),
                    "cost": fmt_num(f.cost, digits), "bad": f.cost > 0}
    return row


def _coalition(sec: Coalition, names: Mapping[str, str], epoch: dt.datetime | None
               ) -> dict[str, Any]:
    """The coalition section's view model: legal bases, caveat blocks per rule, rule costs."""

    def who(mid: str) -> str:
        return names.get(mid, mid)

    shots = [{
        "time": fmt_time(b.time_s, epoch), "unit": b.unit_id, "member": who(b.member),
        "threat": b.threat_id, "threat_class": b.threat_class, "rule": b.rule,
    } for b in sec.blocked[:MAX_TABLE_ROWS]]
    return {
        "record": sec.record or "",
        "basis": [_basis_row(b, who, epoch) for b in sec.legal_basis],
        "blocked": [{"rule": r, "pairs": fmt_num(n)} for r, n in sec.blocked_by_rule.items()],
        "shots": shots,
        "blocked_total": len(sec.blocked),
        "costs": [_cost_row(c) for c in sec.costs or ()],
        "costs_given": sec.costs is not None,
    }


_PICTURE_FIGURES = (
    ("mean_gospa_m", "Mean GOSPA (m)", 0),
    ("mean_localisation_m", "of which localisation (m)", 0),
    ("missed", "Objects missed per time", 2),
    ("false", "False tracks per time", 2),
    ("track_breaks", "Track breaks", 0),
    ("track_swaps", "Track swaps", 0),
)


def _picture(sec: PictureQuality | None, names: Mapping[str, str]) -> dict[str, Any] | None:
    """The tracked picture's quality: the coalition's and each member's figures, side by side."""
    if sec is None:
        return None
    columns = [{"name": "Coalition", "share": ""}] + [
        {"name": names.get(m, m), "share": sec.shares.get(m, "")} for m in sec.by_member]
    rows = [{"label": label,
             "values": [fmt_num(getattr(p, key), digits) for p in (sec, *sec.by_member.values())]}
            for key, label, digits in _PICTURE_FIGURES]
    return {
        "columns": columns,
        "rows": rows,
        "times": fmt_num(sec.scored_times),
        "c_m": fmt_num(sec.gospa.c_m),
        "basket": fmt_num(sec.shots_outside_basket),
    }


def _identification(results: Findings, names: Mapping[str, str],
                    epoch: dt.datetime | None) -> dict[str, Any] | None:
    """Identification quality (coalition and each member), non-hostile engagements and the
    flights the closures affected."""
    sec = results.identification
    if sec is None:
        return None
    by_member = sec.correct_fraction_by_member
    columns = ["Coalition"] + [names.get(m, m) for m in by_member]

    def pct(v: float | None) -> str:
        return fmt_pct(v, 1.0) if v is not None else "—"

    def one(v: float | None, digits: int = 0) -> list[str]:
        return [fmt_num(v, digits)] + [""] * len(by_member)

    rows = [
        {"label": "Track-time with the correct identity",
         "values": [pct(sec.correct_fraction)] + [pct(v) for v in by_member.values()]},
        {"label": "Threats detected", "values": one(sec.detected)},
        {"label": "Threats declared hostile", "values": one(sec.declared)},
        {"label": "Mean declaration delay (s)", "values": one(sec.mean_declaration_delay_s, 1)},
        {"label": "Leaked: declared too late",
         "values": one(sec.leaked_due_to_late_declaration)},
        {"label": "Civil engagements", "values": one(results.civil_engagements)},
        {"label": "Friendly engagements", "values": one(results.friendly_engagements)},
    ]
    rows += [{"label": label, "values": one(getattr(sec.misdeclared, key))}
             for key, label in _MISDECLARED]
    engaged = [*results.civil_engaged, *(results.friendly_engaged or ())]
    closures = [{
        "callsign": c.callsign, "action": c.action, "region": c.region or "—",
        "decided": fmt_time(c.decided_s, epoch),
        "delay": fmt_duration(c.delay_s),  # negative: earlier
    } for c in results.closures]
    return {
        "columns": columns,
        "rows": rows,
        "engaged": ", ".join(engaged),
        "engaged_text": (f"{fmt_num(results.civil_engagements)} civil and "
                         f"{fmt_num(results.friendly_engagements)} friendly engagements"),
        "perfect": results.settings.picture == "perfect",
        "closures": closures,
    }


def _comparison(sec: Comparison | None) -> dict[str, Any] | None:
    """Tracked against perfect picture, same seeds."""
    if sec is None:
        return None
    rows = []
    for key, label, worse_if_up in (
        ("intercepted", "Threats intercepted", False),
        ("leaked", "Threats leaked", True),
        ("value_damaged", "Value damaged", True),
        ("interceptors_fired", "Interceptors fired", True),
        ("interceptor_cost", "Interceptor cost", True),
    ):
        d = getattr(sec.difference, key)
        rows.append({
            "label": label, "tracked": fmt_num(getattr(sec.tracked, key), 2),
            "perfect": fmt_num(getattr(sec.perfect, key), 2),
            "diff": ("+" if d > 0 else "") + fmt_num(d, 2),
            "bad": d > 0 if worse_if_up else d < 0,
        })
    return {"rows": rows, "replications": sec.replications}


def _seed_text(results: Findings) -> str:
    """The seed, or the replications' seeds when they differ; identifiers, so no separators."""
    seeds = results.seeds
    if seeds is not None and len(set(seeds)) > 1:
        return ", ".join(str(x) for x in seeds)
    return str(results.seed)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _why_text(why: Why, fired: float) -> str:
    """One line for an engagement's ``why`` (results.json): what the round saves against what
    it costs, the alternatives and the time left to fire."""
    text = (f"saves {fmt_num(why.value_saved, 1)} of {fmt_num(why.value_at_risk, 1)}"
            f" at risk for {fmt_num(why.cost, 1)}")
    n_alt = why.alternatives
    if n_alt and why.best_alternative_unit:
        text += (f"; {n_alt} other shooter{'s' if n_alt != 1 else ''}, best "
                 f"{why.best_alternative_unit} would save "
                 f"{fmt_num(why.best_alternative_value_saved, 1)}")
    else:
        text += "; no other shooter"
    if why.latest_launch_s is not None:
        text += f"; {why.latest_launch_s - fired:.0f} s to spare, {why.shots_fit} shot(s) fit"
    return text


def _sort_time(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else math.inf


def _coord(value: float, hemis: str) -> str:
    return f"{abs(value):.3f}°{hemis[0] if value >= 0 else hemis[1]}"



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


def render_report(results: Findings, geometry: MapData,
                  replay: Mapping[str, Any] | None = None) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    from inkless.afteraction.replay import replay_html  # the replay map, its libraries inlined

    if not isinstance(results, Findings):
        raise InputError(
            f"report: results is a {type(results).__name__}; pass the run's Findings "
            "(results.json read with inkless.afteraction.findings.read_findings)"
        )
    if not isinstance(geometry, MapData):
        raise InputError(
            f"report: geometry is a {type(geometry).__name__}; pass an afteraction.MapData"
        )
    return _template().render(**_view(results, geometry),
                              replay_html=replay_html(replay, results.replications))


def write_report(path: Path, results: Findings, geometry: MapData,
                 replay: Mapping[str, Any] | None = None) -> None:
    """Write the after-action report of a run as one self-contained HTML file.

    Contents: headline figures (mean and 95 % CI when ``results.replications > 1`` and a
    ``replications_summary`` is present, see :func:`inkless.afteraction.summarise`); a map of
    threat, interceptor and civil tracks, intercepts and impacts over coastlines and borders; a
    timeline of threats in the air by class and interceptors fired; tables by threat class, by
    member, by interceptor type, of engagements and of impacts; any further top-level section
    of ``results`` as a generic table. Times are shown as T+ from the scenario epoch and UTC.

    Args:
        path: the HTML file to write (parent directory must exist); overwritten.
        results: the run's findings (results.json), see ``results.py``.
        geometry: what the map and timeline draw, in degrees.
        replay: the run's replay (:func:`inkless.afteraction.replay.replay`): a map with a time
            control after the situation map; None: no replay section.

    Raises:
        InputError: ``results`` is not a Findings, ``geometry`` not a MapData, or the file cannot
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
