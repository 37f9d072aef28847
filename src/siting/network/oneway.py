"""One-way streets in a line layer: which way each line may be driven.

With ``directed=True`` (the drive profile), :func:`siting.network.lines.lines_to_arrays` reads
them here. A line's allowed direction is the
direction it is drawn in (first vertex to last). It is one-way when its value in the one-way
column (``oneway_column``, default the first of :data:`ONEWAY_COLUMNS` present) says so, or, where
that value is blank, when its class is one of ``oneway_classes``. Values (case ignored; the
conventions of OSM, osmnx, Esri and HERE):

* one-way as drawn: ``yes``, ``true``, ``1``, ``oneway``, ``FT`` (Esri: from–to), ``F`` (HERE
  and osmnx: from the reference node), ``单向``, ``单行``, ``是``, ``正向``, ``顺向`` ...;
* one-way against the drawing: ``-1``, ``reverse``, ``TF`` (Esri), ``T`` (HERE and osmnx),
  ``逆向``, ``反向`` — such a line is reversed first, so that its pieces run the allowed way;
* two-way: ``no``, ``false``, ``0``, ``B`` / ``N`` (Esri, HERE: both), ``双向``, ``否``,
  ``reversible``, ``alternating`` — and blank.

``oneway_values`` maps other values (or overrides these) to ``"forward"``, ``"reverse"`` or
``"no"`` (e.g. the NavInfo codes ``{"1": "no", "2": "forward", "3": "reverse"}``). A value that is
in neither list is an error naming it, its count and its first features (no guess: a one-way
street taken the wrong way changes every distance behind it); so is a column that holds only ``T``
and ``F``, which mean reverse/forward (HERE) in one convention and true/false in another. Every
piece of a one-way line is a one-way segment (``oneway`` in the arrays returned). Without
``directed`` the one-way rules are not read: walking and cycling go both ways.

May import: numpy, pandas, :mod:`siting.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, Msg

__all__ = ["ONEWAY_COLUMNS", "ONEWAY_VALUES", "directions"]

#: Columns recognised as the one-way column when ``oneway_column`` is not given (lower case).
ONEWAY_COLUMNS = ("oneway", "one_way", "单行", "单向", "是否单行", "是否单向", "单行道", "单行线", "单向通行")

#: One-way values (lower case) and what they mean: the line may be travelled as drawn, against it, both ways.
ONEWAY_VALUES: dict[str, str] = {
    **dict.fromkeys(("yes", "y", "true", "1", "oneway", "one_way", "one-way", "ft", "f", "单向", "单行", "单行道",
                     "单行线", "是", "正向", "顺向"), "forward"),
    **dict.fromkeys(("-1", "reverse", "tf", "t", "逆向", "反向"), "reverse"),
    **dict.fromkeys(("no", "n", "false", "0", "b", "both", "two_way", "twoway", "two-way", "双向", "双行", "否",
                     "reversible", "alternating"), "no"),
}
_ONEWAY_MEANINGS = ("forward", "reverse", "no")


def _oneway_text(raw: pd.Series) -> pd.Series:
    """The one-way column as stripped lower-case text; blank for missing; whole numbers without ``.0``."""
    num = pd.to_numeric(raw, errors="coerce")
    whole = num.notna() & (num == num.round()) & raw.map(lambda v: not isinstance(v, (bool, np.bool_)))
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip().str.lower()
    text[whole] = num[whole].astype(np.int64).astype(str)
    return text.where(~text.isin(("nan", "none", "null", "<na>")), "")


def directions(frame: pd.DataFrame, col: str | None, klass: pd.Series, keep: np.ndarray, *, values: Mapping[str, str] = {},
               classes: Sequence[str] = ()) -> tuple[np.ndarray, dict[str, Any]]:
    """Per line: 0 two-way, 1 one-way as drawn, -1 one-way against the drawing; and what was read.

    ``col`` is the one-way column (None: none), ``klass`` the road class per line, ``values`` the
    user's extra values (value → forward / reverse / no), ``classes`` the road classes one-way as
    drawn where the column is blank. Only the lines kept (``keep``: lines, of the classes
    walked/driven) are read. Raises
    :class:`InputError` naming every value it does not know (with counts and the first features,
    1 = the first) and a column of only ``T``/``F`` (ambiguous), with the fix.
    """
    out = np.zeros(len(frame), dtype=np.int8)
    blank = np.ones(len(frame), dtype=bool)
    user = {str(k).strip().lower(): str(v).strip().lower() for k, v in values.items()}
    bad = sorted(k for k, v in user.items() if v not in _ONEWAY_MEANINGS)
    if bad:
        raise InputError(Msg("network.lines.oneway_values: {bad}: map each value to \"forward\" (one-way as drawn), \"reverse\" "
                             "(against the drawing) or \"no\" (two-way)",
                             bad=", ".join(f"{k!r} = {values.get(k, user[k])!r}" for k in bad)))
    if col is not None:
        text = _oneway_text(frame[col])
        blank = (text == "").to_numpy() | ~keep
        seen = set(text[~blank].unique())
        if seen and seen <= {"t", "f"} and not {"t", "f"} <= set(user):
            raise InputError(
                Msg("network.lines.oneway_column {col!r} holds only T and F: in the HERE / osmnx convention F is one-way "
                    "as drawn and T one-way against it (B both ways), elsewhere they mean true and false; say which: "
                    "network.lines.oneway_values = {{ T = \"reverse\", F = \"forward\" }} or {{ T = \"forward\", F = \"no\" }}",
                    col=col)
            )
        table = {**ONEWAY_VALUES, **user}
        meaning = text.map(table)
        unknown = ~blank & meaning.isna().to_numpy()
        if unknown.any():
            parts = []
            at = np.flatnonzero(unknown)
            vals = text.to_numpy()[at]
            for val in sorted(set(vals)):
                rows = at[vals == val]
                first = ", ".join(str(int(r) + 1) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
                parts.append(Msg("{val!r} on {n} lines (features {first})", val=val, n=len(rows), first=first) if len(rows) > 1
                             else Msg("{val!r} on 1 line (feature {first})", val=val, first=first))
            raise InputError(
                Msg("network.lines.oneway_column {col!r} has values siting does not know: {v1}: map each in "
                    "network.lines.oneway_values to \"forward\" (one-way as drawn), \"reverse\" (one-way against the "
                    "drawing) or \"no\" (two-way), e.g. oneway_values = {{ \"2\" = \"forward\", \"3\" = \"reverse\" }}",
                    col=col,
                    v1=Msg.join(parts, "; ", "；"))
            )
        code = meaning.map({"forward": 1, "reverse": -1, "no": 0}).fillna(0).to_numpy(dtype=np.int8)
        out = np.where(blank, 0, code).astype(np.int8)
    by_class = np.zeros(len(frame), dtype=bool)
    if classes:
        by_class = blank & keep & klass.isin([str(c) for c in classes]).to_numpy()
        out[by_class] = 1
    info = {"column": str(col) if col is not None else None, "classes": [str(c) for c in classes],
            "lines_forward": int((out == 1).sum()), "lines_reverse": int((out == -1).sum()),
            "lines_by_class": int(by_class.sum())}
    return out, info
