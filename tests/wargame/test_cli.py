"""`inkless coalition whatif` and the coalition's part of `inkless run`: JSON and text output,
what each rule cost in results.json, the report and the terminal, and one-line errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from inkless.cli import app

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


def write(tmp_path: Path, host_rules: dict[str, Any] | None = None) -> Path:
    d = yaml.safe_load(BASICS.read_text())
    d = copy.deepcopy(d)
    d["fire_units"] = [u for u in d["fire_units"] if u["id"] != "mid-1"]
    for s in d["sensors"]:
        if s["owner"] == "ALLY":
            s["range_km"].update(drone=200, cruise=200)
    if host_rules is not None:
        d["members"][0]["rules"] = host_rules
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(d))
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_whatif_prints_the_change_per_composition(tmp_path: Path) -> None:
    path = write(tmp_path)
    r = invoke("coalition", "whatif", str(path), "--without", "ALLY", "--seed", "7", "--json",
               "--workers", "1")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    (v,) = out["variants"]
    assert (out["seed"], out["replications"], v["without"]) == (7, 1, ["ALLY"])
    for name in ("leaked", "value_damaged", "interceptor_cost"):
        f = v["figures"][name]
        assert f["change"] == round(f["variant"] - f["baseline"], 6)
        assert f["baseline"] == out["baseline"][name]
    text = invoke("coalition", "whatif", str(path), "--without", "ALLY", "--seed", "7",
                  "--with-caveat", "HOST:threat_classes=ballistic", "--workers", "1")
    assert text.exit_code == 0, text.stderr
    assert "without ALLY; adding HOST:threat_classes=ballistic: leaked" in text.stdout
    assert "baseline: leaked" in text.stdout


def test_whatif_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path)
    for args, message in (
        (["--without", "NOBODY"], "--without NOBODY: unknown member; known: HOST, ALLY"),
        (["--lift-caveat", "HOST:threat_classes"], "--lift-caveat HOST:threat_classes: no such"),
        ([], "whatif: nothing to change"),
    ):
        r = invoke("coalition", "whatif", str(path), *args)
        assert r.exit_code == 2, r.stdout
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(message), lines
        assert "Traceback" not in r.stderr


def test_run_reports_what_each_rule_cost(tmp_path: Path) -> None:
    path = write(tmp_path, {"caveats": {"threat_classes": ["ballistic"]}})
    r = invoke("run", str(path), "--out", str(tmp_path / "out"), "--seed", "7")
    assert r.exit_code == 0, r.stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    sec = res["coalition"]
    assert sec["record"] == "planned at the epoch"
    (cost,) = sec["costs"]
    assert cost["rule"] == "HOST:threat_classes"
    assert cost["blocked_pairs"] == sec["blocked_by_rule"]["HOST:threat_classes"] > 0
    assert cost["leaked"]["with_rule"] == res["threats"]["leaked"]
    assert all(b["rule"] == "HOST:threat_classes" for b in sec["blocked"])
    html = (tmp_path / "out" / "report.html").read_text()
    assert "What each rule cost" in html and "HOST:threat_classes" in html
    assert "what each rule cost" in r.stdout and "HOST:threat_classes" in r.stdout
    assert any("blocked by a caveat: HOST:threat_classes" in i["cause"] for i in res["impacts"])


def test_run_reads_legal_bases_from_the_ledger_and_views_use_its_pseudonyms(
    tmp_path: Path,
) -> None:
    d = yaml.safe_load(write(tmp_path).read_text())
    d["members"] += [
        {"id": "CELL", "name": "Coordination Cell", "role": "orchestrator"},
        {"id": "QUIET", "name": "Quiet Friend", "role": "partner", "anonymous": True,
         "rules": {"preconditions": [{"document": "consent", "from_role": "orchestrator"}]}},
    ]
    d["members"][1]["rules"] = {
        "preconditions": [{"document": "consent", "from_member": "HOST"}]
    }
    path = tmp_path / "ledgered.yaml"
    path.write_text(yaml.safe_dump(d))
    book = tmp_path / "book.db"
    r = invoke("coalition", "plan", str(path), "--ledger", str(book), "--at",
               "2025-01-01T01:00:00Z")  # the scenario's epoch is 2025-01-01T00:00:00Z
    assert r.exit_code == 0, r.stderr
    r = invoke("run", str(path), "--out", str(tmp_path / "out"), "--ledger", str(book),
               "--view", "HOST", "--no-rule-costs", "--seed", "7")
    assert r.exit_code == 0, r.stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    basis = {b["member"]: b for b in res["coalition"]["legal_basis"]}
    assert basis["ALLY"]["acts_from_s"] == 3600.0
    assert basis["ALLY"]["letters"][0]["source"].startswith("ledger entry ")
    shown = invoke("ledger", "show", str(book), "--json")
    roster = [e["statement"] for e in json.loads(shown.stdout) if e["kind"] == "roster"][-1]
    on_ledger = {m["id"] for m in roster["members"] if m["anonymous"]}
    in_view = {m["id"] for m in res["members"] if m["anonymous"]}
    assert on_ledger == in_view and all(x.startswith("anon-") for x in in_view)
