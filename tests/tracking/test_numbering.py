"""Track numbering of a picture with one source tracker: the short path (:func:`renumber`,
the last update per number) against the general one it replaces (:func:`assemble` with nothing
to fuse, then :meth:`TrackNumbers.keep`; a sort and ``np.maximum.at``), bit for bit, over
random sequences of a tracker's tables that break tracks, start new ones where old ones ended
and begin from any numbering, duplicates included.

Outside authority: the general path itself, and brute force for the last update.
"""

from __future__ import annotations

import numpy as np
import pytest

from inkless.physics.geodesy import ecef_from_geodetic
from inkless.sensing import EnuFrame
from inkless.tracking import CONFIRMED, Tracks
from inkless.tracking.coalition_tracker import CoalitionTracker
from inkless.tracking.numbering import (
    EndedTracks,
    TrackNumbers,
    assemble,
    latest_per_number,
    reacquire,
    renumber,
)
from inkless.tracking.picture import KIND_CIVIL, CoalitionPicture, LabelledTracks
from inkless.tracking.releasability import can_release

from .test_picture import FRAME as PFRAME
from .test_picture import SITES, D, coalition, site_reports, stacked

FRAME = EnuFrame.at(0.55, 0.61, 0.0)
ALLOWED = np.array([[True, False], [True, True]])


def _any_numbers(rng: np.random.Generator, keys: np.ndarray) -> TrackNumbers:
    """A numbering of some of ``keys`` and of keys no tracker holds, numbers drawn from a few
    (so that some are shared: a state the general path accepts)."""
    pool = np.concatenate([keys, rng.integers(1000, 1010, 4)])
    key = np.unique(rng.choice(pool, rng.integers(0, pool.size + 1), replace=False))
    number = rng.choice(np.concatenate([keys, [1000]]), key.size)
    born = rng.choice([0.0, 5.0, 10.0], key.size)
    return TrackNumbers(key.astype(np.int64), number.astype(np.int64), born,
                        int(rng.integers(0, 3)))


def _sequence(seed: int) -> list[tuple[CoalitionPicture, np.ndarray]]:
    """One tracker over 12 scans, 5 s apart, on 6 objects: each scan its held tracks' ids
    (sorted) and the picture of those shown. A track breaks at random (its object gets a new
    id a few scans later, where the old track ended), a track is shown or not at random."""
    rng = np.random.default_rng(seed)
    pos = np.c_[rng.uniform(-30e3, 30e3, (6, 2)), rng.uniform(1e3, 9e3, 6)]
    vel = np.c_[rng.uniform(-200, 200, (6, 2)), np.zeros(6)]
    vel[0, 2] = 2500.0  # one fast (ballistic: gravity in the prediction)
    track = -np.ones(6, np.int64)  # each object's track id, -1 none
    next_id, out = int(rng.integers(0, 4)), []
    for k in range(12):
        t = 5.0 * k
        broken = rng.random(6) < 0.2
        track[broken] = -1
        new = (track < 0) & (rng.random(6) < 0.5)
        for o in np.flatnonzero(new).tolist():
            track[o], next_id = next_id, next_id + 1 + int(rng.integers(0, 2))
        held = np.flatnonzero(track >= 0)
        shown = held[rng.random(held.size) < 0.8]
        order = track[shown].argsort()
        ids, objs = track[shown][order], shown[order]
        n = ids.size
        x = np.c_[pos[objs] + vel[objs] * t, vel[objs]] + rng.normal(0.0, 50.0, (n, 6))
        P = np.broadcast_to(np.diag([200.0**2] * 3 + [30.0] * 3), (n, 6, 6)).copy()
        votes = rng.integers(0, 4, (n, 5)).astype(np.int32)
        members = rng.integers(1, 4, n).astype(np.uint64)
        pic = CoalitionPicture(t, ids, x, P, rng.normal(5.0, 1.0, n), members,
                               np.zeros(n, np.uint64), votes, objs.astype(np.int64))
        out.append((pic, np.sort(track[held])))
    return out


def _same(a: object, b: object) -> None:
    for f in a.__slots__:  # type: ignore[attr-defined]
        u, v = getattr(a, f), getattr(b, f)
        if isinstance(u, np.ndarray):
            assert u.dtype == v.dtype and u.shape == v.shape, f
            np.testing.assert_array_equal(u, v, err_msg=f)
        else:
            assert u == v, f


@pytest.mark.parametrize("seed", range(60))
def test_renumber_is_assemble_alone_then_keep(seed: int) -> None:
    """Every scan of a random sequence through both paths (each with its own state, the
    last-shown and ended tracks carried by :func:`reacquire`): the same picture, numbers,
    shown and ended tracks, bit for bit, from the first scan to the last."""
    rng = np.random.default_rng(1000 + seed)
    seq = _sequence(seed)
    start = _any_numbers(rng, seq[0][1]) if seed % 2 else TrackNumbers.empty()
    states = [(start, EndedTracks.empty(), EndedTracks.empty())] * 2
    last: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}  # number -> last shown t, x, P
    for central, held in seq:
        out = []
        for fast, (nums, shown, ended) in zip((False, True), states, strict=True):
            if fast:
                pic, nums = renumber(central, held, ALLOWED, nums)
            else:
                pic, nums = assemble(central, [], ALLOWED, nums)
                nums = nums.keep(held)
            out.append(reacquire(pic, nums, shown, ended, 0.1, FRAME))
        for a, b in zip(*out, strict=True):
            _same(a, b)
        states = [o[1:] for o in out]
        pic, nums, shown = out[1][:3]
        last.update({i: (pic.t, x, P) for i, x, P in zip(pic.id.tolist(), pic.x, pic.P,
                                                          strict=True)})
        # brute force: shown holds every number held (shown since the start), once, with the
        # last state shown under it
        held_shown = {i for i in nums.number.tolist() if i in last}
        assert sorted(shown.number.tolist()) == sorted(held_shown)
        for i, x, P, t in zip(shown.number.tolist(), shown.x, shown.P, shown.t.tolist(),
                              strict=True):
            assert (t, x.tolist(), P.tolist()) == (last[i][0], last[i][1].tolist(),
                                                   last[i][2].tolist())


def test_the_sequences_reach_every_branch() -> None:
    """The sequences above take numbers back (:func:`reacquire`) and meet duplicate numbers
    (from the arbitrary start) that :func:`assemble` makes distinct with fresh ones."""
    reacquired = fresh = 0
    for seed in range(60):
        rng = np.random.default_rng(1000 + seed)
        seq = _sequence(seed)
        nums = _any_numbers(rng, seq[0][1]) if seed % 2 else TrackNumbers.empty()
        shown, ended = EndedTracks.empty(), EndedTracks.empty()
        for central, held in seq:
            before = nums.fresh
            pic, nums = renumber(central, held, ALLOWED, nums)
            fresh += nums.fresh > before
            own = pic.id
            pic, nums, shown, ended = reacquire(pic, nums, shown, ended, 0.1, FRAME)
            reacquired += int((pic.id != own).sum())
    assert reacquired > 10 and fresh > 3


@pytest.mark.parametrize("seed", range(20))
def test_latest_per_number_is_the_maximum_of_each(seed: int) -> None:
    """Brute force: per distinct number (ascending), the latest of its times (NaN wins, as
    ``np.maximum`` has it)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 12))
    number = rng.integers(0, 5, n).astype(np.int64)
    t = rng.choice([0.0, 1.5, 3.0, -np.inf, np.nan], n)
    got_number, got_latest = latest_per_number(number, t)
    want = sorted(set(number.tolist()))
    assert got_number.tolist() == want
    latest = np.full(len(want), -np.inf)
    for i, m in enumerate(want):
        for v in t[number == m].tolist():
            latest[i] = max(latest[i], v) if not np.isnan(v) else np.nan
            if np.isnan(latest[i]):
                break
    np.testing.assert_array_equal(got_latest, latest)


def test_last_update_of_a_picture_just_made_is_the_general_answer() -> None:
    """A coalition (A and O share detections, B too but releases to O only: the picture and
    A's view each of one tracker) over 40 scans, tracks starting and breaking: the last update
    of each row of a picture just made (read off its own track) is what the general look-up
    gives for the same numbers (asked with a copy of the ids), NaN and all."""
    members, shares = coalition("detections")
    site_ecef = np.stack([ecef_from_geodetic(la * D, lo * D, h).reshape(3) for la, lo, h in SITES])
    rng = np.random.default_rng(8)
    start = ecef_from_geodetic(rng.uniform(30.6, 32.0, 8) * D, rng.uniform(34.6, 37.2, 8) * D,
                               np.full(8, 8000.0)).reshape(-1, 3)
    vel = np.c_[rng.uniform(-150, 150, (8, 2)), np.zeros(8)]
    tracker = CoalitionTracker(PFRAME, np.array([0, 1]), np.full((2, 4), 150e3), np.zeros(2),
                               np.full(2, 1.5), np.full(2, 0.9), np.full(2, 1e-12), shares,
                               can_release(members))
    sig = np.array([40.0, 0.2 * D, 0.2 * D])
    compared = 0
    for k in range(40):
        t = 5.0 * k
        truth = PFRAME.to_ecef(PFRAME.from_ecef(start) + vel * t)
        dets = []
        for s in range(len(SITES)):
            seen = np.flatnonzero((np.linalg.norm(truth - site_ecef[s], axis=1) < 150e3)
                                  & (rng.random(8) < 0.7))
            dets.append(site_reports(truth, seen, s, rng, sig))
        det = stacked(dets)
        tracker.scan(t, det, np.full(len(det), KIND_CIVIL), np.array([0, 1]), site_ecef)
        pic = tracker.picture(t)
        view = tracker.view(pic, 0)
        for ids, member in ((pic.id, None), (view.id, 0)):
            got = tracker.last_update(ids, member)
            np.testing.assert_array_equal(got, tracker.last_update(ids.copy(), member))
            compared += ids.size
    assert compared > 200


def _confirmed(ids: list[int], t: float) -> LabelledTracks:
    """A tracker's table at ``t`` (s) of confirmed tracks ``ids`` 10 km apart."""
    n = len(ids)
    x = np.c_[np.arange(n) * 10e3, np.zeros((n, 2)), np.full(n, 100.0), np.zeros((n, 2))]
    tracks = Tracks(np.array(ids, np.int64), x, np.broadcast_to(np.eye(6) * 1e4, (n, 6, 6)).copy(),
                    np.full(n, 5, np.int32), np.zeros(n, np.int32), np.full(n, 5, np.int32),
                    np.full(n, CONFIRMED, np.int8), np.full(n, 5.0), np.full(n, t), t,
                    max(ids, default=-1) + 1)
    return LabelledTracks.of_member(tracks, 0)


def test_a_picture_asked_again_after_a_scan_at_the_same_time_shows_the_new_table() -> None:
    """The tracker's table changes between two pictures at one time (a second batch of
    reports at that time): the second picture is the new table's (before: the first one's
    rows again, numbered after the new table's tracks)."""
    tracker = CoalitionTracker(FRAME, np.array([0]), np.full((1, 4), 100e3), np.zeros(1),
                               np.full(1, 1.5), np.full(1, 0.9), np.full(1, 1e-12),
                               ["detections"], np.ones((1, 1), bool))
    tracker.tables[0] = _confirmed([3, 4], 10.0)
    assert tracker.picture(10.0).id.tolist() == [3, 4]
    tracker.tables[0] = _confirmed([3, 4, 5], 10.0)  # as a scan at 10 s leaves it
    assert tracker.picture(10.0).id.tolist() == [3, 4, 5]
