"""Results of the development check and the constants they are measured with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from siting.inputs import ENTRANCE_TOLERANCE_M as _ENTRANCE_TOLERANCE_M
from siting.inputs import Development
from siting.scenario import Scenario
from siting.standards import Category, Citation, Rule

__all__ = ["BatchResult", "CheckLine", "CheckResult"]


#: Distances are searched up to this many times the threshold, so that a failing distance is
#: still measured (beyond it the report says "more than").
SEARCH_FACTOR = 4.0


#: An entrance farther than this from the development polygon is refused as a likely mistake (m);
#: the same tolerance gives compound entrances to compounds in ``siting run``.
ENTRANCE_TOLERANCE_M = _ENTRANCE_TOLERANCE_M


#: Where the area-per-households rate comes from.
RATE_SOURCE = ("14th-FYP-community-services", "facility_area_per_100_households")


COMMUNITY = "community_service"


#: The category of a rule line about the whole development (a floor share, not one service).
WHOLE = "development"


# ------------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------------
Status = Literal["pass", "fail", "not_assessable"]


@dataclass(frozen=True)
class CheckLine:
    """One line of the pass/fail table.

    Attributes
    ----------
    category : str
        Category key (``community_service`` for the community-area line; ``development`` for a
        rule about the whole development).
    check : str
        ``"distance"``, ``"capacity"``, ``"provision"`` or ``"community_area"``; for a line of a
        catalog rule, the rule's key (e.g. ``"new_community_facility_min"``).
    status : str
        ``"pass"``, ``"fail"`` or ``"not_assessable"``.
    reason : str
        Key of the reason (``"within_threshold"``, ``"too_far"``, ``"over_capacity"``, ...), for
        the report text and for tests.
    numbers : dict
        Everything measured for this line: metres, minutes, m², households (JSON types).
    cite : tuple of Citation
        Where the figures the line is judged against are written (document, number, date,
        clause): the threshold, the area norm, the m² per 100 households, the rule.
    rule : Rule or None
        The catalog rule of the line (``None`` for the distance, capacity, provision and
        community-area lines).
    """

    category: str
    check: str
    status: Status
    reason: str
    numbers: dict[str, Any]
    cite: tuple[Citation, ...] = ()
    rule: Rule | None = None


@dataclass(frozen=True, eq=False)
class CheckResult:
    """The check of one development against one scenario.

    Attributes
    ----------
    development : Development
    households, population : float
        Used by the check (one derived from the other with the scenario's household size
        where only one is given).
    lines : list of CheckLine
    remedies : list of dict
        Per failing category: ``kind`` ``"new_stations"`` (sites with lon/lat, the access
        points each brings within reach, plan status) or ``"planned_area"`` (m² to plan).
    access : GeoDataFrame
        Access points in the network CRS: ``kind`` (entrance / boundary / interior), ``snap_m``,
        ``reachable``.
    access_kind : str
        ``"entrances"``, ``"boundary"`` or ``"interior"``.
    polygon : GeoDataFrame
        The development in the network CRS.
    catchments : dict
        Threshold (metres) → reached streets (shapely lines, network CRS) from the access points.
    categories : list of Category
    notes : list of str
        Warnings for the report (partly outside the network area, an entrance off the streets).
    standard : Standard or None
        The scenario's standard with its layers (its rules made the rule lines).
    """

    development: Development
    scenario: Scenario
    households: float
    population: float
    lines: list[CheckLine]
    remedies: list[dict[str, Any]]
    access: gpd.GeoDataFrame
    access_kind: str
    polygon: gpd.GeoDataFrame
    catchments: dict[float, Any]
    categories: list[Category]
    facilities: gpd.GeoDataFrame
    rate_m2_per_100_households: float
    rule: str
    notes: list[str] = field(default_factory=list)
    standard: Any = None

    @property
    def status(self) -> str:
        """``"fail"`` when any line fails, else ``"pass"`` (not-assessable lines do not fail)."""
        return "fail" if any(ln.status == "fail" for ln in self.lines) else "pass"

    @property
    def exit_code(self) -> int:
        """0 when every line passes (or is not assessable), 1 when any fails."""
        return 1 if self.status == "fail" else 0

    def table(self) -> pd.DataFrame:
        """The lines as a table: category, check, status, reason and the numbers as columns."""
        return pd.DataFrame([{"category": ln.category, "check": ln.check, "status": ln.status,
                              "reason": ln.reason, **ln.numbers} for ln in self.lines])

    @property
    def rule_lines(self) -> list[CheckLine]:
        """The lines of the catalog's rules (local and provincial rules among them)."""
        return [ln for ln in self.lines if ln.rule is not None]

    def line(self, category: str, check: str) -> CheckLine:
        """The line of ``category`` and ``check`` (KeyError when there is none)."""
        for ln in self.lines:
            if ln.category == category and ln.check == check:
                return ln
        raise KeyError(f"no {check!r} line for {category!r}")


# ------------------------------------------------------------------------------------------------
# reports and batches
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class BatchResult:
    """The checks of several proposals against one scenario.

    Attributes
    ----------
    summary : DataFrame
        One row per proposal: ``proposal``, ``file``, ``status`` (pass / fail / error),
        ``exit_code`` (0 / 1 / 2), ``households``, ``lines_pass``, ``lines_fail``,
        ``lines_not_assessable``, ``failed`` (``category:check`` list), ``error``, ``html``, ``json``.
    results : dict
        Proposal file → :class:`CheckResult` (proposals that could be checked).
    paths : dict
        ``summary`` (CSV) and per proposal file its report paths.
    """

    summary: pd.DataFrame
    results: dict[str, CheckResult]
    paths: dict[str, Any]

    @property
    def exit_code(self) -> int:
        """2 when any proposal had an input error, else 1 when any failed, else 0."""
        codes = self.summary["exit_code"].astype(int) if len(self.summary) else pd.Series([0])
        return 2 if (codes == 2).any() else 1 if (codes == 1).any() else 0
