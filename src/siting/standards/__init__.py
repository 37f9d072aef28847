"""Service categories, the planning-standards catalog, indicators' definitions, zh/en labels.

Room for: the category table (``data/categories.toml``), the catalog of standards documents
(``data/standards/*.toml``: national, provincial and local catalogs, a local one layered over the
national ones it ``extends``; each figure with its citation — document, number, date, clause —
and status), its schema, the rules ``siting check`` tests, Amap type codes, choosing a run's
categories, and the bilingual labels.

May import: the ground floor only. The computation of indicators from a run lives above, in
:mod:`siting.indicators`.
"""

from siting.standards import errtext as _errtext  # noqa: F401  (installs the messages' Chinese)
from siting.standards.amap import load_amap_table, map_amap_typecodes
from siting.standards.catalog import (
    Citation,
    Indicator,
    Level,
    Rule,
    Standard,
    StandardEntry,
    list_standards,
    load_standard,
    validate_catalog,
)
from siting.standards.categories import Category, load_categories, osm_query_tags
from siting.standards.labels import LABELS, label, labels
from siting.standards.lang import LANGUAGES, normalise_lang
from siting.standards.resolve import resolve_categories

__all__ = [
    "LABELS",
    "LANGUAGES",
    "Category",
    "Citation",
    "Indicator",
    "Level",
    "Rule",
    "Standard",
    "StandardEntry",
    "label",
    "labels",
    "list_standards",
    "load_amap_table",
    "load_categories",
    "load_standard",
    "map_amap_typecodes",
    "normalise_lang",
    "osm_query_tags",
    "resolve_categories",
    "validate_catalog",
]
