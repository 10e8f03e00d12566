"""Solvers against outside authorities: brute-force enumeration, scipy's linear assignment, and
den Broeder et al.'s theorem that greedy is optimal when kill probabilities depend only on the
target. Plus the invariants every solver must keep (hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from inkless.assignment import (
    UNLIMITED,
    WTAProblem,
    objective_value,
    solve,
    solve_exact,
    solve_fast,
    solve_greedy,
)
from inkless.errors import InputError


def brute_force(problem: WTAProblem) -> float:
    """Optimum by enumerating every feasible integer assignment (tiny problems only)."""
    n_w, n_t = problem.p.shape
    per_row: list[list[tuple[int, ...]]] = []
    for i in range(n_w):
        options = [
            combo
            for combo in itertools.product(range(int(problem.counts[i]) + 1), repeat=n_t)
            if sum(combo) <= problem.counts[i]
            and all(c == 0 or problem.eligible[i, j] for j, c in enumerate(combo))
        ]
        per_row.append(options)
    best = np.inf
    for rows in itertools.product(*per_row):
        x = np.array(rows, dtype=np.int64).reshape(n_w, n_t)
        if np.any(x.sum(axis=0) > problem.max_per_target):
            continue
        best = min(best, objective_value(problem, x))
    return float(best)


@st.composite
def problems(draw: st.DrawFn, max_w: int = 3, max_t: int = 3, max_count: int = 2) -> WTAProblem:
    n_w = draw(st.integers(1, max_w))
    n_t = draw(st.integers(1, max_t))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = np.round(rng.uniform(0.0, 100.0, n_t), 2)
    p = np.round(rng.uniform(0.0, 1.0, (n_w, n_t)), 3)
    if draw(st.booleans()):  # some certain kills and some useless shots
        p[rng.uniform(size=p.shape) < 0.15] = 1.0
        p[rng.uniform(size=p.shape) < 0.15] = 0.0
    counts = rng.integers(0, max_count + 1, n_w)
    eligible = rng.uniform(size=(n_w, n_t)) < draw(st.sampled_from([1.0, 0.7, 0.4]))
    cost = np.round(rng.uniform(0.0, 10.0, n_w), 2)
    rate = draw(st.sampled_from([0.0, 0.0, 1.0, 3.0]))
    cap = (
        rng.integers(0, 3, n_t) if draw(st.booleans()) else np.full(n_t, UNLIMITED)
    )
    return WTAProblem.make(values, p, counts, eligible, cost, rate, cap)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(problems(max_w=5, max_t=5, max_count=3))
def test_every_solver_keeps_the_constraints(problem: WTAProblem) -> None:
    for name in ("greedy", "fast", "exact"):
        sol = solve(problem, name, time_limit=20.0)
        assert sol.x.shape == problem.p.shape
        assert sol.x.dtype.kind == "i"
        assert np.all(sol.x >= 0)
        assert np.all(sol.x.sum(axis=1) <= problem.counts), name
        assert np.all(sol.x.sum(axis=0) <= problem.max_per_target), name
        assert not np.any((sol.x > 0) & ~problem.eligible), name
        assert problem.violations(sol.x) == []
        assert sol.objective == pytest.approx(objective_value(problem, sol.x), rel=1e-12)


@FAST
@given(problems(max_w=6, max_t=6, max_count=3))
def test_fast_is_never_worse_than_greedy(problem: WTAProblem) -> None:
    assert solve_fast(problem).objective <= solve_greedy(problem).objective + 1e-12


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_exact_matches_brute_force(problem: WTAProblem) -> None:
    optimum = brute_force(problem)
    sol = solve_exact(problem, time_limit=30.0)
    assert sol.status == "optimal"
    assert sol.bound is not None and sol.gap is not None
    tol = 1e-4 * max(abs(optimum), 1e-9) + 1e-9
    assert sol.objective <= optimum + tol
    assert sol.objective >= optimum - 1e-9  # an assignment cannot beat the optimum
    assert sol.bound <= optimum + 1e-7  # the bound is proven
    # closed to 1e-4 relative, or to 1e-9 of the total value for near-zero optima
    assert sol.gap <= 1e-4 or sol.objective - sol.bound <= 1e-9 * float(problem.values.sum())


def test_exact_and_fast_equal_linear_assignment_when_one_round_per_target() -> None:
    # With one round per row and at most one per target, the objective is
    # sum_j V_j (1 - p_{sigma(j) j}) over a matching: a linear assignment (scipy solves it).
    rng = np.random.default_rng(7)
    n = 25
    values = rng.uniform(25, 100, n)
    p = rng.uniform(0.6, 0.9, (n, n))
    problem = WTAProblem.make(values, p, max_per_target=np.ones(n))
    rows, cols = linear_sum_assignment(-(p * values[None, :]))
    reference = float(values.sum() - (p[rows, cols] * values[cols]).sum())
    exact = solve_exact(problem)
    assert exact.objective == pytest.approx(reference, rel=1e-4)
    assert exact.bound is not None and exact.bound <= reference + 1e-7
    assert solve_fast(problem).objective == pytest.approx(reference, rel=1e-9)


def test_greedy_is_optimal_when_kill_probability_depends_on_target_only() -> None:
    # den Broeder, Ellison & Emerling (1959): with identical weapons, MMR is optimal.
    rng = np.random.default_rng(3)
    n_w, n_t = 4, 3
    values = rng.uniform(10, 100, n_t)
    p = np.tile(rng.uniform(0.3, 0.9, n_t), (n_w, 1))
    problem = WTAProblem.make(values, p)
    assert solve_greedy(problem).objective == pytest.approx(brute_force(problem), rel=1e-12)


def test_greedy_marginal_return_by_hand() -> None:
    # V = (10, 6), p = 0.5 everywhere, 3 rounds on one row. MMR: 5 (t0), 3 (t1), 2.5 (t0).
    problem = WTAProblem.make([10.0, 6.0], [[0.5, 0.5]], counts=[3])
    sol = solve_greedy(problem)
    assert sol.x.tolist() == [[2, 1]]
    assert sol.objective == pytest.approx(10 * 0.25 + 6 * 0.5)


def test_greedy_stops_when_a_round_costs_more_than_it_saves() -> None:
    # a round saves 10 * 0.5 = 5 value units and costs 2 * 3 = 6: do not fire
    problem = WTAProblem.make([10.0], [[0.5]], counts=[4], cost=[2.0], exchange_rate=3.0)
    for name in ("greedy", "fast", "exact"):
        sol = solve(problem, name)
        assert sol.x.tolist() == [[0]], name
        assert sol.objective == pytest.approx(10.0)


def test_exact_medium_instance_is_certified_and_beats_heuristics() -> None:
    rng = np.random.default_rng(11)
    n_w, n_t = 15, 15
    problem = WTAProblem.make(
        rng.uniform(25, 100, n_t),
        rng.uniform(0.6, 0.9, (n_w, n_t)),
        eligible=rng.uniform(size=(n_w, n_t)) > 0.3,
    )
    exact = solve_exact(problem, time_limit=60.0)
    assert exact.status == "optimal"
    assert exact.bound is not None and exact.bound <= exact.objective
    assert exact.objective <= solve_fast(problem).objective + 1e-9
    assert solve_fast(problem).objective <= solve_greedy(problem).objective + 1e-9


def test_empty_problems() -> None:
    for values, p in (([], np.zeros((3, 0))), ([5.0, 7.0], np.zeros((0, 2)))):
        problem = WTAProblem.make(values, p)
        for name in ("greedy", "fast", "exact"):
            sol = solve(problem, name)
            assert sol.x.shape == problem.p.shape
            assert sol.objective == pytest.approx(float(np.sum(values)))


def test_solve_rejects_unknown_solver_and_bad_time_limit() -> None:
    problem = WTAProblem.make([1.0], [[0.5]])
    with pytest.raises(InputError, match="unknown solver"):
        solve(problem, "simplex")
    with pytest.raises(InputError, match="time_limit"):
        solve(problem, "exact", time_limit=0.0)


def test_same_input_same_answer() -> None:
    rng = np.random.default_rng(5)
    problem = WTAProblem.make(rng.uniform(25, 100, 30), rng.uniform(0.6, 0.9, (40, 30)))
    a, b = solve_fast(problem), solve_fast(problem)
    assert np.array_equal(a.x, b.x)


@pytest.mark.parametrize("seed", range(8))
def test_exact_matches_brute_force_with_several_rounds_per_row(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    problem = WTAProblem.make(
        rng.uniform(10, 100, 3),
        rng.uniform(0.2, 0.95, (2, 3)),
        counts=rng.integers(2, 5, 2),
        cost=rng.uniform(0, 5, 2),
        exchange_rate=float(rng.choice([0.0, 1.0])),
    )
    optimum = brute_force(problem)
    sol = solve_exact(problem)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(optimum, rel=1e-4)
    assert sol.bound is not None and sol.bound <= optimum + 1e-7
