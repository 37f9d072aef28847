"""Data tables shipped with siting (category tags, standards catalogs, code tables)."""
