"""Ballistic missiles outside the atmosphere: Keplerian arcs about a point-mass Earth.

Where it sits: the simulation flies ballistic threats with :func:`propagate`; the raid builder
chooses their arcs with :func:`minimum_energy_arc`, :func:`arc_for_apogee` or :func:`lambert_arc`;
threat evaluation predicts impact points and times with the same functions.

What is modelled: two-body motion of a point mass about a point-mass Earth (gravitational
parameter ``MU_EARTH``, WGS-84 value), in the Earth-centred Earth-fixed (ECEF) frame treated as if
it were inertial. Positions in metres, velocities in m/s, times in seconds.

What is NOT modelled:

* no boost phase: the arc starts at burnout, at the launch point itself, with the burnout velocity
  returned by the arc functions;
* no atmosphere: no drag, no re-entry heating or deceleration, no lift or manoeuvre;
* no Earth rotation (no Coriolis or centrifugal terms, no launch-site velocity) and no J2 or
  other harmonics;
* the conic is made to pass through the launch and aim ECEF points, so the "impact" is where the
  arc meets the aim point; the arc is not tested for crossing the Earth's surface in between
  (arcs from :func:`arc_for_apogee` and :func:`minimum_energy_arc` between points on the surface
  stay above the lower end point).

Every arc goes the short way (transfer angle between 0 and pi) in the plane of the launch point,
the aim point and the Earth's centre, and less than one revolution. Functions take stacked
inputs ``r0 (n, 3)`` etc. and broadcast over any leading dimensions.

References: R. R. Bate, D. D. Mueller, J. E. White, *Fundamentals of Astrodynamics*, Dover 1971
(BMW), chapters 4-6; D. A. Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.
2013, algorithms 8 (KEPLER) and 58 (Lambert, universal variables); R. H. Battin, *An
Introduction to the Mathematics and Methods of Astrodynamics*, AIAA 1999, section 6.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inkless.arrays import F64
from inkless.errors import InputError
from inkless.physics.geodesy import altitude

__all__ = [
    "MU_EARTH",
    "apogee_radius",
    "arc_for_apogee",
    "lambert_arc",
    "minimum_energy_arc",
    "propagate",
    "stumpff",
]


MU_EARTH = 3.986004418e14  # m^3/s^2, WGS-84 / IERS gravitational parameter
_SQRT_MU = float(np.sqrt(MU_EARTH))
_TWO_PI = 2.0 * np.pi
_FOUR_PI2 = 4.0 * np.pi**2
_COLINEAR = 1e-9  # |sin(transfer angle)| below this: launch and aim points colinear with centre


def _f64(x: ArrayLike) -> F64:
    return np.asarray(x, dtype=np.float64)


def _norm(v: F64) -> F64:
    result: F64 = np.sqrt(np.einsum("...i,...i->...", v, v))
    return result


def _dot(a: F64, b: F64) -> F64:
    result: F64 = np.einsum("...i,...i->...", a, b)
    return result


# Taylor coefficients of C(z) = sum (-z)^k/(2k+2)! and S(z) = sum (-z)^k/(2k+3)!, k = 0..9.
_FACT = [float(np.prod(np.arange(1, m + 1))) for m in range(24)]
_C_SERIES = np.array([(-1.0) ** k / _FACT[2 * k + 2] for k in range(10)])
_S_SERIES = np.array([(-1.0) ** k / _FACT[2 * k + 3] for k in range(10)])


def _poly(coef: NDArray[np.float64], z: F64) -> F64:
    out = np.full_like(z, coef[-1])
    for c in coef[-2::-1]:
        out = out * z + c
    return out


def stumpff(z: ArrayLike) -> tuple[F64, F64]:
    """Stumpff functions ``C(z)``, ``S(z)`` of the universal-variable formulation (BMW 4.5;
    Vallado eq. 2-58), for any real ``z`` (elliptic z > 0, hyperbolic z < 0), without loss of
    precision near z = 0 (Taylor series for |z| < 1, closed forms elsewhere, each evaluated only
    where it applies)."""
    zz = _f64(z)
    c = np.empty_like(zz)
    s = np.empty_like(zz)
    for mask, branch in (
        (zz >= 1.0, _stumpff_elliptic),
        (zz <= -1.0, _stumpff_hyperbolic),
        (np.abs(zz) < 1.0, _stumpff_series),
    ):
        if mask.all():
            c[...], s[...] = branch(zz)
        elif mask.any():
            c[mask], s[mask] = branch(zz[mask])
    return c, s


def _stumpff_elliptic(z: F64) -> tuple[F64, F64]:
    sz = np.sqrt(z)
    return (1.0 - np.cos(sz)) / z, (sz - np.sin(sz)) / (z * sz)


def _stumpff_hyperbolic(z: F64) -> tuple[F64, F64]:
    sz = np.sqrt(-z)
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.cosh(sz) - 1.0) / -z, (np.sinh(sz) - sz) / (-z * sz)


def _stumpff_series(z: F64) -> tuple[F64, F64]:
    return _poly(_C_SERIES, z), _poly(_S_SERIES, z)


def _stumpff_derivatives(z: F64, c: F64, s: F64) -> tuple[F64, F64]:
    """dC/dz and dS/dz (BMW eq. 5.3-21/22), series near zero."""
    small = np.abs(z) < 1.0
    zs = np.where(small, 1.0, z)
    dc_big = (1.0 - zs * s - 2.0 * c) / (2.0 * zs)
    ds_big = (c - 3.0 * s) / (2.0 * zs)
    k = np.arange(1, 10, dtype=np.float64)
    dc_small = _poly(k * _C_SERIES[1:], z)
    ds_small = _poly(k * _S_SERIES[1:], z)
    return np.where(small, dc_small, dc_big), np.where(small, ds_small, ds_big)


def _geometry(r0: F64, r1: F64, where: str) -> tuple[F64, F64, F64, F64, F64]:
    """Norms, cos and sin of the short-way transfer angle, unit normal of the arc plane."""
    r0n, r1n = _norm(r0), _norm(r1)
    cross = np.cross(r0, r1)
    crn = _norm(cross)
    cos_dnu = np.clip(_dot(r0, r1) / (r0n * r1n), -1.0, 1.0)
    sin_dnu = crn / (r0n * r1n)
    bad = ~(sin_dnu > _COLINEAR)
    if np.any(bad):
        idx = np.argwhere(np.atleast_1d(bad))[0].tolist()
        raise InputError(
            f"{where}: launch and aim points at index {idx} are the same point, or opposite "
            "through the Earth's centre, so the plane of the arc is undefined; "
            "move the aim point"
        )
    normal = cross / crn[..., None]
    return r0n, r1n, cos_dnu, sin_dnu, normal


def minimum_energy_arc(r0: ArrayLike, r1: ArrayLike) -> tuple[F64, F64]:
    """The minimum-energy (minimum burnout speed) Keplerian arc from ``r0`` to ``r1``.

    Args:
        r0: launch (burnout) points, ECEF metres, ``(n, 3)``.
        r1: aim points, ECEF metres, ``(n, 3)``.

    Returns:
        ``(v0, tof)``: burnout velocity, ECEF m/s ``(n, 3)``, and time of flight, s ``(n,)``.

    Method: the minimum-energy ellipse has semi-major axis ``a = s / 2`` (``s`` the semi-perimeter
    of the triangle centre-r0-r1) and semi-latus rectum ``p = r0 r1 (1 - cos dnu) / c`` (``c`` the
    chord); the velocity follows from the Lagrange coefficients and the time of flight from
    Lambert's theorem with ``alpha = pi`` (BMW 5.3 and 6.3; Battin 6.3).
    """
    a0, a1 = _f64(r0), _f64(r1)
    r0n, r1n, cos_dnu, sin_dnu, _ = _geometry(a0, a1, "minimum_energy_arc")
    c = _norm(a1 - a0)
    s = 0.5 * (r0n + r1n + c)
    a = 0.5 * s
    p = r0n * r1n * (1.0 - cos_dnu) / c
    f = 1.0 - r1n * (1.0 - cos_dnu) / p
    g = r0n * r1n * sin_dnu / np.sqrt(MU_EARTH * p)
    v0 = (a1 - f[..., None] * a0) / g[..., None]
    beta = 2.0 * np.arcsin(np.sqrt(np.clip((s - c) / s, 0.0, 1.0)))
    tof = np.sqrt(a**3 / MU_EARTH) * (np.pi - (beta - np.sin(beta)))
    return v0, tof


def _lambert_tof(z: F64, r_sum: F64, big_a: F64) -> tuple[F64, F64, F64]:
    """Time of flight t(z), dt/dz and y(z) of the universal-variable Lambert formulation
    (BMW 5.3-9 to 5.3-13, 5.3-23); t = -inf where y(z) < 0 (z below the admissible range)."""
    c, s = stumpff(z)
    sc = np.sqrt(c)
    y = r_sum + big_a * (z * s - 1.0) / sc
    ok = y > 0.0
    ys = np.where(ok, y, 1.0)
    x = np.sqrt(ys / c)
    sy = np.sqrt(ys)
    t = np.where(ok, (x**3 * s + big_a * sy) / _SQRT_MU, -np.inf)
    dc, ds = _stumpff_derivatives(z, c, s)
    dt = (
        x**3 * (ds - 1.5 * s * dc / c) + 0.125 * big_a * (3.0 * s * sy / c + big_a / x)
    ) / _SQRT_MU
    return t, np.where(ok, dt, np.nan), y


def lambert_arc(r0: ArrayLike, r1: ArrayLike, tof: ArrayLike) -> F64:
    """Burnout velocity (ECEF m/s, ``(n, 3)``) of the Keplerian arc that leaves ``r0`` and reaches
    ``r1`` (ECEF metres, ``(n, 3)``) after ``tof`` seconds (``(n,)``, > 0).

    Single revolution, short way (transfer angle below pi); elliptic or hyperbolic as ``tof``
    requires. Method: universal variables (BMW 5.3, Vallado algorithm 58): solve t(z) = tof for
    the universal variable z, with Newton steps kept inside a shrinking bracket on which t(z) is
    increasing (a bisection step replaces any Newton step that leaves it), all missiles at once;
    then ``v0 = (r1 - f r0) / g``.
    """
    a0, a1 = _f64(r0), _f64(r1)
    t_req = np.broadcast_to(_f64(tof), a0.shape[:-1]).copy()
    if not np.all(np.isfinite(t_req) & (t_req > 0.0)):
        raise InputError("lambert_arc: time of flight must be positive and finite; fix tof")
    r0n, r1n, cos_dnu, _, _ = _geometry(a0, a1, "lambert_arc")
    big_a = np.sqrt(r0n * r1n * (1.0 + cos_dnu))  # short way: A > 0
    r_sum = r0n + r1n
    # Bracket [lo, hi] with t(lo) < tof < t(hi); t -> inf as z -> 4 pi^2 (one revolution).
    hi = np.full_like(t_req, _FOUR_PI2)
    lo = np.full_like(t_req, -_FOUR_PI2)
    for _ in range(12):
        t_lo, _, _ = _lambert_tof(lo, r_sum, big_a)
        need = t_lo >= t_req
        if not np.any(need):
            break
        lo = np.where(need, 4.0 * lo, lo)
    z = np.zeros_like(t_req)
    done = np.zeros(t_req.shape, dtype=bool)
    for _ in range(100):
        t, dtdz, _ = _lambert_tof(z, r_sum, big_a)
        below = t < t_req
        lo = np.where(below, z, lo)
        hi = np.where(below, hi, z)
        done = done | (np.abs(t - t_req) <= 1e-12 * t_req) | (hi - lo <= 1e-14 * (1.0 + np.abs(z)))
        if np.all(done):
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            step = z - (t - t_req) / dtdz
        bad = ~np.isfinite(step) | (step <= lo) | (step >= hi)
        step = np.where(bad, 0.5 * (lo + hi), step)
        z = np.where(done, z, step)
    _, _, y = _lambert_tof(z, r_sum, big_a)
    f = 1.0 - y / r0n
    g = big_a * np.sqrt(y / MU_EARTH)
    v0: F64 = (a1 - f[..., None] * a0) / g[..., None]
    return v0


def _arc_through_apsis(
    a0: F64, a1: F64, ra: F64, geometry: tuple[F64, F64, F64, F64, F64]
) -> tuple[F64, F64, F64]:
    """Arc from a0 to a1 whose apoapsis (radius ra) lies between them: (v0, tof, r_apogee)."""
    r0n, r1n, cos_dnu, sin_dnu, normal = geometry
    dnu = np.arctan2(sin_dnu, cos_dnu)
    # phi = angle from r0 to the apoapsis. r = p / (1 - e cos(angle from apoapsis)) at both ends
    # gives P cos(phi) + Q sin(phi) = K (derivation in the docstring of arc_for_apogee).
    k = ra * (r1n - r0n)
    p_ = (ra - r0n) * r1n * cos_dnu - (ra - r1n) * r0n
    q_ = (ra - r0n) * r1n * sin_dnu
    m = np.hypot(p_, q_)
    base = np.arctan2(q_, p_)
    off = np.arccos(np.clip(k / m, -1.0, 1.0))
    cand = np.stack([base + off, base - off], axis=-1)
    cand = np.mod(cand + np.pi, _TWO_PI) - np.pi
    outside = np.maximum(-cand, 0.0) + np.maximum(cand - dnu[..., None], 0.0)
    pick = np.argmin(outside, axis=-1)
    phi = np.clip(np.take_along_axis(cand, pick[..., None], axis=-1)[..., 0], 0.0, dnu)
    e = (ra - r0n) / (ra - r0n * np.cos(phi))
    p = ra * (1.0 - e)
    u0 = a0 / r0n[..., None]
    w0 = np.cross(normal, u0)  # in-plane, perpendicular to r0, towards r1
    vc = np.sqrt(MU_EARTH / p)
    v_rad = vc * e * np.sin(phi)  # nu0 = pi - phi: climbing towards the apoapsis
    v_tan = vc * (1.0 - e * np.cos(phi))
    v0 = v_rad[..., None] * u0 + v_tan[..., None] * w0
    # Kepler's equation from nu0 = pi - phi to nu1 = pi + (dnu - phi).
    sq = np.sqrt(1.0 - e * e)
    nu0 = np.pi - phi
    nu1 = np.pi + (dnu - phi)
    ea0 = np.mod(np.arctan2(sq * np.sin(nu0), e + np.cos(nu0)), _TWO_PI)  # eccentric anomalies
    ea1 = np.mod(np.arctan2(sq * np.sin(nu1), e + np.cos(nu1)), _TWO_PI)
    ea1 = np.where(ea1 < ea0, ea1 + _TWO_PI, ea1)
    a = ra / (1.0 + e)
    tof = np.sqrt(a**3 / MU_EARTH) * ((ea1 - e * np.sin(ea1)) - (ea0 - e * np.sin(ea0)))
    r_apo = ra[..., None] * (np.cos(phi)[..., None] * u0 + np.sin(phi)[..., None] * w0)
    return v0, tof, r_apo


def arc_for_apogee(r0: ArrayLike, r1: ArrayLike, apogee_alt_m: ArrayLike) -> tuple[F64, F64]:
    """The Keplerian arc from ``r0`` to ``r1`` whose apogee has the given altitude.

    Args:
        r0: launch (burnout) points, ECEF metres, ``(n, 3)``.
        r1: aim points, ECEF metres, ``(n, 3)``.
        apogee_alt_m: apogee height above the WGS-84 ELLIPSOID (measured like
            :func:`inkless.physics.geodesy.altitude`, at the apogee point), metres, ``(n,)``.

    Returns:
        ``(v0, tof)``: burnout velocity, ECEF m/s ``(n, 3)``; time of flight, s ``(n,)``.

    The arc is lofted when the apogee is above the minimum-energy arc's apogee and depressed when
    below. Each apogee radius ``ra`` above both end points' radii gives exactly one ellipse whose
    apoapsis lies on the flown arc: with ``phi`` the angle from ``r0`` to the apoapsis, the conic
    equation at both ends, ``r = ra (1 - e) / (1 - e cos(angle to apoapsis))``, reduces to
    ``P cos(phi) + Q sin(phi) = K`` (``K = ra (r1 - r0)``, ``P = (ra - r0) r1 cos(dnu) -
    (ra - r1) r0``, ``Q = (ra - r0) r1 sin(dnu)``), solved in closed form; the time of flight
    then follows from Kepler's equation (BMW 4.2). Because the apogee's ellipsoidal height
    depends on where the apogee falls, ``ra`` is corrected by a fixed-point iteration on that
    height (a few steps; converges to well under a millimetre).

    Raises:
        InputError: the apogee is not above both end points (no ballistic arc has it), the
            points are the same or antipodal, or an altitude is not finite.
    """
    a0, a1 = _f64(r0), _f64(r1)
    lead = np.broadcast_shapes(a0.shape[:-1], a1.shape[:-1])
    h_req = np.broadcast_to(_f64(apogee_alt_m), lead).astype(np.float64)
    if not np.all(np.isfinite(h_req)):
        raise InputError("arc_for_apogee: apogee altitude must be finite; fix apogee_alt_m")
    geometry = _geometry(a0, a1, "arc_for_apogee")
    r_top = np.maximum(geometry[0], geometry[1])
    # Start from the radius of the ellipsoid below the higher end point plus the altitude.
    ra = r_top - altitude(np.where((geometry[0] >= geometry[1])[..., None], a0, a1)) + h_req
    for _ in range(8):
        if np.any(ra <= r_top):
            break
        v0, tof, r_apo = _arc_through_apsis(a0, a1, ra, geometry)
        err = h_req - altitude(r_apo)
        ra = ra + err
        if np.all(np.abs(err) < 1e-6):
            break
    impossible = ~(ra > r_top * (1.0 + 1e-12))
    if np.any(impossible):
        idx = np.argwhere(np.atleast_1d(impossible))[0].tolist()
        need = float(np.atleast_1d(h_req + r_top - ra)[tuple(idx)])
        raise InputError(
            f"arc_for_apogee: at index {idx} an apogee of "
            f"{float(np.atleast_1d(h_req)[tuple(idx)]):.0f} m is not above the higher end point; "
            f"give an apogee altitude above about {need:.0f} m"
        )
    v0, tof, _ = _arc_through_apsis(a0, a1, ra, geometry)
    return v0, tof


def apogee_radius(r0: ArrayLike, v0: ArrayLike) -> F64:
    """Apoapsis radius ``a (1 + e)`` (metres from the Earth's centre, ``(n,)``) of the two-body
    orbit through position ``r0`` (m) with velocity ``v0`` (m/s); ``inf`` for parabolic and
    hyperbolic orbits. This is the orbit's apoapsis, which lies on the flown arc of every arc
    built by this module. Subtract a radius (or use ``altitude``) for a height."""
    r, v = _f64(r0), _f64(v0)
    rn = _norm(r)
    v2 = _dot(v, v)
    energy = 0.5 * v2 - MU_EARTH / rn
    evec = ((v2 - MU_EARTH / rn)[..., None] * r - _dot(r, v)[..., None] * v) / MU_EARTH
    e = _norm(evec)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = -MU_EARTH / (2.0 * energy)
        result: F64 = np.where((energy < 0.0) & (e < 1.0), a * (1.0 + e), np.inf)
    return result


def propagate(r0: ArrayLike, v0: ArrayLike, dt: ArrayLike) -> tuple[F64, F64]:
    """Two-body state after ``dt`` seconds from ECEF position ``r0`` (m) and velocity ``v0`` (m/s).

    Shapes: ``r0, v0 (n, 3)`` with ``dt (n,)`` give ``(n, 3)``; with ``dt (n, k)`` (k times per
    missile) they give ``(n, k, 3)``. ``dt`` may be negative (back-propagation) and any orbit type
    is handled. Returns ``(r, v)``.

    Method: universal-variable Kepler problem with Lagrange f and g (BMW 4.5; Vallado algorithm
    8). Kepler's equation in the universal anomaly ``chi`` is solved by Newton steps kept inside a
    bracket (``F(chi)`` increases with slope ``r >= r_periapsis``, so ``chi`` lies between 0 and
    ``sqrt(mu) dt / r_p``); a step that leaves the bracket is replaced by bisection.
    """
    rr, vv, tt = _f64(r0), _f64(v0), _f64(dt)
    if tt.ndim == rr.ndim and tt.ndim >= 1:
        rr, vv = rr[..., None, :], vv[..., None, :]
    # Orbit constants on the orbits' own shape, then broadcast to every (orbit, time) and flatten.
    rn0 = _norm(rr)
    v2 = _dot(vv, vv)
    hv = np.cross(rr, vv)
    h2 = _dot(hv, hv)
    alpha0 = 2.0 / rn0 - v2 / MU_EARTH  # 1 / a
    ecc = np.sqrt(np.maximum(1.0 - alpha0 * h2 / MU_EARTH, 0.0))
    r_peri0 = np.maximum(h2 / MU_EARTH / (1.0 + ecc), 1.0)
    shape = np.broadcast_shapes(rn0.shape, tt.shape)

    def flat(a: F64) -> F64:
        return np.broadcast_to(a, shape).ravel()

    rn, alpha, tt_f = flat(rn0), flat(alpha0), flat(tt)
    chi = _solve_kepler_chi(
        rn, flat(_dot(rr, vv) / _SQRT_MU), alpha, flat(r_peri0), _SQRT_MU * tt_f
    )
    z = alpha * chi * chi
    c, s = stumpff(z)
    f = (1.0 - chi * chi * c / rn).reshape(shape)
    g = (tt_f - chi**3 * s / _SQRT_MU).reshape(shape)
    r = f[..., None] * rr + g[..., None] * vv
    r1n = _norm(r)
    fdot = _SQRT_MU / (r1n * rn0) * (chi * (z * s - 1.0)).reshape(shape)
    gdot = 1.0 - (chi * chi * c).reshape(shape) / r1n
    v = fdot[..., None] * rr + gdot[..., None] * vv
    return r, v


def _solve_kepler_chi(rn: F64, sigma: F64, alpha: F64, r_peri: F64, target: F64) -> F64:
    """Universal anomaly chi with F(chi) = sqrt(mu) dt (flat arrays; BMW eq. 4.4-14).

    Safeguarded Halley iteration (cubic convergence): F increases with slope r >= r_p, so chi
    lies in [0, sqrt(mu) dt / r_p] (or the mirror image for dt < 0); a step that leaves the
    shrinking bracket is replaced by bisection. Converged elements leave the working set, so
    late iterations are cheap. A Halley step of relative size below 1e-6 ends the iteration
    (cubic convergence leaves ~1e-16). Starting guess for ellipses: Danby's (1987) starter for
    Kepler's equation, ``E = M + 0.85 e sign(sin M)``, refined by two Halley steps on Kepler's
    equation itself (cheap: no Stumpff functions) and converted with ``chi = sqrt(a) (E - E0)``;
    one step of the universal iteration then usually confirms it.
    """
    lo = np.minimum(0.0, target / r_peri)
    hi = np.maximum(0.0, target / r_peri)
    ell = alpha > 1e-12
    sa = np.sqrt(np.where(ell, alpha, 1.0))  # 1 / sqrt(a)
    e_cos = 1.0 - rn * alpha
    e_sin = sigma * sa
    e_0 = np.arctan2(e_sin, e_cos)
    ecc = np.hypot(e_cos, e_sin)
    mean = e_0 - e_sin + target * alpha * sa  # M0 + n dt, n = sqrt(mu / a^3)
    big_e = mean + 0.85 * ecc * np.sign(np.sin(mean))
    for _ in range(2):  # Halley on E - e sin E = M
        es, ec = ecc * np.sin(big_e), ecc * np.cos(big_e)
        k_res = big_e - es - mean
        big_e = big_e - 2.0 * k_res * (1.0 - ec) / (2.0 * (1.0 - ec) ** 2 - k_res * es)
    with np.errstate(invalid="ignore", over="ignore"):
        guess = np.where(ell, (big_e - e_0) / sa, target / rn)
    guess = np.where(np.isfinite(guess), guess, 0.5 * (lo + hi))
    chi = np.clip(guess, lo, hi)
    one_m_ar = 1.0 - alpha * rn
    act = np.arange(chi.size)
    x = chi.copy()
    for _ in range(200):
        z = alpha * x * x
        c, s = stumpff(z)
        x2 = x * x
        f_x = sigma * x2 * c + one_m_ar * x2 * x * s + rn * x
        r_x = sigma * x * (1.0 - z * s) + one_m_ar * x2 * c + rn  # F'
        dr_x = sigma * (1.0 - z * c) + one_m_ar * x * (1.0 - z * s)  # F''
        below = f_x < target
        lo = np.where(below, x, lo)
        hi = np.where(below, hi, x)
        res = f_x - target
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            step = x - 2.0 * res * r_x / (2.0 * r_x * r_x - res * dr_x)  # Halley
        bad = ~np.isfinite(step) | (step < lo) | (step > hi)
        step = np.where(bad, 0.5 * (lo + hi), step)
        moved = np.abs(step - x)
        scale = 1.0 + np.abs(step)
        chi[act] = step
        done = (moved <= 1e-13 * scale) | (~bad & (moved <= 1e-6 * scale))
        done |= (hi - lo <= 1e-15 * scale) | np.isnan(step)  # NaN input: give NaN, stop
        if done.all():
            break
        keep = ~done
        act = act[keep]
        x, lo, hi = step[keep], lo[keep], hi[keep]
        rn, sigma, alpha, one_m_ar, target = (
            rn[keep],
            sigma[keep],
            alpha[keep],
            one_m_ar[keep],
            target[keep],
        )
    return chi
