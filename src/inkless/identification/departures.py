"""Procedural identification by point of origin: the coalition's own filed departures.

Where it sits: identification. :func:`~inkless.identification.rules.compile_rules` takes the
filed departures from the scenario's patrols once (:meth:`Departures.of`: every aircraft's base
and scheduled take-off, as the air tasking order has them); :func:`~inkless.identification.
identify` asks :func:`origin_at_departure` of every new track and :func:`contradicts` of a
track that correlated, at each identification while it is held.

Why: a fighter just taken off is low and fast, which is a cruise missile's profile; until its
first authenticated IFF reply it would be suspect (and hostile after ``hostile_confirm_scans``
under a rule that does not ask for the absence of cooperative evidence). Air defence identifies
such a track procedurally, by its point of origin and its flight plan (ATP-3.3.5.1 / JP 3-52
airspace control: procedural identification complements positive identification by IFF). A
track that correlates with a filed departure is held *assumed friend* until IFF has had
``report_memory_s`` (from the track's first appearance) to answer; after that, the usual rules.

Correlation (all of them):

1. **point of origin**, at the track's first appearance ``t0`` (position ``(lat, lon, h)``): some
   departure's base is within reach, ``d <= dash * e + AIRFIELD_M`` horizontally and
   ``h - h_base <= ballistic_min_climb * e + AIRFIELD_ALT_M``, where ``e = t0 - launch +
   EARLY_S`` is the longest the aircraft can have been airborne, and the first appearance is
   inside the departure window, ``launch - EARLY_S <= t0 <= launch + LATE_S``;
2. **kinematics**, at every assessed identification while held (:func:`contradicts`; nominal
   values, so an estimate in doubt falls back to the usual rules, never the reverse): no
   ballistic profile; not descending (``climb + k sd_climb >= 0``); faster than a drone may fly
   (``speed > drone_max_speed``) and no faster than the fastest filed aircraft's dash speed;
   its ground track opening the horizontal distance from the nearest filed base (a departure
   flies away from its base; a steep climb near the base does not count as going away).

A correlation that a check refutes is dropped for good. A threat arriving over a base (closing
on it, or descending, or ballistic, or at a drone's speed) never correlates, so its declaration
is not delayed; a track that correlates and never answers IFF is held at most
``report_memory_s`` from its first appearance.

The window's bounds are NOTIONAL, chosen for the examples: a take-off up to a minute before its
schedule, first radar contact within three minutes of the scheduled take-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inkless.arrays import F64, U32, B
from inkless.physics.geodesy import ecef_from_geodetic, surface_distance, up_from_ecef
from inkless.scenario.model import Identification, Patrol
from inkless.simulation.patrol import Sorties

from .categories import BALLISTIC_PROFILE
from .evidence import Kinematics, to_enu

__all__ = ["AIRFIELD_ALT_M", "AIRFIELD_M", "EARLY_S", "LATE_S", "Departures", "contradicts",
           "origin_at_departure"]

EARLY_S = 60.0  #: s, a take-off may come this much before its scheduled time (NOTIONAL)
LATE_S = 180.0  #: s, a first sighting this long after the scheduled take-off still correlates
AIRFIELD_M = 3000.0  #: m, the airfield's extent and the track's error at first sighting
AIRFIELD_ALT_M = 300.0  #: m, height above the base at take-off (and height error)


@dataclass(frozen=True)
class Departures:
    """The coalition's filed departures, one row per aircraft, arrays ``(d,)``: ``lat``,
    ``lon`` (rad) and ``alt`` (m) of its base, ``base (d, 3)`` the base in ECEF (m),
    ``launch`` the scheduled take-off (s), ``dash`` the aircraft's dash speed (m/s)."""

    lat: F64
    lon: F64
    alt: F64
    base: F64
    launch: F64
    dash: F64

    def __len__(self) -> int:
        return len(self.launch)

    @classmethod
    def of(cls, patrols: Sequence[Patrol]) -> Departures:
        """The departures of ``patrols``' aircraft as scheduled
        (:meth:`inkless.simulation.patrol.Sorties.plan`; none without patrols)."""
        if not patrols:
            z = np.zeros(0)
            return cls(z, z, z, np.zeros((0, 3)), z, z)
        s = Sorties.plan(patrols)
        base = np.asarray(ecef_from_geodetic(s.base[:, 0], s.base[:, 1], s.base[:, 2]), float)
        return cls(s.base[:, 0], s.base[:, 1], s.base[:, 2], base.reshape(-1, 3),
                   s.launch.copy(), s.dash.copy())


def origin_at_departure(lat: F64, lon: F64, alt: F64, t0: float, d: Departures,
                        s: Identification) -> B:
    """``(k,)``: which tracks first seen at ``t0`` (s) at ``lat``, ``lon`` (rad), ``alt`` (m)
    have a point of origin at a filed departure (module docstring, item 1)."""
    if not len(d) or not len(lat):
        return np.zeros(len(lat), bool)
    e = t0 - d.launch + EARLY_S  # s, the longest it can have been airborne
    window = (e >= 0.0) & (t0 <= d.launch + LATE_S)
    far = surface_distance(lat[:, None], lon[:, None], d.lat[None], d.lon[None])
    reach = (far <= d.dash * e + AIRFIELD_M) & (
        alt[:, None] - d.alt <= s.ballistic_min_climb_mps * e + AIRFIELD_ALT_M)
    out: B = np.asarray((reach & window).any(axis=1), dtype=bool)
    return out


def contradicts(x: F64, kin: Kinematics, bits: U32, d: Departures, s: Identification,
                origin: tuple[float, float, float]) -> B:
    """``(k,)``: which tracks, ENU states ``x (k, 6)`` at ``origin`` with kinematics ``kin`` and
    profile ``bits``, do not fly as a departure may (module docstring, item 2; nominal values).
    """
    if not len(d):
        return np.ones(len(x), bool)
    base, r0 = to_enu(d.base, origin)
    off = x[:, None, :3] - base[None]  # (k, d, 3) m from each base
    near = np.argmin(np.einsum("kdi,kdi->kd", off, off), axis=1)
    rel = off[np.arange(len(x)), near]
    up = up_from_ecef(d.base[near]) @ r0.T  # the base's local vertical
    rel -= np.einsum("ki,ki->k", rel, up)[:, None] * up  # horizontal: a climb opens nothing
    closing = np.einsum("ki,ki->k", rel, x[:, 3:6]) < 0.0
    out: B = np.asarray(
        ((bits & BALLISTIC_PROFILE) > 0)
        | (kin.climb + s.confidence_sigmas * kin.sd_climb < 0.0)
        | (kin.speed <= s.drone_max_speed_mps)
        | (kin.speed > d.dash.max())
        | closing, dtype=bool)
    return out
