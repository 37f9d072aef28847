"""Planning indicators with pass/fail against the standards' targets.

Measured from facility and demand attributes after a coverage run:

* **comprehensive-facility coverage** — the share of communities (or villages: each demand row is
  a unit, or rows grouped by a ``community`` column) within reach of a community service
  facility, against 100 % (urban) or ≥ 80 % (rural) of the 十四五 community-services plan;
* **floor area per 100 households** — per catchment (the households whose nearest facility,
  within the threshold, is that facility), ``floor_area_m2 ÷ households × 100``, against ≥ 30 m²;
* **area norms** — the share of facilities of each category whose ``floor_area_m2`` meets the
  category's norm (e.g. elderly day care ≥ 350 m², 完整居住社区建设标准(试行) 2020);
* **residents' activity share** — ``activity_area_m2 ÷ floor_area_m2`` ≥ 60 % where both are given;
* **the scenario's catalog indicators that a run can measure** (``measure`` in the catalog; the
  layers of a local catalog included), each for its ``area_type``:

  - ``unit_coverage``: the share of communities (villages) of which a residence reaches a facility
    of the category within its threshold — 汉中 elderly-care facility coverage ≥ 80 %, 晋中 供销
    rural services reaching ≥ 80 % of administrative villages;
  - ``reach``: the share of the population, or of a group, that reaches every one of the
    indicator's categories within its threshold at its speed — 汉中's 15-minute home elderly-care
    circle for older residents at the elderly walking speed, 晋中's daily shopping within a
    15-minute walk.

The figures of the scenario's standard replace the national ones of the same key (a 晋中
scenario judges the m² per 100 households against 晋中's plan, and cites it). An indicator that
cannot be measured (no floor areas in the data, a category the scenario does not measure, no
target) is reported as *not assessable*, never as a pass.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.coverage import CoverageResult, per_residence
from siting.network import Network, Snap, nearest
from siting.standards import Category, Indicator, Standard, label, load_categories, load_standard
from siting.units import parse_threshold, resolve_speed

__all__ = ["catchments", "indicators"]

logger = logging.getLogger(__name__)

#: The catalog that carries the national community-service indicators.
FYP = "14th-FYP-community-services"
#: The category of the community comprehensive service facility (社区综合服务设施).
COMMUNITY = "community_service"
#: Its rural counterpart (村级综合服务站), preferred for ``area_type = "rural"``.
VILLAGE = "village_service"


def catchments(cov: CoverageResult, facilities: pd.DataFrame, categories: Sequence[Category]) -> pd.DataFrame:
    """Who each facility serves: residences covered whose nearest facility it is.

    Returns
    -------
    DataFrame
        One row per facility: ``category``, ``fid``, ``name``, ``residences``, ``population``,
        ``households``, ``floor_area_m2`` (NaN when unknown) and ``m2_per_100_households``.
    """
    r = cov.residences
    rows = []
    for cat in categories:
        fac = facilities[facilities["category"] == cat.key] if len(facilities) else facilities
        if len(fac) == 0:
            continue
        covered = r[r[f"{cat.key}_covered"]]
        g = covered.groupby(f"{cat.key}_fid").agg(
            residences=("rid", "size"), population=("population", "sum"), households=("households", "sum")
        )
        f = pd.DataFrame({"fid": fac["fid"].astype(str).to_numpy(), "name": fac["name"].astype(str).to_numpy()})
        f["floor_area_m2"] = fac["floor_area_m2"].to_numpy(dtype=float) if "floor_area_m2" in fac else np.nan
        f = f.merge(g, left_on="fid", right_index=True, how="left").fillna({"residences": 0, "population": 0.0, "households": 0.0})
        f.insert(0, "category", cat.key)
        with np.errstate(divide="ignore", invalid="ignore"):
            f["m2_per_100_households"] = np.where(f["households"] > 0, f["floor_area_m2"] / f["households"] * 100.0, np.nan)
        rows.append(f)
    if not rows:
        return pd.DataFrame(columns=["category", "fid", "name", "floor_area_m2", "residences", "population", "households", "m2_per_100_households"])
    out = pd.concat(rows, ignore_index=True)
    out["residences"] = out["residences"].astype(int)
    return out


def _zh_name(key: str) -> str:
    """The Chinese name of a category key."""
    from siting.standards import load_categories

    cat = load_categories().get(key)
    return cat.name_zh if cat is not None else key


def _t(lang: str, en: str, zh: str) -> str:
    """The text in the run's language."""
    return zh if lang == "zh" else en


def _row(ind: Any, lang: str, measured: float | None, detail: str, scope: str, passed: bool | None = None,
         key: str | None = None) -> dict[str, Any]:
    if passed is None and ind is not None:
        passed = ind.passes(measured)
    return {
        "indicator": ind.key if ind is not None else (key or scope),
        "name": ind.name(lang) if ind is not None else scope,
        "scope": scope,
        "target": None if ind is None else ind.value,
        "comparison": None if ind is None else ind.comparison,
        "unit": None if ind is None else ind.unit,
        "measured": None if measured is None or (isinstance(measured, float) and not np.isfinite(measured)) else float(measured),
        "result": "not assessable" if passed is None else ("pass" if passed else "fail"),
        "detail": detail,
        "status": None if ind is None else ind.status,
        "source": None if ind is None else f"{ind.source} {ind.ref}".strip(),
        "citation": None if ind is None or ind.citation is None else ind.citation.text(lang),
    }


def _units(cov: CoverageResult, demand: pd.DataFrame, key: str) -> tuple[pd.DataFrame, bool]:
    """Per community (demand column ``community``) or per residence: ``covered`` (any residence
    within the threshold of ``key``) and ``population``; and whether rows were grouped."""
    r = cov.residences[["rid", "population", f"{key}_covered"]].copy()
    if "community" in demand.columns:
        r["unit"] = demand.set_index("rid").loc[r["rid"], "community"].to_numpy()
        return r.groupby("unit").agg(covered=(f"{key}_covered", "any"), population=("population", "sum")), True
    return r.rename(columns={f"{key}_covered": "covered"}), False


def _unit_coverage(ind: Indicator, cov: CoverageResult, demand: pd.DataFrame, cats: dict[str, Category],
                   lang: str) -> dict[str, Any]:
    key = str(ind.category)
    name = (cats.get(key) or _table()[key]).name(lang)
    if key not in cats:
        return _row(ind, lang, None, label("ind_not_measured", lang, service=name, cat=key), "area")
    units, grouped = _units(cov, demand, key)
    n, total = int(units["covered"].sum()), len(units)
    pop = units["population"].sum()
    pop_share = float(units.loc[units["covered"], "population"].sum() / pop) if pop > 0 else float("nan")
    detail = label("ind_unit_coverage", lang, n=n, total=total, service=name, threshold=cats[key].threshold,
                   units=label("ind_units_communities" if grouped else "ind_units_residences", lang),
                   pop="?" if not np.isfinite(pop_share) else f"{pop_share:.1%}")
    return _row(ind, lang, n / total if total else None, detail, "area")


def _reach(ind: Indicator, cov: CoverageResult, cats: dict[str, Category], lang: str,
           network: Network | None, demand_snap: Snap | None, demand_owner: np.ndarray | None = None) -> dict[str, Any]:
    res = cov.residences
    speed = resolve_speed(ind.speed, key=f"indicator {ind.key} speed") if ind.speed else cov.speed_mps
    metres = parse_threshold(str(ind.threshold), key=f"indicator {ind.key} threshold").metres(speed)
    names = {k: (cats.get(k) or _table()[k]).name(lang) for k in ind.categories}
    measured = [k for k in ind.categories if k in cats]
    missing = [k for k in ind.categories if k not in cats]
    if not measured:
        k = ind.categories[0]
        return _row(ind, lang, None, label("ind_not_measured", lang, service=names[k], cat=k), "residents")
    group = ind.group
    if group is not None and group not in res.columns:
        return _row(ind, lang, None, label("ind_no_group", lang, group=group), "residents")
    w = res[group].to_numpy(dtype=float) if group else res["population"].to_numpy(dtype=float)
    ok = np.ones(len(res), dtype=bool)
    rows = cov.categories.set_index("category")
    for k in measured:
        if network is not None and demand_snap is not None and k in cov.facility_snap:
            d = per_residence(nearest(network, cov.facility_snap[k], demand_snap, limit=metres).distance, demand_owner, len(res))
        elif metres <= float(rows.loc[k, "threshold_m"]) + 1e-9:
            d = res[f"{k}_m"].to_numpy(dtype=float)  # exact up to the category threshold, inf beyond the search
        else:
            return _row(ind, lang, None, label("ind_needs_network", lang, metres=f"{metres:,.0f} m"), "residents")
        ok &= np.asarray(d) <= metres + 1e-9
    total = float(np.nansum(w))
    share = float(np.nansum(w[ok]) / total) if total > 0 else None
    args = dict(n=f"{np.nansum(w[ok]):,.0f}", total=f"{total:,.0f}", who=label(f"ind_who_{group or 'all'}", lang),
                services=("、" if lang == "zh" else ", ").join(names[k] for k in measured), threshold=ind.threshold,
                metres=f"{metres:,.0f} m", speed=f"{speed:.2f}")
    if missing:
        detail = label("ind_reach_some", lang, missing=", ".join(missing), **args)
    else:
        detail = label("ind_reach", lang, **args)
    return _row(ind, lang, share, detail, "residents")


def _table() -> dict[str, Category]:
    return load_categories()  # cached in siting.standards


def _standard(standard: Standard | str | None) -> Standard | None:
    if standard is None or isinstance(standard, Standard):
        return standard
    return load_standard(standard)


def indicators(
    cov: CoverageResult,
    demand: pd.DataFrame,
    facilities: pd.DataFrame,
    categories: Sequence[Category],
    *,
    area_type: str = "urban",
    lang: str = "en",
    standard: Standard | str | None = None,
    network: Network | None = None,
    demand_snap: Snap | None = None,
    demand_owner: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Measure the indicators of a run.

    Parameters
    ----------
    cov : CoverageResult
    demand : DataFrame
        Residences (``rid``; optional ``community`` to group rows into communities/villages).
    facilities : DataFrame
        With ``category``, ``fid``, optional ``floor_area_m2`` and ``activity_area_m2`` (m²).
    categories : sequence of Category
    area_type : str
        ``"urban"`` (coverage target 100 %) or ``"rural"`` (≥ 80 %).
    lang : str
        ``"en"`` or ``"zh"`` for the indicator names.
    standard : Standard or str, optional
        The scenario's standard (a name or a loaded :class:`Standard`, its layers included): its
        figures replace the national ones of the same key, and its indicators with a ``measure``
        are measured (those of its ``area_type``).
    network, demand_snap : Network, Snap, optional
        The run's network and the snap of ``demand`` onto it: a ``reach`` indicator farther than
        a category's threshold (the elderly circle: 15 min at 0.8 m/s = 720 m) is measured with
        one bounded search per category on them. Without them, such an indicator is measured
        from the coverage run's distances where they suffice, else not assessable.
    demand_owner : array of int, optional
        When ``demand_snap`` snaps access points (compound gates): the residence of each.

    Returns
    -------
    (indicators, catchments) : tuple of DataFrame
        One row per indicator (``result`` = pass / fail / not assessable, with the measured
        value, target, detail and source), and the catchment table of :func:`catchments`.
    """
    std = load_standard(FYP)
    ind = {i.key: i for i in std.indicators}
    local = _standard(standard)
    if local is not None:
        ind.update({i.key: i for i in local.indicators if i.key in ind})
    rows: list[dict[str, Any]] = []
    keys = [c.key for c in categories]
    catch = catchments(cov, facilities, categories)

    # 1. comprehensive-facility coverage, by community (or village) units
    cov_key = "rural_facility_coverage" if area_type == "rural" else "urban_facility_coverage"
    wanted = (VILLAGE, COMMUNITY) if area_type == "rural" else (COMMUNITY,)
    ckey = next((k for k in wanted if k in keys), None)
    if ckey is not None:
        units, grouped = _units(cov, demand, ckey)
        what = (_t(lang, "communities (demand column 'community')", "个社区（居住点的 community 列）") if grouped else
                _t(lang, "demand points (each counted as one unit; group them into communities with a 'community' column)",
                   "个居住点（各计为一个单元；可用 community 列归并为社区）"))
        share = float(units["covered"].mean()) if len(units) else float("nan")
        pop_share = float(units.loc[units["covered"], "population"].sum() / units["population"].sum()) if units["population"].sum() > 0 else float("nan")
        ps = "–" if not np.isfinite(pop_share) else f"{pop_share:.1%}"
        rows.append(_row(ind.get(cov_key), lang, share, _t(
            lang, f"{int(units['covered'].sum())} of {len(units)} {what} reach a community service facility "
                  f"within the threshold ({ps} of the population)",
            f"{len(units)} {what}中有 {int(units['covered'].sum())} 个在阈值内可达社区综合服务设施（占人口 {ps}）"), "area"))
    else:
        rows.append(_row(ind.get(cov_key), lang, None, _t(
            lang, f"category {' or '.join(repr(k) for k in wanted)} not measured in this scenario: add it to categories.use",
            f"本方案未测算{'或'.join(_zh_name(k) for k in wanted)}：请在 categories.use 中加入"), "area"))

    # 2. floor area per 100 households, per catchment of a community service facility
    a_ind = ind.get("facility_area_per_100_households")
    cs = catch[catch["category"] == COMMUNITY] if len(catch) else catch
    known = cs[np.isfinite(cs["floor_area_m2"].to_numpy(dtype=float))] if len(cs) else cs
    if len(known):
        served = known[known["households"] > 0]
        passing = int((served["m2_per_100_households"] >= (a_ind.value if a_ind and a_ind.value else 30.0)).sum())
        overall = float(served["floor_area_m2"].sum() / served["households"].sum() * 100) if len(served) else None
        rows.append(_row(a_ind, lang, overall, _t(
            lang, f"{passing} of {len(served)} facility catchments meet the norm; {len(cs) - len(known)} facilities have no floor area",
            f"{len(served)} 个设施服务范围中有 {passing} 个达标；{len(cs) - len(known)} 处设施无建筑面积数据"), "catchments"))
    else:
        rows.append(_row(a_ind, lang, None, _t(
            lang, "no floor areas known for community service facilities: give facilities a floor_area_m2 column",
            "社区综合服务设施无建筑面积数据：请在设施数据中提供 floor_area_m2 列"), "catchments"))

    # 3. area norms per category
    for cat in categories:
        if cat.area_norm_m2 is None:
            continue
        fac = facilities[facilities["category"] == cat.key] if len(facilities) else facilities
        fa = fac["floor_area_m2"].to_numpy(dtype=float) if "floor_area_m2" in fac.columns else np.full(len(fac), np.nan)
        known_fa = fa[np.isfinite(fa)]
        label = cat.name(lang)
        scope = _t(lang, f"area norm: {label} ≥ {cat.area_norm_m2:g} m²", f"面积标准：{label} ≥ {cat.area_norm_m2:g} m²")
        if len(known_fa) == 0:
            rows.append(_row(None, lang, None, _t(lang, f"{len(fac)} facilities, none with floor_area_m2",
                                                  f"共 {len(fac)} 处设施，均无建筑面积（floor_area_m2）数据"),
                             scope, key=f"area_norm_{cat.key}"))
            continue
        meets = float((known_fa >= cat.area_norm_m2).mean())
        nmeet = int((known_fa >= cat.area_norm_m2).sum())
        rows.append(_row(None, lang, meets, _t(
            lang, f"{nmeet} of {len(known_fa)} facilities with a known floor area meet ≥ {cat.area_norm_m2:g} m² ({cat.source})",
            f"已知建筑面积的 {len(known_fa)} 处设施中有 {nmeet} 处达到 ≥ {cat.area_norm_m2:g} m²（{cat.source}）"),
            scope, passed=bool(meets >= 1.0 - 1e-12), key=f"area_norm_{cat.key}"))

    # 4. residents' activity share of the facility floor area
    s_ind = ind.get("residents_activity_share")
    fac = facilities[facilities["category"] == COMMUNITY] if len(facilities) else facilities
    if len(fac) and {"activity_area_m2", "floor_area_m2"} <= set(fac.columns):
        act = fac["activity_area_m2"].to_numpy(dtype=float)
        fa = fac["floor_area_m2"].to_numpy(dtype=float)
        ok = np.isfinite(act) & np.isfinite(fa) & (fa > 0)
        if ok.any():
            shares = act[ok] / fa[ok]
            target = s_ind.value if s_ind and s_ind.value else 0.6
            rows.append(_row(s_ind, lang, float(act[ok].sum() / fa[ok].sum()), _t(
                lang, f"{int((shares >= target).sum())} of {int(ok.sum())} facilities give ≥ {target:.0%} of their floor "
                      "area to residents' activities",
                f"{int(ok.sum())} 处设施中有 {int((shares >= target).sum())} 处将 ≥ {target:.0%} 的建筑面积用于居民活动"), "facilities"))
        else:
            rows.append(_row(s_ind, lang, None, _t(lang, "activity_area_m2 given but no usable rows",
                                                   "提供了 activity_area_m2，但没有可用的行"), "facilities"))
    else:
        rows.append(_row(s_ind, lang, None, _t(lang, "give community service facilities activity_area_m2 and floor_area_m2 columns",
                                               "请为社区综合服务设施提供 activity_area_m2 与 floor_area_m2 列"), "facilities"))

    # 5. the standard's own indicators that a run measures
    by_key = {c.key: c for c in categories}
    for i in (local.indicators if local is not None else ()):
        if i.measure is None or (i.area_type is not None and i.area_type != area_type):
            continue
        if i.measure == "unit_coverage":
            rows.append(_unit_coverage(i, cov, demand, by_key, lang))
        else:
            rows.append(_reach(i, cov, by_key, lang, network, demand_snap, demand_owner))
    return pd.DataFrame(rows), catch
