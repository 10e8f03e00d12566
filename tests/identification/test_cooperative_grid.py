"""The civil traffic's velocity on the decision grid (what the run's ADS-B reports are drawn
around) against the traffic's own velocity at each instant (``CivilTraffic.state``: the route's
analytic great-circle velocity, the recording's interpolated one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inkless.scenario import load_scenario
from inkless.simulation.civil import CivilTraffic, civil_traffic

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "airliner-in-the-raid.yaml"


def worst(traffic: CivilTraffic, dt: float, ticks: int) -> tuple[float, int]:
    """Largest velocity difference (m/s) over the active flights at every tick, leaving out a
    flight within 0.2 s of one of its waypoints (where either leg's velocity is right)."""
    vel = traffic.velocity_grid(dt, ticks).astype(float)
    errors = []
    for k in range(ticks):
        _, v, active = traffic.state(k * dt)
        assert (np.isfinite(vel[k, :, 0]) == active).all()
        ok = active.copy()
        if traffic.routes is not None:
            near = (np.abs(traffic.routes.t_wp - k * dt) < 0.2).any(axis=1)
            ok[: traffic.n_flights] &= ~near
        errors.append(np.linalg.norm(vel[k, ok] - v[ok], axis=1))
    err = np.concatenate(errors)
    return float(err.max()), err.size


def test_route_velocity_grid_matches_the_state() -> None:
    err, n = worst(civil_traffic(load_scenario(EXAMPLE)), 5.0, 1440)
    assert n > 2000
    assert err < 0.05  # m/s at 230 m/s: float32 and the chord of a 0.1 s arc


def test_recorded_velocity_grid_matches_the_state(recorded: Any) -> None:
    sc = recorded("data/samples/collections/switzerland.json.gz", -300, 20)
    err, n = worst(civil_traffic(sc), 10.0, 120)
    assert n > 500
    assert err < 0.01
