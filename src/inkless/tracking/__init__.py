"""Tracking stage: detections -> tracks (filters, association, initiation, fusion, scoring).

Data flow: ``sensing`` hands over detections per sensor look; ``tracker.step`` turns the previous
``Tracks`` table and one batch into the next one; ``identification`` reads the confirmed rows.
Frame: local ENU, metres, z up; state ``[x, y, z, vx, vy, vz]``; time in s since the epoch.

Modules: ``tracks`` (the struct-of-arrays table), ``kalman`` (batched NCV predict/update),
``measurement`` (unbiased converted radar measurements), ``association`` (gating and GNN on
clusters), ``tracker`` (one step and its config), ``replay`` (the loop over recorded scans),
``gospa`` (GOSPA metric), ``fusion`` (covariance intersection).
"""

from inkless.tracking.fusion import covariance_intersection
from inkless.tracking.gospa import Gospa, gospa, gospa_over_time
from inkless.tracking.kalman import nees, predict, update
from inkless.tracking.measurement import cartesian_noise, converted_measurement
from inkless.tracking.replay import CartesianSensor, Picture, replay
from inkless.tracking.tracker import (
    PdFunction,
    TrackerConfig,
    coverage_pd,
    in_picture,
    step,
    step_sources,
)
from inkless.tracking.tracks import CONFIRMED, TENTATIVE, Tracks

__all__ = [
    "CONFIRMED",
    "TENTATIVE",
    "CartesianSensor",
    "Gospa",
    "PdFunction",
    "Picture",
    "TrackerConfig",
    "Tracks",
    "cartesian_noise",
    "converted_measurement",
    "covariance_intersection",
    "coverage_pd",
    "gospa",
    "gospa_over_time",
    "in_picture",
    "nees",
    "predict",
    "replay",
    "step",
    "step_sources",
    "update",
]
