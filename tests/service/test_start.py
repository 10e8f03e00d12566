"""``inkless node`` starts without loading the engine or the web server: a member's node
should not take seconds to join (and the service's tests start dozens of nodes)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from .conftest import INKLESS, cut, holder

#: Modules the node never needs (the service's side of the session).
HEAVY = ("inkless.engine", "inkless.service.app", "inkless.service.live", "fastapi", "uvicorn")

_RUN = """import sys
from inkless.cli import main
sys.argv = ["inkless", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(sys.modules))
"""


def test_the_node_command_loads_no_engine(tmp_path: Path) -> None:
    """A node given a key file that is not there: it gets as far as loading the key."""
    r = subprocess.run([sys.executable, "-c", _RUN, "node", "HOST", "--key",
                        str(tmp_path / "none.pem"), "--url", "ws://127.0.0.1:1/node"],
                       capture_output=True, text=True, timeout=120)
    assert "none.pem" in r.stderr, r.stderr[-300:]
    loaded = r.stdout.split()
    assert "inkless.service.node" in loaded
    assert not [m for m in loaded if m.startswith(HEAVY)]


def test_a_node_started_before_the_service_waits_for_it(tmp_path: Path, keys: Path,
                                                        free_port: int) -> None:
    """The demo's order (nodes right after the service, which takes seconds to load its
    scenario): a node keeps trying for ``--wait`` seconds and joins once the service listens;
    with nothing listening it gives up after ``--wait`` with one line."""
    port = free_port
    url = f"ws://127.0.0.1:{port}/node"
    gone = subprocess.run([*INKLESS, "node", "HOST", "--key", str(holder(keys, "HOST")), "--url",
                           url, "--wait", "1"], capture_output=True, text=True, timeout=60)
    assert gone.returncode == 1 and gone.stderr.count("\n") == 1, gone.stderr
    assert f"cannot reach {url}" in gone.stderr and "after 1 s" in gone.stderr
    node = subprocess.Popen([*INKLESS, "node", "HOST", "--key", str(holder(keys, "HOST")),
                             "--url", url, "--wait", "120"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)  # the node is up and knocking before the service starts
    assert node.poll() is None, node.communicate()
    serve = subprocess.Popen([*INKLESS, "serve", str(cut(tmp_path, 60)), "--keys", str(keys),
                              "--port", str(port), "--simulate", "--speed", "16",
                              "--wait-nodes", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        out, err = node.communicate(timeout=180)
        assert node.returncode == 0, err
        assert "session ended" in out
    finally:
        serve.terminate()
        serve.wait(30)
