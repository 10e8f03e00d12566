"""Identity categories, evidence bits and truth kinds: the small integers every array uses.

Categories are the standard identities of NATO APP-6 / STANAG 1241 (MIL-STD-2525): pending,
unknown, assumed friend, friend, neutral, suspect, hostile. Evidence is a ``uint32`` bit set per
track; the rules of engagement name bits by the names in :data:`EVIDENCE_NAMES`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ADSB",
    "ASSESSED",
    "ASSUMED_FRIEND",
    "BALLISTIC_PROFILE",
    "CATEGORY_NAMES",
    "CIVIL_CONTRADICTED",
    "CIVIL_KINEMATICS",
    "CRUISE_PROFILE",
    "DRONE_PROFILE",
    "EVIDENCE_NAMES",
    "FILED_DEPARTURE",
    "FILED_ROUTE",
    "FRIEND",
    "HOSTILE",
    "IFF",
    "NEUTRAL",
    "NON_CIVIL_KINEMATICS",
    "NO_COOPERATIVE",
    "ORIGIN_IN_CORRIDOR",
    "PENDING",
    "REPORT_INCONSISTENT",
    "SUSPECT",
    "THREAT_PROFILES",
    "TRUTH_CIVIL",
    "TRUTH_COALITION",
    "TRUTH_KIND_NAMES",
    "TRUTH_NONE",
    "TRUTH_THREAT",
    "UNKNOWN",
    "evidence_names",
]

# Identity categories (int8), in order of the standard.
PENDING = np.int8(0)  #: not yet assessed (kinematics not yet known well enough)
UNKNOWN = np.int8(1)  #: assessed, no evidence either way
ASSUMED_FRIEND = np.int8(2)  #: was a friend; IFF lost since
FRIEND = np.int8(3)  #: authenticated IFF reply
NEUTRAL = np.int8(4)  #: correlated with a civil aircraft, kinematics civil
SUSPECT = np.int8(5)  #: threat-like evidence short of the rules of engagement
HOSTILE = np.int8(6)  #: declared hostile under the rules of engagement: engageable
CATEGORY_NAMES = (
    "pending",
    "unknown",
    "assumed_friend",
    "friend",
    "neutral",
    "suspect",
    "hostile",
)

# Evidence bits (uint32).
ASSESSED = np.uint32(1 << 0)  #: velocity known to max_velocity_sigma_mps
BALLISTIC_PROFILE = np.uint32(1 << 1)  #: speed, altitude or climb beyond any aircraft
CRUISE_PROFILE = np.uint32(1 << 2)  #: low and faster than civil aircraft may fly there
DRONE_PROFILE = np.uint32(1 << 3)  #: low and slower than civil aircraft fly
CIVIL_KINEMATICS = np.uint32(1 << 4)  #: inside the civil flight envelope
ORIGIN_IN_CORRIDOR = np.uint32(1 << 5)  #: first appeared in a launch corridor while it was open
ADSB = np.uint32(1 << 6)  #: correlated with a consistent ADS-B report (within memory)
FILED_ROUTE = np.uint32(1 << 7)  #: on a filed civil route (within memory)
IFF = np.uint32(1 << 8)  #: authenticated IFF reply (within memory)
NO_COOPERATIVE = np.uint32(1 << 9)  #: no civil report with civil kinematics, no IFF
CIVIL_CONTRADICTED = np.uint32(1 << 10)  #: a civil report or route correlates, kinematics do not
REPORT_INCONSISTENT = np.uint32(1 << 11)  #: a report in the position gate with another velocity
NON_CIVIL_KINEMATICS = np.uint32(1 << 12)  #: outside the civil envelope, with confidence
FILED_DEPARTURE = np.uint32(1 << 13)  #: first seen as a coalition sortie's filed departure, held
THREAT_PROFILES = np.uint32(BALLISTIC_PROFILE | CRUISE_PROFILE | DRONE_PROFILE)

EVIDENCE_NAMES: dict[str, np.uint32] = {
    "assessed": ASSESSED,
    "ballistic_profile": BALLISTIC_PROFILE,
    "cruise_profile": CRUISE_PROFILE,
    "drone_profile": DRONE_PROFILE,
    "civil_kinematics": CIVIL_KINEMATICS,
    "origin_in_corridor": ORIGIN_IN_CORRIDOR,
    "adsb": ADSB,
    "filed_route": FILED_ROUTE,
    "iff": IFF,
    "no_cooperative": NO_COOPERATIVE,
    "civil_contradicted": CIVIL_CONTRADICTED,
    "report_inconsistent": REPORT_INCONSISTENT,
    "non_civil_kinematics": NON_CIVIL_KINEMATICS,
    "filed_departure": FILED_DEPARTURE,
}

# What a truth object is (int8), for scoring and the after-action only: never an input of
# identification.
TRUTH_NONE = np.int8(-1)  #: no truth object (a false track)
TRUTH_THREAT = np.int8(0)
TRUTH_CIVIL = np.int8(1)
TRUTH_COALITION = np.int8(2)
TRUTH_KIND_NAMES = ("threat", "civil", "coalition")


def evidence_names(bits: int) -> list[str]:
    """The names of the evidence bits set in ``bits``."""
    return [name for name, b in EVIDENCE_NAMES.items() if int(bits) & int(b)]
