"""The hard interlock: only tracks declared hostile may be engaged; and the after-action count of
any engagement of something that was not a threat.

Where it sits: identification, applied by the pipeline between threat evaluation and assignment
(the assignment stage never sees a track this mask rejects). Counting uses the truth and is for
the after-action only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .categories import HOSTILE, TRUTH_CIVIL, TRUTH_COALITION
from .identify import Identities

__all__ = ["engageable", "non_hostile_engagements"]


def engageable(identities: Identities | ArrayLike) -> NDArray[np.bool_]:
    """``(n,) bool``: the tracks that may be engaged, those declared hostile. Accepts an
    :class:`Identities` table or its ``category`` array; any other category, including values
    outside the known ones, is refused."""
    cat = identities.category if isinstance(identities, Identities) else identities
    out: NDArray[np.bool_] = np.asarray(cat) == HOSTILE
    return out


def non_hostile_engagements(
    engaged_truth: ArrayLike,
    truth_kind: ArrayLike,
    truth_name: tuple[str, ...] | list[str] = (),
) -> dict[str, object]:
    """Engagements of truth objects that were not threats.

    Args:
        engaged_truth: ``(e,)`` truth row of the object each interceptor was fired at (-1 for a
            false track: it counts in neither list).
        truth_kind: ``(N,)`` TRUTH_THREAT / TRUTH_CIVIL / TRUTH_COALITION per truth row.
        truth_name: callsign or id per truth row, to name the objects engaged.

    Returns:
        ``{"civil_engagements": int, "friendly_engagements": int, "civil_engaged": [names],
        "friendly_engaged": [names]}``; both counts are 0 by design.
    """
    rows = np.asarray(engaged_truth, dtype=np.int64).reshape(-1)
    kind = np.asarray(truth_kind, dtype=np.int8)
    real = rows[rows >= 0]
    k = kind[real]
    civil, friendly = real[k == TRUTH_CIVIL], real[k == TRUTH_COALITION]

    def names(r: NDArray[np.int64]) -> list[str]:
        return [truth_name[i] if i < len(truth_name) else f"#{i}" for i in r.tolist()]

    return {
        "civil_engagements": len(civil),
        "friendly_engagements": len(friendly),
        "civil_engaged": names(civil),
        "friendly_engaged": names(friendly),
    }
