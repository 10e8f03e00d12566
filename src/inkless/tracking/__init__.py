"""Tracking stage: detections -> tracks (filters, association, initiation, fusion, scoring).

Data flow: ``sensing`` hands over detections per sensor look; ``tracker.step`` turns the previous
``Tracks`` table and one batch into the next one; ``identification`` reads the confirmed rows.
Frame: local ENU, metres, z up; state ``[x, y, z, vx, vy, vz]``; time in s since the epoch.

Modules: ``tracks`` (the struct-of-arrays table), ``ids`` (track-number look-ups), ``kalman``
(batched NCV predict/update), ``gravity`` (prediction with gravity for ballistic tracks),
``measurement`` (unbiased converted radar measurements), ``association`` (gating and GNN on
clusters), ``tracker`` (one step and its config), ``replay`` (the loop over recorded scans),
``gospa`` (GOSPA metric), ``quality`` (picture scoring), ``fusion`` (covariance intersection).
The coalition picture: ``merging`` (reports of several sensors merged per object), ``picture``
(the picture's tables), ``numbering`` (track-to-track fusion, system track numbers,
reacquisition), ``releasability`` (who may receive a fused track), ``coalition_tracker`` (every
member tracker, fed scan by scan; the pictures on demand).
"""

from inkless.tracking.fusion import covariance_intersection
from inkless.tracking.gospa import Gospa, gospa, gospa_over_time
from inkless.tracking.kalman import nees, predict, update
from inkless.tracking.measurement import cartesian_noise, converted_measurement
from inkless.tracking.numbering import MAX_TRACK_ID
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
    "MAX_TRACK_ID",
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
