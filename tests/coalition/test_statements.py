"""The statement models (pydantic, strict) refuse exactly what the ledger's former type table
refused: every field of every kind, given every JSON type, against that table as the oracle."""

from __future__ import annotations

from typing import Any

import pytest

from inkless.coalition.documents import SignedStatement, canonical_json
from inkless.coalition.statements import FIELDS, statement_problems

_OPT_STR = (str, type(None))
#: The oracle: the JSON type of each field, as the ledger checked it with isinstance.
TYPES: dict[str, dict[str, Any]] = {
    "key_root": {"member": str, "key_id": str, "public_key": str},
    "key_endorsement": {"member": str, "key_id": str, "public_key": str, "valid_from": str,
                        "valid_until": _OPT_STR},
    "roster": {"author": str, "epoch": _OPT_STR, "members": list},
    "document": {"id": str, "type": str, "author": str, "recipient": str,
                 "in_reply_to": _OPT_STR, "body": dict},
}  # fmt: skip
T = "2024-04-10T08:00:00Z"
VALID: dict[str, dict[str, Any]] = {
    "key_root": {"member": "A", "key_id": "k", "public_key": "ab"},
    "key_endorsement": {"member": "A", "key_id": "k", "public_key": "ab", "valid_from": T,
                        "valid_until": None},
    "roster": {"author": "A", "epoch": None, "members": []},
    "document": {"id": "d", "type": "request_for_support", "author": "A", "recipient": "B",
                 "in_reply_to": None, "body": {}},
}  # fmt: skip
JSON_VALUES: list[Any] = ["x", 3, True, None, [1], {"a": 1}]


def _statement(kind: str, fields: dict[str, Any]) -> SignedStatement:
    f = {"kind": kind, "issued_at": T, "signer_key_id": "k", **fields}
    return SignedStatement(kind, canonical_json(f), "00", str(f["signer_key_id"]))


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_every_field_and_json_type_is_judged_as_the_type_table_did(kind: str) -> None:
    f, problems = statement_problems(_statement(kind, VALID[kind]))
    assert problems == [] and f is not None and set(f) == FIELDS[kind]
    table = {"issued_at": str, "signer_key_id": str, **TYPES[kind]}
    for name, want in table.items():
        for value in JSON_VALUES:
            fields = {**VALID[kind], name: value}
            if name == "signer_key_id" and isinstance(value, str):
                continue  # must equal the entry's too: another check
            _, problems = statement_problems(_statement(kind, fields))
            wrong = f"{kind} fields [{name!r}] have the wrong JSON type"
            if isinstance(value, want):
                assert wrong not in problems, (name, value)
            else:
                assert problems == [wrong], (name, value, problems)
