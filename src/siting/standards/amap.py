"""Amap (高德) POI type codes mapped to siting categories (``data/amap_typecodes.csv``)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from siting.standards.categories import Category, _data_dir, load_categories
from siting.standards.schema import amap_frame, map_codes

__all__ = ["load_amap_table", "map_amap_typecodes"]


logger = logging.getLogger(__name__)


def map_amap_typecodes(typecodes: Any, *, table: Any = None) -> tuple[Any, Any]:
    """Map Amap POI typecodes to category keys.

    Parameters
    ----------
    typecodes : sequence or pandas.Series
        One typecode per POI as exported by Amap: ``"060200"``, ``"060200|060400"`` (several
        types: the first one with a mapping wins) or integers that lost their leading zero.
    table : DataFrame, optional
        A table from :func:`load_amap_table` (default: the shipped ``data/amap_typecodes.csv``).

    Returns
    -------
    categories : pandas.Series
        Category key per POI (same index as ``typecodes``), ``None`` where unmapped or excluded.
    unmapped : pandas.Series
        Count of POIs per typecode that has no row in the table (``"<missing>"`` for empty values),
        most frequent first. Codes marked ``excluded`` are not counted here.

    Warns
    -----
    UserWarning
        When any typecode is unmapped, naming the codes and counts and how to add them.
    """
    import pandas as pd

    codes = typecodes if isinstance(typecodes, pd.Series) else pd.Series(list(typecodes))
    tab = table if table is not None else _default_amap_table()
    keys, bad = map_codes(codes, tab)
    unmapped = bad.value_counts().rename("count")
    unmapped.index.name = "typecode"
    if len(unmapped):
        shown = ", ".join(f"{c} ({n})" for c, n in unmapped.head(10).items())
        more = f" and {len(unmapped) - 10} more" if len(unmapped) > 10 else ""
        warnings.warn(
            f"{int(unmapped.sum())} of {len(codes)} POIs have an Amap typecode with no category: "
            f"{shown}{more}. They are left without a category: add the codes to "
            "data/amap_typecodes.csv (or your own table), with mapping = excluded if they are "
            "not a service",
            UserWarning,
            stacklevel=2,
        )
    logger.info("mapped %d of %d Amap POIs to categories", int(keys.notna().sum()), len(codes))
    return keys, unmapped


def load_amap_table(
    path: str | Path | None = None, *, categories: Mapping[str, Category] | None = None
) -> Any:
    """The Amap typecode → category table as a DataFrame (one row per typecode).

    Parameters
    ----------
    path : str or Path, optional
        A CSV in the format of the shipped ``data/amap_typecodes.csv`` (the default).
    categories : mapping, optional
        Category table the rows must refer to (default :func:`load_categories`).

    Returns
    -------
    pandas.DataFrame
        Columns ``typecode`` (6 digits), ``prefix`` (trailing "00" pairs removed: Amap's
        wildcard rule), ``category`` (empty for excluded codes), ``amap_name_zh``,
        ``amap_name_en``, ``mapping`` (exact / approximate / excluded), ``note``.

    Raises
    ------
    ScenarioError
        Listing every bad row (unknown category, bad code, duplicate, bad mapping value).
    """
    table = categories if categories is not None else load_categories()
    return amap_frame(Path(path) if path is not None else _data_dir() / "amap_typecodes.csv", table)


@lru_cache(maxsize=1)
def _default_amap_table() -> Any:
    return load_amap_table()
