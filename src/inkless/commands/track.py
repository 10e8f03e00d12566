"""``inkless track DIR``: track recorded detections and score the air picture with GOSPA.

``DIR`` is a tracking-benchmark directory (``/work/shared/bench/tracking/FORMAT.md``):
``scenario.json`` (sensors with ``pos``, ``range``, ``noise_std``; ``dt``, ``pd``, clutter density),
``detections.csv`` of which only the first five columns ``time,sensor_id,x,y,z`` are read (the
truth labels after them are never looked at), and ``truth.csv``, read only to score.

Mount: ``cli_app.command("track")(inkless.commands.track.track)``; until then
``python -m inkless.commands.track DIR [--json] [--tracks-out FILE]``.

``inkless track --asterix SRC --scenario SCENARIO [--tracks-out FILE]`` (no ``DIR``) tracks a
run's CAT048 plots (``inkless run --asterix-out``) with the coalition's trackers on the engine's
fed picture (:func:`inkless.interop.radar.track_plots`) and writes its per-scan picture as a
``tracks.csv``.

Scoring is that of the Stone Soup reference script: GOSPA with c = 1000 m, p = 1, alpha = 2 on 3-D
position of the confirmed tracks in the online picture after each scan, per scan, averaged over the
scans where there is a true target or a track. Exit codes: 0 done; 2 bad input (one line on stderr).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inkless.errors import InklessError, InputError
from inkless.tracking import TrackerConfig, gospa_over_time
from inkless.tracking.replay import CartesianSensor, Picture, replay

__all__ = ["Recording", "TrackRun", "app", "load_recording", "run_track", "track", "write_tracks"]

GOSPA_C_M = 1000.0
DET_COLUMNS = ("time", "sensor_id", "x", "y", "z")
TRUTH_COLUMNS = ("time", "target_id", "kind", "x", "y", "z")

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  help="Track recorded detections and score them with GOSPA.")


class _Sensor(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    pos: tuple[float, float, float]
    range: float = Field(gt=0.0, description="coverage radius, m")
    noise_std: tuple[float, float, float] = Field(description="per-axis noise std, m")

    @field_validator("noise_std")
    @classmethod
    def _positive(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if min(v) <= 0.0:
            raise ValueError("every noise_std must be > 0 m")
        return v


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    dt: float = Field(gt=0.0)
    steps: int | None = Field(default=None, ge=0)
    pd: float = Field(default=0.9, gt=0.0, lt=1.0)
    clutter_density_per_m3_per_sensor_scan: float | None = Field(default=None, gt=0.0)
    sensors: list[_Sensor] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Recording:
    """A scenario directory read at the boundary: metadata, detections, truth positions."""

    dt: float
    steps: int | None
    sensors: tuple[CartesianSensor, ...]
    config: TrackerConfig
    det: NDArray[np.float64]  # (m, 5) time, sensor_id, x, y, z
    truth: NDArray[np.float64]  # (k, 4) time, x, y, z


@dataclass(frozen=True, slots=True)
class TrackRun:
    """Result of ``run_track``: the JSON summary and the picture (for ``--tracks-out``)."""

    summary: dict[str, Any]
    picture: Picture
    dt: float


def _check_header(path: Path, want: tuple[str, ...]) -> None:
    try:
        with path.open() as f:
            header = f.readline().strip().split(",")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror}); check the path") from None
    got = [h.strip() for h in header[: len(want)]]
    for i, w in enumerate(want):
        g = got[i] if i < len(got) else "(missing)"
        if g != w:
            raise InputError(f"{path}: column {i + 1} is '{g}', expected '{w}'; the header must "
                             f"start with {','.join(want)}")


def _read_columns(path: Path, cols: tuple[int, ...], want: tuple[str, ...]) -> NDArray[np.float64]:
    if not path.is_file():
        raise InputError(f"{path}: file not found; the directory needs {path.name}")
    _check_header(path, want)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty file is fine: no rows
            a = np.loadtxt(path, delimiter=",", skiprows=1, usecols=cols, ndmin=2, dtype=float)
    except ValueError as e:
        raise InputError(f"{path}: {e}; columns {','.join(want)} must hold numbers") from None
    if not np.isfinite(a).all():
        row = int(np.flatnonzero(~np.isfinite(a).all(axis=1))[0]) + 2
        raise InputError(f"{path}: line {row}: a value is not finite; fix or remove the row")
    return a.reshape(-1, len(cols))


def load_recording(directory: Path) -> Recording:
    """Read and check ``scenario.json``, ``detections.csv`` (5 columns) and ``truth.csv``."""
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory; give a scenario directory "
                         "(scenario.json, detections.csv, truth.csv)")
    sp = directory / "scenario.json"
    if not sp.is_file():
        raise InputError(f"{sp}: file not found; the directory needs scenario.json")
    try:
        raw = json.loads(sp.read_text())
        meta = _ScenarioFile.model_validate(raw)
    except json.JSONDecodeError as e:
        raise InputError(f"{sp}: line {e.lineno}: invalid JSON ({e.msg}); fix the file") from None
    except ValidationError as e:
        raise InputError(*(f"{sp}: {'.'.join(str(p) for p in er['loc'])}: {er['msg']}; "
                           "see FORMAT.md for the keys" for er in e.errors())) from None
    ids = [s.id for s in meta.sensors]
    if len(set(ids)) != len(ids):
        raise InputError(f"{sp}: sensors: ids {ids} repeat; give each sensor its own id")
    sensors = tuple(sorted((CartesianSensor(s.id, s.pos, s.range, s.noise_std)
                            for s in meta.sensors), key=lambda s: s.id))
    density = meta.clutter_density_per_m3_per_sensor_scan
    config = TrackerConfig(pd=meta.pd)
    if density is not None:
        config = replace(config, clutter_density=density)
    det = _read_columns(directory / "detections.csv", tuple(range(5)), DET_COLUMNS)
    unknown = sorted(set(det[:, 1].astype(int).tolist()) - set(ids))
    if unknown:
        raise InputError(f"{directory / 'detections.csv'}: sensor_id {unknown[0]} is not in "
                         f"scenario.json sensors {ids}; add it there or fix the column")
    truth = _read_columns(directory / "truth.csv", (0, 3, 4, 5), TRUTH_COLUMNS)
    return Recording(meta.dt, meta.steps, sensors, config, det, truth)


def _streams(asterix: str) -> list[tuple[str, list[bytes]]]:
    """CAT048 streams of ``--asterix``: a file, a directory's ``*.ast`` or ``udp://HOST:PORT``."""
    from inkless.interop.asterix import read_files, receive_udp

    if asterix.startswith("udp://"):
        return [receive_udp(asterix)]
    src = Path(asterix)
    if not src.exists():
        raise InputError(f"--asterix {asterix}: no such file or directory; give a CAT048 file, "
                         "a directory of *.ast or udp://HOST:PORT")
    return read_files(sorted(src.glob("*.ast")) if src.is_dir() else [src])


def track_scenario(asterix: str, scenario: Path, tracks_out: Path | None) -> dict[str, Any]:
    """``inkless track --asterix SRC --scenario SCENARIO``: a run's CAT048 plots through the
    coalition's trackers (:func:`inkless.interop.radar.track_plots`); the per-scan picture
    written as ``tracks.csv`` to ``tracks_out``. Returns the summary."""
    from inkless.interop.picture import picture_table, write_tracks_csv
    from inkless.interop.radar import track_plots

    record = track_plots(_streams(asterix), scenario)
    tab = picture_table(record)
    assert tab is not None and record.tracked is not None and record.tracked.scans is not None
    if tracks_out is not None:
        try:
            write_tracks_csv(tracks_out, tab)
        except OSError as e:
            raise InputError(f"{tracks_out}: cannot write ({e.strerror}); check "
                             "--tracks-out") from None
    return {"detections": len(record.tracked.scans.plot_t),
            "tracks": len(set(tab.track_id.tolist())), "track_reports": len(tab)}


def run_track(directory: Path, config: TrackerConfig | None = None,
              asterix: str | None = None, recording: Recording | None = None) -> TrackRun:
    """Track ``directory``'s detections and score the picture; raises ``InputError`` on bad input.

    ``config`` overrides the tracker parameters derived from ``scenario.json``; ``asterix`` (a
    CAT048 file, a directory of ``*.ast`` or ``udp://HOST:PORT``, read until 5 s without a
    datagram) replaces ``detections.csv`` as the plots' source; ``recording``: ``directory``
    already read by :func:`load_recording` (it is not read again).
    """
    rec = recording if recording is not None else load_recording(directory)
    if asterix is not None:
        from inkless.interop.asterix import read_detections

        rec = replace(rec, det=read_detections(_streams(asterix), rec.sensors))
    cfg = config if config is not None else rec.config
    scans = np.arange(rec.steps) * rec.dt if rec.steps else None
    pic = replay(rec.det[:, 0], rec.det[:, 1], rec.det[:, 2:5], rec.sensors, config=cfg,
                 scan_times=scans)
    _, g = gospa_over_time(np.round(pic.time / rec.dt), pic.x[:, :3],
                           np.round(rec.truth[:, 0] / rec.dt), rec.truth[:, 1:4], GOSPA_C_M, 1.0)
    has = g.size > 0
    summary = {
        "detections": pic.detections,
        "seconds": round(pic.seconds, 4),
        "detections_per_s": round(pic.detections / pic.seconds, 1) if pic.seconds > 0 else None,
        "mean_gospa": round(float(g["total"].mean()), 2) if has else 0.0,
        "missed": round(float(g["n_missed"].mean()), 3) if has else 0.0,
        "false": round(float(g["n_false"].mean()), 3) if has else 0.0,
    }
    return TrackRun(summary, pic, rec.dt)


def write_tracks(path: Path, pic: Picture) -> None:
    """Write the online picture as ``time,track_id,x,y,z,vx,vy,vz`` (s, m, m/s; 3 decimals)."""
    rows = np.column_stack([pic.time, pic.track_id, pic.x])
    try:
        np.savetxt(path, rows, delimiter=",", comments="", header="time,track_id,x,y,z,vx,vy,vz",
                   fmt=["%.3f", "%d"] + ["%.3f"] * 6)
    except OSError as e:
        raise InputError(f"{path}: cannot write ({e.strerror}); check --tracks-out") from None


@app.command("track")
def track(
    directory: Annotated[Path | None, typer.Argument(
        help="Scenario directory: scenario.json, detections.csv, truth.csv.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    tracks_out: Annotated[Path | None, typer.Option(
        "--tracks-out", help="Write the online picture: time,track_id,x,y,z,vx,vy,vz.")] = None,
    asterix: Annotated[str | None, typer.Option(
        "--asterix", help="Read the plots from CAT048 (a file, a directory of *.ast, or "
        "udp://HOST:PORT until 5 s pass without a datagram) "
        "instead of detections.csv; sensors from DIR/scenario.json (SIC = sensor id).")] = None,
    asterix_out: Annotated[Path | None, typer.Option(
        "--asterix-out", help="Also write DIR's detections as CAT048: one sensor-<id>.ast per "
        "sensor, one data block per scan.")] = None,
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", help="With --asterix and no DIR: the plots are a run's (inkless run "
        "--asterix-out) of this scenario's radars (SIC = sensor row); tracked by the "
        "coalition's trackers; --tracks-out writes tracks.csv.")] = None,
) -> None:
    """Track recorded detections (first five columns only) and score against truth with GOSPA."""
    try:
        if scenario is not None or directory is None:
            if scenario is None or asterix is None or directory is not None:
                raise InputError("give a recording DIR, or --asterix SRC --scenario SCENARIO "
                                 "(a run's CAT048) without DIR")
            summary = track_scenario(asterix, scenario, tracks_out)
            typer.echo(json.dumps(summary) if json_out else
                       f"{summary['detections']} plots, {summary['tracks']} tracks, "
                       f"{summary['track_reports']} track reports")
            return
        rec = load_recording(directory)
        if asterix_out is not None:
            from inkless.interop.asterix import write_detections

            left = sum(write_detections(rec.det, rec.sensors, asterix_out).values())
            if left:
                typer.echo(f"{asterix_out}: {left} plot(s) outside CAT048's ranges left out",
                           err=True)
        run = run_track(directory, asterix=asterix, recording=rec)
        if tracks_out is not None:
            write_tracks(tracks_out, run.picture)
    except InklessError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(e.exit_code) from None
    if json_out:
        typer.echo(json.dumps(run.summary))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"inkless track {directory}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    labels = {"detections": "detections", "seconds": "tracking loop, s",
              "detections_per_s": "detections / s", "mean_gospa": "mean GOSPA, m (c=1000, p=1)",
              "missed": "missed targets / scan", "false": "false tracks / scan"}
    for k, label in labels.items():
        table.add_row(label, f"{run.summary[k]}")
    Console().print(table)


if __name__ == "__main__":
    app()
