"""Read a scenario file: YAML -> validated, frozen :class:`Scenario`, or every problem at once.

Each problem is one line ``FILE:LINE: location: what is wrong`` (``raid.waves[2].count: must be
at least 1, got 0``); the line is found by walking the YAML node tree along the location.
Field checks come from pydantic; cross-references (unknown member, unknown interceptor type,
duplicate ids, launch windows past the end of the run) are checked here on the raw data so that
they are reported together with the field problems. The file limits (size, nesting depth), the
civil recording (a regular file of bounded size) and the memory a run will need are checked here
too (:mod:`.limits`, ``docs/limits.md``): a file that validates runs.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml._yaml import CParser

from inkless.coalition import Member, RegionShape, coalition_problems, record_problems
from inkless.errors import InputError, ScenarioError

from .limits import (
    APOGEE_MARGIN_M,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_KEYS,
    MAX_PROBLEMS,
    MAX_RECORDING_BYTES,
    MAX_RUN_BYTES,
    MAX_SAMPLES,
    Size,
)
from .model import Scenario

__all__ = [
    "coalition_members",
    "compose",
    "load_scenario",
    "located",
    "parse_scenario",
    "read_text",
    "region_shapes",
    "validation_problems",
]

Loc = tuple[str | int, ...]


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise :class:`ScenarioError` listing every problem.

    The file must be a regular file of at most ``MAX_FILE_BYTES`` (no device, FIFO or folder);
    a relative civil recording is looked for beside it."""
    path = Path(path)
    text = read_text(path, MAX_FILE_BYTES, "a scenario file", ScenarioError)
    return parse_scenario(text, str(path), base_dir=path.parent)


def read_text(path: Path, limit: int, what: str, error: type[InputError]) -> str:
    """The UTF-8 text of ``path``, a regular file of at most ``limit`` bytes (``what`` it should
    be, for the message: ``a scenario file``), or ``error`` with one line ``FILE:LINE: what is
    wrong; fix`` (no such file, not UTF-8 at that line, cannot be read and why)."""
    name = one_line(str(path))
    try:
        return read_regular(path, limit, what).decode("utf-8")
    except FileNotFoundError:
        raise error(f"{name}:1: no such file; check the path") from None
    except UnicodeDecodeError as e:
        line = e.object[: e.start].count(b"\n") + 1
        raise error(
            f"{name}:{line}: not UTF-8 text (byte {e.object[e.start]:#04x}); save it as UTF-8"
        ) from None
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise error(f"{name}:1: cannot be read ({one_line(why)})") from None


def read_regular(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Raises ``ValueError`` (a device, FIFO, folder, or too big) or ``OSError``; never blocks on
    a FIFO (the file is opened non-blocking and checked before it is read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"not a regular file; give {what}, not a device, FIFO or folder")
        if st.st_size > limit:
            raise ValueError(f"{st.st_size} bytes, more than the limit of {limit}")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"more than the limit of {limit} bytes")
    return data


def one_line(text: str) -> str:
    """``text`` with every line break and control character escaped (``\\n``, ``\\x00``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class _Refused(yaml.MarkedYAMLError):
    """A YAML document refused with a complete message (problem and fix) at a mark."""


class _Loader(
    yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver, CParser
):
    """The safe loader with a bounded nesting depth and located construction errors: libyaml's
    parser (C, about five times faster than PyYAML's) feeding PyYAML's composer (Python), so
    that the depth is counted before it can exhaust a stack."""

    depth = 0

    def __init__(self, text: str) -> None:
        CParser.__init__(self, text)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        yaml.composer.Composer.__init__(self)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark: Any = self.peek_event().start_mark  # type: ignore[union-attr]
                raise _Refused(
                    None, None, f"nested deeper than {MAX_DEPTH} levels; flatten it", mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        if len(node.value) > MAX_KEYS:
            raise _Refused(None, None, f"a mapping with {len(node.value)} keys, more than "
                           f"{MAX_KEYS}; remove the keys that are not fields", node.start_mark)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as e:
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            raise _Refused(
                None,
                None,
                f"cannot read {_short(str(node.value))!r} as a {tag} ({e}); fix the value or "
                "remove the tag",
                node.start_mark,
            ) from None


def compose(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data of one YAML document, or a located error."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{source}:1: {len(text)} characters, more than the limit of {MAX_FILE_BYTES}; "
            "split the scenario or give civil traffic as a recording"
        )
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader refuses unprintable characters here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        what = one_line(str(e.problem))
        if not isinstance(e, _Refused):
            what = f"YAML syntax error: {what}; fix the syntax there"
        raise ScenarioError(f"{source}:{line}: {what}") from None
    except yaml.reader.ReaderError as e:  # libyaml gives the byte offset in UTF-8
        line = text.encode("utf-8", "surrogatepass")[: e.position].count(b"\n") + 1
        char = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or " ")
        raise ScenarioError(
            f"{source}:{line}: character U+{char:04X} is not allowed in a YAML file; remove it"
        ) from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"{source}:1: YAML error: {one_line(str(e))}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, data


def parse_scenario(
    text: str, source: str = "<scenario>", base_dir: str | Path | None = None
) -> Scenario:
    """Validate scenario YAML text; ``source`` names it in messages; ``base_dir``: the folder a
    relative civil recording path is relative to (default: the working directory)."""
    source = one_line(source)
    node, data = compose(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}:1: must be a mapping with settings, members, assets and raid"
        )

    problems: list[tuple[Loc, str]] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems += validation_problems(e)
    problems += _cross_references(data)
    if scenario is not None and not problems:
        problems += _coalition_references(scenario)
    if scenario is not None and not problems:
        problems += _size_problems(scenario) + _apogee_problems(scenario)
    if scenario is not None and not problems:
        problems += _recording_problems(scenario, base_dir)
    if problems:
        raise ScenarioError(*located(source, node, problems, MAX_PROBLEMS))
    assert scenario is not None  # no problems means validation succeeded
    return scenario


def located(
    source: str, node: yaml.Node | None, problems: Iterable[tuple[Loc, str]],
    most: int | None = None,
) -> list[str]:
    """One line ``SOURCE:LINE: where: what`` per problem ``(location, what)``, at the line of
    the deepest node of the YAML tree ``node`` found along its location, sorted by line (the
    same problem once); past ``most`` lines, one ``and N more problems`` line instead."""
    lines = _Lines(node)
    found = sorted({(lines.line(loc), _dotted(loc) or "(top)", msg) for loc, msg in problems})
    shown = [f"{source}:{n}: {where}: {one_line(msg)}" for n, where, msg in found]
    if most is not None and len(shown) > most:
        shown = [
            *shown[:most],
            f"{source}:{found[most][0]}: and {len(shown) - most} more problems; fix these first",
        ]
    return shown


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        part = part if isinstance(part, int) else one_line(str(part))
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Lines:
    """1-based lines of locations in a YAML node tree; each mapping indexed once, so that
    thousands of problems in one mapping cost linear time."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root
        self.keys: dict[int, dict[str, yaml.Node]] = {}

    def child(self, node: yaml.Node, part: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            keys = self.keys.get(id(node))
            if keys is None:
                keys = {}
                for k, v in node.value:
                    keys.setdefault(str(k.value), v)
                self.keys[id(node)] = keys
            return keys.get(str(part))
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            return node.value[part] if 0 <= part < len(node.value) else None
        return None

    def line(self, loc: Loc) -> int:
        """1-based line of the deepest YAML node found along ``loc``."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for part in loc:
            child = self.child(node, part) if node is not None else None
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


_TEMPLATES = {
    "greater_than_equal": "must be at least {ge}, got {input}",
    "greater_than": "must be greater than {gt}, got {input}",
    "less_than_equal": "must be at most {le}, got {input}",
    "less_than": "must be less than {lt}, got {input}",
    "missing": "is required; add it",
    "extra_forbidden": "is not a known field; remove it or fix its spelling (see `inkless schema`)",
    "too_short": "needs at least {min_length} item(s), got {actual_length}",
    "too_long": "takes at most {max_length} item(s), got {actual_length}",
    "string_pattern_mismatch": (
        "must be letters, digits, '_', '.' or '-', starting with a letter or digit; got {input!r}"
    ),
}


def validation_problems(e: ValidationError, then: str = "") -> list[tuple[Loc, str]]:
    """Each error of ``e`` as (where, what: one plain sentence, then ``then``), for
    :func:`located`."""
    return [(tuple(err["loc"]), _message(err) + then) for err in e.errors()]


def _message(err: Any) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    template = _TEMPLATES.get(kind)
    if template is not None:
        try:
            ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
            return template.format(input=_short(value), **ctx)
        except (KeyError, IndexError):
            pass
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    msg = msg.replace("Input should be", "must be")
    if kind.endswith(("_type", "_parsing", "literal_error", "enum")):
        msg += f", got {_short(value)!r}" if not isinstance(value, dict | list) else ""
    return msg


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 40:
        return value[:37] + "..."
    return value


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    seq = data.get(key) if isinstance(data, dict) else None
    if not isinstance(seq, list):
        return []
    return [(i, x) for i, x in enumerate(seq) if isinstance(x, dict)]


def _unique(
    items: Iterable[tuple[int, dict[str, Any]]],
    section: Sequence[str | int],
    key: str,
    problems: list[tuple[Loc, str]],
) -> set[str]:
    """The set of ids in a section; a duplicate is appended to ``problems``."""
    seen: set[str] = set()
    for i, item in items:
        ident = item.get(key)
        if isinstance(ident, str):
            if ident in seen:
                problems.append(
                    ((*section, i, key), f"{ident!r} is used twice; ids must be unique")
                )
            seen.add(ident)
    return seen


def coalition_members(scenario: Scenario) -> list[Member]:
    """The scenario's members as the coalition package sees them, in the scenario's order."""
    return [Member(m.id, m.role, m.anonymous, m.rules, m.name) for m in scenario.members]


def region_shapes(scenario: Scenario) -> list[RegionShape]:
    """The scenario's regions as polygons in degrees (latitudes, longitudes)."""
    return [
        RegionShape(
            r.id, r.owner, tuple(p[0] for p in r.polygon_deg), tuple(p[1] for p in r.polygon_deg)
        )
        for r in scenario.regions
    ]


def _coalition_references(scenario: Scenario) -> list[tuple[Loc, str]]:
    """Members' rules and grants against the members, regions and assets of the scenario."""
    members = coalition_members(scenario)
    return coalition_problems(
        members,
        scenario.grants,
        region_owners={r.id: r.owner for r in scenario.regions},
        asset_names=[a.name for a in scenario.assets],
    ) + record_problems(members, scenario.coalition, scenario.settings.epoch)


def _cross_references(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """References between sections, checked on the raw mapping so that all problems show at once."""
    problems: list[tuple[Loc, str]] = []
    members = _unique(_items(data, "members"), ("members",), "id", problems)
    interceptors = _unique(_items(data, "interceptors"), ("interceptors",), "id", problems)
    assets = _unique(_items(data, "assets"), ("assets",), "name", problems)
    for section in ("sensors", "fire_units", "regions", "patrols"):
        _unique(_items(data, section), (section,), "id", problems)
    raid = data["raid"] if isinstance(data.get("raid"), dict) else {}
    _unique(_items(raid, "waves"), ("raid", "waves"), "id", problems)
    known = ", ".join(sorted(members)) or "none"

    def member_ref(section: str, key: str = "owner") -> None:
        for i, item in _items(data, section):
            ref = item.get(key)
            if isinstance(ref, str) and members and ref not in members:
                problems.append(((section, i, key), f"unknown member {ref!r}; known: {known}"))

    for section in ("assets", "sensors", "fire_units", "patrols"):
        member_ref(section)
    shooters = [(s, i, u) for s in ("fire_units", "patrols") for i, u in _items(data, s)]
    for section, i, unit in shooters:
        ref = unit.get("interceptor")
        if isinstance(ref, str) and ref not in interceptors:
            names = ", ".join(sorted(interceptors)) or "none defined"
            problems.append(
                (
                    (section, i, "interceptor"),
                    f"unknown interceptor type {ref!r}; known: {names}",
                )
            )
    problems += _patrol_missiles(data)
    settings = data["settings"] if isinstance(data.get("settings"), dict) else {}
    duration = settings.get("duration_s")
    for i, wave in _items(raid, "waves"):
        aims = wave.get("aim_assets")
        for j, name in enumerate(aims if isinstance(aims, list) else []):
            if isinstance(name, str) and name not in assets:
                problems.append(
                    (
                        ("raid", "waves", i, "aim_assets", j),
                        f"unknown asset {name!r}; known: {', '.join(sorted(assets)) or 'none'}",
                    )
                )
        window = wave.get("launch_window_s")
        if (
            isinstance(duration, int | float)
            and isinstance(window, list)
            and len(window) == 2
            and isinstance(window[0], int | float)
            and window[0] >= duration
        ):
            problems.append(
                (
                    ("raid", "waves", i, "launch_window_s"),
                    f"starts at {window[0]} s, after the run ends "
                    f"(settings.duration_s = {duration})",
                )
            )
    problems += _region_references(data)  # roe.corridors and civil.closures name regions
    return problems


def _patrol_missiles(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """A patrol's interceptor must be an air-to-air missile: a type that a fire unit (a
    battery or a ship) fires is a surface-to-air missile. The file declares no launch kind, so
    the types the fire units use are the surface-to-air ones."""
    fired = {}
    for i, unit in _items(data, "fire_units"):
        ref = unit.get("interceptor")
        if isinstance(ref, str) and ref not in fired:
            fired[ref] = f"fire_units[{i}] {unit.get('id')!r}"
    problems: list[tuple[Loc, str]] = []
    for i, patrol in _items(data, "patrols"):
        ref = patrol.get("interceptor")
        if isinstance(ref, str) and ref in fired:
            problems.append((("patrols", i, "interceptor"),
                             f"{ref!r} is a surface-to-air missile ({fired[ref]} fires it); give "
                             f"the patrol an air-to-air missile, an interceptor type of its own"))
    return problems


def _region_references(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Launch corridors (``roe.corridors``) and airspace closures (``civil.closures``) must name
    a region of ``regions``."""
    regions = {r["id"] for _, r in _items(data, "regions") if isinstance(r.get("id"), str)}
    known = ", ".join(sorted(str(r) for r in regions)) or "none defined"
    problems: list[tuple[Loc, str]] = []
    for section, key in (("roe", "corridors"), ("civil", "closures")):
        parent = data.get(section) if isinstance(data.get(section), dict) else {}
        for i, item in _items(parent, key):
            ref = item.get("region")
            if isinstance(ref, str) and ref not in regions:
                problems.append(
                    ((section, key, i, "region"), f"unknown region {ref!r}; known: {known}")
                )
    return problems


def _size_problems(scenario: Scenario) -> list[tuple[Loc, str]]:
    """A run's grids against :data:`MAX_SAMPLES` and :data:`MAX_RUN_BYTES`, refused before it
    runs, located at the field that drives the size (:class:`~.limits.Size`)."""
    st, waves, units = scenario.settings, scenario.raid.waves, scenario.fire_units
    rec = scenario.civil.recording
    size = Size(
        ticks=math.floor(st.duration_s / st.scan_period_s) + 1,
        threats=sum(w.count for w in waves),
        units=len(units),
        rounds=sum(u.rounds for u in units),
        civil=len(scenario.civil.flights) + (rec.max_flights or 0 if rec else 0),
    )
    biggest_wave: Loc = ("raid", "waves", max(range(len(waves)), key=lambda i: waves[i].count),
                         "count")
    ticks = (f"{size.ticks} decision ticks (settings.duration_s {st.duration_s:g} s / "
             f"settings.scan_period_s {st.scan_period_s:g} s)")
    if size.samples > MAX_SAMPLES:
        where: Loc = ("settings", "scan_period_s") if size.ticks >= size.threats else biggest_wave
        return [(where, f"a run needs {ticks} x {size.threats} threats = {size.samples:.3g} "
                        f"samples, more than the limit of {MAX_SAMPLES:.3g}; lower the wave "
                        "counts, shorten duration_s or lengthen scan_period_s")]
    need = size.run_bytes()
    if need > MAX_RUN_BYTES:
        driver = size.driver()
        if driver == "threats":
            where, fix = biggest_wave, "lower the wave counts or shorten duration_s"
        elif driver == "rounds":
            i = max(range(len(units)), key=lambda i: units[i].rounds)
            where, fix = ("fire_units", i, "rounds"), "lower the fire units' rounds"
        elif driver == "units":
            where, fix = ("fire_units",), "use fewer fire units or fewer threats"
        else:
            where, fix = ("civil", "flights"), "use fewer civil flights or shorten duration_s"
        return [(where, f"a run would need about {need / 2**30:.1f} GiB ({ticks}, "
                        f"{size.threats} threats, {size.units} fire units, {size.rounds} rounds, "
                        f"{size.civil} civil flights), more than the limit of "
                        f"{MAX_RUN_BYTES / 2**30:.0f} GiB; {fix}")]
    return []


def _apogee_problems(scenario: Scenario) -> list[tuple[Loc, str]]:
    """A ballistic wave's ``apogee_km`` must be above its launch and aim points (else no
    ballistic arc has it; :func:`inkless.physics.ballistic.arc_for_apogee`)."""
    problems: list[tuple[Loc, str]] = []
    heights = {a.name: a.position.alt_m for a in scenario.assets}
    for i, w in enumerate(scenario.raid.waves):
        if w.apogee_km is None:
            continue
        ends = [p.alt_m for p in w.launch_points or []] + [0.0]
        if w.aim_points is not None:
            ends += [p.alt_m for p in w.aim_points]
        else:
            ends += [heights.get(n, 0.0) for n in (w.aim_assets or heights)]
        need = max(ends) + APOGEE_MARGIN_M
        if w.apogee_km * 1000.0 < need:
            problems.append((("raid", "waves", i, "apogee_km"),
                             f"must be at least {need / 1000:g} km ({APOGEE_MARGIN_M / 1000:g} km "
                             f"above the highest launch or aim point), got {w.apogee_km:g}"))
    return problems


def _recording_problems(scenario: Scenario, base_dir: str | Path | None) -> list[tuple[Loc, str]]:
    """A civil recording must be a non-empty regular file of at most ``MAX_RECORDING_BYTES``
    (a device such as ``/dev/zero`` would be read without end). Its content is read by the run."""
    rec = scenario.civil.recording
    if rec is None:
        return []
    try:
        path = rec.file(base_dir)
    except InputError as e:
        return [(("civil", "recording", "package"), str(e).split(": ", 1)[1])]
    where: Loc = ("civil", "recording", "path")
    try:
        st = path.stat()
    except FileNotFoundError:
        return [(where, f"no such recording {str(path)!r}; check the path")]
    except (OSError, ValueError) as e:
        return [(where, f"cannot read {str(path)!r} ({getattr(e, 'strerror', None) or e})")]
    if not stat.S_ISREG(st.st_mode):
        return [(where, f"{str(path)!r} is not a regular file; give a JSON or gzip-compressed "
                        "JSON file of ADS-B samples, not a device, FIFO or folder")]
    if not 0 < st.st_size <= MAX_RECORDING_BYTES:
        return [(where, f"{str(path)!r} has {st.st_size} bytes; a recording must have 1 to "
                        f"{MAX_RECORDING_BYTES} bytes")]
    return []
