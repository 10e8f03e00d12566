"""The coalition air picture: per-member trackers, fusion across members, releasability, views.

Where it sits: tracking, fed by ``sensing`` (radar reports per scan) and read by the pipeline
(threat evaluation, assignment) and the after-action. Frame: the common ENU frame of
:class:`inkless.sensing.EnuFrame`, metres and m/s; time in s since the epoch.

How the picture is built (each member's ``shares`` setting in the scenario says which way):

* **centralised measurement fusion**: the reports of every sensor of the members that share
  detections go into ONE tracker (:func:`inkless.tracking.step`). The reports of the sensors
  that scan at the same time are first merged per object (:func:`merge_reports`: parallel
  measurement fusion, which for independent errors gives the same estimate as updating with each
  sensor's report in turn) and go in as one batch, whose detection probability for a track is
  that at least one of the sensors sees it: one tracker step per decision time, not one per
  sensor, which is what keeps a run with a dozen radars fast;
* **track-to-track fusion**: a member that shares only tracks runs its own tracker on its own
  sensors; at each decision time its confirmed tracks are associated with the picture
  (chi-square gate on position, global nearest neighbour by ``linear_sum_assignment``) and fused
  by covariance intersection (:func:`inkless.tracking.covariance_intersection`: the
  cross-correlation between the two trackers' errors is unknown); the others are added. Track
  numbers persist across fusion (:class:`TrackNumbers`): a member's track joined to a
  coalition track keeps that number when it is alone again, so that shots and kills stay with
  the object and a duplicate is never engaged as a new threat;
* a member that shares nothing contributes nothing (its sensors still feed its own tracker, so
  its own view holds what it sees itself).

Ballistic motion: a track faster than :data:`inkless.sensing.BALLISTIC_SPEED` is predicted with
gravity as a known control input (``x += v dt + g dt^2 / 2``, ``v += g dt``, ``g = -mu r/|r|^3``
at the track's position, Kepler's point-mass Earth as the truth uses), applied around the
tracker's near-constant-velocity prediction; the covariance is the NCV one. Without it a
ballistic track lags by kilometres (a constant 9.8 m/s^2 that the NCV model's small process noise
cannot follow) and breaks.

Provenance and releasability: every track carries the bitmask of the members whose sensors
contributed to it (bit ``k``: member row ``k``); the fused picture's releasability label is the
bitmask of members it may be released to: those to whom *every* contributor releases its tracks
(:func:`inkless.coalition.releasable`, data kind ``tracks``: a fused track reveals all its
sources). What a member holds itself is the track built from what it may see
(:meth:`CoalitionTracker.view`): its own sensors and what the others release to it, never less
than its own sensors alone would give.

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

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from inkless.coalition import Member, releasable
from inkless.physics.ballistic import MU_EARTH
from inkless.sensing import BALLISTIC_SPEED, Detections, EnuFrame, ExpectedPd

from .fusion import covariance_intersection
from .kalman import inv3, predict, spread
from .measurement import converted_measurement
from .tracker import Batch, TrackerConfig, step_many
from .tracks import Tracks

__all__ = [
    "KIND_CIVIL",
    "KIND_FALSE",
    "N_KINDS",
    "PICTURE_CONFIG",
    "CoalitionPicture",
    "CoalitionTracker",
    "EndedTracks",
    "LabelledTracks",
    "TrackNumbers",
    "assemble",
    "can_release",
    "gravity_enu",
    "isin_ids",
    "measurements",
    "merge_reports",
    "picture_rows",
    "predict_to",
    "reacquire",
    "release_bits",
    "score_at",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]

#: Columns of the per-track detection counts: threat classes 0-2, then these two.
KIND_CIVIL, KIND_FALSE = 3, 4
N_KINDS = 5
_FUSION_GATE = 21.11  # chi-square 99.99 % point, 3 dof, on the position difference
_MERGE_GATE = 21.11  # the same, for merging reports of one object by several sensors
_LOCAL_ID = 40  # ids of tracks added by a track-sharing member: (member + 1) << 40 | local id


def _lookup(keys: I64, q: I64) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Where each of ``q`` is in ``keys`` (sorted ascending) and whether it is there (``at`` is
    a valid index wherever ``found``, 0 elsewhere when ``keys`` is empty)."""
    if keys.size == 0:
        return np.zeros(q.shape, np.intp), np.zeros(q.shape, bool)
    at = np.minimum(np.searchsorted(keys, q), keys.size - 1)
    return at, keys[at] == q


def isin_ids(a: I64, b: I64) -> NDArray[np.bool_]:
    """``np.isin(a, b)`` for integer arrays (track numbers), by binary search in ``b`` sorted
    (the same answer, without ``np.isin``'s fixed cost, which dominates on the few dozen tracks
    of a picture)."""
    return _lookup(np.sort(b), a)[1]


# ----------------------------------------------------------------------------- measurements
def measurements(det: Detections) -> tuple[F64, F64]:
    """Cartesian positions ``z (m, 3)`` and covariances ``R (m, 3, 3)`` in the common frame.

    The unbiased converted measurement of each polar report in its sensor's local frame
    (:func:`inkless.tracking.converted_measurement`), rotated into the common ENU frame:
    ``z = C z_local + s``, ``R = C R_local C^T`` (``C`` the detection's ``to_common``).
    """
    if len(det) == 0:
        return np.empty((0, 3)), np.empty((0, 3, 3))
    z_loc, r_loc = converted_measurement(
        det.range_m, det.az, det.el, det.sigma[:, 0], det.sigma[:, 1], det.sigma[:, 2],
        np.zeros(3),
    )
    c = det.to_common
    z = np.einsum("kij,kj->ki", c, z_loc) + det.sensor_pos
    cov = c @ r_loc @ np.swapaxes(c, 1, 2)
    return z, 0.5 * (cov + np.swapaxes(cov, 1, 2))


# ----------------------------------------------------------------------------- prediction
def gravity_enu(frame: EnuFrame, pos: F64) -> F64:
    """Point-mass gravity ``-mu r / |r|^3`` (m/s^2) at ENU positions ``pos (n, 3)``, in ENU."""
    r = frame.to_ecef(pos)
    g = -MU_EARTH * r / np.linalg.norm(r, axis=1, keepdims=True) ** 3
    return np.asarray(g @ frame.rot.T)


def _fast(x: F64) -> NDArray[np.bool_]:
    return np.asarray(np.einsum("ni,ni->n", x[:, 3:], x[:, 3:]) > BALLISTIC_SPEED**2)


def _gravity_shift(x: F64, dt: float, frame: EnuFrame) -> F64:
    """States ``x (n, 6)`` shifted so that the NCV prediction over ``dt`` adds gravity to fast
    ones: ``v += g dt`` and ``x -= g dt^2 / 2`` now, so ``x + v dt`` later is
    ``x + v dt + g dt^2/2`` (``x`` itself when nothing moves)."""
    if dt <= 0.0 or len(x) == 0:
        return x
    fast = _fast(x)
    if not fast.any():
        return x
    g = gravity_enu(frame, x[fast, :3])
    x = x.copy()
    x[fast, 3:] += g * dt
    x[fast, :3] -= 0.5 * g * dt * dt
    return x


def _with_gravity(tracks: Tracks, dt: float, frame: EnuFrame) -> Tracks:
    """The table with its states shifted by :func:`_gravity_shift` over ``dt``."""
    x = _gravity_shift(tracks.x, dt, frame)
    if x is tracks.x:
        return tracks
    return Tracks(tracks.id, x, tracks.P, tracks.hits, tracks.misses, tracks.looks, tracks.status,
                  tracks.quality, tracks.t_update, tracks.t, tracks.next_id)


def predict_to(tracks: Tracks, t: float, q: float, frame: EnuFrame) -> tuple[F64, F64]:
    """States ``(n, 6)`` and covariances ``(n, 6, 6)`` of every track predicted to ``t`` (s),
    gravity-aware (module docstring)."""
    dt = float(t) - tracks.t
    return predict(_gravity_shift(tracks.x, dt, frame), tracks.P, dt, q)


# ----------------------------------------------------------------------------- labelled tracks
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


def _labelled(held: LabelledTracks, after: Tracks, det_of: I64, truth: I64, kinds: I64,
              bits: I64) -> LabelledTracks:
    """The labels of ``held`` carried to the tracker's table ``after`` a batch of reports
    (``det_of``: the report that updated or started each row, -1 none; what the simulation
    knows of each report: ``truth`` object row, ``kinds (m, N_KINDS)`` reports per kind of
    object merged in it, member ``bits``)."""
    before = held.tracks
    n = len(after)
    kept = after.id < before.next_id
    old = np.searchsorted(before.id, after.id[kept])
    if truth.shape[0] == 0:  # no report: tracks were only deleted
        return LabelledTracks(after, held.labels[old])
    labels = np.zeros((n, _LABEL_COLUMNS), np.int64)
    labels[kept] = held.labels[old]
    rows = (det_of >= 0).nonzero()[0]
    if rows.size:
        d = det_of[rows]
        lab = labels[rows]
        lab[:, _MEMBERS] |= bits[d]
        lab[:, _VOTES] += kinds[d]
        label = truth[d]
        empty = lab[:, _RUN] == 0
        agree = lab[:, _OBJ] == label
        lab[:, _OBJ] = np.where(empty, label, lab[:, _OBJ])
        lab[:, _RUN] = np.minimum(lab[:, _RUN] + np.where(empty | agree, 1, -1), _RUN_CAP)
        labels[rows] = lab
    return LabelledTracks(after, labels)


def merge_reports(z: F64, R: F64, group: I64, gate_d2: float = _MERGE_GATE,
                  pairs: tuple[I64, I64] | None = None) -> tuple[F64, F64, I64]:
    """Reports of several sensors at one time merged into one report per object.

    Two reports of different sensors (``group``) may be of one object when the squared
    Mahalanobis distance of their difference (covariance ``R_a + R_b``) is inside the chi-square
    gate ``gate_d2`` (3 dof) and each is the other's nearest among its sensor's reports. The
    connected groups of such pairs in which no sensor reports twice are merged in information
    form, ``R = (sum R_i^-1)^-1``, ``z = R sum R_i^-1 z_i``; the rare others are merged sensor
    by sensor by global nearest neighbour (``linear_sum_assignment``) on that distance. For
    independent Gaussian errors the Kalman update with the merged report equals the updates with
    each report in turn
    (parallel and sequential measurement fusion agree; Bar-Shalom, Willett & Tian, *Tracking
    and Data Fusion*, 2011, ch. 8). Returns the merged ``z (k, 3)``, ``R (k, 3, 3)`` and, per
    input report, the merged report it went into ``(m,)``. ``pairs``: the reports' pairs
    (:func:`mutual_pairs`), when already known.
    """
    m = z.shape[0]
    if m <= 1 or np.all(group == group[0]):
        return z, R, np.arange(m, dtype=np.int64)
    ii, jj = mutual_pairs(z, R, group, gate_d2) if pairs is None else pairs
    if ii.size == 0:  # no pair in the gate (else its nearest pair is mutual)
        return z, R, np.arange(m, dtype=np.int64)
    n_groups = int(group.max()) + 1
    comp = _components(ii, jj, m)
    # clean components: every sensor at most once (ambiguous: a sensor's key twice)
    key = np.sort(comp * n_groups + group)
    twice = key[1:][key[1:] == key[:-1]] // n_groups
    clean = ~isin_ids(comp, twice) if twice.size else np.ones(m, bool)
    zc, Rcl = (z, R) if not twice.size else (z[clean], R[clean])
    labels, at = np.unique(comp[clean], return_inverse=True)
    info, _ = inv3(Rcl)
    Isum = _sum_by(at, info, labels.size)
    Iz = _sum_by(at, np.einsum("kij,kj->ki", info, zc), labels.size)
    Rc, _ = inv3(Isum)
    zs, Rs = [np.einsum("kij,kj->ki", Rc, Iz)], [0.5 * (Rc + np.swapaxes(Rc, 1, 2))]
    into = np.full(m, -1, np.int64)
    into[clean] = at
    k = labels.size
    for c in np.unique(twice).tolist():  # ambiguous groups: few, small
        idx = np.flatnonzero(comp == c)
        zc, Rcc, local = _merge_in_turn(z[idx], R[idx], group[idx], gate_d2)
        into[idx] = k + local
        zs.append(zc)
        Rs.append(Rcc)
        k += zc.shape[0]
    return np.concatenate(zs), np.concatenate(Rs), into


def mutual_pairs(z: F64, R: F64, group: I64, gate_d2: float = _MERGE_GATE) -> tuple[I64, I64]:
    """The pairs ``(i, j)``, ``i < j``, of :func:`merge_reports`: reports of different sensors
    (``group``) inside the chi-square gate, each the other's nearest among its sensor's reports.

    Dropping every report of some sensors drops exactly the pairs with one of them: a report's
    nearest among another sensor's reports does not depend on the others' (what
    :meth:`CoalitionTracker.scan` uses for trackers fed by fewer sensors)."""
    m = z.shape[0]
    if m <= 1:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tr = spread(R)  # exact pre-test (kalman.spread), before any inversion
    near = cdist(z, z, "sqeuclidean") <= gate_d2 * (tr[:, None] + tr[None, :])
    near &= group[:, None] < group[None, :]  # each pair once, never within a sensor
    ii, jj = np.divmod(np.flatnonzero(near), m)  # np.nonzero's pairs, without its 2-D cost
    if ii.size == 0:
        return ii, jj
    Sinv, _ = inv3(np.take(R, ii, axis=0) + np.take(R, jj, axis=0))
    nu = z[ii] - z[jj]
    d2 = np.einsum("ki,kij,kj->k", nu, Sinv, nu)
    ok = d2 < gate_d2
    ii, jj, d2 = ii[ok], jj[ok], d2[ok]
    # keep a pair only if each report is the other's nearest among its sensor's reports
    n_groups = int(group.max()) + 1
    mutual = _first_per_key(ii * n_groups + group[jj], d2) & _first_per_key(
        jj * n_groups + group[ii], d2)
    return ii[mutual], jj[mutual]


def _pairs_among(pairs: tuple[I64, I64], rows: I64, m: int) -> tuple[I64, I64]:
    """The ``pairs`` of ``m`` reports with both ends in ``rows`` (increasing), numbered as
    rows of ``rows``."""
    local = np.full(m, -1, np.int64)
    local[rows] = np.arange(rows.size)
    ii, jj = local[pairs[0]], local[pairs[1]]
    both = (ii >= 0) & (jj >= 0)
    return ii[both], jj[both]


def _sum_by(at: I64, values: F64, n: int) -> F64:
    """``(n, ...)``: row ``a`` is the sum of the rows ``values[i]`` with ``at[i] == a``, added in
    order (as ``np.add.at``, at the cost of one ``bincount`` over the flattened entries)."""
    w = int(np.prod(values.shape[1:]))
    flat = values.reshape(values.shape[0], w)  # (not -1: no rows is a shape too)
    key = (at[:, None] * w + np.arange(w)).ravel()
    out = np.bincount(key, weights=flat.ravel(), minlength=n * w)
    return out.reshape((n, *values.shape[1:]))


def _first_per_key(key: I64, value: F64) -> NDArray[np.bool_]:
    """``(k,)``: the entry with the smallest ``value`` among those sharing its ``key``."""
    order = np.lexsort((value, key))
    first = np.ones(key.size, bool)
    first[1:] = key[order[1:]] != key[order[:-1]]
    out = np.zeros(key.size, bool)
    out[order[first]] = True
    return out


def _components(ii: I64, jj: I64, m: int) -> I64:
    """Connected component (smallest member) of each of ``m`` nodes linked by pairs ``ii-jj``
    (min-label propagation; a few sweeps for the small groups of reports of one object)."""
    label = np.arange(m)
    while True:
        new = label.copy()
        np.minimum.at(new, ii, label[jj])
        np.minimum.at(new, jj, label[ii])
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


def _merge_in_turn(z: F64, R: F64, group: I64, gate_d2: float) -> tuple[F64, F64, I64]:
    """:func:`merge_reports` sensor by sensor (in ``group`` order): each sensor's
    reports are paired with the merged ones so far by global nearest neighbour in the gate."""
    m = z.shape[0]
    into = np.full(m, -1, np.int64)
    order = np.argsort(group, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], m]
    first = order[starts[0]:ends[0]]
    Fz, FR = z[first].copy(), R[first].copy()
    into[first] = np.arange(first.size)
    for a, b in zip(starts[1:].tolist(), ends[1:].tolist(), strict=True):
        rows = order[a:b]
        zg, Rg = z[rows], R[rows]
        k = Fz.shape[0]
        Sinv = inv3((FR[:, None] + Rg[None, :]).reshape(-1, 3, 3))[0].reshape(k, b - a, 3, 3)
        nu = Fz[:, None, :] - zg[None, :, :]
        d2 = np.einsum("fgi,fgij,fgj->fg", nu, Sinv, nu)
        fi, gj = _gnn(np.where(d2 < gate_d2, d2, np.inf))
        if fi.size:
            Ia, _ = inv3(FR[fi])
            Ib, _ = inv3(Rg[gj])
            Rf, _ = inv3(Ia + Ib)
            Fz[fi] = np.einsum("kij,kj->ki", Rf, np.einsum("kij,kj->ki", Ia, Fz[fi])
                               + np.einsum("kij,kj->ki", Ib, zg[gj]))
            FR[fi] = 0.5 * (Rf + np.swapaxes(Rf, 1, 2))
            into[rows[gj]] = fi
        unpaired = np.ones(rows.size, bool)
        unpaired[gj] = False
        rest = unpaired.nonzero()[0]  # np.setdiff1d(arange, gj), without its fixed cost
        into[rows[rest]] = k + np.arange(rest.size)
        Fz = np.concatenate([Fz, zg[rest]])
        FR = np.concatenate([FR, Rg[rest]])
    return Fz, FR, into


# ----------------------------------------------------------------------------- the picture
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
    x, P = predict(_gravity_shift(tracks.x[show], dt, frame), tracks.P[show], dt, config.q)
    lab = held.labels[show]
    return CoalitionPicture(float(t), tracks.id[show], x, P, quality[show],
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


def _own_numbers(member: int, ids: I64) -> I64:
    """A source track's own number: the centralised tracker's id (``member`` -1), or
    ``(member + 1) << 40 | id`` for a track-sharing member's."""
    return (np.int64(member + 1) << np.int64(_LOCAL_ID)) | ids


def _associate(a: CoalitionPicture, b: CoalitionPicture, prior: I64, gate_d2: float,
               hold_d2: float) -> tuple[I64, I64]:
    """One-to-one pairs ``(ia, ib)`` of rows of ``a`` and ``b`` (same time) that are one object:
    global nearest neighbour on the squared Mahalanobis distance of the position difference
    (covariance ``Pa + Pb``), inside the chi-square gate ``gate_d2``; a pair already joined
    before (``prior[j] == a.id[i]``, ``prior`` the number ``b``'s row ``j`` was last shown
    under, -1 none) stays inside the wider ``hold_d2`` and is preferred to any new pair (track
    continuity; its cost is lowered by ``hold_d2``)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    d = a.x[:, None, :3] - b.x[None, :, :3]
    S = a.P[:, None, :3, :3] + b.P[None, :, :3, :3]
    d2 = np.einsum("abi,abi->ab", d, np.linalg.solve(S, d[..., None])[..., 0])
    held = (prior[None, :] == a.id[:, None]) & (prior[None, :] >= 0) & (d2 < hold_d2)
    cost = np.where(held, d2, np.where(d2 < gate_d2, d2 + hold_d2, np.inf))
    return _gnn(cost)


def _join(a: CoalitionPicture, b: CoalitionPicture, ia: I64, ib: I64,
          iterations: int) -> CoalitionPicture:
    """``a`` with its rows ``ia`` fused with ``b``'s rows ``ib`` by covariance intersection
    (trace criterion): ``a``'s ids, the union of the provenance, the better score, the sum of
    the votes and the majority object of the side with more detections."""
    if ia.size == 0:
        return a
    x, P, _ = covariance_intersection(a.x[ia], a.P[ia], b.x[ib], b.P[ib], iterations=iterations)
    na, nb = a.votes[ia].sum(axis=1), b.votes[ib].sum(axis=1)
    xs, Ps = a.x.copy(), a.P.copy()
    xs[ia], Ps[ia] = x, P
    members, votes, obj, quality = a.members.copy(), a.votes.copy(), a.obj.copy(), a.quality.copy()
    members[ia] |= b.members[ib]
    votes[ia] += b.votes[ib]
    obj[ia] = np.where(nb > na, b.obj[ib], a.obj[ia])
    quality[ia] = np.maximum(a.quality[ia], b.quality[ib])
    return CoalitionPicture(a.t, a.id, xs, Ps, quality, members, a.release, votes, obj)


def _gnn(cost: F64) -> tuple[I64, I64]:
    """Minimum-cost one-to-one pairs among the finite entries of ``cost``."""
    ra, rb = np.nonzero(np.isfinite(cost))
    if ra.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ua, la = np.unique(ra, return_inverse=True)
    ub, lb = np.unique(rb, return_inverse=True)
    big = float(cost[ra, rb].max()) + 1.0
    dense = np.full((ua.size, ub.size), 2.0 * big)
    dense[la, lb] = cost[ra, rb]
    ii, jj = linear_sum_assignment(dense)
    keep = dense[ii, jj] < 2.0 * big
    return ua[ii[keep]].astype(np.int64), ub[jj[keep]].astype(np.int64)


def _concat(a: CoalitionPicture, b: CoalitionPicture) -> CoalitionPicture:
    return CoalitionPicture(
        a.t, *(np.concatenate([getattr(a, f), getattr(b, f)])
               for f in ("id", "x", "P", "quality", "members", "release", "votes", "obj")))


def can_release(members: Sequence[Member]) -> NDArray[np.bool_]:
    """``(M, M)``: member row ``o``'s tracks may go to member row ``r``
    (:func:`inkless.coalition.releasable`, data kind ``tracks``)."""
    return np.array([[releasable(o, "tracks", r) for r in members] for o in members], dtype=bool)


def release_bits(provenance: U64, allowed: NDArray[np.bool_]) -> U64:
    """Releasability label of tracks with the given provenance bits: bit ``r`` set when every
    contributor ``o`` may release tracks to ``r`` (``allowed (M, M)``, see :func:`can_release`)."""
    ok_to = np.ascontiguousarray(allowed, dtype=bool)
    weights, senders = _senders(ok_to.tobytes(), ok_to.shape[0])
    ok = (provenance[:, None] & ~senders[None, :]) == 0
    return np.asarray((ok * weights[None, :]).sum(axis=1), dtype=np.uint64)


@lru_cache(maxsize=16)
def _senders(allowed: bytes, M: int) -> tuple[U64, U64]:
    """Member bits ``(M,)`` and, per recipient, the bits of the members that release tracks to
    it ``(M,)`` (``allowed (M, M)`` bool, as bytes: a coalition's is fixed for a run)."""
    weights = np.uint64(1) << np.arange(M, dtype=np.uint64)
    ok = np.frombuffer(allowed, dtype=bool).reshape(M, M)
    senders = (weights[:, None] * ok).sum(axis=0).astype(np.uint64)  # (M,) per recipient
    weights.setflags(write=False)
    senders.setflags(write=False)
    return weights, senders


@dataclass(frozen=True, slots=True, eq=False)
class TrackNumbers:
    """System track numbers: the number each source track is shown under in a picture.

    A picture joins the tracks of several trackers (sources): the centralised tracker's and
    each track-sharing member's. ``key (k,)``, sorted, is a source track's own number (the
    centralised tracker's id, ``(member + 1) << 40 | id`` for a member's), ``number (k,)`` the
    number it is shown under and ``born (k,)`` the time (s) that number was first shown;
    ``fresh`` counts the numbers issued when a track's own number is taken. A track keeps its
    number while it lives, joined to other tracks or alone, so that what was done on that
    number (shots in the air at it, a kill seen on it) stays with the object; when two tracks
    shown under different numbers are joined, the older number stays and the younger is merged
    into it (every source track shown under it moves to the older one).
    """

    key: I64
    number: I64
    born: F64
    fresh: int = 0

    @classmethod
    def empty(cls) -> TrackNumbers:
        """No track numbered yet."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def __len__(self) -> int:
        return int(self.key.shape[0])

    def of(self, keys: I64) -> tuple[I64, F64]:
        """Number (-1: none yet) and its birth time (s; NaN) of each source track ``keys``."""
        if len(self) == 0:
            return np.full(keys.shape, -1, np.int64), np.full(keys.shape, np.nan)
        at, found = _lookup(self.key, keys)
        return np.where(found, self.number[at], -1), np.where(found, self.born[at], np.nan)

    def first_shown(self, number: I64) -> F64:
        """Birth time (s) of each of ``number`` (infinite for a number no entry holds)."""
        order = np.argsort(self.number, kind="stable")
        at, found = _lookup(self.number[order], number)
        out = np.full(number.shape, np.inf)
        out[found] = self.born[order][at[found]]
        return out

    def keep(self, keys: I64) -> TrackNumbers:
        """Only the source tracks ``keys`` (those still held by their trackers)."""
        ok = isin_ids(self.key, keys)
        return TrackNumbers(self.key[ok], self.number[ok], self.born[ok], self.fresh)


_FRESH = np.int64(((1 << 22) - 1) << _LOCAL_ID)  # numbers issued when a track's own is taken
_HOLD_GATE = 44.8  # chi-square 1 - 1e-9 point, 3 dof: a pair joined before stays joined inside


def assemble(
    central: CoalitionPicture,
    shared_tracks: Sequence[tuple[int, CoalitionPicture]],
    allowed: NDArray[np.bool_],
    numbers: TrackNumbers | None = None,
    gate_d2: float = _FUSION_GATE,
    hold_d2: float = _HOLD_GATE,
    iterations: int = 30,
) -> tuple[CoalitionPicture, TrackNumbers]:
    """The coalition picture: the centralised tracker's picture with every track-sharing
    member's picture fused in (member order: pairs inside the chi-square gate ``gate_d2`` on
    the position difference, covariance ``Pa + Pb``, chosen by global nearest neighbour and
    fused by covariance intersection, trace criterion; the member's other tracks added),
    labelled with its releasability, and the track numbers after it.

    Track numbers (``numbers``: those of the last picture, :class:`TrackNumbers`): every row
    is shown under the number its source tracks were shown under before, so that a member's
    track that was joined to a centralised track keeps that track's number once it is alone
    (its centralised twin lost or killed), and a centralised track that joins a member's track
    shown alone before takes the older of the two numbers. A pair joined before is kept inside
    the wider gate ``hold_d2`` and preferred to new pairs; new pairs need ``gate_d2``.
    Numbers in one picture are distinct: a row whose number another row holds gets its own
    number, or a fresh one if that is taken too. Source tracks not in this picture keep
    their entries (the caller drops those no tracker holds, :meth:`TrackNumbers.keep`).
    """
    t = central.t
    numbers = TrackNumbers.empty() if numbers is None else numbers  # an empty one keeps `fresh`
    fresh = numbers.fresh
    keys = [central.id]  # the centralised tracker's tracks' own numbers are their ids
    prior, born = numbers.of(central.id)
    ids = np.where(prior >= 0, prior, central.id)
    row_born = np.where(prior >= 0, born, t)
    pic = central.numbered(ids)
    losers, winners = np.zeros(0, np.int64), np.zeros(0, np.int64)
    row_keys: list[I64] = [np.arange(len(central))]  # picture row of each key in ``keys``
    for member, b in shared_tracks:
        own = _own_numbers(member, b.id)
        prior, pborn = numbers.of(own)
        prior = _follow(prior, losers, winners)
        ia, ib = _associate(pic, b, prior, gate_d2, hold_d2)
        pic = _join(pic, b, ia, ib, iterations)
        # a joined pair shown under two numbers: the older stays, the younger merges into it
        p, cur = prior[ib], pic.id[ia]
        merge = (p >= 0) & (p != cur) & ~isin_ids(p, pic.id)
        older = merge & ((pborn[ib] < row_born[ia]) | ((pborn[ib] == row_born[ia]) & (p < cur)))
        ids = pic.id.copy()
        ids[ia] = np.where(older, p, cur)
        row_born[ia] = np.where(older, pborn[ib], row_born[ia])
        losers = np.concatenate([losers, np.where(older, cur, p)[merge]])
        winners = np.concatenate([winners, ids[ia][merge]])
        # the member's other tracks: under their number when no row holds it, else their own
        rest = np.setdiff1d(np.arange(len(b)), ib)
        p = prior[rest]
        free = (p >= 0) & ~isin_ids(p, ids)
        free &= _first_of_each(np.where(free, p, -1 - np.arange(rest.size)))
        extra = dataclasses.replace(b.take(rest), id=np.where(free, p, own[rest]))
        n_before = len(pic)
        pic = _concat(pic.numbered(ids), extra)
        row_born = np.concatenate([row_born, np.where(free, pborn[rest], t)])
        at = np.empty(len(b), np.int64)
        at[ib], at[rest] = ia, n_before + np.arange(rest.size)
        keys.append(own)
        row_keys.append(at)
    key, at = np.concatenate(keys), np.concatenate(row_keys)
    ids, fresh = _distinct(pic.id, key, at, fresh)
    row_born = np.where(ids == pic.id, row_born, t)
    pic = pic.numbered(ids, release_bits(pic.members, allowed))
    # the new entries: every source track shown now; the others keep theirs, merges applied
    old = ~isin_ids(numbers.key, key)
    key = np.concatenate([key, numbers.key[old]])
    number = np.concatenate([ids[at], _follow(numbers.number[old], losers, winners)])
    born = np.concatenate([row_born[at], numbers.born[old]])
    order = np.argsort(key, kind="stable")
    return pic, TrackNumbers(key[order], number[order], born[order], fresh)


def _follow(number: I64, losers: I64, winners: I64) -> I64:
    """``number`` with every merged number replaced by the one it was merged into, merges
    applied in the order they were made (so a chain is followed: a winner may itself be merged
    later in the same picture)."""
    out = number.copy()
    for lose, win in zip(losers.tolist(), winners.tolist(), strict=True):
        out[out == lose] = win
    return out


def _first_of_each(values: I64) -> NDArray[np.bool_]:
    """``(n,)``: the first occurrence of each value."""
    _, first = np.unique(values, return_index=True)
    out = np.zeros(values.size, bool)
    out[first] = True
    return out


def _distinct(ids: I64, keys: I64, rows: I64, fresh: int) -> tuple[I64, int]:
    """The picture's numbers made distinct: a row whose number an earlier row holds takes the
    own number of its first source track (``keys``, on picture rows ``rows``), or a fresh
    number if that is taken too. Returns the numbers and the fresh-number counter."""
    s = np.sort(ids)
    if not (s[1:] == s[:-1]).any():  # distinct already (the usual case)
        return ids, fresh
    dup = ~_first_of_each(ids)
    out = ids.copy()
    first_key = np.full(ids.size, -1, np.int64)
    first_key[rows[::-1]] = keys[::-1]
    for r in np.flatnonzero(dup).tolist():
        want = int(first_key[r])
        if want < 0 or np.any(out == want):
            want = int(_FRESH | np.int64(fresh))
            fresh += 1
        out[r] = want
    return out, fresh


@dataclass(frozen=True, slots=True, eq=False)
class EndedTracks:
    """Numbers whose every source track has ended (deleted by its tracker), with the last state
    shown under each: ``number (g,)``, ``born (g,)`` (s), ``x (g, 6)``, ``P (g, 6, 6)`` at
    ``t (g,)`` (s), kept :data:`_REACQUIRE_S` so that a new track of the same object takes the
    number back (:func:`reacquire`)."""

    number: I64
    born: F64
    x: F64
    P: F64
    t: F64

    @classmethod
    def empty(cls) -> EndedTracks:
        """None."""
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 6)), np.zeros((0, 6, 6)),
                   np.zeros(0))

    def __len__(self) -> int:
        return int(self.number.shape[0])

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> EndedTracks:
        """Only ``rows``."""
        return EndedTracks(self.number[rows], self.born[rows], self.x[rows], self.P[rows],
                           self.t[rows])


_REACQUIRE_S = 60.0  # how long the number of a track that ended waits for a new track


def reacquire(pic: CoalitionPicture, numbers: TrackNumbers, shown: EndedTracks,
              ended: EndedTracks, q: float, frame: EnuFrame, gate_d2: float = _FUSION_GATE,
              ) -> tuple[CoalitionPicture, TrackNumbers, EndedTracks, EndedTracks]:
    """Track continuity across a tracker's break: a track first shown at ``pic.t`` that is,
    inside the chi-square gate ``gate_d2`` on position (covariance the sum of both, the ended
    track predicted to ``pic.t`` with gravity for fast ones and process noise ``q``), a track
    whose number ended in the last :data:`_REACQUIRE_S` seconds (global nearest neighbour, one
    to one) is shown under that number, which keeps its birth time.

    ``shown`` holds the last state shown under every number still held; a number no source
    track holds any more (``numbers``, already cleared of ended source tracks) moves from it to
    ``ended``. Returns the picture, numbers, last shown states and ended tracks after it."""
    t = pic.t
    held = isin_ids(shown.number, numbers.number)
    if not held.all():
        gone = ~held
        ended = EndedTracks(*(np.concatenate([getattr(ended, f), getattr(shown, f)[gone]])
                              for f in ("number", "born", "x", "P", "t")))
        shown = shown.take(held)
    recent = t - ended.t <= _REACQUIRE_S
    if not recent.all():
        ended = ended.take(recent)
    born_now = numbers.first_shown(pic.id)
    if len(ended) and len(pic):
        new = (born_now >= t).nonzero()[0]
        if new.size:
            x, P = _predict_rows(ended.x, ended.P, t - ended.t, q, frame)
            d = pic.x[new, None, :3] - x[None, :, :3]
            S = pic.P[new, None, :3, :3] + P[None, :, :3, :3]
            d2 = np.einsum("abi,abi->ab", d, np.linalg.solve(S, d[..., None])[..., 0])
            i, j = _gnn(np.where(d2 < gate_d2, d2, np.inf))
            if i.size:
                rows, back = new[i], ended.number[j]
                ids = pic.id.copy()
                ids[rows] = back
                # every source track shown under a reacquired row's number takes the old one
                order = np.argsort(pic.id[rows])
                at, was = _lookup(pic.id[rows][order], numbers.number)
                num = np.where(was, back[order][at], numbers.number)
                born = np.where(was, ended.born[j][order][at], numbers.born)
                keep = np.ones(len(ended), bool)
                keep[j] = False
                pic, ended = pic.numbered(ids), ended.take(keep)
                numbers = TrackNumbers(numbers.key, num, born, numbers.fresh)
                born_now = numbers.first_shown(pic.id)
    # the last state shown under each number: this picture's rows replace theirs
    old = ~isin_ids(shown.number, pic.id)
    cat = np.concatenate
    shown = EndedTracks(cat([shown.number[old], pic.id]), cat([shown.born[old], born_now]),
                        cat([shown.x[old], pic.x]), cat([shown.P[old], pic.P]),
                        cat([shown.t[old], np.full(len(pic), t)]))
    return pic, numbers, shown, ended


def _predict_rows(x: F64, P: F64, dt: F64, q: float, frame: EnuFrame) -> tuple[F64, F64]:
    """States ``x (g, 6)``, ``P (g, 6, 6)`` each predicted ``dt (g,)`` s ahead: gravity for
    fast ones (module docstring) and the NCV model with process noise ``q``."""
    xs, Ps = x.copy(), P.copy()
    for step in np.unique(dt).tolist():
        rows = np.flatnonzero(dt == step)
        xs[rows], Ps[rows] = predict(_gravity_shift(x[rows], step, frame), P[rows], step, q)
    return xs, Ps


# ----------------------------------------------------------------------------- the trackers
#: Tracker parameters of the coalition picture: the tracker's defaults (and, per sensor, the
#: sensor's own clutter density) with less process noise, 0.1 m^2/s^3: the threats fly straight
#: legs (ballistic ones with gravity as a control input) and turn only at waypoints, which stay
#: inside the gate. Mean GOSPA (c = 1 km) for q = 0.1 / 0.5 / 2 / 5: april-2024 (seed 2024)
#: 3,702 / 4,246 / 4,821 / 5,355 m; basics (seed 7) 568 / 598 / 726 / 706 m.
PICTURE_CONFIG = TrackerConfig(q=0.1)


_Sources = tuple[int, tuple[int, ...], int]  # a picture's trackers: (base, track sharers, own)


class CoalitionTracker:
    """Every tracker of the coalition, fed scan by scan; the pictures on demand.

    One tracker takes the detections of all members that share detections (the centralised
    tracker); each member that shares only tracks, or nothing, runs its own on its own sensors.
    A member to whom some detection-sharing member does not release its tracks holds the
    track built from what it may see: one more tracker takes the detections of the
    detection-sharing members that release to it (one per distinct such set), and its picture
    is that tracker's with the track-sharing members' pictures released to it fused in
    (:meth:`view`). The reports of a tracker's sensors at one time are merged per object
    (:func:`merge_reports`) and processed as one batch. ``clutter`` is each sensor's
    false-alarm density per m^3 (:func:`inkless.sensing.clutter_density`); ``ranges``,
    ``min_el``, ``max_el``, ``pd`` its coverage for the expected detection probability
    (:class:`inkless.sensing.ExpectedPd`). The state is a few track tables and the track
    numbers of each picture (:class:`TrackNumbers`); every step is a pure function of them.
    """

    def __init__(
        self,
        frame: EnuFrame,
        owner: I64,
        ranges: F64,
        min_el: F64,
        max_el: F64,
        pd: F64,
        clutter: F64,
        shares: Sequence[str],
        allowed: NDArray[np.bool_],
        config: TrackerConfig = PICTURE_CONFIG,
    ) -> None:
        self.frame, self.owner, self.ranges = frame, owner, ranges
        self.min_el, self.max_el, self.pd = min_el, max_el, pd
        self.shares, self.allowed, self.config = tuple(shares), allowed, config
        self.configs = [dataclasses.replace(config, clutter_density=float(c)) for c in clutter]
        self._configs: dict[tuple[int, ...], TrackerConfig] = {}
        self._sensor_ecef: F64 | None = None
        self._expect: ExpectedPd | None = None
        n = len(self.shares)
        central = tuple(m for m in range(n) if self.shares[m] == "detections")
        # the trackers, by the members whose sensors feed them: the centralised one first, then
        # each member's own (sharing tracks or nothing), then the restricted centralised ones
        self.feeds: list[tuple[int, ...]] = [central]
        self.feeds += [(m,) for m in range(n) if self.shares[m] != "detections"]
        # what each member may see: (detection sharers releasing to it, track sharers, own)
        self._sees: list[_Sources] = []
        for v in range(n):
            dets = tuple(o for o in central if allowed[o, v])
            if dets and dets != central and dets not in self.feeds:
                self.feeds.append(dets)
            base = self.feeds.index(dets) if dets else -1
            tracks = tuple(m for m in range(n) if self.shares[m] == "tracks" and allowed[m, v])
            self._sees.append((base, tracks, v if self.shares[v] == "none" else -1))
        self.tables = [LabelledTracks.empty() for _ in self.feeds]
        self._fed = np.zeros((len(self.feeds), n), bool)  # tracker k takes member m's sensors
        for k, feed in enumerate(self.feeds):
            self._fed[k, list(feed)] = True
        # the coalition picture's sources, as a member's view names them
        self._coalition = (0 if central else -1,
                           tuple(m for m in range(n) if self.shares[m] == "tracks"), -1)
        # per picture (the coalition's, each distinct view): its track numbers, the last state
        # shown under each and the numbers ended (:func:`reacquire`)
        self._memory: dict[_Sources, tuple[TrackNumbers, EndedTracks, EndedTracks]] = {}
        self._views: dict[_Sources, CoalitionPicture] = {}
        self._rows: dict[int, CoalitionPicture] = {}

    def own(self, member: int) -> LabelledTracks:
        """The own tracker of a member that shares only tracks, or nothing."""
        return self.tables[self.feeds.index((member,))]

    def take_own(self, member: int, tracks: Tracks, votes: NDArray[np.int32] | None = None,
                 obj: I64 | None = None) -> None:
        """``tracks`` are now the own tracker's table of ``member`` (row; a member that shares
        only tracks, or nothing): its tracks as its node sent them, from a tracker of its own,
        fused into the pictures from the next call as :meth:`own`'s are; every one with the
        member's provenance bit. ``votes (n, N_KINDS)``, ``obj (n,)``: the simulation's labels
        of each (default none: no detections counted, object -1)."""
        n = len(tracks)
        labels = np.zeros((n, _LABEL_COLUMNS), np.int64)
        labels[:, _MEMBERS] = 1 << member
        labels[:, _OBJ] = -1 if obj is None else obj
        if votes is not None:
            labels[:, _VOTES] = votes
        k = self.feeds.index((member,))
        self.tables[k] = LabelledTracks(tracks, labels)
        self._rows.pop(k, None)

    def scan(self, t: float, det: Detections, kind: I64, sensors: I64, sensor_ecef: F64,
             z: F64 | None = None, R: F64 | None = None) -> None:
        """Feed the scans at ``t`` (s) of ``sensors (k,)`` (rows, increasing), at ECEF
        ``sensor_ecef (k, 3)``: their reports ``det`` (sorted by sensor), ``kind (m,)`` the kind
        of object behind each report (simulation only), and optionally their Cartesian form
        ``z``, ``R`` (:func:`measurements`, computed here when not given).

        Per tracker, the sensors' reports are merged per object (:func:`merge_reports`) and go
        in as one batch; a track's detection probability is that of being seen by at least one of
        the sensors (:class:`inkless.sensing.ExpectedPd` at its predicted position), the false
        alarm densities add. A time without reports that no track expects to be seen at changes
        nothing but the time of the table, so it is skipped (exact: the track score's decay
        composes, :func:`score_at`). Simulation labels: a merged report counts every report
        merged into it by kind, carries their members' bits and its first report's object.
        """
        if not sensors.size:
            return
        if z is None or R is None:
            z, R = measurements(det)
        known_ecef = self._sensor_ecef
        if known_ecef is None or not np.array_equal(known_ecef[sensors], sensor_ecef):
            ecef = np.full((len(self.owner), 3), np.nan) if known_ecef is None else (
                known_ecef.copy())
            ecef[sensors] = sensor_ecef
            self._sensor_ecef = ecef
            ok = np.isfinite(ecef[:, 0])
            # sensors not seen yet get a placeholder position (and pd 0) until they scan
            self._expect = ExpectedPd(self.frame, np.where(ok[:, None], ecef, self.frame.origin),
                                      self.ranges, self.min_el, self.max_el,
                                      np.where(ok, self.pd, 0.0))
        expect = self._expect
        assert expect is not None
        owners = self.owner[sensors]
        # the merged batch of a set of reports (trackers fed the same reports share it: those
        # fed by the same sensors, or by sensors that differ only by some that report nothing)
        merged: dict[bytes, tuple[F64, F64, I64, I64, I64]] = {}
        pairs: tuple[I64, I64] | None = None  # of all the reports, once needed
        batch = np.zeros(len(self.owner), bool)
        work: list[tuple[int, Batch, tuple[I64, I64, I64]]] = []  # stepped together below
        for k in range(len(self.feeds)):
            mine = sensors[self._fed[k, owners]]
            if not mine.size:
                continue
            held = self.tables[k]
            start = held.tracks
            dt = t - start.t
            shifted = _with_gravity(start, dt, self.frame)
            p_each = expect(shifted.x[:, :3] + shifted.x[:, 3:] * dt, shifted.x[:, 3:], mine)
            batch[:] = False
            batch[mine] = True
            rows = batch[det.sensor].nonzero()[0]
            batch_of = merged.get(rows.tobytes())
            if batch_of is None:
                pairs = mutual_pairs(z, R, det.sensor) if pairs is None else pairs
                batch_of = merged[rows.tobytes()] = self._merged(
                    det, z, R, kind, rows, _pairs_among(pairs, rows, len(det)))
            zf, Rf, truth, kinds, bits = batch_of
            if zf.shape[0] == 0 and not p_each.any():
                continue
            # seen by at least one of the sensors; false alarms from any of them
            p = 1.0 - np.prod(1.0 - p_each, axis=0)
            work.append((k, (shifted, zf, Rf, self._config(mine), p), (truth, kinds, bits)))
        if work:
            stepped = step_many([b for _, b, _ in work], t)
            for (k, _, labels), (after, det_of) in zip(work, stepped, strict=True):
                self.tables[k] = _labelled(self.tables[k], after, det_of, *labels)

    def _merged(self, det: Detections, z: F64, R: F64, kind: I64, rows: I64,
                pairs: tuple[I64, I64]) -> tuple[F64, F64, I64, I64, I64]:
        """The reports ``rows`` merged per object (:func:`merge_reports`, their ``pairs``) with
        their simulation labels: ``z``, ``R``, the object of each merged report's first report,
        its reports per kind of object ``(m, N_KINDS)`` and its members' bits."""
        zf, Rf, into = merge_reports(z[rows], R[rows], det.sensor[rows], pairs=pairs)
        m = zf.shape[0]
        first = np.full(m, rows.size, np.int64)
        np.minimum.at(first, into, np.arange(rows.size))
        kinds = np.zeros((m, N_KINDS), np.int64)
        np.add.at(kinds, (into, kind[rows]), 1)
        bits = np.zeros(m, np.int64)
        np.bitwise_or.at(bits, into, np.int64(1) << self.owner[det.sensor[rows]])
        return zf, Rf, det.truth[rows][first], kinds, bits

    def _config(self, sensors: I64) -> TrackerConfig:
        """Tracker parameters for a merged batch of ``sensors``: the false-alarm densities add."""
        key = tuple(sensors.tolist())
        cfg = self._configs.get(key)
        if cfg is None:
            lam = float(sum(self.configs[i].clutter_density for i in key))
            cfg = self._configs[key] = dataclasses.replace(self.config, clutter_density=lam)
        return cfg

    def _picture_rows(self, k: int, t: float) -> CoalitionPicture:
        """Tracker ``k``'s picture at ``t`` (:func:`picture_rows`), once per time."""
        rows = self._rows.get(k)
        if rows is None or rows.t != t:
            rows = self._rows[k] = picture_rows(self.tables[k], t, self.config, self.frame)
        return rows

    def _held(self, base: int, members: Sequence[int]) -> tuple[I64, F64]:
        """Every track of tracker ``base`` (-1: none) and of the own trackers of ``members``:
        its own number (:class:`TrackNumbers` key) and the time (s) of its last detection."""
        tables = [(-1, self.tables[base].tracks)] if base >= 0 else []
        tables += [(m, self.own(m).tracks) for m in members]
        return (np.concatenate([np.zeros(0, np.int64)]
                               + [_own_numbers(m, tr.id) for m, tr in tables]),
                np.concatenate([np.zeros(0)] + [tr.t_update for _, tr in tables]))

    def _assemble(self, sources: _Sources, t: float) -> CoalitionPicture:
        """The picture at ``t`` of ``sources = (base, tracks, own)``: tracker ``base``'s (-1:
        none) with the pictures of the members ``tracks`` and ``own`` (-1: none) fused in,
        numbered after its last picture (:func:`assemble`, :func:`reacquire`); the numbers of
        source tracks no tracker holds any more are dropped."""
        base, tracks, own = sources
        central = self._picture_rows(base, t) if base >= 0 else CoalitionPicture.empty(t)
        members = [*tracks, *([own] if own >= 0 else [])]
        shared = [(m, self._picture_rows(self.feeds.index((m,)), t)) for m in members]
        numbers, shown, ended = self._memory.get(
            sources, (TrackNumbers.empty(), EndedTracks.empty(), EndedTracks.empty()))
        pic, numbers = assemble(central, shared, self.allowed, numbers)
        numbers = numbers.keep(self._held(base, members)[0])
        pic, numbers, shown, ended = reacquire(pic, numbers, shown, ended, self.config.q,
                                               self.frame)
        self._memory[sources] = (numbers, shown, ended)
        return pic

    def picture(self, t: float) -> CoalitionPicture:
        """The coalition picture at ``t`` (s) with its releasability labels (:func:`assemble`;
        its track numbers follow from the last call)."""
        return self._assemble(self._coalition, t)

    def view(self, picture: CoalitionPicture, member: int) -> CoalitionPicture:
        """What member row ``member`` holds at the picture's time: the track built from what
        it may see. That is the coalition ``picture`` itself when every contributor releases to
        it; otherwise the centralised tracker of the detection-sharing members that release to
        it, the pictures of the track-sharing members that do fused in and, for a member that
        shares nothing, its own tracks too (track numbers kept per such picture; the view of
        members who may see the same sources is computed once per time)."""
        sources = self._sees[member]
        if sources == self._coalition:
            return picture
        view = self._views.get(sources)
        if view is None or view.t != picture.t:
            view = self._views[sources] = self._assemble(sources, picture.t)
        return view

    def last_update(self, ids: I64, member: int | None = None) -> F64:
        """Time (s) of the last detection associated with each track ``ids`` of the coalition
        picture (``member`` None) or of member row ``member``'s view (:meth:`view`): the latest
        of its source tracks' (every tracker's track shown under that number,
        :class:`TrackNumbers`), NaN for a number no tracker holds."""
        out = np.full(ids.shape, np.nan)
        base, tracks, own = sources = self._coalition if member is None else self._sees[member]
        nums = self._memory.get(sources, (TrackNumbers.empty(),))[0]
        key, t_update = self._held(base, [*tracks, *([own] if own >= 0 else [])])
        order = np.argsort(key)
        at, held = _lookup(key[order], nums.key)
        if not held.any():
            return out
        number, inverse = np.unique(nums.number[held], return_inverse=True)
        latest = np.full(number.size, -np.inf)
        np.maximum.at(latest, inverse, t_update[order][at[held]])
        at, found = _lookup(number, ids)
        out[found] = latest[at[found]]
        return out
