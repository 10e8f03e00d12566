"""Read a scenario file: YAML -> validated, frozen :class:`Scenario`, or every problem at once.

Each problem is one line ``FILE:LINE: location: what is wrong`` (``raid.waves[2].count: must be
at least 1, got 0``); the line is found by walking the YAML node tree along the location.
Field checks come from pydantic; cross-references (unknown member, unknown interceptor type,
duplicate ids, launch windows past the end of the run) are checked here on the raw data so that
they are reported together with the field problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from inkless.coalition import Member, coalition_problems, record_problems
from inkless.errors import ScenarioError

from .model import Scenario

__all__ = ["load_scenario", "parse_scenario"]

Loc = tuple[str | int, ...]


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise :class:`ScenarioError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file; check the path") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot be read ({e.__class__.__name__}: {e})") from None
    return parse_scenario(text, str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text; ``source`` names it in messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ScenarioError(
            f"{where}: YAML syntax error: {e.problem}; fix the syntax there"
        ) from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"{source}: YAML error: {e}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: must be a mapping with settings, members, assets and raid")

    problems: list[tuple[Loc, str]] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        problems += [(tuple(err["loc"]), _message(err)) for err in e.errors()]
    problems += _cross_references(data)
    if scenario is not None and not problems:
        problems += _coalition_references(scenario)
    if problems:
        located = sorted(
            {(_line(node, loc), _dotted(loc) or "(top)", msg) for loc, msg in problems}
        )
        raise ScenarioError(*(f"{source}:{n}: {where}: {msg}" for n, where, msg in located))
    assert scenario is not None  # no problems means validation succeeded
    return scenario


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(node: yaml.Node | None, loc: Loc) -> int:
    """1-based line of the deepest YAML node found along ``loc``."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    child = v
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
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


def _coalition_references(scenario: Scenario) -> list[tuple[Loc, str]]:
    """Members' rules and grants against the members, regions and assets of the scenario."""
    members = [
        Member(id=m.id, role=m.role, anonymous=m.anonymous, rules=m.rules, name=m.name)
        for m in scenario.members
    ]
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
    for section in ("sensors", "fire_units", "regions"):
        _unique(_items(data, section), (section,), "id", problems)
    raid = data["raid"] if isinstance(data.get("raid"), dict) else {}
    _unique(_items(raid, "waves"), ("raid", "waves"), "id", problems)
    known = ", ".join(sorted(members)) or "none"

    def member_ref(section: str, key: str = "owner") -> None:
        for i, item in _items(data, section):
            ref = item.get(key)
            if isinstance(ref, str) and members and ref not in members:
                problems.append(((section, i, key), f"unknown member {ref!r}; known: {known}"))

    for section in ("assets", "sensors", "fire_units"):
        member_ref(section)
    for i, unit in _items(data, "fire_units"):
        ref = unit.get("interceptor")
        if isinstance(ref, str) and ref not in interceptors:
            names = ", ".join(sorted(interceptors)) or "none defined"
            problems.append(
                (
                    ("fire_units", i, "interceptor"),
                    f"unknown interceptor type {ref!r}; known: {names}",
                )
            )
    settings = data["settings"] if isinstance(data.get("settings"), dict) else {}
    duration = settings.get("duration_s")
    for i, wave in _items(raid, "waves"):
        for j, name in enumerate(wave.get("aim_assets") or []):
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


def _region_references(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Launch corridors (``roe.corridors``) and airspace closures (``civil.closures``) must name
    a region of ``regions``."""
    regions = {r.get("id") for _, r in _items(data, "regions")}
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
