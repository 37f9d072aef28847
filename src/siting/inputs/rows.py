"""Bad rows flagged, good rows kept: the rows dropped from input files, with where and why.

A loader checks every row of a file (coordinates, counts, categories, ids) and drops the bad
ones instead of refusing the file; each dropped row is recorded with the file, its row number as
the file shows it (the header is row 1; for GIS files the feature number, 1 = the first), its
values and a reason. The run goes on and reports them (console, report, ``summary.json``,
``rejected_rows.csv``); ``strict = true`` turns any of them into an error. A file where most
rows are bad (more than :data:`MOSTLY_BAD`) is an error, not a run: the problem is then the
file's columns, separator, encoding or CRS, not a few rows.

Reasons are codes (:data:`REASONS`) with their numbers, so that the report can say them in the
run's language (labels ``reject_<code>`` in :mod:`siting.standards.labels`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import CRSError, InputError, Msg, ScenarioError

__all__ = ["MOSTLY_BAD", "REASONS", "RejectedRows", "RowCheck", "describe"]

logger = logging.getLogger(__name__)

#: A file with more than this share of bad rows is refused as a whole.
MOSTLY_BAD = 0.5

#: Reason codes and what each means (their sentences, in English and Chinese, are the labels
#: ``reject_<code>`` of :mod:`siting.standards.labels`; ``reason_<code>`` are short forms).
REASONS: dict[str, str] = {
    "missing_coordinates": "no coordinates",
    "bad_coordinates": "a coordinate is not a number",
    "out_of_range": "coordinates outside the range of degrees",
    "swapped": "longitude and latitude swapped",
    "far_away": "far outside the network area (a wrong coordinate)",
    "no_geometry": "a GIS feature without geometry",
    "not_number": "a count, cost or area is not a number",
    "missing_value": "a required value is empty",
    "negative": "a count, cost or area is negative",
    "no_population": "neither population nor households",
    "unknown_category": "a category that is not known",
    "duplicate_id": "an id given to an earlier row",
    "off_network": "a facility farther than travel.max_snap from every street",
    "entrance_outside": "an entrance next to no compound",
}

_COLUMNS = ["file", "input", "row", "reason", "column", "value", "extra", "values"]


def describe(reason: str, column: Any = "", value: Any = "", extra: Any = "", lang: str = "en") -> str:
    """One rejected row's reason as a sentence in ``lang`` (``"en"`` or ``"zh"``)."""
    from siting.standards import label

    vals = {"column": "" if column is None else str(column), "value": "" if value is None else str(value),
            "extra": "" if extra is None else str(extra)}
    if reason not in REASONS:
        return str(reason)
    return label(f"reject_{reason}", lang, **vals)


@dataclass
class RejectedRows:
    """Rows dropped from the input files of a run (one record per dropped row).

    Loaders append to it; :meth:`frame` is the ``rejected_rows.csv`` table. ``strict`` makes
    :meth:`raise_if_strict` refuse the run when any row was dropped.
    """

    strict: bool = False
    _parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, frame: pd.DataFrame) -> None:
        """Append rows with the columns of :data:`_COLUMNS` (``file``, ``input``, ``row`` ...)."""
        if len(frame):
            self._parts.append(frame[_COLUMNS])

    def __len__(self) -> int:
        return int(sum(len(p) for p in self._parts))

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """Every dropped row: file, input, row, reason (code), detail (in ``lang``), values."""
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in ["file", "input", "row", "reason", "detail", "values"]})
        f = pd.concat(self._parts, ignore_index=True)
        f["detail"] = [describe(r, c, v, e, lang) for r, c, v, e in zip(f["reason"], f["column"], f["value"], f["extra"])]
        return f[["file", "input", "row", "reason", "detail", "values"]].sort_values(["input", "file", "row"], kind="stable") \
            .reset_index(drop=True)

    def counts(self) -> dict[str, dict[str, Any]]:
        """Per file: how many rows were dropped and why (reason code → rows)."""
        if not self._parts:
            return {}
        f = pd.concat(self._parts, ignore_index=True)
        out: dict[str, dict[str, Any]] = {}
        for (inp, name), grp in f.groupby(["input", "file"], sort=False):
            out[str(name)] = {"input": str(inp), "rows": int(len(grp)),
                              "reasons": {str(k): int(v) for k, v in grp["reason"].value_counts().items()}}
        return out

    def lines(self, lang: str = "en") -> list[str]:
        """One line per file, in ``lang`` (for the console and logs)."""
        from siting.standards import label

        out = []
        sep = label("list_sep", lang)
        for name, c in self.counts().items():
            why = sep.join(f"{n} {_short(r, lang)}" for r, n in c["reasons"].items())
            out.append(label("console_rejected_file", lang, input=_input_name(c["input"], lang),
                             name=name, rows=c["rows"], why=why))
        return out

    def raise_if_strict(self, limit: int = 30) -> None:
        """In strict mode, refuse the run when any row was dropped (every row listed, up to ``limit``)."""
        if not self.strict or not len(self):
            return
        en, zh = self.frame("en").head(limit), self.frame("zh").head(limit)
        problems: list[str] = [
            Msg("{input:w} file {file}, row {row}: {detail} (values: {values}): fix or remove the row", input=r.input,
                file=r.file, row=r.row, values=r.values, detail=Msg.texts(en=r.detail, zh=z.detail))
            for r, z in zip(en.itertuples(index=False), zh.itertuples(index=False))]
        f = self.frame()
        if len(f) > limit:
            problems.append(Msg("... and {v1} more rows (strict = true refuses any bad row; remove it to drop them)", v1=len(f) - limit))
        raise ScenarioError(problems, Msg("strict mode"))


class RowCheck:
    """The checks of one file: flag bad rows, then keep the good ones.

    Parameters
    ----------
    frame : DataFrame
        The file's rows (text or values), in file order.
    rows : array of int
        Each row's number as the file shows it.
    name, what : str
        The file name and the input (``"demand"``, ``"facilities"``, ``"candidates"``).
    """

    def __init__(self, frame: pd.DataFrame, rows: Sequence[int] | np.ndarray, name: str, what: str,
                 value_columns: Sequence[Any] | None = None) -> None:
        self.frame = frame
        self.rows = np.asarray(rows, dtype=np.int64)
        self.name, self.what = name, what
        self.bad = np.zeros(len(frame), dtype=bool)
        self._reason = np.full(len(frame), "", dtype=object)
        self._column = np.full(len(frame), "", dtype=object)
        self._value = np.full(len(frame), "", dtype=object)
        self._extra = np.full(len(frame), "", dtype=object)
        self._values_cols = [c for c in (value_columns if value_columns is not None else frame.columns) if c in frame.columns]

    def flag(self, mask: Any, reason: str, column: Any = "", value: Any = None, extra: Any = None) -> int:
        """Flag rows (the first reason of a row wins); ``value``/``extra`` may be per-row arrays."""
        m = np.asarray(mask, dtype=bool) & ~self.bad
        if not m.any():
            return 0
        self._reason[m] = reason
        self._column[m] = "" if column is None else str(column)
        if value is None and column in self.frame.columns:
            value = self.frame[column].to_numpy()
        for target, v in ((self._value, value), (self._extra, extra)):
            if v is None:
                continue
            arr = np.asarray(v, dtype=object)
            target[m] = arr[m] if arr.ndim and len(arr) == len(m) else v
        self.bad |= m
        return int(m.sum())

    @property
    def good(self) -> np.ndarray:
        """Mask of the rows that passed every check so far."""
        return ~self.bad

    def _values(self, idx: np.ndarray) -> list[str]:
        cols = self._values_cols
        sub = self.frame.iloc[idx][cols]
        return ["; ".join(f"{c}={'' if v is None or (isinstance(v, float) and np.isnan(v)) else v}" for c, v in zip(cols, row))
                for row in sub.itertuples(index=False)]

    def rejected(self) -> pd.DataFrame:
        """The flagged rows in the layout of :class:`RejectedRows`."""
        idx = np.flatnonzero(self.bad)
        return pd.DataFrame({
            "file": self.name, "input": self.what, "row": self.rows[idx], "reason": self._reason[idx],
            "column": self._column[idx], "value": [_text(v) for v in self._value[idx]],
            "extra": [_text(v) for v in self._extra[idx]], "values": self._values(idx),
        })

    def finish(self, rejected: RejectedRows | None, *, hint: str = "") -> np.ndarray:
        """Record the flagged rows and return the mask of good rows.

        Raises
        ------
        InputError
            When more than :data:`MOSTLY_BAD` of the rows are bad: the file, the counts by
            reason, examples and ``hint`` (what to fix); a :class:`CRSError` when most are
            swapped, out of range or far away.
        """
        n, k = len(self.frame), int(self.bad.sum())
        if k == 0:
            return self.good
        rej = self.rejected()
        if n and k / n > MOSTLY_BAD:
            by = rej["reason"].value_counts()
            ex = list(rej.drop_duplicates("reason").head(3).itertuples(index=False))
            from siting.standards import label

            def counts(lang: str) -> str:
                return label("list_sep", lang).join(f"{v} {_short(str(c), lang)}" for c, v in by.items())

            def examples(lang: str) -> str:
                return "; ".join(Msg("row {row}: {detail}", row=r.row,
                                     detail=describe(r.reason, r.column, r.value, r.extra, lang)).render(lang) for r in ex)

            cls = CRSError if str(by.index[0]) in ("swapped", "out_of_range", "far_away") else InputError
            raise cls(Msg(
                "{what:w} file {name}: {k} of {n} rows are bad ({counts}; e.g. {examples}): so many bad rows point to "
                "the file's columns, separator, encoding or CRS: {fix}", what=self.what, name=self.name, k=k, n=n,
                counts=Msg.texts(en=counts("en"), zh=counts("zh")), examples=Msg.texts(en=examples("en"), zh=examples("zh")),
                fix=hint or Msg("check them")))
        from siting.standards import label
        from siting.standards.logtext import console_lang

        lang = console_lang()  # the reasons in the console's language (the template is translated there)
        logger.warning(
            "%s: %d of %d rows of %s are dropped (%s); listed in rejected_rows.csv", self.what, k, n, self.name,
            label("list_sep", lang).join(f"{v} {_short(str(c), lang)}"
                                         for c, v in rej["reason"].value_counts().items()),
        )
        if rejected is not None:
            rejected.add(rej)
        return self.good


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _input_name(what: str, lang: str) -> str:
    """The input's name in ``lang``: its label in Chinese; in English the key itself, as the
    console has always said it ("demand file …")."""
    from siting.standards.labels import label_or

    return str(what) if lang == "en" else label_or(f"input_{what}", lang, str(what))


def _short(reason: str, lang: str = "en") -> str:
    from siting.standards import label

    return label(f"reason_{reason}", lang) if reason in REASONS else reason
