"""The coalition: members' legal rules, the letter-exchange planner, signed documents, office
keys, the hash-chained ledger, pseudonyms and per-member views.

Where it sits: below the scenario (which embeds :class:`MemberRules` and :class:`AirspaceGrant`)
and above physics; the engine obeys its :class:`Gates`: each member's legal basis (from the
scenario's letters or a ledger) and its caveats as eligibility masks. Modules, in the order data
flows through them:

- ``members``    members and their rules: boundary models (pydantic), releasability
- ``planner``    shortest letter exchange by breadth-first search, or the conflicting rules
- ``documents``  canonical JSON, document ids, Ed25519 signing
- ``keys``       member office keys on disk: root, endorsed office holders, rotation
- ``statements`` the fields of each kind of signed statement; is one well formed
- ``state``      replay a chain of entries: what the statements establish (keys, roster, letters)
- ``ledger``     the SQLite store: append in one transaction, verify everything
- ``views``      pseudonyms and what an output meant for one member may show
- ``recording``  plan against the ledger, sign and append (what the command line calls)
- ``basis``      legal-basis times from the letters on record
- ``caveats``    caveats as eligibility masks over candidate shots
- ``gates``      the :class:`Gates` the simulation obeys, built from the two
"""

from .basis import (
    LEGAL_BASIS,
    CoalitionSettings,
    LetterOnRecord,
    MemberBasis,
    PlannedExchange,
    TimedLetter,
    basis_json,
    ledger_letters,
    legal_basis,
    record_letters,
    record_problems,
)
from .caveats import CAVEAT_KINDS, CaveatMask, PairQuery, RegionShape, caveat_rules, rule_member
from .documents import SignedStatement, canonical_json, document_fields, key_id, sign_statement
from .gates import Gates, build_gates
from .keys import KeyStore, OfficeKeys
from .ledger import Ledger, VerifyReport, verify_ledger
from .members import (
    THREAT_CLASSES,
    AirspaceGrant,
    Caveats,
    DocumentType,
    EngageArea,
    Equivalence,
    Member,
    MemberRules,
    Precondition,
    Prohibition,
    ReleaseRule,
    ThreatClass,
    coalition_problems,
    grant_window_s,
    releasable,
)
from .planner import (
    Letter,
    Plan,
    PlanStep,
    describe_step,
    plan_exchange,
    precondition_met_by,
)
from .recording import RecordedPlan, Renewal, append_document, ledger_members, plan_on_ledger
from .state import Entry, LedgerState, Problem, replay
from .views import (
    directory_view,
    ledger_identity,
    ledger_view,
    plan_view,
    pseudonym,
    sees_identity,
)

__all__ = [
    "CAVEAT_KINDS",
    "LEGAL_BASIS",
    "THREAT_CLASSES",
    "AirspaceGrant",
    "CaveatMask",
    "Caveats",
    "CoalitionSettings",
    "DocumentType",
    "EngageArea",
    "Entry",
    "Equivalence",
    "Gates",
    "KeyStore",
    "Ledger",
    "LedgerState",
    "Letter",
    "LetterOnRecord",
    "Member",
    "MemberBasis",
    "MemberRules",
    "OfficeKeys",
    "PairQuery",
    "Plan",
    "PlanStep",
    "PlannedExchange",
    "Precondition",
    "Problem",
    "Prohibition",
    "RecordedPlan",
    "RegionShape",
    "ReleaseRule",
    "Renewal",
    "SignedStatement",
    "ThreatClass",
    "TimedLetter",
    "VerifyReport",
    "append_document",
    "basis_json",
    "build_gates",
    "canonical_json",
    "caveat_rules",
    "coalition_problems",
    "describe_step",
    "directory_view",
    "document_fields",
    "grant_window_s",
    "key_id",
    "ledger_identity",
    "ledger_letters",
    "ledger_members",
    "ledger_view",
    "legal_basis",
    "plan_exchange",
    "plan_on_ledger",
    "plan_view",
    "precondition_met_by",
    "pseudonym",
    "record_letters",
    "record_problems",
    "releasable",
    "replay",
    "rule_member",
    "sees_identity",
    "sign_statement",
    "verify_ledger",
]
