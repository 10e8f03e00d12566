"""Simulation: the truth of the raid, the sensor platforms and civil traffic."""

from .civil import civil_routes
from .platforms import SensorPlatforms
from .raid import BALLISTIC, CRUISE, DRONE, Raid, generate_raid

__all__ = [
    "BALLISTIC",
    "CRUISE",
    "DRONE",
    "Raid",
    "SensorPlatforms",
    "civil_routes",
    "generate_raid",
]
