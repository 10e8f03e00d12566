"""Why an assignment fires what it fires, and why it leaves what it leaves.

Where it sits: assignment, after a solver. From the problem and any assignment ``x`` (W, T) it
gives, for every engagement (weapon row i, target t, rounds ``x_it > 0``; row-major, the order of
:meth:`inkless.assignment.Solution.assignment`), in the objective's own terms
(:mod:`inkless.assignment.problem`):

* ``saved`` - the expected value those rounds save given the other rounds at the target, the
  marginal contribution ``V_t q (1 - (1 - p_it)^x_it)`` with ``q = prod_{j != i} (1 - p_jt)^x_jt``
  the chance that the others all miss;
* ``cost`` - what they cost in value units, ``exchange_rate * cost_i * x_it``. Dropping them
  would change the objective by ``saved - cost``, so an optimal ``x`` has ``saved >= cost`` on
  every engagement;
* the alternatives considered - the rows that could fire at t (eligible, ``p > 0``, rounds this
  cycle) but do not, and the best of them: the one that, firing ``min(x_it, counts_a)`` rounds
  in place of row i, would save the most net of its cost, with what it would save and cost and
  how many rounds it has left unassigned (an alternative that would do better with rounds left
  over means ``x`` can be improved; one without spare rounds was used elsewhere).

and for every target a reason code (``REASONS``): engaged, or why not - no row may fire at it,
none has a round, no round would save more than it costs, the rounds that would pay were all
spent elsewhere, or a spare round would have paid (only an assignment stopped early or made by
hand leaves that).

Every figure is a closed form over (engagement, row) arrays; no loop over engagements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from inkless.arrays import F64, I64, B
from inkless.assignment.problem import WTAProblem
from inkless.errors import InputError

__all__ = [
    "COST_EXCEEDS_VALUE",
    "ENGAGED",
    "NOT_CHOSEN",
    "NO_SHOOTER",
    "NO_WEAPON_FREE",
    "REASONS",
    "WORTH_MORE_ELSEWHERE",
    "Explanation",
    "explain",
]

ENGAGED, NO_SHOOTER, NO_WEAPON_FREE, COST_EXCEEDS_VALUE, WORTH_MORE_ELSEWHERE, NOT_CHOSEN = range(6)
#: Text of each per-target reason code, indexed by the code.
REASONS: tuple[str, ...] = (
    "engaged",
    "no shooter: no weapon row may fire at it (eligibility, kill probability, cap)",
    "no weapon free: every row that may fire at it has no round this cycle",
    "cost exceeds value: no round would save more than it costs",
    "worth more elsewhere: the rounds that would pay here were all spent on other threats",
    "not chosen: a spare round would have paid (assignment not locally optimal)",
)


@dataclass(frozen=True)
class Explanation:
    """Reasons for an assignment; value units are those of the problem's values.

    Per engagement ``(E,)``, row-major over ``x > 0``: ``weapon``, ``target``, ``rounds``;
    ``saved`` expected value the rounds save given the others at the target; ``cost``
    exchange-rate-weighted cost of the rounds; ``alternatives`` rows that could fire at the
    target but do not; ``best_alternative`` the best of them (-1: none) and its
    ``alternative_saved``, ``alternative_cost`` (NaN: none) firing ``min(rounds, its counts)``
    rounds in place, and ``alternative_free`` its rounds left unassigned (-1: none).

    Per target ``(T,)``: ``reason`` a code of ``REASONS``; ``best_weapon`` the row whose single
    round would save the most net of its cost there among the rows that could fire at it
    (-1: none) and ``best_net`` that net saving (NaN: none).
    """

    weapon: I64
    target: I64
    rounds: I64
    saved: F64
    cost: F64
    alternatives: I64
    best_alternative: I64
    alternative_saved: F64
    alternative_cost: F64
    alternative_free: I64
    reason: I64
    best_weapon: I64
    best_net: F64


def explain(problem: WTAProblem, x: ArrayLike) -> Explanation:
    """Explain assignment ``x`` (W, T) rounds of ``problem`` (module docstring).

    ``x`` must keep the problem's constraints (``WTAProblem.violations``); raises
    ``InputError`` otherwise.
    """
    xa = np.asarray(x)
    broken = problem.violations(xa)
    if broken:
        raise InputError(f"explain: the assignment breaks the problem: {broken[0]}; "
                         "explain a feasible assignment")
    xi = xa.astype(np.int64)
    values, p, shot = problem.values, problem.p, problem.shot_cost
    f = 1.0 - p
    left = problem.counts - xi.sum(axis=1)
    may: B = problem.eligible & (p > 0) & (problem.max_per_target > 0)[None, :]
    can: B = may & (problem.counts > 0)[:, None]  # ... and has a round this cycle

    # Engagements: the chance that the other rounds at the target all miss, exactly when some
    # p = 1 (a product over the non-zero factors and a count of the zero ones).
    wi, tj = np.nonzero(xi)
    r = xi[wi, tj]
    factor = f**xi  # (W, T) survival factor of each row's rounds
    zero = factor == 0.0
    prod_nz = np.prod(np.where(zero, 1.0, factor), axis=0)
    n_zero = zero.sum(axis=0)
    own = factor[wi, tj]
    others_zero = n_zero[tj] - (own == 0.0)
    q = np.where(others_zero > 0, 0.0, prod_nz[tj] / np.where(own == 0.0, 1.0, own))
    at_risk = values[tj] * q  # value still at risk from the others' misses
    saved = at_risk * (1.0 - own)
    cost = shot[wi] * r

    # Alternatives: every row that could fire at the target and does not, in place of row i.
    alt = can[:, tj].T & (xi[:, tj].T == 0)  # (E, W)
    r_alt = np.minimum(r[:, None], problem.counts[None, :])
    alt_saved = at_risk[:, None] * (1.0 - f[:, tj].T ** r_alt)
    alt_cost = shot[None, :] * r_alt
    net = np.where(alt, alt_saved - alt_cost, -np.inf)
    best = np.argmax(net, axis=1) if net.size else np.zeros(len(wi), dtype=np.int64)
    some = alt.any(axis=1)
    e = np.arange(len(wi))

    # Targets: the best single round, and why a target is left.
    one_net = values[None, :] * p - shot[:, None]  # (W, T) net saving of a first round
    masked = np.where(can, one_net, -np.inf)
    best_w = np.argmax(masked, axis=0) if masked.size else np.zeros(problem.n_targets, int)
    has = can.any(axis=0)
    pays = can & (one_net > 0)
    reason = np.select(
        [xi.sum(axis=0) > 0, ~may.any(axis=0), ~has, (pays & (left > 0)[:, None]).any(axis=0),
         pays.any(axis=0)],
        [ENGAGED, NO_SHOOTER, NO_WEAPON_FREE, NOT_CHOSEN, WORTH_MORE_ELSEWHERE],
        default=COST_EXCEEDS_VALUE,
    )
    return Explanation(
        weapon=wi.astype(np.int64),
        target=tj.astype(np.int64),
        rounds=r.astype(np.int64),
        saved=saved,
        cost=cost,
        alternatives=alt.sum(axis=1).astype(np.int64),
        best_alternative=np.where(some, best, -1).astype(np.int64),
        alternative_saved=np.where(some, alt_saved[e, best], np.nan),
        alternative_cost=np.where(some, alt_cost[e, best], np.nan),
        alternative_free=np.where(some, left[best], -1).astype(np.int64),
        reason=reason.astype(np.int64),
        best_weapon=np.where(has, best_w, -1).astype(np.int64),
        best_net=np.where(has, np.max(masked, axis=0, initial=-np.inf), np.nan),
    )
