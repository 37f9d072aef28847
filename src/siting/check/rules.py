"""The catalog's rules in ``siting check``, and where each line's figures are written.

:func:`rule_lines` turns one rule of the scenario's standard (``[[rules]]``; see
:class:`siting.standards.Rule`) into check lines; :func:`threshold_cite`, :func:`area_cite` and
:func:`rate_of` find the document and clause of a threshold, an area norm and the m² per 100
households, so that the report can cite every figure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from siting.check.result import RATE_SOURCE, WHOLE, CheckLine, Status
from siting.errors import SitingError
from siting.inputs import Development
from siting.results import RunResult
from siting.scenario import Scenario
from siting.standards import Category, Citation, Rule, Standard, label, load_standard

__all__ = ["add_planned_remedy", "area_cite", "rate_of", "rule_lines", "rule_remedies", "scenario_standard", "threshold_cite"]


def _r(v: float | None, nd: int = 1) -> float | None:
    if v is None:
        return None
    return round(float(v), nd)


def rate_of(std: Standard | None = None) -> tuple[float, Citation | None]:
    """m² per 100 households and its citation: the scenario's standard (its layers included)
    where it has the indicator, else the 14th Five-Year plan (:data:`RATE_SOURCE`)."""
    name, key = RATE_SOURCE
    for s in (std, load_standard(name)):
        if s is None:
            continue
        ind = next((i for i in s.indicators if i.key == key and i.value is not None), None)
        if ind is not None:
            return float(ind.value), ind.citation  # type: ignore[arg-type]
    return 30.0, None


def scenario_standard(sc: Scenario) -> Standard | None:
    """The scenario's standard with its layers, or ``None`` when it names none."""
    return load_standard(sc.standard) if sc.standard else None


def threshold_cite(cat: Category, std: Standard | None, level: str | None) -> Citation | None:
    """Where a category's threshold comes from: the standard's entry, the scenario, or the source
    document of the category table's default."""
    if cat.status == "override":
        return Citation("scenario", label("set_in_scenario", "zh"), label("set_in_scenario", "en"), status="override")
    if std is not None:
        e = std.threshold_entry(cat.key, level)
        if e is not None and e.citation is not None and e.threshold == cat.threshold:
            return e.citation
    return document_cite(cat.source, cat.status, cat)


def document_cite(key: str, status: str = "", category: Category | None = None) -> Citation | None:
    """The citation of the document ``key``: its entry for ``category`` with the same threshold
    where it has one (with the entry's ref), else the document itself."""
    try:
        std = load_standard(key, layered=False)
    except SitingError:
        return None
    if category is not None:
        for e in std.entries:
            if e.category == category.key and e.threshold == category.threshold and e.citation is not None:
                return dataclasses.replace(e.citation, status=status or e.citation.status)
    return dataclasses.replace(std.citation, status=status) if std.citation is not None else None


def area_cite(cat: Category, std: Standard | None, level: str | None) -> Citation | None:
    """Where a category's area norm comes from (the top entry that gives it), if known."""
    if cat.area_norm_m2 is None:
        return None
    found = None
    pools = [std.entries_at(level)] if std is not None else []
    pools.append(list(load_standard("complete-community-2020", layered=False).entries))
    for pool in pools:
        for e in pool:
            if e.category == cat.key and e.area_norm_m2 == cat.area_norm_m2:
                found = e.citation
        if found is not None:
            return found
    return None


def rule_lines(rule: Rule, dev: Development, lines: list[CheckLine], run: RunResult) -> list[CheckLine]:
    """The lines of one catalog rule (one per category for a provision rule)."""
    cite = (rule.citation,) if rule.citation is not None else ()
    base: dict[str, Any] = {"rule": rule.key, "kind": rule.kind, "value": rule.value, "unit": rule.unit,
                            "comparison": rule.comparison, "source": rule.source}

    def line(category: str, status: Status, reason: str, **nums: Any) -> CheckLine:
        return CheckLine(category, rule.key, status, reason, {**base, **nums}, cite=cite, rule=rule)

    if rule.kind == "planned_area":
        key = str(rule.category)
        got = dev.planned.get(key)
        if got is None:
            return [line(key, "fail", "rule_not_planned", measured=None)]
        ok = bool(rule.passes(got))
        return [line(key, "pass" if ok else "fail", "rule_planned_enough" if ok else "rule_planned_too_small", measured=got)]
    if rule.kind == "property":
        prop = str(rule.property)
        got = dev.areas.get(prop)
        where = rule.category or WHOLE
        if got is None:
            return [line(where, "fail", "rule_property_missing", property=prop, measured=None)]
        ok = bool(rule.passes(got))
        return [line(where, "pass" if ok else "fail", "rule_property_enough" if ok else "rule_property_too_small",
                     property=prop, measured=got)]
    if rule.kind == "floor_share":
        total = dev.areas.get("total_floor_area_m2")
        commercial = float(dev.areas.get("commercial_floor_area_m2", 0.0))
        services = float(sum(dev.planned.values()))
        nums = {"total_floor_area_m2": total, "commercial_floor_area_m2": commercial, "planned_services_m2": services}
        if total is None or total <= 0:
            return [line(WHOLE, "not_assessable", "rule_total_unknown", measured=None, **nums)]
        share = (commercial + services) / total
        ok = bool(rule.passes(share))
        return [line(WHOLE, "pass" if ok else "fail", "rule_share_enough" if ok else "rule_share_too_small",
                     measured=share, **nums)]
    # provision: planned in the development, or an existing one in reach with capacity
    out = []
    measured = {c.key for c in run.categories}
    for key in rule.categories:
        planned = dev.planned.get(key)
        if planned is not None and planned > 0:
            out.append(line(key, "pass", "rule_provision_planned", planned_m2=planned))
            continue
        if key not in measured:
            out.append(line(key, "not_assessable", "rule_provision_not_measured", planned_m2=planned))
            continue
        dist = next(ln for ln in lines if ln.category == key and ln.check == "distance")
        cap = next((ln for ln in lines if ln.category == key and ln.check == "capacity"), None)
        nums = {k: dist.numbers.get(k) for k in ("distance_m", "threshold", "threshold_m", "facility_id", "facility_name")}
        if dist.reason != "within_threshold" or cap is None:
            out.append(line(key, "fail", "rule_provision_none", planned_m2=planned, **nums))
            continue
        nums["m2_per_100_households_after"] = cap.numbers.get("m2_per_100_households_after")
        if cap.status == "pass":
            out.append(line(key, "pass", "rule_provision_in_reach", planned_m2=planned, **nums))
        elif cap.status == "not_assessable":
            out.append(line(key, "not_assessable", "rule_provision_capacity_unknown", planned_m2=planned, **nums))
        else:
            out.append(line(key, "fail", "rule_provision_over_capacity", planned_m2=planned, **nums))
    return out


def add_planned_remedy(remedies: list[dict[str, Any]], category: str, m2: float | None, rule: str | None = None) -> None:
    """Ask for ``m2`` of ``category`` inside the development (``None``: one, of any size), merged
    with an earlier request for the same category (the larger area wins)."""
    old = next((r for r in remedies if r["kind"] == "planned_area" and r["category"] == category), None)
    new = {"category": category, "kind": "planned_area", "planned_m2": m2, **({"rule": rule} if rule else {})}
    if old is None:
        remedies.append(new)
    elif m2 is not None and (old.get("planned_m2") is None or old["planned_m2"] < m2):
        old.clear()
        old.update(new)


def rule_remedies(ln: CheckLine, remedies: list[dict[str, Any]]) -> None:
    """What would make a failing rule line pass, merged into ``remedies``."""
    rule = ln.rule
    if rule is None or ln.status != "fail":
        return
    n = ln.numbers
    if rule.kind in ("planned_area", "provision"):
        want = float(rule.value) if rule.kind == "planned_area" and rule.value is not None else None
        add_planned_remedy(remedies, ln.category, want, rule.key)
    elif rule.kind == "property" and rule.value is not None:
        remedies.append({"category": ln.category, "kind": "property", "property": rule.property,
                         "at_least_m2": rule.value, "rule": rule.key})
    elif rule.kind == "floor_share" and rule.value is not None and n.get("total_floor_area_m2"):
        have = n["commercial_floor_area_m2"] + n["planned_services_m2"]
        need = rule.value * n["total_floor_area_m2"] - have
        remedies.append({"category": ln.category, "kind": "floor_share", "extra_m2": _r(max(need, 0.0), 1),
                         "strict": rule.comparison == ">", "rule": rule.key})
