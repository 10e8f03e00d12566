"""Threat evaluation: what each threat puts at risk (on the perfect picture, or from tracks)."""

from .predicted import TrackThreat, ballistic_impact, evaluate_tracks, position_at, predicted_path
from .value import value_at_risk

__all__ = [
    "TrackThreat",
    "ballistic_impact",
    "evaluate_tracks",
    "position_at",
    "predicted_path",
    "value_at_risk",
]
