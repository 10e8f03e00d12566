"""Maximum marginal return (MMR): the classic greedy heuristic for weapon-target assignment.

Each step fires the one round, over every (weapon row, target) pair still open, that lowers the
objective most: at target j with expected surviving value ``S_j`` a round of row i removes
``S_j * p_ij`` and costs ``exchange_rate * cost_i``. It stops when no round lowers the objective.
den Broeder, Ellison & Emerling (1959), "On optimum target assignments", Operations Research 7(3);
used as the starting point in Ahuja, Kumar, Jha & Orlin (2007), Operations Research 55(6).

Work: one ``argmax`` over the (W, T) gain matrix per round fired, and an O(W) column update.
"""

from __future__ import annotations

import time

import numpy as np

from inkless.arrays import I64
from inkless.assignment.problem import Solution, WTAProblem, objective_value

__all__ = ["solve_greedy"]


def mmr_assignment(problem: WTAProblem) -> I64:
    """The MMR assignment ``x`` (W, T) int; ties go to the lowest row, then the lowest target."""
    p = problem.p
    n_w, n_t = p.shape
    x = np.zeros((n_w, n_t), dtype=np.int64)
    if n_w == 0 or n_t == 0:
        return x
    left = problem.counts.copy()
    room = np.minimum(problem.max_per_target, int(left.sum()))
    surv = problem.values.astype(np.float64).copy()  # S_j, expected surviving value
    shot = problem.shot_cost
    open_ = problem.eligible & (left > 0)[:, None] & (room > 0)[None, :]
    gain = np.where(open_, surv[None, :] * p - shot[:, None], -np.inf)
    flat = gain.reshape(-1)
    while True:
        k = int(np.argmax(flat))
        if not flat[k] > 0.0:
            break
        i, j = divmod(k, n_t)
        x[i, j] += 1
        surv[j] *= 1.0 - p[i, j]
        left[i] -= 1
        room[j] -= 1
        if left[i] == 0:
            open_[i, :] = False
            gain[i, :] = -np.inf
        if room[j] == 0:
            open_[:, j] = False
            gain[:, j] = -np.inf
        else:
            col = open_[:, j]
            gain[:, j] = np.where(col, surv[j] * p[:, j] - shot, -np.inf)
    return x


def solve_greedy(problem: WTAProblem) -> Solution:
    """Solve ``problem`` by maximum marginal return; ``Solution.status`` is ``"heuristic"``."""
    t0 = time.perf_counter()
    x = mmr_assignment(problem)
    seconds = time.perf_counter() - t0
    return Solution(
        x=x, objective=objective_value(problem, x), seconds=seconds, solver="greedy"
    )
