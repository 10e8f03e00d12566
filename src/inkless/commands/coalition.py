"""Command line for the coalition: ``coalition keys|plan|whatif``, and the coalition's part of
``inkless run`` (its terminal summary, the audience of ``--view``). The ledger's commands are in
:mod:`inkless.commands.ledger` (``ledger_app`` is re-exported here for the callers).

Mounted by ``inkless.cli`` as ``app.add_typer(coalition_app, name="coalition")``; also runnable
as ``python -m inkless.commands.coalition coalition plan SCENARIO`` (and ``... ledger verify
FILE``).

Exit codes: 0 done; 1 verification failed or no exchange exists; 2 bad input (one line on
stderr, ledger unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inkless.coalition import (
    AirspaceGrant,
    KeyStore,
    Ledger,
    Member,
    RecordedPlan,
    describe_step,
    plan_exchange,
    plan_on_ledger,
)
from inkless.coalition.documents import utc_iso
from inkless.coalition.recording import record_keys, signing_times
from inkless.errors import InputError

from ._common import AtOpt, JsonOpt, dump, guard, signing_now, signing_time
from .ledger import ledger_app

if TYPE_CHECKING:
    from inkless.afteraction.findings import Findings
    from inkless.afteraction.views import Audience
    from inkless.scenario.model import Scenario
    from inkless.wargame.counterfactual import Composition

__all__ = ["coalition_app", "coalition_summary", "ledger_app", "run_audience"]

coalition_app = typer.Typer(
    help="Member office keys and the letter-exchange planner.", no_args_is_help=True
)

# -- keys -------------------------------------------------------------------------------------


@coalition_app.command("keys")
def keys_command(
    keys: Annotated[Path, typer.Option("--keys", help="Keys directory.")],
    member: Annotated[str, typer.Option("--member", help="Member id (its ledger identity).")],
    rotate: Annotated[
        bool, typer.Option("--rotate", help="New office holder: endorse a new key, end the old.")
    ] = False,
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            help="Put the keys (and a rotation) on record on this ledger at once; the former "
            "holder's letters lapse from --at.",
        ),
    ] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a member office's root and holder keys, or rotate its holder key (a new office
    holder); with ``--ledger``, append the key statements to the ledger in the same step."""

    def run() -> dict[str, Any]:
        store = KeyStore(keys)
        recorded: list[dict[str, Any]] = []
        changes: list[str] = []
        if ledger is not None:
            existed = store.has(member)
            with Ledger(ledger) as book:
                office, added, changes = record_keys(
                    book, store, member, signing_time(at), rotate=rotate
                )
            action = "rotated" if rotate else ("exists" if existed else "made")
            recorded = [{"entry": e.seq, "kind": e.kind, "hash": e.entry_hash} for e in added]
        elif rotate:
            office, action = store.rotate(member, signing_now(at)), "rotated"
        else:
            office, made = store.ensure(member, signing_now(at))
            action = "made" if made else "exists"
        valid_from, _ = office.window(office.holder_key_id)
        return {
            "member": member,
            "action": action,
            "root_key_id": office.root_key_id,
            "holder_key_id": office.holder_key_id,
            "holder_valid_from": valid_from,
            "keys": str(keys),
            "ledger": None if ledger is None else str(ledger),
            "appended": recorded,
            "holder_changes": changes,
        }

    out = guard(run)
    if as_json:
        dump(out)
        return
    typer.echo(
        f"{out['member']}: keys {out['action']} in {out['keys']}: root {out['root_key_id']}, "
        f"office holder {out['holder_key_id']} valid from {out['holder_valid_from']}"
    )
    if out["ledger"] is not None:
        added = out["appended"]
        what = (
            f"appended entries {added[0]['entry']}-{added[-1]['entry']}"
            if added
            else "nothing to append (already on record)"
        )
        typer.echo(f"ledger {out['ledger']}: {what}")
        for c in out["holder_changes"]:
            typer.echo(f"ledger {out['ledger']}: {c}; the former holder's letters lapse then")


# -- plan -------------------------------------------------------------------------------------

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).")]


def _load_scenario(path: Path) -> Scenario:
    """The scenario, validated (members' rules, grants and their cross-references included)."""
    from inkless.scenario import load_scenario

    return load_scenario(path)


def _members(sc: Scenario) -> tuple[list[Member], list[AirspaceGrant], datetime]:
    """The members, grants and epoch of a loaded scenario."""
    from inkless.scenario.load import coalition_members

    return coalition_members(sc), list(sc.grants), sc.settings.epoch


def _plan_json(rec: RecordedPlan, members: Sequence[Member]) -> dict[str, Any]:
    plan = rec.plan
    return {
        "ok": plan.ok,
        "steps": [
            {
                "step": s.step,
                "type": s.type.value,
                "author": s.author,
                "recipient": s.recipient,
                "in_reply_to": s.in_reply_to,
                "purpose": describe_step(s, members),
                "document_id": rec.step_documents.get(s.step),
                "renews": rec.step_renews.get(s.step),
                "issued_at": rec.step_times.get(s.step),
            }
            for s in plan.steps
        ],
        "conflicts": list(plan.conflicts),
        "renew": [
            {
                "entry": r.seq,
                "document_id": r.document_id,
                "type": r.type,
                "author": r.author,
                "recipient": r.recipient,
                "reason": r.reason,
            }
            for r in rec.renew
        ],
        "appended": [
            {"entry": e.seq, "kind": e.kind, "entry_hash": e.entry_hash} for e in rec.appended
        ],
        "key_changes": list(rec.notes),
        "states_expanded": plan.states,
    }


@coalition_app.command("plan")
def plan_command(
    scenario: ScenarioArg,
    as_json: JsonOpt = False,
    ledger: Annotated[
        Path | None,
        typer.Option("--ledger", help="Sign the planned exchange and append it to this ledger."),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option("--keys", help="Keys directory (default: LEDGER.keys next to the ledger)."),
    ] = None,
    at: AtOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="With --ledger: list what must be renewed and the plan; write nothing.",
        ),
    ] = False,
    delay_s: Annotated[
        float,
        typer.Option(
            "--delay-s",
            help="Seconds between letters: letter k is signed at --at + (k-1) * delay "
            "(e.g. 1800: the reply half an hour after the letter).",
        ),
    ] = 0.0,
) -> None:
    """The shortest exchange of letters after which every member's preconditions hold."""

    def run() -> tuple[RecordedPlan, list[Member]]:
        members, grants, epoch = _members(_load_scenario(scenario))
        if ledger is None:
            when = signing_now(at)
            if dry_run:
                raise InputError(
                    "--dry-run: give --ledger LEDGER (a plan without one writes nothing)"
                )
            plan = plan_exchange(members)
            times = {k: utc_iso(t) for k, t in signing_times(plan, when, delay_s).items()}
            return RecordedPlan(plan, (), (), {}, {}, times), members
        store = KeyStore(keys) if keys is not None else KeyStore.beside(ledger)
        with Ledger(ledger, create=not dry_run) as book:
            rec = plan_on_ledger(
                book, store, members, epoch, signing_time(at), grants=grants, write=not dry_run,
                delay_s=delay_s,
            )  # fmt: skip
            return rec, members

    rec, members = guard(run)
    out = _plan_json(rec, members)
    out["dry_run"] = dry_run
    if as_json:
        dump(out)
    else:
        _print_plan(out)
    if not rec.plan.ok:
        raise typer.Exit(1)


def _print_plan(out: dict[str, Any]) -> None:
    for c in out["key_changes"]:
        verb = "would go on record first" if out["dry_run"] else "put on record first"
        typer.echo(f"key change: {c} ({verb})")
    if not out["ok"]:
        typer.echo("No exchange of documents satisfies every member; conflicting rules:")
        for c in out["conflicts"]:
            typer.echo(f"  - {c}")
        return
    for r in out["renew"]:
        typer.echo(
            f"renew: entry {r['entry']} {r['type']} {r['author']} -> {r['recipient']} "
            f"({r['document_id']}): {r['reason']}"
        )
    steps = out["steps"]
    if not steps:
        typer.echo("Every member's preconditions already hold; no letters needed.")
    else:
        typer.echo(f"Exchange of {len(steps)} letter(s):")
    for s in steps:
        reply = f", in reply to {s['in_reply_to']}" if s["in_reply_to"] else ""
        reply += f", renews {s['renews']}" if s["renews"] else ""
        when = f" at {s['issued_at']}" if s["issued_at"] else ""
        typer.echo(f"  {s['step']}. {s['author']} -> {s['recipient']}: {s['type']}{reply}{when}")
        typer.echo(f"     {s['purpose']}")
    if out["dry_run"]:
        typer.echo("dry run: nothing written")
    elif out["appended"]:
        first, last = out["appended"][0], out["appended"][-1]
        typer.echo(f"appended entries {first['entry']}-{last['entry']}; head {last['entry_hash']}")


# -- what-if --------------------------------------------------------------------------------------


@coalition_app.command("whatif")
def whatif_command(
    scenario: ScenarioArg,
    without: Annotated[
        list[str] | None,
        typer.Option("--without", help="Leave this member's forces out (repeatable)."),
    ] = None,
    lift: Annotated[
        list[str] | None,
        typer.Option(
            "--lift-caveat",
            help="Lift a rule MEMBER:KIND (threat_classes, protect_assets, engage_only_in, "
            "legal_basis) (repeatable).",
        ),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--with-caveat",
            help="Add or replace a caveat MEMBER:KIND=V1,V2 (e.g. GBR:threat_classes=drone; "
            "JOR:engage_only_in=own,granted,REGION) (repeatable).",
        ),
    ] = None,
    each_member: Annotated[
        bool,
        typer.Option("--each-member", help="Also one variant per member: the coalition minus it."),
    ] = False,
    replications: Annotated[int, typer.Option(min=1, help="Seeded replications per arm.")] = 1,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default: the scenario's).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local Dask workers for the reruns, one process "
                                 "each (default: CPUs).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run the reruns on the Dask cluster at this address "
                     "(tcp://HOST:PORT)."),
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option("--ledger", help="Legal bases from the documents on this ledger file."),
    ] = None,
    keys: Annotated[
        Path | None, typer.Option("--keys", help="Keys directory (default LEDGER.keys).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rerun the same seeds with the coalition composed otherwise; print the change in leakers,
    value damaged and interceptor cost (what each member or rule is worth)."""
    from inkless.commands.wargame import check_cluster
    from inkless.wargame.counterfactual import legal_record, scenario_gates, whatif

    def run() -> dict[str, Any]:
        check_cluster(workers, scheduler)
        sc = _load_scenario(scenario)
        comps = _compositions(sc, without or [], lift or [], add or [], each_member)
        legal = legal_record(sc, ledger, keys)
        for note in legal.notes:
            typer.echo(note, err=True)
        for c in comps:  # every bad name reported before anything runs
            scenario_gates(sc, legal, c)
        seed_ = sc.settings.seed if seed is None else seed
        return whatif(sc, seed_, replications, comps, legal, workers=workers,
                      scheduler=scheduler)

    out = guard(run)
    if as_json:
        dump(out)
    else:
        _print_whatif(out)


def _compositions(
    sc: Scenario, without: list[str], lift: list[str], add: list[str], each_member: bool
) -> list[Composition]:
    """The what-if's variants: the one the options describe, then (``--each-member``) the
    coalition minus each member that has forces."""
    from inkless.wargame.counterfactual import Composition, parse_added_caveat

    comps: list[Composition] = []
    if without or lift or add:
        comps.append(
            Composition(tuple(without), tuple(lift), tuple(parse_added_caveat(a) for a in add))
        )
    if each_member:
        forces = {u.owner for u in sc.fire_units} | {x.owner for x in sc.sensors}
        comps += [Composition(without=(m.id,)) for m in sc.members if m.id in forces]
    if not comps:
        raise InputError(
            "whatif: nothing to change; give --without MEMBER, --lift-caveat MEMBER:KIND, "
            "--with-caveat MEMBER:KIND=VALUES or --each-member"
        )
    return comps


def _print_whatif(out: dict[str, Any]) -> None:
    typer.echo(
        f"{out['scenario']}: {out['replications']} replication(s) per arm from seed "
        f"{out['seed']}; letters on record: {out['record']}"
    )
    base = out["baseline"]
    typer.echo(
        f"  baseline: leaked {base['leaked']:.2f}, value damaged {base['value_damaged']:.2f}, "
        f"interceptor cost {base['interceptor_cost']:.2f}"
    )
    for v in out["variants"]:
        parts = []
        for name, label in (
            ("leaked", "leaked"),
            ("value_damaged", "value damaged"),
            ("interceptor_cost", "interceptor cost"),
        ):
            f = v["figures"][name]
            ci = f" [{f['ci95'][0]:+.2f}, {f['ci95'][1]:+.2f}]" if "ci95" in f else ""
            parts.append(f"{label} {f['variant']:.2f} ({f['change']:+.2f}{ci})")
        typer.echo(f"  {v['composition']}: " + "; ".join(parts))


# -- inkless run: the coalition's part ------------------------------------------------------------


def run_audience(
    sc: Scenario, scenario: Path, view: str, ledger: Path | None, keys: Path | None
) -> Audience:
    """The audience of ``inkless run --view MEMBER``; the coalition secret (for pseudonyms)
    comes from ``keys``, else ``LEDGER.keys``, else ``SCENARIO.keys`` (made on first use), and
    only when some member is anonymous."""
    from inkless.afteraction.views import Audience
    from inkless.scenario.load import coalition_members

    members = coalition_members(sc)
    Audience.of(members, view, b"")  # an unknown member fails before the secret is made
    secret = b""
    if any(m.anonymous for m in members):
        store = KeyStore(keys) if keys is not None else KeyStore.beside(ledger or scenario)
        secret = store.secret(create=True)
    return Audience.of(members, view, secret)


def _when(t: Any) -> str:
    if t is None:
        return "never"
    if t == 0:
        return "from the start"
    s = round(float(t))
    return f"T+{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def coalition_summary(console: Any, res: Findings) -> None:
    """Print the coalition's part of a run to ``console`` (a rich Console): legal bases that
    were not immediate, and what each rule cost."""
    from rich.table import Table

    sec = res.coalition
    names = {m.id: m.name or m.id for m in res.members}
    late = [b for b in sec.legal_basis if b.acts_from_s != 0]
    if late:
        t = Table(title=f"legal basis (letters on record: {sec.record or '?'})")
        for col in ("member", "forces act", "letters"):
            t.add_column(col)
        for b in late:
            letters = ", ".join(f"{x.type} {x.author}->{x.recipient}" for x in b.letters or ())
            spans = b.acts
            acts = _when(b.acts_from_s)
            if len(spans) > 1 or (spans and spans[-1][1] is not None):  # stopped and resumed
                acts = ", ".join(
                    f"{_when(a) if a else 'start'}-{'end' if z is None else _when(z)}"
                    for a, z in spans
                )
            t.add_row(names.get(b.member, b.member), acts,
                      letters or "; ".join(b.unmet or ()) or "-")
        console.print(t)
    costs = sec.costs
    if costs:
        t = Table(
            title="what each rule cost (same seeds, rerun with the rule lifted)",
            caption="cost = figure with the rule - figure with it lifted; see the report",
        )
        t.add_column("rule", no_wrap=True)
        for col in ("shots blocked", "leakers", "value damaged", "interceptor cost (M$)"):
            t.add_column(col, justify="right")
        for c in costs:
            t.add_row(
                c.rule,
                str(c.blocked_pairs),
                f"{c.leaked.cost:+.2f}",
                f"{c.value_damaged.cost:+.2f}",
                f"{c.interceptor_cost.cost:+.2f}",
            )
        console.print(t)
    elif sec.blocked_by_rule:
        blocked = ", ".join(f"{r} {n}" for r, n in sec.blocked_by_rule.items())
        console.print(f"shots blocked by caveats: {blocked}")
    elif costs is not None:
        console.print("coalition: no caveat blocked a shot and no legal basis came late")


def _main() -> None:
    app = typer.Typer(no_args_is_help=True)
    app.add_typer(coalition_app, name="coalition")
    app.add_typer(ledger_app, name="ledger")
    app()


if __name__ == "__main__":
    _main()
