"""Read a static WTA instance file (``"format": "wta-static-v1"`` JSON) into a ``WTAProblem``.

The format (benchmark instances, see ``shared/bench/wta/FORMAT.md``)::

    {"format": "wta-static-v1", "name": str, "weapons": W, "targets": T,
     "values": [T numbers], "p": [[T numbers] x W],
     "counts": [W ints]             optional, rounds per weapon row (absent: 1 each)
     "eligible": [[T bools] x W]    optional (absent: every pair eligible)
     "generator": {...}}            optional provenance, ignored

inkless also reads three optional keys that the benchmark files do not carry: ``"cost"`` [W
numbers], ``"exchange_rate"`` (number) and ``"max_per_target"`` [T ints].

A bad file raises ``InputError`` with one line ``FILE: key 'KEY': what is wrong; how to fix``.
Validation happens here, once; the solvers trust the frozen ``WTAProblem``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from inkless.assignment.problem import WTAProblem
from inkless.errors import InputError

__all__ = ["FORMAT", "load_instance", "parse_instance"]

FORMAT = "wta-static-v1"


def load_instance(path: str | Path) -> WTAProblem:
    """Load and validate a ``wta-static-v1`` JSON file; raise ``InputError`` (one line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"{path}: cannot be read ({e.__class__.__name__}); check the file"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"{path}:{e.lineno}: not valid JSON ({e.msg}); fix the syntax there"
        ) from None
    return parse_instance(data, str(path))


class _Bad(Exception):
    """A problem with one key; turned into an InputError naming the file."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return (isinstance(v, int | float) and not isinstance(v, bool)) and math.isfinite(v)


def _vector(data: dict[str, Any], key: str, n: int, kind: str) -> list[Any]:
    v = data[key]
    if not isinstance(v, list):
        raise _Bad(f"key '{key}': must be a list of {n} {kind}s, got {type(v).__name__}")
    if len(v) != n:
        raise _Bad(f"key '{key}': has {len(v)} entries, expected {n}; fix its length")
    ok = _is_int if kind == "integer" else (_is_num if kind == "number" else _is_bool)
    for k, e in enumerate(v):
        if not ok(e):
            raise _Bad(f"key '{key}': entry [{k}] = {e!r} is not a {kind}; use a {kind}")
    return v


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _matrix(data: dict[str, Any], key: str, rows: int, cols: int, kind: str) -> list[list[Any]]:
    m = data[key]
    if not isinstance(m, list):
        raise _Bad(f"key '{key}': must be a list of {rows} rows, got {type(m).__name__}")
    if len(m) != rows:
        raise _Bad(f"key '{key}': has {len(m)} rows, expected {rows} (weapons); fix its shape")
    ok = _is_num if kind == "number" else _is_bool
    for i, row in enumerate(m):
        if not isinstance(row, list) or len(row) != cols:
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise _Bad(
                f"key '{key}': row [{i}] has {got} entries, expected {cols} (targets); "
                "fix its shape"
            )
        for j, e in enumerate(row):
            if not ok(e):
                raise _Bad(f"key '{key}': entry [{i}][{j}] = {e!r} is not a {kind}")
    return m


def parse_instance(data: Any, source: str = "<instance>") -> WTAProblem:
    """Validate decoded instance JSON ``data``; ``source`` names it in the error message."""
    try:
        return _parse(data)
    except _Bad as e:
        raise InputError(f"{source}: {e}") from None
    except InputError as e:  # from WTAProblem.make: already says what and how
        raise InputError(f"{source}: {e.problems[0]}") from None


def _parse(data: Any) -> WTAProblem:
    if not isinstance(data, dict):
        raise _Bad(f"must be a JSON object with \"format\": \"{FORMAT}\"")
    for key in ("format", "weapons", "targets", "values", "p"):
        if key not in data:
            raise _Bad(f"key '{key}': missing; add it (see the {FORMAT} format)")
    if data["format"] != FORMAT:
        raise _Bad(f"key 'format': is {data['format']!r}, expected {FORMAT!r}")
    for key in ("weapons", "targets"):
        if not _is_int(data[key]) or data[key] < 0:
            raise _Bad(f"key '{key}': must be an integer >= 0, got {data[key]!r}")
    n_w, n_t = int(data["weapons"]), int(data["targets"])
    values = _vector(data, "values", n_t, "number")
    if any(v < 0 for v in values):
        raise _Bad("key 'values': has a negative entry; values must be >= 0")
    p = _matrix(data, "p", n_w, n_t, "number")
    for i, row in enumerate(p):
        for j, e in enumerate(row):
            if not 0.0 <= e <= 1.0:
                raise _Bad(f"key 'p': entry [{i}][{j}] = {e!r} is outside [0, 1]")
    counts = None
    if data.get("counts") is not None:
        counts = _vector(data, "counts", n_w, "integer")
        if any(c < 0 for c in counts):
            raise _Bad("key 'counts': has a negative entry; rounds must be >= 0")
    eligible = None
    if data.get("eligible") is not None:
        eligible = _matrix(data, "eligible", n_w, n_t, "boolean")
    cost = None
    if data.get("cost") is not None:
        cost = _vector(data, "cost", n_w, "number")
        if any(c < 0 for c in cost):
            raise _Bad("key 'cost': has a negative entry; costs must be >= 0")
    rate = data.get("exchange_rate", 0.0)
    if rate is None:
        rate = 0.0
    if not _is_num(rate) or rate < 0:
        raise _Bad(f"key 'exchange_rate': must be a number >= 0, got {rate!r}")
    cap = None
    if data.get("max_per_target") is not None:
        cap = _vector(data, "max_per_target", n_t, "integer")
        if any(c < 0 for c in cap):
            raise _Bad("key 'max_per_target': has a negative entry; caps must be >= 0")
    return WTAProblem.make(
        values=np.asarray(values, dtype=np.float64).reshape(n_t),
        p=np.asarray(p, dtype=np.float64).reshape(n_w, n_t),
        counts=counts,
        eligible=None if eligible is None else np.asarray(eligible, bool).reshape(n_w, n_t),
        cost=cost,
        exchange_rate=float(rate),
        max_per_target=cap,
    )
