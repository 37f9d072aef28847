"""Tables as Excel writes them: CSV in any common encoding and separator, and ``.xlsx`` sheets.

Planners' tables come from Excel, WPS or an export tool: UTF-8 with or without a byte-order mark,
GBK / GB18030 (Excel's "CSV" on a Chinese Windows), UTF-16 ("Unicode text"), separated by commas,
semicolons or tabs, with decimal commas in some locales and thousands separators ("1,234"). This
module reads them all the same way:

* :func:`read_table` returns every cell as text (exactly as in the file) with the row number
  each row has in the file (the header is row 1), so that a bad row can be reported as the
  planner sees it; blank rows are skipped but keep their numbers.
* :func:`parse_numbers` turns text cells into numbers: thousands separators, decimal commas,
  full-width digits and stray spaces are understood; an empty cell is *missing* and a cell
  that is not a number is *bad*, and the two are told apart.
* :func:`find_column` finds a column by the name the scenario gives, or else by the common
  Chinese and English names (经度 / lng / longitude, 人口 / population ...), ignoring case,
  spaces and a unit in brackets (``人口（人）``).

Encodings are detected in this order: a byte-order mark (UTF-8, UTF-16), UTF-16 without a mark
(many NUL bytes), UTF-8, GB18030 (a superset of GBK and GB2312); ``encoding=`` forces one.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, MissingDependency, MissingFileError, Msg

__all__ = ["ALIASES", "TABLE_SUFFIXES", "Table", "find_column", "parse_numbers", "read_table"]

logger = logging.getLogger(__name__)

#: File suffixes read as tables.
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")

#: Common names of the columns siting looks for (compared lower-cased, spaces and a bracketed
#: unit removed). The scenario's ``*_column`` keys name any other.
ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "longitude", "long", "x", "经度", "经度坐标", "x坐标", "东经"),
    "lat": ("lat", "latitude", "y", "纬度", "纬度坐标", "y坐标", "北纬"),
    "location": ("location", "lnglat", "lonlat", "经纬度", "坐标"),
    "name": ("name", "名称", "名字", "小区名称", "小区名", "设施名称", "站点名称", "poi名称", "村名", "村庄名称", "title"),
    "category": ("category", "类别", "设施类别", "分类", "设施类型"),
    "typecode": ("typecode", "type_code", "类型编码", "类型代码", "分类编码"),
    "population": ("population", "pop", "persons", "residents", "人口", "人口数", "常住人口", "居住人口", "人数", "总人口"),
    "households": ("households", "hh", "户数", "住户数", "总户数", "居民户数", "套数"),
    "id": ("id", "编号", "poi_id", "poiid", "fid"),
    "elderly": ("elderly", "老年人", "老年人口", "60岁以上人口", "老人"),
    "children": ("children", "儿童", "儿童人口", "未成年人"),
    "disabled": ("disabled", "残疾人", "残疾人口"),
    "cost": ("cost", "成本", "造价", "费用", "投资"),
    "floor_area_m2": ("floor_area_m2", "floor_area", "建筑面积", "面积"),
    "categories": ("categories", "可设类别", "可设置类别", "适用类别"),
}

_BRACKETS = re.compile(r"\s*[（(\[【][^）)\]】]*[）)\]】]\s*$")


def _norm(name: Any) -> str:
    s = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").strip().lower()
    return _BRACKETS.sub("", s).replace(" ", "").replace("_", "") or s


def find_column(columns: Sequence[Any], given: str | None, kind: str | None) -> Any | None:
    """The column named ``given`` (exactly, else ignoring case, spaces and a bracketed unit),
    or, when ``given`` is None, the first column with one of the common names of ``kind``.

    Returns None when there is none (the caller says which key to set).
    """
    cols = list(columns)
    if given is not None:
        if given in cols:
            return given
        want = _norm(given)
        return next((c for c in cols if _norm(c) == want), None)
    if kind is None:
        return None
    normed: dict[str, Any] = {}
    for c in cols:
        normed.setdefault(_norm(c), c)
    for alias in ALIASES.get(kind, (kind,)):
        key = _norm(alias)
        if key in normed:
            return normed[key]
    return None


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------
_THOUSANDS_POINT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 1,234.5
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")  # 1.234,5
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f']")


def parse_numbers(values: Any, *, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """Numbers from text cells, and which cells are *bad* (not empty, but not a number).

    Understood: ``1234``, ``1,234`` and ``1 234`` (thousands), ``-0.5``, ``1e3``, full-width
    digits (``１２３``), and with ``decimal=","`` also ``116,4`` and ``1.234,5``.

    Returns
    -------
    values : ndarray of float
        NaN for empty and bad cells.
    bad : ndarray of bool
        True where a cell holds text that is not a number.
    """
    s = pd.Series(values, dtype=object).reset_index(drop=True)
    if decimal == ".":  # the fast path; what it cannot read is looked at one by one below
        out = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    else:
        out = np.full(len(s), np.nan)
    todo = np.flatnonzero(~np.isfinite(out) & s.notna().to_numpy())
    bad = np.zeros(len(s), dtype=bool)
    for i in todo:
        v = s.iat[i]
        if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        t = unicodedata.normalize("NFKC", str(v)).strip()
        if t == "" or t.lower() in ("nan", "null", "none", "na", "n/a", "-", "—", "#n/a"):
            continue
        t = _SPACES.sub("", t).replace("−", "-")
        if decimal == ",":
            if _THOUSANDS_COMMA.match(t):
                t = t.replace(".", "")
            t = t.replace(",", ".") if t.count(",") == 1 else t
        elif _THOUSANDS_POINT.match(t):
            t = t.replace(",", "")
        if _PLAIN.match(t):
            out[i] = float(t)
        else:
            bad[i] = True
    return out, bad


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Table:
    """A table read as text.

    Attributes
    ----------
    frame : DataFrame
        Every cell as text (empty cells are ``""``), columns as in the file.
    rows : ndarray of int
        The row number of each row as the file shows it (header = row 1; for a sheet, the
        row number Excel shows).
    name : str
        The file name (and ``[sheet]``).
    encoding, sep, decimal : str
        As detected or given (``"xlsx"`` for sheets).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    name: str
    encoding: str
    sep: str
    decimal: str


def _decode(raw: bytes, encoding: str | None, name: str, what: str) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError:
            raise InputError(Msg("{what}.encoding = {encoding!r} is not an encoding Python knows: use e.g. \"GBK\", \"GB18030\", \"UTF-8\" "
                                 "or \"UTF-16\"",
                                 what=what,
                                 encoding=encoding)) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                Msg("{what} file {name} is not {encoding} (byte {start} cannot be read as {encoding}): set "
                    "{what}.encoding to the file's encoding, or remove it to detect it",
                    what=what,
                    name=name,
                    encoding=encoding,
                    start=exc.start)
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    head = raw[:4000]
    if len(head) >= 4 and head.count(0) > len(head) // 4:  # UTF-16 without a mark
        enc = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(enc), enc.upper()
        except UnicodeDecodeError:
            pass
    for enc, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return raw.decode(enc), label
        except UnicodeDecodeError:
            continue
    raise InputError(
        Msg("{what} file {name}: its text encoding is not UTF-8, UTF-16 or GBK/GB18030: save it as \"CSV UTF-8\" "
            "from Excel, or set {what}.encoding (e.g. \"big5\")",
            what=what,
            name=name)
    )


def _sniff_sep(text: str) -> str:
    """The separator: the one that splits the header into the most columns, consistently."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    best, best_n = ",", 1
    for sep in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(lines, delimiter=sep))
        except csv.Error:
            continue
        n = len(rows[0])
        if n <= 1:
            continue
        body = rows[1:] or rows
        agree = sum(len(r) == n for r in body) / len(body)
        if agree >= 0.8 and n > best_n:
            best, best_n = sep, n
    return best


_DEC_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_DEC_POINT = re.compile(r"^\s*[+-]?\d+\.\d+\s*$")


def _sniff_decimal(frame: pd.DataFrame, sep: str) -> str:
    """``","`` when the cells hold decimal commas (only possible without a comma separator)."""
    if sep == "," or frame.empty:
        return "."
    sample = frame.head(200).to_numpy().ravel()
    comma = sum(bool(_DEC_COMMA.match(str(v))) for v in sample)
    point = sum(bool(_DEC_POINT.match(str(v))) for v in sample)
    return "," if comma > point else "."


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
    what: str = "input",
) -> Table:
    """Read a CSV / text / ``.xlsx`` table as text, with each row's number in the file.

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
        Force a text encoding (``"GBK"``, ``"UTF-16"`` ...); default: detected.
    sep : str, optional
        Force a separator (``","``, ``";"``, ``"\\t"``); default: detected.
    decimal : str, optional
        ``"."`` or ``","``; default: detected (a comma only in files not separated by commas).
    sheet : str or int, optional
        For ``.xlsx``: the sheet's name, or its number counted from 1; default the first.
    what : str
        The input (``"demand"``, ``"facilities"``), named in messages.
    """
    p = Path(path)
    if not p.exists():
        raise MissingFileError(Msg("{what} file not found: {p}: check the path (relative to the scenario file)", what=what, p=p))
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise InputError(Msg("{what} file {name} is an old Excel .xls workbook: save it as .xlsx (or CSV UTF-8) and use that",
                             what=what,
                             name=p.name))
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(p, sheet, decimal or ".", what)
    if sheet is not None:
        raise InputError(Msg("{what}.sheet is set, but {name} is not an .xlsx workbook: remove {what}.sheet", what=what, name=p.name))
    text, enc = _decode(p.read_bytes(), encoding, p.name, what)
    if sep is None:
        sep = "\t" if suffix == ".tsv" else _sniff_sep(text)
    sep = "\t" if sep in ("\\t", "tab") else sep
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise InputError(Msg("{what} file {name} cannot be read as a table ({exc}): check the separator ({what}.sep)",
                             what=what,
                             name=p.name,
                             exc=exc)) from None
    frame = _tidy(frame)
    rows = np.arange(len(frame), dtype=np.int64) + 2
    frame, rows = _drop_blank(frame, rows)
    dec = decimal or _sniff_decimal(frame, sep)
    logger.info("%s: %s read as %s, separator %r, decimal %r (%d rows)", what, p.name, enc, sep, dec, len(frame))
    return Table(frame.reset_index(drop=True), rows, p.name, enc, sep, dec)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip header names; drop the empty unnamed columns Excel leaves at the right."""
    frame = frame.rename(columns=lambda c: str(c).replace("\ufeff", "").strip())
    drop = [c for c in frame.columns if (c == "" or str(c).startswith("Unnamed:")) and (frame[c].astype(str).str.strip() == "").all()]
    return frame.drop(columns=drop)


def _drop_blank(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    if frame.empty:
        return frame, rows
    blank = (frame.astype(str).apply(lambda s: s.str.strip()) == "").all(axis=1).to_numpy()
    return frame[~blank], rows[~blank]


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _read_xlsx(p: Path, sheet: str | int | None, decimal: str, what: str) -> Table:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise MissingDependency(Msg("reading .xlsx needs openpyxl: pip install openpyxl")) from exc
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException on bad files
        raise InputError(Msg("{what} file {name} cannot be read as an Excel workbook ({exc}): save it again as .xlsx",
                             what=what,
                             name=p.name,
                             exc=exc)) from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb[names[0]]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 1 <= sheet <= len(names):
                raise InputError(Msg("{what}.sheet = {sheet}: {name} has {v1} sheets ({v2}): count from 1",
                                     what=what,
                                     sheet=sheet,
                                     name=p.name,
                                     v1=len(names),
                                     v2=', '.join(names)))
            ws = wb[names[sheet - 1]]
        elif str(sheet) in names:
            ws = wb[str(sheet)]
        else:
            raise InputError(Msg("{what}.sheet = {sheet!r} is not a sheet of {name}: use one of {v1}",
                                 what=what,
                                 sheet=sheet,
                                 name=p.name,
                                 v1=', '.join(map(repr, names))))
        cells = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        title = ws.title
    finally:
        wb.close()
    # the header is the first non-blank row (normally row 1)
    start = next((i for i, r in enumerate(cells) if any(c.strip() for c in r)), None)
    if start is None:
        return Table(pd.DataFrame(), np.zeros(0, dtype=np.int64), f"{p.name} [{title}]", "xlsx", "", decimal)
    header = [c.strip() for c in cells[start]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    body = [(r + [""] * width)[:width] for r in cells[start + 1:]]
    frame = pd.DataFrame(body, columns=header[:width], dtype=str) if body else pd.DataFrame(columns=header[:width], dtype=str)
    frame = _tidy(frame)
    rows = np.arange(len(frame), dtype=np.int64) + start + 2
    frame, rows = _drop_blank(frame, rows)
    logger.info("%s: %s sheet %r read (%d rows)", what, p.name, title, len(frame))
    return Table(frame.reset_index(drop=True), rows, f"{p.name} [{title}]", "xlsx", "", decimal)
