"""Threat evaluation of tracks: what each candidate track puts at risk, with its covariance.

Where it sits: threat evaluation on the tracked picture, after identification, before
assignment. A track taken as a threat of a class: its asset probabilities
(:func:`inkless.threat.asset_probabilities`: the impact ellipse of a ballistic track, the
cross-track miss of the others), the most likely asset, the expected value at risk (the sum
over assets of the probability of a hit times the asset's remaining value times the class's
lethality, :func:`inkless.threat.expected_value_at_risk`) and the predicted end of flight.
Inputs are tracks, never the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inkless.arrays import F64, I64, B
from inkless.scenario.model import THREAT_CLASSES, Scenario
from inkless.scenario.tables import AssetTable
from inkless.simulation import BALLISTIC

from .probability import AssetRisk, asset_probabilities
from .value import expected_value_at_risk

__all__ = ["TrackThreats", "class_lethality", "evaluate_tracks"]


@dataclass(frozen=True)
class TrackThreats:
    """Per candidate track: ``asset`` the most likely asset hit (-1: none), ``value`` the
    expected value at risk (value units), ``t_end`` the predicted end of flight (s since the
    epoch), ``ballistic`` whether it flies a Keplerian arc, ``pos``, ``vel`` ECEF position (m)
    and velocity (m/s) at the decision."""

    asset: I64
    value: F64
    t_end: F64
    ballistic: B
    pos: F64
    vel: F64


def class_lethality(scenario: Scenario) -> F64:
    """``(3,)`` the lethality the defence assumes for a threat of each class (ballistic,
    cruise, drone): the count-weighted mean over the scenario's waves of that class (its order
    of battle), the schema's default 0.5 for a class with no wave."""
    total = np.zeros(len(THREAT_CLASSES))
    count = np.zeros(len(THREAT_CLASSES))
    for w in scenario.raid.waves:
        c = THREAT_CLASSES.index(w.threat_class)
        total[c] += w.count * w.lethality
        count[c] += w.count
    out: F64 = np.where(count > 0, total / np.maximum(count, 1), 0.5)
    return out


def evaluate_tracks(t: float, pos: F64, vel: F64, P: F64, cls: I64, assets: AssetTable,
                    remaining: F64, lethality: F64, engage_undefended: bool,
                    rot: F64, risk: AssetRisk | None = None) -> TrackThreats:
    """Evaluate candidate tracks at ``t`` (s): ``pos``, ``vel`` ``(c, 3)`` ECEF (m, m/s),
    ``P (c, 6, 6)`` their covariance in the ENU frame whose ECEF->ENU rotation is ``rot``,
    ``cls (c,)`` the class each is taken as; ``remaining (a,)`` the assets' remaining values,
    ``lethality (3,)`` per class (:func:`class_lethality`). ``risk``: the tracks' asset
    probabilities when already computed (:func:`asset_probabilities` of these tracks at ``t``,
    e.g. with other tracks in one batch: :meth:`AssetRisk.take`)."""
    ballistic = cls == BALLISTIC
    if risk is None:
        risk = asset_probabilities(t, pos, vel, P, ballistic, assets.ecef, assets.alt,
                                   assets.radius, rot=rot)
    value = expected_value_at_risk(risk.prob, lethality[cls], remaining, engage_undefended)
    return TrackThreats(risk.asset, value, risk.t_impact, ballistic, pos, vel)
