"""Releasability of fused tracks: who may receive a track, from the members that contributed.

Where it sits: tracking, read by the coalition picture's assembly
(:func:`inkless.tracking.numbering.assemble`) and the engine; the rules come from
:func:`inkless.coalition.releasable`.

Every track carries the bitmask of the members whose sensors contributed to it (bit ``k``:
member row ``k``); the fused picture's releasability label is the bitmask of members it may be
released to: those to whom *every* contributor releases its tracks (data kind ``tracks``: a fused
track reveals all its sources). What a member holds itself is the track built from what it may
see (:meth:`inkless.tracking.coalition_tracker.CoalitionTracker.view`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from inkless.arrays import U64
from inkless.coalition import Member, releasable

__all__ = ["can_release", "release_bits"]


def can_release(members: Sequence[Member]) -> NDArray[np.bool_]:
    """``(M, M)``: member row ``o``'s tracks may go to member row ``r``
    (:func:`inkless.coalition.releasable`, data kind ``tracks``)."""
    return np.array([[releasable(o, "tracks", r) for r in members] for o in members], dtype=bool)


def release_bits(provenance: U64, allowed: NDArray[np.bool_]) -> U64:
    """Releasability label of tracks with the given provenance bits: bit ``r`` set when every
    contributor ``o`` may release tracks to ``r`` (``allowed (M, M)``, see :func:`can_release`).
    Up to :data:`_TABLE_MEMBERS` members, one look-up in the table of every provenance."""
    ok_to = np.ascontiguousarray(allowed, dtype=bool)
    M = ok_to.shape[0]
    if M <= _TABLE_MEMBERS:
        out: U64 = _table(ok_to.tobytes(), M)[provenance]
        return out
    return _labels(provenance, ok_to.tobytes(), M)


_TABLE_MEMBERS = 12  # up to 4096 provenances, 32 kB


def _labels(provenance: U64, allowed: bytes, M: int) -> U64:
    """:func:`release_bits` computed per track."""
    weights, senders = _senders(allowed, M)
    ok = (provenance[:, None] & ~senders[None, :]) == 0
    out: U64 = np.add.reduce(ok * weights[None, :], axis=1)  # (np.sum, without its wrapper)
    return out


@lru_cache(maxsize=16)
def _table(allowed: bytes, M: int) -> U64:
    """The label of every provenance ``0 .. 2**M - 1`` (:func:`_labels`)."""
    out = _labels(np.arange(1 << M, dtype=np.uint64), allowed, M)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=16)
def _senders(allowed: bytes, M: int) -> tuple[U64, U64]:
    """Member bits ``(M,)`` and, per recipient, the bits of the members that release tracks to
    it ``(M,)`` (``allowed (M, M)`` bool, as bytes: a coalition's is fixed for a run)."""
    weights = np.uint64(1) << np.arange(M, dtype=np.uint64)
    ok = np.frombuffer(allowed, dtype=bool).reshape(M, M)
    senders = (weights[:, None] * ok).sum(axis=0).astype(np.uint64)  # (M,) per recipient
    weights.setflags(write=False)
    senders.setflags(write=False)
    return weights, senders
