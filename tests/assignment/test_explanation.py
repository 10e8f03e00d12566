"""Explanations against brute force: every figure recomputed by loops over the objective
(:func:`inkless.assignment.objective_value`), reasons by their definitions; and the property
that an optimal assignment (by enumeration, or certified by the exact solver) never keeps rounds
that save less than they cost."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inkless.assignment import (
    COST_EXCEEDS_VALUE,
    ENGAGED,
    NO_SHOOTER,
    NO_WEAPON_FREE,
    NOT_CHOSEN,
    REASONS,
    UNLIMITED,
    WORTH_MORE_ELSEWHERE,
    WTAProblem,
    explain,
    objective_value,
    solve,
)
from inkless.errors import InputError


@st.composite
def instances(draw: st.DrawFn, max_w: int = 4, max_t: int = 4, max_count: int = 2
              ) -> WTAProblem:
    n_w, n_t = draw(st.integers(1, max_w)), draw(st.integers(1, max_t))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p = np.round(rng.uniform(0.0, 1.0, (n_w, n_t)), 3)
    if draw(st.booleans()):  # certain kills and useless rounds
        p[rng.uniform(size=p.shape) < 0.15] = 1.0
        p[rng.uniform(size=p.shape) < 0.15] = 0.0
    cap = rng.integers(0, 3, n_t) if draw(st.booleans()) else np.full(n_t, UNLIMITED)
    return WTAProblem.make(
        np.round(rng.uniform(0.0, 100.0, n_t), 2), p, rng.integers(0, max_count + 1, n_w),
        rng.uniform(size=(n_w, n_t)) < draw(st.sampled_from([1.0, 0.7, 0.4])),
        np.round(rng.uniform(0.0, 30.0, n_w), 2), draw(st.sampled_from([0.0, 1.0, 3.0])), cap,
    )


def feasible_assignments(problem: WTAProblem) -> list[np.ndarray]:
    """Every feasible integer assignment (tiny problems only)."""
    n_w, n_t = problem.p.shape
    per_row = [
        [c for c in itertools.product(range(int(problem.counts[i]) + 1), repeat=n_t)
         if sum(c) <= problem.counts[i]
         and all(k == 0 or problem.eligible[i, j] for j, k in enumerate(c))]
        for i in range(n_w)
    ]
    out = []
    for rows in itertools.product(*per_row):
        x = np.array(rows, dtype=np.int64).reshape(n_w, n_t)
        if np.all(x.sum(axis=0) <= problem.max_per_target):
            out.append(x)
    return out


def survival(problem: WTAProblem, x: np.ndarray, t: int) -> float:
    """Expected surviving value of target t under x, by a loop over the rows."""
    return float(problem.values[t]) * math.prod(
        (1.0 - float(problem.p[i, t])) ** int(x[i, t]) for i in range(problem.n_weapons))


def check_against_loops(problem: WTAProblem, x: np.ndarray) -> None:
    ex = explain(problem, x)
    shot = problem.exchange_rate * problem.cost
    assert [(w, t, r) for w, t, r in zip(ex.weapon, ex.target, ex.rounds, strict=True)] == [
        (int(i), int(j), int(x[i, j])) for i, j in np.argwhere(x > 0)]
    left = problem.counts - x.sum(axis=1)
    for e, (i, t, r) in enumerate(zip(ex.weapon, ex.target, ex.rounds, strict=True)):
        without = x.copy()
        without[i, t] = 0
        # dropping the rounds changes the objective by exactly saved - cost
        change = objective_value(problem, without) - objective_value(problem, x)
        assert ex.saved[e] - ex.cost[e] == pytest.approx(change, abs=1e-9)
        assert ex.saved[e] == pytest.approx(
            survival(problem, without, t) - survival(problem, x, t), abs=1e-9)
        assert ex.cost[e] == pytest.approx(shot[i] * r, abs=1e-12)
        # alternatives: every row that could fire at t and does not, in place of row i
        best, best_net, n_alt = -1, -np.inf, 0
        for a in range(problem.n_weapons):
            if not (problem.eligible[a, t] and problem.p[a, t] > 0 and problem.counts[a] > 0
                    and problem.max_per_target[t] > 0 and x[a, t] == 0):
                continue
            n_alt += 1
            swap = without.copy()
            swap[a, t] = min(r, problem.counts[a])
            net = (survival(problem, without, t) - survival(problem, swap, t)
                   - shot[a] * swap[a, t])
            if net > best_net + 1e-12:
                best, best_net = a, net
        assert ex.alternatives[e] == n_alt
        if best < 0:
            assert ex.best_alternative[e] == -1 and np.isnan(ex.alternative_saved[e])
        else:
            got = ex.alternative_saved[e] - ex.alternative_cost[e]
            assert got == pytest.approx(best_net, abs=1e-9)
            assert ex.alternative_free[e] == left[ex.best_alternative[e]]
    # reasons, by their definitions, one target at a time
    for t in range(problem.n_targets):
        rows = range(problem.n_weapons)
        may = [i for i in rows if problem.eligible[i, t] and problem.p[i, t] > 0
               and problem.max_per_target[t] > 0]
        can = [i for i in may if problem.counts[i] > 0]
        pays = [i for i in can if problem.values[t] * problem.p[i, t] > shot[i]]
        if x[:, t].sum() > 0:
            want = ENGAGED
        elif not may:
            want = NO_SHOOTER
        elif not can:
            want = NO_WEAPON_FREE
        elif any(left[i] > 0 for i in pays):
            want = NOT_CHOSEN
        elif pays:
            want = WORTH_MORE_ELSEWHERE
        else:
            want = COST_EXCEEDS_VALUE
        assert ex.reason[t] == want, (t, REASONS[ex.reason[t]], REASONS[want])
        if can:
            nets = [problem.values[t] * problem.p[i, t] - shot[i] for i in can]
            assert ex.best_net[t] == pytest.approx(max(nets), abs=1e-9)
        else:
            assert ex.best_weapon[t] == -1


SMALL = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SMALL
@given(instances(), st.integers(0, 2**32 - 1))
def test_figures_and_reasons_against_loops(problem: WTAProblem, seed: int) -> None:
    """Any feasible assignment, optimal or not (a random one among all of them)."""
    every = feasible_assignments(problem)
    x = every[np.random.default_rng(seed).integers(len(every))]
    check_against_loops(problem, x)


@SMALL
@given(instances(max_w=3, max_t=3))
def test_the_optimum_keeps_no_round_that_costs_more_than_it_saves(problem: WTAProblem) -> None:
    """Removing rounds is always feasible, so at the optimum (by enumeration) every engagement
    saves at least what it costs, its last round too, and no spare round would pay."""
    every = feasible_assignments(problem)
    x = min(every, key=lambda a: objective_value(problem, a))
    ex = explain(problem, x)
    assert np.all(ex.saved >= ex.cost - 1e-9)
    shot = problem.exchange_rate * problem.cost
    for i, t, r in zip(ex.weapon, ex.target, ex.rounds, strict=True):
        one_less = x.copy()
        one_less[i, t] = r - 1
        last = survival(problem, one_less, t) - survival(problem, x, t)
        assert last >= shot[i] - 1e-9
    assert not np.any(ex.reason == NOT_CHOSEN)


@pytest.mark.parametrize("seed", range(6))
def test_exact_and_heuristic_assignments_keep_the_property(seed: int) -> None:
    """On instances too large to enumerate: the exact solver's assignment is within its
    certified gap of the optimum, so no engagement loses more than that gap; greedy and fast
    never leave a spare round that would pay."""
    rng = np.random.default_rng(200 + seed)
    n_w, n_t = 12, 15
    problem = WTAProblem.make(
        rng.uniform(25, 100, n_t), rng.uniform(0.3, 0.9, (n_w, n_t)),
        counts=rng.integers(1, 4, n_w), eligible=rng.uniform(size=(n_w, n_t)) > 0.3,
        cost=rng.uniform(0.0, 20.0, n_w), exchange_rate=1.0,
    )
    exact = solve(problem, "exact", time_limit=30.0)
    assert exact.status == "optimal" and exact.bound is not None
    ex = explain(problem, exact.x)
    slack = exact.objective - exact.bound + 1e-9
    assert np.all(ex.saved - ex.cost >= -slack)
    assert ex.saved.size > 5 and np.any(ex.cost > 0)
    for name in ("greedy", "fast"):
        assert not np.any(explain(problem, solve(problem, name).x).reason == NOT_CHOSEN)


def test_reasons_by_hand() -> None:
    """Row 0 (2 rounds, p 0.9, cost 1) and row 1 (0 rounds) against five targets:
    t0 (V 50) and t1 (V 40) engaged by row 0; t2 (V 30) worth a round of row 0 but both went to
    bigger threats; t3 (V 1) not worth a round (0.9 < 1); t4 only row 1 may fire (no round);
    t5 nobody may fire at."""
    values = [50.0, 40.0, 30.0, 1.0, 20.0, 20.0]
    p = [[0.9, 0.9, 0.9, 0.9, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]
    eligible = [[True] * 6, [True] * 5 + [False]]
    problem = WTAProblem.make(values, p, counts=[2, 0], eligible=eligible, cost=[1.0, 1.0],
                              exchange_rate=1.0)
    x = solve(problem, "exact").x
    assert x.tolist() == [[1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    ex = explain(problem, x)
    assert ex.reason.tolist() == [ENGAGED, ENGAGED, WORTH_MORE_ELSEWHERE, COST_EXCEEDS_VALUE,
                                  NO_WEAPON_FREE, NO_SHOOTER]
    assert ex.saved.tolist() == pytest.approx([45.0, 36.0])
    assert ex.cost.tolist() == [1.0, 1.0]
    assert ex.alternatives.tolist() == [0, 0]  # row 1 has no round this cycle
    assert ex.best_weapon[2] == 0 and ex.best_net[2] == pytest.approx(26.0)
    # a hand-made assignment that leaves a paying spare round: not chosen
    ex2 = explain(problem, [[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    assert ex2.reason[1] == NOT_CHOSEN and ex2.reason[2] == NOT_CHOSEN


def test_best_alternative_by_hand() -> None:
    """Target V 100 hit by row 0 (p 0.5) and row 1 (p 0.6); rows 2 (p 0.8, cost 10) and 3 (p 0.7,
    free) could fire instead. For row 0's round (the others' miss chance 0.4): saved
    100 * 0.4 * 0.5 = 20; row 2 would save 32 for 10, row 3 would save 28 for 0: row 3 is best."""
    problem = WTAProblem.make([100.0], [[0.5], [0.6], [0.8], [0.7]], cost=[0, 0, 10.0, 0],
                              exchange_rate=1.0)
    ex = explain(problem, [[1], [1], [0], [0]])
    assert ex.saved[0] == pytest.approx(20.0) and ex.saved[1] == pytest.approx(30.0)
    assert ex.alternatives.tolist() == [2, 2]
    assert ex.best_alternative[0] == 3
    assert ex.alternative_saved[0] == pytest.approx(28.0) and ex.alternative_cost[0] == 0.0
    assert ex.alternative_free[0] == 1


def test_explain_rejects_an_infeasible_assignment() -> None:
    problem = WTAProblem.make([10.0], [[0.5]], counts=[1])
    with pytest.raises(InputError, match="more than its 1 rounds"):
        explain(problem, [[2]])


def test_certain_kills_by_hand() -> None:
    """p = 1 makes the others' rounds worthless: with rows of p 1, 1 and 0.5 all on one target
    (V 10), each saves nothing given the others; without the second certain kill, the first
    saves 10 * 0.5 and the p 0.5 row nothing."""
    problem = WTAProblem.make([10.0], [[1.0], [1.0], [0.5]])
    assert explain(problem, [[1], [1], [1]]).saved.tolist() == [0.0, 0.0, 0.0]
    assert explain(problem, [[1], [0], [1]]).saved.tolist() == [5.0, 0.0]


def test_empty_problems() -> None:
    no_weapons = explain(WTAProblem.make([5.0, 7.0], np.zeros((0, 2))), np.zeros((0, 2), int))
    assert no_weapons.reason.tolist() == [NO_SHOOTER, NO_SHOOTER]
    assert no_weapons.saved.size == 0 and no_weapons.best_weapon.tolist() == [-1, -1]
    no_threats = explain(WTAProblem.make([], np.zeros((3, 0))), np.zeros((3, 0), int))
    assert no_threats.reason.size == 0 and no_threats.weapon.size == 0
