"""`inkless run --replications`, the rule costs and `coalition whatif` run through the one Dask
runner: the same results on a cluster as here in order, and the same `--workers` /
`--scheduler` options (a cluster given by its address is used; a bad address is one line)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from distributed import LocalCluster
from typer.testing import CliRunner

from inkless.cli import app
from inkless.scenario import parse_scenario
from inkless.wargame import run_replications
from inkless.wargame.counterfactual import Composition, whatif
from inkless.wargame.runner import Cluster

BASICS = Path(__file__).resolve().parents[2] / "examples" / "basics.yaml"


def basics_half(tmp_path: Path | None = None) -> Any:
    """basics with half the rounds: the allied ship fires, so leaving it out changes things."""
    d = copy.deepcopy(yaml.safe_load(BASICS.read_text()))
    for u in d["fire_units"]:
        u["rounds"] //= 2
    text = yaml.safe_dump(d)
    if tmp_path is None:
        return parse_scenario(text)
    path = tmp_path / "half.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def test_replications_and_whatif_on_a_cluster_equal_the_runs_here() -> None:
    sc = basics_half()
    _, here = run_replications(sc, 7, 3, workers=1)
    with Cluster(2, processes=False) as cluster:
        _, there = run_replications(sc, 7, 3, cluster=cluster)
        comp = [Composition(without=("ALLY",))]
        w_there = whatif(sc, 7, 3, comp, cluster=cluster)
    assert there == here
    assert whatif(sc, 7, 3, comp, workers=1) == w_there
    assert w_there["variants"][0]["figures"]["leaked"]["change"] > 0  # the ship mattered


def test_run_and_whatif_take_a_scheduler_address(tmp_path: Path, scheduler: str) -> None:
    path = basics_half(tmp_path)
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                   "--picture", "perfect", "--replications", "3",
                                   "--scheduler", scheduler])
    assert res.exit_code == 0, res.output
    got = json.loads((tmp_path / "o" / "results.json").read_text())
    _, here = run_replications(basics_half(), 7, 3, workers=1)
    assert got["replications_summary"]["threats"]["leaked"]["values"] == [
        r.threats.leaked for r in here]
    res = CliRunner().invoke(app, ["coalition", "whatif", str(path), "--without", "ALLY",
                                   "--replications", "2", "--scheduler", scheduler, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == whatif(basics_half(), 7, 2, [Composition(("ALLY",))],
                                            workers=1)


def test_bad_cluster_options_are_one_line(tmp_path: Path) -> None:
    path = basics_half(tmp_path)
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "--workers",
                                   "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2
    assert res.output == ("--workers and --scheduler: give one; the cluster at --scheduler has "
                          "its own workers\n")
    res = CliRunner().invoke(app, ["coalition", "whatif", str(path), "--without", "ALLY",
                                   "--replications", "2", "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("--scheduler tcp://127.0.0.1:9: cannot connect")
