"""Gating: legal-basis times from the letters on record (scenario, planned exchange, ledger with
key rotation) and caveats as eligibility masks, against hand-computed cases (the point-in-polygon
and latitude kernels are tested in tests/physics)."""

from __future__ import annotations

import math
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.coalition import (
    AirspaceGrant,
    Caveats,
    CoalitionSettings,
    DocumentType,
    EngageArea,
    Equivalence,
    Gates,
    Letter,
    Member,
    MemberRules,
    PairQuery,
    Precondition,
    Prohibition,
    RegionShape,
    TimedLetter,
    build_gates,
    ledger_letters,
    legal_basis,
    plan_on_ledger,
    record_letters,
)
from inkless.coalition.recording import sync_keys
from inkless.errors import InputError, ScenarioError
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.scenario import parse_scenario
from inkless.units import DEG

T0 = datetime(2024, 4, 10, 8, 0, 0, tzinfo=UTC)  # the `book` fixture's time (conftest)
HOST = Member(
    "H", "host", rules=MemberRules(prohibitions=(Prohibition(document="request_for_support"),))
)
PARTNER = Member(
    "P",
    "partner",
    rules=MemberRules(
        preconditions=(
            Precondition(
                document="request_for_support", from_member="H", reason="acts only when invited"
            ),
        ),
        equivalences=(
            Equivalence(
                counts_as="request_for_support",
                document="acknowledgement_of_legal_process",
                in_reply_to="request_to_be_invited",
            ),
        ),
    ),
)
ORCH = Member("O", "orchestrator")

RTBI = DocumentType.REQUEST_TO_BE_INVITED
ACK = DocumentType.ACKNOWLEDGEMENT_OF_LEGAL_PROCESS
DAY = timedelta(days=1)


# -- legal basis --------------------------------------------------------------------------------


def test_two_letters_open_the_partner_basis_at_the_reply() -> None:
    ask = Letter(RTBI, "P", "H")
    reply = Letter(ACK, "H", "P", ask)
    basis = legal_basis(
        [HOST, PARTNER, ORCH], [TimedLetter(ask, 600.0), TimedLetter(reply, 4200.0)]
    )
    by = {b.member: b for b in basis}
    assert by["H"].acts_from_s == 0.0 and by["O"].acts_from_s == 0.0  # no preconditions
    assert by["P"].acts_from_s == 4200.0
    assert [x.letter for x in by["P"].letters] == [ask, reply]


def test_an_acknowledgement_that_answers_no_request_does_not_count() -> None:
    stray = Letter(ACK, "H", "P")  # not a reply to the partner's own letter
    basis = legal_basis([HOST, PARTNER, ORCH], [TimedLetter(stray, 0.0)])
    (p,) = [b for b in basis if b.member == "P"]
    assert math.isinf(p.acts_from_s)
    assert p.unmet == ("P requires request_for_support from H (acts only when invited)",)


def test_letters_before_the_epoch_hold_from_the_start_and_lapsed_ones_do_not() -> None:
    ask = Letter(RTBI, "P", "H")
    reply = Letter(ACK, "H", "P", ask)
    early = [TimedLetter(ask, -7200.0), TimedLetter(reply, -3600.0)]
    (p,) = [b for b in legal_basis([HOST, PARTNER], early) if b.member == "P"]
    assert p.acts_from_s == 0.0
    # the reply lapses at 1000 s (its signer's office ended) and is renewed at 5000 s
    lapsing = [
        TimedLetter(ask, -7200.0),
        TimedLetter(reply, -3600.0, 1000.0),
        TimedLetter(reply, 5000.0),
    ]
    (p,) = [b for b in legal_basis([HOST, PARTNER], lapsing) if b.member == "P"]
    assert p.acts_from_s == 5000.0
    (p,) = [b for b in legal_basis([HOST, PARTNER], lapsing[:2]) if b.member == "P"]
    assert math.isinf(p.acts_from_s)


def test_the_planned_exchange_puts_letter_k_on_record_at_start_plus_k_delays() -> None:
    epoch = datetime(2024, 4, 13, 18, 0, tzinfo=UTC)
    settings = CoalitionSettings.model_validate(
        {"exchange": {"start": "2024-04-13T19:00:00Z", "delay_s": 900}}
    )
    letters = record_letters([HOST, PARTNER, ORCH], settings, epoch)
    assert [(x.letter.type, x.start_s) for x in letters] == [(RTBI, 4500.0), (ACK, 5400.0)]
    gates = build_gates([HOST, PARTNER, ORCH], letters, epoch=epoch)
    assert gates.member_active_from.tolist() == [0.0, 5400.0, 0.0]
    # default: the plan on record at the epoch
    default = record_letters([HOST, PARTNER, ORCH], CoalitionSettings(), epoch)
    assert build_gates([HOST, PARTNER, ORCH], default, epoch=epoch).member_active_from.tolist() == [
        0.0,
        0.0,
        0.0,
    ]


def test_legal_basis_read_from_the_ledger_lapses_with_a_rotated_key_until_renewed(
    book: Any, members: list[Member]
) -> None:
    ids = {m.id: m.id for m in members}

    def basis_of_p() -> float:
        with book.open() as led:
            letters = ledger_letters(led.entries(), ids, T0)
        (p,) = [b for b in legal_basis(members, letters) if b.member == "P"]
        return p.acts_from_s

    assert basis_of_p() == 0.0  # the two letters were signed at T0 (the epoch here)
    book.keys.rotate("H", T0 + DAY)  # the host's minister changes
    with book.open() as led, led.transaction() as tx:  # on record; the reply is not renewed
        sync_keys(tx, book.keys, "H", T0 + DAY, create=False)
    assert math.isinf(basis_of_p())
    with book.open() as led:  # the exchange is renewed two days in
        plan_on_ledger(led, book.keys, members, T0, T0 + 2 * DAY)
    assert basis_of_p() == 2 * 86400.0
    # a run over the whole span: the partner acts, stops with the host's old minister, resumes
    with book.open() as led:
        letters = ledger_letters(led.entries(), ids, T0)
    (p,) = [b for b in legal_basis(members, letters) if b.member == "P"]
    assert p.acts == ((0.0, 86400.0), (2 * 86400.0, math.inf))


SCENARIO = """
name: letters
settings: {epoch: 2024-04-13T18:00:00Z, duration_s: 3600}
members:
  - id: H
    name: Host
    role: host
    rules: {prohibitions: [{document: request_for_support}]}
  - id: P
    name: Partner
    role: partner
    rules:
      preconditions: [{document: request_for_support, from_member: H}]
      equivalences: [{counts_as: request_for_support, document: acknowledgement_of_legal_process,
                      in_reply_to: request_to_be_invited}]
assets:
  - {name: City, owner: H, position: {lat_deg: 31.7, lon_deg: 35.2}, value: 10, radius_m: 5000}
raid:
  waves:
    - {id: w, threat_class: drone, count: 1, launch_points: [{lat_deg: 31.0, lon_deg: 37.0}],
       launch_window_s: [0, 10], speed_mps: 50, altitude_m: 1000}
coalition:
  documents:
"""


def test_documents_on_record_are_checked_with_located_messages() -> None:
    good = SCENARIO + (
        "    - {id: ask, type: request_to_be_invited, author: P, recipient: H, at: 600}\n"
        "    - {type: acknowledgement_of_legal_process, author: H, recipient: P,"
        " in_reply_to: ask, at: 2024-04-13T19:10:00Z}\n"
    )
    sc = parse_scenario(good, "s.yaml")
    letters = record_letters(
        [Member(m.id, m.role, m.anonymous, m.rules) for m in sc.members],
        sc.coalition,
        sc.settings.epoch,
    )
    assert [x.start_s for x in letters] == [600.0, 4200.0]
    bad = SCENARIO + (
        "    - {id: ask, type: request_to_be_invited, author: P, recipient: H, at: 600}\n"
        "    - {type: request_for_support, author: H, recipient: P, at: 700}\n"
        "    - {type: consent, author: H, recipient: X, at: 700}\n"
        "    - {type: consent, author: P, recipient: H, in_reply_to: ask, at: 700}\n"
        "    - {type: consent, author: H, recipient: P, in_reply_to: ask, at: 100}\n"
    )
    with pytest.raises(ScenarioError) as e:
        parse_scenario(bad, "s.yaml")
    lines = e.value.problems
    assert any(
        line.startswith("s.yaml:25: coalition.documents[1].type: breaks its author's own rule")
        for line in lines
    ), lines
    assert any("coalition.documents[2].recipient: unknown member 'X'" in x for x in lines)
    assert any("documents[3].in_reply_to: 'ask' is from P to H; a reply goes back" in x
               for x in lines)
    assert any("documents[4].at: is before the letter it answers" in x for x in lines)
    with pytest.raises(ScenarioError, match="give documents or exchange, not both"):
        parse_scenario(SCENARIO.replace("  documents:\n", "  documents: []\n  exchange: {}\n"))


# -- caveats ------------------------------------------------------------------------------------

EPOCH = datetime(2024, 4, 13, 18, 0, tzinfo=UTC)
# Two unit squares side by side: A (owned by M0) and B (owned by a third state), degrees.
A = RegionShape("A", "M0", (30.0, 30.0, 31.0, 31.0), (35.0, 36.0, 36.0, 35.0))
B = RegionShape("B", "Elsewhere", (30.0, 30.0, 31.0, 31.0), (36.0, 37.0, 37.0, 36.0))
IN_A, IN_B, OUTSIDE = (30.5, 35.5), (30.5, 36.5), (35.0, 40.0)


def member(mid: str, **caveats: Any) -> Member:
    return Member(mid, "partner", rules=MemberRules(caveats=Caveats(**caveats)))


def query(t: float, members: list[int], classes: list[int], assets: list[int],
          points: list[list[tuple[float, float] | None]]) -> PairQuery:
    pts = np.full((len(members), len(classes), 3), np.nan)
    for i, row in enumerate(points):
        for j, p in enumerate(row):
            if p is not None:
                pts[i, j] = ecef_from_geodetic(p[0] * DEG, p[1] * DEG, 5000.0)
    return PairQuery(
        t, np.arange(len(members)), np.array(members), np.array(classes), np.array(assets), pts
    )


def test_threat_class_and_asset_caveats_against_hand_computed_codes() -> None:
    ms = [
        member("M0", threat_classes=("drone",)),
        member("M1", protect_assets=("port",)),
        member("M2"),
    ]
    gates = build_gates(ms, epoch=EPOCH, asset_names=["port", "base"])
    assert gates.rules == ("M0:threat_classes", "M1:protect_assets")
    # threats: drone on port, ballistic on base, cruise on nothing (-1)
    q = query(0.0, [0, 1, 2], [2, 0, 1], [0, 1, -1], [[IN_A] * 3] * 3)
    expected = np.array([[0, 1, 1], [0, 2, 0], [0, 0, 0]])
    np.testing.assert_array_equal(gates.blocking(q), expected)
    # where no intercept exists (NaN point) there is nothing to block
    q = query(0.0, [0, 1], [0, 0], [1, 1], [[None, IN_A], [None, IN_A]])
    np.testing.assert_array_equal(gates.blocking(q), [[0, 1], [0, 2]])


def test_where_a_member_may_engage_own_listed_granted_outside() -> None:
    ms = [
        member("M0", engage_only_in=EngageArea()),  # own airspace, grants; not outside
        member("M1", engage_only_in=EngageArea(own_airspace=False, regions=("B",),
                                               where_granted=False, outside_regions=True)),
        member("M2", engage_only_in=EngageArea(own_airspace=False)),  # only where granted
    ]
    grants = [
        AirspaceGrant(grantor_state="Elsewhere", grantee_member="M2", region_id="B",
                      what="engage", valid_from=1000.0, valid_until="2024-04-13T19:00:00Z"),
        AirspaceGrant(grantor_state="Elsewhere", grantee_member="M0", region_id="B",
                      what="transit"),
    ]
    gates = build_gates(ms, epoch=EPOCH, regions=[A, B], grants=grants)
    pts = [[IN_A, IN_B, OUTSIDE]] * 3
    # M0: own A yes; B only transit -> no; outside -> no.  M1: A no; B listed; outside yes.
    # M2: A no; B granted in [1000, 3600) s; outside no.
    before = np.array([[0, 1, 1], [2, 0, 0], [3, 3, 3]])
    during = np.array([[0, 1, 1], [2, 0, 0], [3, 0, 3]])
    q = lambda t: query(t, [0, 1, 2], [2, 2, 2], [-1, -1, -1], pts)  # noqa: E731
    np.testing.assert_array_equal(gates.blocking(q(999.0)), before)
    np.testing.assert_array_equal(gates.blocking(q(1000.0)), during)
    np.testing.assert_array_equal(gates.blocking(q(3599.0)), during)
    np.testing.assert_array_equal(gates.blocking(q(3600.0)), before)  # window is [from, until)


def test_the_first_failing_rule_is_named_and_lifted_rules_are_gone() -> None:
    ms = [member("M0", threat_classes=("drone",), engage_only_in=EngageArea())]
    gates = build_gates(ms, epoch=EPOCH, regions=[A, B])
    assert gates.rules == ("M0:threat_classes", "M0:engage_only_in")
    q = query(0.0, [0], [0, 2, 0], [-1, -1, -1], [[IN_B, IN_B, IN_A]])
    np.testing.assert_array_equal(gates.blocking(q), [[1, 2, 1]])
    lifted = build_gates(ms, epoch=EPOCH, regions=[A, B], lift=["M0:threat_classes"])
    assert lifted.rules == ("M0:engage_only_in",)
    np.testing.assert_array_equal(lifted.blocking(q), [[1, 1, 0]])
    none = build_gates(ms, epoch=EPOCH, regions=[A, B],
                       lift=["M0:threat_classes", "M0:engage_only_in"])
    assert none.allow is None and not none.blocking(q).any()
    without = build_gates([*ms, member("M1")], epoch=EPOCH, without=["M1"])
    assert without.member_active_from.tolist() == [0.0, math.inf]
    with pytest.raises(InputError, match="no such rule"):
        build_gates(ms, epoch=EPOCH, lift=["M0:protect_assets"])
    with pytest.raises(InputError, match="unknown member"):
        build_gates(ms, epoch=EPOCH, without=["M9"])


def test_gates_survive_pickling_for_worker_processes() -> None:
    ms = [member("M0", threat_classes=("drone",), engage_only_in=EngageArea())]
    gates = build_gates(ms, epoch=EPOCH, regions=[A, B])
    q = query(0.0, [0], [0, 2, 2], [-1, -1, -1], [[IN_B, IN_B, IN_A]])
    again = pickle.loads(pickle.dumps(gates))
    np.testing.assert_array_equal(again.blocking(q), gates.blocking(q))


_bound = st.sampled_from([-math.inf, 0.0, 10.0, 25.0, 40.0, math.inf])


@settings(max_examples=200, deadline=None)
@given(acts=st.lists(st.lists(st.tuples(_bound, _bound), max_size=3), min_size=1, max_size=4),
       t=st.sampled_from([-5.0, 0.0, 5.0, 10.0, 24.0, 25.0, 30.0, 40.0, 1e9]))
def test_members_act_at_a_time_by_their_intervals(acts: list[list[tuple[float, float]]],
                                                  t: float) -> None:
    """Gates.active against the scalar rule: a member acts at ``t`` iff ``a <= t < b`` for one
    of its intervals (the bounds themselves among the times asked)."""
    gates = Gates(tuple(tuple(iv) for iv in acts))
    members = np.arange(len(acts))
    want = [any(a <= t < b for a, b in iv) for iv in acts]
    assert gates.active(members, t).tolist() == want
    assert gates.acting(t).tolist() == want
