"""Shared pieces of the scenario tests: a minimal file's ``HEAD`` (settings, one member, one
asset) and ``RAID`` (one wave of two drones), between which each test module puts what it is
about (interceptors, fire units, patrols); :func:`problems` lists what a refused text reports."""

from __future__ import annotations

import pytest

from inkless.errors import ScenarioError
from inkless.scenario import parse_scenario

HEAD = """\
name: t
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: 600}
members:
  - {id: A, name: Alpha, role: host}
assets:
  - {name: base, owner: A, position: {lat_deg: 31, lon_deg: 35}, value: 10, radius_m: 100}
"""

RAID = """\
raid:
  waves:
    - id: w1
      threat_class: drone
      count: 2
      speed_mps: 50
      launch_points: [{lat_deg: 31, lon_deg: 36}]
      launch_window_s: [0, 10]
"""


def problems(text: str) -> list[str]:
    """The problems of ``text`` read as ``s.yaml``, which must be refused."""
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "s.yaml")
    return list(e.value.problems)
