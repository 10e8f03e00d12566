"""Threat evaluation: what each threat puts at risk (on the perfect picture, or from tracks).

Tracked picture, with covariance: :func:`impact_ellipse` (ballistic impact point, time and their
uncertainty), :func:`asset_probabilities` (probability of each track coming down on each asset,
the most likely asset, time to go), :func:`expected_value_at_risk`, all three composed for
candidate tracks by :func:`evaluate_tracks`; predicted paths for the feasibility of shots:
:func:`predicted_path`. Perfect picture: :func:`value_at_risk`.
"""

from .ellipse import ImpactEllipse, covariance_to_ecef, impact_ellipse
from .evaluation import TrackThreats, class_lethality, evaluate_tracks
from .predicted import ballistic_impact, path_altitude, position_at, predicted_path
from .probability import P_NEGLIGIBLE, AssetRisk, asset_probabilities, disc_probability
from .value import expected_value_at_risk, value_at_risk

__all__ = [
    "P_NEGLIGIBLE",
    "AssetRisk",
    "ImpactEllipse",
    "TrackThreats",
    "asset_probabilities",
    "ballistic_impact",
    "class_lethality",
    "covariance_to_ecef",
    "disc_probability",
    "evaluate_tracks",
    "expected_value_at_risk",
    "impact_ellipse",
    "path_altitude",
    "position_at",
    "predicted_path",
    "value_at_risk",
]
