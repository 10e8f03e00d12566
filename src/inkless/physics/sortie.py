"""A fighter's sortie: fuel and time on a CAP station, and vectors to an intercept at dash speed.

Where it sits: the scenario checks with :func:`time_on_station` that a patrol's fuel reaches its
station and back; the simulation's patrol schedules (:mod:`inkless.simulation.patrol`) use it
for every flight; the engine vectors an aircraft to a threat with :func:`pursuit_intercept` or
:func:`lead_intercept` and asks :func:`vector_cost` whether it can still get home.

Model: point masses in straight lines at constant speed (no turn radius, no climb, no wind),
fuel burnt at a constant rate per second at cruise and at dash speed (so endurance is fuel over
burn rate); the way home is flown at cruise speed and must leave ``reserve`` fuel on landing.
Positions are metres in any Cartesian frame (ECEF or a local ENU plane; vectors on the last
axis), speeds m/s, fuel kg (or any unit, the same for fuel and burn rates), times s. Every
function broadcasts over leading dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from inkless.arrays import F64, B
from inkless.physics.geodesy import destination, initial_bearing, surface_distance
from inkless.physics.intercept import intercept_straight

__all__ = [
    "VectorCost",
    "lead_intercept",
    "pursuit_intercept",
    "pursuit_time",
    "stadium_entry",
    "stadium_point",
    "station_entry",
    "station_frame",
    "station_geodetic",
    "station_point",
    "time_on_station",
    "vector_cost",
]


def _f(x: ArrayLike) -> F64:
    return np.asarray(x, dtype=np.float64)


def _norm(x: F64) -> F64:
    n: F64 = np.sqrt(np.einsum("...i,...i->...", x, x))
    return n


def stadium_point(s: ArrayLike, length: ArrayLike, radius: ArrayLike) -> tuple[F64, F64]:
    """Point at arc length ``s`` (m, any real: taken modulo the perimeter ``2 L + 2 π r``) along
    a racetrack of straight legs ``length`` (m) joined by half-circles of ``radius`` (m), flown
    clockwise seen from above (right turns, as holding patterns are): ``(x, y)`` m in the
    pattern's frame, ``x`` along its axis and ``y`` to the right of it, centred on the pattern's
    centre. ``s = 0`` is the start of the leg flown along ``+x`` (at ``y = -r``). An orbit is a
    racetrack of length 0."""
    L, r = _f(length), _f(radius)
    s = np.mod(_f(s), 2.0 * L + 2.0 * np.pi * r)
    turn = np.pi * r
    leg1, turn1, leg2 = s < L, (s >= L) & (s < L + turn), (s >= L + turn) & (s < 2 * L + turn)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi1 = (s - L) / r
        phi2 = (s - 2 * L - turn) / r
    x = np.select(
        [leg1, turn1, leg2],
        [s - 0.5 * L, 0.5 * L + r * np.sin(phi1), 0.5 * L - (s - L - turn)],
        -0.5 * L - r * np.sin(phi2),
    )
    y = np.select([leg1, turn1, leg2], [-r, -r * np.cos(phi1), r], r * np.cos(phi2))
    return x, y


def stadium_entry(x: ArrayLike, y: ArrayLike, length: ArrayLike, radius: ArrayLike) -> F64:
    """Arc length (m, as :func:`stadium_point`) of the racetrack's point nearest ``(x, y)`` (m,
    the pattern's frame): where an aircraft coming from there joins it. The nearest point lies
    at ``radius`` from the nearest point of the axis segment ``[-L/2, L/2]``."""
    L, r = _f(length), _f(radius)
    px, py = _f(x), _f(y)
    cx = np.clip(px, -0.5 * L, 0.5 * L)
    # the direction from the axis segment to the point; a point on the axis joins the +x leg
    ang = np.where((px == cx) & (py == 0.0), -0.5 * np.pi, np.arctan2(py, px - cx))
    turn = np.pi * r
    on_right_end = px > 0.5 * L
    on_left_end = px < -0.5 * L
    s_leg = np.where(py < 0.0, cx + 0.5 * L, L + turn + (0.5 * L - cx))
    # right end: phi from -pi/2 (y = -r) clockwise to +pi/2; left end: phi from pi/2 to 3pi/2
    s_right = L + r * (ang + 0.5 * np.pi)
    s_left = 2 * L + turn + r * (np.mod(ang - 0.5 * np.pi, 2 * np.pi))
    out: F64 = np.where(on_right_end, s_right, np.where(on_left_end, s_left, s_leg))
    return out


def station_frame(
    lat0: ArrayLike, lon0: ArrayLike, axis: ArrayLike, lat: ArrayLike, lon: ArrayLike
) -> tuple[F64, F64]:
    """A point ``lat``, ``lon`` (radians) in the frame of a pattern centred on ``lat0``,
    ``lon0`` with its axis along bearing ``axis`` (radians from north): ``(x, y)`` m, along the
    axis and to the right of it, in the azimuthal equidistant projection about the centre
    (distance and bearing from the centre kept exactly, on the mean-radius sphere)."""
    d = surface_distance(lat0, lon0, lat, lon)
    b = initial_bearing(lat0, lon0, lat, lon) - _f(axis)
    return d * np.cos(b), d * np.sin(b)


def station_geodetic(
    lat0: ArrayLike, lon0: ArrayLike, axis: ArrayLike, x: ArrayLike, y: ArrayLike
) -> tuple[F64, F64]:
    """Inverse of :func:`station_frame`: latitude and longitude (radians) of ``(x, y)`` m."""
    xx, yy = _f(x), _f(y)
    return destination(lat0, lon0, _f(axis) + np.arctan2(yy, xx), np.hypot(xx, yy))


def station_point(
    lat0: ArrayLike, lon0: ArrayLike, axis: ArrayLike, length: ArrayLike, radius: ArrayLike,
    s: ArrayLike,
) -> tuple[F64, F64]:
    """Latitude and longitude (radians) of the point at arc length ``s`` (m,
    :func:`stadium_point`) of a pattern of ``length`` and ``radius`` (m) centred on ``lat0``,
    ``lon0`` with its axis along ``axis`` (:func:`station_geodetic`)."""
    return station_geodetic(lat0, lon0, axis, *stadium_point(s, length, radius))


def station_entry(
    lat0: ArrayLike, lon0: ArrayLike, axis: ArrayLike, length: ArrayLike, radius: ArrayLike,
    lat: ArrayLike, lon: ArrayLike,
) -> tuple[F64, F64, F64]:
    """Where an aircraft coming from ``lat``, ``lon`` (radians) joins the pattern of
    :func:`station_point`: its nearest point (:func:`stadium_entry` in :func:`station_frame`),
    as the arc length (m) and the latitude and longitude (radians)."""
    x, y = station_frame(lat0, lon0, axis, lat, lon)
    s = stadium_entry(x, y, length, radius)
    return (s, *station_point(lat0, lon0, axis, length, radius, s))


def time_on_station(
    fuel: ArrayLike,
    cruise_burn: ArrayLike,
    reserve: ArrayLike,
    out_m: ArrayLike,
    home_m: ArrayLike,
    cruise_mps: ArrayLike,
) -> F64:
    """Seconds an aircraft can stay on station at cruise: its endurance ``fuel / cruise_burn``
    less the transit out (``out_m``) and home (``home_m``) at ``cruise_mps`` and the reserve's
    ``reserve / cruise_burn`` (s; negative when the fuel does not reach the station and back).
    Fuel in kg, burn in kg/s, distances m.

    Endurance is fuel over burn rate at a constant fuel flow (Raymer, *Aircraft Design: A
    Conceptual Approach*, 6th ed. 2018, §17.2: loiter time ``E = W_f / (c T)`` for a constant
    thrust and specific fuel consumption, i.e. a constant fuel flow)."""
    f, burn, res = _f(fuel), _f(cruise_burn), _f(reserve)
    transit = (_f(out_m) + _f(home_m)) / _f(cruise_mps)
    on: F64 = (f - res) / burn - transit
    return on


def pursuit_time(
    range_m: ArrayLike, cos_aspect: ArrayLike, pursuer_mps: ArrayLike, target_mps: ArrayLike
) -> F64:
    """Time (s) for a pursuer flying pure pursuit (always heading at the target) at ``pursuer_mps``
    to reach a target flying a straight line at ``target_mps``, from range ``range_m`` (m) and
    ``cos_aspect``, the cosine of the angle between the target's velocity and the line of sight
    from the pursuer to the target; inf when the pursuer is not faster (except head on).

    Closed form ``T = r0 (v_p + v_t cos θ0) / (v_p² - v_t²)``: with ``dr/dt = v_t cos θ - v_p``
    and ``r dθ/dt = -v_t sin θ``, the quantity ``r (v_p + v_t cos θ)`` falls at the constant rate
    ``v_p² - v_t²`` (Nahin, *Chases and Escapes: The Mathematics of Pursuit and Evasion*,
    Princeton 2007, ch. 1; Shneydor, *Missile Guidance and Pursuit*, 1998, §2.2). A target
    crossing at right angles gives Bouguer's (1732) ``T = d v_p / (v_p² - v_t²)``."""
    r, c, vp, vt = _f(range_m), _f(cos_aspect), _f(pursuer_mps), _f(target_mps)
    den = vp * vp - vt * vt
    head_on = np.isclose(c, -1.0) & (vp + vt > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(den > 0.0, r * (vp + vt * c) / np.where(den > 0.0, den, 1.0), np.inf)
        t = np.where(head_on, r / np.where(head_on, vp + vt, 1.0), t)
    out: F64 = np.where(r == 0.0, 0.0, t)
    return out


def pursuit_intercept(
    pursuer: ArrayLike, target: ArrayLike, target_velocity: ArrayLike, speed: ArrayLike
) -> tuple[F64, F64]:
    """Pure pursuit at ``speed`` (m/s) from ``pursuer`` (m) of a target at ``target`` (m) with
    constant velocity ``target_velocity`` (m/s): the capture time (s, :func:`pursuit_time`; inf
    when never) and the capture point ``target + target_velocity * t`` (m; NaN when never)."""
    p, q, v = _f(pursuer), _f(target), _f(target_velocity)
    los = q - p
    r, vt = _norm(los), _norm(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.einsum("...i,...i->...", los, v) / (r * vt)
    c = np.where((r > 0.0) & (vt > 0.0), c, 0.0)
    t = pursuit_time(r, np.clip(c, -1.0, 1.0), speed, vt)
    caught = np.isfinite(t)
    point: F64 = np.where(caught[..., None], q + v * np.where(caught, t, 0.0)[..., None], np.nan)
    return t, point


def lead_intercept(
    pursuer: ArrayLike, target: ArrayLike, target_velocity: ArrayLike, speed: ArrayLike
) -> tuple[F64, F64, F64]:
    """Lead (collision course, constant bearing) from ``pursuer`` at ``speed`` to a target with
    constant velocity: the earliest meeting time (s; NaN when none), the meeting point (m) and
    the unit heading to fly (NaN when none). The time is
    :func:`inkless.physics.intercept.intercept_straight` (the collision-course quadratic)."""
    p, q, v = _f(pursuer), _f(target), _f(target_velocity)
    t = intercept_straight(p, speed, q, v)
    point = q + v * t[..., None]
    d = point - p
    n = _norm(d)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        heading: F64 = np.where(n > 0.0, d / n, np.nan)
    return t, point, heading


@dataclass(frozen=True)
class VectorCost:
    """What a vector to an intercept costs, arrays over leading dimensions.

    ``fuel_at`` fuel left at the intercept (kg); ``home_s`` time home from there at cruise (s);
    ``fuel_home`` fuel left on landing (kg); ``feasible`` the intercept happens (finite time)
    and ``fuel_home`` is at least the reserve."""

    fuel_at: F64
    home_s: F64
    fuel_home: F64
    feasible: B


def vector_cost(
    t_s: ArrayLike,
    point: ArrayLike,
    fuel: ArrayLike,
    dash_burn: ArrayLike,
    base: ArrayLike,
    cruise_mps: ArrayLike,
    cruise_burn: ArrayLike,
    reserve: ArrayLike,
) -> VectorCost:
    """The fuel a dash of ``t_s`` seconds at ``dash_burn`` (kg/s) costs an aircraft holding
    ``fuel`` (kg), and whether it then gets from the intercept ``point`` (m) back to ``base``
    (m) in a straight line at ``cruise_mps`` burning ``cruise_burn`` (kg/s) with ``reserve`` (kg)
    left. An intercept that never happens (``t_s`` NaN or inf) is infeasible."""
    t = _f(t_s)
    fuel_at = _f(fuel) - _f(dash_burn) * t
    home_s = _norm(_f(base) - _f(point)) / _f(cruise_mps)
    fuel_home = fuel_at - _f(cruise_burn) * home_s
    feasible: B = np.isfinite(t) & (fuel_at >= 0.0) & (fuel_home >= _f(reserve))
    return VectorCost(fuel_at, home_s, fuel_home, feasible)
