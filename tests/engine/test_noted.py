"""The decision cycle skips the shots whose outcome the notes already hold
(:meth:`Engine.noted`): a run gives the same record as one that computes every pair, on both
pictures, with and without caveats."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from inkless.afteraction.results import results
from inkless.engine import Engine
from inkless.engine.inputs import Authority
from inkless.engine.state import Candidates
from inkless.scenario import parse_scenario
from inkless.scenario.model import THREAT_CLASSES, PictureName

# Two members whose units run dry on the drones early; the cruise missiles come later. B may
# engage drones only: a caveat blocks b1's feasible shots at the cruise missiles. Those from
# the west fly over a1 (the town) into b1's range (east of it) and on to the port, out of
# a1's range: b1's caveat blocks are first noted while b1 is already out of rounds and the
# missile already blocked on rounds (a1's), and the missile is blocked by the caveat only once
# out of a1's range; both must still be noted. Those from the east come into b1's range first:
# once blocked by a caveat and on rounds, b1's shots at them need not be computed.
LONG = """\
name: long
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 3000, scan_period_s: 5}
members:
  - {id: A, name: Alpha, role: host}
  - id: B
    name: Bravo
    role: partner
    rules:
      caveats: {threat_classes: [drone]}
assets:
  - {name: town, owner: A, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 10, radius_m: 500}
  - {name: port, owner: A, position: {lat_deg: 31.2, lon_deg: 35.6}, value: 5, radius_m: 500}
interceptors:
  - {id: sam, max_range_km: 40, max_altitude_km: 20, speed_mps: 1000,
     pk: {drone: 0.6, cruise: 0.5}}
sensors:
  - {id: r1, owner: A, kind: ground, position: {lat_deg: 31.1, lon_deg: 35.0},
     range_km: {drone: 200, cruise: 200, civil: 200}, scan_period_s: 5}
fire_units:
  - {id: a1, owner: A, interceptor: sam, position: {lat_deg: 31.2, lon_deg: 35.0}, rounds: 2}
  - {id: b1, owner: B, interceptor: sam, position: {lat_deg: 31.2, lon_deg: 35.3}, rounds: 3,
     channels: 2}
raid:
  waves:
    - {id: w1, threat_class: drone, count: 12, speed_mps: 40, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [0, 300],
       aim_assets: [town]}
    - {id: w2, threat_class: cruise, count: 6, speed_mps: 150, altitude_m: 300,
       launch_points: [{lat_deg: 31.25, lon_deg: 35.9}], launch_window_s: [1700, 2000],
       aim_assets: [town]}
    - {id: w3, threat_class: cruise, count: 6, speed_mps: 150, altitude_m: 300,
       launch_points: [{lat_deg: 31.2, lon_deg: 34.4}], launch_window_s: [1700, 2000],
       via: [{lat_deg: 31.2, lon_deg: 35.0}], aim_assets: [port]}
"""


class EveryPair(Engine):
    """The engine computing every pair (the oracle): nothing taken as noted."""

    def noted(self, t: float, c: Candidates, active: Any) -> Any:
        return np.zeros_like(c.options.pairs)


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
@pytest.mark.parametrize("caveats", [False, True])
def test_skipping_noted_pairs_changes_nothing(picture: PictureName, caveats: bool) -> None:
    sc = parse_scenario(LONG, "long.yaml")
    gates = Authority.of(sc).gates() if caveats else None
    skipped = []

    class Counting(Engine):
        def noted(self, t: float, c: Candidates, active: Any) -> Any:
            out = super().noted(t, c, active)
            skipped.append(int(out.sum()))
            return out

    fast = Counting(sc, seed=4, picture=picture, gates=gates).run()
    slow = EveryPair(sc, seed=4, picture=picture, gates=gates).run()
    # the case skips pairs and (on the truth) blocks shots by caveats; the tracked picture
    # does not declare the cruise missiles hostile in time
    assert sum(skipped) > 0 or (caveats and picture == "tracked")
    assert bool(slow.caveat_blocks) == (caveats and picture == "perfect")
    assert slow.caveat_blocks == fast.caveat_blocks
    assert (slow.blocked == fast.blocked).all() and (slow.feasible_ever == fast.feasible_ever).all()
    assert slow.events == fast.events
    assert results(slow).to_json() == results(fast).to_json()


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_caveats_do_not_stop_skipping_a_member_without_rules(picture: PictureName) -> None:
    # A has no caveat: its dry unit's shots at the drones can never be blocked by one, so under
    # B's caveat they are skipped as without it, though no drone is ever blocked by a caveat
    sc = parse_scenario(LONG, "long.yaml")
    gates = Authority.of(sc).gates()
    skipped = []

    class Counting(Engine):
        def noted(self, t: float, c: Candidates, active: Any) -> Any:
            out = super().noted(t, c, active)
            a = self.units.owner[c.options.us] == 0
            skipped.append(int(out[a][:, c.options.cls == THREAT_CLASSES.index("drone")].sum()))
            return out

    Counting(sc, seed=4, picture=picture, gates=gates).run()
    assert sum(skipped) > 0


# LONG and cruise missiles from the west at the town: in a1's range first (a1 dry: blocked on
# rounds), then in b1's too (blocked by its caveat) until impact. a1's shots, which no caveat
# can block, are skipped; but a1 could shoot but for its rounds, so the missiles are never
# blocked by a caveat alone: the skipped shots must be computed to say so.
TOWN = LONG + """\
    - {id: w4, threat_class: cruise, count: 4, speed_mps: 150, altitude_m: 300,
       launch_points: [{lat_deg: 31.2, lon_deg: 34.3}], launch_window_s: [2200, 2400],
       aim_assets: [town]}
"""


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_a_skipped_shot_no_rule_blocks_keeps_its_threat_from_a_caveat_block(
        picture: PictureName) -> None:
    sc = parse_scenario(TOWN, "town.yaml")
    gates = Authority.of(sc).gates()
    fast = Engine(sc, seed=4, picture=picture, gates=gates).run()
    slow = EveryPair(sc, seed=4, picture=picture, gates=gates).run()
    assert slow.caveat_blocks == fast.caveat_blocks
    assert (slow.blocked == fast.blocked).all() and (slow.feasible_ever == fast.feasible_ever).all()
    assert results(slow).to_json() == results(fast).to_json()


# LONG with B under an area rule instead: it may engage only over its own airspace (BR, a
# square around b1 reaching half way to the town). The drones fly out of BR on their way to the
# town, so b1's shots are allowed early on their paths and blocked later; b1 runs dry on them.
AREA = LONG.replace(
    "caveats: {threat_classes: [drone]}",
    "caveats: {engage_only_in: {own_airspace: true, where_granted: false, "
    "outside_regions: false}}",
) + """\
regions:
  - {id: BR, owner: B, polygon_deg: [[30.9, 35.15], [31.5, 35.15], [31.5, 35.8], [30.9, 35.8]]}
"""


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_area_rules_skip_only_shots_allowed_wherever_they_meet_the_threat(
        picture: PictureName) -> None:
    sc = parse_scenario(AREA, "area.yaml")
    gates = Authority.of(sc).gates()
    skipped = []

    class Counting(Engine):
        def noted(self, t: float, c: Candidates, active: Any) -> Any:
            out = super().noted(t, c, active)
            skipped.append(int(out[self.units.owner[c.options.us] == 1].sum()))
            return out

    fast = Counting(sc, seed=4, picture=picture, gates=gates).run()
    slow = EveryPair(sc, seed=4, picture=picture, gates=gates).run()
    assert slow.caveat_blocks  # b1's shots at the drones past BR
    assert sum(skipped) > 0 or picture == "tracked"  # b1's, dry, over BR (on the truth)
    assert slow.caveat_blocks == fast.caveat_blocks
    assert (slow.blocked == fast.blocked).all() and (slow.feasible_ever == fast.feasible_ever).all()
    assert slow.events == fast.events
    assert results(slow).to_json() == results(fast).to_json()
