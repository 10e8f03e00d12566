"""The fighter-patrol scenario the patrol tests share (issue 14, item 4), as YAML text.

Member A's town, a ground radar ``r1`` (unless left out) and a patrol ``cap1`` of one-aircraft
flights from a base some 23 km south of its 10 km orbit at 6000 m (cruise 200 m/s, dash 300 m/s,
2400 s of endurance, 300 s reserve), each aircraft with two 30 km missiles (``aam``); four
drones at 1500 m cross the station from the east (:data:`EARLY`). Each test makes its variant
with :func:`cap`'s arguments. It lives in ``tests/interop`` because that folder is a package
(``__init__.py``): its tests reach it as ``.patrols``, the others as ``..interop.patrols``.
"""

from __future__ import annotations

from string import Template

__all__ = ["EARLY", "GROUND_RADAR", "cap"]

EARLY = """\
    - {id: early, threat_class: drone, count: 4, speed_mps: 50, altitude_m: 1500,
       launch_points: [{lat_deg: 31.2, lon_deg: 35.5}], launch_window_s: [200, 260]}
"""

GROUND_RADAR = """\
sensors:
  - {id: r1, owner: A, kind: ground, position: {lat_deg: 31.1, lon_deg: 35.0},
     range_km: {drone: 200, civil: 200}, scan_period_s: 5}
"""

_CAP = Template("""\
name: cap
settings: {epoch: 2024-04-13T20:00:00Z, duration_s: $duration_s, scan_period_s: 5}
members:
  - {id: A, name: Alpha, role: host}
${members}assets:
  - {name: town, owner: A, position: {lat_deg: 31.2, lon_deg: 35.0}, value: 10, radius_m: 500}
${assets}interceptors:
  - {id: aam, max_range_km: 30, max_altitude_km: 20, speed_mps: 1000, pk: {drone: 0.9}}
${sensors}patrols:
  - id: cap1
    owner: A
    base: {lat_deg: 31.0, lon_deg: 35.0}
    station:
      centre: {lat_deg: 31.2, lon_deg: 35.05, alt_m: 6000}
      radius_km: 10
    interceptor: aam
    missiles_per_aircraft: 2
    aircraft_per_flight: $aircraft_per_flight
    cruise_speed_mps: 200
    dash_speed_mps: 300
    endurance_s: 2400
    reserve_s: 300
${cap1}${patrols}raid:
  waves:
$waves""")


def cap(duration_s: int, cap1: str = "", *, aircraft_per_flight: int = 1,
        sensors: str = GROUND_RADAR, members: str = "", patrols: str = "",
        waves: str = EARLY, assets: str = "") -> str:
    """The scenario running ``duration_s`` seconds, with ``cap1``'s further keys (YAML lines
    indented four spaces, e.g. ``flights``, ``radar``), its ``sensors`` section (``""``: none),
    ``members`` after A, ``assets`` after the town and ``patrols`` after cap1 (YAML list items;
    ``assets`` may end with more top-level sections, e.g. ``fire_units``) and the raid's
    ``waves``."""
    return _CAP.substitute(duration_s=duration_s, cap1=cap1, assets=assets,
                           aircraft_per_flight=aircraft_per_flight, sensors=sensors,
                           members=members, patrols=patrols, waves=waves)
