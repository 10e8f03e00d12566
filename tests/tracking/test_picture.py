"""The coalition picture: converted reports in the common frame, gravity-aware prediction, labels
that follow the tracker, track-to-track fusion, releasability and member views.

Outside authorities: pymap3d (ENU of the truth), scipy's ODE solver (two-body motion),
``inkless.coalition.releasable`` (the coalition's own rule, re-evaluated member by member), and
brute force.
"""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.integrate import solve_ivp

from inkless.coalition import Caveats, Member, MemberRules, ReleaseRule, releasable
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.sensing import Detections, EnuFrame
from inkless.tracking import TrackerConfig, Tracks
from inkless.tracking.coalition_tracker import PICTURE_CONFIG, CoalitionTracker
from inkless.tracking.gravity import gravity_shift, predict_rows, with_gravity
from inkless.tracking.ids import isin_ids
from inkless.tracking.measurement import measurements
from inkless.tracking.merging import _sum_by, merge_reports
from inkless.tracking.numbering import EndedTracks, TrackNumbers, assemble, reacquire
from inkless.tracking.picture import KIND_CIVIL, CoalitionPicture, LabelledTracks, labelled
from inkless.tracking.releasability import can_release, release_bits
from inkless.tracking.tracker import step_many

D = np.pi / 180.0
MU = 3.986004418e14
FRAME = EnuFrame.at(32.0 * D, 35.0 * D, 0.0)


def polar_reports(truth_ecef: np.ndarray, rng: np.random.Generator, sig: np.ndarray,
                  sensor: tuple[float, float, float] = (31.0, 34.5, 50.0)) -> Detections:
    """Noisy reports of ``truth_ecef (m, 3)`` by a radar at ``sensor`` (truth polar coordinates
    from pymap3d), rotated as the sensing stage describes them."""
    lat, lon, alt = sensor
    az, el, r = pymap3d.ecef2aer(truth_ecef[:, 0], truth_ecef[:, 1], truth_ecef[:, 2], lat, lon,
                                 alt)
    m = truth_ecef.shape[0]
    noise = rng.standard_normal((m, 3)) * sig
    s_ecef = np.array(pymap3d.geodetic2ecef(lat, lon, alt))
    # the sensor's local east, north, up axes as ECEF vectors; then into the common frame
    local_to_ecef = np.stack([np.array(pymap3d.enu2uvw(*axis, lat, lon))
                              for axis in np.eye(3)], axis=1)
    to_common = FRAME.rot @ local_to_ecef
    return Detections(
        t=np.zeros(m), sensor=np.zeros(m, np.int64), member=np.zeros(m, np.int64),
        range_m=r + noise[:, 0], az=np.radians(az) + noise[:, 1], el=np.radians(el) + noise[:, 2],
        sigma=np.broadcast_to(sig, (m, 3)).copy(),
        sensor_pos=np.broadcast_to(FRAME.from_ecef(s_ecef), (m, 3)).copy(),
        to_common=np.broadcast_to(to_common, (m, 3, 3)).copy(), truth=np.arange(m),
    )


def test_converted_reports_are_consistent_in_the_common_frame() -> None:
    """NEES of z against the truth (ENU by pymap3d) is chi-square with 3 dof."""
    rng = np.random.default_rng(5)
    n = 4000
    truth = ecef_from_geodetic(rng.uniform(31.5, 33.5, n) * D, rng.uniform(35.5, 38.0, n) * D,
                               rng.uniform(500.0, 15000.0, n)).reshape(-1, 3)
    det = polar_reports(truth, rng, np.array([60.0, 0.3 * D, 0.4 * D]))
    z, R = measurements(det)
    e, nn, u = pymap3d.ecef2enu(truth[:, 0], truth[:, 1], truth[:, 2], 32.0, 35.0, 0.0)
    err = z - np.stack([e, nn, u], axis=1)
    nees = np.einsum("ki,kij,kj->k", err, np.linalg.inv(R), err)
    lo, hi = stats.chi2.ppf([1e-4, 1 - 1e-4], 3 * n) / n
    assert lo < nees.mean() < hi
    assert stats.kstest(nees, stats.chi2(3).cdf).pvalue > 1e-4


def test_gravity_aware_prediction_follows_two_body_motion() -> None:
    """A fast track predicted 5 s ahead lands within a metre of the two-body trajectory."""
    r0 = ecef_from_geodetic(32.5 * D, 38.0 * D, 150e3).reshape(3)
    v_enu = np.array([-2200.0, -300.0, -800.0])
    v0 = v_enu @ FRAME.rot  # ENU -> ECEF vector
    x = np.r_[FRAME.from_ecef(r0), v_enu][None]
    tracks = Tracks(id=np.array([0]), x=x, P=np.broadcast_to(np.eye(6), (1, 6, 6)).copy(),
                    hits=np.ones(1, np.int32), misses=np.zeros(1, np.int32),
                    looks=np.ones(1, np.int32), status=np.ones(1, np.int8), quality=np.zeros(1),
                    t_update=np.zeros(1), t=0.0, next_id=1)

    def two_body(_: float, y: np.ndarray) -> np.ndarray:
        return np.r_[y[3:], -MU * y[:3] / np.linalg.norm(y[:3]) ** 3]

    sol = solve_ivp(two_body, (0.0, 5.0), np.r_[r0, v0], rtol=1e-11, atol=1e-6)
    want = FRAME.from_ecef(sol.y[:3, -1])
    got, _ = predict_rows(tracks.x, tracks.P, np.full(1, 5.0), 0.5, FRAME)
    assert np.linalg.norm(got[0, :3] - want) < 1.0
    # a slow track is predicted at constant velocity
    slow = Tracks(**{**{f: getattr(tracks, f) for f in tracks.__slots__},
                     "x": np.r_[x[0, :3], 50.0, 0.0, 0.0][None]})
    got, _ = predict_rows(slow.x, slow.P, np.full(1, 5.0), 0.5, FRAME)
    assert np.allclose(got[0, :3], x[0, :3] + [250.0, 0.0, 0.0])


def _table(rng: np.random.Generator, n: int, models: bool) -> Tracks:
    """``n`` tracks over the Levant, every other one ballistic-fast (2 km/s), with the IMM's
    two models (each its own state) or none."""
    pos = FRAME.from_ecef(ecef_from_geodetic(rng.uniform(31, 33, n) * D, rng.uniform(35, 38, n)
                                             * D, rng.uniform(1e3, 150e3, n)).reshape(-1, 3))
    vel = rng.normal(0.0, 200.0, (n, 3))
    vel[::2] *= 2000.0 / np.linalg.norm(vel[::2], axis=1, keepdims=True)
    x = np.c_[pos, vel]
    P = np.broadcast_to(np.eye(6), (n, 6, 6)).copy()
    extra = ({"mu": np.full(n, 0.1), "xm": np.stack([x, x + rng.normal(0, 5, (n, 6))], 1),
              "Pm": np.stack([P, 2 * P], 1)} if models else {})
    return Tracks(id=np.arange(n), x=x, P=P, hits=np.ones(n, np.int32),
                  misses=np.zeros(n, np.int32), looks=np.ones(n, np.int32),
                  status=np.ones(n, np.int8), quality=np.zeros(n), t_update=np.zeros(n), t=0.0,
                  next_id=n, **extra)


def test_gravity_shift_of_several_tables_is_each_alone() -> None:
    """Tables shifted together, each over its own time step (with and without models, one
    without a fast track, one empty, one not moving) are each what it gives alone, bit for
    bit, and that is :func:`gravity_shift`'s; the fast rows' NCV prediction then follows
    gravity (as ``predict_rows`` predicts it), the slow rows are untouched."""
    rng = np.random.default_rng(11)
    slow = _table(rng, 3, False)
    slow = Tracks(**{**{f: getattr(slow, f) for f in slow.__slots__},
                     "x": np.c_[slow.x[:, :3], np.full((3, 3), 100.0)]})
    tables = [_table(rng, 7, True), _table(rng, 5, False), slow, _table(rng, 0, False),
              _table(rng, 4, True), _table(rng, 6, True)]
    dts = [3.0, 5.0, 5.0, 5.0, 0.0, 7.5]
    together = with_gravity(tables, dts, FRAME)
    for tb, dt, got in zip(tables, dts, together, strict=True):
        alone, = with_gravity([tb], [dt], FRAME)
        for f in ("x", "xm", "P", "Pm", "mu"):
            assert np.array_equal(getattr(got, f), getattr(alone, f)), f
        if dt > 0 and len(tb) and tb is not slow:  # and alone it is gravity_shift's
            assert np.array_equal(alone.x, gravity_shift(tb.x, dt, FRAME))
    assert together[2] is slow and together[3] is tables[3] and together[4] is tables[4]
    fast = together[1].x[::2]
    want, _ = predict_rows(tables[1].x[::2], tables[1].P[::2], np.full(3, 5.0), 0.1, FRAME)
    assert np.allclose(fast[:, :3] + 5.0 * fast[:, 3:], want[:, :3], rtol=0, atol=1e-6)
    assert not np.array_equal(fast, tables[1].x[::2])
    assert np.array_equal(together[1].x[1::2], tables[1].x[1::2])


def track_scan(held: LabelledTracks, t: float, det: Detections, z: np.ndarray, R: np.ndarray,
               kind: np.ndarray, member: int, config: TrackerConfig, pd: float) -> LabelledTracks:
    """One sensor's scan into a labelled tracker, every report its own batch entry: ``kind``
    of object behind each report, ``member`` the sensor's member row, ``pd`` the detection
    probability expected of every track."""
    dt = t - held.tracks.t
    shifted, = with_gravity([held.tracks], [dt], FRAME)
    m = z.shape[0]
    kinds = np.zeros((m, 5), np.int64)
    kinds[np.arange(m), kind] = 1
    (after, det_of), = step_many([(shifted, z, R, config, np.full(len(held), pd))], t)
    return labelled(held, after, det_of, det.truth, kinds, np.full(m, 1 << member, np.int64))


def test_labels_follow_the_tracker() -> None:
    """Three targets far apart: every confirmed track counts one labelled detection per hit,
    all of its own target, and carries the reporting member's bit."""
    rng = np.random.default_rng(7)
    start = ecef_from_geodetic(np.array([31.0, 32.0, 33.0]) * D, np.array([36.0, 36.5, 37.0]) * D,
                               np.array([3000.0, 6000.0, 9000.0])).reshape(-1, 3)
    vel = np.array([[-200.0, 0.0, 0.0], [-150.0, 100.0, 0.0], [0.0, -220.0, 0.0]])
    held = LabelledTracks.empty()
    sig = np.array([50.0, 0.2 * D, 0.2 * D])
    for k in range(30):
        t = 5.0 * k
        truth = FRAME.to_ecef(FRAME.from_ecef(start) + vel * t)
        seen = rng.random(3) < 0.9
        det = polar_reports(truth[seen], rng, sig)
        det = Detections(**{**{f: getattr(det, f) for f in det.__slots__},
                            "truth": np.flatnonzero(seen)})
        z, R = measurements(det)
        held = track_scan(held, t, det, z, R, np.full(len(det), 2), 3, PICTURE_CONFIG, 0.9)
    conf = held.tracks.confirmed
    assert conf.sum() == 3
    assert np.array_equal(held.votes.sum(axis=1), held.tracks.hits)
    truth_now = FRAME.from_ecef(FRAME.to_ecef(FRAME.from_ecef(start) + vel * 145.0))
    nearest = np.argmin(np.linalg.norm(held.tracks.x[conf, None, :3] - truth_now[None], axis=2),
                        axis=1)
    assert np.array_equal(held.obj[conf], nearest)
    assert np.all(held.votes[conf][:, 2] == held.tracks.hits[conf])
    assert np.all(held.members[conf] == np.uint64(1 << 3))


def test_a_track_that_moves_to_another_object_is_labelled_with_it() -> None:
    """A track follows a coalition fighter for 40 scans; then the fighter's reports stop and a
    drone's come from where the track is (the fighter passed it on an intercept, the tracker
    took the drone's reports): from the 4th of them on the track is labelled with the drone, the
    object it follows. Before: the streaming majority kept the fighter's label for as many
    scans as the fighter had fed it, so the scoring took a drone's track held friend for a
    friend held friend, and a shot at it for a shot at the drone (tests/engine/
    test_patrols_run.py's cap scenario, seed 1: a track labelled drone 6 followed aircraft 8,
    declared friend, for minutes). A single report of another object (a false alarm, a
    crossing) does not move the label."""
    rng = np.random.default_rng(11)
    start = FRAME.from_ecef(ecef_from_geodetic(31.5 * D, 35.5 * D, 6000.0).reshape(1, 3))[0]
    vel = np.array([-200.0, 0.0, 0.0])
    held = LabelledTracks.empty()
    sig = np.array([30.0, 0.1 * D, 0.1 * D])
    for k in range(50):
        t = 5.0 * k
        obj = 8 if k < 40 else 6  # the fighter, then the drone where the track is
        if k == 20:
            obj = 5  # one report of a third object
        det = polar_reports(FRAME.to_ecef((start + vel * t)[None]), rng, sig)
        det = Detections(**{**{f: getattr(det, f) for f in det.__slots__},
                            "truth": np.array([obj])})
        z, R = measurements(det)
        held = track_scan(held, t, det, z, R, np.array([KIND_CIVIL if obj == 8 else 2]), 0,
                          PICTURE_CONFIG, 0.9)
        assert held.obj.tolist() == ([8] if k < 43 else [6])
    assert held.votes.tolist() == [[0, 0, 11, 39, 0]]  # the kinds: every detection counted


def picture(x: np.ndarray, members: int, sd: float = 100.0) -> CoalitionPicture:
    n = x.shape[0]
    P = np.broadcast_to(np.diag([sd**2] * 3 + [25.0] * 3), (n, 6, 6)).copy()
    votes = np.zeros((n, 5), np.int32)
    votes[:, 2] = 5
    return CoalitionPicture(0.0, np.arange(n, dtype=np.int64), x, P, np.full(n, 5.0),
                            np.full(n, np.uint64(members)), np.zeros(n, np.uint64), votes,
                            np.arange(n, dtype=np.int64))


def test_track_to_track_fusion() -> None:
    rng = np.random.default_rng(11)
    truth = np.array([[0.0, 0, 5000, 100, 0, 0], [50e3, 0, 5000, 0, 100, 0],
                      [0, 60e3, 3000, -100, 0, 0]])
    a = picture(truth + rng.normal(0, [100] * 3 + [5] * 3, (3, 6)), 0b01)
    b = picture(np.r_[truth, [[-80e3, 0, 4000, 0, 0, 0]]] + rng.normal(0, [150] * 3 + [5] * 3,
                                                                       (4, 6)), 0b10, sd=150.0)
    f, _ = assemble(a, [(1, b)], np.ones((2, 2), bool))
    assert len(f) == 4
    assert np.array_equal(f.id[:3], a.id)  # matched tracks keep the picture's numbers
    assert f.id[3] == (2 << 40) | 3  # the member's own track, under its encoded number
    assert np.all(f.members[:3] == 0b11) and f.members[3] == 0b10
    assert np.all(f.votes[:3, 2] == 10)
    # covariance intersection: never larger (trace) than the better of the two estimates
    tr = np.trace(f.P[:3], axis1=1, axis2=2)
    assert np.all(tr <= np.minimum(np.trace(a.P, axis1=1, axis2=2),
                                   np.trace(b.P[:3], axis1=1, axis2=2)) + 1e-6)
    assert np.all(np.linalg.eigvalsh(f.P) > 0)


def members_strategy() -> st.SearchStrategy[list[Member]]:
    roles = st.sampled_from(["host", "orchestrator", "partner"])

    @st.composite
    def build(draw: st.DrawFn) -> list[Member]:
        n = draw(st.integers(2, 6))
        ids = [f"M{i}" for i in range(n)]
        out = []
        for i in range(n):
            release = None
            if draw(st.booleans()):
                to = draw(st.lists(st.sampled_from([*ids, "host", "partner", "orchestrator"]),
                                   max_size=3, unique=True))
                release = (ReleaseRule(what="tracks", to=tuple(to)),)
            out.append(Member(id=ids[i], role=draw(roles), anonymous=draw(st.booleans()),
                              rules=MemberRules(caveats=Caveats(release=release)),
                              name=f"member {i}"))
        return out

    return build()


@settings(max_examples=150, deadline=None)
@given(members=members_strategy(), data=st.data())
def test_release_bits_follow_the_coalitions_rule(members: list[Member],
                                                 data: st.DataObject) -> None:
    """A track goes to a member (its release bit) exactly when every contributor releases its
    tracks to that member (authority: ``releasable``, member by member)."""
    n = len(members)
    k = data.draw(st.integers(0, 12))
    prov = np.array([data.draw(st.integers(1, 2**n - 1)) for _ in range(k)], dtype=np.uint64)
    pic = picture(np.zeros((k, 6)), 1)
    pic = CoalitionPicture(0.0, np.arange(k, dtype=np.int64), pic.x, pic.P, pic.quality, prov,
                           release_bits(prov, can_release(members)), pic.votes, pic.obj)
    for v, viewer in enumerate(members):
        shown = set(np.flatnonzero((pic.release >> np.uint64(v)) & np.uint64(1)).tolist())
        for row in range(k):
            owners = [members[o] for o in range(n) if int(prov[row]) >> o & 1]
            allowed = all(releasable(o, "tracks", viewer) for o in owners)
            assert (row in shown) == allowed


# ----------------------------------------------------------------------------- track numbers
def at(pic: CoalitionPicture, t: float, rows: list[int] | None = None,
       ids: list[int] | None = None) -> CoalitionPicture:
    """``pic`` at time ``t``, only its ``rows``, renumbered ``ids`` (source track ids)."""
    sub = pic.take(np.arange(len(pic)) if rows is None else np.array(rows, np.int64))
    new_ids = sub.id if ids is None else np.array(ids, np.int64)
    return CoalitionPicture(float(t), new_ids, sub.x, sub.P, sub.quality, sub.members,
                            sub.release, sub.votes, sub.obj)


ALL = np.ones((2, 2), bool)


def test_a_members_track_keeps_the_number_of_the_track_it_was_joined_to() -> None:
    """The centralised track 5 is joined by member 1's track 9; once 5 is gone (killed), 9 is
    still shown as 5, so what was done on 5 stays with the object."""
    truth = np.array([[0.0, 0, 50e3, 2000, 0, -1000], [80e3, 0, 50e3, 2000, 0, -1000]])
    a = picture(truth, 0b01)
    b = picture(truth, 0b10, sd=300.0)
    pic, nums = assemble(at(a, 0, [0], [5]), [(1, at(b, 0, [0], [9]))], ALL)
    assert pic.id.tolist() == [5]
    pic, nums = assemble(at(a, 5, [], []), [(1, at(b, 5, [0], [9]))], ALL, nums)
    assert pic.id.tolist() == [5]  # before: (2 << 40) | 9, a new track the defence engaged again


def test_a_centralised_track_joining_a_members_track_takes_the_older_number() -> None:
    """Member 1's track 9 is shown alone first (its own number); the centralised track 7
    that joins it later is shown under that number, and keeps it once 9 has gone."""
    truth = np.array([[0.0, 0, 50e3, 2000, 0, -1000]])
    a, b = picture(truth, 0b01), picture(truth, 0b10, sd=300.0)
    own = (2 << 40) | 9
    pic, nums = assemble(at(a, 0, [], []), [(1, at(b, 0, [0], [9]))], ALL)
    assert pic.id.tolist() == [own]
    pic, nums = assemble(at(a, 5, [0], [7]), [(1, at(b, 5, [0], [9]))], ALL, nums)
    assert pic.id.tolist() == [own]
    pic, nums = assemble(at(a, 10, [0], [7]), [(1, at(b, 10, [], []))], ALL, nums)
    assert pic.id.tolist() == [own]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_track_numbers_are_distinct_and_kept(data: st.DataObject) -> None:
    """Random pictures of a centralised tracker and two members over time (tracks of 6
    objects appearing, vanishing, some far off): every picture's numbers are distinct, every
    source track's entry is a number shown now, and a row whose sources are exactly the
    source tracks shown now that were last shown under one number keeps that number (no
    other row can have taken it or merged it away)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    truth = np.c_[rng.uniform(-50e3, 50e3, (6, 3)), np.zeros((6, 3))]
    nums: TrackNumbers | None = None
    before: dict[int, int] = {}  # source track -> the number it was last shown under
    kept = 0
    for k in range(data.draw(st.integers(2, 8))):
        srcs = []
        for src in range(3):
            show = np.flatnonzero(rng.random(6) < 0.6)
            off = rng.random(show.size) < 0.15  # a track far from its object: a new pair
            p = picture(truth[show] + off[:, None] * np.r_[20e3, 0, 0, 0, 0, 0], 1 << src)
            srcs.append(at(p, float(k), ids=show.tolist()))
        pic, nums = assemble(srcs[0], [(1, srcs[1]), (2, srcs[2])], np.ones((3, 3), bool), nums)
        assert np.unique(pic.id).size == len(pic)
        keys = np.concatenate([srcs[0].id, (2 << 40) | srcs[1].id, (3 << 40) | srcs[2].id])
        now = dict(zip(nums.key.tolist(), nums.number.tolist(), strict=True))
        for key in keys.tolist():
            assert now[key] in pic.id  # every source track's entry is a number shown now
        for number in pic.id.tolist():
            rows_sources = [key for key in keys.tolist() if now[key] == number]
            was = {before.get(key) for key in rows_sources}
            if len(was) != 1 or None in was:
                continue
            (old,) = was
            if all(before.get(key) != old for key in keys.tolist() if key not in rows_sources):
                assert number == old
                kept += 1
        before = now
    note(f"rows that kept their number: {kept}")


# ----------------------------------------------------------------------------- members' views
def coalition(b_shares: str) -> tuple[list[Member], list[str]]:
    """Host A shares detections; partner B shares ``b_shares`` and releases its tracks only to
    the orchestrator O (who has no sensor)."""
    only_o = MemberRules(caveats=Caveats(release=(ReleaseRule(what="tracks", to=("O",)),)))
    members = [Member(id="A", role="host", name="A"),
               Member(id="B", role="partner", name="B", rules=only_o),
               Member(id="O", role="orchestrator", name="O")]
    return members, ["detections", b_shares, "detections"]


SITES = ((31.0, 34.6, 50.0), (31.6, 36.6, 50.0))  # radars of A and B, lat, lon deg, alt m


def site_reports(truth_ecef: np.ndarray, seen: np.ndarray, s: int, rng: np.random.Generator,
                 sig: np.ndarray) -> Detections:
    """The reports of the radar of ``SITES[s]`` (sensor and member ``s``) of the objects
    ``seen`` among ``truth_ecef`` (:func:`polar_reports`)."""
    d = polar_reports(truth_ecef[seen], rng, sig, SITES[s])
    return Detections(**{**{f: getattr(d, f) for f in d.__slots__},
                         "sensor": np.full(seen.size, s), "member": np.full(seen.size, s),
                         "truth": seen})


def stacked(dets: list[Detections]) -> Detections:
    """One scan's reports of several radars, in the order given."""
    return Detections(**{f: np.concatenate([getattr(d, f) for d in dets])
                         for f in dets[0].__slots__})


@pytest.mark.parametrize("b_shares", ["detections", "tracks"])
def test_a_member_holds_what_its_own_radar_sees(b_shares: str) -> None:
    """Eight aircraft, some seen by both radars: A's view holds every aircraft its own radar
    covers (before: those B's radar also saw were dropped from it entirely, B's tracks not
    being releasable to A), and none of B's alone; the orchestrator holds them all."""
    members, shares = coalition(b_shares)
    allowed = can_release(members)
    site_ecef = np.stack([ecef_from_geodetic(la * D, lo * D, h).reshape(3) for la, lo, h in SITES])
    rng = np.random.default_rng(3)
    start = ecef_from_geodetic(rng.uniform(30.6, 32.0, 8) * D, rng.uniform(34.6, 37.2, 8) * D,
                               np.full(8, 8000.0)).reshape(-1, 3)
    vel = np.c_[rng.uniform(-150, 150, (8, 2)), np.zeros(8)]
    reach = 150e3
    tracker = CoalitionTracker(FRAME, np.array([0, 1]), np.full((2, 4), reach), np.zeros(2),
                               np.full(2, 1.5), np.full(2, 0.9), np.full(2, 1e-12), shares,
                               allowed)
    sig = np.array([40.0, 0.2 * D, 0.2 * D])
    ever = np.zeros((2, 8), bool)  # some time inside the radar's reach
    for k in range(24):
        t = 5.0 * k
        truth = FRAME.to_ecef(FRAME.from_ecef(start) + vel * t)
        dets = []
        for s in range(len(SITES)):
            near = np.linalg.norm(truth - site_ecef[s], axis=1) < reach
            ever[s] |= near
            seen = np.flatnonzero(near & (rng.random(8) < 0.9))
            dets.append(site_reports(truth, seen, s, rng, sig))
        det = stacked(dets)
        tracker.scan(t, det, np.full(len(det), KIND_CIVIL), np.array([0, 1]), site_ecef)
    pic = tracker.picture(t)
    now = FRAME.from_ecef(truth)
    covered = [np.linalg.norm(truth - site_ecef[s], axis=1) < reach - 5e3 for s in range(2)]
    assert (covered[0] & covered[1]).any() and (covered[1] & ~ever[0]).any()

    def held(p: CoalitionPicture) -> np.ndarray:
        d = np.linalg.norm(p.x[:, None, :3] - now[None], axis=2)
        return (d < 2e3).any(axis=0)

    a_view, o_view = tracker.view(pic, 0), tracker.view(pic, 2)
    assert np.all(held(a_view)[covered[0]])
    assert not held(a_view)[covered[1] & ~ever[0]].any()
    assert np.all(held(o_view)[covered[0] | covered[1]])
    assert np.all(a_view.members & np.uint64(0b10) == 0)  # nothing of B's in A's view


def test_a_new_track_where_a_track_ended_takes_its_number_back() -> None:
    """Track 5 (a drone at 50 m/s) is shown, then its tracker deletes it; 20 s later track 9
    starts where 5 would be: it is shown as 5 (a shot in the air at 5 goes on covering the
    object instead of a second shot at a 'new' threat). A new track 20 km off keeps its own
    number."""
    truth = np.array([[0.0, 0, 1200, 50, 0, 0]])
    shown, ended = EndedTracks.empty(), EndedTracks.empty()
    nums: TrackNumbers | None = None
    for t, ids in ((0.0, [5]), (5.0, [5]), (10.0, [])):
        x = truth + np.r_[50.0 * t, 0, 0, 0, 0, 0]
        p = at(picture(x, 0b01, sd=300.0), t, [0] if ids else [], ids)
        pic, nums = assemble(p, [], ALL, nums)
        nums = nums.keep(p.id)  # the tracker holds only the tracks it shows here
        pic, nums, shown, ended = reacquire(pic, nums, shown, ended, 0.1, FRAME)
    assert len(ended) == 1
    x = np.r_[truth[0, :3] + [50.0 * 30.0, 0, 0], truth[0, 3:]]
    far = x + np.r_[20e3, 0, 0, 0, 0, 0]
    p = at(picture(np.stack([far, x]), 0b01, sd=300.0), 30.0, ids=[8, 9])
    pic, nums = assemble(p, [], ALL, nums)
    pic, nums, shown, ended = reacquire(pic, nums, shown, ended, 0.1, FRAME)
    assert pic.id.tolist() == [8, 5]
    assert len(ended) == 0


@given(st.lists(st.integers(-5, 5), max_size=12), st.lists(st.integers(-5, 5), max_size=12))
@settings(max_examples=200, deadline=None)
def test_membership_is_numpys_isin(a: list[int], b: list[int]) -> None:
    """Authority: ``np.isin`` (the picture's bookkeeping uses a cheaper binary search)."""
    x, y = np.array(a, np.int64), np.array(b, np.int64)
    np.testing.assert_array_equal(isin_ids(x, y), np.isin(x, y))


def test_a_number_is_never_issued_twice() -> None:
    """A centralised track and a member's track share one number (joined), then part: the
    member's track gets a fresh number. The picture then empties (every source track ended)
    and the same happens to two new tracks: their fresh number is a new one (before: an empty
    set of numbers was taken for none at all, the fresh-number counter restarted and the old
    number, with whatever the defence had booked on it, was issued again)."""
    truth = np.array([[0.0, 0, 50e3, 2000, 0, -1000]])
    apart = truth + np.r_[60e3, 0, 0, 0, 0, 0]
    a, b = picture(truth, 0b01), picture(truth, 0b10, sd=300.0)
    b_apart = picture(apart, 0b10, sd=300.0)
    nums: TrackNumbers | None = None
    fresh = []
    for t0, c_id, m_id in ((0.0, 7, 9), (30.0, 17, 19)):
        pic, nums = assemble(at(a, t0, [], []), [(1, at(b, t0, [0], [m_id]))], ALL, nums)
        pic, nums = assemble(at(a, t0 + 5, [0], [c_id]), [(1, at(b, t0 + 5, [0], [m_id]))],
                             ALL, nums)
        pic, nums = assemble(at(a, t0 + 10, [0], [c_id]),
                             [(1, at(b_apart, t0 + 10, [0], [m_id]))], ALL, nums)
        assert len(pic) == 2 and np.unique(pic.id).size == 2
        own = {c_id, (2 << 40) | m_id}
        fresh += [i for i in pic.id.tolist() if i not in own]
        pic, nums = assemble(at(a, t0 + 15, [], []), [(1, at(b, t0 + 15, [], []))], ALL, nums)
        nums = nums.keep(np.zeros(0, np.int64))  # every source track has ended
    assert len(fresh) == 2 and fresh[0] != fresh[1]


def test_a_members_view_reads_its_own_tracks_last_update() -> None:
    """B shares nothing and its radar alone sees four aircraft up to 60 s, then is not
    scanned (its tracks coast to 70 s): each track of B's view was last updated at 60 s, what
    B's own tracker holds (the IFF memory of B's identities is counted from it). The coalition
    picture's numbers hold none of B's tracks (NaN): the view's own numbers are needed (before:
    no ``member``, and the recorder identified B's view with IFF held from now)."""
    members, shares = coalition("none")
    site_ecef = np.stack([ecef_from_geodetic(la * D, lo * D, h).reshape(3) for la, lo, h in SITES])
    rng = np.random.default_rng(5)
    near_b = FRAME.from_ecef(site_ecef[1])
    start = near_b + np.c_[rng.uniform(-30e3, 30e3, (4, 2)), np.full(4, 8000.0)]
    vel = np.c_[rng.uniform(-100, 100, (4, 2)), np.zeros(4)]
    reach = 60e3  # A's radar, 200 km away, sees none of them
    tracker = CoalitionTracker(FRAME, np.array([0, 1]), np.full((2, 4), reach), np.zeros(2),
                               np.full(2, 1.5), np.full(2, 0.9), np.full(2, 1e-12), shares,
                               can_release(members))
    sig = np.array([40.0, 0.2 * D, 0.2 * D])
    for k in range(13):
        t = 5.0 * k
        d = polar_reports(FRAME.to_ecef(start + vel * t), rng, sig, SITES[1])
        det = Detections(**{**{f: getattr(d, f) for f in d.__slots__}, "sensor": np.full(4, 1),
                            "member": np.full(4, 1), "truth": np.arange(4)})
        tracker.scan(t, det, np.full(4, KIND_CIVIL), np.array([0, 1]), site_ecef)
    view = tracker.view(tracker.picture(70.0), 1)  # no scan since 60 s
    assert len(view) == 4
    np.testing.assert_array_equal(tracker.last_update(view.id, 1), np.full(4, 60.0))
    assert np.isnan(tracker.last_update(view.id)).all()


def test_reports_of_one_group_with_a_sensor_twice_merge_without_a_clean_group() -> None:
    """Every group of paired reports has some sensor twice (two aircraft of a flight side by
    side, seen by several radars: found flying April's fighters in pairs, where the tracked run
    stopped with a reshape error). Sensor 0 reports at x = 0 and 3 m, sensors 1 and 2 at 1 and
    2 m: mutual nearest pairs chain the four into one group. Each report goes into one merged
    report, never with another of its sensor, and each merged report is the information-weighted
    mean of its reports (closed form)."""
    z = np.array([[0.0, 0, 0], [3.0, 0, 0], [1.0, 0, 0], [2.0, 0, 0]])
    R = np.tile(np.eye(3) * 100.0, (4, 1, 1))
    group = np.array([0, 0, 1, 2])
    zf, Rf, into = merge_reports(z, R, group)
    assert into.min() >= 0 and into.max() == zf.shape[0] - 1
    for k in range(zf.shape[0]):
        mine = into == k
        assert np.unique(group[mine]).size == mine.sum()  # a sensor at most once
        info = np.linalg.inv(R[mine])
        np.testing.assert_allclose(np.linalg.inv(Rf[k]), info.sum(axis=0), rtol=1e-12)
        np.testing.assert_allclose(zf[k], np.linalg.solve(info.sum(axis=0),
                                                          np.einsum("kij,kj->i", info, z[mine])),
                                   atol=1e-9)


@settings(deadline=None, max_examples=60)
@given(rows=st.integers(0, 6), n=st.integers(0, 4), shape=st.sampled_from([(), (3,), (3, 3)]),
       seed=st.integers(0, 2**31))
def test_sum_by_adds_rows_as_add_at(rows: int, n: int, shape: tuple[int, ...], seed: int) -> None:
    """Authority: ``np.add.at`` (merge_reports sums the information per merged report with
    ``_sum_by``), bit for bit, no rows included (every merged group ambiguous: fbf6f6a)."""
    if rows and not n:
        n = 1
    rng = np.random.default_rng(seed)
    at = rng.integers(0, max(n, 1), rows)
    values = rng.normal(size=(rows, *shape))
    want = np.zeros((n, *shape))
    np.add.at(want, at, values)
    got = _sum_by(at, values, n)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
