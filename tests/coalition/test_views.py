"""Pseudonyms and per-member views: over random coalitions, nothing meant for member A names an
anonymous member other than A — not its name, not its id, not its legal reasons — while the
orchestrator's view maps every pseudonym to its name; the ledger file itself never holds them."""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inkless.coalition import (
    DocumentType,
    Equivalence,
    KeyStore,
    Ledger,
    Member,
    MemberRules,
    Precondition,
    Prohibition,
    directory_view,
    ledger_identity,
    ledger_view,
    plan_exchange,
    plan_on_ledger,
    plan_view,
    pseudonym,
    replay,
)

T0 = datetime(2024, 4, 10, 8, 0, 0, tzinfo=UTC)
SECRET = bytes(range(32))
# airspace_grant letters carry the scenario's grants, which these random coalitions do not have
TYPES = [t for t in DocumentType if t != DocumentType.AIRSPACE_GRANT]
# Names are upper-case words without T and Z (which appear in UTC times), between the markers
# "Nm" and "mN" (so no name is an SQL keyword stored in the file, like NULL); ids are
# "mem<digit>". Neither can occur by chance in anything else a view or the ledger holds.
NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSUVWXY", min_size=1, max_size=6).map(
    lambda s: f"Nm{s}mN"
)


def test_pseudonym_is_hmac_sha256_of_the_id() -> None:
    expected = hmac.new(SECRET, b"inkless-pseudonym\x00mem1", hashlib.sha256).hexdigest()[:12]
    assert pseudonym("mem1", SECRET) == "anon-" + expected
    assert pseudonym("mem1", SECRET) == pseudonym("mem1", bytes(SECRET))  # stable
    assert pseudonym("mem1", SECRET) != pseudonym("mem2", SECRET)
    assert pseudonym("mem1", SECRET) != pseudonym("mem1", SECRET[::-1])  # keyed


@st.composite
def coalitions(draw: st.DrawFn, max_members: int = 6) -> list[Member]:
    n = draw(st.integers(2, max_members))
    ids = [f"mem{i}" for i in range(n)]
    names = draw(st.lists(NAME, min_size=n, max_size=n, unique=True))
    assume(not any(a != b and a in b for a in names for b in names))
    roles = [
        "orchestrator",
        *draw(st.lists(st.sampled_from(["host", "partner"]), min_size=n - 1, max_size=n - 1)),
    ]
    members = []
    for mid, name, role in zip(ids, names, roles, strict=True):
        others = [x for x in ids if x != mid]
        reason = f"law of {name}"  # reasons may name their own state
        pre = draw(
            st.lists(
                st.builds(
                    Precondition,
                    document=st.sampled_from(TYPES),
                    from_member=st.sampled_from(others),
                    reason=st.just(reason),
                ),
                max_size=2,
            )
        )
        pro = draw(
            st.lists(
                st.builds(Prohibition, document=st.sampled_from(TYPES), reason=st.just(reason)),
                max_size=2,
            )
        )
        eq = draw(
            st.lists(
                st.builds(
                    Equivalence,
                    counts_as=st.sampled_from(TYPES[:1]),
                    document=st.sampled_from(TYPES[1:]),
                    in_reply_to=st.sampled_from([None, *TYPES]),
                    reason=st.just(reason),
                ),
                max_size=1,
            )
        )
        rules = MemberRules(
            preconditions=tuple(pre), prohibitions=tuple(pro), equivalences=tuple(eq)
        )
        members.append(Member(mid, role, draw(st.booleans()), rules, name))  # type: ignore[arg-type]
    return members


def hidden_from(viewer: Member, members: list[Member]) -> list[Member]:
    if viewer.role == "orchestrator":
        return []
    return [m for m in members if m.anonymous and m.id != viewer.id]


@settings(max_examples=150, deadline=None)
@given(coalitions())
def test_no_view_names_an_anonymous_member_to_another(members: list[Member]) -> None:
    plan = plan_exchange(members)
    for viewer in members:
        text = json.dumps(
            [
                directory_view(members, viewer.id, SECRET),
                plan_view(plan, members, viewer.id, SECRET),
            ]
        )
        for m in hidden_from(viewer, members):
            assert m.name not in text, (viewer.id, m.id)
            assert m.id not in text, (viewer.id, m.id)
            assert pseudonym(m.id, SECRET) in text  # it is there, under its pseudonym
        if viewer.role == "orchestrator":
            rows = {r["member"]: r for r in directory_view(members, viewer.id, SECRET)}
            for m in members:
                assert rows[m.id]["name"] == m.name
                if m.anonymous:
                    assert rows[m.id]["pseudonym"] == pseudonym(m.id, SECRET)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coalitions(max_members=4))
def test_the_ledger_holds_no_anonymous_id_or_name(members: list[Member]) -> None:
    plan = plan_exchange(members)
    assume(plan.ok)
    with tempfile.TemporaryDirectory() as tmp:
        check_ledger(Path(tmp), members)


def check_ledger(run: Path, members: list[Member]) -> None:
    keys = KeyStore(run / "keys")
    with Ledger(run / "ledger.db", create=True) as led:
        plan_on_ledger(led, keys, members, T0, T0)
        entries = led.entries()
    secret = keys.secret()
    raw = (run / "ledger.db").read_bytes()
    for m in members:
        if m.anonymous:  # (other members' reasons, which may name them, are on the roster)
            assert m.name.encode() not in raw
            assert m.id.encode() not in raw
            assert pseudonym(m.id, secret).encode() in raw
    state, problems = replay(entries)
    assert not problems
    for viewer in members:
        me = ledger_identity(viewer, secret)
        view = ledger_view(entries, state, me)
        for e in view:
            if e.get("withheld") or e["kind"] != "document":
                continue
            s = e["statement"]
            assert viewer.role == "orchestrator" or me in (s["author"], s["recipient"])
