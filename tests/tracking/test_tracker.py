"""Association and track management: GNN optimality (brute force), crossing targets, stable
track numbers, determinism, coverage-aware misses, multi-sensor initiation."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from inkless.errors import InputError
from inkless.tracking import (
    CONFIRMED,
    TENTATIVE,
    TrackerConfig,
    Tracks,
    coverage_pd,
    in_picture,
    predict,
    step,
    step_sources,
    update,
)
from inkless.tracking.association import Pairs, gnn
from inkless.tracking.replay import CartesianSensor, replay


def _random_pairs(rng: np.random.Generator, n: int, m: int, density: float) -> Pairs:
    mask = rng.random((n, m)) < density
    ti, dj = np.nonzero(mask)
    cost = -rng.uniform(0.1, 10.0, ti.size)
    z = np.zeros(ti.size)
    return Pairs(ti.astype(np.intp), dj.astype(np.intp), cost, z, z, np.zeros((ti.size, 3, 3)))


def _brute_force_best(pairs: Pairs, n: int, m: int) -> float:
    best = 0.0
    C = np.zeros((n, m))
    C[pairs.ti, pairs.dj] = pairs.cost
    for perm in itertools.permutations(range(m), min(n, m)) if n <= m else []:
        best = min(best, sum(min(C[i, j], 0.0) for i, j in enumerate(perm)))
    for perm in itertools.permutations(range(n), m) if n > m else []:
        best = min(best, sum(min(C[i, j], 0.0) for j, i in enumerate(perm)))
    return best


def test_gnn_on_clusters_is_optimal() -> None:
    rng = np.random.default_rng(0)
    for _ in range(60):  # tiny problems: exhaustive search is the authority
        n, m = (int(v) for v in rng.integers(1, 6, size=2))
        pairs = _random_pairs(rng, n, m, 0.4)
        sel = gnn(pairs, n, m)
        assert len(set(pairs.ti[sel])) == sel.size and len(set(pairs.dj[sel])) == sel.size
        assert pairs.cost[sel].sum() == pytest.approx(_brute_force_best(pairs, n, m))
    for _ in range(20):  # bigger sparse problems: one dense assignment on the whole matrix
        n, m = (int(v) for v in rng.integers(20, 80, size=2))
        pairs = _random_pairs(rng, n, m, 0.04)
        sel = gnn(pairs, n, m)
        C = np.zeros((n, m))
        C[pairs.ti, pairs.dj] = pairs.cost
        r, c = linear_sum_assignment(C)
        assert pairs.cost[sel].sum() == pytest.approx(C[r, c].sum())


def _run_truth(truth: np.ndarray, sigma: float, rng: np.random.Generator,
               cfg: TrackerConfig, dt: float) -> list[Tracks]:
    """Truth (scans, targets, 3) seen by one sensor with pd = 1 and no clutter."""
    tracks = Tracks.empty()
    out = []
    R = np.broadcast_to(np.eye(3) * sigma**2, (truth.shape[1], 3, 3))
    for k in range(truth.shape[0]):
        z = truth[k] + rng.normal(0.0, sigma, truth[k].shape)
        tracks = step(tracks, k * dt, z[rng.permutation(len(z))], R, config=cfg)
        out.append(tracks)
    return out


def test_crossing_targets_keep_their_track_numbers() -> None:
    dt, scans, speed, sigma = 2.0, 40, 250.0, 50.0
    cfg = TrackerConfig()
    for seed in range(5):
        rng = np.random.default_rng(seed)
        half = np.deg2rad(15.0)  # 30 degree crossing at scan 20
        t = (np.arange(scans) - 20) * dt
        a = np.stack([speed * t * np.cos(half), speed * t * np.sin(half), 3000 + 0 * t], -1)
        b = np.stack([speed * t * np.cos(half), -speed * t * np.sin(half), 3000 + 0 * t], -1)
        truth = np.stack([a, b], axis=1)
        history = _run_truth(truth, sigma, rng, cfg, dt)
        owner: dict[int, int] = {}
        for k, tr in enumerate(history[3:], start=3):
            shown = in_picture(tr, cfg)
            assert shown.sum() == 2, (seed, k)
            for tid, x in zip(tr.id[shown], tr.x[shown], strict=True):
                target = int(np.argmin(np.linalg.norm(truth[k] - x[:3], axis=1)))
                if abs(k - 20) > 1:  # at the crossing itself both truths are within noise
                    assert owner.setdefault(int(tid), target) == target, (seed, k)
        assert len(owner) == 2


def test_track_numbers_stable_and_never_reused() -> None:
    rng = np.random.default_rng(4)
    dt, scans = 2.0, 30
    starts = rng.uniform(-40e3, 40e3, (6, 3)) * [1, 1, 0.1] + [0, 0, 6000]
    vel = rng.normal(0, 150, (6, 3)) * [1, 1, 0.01]
    truth = starts + vel * (np.arange(scans)[:, None, None] * dt)
    history = _run_truth(truth, 60.0, rng, TrackerConfig(), dt)
    seen_last: dict[int, int] = {}
    next_id = 0
    for k, tr in enumerate(history):
        assert np.all(np.diff(tr.id) > 0)  # rows ordered by id, no duplicates
        assert tr.next_id > tr.id.max(initial=-1)
        for tid in tr.id:
            if tid in seen_last:
                assert seen_last[tid] == k - 1  # a number is never resumed after a gap
            seen_last[tid] = k
        assert tr.next_id >= next_id
        next_id = tr.next_id
    final = history[-1]
    assert final.confirmed.sum() == 6
    # the six confirmed tracks existed (with the same numbers) from the third scan on
    assert all(tid in history[2].id for tid in final.id[final.confirmed])


def test_multi_sensor_same_time_confirms_in_first_scan() -> None:
    """Two sensors see a new target at the same time: two close detections confirm it (score),
    one detection alone does not."""
    cfg = TrackerConfig(clutter_density=3.5e-14)
    p = np.array([[10e3, 20e3, 5e3]])
    R = np.broadcast_to(np.diag([50.0, 50.0, 100.0]) ** 2, (1, 3, 3))
    one = step(Tracks.empty(), 0.0, p, R, config=cfg)
    assert one.status.tolist() == [TENTATIVE]
    two = step(one, 0.0, p + np.array([30.0, -20.0, 40.0]), R, config=cfg)
    assert len(two) == 1 and two.status.tolist() == [CONFIRMED] and two.hits.tolist() == [2]
    assert in_picture(two, cfg).tolist() == [True]


def test_coverage_pd_spares_targets_outside_a_sensor() -> None:
    cfg = TrackerConfig(clutter_density=3.5e-14)
    p = np.array([[0.0, 0.0, 5e3]])
    R = np.broadcast_to(np.eye(3) * 100.0**2, (1, 3, 3))
    tr = Tracks.empty()
    for k in range(3):
        tr = step(tr, 2.0 * k, p, R, config=cfg)
    assert tr.confirmed.all()
    far = coverage_pd([500e3, 0.0, 0.0], 90e3, 0.9)  # a sensor that cannot see the track
    near = coverage_pd([10e3, 0.0, 0.0], 90e3, 0.9)
    empty_z, empty_R = np.empty((0, 3)), np.empty((0, 3, 3))
    out = tr
    for _ in range(3, 40):  # the far sensor reports nothing for a long time
        out = step(out, 6.0, empty_z, empty_R, config=cfg, pd=far)
    assert len(out) == 1 and out.misses[0] == 0
    for _ in range(cfg.delete_misses):  # the near one misses: deleted after enough misses
        out = step(out, 6.0, empty_z, empty_R, config=cfg, pd=near)
    assert len(out) == 0


def test_one_missed_look_does_not_delete_a_confirmed_track() -> None:
    """A batch of many sensors expects to see a track with probability ~1 (``1 - prod(1 -
    p_i)``): one look without a detection in the gate (the track's error, common to every
    sensor, as much as a missed detection) must not delete a confirmed track at its best score
    (the miss is charged ``ln(1 - Pd)`` with Pd at most 0.99, as a hit is); the next one may.
    Before, ``ln(1e-6)`` took any track below the deletion score at once: in a dense salvo the
    track broke, a new one started and the threat was engaged twice."""
    cfg = TrackerConfig(q=0.1, clutter_density=1e-17)
    p = np.array([[10e3, 20e3, 50e3]])
    R = np.broadcast_to(np.eye(3) * 30.0**2, (1, 3, 3))
    tr = Tracks.empty()
    for k in range(30):
        tr = step(tr, 5.0 * k, p, R, config=cfg)
    assert tr.confirmed.all() and tr.quality[0] > 20.0  # as sure as a track gets
    empty_z, empty_R = np.empty((0, 3)), np.empty((0, 3, 3))
    once = step(tr, 150.0, empty_z, empty_R, config=cfg, pd=1.0 - 1e-11)
    assert len(once) == 1 and once.misses.tolist() == [1]
    assert len(step(once, 155.0, empty_z, empty_R, config=cfg, pd=1.0 - 1e-11)) == 0


def test_step_rejects_time_going_backwards() -> None:
    tr = Tracks.empty(t=10.0)
    with pytest.raises(InputError, match="time order"):
        step(tr, 5.0, np.empty((0, 3)), np.empty((0, 3, 3)))


def _scene(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[CartesianSensor]]:
    rng = np.random.default_rng(seed)
    sensors = [CartesianSensor(0, (-30e3, 0.0, 0.0), 90e3, (50.0, 50.0, 100.0)),
               CartesianSensor(1, (30e3, 0.0, 0.0), 90e3, (100.0, 100.0, 150.0))]
    start = rng.uniform(-40e3, 40e3, (15, 3)) * [1, 1, 0.2] + [0, 0, 9000]
    vel = rng.normal(0, 200, (15, 3)) * [1, 1, 0.01]
    t, s, z = [], [], []
    for k in range(25):
        for sen in sensors:
            p = start + vel * 2.0 * k
            p = p[rng.random(len(p)) < 0.9]
            pts = np.concatenate([p + rng.normal(0, sen.noise_std_m, p.shape),
                                  rng.uniform(-60e3, 60e3, (10, 3)) * [1, 1, 0.15] + [0, 0, 9e3]])
            t += [2.0 * k] * len(pts)
            s += [sen.id] * len(pts)
            z.append(pts)
    return np.array(t), np.array(s), np.concatenate(z), sensors


def test_replay_is_deterministic() -> None:
    t, s, z, sensors = _scene(8)
    a = replay(t, s, z, sensors)
    b = replay(t.copy(), s.copy(), z.copy(), sensors)
    assert a.time.size > 0
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.final.P, b.final.P)


def test_bytes_per_track_is_constant() -> None:
    t, s, z, sensors = _scene(1)
    tr = replay(t, s, z, sensors).final
    assert tr.bytes_per_track == 8 + 48 + 288 + 3 * 4 + 1 + 2 * 8
    total = sum(a.nbytes for a in (tr.id, tr.x, tr.P, tr.hits, tr.misses, tr.looks, tr.status,
                                   tr.quality, tr.t_update))
    assert total == tr.bytes_per_track * len(tr)


def test_gnn_per_cluster_path_matches_dense(monkeypatch: pytest.MonkeyPatch) -> None:
    import inkless.tracking.association as assoc

    rng = np.random.default_rng(12)
    for _ in range(10):
        n, m = (int(v) for v in rng.integers(20, 60, size=2))
        pairs = _random_pairs(rng, n, m, 0.05)
        dense = pairs.cost[gnn(pairs, n, m)].sum()
        monkeypatch.setattr(assoc, "_DENSE_MAX", 0)  # force one assignment per cluster
        looped = pairs.cost[gnn(pairs, n, m)].sum()
        monkeypatch.undo()
        assert looped == pytest.approx(dense)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_targets=st.integers(0, 12),
       sigma=st.floats(5.0, 500.0))
def test_covariances_stay_symmetric_positive_definite(seed: int, n_targets: int,
                                                      sigma: float) -> None:
    rng = np.random.default_rng(seed)
    start = rng.uniform(-20e3, 20e3, (n_targets, 3))
    vel = rng.normal(0, 300, (n_targets, 3))
    tr = Tracks.empty()
    for k in range(6):
        for _ in range(2):  # two sensors per scan
            p = start + vel * 2.0 * k
            z = np.concatenate([p + rng.normal(0, sigma, p.shape),
                                rng.uniform(-30e3, 30e3, (rng.poisson(3), 3))])
            R = np.broadcast_to(np.eye(3) * sigma**2, (len(z), 3, 3))
            tr = step(tr, 2.0 * k, z, R)
            np.testing.assert_allclose(tr.P, tr.P.transpose(0, 2, 1), rtol=0, atol=1e-9)
            if len(tr):
                assert np.linalg.eigvalsh(tr.P)[:, 0].min() > 0.0
                assert np.all(np.isfinite(tr.x)) and np.all(np.isfinite(tr.quality))


@pytest.mark.parametrize(("sweep", "young"), [(False, False), (True, False), (False, True),
                                             (True, True)])
def test_gate_finds_exactly_the_pairs_of_a_dense_mahalanobis_check(
        sweep: bool, young: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``young``: tracks spread over kilometres (a velocity prior predicted ahead) with any Pd,
    many of which no detection can pair with at a negative cost (the gate's screen of tracks,
    association._may_pair, passes over them; some near its bound)."""
    import inkless.tracking.association as assoc
    from inkless.tracking.association import gate

    if sweep:  # the pre-gate's sweep along x, used on big batches
        monkeypatch.setattr(assoc, "_DENSE_PREGATE", 0)
    rng = np.random.default_rng(21)
    screened = 0
    for _ in range(20):
        n, m = (int(v) for v in rng.integers(1, 60, size=2))
        x = np.zeros((n, 6))
        x[:, :3] = rng.uniform(-20e3, 20e3, (n, 3))
        A = rng.normal(size=(n, 6, 6)) * rng.uniform(10, 3000, (n, 1, 1))
        P = A @ A.transpose(0, 2, 1) + np.eye(6)
        z = rng.uniform(-20e3, 20e3, (m, 3))
        B = rng.normal(size=(m, 3, 3)) * rng.uniform(10, 300, (m, 1, 1))
        R = B @ B.transpose(0, 2, 1) + np.eye(3)
        pd = rng.uniform(0.5, 0.95, n)
        if young:
            P[:, :3, :3] += np.eye(3) * rng.uniform(0.3e3, 6e3, (n, 1, 1)) ** 2
            pd = rng.uniform(0.01, 0.99, n)
            screened += n - assoc._may_pair(P[:, :3, :3], -28.0, pd).size
        got = gate(x, P, z, R, gate_d2=21.1, log_clutter_density=-28.0, pd=pd)
        S = P[:, None, :3, :3] + R[None, :, :, :]  # dense (n, m, 3, 3)
        nu = z[None, :, :] - x[:, None, :3]
        d2 = np.einsum("nmi,nmi->nm", nu, np.linalg.solve(S, nu[..., None])[..., 0])
        _, logdet = np.linalg.slogdet(S)
        cost = (0.5 * (d2 + logdet + 3 * np.log(2 * np.pi)) - 28.0
                - np.log(pd)[:, None] + np.log1p(-pd)[:, None])
        want = np.argwhere((d2 < 21.1) & (cost < 0))
        order = np.lexsort((got.dj, got.ti))
        np.testing.assert_array_equal(np.c_[got.ti, got.dj][order], want)
        np.testing.assert_allclose(got.d2[order], d2[want[:, 0], want[:, 1]], rtol=1e-8)
        np.testing.assert_allclose(got.cost[order], cost[want[:, 0], want[:, 1]], rtol=1e-8,
                                   atol=1e-8)
    assert screened > 100 or not young


def test_step_sources_name_the_detection_behind_each_track() -> None:
    """Brute force: a row with a source was updated by exactly that detection (its state is the
    Kalman update of its prediction with it) or born on it; a row without kept its prediction."""
    rng = np.random.default_rng(5)
    cfg = TrackerConfig()
    sigma = 50.0
    start = rng.uniform(-30e3, 30e3, (8, 3))
    vel = rng.normal(0, 200, (8, 3))
    tr = Tracks.empty()
    for k in range(8):
        p = start + vel * 2.0 * k
        seen = rng.random(8) < 0.8
        z = np.concatenate([p[seen] + rng.normal(0, sigma, (seen.sum(), 3)),
                            rng.uniform(-40e3, 40e3, (2, 3))])[rng.permutation(seen.sum() + 2)]
        R = np.broadcast_to(np.eye(3) * sigma**2, (len(z), 3, 3))
        new, src = step_sources(tr, 2.0 * k, z, R, config=cfg)
        assert src.shape == (len(new),)
        used = src[src >= 0]
        assert np.unique(used).size == used.size  # one track per detection
        xp, Pp = predict(tr.x, tr.P, 2.0 * k - tr.t, cfg.q)
        for row in range(len(new)):
            old = np.flatnonzero(tr.id == new.id[row])
            j = int(src[row])
            if old.size == 0:  # born on its detection
                np.testing.assert_array_equal(new.x[row, :3], z[j])
                continue
            if j < 0:
                np.testing.assert_allclose(new.x[row], xp[old[0]], rtol=1e-12)
            else:
                xu, _ = update(xp[old], Pp[old], z[j][None], R[j][None])
                np.testing.assert_allclose(new.x[row], xu[0], rtol=1e-9, atol=1e-6)
        assert np.array_equal(step(tr, 2.0 * k, z, R, config=cfg).x, new.x)
        tr = new


def stepped_alone_and_together(cfgs: list[TrackerConfig], truth_at: Callable[[float], np.ndarray],
                               rng: np.random.Generator) -> tuple[list[Tracks], list[Tracks]]:
    """The trackers of ``cfgs`` fed 40 scans, 5 s apart, of the targets at ``truth_at(t)``
    (85 % seen, 80 m noise, some clutter, random Pd; the third tracker now and then left a
    step behind): each stepped alone (step_sources) and all stepped together (step_many),
    the sources of each step checked equal on the way."""
    from inkless.tracking.tracker import step_many

    alone = [Tracks.empty() for _ in cfgs]
    together = [Tracks.empty() for _ in cfgs]
    sigma = 80.0
    for k in range(40):
        t = 5.0 * (k + 1)
        truth = truth_at(t)
        batches, idx = [], []
        for j, cfg in enumerate(cfgs):
            if j == 2 and k % 3 == 1:  # this tracker skips a step now and then
                continue
            seen = truth[rng.random(len(truth)) < 0.85]
            clutter = rng.uniform(-60e3, 60e3, (int(rng.integers(0, 6)), 3))
            z = np.concatenate([seen + rng.normal(0.0, sigma, seen.shape), clutter])
            R = np.broadcast_to(np.eye(3) * sigma**2, (len(z), 3, 3)).copy()
            p = rng.uniform(0.5, 0.95, len(alone[j]))
            alone[j], src = step_sources(alone[j], t, z, R, config=cfg, pd=lambda _, p=p: p)
            batches.append((together[j], z, R, cfg, p))
            idx.append((j, src))
        for (j, src), (tr, got_src) in zip(idx, step_many(batches, t), strict=True):
            together[j] = tr
            np.testing.assert_array_equal(got_src, src)
    return alone, together


@pytest.mark.parametrize("seed", [3, 4])
def test_trackers_stepped_together_are_each_as_stepped_alone(seed: int) -> None:
    """step_many: three trackers (their own clutter densities, process noise and Pd, some
    reports shared, clutter, one tracker now and then left a step behind) stepped together for
    40 scans keep exactly the tables and sources that step_sources gives each alone."""
    rng = np.random.default_rng(seed)
    targets = rng.uniform(-50e3, 50e3, (25, 3))
    vel = rng.normal(0.0, 150.0, (25, 3))
    cfgs = [TrackerConfig(q=q, clutter_density=c)
            for q, c in ((0.1, 1e-13), (0.1, 3e-13), (0.5, 2e-12))]
    alone, together = stepped_alone_and_together(cfgs, lambda t: targets + vel * t, rng)
    for a, b in zip(alone, together, strict=True):
        assert len(a) > 10
        for f in a.__slots__:
            np.testing.assert_array_equal(getattr(b, f), getattr(a, f))
