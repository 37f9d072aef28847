"""Small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

CRS = "EPSG:32650"


def points(xy, crs=CRS, **cols) -> gpd.GeoDataFrame:
    """A GeoDataFrame of points from (x, y) pairs, with extra columns."""
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)

#: The repository root and the tests' data folder (every test module finds files from here).
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
