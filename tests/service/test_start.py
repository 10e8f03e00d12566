"""``inkless node`` starts without loading the engine or the web server: a member's node
should not take seconds to join (and the service's tests start dozens of nodes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
