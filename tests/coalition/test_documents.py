"""Canonical serialisation and Ed25519 signing, against RFC 8032's test vectors and hand-written
canonical forms."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from inkless.coalition import SignedStatement, canonical_json, document_fields, key_id
from inkless.coalition.documents import (
    parse_utc,
    public_from_hex,
    public_hex,
    sign_statement,
    signature_valid,
    utc_iso,
)
from inkless.errors import InputError

# RFC 8032, section 7.1, TEST 1 and TEST 2
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701"
        "cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "r",  # the one-byte message 0x72
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f361"
        "3d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_ed25519_matches_rfc8032(secret: str, public: str, message: str, signature: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert public_hex(key.public_key()) == public
    assert key.sign(message.encode()).hex() == signature
    st = SignedStatement("x", message, signature, key_id(public_from_hex(public)))
    assert signature_valid(st, public_from_hex(public))
    forged = SignedStatement("x", message + " ", signature, st.signer_key_id)
    assert not signature_valid(forged, public_from_hex(public))
    assert key_id(public_from_hex(public)) == hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]


def test_canonical_json_is_sorted_compact_utf8_and_refuses_floats() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"], "c": {"z": "", "y": -2}}) == (
        '{"a":[true,null,"é"],"b":1,"c":{"y":-2,"z":""}}'
    )
    with pytest.raises(InputError, match=r"document\.body\.x\[1\]: 0\.5 is a floating-point"):
        canonical_json({"body": {"x": [1, 0.5]}}, "document")
    with pytest.raises(InputError, match="cannot be signed"):
        canonical_json({"t": datetime.now(UTC)})


def test_signed_statement_round_trips_and_detects_change() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032[0][0]))
    st = sign_statement({"kind": "document", "a": 1}, key)
    assert st.signer_key_id == key_id(key.public_key())
    assert st.fields() == {"kind": "document", "a": 1, "signer_key_id": st.signer_key_id}
    assert st.text == canonical_json(st.fields())
    assert signature_valid(st, key.public_key())
    altered = SignedStatement(
        st.kind, st.text.replace('"a":1', '"a":2'), st.signature, st.signer_key_id
    )
    assert not signature_valid(altered, key.public_key())


def test_document_ids_are_derived_from_content() -> None:
    t = datetime(2024, 4, 13, 20, 0, 0, tzinfo=UTC)
    a = document_fields("consent", "H", "P", t, {"text": "yes"})
    assert a["id"].startswith("doc-") and len(a["id"]) == 20
    assert document_fields("consent", "H", "P", t, {"text": "yes"})["id"] == a["id"]
    assert document_fields("consent", "H", "P", t, {"text": "no"})["id"] != a["id"]
    assert document_fields("consent", "H", "P", t + timedelta(seconds=1))["id"] != a["id"]


def test_utc_times_are_canonical() -> None:
    plus3 = datetime(2024, 4, 13, 23, 0, 0, 999, tzinfo=timezone(timedelta(hours=3)))
    assert utc_iso(plus3) == "2024-04-13T20:00:00Z"
    assert parse_utc("2024-04-13T23:00:00+03:00") == datetime(2024, 4, 13, 20, tzinfo=UTC)
    with pytest.raises(InputError, match="no UTC offset"):
        parse_utc("2024-04-13T20:00:00")
    with pytest.raises(InputError, match="no UTC offset"):
        utc_iso(datetime(2024, 4, 13))
