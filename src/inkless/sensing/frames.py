"""A sensor's local frame in the coalition's common one.

Where it sits: sensing. A radar measures in its own local East-North-Up frame (at its geodetic
position); the trackers work in the coalition's common ENU frame
(:class:`inkless.sensing.EnuFrame`). The rotation between the two is a report's
``to_common`` (:class:`inkless.sensing.Detections`), for the simulated sensors
(:func:`inkless.sensing.detect`), a real node's plots (:mod:`inkless.service.live`) and
ASTERIX plots (:mod:`inkless.interop.radar`) alike. Tested against pymap3d
(tests/sensing/test_common_frame.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from inkless.arrays import F64

if TYPE_CHECKING:
    from .radar import EnuFrame

__all__ = ["common_from_local"]


def common_from_local(frame: EnuFrame, local: F64) -> F64:
    """``(k, 3, 3)`` rotations taking a vector in each sensor's local ENU frame to the common
    ENU ``frame``, from the sensors' ECEF -> local ENU rotations ``local`` ``(k, 3, 3)``
    (:func:`inkless.physics.geodesy.enu_rotation` at their geodetic positions): ``frame.rot @
    local[k].T`` (a rotation's inverse is its transpose). A point at ``v`` (m) in sensor
    ``k``'s frame is at ``frame.from_ecef(sensor_ecef[k]) + out[k] @ v`` in the common one."""
    return np.einsum("ij,kjl->kil", frame.rot, np.swapaxes(local, 1, 2))
