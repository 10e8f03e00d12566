"""The rotation from a sensor's local East-North-Up frame to the coalition's common one
(:func:`inkless.sensing.frames.common_from_local`), against pymap3d (an outside geodesy): a
point given in the sensor's local ENU is taken to ECEF by ``enu2ecef`` and into the common
frame by ``ecef2enu``; the rotation applied to the local vector, plus the sensor's position in
the common frame, must land on the same point."""

from __future__ import annotations

import numpy as np
import pymap3d
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.physics.geodesy import ecef_from_geodetic, enu_rotation
from inkless.sensing import EnuFrame
from inkless.sensing.frames import common_from_local

ORIGIN = (32.0, 35.0, 0.0)  # the common frame's origin: lat, lon deg, alt m


@settings(max_examples=50, deadline=None)
@given(dlat=st.floats(-8.0, 8.0), dlon=st.floats(-8.0, 8.0), alt=st.floats(0.0, 12e3),
       e=st.floats(-300e3, 300e3), n=st.floats(-300e3, 300e3), u=st.floats(-5e3, 100e3))
def test_local_to_common_agrees_with_pymap3d(dlat: float, dlon: float, alt: float, e: float,
                                             n: float, u: float) -> None:
    lat, lon = ORIGIN[0] + dlat, ORIGIN[1] + dlon
    frame = EnuFrame.at(*np.radians(ORIGIN[:2]), ORIGIN[2])
    sensor = np.asarray(ecef_from_geodetic(np.radians(lat), np.radians(lon), alt)).reshape(1, 3)
    local = enu_rotation(np.radians([lat]), np.radians([lon]))  # (1, 3, 3): ECEF -> local
    got = frame.from_ecef(sensor)[0] + common_from_local(frame, local)[0] @ [e, n, u]
    x, y, z = pymap3d.enu2ecef(e, n, u, lat, lon, alt)
    want = pymap3d.ecef2enu(x, y, z, *ORIGIN)
    np.testing.assert_allclose(got, want, atol=1e-6 * max(1.0, abs(e), abs(n), abs(u)))


def test_many_sensors_at_once() -> None:
    """One rotation per sensor, ``(k, 3, 3)``, each orthonormal; a sensor at the frame's
    origin has the identity."""
    frame = EnuFrame.at(np.radians(32.0), np.radians(35.0))
    lat, lon = np.radians([32.0, 30.0, 40.0]), np.radians([35.0, 30.0, 20.0])
    rot = common_from_local(frame, enu_rotation(lat, lon))
    assert rot.shape == (3, 3, 3)
    np.testing.assert_allclose(rot[0], np.eye(3), atol=1e-15)
    np.testing.assert_allclose(rot @ np.swapaxes(rot, 1, 2), np.broadcast_to(np.eye(3), rot.shape),
                               atol=1e-14)
