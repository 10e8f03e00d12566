"""The boundary models: validation with clear messages, defaults that mean "no rule", caveat and
releasability predicates, grant windows; the caveat masks the pipeline uses against a scalar
oracle (``caveat_allows``, one member, one shot), itself checked by a hand-made truth table."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from inkless.coalition import (
    CAVEAT_KINDS,
    AirspaceGrant,
    Caveats,
    EngageArea,
    Member,
    MemberRules,
    PairQuery,
    RegionShape,
    ReleaseRule,
    build_gates,
    coalition_problems,
    grant_window_s,
    releasable,
)
from inkless.physics.geodesy import ecef_from_geodetic
from inkless.units import DEG

EPOCH = datetime(2024, 4, 13, 20, 0, 0, tzinfo=UTC)


# -- the scalar oracle: one member, one shot -----------------------------------------------------


def granted_regions(
    grants: Iterable[AirspaceGrant],
    member_id: str,
    what: Literal["transit", "engage"],
    t_s: float,
    epoch: datetime,
) -> frozenset[str]:
    """Region ids where ``member_id`` holds a grant for ``what`` active at ``t_s`` (s since epoch).

    An ``engage`` grant also permits transit.
    """
    out: set[str] = set()
    for g in grants:
        if g.grantee_member != member_id or (what == "engage" and g.what != "engage"):
            continue
        start, end = grant_window_s(g, epoch)
        if start <= t_s < end:
            out.add(g.region_id)
    return frozenset(out)


def caveat_allows(
    member: Member,
    threat_class: str,
    region_ids: Iterable[str],
    asset: str | None,
    *,
    own_regions: frozenset[str] = frozenset(),
    granted: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``member``'s caveats let it engage a threat of ``threat_class`` protecting ``asset``
    with the intercept inside ``region_ids`` (every region containing the intercept point; empty:
    outside all regions). ``own_regions`` are the regions it owns; ``granted`` the regions where it
    holds an active ``engage`` grant (see :func:`granted_regions`). ``asset=None``: the defended
    asset is not known, so an asset restriction does not block.
    """
    cav = member.rules.caveats
    if cav.threat_classes is not None and threat_class not in cav.threat_classes:
        return False
    if cav.protect_assets is not None and asset is not None and asset not in cav.protect_assets:
        return False
    area = cav.engage_only_in
    if area is None:
        return True
    regions = set(region_ids)
    if not regions:
        return area.outside_regions
    allowed = set(area.regions)
    if area.own_airspace:
        allowed |= own_regions
    if area.where_granted:
        allowed |= granted
    return regions <= allowed




def test_empty_rules_mean_no_rule() -> None:
    m = Member("A", "partner")
    assert m.rules == MemberRules.model_validate({})
    assert caveat_allows(m, "ballistic", ["R1"], "City")
    assert caveat_allows(m, "drone", [], None)
    assert releasable(m, "tracks", Member("B", "partner"))


def test_rules_parse_from_yaml_shaped_data_and_reject_unknown_fields() -> None:
    rules = MemberRules.model_validate(
        {
            "preconditions": [{"document": "request_for_support", "from_role": "host"}],
            "prohibitions": [{"document": "request_for_support"}],
            "equivalences": [
                {
                    "counts_as": "request_for_support",
                    "document": "acknowledgement_of_legal_process",
                    "in_reply_to": "request_to_be_invited",
                }
            ],
            "caveats": {"threat_classes": ["drone"], "engage_only_in": {"regions": ["R1"]}},
        }
    )
    assert rules.preconditions[0].from_role == "host"
    assert rules.caveats.engage_only_in == EngageArea(regions=("R1",))
    with pytest.raises(ValidationError, match="preconditons"):
        MemberRules.model_validate({"preconditons": []})
    with pytest.raises(ValidationError, match="document"):
        MemberRules.model_validate({"prohibitions": [{"document": "treaty"}]})
    with pytest.raises(ValidationError, match="stands for the required one"):
        MemberRules.model_validate(
            {"equivalences": [{"counts_as": "consent", "document": "consent"}]}
        )


def test_models_are_frozen_and_documented() -> None:
    rules = MemberRules()
    with pytest.raises(ValidationError):
        rules.preconditions = ()  # type: ignore[misc]
    schema = MemberRules.model_json_schema()
    for name, model in schema["$defs"].items():
        for field, spec in model.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"
    for field, spec in AirspaceGrant.model_json_schema()["properties"].items():
        assert spec.get("description"), f"AirspaceGrant.{field} has no description"


def test_grant_times_are_utc_or_seconds() -> None:
    g = AirspaceGrant.model_validate(
        {
            "grantor_state": "X",
            "grantee_member": "Y",
            "region_id": "R",
            "what": "engage",
            "valid_from": "2024-04-13T21:00:00Z",
            "valid_until": 7200,
        }
    )
    assert grant_window_s(g, EPOCH) == (3600.0, 7200.0)
    open_ended = AirspaceGrant(grantor_state="X", grantee_member="Y", region_id="R", what="transit")
    assert grant_window_s(open_ended, EPOCH) == (-math.inf, math.inf)
    for bad, why in (("2024-04-13T21:00:00", "UTC offset"), ("100", "not an ISO 8601")):
        with pytest.raises(ValidationError, match=why):
            AirspaceGrant.model_validate(
                {
                    "grantor_state": "X",
                    "grantee_member": "Y",
                    "region_id": "R",
                    "what": "engage",
                    "valid_from": bad,
                }
            )


def test_granted_regions_respect_window_and_kind() -> None:
    grants = [
        AirspaceGrant(
            grantor_state="X",
            grantee_member="Y",
            region_id="R1",
            what="engage",
            valid_from=0.0,
            valid_until=100.0,
        ),
        AirspaceGrant(grantor_state="X", grantee_member="Y", region_id="R2", what="transit"),
        AirspaceGrant(grantor_state="X", grantee_member="Z", region_id="R3", what="engage"),
    ]
    assert granted_regions(grants, "Y", "engage", 50.0, EPOCH) == {"R1"}
    assert granted_regions(grants, "Y", "engage", 100.0, EPOCH) == frozenset()  # end exclusive
    assert granted_regions(grants, "Y", "transit", 50.0, EPOCH) == {"R1", "R2"}


def test_caveat_truth_table() -> None:
    m = Member(
        "Y",
        "partner",
        rules=MemberRules(
            caveats=Caveats(
                engage_only_in=EngageArea(own_airspace=True, regions=("R9",), where_granted=True),
                threat_classes=("drone", "cruise"),
                protect_assets=("City",),
            )
        ),
    )
    own, granted = frozenset({"Rown"}), frozenset({"Rg"})

    def ok(tc: str, regions: list[str], asset: str | None) -> bool:
        return caveat_allows(m, tc, regions, asset, own_regions=own, granted=granted)

    assert ok("drone", ["Rown"], "City")
    assert ok("cruise", ["R9"], None)
    assert ok("drone", ["Rg", "Rown"], "City")
    assert not ok("ballistic", ["Rown"], "City")  # threat class
    assert not ok("drone", ["Rown"], "Port")  # asset
    assert not ok("drone", ["Rother"], "City")  # region
    assert not ok("drone", ["Rown", "Rother"], "City")  # every containing region must be allowed
    assert not ok("drone", [], "City")  # outside all regions
    assert not caveat_allows(m, "drone", ["Rg"], "City", own_regions=own)  # grant not held


def test_release_rules() -> None:
    owner = Member(
        "A",
        "partner",
        rules=MemberRules(caveats=Caveats(release=(ReleaseRule(what="tracks", to=("host", "C")),))),
    )
    host, c, d = Member("H", "host"), Member("C", "partner"), Member("D", "partner")
    orch = Member("O", "orchestrator")
    assert releasable(owner, "tracks", host) and releasable(owner, "tracks", c)
    assert not releasable(owner, "tracks", d)
    assert not releasable(owner, "identities", host)  # unlisted kind: orchestrator only
    assert releasable(owner, "identities", orch) and releasable(owner, "identities", owner)
    with pytest.raises(ValidationError, match="listed twice"):
        Caveats(release=(ReleaseRule(what="tracks"), ReleaseRule(what="tracks")))


def test_cross_reference_problems_are_located() -> None:
    members = [
        Member(
            "A",
            "partner",
            rules=MemberRules.model_validate(
                {
                    "preconditions": [{"document": "consent", "from_member": "Z"}],
                    "caveats": {"engage_only_in": {"regions": ["nowhere"]}},
                }
            ),
        ),
        Member("B", "host"),
    ]
    grants = [
        AirspaceGrant(
            grantor_state="B",
            grantee_member="A",
            region_id="R1",
            what="engage",
            valid_from=100.0,
            valid_until=50.0,
        ),
        AirspaceGrant(grantor_state="B", grantee_member="A", region_id="R2", what="engage"),
    ]
    found = dict(coalition_problems(members, grants, {"R1": "B", "R2": "C"}, ["City"]))
    assert "unknown member 'Z'" in found[("members", 0, "rules", "preconditions", 0, "from_member")]
    assert (
        "unknown region 'nowhere'"
        in found[("members", 0, "rules", "caveats", "engage_only_in", "regions", 0)]
    )
    assert "ends before it starts" in found[("grants", 0, "valid_until")]
    assert "does not own region 'R2'" in found[("grants", 1, "grantor_state")]


# -- the caveat masks against the oracle ----------------------------------------------------------

# Three unit squares side by side (degrees): A owned by M0, B by a third state, C by M1.
REGIONS = [
    RegionShape(rid, owner, (30.0, 30.0, 31.0, 31.0), (lo, lo + 1.0, lo + 1.0, lo))
    for rid, owner, lo in (("A", "M0", 35.0), ("B", "Elsewhere", 36.0), ("C", "M1", 37.0))
]
POINTS = {"A": (30.5, 35.5), "B": (30.5, 36.5), "C": (30.5, 37.5), "": (35.0, 40.0)}
CLASSES, ASSETS = ("ballistic", "cruise", "drone"), ("port", "base")


def _subset(items: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...] | None]:
    return st.none() | st.lists(st.sampled_from(items), unique=True).map(tuple)


caveats_st = st.builds(
    Caveats,
    threat_classes=_subset(CLASSES),
    protect_assets=_subset(ASSETS),
    engage_only_in=st.none()
    | st.builds(
        EngageArea,
        own_airspace=st.booleans(),
        regions=st.lists(st.sampled_from("ABC"), unique=True).map(tuple),
        where_granted=st.booleans(),
        outside_regions=st.booleans(),
    ),
)


@settings(max_examples=150, deadline=None)
@given(cavs=st.lists(caveats_st, min_size=2, max_size=2), t=st.sampled_from([0.0, 1500.0]))
def test_caveat_masks_agree_with_the_scalar_oracle(cavs: list[Caveats], t: float) -> None:
    """Every (member, class, asset, where) shot: the gates block it iff the oracle says no."""
    members = [Member(f"M{i}", "partner", rules=MemberRules(caveats=c)) for i, c in enumerate(cavs)]
    grants = [
        AirspaceGrant(grantor_state="Elsewhere", grantee_member="M1", region_id="B",
                      what="engage", valid_from=1000.0, valid_until=2000.0),
        AirspaceGrant(grantor_state="Elsewhere", grantee_member="M0", region_id="B",
                      what="transit"),
    ]  # fmt: skip
    gates = build_gates(members, epoch=EPOCH, regions=REGIONS, grants=grants, asset_names=ASSETS)
    shots = [
        (c, a, w) for c in range(3) for a in (-1, 0, 1) for w in POINTS
    ]  # one threat per (class, asset, where)
    pts = np.stack([ecef_from_geodetic(POINTS[w][0] * DEG, POINTS[w][1] * DEG, 5000.0)
                    for _, _, w in shots])  # fmt: skip
    q = PairQuery(
        t,
        np.arange(2),
        np.arange(2),
        np.array([c for c, _, _ in shots]),
        np.array([a for _, a, _ in shots]),
        np.broadcast_to(pts, (2, len(shots), 3)).copy(),
    )
    codes = gates.blocking(q)
    for i, m in enumerate(members):
        own = frozenset(r.id for r in REGIONS if r.owner == m.id)
        granted = granted_regions(grants, m.id, "engage", t, EPOCH)
        # each rule alone, in checking order: the code names the first that blocks the shot
        alone = [(kind, Member(m.id, "partner", rules=MemberRules(caveats=Caveats(
            **{kind: getattr(cavs[i], kind)})))) for kind in CAVEAT_KINDS
            if getattr(cavs[i], kind) is not None]  # fmt: skip
        for k, (c, a, w) in enumerate(shots):
            shot = (CLASSES[c], [w] if w else [], ASSETS[a] if a >= 0 else None)
            want = caveat_allows(m, *shot, own_regions=own, granted=granted)
            assert (codes[i, k] > 0) == (not want), (m.id, CLASSES[c], a, w)
            first = next((1 + gates.rules.index(f"{m.id}:{kind}") for kind, one in alone
                          if not caveat_allows(one, *shot, own_regions=own, granted=granted)),
                         0)  # fmt: skip
            assert codes[i, k] == first, (m.id, CLASSES[c], a, w)


@settings(max_examples=100, deadline=None)
@given(cavs=st.lists(caveats_st, min_size=2, max_size=2), t=st.sampled_from([0.0, 1500.0]),
       where=st.lists(st.lists(st.sampled_from(sorted(POINTS)), min_size=1, max_size=3),
                      min_size=1,
                      max_size=4))
def test_never_blocked_is_no_block_at_any_point(cavs: list[Caveats], t: float,
                                                where: list[list[str]]) -> None:
    """A shot is never blocked at the points given by their regions (``region_bits``) iff the
    gates allow it at each of them (brute force: one query per point); without the points,
    only if they allow it everywhere."""
    members = [Member(f"M{i}", "partner", rules=MemberRules(caveats=c)) for i, c in enumerate(cavs)]
    grants = [AirspaceGrant(grantor_state="Elsewhere", grantee_member="M1", region_id="B",
                            what="engage", valid_from=1000.0, valid_until=2000.0)]
    gates = build_gates(members, epoch=EPOCH, regions=REGIONS, grants=grants, asset_names=ASSETS)
    threats = [(c, a, w) for c in range(3) for a in (-1, 0, 1) for w in where]
    cls, asset = np.array([c for c, _, _ in threats]), np.array([a for _, a, _ in threats])
    mask = gates.allow
    if mask is None:  # no rule at all
        assert gates.never_blocked(np.arange(2), cls, asset).all()
        return
    s = max(len(w) for w in where)
    regions = np.full((s, len(threats)), -1, np.int64)
    for k, (_, _, w) in enumerate(threats):
        for i, name in enumerate(w):
            p = ecef_from_geodetic(POINTS[name][0] * DEG, POINTS[name][1] * DEG, 5000.0)
            regions[i, k] = mask.region_bits(np.array([p]))[0]  # type: ignore[attr-defined]

    def allows(name: str) -> np.ndarray:
        p = ecef_from_geodetic(POINTS[name][0] * DEG, POINTS[name][1] * DEG, 5000.0)
        q = PairQuery(t, np.arange(2), np.arange(2), cls, asset,
                      np.broadcast_to(p, (2, len(threats), 3)).copy())
        return gates.blocking(q) == 0

    at = {name: allows(name) for name in POINTS}
    want = np.ones((2, len(threats)), bool)
    for k, (_, _, w) in enumerate(threats):
        for name in w:
            want[:, k] &= at[name][:, k]
    clear = ~mask.area_blocks(regions, t).any(axis=1)  # type: ignore[attr-defined]
    assert (gates.never_blocked(np.arange(2), cls, asset, clear) == want).all()
    everywhere = np.logical_and.reduce(list(at.values()))
    assert not (gates.never_blocked(np.arange(2), cls, asset) & ~everywhere).any()
