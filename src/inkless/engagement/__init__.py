"""Engagement: interceptors in flight, kill draws (common random numbers), midcourse guidance
and the seeker basket, outcomes."""

from .flyout import KILL, LOST, MISS, PENDING, RESULT_NAMES, InFlight, KillDraws, resolve
from .guidance import basket_check, midcourse

__all__ = ["KILL", "LOST", "MISS", "PENDING", "RESULT_NAMES", "InFlight", "KillDraws",
           "basket_check", "midcourse", "resolve"]
