"""Engagement: interceptors in flight, kill draws (common random numbers), outcomes."""

from .flyout import KILL, LOST, MISS, PENDING, RESULT_NAMES, InFlight, KillDraws, resolve

__all__ = ["KILL", "LOST", "MISS", "PENDING", "RESULT_NAMES", "InFlight", "KillDraws", "resolve"]
