"""The two-campaign ledger example (issue 14, item 3): April, then October 2024 on the same ledger,
with the UK's office-holder key rotated between them (a new Defence Secretary). The plan asks
for the renewal; without it the UK's forces do not act in October, with it they do; the ledger
verifies across the rotation.

``examples/two-campaigns.sh`` runs here as a user would run it, on cut-down copies of the two
examples (a few threats each, the perfect picture) so that the suite stays fast; members, rules,
letters, sensors and fire units are the examples' own. The October copy gets a few drones
towards the UK's CAP station, so that the UK's fighters have something they may engage (the
October salvo itself is ballistic, which their air-to-air rounds cannot engage).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = EXAMPLES / "two-campaigns.sh"
ROTATED = "2024-07-05T12:00:00Z"


def cut(name: str, tmp: Path, **settings: Any) -> Path:
    data = yaml.safe_load((EXAMPLES / name).read_text())
    data["settings"].update(settings)
    for w in data["raid"]["waves"]:
        w["count"] = 2
        w["launch_window_s"] = [0, 300]
        w.pop("via", None)
    if name.startswith("october"):
        cap = next(u for u in data["fire_units"] if u["owner"] == "GBR")["position"]
        data["raid"]["waves"].append(
            {
                "id": "drones-by-the-cap",
                "threat_class": "drone",
                "count": 4,
                "launch_area": {"lat_deg": cap["lat_deg"], "lon_deg": cap["lon_deg"] + 0.6,
                                "radius_km": 5},
                "launch_window_s": [0, 60],
                "aim_assets": ["Nevatim AB"],
                "speed_mps": 50,
                "altitude_m": 1200,
            }
        )  # fmt: skip
    out = tmp / name
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run the example script")
    tmp = tmp_path_factory.mktemp("two")
    april = cut("april-2024.yaml", tmp, duration_s=3600)
    october = cut("october-2024.yaml", tmp, duration_s=1800)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "RUN_ARGS": "--picture perfect --no-rule-costs",
    }
    r = subprocess.run(
        ["bash", str(SCRIPT), str(april), str(october), str(tmp / "out")],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp / "out", r.stdout


def results(out: Path, run: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / run / "results.json").read_text())
    return data


def uk(res: dict[str, Any]) -> tuple[dict[str, Any], int]:
    (b,) = [b for b in res["coalition"]["legal_basis"] if b["member"] == "GBR"]
    fired = res["interceptors"]["by_member"].get("GBR", {}).get("fired", 0)
    return b, int(fired)


def test_april_acts_on_the_letters_on_the_ledger(campaigns: tuple[Path, str]) -> None:
    out, _ = campaigns
    b, _ = uk(results(out, "april"))
    assert b["acts"] == [[0.0, None]] and b["unmet"] == []
    assert [(x["author"], x["type"]) for x in b["letters"]] == [
        ("GBR", "request_to_be_invited"),
        ("ISR", "acknowledgement_of_legal_process"),
    ]


def test_the_rotation_lapses_the_british_letters_and_the_plan_asks_for_renewal(
    campaigns: tuple[Path, str],
) -> None:
    _, stdout = campaigns
    assert stdout.count(f"lapsed at {ROTATED}") == 2  # the UK's letter and Israel's reply
    dry = stdout[stdout.index("== October, before renewing") : stdout.index("dry run: nothing")]
    renew = [ln for ln in dry.splitlines() if ln.startswith("renew: ")]
    assert len(renew) == 2, dry
    assert "request_to_be_invited GBR -> ISR" in renew[0]
    assert "acknowledgement_of_legal_process ISR -> GBR" in renew[1]
    # the renewal the plan then signs names what it renews
    renewed = stdout[stdout.index("== October, renewed") :]
    assert "1. GBR -> ISR: request_to_be_invited, renews doc-" in renewed


def test_without_the_renewal_the_uk_does_not_act_in_october_and_with_it_it_does(
    campaigns: tuple[Path, str],
) -> None:
    out, stdout = campaigns
    before, fired_before = uk(results(out, "october-not-renewed"))
    assert before["acts"] == [] and before["acts_from_s"] is None and before["unmet"]
    assert fired_before == 0
    after, fired_after = uk(results(out, "october"))
    assert after["acts"] == [[0.0, None]] and after["unmet"] == []
    assert fired_after > 0  # the UK's fighters engage the drones by their station
    # the renewed letters were signed by the new holder, half an hour apart, before the salvo
    assert [(x["author"], x["type"], x["on_record_s"]) for x in after["letters"]] == [
        ("GBR", "request_to_be_invited", -27000.0),
        ("ISR", "acknowledgement_of_legal_process", -25200.0),
    ]
    assert "entries verify" in stdout.splitlines()[-1]
