"""CAT048 of a patrol's airborne radar (issue 14, item 4): its plots' heights are taken from
where its aircraft flew, vectors to an intercept included."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inkless.engine import Engine
from inkless.interop.asterix import decode_cat048
from inkless.interop.picture import write_run_picture
from inkless.scenario import parse_scenario

from .patrols import cap

RADAR = cap(3000, "    radar: {range_km: {drone: 60, civil: 100}, sigma_elevation_deg: 0.1}\n",
            sensors="")


def test_patrol_radar_plot_heights_follow_the_vector_flown(tmp_path: Path) -> None:
    """Tracked run, one aircraft whose radar is the only sensor, four drones at 1500 m, so
    every plot is of a drone: its CAT048 height
    (I048/110, from the radar's position and the plot's range and elevation) is within 300 m
    of 1500 m (the elevation noise, 0.1 degree at 60 km, is 105 m). The aircraft fly vectors
    down towards the drones. Before: the heights were computed from the radar's scheduled
    route (on its orbit at 6000 m while it dashed), kilometres off."""
    rec = Engine(parse_scenario(RADAR, "cap.yaml"), 1, picture="tracked").run()
    assert rec.patrols is not None and len(rec.patrols.dashes) > 0
    write_run_picture(tmp_path, rec, tmp_path / "ast")
    files = sorted((tmp_path / "ast").glob("radar-*"))
    assert len(files) == 1
    heights = np.concatenate([decode_cat048(f.read_bytes(), f.name).height_m for f in files])
    assert len(heights) > 20
    assert np.abs(heights - 1500.0).max() < 300.0
