"""Identification over a short simulated raid with civil traffic (see conftest): a cruise missile
carrying a spoofed ADS-B report, airliners with faulty or silent transponders, a drone, a
ballistic missile and a coalition patrol.

Expected identities follow the issue's rule — a track correlated with a cooperative civil
aircraft is neutral unless kinematics contradict it; spoofed or faulty reports must not make a
missile neutral nor a jet hostile — not the code's own output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inkless.identification import FRIEND, HOSTILE, NEUTRAL
from inkless.identification.categories import ADSB, CIVIL_CONTRADICTED, UNKNOWN

CRUISE, DRONE, BALLISTIC, JET, DEPARTING, PATROL = range(6)


def tracked(world: dict[str, Any], i: int) -> np.ndarray:
    c = world["category"][:, i]
    return c[c >= 0]


def test_spoofed_report_does_not_make_a_missile_neutral(spoofed_world: dict[str, Any]) -> None:
    c = tracked(spoofed_world, CRUISE)
    assert not (c == NEUTRAL).any()
    assert (c[4:] == HOSTILE).all()  # declared within 20 s of its first detection, and it stays
    bits = spoofed_world["bits"][-1, CRUISE]
    assert bits & ADSB and bits & CIVIL_CONTRADICTED  # the forged report did correlate


def test_faulty_reports_do_not_make_jets_hostile(spoofed_world: dict[str, Any]) -> None:
    for i in (JET, DEPARTING):
        c = tracked(spoofed_world, i)
        assert not (c == HOSTILE).any()
        # the filed flight plan still identifies them
        assert (c[2:] == NEUTRAL).mean() >= 0.95


def test_jets_without_reports_or_plans_are_unknown_not_hostile(
    unfiled_world: dict[str, Any],
) -> None:
    for i in (JET, DEPARTING):
        c = tracked(unfiled_world, i)
        assert not (c == HOSTILE).any()
        assert (c[2:] == UNKNOWN).mean() >= 0.95
    assert (tracked(unfiled_world, CRUISE)[4:] == HOSTILE).all()


def test_every_object_gets_its_true_identity(clean_world: dict[str, Any]) -> None:
    expected = {
        CRUISE: HOSTILE,
        DRONE: HOSTILE,
        BALLISTIC: HOSTILE,
        JET: NEUTRAL,
        DEPARTING: NEUTRAL,
        PATROL: FRIEND,
    }
    for i, cat in expected.items():
        assert (tracked(clean_world, i) == cat).mean() >= 0.9, i


def test_departing_airliner_never_looks_like_a_cruise_missile(
    unfiled_world: dict[str, Any],
) -> None:
    """Climbing out below 250 kt, without reports or plans, it is never even suspect."""
    from inkless.identification import SUSPECT

    assert not (tracked(unfiled_world, DEPARTING) == SUSPECT).any()
