"""Benchmark: the live service under load on loopback (issue 11, "Done when", the load benchmark).

The real ``inkless serve --simulate`` process and one real ``inkless node`` process per member,
on a NOTIONAL coalition written here to a temporary directory: 10 members (a host, an
orchestrator, eight partners, two of them anonymous), each with one 1 Hz radar on a ring about
the defended area and one fire unit, against a raid of about 300 simultaneous threats (drones
and cruise missiles, launched in the first two minutes from beyond the ring). 10 simulated
minutes at 1 Hz are played with ``--speed 10`` (about a minute of wall clock). Keys come from
``inkless coalition keys``; the service writes each cycle's timing with ``--metrics``.

Printed, with the goals of issue 11 beside them:

- the time from the start of a decision cycle (the plots in) to its fire orders written to the
  nodes' connections (``to_orders_ms`` of ``--metrics``), p50 and p99 over the cycles that
  issued orders, and over every cycle; goal p99 < 200 ms; and from the tick, the simulated
  plots out to the nodes and back first (``feed_ms``, at most half a period of waiting);
- messages lost: per member, every number the service published (its own count, the last
  line of ``--metrics``) must be in the node's dump once, with no ``gap`` and no duplicate;
  goal 0;
- the service's CPU: seconds of CPU per wall-clock second over the session (from the clock's
  start, all nodes joined, to the end), and its total (start-up included), from the kernel's
  accounting of the process (``/proc/PID/stat``, ``wait4``);
- beside them: the engine's step (``step_ms``) and its own CPU time (``step_cpu_ms``: on a
  machine shared with other work the wall-clock figures are mostly the wait for a core), the
  machine's load average, the cycles behind the clock, the tracks in the members' pictures,
  the orders issued.

``--stall S`` stops the last member's node (SIGSTOP) for S seconds from a third into the
session, then lets it go on (SIGCONT): the cycles must go on meanwhile (their count is printed)
and nothing be lost. There is no reference implementation to take a ratio against: each
figure is printed with its ratio to its goal.

    python benchmarks/bench_service.py [--members 10] [--threats 300] [--minutes 10] [--speed 10]
                                       [--stall S] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

INKLESS = [sys.executable, "-m", "inkless"]
GOAL_P99_MS = 200.0
CENTRE = (32.0, 35.0)  # lat, lon deg of the defended area (NOTIONAL)
KM_PER_DEG_LAT = 111.2


def _point(bearing_deg: float, range_km: float, alt_m: float = 0.0) -> dict[str, float]:
    """A point ``range_km`` from :data:`CENTRE` on ``bearing_deg`` (flat-earth offset: the
    scenario is notional)."""
    b = math.radians(bearing_deg)
    lat = CENTRE[0] + range_km * math.cos(b) / KM_PER_DEG_LAT
    lon = CENTRE[1] + range_km * math.sin(b) / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return {"lat_deg": round(lat, 4), "lon_deg": round(lon, 4), "alt_m": alt_m}


def scenario(members: int = 10, threats: int = 300, duration_s: float = 600.0,
             launch_km: float = 120.0, seed: int = 11) -> dict[str, Any]:
    """A NOTIONAL coalition of ``members`` under a raid of ``threats`` (five in six drones, the
    rest cruise missiles), as a scenario document: every member one radar (1 Hz, 110 km) on a
    ring of 60 km about the defended area and one fire unit (a 60 km interceptor) on a ring of
    30 km; the drones launched in the first 30 s from ``launch_km`` +- 30 km east, in range of
    the fire units at different times, the cruise missiles over the first two minutes from
    ``launch_km`` + 30-80 km;
    the last two of four or more members anonymous, releasing their tracks to the
    orchestrator only."""
    ids = [f"M{i:02d}" for i in range(members)]
    roles = ["host", "orchestrator"] + ["partner"] * (members - 2)
    anonymous = set(ids[-2:]) if members >= 4 else set()
    cruise = max(1, threats // 6) if threats >= 2 else 0
    ring = [360.0 * i / members for i in range(members)]
    waves: list[dict[str, Any]] = [
        {"id": "drones", "threat_class": "drone", "count": threats - cruise,
         "launch_area": {**_latlon(_point(90.0, launch_km)), "radius_km": 30},
         "launch_window_s": [0, 30], "speed_mps": 50, "altitude_m": 1200, "cep_m": 30},
        {"id": "cruise", "threat_class": "cruise", "count": cruise,
         "launch_area": {**_latlon(_point(75.0, launch_km + 55.0)), "radius_km": 25},
         "launch_window_s": [0, 120], "speed_mps": 240, "altitude_m": 300, "cep_m": 20}]
    return {
        "name": f"load-{members}-members-{threats}-threats",
        "description": "NOTIONAL load scenario of benchmarks/bench_service.py: no real forces.",
        "settings": {"epoch": "2025-01-01T00:00:00Z", "duration_s": duration_s,
                     "scan_period_s": 1.0, "seed": seed},
        "members": [
            {"id": m, "name": f"Member {i}", "role": roles[i], "anonymous": m in anonymous,
             **({"rules": {"caveats": {"release": [{"what": "tracks", "to": ["orchestrator"]}]}}}
                if m in anonymous else {})}
            for i, m in enumerate(ids)],
        "assets": [{"name": f"site-{k}", "owner": ids[0], "position": _point(90.0 * k, 10.0),
                    "value": 100, "radius_m": 3000} for k in range(4)],
        "interceptors": [{"id": "sam", "min_range_km": 2, "max_range_km": 60,
                          "min_altitude_km": 0.01, "max_altitude_km": 20, "speed_mps": 1200,
                          "pk": {"cruise": 0.8, "drone": 0.85}, "unit_cost_musd": 0.5}],
        "sensors": [{"id": f"{m}-radar", "owner": m, "kind": "ground",
                     "position": _point(ring[i], 60.0, 50.0),
                     "range_km": {"cruise": 110, "drone": 110, "ballistic": 300, "civil": 200},
                     "scan_period_s": 1.0} for i, m in enumerate(ids)],
        "fire_units": [{"id": f"{m}-sam", "owner": m, "position": _point(ring[i] + 18.0, 30.0),
                        "interceptor": "sam", "rounds": 40, "channels": 2, "reload_s": 4}
                       for i, m in enumerate(ids)],
        "raid": {"waves": [w for w in waves if w["count"] > 0]},
    }


def _latlon(p: dict[str, float]) -> dict[str, float]:
    return {"lat_deg": p["lat_deg"], "lon_deg": p["lon_deg"]}


@dataclass(frozen=True)
class Setup:
    """A load session's files: the scenario, the keys directory (public statements, holder
    keys, the coalition secret), the member ids, where the dumps and the metrics go."""

    scenario: Path
    keys: Path
    members: tuple[str, ...]
    out: Path


def prepare(out: Path, members: int, threats: int, duration_s: float,
            launch_km: float = 120.0) -> Setup:
    """The scenario (:func:`scenario`) written to ``out`` and every member's keys made by
    ``inkless coalition keys`` (the coalition secret beside them, for the anonymous)."""
    doc = scenario(members, threats, duration_s, launch_km)
    path = out / "load.yaml"
    path.write_text("# NOTIONAL: " + doc["description"] + "\n" + yaml.safe_dump(doc))
    keys = out / "keys"
    ids = tuple(m["id"] for m in doc["members"])
    for m in ids:
        subprocess.run([*INKLESS, "coalition", "keys", "--keys", str(keys), "--member", m],
                       check=True, capture_output=True, text=True)
    (keys / "secret.hex").write_text(secrets.token_hex(32) + "\n")
    return Setup(path, keys, ids, out)


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of the live process ``pid`` (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class _Metrics:
    """The lines of the service's ``--metrics`` file so far, read on from where the last read
    stopped (polled through a session: a whole re-read each time would load the machine)."""

    path: Path
    lines: list[dict[str, Any]] = field(default_factory=list)
    _at: int = 0
    _rest: str = ""

    def read(self) -> list[dict[str, Any]]:
        if self.path.exists():
            with self.path.open(encoding="utf-8") as f:
                f.seek(self._at)
                *whole, self._rest = (self._rest + f.read()).split("\n")
                self._at = f.tell()
            self.lines += [json.loads(line) for line in whole if line]
        return self.lines


@dataclass(frozen=True)
class Session:
    """What a load session measured: the service's metrics lines (the cycles, then the end
    line), its CPU over the session and in total (s), the session's wall-clock time (s), each
    node's exit code and dump."""

    cycles: list[dict[str, Any]]
    end: dict[str, Any]
    cpu_session_s: float
    cpu_total_s: float
    wall_s: float
    exits: dict[str, int]
    dumps: dict[str, Path]
    load: float  # the machine's load average (1 min) at the end of the session
    stall: Stall | None = None


@dataclass
class Stall:
    """One node stopped (SIGSTOP) ``at_s`` wall-clock seconds into the session for ``for_s``
    seconds, then let go on (SIGCONT): it must hold up neither the decision cycle nor the
    other nodes, and catch up with nothing lost (its queue is bounded: were it to fill, the
    node would be dropped). ``cycles``: the cycles the service ran while the node was
    stopped."""

    member: str
    at_s: float
    for_s: float
    cycles: int = 0
    _stopped: int | None = None  # the cycles done when stopped
    _done: bool = False

    def check(self, node: subprocess.Popen[bytes], elapsed_s: float, cycles: int) -> None:
        """Stop or let go the node, as ``elapsed_s`` (since the first cycle) says."""
        if self._stopped is None and elapsed_s >= self.at_s:
            os.kill(node.pid, signal.SIGSTOP)
            self._stopped = cycles
        elif elapsed_s >= self.at_s + self.for_s:
            self.release(node, cycles)

    def release(self, node: subprocess.Popen[bytes], cycles: int) -> None:
        """Let the node go on (SIGCONT) if stopped and not let go yet."""
        if self._stopped is not None and not self._done:
            os.kill(node.pid, signal.SIGCONT)
            self.cycles, self._done = cycles - self._stopped, True


def run(setup: Setup, speed: float, stall: Stall | None = None,
        timeout_s: float = 900.0) -> Session:
    """The service and one node per member, started by their commands and run to the end of
    the scenario (a node stopped a while if ``stall``). The session's CPU and wall time run
    from the first cycle's metrics line (all nodes joined: ``--wait-nodes``) to the end line;
    the total CPU is the kernel's account of the process at its exit (``wait4``)."""
    metrics, log = setup.out / "metrics.jsonl", setup.out / "serve.log"
    serve = subprocess.Popen(
        [*INKLESS, "serve", str(setup.scenario), "--keys", str(setup.keys), "--port", "0",
         "--simulate", "--speed", f"{speed:g}", "--wait-nodes", str(len(setup.members)),
         "--metrics", str(metrics)], stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    nodes: dict[str, subprocess.Popen[bytes]] = {}
    tail = _Metrics(metrics)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        if "://" not in line:
            raise RuntimeError(f"inkless serve did not start: {log.read_text()[-2000:]}")
        url = line.split()[3]
        dumps = {m: setup.out / f"{m}.jsonl" for m in setup.members}
        for m in setup.members:
            key = next((setup.keys / m).glob("holder-*.pem"))
            nodes[m] = subprocess.Popen(
                [*INKLESS, "node", m, "--key", str(key), "--url", url, "--dump", str(dumps[m])],
                stdout=subprocess.DEVNULL, stderr=(setup.out / f"{m}.log").open("w"))
        first: tuple[float, float] | None = None
        deadline = time.monotonic() + timeout_s
        while not (lines := tail.read()) or "end" not in lines[-1]:
            if serve.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service ended before the session did (exit "
                                   f"{serve.returncode}): {log.read_text()[-2000:]}")
            if first is None and lines:
                first = (time.monotonic(), _cpu_s(serve.pid))
            if stall is not None and first is not None:
                stall.check(nodes[stall.member], time.monotonic() - first[0], len(lines))
            time.sleep(0.05)
        last = (time.monotonic(), _cpu_s(serve.pid))
        if stall is not None:
            stall.release(nodes[stall.member], len(lines))
        exits = {m: p.wait(60) for m, p in nodes.items()}
        _, status, usage = os.wait4(serve.pid, 0)
        serve.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stall is not None and stall.member in nodes:
            stall.release(nodes[stall.member], len(tail.lines))
        procs: list[subprocess.Popen[Any]] = [*nodes.values(), serve]
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    first = first or last
    return Session(lines[:-1], lines[-1], last[1] - first[1], usage.ru_utime + usage.ru_stime,
                   last[0] - first[0], exits, dumps, os.getloadavg()[0], stall)


def losses(dumps: dict[str, Path], published: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per member, against the service's own count ``published`` (its stream's last number):
    ``missing`` numbers the dump lacks, ``duplicates`` held twice or more, ``gaps`` (``gap``
    and ``snapshot`` messages: the node came back beyond the replay window), ``unknown``
    numbers the service never published; and ``tracks_max``/``tracks_mean``, the tracks in
    the member's ``picture`` messages."""
    out = {}
    for m, path in dumps.items():
        seqs, gaps, tracks = [], 0, []
        text = path.read_text() if path.exists() else ""
        for line in text.splitlines():
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            kind, seq = msg.get("type"), msg.get("seq")
            if kind in ("welcome", "error", "refused") or not isinstance(seq, int):
                continue
            if kind in ("gap", "snapshot"):
                gaps += 1
                continue
            seqs.append(seq)
            if kind == "picture":
                tracks.append(len(msg["tracks"]))
        held, owed = set(seqs), set(range(1, published.get(m, 0) + 1))
        out[m] = {"missing": len(owed - held), "duplicates": len(seqs) - len(held),
                  "gaps": gaps, "unknown": len(held - owed),
                  "tracks_max": max(tracks, default=0),
                  "tracks_mean": round(float(np.mean(tracks)) if tracks else 0.0)}
    return out


def figures(s: Session) -> dict[str, Any]:
    """The benchmark's figures from a session (module docstring)."""
    to_orders = np.array([c["to_orders_ms"] for c in s.cycles])
    firing = np.array([c["to_orders_ms"] for c in s.cycles if c["orders"] > 0])
    fed = np.array([c["feed_ms"] + c["to_orders_ms"] for c in s.cycles if c["orders"] > 0])
    lost = losses(s.dumps, s.end["published"])
    return {
        "cycles": len(s.cycles), "firing_cycles": len(firing),
        "orders": sum(c["orders"] for c in s.cycles),
        "p50_ms": float(np.percentile(firing, 50)) if len(firing) else math.nan,
        "p99_ms": float(np.percentile(firing, 99)) if len(firing) else math.nan,
        "fed_p50_ms": float(np.percentile(fed, 50)) if len(fed) else math.nan,
        "fed_p99_ms": float(np.percentile(fed, 99)) if len(fed) else math.nan,
        "all_p50_ms": float(np.percentile(to_orders, 50)),
        "all_p99_ms": float(np.percentile(to_orders, 99)),
        "step_p50_ms": float(np.percentile([c["step_ms"] for c in s.cycles], 50)),
        "step_cpu_p50_ms": float(np.percentile([c["step_cpu_ms"] for c in s.cycles], 50)),
        "step_cpu_p99_ms": float(np.percentile([c["step_cpu_ms"] for c in s.cycles], 99)),
        "late_p99_ms": float(np.percentile([c["late_ms"] for c in s.cycles], 99)),
        "late_max_ms": max(c["late_ms"] for c in s.cycles),
        "plots_mean": float(np.mean([c["plots"] for c in s.cycles])),
        "lost": sum(v["missing"] + v["duplicates"] + v["unknown"] for v in lost.values()),
        "gaps": sum(v["gaps"] for v in lost.values()),
        "published": sum(s.end["published"].values()),
        "dropped": sum(s.end["dropped"].values()),
        "node_failures": sum(code != 0 for code in s.exits.values()),
        "per_member": lost,
        "cpu_per_wall": s.cpu_session_s / s.wall_s if s.wall_s > 0 else math.nan,
        "cpu_per_cycle_ms": 1e3 * s.cpu_session_s / max(len(s.cycles), 1),
        "load": s.load,
        "stall_cycles": None if s.stall is None else s.stall.cycles,
        "cpu_session_s": s.cpu_session_s, "cpu_total_s": s.cpu_total_s, "wall_s": s.wall_s,
    }


def report(f: dict[str, Any], members: int, threats: int, minutes: float, speed: float) -> str:
    """The printed figures: each beside its goal and its ratio to it."""
    tracks = max(v["tracks_max"] for v in f["per_member"].values())
    p99 = f["p99_ms"]
    lines = [
        f"live service on loopback: {members} member nodes, {threats} threats, "
        f"{minutes:g} simulated minutes at 1 Hz, --speed {speed:g} "
        f"(nominal {60 * minutes / speed:.0f} s wall)",
        f"  cycle start -> fire orders out: p50 {f['p50_ms']:.1f} ms, p99 {p99:.1f} ms over "
        f"{f['firing_cycles']} cycles with orders ({f['orders']} orders); goal p99 < "
        f"{GOAL_P99_MS:.0f} ms, ratio {p99 / GOAL_P99_MS:.2f}: "
        + ("no orders: not measured" if math.isnan(p99) else "met" if p99 < GOAL_P99_MS
           else "NOT met"),
        f"  {'':<30} from the tick, the plots out and back first: p50 "
        f"{f['fed_p50_ms']:.1f} ms, p99 {f['fed_p99_ms']:.1f} ms",
        f"  {'':<30} every cycle ({f['cycles']}): p50 {f['all_p50_ms']:.1f} ms, p99 "
        f"{f['all_p99_ms']:.1f} ms; the engine's step p50 {f['step_p50_ms']:.1f} ms, of "
        f"which CPU p50 {f['step_cpu_p50_ms']:.1f} ms, p99 {f['step_cpu_p99_ms']:.1f} ms",
        f"  messages lost: {f['lost']} of {f['published']} published (goal 0): "
        f"{'met' if f['lost'] == 0 and f['gaps'] == 0 else 'NOT met'}; gaps {f['gaps']}, "
        f"nodes dropped as slow {f['dropped']}, nodes failed {f['node_failures']}",
        f"  service CPU: {f['cpu_per_wall']:.2f} s per wall second over the session "
        f"({f['cpu_session_s']:.1f} s in {f['wall_s']:.1f} s wall; "
        f"{f['cpu_per_cycle_ms']:.0f} ms per cycle), {f['cpu_total_s']:.1f} s in total with "
        f"start-up; machine load average {f['load']:.1f} on {os.cpu_count()} cores",
        f"  beside: tracks in a member's picture up to {tracks}, plots pushed back "
        f"{f['plots_mean']:.0f} per cycle; cycles behind the clock: p99 "
        f"{f['late_p99_ms']:.0f} ms, max {f['late_max_ms']:.0f} ms",
    ]
    if f["stall_cycles"] is not None:
        lines.append(f"  a node stopped a while (SIGSTOP, then SIGCONT): {f['stall_cycles']} "
                     "cycles ran meanwhile")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--threats", type=int, default=300)
    ap.add_argument("--minutes", type=float, default=10.0, help="simulated minutes")
    ap.add_argument("--speed", type=float, default=10.0, help="simulated s per wall s")
    ap.add_argument("--stall", type=float, default=0.0, metavar="S",
                    help="stop the last member's node for S wall-clock seconds from a third "
                    "into the session (SIGSTOP, SIGCONT): it must hold up nothing")
    ap.add_argument("--keep", type=Path, help="write the session's files here (else a "
                    "temporary directory): scenario, keys, dumps, metrics, logs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        setup = prepare(out, args.members, args.threats, 60.0 * args.minutes)
        nominal_s = 60.0 * args.minutes / args.speed
        stall = Stall(setup.members[-1], nominal_s / 3, args.stall) if args.stall > 0 else None
        f = figures(run(setup, args.speed, stall))
    print(report(f, args.members, args.threats, args.minutes, args.speed))
    return 0 if f["lost"] == 0 and f["gaps"] == 0 and f["node_failures"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
