"""A seeded, structure-aware mutator of the example scenarios, and the checks it drives.

Each case is one of the examples with one to three mutations: a deleted key, a value of the
wrong type, an extreme or non-finite number, an unknown reference, an emptied or duplicated list,
an epoch at the edge of the calendar, or a YAML trick on the text (a bad tag, deep nesting, a NUL
byte, aliases, thousands of unknown keys, a device as the civil recording). Case ``i`` of seed
``s`` is the same on every machine.

What is checked (and counted by :func:`main`, the ``make fuzz`` target):

* ``traceback``: validation raised something other than a :class:`ScenarioError`;
* ``bad_message``: a problem that is not one line ``FILE:LINE: ...``;
* ``hang``: validation, or a run of a file that validated, took longer than the time limit;
* ``run_crash``: a file that validated did not run to the end (an exception, a run-time error
  message, a process killed for memory).

Usage: ``python tests/fuzz/fuzzer.py [--validations N] [--runs M] [--seed S]``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import itertools
import math
import multiprocessing
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from inkless.errors import ScenarioError
from inkless.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: Examples mutated for validation; runs use only the small ones (April takes minutes).
VALIDATE_BASES = ("basics.yaml", "airliner-in-the-raid.yaml", "april-2024.yaml")
RUN_BASES = ("basics.yaml", "airliner-in-the-raid.yaml")
SOURCE = "fuzz.yaml"
#: One line with a location; no character that a terminal or ``str.splitlines`` breaks on.
LOCATED = re.compile(r"^fuzz\.yaml:\d+: [^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+$")

EXTREMES: tuple[Any, ...] = (
    0, -1, 1, 0.5, 1e-308, 1e-9, 1e6, 1e9, 10**20, 2**63, 10**100, 1e308, -1e308,
    math.inf, -math.inf, math.nan, 100000, 7 * 86400, 499, 2**31,
)
WRONG_TYPES: tuple[Any, ...] = ("x", [], {}, None, True, "1e3", [1, 2, 3], {"a": 1}, "", 3)
STRINGS: tuple[str, ...] = (
    "nope", "a\nb", "", "x" * 200, "HOST\n fire_units: []", "é", "../../etc/passwd", "-",
    "a\x85b", "a\u2028b",
)
EPOCHS: tuple[str, ...] = (
    "9999-12-31T23:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00", "1969-12-31T23:59:59Z", "2101-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z", "2099-12-31T00:00:00Z", "2024-02-30T00:00:00Z", "not a date",
)


@dataclass(frozen=True)
class Case:
    """One mutated scenario: its text and what was done to it."""

    base: str
    ops: tuple[str, ...]
    text: str


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) in a YAML data tree, the root first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _pick(rng: np.random.Generator, seq: Any) -> Any:
    return seq[int(rng.integers(len(seq)))]


def _choose(rng: np.random.Generator, data: Any, want: Callable[[Any], bool]) -> tuple[Any, ...]:
    paths = [p for p, v in _paths(data) if p and want(v)]
    return _pick(rng, paths) if paths else ()


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _op_delete(data: Any, rng: np.random.Generator) -> str:
    path = _choose(rng, data, lambda v: True)
    if not path:
        return "delete(none)"
    parent = _get(data, path[:-1])
    del parent[path[-1]]
    return f"delete {path}"


def _op_type(data: Any, rng: np.random.Generator) -> str:
    path = _choose(rng, data, lambda v: True)
    if path:
        _set(data, path, copy.deepcopy(_pick(rng, WRONG_TYPES)))
    return f"type {path}"


def _op_number(data: Any, rng: np.random.Generator) -> str:
    path = _choose(rng, data, _is_number)
    value = _pick(rng, EXTREMES)
    if path:
        _set(data, path, value)
    return f"number {path}={value!r}"


def _op_string(data: Any, rng: np.random.Generator) -> str:
    path = _choose(rng, data, lambda v: isinstance(v, str))
    value = _pick(rng, STRINGS)
    if path:
        _set(data, path, value)
    return f"string {path}={value!r}"


def _op_empty(data: Any, rng: np.random.Generator) -> str:
    path = _choose(rng, data, lambda v: isinstance(v, list | dict))
    if path:
        _set(data, path, [] if isinstance(_get(data, path), list) else {})
    return f"empty {path}"


def _op_duplicate(data: Any, rng: np.random.Generator) -> str:
    path = _choose(rng, data, lambda v: isinstance(v, list) and len(v) > 0)
    if path:
        seq = _get(data, path)
        seq.append(copy.deepcopy(_pick(rng, seq)))
    return f"duplicate {path}"


def _op_epoch(data: Any, rng: np.random.Generator) -> str:
    value = _pick(rng, EPOCHS)
    _dict(data.get("settings"))["epoch"] = value
    return f"epoch {value}"


def _op_wave(data: Any, rng: np.random.Generator) -> str:
    """The raid's own fields, where the run's sizes come from."""
    waves = [w for w in _dict(data.get("raid")).get("waves") or [] if isinstance(w, dict)]
    if not waves:
        return "wave(none)"
    w = _pick(rng, waves)
    key, value = _pick(rng, (
        ("count", 100000), ("count", 5000), ("launch_points", []), ("launch_area", None),
        ("launch_window_s", [0, math.inf]), ("launch_window_s", [math.nan, 5]),
        ("launch_window_s", [0, 1e308]), ("speed_mps", 1e-308), ("speed_mps", 1e-3),
        ("cep_m", math.inf), ("aim_points", []), ("aim_assets", []), ("via", [{}]),
        ("apogee_km", 1e-9), ("lethality", math.nan),
    ))
    if value is None:
        w.pop(key, None)
    else:
        w[key] = copy.deepcopy(value)
    return f"wave {key}={value!r}"


def _op_settings(data: Any, rng: np.random.Generator) -> str:
    s = data.get("settings")
    if not isinstance(s, dict):
        return "settings(none)"
    key, value = _pick(rng, (
        ("scan_period_s", 1e-9), ("scan_period_s", 0.01), ("duration_s", 7 * 86400),
        ("duration_s", math.inf), ("max_shots_per_threat", {"ballistic": 10**20}),
        ("max_shots_per_threat", {"drone": 10**6}), ("seed", 2**64), ("seed", -1),
        ("exchange_rate", math.inf), ("duration_s", 1e-9),
    ))
    s[key] = copy.deepcopy(value)
    return f"settings {key}={value!r}"


def _op_units(data: Any, rng: np.random.Generator) -> str:
    units = [u for u in data.get("fire_units") or [] if isinstance(u, dict)]
    if not units:
        return "units(none)"
    u = _pick(rng, units)
    key, value = _pick(rng, (
        ("rounds", 10**20), ("rounds", 1_000_000_000), ("rounds", 10**6), ("channels", 10**20),
        ("channels", 10**9), ("reload_s", math.inf), ("reload_s", math.nan),
    ))
    u[key] = value
    return f"unit {key}={value!r}"


def _op_recording(data: Any, rng: np.random.Generator) -> str:
    path = _pick(rng, ("/dev/zero", "/dev/null", "/", "/proc/self/mem", "/nonexistent.json"))
    if not isinstance(data.get("civil"), dict):
        data["civil"] = {}
    data["civil"]["recording"] = {"path": path}
    return f"recording {path}"


STRUCTURE_OPS = (
    _op_delete, _op_type, _op_number, _op_number, _op_string, _op_empty, _op_duplicate,
    _op_epoch, _op_wave, _op_wave, _op_settings, _op_units, _op_recording,
)


def _text_trick(text: str, rng: np.random.Generator, big: bool) -> tuple[str, str]:
    """A YAML-level mutation of dumped text."""
    kind = int(rng.integers(9))
    lines = text.splitlines(keepends=True)
    i = int(rng.integers(len(lines)))
    if kind == 0:  # a bad tag on a scalar
        return re.sub(r": (-?\d[\d.e+-]*)\n", ": !!float abc\n", text, count=1), "tag !!float abc"
    if kind == 1:  # deep nesting
        depth = int(_pick(rng, (100, 480, 600, 1000, 5000)))
        return text + "description: " + "[" * depth + "]" * depth + "\n", f"nest {depth}"
    if kind == 2:
        return text[: len(text) // 2] + "\x00" + text[len(text) // 2 :], "NUL byte"
    if kind == 3:  # many unknown keys at the top
        n = 50_000 if big and rng.random() < 0.2 else 2_000
        return text + "".join(f"k{j}: {j}\n" for j in range(n)), f"{n} unknown keys"
    if kind == 4:  # a python tag
        return text + "x: !!python/object/apply:os.system ['true']\n", "python tag"
    if kind == 5:  # an alias to an anchor, and a merge key
        return text.replace("settings:", "settings: &s", 1) + "extra: *s\n<<: {a: 1}\n", "alias"
    if kind == 6:  # a duplicated key
        return text + lines[0], "duplicate key"
    if kind == 7:  # binary and other odd scalars
        lines[i] = lines[i].rstrip("\n") + " !!binary AAAA\n"
        return "".join(lines), "binary tag"
    # thousands of civil flights
    n = 100_000 if big and rng.random() < 0.2 else 500
    flight = ("  - {callsign: F%d, route: [{lat_deg: 32, lon_deg: 34}, {lat_deg: 33, lon_deg: 34}],"
              " altitude_m: 9000, speed_mps: 200}\n")
    body = "".join(flight % j for j in range(n))
    text = re.sub(r"(?m)^civil:\n(  \w.*\n|    .*\n)*", "", text)
    return text + "civil:\n  flights:\n" + body, f"{n} civil flights"


@functools.cache
def _example(path: Path) -> Any:
    """An example's data, parsed once (a case mutates a deep copy): most of a case's time was
    parsing the example again."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def make_case(
    seed: int, index: int, bases: tuple[str, ...], big: bool = False, examples: Path = EXAMPLES
) -> Case:
    """Case ``index`` of ``seed``: an example with one to three mutations."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    base = _pick(rng, bases)
    data = copy.deepcopy(_example(examples / base))
    ops: list[str] = []
    for _ in range(int(rng.integers(1, 4))):
        ops.append(_pick(rng, STRUCTURE_OPS)(data, rng))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000)
    if rng.random() < 0.25:
        text, op = _text_trick(text, rng, big)
        ops.append(op)
    return Case(base, tuple(ops), text)


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def validate(case: Case, limit_s: float = 10.0) -> tuple[str, str]:
    """``(outcome, detail)``: outcome ``ok``, ``refused``, ``traceback``, ``bad_message`` or
    ``hang``."""
    try:
        with _time_limit(limit_s):
            parse_scenario(case.text, SOURCE)
    except _Timeout:
        return "hang", f"validation took over {limit_s} s"
    except ScenarioError as e:
        bad = [p for p in e.problems if not LOCATED.match(p)]
        return ("bad_message", repr(bad[0])) if bad else ("refused", e.problems[0])
    except Exception as e:  # RecursionError included
        return "traceback", f"{type(e).__name__}: {str(e)[:200]}"
    return "ok", ""


def _run_child(text: str, out: Any) -> None:
    """In a child process: validate, then run the perfect picture through the CLI."""
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
    from typer.testing import CliRunner

    from inkless.cli import app

    try:
        parse_scenario(text, SOURCE)
    except Exception:
        out.send(("invalid", ""))
        return
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / SOURCE
        path.write_text(text, encoding="utf-8")
        r = CliRunner().invoke(
            app, ["run", str(path), "--out", f"{d}/out", "--picture", "perfect",
                  "--no-rule-costs"],
        )
    if r.exit_code == 0:
        out.send(("ok", ""))
    elif r.exception is not None and not isinstance(r.exception, SystemExit):
        tb = "".join(traceback.format_exception(r.exception)[-3:])
        out.send(("run_crash", f"{type(r.exception).__name__}: {tb[-300:]}"))
    else:
        out.send(("run_crash", f"exit {r.exit_code}: {r.stderr.strip()[:300]}"))


def run(case: Case, limit_s: float = 60.0) -> tuple[str, str]:
    """``(outcome, detail)`` of validating and running a case in a child process: ``invalid``,
    ``ok``, ``run_crash`` or ``hang``."""
    import inkless.cli  # imported once here, not in every child  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_run_child, args=(case.text, send))
    p.start()
    send.close()
    got: tuple[str, str] | None = None
    if recv.poll(limit_s):
        with contextlib.suppress(EOFError):
            got = recv.recv()
    if got is None and p.is_alive():
        p.kill()
        p.join()
        return "hang", f"run took over {limit_s} s"
    p.join()
    return got if got is not None else ("run_crash", f"child died, exit {p.exitcode}")


def valid_cases(seed: int, examples: Path = EXAMPLES) -> Iterator[Case]:
    """The cases of ``seed`` (small examples, no huge texts) that validate, in order."""
    for i in itertools.count():
        case = make_case(seed, i, RUN_BASES, big=False, examples=examples)
        if validate(case)[0] == "ok":
            yield case


def main(argv: list[str] | None = None) -> int:
    """``make fuzz``: thousands of validations and hundreds of runs; print the counts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--validations", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--small", action="store_true", help="no 50k keys / 100k flights cases")
    ap.add_argument("--examples", type=Path, default=EXAMPLES, help="folder of the bases")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each failing case")
    args = ap.parse_args(argv)
    counts: Counter[str] = Counter()
    t0 = time.perf_counter()
    for i in range(args.validations):
        case = make_case(args.seed, i, VALIDATE_BASES, big=not args.small,
                         examples=args.examples)
        outcome, detail = validate(case)
        counts[f"validate {outcome}"] += 1
        if outcome not in ("ok", "refused") and args.verbose:
            print(f"validation {i} {case.base} {case.ops}: {outcome}: {detail}", flush=True)
    for i, case in zip(range(args.runs), valid_cases(args.seed + 1, args.examples), strict=False):
        outcome, detail = run(case)
        counts[f"run {outcome}"] += 1
        if outcome not in ("ok", "invalid") and args.verbose:
            print(f"run {i} {case.base} {case.ops}: {outcome}: {detail}", flush=True)
    tracebacks = counts["validate traceback"] + counts["validate bad_message"]
    hangs = counts["validate hang"] + counts["run hang"]
    print(f"fuzz seed {args.seed}: {args.validations} validations, {args.runs} runs, "
          f"{time.perf_counter() - t0:.0f} s")
    for key in sorted(counts):
        print(f"  {key:24s} {counts[key]}")
    print(f"tracebacks {tracebacks}, hangs {hangs}, run crashes after validation "
          f"{counts['run run_crash']}")
    return 1 if tracebacks or hangs or counts["run run_crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
