"""Packed arrays of the map: every kind round-trips, and the page's byte order is little-endian."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from siting.outputs.encode import DTYPES, pack, pack_int, pack_strings, spatial_order, unpack


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "f64"])
def test_arrays_round_trip(dtype, compress):
    rng = np.random.default_rng(1)
    info = np.iinfo(DTYPES[dtype]) if dtype[0] != "f" else None
    if info is not None:
        a = rng.integers(info.min, info.max, 5000, endpoint=True)
    else:
        a = rng.normal(size=5000)
    p = pack(a, dtype, compress=compress)
    assert p["$"] == "a" and p["n"] == 5000 and bool(p.get("z")) == compress
    np.testing.assert_array_equal(unpack(p), a.astype(DTYPES[dtype]))


def test_little_endian_bytes_without_compression():
    p = pack([1, 258], "u16")
    assert base64.b64decode(p["b"]) == bytes([1, 0, 2, 1])


def test_delta_coding_and_smallest_type():
    a = np.arange(100_000) * 7 + 3
    p = pack_int(a, delta=True, compress=True)
    assert p["t"] == "u8" and p["d"] == 1  # the differences fit a byte
    assert (unpack(p) == a).all()
    assert pack_int([-5, 70_000])["t"] == "i32"
    with pytest.raises(ValueError):
        pack([300], "u8")


def test_strings_round_trip():
    for vals in (["R0001", "R0002", "R0100"], ["1", "2", "15"], ["a", "b\nc", "中文", ""], [], ["007", "7"]):
        got = unpack(pack_strings(vals))
        assert got == [v.replace("\n", " ") for v in vals]
    ids = pack_strings([f"R{i:07d}" for i in range(50_000)], compress=True)
    assert ids["p"] == "R" and ids["w"] == 7 and len(ids["i"]["b"]) < 200  # sequential ids cost almost nothing
    names = ["药店", "综合超市 & Co", "<b>x</b>"] * 1000
    text = pack_strings(names, compress=True)
    assert "sz" in text and unpack(text) == names


def test_spatial_order_keeps_neighbours_together():
    rng = np.random.default_rng(2)
    x, y = rng.random(10_000), rng.random(10_000)
    o = spatial_order(x, y, bands=100)
    step = np.hypot(np.diff(x[o]), np.diff(y[o]))
    assert np.median(step) < 0.02  # random order: ~0.5
    assert sorted(o) == list(range(10_000))
