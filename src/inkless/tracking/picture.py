"""The coalition air picture as tables: a tracker's tracks with their simulation labels
(:class:`LabelledTracks`) and the picture shown at a time (:class:`CoalitionPicture`).

Where it sits: tracking, built by the coalition tracker
(:class:`inkless.tracking.coalition_tracker.CoalitionTracker`) and read by the engine (threat
evaluation, assignment) and the after-action. Frame: the common ENU frame of
:class:`inkless.sensing.EnuFrame`, metres and m/s; time in s since the epoch.

Simulation labels (never used by the tracker): each detection's truth object travels with it;
each track counts its detections per kind of object (the threat classes, civil, false alarm) and
is labelled with the object it follows: a Boyer-Moore streaming majority vote whose counter is
held at :data:`_RUN_CAP`, so that the label moves to another object once the track has taken
``_RUN_CAP + 1`` of its detections in a row (a track that moved from a fighter to the drone it
was intercepting is the drone's), never on one stray detection. They score the picture and the
identification in
the after-action (``kind``: the kind that produced most of a track's detections); decisions use
the identification stage's identities, never these labels. The tracker step says which
detection updated or started each track (:func:`inkless.tracking.step_sources`).
"""


from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64, U64
from inkless.sensing import EnuFrame

from .gravity import gravity_shift
from .kalman import predict
from .tracker import TrackerConfig
from .tracks import Tracks

__all__ = [
    "KIND_CIVIL",
    "KIND_FALSE",
    "N_KINDS",
    "CoalitionPicture",
    "LabelledTracks",
    "labelled",
    "picture_rows",
    "score_at",
]

#: Columns of the per-track detection counts: threat classes 0-2, then these two.
KIND_CIVIL, KIND_FALSE = 3, 4
N_KINDS = 5


_MEMBERS, _VOTES, _OBJ, _RUN = 0, slice(1, 1 + N_KINDS), 1 + N_KINDS, 2 + N_KINDS
_LABEL_COLUMNS = 3 + N_KINDS
#: The label's vote counter is held at most this: a track that has moved to another object is
#: labelled with it from the (cap + 1)-th detection of it in a row (a single stray detection,
#: a false alarm or a crossing, never moves it).
_RUN_CAP = 3


@dataclass(frozen=True, slots=True, eq=False)
class LabelledTracks:
    """One tracker's table and, row-aligned, what the simulation knows about each track.

    ``labels (n, 8) int64`` holds, per track: the provenance bits (bit ``k`` set when a sensor of
    member row ``k`` contributed a detection), the detections per kind of object that produced
    them (ballistic, cruise, drone, civil, false alarm; simulation only), the object row it
    follows (-1: false alarm; simulation only) and that vote's counter. One array, so
    that following the tracker's row changes costs one gather.
    """

    tracks: Tracks
    labels: I64

    @classmethod
    def empty(cls, t: float = 0.0) -> LabelledTracks:
        """No tracks at time ``t`` (s)."""
        return cls(Tracks.empty(t), np.zeros((0, _LABEL_COLUMNS), np.int64))

    @classmethod
    def of_member(cls, tracks: Tracks, member: int, votes: NDArray[np.int32] | None = None,
                  obj: I64 | None = None) -> LabelledTracks:
        """``tracks`` of member row ``member``'s own tracker, every one with its provenance bit;
        ``votes (n, N_KINDS)``, ``obj (n,)``: the simulation's labels of each (default none: no
        detections counted, object -1)."""
        labels = np.zeros((len(tracks), _LABEL_COLUMNS), np.int64)
        labels[:, _MEMBERS] = 1 << member
        labels[:, _OBJ] = -1 if obj is None else obj
        if votes is not None:
            labels[:, _VOTES] = votes
        return cls(tracks, labels)

    def __len__(self) -> int:
        return len(self.tracks)

    @property
    def members(self) -> U64:
        """``(n,) uint64`` provenance bits."""
        return self.labels[:, _MEMBERS].astype(np.uint64)

    @property
    def votes(self) -> NDArray[np.int32]:
        """``(n, N_KINDS)`` detections per kind of object (simulation only)."""
        return self.labels[:, _VOTES].astype(np.int32)

    @property
    def obj(self) -> I64:
        """``(n,)`` the object row each track follows, -1 for a false alarm (simulation
        only; module docstring)."""
        return self.labels[:, _OBJ]


def labelled(held: LabelledTracks, after: Tracks, det_of: I64, truth: I64, kinds: I64,
              bits: I64) -> LabelledTracks:
    """The labels of ``held`` carried to the tracker's table ``after`` a batch of reports
    (``det_of``: the report that updated or started each row, -1 none; what the simulation
    knows of each report: ``truth`` object row, ``kinds (m, N_KINDS)`` reports per kind of
    object merged in it, member ``bits``)."""
    before = held.tracks
    n = len(after)
    kept = int(after.id.searchsorted(before.next_id))  # old rows first, new ones after
    old = before.id.searchsorted(after.id[:kept])
    if truth.shape[0] == 0:  # no report: tracks were only deleted
        return LabelledTracks(after, held.labels.take(old, axis=0))
    labels = np.zeros((n, _LABEL_COLUMNS), np.int64)
    held.labels.take(old, axis=0, out=labels[:kept], mode="clip")  # (clip: unbuffered)
    rows = (det_of >= 0).nonzero()[0]
    if rows.size:
        d = det_of.take(rows)
        lab = labels.take(rows, axis=0)
        lab[:, _MEMBERS] |= bits.take(d)
        lab[:, _VOTES] += kinds.take(d, axis=0)
        label = truth.take(d)
        obj, run = lab[:, _OBJ], lab[:, _RUN]
        np.copyto(obj, label, where=run == 0)  # a label without votes takes the report's
        run += np.where(obj == label, 1, -1)  # (so it agrees with it)
        np.minimum(run, _RUN_CAP, out=run)
        labels[rows] = lab
    return LabelledTracks(after, labels)


@dataclass(frozen=True, slots=True, eq=False)
class CoalitionPicture:
    """The fused air picture at time ``t`` (s): one row per confirmed track, ENU frame.

    Attributes:
        id: ``(n,) int64`` track numbers (stable while a track lives; a track-sharing member's
            own tracks that match nothing carry ``(member + 1) << 40 | its id``).
        x, P: ``(n, 6)`` state (m, m/s) and ``(n, 6, 6)`` covariance at ``t``.
        quality: ``(n,)`` track score (log odds that the track is a real target).
        members: ``(n,) uint64`` provenance bits (member rows whose sensors contributed).
        release: ``(n,) uint64`` releasability: bit ``r`` set when member row ``r`` may
            receive the track (:func:`release_bits`).
        votes, obj: simulation labels (see :class:`LabelledTracks`), never shown to a member.
    """

    t: float
    id: I64
    x: F64
    P: F64
    quality: F64
    members: U64
    release: U64
    votes: NDArray[np.int32]
    obj: I64

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @property
    def kind(self) -> I64:
        """Truth label per track: the kind of object (threat class 0-2, ``KIND_CIVIL``,
        ``KIND_FALSE``) that produced most of its detections. Simulation only: for scoring and
        the after-action, never for a decision (identities come from the identification)."""
        return np.asarray(np.argmax(self.votes, axis=1), dtype=np.int64) if len(self) else (
            np.zeros(0, np.int64))

    def numbered(self, ids: I64, release: U64 | None = None) -> CoalitionPicture:
        """The picture with its rows shown under ``ids`` (and labelled ``release``)."""
        return CoalitionPicture(self.t, ids, self.x, self.P, self.quality, self.members,
                                self.release if release is None else release, self.votes,
                                self.obj)

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> CoalitionPicture:
        """The picture restricted to ``rows``."""
        return CoalitionPicture(self.t, self.id[rows], self.x[rows], self.P[rows],
                                self.quality[rows], self.members[rows], self.release[rows],
                                self.votes[rows], self.obj[rows])

    @classmethod
    def empty(cls, t: float) -> CoalitionPicture:
        """No tracks at ``t``."""
        return cls(float(t), np.zeros(0, np.int64), np.zeros((0, 6)), np.zeros((0, 6, 6)),
                   np.zeros(0), np.zeros(0, np.uint64), np.zeros(0, np.uint64),
                   np.zeros((0, N_KINDS), np.int32), np.zeros(0, np.int64))


def picture_rows(held: LabelledTracks, t: float, config: TrackerConfig,
                 frame: EnuFrame) -> CoalitionPicture:
    """A tracker's air picture at ``t``: its confirmed tracks in the picture
    (:func:`inkless.tracking.in_picture`, on the scores decayed to ``t``, :func:`score_at`),
    predicted to ``t``; releasability not yet set."""
    tracks = held.tracks
    quality = score_at(tracks, t, config)
    show = (tracks.confirmed & (quality >= config.show_score)).nonzero()[0]  # in_picture
    dt = float(t) - tracks.t
    x, P = predict(gravity_shift(tracks.x.take(show, axis=0), dt, frame),
                   tracks.P.take(show, axis=0), dt, config.q)
    lab = held.labels.take(show, axis=0)
    return CoalitionPicture(float(t), tracks.id.take(show), x, P, quality.take(show),
                            lab[:, _MEMBERS].astype(np.uint64), np.zeros(show.size, np.uint64),
                            lab[:, _VOTES].astype(np.int32), lab[:, _OBJ])


def score_at(tracks: Tracks, t: float, config: TrackerConfig) -> F64:
    """Track scores decayed to ``t`` (s) as the tracker's next step would decay them: the
    existence probability times ``exp(-death_rate (t - tracks.t))`` (log odds). A track that no
    sensor expects to see is not stepped, so without this it would stay in the picture forever."""
    dt = float(t) - tracks.t
    if dt <= 0.0:
        return tracks.quality
    r = np.exp(-config.death_rate * dt) / (1.0 + np.exp(-tracks.quality))
    return np.minimum(np.maximum(np.log(r) - np.log1p(-r), -50.0), config.score_cap)
