"""Engagement: interceptors in flight, kill draws, outcomes."""

from .flyout import KILL, LOST, MISS, PENDING, RESULT_NAMES, InFlight, resolve

__all__ = ["KILL", "LOST", "MISS", "PENDING", "RESULT_NAMES", "InFlight", "resolve"]
