"""Planning indicators with pass/fail against the standards' targets.

Measured from facility and demand attributes after a coverage run:

* **comprehensive-facility coverage** — the share of communities (or villages: each demand row is
  a unit, or rows grouped by a ``community`` column) within reach of a community service
  facility, against 100 % (urban) or ≥ 80 % (rural) of the 十四五 community-services plan;
* **floor area per 100 households** — per catchment (the households whose nearest facility,
  within the threshold, is that facility), ``floor_area_m2 ÷ households × 100``, against ≥ 30 m²;
* **area norms** — the share of facilities of each category whose ``floor_area_m2`` meets the
  category's norm (e.g. elderly day care ≥ 350 m², 完整居住社区建设标准(试行) 2020);
* **residents' activity share** — ``activity_area_m2 ÷ floor_area_m2`` ≥ 60 % where both are given.

An indicator that cannot be measured (no floor areas in the data, an unconfirmed target) is
reported as *not assessable*, never as a pass.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.coverage import CoverageResult
from siting.standards import Category, load_standard

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
    }


def indicators(
    cov: CoverageResult,
    demand: pd.DataFrame,
    facilities: pd.DataFrame,
    categories: Sequence[Category],
    *,
    area_type: str = "urban",
    lang: str = "en",
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

    Returns
    -------
    (indicators, catchments) : tuple of DataFrame
        One row per indicator (``result`` = pass / fail / not assessable, with the measured
        value, target, detail and source), and the catchment table of :func:`catchments`.
    """
    std = load_standard(FYP)
    ind = {i.key: i for i in std.indicators}
    rows: list[dict[str, Any]] = []
    keys = [c.key for c in categories]
    catch = catchments(cov, facilities, categories)

    # 1. comprehensive-facility coverage, by community (or village) units
    cov_key = "rural_facility_coverage" if area_type == "rural" else "urban_facility_coverage"
    wanted = (VILLAGE, COMMUNITY) if area_type == "rural" else (COMMUNITY,)
    ckey = next((k for k in wanted if k in keys), None)
    if ckey is not None:
        r = cov.residences[["rid", "population", f"{ckey}_covered"]].copy()
        if "community" in demand.columns:
            r["unit"] = demand.set_index("rid").loc[r["rid"], "community"].to_numpy()
            units = r.groupby("unit").agg(covered=(f"{ckey}_covered", "any"), population=("population", "sum"))
            what = "communities (demand column 'community')"
        else:
            units = r.rename(columns={f"{ckey}_covered": "covered"})
            what = "demand points (each counted as one unit; group them into communities with a 'community' column)"
        share = float(units["covered"].mean()) if len(units) else float("nan")
        pop_share = float(units.loc[units["covered"], "population"].sum() / units["population"].sum()) if units["population"].sum() > 0 else float("nan")
        rows.append(_row(ind.get(cov_key), lang, share,
                         f"{int(units['covered'].sum())} of {len(units)} {what} reach a community service facility "
                         f"within the threshold ({pop_share:.1%} of the population)", "area"))
    else:
        rows.append(_row(ind.get(cov_key), lang, None,
                         f"category {' or '.join(repr(k) for k in wanted)} not measured in this scenario: add it to categories.use", "area"))

    # 2. floor area per 100 households, per catchment of a community service facility
    a_ind = ind.get("facility_area_per_100_households")
    cs = catch[catch["category"] == COMMUNITY] if len(catch) else catch
    known = cs[np.isfinite(cs["floor_area_m2"].to_numpy(dtype=float))] if len(cs) else cs
    if len(known):
        served = known[known["households"] > 0]
        passing = int((served["m2_per_100_households"] >= (a_ind.value if a_ind and a_ind.value else 30.0)).sum())
        overall = float(served["floor_area_m2"].sum() / served["households"].sum() * 100) if len(served) else None
        rows.append(_row(a_ind, lang, overall,
                         f"{passing} of {len(served)} facility catchments meet the norm; "
                         f"{len(cs) - len(known)} facilities have no floor area", "catchments"))
    else:
        rows.append(_row(a_ind, lang, None,
                         "no floor areas known for community service facilities: give facilities a floor_area_m2 column", "catchments"))

    # 3. area norms per category
    for cat in categories:
        if cat.area_norm_m2 is None:
            continue
        fac = facilities[facilities["category"] == cat.key] if len(facilities) else facilities
        fa = fac["floor_area_m2"].to_numpy(dtype=float) if "floor_area_m2" in fac.columns else np.full(len(fac), np.nan)
        known_fa = fa[np.isfinite(fa)]
        label = cat.name(lang)
        if len(known_fa) == 0:
            rows.append(_row(None, lang, None, f"{len(fac)} facilities, none with floor_area_m2",
                             f"area norm: {label} ≥ {cat.area_norm_m2:g} m²", key=f"area_norm_{cat.key}"))
            continue
        meets = float((known_fa >= cat.area_norm_m2).mean())
        rows.append(_row(None, lang, meets,
                         f"{int((known_fa >= cat.area_norm_m2).sum())} of {len(known_fa)} facilities with a known floor area meet "
                         f"≥ {cat.area_norm_m2:g} m² ({cat.source})",
                         f"area norm: {label} ≥ {cat.area_norm_m2:g} m²", passed=bool(meets >= 1.0 - 1e-12),
                         key=f"area_norm_{cat.key}"))

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
            rows.append(_row(s_ind, lang, float(act[ok].sum() / fa[ok].sum()),
                             f"{int((shares >= target).sum())} of {int(ok.sum())} facilities give ≥ {target:.0%} of their floor "
                             "area to residents' activities", "facilities"))
        else:
            rows.append(_row(s_ind, lang, None, "activity_area_m2 given but no usable rows", "facilities"))
    else:
        rows.append(_row(s_ind, lang, None, "give community service facilities activity_area_m2 and floor_area_m2 columns", "facilities"))
    return pd.DataFrame(rows), catch
