"""Offices change hands (issue 14, item 3): a member's forces stop when the letters its legal basis
rests on lapse with their signer's office and resume when they are renewed; the intervals in
which they act are checked against a brute-force judgement at every instant that matters."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.afteraction.results import results
from inkless.coalition import (
    CoalitionSettings,
    DocumentType,
    Equivalence,
    Gates,
    KeyStore,
    Ledger,
    Letter,
    Member,
    MemberBasis,
    MemberRules,
    Precondition,
    Prohibition,
    TimedLetter,
    basis_json,
    build_gates,
    ledger_letters,
    legal_basis,
    plan_on_ledger,
    record_letters,
    record_problems,
)
from inkless.coalition.recording import record_keys
from inkless.engine import run
from inkless.scenario import load_scenario

RTBI = DocumentType.REQUEST_TO_BE_INVITED
ACK = DocumentType.ACKNOWLEDGEMENT_OF_LEGAL_PROCESS
RFS = DocumentType.REQUEST_FOR_SUPPORT
EPOCH = datetime(2024, 10, 1, 16, 0, tzinfo=UTC)

HOST = Member("H", "host", rules=MemberRules(prohibitions=(Prohibition(document=RFS),)))


def partner(survives: bool = False) -> Member:
    return Member(
        "P",
        "partner",
        rules=MemberRules(
            preconditions=(
                Precondition(document=RFS, from_member="H", survives_office_change=survives),
            ),
            equivalences=(
                Equivalence(counts_as=RFS, document=ACK, in_reply_to=RTBI),
            ),
        ),
    )  # fmt: skip


ASK = Letter(RTBI, "P", "H")
REPLY = Letter(ACK, "H", "P", ASK)


def basis_of_p(letters: list[TimedLetter], survives: bool = False) -> MemberBasis:
    (p,) = [b for b in legal_basis([HOST, partner(survives)], letters) if b.member == "P"]
    return p


def test_forces_stop_when_the_letters_lapse_and_resume_when_renewed() -> None:
    letters = [
        TimedLetter(ASK, -7200.0, 1000.0),  # P's minister leaves office at 1000 s
        TimedLetter(REPLY, -3600.0, 1000.0),  # the reply lapses with the letter it answers
        TimedLetter(ASK, 4000.0),  # the new minister writes again
        TimedLetter(REPLY, 5800.0),  # the host replies half an hour later
    ]
    p = basis_of_p(letters)
    assert p.acts == ((0.0, 1000.0), (5800.0, math.inf))
    assert p.acts_from_s == 5800.0
    gates = build_gates([HOST, partner()], letters, epoch=EPOCH)
    assert [bool(gates.acting(t)[1]) for t in (0.0, 999.0, 1000.0, 5799.0, 5800.0)] == [
        True, True, False, False, True,
    ]  # fmt: skip
    js = basis_json(p)
    assert js["acts"] == [[0.0, 1000.0], [5800.0, None]] and js["acts_from_s"] == 5800.0
    # not renewed: the forces act until the change and not at the end
    p = basis_of_p(letters[:2])
    assert p.acts == ((0.0, 1000.0),) and math.isinf(p.acts_from_s)
    assert p.unmet


def test_a_rule_may_say_that_a_former_holders_letters_survive() -> None:
    letters = [TimedLetter(ASK, -7200.0, 1000.0), TimedLetter(REPLY, -3600.0, 1000.0)]
    p = basis_of_p(letters, survives=True)
    assert p.acts == ((0.0, math.inf),) and p.acts_from_s == 0.0


def test_office_changes_in_the_scenario_lapse_the_letters_signed_before() -> None:
    cfg = CoalitionSettings.model_validate(
        {
            "documents": [
                {"type": "request_to_be_invited", "author": "P", "recipient": "H", "at": -7200,
                 "id": "ask"},
                {"type": "acknowledgement_of_legal_process", "author": "H", "recipient": "P",
                 "at": -3600, "in_reply_to": "ask"},
                {"type": "request_to_be_invited", "author": "P", "recipient": "H",
                 "at": "2024-10-01T17:00:00Z", "id": "ask2"},
                {"type": "acknowledgement_of_legal_process", "author": "H", "recipient": "P",
                 "at": "2024-10-01T17:30:00Z", "in_reply_to": "ask2"},
            ],
            "office_changes": [{"member": "P", "at": "2024-10-01T16:20:00Z", "holder": "new"}],
        }
    )  # fmt: skip
    members = [HOST, partner()]
    assert record_problems(members, cfg, EPOCH) == []
    letters = record_letters(members, cfg, EPOCH)
    assert [x.end_s for x in letters] == [1200.0, 1200.0, math.inf, math.inf]
    gates = build_gates(members, letters, epoch=EPOCH)
    assert gates.member_acts[1] == ((0.0, 1200.0), (5400.0, math.inf))
    assert gates.member_active_from.tolist() == [0.0, 5400.0]
    # the host's change does not lapse the partner's letter, only the reply the host signed
    host_change = cfg.model_copy(
        update={"office_changes": CoalitionSettings.model_validate(
            {"office_changes": [{"member": "H", "at": 600}]}).office_changes}
    )  # fmt: skip
    assert [x.end_s for x in record_letters(members, host_change, EPOCH)] == [
        math.inf, 600.0, math.inf, math.inf,
    ]  # fmt: skip
    bad = CoalitionSettings.model_validate({"office_changes": [{"member": "X", "at": 0}]})
    ((loc, msg),) = record_problems(members, bad, EPOCH)
    assert loc == ("coalition", "office_changes", 0, "member") and "unknown member 'X'" in msg


def _brute_acts(letters: list[TimedLetter], t: float, survives: bool) -> bool:
    """P acts at ``t`` iff the host's reply to P's own request (or a request for support from
    the host) is on record then; judged without the planner."""
    for x in letters:
        on = x.start_s <= t and (survives or t < x.end_s)
        if on and x.letter in (REPLY, Letter(RFS, "H", "P")):
            return True
    return False


_letter = st.sampled_from([ASK, REPLY, Letter(ACK, "H", "P"), Letter(RFS, "H", "P")])
_time = st.integers(-3, 12).map(lambda k: 500.0 * k)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(_letter, _time, st.one_of(st.none(), st.integers(1, 8))), max_size=6
    ),
    st.booleans(),
)
def test_the_intervals_agree_with_a_brute_force_judgement(
    raw: list[tuple[Letter, float, int | None]], survives: bool
) -> None:
    letters = [
        TimedLetter(let, t0, math.inf if d is None else t0 + 500.0 * d) for let, t0, d in raw
    ]
    p = basis_of_p(letters, survives)
    gates = build_gates([HOST, partner(survives)], letters, epoch=EPOCH)
    probes = sorted({0.0, *(250.0 * k for k in range(0, 45))})
    for t in probes:
        want = _brute_acts(letters, t, survives)
        assert bool(gates.acting(t)[1]) == want, (t, p)
    # the intervals are disjoint, ordered, start at 0 or later, and the last open one is
    # acts_from_s
    acts = p.acts
    assert all(a < b for a, b in acts) and all(
        b < a2 for (_, b), (a2, _) in itertools.pairwise(acts)
    )
    assert all(a >= 0.0 for a, _ in acts)
    last_open = acts and math.isinf(acts[-1][1])
    assert p.acts_from_s == (acts[-1][0] if last_open else math.inf)


def test_on_the_ledger_a_surviving_letter_needs_no_renewal(tmp_path: Path) -> None:
    t0 = datetime(2024, 4, 10, 8, 0, tzinfo=UTC)
    day = timedelta(days=1)
    for survives, renewals in ((True, 0), (False, 2)):
        members = [HOST, partner(survives)]
        keys = KeyStore(tmp_path / f"keys-{survives}")
        path = tmp_path / f"ledger-{survives}.db"
        with Ledger(path, create=True) as led:
            plan_on_ledger(led, keys, members, t0, t0)
            record_keys(led, keys, "P", t0 + day, rotate=True)  # a new minister
            rec = plan_on_ledger(led, keys, members, t0, t0 + 2 * day, write=False)
            entries = led.entries()
        assert len(rec.renew) == renewals and len(rec.plan.steps) == renewals
        letters = ledger_letters(entries, {"H": "H", "P": "P"}, t0)
        (p,) = [b for b in legal_basis(members, letters) if b.member == "P"]
        assert p.acts == (((0.0, math.inf),) if survives else ((0.0, 86400.0),))


BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


@pytest.mark.parametrize("picture", ["perfect", "tracked"])
def test_a_run_across_the_change_stops_and_resumes_the_members_forces(picture: str) -> None:
    """examples/basics.yaml with HOST's basis lapsing at 2600 s and renewed at 3000 s (its fire
    units and sensors stop in between) and ALLY's lapsing at 1500 s for good."""
    sc = load_scenario(BASICS)
    gap = (2600.0, 3000.0)
    open_ = run(sc, 5, picture=picture)  # type: ignore[arg-type]
    fires = [e.fire_time_s for e in results(open_).engagements if e.member == "HOST"]
    assert any(gap[0] <= t < gap[1] for t in fires)  # without the lapse it fires in the gap
    gates = Gates((((0.0, gap[0]), (gap[1], math.inf)), ((0.0, 1500.0),)))
    rec = run(sc, 5, picture=picture, gates=gates)  # type: ignore[arg-type]
    fires = [e.fire_time_s for e in results(rec).engagements if e.member == "HOST"]
    assert not any(gap[0] <= t < gap[1] for t in fires)
    assert any(t < gap[0] for t in fires) and any(t >= gap[1] for t in fires)
    if picture == "perfect":  # no sensor acts in the gap, so nothing is first held then
        held = rec.detect_time[np.isfinite(rec.detect_time)]
        assert not ((held >= gap[0]) & (held < gap[1])).any()
        assert ((open_.detect_time >= gap[0]) & (open_.detect_time < gap[1])).any()
