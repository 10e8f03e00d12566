"""Civil flights: departure climb, airspace closures (reroute, hold, cancel, return, continue),
against closed-form geometry, an independent haversine, and matplotlib's point-in-polygon test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.path import Path as MplPath

from inkless.physics.route import RouteTable
from inkless.scenario import parse_scenario
from inkless.simulation.civil import civil_routes, civil_traffic, closure_report, inside_region
from inkless.units import DEG, FT, KT

R = 6371008.8  # IUGG mean radius, m

HEAD = """
name: civil
settings: {epoch: 2025-01-01T00:00:00Z, duration_s: 20000}
members: [{id: A, name: A, role: host}]
assets: [{name: x, owner: A, position: {lat_deg: 32, lon_deg: 35}, value: 1, radius_m: 100}]
raid: {waves: [{id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31, lon_deg: 37}],
       launch_window_s: [0, 10], speed_mps: 50}]}
"""


def hav(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean sphere, degrees in, metres out."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def geo(table: RouteTable, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import pymap3d

    pos, _ = table.positions(t)
    lat, lon, alt = pymap3d.ecef2geodetic(pos[..., 0], pos[..., 1], pos[..., 2])
    return np.asarray(lat), np.asarray(lon), np.asarray(alt)


def test_detour_around_a_square_is_the_closed_form() -> None:
    sc = parse_scenario(HEAD + """
regions: [{id: sq, owner: X, polygon_deg: [[-0.5, -0.5], [-0.5, 0.5], [0.5, 0.5], [0.5, -0.5]]}]
civil:
  closures: [{region: sq, from_s: 0, margin_km: 0}]
  flights: [{callsign: EQ1, route: [{lat_deg: 0, lon_deg: -3}, {lat_deg: 0, lon_deg: 3}],
             altitude_m: 10000, speed_mps: 200}]
""")
    traffic = civil_traffic(sc)
    (row,) = closure_report(traffic)
    assert row["action"] == "reroute"
    direct = hav(0, -3, 0, 3)
    # shortest path around the square: to one corner, along the side, from the other corner
    detour = hav(0, -3, 0.5, -0.5) + hav(0.5, -0.5, 0.5, 0.5) + hav(0.5, 0.5, 0, 3)
    assert traffic.closures.delay_s[0] == pytest.approx((detour - direct) / 200.0, rel=1e-7)
    rt = traffic.routes
    assert rt is not None
    lat = np.degrees(rt.lat[0, : rt.n_wp[0]])
    assert np.abs(lat).max() == pytest.approx(0.5, abs=1e-9)


L_SHAPE = [[31.0, 35.0], [31.0, 37.0], [32.0, 37.0], [32.0, 36.0], [33.0, 36.0], [33.0, 35.0]]


def test_late_closure_reroutes_every_crossing_flight_outside_the_region() -> None:
    flights = []
    rng = np.random.default_rng(5)
    for i in range(12):
        a = rng.uniform(0, 2 * np.pi)
        lat0, lon0 = 32.0 + 3 * np.sin(a), 36.0 + 3 * np.cos(a)
        lat1, lon1 = 32.0 - 3 * np.sin(a), 36.0 - 3 * np.cos(a)
        flights.append(
            f"    - {{callsign: F{i}, route: [{{lat_deg: {lat0:.4f}, lon_deg: {lon0:.4f}}}, "
            f"{{lat_deg: {lat1:.4f}, lon_deg: {lon1:.4f}}}], altitude_m: 11000, "
            f"speed_mps: 230, departure_s: {rng.uniform(0, 600):.0f}}}"
        )
    flights.append(
        "    - {callsign: FAR, route: [{lat_deg: 28, lon_deg: 30}, {lat_deg: 28, lon_deg: 40}], "
        "altitude_m: 11000, speed_mps: 230}"
    )
    sc = parse_scenario(HEAD + f"""
regions: [{{id: L, owner: X, polygon_deg: {L_SHAPE}}}]
civil:
  closures: [{{region: L, from_s: 700}}]
  flights:
""" + "\n".join(flights) + "\n")
    traffic = civil_traffic(sc)
    rt = traffic.routes
    assert rt is not None
    t = np.arange(700.0, 8000.0, 5.0)
    lat, lon, _ = geo(rt, t)
    poly = MplPath(np.array(L_SHAPE)[:, ::-1])  # (lon, lat)
    pts = np.c_[lon.ravel(), lat.ravel()]
    ok = np.isfinite(pts).all(axis=1)
    inside = np.zeros(len(pts), dtype=bool)
    inside[ok] = poly.contains_points(pts[ok])
    assert not inside.any()
    actions = dict(zip(traffic.closures.callsign, traffic.closures.action, strict=True))
    assert actions["FAR"] == "none"
    assert sum(a == "reroute" for a in actions.values()) >= 8
    # every flight still reaches its destination
    for i, f in enumerate(sc.civil.flights):
        k = rt.n_wp[i] - 1
        assert np.degrees(rt.lat[i, k]) == pytest.approx(f.route[-1].lat_deg, abs=1e-9)
        assert np.degrees(rt.lon[i, k]) == pytest.approx(f.route[-1].lon_deg, abs=1e-9)
    delays = np.array([r["delay_s"] for r in closure_report(traffic)])
    assert (delays >= 0).all()


SQUARE = "[[-0.5, -0.5], [-0.5, 0.5], [0.5, 0.5], [0.5, -0.5]]"


def closed(closure: str, route: str, extra: str = "") -> tuple[object, RouteTable]:
    sc = parse_scenario(HEAD + f"""
regions: [{{id: sq, owner: X, polygon_deg: {SQUARE}}}]
civil:
  closures: [{closure}]
  flights: [{{callsign: T1, route: {route}, altitude_m: 10000, speed_mps: 200{extra}}}]
""")
    traffic = civil_traffic(sc)
    assert traffic.routes is not None
    return traffic, traffic.routes


def test_hold_until_the_closure_ends_when_the_destination_is_inside() -> None:
    traffic, rt = closed(
        "{region: sq, from_s: 1000, until_s: 5000}",
        "[{lat_deg: 0, lon_deg: -3}, {lat_deg: 0, lon_deg: 0}]",
    )
    (row,) = closure_report(traffic)  # type: ignore[arg-type]
    assert row["action"] == "hold"
    t_in = hav(0, -3, 0, -0.5) / 200.0  # planned entry, closed form
    assert row["delay_s"] == pytest.approx(5000.0 - t_in, abs=11.0)
    t = np.arange(0.0, 8000.0, 2.0)
    lat, lon, _ = geo(rt, t)
    inside = (np.abs(lat[0]) < 0.5) & (np.abs(lon[0]) < 0.5)
    assert not inside[(t >= 1000) & (t < 5000)].any()
    assert inside.any()  # it does arrive afterwards


def test_cancel_before_departure_and_return_when_airborne() -> None:
    traffic, _ = closed(
        "{region: sq, from_s: 0}",
        "[{lat_deg: 0, lon_deg: -3}, {lat_deg: 0, lon_deg: 0}]",
        ", departure_s: 100",
    )
    assert traffic.closures.action == ("cancel",)  # type: ignore[attr-defined]
    assert not traffic.state(500.0)[2][0]  # type: ignore[attr-defined]
    traffic, rt = closed(
        "{region: sq, from_s: 600}",
        "[{lat_deg: 0, lon_deg: -3}, {lat_deg: 0, lon_deg: 0}]",
    )
    assert traffic.closures.action == ("return",)  # type: ignore[attr-defined]
    k = rt.n_wp[0] - 1
    assert np.degrees(rt.lon[0, k]) == pytest.approx(-3.0, abs=1e-9)
    assert rt.arrival[0] == pytest.approx(1200.0, abs=1e-6)  # back the way it came


def test_flight_inside_when_it_closes_continues() -> None:
    traffic, rt = closed(
        "{region: sq, from_s: 1500}",
        "[{lat_deg: 0, lon_deg: -3}, {lat_deg: 0, lon_deg: 3}]",
    )
    assert traffic.closures.action == ("continue",)  # type: ignore[attr-defined]
    assert rt.n_wp[0] == 2 and rt.arrival[0] == pytest.approx(hav(0, -3, 0, 3) / 200.0)


def test_departure_climbs_below_250_kt_under_10000_ft() -> None:
    sc = parse_scenario(HEAD + """
civil:
  flights: [{callsign: D1, departs: true, route: [{lat_deg: 32, lon_deg: 34.9, alt_m: 40},
             {lat_deg: 34, lon_deg: 33}], altitude_m: 11000, speed_mps: 240, departure_s: 60}]
""")
    rt = civil_routes(sc)
    assert rt is not None
    t = np.arange(60.0, 2000.0, 1.0)
    pos, _ = rt.positions(t)
    vel = np.gradient(pos[0], t, axis=0)
    _lat, _lon, alt = geo(rt, t)
    up = pos[0] / np.linalg.norm(pos[0], axis=1, keepdims=True)
    ground = np.linalg.norm(vel - (vel * up).sum(axis=1, keepdims=True) * up, axis=1)
    low = alt[0] < 10000 * FT
    assert low[:10].all() and alt[0][0] == pytest.approx(40.0, abs=1.0)
    assert ground[low].max() <= 250 * KT * 1.005  # 14 CFR 91.117, with the ellipsoid's stretch
    assert np.nanmax(alt[0]) == pytest.approx(11000.0, abs=1.0)
    assert np.nanmax(np.diff(alt[0])) <= 12.0 + 1e-6  # m/s climb


def test_civil_routes_unchanged_without_closures_or_departures() -> None:
    sc = parse_scenario(HEAD + """
civil:
  flights: [{callsign: C1, route: [{lat_deg: 32, lon_deg: 34.8}, {lat_deg: 34.8, lon_deg: 33}],
             altitude_m: 10500, speed_mps: 230, departure_s: 300}]
""")
    rt = civil_routes(sc)
    ref = RouteTable.build([np.array([32, 34.8]) * DEG], [np.array([34.8, 33]) * DEG],
                           [np.full(2, 10500.0)], [230.0], [300.0])
    assert rt is not None
    np.testing.assert_allclose(rt.t_wp, ref.t_wp)
    np.testing.assert_allclose(rt.state(1000.0)[0], ref.state(1000.0)[0])


def test_inside_region_against_matplotlib() -> None:
    rng = np.random.default_rng(2)
    lat = rng.uniform(30, 34.5, 4000)
    lon = rng.uniform(34, 38, 4000)
    poly = np.array(L_SHAPE)
    mine = inside_region(lat * DEG, lon * DEG, poly[:, 0] * DEG, poly[:, 1] * DEG)
    ref = MplPath(poly[:, ::-1]).contains_points(np.c_[lon, lat])
    # great-circle edges and straight lat/lon edges differ only within ~1 km of the edges
    differ = mine != ref
    assert differ.mean() < 0.01


def test_inside_region_across_the_antimeridian() -> None:
    """A square from 179 E to 179 W: matplotlib on longitudes unwrapped to [0, 360) is the
    reference, away from the edges (great-circle and straight edges differ there by < 0.002
    deg); the same square shifted to 0 E gives the same answers (the projection does not care
    where the antimeridian is)."""
    rng = np.random.default_rng(4)
    poly = np.array([[10.0, 179.0], [10.0, -179.0], [12.0, -179.0], [12.0, 179.0]])
    lat, lon = rng.uniform(9.0, 13.0, 4000), rng.uniform(177.0, 183.0, 4000)
    lon = (lon + 180.0) % 360.0 - 180.0  # as the scenario gives them: in [-180, 180)
    mine = inside_region(lat * DEG, lon * DEG, poly[:, 0] * DEG, poly[:, 1] * DEG)
    unwrapped = np.c_[lon % 360.0, lat]
    ref = MplPath(np.c_[poly[:, 1] % 360.0, poly[:, 0]]).contains_points(unwrapped)
    far = (np.abs(lat - 10.0) > 0.01) & (np.abs(lat - 12.0) > 0.01)
    far &= (np.abs(lon % 360.0 - 179.0) > 0.01) & (np.abs(lon % 360.0 - 181.0) > 0.01)
    np.testing.assert_array_equal(mine[far], ref[far])
    assert 500 < mine.sum() < 3500
    shifted = inside_region(lat * DEG, (lon % 360.0 - 180.0) * DEG, poly[:, 0] * DEG,
                            (poly[:, 1] % 360.0 - 180.0) * DEG)  # fmt: skip
    np.testing.assert_array_equal(shifted[far], mine[far])
