"""Releasability labels (inkless.tracking.releasability) against the rule read per recipient."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.tracking.releasability import release_bits


@given(M=st.integers(1, 14), seed=st.integers(0, 2**31), n=st.integers(0, 20))
@settings(max_examples=120, deadline=None)
def test_a_label_holds_the_recipients_every_contributor_releases_to(M: int, seed: int,
                                                                    n: int) -> None:
    """Authority: the rule itself, recipient by recipient in plain Python (bit ``r`` set when
    every member ``o`` whose bit is in the provenance may release to ``r``), for coalitions
    below and above the size up to which the labels come from a table."""
    rng = np.random.default_rng(seed)
    allowed = rng.random((M, M)) < 0.7
    prov = rng.integers(0, 1 << M, n).astype(np.uint64)
    got = release_bits(prov, allowed)
    assert got.dtype == np.uint64
    for p, label in zip(prov.tolist(), got.tolist(), strict=True):
        want = sum(1 << r for r in range(M)
                   if all(allowed[o, r] for o in range(M) if p >> o & 1))
        assert label == want
