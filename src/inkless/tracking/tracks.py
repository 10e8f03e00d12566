"""The track table: every track the tracker holds, as one struct of arrays.

Where it sits: ``sensing`` -> **tracking** -> ``identification``. ``tracker.step`` takes a table and
one batch of detections and returns a new table; nothing here holds a Python object per track.

Frame: local Cartesian ENU, metres, z up; state ``[x, y, z, vx, vy, vz]`` (m, m/s); time in
seconds since the scenario epoch. All tracks in a table are estimated at the same time ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["CONFIRMED", "TENTATIVE", "Tracks"]

TENTATIVE = np.int8(0)
"""Status of a track that has not yet met the confirmation rule (not in the air picture)."""
CONFIRMED = np.int8(1)
"""Status of a track in the air picture."""


@dataclass(frozen=True, slots=True, eq=False)
class Tracks:
    """Struct-of-arrays track table, one row per track, rows in increasing ``id``.

    Attributes:
        id: ``(n,) int64`` stable track numbers; a number is never reused in a run.
        x: ``(n, 6) float64`` state ``[x, y, z, vx, vy, vz]`` in ENU, m and m/s, at time ``t``.
        P: ``(n, 6, 6) float64`` state covariance, same units.
        hits: ``(n,) int32`` detections associated since the track was born (its first included).
        misses: ``(n,) int32`` consecutive sensor looks (detection probability > 0) without one.
        looks: ``(n,) int32`` sensor looks since birth, the ``N`` of the M-of-N rule.
        status: ``(n,) int8`` ``TENTATIVE`` or ``CONFIRMED``.
        quality: ``(n,) float64`` track score: log-likelihood ratio target vs false alarm
            (Blackman & Popoli 1999, sec. 6.2), capped by ``TrackerConfig.score_cap``.
        t_update: ``(n,) float64`` time of the last associated detection, s.
        t: time of every state in the table, s since the scenario epoch.
        next_id: the number the next new track will get.
        mu: ``(n,) float64`` probability that the target manoeuvres (model 1 of the IMM,
            :mod:`inkless.tracking.imm`); without one a broadcast view of 0.
        xm: ``(n, 2, 6) float64`` the IMM models' states (``x`` is their mixture); without an
            IMM (or not given, as for a member node's tracks) ``x`` twice, a broadcast view.
        Pm: ``(n, 2, 6, 6) float64`` the models' covariances, likewise.

    Memory is linear in tracks: ``bytes_per_track`` (about 390 bytes, 1,060 with the IMM's
    models) times ``len(tracks)``.
    Arrays are shared between successive tables; treat them as read-only.
    """

    id: NDArray[np.int64]
    x: NDArray[np.float64]
    P: NDArray[np.float64]
    hits: NDArray[np.int32]
    misses: NDArray[np.int32]
    looks: NDArray[np.int32]
    status: NDArray[np.int8]
    quality: NDArray[np.float64]
    t_update: NDArray[np.float64]
    t: float = 0.0
    next_id: int = 0
    mu: NDArray[np.float64] = None  # type: ignore[assignment]  # set by __post_init__
    xm: NDArray[np.float64] = None  # type: ignore[assignment]
    Pm: NDArray[np.float64] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        """Tables given without IMM columns: :func:`_single_model`."""
        if self.mu is None or self.xm is None or self.Pm is None:
            mu, xm, Pm = _single_model(self.x, self.P)
            object.__setattr__(self, "mu", mu if self.mu is None else self.mu)
            object.__setattr__(self, "xm", xm if self.xm is None else self.xm)
            object.__setattr__(self, "Pm", Pm if self.Pm is None else self.Pm)

    @classmethod
    def empty(cls, t: float = 0.0, next_id: int = 0) -> Tracks:
        """A table with no tracks at time ``t`` (s)."""
        return cls(
            id=np.empty(0, np.int64),
            x=np.empty((0, 6)),
            P=np.empty((0, 6, 6)),
            hits=np.empty(0, np.int32),
            misses=np.empty(0, np.int32),
            looks=np.empty(0, np.int32),
            status=np.empty(0, np.int8),
            quality=np.empty(0),
            t_update=np.empty(0),
            t=float(t),
            next_id=int(next_id),
        )

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @property
    def confirmed(self) -> NDArray[np.bool_]:
        """``(n,) bool``: rows in the air picture."""
        return self.status == CONFIRMED

    @property
    def bytes_per_track(self) -> int:
        """State bytes held per track (sum of the per-row itemsizes of every column)."""
        cols: list[NDArray[Any]] = [self.id, self.x, self.P, self.hits, self.misses,
                                    self.looks, self.status, self.quality, self.t_update]
        if self.has_models:
            cols += [self.mu, self.xm, self.Pm]
        return int(sum(c.itemsize * int(np.prod(c.shape[1:], dtype=np.int64)) for c in cols))

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> Tracks:
        """The table restricted to ``rows`` (indices or a boolean mask); same ``t``, ``next_id``."""
        return Tracks(
            id=self.id[rows], x=self.x[rows], P=self.P[rows], hits=self.hits[rows],
            misses=self.misses[rows], looks=self.looks[rows], status=self.status[rows],
            quality=self.quality[rows], t_update=self.t_update[rows], t=self.t,
            next_id=self.next_id, **({"mu": self.mu[rows], "xm": self.xm[rows],
                                      "Pm": self.Pm[rows]} if self.has_models else {}),
        )

    @property
    def has_models(self) -> bool:
        """Whether ``xm``, ``Pm`` hold the IMM's models (else views of ``x``, ``P``)."""
        return bool(self.xm.strides[1] != 0)


def _single_model(x: NDArray[np.float64], P: NDArray[np.float64]
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The IMM columns of a table without one: ``mu`` 0, both models' states and covariances
    ``x`` and ``P`` themselves (read-only broadcast views, no memory per track)."""
    n = x.shape[0]
    return (np.broadcast_to(np.float64(0.0), (n,)), np.broadcast_to(x[:, None], (n, 2, 6)),
            np.broadcast_to(P[:, None], (n, 2, 6, 6)))
