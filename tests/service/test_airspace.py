"""Airspace grants and closures on the streams (issue 11): each node receives the grants that
concern its member (it is the grantee or the grantor) when they come on record, a closure
when such a grant ends (the region closes to the grantee) and the scenario's airspace
closures (NOTAMs, to every member) when they come into force. Real service, real nodes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from inkless.coalition import KeyStore, pseudonym

from .conftest import cut, inkless, read_dump, wait_for
from .test_streams import _finish, _node

EAST = [[31.8, 35.2], [32.2, 35.2], [32.2, 35.7], [31.8, 35.7]]
GRANT_UNTIL_S, NOTAM_FROM_S, NOTAM_UNTIL_S = 30.0, 20.0, 45.0
LETTER_AT_S = 25.0


def _airspace_scenario(tmp: Path, duration_s: float) -> Path:
    """The two members' session with a region ``east`` (HOST's) where HOST grants ANON
    ``engage`` until 30 s, closed to civil traffic from 20 to 45 s."""
    data = yaml.safe_load(cut(tmp, duration_s).read_text())
    data["regions"] = [{"id": "east", "owner": "HOST", "polygon_deg": EAST}]
    data["grants"] = [{"grantor_state": "HOST", "grantee_member": "ANON", "region_id": "east",
                       "what": "engage", "valid_until": GRANT_UNTIL_S}]
    data["civil"]["closures"] = [{"region": "east", "from_s": NOTAM_FROM_S,
                                  "until_s": NOTAM_UNTIL_S}]
    path = tmp / "airspace.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _of(msgs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in msgs if m["type"] == kind]


def test_grants_and_closures_reach_the_members_they_concern(server_factory: Any, keys: Path,
                                                            tmp_path: Path) -> None:
    scenario = _airspace_scenario(tmp_path, 60)
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2", scenario=scenario)
    dumps = {m: tmp_path / f"{m}.jsonl" for m in ("HOST", "ANON")}
    for p in [_node(m, keys, s.url, d) for m, d in dumps.items()]:
        _finish(p)
    host, anon = read_dump(dumps["HOST"]), read_dump(dumps["ANON"])
    alias = pseudonym("ANON", KeyStore(keys).secret(create=False))
    for msgs, grantee in ((anon, "ANON"), (host, alias)):  # the host sees the pseudonym only
        grants = _of(msgs, "grant")
        assert len(grants) == 1, grants
        g = grants[0]
        assert (g["grantor"], g["grantee"], g["region"], g["what"]) == (
            "HOST", grantee, "east", "engage")
        assert g["from_t"] is None and g["until_t"] == GRANT_UNTIL_S and g["t"] == 0
        assert g["polygon_deg"] == EAST
        ended = [c for c in _of(msgs, "closure") if c["reason"] == "grant_ended"]
        assert len(ended) == 1 and ended[0]["grantee"] == grantee
        assert GRANT_UNTIL_S <= ended[0]["t"] < GRANT_UNTIL_S + 5  # the first cycle after
        notams = [c for c in _of(msgs, "closure") if c["reason"] == "notam"]
        assert len(notams) == 1
        n = notams[0]
        assert (n["region"], n["from_t"], n["until_t"]) == ("east", NOTAM_FROM_S, NOTAM_UNTIL_S)
        assert NOTAM_FROM_S <= n["t"] < NOTAM_FROM_S + 5
        # in stream order: each at its time among the pictures
        pics = [m["t"] for m in msgs if m["type"] in ("picture", "closure", "grant")]
        assert pics == sorted(pics)


def test_a_grant_by_letter_reaches_grantee_and_grantor(server_factory: Any, keys: Path,
                                                       tmp_path: Path) -> None:
    """HOST's node sends an airspace_grant letter (transit in ``east`` for ANON) at 25 s: both
    nodes get the grant from then on; a member it does not concern would not (none here)."""
    import shutil

    k = tmp_path / "keys"
    shutil.copytree(keys, k)
    scenario, ledger = _airspace_scenario(tmp_path, 40), tmp_path / "ledger.db"
    r = inkless("coalition", "plan", scenario, "--ledger", ledger, "--keys", k)
    assert r.returncode == 0, r.stderr
    alias = pseudonym("ANON", KeyStore(k).secret(create=False))
    letter = tmp_path / "grant.json"
    letter.write_text(json.dumps({
        "type": "airspace_grant", "author": "HOST", "recipient": alias,
        "body": {"grants": [{"grantor_state": "HOST", "grantee_member": alias,
                             "region_id": "east", "what": "transit", "valid_from": 0}]}}))
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "2", "--ledger",
                       str(ledger), scenario=scenario)
    dumps = {m: tmp_path / f"{m}.jsonl" for m in ("HOST", "ANON")}
    nodes = [_node("HOST", k, s.url, dumps["HOST"], "--letter", str(letter),
                   "--letter-at", str(LETTER_AT_S)), _node("ANON", k, s.url, dumps["ANON"])]
    for p in nodes:
        _finish(p)
    for m, grantee in (("ANON", "ANON"), ("HOST", alias)):
        msgs = read_dump(dumps[m])
        assert not _of(msgs, "error"), _of(msgs, "error")
        transit = [g for g in _of(msgs, "grant") if g["what"] == "transit"]
        assert len(transit) == 1, _of(msgs, "grant")
        g = transit[0]
        assert (g["grantor"], g["grantee"], g["region"]) == ("HOST", grantee, "east")
        assert g["t"] >= LETTER_AT_S and g["from_t"] == 0 and g["until_t"] is None


def test_a_node_back_beyond_the_window_gets_the_airspace_in_its_snapshot(
        server_factory: Any, keys: Path, tmp_path: Path) -> None:
    """The host's node joins after the grant, its end and the NOTAM were sent, with nothing
    kept for replay: its snapshot holds them, as they were sent to it."""
    s = server_factory("--simulate", "--speed", "16", "--wait-nodes", "1", "--replay-window",
                       "0", scenario=_airspace_scenario(tmp_path, 200))  # the host joins in time
    anon, host = tmp_path / "anon.jsonl", tmp_path / "host.jsonl"
    first = _node("ANON", keys, s.url, anon)
    wait_for(lambda: anon.exists() and any(
        m["type"] == "picture" and m["t"] >= 40 for m in read_dump(anon)), 60)
    _finish(_node("HOST", keys, s.url, host))
    _finish(first)
    msgs = [m for m in read_dump(host) if m["type"] != "welcome"]
    snap = msgs[0]
    assert snap["type"] == "snapshot" and "picture" in snap
    assert not [m for m in msgs if m["type"] == "grant"]  # sent before it joined
    alias = pseudonym("ANON", KeyStore(keys).secret(create=False))
    got = sorted((m["type"], m.get("reason"), m.get("grantee"), m["t"]) for m in snap["airspace"])
    assert got == [("closure", "grant_ended", alias, 30.0), ("closure", "notam", None, 20.0),
                   ("grant", None, alias, 0.0)]
