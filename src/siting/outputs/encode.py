"""Compact, JSON-able encodings of the arrays a map page carries (decoded by ``siting_map.js``).

A map of a whole district carries hundreds of thousands of residences, each with a distance and
a serving facility per category, and a street network of a million segments. As JSON numbers that
is several times the 15 MB a meeting laptop opens in a few seconds, so arrays travel packed:

* :func:`pack` — a numeric array as little-endian bytes in base64, optionally delta-coded
  (consecutive differences, so that sorted ids and nearby coordinates become small numbers) and
  gzip-compressed (in byte planes — every value's first byte, then every second byte — which
  gzip compresses 10–20 % better). The page inflates it with the browser's own ``DecompressionStream``; small
  pages are left uncompressed so that they open in any browser.
* :func:`pack_strings` — a list of strings as one text (``"\\n"``-joined), or ``prefix + integer``
  ids (``R0000123``) as packed integers.

Every packed value is a dict with ``"$"`` (``"a"`` array, ``"s"`` strings) so that the page's
decoder finds them anywhere in the payload; :func:`unpack` is the Python twin (for tests and for
``siting serve``, which sends the same payload).
"""

from __future__ import annotations

import base64
import gzip
import html
from typing import Any

import numpy as np

__all__ = ["DTYPES", "esc", "pack", "pack_int", "pack_strings", "spatial_order", "unpack"]

#: Type codes of packed arrays and their numpy types (little-endian).
DTYPES: dict[str, type] = {
    "u8": np.uint8, "i8": np.int8, "u16": np.uint16, "i16": np.int16, "u32": np.uint32, "i32": np.int32,
    "f32": np.float32, "f64": np.float64,
}
_MIN_COMPRESS = 2048  # bytes: smaller arrays are not worth a gzip header
#: gzip level: 6 is within 2 % of 9 on these arrays at a fraction of the time.
COMPRESS_LEVEL = 6


def esc(value: Any) -> str:
    """HTML-escape any value for the page (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def _b64(raw: bytes, compress: bool) -> tuple[str, bool]:
    z = bool(compress) and len(raw) >= _MIN_COMPRESS
    if z:
        raw = gzip.compress(raw, compresslevel=COMPRESS_LEVEL, mtime=0)
    return base64.b64encode(raw).decode("ascii"), z


def pack(a: Any, dtype: str, *, delta: bool = False, compress: bool = False) -> dict[str, Any]:
    """A numeric array as a packed dict (see the module docstring).

    Parameters
    ----------
    a : array-like
        The values. With ``delta`` they must be integers; the page restores them as an
        ``Int32Array`` by a running sum.
    dtype : str
        A key of :data:`DTYPES`; the values (or their differences) must fit it.
    delta : bool
        Store consecutive differences (first value as is).
    compress : bool
        gzip the bytes (for arrays of at least 2 kB).
    """
    arr = np.asarray(a)
    if delta:
        arr = np.diff(arr.astype(np.int64), prepend=np.int64(0))
    np_type = np.dtype(DTYPES[dtype]).newbyteorder("<")
    if np.issubdtype(np_type, np.integer) and arr.size:
        info = np.iinfo(np_type.type)  # type: ignore[type-var]  # an integer type here
        lo, hi = int(arr.min()), int(arr.max())
        if lo < info.min or hi > info.max:
            raise ValueError(f"values {lo}..{hi} do not fit {dtype}")
    raw = np.ascontiguousarray(arr.astype(np_type))
    planar = bool(compress) and np_type.itemsize > 1 and raw.nbytes >= _MIN_COMPRESS
    if planar:  # byte planes: all first bytes, then all second bytes...: gzip finds far more repeats
        raw = np.ascontiguousarray(raw.view(np.uint8).reshape(-1, np_type.itemsize).T)
    b, z = _b64(raw.tobytes(), compress)
    out: dict[str, Any] = {"$": "a", "t": dtype, "n": int(arr.size), "b": b}
    if z:
        out["z"] = 1
    if planar and z:
        out["p"] = 1
    if delta:
        out["d"] = 1
    return out


def pack_int(a: Any, *, delta: bool = False, compress: bool = False) -> dict[str, Any]:
    """Integers in the smallest type that holds them (or their differences, with ``delta``)."""
    arr = np.asarray(a, dtype=np.int64)
    v = np.diff(arr, prepend=np.int64(0)) if delta else arr
    lo, hi = (int(v.min()), int(v.max())) if v.size else (0, 0)
    for code in ("u8", "i8", "u16", "i16", "u32", "i32"):
        info = np.iinfo(DTYPES[code])
        if lo >= info.min and hi <= info.max:
            if delta and code == "u32":
                continue  # the page sums deltas into an Int32Array
            return pack(arr, code, delta=delta, compress=compress)
    raise ValueError(f"integers {lo}..{hi} do not fit 32 bits")


def pack_strings(values: Any, *, compress: bool = False) -> dict[str, Any]:
    """A list of strings, packed.

    Ids of the form ``prefix + digits`` with one prefix and either no leading zeros or one fixed
    width (``R0000001``) become packed integers (``{"p": prefix, "w": width, "i": ...}``); any
    other list becomes one ``"\\n"``-joined text (newlines inside a value become spaces).
    """
    vals = ["" if v is None else str(v) for v in values]
    ids = _as_ids(vals)
    if ids is not None:
        prefix, width, ints = ids
        return {"$": "s", "p": prefix, "w": width, "i": pack_int(ints, delta=True, compress=compress)}
    text = "\n".join(v.replace("\r", " ").replace("\n", " ") for v in vals)
    if compress and len(text) >= _MIN_COMPRESS:
        b, _ = _b64(text.encode("utf-8"), True)
        return {"$": "s", "n": len(vals), "sz": b}
    return {"$": "s", "n": len(vals), "s": text}


def _as_ids(vals: list[str]) -> tuple[str, int, np.ndarray] | None:
    """``(prefix, width, integers)`` when every value is one prefix followed by 1–9 digits, either
    all of one width with leading zeros (``R0000001``) or none with a leading zero; else None."""
    if not vals:
        return None
    lo, hi = min(vals), max(vals)  # the common prefix of all is that of the first and last in order
    k = 0
    while k < min(len(lo), len(hi)) and lo[k] == hi[k]:
        k += 1
    prefix = lo[:k].rstrip("0123456789")
    n = len(prefix)
    digits = [v[n:] for v in vals]
    if not all(0 < len(d) <= 9 and d.isdigit() and d.isascii() for d in digits):
        return None
    widths = {len(d) for d in digits}
    padded = len(widths) == 1 and any(len(d) > 1 and d[0] == "0" for d in digits)
    if not padded and any(len(d) > 1 and d[0] == "0" for d in digits):
        return None
    return prefix, (widths.pop() if padded else 0), np.array([int(d) for d in digits], dtype=np.int64)


def unpack(o: Any) -> Any:
    """The Python twin of the page's decoder: a packed dict back to a numpy array or a list of str.

    Anything that is not a packed dict is returned unchanged.
    """
    if not isinstance(o, dict) or "$" not in o:
        return o
    if o["$"] == "a":
        raw = base64.b64decode(o["b"])
        if o.get("z"):
            raw = gzip.decompress(raw)
        dt = np.dtype(DTYPES[o["t"]]).newbyteorder("<")
        if o.get("p"):
            raw = np.frombuffer(raw, dtype=np.uint8).reshape(dt.itemsize, -1).T.copy().tobytes()
        a = np.frombuffer(raw, dtype=dt)
        if o.get("d"):
            a = np.cumsum(a.astype(np.int64)).astype(np.int32)
        return a
    if "i" in o:
        ints = unpack(o["i"])
        w = int(o["w"])
        return [f"{o['p']}{int(v):0{w}d}" if w else f"{o['p']}{int(v)}" for v in ints]
    text = gzip.decompress(base64.b64decode(o["sz"])).decode("utf-8") if "sz" in o else o["s"]
    n = int(o["n"])
    return text.split("\n") if n else []


def spatial_order(x: np.ndarray, y: np.ndarray, *, bands: int = 300) -> np.ndarray:
    """An order that keeps nearby points next to each other: rows of ``bands`` bands, west to east.

    Sorting residences and streets this way makes coordinate differences small and neighbours'
    serving facilities equal, which is what lets the packed arrays compress (a boustrophedon
    would save little more).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    y0 = float(y[ok].min()) if ok.any() else 0.0
    h = (float(y[ok].max()) - y0) if ok.any() else 0.0
    band = np.floor((np.where(ok, y, y0) - y0) / (h / bands if h > 0 else 1.0))
    return np.lexsort((np.where(ok, x, np.inf), band))
