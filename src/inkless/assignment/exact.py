"""Certified weapon-target assignment: a MILP over the convex survival term, solved by HiGHS.

Model. Each round that row i could fire at target j is a binary *copy* ``z_c`` (copy k of pair
(i, j) exists for k < min(counts_i, max_per_target_j), ordered ``z_(i,j,k) >= z_(i,j,k+1)``, and
only while ``V_j (1-p_ij)^k p_ij > exchange_rate * cost_i``: a later copy could never pay for
itself). ``s_j >= 0`` stands for the expected surviving value of target j, and the MILP is::

    minimise  sum_j s_j + exchange_rate * sum_c cost_i(c) z_c
    s.t.      sum_{c of row i} z_c <= counts_i,  sum_{c at j} z_c <= max_per_target_j,
              s_j >= (cuts below), all valid at every 0/1 point,

where the true surviving value ``g_j(z) = V_j prod_c f_c^z_c`` (f_c = 1 - p) is supermodular and
decreasing in the set of copies fired at j. Three families of linear under-estimators of g_j
(outer approximation) are generated at points z-bar and added when violated:

* tangent of the convex ``V_j exp(y)``, ``y = sum_c z_c ln f_c``, at y-bar (Duran & Grossmann
  1986, "An outer-approximation algorithm for a class of MINLPs", Math. Programming 36);
* the two submodular inequalities of Nemhauser, Wolsey & Fisher (1978), "An analysis of
  approximations for maximizing submodular set functions", Math. Programming 14, applied to the
  destroyed value ``V_j - g_j`` as in Ahmed & Atamtürk (2011), "Maximizing a class of submodular
  utility functions", Math. Programming 128, at S = {c : z-bar_c > 1/2}::

      s_j >= g(S) - sum_{c not in S} g(S) p_c z_c
      s_j >= g(S) + sum_{c in S} g(S) p_c / f_c (1 - z_c) - sum_{c not in S} V_j p_c z_c

  the second is exact for removing rounds from S and is what makes the relaxation tight;
* the convex envelope in the number of rounds n_j: the secants of ``V_j * (product of the n
  smallest f_c)`` between n and n+1 (n < 4).

When a row may fire several rounds at one target (typed rows), tangents at fixed survival
fractions 0.6^k are added up front as well.

Algorithm. Start from the fast heuristic's assignment (upper bound), strengthen the LP
relaxation with rounds of separation at its optimum (for the submodular cuts, each target's S is
the most violated prefix of its copies ranked by the LP value), then solve the MILP with HiGHS
(Huangfu & Hall 2018, Math. Programming Computation 10) from that incumbent; its dual bound is a
proven lower bound on the true optimum because every cut under-estimates g. Every solution the
MILP met is evaluated exactly (a better one becomes the incumbent) and cut at; the MILP is solved
again until ``(upper - lower) / upper <= rel_gap`` or the time limit. Survival factors are
floored at 1e-12 (p = 1); the bound is lowered by ``1e-12 * sum V`` to stay valid.

Measured on the shared generator's instances (2 cores, seeds 1-5): 40x40 certified to 1e-4 in
0.1-0.4 s, 80x80 in 0.4-1.2 s, 200x100 in 15-50 s; typed rows are harder (1-4 rounds per row,
20x40: some need more than 10 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from highspy._core import _Highs

from inkless.arrays import F64, I64, B
from inkless.assignment.fast import improve_assignment
from inkless.assignment.greedy import mmr_assignment
from inkless.assignment.problem import (
    Solution,
    WTAProblem,
    objective_value,
)
from inkless.errors import InputError

__all__ = ["solve_exact"]

_MIN_SURVIVAL = 1e-12
_NEGLIGIBLE = 1e-10  # rounds of one row beyond survival 1e-10 are not modelled (bound adjusted)
_TINY = 1e-9  # cut coefficients below this are dropped (the right-hand side is relaxed for it)
_ROOT_ROUNDS = 30
_COUNT_SECANTS = 4
_CUT_TOL = 1e-6  # a cut is added when violated by more than this times max(V_j, 1)
_GRID_RATIO, _GRID_FLOOR = 0.6, 1e-4


@dataclass(frozen=True, slots=True)
class _Copies:
    """Binary round copies, sorted by target: row, target, copy index, survival factor."""

    i: I64
    j: I64
    k: I64
    f: F64
    start: I64  # (T+1,) copies of target j are start[j]:start[j+1]
    slack: float  # how far the model may over-estimate the optimum (value units)

    @property
    def n(self) -> int:
        return len(self.i)


def _copies(problem: WTAProblem) -> _Copies:
    """The copies worth modelling; see the module docstring and ``_NEGLIGIBLE``."""
    n_t = problem.n_targets
    f = np.maximum(1.0 - problem.p, _MIN_SURVIVAL)
    room = np.minimum(problem.max_per_target, int(problem.counts.sum()))
    upto = np.minimum(problem.counts[:, None], room[None, :])
    upto = np.where(problem.eligible & (problem.p > 0), upto, 0)
    log_f = np.log(np.minimum(f, 1.0 - 1e-16))
    with np.errstate(divide="ignore", invalid="ignore"):
        # past `beyond` rounds of one row the target's survival is below _NEGLIGIBLE * V_j
        beyond = np.ceil(np.log(_NEGLIGIBLE) / log_f)
        # copy k pays for itself only while V_j f^k p > exchange_rate * cost_i
        vp = problem.values[None, :] * problem.p
        shot = problem.shot_cost[:, None]
        pays = np.ceil(np.log(shot / vp) / log_f)
        pays = np.where(shot <= 0, np.inf, np.where(vp <= shot, 0.0, pays))
    wanted = np.minimum(upto, pays + 1)
    n = np.minimum(wanted, beyond).astype(np.int64)
    cut_short = (beyond < wanted).any(axis=0)
    pi, pj = np.nonzero(n > 0)
    reps = n[pi, pj]
    ci, cj = np.repeat(pi, reps), np.repeat(pj, reps)
    ck = np.arange(len(ci)) - np.repeat(np.cumsum(reps) - reps, reps)
    keep = problem.values[cj] * problem.p[ci, cj] * f[ci, cj] ** ck > problem.shot_cost[ci]
    ci, cj, ck = ci[keep], cj[keep], ck[keep]
    order = np.lexsort((ck, ci, cj))
    ci, cj, ck = ci[order], cj[order], ck[order]
    start = np.searchsorted(cj, np.arange(n_t + 1))
    # the model may over-estimate survival by 1e-12 V_j where p = 1 (the floor) and by
    # _NEGLIGIBLE V_j where rounds were left out: the bound is lowered by that much
    slack = float(problem.values @ (_MIN_SURVIVAL * (problem.p >= 1.0).any(axis=0)
                                    + _NEGLIGIBLE * cut_short))
    return _Copies(i=ci, j=cj, k=ck, f=f[ci, cj], start=start.astype(np.int64), slack=slack)


def _rows_for_targets(
    cp: _Copies, targets: I64, coef: F64, rhs: F64
) -> tuple[F64, I64, I64, F64]:
    """Cut rows ``s_j + sum_{c at j} coef_c z_c >= rhs_j`` for ``targets``, as CSR arrays.

    Tiny coefficients are dropped and the right-hand side lowered by them (z <= 1), so HiGHS
    never tightens a cut by discarding a coefficient.
    """
    lo, hi = cp.start[targets], cp.start[targets + 1]
    lengths = hi - lo
    total = int(lengths.sum())
    # copy indices of the selected targets, in order
    offsets = np.repeat(lo - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
    idx = np.arange(total) + offsets
    a = coef[idx]
    tiny = np.abs(a) < _TINY
    row_of = np.repeat(np.arange(len(targets)), lengths)
    b = rhs[targets] - np.bincount(row_of[tiny], a[tiny], minlength=len(targets))
    keep = ~tiny
    idx, a, row_of = idx[keep], a[keep], row_of[keep]
    n_rows = len(targets)
    starts = np.searchsorted(row_of, np.arange(n_rows)) + np.arange(n_rows)
    n_nz = len(idx) + n_rows
    col = np.empty(n_nz, dtype=np.int64)
    val = np.empty(n_nz)
    is_s = np.zeros(n_nz, dtype=bool)
    is_s[starts] = True
    col[is_s] = cp.n + targets
    val[is_s] = 1.0
    col[~is_s] = idx
    val[~is_s] = a
    return b, starts.astype(np.int64), col, val


class _Model:
    """The HiGHS model and the cut generator; columns are copies then s (T)."""

    def __init__(self, problem: WTAProblem, cp: _Copies) -> None:
        self.problem = problem
        self.cp = cp
        # the bare core class: the ``highspy.Highs`` wrapper prints a banner to stdout and
        # installs Python callbacks that this model does not use
        self.h = _Highs()
        h = self.h
        h.setOptionValue("output_flag", False)
        n_t = problem.n_targets
        n_col = cp.n + n_t
        v = problem.values
        # s_j >= g_j(every copy fired); = V_j for a target that no round can reach
        floor = v * np.exp(np.bincount(cp.j, np.log(cp.f), minlength=n_t))
        lower = np.concatenate([np.zeros(cp.n), floor])
        upper = np.concatenate([np.ones(cp.n), v])
        cost = np.concatenate([problem.shot_cost[cp.i], np.ones(n_t)])
        h.addVars(n_col, lower, upper)
        h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
        self.q = np.log(cp.f)
        self.p = 1.0 - cp.f
        self._static_rows()

    def _add_rows(
        self, lower: F64, upper: F64, starts: I64, col: I64, val: F64
    ) -> None:
        if len(lower):
            self.h.addRows(
                len(lower),
                np.asarray(lower, dtype=np.float64),
                np.asarray(upper, dtype=np.float64),
                len(col),
                np.asarray(starts, dtype=np.int32),
                np.asarray(col, dtype=np.int32),
                np.asarray(val, dtype=np.float64),
            )

    def _group_rows(self, key: I64, cap: I64) -> None:
        """Rows ``sum_{c: key_c = g} z_c <= cap_g`` for groups whose copies exceed the cap."""
        n_g = len(cap)
        size = np.bincount(key, minlength=n_g)
        groups = np.flatnonzero(size > cap)
        if not len(groups):
            return
        order = np.argsort(key, kind="stable")
        key_sorted = key[order]
        sel = np.isin(key_sorted, groups)
        col = order[sel]
        lengths = size[groups]
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        upper = cap[groups].astype(np.float64)
        self._add_rows(np.full(len(groups), -highspy.kHighsInf), upper, starts, col,
                       np.ones(len(col)))

    def _static_rows(self) -> None:
        pr, cp = self.problem, self.cp
        self._group_rows(cp.i, pr.counts)
        room = np.minimum(pr.max_per_target, int(pr.counts.sum()))
        self._group_rows(cp.j, room)
        later = np.flatnonzero(cp.k > 0)  # copy k-1 of the same pair sits just before copy k
        if len(later):
            col = np.column_stack([later - 1, later]).reshape(-1)
            val = np.tile([1.0, -1.0], len(later))
            self._add_rows(np.zeros(len(later)), np.full(len(later), highspy.kHighsInf),
                           2 * np.arange(len(later)), col, val)
        self._count_secants()
        self.add_cuts(np.zeros(cp.n), None, families=("tangent",))
        if cp.n and int(cp.k.max()) > 0:
            self._tangent_grid()

    def _tangent_grid(self) -> None:
        """Tangents of ``V_j exp(y)`` at survival fractions ``_GRID_RATIO**k >= _GRID_FLOOR``.

        Used when a row may fire several rounds at one target: the MILP then meets many
        points far from any cut, and a fixed grid bounds the model's error everywhere
        (measured: typed 30x60 certified in ~20 s instead of not in 60 s; it slows the
        one-round case, which does without).
        """
        pr, cp = self.problem, self.cp
        has = np.flatnonzero(np.diff(cp.start) > 0)
        steps = int(np.ceil(np.log(_GRID_FLOOR) / np.log(_GRID_RATIO)))
        for k in range(1, steps + 1):
            y0 = k * np.log(_GRID_RATIO)
            e = pr.values * np.exp(y0)
            self._add_cut_rows(has, -e[cp.j] * self.q, e * (1.0 - y0))

    def _count_secants(self) -> None:
        pr, cp = self.problem, self.cp
        for n in range(_COUNT_SECANTS):
            targets = np.flatnonzero(np.diff(cp.start) > n)
            if not len(targets):
                break
            # L(n) = V * product of the n smallest factors at each target
            l_n = np.empty(len(targets))
            l_n1 = np.empty(len(targets))
            for t, j in enumerate(targets):
                fs = np.sort(cp.f[cp.start[j] : cp.start[j + 1]])
                l_n[t] = pr.values[j] * np.prod(fs[:n])
                l_n1[t] = l_n[t] * fs[n]
            slope = np.zeros(pr.n_targets)
            slope[targets] = l_n1 - l_n  # <= 0
            rhs = np.zeros(pr.n_targets)
            rhs[targets] = l_n - slope[targets] * n
            coef = -slope[cp.j]
            self._add_cut_rows(targets, coef, rhs)

    def _add_cut_rows(self, targets: I64, coef: F64, rhs: F64) -> None:
        b, starts, col, val = _rows_for_targets(self.cp, targets, coef, rhs)
        keep_rows = b > _TINY  # s_j >= 0 already
        if not keep_rows.all():
            targets = targets[keep_rows]
            b, starts, col, val = _rows_for_targets(self.cp, targets, coef, rhs)
        self._add_rows(b, np.full(len(b), highspy.kHighsInf), starts, col, val)

    def add_cuts(
        self,
        z: F64,
        s: F64 | None,
        families: tuple[str, ...] = ("tangent", "sub1", "sub2"),
        tol: float = 0.0,
    ) -> int:
        """Add the cuts of ``families`` at point ``z`` (copies); with ``s`` (T,), only those
        violated by more than ``tol`` (relative to V_j). Returns the number added.

        At a 0/1 point the submodular cuts use S = the copies fired; at a fractional point
        each target's S is the best of the prefixes of its copies ranked by z (most violated).
        """
        pr, cp = self.problem, self.cp
        n_t = pr.n_targets
        v = pr.values
        added = 0
        cuts: list[tuple[F64, F64]] = []
        if "tangent" in families:
            y = np.bincount(cp.j, self.q * z, minlength=n_t)
            e = v * np.exp(y)
            cuts.append((-e[cp.j] * self.q, e * (1.0 - y)))
        fractional = s is not None and bool(np.any(np.abs(z - np.round(z)) > 1e-6))
        for family in ("sub1", "sub2"):
            if family not in families:
                continue
            in_s = self._best_sets(z, s, family) if fractional and s is not None else z > 0.5
            g_s = v * np.exp(np.bincount(cp.j, self.q * in_s, minlength=n_t))
            if family == "sub1":
                cuts.append((np.where(in_s, 0.0, g_s[cp.j] * self.p), g_s))
            else:
                back = g_s[cp.j] * self.p / cp.f
                coef = np.where(in_s, back, v[cp.j] * self.p)
                cuts.append((coef, g_s + np.bincount(cp.j, back * in_s, minlength=n_t)))
        has = np.diff(cp.start) > 0
        for coef, rhs in cuts:
            if s is None:
                targets = np.flatnonzero(has)
            else:
                lhs = s + np.bincount(cp.j, coef * z, minlength=n_t)
                targets = np.flatnonzero(has & (rhs - lhs > tol * np.maximum(v, 1.0)))
            if len(targets):
                self._add_cut_rows(targets, coef, rhs)
                added += len(targets)
        return added

    def _best_sets(self, z: F64, s: F64, family: str) -> B:
        """Per target, the prefix S of its copies ranked by z that the cut violates most."""
        pr, cp = self.problem, self.cp
        n_t = pr.n_targets
        v = pr.values
        order = np.lexsort((-z, cp.j))
        rank = np.empty(cp.n, dtype=np.int64)
        rank[order] = np.arange(cp.n) - cp.start[cp.j[order]]
        pz = self.p * z
        p_all = np.bincount(cp.j, pz, minlength=n_t)
        rounds = float(np.bincount(cp.j, z, minlength=n_t).max())
        k_max = int(min(np.diff(cp.start).max(), max(6, np.ceil(rounds) + 2)))
        best = np.full(n_t, -np.inf)
        best_k = np.zeros(n_t, dtype=np.int64)
        for k in range(k_max + 1):
            in_s = rank < k
            g_k = v * np.exp(np.bincount(cp.j, self.q * in_s, minlength=n_t))
            out_pz = p_all - np.bincount(cp.j, pz * in_s, minlength=n_t)
            if family == "sub1":
                viol = g_k * (1.0 - out_pz) - s
            else:
                back = np.bincount(cp.j, (self.p / cp.f) * (1.0 - z) * in_s, minlength=n_t)
                viol = g_k * (1.0 + back) - v * out_pz - s
            better = viol > best
            best[better] = viol[better]
            best_k[better] = k
        mask: B = rank < best_k[cp.j]
        return mask

    def solve(self, time_left: float) -> tuple[F64 | None, float]:
        """Run HiGHS; returns (column values or None, objective bound)."""
        self.h.setOptionValue("time_limit", max(time_left, 1e-3))
        self.h.run()
        info = self.h.getInfo()
        sol = self.h.getSolution()
        values = np.asarray(sol.col_value) if sol.value_valid else None
        return values, float(info.mip_dual_bound if self._is_mip else info.objective_function_value)

    def saved_points(self) -> list[F64]:
        """Column values of every improving solution HiGHS met in the last MILP run."""
        return [np.asarray(o.col_value) for o in self.h.getSavedMipSolutions()]

    _is_mip = False

    def make_integer(self, rel_gap: float) -> None:
        n = self.cp.n
        self.h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger.value,
                                                     dtype=np.uint8)
        )
        self.h.setOptionValue("mip_rel_gap", rel_gap)
        # presolve rebuilds the model from scratch on every re-solve and, on these models,
        # costs more than it saves (measured: 2-3x slower at 200x100 and typed 30x60)
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("mip_improving_solution_save", True)
        self._is_mip = True

    def set_start(self, z: F64) -> None:
        pr, cp = self.problem, self.cp
        s = pr.values * np.exp(np.bincount(cp.j, self.q * z, minlength=pr.n_targets))
        start = highspy.HighsSolution()
        start.col_value = list(np.concatenate([z, s]))
        self.h.setSolution(start)


def _z_of_x(cp: _Copies, x: I64) -> F64:
    return (x[cp.i, cp.j] > cp.k).astype(np.float64)


def _x_of_z(cp: _Copies, z: F64, shape: tuple[int, int]) -> I64:
    x = np.zeros(shape, dtype=np.int64)
    np.add.at(x, (cp.i, cp.j), (z > 0.5).astype(np.int64))
    return x


def solve_exact(
    problem: WTAProblem,
    time_limit: float | None = None,
    rel_gap: float = 1e-4,
    start: I64 | None = None,
) -> Solution:
    """Solve ``problem`` to a proven relative gap ``rel_gap`` or until ``time_limit`` (s).

    ``start`` (W, T) is an optional feasible assignment to begin from (default: the fast
    heuristic's). Returns ``status="optimal"`` when ``objective - bound <= rel_gap * objective
    + 1e-9 * sum(values)`` (the absolute term only matters for optima near zero), else
    ``"time_limit"``; ``bound`` is a proven lower bound on the optimum either way.
    """
    if not rel_gap > 0:
        raise InputError(f"solve_exact: rel_gap = {rel_gap}; use a positive tolerance")
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"solve_exact: time_limit = {time_limit}; use a positive number of s")
    t0 = time.perf_counter()
    deadline = np.inf if time_limit is None else t0 + time_limit
    if start is None:
        x_best = improve_assignment(problem, mmr_assignment(problem))
    else:
        x_best = np.array(start, dtype=np.int64)
        bad = problem.violations(x_best)
        if bad:
            raise InputError(f"solve_exact: start is infeasible: {bad[0]}; pass a feasible x")
    upper = objective_value(problem, x_best)
    cp = _copies(problem)
    if cp.n == 0:  # nothing worth firing: x = 0 is optimal
        x0 = np.zeros(problem.p.shape, dtype=np.int64)
        val = objective_value(problem, x0)
        return _solution(x0, val, val, t0, True)
    model = _Model(problem, cp)
    z_best = _z_of_x(cp, x_best)
    model.add_cuts(z_best, None)
    # the objective is >= 0; closed: within rel_gap, or within what the model cannot resolve
    tiny = 1e-9 * max(float(problem.values.sum()), 1.0)
    search = _Search(x_best, z_best, upper, -np.inf, rel_gap, tiny, deadline)
    _cut_root(model, cp, search)
    model.make_integer(rel_gap / 10.0)
    _branch_and_cut(problem, model, cp, search)
    return _solution(search.x_best, search.upper, max(search.lower, 0.0), t0, search.closed())


@dataclass
class _Search:
    """The state of one exact solve: the best assignment found (``x_best``, its copy
    indicators ``z_best``) and its objective ``upper``, a proven lower bound ``lower``, the
    tolerances (``rel_gap`` relative, ``tiny`` absolute) and the deadline (``perf_counter`` s)."""

    x_best: I64
    z_best: F64
    upper: float
    lower: float
    rel_gap: float
    tiny: float
    deadline: float

    def left(self) -> float:
        """Seconds left before the deadline."""
        return float(self.deadline - time.perf_counter())

    def closed(self) -> bool:
        """The gap is closed: within ``rel_gap``, or within what the model cannot resolve."""
        return self.upper - max(self.lower, 0.0) <= self.rel_gap * abs(self.upper) + self.tiny


def _cut_root(model: _Model, cp: _Copies, search: _Search) -> None:
    """Strengthen the LP relaxation by separation at its optimum, raising ``search.lower``,
    until the bound stalls, no cut is violated, the gap closes or time runs out."""
    last = -np.inf
    for _ in range(_ROOT_ROUNDS):
        if search.left() <= 0:
            break
        col, bound = model.solve(search.left())
        if col is None:
            break
        search.lower = max(search.lower, bound - cp.slack)
        if search.closed() or bound - last <= 1e-7 * max(1.0, abs(bound)):
            break
        last = bound
        if model.add_cuts(col[: cp.n], col[cp.n :], tol=_CUT_TOL) == 0:
            break


def _branch_and_cut(problem: WTAProblem, model: _Model, cp: _Copies, search: _Search) -> None:
    """Solve the integer model repeatedly, from the incumbent, adding cuts at every solution
    met (the under-estimate may be loose there) and keeping the best feasible assignment, until
    the gap closes, time runs out, or a solve adds no cut or repeats its assignment (its bound
    is then final)."""
    z_last: F64 | None = None
    while not search.closed() and search.left() > 0:
        model.set_start(search.z_best)
        col, bound = model.solve(search.left())
        search.lower = max(search.lower, bound - cp.slack)
        if col is None:
            break
        added = 0
        for point in [col, *model.saved_points()]:
            if len(point) != len(col):
                continue
            z = np.round(point[: cp.n])
            x = _x_of_z(cp, z, problem.p.shape)
            val = objective_value(problem, x)
            if val < search.upper and not problem.violations(x):
                search.upper, search.x_best, search.z_best = val, x, z
            added += model.add_cuts(z, point[cp.n :], tol=_CUT_TOL)
        z_now = np.round(col[: cp.n])
        if added == 0 or (z_last is not None and np.array_equal(z_now, z_last)):
            break  # the MILP optimum is exact (to tolerance): its bound is final
        z_last = z_now


def _solution(x: I64, upper: float, lower: float, t0: float, closed: bool) -> Solution:
    lower = min(lower, upper)
    gap = (upper - lower) / max(abs(upper), 1e-12) if np.isfinite(lower) else np.inf
    return Solution(
        x=x,
        objective=upper,
        seconds=time.perf_counter() - t0,
        solver="exact",
        bound=float(lower) if np.isfinite(lower) else None,
        gap=float(gap) if np.isfinite(gap) else None,
        status="optimal" if closed else "time_limit",
    )
