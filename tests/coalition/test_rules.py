"""The boundary models: validation with clear messages, defaults that mean "no rule", caveat and
releasability predicates, grant windows."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from inkless.coalition import (
    AirspaceGrant,
    Caveats,
    EngageArea,
    Member,
    MemberRules,
    ReleaseRule,
    caveat_allows,
    coalition_problems,
    grant_window_s,
    granted_regions,
    releasable,
)

EPOCH = datetime(2024, 4, 13, 20, 0, 0, tzinfo=UTC)


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
