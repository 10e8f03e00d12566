"""Weapon-target assignment: which weapon row fires how many rounds at which threat.

Where it sits: after threat evaluation (values at risk) and engagement feasibility (kill
probabilities, eligibility); its product, an assignment ``x`` (W, T), goes to engagement.

One problem table, three solvers (modules named for the method)::

    WTAProblem.make(values, p, counts, eligible, cost, exchange_rate, max_per_target)
    solve(problem, solver="fast")    -> Solution
      greedy   maximum marginal return                              (greedy.py)
      fast     greedy + ejection exchanges solved as assignments    (fast.py)
      exact    outer-approximation MILP in HiGHS, certified bound   (exact.py)
    load_instance("x.json")         -> WTAProblem ("wta-static-v1")  (instance.py)
    explain(problem, x)             -> Explanation: value saved, cost, alternatives per
                                       engagement; why each threat was left  (explanation.py)
"""

from __future__ import annotations

from inkless.assignment.exact import solve_exact
from inkless.assignment.explanation import (
    COST_EXCEEDS_VALUE,
    ENGAGED,
    NO_SHOOTER,
    NO_WEAPON_FREE,
    NOT_CHOSEN,
    REASONS,
    WORTH_MORE_ELSEWHERE,
    Explanation,
    explain,
)
from inkless.assignment.fast import solve_fast
from inkless.assignment.greedy import solve_greedy
from inkless.assignment.instance import load_instance
from inkless.assignment.problem import (
    SOLVERS,
    UNLIMITED,
    Solution,
    Solver,
    WTAProblem,
    objective_value,
)
from inkless.assignment.reach import may_reach, within_reach
from inkless.errors import InputError

__all__ = [
    "COST_EXCEEDS_VALUE",
    "ENGAGED",
    "NOT_CHOSEN",
    "NO_SHOOTER",
    "NO_WEAPON_FREE",
    "REASONS",
    "SOLVERS",
    "UNLIMITED",
    "WORTH_MORE_ELSEWHERE",
    "Explanation",
    "Solution",
    "Solver",
    "WTAProblem",
    "explain",
    "load_instance",
    "may_reach",
    "objective_value",
    "solve",
    "solve_exact",
    "solve_fast",
    "solve_greedy",
    "within_reach",
]

def solve(
    problem: WTAProblem, solver: str = "fast", time_limit: float | None = None
) -> Solution:
    """Solve ``problem`` with ``solver`` (one of :data:`SOLVERS`: ``"greedy"``, ``"fast"`` or
    ``"exact"``).

    ``time_limit`` (s): for ``exact`` the solve stops there with the best assignment and a
    proven bound; for ``fast`` no new improvement pass starts after it; ``greedy`` ignores it.
    """
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"solve: time_limit = {time_limit}; use a positive number of seconds")
    if solver == "fast":
        return solve_fast(problem, time_limit=time_limit)
    if solver == "greedy":
        return solve_greedy(problem)
    if solver == "exact":
        return solve_exact(problem, time_limit=time_limit)
    raise InputError(f"solve: unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")
