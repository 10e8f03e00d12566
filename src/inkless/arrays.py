"""The numpy array type aliases of the code base, for annotations: one name per dtype.

Where it sits: beside :mod:`inkless.units` and :mod:`inkless.errors`, below everything; it
imports only numpy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["F32", "F64", "I8", "I32", "I64", "IP", "U8", "U32", "U64", "B"]

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
IP = NDArray[np.intp]  # index arrays as numpy returns them (argsort, nonzero)
U64 = NDArray[np.uint64]
U32 = NDArray[np.uint32]
U8 = NDArray[np.uint8]
B = NDArray[np.bool_]
