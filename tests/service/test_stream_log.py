"""One member's stream on its own (no server): numbering, the replay window, the bounded queue.
Times are given explicitly (monotonic seconds), so nothing here waits."""

from __future__ import annotations

import asyncio
import json

from hypothesis import assume, given
from hypothesis import strategies as st

from inkless.service import Stream


def _drain(q: asyncio.Queue[str | None]) -> list[dict[str, object] | None]:
    out: list[dict[str, object] | None] = []
    while not q.empty():
        x = q.get_nowait()
        out.append(None if x is None else json.loads(x))
    return out


@given(n=st.integers(0, 30), held=st.integers(0, 30), window=st.floats(0.5, 20),
       gap_s=st.floats(0, 40))
def test_a_resume_loses_nothing_and_repeats_nothing(n: int, held: int, window: float,
                                                    gap_s: float) -> None:
    """Messages 1..n published one per second; a node holding 1..held comes back ``gap_s``
    after the last: within the window it gets held+1..n, beyond it a gap from held+1 and a
    snapshot at n; either way it can continue from n + 1."""
    held = min(held, n)
    # a message exactly window_s old: kept or not by rounding (found: n=9, window = gap_s)
    assume(all(abs(n + gap_s - k - window) > 1e-9 for k in range(1, n + 1)))
    s = Stream("M", window_s=window)
    for k in range(1, n + 1):
        s.publish({"type": "picture", "t": float(k), "tracks": []}, now=float(k))
    backlog, _ = s.attach(held if held else None, now=n + gap_s)
    msgs = [json.loads(x) for x in backlog]
    seqs = [m["seq"] for m in msgs if m["type"] not in ("gap", "snapshot")]
    logged = all(n + gap_s - k < window for k in range(held + 1, n + 1))
    if logged:
        assert seqs == list(range(held + 1, n + 1))
    else:
        gap = [m for m in msgs if m["type"] == "gap"]
        assert not gap or (gap[0]["from"] == held + 1 and gap[0]["to"] == n)
        assert bool(gap) == bool(held)
        assert msgs[-1]["type"] == "snapshot" and msgs[-1]["seq"] == n and seqs == []


def test_a_node_that_does_not_keep_up_is_dropped() -> None:
    """A full queue: the node is detached (its sender is told to close); the stream goes on,
    logged, so the node may resume without loss."""
    s = Stream("M", window_s=60, queue_size=3)
    _, q = s.attach(None, now=0.0)
    for k in range(5):
        s.publish({"type": "picture", "t": float(k), "tracks": []}, now=float(k))
    assert _drain(q) == [None] and s.queue is None
    backlog, _ = s.attach(0, now=5.0)
    assert [json.loads(x)["seq"] for x in backlog] == [1, 2, 3, 4, 5]


def test_a_node_that_comes_back_after_the_end_beyond_the_window_is_told_it_ended() -> None:
    """The session ended (``end`` published) before a node came back beyond the window: its
    snapshot carries the ``end`` (found in a loaded CI run: the restarted node got a snapshot
    without it, waited, and was cut off with 1012 when the service stopped)."""
    s = Stream("M", window_s=1.0)
    s.publish({"type": "picture", "t": 1.0, "tracks": []}, now=1.0)
    s.publish({"type": "end", "t": 2.0}, now=2.0)
    backlog, _ = s.attach(0, now=10.0)
    snapshot = json.loads(backlog[-1])
    assert snapshot["type"] == "snapshot" and snapshot["end"] == {"t": 2.0}
