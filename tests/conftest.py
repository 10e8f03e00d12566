"""Fixtures and helpers shared across the test packages: a page in Debian's chromium driven by
playwright (``executable_path``: no browser download), for the report's replay map and the live
web map; the report's time control moved as a user does (:func:`move_replay`); a free loopback
port (the ``free_port`` fixture)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # playwright loaded by the browser tests only
    from playwright.sync_api import Page

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
