"""The outcome of a run: the typed model of ``results.json`` (docs/results.md).

Where it sits: after-action. :func:`inkless.afteraction.results.results` builds one
:class:`Findings` from a run's :class:`~inkless.engine.Record`; the report, the member views, the
replication statistics and the command line read it; ``results.json`` is its JSON
(:meth:`Findings.to_json`) and ``inkless schema --results`` prints its JSON Schema. Records are
frozen: past the after-action nothing changes a figure, a new figure is a new model
(``model_copy(update=...)``).

Units are in the key names (``time_s``, ``alt_m``, ``delay_s``); times are seconds after the
scenario epoch, positions WGS-84 degrees (``lat``, ``lon``) and metres above the ellipsoid,
costs millions of US dollars (``cost_unit``), values the scenario's asset value units.

Two kinds of optional key: a field that defaults to ``None`` is *left out* of the file when it
has no value (``picture`` on the perfect picture, ``comparison`` without ``--compare-perfect``,
what a ``--view`` output withholds); a field declared ``X | None`` without a default is always
written and ``null`` means "none" (``impacts[].asset``: hit nothing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from inkless.assignment import Solver
from inkless.errors import InputError
from inkless.scenario.model import PictureName

__all__ = [
    "RESULTS_VERSION",
    "Closure",
    "Coalition",
    "Comparison",
    "ComparisonFigures",
    "Engagement",
    "Estimate",
    "Findings",
    "Gospa",
    "Identification",
    "Impact",
    "Interceptors",
    "LegalBasis",
    "Letter",
    "MemberRow",
    "Misdeclared",
    "PatrolRow",
    "PictureFigures",
    "PictureQuality",
    "ReplicationsSummary",
    "RuleCost",
    "RuleCostFigure",
    "Settings",
    "ShotBlocked",
    "Tally",
    "ThreatCounts",
    "Threats",
    "UnitLoadRow",
    "ViewOf",
    "Why",
    "read_findings",
]

#: Format version of ``results.json``: raised when a key is renamed or removed.
RESULTS_VERSION = 1

Interval = tuple[float, float | None]
"""``[from_s, to_s]``, ``to_s`` null: to the end of the run."""


class _Frozen(BaseModel):
    """A frozen record with documented fields; keys that default to ``None`` are left out of
    the JSON when they hold ``None`` (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    @model_serializer(mode="wrap")
    def _leave_out_absent(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for name, field in type(self).model_fields.items():
            if field.default is None and not field.is_required() and data.get(name, 0) is None:
                del data[name]
        return data


# -- run settings -----------------------------------------------------------------------------


class Settings(_Frozen):
    picture: PictureName
    """The picture the defence decided on."""
    assignment: Solver
    """The weapon-target assignment solver (``greedy``, ``fast``, ``exact``)."""


class MemberRow(_Frozen):
    id: str
    """Member id (in a view: a pseudonym ``anon-...`` for a member the viewer may not name)."""
    name: str | None
    """Display name (null: withheld, or none given)."""
    role: str
    anonymous: bool


class ViewOf(_Frozen):
    """Only in a ``--view MEMBER`` output: who it was written for."""

    member: str
    role: str


# -- counts -----------------------------------------------------------------------------------


class ThreatCounts(_Frozen):
    launched: int
    intercepted: int
    leaked: int
    """Landed."""


class Threats(_Frozen):
    launched: int
    """Threats launched by the end of the run (a view: the threats the member knows of)."""
    intercepted: int
    leaked: int
    """Threats that landed."""
    track_ended: int | None = None
    """View only: released tracks that ended unexplained before the run did."""
    in_flight_at_end: int
    by_class: dict[str, ThreatCounts]
    """Per threat class (``ballistic``, ``cruise``, ``drone``) that was in the raid."""


class Tally(_Frozen):
    fired: int
    """Interceptors fired."""
    cost: float
    """Their cost, MUSD."""


class Interceptors(_Frozen):
    fired: int
    cost: float
    """MUSD."""
    by_member: dict[str, Tally]
    by_type: dict[str, Tally]
    """Per interceptor type."""
    lost_to_duplicates: int | None = None
    """Interceptors wasted on a duplicate track (tracked picture; 0 on the perfect one;
    left out of a view)."""


# -- identification -----------------------------------------------------------------------------


class Misdeclared(_Frozen):
    """Track-seconds of the coalition picture per (truth, declared identity) pair, s."""

    threat_as_neutral_s: float
    threat_as_friend_s: float
    civil_as_suspect_s: float
    civil_as_hostile_s: float
    friend_as_suspect_s: float
    friend_as_hostile_s: float


class Identification(_Frozen):
    correct_fraction: float | None
    """Fraction of track-time with the correct identity (null: no track-time)."""
    correct_fraction_by_member: dict[str, float | None]
    """The same for the picture each member holds."""
    mean_declaration_delay_s: float | None
    """Mean time from first detection to hostile declaration, s (null: none declared)."""
    detected: int
    declared: int
    """Threats declared hostile at some time."""
    leaked_due_to_late_declaration: int
    misdeclared: Misdeclared


class Closure(_Frozen):
    """A civil flight an airspace closure affected."""

    callsign: str
    action: Literal["reroute", "hold", "cancel", "return", "continue"]
    region: str
    decided_s: float
    """When the closure took effect for it, s."""
    delay_s: float | None
    """Change of arrival time at its last waypoint, s (null: it never arrives)."""


# -- engagements and impacts -----------------------------------------------------------------------


class Why(_Frozen):
    """The assignment's reasons for one round."""

    value_at_risk: float
    """The threat's expected value at risk at the decision."""
    value_saved: float
    """The expected value this round saves given the other rounds at the threat."""
    cost: float
    """Exchange rate times the interceptor's cost."""
    alternatives: int
    """Other available units that could have fired at it."""
    best_alternative_unit: str | None
    best_alternative_value_saved: float | None
    latest_launch_s: float | None
    """The last time this unit could still have fired, s (null: beyond the look-ahead)."""
    shots_fit: int
    """Shoot-look-shoot cycles that fitted before then (at most 4)."""


class Engagement(_Frozen):
    """One interceptor."""

    threat_id: str
    """The threat; for a shot at a non-threat (never by design) the aircraft, or
    ``false track``."""
    threat_class: str
    """``ballistic``/``cruise``/``drone``, or ``civil``/``coalition``/``none``."""
    unit_id: str
    """The fire unit that fired it."""
    member: str
    """The fire unit's member."""
    fire_time_s: float
    """When it was fired, s."""
    intercept_time_s: float
    """When it met the aim point, s."""
    result: Literal["kill", "miss", "lost"]
    """``lost``: the threat was already destroyed or had landed, or the track fired at had no
    threat behind it."""
    intercept_lat: float
    """The aim point, degrees."""
    intercept_lon: float
    """The aim point, degrees."""
    intercept_alt_m: float
    """The aim point, m above the ellipsoid."""
    why: Why
    track_id: int | None = None
    """Tracked picture: the coalition track fired at."""
    miss_distance_m: float | None = None
    """Tracked picture: true threat to aim point at the intercept, m."""
    reason: str | None = None
    """For a miss outside the seeker basket: why."""


class Impact(_Frozen):
    """One leaker."""

    threat_id: str
    threat_class: str
    time_s: float
    """When it landed, s."""
    lat: float
    """Impact point, degrees."""
    lon: float
    """Impact point, degrees."""
    asset: str | None
    """The asset hit (null: none)."""
    value_damaged: float
    """Asset value it destroyed."""
    cause: str
    """Why it leaked (docs/results.md lists the causes)."""


class UnitLoadRow(_Frozen):
    """One fire unit's saturation over the run."""

    unit_id: str
    member: str
    interceptor: str
    rounds: int
    """Rounds at the start."""
    channels: int
    fired: int
    rounds_left: int
    peak_channels_busy: int
    """Most channels guiding a shot at once."""
    channels_full_s: float
    """Total time with every channel busy, s."""
    first_full_s: float | None
    """When every channel was first busy, s (null: never)."""
    out_of_rounds_s: float | None
    """When it fired its last round (0: it had none; null: never)."""
    channels_busy: tuple[tuple[float, int], ...]
    """``[time_s, busy]`` steps: from each time on, the channels guiding a shot."""


class PatrolRow(_Frozen):
    """One fighter patrol over the run (docs/patrols.md): its aircraft's sorties as flown."""

    patrol_id: str
    member: str
    sorties: int
    """Aircraft that took off by the end of the run."""
    shots: int
    """Interceptors its aircraft fired."""
    station_covered_s: float
    """Time with at least one of its aircraft on station, from the epoch to the end, s."""
    station_gaps: tuple[tuple[float, float], ...]
    """``[from_s, until_s]`` the station was not held (before the first flight arrives, at
    hand-overs that leave a gap, after the last leaves)."""
    returns_at_bingo: int
    """Aircraft that left the station at bingo fuel by the end (missiles left)."""
    returns_out_of_missiles: int
    """Aircraft that went home having fired their last missile."""
    vectors: int = 0
    """Times its aircraft flew out to a threat beyond their missiles' reach (a dash)."""
    broke_off: int = 0
    """Vectors broken off before firing (target lost or taken by another unit, or it never
    came within reach)."""


# -- coalition ------------------------------------------------------------------------------------


class Letter(_Frozen):
    """A letter that met a precondition of a legal basis."""

    type: str
    author: str
    recipient: str
    on_record_s: float
    """From when it was on record, s."""
    lapsed_s: float | None
    """Null: did not lapse."""
    source: str


class LegalBasis(_Frozen):
    """When a member's sensors and fire units acted, and on which letters."""

    member: str
    acts_from_s: float | None
    """From when its forces act for the rest of the run, s (0: from the start; null: not at
    the end)."""
    acts: tuple[Interval, ...]
    """Every interval in which they act."""
    preconditions: int | None = None
    """How many (left out when the members' letters were not modelled)."""
    letters: tuple[Letter, ...] | None = None
    unmet: tuple[str, ...] | None = None
    """Preconditions not met at the end, described."""


class ShotBlocked(_Frozen):
    """A shot possible but not allowed by a caveat (first time per fire unit and threat)."""

    time_s: float
    unit_id: str
    member: str
    threat_id: str
    threat_class: str
    rule: str
    """``MEMBER:KIND``."""


class RuleCostFigure(_Frozen):
    with_rule: float
    rule_lifted: float
    cost: float
    """``with_rule - rule_lifted``; positive: the rule made it higher."""
    ci95: tuple[float, float] | None = None
    """95 % interval of the paired difference (2+ replications)."""


class RuleCost(_Frozen):
    rule: str
    member: str
    kind: str
    blocked_pairs: int
    """(fire unit, threat) pairs it blocked in replication 0."""
    replications: int
    leaked: RuleCostFigure
    value_damaged: RuleCostFigure
    interceptor_cost: RuleCostFigure
    """MUSD."""


class Coalition(_Frozen):
    """What the coalition's rules did."""

    legal_basis: tuple[LegalBasis, ...]
    """Per member."""
    rules: tuple[str, ...]
    """The caveat rules in force, ``MEMBER:KIND``."""
    blocked: tuple[ShotBlocked, ...]
    blocked_by_rule: dict[str, int]
    """Per rule: the (fire unit, threat) pairs it blocked."""
    threats_blocked_by_legal_basis: int | None = None
    """Left out of a view that may not see every member's shots."""
    record: str | None = None
    """Where the letters on record come from (``inkless run``)."""
    costs: tuple[RuleCost, ...] | None = None
    """What each rule cost (absent with ``--no-rule-costs``)."""


# -- picture ---------------------------------------------------------------------------------


class Gospa(_Frozen):
    """The GOSPA parameters (Rahmathullah, García-Fernández & Svensson 2017)."""

    c_m: float
    """Cut-off distance, m."""
    p: float
    alpha: int


class PictureFigures(_Frozen):
    mean_gospa_m: float
    """GOSPA averaged over the scored decision times, m."""
    mean_localisation_m: float
    missed: float
    """Mean number of missed objects per scored time."""
    false: float
    """Mean number of false tracks per scored time."""
    track_breaks: int
    track_swaps: int


class PictureQuality(_Frozen):
    """Tracked picture only."""

    gospa: Gospa
    mean_gospa_m: float
    """GOSPA averaged over the scored decision times, m (a sum over objects)."""
    mean_localisation_m: float
    """Its localisation part, m."""
    missed: float
    """Mean number of missed objects per scored time."""
    false: float
    """Mean number of false tracks per scored time."""
    track_breaks: int
    """Times an object tracked at one decision time was not at the next."""
    track_swaps: int
    """Times an object was held by another track than the last one."""
    scored_times: int
    """Decision times scored."""
    shares: dict[str, str]
    """Per member: ``detections``, ``tracks`` or ``none``."""
    by_member: dict[str, PictureFigures]
    shots_outside_basket: int


# -- replications and comparison -------------------------------------------------------------


class Estimate(_Frozen):
    """A figure over R replications (Student t, 95 %)."""

    mean: float
    ci95: tuple[float, float] | None
    """Null: fewer than two replications."""
    values: tuple[float, ...]
    """Each replication's value."""


class EstimateCounts(_Frozen):
    launched: Estimate | None = None
    intercepted: Estimate | None = None
    leaked: Estimate


class ThreatEstimates(_Frozen):
    launched: Estimate | None = None
    intercepted: Estimate | None = None
    leaked: Estimate
    by_class: dict[str, EstimateCounts]


class TallyEstimate(_Frozen):
    fired: Estimate
    cost: Estimate


class InterceptorEstimates(_Frozen):
    fired: Estimate | None = None
    cost: Estimate | None = None
    by_member: dict[str, TallyEstimate]
    by_type: dict[str, TallyEstimate] | None = None


class MisdeclaredEstimates(_Frozen):
    misdeclared: dict[str, Estimate]


class ReplicationsSummary(_Frozen):
    """The headline figures over all replications (a view keeps the public ones)."""

    threats: ThreatEstimates
    interceptors: InterceptorEstimates
    value_damaged: Estimate
    civil_engagements: Estimate
    friendly_engagements: Estimate | None = None
    identification: MisdeclaredEstimates | None = None


class ComparisonFigures(_Frozen):
    intercepted: float
    leaked: float
    interceptors_fired: float
    interceptor_cost: float
    """MUSD."""
    value_damaged: float


class Comparison(_Frozen):
    """``--compare-perfect``: the same seeds decided on the tracked and on the perfect picture
    (means over the replications)."""

    replications: int
    tracked: ComparisonFigures
    perfect: ComparisonFigures
    difference: ComparisonFigures
    """tracked - perfect."""


# -- the file --------------------------------------------------------------------------------


class Findings(_Frozen):
    """``results.json``: what a run (or R replications) of a scenario did, with why."""

    results_version: int
    """Format version (:data:`RESULTS_VERSION`)."""
    scenario: str
    """The scenario's name."""
    seed: int
    replication: int
    """The replication the details come from (0: the first)."""
    replications: int
    cost_unit: Literal["MUSD"]
    epoch: str
    """Scenario epoch, ISO 8601 UTC."""
    duration_s: float
    """Simulated time until all was settled, s."""
    settings: Settings
    members: tuple[MemberRow, ...]
    threats: Threats
    interceptors: Interceptors
    value_damaged: float
    """Asset value destroyed by leakers (scenario value units)."""
    value_defended: float
    """The total value of the defended assets."""
    civil_engagements: int
    """Interceptors fired at a civil aircraft's track: 0 by design."""
    friendly_engagements: int
    """Interceptors fired at a coalition aircraft's track: 0 by design."""
    civil_engaged: tuple[str, ...]
    friendly_engaged: tuple[str, ...] | None = None
    """Left out of a view."""
    identification: Identification | None = None
    """Left out of a view."""
    closures: tuple[Closure, ...]
    engagements: tuple[Engagement, ...]
    impacts: tuple[Impact, ...]
    fire_units: tuple[UnitLoadRow, ...] | None = None
    """Left out of a view."""
    patrols: tuple[PatrolRow, ...] | None = None
    """Fighter patrols flown (left out when the scenario has none, and of a view)."""
    coalition: Coalition
    picture: PictureQuality | None = None
    """Tracked picture only (left out of a view)."""
    seeds: tuple[int, ...] | None = None
    """With replications: each replication's seed."""
    replications_summary: ReplicationsSummary | None = None
    comparison: Comparison | None = None
    view: ViewOf | None = None

    def to_json(self) -> str:
        """The text of ``results.json``: two-space indented, keys in the documented order."""
        return json.dumps(self.model_dump(), indent=2) + "\n"


def read_findings(path: Path) -> Findings:
    """A ``results.json`` read back and validated; every problem one line
    ``FILE:LINE: key.path: what; fix`` (raises :class:`InputError`)."""
    from inkless.scenario.load import one_line

    name = one_line(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise InputError(f"{name}:1: cannot be read ({one_line(str(why))}); give a "
                         "results.json written by inkless run") from None
    try:
        return Findings.model_validate_json(text)
    except ValidationError as e:
        raise InputError(*_located(name, text, e)) from None


def _located(name: str, text: str, e: ValidationError) -> list[str]:
    """One line per problem of ``e`` at the line of ``text`` that holds the key (the scenario
    loader's :func:`~inkless.scenario.load.located` on the document's YAML node tree: JSON is
    YAML), sorted by line, at most 20."""
    import yaml

    from inkless.scenario.load import located, one_line, validation_problems

    problems = e.errors()
    if problems and problems[0]["type"] == "json_invalid":
        return [f"{name}:1: not JSON ({one_line(str(problems[0]['msg']))}); give a "
                "results.json written by inkless run"]
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        node = None
    return located(name, node, validation_problems(e, "; see `inkless schema --results`"),
                   most=20)
