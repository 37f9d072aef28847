"""Small file helpers shared across the rooms: JSON-ready values, atomic writes, and reading vector
files (GeoPackage, Shapefile, GeoJSON, FlatGeobuf) with the right text encoding."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["dbf_encoding", "json_ready", "read_vector", "write_atomic", "write_json_atomic"]


def json_ready(o: Any) -> Any:
    """``o`` with numpy scalars, paths and tuples made plain JSON types; NaN and inf become None."""
    if isinstance(o, dict):
        return {str(k): json_ready(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_ready(v) for v in o]
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, (float, np.floating)):
        return float(o) if math.isfinite(o) else None
    if isinstance(o, Path):
        return str(o)
    return o


def write_atomic(path: Path, text: str) -> None:
    """Write a text file under a temporary name beside it, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are for everyone who reads them
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """:func:`write_atomic` of ``data`` as indented UTF-8 JSON (NaN/inf written as null)."""
    write_atomic(path, json.dumps(json_ready(data), ensure_ascii=False, indent=2) + "\n")


# ------------------------------------------------------------------------------------------------
# vector files with the right text encoding
# ------------------------------------------------------------------------------------------------
def dbf_encoding(shp: Path) -> str | None:
    """The text encoding of a Shapefile's DBF when nothing in the files says it, else None.

    GDAL honours a ``.cpg`` file and the DBF's language-driver byte (LDID, e.g. 0x4D = GBK);
    without either it assumes ISO-8859-1, which turns GBK and UTF-8 text into mojibake. Then
    the field names and the first 2 MB of records are decoded: UTF-8 when they decode as UTF-8,
    else GB18030 (a superset of GBK and GB2312) when they decode as that, else None (GDAL's
    default stays).
    """
    shp = Path(shp)
    if shp.suffix.lower() != ".shp" or any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32 or head[29] != 0:  # a language driver is named: GDAL reads it
            return None
        header_len = int.from_bytes(head[8:10], "little")
        record_len = max(int.from_bytes(head[10:12], "little"), 1)
        names = fh.read(max(header_len - 32, 0))
        body = fh.read(record_len * max(1, (2 << 20) // record_len))
    blob = names + body
    if all(b < 0x80 for b in blob):
        return None  # plain ASCII: any encoding reads it
    for enc in ("utf-8", "gb18030"):
        try:
            blob.decode(enc)
            return "UTF-8" if enc == "utf-8" else "GB18030"
        except UnicodeDecodeError:
            continue
    return None


def read_vector(path: str | Path, *, layer: str | int | None = None, encoding: str | None = None, what: str = "file") -> Any:
    """Read a GeoPackage, Shapefile, GeoJSON or FlatGeobuf layer (pyogrio) as a GeoDataFrame.

    Text is decoded with ``encoding`` when given, else as the files say (``.cpg``, the DBF's
    language driver, UTF-8 for GeoPackage/GeoJSON), else as detected by :func:`dbf_encoding`
    (a Shapefile from Chinese software without a ``.cpg`` is usually GBK).

    Raises
    ------
    MissingFileError, InputError
        A missing file, an unknown layer, or a file GDAL cannot read (the message names it).
    """
    import pyogrio

    from siting.errors import InputError, MissingFileError, Msg

    p = Path(path)
    if not p.exists():
        raise MissingFileError(Msg("{what} not found: {p}: check the path (relative to the scenario file)", what=what, p=p))
    enc = encoding or dbf_encoding(p)
    try:
        layers = [str(r[0]) for r in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises its own DataSourceError subclasses
        raise InputError(Msg("{what} {name} cannot be read ({exc}): use GeoPackage, Shapefile, GeoJSON or FlatGeobuf",
                             what=what,
                             name=p.name,
                             exc=exc)) from exc
    if isinstance(layer, str) and layer not in layers:
        raise InputError(Msg("{what} {name} has no layer {layer!r}: use one of {v1}",
                             what=what,
                             name=p.name,
                             layer=layer,
                             v1=', '.join(map(repr, layers))))
    if layer is None and len(layers) > 1:
        raise InputError(Msg("{what} {name} has {v1} layers ({v2}): name one with layer = \"...\"",
                             what=what,
                             name=p.name,
                             v1=len(layers),
                             v2=', '.join(map(repr, layers))))
    try:
        gdf = pyogrio.read_dataframe(p, layer=layer, encoding=enc)
    except LookupError as exc:
        raise InputError(Msg("{what} {name}: unknown encoding {encoding!r}: use e.g. \"GBK\", \"GB18030\" or \"UTF-8\"",
                             what=what,
                             name=p.name,
                             encoding=encoding)) from exc
    except Exception as exc:
        raise InputError(Msg("{what} {name} cannot be read ({exc}): check the file, its layer and encoding",
                             what=what,
                             name=p.name,
                             exc=exc)) from exc
    gdf.attrs["encoding"] = enc or "as declared"
    return gdf
