"""Result types of a run, below both the pipeline that makes them and the outputs that draw them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from siting.access import AccessResult
from siting.coverage import CoverageResult
from siting.network import Network
from siting.scenario import Scenario
from siting.standards import Category

__all__ = ["RunResult"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything a scenario run measured.

    Attributes
    ----------
    scenario : Scenario
    network : Network
    categories : list of Category
    demand, facilities : GeoDataFrame
        In the network's projected CRS (metres).
    coverage : CoverageResult
    timings : dict
        Seconds per stage.
    notes : list of str
        Statements for the map and report (e.g. how residents were estimated).
    extras : dict
        Tables, layers, plans and the summary added by later stages.
    access : AccessResult or None
        Accessibility and equity (2SFCA) when the scenario has an ``[access]`` section, with
        the after-plan values when it also has ``[optimize]``.
    """

    scenario: Scenario
    network: Network
    categories: list[Category]
    demand: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    coverage: CoverageResult
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    access: AccessResult | None = None
