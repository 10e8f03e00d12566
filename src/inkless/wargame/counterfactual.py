"""The coalition, composed otherwise: gates from a scenario, counterfactual reruns, what-ifs.

Where it sits: war-game, above the pipeline and the after-action. It adapts a scenario to the
coalition's gating (:func:`inkless.coalition.build_gates` takes plain inputs), and re-runs the
same seeds with one thing changed:

- **what each rule cost** (:func:`rule_costs`, called by ``inkless run``): for every caveat that
  blocked a shot in some replication, and every member whose legal basis came after the raid
  began, the same replications with that rule lifted; the cost of the rule is the mean over
  replications of (figure with the rule) - (figure with it lifted) for leakers, value damaged and
  interceptor cost (positive: the rule made it higher);
- **what-if compositions** (:func:`whatif`, called by ``inkless coalition whatif``): members left
  out (their sensors and fire units stay home; the letters on record do not change), caveats
  lifted or added.

Paired comparison on common random numbers: replication ``r`` of both arms uses
``SeedSequence(seed, spawn_key=(r,))``, so differences come from the change and not from the
draws (Law, *Simulation Modeling and Analysis*, 5th ed., sec. 11.2, common random numbers); the
95 % interval is Student's t on the paired differences. Reruns go to the war-game runner
(:class:`~.runner.Cluster`, Dask); the results do not depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from inkless.afteraction.findings import Findings
from inkless.afteraction.summary import confidence_interval
from inkless.assignment import Solver
from inkless.coalition import (
    CAVEAT_KINDS,
    LEGAL_BASIS,
    THREAT_CLASSES,
    EngageArea,
    Gates,
    KeyStore,
    Ledger,
    Member,
    MemberRules,
    TimedLetter,
    coalition_problems,
    ledger_letters,
    ledger_members,
    record_letters,
    replay,
    rule_member,
)
from inkless.coalition.recording import unrecorded_key_statements
from inkless.engine import Authority, Record
from inkless.engine import PictureName as Picture
from inkless.errors import InputError
from inkless.scenario.load import coalition_members
from inkless.scenario.model import Scenario

from .runner import Arm, Cluster, run_figures, run_on

#: Told how many of a batch's runs have ended: ``progress(done, total)``.
Progress = Callable[[int, int], None]

__all__ = [
    "FIGURES",
    "AddedCaveat",
    "Composition",
    "LegalRecord",
    "coalition_members",
    "figures",
    "legal_record",
    "parse_added_caveat",
    "rule_costs",
    "run_arms",
    "scenario_gates",
    "whatif",
]

#: The figures compared, as (key in the output, path in a results dict).
FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("leaked", ("threats", "leaked")),
    ("value_damaged", ("value_damaged",)),
    ("interceptor_cost", ("interceptors", "cost")),
)


# -- the scenario, as the coalition sees it (its members: scenario.load.coalition_members) ---------


@dataclass(frozen=True)
class LegalRecord:
    """The letters on record for a run and where they come from (``documents``, ``exchange``,
    ``planned at the epoch`` or ``ledger FILE``)."""

    letters: tuple[TimedLetter, ...]
    source: str
    notes: tuple[str, ...] = ()
    """One line per change of office holder found in the keys directory but not yet on the
    ledger (applied: the former holder's letters lapse from then)."""


def legal_record(
    scenario: Scenario, ledger: Path | None = None, keys: Path | None = None
) -> LegalRecord:
    """The letters on record: from the scenario's ``coalition`` section, or from the documents
    on ``ledger`` (its members' ledger identities mapped back to the scenario's ids with the
    coalition secret in ``keys``, default ``LEDGER.keys``); a change of office holder in ``keys``
    that the ledger lacks is applied and said in ``notes``. Raises :class:`InputError` or
    :class:`~inkless.errors.IntegrityError` (a ledger that does not verify)."""
    members = coalition_members(scenario)
    epoch = scenario.settings.epoch
    if ledger is None:
        letters = record_letters(members, scenario.coalition, epoch)
        return LegalRecord(tuple(letters), scenario.coalition.source())
    store = KeyStore(keys if keys is not None else ledger.with_name(ledger.name + ".keys"))
    secret = store.secret(create=False) if any(m.anonymous for m in members) else b""
    ids = {lm.id: sid for sid, lm in ledger_members(members, secret).items()}
    with Ledger(ledger) as book:
        entries = book.entries()
    state, problems = replay(entries)
    extra, notes = (
        unrecorded_key_statements(state, store, str(ledger)) if not problems else ([], [])
    )
    letters = ledger_letters(entries, ids, epoch, extra)
    return LegalRecord(tuple(letters), f"ledger {ledger}", tuple(notes))


@dataclass(frozen=True)
class AddedCaveat:
    """A caveat added in a what-if: ``member``, ``kind`` (one of ``CAVEAT_KINDS``), ``values``
    (threat classes; asset names; for ``engage_only_in`` region ids and the words ``own``,
    ``granted``, ``outside``)."""

    member: str
    kind: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.member}:{self.kind}={','.join(self.values)}"


def parse_added_caveat(text: str) -> AddedCaveat:
    """``MEMBER:KIND=V1,V2`` (``--with-caveat``); raises :class:`InputError`."""
    head, sep, tail = text.partition("=")
    member, colon, kind = head.partition(":")
    if not (sep and colon and member and kind in CAVEAT_KINDS):
        raise InputError(
            f"--with-caveat {text}: write MEMBER:KIND=V1,V2 with KIND one of "
            f"{', '.join(CAVEAT_KINDS)} (e.g. GBR:threat_classes=drone,cruise or "
            "JOR:engage_only_in=own,granted)"
        )
    values = tuple(v.strip() for v in tail.split(",") if v.strip())
    return AddedCaveat(member.strip(), kind, values)


def _with_caveats(scenario: Scenario, added: Sequence[AddedCaveat]) -> list[Member]:
    members = coalition_members(scenario)
    by_id = {m.id: i for i, m in enumerate(members)}
    problems: list[str] = []
    for a in added:
        if a.member not in by_id:
            problems.append(
                f"--with-caveat {a}: unknown member; known: {', '.join(by_id)}"
            )
            continue
        i = by_id[a.member]
        m = members[i]
        value: Any = list(a.values)
        if a.kind == "threat_classes":
            bad = [v for v in a.values if v not in THREAT_CLASSES]
            if bad:
                problems.append(f"--with-caveat {a}: {bad[0]!r} is not ballistic, cruise or drone")
                continue
        elif a.kind == "engage_only_in":
            words = set(a.values)
            value = EngageArea(
                own_airspace="own" in words,
                where_granted="granted" in words,
                outside_regions="outside" in words,
                regions=tuple(v for v in a.values if v not in ("own", "granted", "outside")),
            ).model_dump()
        data = m.rules.model_dump()
        data["caveats"] = {**data["caveats"], a.kind: value}
        try:
            rules = MemberRules.model_validate(data)
        except ValidationError as e:
            problems.append(f"--with-caveat {a}: {e.errors()[0]['msg']}")
            continue
        members[i] = Member(m.id, m.role, m.anonymous, rules, m.name)
    found = coalition_problems(
        members,
        scenario.grants,
        {r.id: r.owner for r in scenario.regions},
        [x.name for x in scenario.assets],
    )
    problems += [
        f"--with-caveat: member {members[int(loc[1])].id}: {'.'.join(map(str, loc[2:]))}: {msg}"
        for loc, msg in found
    ]
    if problems:
        raise InputError(*problems)
    return members


@dataclass(frozen=True)
class Composition:
    """A change to the coalition: members ``without`` forces, rules ``lift``-ed (``MEMBER:kind``,
    including ``MEMBER:legal_basis``), caveats ``add``-ed (replacing one of the same kind)."""

    without: tuple[str, ...] = ()
    lift: tuple[str, ...] = ()
    add: tuple[AddedCaveat, ...] = ()

    def describe(self) -> str:
        """In words, e.g. ``without JOR; lifting GBR:threat_classes``; ``as given`` if none."""
        parts = []
        if self.without:
            parts.append("without " + ", ".join(self.without))
        if self.lift:
            parts.append("lifting " + ", ".join(self.lift))
        if self.add:
            parts.append("adding " + ", ".join(map(str, self.add)))
        return "; ".join(parts) or "as given"

    def to_json(self) -> dict[str, Any]:
        return {
            "without": list(self.without),
            "lift": list(self.lift),
            "add": [str(a) for a in self.add],
        }


def scenario_gates(
    scenario: Scenario,
    record: LegalRecord | None = None,
    composition: Composition = Composition(),
) -> Gates:
    """The gates of a scenario's coalition (legal bases from ``record``, default the scenario's
    ``coalition`` section), changed by ``composition``: the engine's :class:`Authority` of the
    scenario, with the added caveats in its members."""
    record = record if record is not None else legal_record(scenario)
    authority = Authority.of(scenario, record.letters)
    if composition.add:
        authority = replace(authority, members=tuple(_with_caveats(scenario, composition.add)))
    return authority.gates(composition.without, composition.lift)


# -- reruns ---------------------------------------------------------------------------------------


def figures(res: Findings) -> dict[str, float]:
    """The compared figures of one replication's results."""
    out = {}
    for name, path in FIGURES:
        node: Any = res
        for key in path:
            node = getattr(node, key)
        out[name] = float(node)
    return out


def run_arms(
    scenario: Scenario,
    seed: int,
    replications: int,
    arms: Sequence[Gates],
    solver: Solver = "fast",
    workers: int | None = None,
    picture: Picture = "perfect",
    scheduler: str | None = None,
    cluster: Cluster | None = None,
    progress: Progress | None = None,
) -> list[list[dict[str, float]]]:
    """The figures of replications ``0..R-1`` under each of ``arms`` (gates), in order; on
    ``cluster`` (default a :class:`~.runner.Cluster` of ``workers`` or at ``scheduler``);
    ``progress(done, total)`` before the first run ends and as each ends."""
    tasks = [(a, seed, r) for a in range(len(arms)) for r in range(replications)]
    runs = [Arm(scenario, g, solver, picture) for g in arms]
    ended = [0]

    def done(*_: object) -> None:
        ended[0] += 1
        if progress is not None:
            progress(ended[0], len(tasks))

    if progress is not None:
        progress(0, len(tasks))
    flat = run_on(cluster, workers, scheduler, run_figures, runs, tasks, done)
    return [flat[a * replications:(a + 1) * replications] for a in range(len(arms))]


def _compare(
    base: Sequence[dict[str, float]], other: Sequence[dict[str, float]], base_key: str,
    other_key: str, diff_key: str, sign: float,
) -> dict[str, Any]:
    """Per figure: means of both arms and the mean paired difference ``sign * (other - base)``,
    with its 95 % CI when there are two or more replications."""
    out: dict[str, Any] = {}
    for name, _ in FIGURES:
        a = np.array([x[name] for x in base])
        b = np.array([x[name] for x in other])
        d = confidence_interval(sign * (b - a))
        entry = {
            base_key: round(float(a.mean()), 6),
            other_key: round(float(b.mean()), 6),
            diff_key: round(d["mean"], 6),
        }
        if d["ci95"] is not None:
            entry["ci95"] = [round(v, 6) for v in d["ci95"]]
        out[name] = entry
    return out


def _candidates(
    scenario: Scenario, record: Record, reps: Sequence[Findings]
) -> list[tuple[str, int]]:
    """Rules worth a counterfactual, with the (unit, threat) pairs they blocked in replication 0:
    caveats that blocked a shot in some replication; legal bases that came after the first
    launch (or never) of members with sensors, or with fire units when a not-yet-active shooter
    could have engaged some threat."""
    blocked: dict[str, int] = {}
    inactive = False
    for i, res in enumerate(reps):
        sec = res.coalition
        for rule, n in sec.blocked_by_rule.items():
            blocked[rule] = blocked.get(rule, 0) + (n if i == 0 else 0)
        inactive |= (sec.threats_blocked_by_legal_basis or 0) > 0
    first_launch = float(np.min(record.raid.launch_time, initial=np.inf))
    shooters = {u.owner for u in scenario.fire_units}
    watchers = {s.owner for s in scenario.sensors}
    out = [(r, blocked[r]) for r in record.gates.rules if r in blocked]
    for b in record.gates.basis:
        late = b.acts_from_s > max(first_launch, 0.0)
        if late and (b.member in watchers or (inactive and b.member in shooters)):
            out.append((f"{b.member}:{LEGAL_BASIS}", 0))
    return out


def rule_costs(
    scenario: Scenario,
    seed: int,
    record: Record,
    reps: Sequence[Findings],
    legal: LegalRecord,
    solver: Solver = "fast",
    workers: int | None = None,
    picture: Picture = "perfect",
    scheduler: str | None = None,
    cluster: Cluster | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """What each rule cost (see the module docstring): one row per rule that blocked something,
    ``{rule, member, kind, blocked_pairs, replications, leaked, value_damaged,
    interceptor_cost}``, each figure ``{with_rule, rule_lifted, cost[, ci95]}``.

    ``record`` is replication 0's record and ``reps`` every replication's results (with
    its ``coalition`` section), run with ``scenario_gates(scenario, legal)`` and the same
    ``solver`` and ``picture``. The reruns (one per rule and replication) run side by side on
    the cluster; ``progress(done, total)`` is told how many have ended.
    """
    rules = _candidates(scenario, record, reps)
    if not rules:
        return []
    arms = [scenario_gates(scenario, legal, Composition(lift=(r,))) for r, _ in rules]
    lifted = run_arms(scenario, seed, len(reps), arms, solver, workers, picture, scheduler,
                      cluster, progress)
    base = [figures(res) for res in reps]
    out = []
    for (rule, pairs), runs in zip(rules, lifted, strict=True):
        out.append(
            {
                "rule": rule,
                "member": rule_member(rule),
                "kind": rule.split(":", 1)[1],
                "blocked_pairs": pairs,
                "replications": len(reps),
                **_compare(base, runs, "with_rule", "rule_lifted", "cost", -1.0),
            }
        )
    return out


def whatif(
    scenario: Scenario,
    seed: int,
    replications: int,
    compositions: Sequence[Composition],
    legal: LegalRecord | None = None,
    solver: Solver = "fast",
    workers: int | None = None,
    picture: Picture = "perfect",
    scheduler: str | None = None,
    cluster: Cluster | None = None,
) -> dict[str, Any]:
    """The baseline coalition against each composition, same seeds: per composition the means
    of each figure and the mean paired change (variant - baseline) with its 95 % CI."""
    legal = legal if legal is not None else legal_record(scenario)
    arms = [scenario_gates(scenario, legal, c) for c in (Composition(), *compositions)]
    runs = run_arms(scenario, seed, replications, arms, solver, workers, picture, scheduler,
                    cluster)
    return {
        "scenario": scenario.name,
        "seed": seed,
        "replications": replications,
        "record": legal.source,
        "baseline": {
            name: round(float(np.mean([x[name] for x in runs[0]])), 6) for name, _ in FIGURES
        },
        "variants": [
            {
                "composition": c.describe(),
                **c.to_json(),
                "figures": _compare(runs[0], arm, "baseline", "variant", "change", 1.0),
            }
            for c, arm in zip(compositions, runs[1:], strict=True)
        ],
    }
