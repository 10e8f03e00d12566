"""The comparison of a sweep's variants: means, paired differences against the baseline, and
``report.html``.

Where it sits: war-game, after :func:`~.sweep.run_sweep`; reads the rows of
``results.parquet``. Method: per variant and figure, the mean over replications and its 95 %
Student-t interval (:func:`inkless.afteraction.summary.confidence_interval`); against the
baseline, the mean of the paired differences (variant - baseline, replication by replication:
the same seeds, common random numbers) and its 95 % Student-t interval (Law, *Simulation
Modeling and Analysis*, 5th ed., sec. 10.2.1, paired-t). ``cost_per_kill`` is NaN in a
replication that intercepted nothing; those replications are left out of its mean and of its
pairs. The report is one self-contained HTML file (Jinja2; matplotlib figures inline as PNG).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from inkless.afteraction.summary import confidence_interval

from .sweep import BASELINE, Plan, Variant

__all__ = ["METRICS", "compare", "write_report"]

#: Figures compared: (column, label).
METRICS: tuple[tuple[str, str], ...] = (
    ("leaked", "leakers"),
    ("value_damaged", "value damaged"),
    ("interceptor_cost", "interceptor cost"),
    ("cost_per_kill", "cost per kill"),
)
_AXES = {"inventory": "inventory (x rounds)", "raid_size": "raid size (x threats)",
         "tempo": "tempo (x launch rate)"}


def _stat(values: Sequence[float]) -> dict[str, Any]:
    x = [v for v in values if math.isfinite(v)]
    if not x:
        return {"mean": None, "ci95": None, "n": 0}
    s = confidence_interval(x)
    return {"mean": s["mean"], "ci95": s["ci95"], "n": len(x)}


def compare(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    """Per variant (in ``names`` order, those with rows): ``{name, n, figures: {metric: {mean,
    ci95, n}}, paired: {metric: {mean, ci95, n}}}``; ``paired`` (variant - baseline on the
    replications both ran) is absent for the baseline or when it has no rows."""
    by: dict[str, dict[int, dict[str, Any]]] = {}
    for row in rows:
        by.setdefault(row["variant"], {})[int(row["seed"])] = row
    base = by.get(BASELINE, {})
    out = []
    for name in names:
        runs = by.get(name)
        if not runs:
            continue
        entry: dict[str, Any] = {
            "name": name,
            "n": len(runs),
            "figures": {m: _stat([float(r[m]) for r in runs.values()]) for m, _ in METRICS},
        }
        if name != BASELINE and base:
            common = sorted(set(runs) & set(base))
            entry["paired"] = {
                m: _stat([float(runs[s][m]) - float(base[s][m]) for s in common])
                for m, _ in METRICS
            }
        out.append(entry)
    return {"variants": out}


# -- the report ------------------------------------------------------------------------------------


def _png(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None},
                facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _err(stats: Sequence[dict[str, Any]]) -> tuple[list[float], list[list[float]]]:
    means = [s["mean"] if s["mean"] is not None else math.nan for s in stats]
    lo = [m - s["ci95"][0] if s["ci95"] else 0.0 for m, s in zip(means, stats, strict=True)]
    hi = [s["ci95"][1] - m if s["ci95"] else 0.0 for m, s in zip(means, stats, strict=True)]
    return means, [lo, hi]


def forest_plot(table: dict[str, Any]) -> str | None:
    """Paired differences against the baseline with their 95 % intervals, one panel per metric;
    a data URL, or None when there is nothing paired."""
    from matplotlib.figure import Figure

    rows = [v for v in table["variants"] if "paired" in v]
    if not rows:
        return None
    fig = Figure(figsize=(10.0, 1.2 + 0.32 * len(rows)), layout="constrained")
    axes = fig.subplots(1, len(METRICS), sharey=True)
    y = np.arange(len(rows))[::-1]
    for ax, (m, label) in zip(axes, METRICS, strict=True):
        means, err = _err([v["paired"][m] for v in rows])
        ax.errorbar(means, y, xerr=err, fmt="o", color="#1f2933", ecolor="#52606d", capsize=3,
                    markersize=4)
        ax.axvline(0.0, color="#c1121f", lw=0.8)
        ax.set_title(f"Δ {label}", fontsize=9)
        ax.grid(axis="x", color="#e4e7eb")
    axes[0].set_yticks(y, [v["name"] for v in rows], fontsize=8)
    fig.suptitle("variant − baseline, same seeds (mean and 95 % CI)", fontsize=10)
    return _png(fig)


def axis_curves(table: dict[str, Any], specs: Sequence[Variant | None],
                names: Sequence[str]) -> list[tuple[str, str]]:
    """Leakers against each axis the sweep varies alone (inventory, raid size, tempo) with at
    least two variants, the baseline at factor 1: ``[(axis label, data URL)]``."""
    from matplotlib.figure import Figure

    stats = {v["name"]: v["figures"]["leaked"] for v in table["variants"]}
    out = []
    for key, label in _AXES.items():
        points = [(s.axis()[1], n) for s, n in zip(specs, names, strict=True)  # type: ignore[index]
                  if s is not None and s.axis() and s.axis()[0] == key and n in stats]  # type: ignore[index]
        if len(points) < 2:
            continue
        if BASELINE in stats:
            points.append((1.0, BASELINE))
        points.sort()
        means, err = _err([stats[n] for _, n in points])
        fig = Figure(figsize=(5.0, 3.2), layout="constrained")
        ax = fig.subplots()
        ax.errorbar([x for x, _ in points], means, yerr=err, fmt="o-", color="#1f2933",
                    ecolor="#52606d", capsize=3)
        ax.set_xlabel(label)
        ax.set_ylabel("leakers (mean, 95 % CI)")
        ax.grid(color="#e4e7eb")
        out.append((label, _png(fig)))
    return out


def _fmt(s: dict[str, Any] | None) -> str:
    if not s or s["mean"] is None:
        return "–"
    text = f"{s['mean']:.2f}"
    if s["ci95"]:
        text += f" [{s['ci95'][0]:.2f}, {s['ci95'][1]:.2f}]"
    return text


def write_report(path: Path, plan: Plan, rows: Sequence[dict[str, Any]],
                 failed: Sequence[tuple[str, int, str]] = ()) -> dict[str, Any]:
    """Write the comparison report ``path`` (self-contained HTML); returns the comparison."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    table = compare(rows, plan.names)
    specs = dict(zip(plan.names, plan.specs, strict=True))
    members = []  # variants that only leave one member out: what the member is worth
    caveats = []  # variants that only lift rules: what the rules cost (with - lifted)
    for v in table["variants"]:
        s = specs[v["name"]]
        if s is None or "paired" not in v:
            continue
        changed = set(s.model_dump(exclude={"name"}, exclude_defaults=True))
        if changed == {"without"} and len(s.without) == 1:
            members.append((s.without[0], v))
        elif changed == {"lift"}:
            caveats.append((", ".join(s.lift), v))
    env = Environment(loader=PackageLoader("inkless.wargame", "."),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["ci"] = _fmt
    env.filters["neg"] = lambda s: (
        None if not s or s["mean"] is None else
        {"mean": -s["mean"], "ci95": [-s["ci95"][1], -s["ci95"][0]] if s["ci95"] else None})
    page = env.get_template("report.html.j2").render(
        plan=plan, table=table, metrics=METRICS, specs=specs,
        describe={n: (s.describe() if s else "the scenario unchanged") for n, s in specs.items()},
        members=members, caveats=caveats, forest=forest_plot(table),
        curves=axis_curves(table, plan.specs, plan.names), failed=failed,
        title=f"{plan.scenario.name}: sweep {Path(plan.source).name}",
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return table
