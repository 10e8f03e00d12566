"""The ``inkless`` command line: run, validate, schema; and the mounted sub-commands.

Every error a user can cause is printed as one line per problem on stderr with exit code 2 (1
for a failed verification); no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from inkless.assignment import Solver
from inkless.errors import InklessError, InputError
from inkless.scenario.model import PictureName

if TYPE_CHECKING:
    from inkless.afteraction.findings import Findings

__all__ = ["MAX_REPLICATIONS", "app", "main"]

#: Upper bound of ``inkless run --replications`` (docs/limits.md): each replication is a whole run.
MAX_REPLICATIONS = 1000

app = typer.Typer(
    name="inkless",
    help="Coalition air defence without a treaty: run raids, validate scenarios, plan, assign.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _fail(e: InklessError) -> typer.Exit:
    for line in e.problems:
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(e.exit_code)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")]) -> None:
    """Check a scenario file; print every problem with its line, or 'ok'."""
    from inkless.scenario import load_scenario

    try:
        sc = load_scenario(scenario)
    except InklessError as e:
        raise _fail(e) from None
    n = sum(w.count for w in sc.raid.waves)
    out.print(
        f"{scenario}: ok ({len(sc.members)} members, {len(sc.sensors)} sensors, "
        f"{len(sc.fire_units)} fire units, {n} threats, {len(sc.civil.flights)} civil flights)"
    )


@app.command()
def schema(
    sweep: Annotated[bool, typer.Option("--sweep", help="The sweep file's schema.")] = False,
    results: Annotated[
        bool, typer.Option("--results", help="The schema of results.json (inkless run).")
    ] = False,
) -> None:
    """Print the JSON Schema of the scenario file (for editors: completion and checking), of a
    sweep file (--sweep) or of results.json (--results)."""
    from inkless.afteraction.findings import Findings
    from inkless.scenario import Scenario
    from inkless.wargame.sweep import Sweep

    if sweep and results:
        raise _fail(InputError("schema: give --sweep or --results, not both"))
    model = Sweep if sweep else Findings if results else Scenario
    sys.stdout.write(json.dumps(model.model_json_schema(), indent=2) + "\n")


# the options of `inkless run`
_Out = Annotated[Path, typer.Option("--out", help="Directory for the outputs.")]
_Seed = Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")]
_Replications = Annotated[
    int, typer.Option(help=f"Seeded replications, 1 to {MAX_REPLICATIONS}.")]
_PictureOption = Annotated[PictureName, typer.Option(
    help="Picture the defence decides on: the fused tracks of the coalition's radars "
    "(tracked) or every covered threat exactly (perfect: the best picture, not always the "
    "best outcome; docs/pictures.md).")]
_ComparePerfect = Annotated[bool, typer.Option(
    "--compare-perfect",
    help="Also run the perfect picture with the same seeds; compare leakers and cost.")]
_AssignmentOption = Annotated[Solver, typer.Option(help="Weapon-target assignment solver.")]
_View = Annotated[str | None, typer.Option(
    "--view", help="Write the outputs as this member may see them.")]
_Ledger = Annotated[Path | None, typer.Option(
    "--ledger", help="Legal bases from the documents on this ledger file.")]
_Keys = Annotated[Path | None, typer.Option(
    "--keys", help="Keys directory (coalition secret for pseudonyms; default LEDGER.keys, "
    "else SCENARIO.keys).")]
_RuleCosts = Annotated[bool, typer.Option(
    "--rule-costs/--no-rule-costs",
    help="Rerun with each blocking caveat or late legal basis lifted (what it cost).")]
_Workers = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Local Dask workers for the replications and reruns, one process "
    "each (default: CPUs).")]
_Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", help="Run the replications and reruns on the Dask cluster at this address "
    "(tcp://HOST:PORT).")]
_AsterixOut = Annotated[Path | None, typer.Option(
    "--asterix-out", help="Also write the coalition picture as ASTERIX CAT062 "
    "(DIR/picture.ast) and each radar's plots as CAT048 (DIR/radar-*.ast).")]


@app.command("run")
def run_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: _Out = Path("out"),
    seed: _Seed = None,
    replications: _Replications = 1,
    picture: _PictureOption = "tracked",
    compare_perfect: _ComparePerfect = False,
    assignment: _AssignmentOption = "fast",
    view: _View = None,
    ledger: _Ledger = None,
    keys: _Keys = None,
    rule_costs: _RuleCosts = True,
    workers: _Workers = None,
    scheduler: _Scheduler = None,
    asterix_out: _AsterixOut = None,
    cot_in: Annotated[Path | None, typer.Option(
        "--cot-in", help="A recorded TAK feed (CoT XML events): friendly self-reports are "
        "friend evidence, like IFF replies (one replication, no rule-cost reruns).")] = None,
) -> None:
    """Simulate a raid against the coalition; write results.json, events.csv and report.html."""
    from inkless.commands.coalition import coalition_summary, run_audience
    from inkless.commands.wargame import check_cluster
    from inkless.scenario import load_scenario
    from inkless.scenario.limits import MAX_SEED
    from inkless.simulation.civil import with_base_dir
    from inkless.wargame import legal_record

    try:
        _check_options(replications, view, keys)
        # a recording named relative to the scenario file is read from the file's folder
        sc = with_base_dir(load_scenario(scenario), scenario.resolve().parent)
        audience = run_audience(sc, scenario, view, ledger, keys) if view is not None else None
        legal = legal_record(sc, ledger, keys)
        for note in legal.notes:  # a change of office holder not yet on the ledger
            err.print(note, markup=False, highlight=False, soft_wrap=True)
        _writable(out_dir)
        seed_ = sc.settings.seed if seed is None else seed
        if not 0 <= seed_ < MAX_SEED:
            raise InputError(f"--seed: must be from 0 to 2**63 - 1, got {seed_}")
        check_cluster(workers, scheduler)
        record, res = _simulate(
            sc, legal, seed_, replications, picture=picture, assignment=assignment,
            compare_perfect=compare_perfect and picture != "perfect",
            rule_costs=rule_costs and cot_in is None, workers=workers,
            scheduler=scheduler, cot_in=cot_in,
        )
        notes = _write_outputs(out_dir, record, res, audience, asterix_out)
    except InklessError as e:
        raise _fail(e) from None
    _summary(res)
    _details(res)
    coalition_summary(out, res)
    if audience is not None:
        out.print(f"outputs written as {view} may see them (--view)")
    out.print(
        f"wrote {out_dir / 'results.json'}, {out_dir / 'events.csv'}, {out_dir / 'report.html'}"
    )
    for note in notes:
        out.print(note, markup=False, highlight=False)


def _check_options(replications: int, view: str | None, keys: Path | None) -> None:
    """The options of ``inkless run`` checked before the scenario is read."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(
            f"--replications: must be from 1 to {MAX_REPLICATIONS}, got {replications}; "
            "run a larger study as several runs with different --seed"
        )
    if view is not None and not view.strip():
        raise InputError("--view: empty; give a member id, or leave --view out for the "
                         "full outputs")
    if keys is not None and keys.exists() and not keys.is_dir():
        raise InputError(f"--keys {keys}: not a directory; give the keys directory")


def _simulate(
    sc: Any,
    legal: Any,
    seed: int,
    replications: int,
    *,
    picture: PictureName,
    assignment: Solver,
    compare_perfect: bool,
    rule_costs: bool,
    workers: int | None,
    scheduler: str | None,
    cot_in: Path | None = None,
) -> tuple[Any, Findings]:
    """The replications of ``inkless run`` on one cluster, with a progress bar: the first
    replication's record and the results (the perfect-picture comparison and what each rule
    cost added when asked)."""
    from functools import partial

    from inkless.afteraction import summarise
    from inkless.afteraction.findings import RuleCost
    from inkless.afteraction.results import comparison_section
    from inkless.interop.cotin import read_cot_file, replicate_with_cot
    from inkless.wargame import rule_costs as costs_of_rules
    from inkless.wargame import run_replications, scenario_gates
    from inkless.wargame.runner import Cluster

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar, Cluster(workers, scheduler) as cluster:
        task = bar.add_task(f"{sc.name}: replications", total=replications)
        replicate: Any = run_replications if cot_in is None else partial(
            replicate_with_cot, read_cot_file(cot_in))  # a TAK feed: inkless.interop.cotin
        record, reps = replicate(
            sc,
            seed,
            replications,
            solver=assignment,
            progress=lambda: bar.advance(task),
            gates=scenario_gates(sc, legal),
            picture=picture,
            cluster=cluster,
        )
        if compare_perfect:
            bar.update(task, description=f"{sc.name}: the perfect picture (same seeds)",
                       completed=0)
            _, perfect_reps = run_replications(
                sc, seed, replications, solver=assignment,
                progress=lambda: bar.advance(task), gates=scenario_gates(sc, legal),
                picture="perfect", cluster=cluster,
            )
        coalition: dict[str, Any] = {"record": legal.source}
        if rule_costs:
            bar.update(task, description=f"{sc.name}: what each rule cost (reruns)",
                       completed=0)
            coalition["costs"] = tuple(RuleCost.model_validate(c) for c in costs_of_rules(
                sc, seed, record, reps, legal, solver=assignment,
                picture=picture, cluster=cluster,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            ))
    res = reps[0] if replications == 1 else summarise(reps)
    res = res.model_copy(update={
        "replications": replications,
        "seed": seed,
        "settings": res.settings.model_copy(update={"picture": picture}),
        "coalition": res.coalition.model_copy(update=coalition),
    })
    if compare_perfect:
        perfect = perfect_reps[0] if replications == 1 else summarise(perfect_reps)
        res = res.model_copy(update={"comparison": comparison_section(res, perfect)})
    return record, res


def _write_outputs(
    out_dir: Path, record: Any, res: Findings, audience: Any, asterix_out: Path | None
) -> list[str]:
    """Write the run's files in ``out_dir`` (:func:`inkless.afteraction.write_outputs`) and,
    for the full outputs, the coalition picture (tracks.csv, CAT062 with ``--asterix-out``);
    the picture's notes."""
    from inkless.afteraction import write_outputs
    from inkless.interop.picture import write_run_picture

    try:
        write_outputs(out_dir, record, res, audience)
        if audience is not None:  # the terminal shows the full run
            return []
        return write_run_picture(out_dir, record, asterix_out)
    except OSError as e:
        where = e.filename or out_dir
        raise InputError(f"--out {out_dir}: cannot write {where} ({e.strerror or e})") from None


def _details(res: Findings) -> None:
    """Print what the picture and the identification were worth, the airspace closures and the
    comparison with the perfect picture, where the run has them."""
    if res.picture is not None:  # the tracked picture's quality
        pq = res.picture
        out.print(
            f"air picture: mean GOSPA {pq.mean_gospa_m:.0f} m (c = 1 km), "
            f"{pq.missed:.2f} objects missed and {pq.false:.2f} false tracks per time, "
            f"{pq.track_breaks} track breaks, {pq.track_swaps} swaps"
        )
    idn = res.identification
    if res.settings.picture == "tracked" and idn is not None:
        delay, frac = idn.mean_declaration_delay_s, idn.correct_fraction
        out.print(
            f"identification: {idn.declared} of {idn.detected} threats "
            f"detected declared hostile"
            + (f", mean delay {delay:.0f} s" if delay is not None else "")
            + (f"; correct identity {100 * frac:.1f} % of track-time" if frac is not None else "")
            + f"; {idn.leaked_due_to_late_declaration} leaked declared too late; "
            f"friendly engagements {res.friendly_engagements}"
        )
        wrong = {k: v for k, v in idn.misdeclared.model_dump().items() if v}
        if wrong:
            out.print("misdeclared track-seconds: " + ", ".join(
                f"{k.removesuffix('_s').replace('_', ' ')} {v:,.0f}" for k, v in wrong.items()))
    if res.closures:
        out.print("airspace closures: " + ", ".join(
            f"{c.callsign} {c.action}" for c in res.closures))
    if res.comparison is not None:  # --compare-perfect
        cmp = res.comparison
        t = Table(title="tracked against perfect picture (same seeds"
                  + (f", means of {res.replications} replications)" if res.replications > 1
                     else ")"))
        for col in ("", "tracked", "perfect", "difference"):
            t.add_column(col, justify="right" if col else "left")
        for key in ("intercepted", "leaked", "value_damaged", "interceptors_fired",
                    "interceptor_cost"):
            t.add_row(key.replace("_", " "), *(f"{getattr(f, key):g}" for f in
                                                (cmp.tracked, cmp.perfect, cmp.difference)))
        out.print(t)


def _writable(out_dir: Path) -> None:
    """Create ``out_dir`` and check that files can be written in it, before a long run."""
    import tempfile

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--out {out_dir}: cannot create the directory ({e.strerror})") from None
    try:
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as e:
        raise InputError(f"--out {out_dir}: cannot write there ({e.strerror}); give a "
                         "directory you may write to") from None


def _summary(res: Findings) -> None:
    """Print the threats and interceptors of the run (and the replications' intervals)."""
    th, it = res.threats, res.interceptors
    t = Table(title=f"{res.scenario}: threats (replication 1 of {res.replications})")
    for col in ("class", "launched", "intercepted", "leaked"):
        t.add_column(col, justify="right" if col != "class" else "left")
    for name, c in th.by_class.items():
        t.add_row(name, str(c.launched), str(c.intercepted), str(c.leaked))
    t.add_row("all", str(th.launched), str(th.intercepted), str(th.leaked), style="bold")
    out.print(t)
    u = Table(title="interceptors fired")
    for col in ("member / type", "fired", "cost (M$)"):
        u.add_column(col, justify="right" if col != "member / type" else "left")
    for m, tally in it.by_member.items():
        if tally.fired:
            u.add_row(m, str(tally.fired), f"{tally.cost:.1f}")
    for k, tally in it.by_type.items():
        u.add_row(f"  {k}", str(tally.fired), f"{tally.cost:.1f}", style="dim")
    u.add_row("all", str(it.fired), f"{it.cost:.1f}", style="bold")
    out.print(u)
    line = (
        f"value damaged {res.value_damaged:.1f} of {res.value_defended:.1f}; "
        f"civil engagements {res.civil_engagements}"
    )
    summary = res.replications_summary
    if summary is not None:
        parts = []
        for name, s in (
            ("leaked", summary.threats.leaked),
            ("value damaged", summary.value_damaged),
            ("interceptor cost", summary.interceptors.cost),
        ):
            if s is not None and s.ci95 is not None:
                parts.append(f"{name} {s.mean:.2f} [{s.ci95[0]:.2f}, {s.ci95[1]:.2f}]")
        line += "\nmean and 95 % CI over replications: " + "; ".join(parts)
    out.print(line)


def _mount() -> None:
    """Sub-commands that live in ``inkless.commands``."""
    from inkless.commands.coalition import coalition_app, ledger_app
    from inkless.commands.cot import app as cot_app
    from inkless.commands.serve import node_command, serve_command
    from inkless.commands.track import track
    from inkless.commands.wargame import wargame
    from inkless.commands.wta import app as wta_app

    app.command("track")(track)
    app.command("wargame")(wargame)
    app.command("serve")(serve_command)
    app.command("node")(node_command)
    app.add_typer(wta_app, name="wta")
    app.add_typer(coalition_app, name="coalition")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(cot_app, name="cot")


_mount()


def main() -> None:
    """Entry point of the ``inkless`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None
