"""Fixtures and helpers shared across the test packages: a page in Debian's chromium driven by
playwright (``executable_path``: no browser download), for the report's replay map and the live
web map; the report's time control moved as a user does (:func:`move_replay`); a free loopback
port (the ``free_port`` fixture); under pytest-xdist (``-n``), the tests that share one expensive
run go to one worker (:data:`SHARED`)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # playwright loaded by the browser tests only
    from playwright.sync_api import Page
    from xdist.scheduler import LoadScopeScheduling

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Where the browser tests save their screenshots (looked at by hand).
ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"


@dataclass
class Browsed:
    """A page (1200 x 1000 px) and what it did: ``problems`` its console errors and warnings
    and uncaught errors, ``fetched`` every URL it requested."""

    page: Page
    problems: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)


@pytest.fixture
def browsed() -> Iterator[Browsed]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        b = Browsed(browser.new_page(viewport={"width": 1200, "height": 1000}))
        b.page.on("console", lambda m: b.problems.append(f"console {m.type}: {m.text}")
                  if m.type in ("error", "warning") else None)
        b.page.on("pageerror", lambda e: b.problems.append(f"page error: {e}"))
        b.page.on("request", lambda r: b.fetched.append(r.url))
        yield b
        browser.close()


def move_replay(page: Page, t: float) -> None:
    """Move the report's replay time control to ``t`` (s) as a user's drag does (value set,
    then the input event)."""
    page.eval_on_selector("#replay-time", "(s, t) => { s.value = String(t); "
                          "s.dispatchEvent(new Event('input', {bubbles: true})); }", t)


@pytest.fixture
def free_port() -> int:
    """A TCP port free on the loopback interface now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: Tests (node id prefixes) that share one expensive run (a module or package fixture, a cache):
#: under ``pytest -n N`` each group goes to one worker, so the run is made once instead of once in
#: every worker that gets one of them. (``--dist loadgroup`` and its ``xdist_group`` mark would do
#: this, but pytest-xdist 3.8 renames node ids in a way that pytest 9.2 no longer sees.)
SHARED = {
    "tests/afteraction/test_findings.py::": "findings",  # a tracked run of basics
    "tests/afteraction/test_report.py::": "report",  # the report rendered by `written`
    "tests/cli/test_airliner_example.py::": "airliner",  # the airliner example's run
    "tests/cli/test_campaign_examples.py::test_october_": "october",  # the tracked October run
    "tests/cli/test_run_command.py::": "run-command",  # a run of basics
    "tests/coalition/test_run_views.py::": "run-views",  # a run of four members
    "tests/coalition/test_two_campaigns.py::": "two-campaigns",  # the script's five runs
    "tests/engine/test_tracks_only.py::": "tracks-only",  # seven tracked 180-missile salvos
    "tests/fuzz/test_fuzz.py::test_a_mutated_example_that_validates_runs[": "fuzz-runs",
    "tests/interop/test_run_picture.py::": "run-picture",  # a tracked run and its record
    "tests/service/test_auth.py::": "service-auth",  # one service
    "tests/service/test_streams.py::test_each_member_": "service-plain",  # conftest.plain
    "tests/service/test_streams.py::test_the_live_pictures_": "service-plain",
    "tests/service/test_orders.py::test_orders_go_to_": "service-plain",
    "tests/service/test_streams.py::test_a_node_restarted_within": "service-restarts",
    "tests/service/test_streams.py::test_a_node_killed": "service-restarts",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    """With ``-n`` (``--dist load``): one work unit per test, or per group of :data:`SHARED`;
    the groups (the larger units) are sent first."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Shared(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((g for p, g in SHARED.items() if nodeid.startswith(p)), nodeid)

    return Shared(config, log)
