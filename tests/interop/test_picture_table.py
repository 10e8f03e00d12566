"""The sampled picture's bookkeeping against scalar twins: each sample's identity is the
coalition's latest decision on that track at or before the sample (one sort, no loop per
track), checked against a scan of the decisions one query at a time."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from inkless.interop.picture import _latest_at

KEYS = arrays(np.int64, st.integers(0, 30), elements=st.integers(0, 4))


def _scalar(key: np.ndarray, t: np.ndarray, at_key: np.ndarray, at_t: np.ndarray) -> list[int]:
    out = []
    for kq, tq in zip(at_key.tolist(), at_t.tolist(), strict=True):
        best = -1
        for i, (k, ti) in enumerate(zip(key.tolist(), t.tolist(), strict=True)):
            if k == kq and ti <= tq and (best < 0 or ti >= t[best]):
                best = i
        out.append(best)
    return out


@given(key=KEYS, at_key=KEYS, data=st.data())
def test_latest_at_equals_a_scan(key: np.ndarray, at_key: np.ndarray, data: st.DataObject
                                 ) -> None:
    times = st.integers(0, 6).map(lambda x: 20.0 * x)  # ties between rows and queries
    t = data.draw(arrays(np.float64, len(key), elements=times))
    at_t = data.draw(arrays(np.float64, len(at_key), elements=times))
    assert _latest_at(key, t, at_key, at_t).tolist() == _scalar(key, t, at_key, at_t)
