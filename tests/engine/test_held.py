"""When each member's sensors held each threat (``Record.held``): the engine derives it once
(the perfect picture from its coverage, the tracked picture's recorder from its own), so that
the member views (:func:`inkless.afteraction.views.provenance`) read it instead of recomputing
the run. Checked against the coverage recomputed here sensor by sensor, and against a
brute-force reading of the definition."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.engine import Authority, Record, run
from inkless.engine.record import Held
from inkless.scenario import Scenario, parse_scenario
from inkless.sensing import coverage_grid
from inkless.simulation import SensorPlatforms
from inkless.wargame import legal_record

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


@cache
def scenario() -> Scenario:
    """Basics without its ballistic wave (tracked: a few seconds), ALLY acting only from a
    request on record at 1200 s and a radar near the launch sites, so that a member's sensors
    start holding threats late."""
    data = yaml.safe_load(BASICS.read_text())
    data["raid"]["waves"] = [w for w in data["raid"]["waves"] if w["id"] != "ballistic"]
    data["sensors"].append({
        "id": "ally-east", "owner": "ALLY", "kind": "ground",
        "position": {"lat_deg": 31.5, "lon_deg": 37.0, "alt_m": 700},
        "range_km": {"ballistic": 1200, "cruise": 250, "drone": 200, "civil": 400}})
    data["members"][1]["rules"] = {"preconditions": [
        {"document": "request_for_support", "from_member": "HOST"}]}
    data["coalition"] = {"documents": [
        {"type": "request_for_support", "author": "HOST", "recipient": "ALLY", "at": 1200}]}
    return parse_scenario(yaml.safe_dump(data), "late-ally.yaml")


def held_by_sensor(record: Record) -> tuple[np.ndarray, np.ndarray]:
    """The reference: each sensor's coverage on the decision grid while its member's forces
    act, the first and last time it held each threat (first no later than the threat's end
    and the run's; last up to the first tick at or after the end, capped there), then per
    member the earliest first and the latest last of its sensors."""
    sc, raid, sensors = record.scenario, record.raid, record.tables.sensors
    dt, n = sc.settings.scan_period_s, len(record.raid)
    ticks = min(int(np.floor(sc.settings.duration_s / dt)),
                int(np.ceil(np.nanmax(raid.impact_time, initial=0.0) / dt))) + 1
    end = np.where(np.isnan(record.end_time), np.inf, record.end_time)
    truth, truth_alt = raid.grid(dt, ticks)
    pos, up, alt = SensorPlatforms(sensors).grid(dt, ticks)
    acting = record.gates.acting_grid(dt * np.arange(ticks))[:, sensors.owner]
    first = np.full((len(record.tables.members), n), np.inf)
    last = np.full((len(record.tables.members), n), -np.inf)
    for i in range(len(sensors.id)):
        s = slice(i, i + 1)
        held = coverage_grid((pos[:, s], up[:, s], alt[:, s]), sensors.range[s],
                             sensors.min_el[s], sensors.max_el[s], truth, truth_alt, raid.cls,
                             sensor_on=acting[:, s])
        o = int(sensors.owner[i])
        for j in range(n):
            k = np.flatnonzero(held[:, j])
            k = k[k <= np.ceil(end[j] / dt)]
            if k.size and k[0] * dt <= min(end[j], sc.settings.duration_s):
                first[o, j] = min(first[o, j], k[0] * dt)
                last[o, j] = max(last[o, j], min(k[-1] * dt, end[j]))
    return first, last


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_the_record_says_when_each_members_sensors_held_each_threat(picture: str) -> None:
    sc = scenario()
    gates = Authority.of(sc, legal_record(sc).letters).gates()
    record = run(sc, 7, picture=picture, gates=gates)  # type: ignore[arg-type]
    assert record.held is not None
    first, last = held_by_sensor(record)
    assert np.array_equal(record.held.first, first)
    assert np.array_equal(record.held.last, last)
    # the case is not empty: both members held threats, ALLY only once its forces act
    assert np.isfinite(first).any(axis=1).all()
    assert first[1][np.isfinite(first[1])].min() >= 1200.0
    if picture == "perfect":  # the perfect picture's detections are its sensors' first holds
        detect = first.min(axis=0)
        assert np.array_equal(np.isfinite(detect), np.isfinite(record.detect_time))
        assert np.array_equal(detect[np.isfinite(detect)],
                              record.detect_time[np.isfinite(record.detect_time)])


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_held_reads_the_cover_as_defined(members: int, n: int, ticks: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    dt, duration = 5.0, 5.0 * rng.integers(1, 14)
    cover = rng.random((members, ticks, n)) < 0.3
    end = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0.0, 5.0 * ticks, n))
    end[rng.random(n) < 0.2] = dt * rng.integers(0, ticks)  # ends on a tick
    got = Held.of(iter(cover), dt, end, duration)
    for m in range(members):
        for j in range(n):
            e = np.inf if np.isnan(end[j]) else end[j]
            # the ticks it was held while it flew: up to the first at or after its end
            flew = [k for k in range(ticks) if cover[m, k, j] and k < e / dt + 1]
            first = flew[0] * dt if flew and flew[0] * dt <= min(e, duration) else np.inf
            last = min(flew[-1] * dt, e) if np.isfinite(first) else -np.inf
            assert got.first[m, j] == first and got.last[m, j] == last, (m, j, flew)
