"""Sweeps: a scenario and its variants, every (variant, seed) one task on Dask, one table.

Where it sits: war-game, above the pipeline and the after-action; ``inkless wargame SWEEP.yaml``
(``docs/wargame.md``). A sweep file names a scenario, the number of seeds and the variants; the
baseline (the scenario unchanged) is added, named ``baseline``. A variant changes the coalition
(members ``without``, rules ``lift``-ed, caveats ``add``-ed: :class:`~.counterfactual.Composition`)
and the scenario (``inventory``: every fire unit's rounds times a factor; ``raid_size``: every
wave's count times a factor; ``tempo``: launch times divided by a factor, the raid comes that
much faster; ``sensors_off``: sensors left out), and may take its own ``solver`` and ``picture``.

Every variant runs replications ``0..seeds-1`` of the same seed (common random numbers, Law,
*Simulation Modeling and Analysis*, 5th ed., sec. 11.2), so a task's row depends only on
(scenario, variant, replication). Rows are written as Parquet parts as tasks end
(``DIR/parts/VARIANT.HASH/R.parquet``, the hash of what the variant runs: a changed variant
reruns, an unchanged one is skipped on a rerun) and merged in task order into
``DIR/results.parquet``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inkless.afteraction.findings import Findings
from inkless.assignment import Solver
from inkless.errors import InklessError, InputError, ScenarioError
from inkless.scenario import load_scenario, parse_scenario
from inkless.scenario.load import (  # the scenario loader's located-problem machinery
    compose,
    located,
    one_line,
    read_text,
    validation_problems,
)
from inkless.scenario.model import Id, PictureName, Scenario

from .counterfactual import Composition, legal_record, parse_added_caveat, scenario_gates
from .runner import Arm, Cluster, run_results

__all__ = [
    "BASELINE",
    "Outcome",
    "Plan",
    "Sweep",
    "Variant",
    "flat_figures",
    "load_sweep",
    "merge",
    "run_sweep",
]

BASELINE = "baseline"
MAX_SWEEP_BYTES = 1_000_000
Loc = tuple[str | int, ...]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Frozen):
    """One variant of the scenario: every field optional, all given ones applied together."""

    name: Id = Field(description="Its name in the table and the report (not 'baseline').")
    without: list[Id] = Field(
        default_factory=list, max_length=100,
        description="Members left out: their sensors and fire units stay home.")
    lift: list[str] = Field(
        default_factory=list, max_length=100,
        description="Rules lifted, MEMBER:KIND (threat_classes, protect_assets, engage_only_in, "
        "legal_basis).")
    add: list[str] = Field(
        default_factory=list, max_length=100,
        description="Caveats added or replaced, MEMBER:KIND=V1,V2.")
    inventory: float | None = Field(
        None, gt=0.0, le=10.0,
        description="Every fire unit's ready rounds times this factor (rounded).")
    raid_size: float | None = Field(
        None, gt=0.0, le=10.0,
        description="Every wave's threat count times this factor (rounded, at least 1).")
    tempo: float | None = Field(
        None, gt=0.0, le=100.0,
        description="Launch windows divided by this factor: 2 launches the raid twice as fast.")
    sensors_off: list[Id] = Field(
        default_factory=list, max_length=1000, description="Sensors left out (ids).")
    solver: Solver | None = Field(
        None, description="Weapon-target assignment solver (default: the sweep's).")
    picture: PictureName | None = Field(
        None, description="Picture the defence decides on (default: the sweep's).")

    def describe(self) -> str:
        """In words, e.g. ``without JOR; inventory x0.5``."""
        parts = [Composition(tuple(self.without), tuple(self.lift)).describe()]
        if self.add:
            parts.append("adding " + ", ".join(self.add))
        for key in ("inventory", "raid_size", "tempo"):
            v = getattr(self, key)
            if v is not None:
                parts.append(f"{key.replace('_', ' ')} x{v:g}")
        if self.sensors_off:
            parts.append("sensors off " + ", ".join(self.sensors_off))
        for key in ("solver", "picture"):
            if getattr(self, key) is not None:
                parts.append(f"{key} {getattr(self, key)}")
        return "; ".join(p for p in parts if p != "as given") or "as given"

    def axis(self) -> tuple[str, float] | None:
        """``(name, factor)`` when the variant changes only one of inventory, raid size or
        tempo (a point on that axis's curve), else None."""
        data = self.model_dump(exclude={"name"}, exclude_defaults=True)
        if len(data) == 1:
            (key, value), = data.items()
            if key in ("inventory", "raid_size", "tempo"):
                return key, float(value)
        return None


class Sweep(_Frozen):
    """A sweep file (``docs/wargame.md``)."""

    scenario: str = Field(description="Scenario file, relative to the sweep file.")
    seed: int | None = Field(None, ge=0, lt=2**63, description="Seed (default: the scenario's).")
    seeds: int = Field(8, ge=1, le=1000, description="Replications 0..seeds-1 of every variant.")
    solver: Solver = Field("fast", description="Default solver.")
    picture: PictureName = Field("perfect", description="Default picture.")
    variants: list[Variant] = Field(min_length=1, max_length=1000)


@dataclass(frozen=True)
class Plan:
    """A validated sweep: arm 0 is the baseline, then the variants in the file's order;
    ``digests[a]`` names what arm ``a`` runs (its parts' folder)."""

    source: str
    sweep: Sweep
    scenario: Scenario
    seed: int
    names: tuple[str, ...]
    specs: tuple[Variant | None, ...]
    arms: tuple[Arm, ...]
    digests: tuple[str, ...]

    def tasks(self) -> list[tuple[int, int, int]]:
        """(arm, seed, replication) in task order: arms in order, replications in order."""
        return [(a, self.seed, r) for a in range(len(self.arms)) for r in range(self.sweep.seeds)]


def load_sweep(path: str | Path) -> Plan:
    """Read and validate a sweep file and its scenario; raise :class:`InputError` listing every
    problem as ``FILE:LINE: where: what; fix``."""
    path = Path(path)
    source = one_line(str(path))
    text = read_text(path, MAX_SWEEP_BYTES, "a sweep file", InputError)
    node, data = compose(text, source)
    if not isinstance(data, dict):
        raise InputError(f"{source}:1: must be a mapping with scenario, seeds and variants")

    def fail(problems: Sequence[tuple[Loc, str]]) -> InputError:
        return InputError(*located(source, node, problems))

    problems: list[tuple[Loc, str]] = []
    raw = data.get("variants")
    seen = {BASELINE}
    for i, v in enumerate(raw if isinstance(raw, list) else []):
        name = v.get("name") if isinstance(v, dict) else None
        if isinstance(name, str):
            if name in seen:
                what = "is the scenario unchanged" if name == BASELINE else "is used twice"
                problems.append((("variants", i, "name"), f"{name!r} {what}; give another name"))
            seen.add(name)
        if isinstance(v, dict) and set(v) == {"name"}:
            problems.append((("variants", i), "changes nothing; give without, lift, add, "
                             "inventory, raid_size, tempo, sensors_off, solver or picture"))
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as e:
        problems += validation_problems(e)
    if problems:
        raise fail(problems)
    scenario_path = path.parent / sweep.scenario
    try:
        from inkless.simulation.civil import with_base_dir

        base = with_base_dir(load_scenario(scenario_path), scenario_path.resolve().parent)
    except ScenarioError:
        if not scenario_path.is_file():
            raise fail([(("scenario",), f"{sweep.scenario}: no such file; give the scenario "
                         "file's path relative to the sweep file")]) from None
        raise  # the scenario's own problems, each with its file and line
    legal = legal_record(base)
    seed = base.settings.seed if sweep.seed is None else sweep.seed
    arms = [Arm(base, scenario_gates(base, legal), sweep.solver, sweep.picture)]
    for i, v in enumerate(sweep.variants):
        try:
            arms.append(_arm(base, legal, v, sweep, ("variants", i), problems))
        except InklessError as e:
            problems += [(("variants", i), p) for p in e.problems]
    if problems:
        raise fail(problems)
    specs: tuple[Variant | None, ...] = (None, *sweep.variants)
    digests = tuple(
        _digest(arm, spec, seed) for arm, spec in zip(arms, specs, strict=True)
    )
    return Plan(str(path), sweep, base, seed, (BASELINE, *(v.name for v in sweep.variants)),
                specs, tuple(arms), digests)


def _arm(base: Scenario, legal: Any, v: Variant, sweep: Sweep, loc: Loc,
         problems: list[tuple[Loc, str]]) -> Arm:
    """The arm of a variant: its scenario (edited and validated again), gates, solver and
    picture. Unknown names are appended to ``problems``; raises :class:`InklessError` when the
    composition does not apply."""
    before = len(problems)
    members = [m.id for m in base.members]
    for j, m in enumerate(v.without):
        if m not in members:
            problems.append(((*loc, "without", j), f"unknown member {m!r}; known: "
                             f"{', '.join(members)}"))
    sensors = [s.id for s in base.sensors]
    for j, s in enumerate(v.sensors_off):
        if s not in sensors:
            problems.append(((*loc, "sensors_off", j), f"unknown sensor {s!r}; known: "
                             f"{', '.join(sensors)}"))
    sc = base
    if v.inventory is not None or v.raid_size is not None or v.tempo is not None or v.sensors_off:
        d = base.model_dump(mode="json")
        if v.inventory is not None:
            for u in d["fire_units"]:
                u["rounds"] = round(u["rounds"] * v.inventory)
        for w in d["raid"]["waves"]:
            if v.raid_size is not None:
                w["count"] = max(1, round(w["count"] * v.raid_size))
            if v.tempo is not None:
                w["launch_window_s"] = [t / v.tempo for t in w["launch_window_s"]]
        d["sensors"] = [s for s in d["sensors"] if s["id"] not in v.sensors_off]
        try:
            sc = parse_scenario(yaml.safe_dump(d, sort_keys=False), "<variant>")
        except ScenarioError as e:
            for p in e.problems:
                where = p.split(": ", 1)[1] if ": " in p else p
                problems.append((loc, f"the varied scenario: {where}"))
            return Arm(base)
    if len(problems) > before:
        return Arm(base)
    comp = Composition(tuple(v.without), tuple(v.lift),
                       tuple(parse_added_caveat(a) for a in v.add))
    gates = scenario_gates(sc, legal, comp)
    return Arm(sc, gates, v.solver or sweep.solver, v.picture or sweep.picture)


def _digest(arm: Arm, spec: Variant | None, seed: int) -> str:
    """What an arm runs, hashed: its scenario, its change, the seed, solver and picture."""
    what = {
        "scenario": arm.scenario.model_dump(mode="json"),
        "variant": spec.model_dump(mode="json", exclude={"name"}) if spec else None,
        "seed": seed, "solver": arm.solver, "picture": arm.picture,
    }
    text = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# -- the table -------------------------------------------------------------------------------------


def flat_figures(res: Findings) -> dict[str, float]:
    """One replication's results as flat figures (the columns of ``results.parquet``,
    ``docs/wargame.md``): counts, value and cost; ``cost_per_kill`` is the interceptor cost per
    threat intercepted (NaN when none was); per class and per member columns with a dot."""
    th, ic = res.threats, res.interceptors
    out: dict[str, float] = {
        "launched": th.launched,
        "intercepted": th.intercepted,
        "leaked": th.leaked,
        "value_damaged": res.value_damaged,
        "value_defended": res.value_defended,
        "interceptors_fired": ic.fired,
        "interceptor_cost": ic.cost,
        "cost_per_kill": ic.cost / th.intercepted if th.intercepted else math.nan,
        "civil_engagements": res.civil_engagements,
        "friendly_engagements": res.friendly_engagements,
    }
    for cls, c in sorted(th.by_class.items()):
        for key in ("launched", "intercepted", "leaked"):
            out[f"{key}.{cls}"] = getattr(c, key)
    for m, t in ic.by_member.items():
        out[f"fired.{m}"] = t.fired
        out[f"cost.{m}"] = t.cost
    return out


def sweep_row(arm: Arm, seed: int, replication: int) -> dict[str, float]:
    """A task of a sweep: one replication's flat figures."""
    return flat_figures(run_results(arm, seed, replication))


def _part(out_dir: Path, plan: Plan, arm: int, replication: int) -> Path:
    return out_dir / "parts" / f"{plan.names[arm]}.{plan.digests[arm]}" / f"{replication}.parquet"


def _write_part(path: Path, row: dict[str, Any]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.Table.from_pylist([row]), tmp)
    os.replace(tmp, path)  # a part is whole or absent


def _read_part(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    row: dict[str, Any] = pq.read_table(path).to_pylist()[0]
    return row


@dataclass
class Outcome:
    """What a sweep ran: its rows in task order (``variant``, ``seed`` then figures), the tasks
    run now and those found done, and the failures ``(variant, replication, message)``."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    ran: list[tuple[str, int]] = field(default_factory=list)
    skipped: int = 0
    failed: list[tuple[str, int, str]] = field(default_factory=list)


def run_sweep(
    plan: Plan,
    out_dir: Path,
    cluster: Cluster,
    progress: Callable[[int, int], None] | None = None,
    on_done: Callable[[bool], None] | None = None,
) -> Outcome:
    """Run the tasks of ``plan`` whose row is not yet in ``out_dir`` on ``cluster`` (nothing is
    started when none is left), writing each row as its task ends; merge every row into
    ``out_dir/results.parquet``.

    ``progress(total, done_before)`` is called once before anything runs and ``on_done(ok)`` as
    each task ends. A failed task is recorded in :attr:`Outcome.failed` and the others go on.
    """
    tasks = plan.tasks()
    todo = [t for t in tasks if not _part(out_dir, plan, t[0], t[2]).exists()]
    outcome = Outcome(skipped=len(tasks) - len(todo))
    if progress:
        progress(len(tasks), outcome.skipped)

    def done(i: int, row: Any, exc: BaseException | None) -> None:
        a, _, r = todo[i]
        if exc is None:
            _write_part(_part(out_dir, plan, a, r), {"variant": plan.names[a], "seed": r, **row})
            outcome.ran.append((plan.names[a], r))
        else:
            what = "; ".join(exc.problems) if isinstance(exc, InklessError) else str(exc)
            outcome.failed.append(
                (plan.names[a], r, f"{type(exc).__name__}: {one_line(what) or 'failed'}"))
        if on_done:
            on_done(exc is None)

    cluster.outcomes(sweep_row, plan.arms, todo, done)
    outcome.failed.sort(key=lambda f: (plan.names.index(f[0]), f[1]))
    outcome.rows = [
        _read_part(p) for a, _, r in tasks if (p := _part(out_dir, plan, a, r)).exists()
    ]
    merge(outcome.rows, out_dir / "results.parquet")
    return outcome


def merge(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Write ``rows`` (in the given order) as one Parquet table: ``variant``, ``seed``, then the
    figures in first-seen order; a per-class or per-member figure a row lacks is 0
    (``cost_per_kill`` stays NaN where nothing was intercepted)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(dict.fromkeys(k for row in rows for k in row))
    data = {c: [row.get(c, 0) for row in rows] for c in columns}
    table = pa.table(data) if rows else pa.table({"variant": pa.array([], pa.string()),
                                                   "seed": pa.array([], pa.int64())})
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
