"""Every launched threat is intercepted or lands, on every picture (issue 15, defect 1).

A threat that no unit can ever engage used to stay "in flight" on the perfect picture: the
skip-ahead jumped past the last tick. The property is checked against the raid's own impact
times, over random raids and random subsets of the fire units (none included).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inkless.engine import IN_FLIGHT, KILLED, LANDED, NOT_LAUNCHED, run
from inkless.scenario import Scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASICS = yaml.safe_load((EXAMPLES / "basics.yaml").read_text())


def scenario(waves: list[dict[str, Any]], units: list[int]) -> Scenario:
    data = yaml.safe_load(yaml.safe_dump(BASICS))
    data["raid"]["waves"] = waves
    data["fire_units"] = [u for i, u in enumerate(data["fire_units"]) if i in units]
    data["settings"]["duration_s"] = 3600
    return parse_scenario(yaml.safe_dump(data), "landing.yaml")


def check(rec: Any) -> None:
    raid, end = rec.raid, rec.scenario.settings.duration_s
    launched = raid.launch_time <= end
    lands_in_time = launched & (raid.impact_time <= end)
    assert np.all(rec.fate[~launched] == NOT_LAUNCHED)
    # what lands before the end is intercepted or has landed: nothing hangs in the air
    assert np.all(np.isin(rec.fate[lands_in_time], [KILLED, LANDED])), (
        rec.fate[lands_in_time], raid.impact_time[lands_in_time])
    assert np.all(np.isin(rec.fate[launched & ~lands_in_time], [KILLED, IN_FLIGHT]))
    landed = np.flatnonzero(rec.fate == LANDED)
    np.testing.assert_allclose(rec.end_time[landed], raid.impact_time[landed])
    impacts = sorted(j for _, kind, j, _ in rec.events if kind == "impact")
    assert impacts == landed.tolist()
    assert np.all(rec.damage[rec.fate != LANDED] == 0.0)


CLASSES = {
    "ballistic": {"launch_area": {"lat_deg": 33.5, "lon_deg": 44.0, "radius_km": 30},
                  "cep_m": 300},
    "cruise": {"launch_points": [{"lat_deg": 32.0, "lon_deg": 38.2}], "speed_mps": 240,
               "altitude_m": 60, "cep_m": 20},
    "drone": {"launch_points": [{"lat_deg": 31.0, "lon_deg": 37.8}], "speed_mps": 50,
              "altitude_m": 1500, "cep_m": 30},
}

waves = st.lists(
    st.tuples(st.sampled_from(sorted(CLASSES)), st.integers(1, 6), st.integers(0, 3000),
              st.integers(0, 600)),
    min_size=1, max_size=3,
).map(lambda ws: [{"id": f"w{i}", "threat_class": c, "count": k,
                   "launch_window_s": [t0, t0 + span], **CLASSES[c]}
                  for i, (c, k, t0, span) in enumerate(ws)])
unit_sets = st.sets(st.integers(0, 3)).map(sorted)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves=waves, units=unit_sets, seed=st.integers(0, 2**16))
def test_every_threat_lands_or_dies_on_the_perfect_picture(
        waves: list[dict[str, Any]], units: list[int], seed: int) -> None:
    check(run(scenario(waves, units), seed, picture="perfect"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves=waves, units=unit_sets, seed=st.integers(0, 2**16))
def test_every_threat_lands_or_dies_on_the_tracked_picture(
        waves: list[dict[str, Any]], units: list[int], seed: int) -> None:
    check(run(scenario(waves, units), seed, picture="tracked"))


def test_an_unengageable_ballistic_raid_lands_and_does_damage() -> None:
    """Only the ship, which cannot kill ballistic missiles: every missile lands (the case the
    issue found; before the fix they stayed in flight and did no damage)."""
    sc = scenario([{"id": "b", "threat_class": "ballistic", "count": 6,
                    "launch_window_s": [100, 300], **CLASSES["ballistic"]}], [3])
    for picture in ("perfect", "tracked"):
        rec = run(sc, 7, picture=picture)  # type: ignore[arg-type]
        assert np.all(rec.fate == LANDED), picture
        assert rec.damage.sum() > 0.0
