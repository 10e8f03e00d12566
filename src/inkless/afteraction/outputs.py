"""The after-action files of one run, written in one place: ``inkless run`` and the live
service (at the end of a session) write the same files from the engine's record.

Where it sits: the end of the after-action stage. It reads the engine's :class:`Record` and the
run's :class:`Findings`; the coalition picture's files (``tracks.csv``, ASTERIX) belong to
``inkless.interop.picture.write_run_picture``, one layer up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inkless.engine import Record

    from .findings import Findings
    from .views import Audience

__all__ = ["write_outputs"]


def write_outputs(out_dir: Path, record: Record, findings: Findings,
                  audience: Audience | None = None) -> None:
    """Write a run's after-action files in ``out_dir`` (an existing directory).

    Without ``audience``: ``results.json`` (``findings.to_json()``), ``events.csv`` (every
    engagement and impact of ``record``) and ``report.html`` (the self-contained report with
    its map and replay). With ``audience`` (a member's view, :mod:`inkless.afteraction.views`):
    the same three files as that member may see them.

    ``findings`` is the run's results (``afteraction.results.results(record)``, or the summary
    of several replications, whose first is ``record``). Raises ``OSError`` on a write failure
    (``e.filename`` names the file); the caller turns it into its own message.
    """
    from .replay import replay
    from .report import write_report
    from .results import map_data, write_events_csv
    from .views import write_view

    if audience is not None:
        write_view(out_dir, record, findings, audience)
        return
    (out_dir / "results.json").write_text(findings.to_json(), encoding="utf-8")
    write_events_csv(out_dir / "events.csv", record)
    write_report(out_dir / "report.html", findings, map_data(record), replay(record))
