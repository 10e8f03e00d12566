"""ASTERIX out and in, judged by Wireshark's dissector (Debian ``tshark``), field for field."""

from __future__ import annotations

import logging
from pathlib import Path

import asterix.generated as gen
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inkless.interop.asterix import (
    CAT048_MAX_HEIGHT_M,
    CAT048_MAX_RHO_M,
    CAT062_MAX_ALT_M,
    CAT062_MAX_CLIMB_MPS,
    DAY_S,
    _fixed048,
    _parsed048,
    decode_cat048,
    encode_cat048,
    encode_cat062,
    enu_from_polar,
    polar_from_enu,
    split_blocks,
    unwrap_time_of_day,
)
from inkless.units import FT, NMI

from .pcap import tshark_fields, write_pcap

PORT = 8600


def _plots(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rho = rng.uniform(0.0, 1.1 * CAT048_MAX_RHO_M, n)
    theta = rng.uniform(0.0, 2 * np.pi, n)
    h = rng.uniform(-1000.0, 1.2 * CAT048_MAX_HEIGHT_M, n)
    return rho, theta, h


def test_cat048_fields_as_wireshark_reads_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    scans = [(7, 12, 86_399.0 + 2.0 * k) for k in range(4)]  # crosses midnight
    blocks, want = [], []
    for sac, sic, t in scans:
        rho, theta, h = _plots(rng, 40)
        enc = encode_cat048(sac, sic, t, rho, theta, h)
        assert enc.dropped == int(((rho >= CAT048_MAX_RHO_M) | (h > CAT048_MAX_HEIGHT_M)).sum())
        assert enc.dropped > 0
        blocks.append(enc.block)
        want.append((sac, sic, t % DAY_S, rho[enc.kept], theta[enc.kept], h[enc.kept]))
    pcap = tmp_path / "cat048.pcap"
    write_pcap(pcap, blocks, PORT)
    got = tshark_fields(pcap, PORT, ["asterix.category", "asterix.048_010_SAC",
                                     "asterix.048_010_SIC", "asterix.048_140_VALUE",
                                     "asterix.048_020_TYP", "asterix.048_040_RHO",
                                     "asterix.048_040_THETA", "asterix.048_110_3DH"])
    assert len(got) == len(scans)
    for (sac, sic, tod, rho, theta, h), (cat, s_ac, s_ic, t, typ, r, a, z) in zip(want, got,
                                                                                  strict=True):
        n = len(rho)
        assert cat == ["48"]
        assert [int(x, 0) for x in s_ac] == [sac] * n and [int(x, 0) for x in s_ic] == [sic] * n
        assert np.allclose(np.array(t, float), tod, atol=0.5 / 128)
        assert [int(x, 0) for x in typ] == [1] * n
        assert np.allclose(np.array(r, float) * NMI, rho, atol=0.5 / 256 * NMI + 1e-6)
        dth = (np.radians(np.array(a, float)) - theta + np.pi) % (2 * np.pi) - np.pi
        assert np.abs(dth).max() <= np.radians(0.5 * 360 / 65536) + 1e-9
        assert np.allclose(np.array(z, float) * FT, h, atol=0.5 * 25 * FT + 1e-6)


def test_cat062_fields_as_wireshark_reads_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 60
    lat = np.radians(rng.uniform(-89, 89, n))
    lon = np.radians(rng.uniform(-179, 179, n))
    alt = rng.uniform(-400.0, 1.3 * CAT062_MAX_ALT_M, n)
    v = rng.uniform(-900.0, 900.0, (n, 3))
    v[::7, 2] = 1.2 * CAT062_MAX_CLIMB_MPS
    tn = rng.integers(0, 200_000, n)
    enc = encode_cat062(3, 4, 1234.5, tn, lat, lon, alt, v)
    k = enc.kept
    out = (alt > CAT062_MAX_ALT_M) | (np.abs(v[:, 2]) > CAT062_MAX_CLIMB_MPS)
    assert enc.dropped == int(out.sum()) > 0
    pcap = tmp_path / "cat062.pcap"
    write_pcap(pcap, [enc.block], PORT)
    (row,) = tshark_fields(pcap, PORT, [
        "asterix.category", "asterix.062_010_SAC", "asterix.062_010_SIC", "asterix.062_070_VALUE",
        "asterix.062_040_VALUE", "asterix.062_105_LAT", "asterix.062_105_LON",
        "asterix.062_130_VALUE", "asterix.062_185_VX", "asterix.062_185_VY",
        "asterix.062_220_VALUE", "asterix.062_080_SRC"])
    cat, sac, sic, t, tnum, la, lo, z, vx, vy, vz, src = (
        np.array([float(int(x, 0)) if x.startswith("0x") else float(x) for x in c]) for c in row)
    m = int(k.sum())
    assert cat.tolist() == [62] and sac.tolist() == [3] * m and sic.tolist() == [4] * m
    assert np.allclose(t, 1234.5, atol=0.5 / 128)
    assert tnum.astype(int).tolist() == (tn[k] % 65536).tolist()
    assert np.allclose(np.radians(la), lat[k], atol=np.radians(90 / 2**25))
    assert np.allclose(np.radians(lo), lon[k], atol=np.radians(90 / 2**25))
    assert np.allclose(z * FT, alt[k], atol=0.5 * 6.25 * FT + 1e-6)
    assert np.allclose(vx, v[k, 0], atol=0.125 + 1e-9)
    assert np.allclose(vy, v[k, 1], atol=0.125 + 1e-9)
    assert np.allclose(vz * FT / 60, v[k, 2], atol=0.5 * 6.25 * FT / 60 + 1e-9)
    assert src.tolist() == [1] * m


def test_cat048_round_trip_and_bad_blocks(caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(6)
    rho, theta, h = _plots(rng, 30)
    good = encode_cat048(1, 2, 86_399.5, rho, theta, h).block
    good2 = encode_cat048(1, 2, 86_401.5, rho, theta, h).block
    corrupt = bytes([48]) + (12).to_bytes(2, "big") + b"\xff" * 9  # FSPEC runs off the end
    other = bytes([99, 0, 5, 1, 2])
    data = good + corrupt + other + good2 + good[:20]  # truncated last block
    with caplog.at_level(logging.WARNING, logger="inkless.interop"):
        p = decode_cat048(data, "feed")
    lines = [r.getMessage() for r in caplog.records]
    assert any("corrupt CAT048" in s for s in lines), lines
    assert any("category 99" in s for s in lines), lines
    assert any("does not fit" in s for s in lines), lines
    assert all("\n" not in s for s in lines)
    kept = (rho < CAT048_MAX_RHO_M) & (h <= CAT048_MAX_HEIGHT_M)
    m = int(kept.sum())
    assert len(p.rho_m) == 2 * m
    assert np.allclose(p.rho_m[:m], rho[kept], atol=0.5 / 256 * NMI + 1e-6)
    t = unwrap_time_of_day(p.time_of_day_s)
    assert np.allclose(t[:m], 86_399.5) and np.allclose(t[m:], 86_401.5)


def test_polar_enu_inverse() -> None:
    rng = np.random.default_rng(7)
    s = np.array([1000.0, -2000.0, 50.0])
    xyz = rng.uniform(-50_000, 50_000, (100, 3))
    xyz[:, 2] = np.abs(xyz[:, 2])
    back = enu_from_polar(s, *polar_from_enu(s, xyz))
    assert np.allclose(back, xyz, atol=1e-6)


def test_a_scan_of_more_plots_than_a_block_holds(tmp_path: Path) -> None:
    """A data block's LEN is 16 bits: 5 000 plots of one scan go out as several blocks, all
    decoded by Wireshark (one libasterix block of 5 000 would overflow LEN)."""
    rng = np.random.default_rng(8)
    n = 5000
    rho, theta = rng.uniform(0, 400e3, n), rng.uniform(0, 2 * np.pi, n)
    enc = encode_cat048(1, 2, 10.0, rho, theta, np.full(n, 5000.0))
    assert enc.dropped == 0
    pcap = tmp_path / "big.pcap"
    blocks = [bytes([c]) + (len(b) + 3).to_bytes(2, "big") + b
              for c, b in split_blocks(enc.block, "big")]
    assert len(blocks) == 5
    write_pcap(pcap, blocks, PORT)  # one datagram per block
    rows = tshark_fields(pcap, PORT, ["asterix.category", "asterix.048_040_RHO"])
    r = np.array([float(x) for row in rows for x in row[1]])
    assert len(r) == n
    assert np.allclose(r * NMI, rho, atol=0.5 / 256 * NMI + 1e-6)


def test_cat062_logs_only_what_is_out_of_range(caplog: pytest.LogCaptureFixture) -> None:
    """A report without a velocity (a track's first sample) is left out as documented, but it
    is not out of range: the warning counts only the report above 45.7 km."""
    lat, lon = np.radians([31.0, 32.0, 33.0]), np.radians([35.0, 35.5, 36.0])
    alt = np.array([9000.0, 9000.0, 1.1 * CAT062_MAX_ALT_M])
    v = np.array([[200.0, 10.0, 0.0], [np.nan, np.nan, np.nan], [0.0, 0.0, 0.0]])
    with caplog.at_level(logging.WARNING, logger="inkless.interop"):
        enc = encode_cat062(0, 255, 60.0, np.arange(3), lat, lon, alt, v)
    assert enc.kept.tolist() == [True, False, False]
    (rec,) = caplog.records
    assert rec.getMessage().startswith("CAT062: 1 track(s) left out: altitude outside")


# --- the records against libasterix's own encoder (MIT; the items built by their names) -------
Cat048, Cat062 = gen.Cat_048_1_32, gen.Cat_062_1_20


def _lib048(sac: int, sic: int, tod: float, rho: float, theta: float, h: float) -> bytes:
    rec = Cat048.cv_record.create({
        "010": (("SAC", sac), ("SIC", sic)),
        "140": (tod, "s"),
        "020": ((("TYP", 1), 0, 0, 0, 0, None),),
        "040": (("RHO", (rho / NMI, "NM")), ("THETA", (float(np.degrees(theta) % 360.0), "°"))),
        "110": (0, ("3DH", (h / FT, "ft"))),
    })
    return bytes(Cat048.create([rec]).unparse().to_bytes())


def _lib062(sac: int, sic: int, tod: float, tn: int, lat: float, lon: float, alt: float,
            v: np.ndarray) -> bytes:
    rec = Cat062.cv_record.create({
        "010": (("SAC", sac), ("SIC", sic)), "015": 0, "070": (tod, "s"),
        "105": (("LAT", (float(np.degrees(lat)), "°")), ("LON", (float(np.degrees(lon)), "°"))),
        "185": (("VX", (float(v[0]), "m/s")), ("VY", (float(v[1]), "m/s"))),
        "040": tn % 65536, "080": ((0, 0, 0, ("SRC", 1), 0, None),),
        "130": (alt / FT, "ft"), "220": (float(v[2]) / FT * 60.0, "ft/min"),
    })
    return bytes(Cat062.create([rec]).unparse().to_bytes())


@settings(max_examples=200, deadline=None)
@given(sac=st.integers(0, 255), sic=st.integers(0, 255), tod=st.floats(0, 86399),
       rho=st.floats(0, 0.999 * CAT048_MAX_RHO_M), theta=st.floats(-7, 7),
       h=st.floats(-0.99 * CAT048_MAX_HEIGHT_M, 0.99 * CAT048_MAX_HEIGHT_M))
def test_cat048_record_is_libasterix_s(sac: int, sic: int, tod: float, rho: float,
                                       theta: float, h: float) -> None:
    got = encode_cat048(sac, sic, tod, np.array([rho]), np.array([theta]), np.array([h])).block
    assert got == _lib048(sac, sic, tod, rho, theta, h)


@settings(max_examples=200, deadline=None)
@given(tod=st.floats(0, 86399), tn=st.integers(0, 2**40), lat=st.floats(-1.5, 1.5),
       lon=st.floats(-3.1, 3.1), alt=st.floats(-400, 0.99 * CAT062_MAX_ALT_M),
       v=st.tuples(st.floats(-8000, 8000), st.floats(-8000, 8000),
                   st.floats(-0.99 * CAT062_MAX_CLIMB_MPS, 0.99 * CAT062_MAX_CLIMB_MPS)))
def test_cat062_record_is_libasterix_s(tod: float, tn: int, lat: float, lon: float, alt: float,
                                       v: tuple[float, float, float]) -> None:
    va = np.array([v])
    got = encode_cat062(0, 255, tod, np.array([tn]), np.array([lat]), np.array([lon]),
                        np.array([alt]), va).block
    assert got == _lib062(0, 255, tod, tn, lat, lon, alt, va[0])


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), tod=st.floats(0, 86399))
def test_fixed_layout_reads_as_libasterix_does(n: int, seed: int, tod: float) -> None:
    """A block of the records inkless writes is read at once; the same values as
    libasterix's record-by-record reading of it."""
    rng = np.random.default_rng(seed)
    enc = encode_cat048(3, 9, tod, rng.uniform(0, 0.999 * CAT048_MAX_RHO_M, n),
                        rng.uniform(-7, 7, n), rng.uniform(-6e4, 6e4, n))
    ((cat, body),) = split_blocks(enc.block, "t")
    fast = _fixed048(body)
    assert cat == 48 and fast is not None
    np.testing.assert_allclose(fast, _parsed048(body, "t", 0), rtol=0, atol=1e-9)


def test_other_layouts_go_to_libasterix() -> None:
    """A record with another item set (no I048/110) is not taken for the fixed layout."""
    rec = Cat048.cv_record.create({"010": (("SAC", 1), ("SIC", 2)), "140": (10.0, "s"),
                                   "020": ((("TYP", 1), 0, 0, 0, 0, None),),
                                   "040": (("RHO", (10.0, "NM")), ("THETA", (90.0, "°")))})
    block = bytes(Cat048.create([rec]).unparse().to_bytes())
    assert _fixed048(block[3:]) is None
    p = decode_cat048(block, "t")
    assert p.sic.tolist() == [2] and np.isnan(p.height_m[0])
    assert p.rho_m[0] == pytest.approx(10.0 * NMI)
