"""Member tracks with covariance: what a node of a member that shares only tracks sends in
place of plots, and, under ``--simulate``, the tracks its own tracker would hold.

Where it sits: inside the live session (:mod:`inkless.service.live`). A member whose
scenario ``shares`` is ``tracks`` runs a tracker of its own on its own sensors and shares its
tracks; the coalition picture fuses them with the others' by covariance intersection
(:class:`inkless.tracking.CoalitionTracker`: the member's own tracker's table is what its
node last sent, :meth:`~inkless.tracking.CoalitionTracker.take_own`, predicted to each
decision time and dropped from the picture when the node stops sending them for long enough,
as the tracker's scores decay). Under ``--simulate`` the service runs that member's tracker on
its sensors' simulated plots (:class:`SimulatedTrackers`, the same tracker the tracked
picture runs) and sends its node the tracks (``own_tracks``), which the node sends back
(``tracks``), as plots go out as ``detections`` and come back as a ``report``.

On the wire each track is its member's own number ``track`` (an integer from 0 to
2**40 - 1), ``state_ecef_m`` ``[x, y, z, vx, vy, vz]`` (ECEF, m and m/s) at the message's
``t``, ``cov_ecef`` its 6 x 6 covariance (same frame and order; m^2, m^2/s, m^2/s^2),
symmetric positive definite, and ``updated_t`` (optional, default ``t``) the time of its last
detection, s. Inside, states are in the picture's common ENU frame: ``x_enu = R (x_ecef -
o)``, ``v_enu = R v_ecef``, ``P_enu = J P_ecef J^T`` with ``J = diag(R, R)``, ``R`` the frame's
rotation (:class:`inkless.sensing.EnuFrame`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import F64, I64
from inkless.engine import Reports, TrackedPicture
from inkless.sensing import EnuFrame
from inkless.tracking import CONFIRMED, MAX_TRACK_ID, Tracks
from inkless.tracking.picture import picture_rows

__all__ = ["MAX_TRACK_ID", "MemberTracks", "SimulatedTrackers", "read_tracks"]


_HOW = ("tracks: give t (s) and tracks [{track: integer 0..2**40-1, state_ecef_m: [x, y, z m, "
        "vx, vy, vz m/s], cov_ecef: 6 x 6 symmetric positive definite, optional updated_t "
        "(s)}], finite numbers")


@dataclass(frozen=True)
class MemberTracks:
    """A member's tracks as its node sent them, checked (:func:`read_tracks`): the table in
    the common ENU frame at the message's time (rows by increasing id, every one confirmed)
    and, for tracks the service issued under ``--simulate``, the simulation's labels
    (``votes (n, N_KINDS)``, ``obj (n,)``; None: none)."""

    tracks: Tracks
    votes: NDArray[np.int32] | None = None
    obj: I64 | None = None

    def __len__(self) -> int:
        return len(self.tracks)


def _blocks(rot: F64) -> F64:
    """``diag(rot, rot)`` (6, 6): a rotation of positions and velocities together."""
    J = np.zeros((6, 6))
    J[:3, :3] = J[3:, 3:] = rot
    return J


def read_tracks(msg: Mapping[str, Any], frame: EnuFrame, score: float) -> Tracks | str:
    """A node's ``tracks`` message checked and taken into the ``frame``: its table at the
    message's ``t`` (every track confirmed with the track score ``score``), or the one-line
    reason it is refused."""
    try:
        t = float(msg["t"])
        rows = msg["tracks"]
        ids = np.array([int(r["track"]) for r in rows], np.int64)
        x = np.array([r["state_ecef_m"] for r in rows], np.float64).reshape(-1, 6)
        P = np.array([r["cov_ecef"] for r in rows], np.float64).reshape(-1, 6, 6)
        upd = np.array([float(r.get("updated_t", t)) for r in rows], np.float64)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return _HOW
    if not (np.isfinite(t) and np.isfinite(x).all() and np.isfinite(P).all()
            and np.isfinite(upd).all()):
        return _HOW
    bad = ids[(ids < 0) | (ids > MAX_TRACK_ID)]
    if bad.size:
        return f"tracks: track {bad[0]}: numbers must be from 0 to 2**40 - 1"
    if np.unique(ids).size != ids.size:
        return "tracks: a track number given twice; give each track once"
    scale = np.abs(P).max(axis=(1, 2), initial=0.0)
    asym = np.abs(P - np.swapaxes(P, 1, 2)).max(axis=(1, 2), initial=0.0)
    if ids.size and (asym > 1e-9 * scale).any():
        return "tracks: cov_ecef not symmetric; give a symmetric covariance"
    try:
        np.linalg.cholesky(P)
    except np.linalg.LinAlgError:
        return "tracks: cov_ecef not positive definite; give a covariance with variances > 0"
    order = np.argsort(ids)
    J = _blocks(frame.rot)
    enu = np.column_stack([frame.from_ecef(x[order, :3]), x[order, 3:] @ frame.rot.T])
    n = ids.size
    return Tracks(id=ids[order], x=enu, P=J @ P[order] @ J.T,
                  hits=np.ones(n, np.int32), misses=np.zeros(n, np.int32),
                  looks=np.ones(n, np.int32), status=np.full(n, CONFIRMED),
                  quality=np.full(n, score), t_update=upd[order], t=t,
                  next_id=int(ids.max(initial=-1)) + 1)


class SimulatedTrackers:
    """The own trackers of the members that share only tracks (rows ``members``), run on
    their sensors' simulated plots as their nodes would run them (``--simulate``): the same
    trackers as the tracked picture's (:class:`inkless.tracking.CoalitionTracker`, built by
    the picture's own builder: its frame, sensors, sharing and parameters). Keeps the
    simulation's labels of the tracks sent at each tick until they come back."""

    def __init__(self, picture: TrackedPicture, members: Sequence[int]) -> None:
        self.frame, self.members = picture.frame, tuple(members)
        # a new one as the picture builds its own: only these members' own trackers are fed
        # (:meth:`scan`), the picture's keeps what their nodes send (``take_own``)
        self.tracker = picture.new_tracker()
        self.issued: dict[tuple[int, int], tuple[I64, NDArray[np.int32], I64]] = {}

    def scan(self, got: Reports) -> None:
        """Their sensors' plots of ``got`` into their trackers (the others' are left out)."""
        owner = self.tracker.owner
        rows = np.isin(got.det.member, self.members)
        scanning = np.isin(owner[got.sensors], self.members)
        self.tracker.scan(got.t, got.det.take(rows), got.kind[rows], got.sensors[scanning],
                          got.sensor_ecef[scanning], got.z[rows], got.R[rows])

    def message(self, tick: int, member: int, t: float) -> dict[str, Any]:
        """Member row ``member``'s ``own_tracks`` message at ``t`` (s, tick ``tick``): its
        tracker's tracks in its picture (confirmed, predicted to ``t``), in ECEF."""
        held = self.tracker.own(member)
        pic = picture_rows(held, t, self.tracker.config, self.frame)
        for old in [k for k in self.issued if k[0] < tick - 2]:  # never sent back
            del self.issued[old]
        self.issued[tick, member] = (pic.id, pic.votes, pic.obj)
        t_update = held.tracks.t_update[np.searchsorted(held.tracks.id, pic.id)]
        rot, J = self.frame.rot, _blocks(self.frame.rot.T)
        x = np.column_stack([self.frame.to_ecef(pic.x[:, :3]), pic.x[:, 3:] @ rot]).tolist()
        P = (J @ pic.P @ J.T).tolist()
        return {"type": "own_tracks", "t": t, "tracks": [
            {"track": i, "state_ecef_m": xi, "cov_ecef": Pi, "updated_t": u}
            for i, xi, Pi, u in zip(pic.id.tolist(), x, P, t_update.tolist(), strict=True)]}

    def labelled(self, tick: int, member: int, tracks: Tracks) -> MemberTracks:
        """``tracks`` sent back by member row ``member``'s node for ``tick``, with the
        simulation's labels of those the service issued then (the others: none)."""
        ids, votes, obj = self.issued.pop((tick, member), (np.zeros(0, np.int64), None, None))
        if votes is None or obj is None:
            return MemberTracks(tracks)
        at = np.minimum(np.searchsorted(ids, tracks.id), max(ids.size - 1, 0))
        found = ids[at] == tracks.id if ids.size else np.zeros(len(tracks), bool)
        return MemberTracks(tracks, np.where(found[:, None], votes[at], 0).astype(np.int32),
                            np.where(found, obj[at], -1))
