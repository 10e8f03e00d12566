"""The load benchmark's machinery (benchmarks/bench_service.py) at a tiny size: the real
``inkless serve`` and two real ``inkless node`` processes on a few tracks for a few seconds,
one of them stopped a while. Every numbered message each node was owed (the service's own
count, the end line of ``--metrics``) arrives once, the cycle goes on while a node is stopped,
and the decision latency is measured for every cycle. No timing is asserted here: the goals
live in the benchmark."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_service",
                                                  ROOT / "benchmarks" / "bench_service.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()


def test_tiny_load_session_loses_nothing_and_times_every_cycle(tmp_path: Path) -> None:
    # 10 drones and 2 cruise missiles launched 10-70 km out: in both radars' cover and a fire
    # unit's reach (``inkless run`` of this scenario fires at 16, 22 and 40 s); the second
    # node stopped (SIGSTOP) for 3 s of the 10 s session, then let go on
    setup = bench.prepare(tmp_path, members=2, threats=12, duration_s=60.0, launch_km=40.0)
    stall = bench.Stall(setup.members[1], at_s=2.0, for_s=3.0)
    f = bench.figures(bench.run(setup, speed=6.0, stall=stall))
    assert f["node_failures"] == 0, [(tmp_path / f"{m}.log").read_text() for m in setup.members]
    assert set(f["per_member"]) == set(setup.members)
    assert all(v["missing"] == v["duplicates"] == v["gaps"] == v["unknown"] == 0
               for v in f["per_member"].values()), f["per_member"]
    assert f["lost"] == f["gaps"] == f["dropped"] == 0
    published = f["published"]
    assert published > 2 * f["cycles"]  # at least the pictures and the end
    assert f["cycles"] > 50 and f["orders"] > 0 and f["firing_cycles"] > 0
    assert math.isfinite(f["p50_ms"]) and 0 < f["p50_ms"] <= f["p99_ms"]
    assert math.isfinite(f["all_p99_ms"]) and f["cpu_session_s"] > 0 and f["wall_s"] > 0
    assert max(v["tracks_max"] for v in f["per_member"].values()) > 0
    # the cycle went on while a node was stopped, and the node caught up
    assert f["stall_cycles"] > 0


def _dump(path: Path, messages: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(m) + "\n" for m in messages) + '{"type": "pict')
    return path


def test_losses_counts_missing_duplicated_unknown_and_gaps(tmp_path: Path) -> None:
    welcome = {"type": "welcome", "seq": 0}
    whole = _dump(tmp_path / "a.jsonl", [welcome, *({"type": "picture", "seq": s, "tracks": []}
                                                     for s in (1, 2, 3))])
    broken = _dump(tmp_path / "b.jsonl", [
        welcome, {"type": "picture", "seq": 1, "tracks": [{}, {}]},
        {"type": "picture", "seq": 1, "tracks": []}, {"type": "error", "reason": "x"},
        {"type": "gap", "seq": 4, "from": 2, "to": 4}, {"type": "snapshot", "seq": 4},
        {"type": "end", "seq": 6}])
    got = bench.losses({"A": whole, "B": broken}, {"A": 3, "B": 5})
    assert got["A"] == {"missing": 0, "duplicates": 0, "gaps": 0, "unknown": 0,
                        "tracks_max": 0, "tracks_mean": 0}
    assert got["B"] == {"missing": 4, "duplicates": 1, "gaps": 2, "unknown": 1,
                        "tracks_max": 2, "tracks_mean": 1}
