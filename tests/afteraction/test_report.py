"""The HTML report: self-contained, carries the tables' numbers, byte-identical across calls."""

from __future__ import annotations

import base64
import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from inkless.afteraction import MapData, summarise, write_report
from inkless.afteraction.findings import Findings
from inkless.errors import InputError
from inkless.identification import MISDECLARED_KEYS


class _Page(HTMLParser):
    """Collects tables (per enclosing section id), element attributes and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.attrs: list[tuple[str, str, str]] = []
        self.section = ""
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
        if tag == "section":
            self.section = dict(attrs).get("id") or ""
        elif tag == "table":
            self.tables.setdefault(self.section, []).append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section][-1].append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _n(x: float) -> str:
    """Integers as the report prints them: thousands separated by commas."""
    return f"{int(x):,}"


@pytest.fixture(scope="module")
def written(run: tuple[dict[str, Any], MapData], tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[str, str]:
    results, geometry = run
    d = tmp_path_factory.mktemp("report")
    write_report(d / "a.html", Findings.model_validate(results), geometry)
    write_report(d / "b.html", Findings.model_validate(results), geometry)
    return (d / "a.html").read_text(encoding="utf-8"), (d / "b.html").read_text(encoding="utf-8")


def test_byte_identical_across_calls(written: tuple[str, str]) -> None:
    a, b = written
    assert a.encode() == b.encode()


def test_self_contained(written: tuple[str, str]) -> None:
    html = written[0]
    page = _parse(html)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "url(" not in html
    for tag, attr, value in page.attrs:
        if attr in ("src", "href", "srcset", "poster", "data"):
            assert value.startswith(("data:image/png;base64,", "#")), (tag, attr, value[:40])
    pngs = [v for _, a, v in page.attrs if a == "src"]
    assert len(pngs) >= 3  # map, detail map, timeline, outcome bars
    for src in pngs:
        raw = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"tEXt" not in raw  # no metadata (Software, dates) in the PNGs


def test_tables_carry_the_results(run: tuple[dict[str, Any], MapData],
                                  written: tuple[str, str]) -> None:
    results, _ = run
    page = _parse(written[0])
    rows = {r[0]: r[1:] for r in page.tables["threats"][0][1:]}
    for cls, d in results["threats"]["by_class"].items():
        rate = f"{100 * d['intercepted'] / d['launched']:.1f} %"
        assert rows[cls] == [_n(d["launched"]), _n(d["intercepted"]), _n(d["leaked"]), rate]
    t = results["threats"]
    assert rows["All classes"][:3] == [_n(t["launched"]), _n(t["intercepted"]), _n(t["leaked"])]

    by_member, by_type = page.tables["interceptors"]
    names = {m["id"]: m["name"] for m in results["members"]}
    member_rows = {r[0]: r[1:] for r in by_member[1:]}
    for mid, d in results["interceptors"]["by_member"].items():
        assert member_rows[f"{names[mid]} {mid}"][:2] == [_n(d["fired"]), _n(d["cost"])]
    assert member_rows["Coalition"][:2] == [_n(results["interceptors"]["fired"]),
                                            _n(results["interceptors"]["cost"])]
    type_rows = {r[0]: r[1:] for r in by_type[1:]}
    for typ, d in results["interceptors"]["by_type"].items():
        assert type_rows[typ] == [_n(d["fired"]), _n(d["cost"]), _n(d["cost"] / d["fired"])]

    engagements = page.tables["engagements"][0][1:]
    assert len(engagements) == len(results["engagements"])
    got = sorted((r[0], r[2], r[6]) for r in engagements)
    want = sorted((e["threat_id"], e["unit_id"], e["result"]) for e in results["engagements"])
    assert got == want
    first = min(results["engagements"], key=lambda e: e["fire_time_s"])
    s = round(first["fire_time_s"])
    assert engagements[0][4].startswith(f"T+{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}")

    impacts = page.tables["impacts"][0][1:]
    assert sorted(r[0] for r in impacts) == sorted(i["threat_id"] for i in results["impacts"])
    for r in impacts:
        src = next(i for i in results["impacts"] if i["threat_id"] == r[0])
        assert r[3] == f"{src['lat']:.3f}°N" and r[4] == f"{src['lon']:.3f}°E"
        assert r[5] == (src["asset"] or "—")


def test_figures_without_a_section_are_listed(run: tuple[dict[str, Any], MapData],
                                             written: tuple[str, str]) -> None:
    results = run[0]
    page = _parse(written[0])
    settings = dict((r[0], r[1]) for r in page.tables["sec-settings"][0])
    assert settings == results["settings"]
    assert len(page.tables["sec-other"]) == 1  # scalars gathered into one table
    assert dict((r[0], r[1]) for r in page.tables["sec-other"][0]) == {
        "results_version": "1", "replication": "0", "cost_unit": "MUSD",
        "value_defended": _n(results["value_defended"]),
        # no identification section (as in a view): its figures are listed here
        "friendly_engagements": "0", "civil_engaged": "—", "friendly_engaged": "—",
        "closures": "—"}


def test_replications_show_mean_and_ci(run: tuple[dict[str, Any], MapData],
                                       tmp_path: Path) -> None:
    results, geometry = run
    reps = []
    for k, leaked in enumerate([3, 5, 4, 8]):
        r = copy.deepcopy(results)
        r["seed"] = 100 + k
        r["threats"]["leaked"] = leaked
        r["threats"]["intercepted"] = r["threats"]["launched"] - leaked
        reps.append(Findings.model_validate(r))
    path = tmp_path / "r.html"
    write_report(path, summarise(reps), geometry)
    page = _parse(path.read_text(encoding="utf-8"))
    rows = {r[0]: r[1:] for r in page.tables["replications"][0][1:]}
    x = np.array([3, 5, 4, 8], dtype=float)
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert rows["Threats leaked"][0] == "5"
    assert rows["Threats leaked"][1] == f"{lo:.2f} – {hi:.2f}"
    assert rows["Threats leaked"][2] == "3 – 8"
    assert "100, 101, 102, 103" in "".join(page.text)


def test_unwritable_path_is_an_input_error(run: tuple[dict[str, Any], MapData],
                                           tmp_path: Path) -> None:
    results, geometry = run
    with pytest.raises(InputError, match="does not exist"):
        write_report(tmp_path / "missing" / "r.html", Findings.model_validate(results), geometry)


def test_a_dict_is_refused(tmp_path: Path, minimal: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="pass the run's Findings"):
        write_report(tmp_path / "m.html", minimal, MapData())  # type: ignore[arg-type]


def test_minimal_results_render(tmp_path: Path, minimal: dict[str, Any]) -> None:
    path = tmp_path / "m.html"
    write_report(path, Findings.model_validate(minimal), MapData())
    html = path.read_text(encoding="utf-8")
    assert "&lt;empty&gt;" in html and "<empty>" not in html
    assert re.search(r"No engagements", html)


#: Every pair identification writes (a pair it adds fails here until the report shows it), each
#: with its own figure (a label on the wrong pair fails).
MISDECLARED = {k: 1000.0 * i + 35.0 for i, k in enumerate(MISDECLARED_KEYS)}
MISDECLARED_LABELS = {
    "threat_as_neutral_s": "Threats held neutral (track-s)",
    "threat_as_friend_s": "Threats held friend (track-s)",
    "civil_as_suspect_s": "Civil aircraft held suspect (track-s)",
    "civil_as_hostile_s": "Civil aircraft held hostile (track-s)",
    "friend_as_suspect_s": "Coalition aircraft held suspect (track-s)",
    "friend_as_hostile_s": "Coalition aircraft held hostile (track-s)",
}


def _with_identification(results: dict[str, Any], misdeclared: dict[str, float]
                         ) -> dict[str, Any]:
    r = copy.deepcopy(results)
    r["settings"] = {"picture": "tracked", "assignment": "fast"}
    r["identification"] = {
        "correct_fraction": 0.9, "correct_fraction_by_member": {}, "detected": 3,
        "declared": 3, "mean_declaration_delay_s": 12.0, "leaked_due_to_late_declaration": 0,
        "misdeclared": dict(misdeclared)}
    return r


def test_identification_shows_misdeclared_track_seconds(run: tuple[dict[str, Any], MapData],
                                                        tmp_path: Path) -> None:
    results, geometry = run
    path = tmp_path / "i.html"
    write_report(path, Findings.model_validate(_with_identification(results, MISDECLARED)),
                 geometry)
    rows = {r[0]: r[1:] for r in _parse(path.read_text(encoding="utf-8"))
            .tables["identification"][0][1:]}
    assert set(MISDECLARED_LABELS) == set(MISDECLARED_KEYS)
    for key, label in MISDECLARED_LABELS.items():
        assert float(rows[label][0].replace(",", "")) == pytest.approx(MISDECLARED[key],
                                                                       abs=0.5)
    assert "identification.misdeclared" not in path.read_text(encoding="utf-8")


def test_replications_show_misdeclared_mean_and_ci(run: tuple[dict[str, Any], MapData],
                                                   tmp_path: Path) -> None:
    results, geometry = run
    reps = []
    for k, neutral in enumerate([0.0, 35.0, 10.0, 5.0]):
        r = _with_identification(results, {**MISDECLARED, "threat_as_neutral_s": neutral})
        r["seed"] = k
        reps.append(Findings.model_validate(r))
    path = tmp_path / "r.html"
    write_report(path, summarise(reps), geometry)
    rows = {r[0]: r[1:] for r in _parse(path.read_text(encoding="utf-8"))
            .tables["replications"][0][1:]}
    x = np.array([0.0, 35.0, 10.0, 5.0])
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    row = rows[MISDECLARED_LABELS["threat_as_neutral_s"]]
    assert row[0] == "12.5"
    assert row[1] == f"{lo:.1f} – {hi:.1f}"
    assert row[2] == "0 – 35"
