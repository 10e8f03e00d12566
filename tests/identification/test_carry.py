"""What identification carries over from the previous identities, matched by track id, against
a brute-force lookup by id: the same tracks in the same order (the fast path), reordered,
some new, some dropped, none before."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.identification.identify import Identities, _Carry


def _previous(ids: np.ndarray, rng: np.random.Generator) -> Identities:
    """Identities of tracks ``ids`` with random values in every column."""
    base = Identities.empty()
    cols: dict[str, Any] = {}
    for f in fields(base):
        if f.name == "t":
            continue
        dtype = getattr(base, f.name).dtype
        cols[f.name] = (rng.uniform(-1e3, 1e3, len(ids)) if dtype.kind == "f"
                        else rng.integers(0, 5, len(ids))).astype(dtype)
    cols["track_id"] = ids.astype(np.int64)
    return replace(base, **cols)


@settings(deadline=None, max_examples=200)
@given(seed=st.integers(0, 2**32 - 1), n_prev=st.integers(0, 12),
       how=st.sampled_from(["same", "shuffled", "changed", "none"]))
def test_carried_values_are_the_previous_rows_of_the_same_ids(seed: int, n_prev: int,
                                                              how: str) -> None:
    rng = np.random.default_rng(seed)
    prev_ids = rng.choice(100, n_prev, replace=False)
    previous = None if how == "none" else _previous(prev_ids, rng)
    if how in ("same", "none"):
        ids = prev_ids.copy()
    elif how == "shuffled":
        ids = rng.permutation(prev_ids)
    else:  # some kept, some dropped, some new
        ids = rng.permutation(np.r_[prev_ids[rng.uniform(size=n_prev) < 0.6],
                                    rng.choice(np.arange(100, 120), rng.integers(0, 4), False)])
    ids = ids.astype(np.int64)
    last = _Carry(ids, previous)
    by_id = {} if previous is None else {int(i): k for k, i in enumerate(previous.track_id)}
    new = np.array([int(i) not in by_id for i in ids], dtype=bool)
    assert np.array_equal(last.new, new)
    assert np.array_equal(last.had, ~new)
    for f in fields(Identities):
        if f.name == "t":
            continue
        dtype = getattr(Identities.empty(), f.name).dtype
        fresh = np.arange(len(ids)).astype(dtype)
        got = last.carry(f.name, fresh)
        col = None if previous is None else getattr(previous, f.name)
        want = np.array([fresh[k] if new[k] else col[by_id[int(i)]]  # type: ignore[index]
                         for k, i in enumerate(ids)], dtype=dtype)
        assert got.dtype == dtype
        assert np.array_equal(got, want), f.name
        if previous is not None and len(ids):
            got[0] = got[0]  # a new array: writing it leaves the previous identities alone
            assert not np.shares_memory(got, col)
