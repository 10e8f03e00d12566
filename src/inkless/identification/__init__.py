"""Identification: every track's identity, with its evidence, under the coalition's rules.

Data flow: ``tracking`` -> **identification** -> ``threat``. :func:`identify` turns the track
table, the cooperative information received (ADS-B reports, IFF replies, filed civil routes:
:class:`Evidence`) and the previous :class:`Identities` into the new identities;
:func:`engageable` is the hard interlock the assignment stage applies (only declared hostile
tracks pass). Rules come from the scenario once per run (:func:`compile_rules`).

Modules: ``categories`` (identity categories, evidence bits, truth kinds), ``rules`` (the
compiled rules of engagement and settings), ``evidence`` (kinematic profiles and correlation
gates), ``identify`` (one step), ``interlock`` (the engagement mask and the after-action count of
non-hostile engagements), ``measures`` (identification quality for results.json and the report).
"""

from .categories import (
    ASSUMED_FRIEND,
    CATEGORY_NAMES,
    EVIDENCE_NAMES,
    FRIEND,
    HOSTILE,
    NEUTRAL,
    PENDING,
    SUSPECT,
    TRUTH_CIVIL,
    TRUTH_COALITION,
    TRUTH_KIND_NAMES,
    TRUTH_NONE,
    TRUTH_THREAT,
    UNKNOWN,
    evidence_names,
)
from .evidence import Evidence, Kinematics, kinematics, profile_bits
from .identify import Identities, TrackArrays, identify
from .interlock import engageable, non_hostile_engagements
from .measures import (
    MISDECLARED_KEYS,
    IdentityHistory,
    IdentityLog,
    correct_fraction,
    correct_fraction_held,
    correct_identity,
    declaration_delays,
    declared_too_late,
    first_hostile_time,
    identification_results,
    identity_timeline,
    leaked_due_to_late_declaration,
    misdeclared,
)
from .rules import Rules, compile_rules

__all__ = [
    "ASSUMED_FRIEND",
    "CATEGORY_NAMES",
    "EVIDENCE_NAMES",
    "FRIEND",
    "HOSTILE",
    "MISDECLARED_KEYS",
    "NEUTRAL",
    "PENDING",
    "SUSPECT",
    "TRUTH_CIVIL",
    "TRUTH_COALITION",
    "TRUTH_KIND_NAMES",
    "TRUTH_NONE",
    "TRUTH_THREAT",
    "UNKNOWN",
    "Evidence",
    "Identities",
    "IdentityHistory",
    "IdentityLog",
    "Kinematics",
    "Rules",
    "TrackArrays",
    "compile_rules",
    "correct_fraction",
    "correct_fraction_held",
    "correct_identity",
    "declaration_delays",
    "declared_too_late",
    "engageable",
    "evidence_names",
    "first_hostile_time",
    "identification_results",
    "identify",
    "identity_timeline",
    "kinematics",
    "leaked_due_to_late_declaration",
    "misdeclared",
    "non_hostile_engagements",
    "profile_bits",
]
