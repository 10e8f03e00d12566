"""The live service's tests start the real ``inkless serve`` on a free loopback port and real
``inkless node`` processes (or a raw WebSocket client playing a node); nothing is mocked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from inkless.coalition import KeyStore

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "two-members.yaml"
INKLESS = [sys.executable, "-m", "inkless"]


def inkless(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the ``inkless`` command to its end."""
    return subprocess.run([*INKLESS, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="package")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keys of HOST and ANON and of GHOST (a member the scenario does not list); HOST's holder
    key rotated half an hour ago (its first key revoked then); the coalition secret."""
    d = tmp_path_factory.mktemp("keys")
    store = KeyStore(d)
    then = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    for m in ("HOST", "ANON", "GHOST"):
        store.create(m, then)
    store.rotate("HOST", then + timedelta(minutes=30))
    store.secret()
    return d


def cut(tmp: Path, duration_s: float, scenario: Path = SCENARIO) -> Path:
    """``scenario`` ending at ``duration_s`` (scenario seconds): a session no longer than what
    a test needs (the first wave's first orders come at 40 s from 100 s of run on, none by 60 s
    in a 60 s run; the second wave's at 135 s); the waves not launched by then left out."""
    data = yaml.safe_load(scenario.read_text())
    data["settings"]["duration_s"] = duration_s
    waves = data["raid"]["waves"]
    waves[:] = [w for w in waves if w["launch_window_s"][1] <= duration_s]
    path = tmp / f"{scenario.stem}-{duration_s:g}s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def holder(keys: Path, member: str, current: bool = True) -> Path:
    """The file of ``member``'s current (or former) office-holder key."""
    office = KeyStore(keys).load(member)
    want = office.holder_key_id
    files = sorted((keys / member).glob("holder-*.pem"))
    return next(f for f in files if (f.stem.removeprefix("holder-") == want) == current)


class Server:
    """A running ``inkless serve`` (stopped by its process id at the end)."""

    def __init__(self, tmp: Path, keys: Path, *extra: str, scenario: Path = SCENARIO) -> None:
        self.log = tmp / "serve.log"
        self.proc = subprocess.Popen(
            [*INKLESS, "serve", str(scenario), "--keys", str(keys), "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=self.log.open("w"), text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert "://" in line, (line, self.log.read_text())
        self.url = line.split()[3]

    def stop(self) -> None:
        """SIGTERM (the service stops serving at once); SIGKILL if it does not."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(20)
                raise AssertionError("the service did not stop on SIGTERM") from None

    def wait(self, timeout: float = 180) -> int:
        return self.proc.wait(timeout)


@pytest.fixture
def server_factory(tmp_path: Path, keys: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(*extra: str, scenario: Path = SCENARIO) -> Server:
        sub = tmp_path / f"server{len(started)}"
        sub.mkdir()
        s = Server(sub, keys, *extra, scenario=scenario)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def _node(member: str, keys: Path, url: str, dump: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*INKLESS, "node", member, "--key", str(holder(keys, member)),
                             "--url", url, "--dump", str(dump), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(p: subprocess.Popen[str]) -> str:
    out, err = p.communicate(timeout=180)
    assert p.returncode == 0, err
    return out


@dataclass(frozen=True)
class Plain:
    """A session of both members' nodes, each taking its orders (WILCO), on the first wave
    (100 s at speed 8: a slow clock, every plot pushed back in time): the dumps, what each node
    printed, the scenario."""

    dumps: dict[str, Path]
    said: tuple[str, ...]
    scenario: Path


@pytest.fixture(scope="package")
def plain(tmp_path_factory: pytest.TempPathFactory, keys: Path) -> Iterator[Plain]:
    """One :class:`Plain` session, shared by the tests that only read its dumps."""
    tmp = tmp_path_factory.mktemp("plain")
    scenario = cut(tmp, 100)
    s = Server(tmp, keys, "--simulate", "--speed", "8", "--wait-nodes", "2", scenario=scenario)
    try:
        dumps = {m: tmp / f"{m}.jsonl" for m in ("HOST", "ANON")}
        said = tuple(_finish(p) for p in [_node(m, keys, s.url, d) for m, d in dumps.items()])
    finally:
        s.stop()
    yield Plain(dumps, said, scenario)


def read_dump(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(cond: Any, timeout: float = 30.0) -> None:
    """Poll ``cond()`` until true (a bound on a failure, not a measured time)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
