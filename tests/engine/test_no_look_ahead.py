"""The assignment ranks the shots of each cycle by value now, with no look-ahead over the other
layers: why the perfect picture is not an upper bound of the outcome (docs/pictures.md).

On April 2024 the perfect picture leaks more ballistic missiles than the tracked one (seeds 1-6:
17-29 against 6-22): with the upper tier's channels saturated, each channel freed goes to a
missile at the asset of the highest value (Nevatim, Ramon), which the lower tier covers anyway,
and the missiles at the asset of the lowest value (the Hermon sites, which only the upper tier
reaches) wait until their windows close. The small case here is the same mechanism: an upper
tier with one channel, a port (100) that a mid tier also covers and an air base that only the
upper tier reaches. Should the assignment come to weigh the other layers' chances, the first
test fails and docs/pictures.md must say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from inkless.engine import BLOCKED_CHANNELS, LANDED, Record, run
from inkless.scenario import Scenario, parse_scenario

BASICS = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / "basics.yaml")
                        .read_text())
PORT, AIRBASE = 0, 1  # asset rows of basics.yaml
UPPER, MID = "upper-1", "mid-1"


def scenario(airbase_value: float, units: tuple[str, ...] = (UPPER, MID)) -> Scenario:
    """basics.yaml with four ballistic missiles at the port (value 100, the mid tier beside it)
    and four at the air base (``airbase_value``, beyond the mid tier), launched together; the
    upper tier has one channel; one interceptor in the air per missile (shoot-look-shoot)."""
    d: dict[str, Any] = yaml.safe_load(yaml.safe_dump(BASICS))
    d["settings"].update(duration_s=1800, max_shots_per_threat={"ballistic": 1})
    d["assets"][AIRBASE]["value"] = airbase_value
    d.pop("civil", None)
    d["fire_units"] = [dict(u, channels=1, rounds=20) if u["id"] == UPPER else u
                       for u in d["fire_units"] if u["id"] in units]
    area = {"lat_deg": 33.5, "lon_deg": 44.0, "radius_km": 30}
    d["raid"]["waves"] = [
        {"id": a, "threat_class": "ballistic", "count": 4, "launch_area": area,
         "launch_window_s": [0, 60], "aim_assets": [a], "cep_m": 300, "lethality": 0.1}
        for a in ("port", "airbase")]
    return parse_scenario(yaml.safe_dump(d), "no-look-ahead.yaml")


def shots_at(rec: Record, unit: str, asset: int) -> int:
    """Interceptors fired by ``unit`` at the missiles whose impact is on ``asset``."""
    f, n = rec.flight, rec.flight.n
    row = rec.tables.units.id.index(unit)
    return int(((f.unit[:n] == row) & (rec.raid.hit_asset[f.threat[:n]] == asset)).sum())


def test_the_upper_tier_serves_the_higher_value_though_a_lower_tier_covers_it() -> None:
    # the mid tier alone reaches every missile at the port: it shoots at each
    alone = run(scenario(80.0, (MID,)), 1, picture="perfect", record=False)
    assert shots_at(alone, MID, PORT) >= 4
    assert shots_at(alone, MID, AIRBASE) == 0  # and none at the air base: beyond its reach
    rec = run(scenario(80.0), 1, picture="perfect", record=False)
    # yet the upper tier's channel goes to the port's missiles (value 100 > 80) ...
    assert shots_at(rec, UPPER, PORT) >= 2
    assert shots_at(rec, UPPER, AIRBASE) == 0
    # ... and the air base's, which nothing else reaches, land unshot, the channel saturated
    air = rec.raid.hit_asset == AIRBASE
    assert np.all(rec.fate[air] == LANDED)
    assert np.all(rec.blocked[air] & BLOCKED_CHANNELS)


def test_the_same_channel_serves_the_air_base_when_it_is_worth_more() -> None:
    low = run(scenario(80.0), 1, picture="perfect", record=False)
    high = run(scenario(120.0), 1, picture="perfect", record=False)
    # the ranking follows the value: the air base's missiles now get the upper tier ...
    assert shots_at(high, UPPER, AIRBASE) > shots_at(high, UPPER, PORT)
    # ... the mid tier takes the port's, and fewer missiles land than with the port first
    assert shots_at(high, MID, PORT) > shots_at(low, MID, PORT)
    assert (high.fate == LANDED).sum() < (low.fate == LANDED).sum()
