"""Track-number look-ups (inkless.tracking.ids) against numpy's own set routines."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.tracking.ids import unique_inverse


@given(st.lists(st.integers(-(2**62), 2**62) | st.integers(-3, 3), max_size=40))
@settings(max_examples=300, deadline=None)
def test_unique_inverse_is_numpys_unique(a: list[int]) -> None:
    """Authority: ``np.unique(a, return_inverse=True)`` (the coalition tracker's last update
    per track number uses the one-sort version)."""
    x = np.array(a, np.int64)
    want_values, want_inverse = np.unique(x, return_inverse=True)
    values, inverse = unique_inverse(x)
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(inverse, want_inverse)
    assert values.dtype == np.int64
